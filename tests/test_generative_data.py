"""Generator data, tracing and sheets: the torch-free half of generative/."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generative.data import (
    ALPHANUMERIC,
    LATIN_FONTS,
    ROMAN_FONTS,
    Drawing,
    hershey_drawings,
    labels_of,
    load_corpus,
    rasterize,
    split,
    stroke3,
    stroke5_batch,
    strokes_from_stroke3,
)
from generative.errors import GenerativeError
from generative.sheet import sheet_plan, sheet_png
from generative.trace import chain, raster_to_strokes, zhang_suen


@pytest.fixture(scope="module")
def hershey() -> list[Drawing]:
    return load_corpus("hershey")


def test_hershey_corpus_has_every_alphanumeric_of_every_roman_font(hershey):
    assert len(hershey) == len(ROMAN_FONTS) * len(ALPHANUMERIC)
    assert labels_of(hershey) == sorted(ALPHANUMERIC)
    points = np.concatenate([p for d in hershey for p in d.strokes])
    assert points.min() >= 0 and points.max() <= 1


def test_latin_corpus_adds_the_blackletter_fonts():
    assert {d.source for d in load_corpus("hershey-latin")} == set(LATIN_FONTS)


def test_every_font_and_printable_glyph_can_be_loaded():
    drawings = hershey_drawings(fonts=("greek", "japanese", "music"), characters="!A~")
    assert {(d.source, d.label) for d in drawings} == {(f, c) for f in ("greek", "japanese", "music") for c in "!A~"}


def test_lowercase_keeps_its_size_relative_to_capitals(hershey):
    by_key = {(d.source, d.label): d for d in hershey}
    height = {c: np.ptp(np.concatenate(by_key["futural", c].strokes)[:, 1]) for c in "oO"}
    assert height["o"] < 0.8 * height["O"]


def test_split_is_deterministic_disjoint_and_covers_everything(hershey):
    train, validation = split(hershey)
    again = split(load_corpus("hershey"))
    assert [(d.source, d.label) for d in validation] == [(d.source, d.label) for d in again[1]]
    assert len(train) + len(validation) == len(hershey)
    assert {(d.source, d.label) for d in train}.isdisjoint({(d.source, d.label) for d in validation})
    assert 0.05 < len(validation) / len(hershey) < 0.15


@pytest.mark.parametrize("name", ["quickdraw", "aaron-not-yet"])
def test_unknown_corpus_lists_the_available_ones(name):
    with pytest.raises(GenerativeError, match=f"unknown data set '{name}'; available: aaron, hershey, hershey-latin"):
        load_corpus(name)


def test_unknown_font_is_named():
    with pytest.raises(GenerativeError, match="unknown Hershey font.*nofont"):
        hershey_drawings(fonts=("nofont",))


def test_stroke3_round_trips_to_the_same_polylines(hershey):
    for drawing in hershey[::97]:
        back = strokes_from_stroke3(stroke3(drawing))
        assert len(back) == len(drawing.strokes)
        for a, b in zip(back, drawing.strokes, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_stroke5_pads_with_end_rows_and_marks_pen_state(hershey):
    sequences = [stroke3(d) for d in hershey[:3]]
    batch, lengths = stroke5_batch(sequences, 130)
    assert batch.shape == (3, 130, 5)
    assert (batch.sum(axis=2)[:, :, None] != 0).all()
    for row, n in enumerate(lengths):
        assert (batch[row, :n, 2:4].sum(axis=1) == 1).all() and (batch[row, n:, 4] == 1).all()
        assert batch[row, n - 1, 3] == 1  # the pen lifts at the end of the last stroke


def test_raster_has_ink_where_the_strokes_are():
    image = rasterize([np.array([[0.1, 0.5], [0.9, 0.5]])], size=32)
    assert image.shape == (32, 32) and 0 <= image.min() and image.max() <= 1
    assert image[16, 4:28].min() > 0.3 and image[:8].max() == 0


def _dense(polyline: np.ndarray, per_segment: int = 40) -> np.ndarray:
    t = np.linspace(0, 1, per_segment)[:, None, None]
    return (polyline[:-1] * (1 - t) + polyline[1:] * t).reshape(-1, 2)


@pytest.mark.parametrize(
    ("name", "strokes", "expected_paths"),
    [
        ("line", [[(0.1, 0.5), (0.9, 0.5)]], 1),
        ("ring", [[(0.5 + 0.35 * np.cos(a), 0.5 + 0.35 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]], 1),
        ("cross", [[(0.1, 0.5), (0.9, 0.5)], [(0.5, 0.1), (0.5, 0.9)]], 4),
    ],
)
def test_tracing_a_raster_finds_its_centre_lines(name, strokes, expected_paths):
    image = rasterize([np.array(s) for s in strokes], size=32, line_px=2.5)
    paths = raster_to_strokes(image)
    assert len(paths) == expected_paths, name
    ink = np.concatenate(paths)
    original = np.concatenate([_dense(np.array(s)) for s in strokes])
    # every traced point lies on the drawn line, within a pixel and a half
    nearest = np.min(np.linalg.norm(ink[:, None] - original[None], axis=2), axis=1)
    assert nearest.max() < 1.5 / 32


def test_chaining_covers_every_skeleton_pixel():
    mask = zhang_suen(rasterize([np.array([(0.2, 0.2), (0.8, 0.8), (0.8, 0.2)])], 32, 3.0) > 0.5)
    lines = chain(mask)
    covered = {tuple(map(int, p)) for line in lines for p in line}
    assert covered == {tuple(p) for p in np.argwhere(mask)}


def test_zhang_suen_thins_a_bar_to_one_pixel():
    mask = np.zeros((12, 20), dtype=bool)
    mask[4:8, 2:18] = True
    thin = zhang_suen(mask)
    assert thin.sum() > 8 and (thin.sum(axis=0) <= 1).all()


@given(count=st.integers(0, 70), width=st.floats(60, 600), height=st.floats(60, 600))
def test_sheet_keeps_every_sample_inside_the_margins(count, width, height):
    rng = np.random.default_rng(count)
    samples = [[rng.uniform(-0.5, 1.5, (5, 2))] for _ in range(count)]
    plan = sheet_plan(samples, (width, height), margin_mm=10)
    assert plan.path_count == count
    if count:
        xmin, ymin, xmax, ymax = plan.bounds()
        assert xmin >= 10 - 1e-9 and ymin >= 10 - 1e-9 and xmax <= width - 10 + 1e-9 and ymax <= height - 10 + 1e-9


def test_sheet_png_is_written(tmp_path):
    sheet_png([[np.array([[0.1, 0.1], [0.9, 0.9]])]] * 5, tmp_path / "s.png", cell_px=32)
    from PIL import Image

    assert Image.open(tmp_path / "s.png").size == (96, 64)


def test_traced_strokes_are_smoothed_but_keep_their_ends():
    from generative.trace import smooth

    stairs = np.array([[0, 0], [1, 0], [1, 1], [2, 1], [2, 2]], dtype=float)
    curve = smooth(stairs)
    assert np.array_equal(curve[0], stairs[0]) and np.array_equal(curve[-1], stairs[-1])
    turns = np.abs(np.diff(np.arctan2(*np.diff(curve, axis=0).T[::-1])))
    assert turns.max() < np.pi / 2 - 0.1  # no right-angle corner left


# --- the AARON corpus -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def aaron():
    from generative.aaron_data import aaron_drawings

    return aaron_drawings(per_kind=3)


def test_aaron_corpus_has_every_kind_inside_the_unit_box(aaron):
    assert [d.label for d in aaron] == ["figure"] * 3 + ["plant"] * 3 + ["rock"] * 3
    assert len({d.source for d in aaron}) == len(aaron)  # one source each: the split hashes (source, label)
    for drawing in aaron:
        points = np.concatenate(drawing.strokes)
        assert np.isfinite(points).all() and points.min() >= 0 and points.max() <= 1
        assert np.ptp(points, axis=0).max() == pytest.approx(0.88, abs=0.01)  # scaled to fit, the margin left
        assert all(len(s) >= 2 for s in drawing.strokes)


def test_aaron_objects_are_the_same_on_every_call(aaron):
    from generative.aaron_data import aaron_object

    again = aaron_object("plant", 1)
    assert [s.tolist() for s in again.strokes] == [s.tolist() for s in aaron[4].strokes]
    assert [s.tolist() for s in aaron_object("plant", 1, seed=1).strokes] != [s.tolist() for s in again.strokes]


def test_aaron_corpus_is_registered():
    from generative.data import CORPORA

    assert "aaron" in CORPORA


# --- reducing rasters: centre lines or hatching -----------------------------------------------
def _blob(size: int = 28) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    return (((xx - size / 2) ** 2 / 80 + (yy - size / 2) ** 2 / 40) < 1).astype(float) * 0.9


@pytest.mark.parametrize(
    ("name", "image", "hatched"),
    [
        ("glyph", rasterize([np.array([(0.2, 0.8), (0.5, 0.2), (0.8, 0.8)])], 28), False),
        ("blob", _blob(), True),
    ],
)
def test_auto_reduction_hatches_filled_rasters_and_traces_line_drawings(name, image, hatched):
    from generative.trace import FILLED_WIDTH_PX, ink_width_px, reduce_raster

    assert (ink_width_px(image > 0.5) > FILLED_WIDTH_PX) == hatched, name
    paths = reduce_raster(image)
    chosen, other = ("hatch", "skeleton") if hatched else ("skeleton", "hatch")
    assert paths and [p.tolist() for p in paths] == [p.tolist() for p in reduce_raster(image, chosen)]
    assert [p.tolist() for p in paths] != [p.tolist() for p in reduce_raster(image, other)]


def test_hatching_stays_inside_the_ink():
    from generative.trace import raster_to_hatching

    image = _blob()
    paths = raster_to_hatching(image)
    points = np.concatenate(paths)
    pixels = np.clip((points * 28).astype(int), 0, 27)
    from scipy import ndimage

    near_ink = ndimage.binary_dilation(image > 0.5)
    assert near_ink[pixels[:, 1], pixels[:, 0]].all()  # within a pixel of the ink (outline corners are cut)
    assert np.ptp(points[:, 0]) > 0.5 * np.ptp(np.nonzero(image)[1]) / 28
    assert raster_to_hatching(np.zeros((28, 28))) == []


def test_unknown_reduction_is_named():
    from generative.trace import reduce_raster

    with pytest.raises(ValueError, match="unknown raster reduction 'dots'; available: auto, skeleton, hatch"):
        reduce_raster(_blob(), "dots")


def test_sheet_with_fixed_columns_lays_one_row():
    plan = sheet_plan([[np.array([[0.1, 0.1], [0.9, 0.9]])]] * 9, (297, 210), margin_mm=10, columns=9)
    ys = {round(float(p[:, 1].min()), 6) for _, p in plan.iter_paths()}
    assert plan.path_count == 9 and len(ys) == 1
