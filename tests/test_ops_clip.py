"""clip_to_page: nothing drawn outside the rectangle, everything inside kept."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Layer, OperationError, Pen, Plan, is_closed
from plotter.geometry import path_lengths
from plotter.ops import clip_to_page


def make_plan(*layers: list, page=(10.0, 10.0)) -> Plan:
    return Plan(page, tuple(Layer(Pen(f"pen{i}"), tuple(paths)) for i, paths in enumerate(layers)))


def clipped(paths, rect=None) -> list[list[list[float]]]:
    return [p.tolist() for p in clip_to_page(make_plan(paths), rect).layers[0].paths]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([[(1, 1), (9, 9)]], [[[1, 1], [9, 9]]]),  # inside: untouched
        ([[(-5, -5), (-1, -1)]], []),  # outside: dropped
        ([[(-2, 5), (5, 5)]], [[[0, 5], [5, 5]]]),
        ([[(2, 5), (15, 5), (15, 7), (2, 7)]], [[[2, 5], [10, 5]], [[10, 7], [2, 7]]]),  # leaves and comes back
        ([[(5, 5)], [(50, 5)]], [[[5, 5]]]),  # dots: kept inside, dropped outside
        ([[(-1, 0), (-1, 10)]], []),
    ],
)
def test_clip_table(paths, expected):
    assert clipped(paths) == expected


def test_a_cut_closed_path_becomes_one_open_piece_through_its_start():
    square = [(5, 5), (15, 5), (15, 8), (5, 8), (5, 5)]
    (piece,) = clip_to_page(make_plan([square])).layers[0].paths
    assert not is_closed(piece)
    assert piece.tolist() == [[10, 8], [5, 8], [5, 5], [10, 5]]


def test_an_explicit_rectangle_and_every_layer_are_clipped():
    plan = make_plan([[(0, 0), (10, 0)]], [[(0, 5), (10, 5)]])
    out = clip_to_page(plan, (2, -1, 4, 6))
    assert [p.tolist() for layer in out.layers for p in layer.paths] == [[[2, 0], [4, 0]], [[2, 5], [4, 5]]]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), closed=st.booleans())
def test_clip_keeps_only_points_inside_and_the_length_shapely_finds(seed, closed):
    rng = np.random.default_rng(seed)
    paths = [rng.uniform(-5, 15, (int(rng.integers(2, 12)), 2)) for _ in range(8)]
    if closed:
        paths = [np.vstack([p, p[:1]]) for p in paths]
    out = clip_to_page(make_plan(paths)).layers[0].paths
    points = np.concatenate(out) if out else np.empty((0, 2))
    assert ((points >= -1e-9) & (points <= 10 + 1e-9)).all()
    box = shapely.box(0, 0, 10, 10)
    # segment by segment: a path drawn twice over itself counts twice (shapely would dissolve it)
    pieces = shapely.linestrings(np.concatenate([np.stack([p[:-1], p[1:]], axis=1) for p in paths]))
    expected = shapely.length(shapely.intersection(pieces, box)).sum()
    assert path_lengths(out).sum() == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("rect", [(0, 0, -1, 5), (0, float("nan"), 1, 1), (0, 0, 1)])
def test_bad_rectangles_are_named(rect):
    with pytest.raises(OperationError, match="clip rectangle"):
        clip_to_page(make_plan([]), rect)
