"""Issue 10, part 5: one comparison table and one sheet for every generator (benchmarks/generative.py)."""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import generative
from generative.compare import comparison_sheet, label_diversity, pick_columns
from generative.errors import GenerativeError
from generative.models import NAMES

torch = pytest.importorskip("torch")

from generative import data  # noqa: E402
from generative.train import TrainConfig, train  # noqa: E402
from plotter.svg import read  # noqa: E402

FONTS, GLYPHS = ("futural", "rowmans", "timesr", "scripts"), "ABC17"
TINY = {"ae": {"enc_hidden": 8, "dec_hidden": 16, "z_dim": 4, "n_mixtures": 2, "class_dim": 4},
        "diffusion": {"image_size": 12, "channels": 8, "timesteps": 100, "sample_steps": 4}}
BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "generative.py"


def _bar(y: float) -> list[np.ndarray]:
    return [np.array([[0.1, y], [0.9, y]])]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("generative_benchmark", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def drawings():
    """Twenty glyphs: five labels in four fonts."""
    return data.hershey_drawings(FONTS, GLYPHS)


@pytest.fixture(autouse=True)
def tiny_corpus(monkeypatch, drawings):
    monkeypatch.setitem(data.CORPORA, "tiny", lambda: drawings)
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, drawings):
    """A weights folder: tiny ``ae-tiny.pt`` and ``diffusion-tiny.pt`` (a few steps each), a broken ``vae-tiny.pt``."""
    folder = tmp_path_factory.mktemp("weights")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(data.CORPORA, "tiny", lambda: drawings)
        for kind, model in TINY.items():
            config = TrainConfig(kind=kind, data="tiny", steps=12, batch_size=8, learning_rate=5e-3, warmup_steps=2,
                                 validate_every=12, checkpoint_every=12, sample_count=2,
                                 out=str(tmp_path_factory.mktemp(kind)), model=model)
            result = train(config, progress=False)
            shutil.copy(result.out / f"{kind}.pt", folder / f"{kind}-tiny.pt")
    (folder / "vae-tiny.pt").write_bytes(b"not a checkpoint")
    return folder


@pytest.fixture(scope="module")
def report(bench, shipped, tmp_path_factory, drawings):
    """The output folder of one benchmark run over every registered kind on the tiny corpus."""
    out = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(data.CORPORA, "tiny", lambda: drawings)
        patch.setattr(generative, "WEIGHTS", shipped)
        bench.main(["--data", "tiny", "--out", str(out), "--judge-steps", "10", "--per-class", "2",
                    "--interpolate", ""])
    return out


# --- diversity and the sheet's columns ------------------------------------------------------
@pytest.mark.parametrize(
    ("vectors", "labels", "expected"),
    [
        ([[0, 0], [0, 0], [3, 4]], ["a", "a", "b"], 0.0),  # one pair, the same; "b" has no pair
        ([[0, 0], [3, 4], [0, 0], [0, 1]], ["a", "a", "b", "b"], 3.0),  # (5 + 1) / 2
        ([[0, 0], [3, 4], [6, 8]], [1, 1, 1], 20 / 3),  # pairs at 5, 10, 5
    ],
)
def test_diversity_is_the_mean_distance_between_two_samples_of_a_label(vectors, labels, expected):
    assert label_diversity(np.array(vectors, dtype=float), labels) == pytest.approx(expected)


def test_diversity_needs_a_pair():
    with pytest.raises(GenerativeError, match="at least two samples of one label"):
        label_diversity(np.zeros((2, 3)), ["a", "b"])


def test_identical_samples_have_no_diversity_and_distinct_ones_have_some(bench):
    from generative.data import rasterize

    same = np.stack([rasterize(_bar(0.5), 28)] * 4)
    spread = np.stack([rasterize(_bar(y), 28) for y in (0.2, 0.4, 0.6, 0.8)])
    features = np.zeros((4, 8))
    assert bench.diversity(same, features, [0] * 4) == (0.0, 0.0)
    raster, _ = bench.diversity(spread, features, [0] * 4)
    assert 0 < raster <= 1


def test_columns_take_the_next_sample_of_each_label_and_leave_missing_cells_empty():
    samples = [["a1"], ["b1"], ["a2"]]
    assert pick_columns(samples, ["a", "b", "a"], ["a", "a", "b", "b", "z"]) == [["a1"], ["a2"], ["b1"], [], []]


def test_comparison_sheet_puts_a_header_and_one_labelled_row_per_model_in_a_grid():
    rows = {"real": [_bar(0.5), []], "vae": [_bar(0.5), _bar(0.5)]}
    plan = comparison_sheet([("hershey", ["A", "B"], rows), ("aaron", ["rock"], {"gan": [_bar(0.5)]})])
    bars = [p for p in plan.layers[0].paths if len(p) == 2 and p[0, 1] == p[1, 1] and p[1, 0] - p[0, 0] > 20]
    # three drawn bars of the hershey section + one of aaron; every row also has its name and the headers their text
    assert len(bars) == 4
    tops = sorted({round(float(p[0, 1])) for p in bars})
    assert len(tops) == 3  # real, vae (hershey) and gan (aaron) rows: the two vae bars share a row
    lefts = sorted({round(float(p[0, 0])) for p in bars})
    assert len(lefts) == 2  # the first and second label columns, after the name column
    assert len(plan.layers[0].paths) > len(bars) + 10


def test_comparison_sheet_rejects_a_row_of_the_wrong_length():
    with pytest.raises(GenerativeError, match="row 'vae' of 'hershey' has 1 drawings for 2 columns"):
        comparison_sheet([("hershey", ["A", "B"], {"vae": [_bar(0.5)]})])


# --- one run: every registered kind --------------------------------------------------------
def test_one_run_scores_each_kind_with_weights_and_skips_the_others_with_a_note(bench, report):
    text = (report / "generative.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("| ") and " | tiny | " in line]
    assert [line.split(" | ")[0] for line in table] == ["| real drawings", *[f"| {k}" for k in NAMES if k in TINY]]
    for line in table[1:]:
        cells = [cell.strip() for cell in line.strip("| ").split(" | ")]
        accuracy = float(cells[2].rstrip("%")) / 100
        assert 0 <= accuracy <= 1
        target = bench.TARGETS.get(cells[0], 0.6)
        assert cells[3] == f">= {target:.0%}: {'met' if accuracy >= target else 'MISSED'}"
        assert re.fullmatch(r"\d+ \(\d+\)", cells[4])  # Fréchet distance, the untrained model's in brackets
        assert float(cells[5]) >= 0 and float(cells[6]) >= 0  # diversity: raster RMS, judge features
        assert float(cells[7]) > 0 and int(cells[8].replace(",", "")) > 0
        assert re.fullmatch(r"12 steps, \d+ s", cells[9]) and cells[10].endswith(" MB")
    for kind in set(NAMES) - set(TINY) - {"vae"}:
        assert f"- skipped {kind}/tiny: no weights ({kind}-tiny.pt); train: plotter train {kind} --data tiny" in text
    assert re.search(r"- skipped vae/tiny: checkpoint '.*vae-tiny.pt' is not a readable checkpoint", text)


def test_the_vae_diffusion_and_transformer_rows_are_held_to_the_higher_target(report):
    row = next(line for line in (report / "generative.md").read_text().splitlines() if line.startswith("| diffusion"))
    assert ">= 80%: " in row
    row = next(line for line in (report / "generative.md").read_text().splitlines() if line.startswith("| ae"))
    assert ">= 60%: " in row


def test_the_second_table_has_each_kinds_validation_losses_and_sheet_time(report):
    text = (report / "generative.md").read_text()
    for kind in TINY:
        assert re.search(rf"\| {kind}/tiny \| validation loss \| -?\d+\.\d{{3}} \|", text)
        assert re.search(rf"\| {kind}/tiny \| sheet of 64 samples, CPU seconds \| \d+\.\d\d \| <= 10 \|", text)
    assert "| ae/tiny | validation kl |" not in text and "| ae/tiny | validation reconstruction |" in text


def test_the_sheet_has_a_row_of_real_drawings_and_one_per_model(report):
    plan = read(report / "generative-sheet.svg")
    assert plan.path_count > 0 and (report / "generative-sheet.png").stat().st_size > 0
    assert (report / "judge-tiny-10.pt").is_file()
    for kind in TINY:
        assert (report / f"generative-{kind}-tiny.svg").is_file() and (report / f"generative-{kind}-tiny.png").is_file()


def test_a_cached_judge_is_reused_and_one_of_other_labels_is_trained_again(bench, report, monkeypatch, tmp_path,
                                                                         drawings):
    shutil.copy(report / "judge-tiny-10.pt", tmp_path)
    labels = data.labels_of(drawings)
    monkeypatch.setattr(bench, "train_judge", lambda *args: pytest.fail("the cached judge was trained again"))
    cached, seconds = bench.cached_judge("tiny", labels, drawings, 10, tmp_path)
    stored = torch.load(tmp_path / "judge-tiny-10.pt", weights_only=True)
    assert seconds == stored["seconds"]
    assert all(torch.equal(cached.state_dict()[k], v) for k, v in stored["state"].items())
    monkeypatch.setattr(bench, "train_judge", lambda images, classes, n, steps, seed: bench.Judge(n))
    other, _ = bench.cached_judge("tiny", labels[:3], [d for d in drawings if d.label in labels[:3]], 10, tmp_path)
    assert other.classify.out_features == 3
    assert torch.load(tmp_path / "judge-tiny-10.pt", weights_only=True)["labels"] == labels[:3]


def test_an_unknown_kind_is_one_clear_error(bench, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--kinds", "vae,nope", "--data", "tiny"])
    assert f"unknown generator nope; available: {', '.join(NAMES)}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("0.5", "vae", 0.5),  # one value for every kind
        ("vae=0.05,transformer=0.8", "transformer", 0.8),
        ("vae=0.05,transformer=0.8", "ae", 0.2),  # not named: the default
        ("0.5,vae=0.05", "ae", 0.5),  # a bare value for the rest
        ("", "vae", 0.2),
    ],
)
def test_sampling_options_are_given_for_every_kind_or_per_kind(bench, text, kind, expected):
    assert bench.option_for(kind, bench.per_kind_option(float)(text), 0.2) == expected


@pytest.mark.parametrize(("text", "message"), [("nope=0.1", "unknown generator 'nope'"), ("vae=x", "'x' in 'vae=x'")])
def test_a_wrong_sampling_option_names_what_is_wrong(bench, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        bench.per_kind_option(float)(text)
