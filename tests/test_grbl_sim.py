"""The simulated GRBL 1.1h answers like the real one (grbl.md §5) and keeps its buffers honestly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.grbl_pen import z_pen
from hardware.grbl_sim import BANNER, GrblSim


def talk(sim: GrblSim, data: bytes, *, run: bool = True) -> list[str]:
    """Send ``data``, let the machine finish (unless ``run`` is false), return the lines printed."""
    sim.feed(data)
    if run:
        sim.run_until_idle(limit_s=3600)
    return [line for line in sim.read().decode().split("\r\n") if line]


@pytest.fixture
def sim() -> GrblSim:
    device = GrblSim()
    device.read()
    return device


def test_power_up_prints_the_banner():
    assert GrblSim().read() == b"\r\n" + BANNER.encode() + b"\r\n"


REPLIES = [
    (b"?", ["<Idle|MPos:0.000,0.000,0.000|FS:0,0|WCO:0.000,0.000,0.000>"]),
    (b"$I\n", ["[VER:1.1h.20190830:]", "[OPT:V,15,128]", "ok"]),
    (b"$G\n", ["[GC:G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0]", "ok"]),
    (b"$\n", ["[HLP:$$ $# $G $I $N $x=val $Nx=line $J=line $SLP $C $X $H ~ ! ? ctrl-x]", "ok"]),
    (b"$N\n", ["$N0=", "$N1=", "ok"]),
    (b"\n", ["ok"]),
    (b"(just a comment)\n", ["ok"]),
    (b"G21 G90\nG0 X10 Y10\n", ["ok", "ok"]),
    (b"G1 X\n", ["error:2"]),
    (b"G1 X21 Y\n", ["error:2"]),
    (b"G99\n", ["error:20"]),
    (b"G1 X5 F0\n", ["error:22"]),
    (b"G1 X5\n", ["error:22"]),
    (b"g1 x 20 (pen down) y10 f1000 ;eol\n", ["ok"]),
    (b"G1 X" + b"1" * 79 + b"\n", ["error:11"]),
    (b"G1 X1 F100 (" + b"c" * 187 + b")\n", ["ok"]),
    (b"$Z\n", ["error:2"]),
    (b"$999=1\n", ["error:3"]),
    (b"$10\n", ["error:3"]),
    (b"$20=1\n", ["error:10"]),
    (b"$0=2\n", ["error:6"]),
    (b"$110=-1\n", ["error:4"]),
    (b"$H\n", ["error:5"]),
    (b"#1\n", ["error:1"]),
    (b"G1 X1.2.3 F10\n", ["error:1"]),
    (b"G0 G1 X1\n", ["error:21"]),
    (b"G1 X1 X2 F10\n", ["error:25"]),
    (b"G4\n", ["error:28"]),
    (b"G1 F-1\n", ["error:4"]),
    (b"G0 X1 P1\n", ["error:36"]),
    (b"G92\n", ["error:26"]),
    (b"G1.5 X1\n", ["error:23"]),
    (b"N99999999 G0 X1\n", ["error:27"]),
    (b"A1\n", ["error:20"]),
    (b"M2\n", ["[MSG:Pgm End]", "ok"]),
]


@pytest.mark.parametrize(("sent", "received"), REPLIES)
def test_replies_match_grbl_1_1h(sim, sent, received):
    assert talk(sim, sent) == received


def test_settings_dump_lists_every_setting_then_ok(sim):
    lines = talk(sim, b"$$\n")
    assert lines[0] == "$0=10" and lines[-1] == "ok"
    assert {"$11=0.010", "$30=1000", "$110=500.000", "$132=200.000"} <= set(lines)
    assert len(lines) == 35


def test_settings_are_stored_and_reported(sim):
    assert talk(sim, b"$11=0.02\n$110=6000\n") == ["ok", "ok"]
    assert sim.settings[11] == 0.02 and "$110=6000.000" in talk(sim, b"$$\n")


def test_motion_lines_are_acknowledged_when_planned_not_when_executed(sim):
    assert talk(sim, b"G0 X10 Y10\n", run=False) == ["ok"]
    assert sim.state == "Run"


def test_sync_command_is_answered_only_after_motion_finishes(sim):
    talk(sim, b"G0 X10 Y10\n", run=False)
    assert talk(sim, b"M3 S1000\n", run=False) == []
    sim.advance(1.0)
    assert sim.read() == b""
    sim.advance(10.0, until_output=True)
    assert sim.read() == b"ok\r\n"
    # diagonal rapid: per-axis 500 mm/min and 10 mm/s² scaled by 1/cos 45°, trapezoid profile
    v, a, length = 500 / 60 * math.sqrt(2), 10 * math.sqrt(2), 10 * math.sqrt(2)
    assert sim.now == pytest.approx(2 * v / a + (length - v * v / a) / v, rel=1e-6)


def test_dwell_is_answered_after_its_time(sim):
    talk(sim, b"G4 P1.5\n", run=False)
    sim.advance(10.0, until_output=True)
    assert sim.read() == b"ok\r\n" and sim.now == pytest.approx(1.5)


def test_a_full_planner_stops_taking_lines_from_rx(sim):
    talk(sim, b"G91 G1 F600\n")
    oks = [talk(sim, b"X1\n", run=False) for _ in range(15)]
    assert oks == [["ok"]] * 15
    assert talk(sim, b"X1\n", run=False) == []  # 16th move waits for a planner block
    sim.advance(5.0, until_output=True)
    assert sim.read() == b"ok\r\n" and sim.planner.free() == 0


def test_rx_overflow_drops_bytes_silently(sim):
    talk(sim, b"$10=3\nG91 G1 F600\n")
    for _ in range(16):
        talk(sim, b"X1\n", run=False)
    sim.feed(b"X1\n" * 50)  # 150 bytes into a 128-byte buffer that nobody is emptying
    assert sim.dropped_bytes == 150 - 128 and sim.rx_free == 0
    status = talk(sim, b"?", run=False)[0]
    assert "|Bf:0,0|" in status  # the realtime byte got through a full buffer


def test_realtime_bytes_work_mid_line_and_are_not_counted(sim):
    assert talk(sim, b"G1 X?1 F100\n", run=False)[0].startswith("<Idle|")
    assert sim.max_unanswered_bytes == len(b"G1 X1 F100\n")


def test_feed_hold_decelerates_then_resume_finishes_the_move(sim):
    talk(sim, b"G91 G1 X20 F600\n", run=False)
    sim.advance(1.0)
    sim.feed(b"!")
    assert sim.state == "Hold:1"
    sim.feed(b"~")  # ignored until the hold is complete, as in GRBL
    sim.run_until_idle()
    assert sim.state == "Hold:0"
    held = sim.position[0]
    sim.advance(5.0)
    assert sim.position[0] == held and "|FS:0,0" in talk(sim, b"?", run=False)[0]
    sim.feed(b"~")
    assert sim.state == "Run"
    sim.run_until_idle()
    assert sim.state == "Idle" and sim.position[0] == pytest.approx(20.0)


def test_reset_during_motion_raises_alarm_3_and_locks_gcode(sim):
    talk(sim, b"G1 X30 F300\n", run=False)
    sim.advance(0.5)
    assert talk(sim, b"\x18", run=False) == ["ALARM:3", BANNER, "[MSG:'$H'|'$X' to unlock]"]
    assert talk(sim, b"G0 X0\n") == ["error:9"]
    assert talk(sim, b"?")[0].startswith("<Alarm|MPos:")
    assert talk(sim, b"$X\n") == ["[MSG:Caution: Unlocked]", "ok"]
    assert talk(sim, b"G0 X0\n") == ["ok"]


def test_reset_while_idle_just_restarts(sim):
    assert talk(sim, b"\x18") == [BANNER]


def test_soft_limit_locks_everything_until_reset(sim):
    assert talk(sim, b"$22=1\n$20=1\n") == ["ok", "ok"]
    assert talk(sim, b"G0 X30\n") == ["ALARM:2", "[MSG:Reset to continue]"]
    assert talk(sim, b"?G0 X-1\n?") == []
    assert talk(sim, b"\x18") == ["ok", BANNER, "[MSG:'$H'|'$X' to unlock]"]
    assert sim.state == "Alarm"


def test_homing_machine_boots_locked_and_homes(sim):
    device = GrblSim({22: 1})
    assert device.read().decode().split("\r\n")[-2] == "[MSG:'$H'|'$X' to unlock]"
    assert talk(device, b"G0 X-1\n") == ["error:9"]
    assert talk(device, b"$H\n") == ["ok"]
    assert device.state == "Idle" and device.position.tolist() == [-1.0, -1.0, -1.0]


def test_check_mode_parses_without_moving(sim):
    assert talk(sim, b"$C\n") == ["[MSG:Enabled]", "ok"]
    assert talk(sim, b"G1 X50 Y50 F500\nG99\n") == ["ok", "error:20"]
    assert talk(sim, b"?")[0].startswith("<Check|MPos:0.000,0.000,0.000")
    assert sim.elapsed_s == 0.0
    assert talk(sim, b"$C\n") == ["[MSG:Disabled]", "ok", BANNER]
    assert sim.state == "Idle"


def test_m0_pauses_until_cycle_start(sim):
    assert talk(sim, b"G91 G1 X5 F600\nM0\nX5\n") == ["ok"]
    assert sim.state == "Hold:0" and sim.position[0] == pytest.approx(5.0)
    assert talk(sim, b"~") == ["ok", "ok"]
    assert sim.position[0] == pytest.approx(10.0)


def test_g92_sets_the_work_offset_and_forces_a_wco_report(sim):
    talk(sim, b"?")
    assert talk(sim, b"G92 X5\n?")[-1].endswith("|WCO:-5.000,0.000,0.000>")
    assert sim.work_position[0] == 5.0


def test_wco_and_overrides_are_reported_periodically(sim):
    reports = [talk(sim, b"?")[0] for _ in range(12)]
    assert [i for i, r in enumerate(reports) if "WCO:" in r] == [0, 10]
    assert [i for i, r in enumerate(reports) if "Ov:" in r] == [1, 11]


def test_status_mask_selects_work_position_and_buffer(sim):
    talk(sim, b"$10=2\nG92 X5\n")
    assert talk(sim, b"?")[0].startswith("<Idle|WPos:5.000,0.000,0.000|Bf:15,128|FS:0,0")


def test_inches_are_converted(sim):
    talk(sim, b"G20 G1 X1 F10\n")
    assert sim.position[0] == pytest.approx(25.4)
    assert talk(sim, b"$G\n")[0] == "[GC:G1 G54 G17 G20 G90 G94 M5 M9 T0 F10 S0]"


def test_servo_pen_traces_pen_down_moves(sim):
    talk(sim, b"M3 S30\nG1 X10 F600\nG1 Y10\nM5\nG0 X0 Y0\nM3 S30\nM3 S0\n")
    assert [t.tolist() for t in sim.traces] == [[[0, 0], [10, 0], [10, 10]], [[0, 0]]]


def test_z_pen_traces_moves_below_the_threshold():
    device = GrblSim(pen_down=z_pen(-5.5))
    talk(device, b"G0 Z-5\nG0 X1\nG1 Z-6 F300\nG1 X5 F600\nY2\nG0 Z-5\nX9\n")
    assert [t.tolist() for t in device.traces] == [[[1, 0], [5, 0], [5, 2]]]


@pytest.mark.parametrize(("program", "traces"), [
    (b"G0 Z5\nG0 X3\n", []),  # lifted where it rested at power-on: the operator's set-up, no mark
    (b"G1 X2 F600\nG0 Z5\n", [[[0, 0], [2, 0]]]),  # moved sideways first: that is drawn
])
def test_a_z_pen_resting_on_the_paper_at_power_on_draws_only_if_it_moves(program, traces):
    device = GrblSim(pen_down=z_pen(2.5))  # Z starts at 0: the pen-down height
    talk(device, program)
    assert [t.tolist() for t in device.traces] == traces


@pytest.mark.parametrize(
    ("program", "start_x", "violations"),
    [(b"M3 S30\nG1 X10 F600\nM5\n", "late", 1), (b"M3 S30\nG4 P0.2\nG1 X10 F600\nM5\nG4 P0.2\n", 0.0, 0)],
)
def test_pen_settle_time_needs_a_dwell(program, start_x, violations):
    device = GrblSim(pen_settle_s=0.2)
    talk(device, program)
    (trace,) = device.traces
    assert device.settle_violations == violations
    assert (trace[0, 0] > 0.1) if start_x == "late" else (trace[0, 0] == start_x)
    assert trace[-1, 0] == 10.0


def _stream_instantly(sim: GrblSim, lines: list[str]) -> None:
    """Character counting with an infinitely fast wire: the planner is never starved."""
    pending: list[int] = []
    for line in lines:
        data = (line + "\n").encode()
        while sum(pending) + len(data) > 127:
            sim.advance(60.0, until_output=True)
            del pending[: sim.read().count(b"ok")]
        sim.feed(data)
        pending.append(len(data))
        del pending[: sim.read().count(b"ok")]
    sim.run_until_idle()


def _zigzag(n: int = 200) -> np.ndarray:
    steps = np.zeros((n, 2))
    steps[0::2, 0] = 5
    steps[1::2, 1] = np.where(np.arange(n // 2) % 2 == 0, 5, -5)
    return np.vstack([[0, 0], np.cumsum(steps, axis=0)])


def _circle(n: int = 200, r: float = 20.0) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n + 1)
    return np.c_[r * np.cos(t) - r, r * np.sin(t)]


@pytest.mark.parametrize(("points", "expected_s"), [(_zigzag(), 52.11), (_circle(), 2.713)])
def test_plot_time_matches_the_worked_examples_of_grbl_md(points, expected_s):
    device = GrblSim({110: 6000, 111: 6000, 120: 250, 121: 250, 11: 0.01})
    _stream_instantly(device, [f"G1 X{x:.4f} Y{y:.4f} F3000" for x, y in points[1:]])
    assert device.elapsed_s == pytest.approx(expected_s, rel=2e-3)
    assert np.allclose(device.position[:2], points[-1])


_LINE = st.text(alphabet="GXYZF0123456789.- ;()", max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=8))
def test_every_line_gets_exactly_one_reply(lines):
    device = GrblSim()
    device.read()
    replies = []
    for line in lines:
        replies += [r for r in talk(device, line.encode() + b"\n") if r == "ok" or r.startswith("error:")]
    assert len(replies) == len(lines)
