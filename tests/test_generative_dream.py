"""DeepDream-style strokes (generative.dream): the soft rasteriser, the stroke parameterisation, dreaming a label."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from generative.data import rasterize
from generative.dream import (
    DreamClassifier,
    DreamClassifierConfig,
    DreamConfig,
    bspline_basis,
    controls_from_strokes,
    curve_points,
    optimise_strokes,
    random_controls,
    soft_raster,
)
from generative.errors import GenerativeError
from generative.models import get
from generative.sample import generate_plan, load_model, sample_strokes
from generative.train import TrainConfig, train

TINY_NET = {"channels": 8, "hidden": 16}
TINY_DREAM = DreamConfig(strokes=2, controls=4, points=8, steps=20)
CELL_MM = 20.0


def _dense_raster(points: torch.Tensor, size: int, sigma_px: float) -> torch.Tensor:
    """Every pixel against every segment: the reference the windowed rasteriser must equal."""
    start = points[:, :, :-1].reshape(len(points), -1, 2) * size
    along = points[:, :, 1:].reshape(len(points), -1, 2) * size - start
    centres = torch.arange(size, dtype=points.dtype) + 0.5
    grid = torch.stack(torch.meshgrid(centres, centres, indexing="xy"), -1).reshape(-1, 2)
    offset = grid[None, :, None] - start[:, None]
    t = ((offset * along[:, None]).sum(-1) / (along.pow(2).sum(-1)[:, None] + 1e-12)).clamp(0, 1)
    distance2 = (offset - t[..., None] * along[:, None]).pow(2).sum(-1)
    ink = torch.exp(-distance2 / (2 * sigma_px**2)).clamp(max=1 - 1e-4)
    return (1 - (1 - ink).prod(-1)).view(len(points), size, size)


@pytest.mark.parametrize(("controls", "samples"), [(2, 5), (4, 8), (6, 16), (9, 40)])
def test_bspline_rows_sum_to_one_and_ends_hit_the_end_controls(controls: int, samples: int) -> None:
    basis = bspline_basis(controls, samples)
    assert basis.shape == (samples, controls)
    np.testing.assert_allclose(basis.sum(1), 1.0, atol=1e-12)
    assert basis.min() >= 0
    np.testing.assert_allclose(basis[0], np.eye(controls)[0])
    np.testing.assert_allclose(basis[-1], np.eye(controls)[-1])


def test_soft_raster_inks_the_segment_and_nothing_far_from_it() -> None:
    line = torch.tensor([[[[0.2, 0.5], [0.8, 0.5]]]])  # a horizontal line through the middle
    image = soft_raster(line, 28, 0.55)[0]
    row = int(0.5 * 28)  # pixel row 14 has its centre 0.5 px below the line
    assert image[row, 8:20].min() > 0.6
    assert image[row - 1, 8:20].min() > 0.6
    assert image[:10].max() < 1e-3 and image[19:].max() < 1e-3
    assert image[:, :3].max() < 1e-3 and image[:, 25:].max() < 1e-3
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0


def test_soft_raster_gradient_moves_ink_towards_a_target() -> None:
    points = torch.tensor([[[[0.2, 0.4], [0.8, 0.4]]]], requires_grad=True)
    target = soft_raster(torch.tensor([[[[0.2, 0.43], [0.8, 0.43]]]]), 28, 0.55)  # 0.8 px lower
    loss = (soft_raster(points, 28, 0.55) - target).pow(2).sum()
    (gradient,) = torch.autograd.grad(loss, [points])
    assert torch.isfinite(gradient).all()
    assert (gradient[..., 1] < 0).all()  # lowering y (moving the line down, towards the target) lowers the loss


def test_soft_raster_matches_the_training_rasteriser() -> None:
    strokes = [np.array([[0.3, 0.2], [0.5, 0.8], [0.7, 0.2]]), np.array([[0.38, 0.55], [0.62, 0.55]])]  # an A
    real = rasterize(strokes, 28)
    inks = [soft_raster(torch.from_numpy(s).float()[None, None], 28, 0.55)[0] for s in strokes]
    soft = (1 - (1 - inks[0]) * (1 - inks[1])).numpy()
    assert np.corrcoef(soft.ravel(), real.ravel())[0, 1] > 0.95
    assert abs(soft.sum() - real.sum()) < 0.25 * real.sum()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), sigma_px=st.floats(0.4, 2.0), size=st.sampled_from([12, 28]))
def test_windowed_soft_raster_equals_every_pixel_against_every_segment(seed: int, sigma_px: float, size: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    points = torch.rand(2, 3, 5, 2, generator=generator, dtype=torch.float64)
    np.testing.assert_allclose(soft_raster(points, size, sigma_px), _dense_raster(points, size, sigma_px), atol=1e-9)


def test_control_points_stay_inside_the_margin_whatever_the_parameters() -> None:
    logits = torch.randn(8, 3, 5, 2) * 50
    basis = torch.from_numpy(bspline_basis(5, 12)).float()
    points = curve_points(logits, basis, 0.04)
    assert points.min() >= 0.04 - 1e-6 and points.max() <= 0.96 + 1e-6


def test_controls_from_strokes_start_the_dream_from_a_given_drawing() -> None:
    given_strokes = [np.array([[0.3, 0.3], [0.7, 0.3]]), np.array([[0.5, 0.2], [0.5, 0.9]])]
    controls = controls_from_strokes(given_strokes, TINY_DREAM, torch.Generator().manual_seed(0))
    assert controls.shape == (1, 2, 4, 2)
    np.testing.assert_allclose(controls[0, 0, :, 0], [0.5] * 4, atol=1e-6)  # the longest stroke first
    np.testing.assert_allclose(controls[0, 1, :, 1], [0.3] * 4, atol=1e-6)


def _classifier(n_classes: int = 5) -> DreamClassifier:
    torch.manual_seed(0)
    return DreamClassifier(DreamClassifierConfig(n_classes=n_classes, **TINY_NET)).eval()


def test_dreaming_raises_the_chosen_label() -> None:
    model = _classifier()
    with torch.no_grad():
        model.classify.weight.mul_(30)  # an untrained net's logits are nearly flat: give them a spread to climb
    labels = torch.tensor([0, 1, 2, 3])
    config = replace(TINY_DREAM, length_weight=0.01)  # the score alone, nearly: an untrained net's pull is weak
    start = random_controls(4, config, torch.Generator().manual_seed(1))

    def score(points: torch.Tensor, sigma_px: float) -> torch.Tensor:
        return model.label_score(points, labels, sigma_px)

    before, _ = optimise_strokes(score, 4, 0, config, torch.Generator().manual_seed(2), init=start)
    after, _ = optimise_strokes(score, 4, 40, config, torch.Generator().manual_seed(2), init=start)
    with torch.no_grad():
        assert (score(after, config.sigma_px) > score(before, config.sigma_px) + 0.05).all()


def test_dreams_are_plottable_strokes_inside_the_box() -> None:
    config = replace(TINY_DREAM, strokes=3, points=12)
    samples = _classifier().dream(torch.tensor([0, 1, 2, 3, 4, 0]), 30, torch.Generator().manual_seed(0), config)
    assert len(samples) == 6
    for sample in samples:
        assert 1 <= len(sample) <= config.strokes
        for path in sample:
            assert path.shape[1] == 2 and len(path) >= 2 and np.isfinite(path).all()
            assert path.min() >= 0.0 and path.max() <= 1.0
            segments_mm = np.linalg.norm(np.diff(path, axis=0), axis=1) * CELL_MM
            assert segments_mm.min() >= 0.05


def test_dreams_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    model, labels = _classifier(), torch.tensor([1, 3])

    def dream(seed: int) -> list:
        return model.dream(labels, 10, torch.Generator().manual_seed(seed), TINY_DREAM)

    first, again, other = dream(4), dream(4), dream(5)
    for a, b in zip(first, again, strict=True):
        assert len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not all(np.array_equal(p, q) for a, b in zip(first, other, strict=True) for p, q in zip(a, b, strict=False))


def test_dream_kind_samples_under_inference_mode_with_random_labels_when_none_given() -> None:
    model = _classifier()
    samples = sample_strokes("dream", model, None, 3, steps=5)  # runs under torch.inference_mode
    assert len(samples) == 3 and all(len(s) >= 1 for s in samples)
    labelled = sample_strokes("dream", model, [2, 2], 2, steps=5, seed=1)
    assert len(labelled) == 2
    assert all(p.grad is None for p in model.parameters())  # only the strokes were differentiated


def test_dream_trains_its_classifier_through_the_common_loop_and_generates_a_sheet(tmp_path) -> None:
    result = train(TrainConfig(kind="dream", steps=3, batch_size=8, validate_every=3, sample_count=2,
                               out=str(tmp_path / "run"), model=TINY_NET), progress=False)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(result.history[-1])
    weights = tmp_path / "run" / "dream.pt"
    model, labels = load_model("dream", weights)
    assert len(labels) == model.config.n_classes == 62
    plan = generate_plan("dream", weights, count=2, label="7", steps=3)
    assert plan.path_count >= 2
    with pytest.raises(GenerativeError, match="unknown label 'é'"):
        generate_plan("dream", weights, count=1, label="é", steps=3)


def test_dream_is_a_raster_kind_in_the_registry() -> None:
    generator = get("dream")
    assert generator.inputs == "rasters" and not generator.latent
    assert generator.module.KIND == "dream_classifier"
