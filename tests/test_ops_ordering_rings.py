"""sort_paths with closed paths: a ring is joined to the order at whichever vertex saves most."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Layer, Pen, Plan
from plotter.geometry import endpoints
from plotter.ops import sort_paths
from plotter.ops.ordering import travel_from
from plotter.ops.tour_greedy import endpoint_table, greedy_order
from plotter.ops.tour_rings import Rings, anchored, initial_anchors, relocate_rings


def make_plan(paths) -> Plan:
    return Plan((210.0, 297.0), (Layer(Pen("black"), tuple(np.asarray(p, float) for p in paths)),))


def circle(centre, radius, vertices, first_deg=0.0) -> np.ndarray:
    angle = np.deg2rad(first_deg) + np.linspace(0, 2 * np.pi, vertices + 1)
    ring = np.asarray(centre) + radius * np.c_[np.cos(angle), np.sin(angle)]
    ring[-1] = ring[0]
    return ring


def ring_heavy(n: int, seed: int, open_share: float = 0.3) -> list[np.ndarray]:
    """Circles (random first vertex) among short open strokes, as a stipple or a leafy plant gives."""
    rng = np.random.default_rng(seed)
    paths = []
    for _ in range(n):
        centre = rng.uniform((0, 0), (210, 297))
        if rng.random() < open_share:
            paths.append(centre + np.cumsum(rng.normal(0, 3, (int(rng.integers(2, 7)), 2)), axis=0))
        else:
            paths.append(circle(centre, rng.uniform(2, 12), int(rng.integers(3, 40)), rng.uniform(0, 360)))
    return paths


def segments(paths) -> Counter:
    found: Counter = Counter()
    for p in paths:
        for a, b in zip(p[:-1].tolist(), p[1:].tolist(), strict=True):
            found[tuple(sorted((tuple(a), tuple(b))))] += 1
    return found


def test_a_ring_is_entered_at_the_vertex_where_the_strokes_meet_it_not_at_its_start():
    arm = [(0, 0), (50, 0)]
    leg = [(50, 0), (50, 100), (200, 100)]
    body = circle((50, -10), 10, 16, first_deg=270)  # starts at (50, -20); vertex 4 is (50, 0)
    out = sort_paths(make_plan([leg, body, arm])).layers[0].paths
    assert travel_from(out, np.zeros(2)) == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(out[1][0], (50, 0)) and np.allclose(out[1][-1], (50, 0))


def test_rings_between_strokes_cost_no_detour_when_entered_where_they_touch():
    # each ring touches the strokes on either side at vertices other than its first one
    strokes = [[(0, 0), (40, 0)], [(60, 0), (100, 0)], [(120, 0), (160, 0)]]
    rings = [circle((50, 0), 10, 12, first_deg=90), circle((110, 0), 10, 12, first_deg=90)]
    plan = make_plan(strokes + rings)
    out = sort_paths(plan).layers[0].paths
    start_only = sort_paths(plan, reloop=False).layers[0].paths
    assert travel_from(out, np.zeros(2)) == pytest.approx(40.0)  # the two 20 mm gaps, nothing more
    assert travel_from(start_only, np.zeros(2)) > 50


@pytest.mark.parametrize("seed", [0, 1])
def test_ring_heavy_plans_travel_much_less_than_with_rings_entered_at_their_start(seed):
    plan = make_plan(ring_heavy(300, seed))
    anywhere = travel_from(sort_paths(plan).layers[0].paths, np.zeros(2))
    start_only = travel_from(sort_paths(plan, reloop=False).layers[0].paths, np.zeros(2))
    assert anywhere < 0.8 * start_only


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), allow_reverse=st.booleans())
def test_rings_are_only_rotated_and_strokes_only_reversed_when_allowed(seed, n, allow_reverse):
    paths = ring_heavy(n, seed)
    out = sort_paths(make_plan(paths), allow_reverse=allow_reverse).layers[0].paths
    assert segments(out) == segments(paths)
    assert sorted(map(len, out)) == sorted(map(len, paths))
    assert travel_from(out, np.zeros(2)) <= travel_from(paths, np.zeros(2)) + 1e-9
    closed_in = sum(np.array_equal(p[0], p[-1]) for p in paths)
    assert sum(np.array_equal(p[0], p[-1]) for p in out) == closed_in
    if not allow_reverse:
        originals = {p.tobytes() for p in paths if not np.array_equal(p[0], p[-1])}
        assert all(p.tobytes() in originals for p in out if not np.array_equal(p[0], p[-1]))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 80))
def test_relocating_rings_never_lengthens_the_tour(seed, n):
    paths = tuple(ring_heavy(n, seed, open_share=0.5))
    starts, ends = endpoints(paths)
    closed = np.array([len(p) >= 4 and np.array_equal(p[0], p[-1]) for p in paths])
    if not closed.any():
        return
    rings = Rings.of(paths, closed)
    anchor = initial_anchors(rings, endpoint_table(starts, ends, (0.0, 0.0)), closed)
    points = anchored(endpoint_table(starts, ends, (0.0, 0.0)), rings, anchor)
    entries = greedy_order(points)

    def travel(points, entries):
        exits = np.vstack([points[-1:], points[entries ^ 1][:-1]])
        return np.hypot(*(points[entries] - exits).T).sum()

    moved_entries, moved_anchor, _ = relocate_rings(points, entries, rings, anchor, max_moves=len(paths))
    assert sorted((moved_entries >> 1).tolist()) == list(range(len(paths)))
    after = travel(anchored(points, rings, moved_anchor), moved_entries)
    assert after <= travel(points, entries) + 1e-9


def test_rings_are_sorted_the_same_way_every_time():
    plan = make_plan(ring_heavy(500, 3))
    first, second = sort_paths(plan).layers[0].paths, sort_paths(plan).layers[0].paths
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_without_improvement_moves_the_first_tour_already_enters_rings_where_strokes_meet_them():
    arm, leg = [(0, 0), (50, 0)], [(50, 0), (50, 100), (200, 100)]
    body = circle((50, -10), 10, 16, first_deg=270)
    out = sort_paths(make_plan([leg, body, arm]), improve_moves=0).layers[0].paths
    assert travel_from(out, np.zeros(2)) == pytest.approx(0.0, abs=1e-9)
