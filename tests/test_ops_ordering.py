"""sort_paths: a shorter pen-up route that draws exactly the same thing."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Layer, OperationError, Pen, Plan
from plotter.geometry import path_lengths
from plotter.ops import sort_paths
from plotter.ops.ordering import travel_from


def make_plan(*layers: list, page=(300.0, 200.0)) -> Plan:
    return Plan(page, tuple(Layer(Pen(f"pen{i}"), tuple(paths)) for i, paths in enumerate(layers)))


def random_walks(n: int, seed: int, closed_every: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        k = int(rng.integers(2, 8))
        steps = np.stack([np.cos(h := rng.uniform(0, 6.3, k - 1)), np.sin(h)], 1) * rng.uniform(1, 5, (k - 1, 1))
        walk = rng.uniform((0, 0), (300, 200)) + np.vstack([[0, 0], np.cumsum(steps, axis=0)])
        if closed_every and i % closed_every == 0:
            walk = np.vstack([walk, walk[:1]]) if k >= 3 else walk
        paths.append(walk)
    return paths


def segments(paths) -> Counter:
    """The undirected segments drawn, as a multiset; one-point paths count as dots."""
    found: Counter = Counter()
    for p in paths:
        if len(p) == 1:
            found[("dot", *p[0].tolist())] += 1
        for a, b in zip(p[:-1].tolist(), p[1:].tolist(), strict=True):
            found[tuple(sorted((tuple(a), tuple(b))))] += 1
    return found


def nearest_neighbour_travel(paths, start=(0.0, 0.0)) -> float:
    """A naive baseline: always go to the closest end of a path not yet drawn."""
    ends = np.array([[p[0], p[-1]] for p in paths])
    left, here, total = np.ones(len(paths), bool), np.asarray(start, float), 0.0
    for _ in paths:
        d = np.hypot(*(ends - here).transpose(2, 0, 1))
        d[~left] = np.inf
        i, side = np.unravel_index(np.argmin(d), d.shape)
        total += d[i, side]
        left[i] = False
        here = ends[i, 1 - side]
    return total


PLANS = {
    "empty": make_plan(),
    "empty layer": make_plan([]),
    "one path": make_plan([[(5, 5), (9, 9)]]),
    "one-point paths": make_plan([[(5, 5)], [(1, 1)], [(5, 5), (6, 6)]]),
    "closed paths": make_plan([[(10, 10), (20, 10), (20, 20), (10, 10)], [(0, 0), (1, 0), (1, 1), (0, 0)]]),
    "many layers": make_plan(random_walks(30, 1), [], random_walks(20, 2, closed_every=3), random_walks(1, 3)),
    "duplicates": make_plan([[(1, 1), (2, 2)]] * 5 + [[(2, 2), (1, 1)]] * 3),
}


@pytest.mark.parametrize(
    "options", [{}, {"allow_reverse": False}, {"reloop": False}, {"improve_moves": 0}, {"improve_time_s": 0}]
)
@pytest.mark.parametrize("name", PLANS)
def test_sorting_draws_the_same_segments_with_the_same_pens(name, options):
    plan = PLANS[name]
    result = sort_paths(plan, **options)
    assert [layer.pen for layer in result.layers] == [layer.pen for layer in plan.layers]
    assert result.page_mm == plan.page_mm
    for before, after in zip(plan.layers, result.layers, strict=True):
        assert segments(after.paths) == segments(before.paths)
        assert sorted(map(len, after.paths)) == sorted(map(len, before.paths))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 60),
    closed_every=st.sampled_from([0, 2, 5]),
    allow_reverse=st.booleans(),
    start=st.tuples(st.floats(-50, 350), st.floats(-50, 250)),
)
def test_sorting_keeps_segments_and_never_travels_further_than_the_input(seed, n, closed_every, allow_reverse, start):
    paths = random_walks(n, seed, closed_every)
    plan = make_plan(paths)
    result = sort_paths(plan, allow_reverse=allow_reverse, start=start)
    out = result.layers[0].paths
    assert segments(out) == segments(paths)
    assert np.allclose(np.sort(path_lengths(out)), np.sort(path_lengths(paths)))
    assert travel_from(out, np.array(start)) <= travel_from(paths, np.array(start)) + 1e-9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sorting_beats_nearest_neighbour_chaining(seed):
    paths = random_walks(400, seed)
    out = sort_paths(make_plan(paths), improve_time_s=1.0).layers[0].paths
    assert travel_from(out, np.zeros(2)) < 0.95 * nearest_neighbour_travel(paths)


def test_paths_along_a_line_are_drawn_in_one_sweep_reversing_where_needed():
    plan = make_plan([[(30, 0), (40, 0)], [(20, 0), (10, 0)], [(0, 0), (5, 0)]])
    out = sort_paths(plan).layers[0].paths
    assert [p.tolist() for p in out] == [[[0, 0], [5, 0]], [[10, 0], [20, 0]], [[30, 0], [40, 0]]]


def test_without_reverse_every_path_keeps_its_direction():
    paths = random_walks(50, 7)
    out = sort_paths(make_plan(paths), allow_reverse=False, reloop=False).layers[0].paths
    originals = {p.tobytes() for p in paths}
    assert all(p.tobytes() in originals for p in out)


def test_reloop_starts_a_closed_path_at_the_vertex_nearest_the_pen():
    square = [(10, 10), (20, 10), (20, 20), (10, 20), (10, 10)]
    out = sort_paths(make_plan([square]), start=(21, 21)).layers[0].paths
    assert out[0][0].tolist() == [20, 20] and out[0][-1].tolist() == [20, 20]
    kept = sort_paths(make_plan([square]), start=(21, 21), reloop=False).layers[0].paths
    assert kept[0][0].tolist() == [10, 10]


def test_each_layer_starts_where_the_previous_one_ended():
    plan = make_plan([[(0, 0), (100, 100)]], [[(0, 0), (1, 1)], [(99, 99), (98, 98)]])
    out = sort_paths(plan).layers
    assert out[1].paths[0][0].tolist() == [99, 99]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"improve_time_s": -1.0}, "improve_time_s.*-1.0"),
        ({"improve_time_s": float("nan")}, "improve_time_s"),
        ({"improve_moves": -1}, "improve_moves.*-1"),
        ({"improve_moves": 2.5}, "improve_moves"),
        ({"start": (0.0, float("inf"))}, "start"),
    ],
)
def test_invalid_arguments_are_named(options, message):
    with pytest.raises(OperationError, match=message):
        sort_paths(PLANS["one path"], **options)


def test_the_same_plan_is_always_sorted_the_same_way():
    plan = make_plan(random_walks(3000, 5))
    first, second = sort_paths(plan).layers[0].paths, sort_paths(plan).layers[0].paths
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_more_improvement_moves_never_travel_further():
    plan = make_plan(random_walks(2000, 9))
    greedy = travel_from(sort_paths(plan, improve_moves=0).layers[0].paths, np.zeros(2))
    improved = travel_from(sort_paths(plan, improve_moves=4000).layers[0].paths, np.zeros(2))
    assert improved < 0.95 * greedy
