"""The generators on tiny models: losses fall, training resumes exactly, samples are plans, bad input is named."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from generative import data  # noqa: E402
from generative.checkpoint import save_checkpoint  # noqa: E402
from generative.errors import CheckpointError, GenerativeError  # noqa: E402
from generative.sample import generate_plan, load_model  # noqa: E402
from generative.train import TrainConfig, resolve_device, train  # noqa: E402

TINY = {
    "vae": {"enc_hidden": 8, "dec_hidden": 16, "z_dim": 4, "n_mixtures": 2, "class_dim": 4},
    "diffusion": {"image_size": 12, "channels": 8, "timesteps": 100, "sample_steps": 4},
}


@pytest.fixture(autouse=True)
def tiny_corpus(monkeypatch):
    """Twenty glyphs in four fonts: enough to learn from in a few steps."""
    drawings = data.hershey_drawings(("futural", "rowmans", "timesr", "scripts"), "ABC17")
    monkeypatch.setitem(data.CORPORA, "tiny", lambda: drawings)
    torch.set_num_threads(1)


def _config(kind: str, out, steps: int, **changes) -> TrainConfig:
    return TrainConfig(kind=kind, data="tiny", steps=steps, batch_size=8, learning_rate=5e-3, validate_every=10,
                       checkpoint_every=3, sample_count=4, out=str(out), model=TINY[kind], **changes)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny trained run per kind, shared by the sampling and checkpoint tests."""
    runs = {}
    for kind, steps in (("vae", 40), ("diffusion", 40)):
        out = tmp_path_factory.mktemp(kind)
        drawings = data.hershey_drawings(("futural", "rowmans", "timesr", "scripts"), "ABC17")
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(data.CORPORA, "tiny", lambda drawings=drawings: drawings)
            runs[kind] = train(_config(kind, out, steps), progress=False)
    return runs


@pytest.mark.parametrize("kind", ["vae", "diffusion"])
def test_training_loss_falls_and_writes_every_artefact(trained, kind):
    result = trained[kind]
    losses = np.array([r["loss"] for r in result.history])
    assert len(losses) == 40 and np.isfinite(losses).all()
    assert losses[-10:].mean() < 0.8 * losses[:5].mean()
    assert any("val_loss" in r for r in result.history)
    for name in ("checkpoint.pt", f"{kind}.pt", "config.json", "loss.png", "samples.png"):
        assert (result.out / name).stat().st_size > 0, name


@pytest.mark.parametrize("kind", ["vae", "diffusion"])
def test_resumed_training_repeats_the_uninterrupted_losses(tmp_path, kind):
    straight = train(_config(kind, tmp_path / "straight", 6), progress=False)
    train(_config(kind, tmp_path / "split", 3), progress=False)
    resumed = train(_config(kind, tmp_path / "split", 6), resume=True, progress=False)
    assert [r["loss"] for r in resumed.history] == [r["loss"] for r in straight.history]


@pytest.mark.parametrize(("kind", "label"), [("vae", "A"), ("vae", None), ("diffusion", "7")])
def test_generated_sheet_is_a_valid_plan_inside_the_page_and_reproducible(trained, kind, label):
    weights = trained[kind].out / f"{kind}.pt"
    plan = generate_plan(kind, weights, count=6, label=label, seed=5, page_mm=(148, 210))
    again = generate_plan(kind, weights, count=6, label=label, seed=5, page_mm=(148, 210))
    assert plan.path_count > 0
    xmin, ymin, xmax, ymax = plan.bounds()
    assert 0 <= xmin and 0 <= ymin and xmax <= 148 and ymax <= 210
    assert all(np.isfinite(p).all() for _, p in plan.iter_paths())
    assert [p.tolist() for _, p in plan.iter_paths()] == [p.tolist() for _, p in again.iter_paths()]
    assert plan.metadata["seed"] == 5 and plan.metadata["params"]["label"] == label


def test_vae_interpolates_between_two_drawings(trained):
    model, labels = load_model("vae", trained["vae"].out / "vae.pt")
    pair = data.hershey_drawings(("futural",), "AB")
    strokes, lengths = data.stroke5_batch([data.stroke3(d) for d in pair], 64)
    steps = model.interpolate(torch.from_numpy(strokes), torch.from_numpy(lengths), 5,
                              torch.tensor([labels.index("A"), labels.index("B")]))
    assert len(steps) == 5 and all(s.shape[1] == 3 for s in steps)


def test_unknown_label_lists_the_valid_ones(trained):
    with pytest.raises(GenerativeError, match="unknown label 'Z'; valid labels: 1 7 A B C"):
        generate_plan("vae", trained["vae"].out / "vae.pt", count=2, label="Z")


def _corrupt(path):
    path.write_bytes(b"not a checkpoint at all")


def _foreign(path):
    torch.save({"weights": torch.zeros(2)}, path)


def _other_version(path):
    save_checkpoint(path, kind="sketch_vae", version=99, config={}, labels=[], data="x", model={})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (None, "does not exist"),
        (_corrupt, "is not a readable checkpoint"),
        (_foreign, "is not a plotter generative checkpoint"),
        (_other_version, "is format version 99; this plotter reads version 1"),
    ],
)
def test_bad_checkpoints_give_one_clear_error_naming_the_file(tmp_path, make, message):
    path = tmp_path / "weights.pt"
    if make is not None:
        make(path)
    with pytest.raises(CheckpointError, match=message) as error:
        load_model("vae", path)
    assert str(path) in str(error.value)


def test_checkpoint_of_the_other_model_is_refused(trained):
    with pytest.raises(CheckpointError, match="holds a 'ddpm' model, not 'sketch_vae'"):
        load_model("vae", trained["diffusion"].out / "diffusion.pt")


def test_resuming_from_shipped_weights_is_refused(trained, tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes((trained["vae"].out / "vae.pt").read_bytes())
    with pytest.raises(CheckpointError, match="holds weights only"):
        train(_config("vae", tmp_path, 5), resume=True, progress=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_cuda_device_is_a_clear_error():
    with pytest.raises(GenerativeError, match="--device cuda: no CUDA device is available"):
        resolve_device("cuda")
