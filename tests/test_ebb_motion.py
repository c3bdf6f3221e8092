"""AxiDraw motion maths against known values: steps per mm, servo settings, sliced trapezoids.

Golden vectors come from pyaxidraw's constants (2032 steps/inch at 16x, servo 9855-27831,
200 ms sweep, 45 ms + 2.69 ms/% transit) or are derived by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hardware.ebb_motion import (
    ACCEL_LIMIT_MM_S2,
    MAX_STEP_RATE,
    SPEED_LIMIT_MM_S,
    EbbMotion,
    pen_move_ms,
    plan_strokes,
    plan_travels,
    servo_position,
    servo_rate,
    steps_to_xy,
    xy_to_steps,
)
from plotter.machines import load_machine
from plotter.motion import profile_time


def sm_parts(commands) -> np.ndarray:
    """(ms, steps1, steps2) rows of the SM lines among ``commands``."""
    rows = [[int(v) for v in c.split(",")[1:]] for c in commands if c.startswith("SM,")]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


@pytest.mark.parametrize(
    ("xy", "steps"),
    [
        ((1.0, 0.0), (80, 80)),  # X turns both motors the same way
        ((0.0, 1.0), (80, -80)),  # Y turns them against each other
        ((1.0, 0.5), (120, 40)),
        ((25.4, 0.0), (2032, 2032)),  # pyaxidraw: 2032 steps per inch at 16x
        ((300.0, 218.0), (41440, 6560)),  # the far corner of the bed
        ((0.006, 0.0), (0, 0)),  # under half a step rounds to the nearest step
    ],
)
def test_mm_to_motor_steps_match_pyaxidraw_scale(xy, steps):
    assert tuple(xy_to_steps([xy])[0]) == steps


@given(arrays(np.int64, (20, 2), elements=st.integers(-50_000, 50_000)))
def test_steps_to_mm_and_back_is_exact(steps):
    assert np.array_equal(xy_to_steps(steps_to_xy(steps)), steps)


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (servo_position, (0,), 9855),
        (servo_position, (100,), 27831),
        (servo_position, (60,), 20641),  # pyaxidraw default pen-up height
        (servo_position, (30,), 15248),  # pyaxidraw default pen-down height
        (servo_rate, (75,), 1618),  # 17976 * 0.24 / 200 * 75
        (servo_rate, (50,), 1079),
        (servo_rate, (0,), 22),  # rates below 1 % count as 1 %: 17976 * 0.24 / 200
        (pen_move_ms, (60, 30, 75), 130),  # ((2.69*30+45)^4 + (200*30/75)^4)^(1/4)
        (pen_move_ms, (60, 30, 50), 146),
        (pen_move_ms, (60, 30, 50, 250), 396),  # pen_delay_down is added
        (pen_move_ms, (50, 50.5, 50), 0),  # no travel, no wait
    ],
)
def test_servo_settings_match_pyaxidraw(function, args, expected):
    assert function(*args) == expected


def test_axidraw_profile_speeds_are_the_ebb_percentages_of_pyaxidraw_limits():
    machine = load_machine("axidraw")
    settings = EbbMotion.from_percentages(speed_pendown_pct=25, speed_penup_pct=75, accel_pct=75)
    assert settings.pen_down_speed_mm_s == pytest.approx(machine.motion.draw_feed_mm_min / 60, rel=1e-3)
    assert settings.pen_up_speed_mm_s == pytest.approx(machine.motion.travel_feed_mm_min / 60, rel=1e-3)
    assert settings.accel_mm_s2 == pytest.approx(machine.motion.accel_mm_s2, rel=1e-3)
    assert SPEED_LIMIT_MM_S * np.sqrt(2) * 80 == pytest.approx(MAX_STEP_RATE, rel=1e-3)  # why 8.6979 in/s
    assert ACCEL_LIMIT_MM_S2 == pytest.approx(1016.0)


def test_a_20mm_travel_is_a_triangle_of_13_slices():
    # 20 mm at 762 mm/s² never reaches 165.7 mm/s (that needs 18 mm each way): peak
    # sqrt(762 * 20) = 123.4 mm/s, T = 2 * 123.4 / 762 = 0.324 s → 324 ms in ceil(324 / 25) = 13
    # slices; the first ends at 25 ms, 0.5 * 762 * 0.025² = 0.238 mm = 19.05 → 19 steps per motor.
    (lines, seconds), = plan_travels([[0, 0]], [[1600, 1600]], EbbMotion())
    parts = sm_parts(lines)
    assert len(lines) == 13 and seconds == pytest.approx(0.324)
    assert lines[0] == "SM,25,19,19"
    assert parts[:, 1:].sum(axis=0).tolist() == [1600, 1600]
    assert np.array_equal(parts[:, 1:], parts[::-1, 1:][:, :])  # accelerate, then decelerate the same way


def test_a_travel_that_goes_nowhere_sends_nothing():
    assert plan_travels([[5, 5]], [[5, 5]]) == [((), 0.0)]


@pytest.mark.parametrize("length_mm", [0.2, 3.0, 40.0, 250.0])
def test_a_straight_stroke_takes_its_trapezoid_time(length_mm):
    s = EbbMotion()
    (stroke,) = plan_strokes([np.array([[10.0, 20.0], [10.0 + length_mm, 20.0]])], s)
    zero = np.zeros(1)
    ideal = profile_time(np.array([length_mm]), zero, zero, s.pen_down_speed_mm_s, np.array([s.accel_mm_s2]))[0]
    moving_s = stroke.duration_s - (s.lower_ms + s.raise_ms) / 1000
    assert moving_s == pytest.approx(ideal, abs=0.0011)  # whole milliseconds
    assert stroke.commands[0] == f"SP,0,{s.lower_ms}" and stroke.commands[-1] == f"SP,1,{s.raise_ms}"


def test_a_sharp_corner_costs_time_that_a_gentle_one_does_not():
    straight, gentle, sharp = plan_strokes(
        [np.array([[0, 0], [20, 0], [40, 0]]), np.array([[0, 0], [20, 0], [39.9, 2]]),
         np.array([[0, 0], [20, 0], [0, 0.1]])]
    )
    assert gentle.duration_s - straight.duration_s < 0.01
    assert sharp.duration_s - straight.duration_s > 0.05


def test_a_dot_is_pen_down_then_up():
    (dot,) = plan_strokes([np.array([[3.0, 4.0]])])
    assert [c.split(",")[0] for c in dot.commands] == ["SP", "SP"] and dot.start_steps == dot.end_steps == (560, -80)


polylines = st.lists(
    arrays(np.float64, st.tuples(st.integers(1, 12), st.just(2)), elements=st.floats(0, 200, allow_nan=False)),
    min_size=1, max_size=6,
)


@given(polylines, st.integers(1, 100), st.integers(1, 100))
def test_every_stroke_lands_on_its_vertices_within_the_step_rate(paths, speed_pct, accel_pct):
    settings = EbbMotion.from_percentages(speed_pendown_pct=speed_pct, accel_pct=accel_pct)
    for path, stroke in zip(paths, plan_strokes(paths, settings), strict=True):
        parts = sm_parts(stroke.commands)
        assert stroke.start_steps == tuple(xy_to_steps(path[:1])[0])
        assert stroke.end_steps == tuple(xy_to_steps(path[-1:])[0])
        assert tuple(np.array(stroke.start_steps) + parts[:, 1:].sum(axis=0)) == stroke.end_steps
        assert (parts[:, 0] >= 1).all() and (parts[:, 0] <= 25).all()
        assert (np.abs(parts[:, 1:]).max(axis=1, initial=0) * 1000 <= MAX_STEP_RATE * parts[:, 0]).all()


def test_settings_refuse_speeds_the_motors_cannot_step():
    with pytest.raises(ValueError, match="25 kHz"):
        EbbMotion(pen_up_speed_mm_s=300.0)
