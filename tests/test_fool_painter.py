"""The Painting-Fool-style painter: regions, palette, strokes, order, styles and moods."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from painters import fool
from painters.fool import order, palette, strokes
from painters.fool.segment import Segmentation, find_regions
from painters.fool.styles import MOODS, make_style
from painters.raster import place
from plotter.errors import PlanError
from plotter.plan import Pen

BLACK = Pen("black", "#1b1b1b", 0.3)
RED = Pen("red", "#c0392b", 0.3)
BLUE = Pen("blue", "#1f4e9c", 0.3)
YELLOW = Pen("yellow", "#f1c40f", 0.3)
PAGE = (80.0, 80.0)


def two_halves(size: int = 48) -> np.ndarray:
    """Left half brick red, right half pale blue-grey: two regions any segmentation must find."""
    image = np.empty((size, size, 3))
    image[:, : size // 2] = (0.75, 0.2, 0.15)
    image[:, size // 2 :] = (0.8, 0.85, 0.9)
    return image


def gradient(size: int = 48) -> np.ndarray:
    ramp = np.linspace(0.05, 0.95, size)
    return np.repeat(np.repeat(ramp[None, :, None], size, axis=0), 3, axis=2)


def all_points(plan) -> np.ndarray:
    return np.concatenate([p for _, p in plan.iter_paths()])


def assert_plottable(plan) -> None:
    for _, path in plan.iter_paths():
        assert len(path) >= 2 and np.isfinite(path).all()
        assert np.hypot(*np.diff(path, axis=0).T).sum() > 0
        assert (path >= 0).all() and (path[:, 0] <= plan.page_mm[0]).all() and (path[:, 1] <= plan.page_mm[1]).all()


def test_segmentation_finds_the_two_colour_regions_and_their_colours():
    rgb = two_halves()
    regions = find_regions(rgb, place(rgb.shape, PAGE, 5), Segmentation(segments=40, merge_delta_e=8))
    assert len(regions) == 2
    left, right = sorted(regions, key=lambda r: r.shape.centroid.x)
    assert np.allclose(left.rgb, (0.75, 0.2, 0.15), atol=0.02)
    assert left.darkness > right.darkness
    assert left.area_mm2 == pytest.approx(right.area_mm2, rel=0.1)
    assert all(r.touches_border for r in regions)


def test_region_outlines_keep_holes():
    rgb = np.ones((60, 60, 3))
    rgb[10:50, 10:50] = 0.1  # a dark square frame ...
    rgb[25:35, 25:35] = 1.0  # ... with a white hole
    regions = find_regions(rgb, place(rgb.shape, PAGE, 5), Segmentation(segments=60, merge_delta_e=10,
                                                                        min_area_mm2=1, smooth_mm=0.1))
    dark = max(regions, key=lambda r: r.darkness)
    polygon = max(shapely.get_parts(dark.shape), key=lambda p: p.area)
    assert len(polygon.interiors) == 1


@pytest.mark.parametrize(("colour", "expected"), [((0.8, 0.2, 0.15), "red"), ((0.15, 0.3, 0.65), "blue"),
                                                   ((0.95, 0.85, 0.2), "yellow"), ((0.1, 0.1, 0.1), "black")])
def test_palette_picks_the_pen_whose_mix_with_paper_matches_the_colour(colour, expected):
    rgb = np.array(colour)
    target = 1.0 - float(rgb @ np.array([0.2125, 0.7154, 0.0721]))
    inks = palette.inks_for(rgb, target, (BLACK, RED, BLUE, YELLOW))
    assert inks[0].pen.name == expected


def test_a_light_pen_too_pale_for_a_dark_region_gets_a_crossing_layer_of_the_darkest():
    inks = palette.inks_for(np.array([0.45, 0.4, 0.05]), 0.6, (YELLOW, BLACK), vibrance=3.0)
    assert [ink.pen.name for ink in inks] == ["yellow", "black"]
    assert inks[1].layer == 1


@given(st.floats(0.12, 0.8), st.floats(0.12, 0.8))
def test_darker_regions_get_more_coverage(a, b):
    grey = np.array([0.5, 0.5, 0.5])
    ca = palette.inks_for(grey, a, (BLACK,))[0].coverage
    cb = palette.inks_for(grey, b, (BLACK,))[0].coverage
    assert (ca - cb) * (a - b) >= 0


@pytest.mark.parametrize("coverage", [0.1, 0.3, 0.6])
def test_hatching_inks_the_asked_coverage_at_the_pen_width(coverage):
    square = shapely.box(0, 0, 40, 40)
    paths = strokes.hatch(square, 0.5, 0.3, 0.85, lambda xy: np.full(len(xy), coverage), wobble_mm=0.0,
                          rng=np.random.default_rng(1), join=False)
    inked = sum(np.hypot(*np.diff(p, axis=0).T).sum() for p in paths) * 0.3
    assert inked / square.area == pytest.approx(coverage, rel=0.2)


def test_hatching_follows_a_tone_that_changes_inside_the_region():
    square = shapely.box(0, 0, 40, 40)
    paths = strokes.hatch(square, math.pi / 2, 0.3, 0.85, lambda xy: xy[:, 0] / 50, wobble_mm=0.0,
                          rng=np.random.default_rng(2), join=False)
    x = np.concatenate([p[:, 0] for p in paths])
    assert (x > 20).sum() > 2 * (x < 20).sum()


def test_hatch_lines_are_joined_back_and_forth_inside_a_convex_region():
    paths = strokes.hatch(shapely.box(0, 0, 30, 30), 0.3, 0.3, 0.85, lambda xy: np.full(len(xy), 0.4),
                          wobble_mm=0.1, rng=np.random.default_rng(3))
    assert len(paths) <= 3


def test_crosshatch_adds_layers_only_where_the_tone_is_dark():
    square = shapely.box(0, 0, 30, 30)

    def directions(tone: float) -> int:
        paths = strokes.crosshatch(square, 0.0, 0.3, 0.85, lambda xy: np.full(len(xy), tone), wobble_mm=0.0,
                                   rng=np.random.default_rng(4))
        segments = np.concatenate([np.diff(p, axis=0) for p in paths])
        segments = segments[np.hypot(*segments.T) > 8]  # hatch lines, not the joins along the edge
        return len(np.unique(np.round(np.degrees(np.arctan2(segments[:, 1], segments[:, 0])) % 180)))

    assert directions(0.2) == 1
    assert directions(0.8) == 4


def test_contour_fill_draws_rings_inside_the_shape():
    disc = shapely.Point(20, 20).buffer(10)
    rings = strokes.contour_fill(disc, 0.3, 0.85, lambda xy: np.full(len(xy), 0.85), rng=np.random.default_rng(5))
    radii = [np.hypot(*(r - 20).T).mean() for r in rings]
    assert len(rings) > 10 and max(radii) < 10


def test_freehand_outline_wobbles_around_the_shape_and_overshoots():
    square = shapely.box(0, 0, 20, 20)
    (line,) = strokes.freehand_outline(square, wobble_mm=0.4, rng=np.random.default_rng(6))
    distance = shapely.distance(shapely.points(line), square.exterior)
    assert 0.05 < distance.mean() < 1.5
    assert shapely.LineString(line).length > square.length


def test_background_before_foreground_large_before_small_light_pens_first():
    rgb = np.ones((60, 60, 3)) * 0.7
    rgb[20:40, 20:40] = 0.2
    rgb[5:10, 45:50] = 0.1
    regions = find_regions(rgb, place(rgb.shape, PAGE, 5), Segmentation(segments=60, merge_delta_e=5,
                                                                        min_area_mm2=1))
    ordered = [regions[i] for i in order.region_order(regions)]
    assert ordered[0].touches_border
    inner = [r.area_mm2 for r in ordered[1:]]
    assert inner == sorted(inner, reverse=True)
    assert [p.name for p in order.pen_order([BLACK, YELLOW, BLUE])] == ["yellow", "blue", "black"]


@pytest.mark.parametrize("medium", fool.MEDIA)
def test_every_medium_paints_a_plottable_plan(medium):
    plan = fool.paint(two_halves(), style=medium, pens=(BLACK, RED, BLUE), page=PAGE, margin_mm=5)
    assert plan.path_count > 0
    assert_plottable(plan)
    assert plan.metadata["params"]["medium"] == medium
    assert plan.metadata["generator"] == "fool"


def test_layers_go_from_light_pens_to_dark():
    plan = fool.paint(two_halves(), pens=(BLACK, YELLOW, RED), page=PAGE, margin_mm=5)
    darkness = [palette.pen_darkness(layer.pen) for layer in plan.layers]
    assert darkness == sorted(darkness)


def test_the_darker_side_of_a_gradient_gets_more_ink():
    plan = fool.paint(gradient(), page=PAGE, margin_mm=5, style="pencil")  # dark on the left
    segments = [np.stack([p[:-1], p[1:]], axis=1) for _, p in plan.iter_paths()]
    segments = np.concatenate(segments)
    length = np.hypot(*(segments[:, 1] - segments[:, 0]).T)
    middle_x = segments.mean(axis=1)[:, 0]
    assert length[middle_x < 40].sum() > 2 * length[middle_x > 40].sum()


def test_same_seed_same_plan_other_seed_other_plan():
    def points(seed: int) -> np.ndarray:
        return all_points(fool.paint(gradient(32), page=PAGE, seed=seed))

    assert np.array_equal(points(3), points(3))
    assert not np.array_equal(points(3), points(4))


def test_abstraction_gives_fewer_regions():
    rgb = np.random.default_rng(0).uniform(size=(48, 48, 3))
    detailed = fool.paint(rgb, abstraction=0.0, page=PAGE).metadata["params"]["regions"]
    abstract = fool.paint(rgb, abstraction=1.0, page=PAGE).metadata["params"]["regions"]
    assert abstract < detailed


@pytest.mark.parametrize("mood", sorted(MOODS))
def test_a_mood_changes_the_style_and_an_explicit_style_wins(mood):
    style = make_style(mood=mood)
    assert style != make_style()
    assert style.medium == MOODS[mood]["medium"]
    assert make_style("outline", mood).medium == "outline"


def test_grey_and_rgba_images_are_painted():
    grey = np.tile(np.linspace(0, 255, 32, dtype=np.uint8), (32, 1))
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    assert fool.paint(grey, page=PAGE).path_count > 0
    assert fool.paint(rgba, page=PAGE).path_count > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"style": "watercolour"}, "unknown style"),
    ({"mood": "bored"}, "unknown mood"),
    ({"abstraction": 1.5}, "abstraction"),
    ({"pens": ()}, "pen set is empty"),
])
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(PlanError, match=message):
        fool.paint(two_halves(16), page=PAGE, **kwargs)
