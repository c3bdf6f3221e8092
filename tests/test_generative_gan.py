"""The GAN on tiny models: two players trained in alternation, both losses plotted, exact resume, samples as plans."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402

from generative import data  # noqa: E402
from generative.checkpoint import load_checkpoint  # noqa: E402
from generative.gan import GAN, GANConfig, diff_augment  # noqa: E402
from generative.models import get  # noqa: E402
from generative.sample import generate_plan, load_model  # noqa: E402
from generative.train import TrainConfig, learning_rate, loss_curve_png, train, update_ema  # noqa: E402

TINY = {"image_size": 12, "z_dim": 8, "class_dim": 4, "g_channels": 4, "d_channels": 8}


def _tiny_drawings():
    return data.hershey_drawings(("futural", "rowmans", "timesr", "scripts"), "ABC17")


@pytest.fixture(autouse=True)
def tiny_corpus(monkeypatch):
    monkeypatch.setitem(data.CORPORA, "tiny", _tiny_drawings)
    torch.set_num_threads(1)


def _config(out, steps: int, **changes) -> TrainConfig:
    return TrainConfig(kind="gan", data="tiny", steps=steps, batch_size=8, warmup_steps=4, validate_every=5,
                       checkpoint_every=3, sample_count=4, out=str(out), model=TINY, **changes)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(data.CORPORA, "tiny", _tiny_drawings)
        return train(_config(out, 10), progress=False)


def test_training_records_both_players_losses_and_writes_every_artefact(trained):
    assert len(trained.history) == 10
    for record in trained.history:
        assert {"d_loss", "g_loss"} <= set(record) and np.isfinite([record["d_loss"], record["g_loss"]]).all()
    assert {"val_d_loss", "val_g_loss"} <= set(trained.history[-1])
    for name in ("checkpoint.pt", "gan.pt", "config.json", "loss.png", "samples.png"):
        assert (trained.out / name).stat().st_size > 0, name
    assert Image.open(trained.out / "loss.png").size == (640, 2 * 360)  # one panel per player


def test_each_player_has_its_own_optimiser_on_the_shared_schedule(trained):
    payload = load_checkpoint(trained.out / "checkpoint.pt", "dcgan", 2)
    optimisers = payload["train"]["optimisers"]
    assert set(optimisers) == {"critic", "generator"}
    config = GANConfig()
    rate = learning_rate(_config(trained.out, 10, lr_horizon=10), 9)
    for name, scale in (("critic", config.d_lr_scale), ("generator", config.g_lr_scale)):
        assert optimisers[name]["param_groups"][0]["lr"] == pytest.approx(rate * scale)
    model = get("gan").build({**payload["config"]})
    counts = {name: len(state["param_groups"][0]["params"]) for name, state in optimisers.items()}
    assert counts == {"critic": len(list(model.critic.parameters())),
                      "generator": len(list(model.generator.parameters()))}


def test_resumed_gan_training_repeats_the_uninterrupted_losses(tmp_path):
    straight = train(_config(tmp_path / "straight", 6), progress=False)
    train(_config(tmp_path / "split", 3, lr_horizon=6), progress=False)  # as if killed at step 3
    resumed = train(_config(tmp_path / "split", 6), resume=True, progress=False)
    for term in ("d_loss", "g_loss"):
        assert [r[term] for r in resumed.history] == [r[term] for r in straight.history]
    assert resumed.history[-1]["val_g_loss"] == straight.history[-1]["val_g_loss"]


@pytest.mark.parametrize("n_classes", [3, 0])  # conditional, and unconditional (no class heads)
def test_a_train_step_moves_both_players(n_classes):
    torch.manual_seed(0)
    model = GAN(GANConfig(n_classes=n_classes, **TINY))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    real = torch.rand(8, 1, 12, 12) * 2 - 1
    labels = torch.arange(8) % 3 if n_classes else None
    losses = model.train_step(real, labels, model.optimisers(1e-3), grad_clip=1.0)
    assert set(losses) == {"d_loss", "g_loss"} and all(torch.isfinite(v) for v in losses.values())
    moved = {name.split(".")[0] for name, p in model.named_parameters() if not torch.equal(p, before[name])}
    assert moved == {"critic", "generator"}
    assert model.sample(labels, count=8).shape == (8, 1, 12, 12)


@pytest.mark.parametrize("label", ["A", None])
def test_generated_sheet_is_a_valid_plan_inside_the_page_and_reproducible(trained, label):
    weights = trained.out / "gan.pt"
    plan = generate_plan("gan", weights, count=6, label=label, seed=5, page_mm=(148, 210), temperature=1.0)
    again = generate_plan("gan", weights, count=6, label=label, seed=5, page_mm=(148, 210), temperature=1.0)
    xmin, ymin, xmax, ymax = plan.bounds() if plan.path_count else (0, 0, 0, 0)
    assert 0 <= xmin and 0 <= ymin and xmax <= 148 and ymax <= 210
    assert [p.tolist() for _, p in plan.iter_paths()] == [p.tolist() for _, p in again.iter_paths()]
    assert plan.metadata["params"]["kind"] == "gan" and plan.metadata["params"]["label"] == label


def test_shipped_weights_load_as_the_generator_of_a_gan(trained):
    model, labels = load_model("gan", trained.out / "gan.pt")
    assert labels == ["1", "7", "A", "B", "C"] and not model.training
    images = model.sample(torch.tensor([0, 4]), generator=torch.Generator().manual_seed(0))
    assert images.shape == (2, 1, 12, 12) and images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("truncation", [0.5, 1.0, 2.0])
def test_noise_stays_inside_the_truncation(truncation):
    model = GAN(GANConfig(truncation=truncation, **TINY))
    z = model.noise(500, torch.Generator().manual_seed(1))
    assert z.shape == (500, TINY["z_dim"]) and z.abs().max() <= truncation
    assert z.std() > 0.3 * truncation  # still spread out, not collapsed to the bound or to zero


def test_diff_augment_off_is_the_identity():
    images = torch.rand(4, 1, 12, 12)
    assert torch.equal(diff_augment(images, 0.0, 0.0), images)


def test_translation_moves_ink_without_creating_any():
    torch.manual_seed(2)
    images = torch.full((16, 1, 16, 16), -1.0)
    images[:, :, 6:10, 6:10] = 1.0  # a square well inside: a shift of ≤ 2 px keeps all of it
    shifted = diff_augment(images, 0.125, 0.0)
    assert ((shifted == 1).sum(dim=(1, 2, 3)) == 16).all()
    assert set(shifted.unique().tolist()) == {-1.0, 1.0}
    assert not torch.equal(shifted, images)


def test_cutout_only_erases_and_passes_gradients():
    torch.manual_seed(3)
    images = torch.ones(8, 1, 12, 12, requires_grad=True)
    out = diff_augment(images, 0.0, 0.5)
    erased = (out == -1).sum(dim=(1, 2, 3))
    assert ((out == 1) | (out == -1)).all() and (erased > 0).all() and (erased <= 7 * 7).all()
    out.sum().backward()
    assert torch.equal(images.grad, (out != -1).float())  # erased pixels carry no gradient, the rest all of it


def test_ema_copies_buffers_and_averages_weights():
    live, average = torch.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    live(torch.randn(10, 3))  # moves the running statistics
    with torch.no_grad():
        live.weight.fill_(2.0)
    update_ema(average, live, decay=0.5, step=10**6)
    assert torch.equal(average.running_mean, live.running_mean)
    assert torch.allclose(average.weight, torch.full((3,), 1.5))


@pytest.mark.parametrize(("terms", "height"), [(("loss",), 360), (("d_loss", "g_loss"), 720)])
def test_loss_curve_has_one_panel_per_term(tmp_path, terms, height):
    history = [{"step": s, **{t: 1.0 / s for t in terms}} for s in range(1, 40)]
    history[-1].update({f"val_{t}": 0.5 for t in terms})
    loss_curve_png(history, tmp_path / "loss.png", terms)
    image = np.asarray(Image.open(tmp_path / "loss.png").convert("L"))
    assert image.shape == (height, 640)
    for panel in range(len(terms)):  # every panel holds a curve: dark pixels inside its frame
        assert (image[panel * 360 + 60: panel * 360 + 300, 60:580] < 200).any()
