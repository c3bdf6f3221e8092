"""The pen-moves level: strokes handed over in an order with short pen-up travel, nothing redrawn."""

from __future__ import annotations

import numpy as np
import pytest
from drawn import segments
from hypothesis import given, settings
from hypothesis import strategies as st

from painters.aaron import AaronParams, draw
from painters.aaron.moves import pen_order, travel
from plotter import ops
from plotter.plan import Plan

A5 = (148.0, 210.0)


def _ring(centre, radius, count=24):
    t = np.linspace(0, 2 * np.pi, count, endpoint=False)
    ring = np.column_stack([centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t)])
    return np.vstack([ring, ring[:1]])


def _sorted_travel(paths, start=(0.0, 0.0)):
    builder = Plan.builder((300.0, 300.0), {})
    for p in paths:
        builder.add(p)
    return travel(list(ops.sort_paths(builder.build(), start=start).layers[0].paths), np.asarray(start))


@pytest.mark.parametrize("paths", [[], [np.array([[1.0, 1.0], [2.0, 2.0]])]])
def test_nothing_to_order_comes_back_as_it_is(paths):
    assert [p.tolist() for p in pen_order(paths)] == [p.tolist() for p in paths]


def test_a_ring_is_entered_where_the_pen_arrives_not_at_its_first_point():
    line = np.array([[0.0, 50.0], [40.0, 50.0]])
    ring = _ring((50.0, 50.0), 10.0)  # starts at (60, 50), its far side
    ordered = pen_order([ring, line], (0.0, 50.0))
    assert ordered[0].tolist() == line.tolist()
    assert np.allclose(ordered[1][0], (40.0, 50.0)) and (ordered[1][0] == ordered[1][-1]).all()
    assert travel(ordered, np.array([0.0, 50.0])) == pytest.approx(0.0)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 200), st.floats(0, 200), st.floats(0.5, 30), st.booleans()),
                min_size=2, max_size=40))
def test_order_draws_the_same_segments_and_never_travels_more_than_the_project_sort(specs):
    paths = [_ring((x, y), r, 12) if closed else np.array([[x, y], [x + r, y + r / 2], [x + r, y + r]])
             for x, y, r, closed in specs]
    ordered = pen_order(paths, (0.0, 0.0))
    assert len(ordered) == len(paths)
    assert segments(ordered) == segments(paths)
    assert travel(ordered, np.zeros(2)) <= _sorted_travel(paths) + 1e-6


def test_the_painters_order_is_one_the_project_sort_keeps():
    plan = draw(8, AaronParams(objects=9), A5).plan
    sorted_plan = ops.sort_paths(plan)
    for mine, theirs in zip(plan.layers, sorted_plan.layers, strict=True):
        assert [p.tolist() for p in mine.paths] == [p.tolist() for p in theirs.paths]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 200), st.floats(0, 200)), min_size=2, max_size=30))
def test_order_never_travels_more_than_the_order_it_is_given(starts):
    paths = [np.array([[x, y], [x + 3.0, y + 1.0]]) for x, y in starts]
    assert travel(pen_order(paths, (0.0, 0.0)), np.zeros(2)) <= travel(paths, np.zeros(2)) + 1e-6
