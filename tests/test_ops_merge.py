"""merge_paths: paths whose ends touch become one pen-down stroke."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Layer, OperationError, Pen, Plan, is_closed
from plotter.geometry import path_lengths
from plotter.ops import merge_paths


def make_plan(*layers: list) -> Plan:
    return Plan((100.0, 100.0), tuple(Layer(Pen(f"pen{i}"), tuple(paths)) for i, paths in enumerate(layers)))


def merged(paths, tolerance=0.1) -> list[list[list[float]]]:
    return [p.tolist() for p in merge_paths(make_plan(paths), tolerance).layers[0].paths]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([[(0, 0), (1, 0)], [(1, 0), (2, 0)]], [[[0, 0], [1, 0], [2, 0]]]),  # end -> start
        ([[(0, 0), (1, 0)], [(2, 0), (1, 0)]], [[[0, 0], [1, 0], [2, 0]]]),  # end -> end
        ([[(1, 0), (0, 0)], [(1, 0), (2, 0)]], [[[0, 0], [1, 0], [2, 0]]]),  # start -> start
        ([[(0, 0), (1, 0)], [(1.05, 0), (2, 0)]], [[[0, 0], [1, 0], [1.05, 0], [2, 0]]]),  # gap drawn
        ([[(0, 0), (1, 0)], [(1.5, 0), (2, 0)]], [[[0, 0], [1, 0]], [[1.5, 0], [2, 0]]]),  # too far
        ([[(0, 0)], [(0, 0), (1, 0)]], [[[0, 0], [1, 0]]]),  # a dot on an end disappears into it
        ([[(0, 0), (5, 0), (0.05, 0)]], [[[0, 0], [5, 0], [0.05, 0]]]),  # one path is never closed on itself
    ],
)
def test_touching_ends_are_joined_without_duplicate_points(paths, expected):
    assert merged(paths) == expected


def test_a_ring_of_paths_becomes_one_closed_path():
    square = [[(0, 0), (1, 0)], [(1, 1), (1, 0)], [(1, 1), (0, 1)], [(0, 1), (0, 0)]]
    (ring,) = merge_paths(make_plan(square), 0.01).layers[0].paths
    assert is_closed(ring) and len(ring) == 5
    assert path_lengths([ring])[0] == pytest.approx(4.0)


def test_layers_are_merged_separately():
    plan = make_plan([[(0, 0), (1, 0)]], [[(1, 0), (2, 0)]])
    assert [len(layer.paths) for layer in merge_paths(plan, 1.0).layers] == [1, 1]


@pytest.mark.parametrize("paths", [[], [[(3, 3)]], [[(0, 0), (1, 1)]]])
def test_nothing_to_merge_leaves_paths_as_they_are(paths):
    assert merged(paths) == [np.asarray(p, float).tolist() for p in paths]


@settings(max_examples=40, deadline=None)
@given(
    segments=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=40
    ),
    tolerance=st.sampled_from([0.0, 0.3, 1.0, 1.5]),
)
def test_merging_keeps_the_drawing_and_only_adds_short_joins(segments, tolerance):
    paths = [[(x0, y0), (x1, y1)] for x0, y0, x1, y1 in segments]
    before = make_plan(paths).layers[0].paths
    after = merge_paths(make_plan(paths), tolerance).layers[0].paths
    assert 1 <= len(after) <= len(before)
    loops = sum(is_closed(p) for p in after)
    joins = len(before) - len(after) + loops
    added = path_lengths(after).sum() - path_lengths(before).sum()
    assert -1e-9 <= added <= joins * tolerance + 1e-9
    # every point drawn before is still drawn
    drawn = {tuple(p) for path in after for p in path.tolist()}
    assert all(tuple(p) in drawn for path in before for p in path.tolist())
    # joins never leave a zero-length segment behind
    assert sum(zero_length_segments(p) for p in after) <= sum(zero_length_segments(p) for p in before)


def zero_length_segments(path: np.ndarray) -> int:
    return int((path[1:] == path[:-1]).all(axis=1).sum())


def test_many_paths_merge_into_chains_quickly():
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.uniform(-1, 1, (20001, 2)), axis=0)
    pieces = [walk[i : i + 2][:: 1 if i % 3 else -1] for i in range(20000)]
    order = rng.permutation(len(pieces))
    (line,) = merge_paths(make_plan([pieces[i] for i in order]), 1e-6).layers[0].paths
    assert len(line) == 20001
    assert path_lengths([line])[0] == pytest.approx(path_lengths(pieces).sum())


@pytest.mark.parametrize("tolerance", [-0.1, float("nan"), float("inf")])
def test_invalid_tolerance_is_named(tolerance):
    with pytest.raises(OperationError, match="tolerance"):
        merge_paths(make_plan([]), tolerance)
