"""The generators on tiny models: losses fall, training resumes exactly, samples are plans, bad input is named."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from generative import data  # noqa: E402
from generative.checkpoint import save_checkpoint  # noqa: E402
from generative.errors import CheckpointError, GenerativeError  # noqa: E402
from generative.sample import generate_plan, load_model  # noqa: E402
from generative.sketch_vae import SketchVAE, SketchVAEConfig  # noqa: E402
from generative.train import TrainConfig, learning_rate, random_affines, resolve_device, train  # noqa: E402

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
    return TrainConfig(kind=kind, data="tiny", steps=steps, batch_size=8, learning_rate=5e-3, warmup_steps=4,
                       validate_every=10, checkpoint_every=3, sample_count=4, out=str(out), model=TINY[kind], **changes)


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
    train(_config(kind, tmp_path / "split", 3, lr_horizon=6), progress=False)  # as if killed at step 3
    resumed = train(_config(kind, tmp_path / "split", 6), resume=True, progress=False)
    assert [r["loss"] for r in resumed.history] == [r["loss"] for r in straight.history]
    # validation runs on the EMA weights: equal only if the average was saved and restored exactly
    assert resumed.history[-1]["val_loss"] == straight.history[-1]["val_loss"]


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
        (_other_version, "is format version 99; this plotter reads version 1 or 2 or 3"),
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


@pytest.mark.parametrize(
    ("changes", "step", "expected"),
    [
        ({}, 0, 2e-3 / 100),  # warm-up starts near zero
        ({}, 99, 2e-3 * (1 + np.cos(np.pi * 99 / 1000)) / 2 * (1 - 1e-4 / 2e-3) + 1e-4),
        ({"warmup_steps": 0}, 0, 2e-3),
        ({"warmup_steps": 0}, 500, (2e-3 + 1e-4) / 2),  # half way down the cosine
        ({"warmup_steps": 0}, 1000, 1e-4),
        ({"warmup_steps": 0}, 5000, 1e-4),  # after the horizon (a run extended by --resume): the floor
        ({"warmup_steps": 0, "lr_schedule": "exponential"}, 10, 2e-3 * 0.9995**10),
    ],
)
def test_learning_rate_warms_up_then_follows_its_schedule(changes, step, expected):
    config = TrainConfig(steps=1000, **changes)
    assert learning_rate(config, step) == pytest.approx(expected, rel=1e-9)


def test_unknown_learning_rate_schedule_is_named(tmp_path):
    with pytest.raises(GenerativeError, match="unknown learning-rate schedule 'step'; available: cosine, exponential"):
        train(_config("diffusion", tmp_path, 2, lr_schedule="step"), progress=False)


def test_augmentation_maps_are_small_and_zero_means_identity():
    rng = np.random.default_rng(0)
    matrices, shifts = random_affines(rng, 200, 0.03, 0.05, 4.0)
    scales = np.sqrt(np.abs(np.linalg.det(matrices)))
    angles = np.degrees(np.arctan2(matrices[:, 1, 0], matrices[:, 0, 0]))
    assert 0.95 <= scales.min() and scales.max() <= 1.05 and np.abs(angles).max() <= 4.0
    assert np.abs(shifts).max() <= 0.03 and np.abs(angles).max() > 2.0
    matrices, shifts = random_affines(rng, 3, 0.0, 0.0, 0.0)
    assert np.allclose(matrices, np.eye(2)) and not shifts.any()


def test_shipped_weights_are_the_moving_average(trained):
    from generative.checkpoint import load_checkpoint

    full = load_checkpoint(trained["diffusion"].out / "checkpoint.pt", "ddpm", 2)
    shipped = load_checkpoint(trained["diffusion"].out / "diffusion.pt", "ddpm", 2)
    name = "model.stem.weight"
    assert torch.allclose(shipped["model"][name].float(), full["train"]["ema"][name], atol=1e-3)
    assert (full["model"][name] - full["train"]["ema"][name]).abs().max() > 1e-4  # an average, not a copy
    model, _ = load_model("diffusion", trained["diffusion"].out / "checkpoint.pt")  # judged mid-run: the average
    assert torch.equal(model.state_dict()[name], full["train"]["ema"][name])


def test_version_1_weights_still_sample_but_cannot_resume(trained, tmp_path):
    from generative.checkpoint import load_checkpoint

    payload = load_checkpoint(trained["diffusion"].out / "checkpoint.pt", "ddpm", 2)
    old = tmp_path / "checkpoint.pt"
    save_checkpoint(old, kind="ddpm", version=1, config=payload["config"], labels=payload["labels"], data="tiny",
                    model=payload["model"], train=payload["train"])
    assert generate_plan("diffusion", old, count=2, seed=1).path_count > 0
    with pytest.raises(CheckpointError, match="is format version 1; this plotter reads version 2"):
        train(_config("diffusion", tmp_path, 5), resume=True, progress=False)


@pytest.mark.parametrize("reduce", ["skeleton", "hatch"])
def test_diffusion_sheet_reduces_rasters_as_asked(trained, reduce):
    weights = trained["diffusion"].out / "diffusion.pt"
    plan = generate_plan("diffusion", weights, count=3, label="A", seed=2, reduce=reduce, steps=3)
    assert plan.metadata["params"]["reduce"] == reduce and plan.metadata["params"]["steps"] == 3
    with pytest.raises(GenerativeError, match="unknown reduction 'dots'"):
        generate_plan("diffusion", weights, count=1, reduce="dots")


def test_interpolation_sheet_is_one_row_between_two_labels(trained, monkeypatch):
    from generative.sample import interpolation_plan

    plan = interpolation_plan("A", "B", steps=5, weights=trained["vae"].out / "vae.pt", data="tiny", seed=1,
                              page_mm=(297, 210))
    assert plan.metadata["params"]["interpolate"] == ["A", "B"]
    assert plan.metadata["params"]["from"].endswith("/A") and plan.metadata["params"]["to"].endswith("/B")
    assert plan.metadata["params"]["from"].split("/")[0] == plan.metadata["params"]["to"].split("/")[0]
    xmin, ymin, xmax, ymax = plan.bounds()
    assert ymax - ymin < (297 - 30) / 5  # one row of cells
    with pytest.raises(GenerativeError, match="unknown label 'Q'"):
        interpolation_plan("A", "Q", weights=trained["vae"].out / "vae.pt", data="tiny")


def test_missing_shipped_weights_for_a_corpus_say_how_to_train_them():
    with pytest.raises(CheckpointError, match="no shipped vae weights for data set 'nowhere'.*plotter train vae"):
        load_model("vae", data="nowhere")


def test_class_prior_keeps_the_posteriors_of_each_class(trained):
    model, labels = load_model("vae", trained["vae"].out / "vae.pt")
    assert model.config.prior_codes == 4  # four fonts: at most four training drawings of a label
    assert not model.class_prior[:, :, 1].eq(1.0).all()  # fitted at the end of training
    untouched = model.class_prior[1].clone()
    mu = torch.tensor([[1.0, 2.0, 0.0, 0.0], [3.0, 2.0, 0.0, 0.0], [-5.0, 0.0, 0.0, 0.0]])
    logvar = torch.log(torch.tensor([[4.0] * 4, [1.0] * 4, [0.25] * 4]))
    model.fit_class_prior(mu, logvar, torch.tensor([0, 0, 2]))
    assert model.class_prior[0, :, 0].tolist() == [mu[0].tolist(), mu[1].tolist()] * 2  # repeated to 4 components
    assert model.class_prior[0, :, 1, 0].tolist() == pytest.approx([2.0, 1.0, 2.0, 1.0])  # the posterior std
    assert model.class_prior[2, :, 0].eq(mu[2]).all() and model.class_prior[2, :, 1].eq(0.5).all()
    assert torch.equal(model.class_prior[1], untouched)  # a class without drawings keeps its prior


def test_samples_start_from_a_code_of_their_class(trained, monkeypatch):
    model, _ = load_model("vae", trained["vae"].out / "vae.pt")
    means = torch.arange(model.config.prior_codes, dtype=torch.float32)[:, None].expand(-1, model.config.z_dim)
    model.class_prior[3, :, 0], model.class_prior[3, :, 1] = means + 10, 1.0
    seen = {}
    monkeypatch.setattr(model, "decode", lambda z, labels, temperature, generator: seen.update(z=z, labels=labels))
    model.sample(200, torch.full((200,), 3), temperature=1e-8, generator=torch.Generator().manual_seed(0))
    components = seen["z"][:, 0] - 10
    assert torch.allclose(seen["z"], (components.round() + 10)[:, None].expand_as(seen["z"]), atol=1e-3)
    assert set(components.round().int().tolist()) == set(range(model.config.prior_codes))  # every code is used


def test_kl_term_is_a_mean_over_latent_dimensions_floored_per_dimension():
    from generative.sketch_vae import SketchVAE, SketchVAEConfig

    torch.manual_seed(0)
    model = SketchVAE(SketchVAEConfig(n_classes=5, **TINY["vae"]))
    strokes, lengths = data.stroke5_batch([data.stroke3(d) for d in data.load_corpus("tiny")[:6]], 40)
    labels = torch.arange(6) % 5
    for floor in (0.0, 1e3):
        model.config.kl_min = floor
        with torch.no_grad():
            losses = model(torch.from_numpy(strokes), torch.from_numpy(lengths), labels, kl_weight=0.5)
        kl_per_dimension = max(float(losses["kl"]) / model.config.z_dim, floor)
        assert float(losses["loss"] - losses["reconstruction"]) == pytest.approx(0.5 * kl_per_dimension, rel=1e-5)


def test_vae_batches_hold_drawings_of_similar_length_each_drawn_equally_often():
    from generative.sketch_vae import SketchVAEConfig
    from generative.train import _Batches

    drawings = data.hershey_drawings(("futural", "timesrb"), "ABCDEFGHIJ")
    batches = _Batches("vae", drawings, data.labels_of(drawings), SketchVAEConfig(n_classes=20), torch.device("cpu"))
    lengths = np.array([len(s) for s in batches.sequences])
    rng = np.random.default_rng(0)
    picks = [batches.pick(rng, 2) for _ in range(4000)]
    order = np.sort(lengths)
    widest_window = max(order[i + 3] - order[i] for i in range(len(order) - 3))
    assert max(np.ptp(lengths[p]) for p in picks) <= widest_window < np.ptp(lengths)
    counts = np.bincount(np.concatenate(picks), minlength=len(drawings))  # 400 expected each
    assert 0.8 < counts.min() / counts.mean() and counts.max() / counts.mean() < 1.2  # the longest ones too
    assert np.mean([lengths[p].max() for p in picks]) < 0.8 * np.mean(
        [lengths[rng.integers(0, len(drawings), 2)].max() for _ in range(4000)])  # less padding than uniform
    assert np.ptp(lengths[np.concatenate([batches.pick(rng, 3) for _ in range(50)])]) > widest_window  # few: uniform


def test_version_2_vae_weights_still_sample_but_cannot_resume(trained, tmp_path):
    from generative.checkpoint import load_checkpoint

    payload = load_checkpoint(trained["vae"].out / "checkpoint.pt", "sketch_vae", 3)
    config = {k: v for k, v in payload["config"].items() if k != "prior_codes"}  # version 2 had no mixture
    weights = {**payload["model"], "class_prior": payload["model"]["class_prior"][:, 0]}  # one Gaussian per class
    old = tmp_path / "checkpoint.pt"
    save_checkpoint(old, kind="sketch_vae", version=2, config=config, labels=payload["labels"], data="tiny",
                    model=weights, train={**payload["train"], "ema": weights})
    model, _ = load_model("vae", old)
    assert torch.equal(model.class_prior[:, 0], weights["class_prior"])
    assert generate_plan("vae", old, count=2, label="A", seed=1).path_count >= 0
    with pytest.raises(CheckpointError, match="is format version 2; this plotter reads version 3 \\(train it again\\)"):
        train(_config("vae", tmp_path, 5), resume=True, progress=False)


def test_an_interpolation_moves_the_class_along_with_the_code_instead_of_switching_half_way(monkeypatch):
    torch.manual_seed(0)
    model = SketchVAE(SketchVAEConfig(n_classes=3, enc_hidden=8, dec_hidden=16, z_dim=4, n_mixtures=2, class_dim=4))
    seen = {}
    monkeypatch.setattr(model, "decode", lambda z, classes, temperature, generator: seen.update(z=z, c=classes))
    strokes = torch.zeros(2, 5, 5)
    strokes[:, :, 2] = 1.0
    model.interpolate(strokes, torch.tensor([5, 5]), 5, labels=torch.tensor([0, 2]))
    ends = model.class_embedding(torch.tensor([0, 2]))
    assert torch.allclose(seen["c"][0], ends[0]) and torch.allclose(seen["c"][-1], ends[1])
    assert torch.allclose(seen["c"][2], (ends[0] + ends[1]) / 2)  # half-way: half of each class
    steps = (seen["c"][1:] - seen["c"][:-1]).norm(dim=1)
    assert torch.allclose(steps, steps[0].expand_as(steps), atol=1e-6)  # even steps, no jump
