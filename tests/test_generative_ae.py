"""Issue 10, first step: the generator registry, the plain autoencoder, interpolation sheets and their smoothness."""

from __future__ import annotations

import numpy as np
import pytest

from generative import models
from generative.errors import CheckpointError, GenerativeError
from generative.smoothness import path_smoothness

torch = pytest.importorskip("torch")

from click.testing import CliRunner  # noqa: E402

from generative import data  # noqa: E402
from generative.sample import interpolation_plan, interpolation_rows, interpolation_sheet, load_model  # noqa: E402
from generative.train import TrainConfig, train  # noqa: E402
from plotter.cli.train_generate import generate  # noqa: E402
from plotter.svg import read  # noqa: E402

TINY = {"enc_hidden": 8, "dec_hidden": 16, "z_dim": 4, "n_mixtures": 2, "class_dim": 4}
FONTS, GLYPHS = ("futural", "rowmans", "timesr", "scripts"), "ABC17"


@pytest.fixture(autouse=True)
def tiny_corpus(monkeypatch):
    drawings = data.hershey_drawings(FONTS, GLYPHS)
    monkeypatch.setitem(data.CORPORA, "tiny", lambda: drawings)
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny autoencoder and a tiny VAE of the same shape, trained alike on the same twenty glyphs."""
    drawings = data.hershey_drawings(FONTS, GLYPHS)
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(data.CORPORA, "tiny", lambda: drawings)
        for kind in ("ae", "vae"):
            config = TrainConfig(kind=kind, data="tiny", steps=30, batch_size=8, learning_rate=5e-3, warmup_steps=4,
                                 validate_every=10, checkpoint_every=30, sample_count=4,
                                 out=str(tmp_path_factory.mktemp(kind)), model=TINY)
            runs[kind] = train(config, progress=False)
    return runs


def _weights(trained, kind):
    return trained[kind].out / f"{kind}.pt"


# --- the registry --------------------------------------------------------------------------
def test_registry_names_every_kind_with_its_own_checkpoint_stamp():
    assert models.NAMES == ("vae", "diffusion", "ae", "gan", "dream", "transformer")
    assert models.LATENT_NAMES == ("vae", "ae")
    stamps = {name: models.get(name).module.KIND for name in models.NAMES}
    assert stamps == {"vae": "sketch_vae", "diffusion": "ddpm", "ae": "sketch_ae", "gan": "dcgan",
                      "dream": "dream_classifier", "transformer": "stroke_transformer"}
    assert len(set(stamps.values())) == len(stamps)  # a checkpoint names exactly one kind
    inputs = {name: models.get(name).inputs for name in models.NAMES}
    assert inputs == {"vae": "strokes", "ae": "strokes", "transformer": "strokes", "diffusion": "rasters",
                      "gan": "rasters", "dream": "rasters"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: models.get("gpt"), "unknown generator 'gpt'; available: vae, diffusion, ae, gan, dream, transformer"),
        (lambda: models.latent("diffusion"), "diffusion has no latent code to walk.*models with one: vae, ae"),
        (lambda: models.latent_models(" , "), "no model in ' , '; models with a latent code: vae, ae"),
        (lambda: models.latent_models("ae,vae,ae"), "model 'ae' is named twice"),
        (lambda: models.latent_models("ae,gpt=x.pt"), "unknown generator 'gpt'"),
        (lambda: models.latent_models("ae,gan"), "gan has no latent code to walk"),
    ],
)
def test_registry_names_what_is_wrong(call, message):
    with pytest.raises(GenerativeError, match=message):
        call()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ae,vae", {"ae": None, "vae": None}),
        ("vae=runs/v.pt, ae", {"vae": "runs/v.pt", "ae": None}),
        ("ae = a.pt", {"ae": "a.pt"}),
    ],
)
def test_model_list_keeps_order_and_checkpoints(spec, expected):
    chosen = models.latent_models(spec)
    assert chosen == expected and list(chosen) == list(expected)


# --- the autoencoder -----------------------------------------------------------------------
def test_autoencoder_is_the_vae_network_weight_for_weight():
    vae = models.get("vae").build({**TINY, "n_classes": 5})
    ae = models.get("ae").build({**TINY, "n_classes": 5})
    assert {k: v.shape for k, v in ae.state_dict().items()} == {k: v.shape for k, v in vae.state_dict().items()}


def _batch(count=6):
    strokes, lengths = data.stroke5_batch([data.stroke3(d) for d in data.load_corpus("tiny")[:count]], 40)
    return torch.from_numpy(strokes), torch.from_numpy(lengths), torch.arange(count) % 5


def test_autoencoder_codes_are_deterministic_and_its_loss_is_the_reconstruction_alone():
    strokes, lengths, labels = _batch()
    config = {**TINY, "n_classes": 5, "dropout": 0.0}
    losses = {}
    for kind in ("ae", "vae"):
        torch.manual_seed(0)
        model = models.get(kind).build(config)
        runs = []
        for seed in (1, 2):  # the only randomness left is the code's noise
            torch.manual_seed(seed)
            runs.append(model(strokes, lengths, labels, kl_weight=0.5))
        losses[kind] = runs
    first, second = losses["ae"]
    assert set(first) == {"loss", "reconstruction"} and torch.equal(first["loss"], first["reconstruction"])
    assert torch.equal(first["loss"], second["loss"])  # z = μ: no noise
    assert not torch.equal(losses["vae"][0]["loss"], losses["vae"][1]["loss"])  # the VAE samples its code


def test_autoencoder_trains_only_its_code_not_the_unused_spread():
    strokes, lengths, labels = _batch()
    model = models.get("ae").build({**TINY, "n_classes": 5})
    model(strokes, lengths, labels)["loss"].backward()
    grad = model.to_latent.weight.grad  # rows: z_dim means, then z_dim log-variances
    assert grad[: TINY["z_dim"]].abs().sum() > 0 and grad[TINY["z_dim"]:].abs().sum() == 0


def test_autoencoder_prior_is_its_training_codes_with_their_spread():
    model = models.get("ae").build({**TINY, "n_classes": 3, "prior_codes": 2})
    mu = torch.tensor([[1.0, 2.0, 0.0, 0.0], [3.0, 2.0, 0.0, 4.0], [-5.0, 2.0, 0.0, 0.0]])
    model.fit_class_prior(mu, torch.zeros_like(mu), torch.tensor([0, 0, 2]))
    assert model.class_prior[0, :, 0].tolist() == mu[:2].tolist()
    spread = mu.var(0).clamp_min(1e-8).sqrt()
    assert torch.allclose(model.class_prior[0, 0, 1], spread) and torch.allclose(model.class_prior[2, 1, 1], spread)


def test_training_an_autoencoder_writes_its_own_kind_and_the_loss_falls(trained):
    result = trained["ae"]
    losses = np.array([r["loss"] for r in result.history])
    assert np.isfinite(losses).all() and losses[-8:].mean() < 0.8 * losses[:4].mean()
    assert all("kl" not in r for r in result.history) and "val_reconstruction" in result.history[-1]
    for name in ("checkpoint.pt", "ae.pt", "config.json", "loss.png", "samples.png"):
        assert (result.out / name).stat().st_size > 0, name
    model, labels = load_model("ae", _weights(trained, "ae"))
    assert type(model).__name__ == "SketchAutoencoder" and labels == ["1", "7", "A", "B", "C"]
    with pytest.raises(CheckpointError, match="holds a 'sketch_ae' model, not 'sketch_vae'"):
        load_model("vae", _weights(trained, "ae"))


def test_autoencoder_resumes_exactly(tmp_path):
    def config(out, steps, **changes):
        return TrainConfig(kind="ae", data="tiny", steps=steps, batch_size=8, validate_every=3, checkpoint_every=3,
                           sample_count=2, out=str(out), model=TINY, **changes)

    straight = train(config(tmp_path / "straight", 5), progress=False)
    train(config(tmp_path / "split", 3, lr_horizon=5), progress=False)
    resumed = train(config(tmp_path / "split", 5), resume=True, progress=False)
    assert [r["loss"] for r in resumed.history] == [r["loss"] for r in straight.history]


# --- interpolation -------------------------------------------------------------------------
def test_every_model_walks_between_the_same_two_drawings(trained):
    weights = {kind: _weights(trained, kind) for kind in ("ae", "vae")}
    (start, end), rows = interpolation_rows("A", "B", 4, weights, data="tiny", seed=2)
    assert (start.label, end.label) == ("A", "B") and start.source == end.source
    assert list(rows) == ["ae", "vae"] and all(len(row) == 4 for row in rows.values())
    again = interpolation_rows("A", "B", 4, weights, data="tiny", seed=2)[1]
    assert [[p.tolist() for p in s] for s in again["ae"]] == [[p.tolist() for p in s] for s in rows["ae"]]


def test_interpolation_sheet_has_one_labelled_row_per_model(trained):
    weights = {kind: _weights(trained, kind) for kind in ("ae", "vae")}
    plan = interpolation_sheet("A", "C", steps=5, models=("ae", "vae"), weights=weights, data="tiny", seed=1,
                               page_mm=(297, 210))
    params = plan.metadata["params"]
    assert params["models"] == ["ae", "vae"] and params["interpolate"] == ["A", "C"]
    assert params["weights"] == {k: str(v) for k, v in weights.items()}
    cell = (297 - 30) / 6
    rows = {int((p[:, 1].mean() - 15) // cell) for _, p in plan.iter_paths()}
    left = [p for _, p in plan.iter_paths() if p[:, 0].max() < 15 + cell]  # the label column
    assert len(rows) == 2 and len(left) >= 4  # "ae" and "vae" in Hershey strokes
    xmin, ymin, xmax, ymax = plan.bounds()
    assert 15 <= xmin and xmax <= 297 - 15 and 15 <= ymin and ymax <= 210 - 15


def test_single_model_row_works_for_the_autoencoder(trained):
    plan = interpolation_plan("A", "B", steps=3, weights=_weights(trained, "ae"), data="tiny", kind="ae")
    assert plan.metadata["generator"] == "generative.ae.interpolation" and plan.path_count > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 1}, "at least 2 steps, not 1"),
        ({"models": ("vae", "diffusion"), "weights": {}}, "diffusion has no latent code"),
        ({"models": ("vae",), "weights": {"ae": "x.pt"}}, "weights given for ae, which is not among the models vae"),
        ({"last": "Q"}, "unknown label 'Q'; valid labels: 1 7 A B C"),
    ],
)
def test_interpolation_sheet_names_bad_requests(trained, kwargs, message):
    request = {"first": "A", "last": "B", "models": ("ae", "vae"), "data": "tiny",
               "weights": {kind: _weights(trained, kind) for kind in ("ae", "vae")}, **kwargs}
    with pytest.raises(GenerativeError, match=message):
        interpolation_sheet(**request)


def test_generate_interpolate_writes_the_sheet_and_its_redraw_command(trained, tmp_path):
    out = tmp_path / "sheet.svg"
    spec = f"ae={_weights(trained, 'ae')},vae={_weights(trained, 'vae')}"
    result = CliRunner().invoke(generate, ["interpolate", "--from", "A", "--to", "B", "--steps", "4", "--models",
                                           spec, "--data", "tiny", "--page", "a5", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    plan = read(out)
    command = plan.metadata["command"]
    assert command.startswith("plotter generate interpolate --from A --to B --steps 4")
    assert f"--models {spec}" in command and "--data tiny" in command
    assert plan.metadata["params"]["models"] == ["ae", "vae"]


def test_generate_ae_samples_and_interpolates_like_the_vae(trained, tmp_path):
    for args in (["--label", "A", "--count", "3"], ["--interpolate", "A", "B", "--steps", "3"]):
        out = tmp_path / "ae.svg"
        result = CliRunner().invoke(generate, ["ae", "--weights", str(_weights(trained, "ae")), "--data", "tiny",
                                               *args, "-o", str(out)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert read(out).metadata["command"].startswith("plotter generate ae")


# --- smoothness ----------------------------------------------------------------------------
def _bar(y: float) -> list[np.ndarray]:
    return [np.array([[0.2, y], [0.8, y]])]


@pytest.mark.parametrize(
    ("ys", "check"),
    [
        ([0.5, 0.5, 0.5], lambda m: m["mean_step"] == m["max_step"] == 0 and m["detour"] == 1 == 2 * m["jump_share"]),
        ([0.2, 0.2, 0.8], lambda m: m["max_step"] > 0 and m["detour"] == pytest.approx(1.0) and m["jump_share"] == 1),
        ([0.2, 0.8, 0.2, 0.8], lambda m: m["detour"] == pytest.approx(3.0)),  # back and forth
    ],
)
def test_smoothness_measures_the_steps_of_a_row(ys, check):
    assert check(path_smoothness([_bar(y) for y in ys]))


def test_small_steps_are_smoother_than_one_jump_between_the_same_ends():
    gradual = path_smoothness([_bar(y) for y in np.linspace(0.3, 0.4, 9)])
    jump = path_smoothness([_bar(0.3)] * 8 + [_bar(0.4)])
    assert gradual["max_step"] < jump["max_step"] and gradual["jump_share"] < 0.3 < jump["jump_share"] == 1.0


def test_smoothness_needs_two_drawings():
    with pytest.raises(GenerativeError, match="at least two drawings, not 1"):
        path_smoothness([_bar(0.5)])


def test_benchmark_scores_each_models_walks(trained):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "generative.py"
    spec = importlib.util.spec_from_file_location("generative_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    torch.manual_seed(0)
    rows = bench.smoothness_rows("tiny", bench.Judge(5).eval(), {k: _weights(trained, k) for k in ("ae", "vae")},
                                 "A:B,1:7", steps=4, temperature=0.01)
    assert [r[0] for r in rows] == ["ae/tiny"] * 5 + ["vae/tiny"] * 5
    confidence = [float(r[2].rstrip("%")) for r in rows if r[1].endswith("labels, mean")]
    assert len(confidence) == 2 and all(0 <= c <= 100 for c in confidence)
    assert all(r[1].startswith("interpolation: ") for r in rows)
