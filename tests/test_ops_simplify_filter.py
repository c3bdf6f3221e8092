"""simplify_paths and drop_short: fewer points and fewer specks, same drawing."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Layer, OperationError, Pen, Plan, is_closed
from plotter.geometry import path_lengths
from plotter.ops import drop_short, simplify_paths


def make_plan(*layers: list) -> Plan:
    return Plan((100.0, 100.0), tuple(Layer(Pen(f"pen{i}"), tuple(paths)) for i, paths in enumerate(layers)))


def only_paths(plan: Plan) -> list[list[list[float]]]:
    return [p.tolist() for layer in plan.layers for p in layer.paths]


@pytest.mark.parametrize(
    ("path", "tolerance", "expected"),
    [
        ([(0, 0), (1, 0.01), (2, 0)], 0.1, [[0, 0], [2, 0]]),
        ([(0, 0), (1, 0.5), (2, 0)], 0.1, [[0, 0], [1, 0.5], [2, 0]]),
        ([(0, 0), (1, 0)], 10, [[0, 0], [1, 0]]),
        ([(3, 3)], 10, [[3, 3]]),
        ([(0, 0), (1, 0), (2, 0), (3, 0)], 0, [[0, 0], [3, 0]]),
        # a closed path that would collapse below a triangle is kept
        ([(0, 0), (1, 0), (1, 1), (0, 0)], 10, [[0, 0], [1, 0], [1, 1], [0, 0]]),
        ([(0, 0), (1, 0), (2, 0.01), (2, 2), (0, 2), (0, 0)], 0.1, [[0, 0], [2, 0.01], [2, 2], [0, 2], [0, 0]]),
    ],
)
def test_simplify_table(path, tolerance, expected):
    assert only_paths(simplify_paths(make_plan([path]), tolerance)) == [expected]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    tolerance=st.floats(0, 3),
    closed=st.booleans(),
)
def test_simplify_keeps_endpoints_closedness_and_stays_within_tolerance(seed, tolerance, closed):
    rng = np.random.default_rng(seed)
    paths = [np.cumsum(rng.uniform(-2, 2, (int(rng.integers(3, 30)), 2)), axis=0) for _ in range(5)]
    if closed:
        paths = [np.vstack([p, p[:1]]) for p in paths]
    out = simplify_paths(make_plan(paths), tolerance).layers[0].paths
    assert len(out) == len(paths)
    for before, after in zip(paths, out, strict=True):
        assert 2 <= len(after) <= len(before)
        assert np.array_equal(after[0], before[0]) and np.array_equal(after[-1], before[-1])
        assert is_closed(after) == is_closed(before)
        assert {tuple(p) for p in after.tolist()} <= {tuple(p) for p in before.tolist()}
        distance = shapely.distance(shapely.points(before), shapely.linestrings(after))
        assert distance.max() <= tolerance + 1e-9


def test_simplify_each_layer_and_keep_pens():
    plan = make_plan([[(0, 0), (1, 0), (2, 0)]], [[(0, 0), (0, 1), (0, 2)]])
    out = simplify_paths(plan, 0.1)
    assert [layer.pen for layer in out.layers] == [layer.pen for layer in plan.layers]
    assert only_paths(out) == [[[0, 0], [2, 0]], [[0, 0], [0, 2]]]


@pytest.mark.parametrize(
    ("min_length", "kept"),
    [(0.0, 4), (0.5, 3), (1.0, 3), (1.5, 2), (100.0, 0)],
)
def test_drop_short_keeps_paths_at_least_as_long_as_the_limit(min_length, kept):
    paths = [[(5, 5)], [(0, 0), (1, 0)], [(0, 0), (1, 0), (1, 1)], [(0, 0), (3, 4)]]
    out = drop_short(make_plan(paths), min_length).layers[0].paths
    assert len(out) == kept
    assert (path_lengths(out) >= min_length).all()


def test_drop_short_on_an_empty_plan_is_a_no_op():
    assert drop_short(make_plan(), 1.0).layers == ()


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
@pytest.mark.parametrize("operation", [simplify_paths, drop_short])
def test_negative_or_nan_lengths_are_named(operation, bad):
    with pytest.raises(OperationError, match=str(bad)):
        operation(make_plan([[(0, 0), (1, 1)]]), bad)


def test_simplify_drops_repeated_points():
    plan = Plan((50, 50), (Layer(Pen("k"), ([[0, 0], [1, 0], [1, 0], [1, 0], [2, 3]],)),))
    (path,) = simplify_paths(plan, 0.01).layers[0].paths
    assert path.tolist() == [[0, 0], [1, 0], [2, 3]]
