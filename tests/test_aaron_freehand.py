"""Cohen's freehand line: reaches its goal, swings within its limit, never a straight line."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from painters.aaron.freehand import MIN_SEGMENT_MM, Course, draw_lines, resample, tidy
from painters.aaron.rules import Rule, RuleSet, Trace, always


def _distance_to_chord(path: np.ndarray) -> np.ndarray:
    start, end = path[0], path[-1]
    direction = (end - start) / np.hypot(*(end - start))
    offset = path - start
    return np.abs(offset[:, 0] * direction[1] - offset[:, 1] * direction[0])


@pytest.mark.parametrize("goal", [(100.0, 0.0), (0.0, 60.0), (-35.0, -35.0), (12.0, 3.0)])
def test_free_lines_end_exactly_on_their_goal_and_are_not_straight(goal):
    start = np.array([50.0, 50.0])
    end = start + goal
    drawn = draw_lines([Course(np.array([start, end]))] * 5, np.random.default_rng(4))
    for path in drawn.paths:
        assert np.array_equal(path[0], start) and np.array_equal(path[-1], end)
        assert _distance_to_chord(path).max() > 0.05  # a hand, not a ruler
        assert _distance_to_chord(path).max() < 0.25 * np.hypot(*goal) + 1  # but it keeps its course
        assert np.hypot(*np.diff(path, axis=0).T).min() >= MIN_SEGMENT_MM


def test_guided_outlines_close_on_themselves_and_hug_their_guide():
    angle = np.linspace(0, 2 * math.pi, 100)
    ring = np.column_stack([100 + 20 * np.cos(angle), 100 + 20 * np.sin(angle)])
    ring[-1] = ring[0]
    drawn = draw_lines([Course(ring, lookahead_mm=1.5)] * 4, np.random.default_rng(1))
    for path in drawn.paths:
        assert np.array_equal(path[0], path[-1])
        radius = np.hypot(*(path - 100).T)
        assert np.abs(radius - 20).max() < 2.0 and radius.std() > 0.05


def test_the_swing_reverses_and_panics_at_the_angular_limit():
    drawn = draw_lines([Course(np.array([(0.0, 0.0), (150.0, 0.0)]), swing=2.0)] * 3, np.random.default_rng(2))
    assert (drawn.phases > 3).all() and drawn.panics.sum() > 0
    side = np.sign(drawn.paths[0][5:-5, 1] - drawn.paths[0][0, 1])
    assert (np.diff(side[side != 0]) != 0).any()  # crosses its course: swings both ways


def test_zero_wobble_draws_a_steady_line():
    course = Course(np.array([(0.0, 0.0), (80.0, 0.0)]))
    steady = draw_lines([course], np.random.default_rng(3), wobble=0.0).paths[0]
    loose = draw_lines([course], np.random.default_rng(3), wobble=2.0).paths[0]
    assert _distance_to_chord(steady).max() < 0.1 < _distance_to_chord(loose).max()


def test_the_same_generator_state_draws_the_same_lines():
    courses = [Course(np.array([(0.0, 0.0), (40.0, float(k))])) for k in range(10)]
    first = draw_lines(courses, np.random.default_rng(8)).paths
    again = draw_lines(courses, np.random.default_rng(8)).paths
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_tidy_drops_specks_but_keeps_both_ends():
    path = np.array([(0.0, 0.0), (0.01, 0.0), (1.0, 0.0), (2.0, 0.0), (2.02, 0.0)])
    kept = tidy(path)
    assert np.array_equal(kept[0], path[0]) and np.array_equal(kept[-1], path[-1])
    assert np.hypot(*np.diff(kept, axis=0).T).min() >= MIN_SEGMENT_MM


def test_resample_keeps_the_ends_and_spacing():
    points = resample(np.array([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]), 0.5)
    assert np.array_equal(points[0], (0, 0)) and np.allclose(points[-1], (10, 10))
    assert np.allclose(np.hypot(*np.diff(points, axis=0).T), 0.5)


def test_the_first_rule_that_holds_fires_and_is_traced():
    rules = RuleSet("lines", [Rule("never", lambda f: False, lambda f: 1), Rule("big", lambda f: f["n"] > 3,
                                                                              lambda f: 2),
                              Rule("otherwise", always, lambda f: 3)])
    trace = Trace()
    assert rules.fire({"n": 5}, trace, "object 1 rock") == 2
    assert rules.fire({"n": 1}, trace, "object 1 rock", "detail") == 3
    assert trace.lines == ["object 1 rock | lines: big", "object 1 rock | lines: otherwise (detail)"]


@settings(max_examples=25)
@given(st.lists(st.tuples(st.floats(-30, 30), st.floats(-30, 30)), min_size=2, max_size=5),
       st.sampled_from([1.0, 3.0, math.inf]), st.floats(0, 3), st.integers(0, 2**32 - 1))
def test_any_course_is_drawn_to_its_goal_in_plottable_steps(points, lookahead, swing, seed):
    guide = np.array(points)
    assume(np.hypot(*np.diff(guide, axis=0).T).sum() > 1.0)
    path = draw_lines([Course(guide, lookahead, swing)], np.random.default_rng(seed)).paths[0]
    assert np.array_equal(path[0], guide[0]) and np.array_equal(path[-1], guide[-1])
    assert np.isfinite(path).all() and np.hypot(*np.diff(path, axis=0).T).min() >= MIN_SEGMENT_MM
