"""The motion model against golden values, and the vectorised planner against a plain loop."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.job import stream_plan
from hardware.ports import SimulatedPort
from hardware.streamer import GrblStreamer
from plotter import Pen, Plan
from plotter.cli.devices import simulated_device
from plotter.errors import OperationError
from plotter.gcode import to_program
from plotter.machines import load_machine
from plotter.motion import MotionSettings, estimate_time, profile_time, timeline

NO_PEN = MotionSettings(pen_down_delay_s=0, pen_up_delay_s=0)
A = NO_PEN.accel_mm_s2
F = NO_PEN.draw_feed_mm_s


def one_path(points, settings: MotionSettings = NO_PEN) -> float:
    """Pen-down time of a one-path plan."""
    b = Plan.builder("a4")
    b.add(points)
    return estimate_time(b.build(), settings).draw_s


def rest_to_rest(length: float, feed: float, accel: float) -> float:
    if length >= feed * feed / accel:
        return length / feed + feed / accel
    return 2 * math.sqrt(length / accel)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("draw_feed_mm_min", 0),
        ("travel_feed_mm_min", -1),
        ("accel_mm_s2", float("nan")),
        ("junction_deviation_mm", -0.1),
        ("pen_down_delay_s", float("inf")),
        ("pen_up_delay_s", -1),
    ],
)
def test_settings_reject_bad_values_naming_the_field(field, value):
    with pytest.raises(OperationError, match=field):
        MotionSettings(**{field: value})


def test_settings_accept_zero_delays_and_zero_junction_deviation():
    MotionSettings(junction_deviation_mm=0, pen_down_delay_s=0, pen_up_delay_s=0)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # trapezoid: t = L/v + v/a
        ([(0, 0), (100, 0)], 100 / F + F / A),
        ([(0, 0), (0, 100)], 100 / F + F / A),
        # triangle: t = 2 sqrt(L/a)
        ([(0, 0), (1, 0)], 2 * math.sqrt(1 / A)),
        # diagonal: per-axis limits let it accelerate at a·√2
        ([(0, 0), (1, 1)], 2 * math.sqrt(math.sqrt(2) / (A * math.sqrt(2)))),
        # full reversal: stops at the turn, two rest-to-rest moves
        ([(0, 0), (50, 0), (0, 0)], 2 * (50 / F + F / A)),
        # duplicate points change nothing
        ([(0, 0), (0, 0), (100, 0), (100, 0)], 100 / F + F / A),
        ([(5, 5)], 0.0),
        ([(5, 5), (5, 5)], 0.0),
    ],
)
def test_single_stroke_times_match_closed_forms(points, expected):
    assert one_path(points) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_right_angle_corner_slows_to_the_junction_deviation_speed():
    b = Plan.builder("a4")
    b.add([(0, 0), (100, 0), (100, 100)])
    times = timeline(b.build(), NO_PEN)[0].times
    s = math.sin(math.radians(45))
    v_sq = math.sqrt(2) * A * NO_PEN.junction_deviation_mm * s / (1 - s)  # axis-aligned: a_j = √2·a
    first = profile_time(np.array([100.0]), np.array([0.0]), np.array([v_sq]), F, np.array([A]))[0]
    expected = 2 * F / A - math.sqrt(v_sq) / A + (100 - F * F / A + v_sq / (2 * A)) / F
    assert first == pytest.approx(expected)
    assert times[1] - times[0] == pytest.approx(expected)
    assert times[2] - times[1] == pytest.approx(expected)


def test_near_reversal_is_almost_two_stops():
    stop_twice = 2 * (50 / F + F / A)
    t = one_path([(0, 0), (50, 0), (0, 0.5)])
    assert stop_twice * 0.99 < t < stop_twice


def test_collinear_points_take_as_long_as_one_segment():
    line = np.column_stack([np.linspace(0, 150, 1001), np.linspace(10, 60, 1001)])
    assert one_path(line) == pytest.approx(one_path(line[[0, -1]]), rel=1e-9)


_ANGLES = np.linspace(0, 2 * np.pi, 201)
_ZIGZAG_STEPS = [(0, 0)] + [(5, 0) if i % 2 == 0 else (0, 5 - 10 * (i // 2 % 2)) for i in range(200)]


@pytest.mark.parametrize(
    ("name", "points", "expected_s"),
    [
        # /work/shared/notes/grbl.md §8: $120=250 mm/s², $11=0.010 mm, F3000
        ("circle of 200 chords", np.column_stack([np.cos(_ANGLES), np.sin(_ANGLES)]) * 20 + 50, 2.713),
        ("zigzag of 200 5 mm segments, 90° corners", np.cumsum(_ZIGZAG_STEPS, axis=0) + 50, 52.11),
    ],
)
def test_reproduces_the_grbl_note_golden_table(name, points, expected_s):
    grbl = MotionSettings(accel_mm_s2=250, pen_down_delay_s=0, pen_up_delay_s=0)
    assert one_path(points, grbl) == pytest.approx(expected_s, abs=0.005), name


def test_travel_and_pen_delays_add_up_from_and_back_to_the_origin():
    b = Plan.builder("a4")
    b.add([(30, 40)])
    est = estimate_time(b.build())
    travel = 2 * rest_to_rest(50, 100 / 0.8, A / 0.8)  # direction (0.6, 0.8): per-axis feed and a / 0.8
    assert est.travel_s == pytest.approx(travel)
    along_path = estimate_time(b.build(), MotionSettings(rapid_travel=False))  # G1 travel: feed along the path
    assert along_path.travel_s == pytest.approx(2 * rest_to_rest(50, 100, A / 0.8))
    assert est.pen_s == pytest.approx(0.45)  # the preamble's pen-up, then down and up
    assert est.draw_s == 0
    assert est.time_s == pytest.approx(travel + 0.45)


def several_layers() -> Plan:
    b = Plan.builder("a4")
    b.pen(Pen("black", "#000000", 0.3))
    b.pen(Pen("red", "#ff0000", 0.8))
    b.pen(Pen("unused", "#00ff00", 0.5))
    b.add([(10, 10), (50, 10), (50, 50)], "black")
    b.add_closed([(60, 60), (90, 60), (90, 90)], "black")
    b.add([(20, 100), (20, 100), (150, 120)], "red")
    b.add([(5, 5)], "red")
    return b.build()


def single(points) -> Plan:
    b = Plan.builder("a4")
    b.add(points)
    return b.build()


PLANS = {
    "empty": Plan((210, 297)),
    "one point": single([(30, 40)]),
    "one path": single([(10, 10), (80, 20), (40, 90)]),
    "closed path": single([(10, 10), (80, 10), (80, 80), (10, 10)]),
    "several layers": several_layers(),
}


@pytest.mark.parametrize("plan", PLANS.values(), ids=PLANS.keys())
def test_estimate_parts_and_layers_add_up_to_the_total(plan):
    est = estimate_time(plan)
    assert est.time_s == pytest.approx(est.draw_s + est.travel_s + est.pen_s)
    assert est.time_s == pytest.approx(sum(layer.time_s for layer in est.layers))
    assert [layer.name for layer in est.layers] == [layer.name for layer in plan.layers]
    assert est.pen_s == pytest.approx(plan.path_count * 0.3 + (0.15 if plan.path_count else 0))


def test_empty_plan_takes_no_time_and_has_no_timeline():
    assert estimate_time(Plan((210, 297))).time_s == 0
    assert timeline(Plan((210, 297))) == []


def test_timeline_is_ordered_and_ends_at_the_estimate():
    plan = several_layers()
    tl = timeline(plan)
    assert [(s.layer, s.path) for s in tl] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [len(s.times) for s in tl] == [len(p) for _, p in plan.iter_paths()]
    flat = np.concatenate([[s.travel_start_s, s.travel_end_s, *s.times, s.lifted_s] for s in tl])
    assert np.all(np.diff(flat) >= -1e-9)
    assert tl[0].travel_start_s == pytest.approx(0.15)  # after the preamble's pen-up
    assert tl[2].times[1] == tl[2].times[0]  # a repeated point is reached when its twin is
    assert tl[0].times[0] - tl[0].travel_end_s == pytest.approx(0.15)
    home = rest_to_rest(5 * math.sqrt(2), 100 * math.sqrt(2), A * math.sqrt(2))
    assert tl[-1].lifted_s + home == pytest.approx(estimate_time(plan).time_s)
    with pytest.raises(ValueError):
        tl[0].times[0] = 1.0


def naive_draw_time(points: np.ndarray, s: MotionSettings) -> float:
    """GRBL's planner written the plain way: junction speeds, then two loops."""
    pts = points[np.r_[True, np.any(points[1:] != points[:-1], axis=1)]]
    if len(pts) < 2:
        return 0.0
    vec = np.diff(pts, axis=0)
    length = np.hypot(*vec.T)
    unit = vec / length[:, None]
    accel = s.accel_mm_s2 / np.abs(unit).max(axis=1)
    cap = [0.0]
    for u_in, u_out in zip(unit[:-1], unit[1:], strict=True):
        cos = -float(u_in @ u_out)
        if cos > 0.999999:
            v = 0.0
        elif cos < -0.999999:
            v = math.inf
        else:
            j = (u_out - u_in) / np.hypot(*(u_out - u_in))
            sh = math.sqrt(0.5 * (1 - cos))
            v = s.accel_mm_s2 / np.abs(j).max() * s.junction_deviation_mm * sh / (1 - sh)
        cap.append(min(v, s.draw_feed_mm_s**2))
    cap.append(0.0)
    for k in range(len(length) - 1, -1, -1):
        cap[k] = min(cap[k], cap[k + 1] + 2 * accel[k] * length[k])
    for k in range(1, len(cap)):
        cap[k] = min(cap[k], cap[k - 1] + 2 * accel[k - 1] * length[k - 1])
    v = np.array(cap)
    return float(profile_time(length, v[:-1], v[1:], s.draw_feed_mm_s, accel).sum())


polylines = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda p: (p[0] * 2.5, p[1] * 2.5)), min_size=1, max_size=25
)


@settings(max_examples=60, deadline=None)
@given(st.lists(polylines, min_size=1, max_size=4), st.sampled_from([0.0, 0.01, 0.5]))
def test_vectorised_planner_matches_a_plain_loop_and_never_beats_the_feed(paths, deviation):
    s = MotionSettings(junction_deviation_mm=deviation, pen_down_delay_s=0, pen_up_delay_s=0)
    b = Plan.builder("a4")
    for p in paths:
        b.add(p)
    plan = b.build()
    est = estimate_time(plan, s)
    arrays = [p for _, p in plan.iter_paths()]
    expected = [naive_draw_time(p, s) for p in arrays]
    assert est.draw_s == pytest.approx(sum(expected), rel=1e-9, abs=1e-9)
    lengths = sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in arrays)
    assert est.draw_s >= lengths / s.draw_feed_mm_s - 1e-9
    durations = [t.times[-1] - t.times[0] for t in timeline(plan, s)]
    assert durations == pytest.approx(expected, rel=1e-9, abs=1e-9)


Z_PEN = MotionSettings(
    pen_down_delay_s=0, pen_up_delay_s=0, pen_z_mm=5, pen_down_z_feed_mm_min=600, pen_up_z_feed_mm_min=600,
    z_accel_mm_s2=100,
)


def z_junction_speed_sq(settings: MotionSettings) -> float:
    """A Z move meeting an X move at 90°: the bisector (1, 0, ±1)/√2 is limited by Z's acceleration."""
    s = math.sin(math.radians(45))
    a_j = min(settings.z_accel_mm_s2, settings.accel_mm_s2) * math.sqrt(2)
    return a_j * settings.junction_deviation_mm * s / (1 - s)


@pytest.mark.parametrize(
    ("settings", "start_sq", "end_sq"),
    [
        # planned blocks: GRBL does not stop between the Z moves and the XY move
        (Z_PEN, z_junction_speed_sq(Z_PEN), z_junction_speed_sq(Z_PEN)),
        # the dwell after lowering drains the planner; the lift's dwell comes after the lift
        (replace(Z_PEN, pen_down_delay_s=0.2, pen_up_delay_s=0.2), 0.0, z_junction_speed_sq(Z_PEN)),
        (NO_PEN, 0.0, 0.0),  # a servo pen: M3/M5 drain the planner
    ],
    ids=["z pen", "z pen with dwells", "servo pen"],
)
def test_the_z_pen_blends_into_the_draw_move_where_nothing_drains_the_planner(settings, start_sq, end_sq):
    stroke = timeline(single([(0, 0), (100, 0)]), settings)[0]
    expected = profile_time(np.array([100.0]), np.array([start_sq]), np.array([end_sq]), F, np.array([A]))[0]
    assert stroke.times[1] - stroke.times[0] == pytest.approx(expected, rel=1e-9)
    assert (expected < 100 / F + F / A) == (settings is not NO_PEN)


def test_z_moves_are_timed_with_the_z_axis_limits_and_the_preamble_lifts_first():
    # pen at the stroke's start: lift (preamble), lower (a full reversal: from rest to rest), draw a dot, lift
    stroke = timeline(single([(0, 0)]), Z_PEN)[0]
    z_rest_to_rest = rest_to_rest(5, 10, 100)
    assert stroke.travel_start_s == pytest.approx(z_rest_to_rest)  # the preamble's pen-up
    assert stroke.times[0] - stroke.travel_end_s == pytest.approx(z_rest_to_rest)
    assert stroke.lifted_s - stroke.times[0] == pytest.approx(z_rest_to_rest)


def test_a_stroke_sync_stops_the_machine_after_each_pen_up():
    plan = single([(10, 10), (60, 10)])
    blended, synced = estimate_time(plan, Z_PEN), estimate_time(plan, replace(Z_PEN, sync_after_stroke=True))
    assert synced.time_s > blended.time_s
    assert synced.draw_s == pytest.approx(blended.draw_s)  # the stop is after the pen-up, not in the stroke


def test_z_pen_parts_and_layers_add_up_to_the_total():
    plan = several_layers()
    est = estimate_time(plan, Z_PEN)
    assert est.time_s == pytest.approx(est.draw_s + est.travel_s + est.pen_s)
    assert est.time_s == pytest.approx(sum(layer.time_s for layer in est.layers))
    tl = timeline(plan, Z_PEN)
    flat = np.concatenate([[s.travel_start_s, s.travel_end_s, *s.times, s.lifted_s] for s in tl])
    assert np.all(np.diff(flat) >= -1e-9)


def test_a_z_pen_machine_gets_its_z_moves_from_the_profile():
    settings = load_machine("grbl-z").motion_settings()
    assert (settings.pen_z_mm, settings.pen_down_z_feed_mm_min, settings.pen_up_z_feed_mm_min) == (5, 500, 1000)
    assert (settings.pen_down_delay_s, settings.pen_up_delay_s, settings.z_accel_mm_s2) == (0, 0, 200)
    assert load_machine("grbl-servo").motion_settings().pen_z_mm == 0  # a servo pen: only its dwells


def random_strokes(seed: int, count: int) -> Plan:
    rng = np.random.default_rng(seed)
    b = Plan.builder((300, 200))
    for _ in range(count):
        steps = rng.normal(0, 3, (int(rng.integers(1, 30)), 2))
        b.add(np.clip(rng.uniform(20, 180) + np.cumsum(steps, axis=0), 5, 195))
    return b.build()


@pytest.mark.parametrize("name", ["grbl-z", "grbl-servo"])
@pytest.mark.parametrize("job", [False, True], ids=["program", "plot job"])
def test_estimate_agrees_with_the_simulated_grbl_within_one_percent(name, job):
    """The simulator runs in virtual time: deterministic, no timing involved."""
    machine = load_machine(name)
    plan = random_strokes(seed=4, count=12)
    program = to_program(plan, machine)
    device = simulated_device(machine)
    streamer = GrblStreamer(SimulatedPort(device), poll_hz=50.0, pen_up_lines=machine.pen.up_lines)
    if job:  # what `plotter plot` streams: a G4 P0 after each stroke that does not end in a sync
        items = stream_plan(program.lines, program.stroke_of_line)
    else:
        items = list(zip(program.lines, program.stroke_of_line, strict=True))
    simulated = streamer.stream(items).elapsed_s
    estimate = estimate_time(plan, machine.motion_settings(sync_after_stroke=job)).time_s
    assert estimate == pytest.approx(simulated, rel=0.01)
