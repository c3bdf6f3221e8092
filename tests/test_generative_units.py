"""The autoencoder's "cat neuron": drawings optimised to excite one unit of the code, and the real drawings that do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generative.autoencoder import (
    SketchAutoencoder,
    SketchVAEConfig,
    exciting_drawings,
    stroke5_from_points,
    unit_drawings,
    units_sheet,
)
from generative.data import Drawing, stroke3, stroke5_batch
from generative.errors import GenerativeError
from generative.train import TrainConfig, train

TINY = {"enc_hidden": 8, "dec_hidden": 16, "z_dim": 4, "n_mixtures": 2, "class_dim": 4}


def _model() -> SketchAutoencoder:
    torch.manual_seed(0)
    return SketchAutoencoder(SketchVAEConfig(n_classes=0, **TINY)).eval()


def _codes(model: SketchAutoencoder, samples: list) -> torch.Tensor:
    strokes, lengths = stroke5_batch([stroke3(Drawing(tuple(s), "", "")) for s in samples], model.config.max_len)
    with torch.no_grad():
        return model.encode(torch.from_numpy(strokes), torch.from_numpy(lengths))[0]


def test_stroke5_from_points_matches_the_corpus_encoding() -> None:
    points = torch.tensor([[[[0.1, 0.2], [0.3, 0.4], [0.5, 0.1]], [[0.7, 0.7], [0.8, 0.9], [0.6, 0.6]]]])
    rows, lengths = stroke5_from_points(points)
    expected, expected_lengths = stroke5_batch([stroke3(Drawing(tuple(points[0].numpy()), "", ""))], 6)
    np.testing.assert_allclose(rows.numpy(), expected, atol=1e-6)
    assert lengths.tolist() == expected_lengths.tolist()


def test_stroke5_from_points_passes_gradients_to_the_points() -> None:
    points = torch.rand(2, 2, 4, 2, requires_grad=True)
    rows, _ = stroke5_from_points(points)
    (gradient,) = torch.autograd.grad(rows[..., :2].pow(2).sum(), [points])
    assert torch.isfinite(gradient).all() and gradient.abs().sum() > 0


@pytest.mark.parametrize("units", [[0], [1, 3], [2, 2]])
def test_unit_maximisation_raises_the_unit(units: list[int]) -> None:
    model = _model()
    before = _codes(model, unit_drawings(model, units, steps=0, seed=3))
    after = _codes(model, unit_drawings(model, units, steps=40, seed=3))
    rows = torch.arange(len(units))
    assert (after[rows, units] > before[rows, units]).all()


def test_unit_drawings_are_plottable_and_seeded() -> None:
    model = _model()
    first, again = unit_drawings(model, [0, 1], steps=10, seed=1), unit_drawings(model, [0, 1], steps=10, seed=1)
    for a, b in zip(first, again, strict=True):
        assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    for sample in first:
        for path in sample:
            assert np.isfinite(path).all() and path.min() >= 0 and path.max() <= 1
            assert (np.linalg.norm(np.diff(path, axis=0), axis=1) * 20.0).min() >= 0.05


@pytest.mark.parametrize("unit", [-1, 4, 99])
def test_a_unit_outside_the_code_is_one_clear_error(unit: int) -> None:
    with pytest.raises(GenerativeError, match=rf"unit {unit} is not in the code; units are 0 to 3"):
        unit_drawings(_model(), [unit], steps=1)


def test_exciting_drawings_are_ranked_by_the_unit() -> None:
    model = _model()
    rng = np.random.default_rng(0)
    drawings = [Drawing((rng.uniform(0.1, 0.9, (int(rng.integers(3, 9)), 2)),), str(i), "x") for i in range(12)]
    top = exciting_drawings(model, [0, 2], drawings, top=3)
    codes = _codes(model, [list(d.strokes) for d in drawings])
    for unit, chosen in zip([0, 2], top, strict=True):
        values = [float(codes[int(d.label), unit]) for d in chosen]
        assert values == sorted(values, reverse=True)
        assert values[0] == pytest.approx(float(codes[:, unit].max()), abs=1e-5)


def test_units_sheet_has_a_labelled_row_per_unit(tmp_path) -> None:
    train(TrainConfig(kind="ae", steps=2, batch_size=8, validate_every=2, sample_count=1, out=str(tmp_path),
                      model=TINY), progress=False)
    plan = units_sheet([0, 3], weights=tmp_path / "ae.pt", steps=2, top=2)
    assert plan.metadata["params"]["units"] == [0, 3]
    assert all(len(v) == 2 for v in plan.metadata["params"]["excitors"].values())
    assert plan.path_count >= 2 * 4  # per row: the label's strokes, a dream, two real drawings
