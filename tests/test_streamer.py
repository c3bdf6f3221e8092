"""The GRBL streamer against the simulated device: character counting, acks, faults, safe stops.

Everything runs on the simulator's virtual clock: timeouts of seconds cost nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from hardware.grbl_protocol import Banner, DeviceError, Status, Unknown
from hardware.grbl_sim import GrblSim
from hardware.ports import SimulatedPort
from hardware.streamer import RX_LIMIT, Acked, GrblStreamer, RecoveryFailed
from plotter import Plan
from plotter.motion import MotionSettings, estimate_time

PEN_UP = ["M5", "G4 P0.2"]


def strokes(seed: int = 0, count: int = 6, points: int = 25) -> list[np.ndarray]:
    """Random walks inside a 100 mm square, a few with sharp corners."""
    rng = np.random.default_rng(seed)
    return [np.cumsum(rng.uniform(-4, 4, (points, 2)), axis=0) + rng.uniform(20, 80, 2) for _ in range(count)]


def program(paths: list[np.ndarray], feed: float = 3000, delay_s: float = 0.15) -> list[tuple[str, object]]:
    """A servo-pen G-code program, each line tagged (stroke, point) as a job journal would."""
    lines: list[tuple[str, object]] = [("G21 G90 (mm, absolute)", "head")]
    for k, path in enumerate(paths):
        lines += [
            (f"G0 X{path[0, 0]:.3f} Y{path[0, 1]:.3f}", (k, 0)),
            ("M3 S30", (k, "down")),
            (f"G4 P{delay_s}", (k, "settle")),
        ]
        lines += [(f"G1 X{x:.3f} Y{y:.3f} F{feed:g}", (k, i)) for i, (x, y) in enumerate(path[1:], start=1)]
        lines += [("M5", (k, "up")), (f"G4 P{delay_s}", (k, "lifted")), ("; next stroke", (k, "comment"))]
    return [*lines, ("G0 X0 Y0", "home")]  # fmt: skip


def rounded(paths: list[np.ndarray]) -> list[np.ndarray]:
    return [np.round(p, 3) for p in paths]


class Recorder:
    """on_event callback that keeps events and can act on the n-th acknowledgement."""

    def __init__(self, at: int | None = None, action=None) -> None:
        self.events: list[object] = []
        self.at, self.action = at, action

    def __call__(self, event: object) -> None:
        self.events.append(event)
        if isinstance(event, Acked) and event.index == self.at and self.action is not None:
            action, self.action = self.action, None
            action()

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def setup(settings=None, *, at=None, action=None, **kwargs):
    sim = GrblSim(settings, pen_settle_s=0.1)
    port = SimulatedPort(sim)
    sent: list[bytes] = []
    port.on_write = sent.append
    recorder = Recorder(at, action)
    streamer = GrblStreamer(port, on_event=recorder, pen_up_lines=PEN_UP, **kwargs)
    return sim, port, streamer, recorder, sent


def assert_stopped_then_lifted(sent: list[bytes]) -> None:
    """After the fault: feed hold, reset, then the pen-up lines (status polls may interleave)."""
    tail = [data for data in sent[sent.index(b"!") :] if data != b"?"]
    assert tail == [b"!", b"\x18", b"M5\n", b"G4P0.2\n"]


def test_program_streams_and_the_machine_draws_its_strokes():
    paths = strokes()
    sim, port, streamer, rec, sent = setup({110: 6000, 111: 6000, 120: 500, 121: 500})
    job = program(paths)
    summary = streamer.stream(job)
    assert [t.tolist() for t in sim.traces] == [p.tolist() for p in rounded(paths)]
    assert sim.settle_violations == 0 and sim.state == "Idle" and not sim.pen_is_down
    assert [(a.index, a.tag) for a in rec.of(Acked)] == [(i, tag) for i, (_, tag) in enumerate(job)]
    assert summary.lines == len(job) and summary.max_in_flight <= RX_LIMIT
    assert sim.max_unanswered_bytes <= RX_LIMIT and sim.dropped_bytes == 0
    assert summary.max_in_flight > 100  # the buffer is really used, not send-response
    assert summary.elapsed_s == pytest.approx(sim.elapsed_s, abs=0.05)
    assert b"; next stroke" not in b"".join(sent) and sent[-1] == b"?"


def test_streamed_plot_time_agrees_with_plotter_stats_within_3_percent():
    paths = strokes(seed=3, count=10, points=60)
    sim, port, streamer, rec, sent = setup({110: 6000, 111: 6000, 120: 500, 121: 500, 11: 0.01})
    streamer.stream(program(paths, feed=3000, delay_s=0.15))
    builder = Plan.builder("a4")
    for path in rounded(paths):
        builder.add(path)
    estimate = estimate_time(builder.build(), MotionSettings(3000, 6000, 500, 0.01, 0.15, 0.15))
    assert sim.elapsed_s == pytest.approx(estimate.time_s, rel=0.03)


def test_a_naive_sender_overflows_the_buffer_and_loses_lines():
    paths = strokes()
    sim = GrblSim()
    port = SimulatedPort(sim)
    port.write("".join(line + "\n" for line, _ in program(paths)).encode())
    sim.run_until_idle()
    replies = port.read(100_000).count(b"ok") + 0
    assert sim.dropped_bytes > 0
    assert replies < len(program(paths))
    assert [t.tolist() for t in sim.traces] != [p.tolist() for p in rounded(paths)]


def test_error_mid_job_stops_names_the_line_and_lifts_the_pen():
    job = program(strokes())
    job[40] = ("G99 X1", "bad")
    sim, port, streamer, rec, sent = setup()
    with pytest.raises(DeviceError, match=r"error:20 \(unsupported G-code\) at line 41 'G99X1'"):
        streamer.stream(job)
    assert max(a.index for a in rec.of(Acked)) < 40 + 127 // 10
    assert_stopped_then_lifted(sent)
    sim.run_until_idle()
    assert not sim.pen_is_down and sim.state == "Idle" and not rec.of(RecoveryFailed)


def test_alarm_stops_the_job_and_recovery_unlocks_then_lifts_the_pen():
    job = [("$X", 0), ("G91 G1 X-5 F600", 1), ("M3 S30", 2), ("G1 Y-5", 3), ("G1 X10", 4), ("G1 Y-5", 5)]
    sim, port, streamer, rec, sent = setup({22: 1, 20: 1})
    with pytest.raises(DeviceError, match=r"ALARM:2 \(soft limit"):
        streamer.stream(job)
    assert b"$X\n" in sent[sent.index(b"\x18") :]
    assert not sim.pen_is_down and sim.state == "Idle" and sim.position[0] == pytest.approx(-5)


def test_garbage_from_the_device_is_reported_and_ignored():
    sim, port, streamer, rec, sent = setup(at=10, action=lambda: sim.inject(b"\xff\xfe~garbage\r\n<Idle|MPos:x>\r\n"))
    job = program(strokes(count=2))
    streamer.stream(job)
    assert rec.of(Unknown) == [Unknown("\ufffd\ufffd~garbage"), Unknown("<Idle|MPos:x>")]
    assert len(rec.of(Acked)) == len(job)


def test_a_reply_that_never_comes_times_out_naming_the_line():
    sim, port, streamer, rec, sent = setup(at=20, action=lambda: sim.lose_replies(1), reply_timeout_s=2.0)
    with pytest.raises(DeviceError, match=r"no reply from device within 2 s after line \d+ '"):
        streamer.stream(program(strokes()))
    assert not sim.pen_is_down


def test_a_vanished_port_is_a_lost_connection_and_nothing_more_is_written():
    sim, port, streamer, rec, sent = setup(at=30, action=lambda: port.unplug())
    with pytest.raises(DeviceError, match="lost connection"):
        streamer.stream(program(strokes()))
    assert port.writes_after_unplug <= 1  # the write that found out, if it was a write
    assert not rec.of(RecoveryFailed)


def test_ctrl_c_holds_resets_and_lifts_the_pen():
    def interrupt():
        raise KeyboardInterrupt

    sim, port, streamer, rec, sent = setup(at=30, action=interrupt)
    with pytest.raises(KeyboardInterrupt):
        streamer.stream(program(strokes()))
    assert_stopped_then_lifted(sent)
    sim.run_until_idle()
    assert not sim.pen_is_down and sim.state == "Idle"


def test_hold_and_resume_from_the_callback_complete_the_plot():
    paths = strokes(count=2)
    holder: dict[str, GrblStreamer] = {}

    def on_event(event):
        if isinstance(event, Acked) and event.index == 12:
            holder["s"].hold()
        if isinstance(event, Status) and event.state == "Hold:0":
            holder["s"].resume()

    sim = GrblSim()
    streamer = holder["s"] = GrblStreamer(SimulatedPort(sim), on_event=on_event, reply_timeout_s=1.0)
    streamer.stream(program(paths))
    assert [t.tolist() for t in sim.traces] == [p.tolist() for p in rounded(paths)]


def test_overlong_line_is_refused_before_it_is_sent():
    sim, port, streamer, rec, sent = setup()
    with pytest.raises(DeviceError, match=r"line 2 has 81 significant characters"):
        streamer.stream([("G21", 0), ("G1 X" + "1" * 78 + " (comments do not count)", 1)])


def test_silent_device_gets_one_reset_then_a_clear_error():
    sim = GrblSim()
    sim.read()
    sim.feed = lambda data: None  # deaf and dumb
    port = SimulatedPort(sim)
    sent: list[bytes] = []
    port.on_write = sent.append
    with pytest.raises(DeviceError, match="no GRBL banner"):
        GrblStreamer(port).connect()
    assert sent == [b"\x18"]


def test_banner_missed_at_open_is_recovered_with_a_reset():
    sim = GrblSim()
    sim.read()  # the banner went out before the port was opened
    streamer = GrblStreamer(SimulatedPort(sim))
    assert streamer.connect() == Banner("1.1h")
    assert streamer.stream([("G21", None)]).lines == 1
