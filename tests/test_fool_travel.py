"""The fool painter's order of work, pen-up travel, zig-zag links, and the picture's frame."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from painters import fool
from painters.fool import order, strokes
from painters.fool.segment import Segmentation, find_regions
from painters.fool.travel import in_travel_order
from painters.plottable import finished
from painters.raster import place
from plotter.geometry import travel_lengths
from plotter.plan import Pen

PAGE = (80.0, 100.0)
BLACK = Pen("black", "#1b1b1b", 0.3)
RED = Pen("red", "#c0392b", 0.3)


def busy(rows: int = 40, cols: int = 56) -> np.ndarray:
    """Dark blobs and stripes running off every edge of the picture: outlines and edges touch the frame."""
    yy, xx = np.mgrid[:rows, :cols]
    grey = 0.5 + 0.45 * np.sin(xx / 3.0) * np.cos(yy / 4.0)
    grey[:, :4] = 0.05
    grey[-5:, :] = 0.1
    rgb = np.stack([grey, grey * 0.8, grey * 0.6], axis=2)
    rgb[5:15, 30:50] = (0.8, 0.1, 0.1)
    return rgb


def c_shape() -> shapely.Polygon:
    return shapely.Polygon([(0, 0), (30, 0), (30, 8), (10, 8), (10, 22), (30, 22), (30, 30), (0, 30)])


@pytest.mark.parametrize(("style", "mood"), [*((m, None) for m in fool.MEDIA), ("crosshatch", "angry"),
                                             ("contour", "tense"), ("pastel", "happy")])
def test_no_painted_path_leaves_the_pictures_rectangle(style, mood):
    rgb = busy()
    rect = place(rgb.shape, PAGE, 7.0).rect
    plan = fool.paint(rgb, style=style, mood=mood, pens=(BLACK, RED), page=PAGE, margin_mm=7.0, seed=2)
    points = np.concatenate([path for _, path in plan.iter_paths()])
    assert (points >= np.array(rect[:2]) - 1e-9).all() and (points <= np.array(rect[2:]) + 1e-9).all()


def test_a_trembled_short_line_stays_near_its_course():
    rng = np.random.default_rng(0)
    for _ in range(200):  # the old tremor divided by the spread of three smoothed samples and flew off
        line = np.array([[10.0, 10.0], [10.4, 10.3], [10.9, 10.5]]) + rng.uniform(0, 50, 2)
        (shaken,) = strokes.tremble([line], 0.3, rng)
        assert shapely.distance(shapely.points(shaken), shapely.LineString(line)).max() <= 0.9 + 1e-9


def test_finished_cuts_paths_at_the_frame_it_is_given():
    paths = [np.array([[5.0, 5.0], [50.0, 5.0]]), np.array([[20.0, 20.0], [30.0, 30.0]])]
    kept = finished(paths, (100.0, 100.0), frame=(10.0, 0.0, 40.0, 100.0))
    assert sorted(p[:, 0].min() for p in kept) == [10.0, 20.0]
    assert max(p[:, 0].max() for p in kept) == 40.0


def test_zig_zag_turns_follow_the_boundary_round_its_notches_and_stay_inside():
    tips = np.column_stack([np.full(30, 29.5), np.arange(30) + 0.5])  # a saw-toothed right edge, teeth inwards
    teeth = np.column_stack([np.full(31, 30.0), np.arange(31.0)])
    edge = np.insert(teeth, np.arange(1, 31), tips, axis=0)
    notched = shapely.Polygon([(0, 0), *edge, (0, 30)])
    paths = strokes.hatch(notched, 0.0, 0.3, 0.85, lambda xy: np.full(len(xy), 0.85), wobble_mm=0.0,
                          rng=np.random.default_rng(1))
    assert len(paths) <= 3  # one zig-zag, not a lift at every row
    inside = notched.buffer(1e-6)
    assert all(inside.covers(shapely.LineString(p)) for p in paths)  # a straight turn would cut a tooth's tip
    drawn = np.concatenate(paths)
    assert (np.abs(drawn[:, None, :] - tips[None, :, :]).max(axis=2) < 1e-9).any(axis=0).sum() >= 5


def test_zig_zags_in_a_concave_region_stay_inside_it():
    shape = c_shape()
    paths = strokes.hatch(shape, 1.3, 0.3, 0.85, lambda xy: np.full(len(xy), 0.2), wobble_mm=0.0,
                          rng=np.random.default_rng(1))
    separate = strokes.hatch(shape, 1.3, 0.3, 0.85, lambda xy: np.full(len(xy), 0.2), wobble_mm=0.0,
                             rng=np.random.default_rng(1), join=False)
    assert 2 * len(paths) < len(separate)
    inside = shape.buffer(1e-6)
    assert all(inside.covers(shapely.LineString(p)) for p in paths)


def test_each_tier_is_toured_for_travel_and_tiers_keep_their_order():
    rng = np.random.default_rng(3)
    tiers = [[np.array([p, p + rng.normal(0, 1, 2)]) for p in rng.uniform(0, 80, (60, 2))] for _ in range(3)]
    toured = in_travel_order(tiers, PAGE)
    for before, after in zip(tiers, toured, strict=True):
        key = {tuple(sorted(map(tuple, p.round(9)))) for p in before}
        assert {tuple(sorted(map(tuple, p.round(9)))) for p in after} == key  # same strokes, maybe reversed
        assert travel_lengths(after).sum() < 0.5 * travel_lengths(before).sum()


def test_region_tiers_are_background_then_size_classes_and_spell_the_painting_order():
    rgb = np.ones((60, 60, 3)) * 0.7
    rgb[20:40, 20:40] = 0.2
    rgb[5:10, 45:50] = 0.1
    rgb[48:50, 10:12] = 0.4
    regions = find_regions(rgb, place(rgb.shape, PAGE, 5), Segmentation(segments=80, merge_delta_e=5,
                                                                        min_area_mm2=0.5))
    tiers = order.region_tiers(regions)
    assert [i for tier in tiers for i in tier] == order.region_order(regions)
    assert all(regions[i].touches_border for i in tiers[0])
    smallest = [min(regions[i].area_mm2 for i in tier) for tier in tiers[1:]]
    largest = [max(regions[i].area_mm2 for i in tier) for tier in tiers[1:]]
    assert all(big <= small for small, big in zip(smallest, largest[1:], strict=False))
    assert all(big < order.SIZE_CLASS * small for small, big in zip(smallest, largest, strict=True))


def test_the_painted_plan_travels_little_between_strokes():
    plan = fool.paint(busy(), pens=(BLACK,), page=PAGE, margin_mm=7.0)
    paths = [path for _, path in plan.iter_paths()]
    shuffled = [paths[i] for i in np.random.default_rng(0).permutation(len(paths))]
    assert travel_lengths(paths).sum() < 0.2 * travel_lengths(shuffled).sum()
