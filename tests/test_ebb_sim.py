"""The simulated EiBotBoard: replies, the motion FIFO, and what its pen draws for a planned job."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.ebb_job import ebb_program, stream_plan
from hardware.ebb_sim import VERSION, EbbSim
from hardware.ebb_streamer import EbbStreamer
from hardware.ports import SimulatedPort


def send(sim: EbbSim, *commands: str) -> list[str]:
    sim.feed(b"".join(c.encode() + b"\r" for c in commands))
    return sim.read().decode().split("\r\n")[:-1]


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance from each point to the polyline ``line`` (a one-point line is a dot)."""
    if len(line) == 1:
        return np.hypot(*(points - line[0]).T)
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(np.einsum("pkj,kj->pk", points[:, None] - a, ab) / np.maximum((ab**2).sum(axis=1), 1e-18), 0, 1)
    nearest = a + t[..., None] * ab
    return np.hypot(*(points[:, None] - nearest).transpose(2, 0, 1)).min(axis=1)


def within(trace: np.ndarray, path: np.ndarray, tolerance: float) -> bool:
    there, back = distance_to_polyline(trace, path), distance_to_polyline(path, trace)
    return bool(there.max() <= tolerance and back.max() <= tolerance)


@pytest.mark.parametrize(
    ("commands", "replies"),
    [
        (["V"], [VERSION]),
        (["QP"], ["1", "OK"]),  # powers up with the pen up
        (["SP,0", "QP"], ["OK", "0", "OK"]),
        (["QB"], ["0", "OK"]),
        (["QM"], ["QM,0,0,0,0"]),
        (["QS"], ["0,0", "OK"]),
        (["SC,4,20641", "EM,1,1", "R"], ["OK", "OK", "OK"]),
        (["XY,1"], ["!8 Err: Unknown command 'XY,1'"]),
        (["SM,25,1"], ["!1 Err: SM takes 3 parameters, got 2"]),
        (["SM,0,1,1"], ["!3 Err: SM: duration 0 ms must be 1 to 16777215"]),
        (["SM,1,26,0"], ["!3 Err: SM: <axis1> step rate 26000 > 25K steps/second"]),
        (["SM,10000,0,1"], ["!3 Err: SM: <axis2> step rate 0.10 < 1.31 steps/second"]),
        (["SP,2"], ["!3 Err: SP: value 2 must be 0 or 1, delay 0 to 65535 ms"]),
        (["EM,7"], ["!3 Err: EM: modes (7, 7) must be 0 to 5"]),
    ],
)
def test_each_command_gets_its_reply(commands, replies):
    sim = EbbSim()
    assert send(sim, *commands) == replies


def test_a_refused_move_does_nothing():
    sim = EbbSim()
    send(sim, "SM,1,26,0", "SM,25")
    sim.run_until_idle()
    assert sim.now == 0 and sim.position.tolist() == [0, 0] and sim.faults == 2


def test_a_motion_command_is_answered_only_when_the_fifo_has_room():
    sim = EbbSim(fifo_depth=1)
    assert send(sim, "SM,100,80,80", "SM,100,80,80", "SM,100,80,80") == ["OK", "OK"]  # running + one queued
    assert send(sim, "QM") == []  # a blocked command holds up everything after it, as on the board
    sim.advance(0.1)
    assert sim.read() == b"OK\r\nQM,1,1,1,1\r\n"
    assert sim.run_until_idle() == pytest.approx(0.2) and sim.position.tolist() == [3.0, 0.0]


def test_moves_run_at_constant_rate_in_xy():
    sim = EbbSim()
    send(sim, "SM,200,1600,-800")  # X+Y = 20 mm, X-Y = -10 mm → (5, 15)
    sim.advance(0.05)
    assert sim.position == pytest.approx([1.25, 3.75])
    sim.run_until_idle()
    assert sim.position.tolist() == [5.0, 15.0] and send(sim, "QS") == ["1600,-800", "OK"]


def test_em_zeroes_the_counters_and_hm_returns_to_where_motors_were_enabled():
    sim = EbbSim()
    send(sim, "EM,1,1", "SM,100,800,800", "EM,1,1", "SM,100,800,-800", "HM,8000")
    sim.run_until_idle()
    sim.read()
    assert sim.position.tolist() == [10.0, 0.0]  # back to where EM last ran, not to the power-up spot
    assert send(sim, "QS") == ["0,0", "OK"]


def test_pen_down_moves_are_traced_and_pen_up_moves_are_not():
    sim = EbbSim()
    send(sim, "SM,50,800,800", "SP,0,100", "SM,50,800,-800", "SM,50,800,800", "SP,1,100", "SM,50,800,800", "SP,0",
         "SP,1")
    sim.run_until_idle()
    assert [t.tolist() for t in sim.traces] == [[[10, 0], [10, 10], [20, 10]], [[30, 10]]]
    assert sim.elapsed_s == pytest.approx(0.4)


def test_line_noise_and_control_bytes_are_not_commands():
    sim = EbbSim()
    sim.feed(b"\x18QM\r\n")
    assert sim.read() == b"QM,0,0,0,0\r\n"


def test_lost_replies_and_injected_noise_are_there_for_fault_tests():
    sim = EbbSim()
    sim.lose_replies(1)
    sim.inject(b"#!noise\r\n")
    assert send(sim, "QP", "V") == ["#!noise", VERSION]


def random_strokes(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    strokes = []
    for _ in range(count):
        steps = rng.normal(0, 1, (int(rng.integers(1, 15)), 2)) * rng.choice([0.2, 2.0, 10.0])
        strokes.append(np.clip(rng.uniform(20, 200, 2) + np.cumsum(steps, axis=0), 0, 218))
    return strokes


@pytest.mark.parametrize("seed", [1, 2])
def test_the_simulated_pen_draws_the_plan_within_five_hundredths_of_a_mm(seed):
    strokes = random_strokes(seed, 25)
    program = ebb_program(strokes)
    sim = EbbSim()
    EbbStreamer(SimulatedPort(sim)).stream(stream_plan(program))
    assert sim.faults == 0 and len(sim.traces) == len(strokes)
    assert all(within(t, s, 0.05) for t, s in zip(sim.traces, strokes, strict=True))
    assert sim.position.tolist() == [0, 0] and send(sim, "QP") == ["1", "OK"]
    _, planned_s = program.finish_times()
    assert planned_s <= sim.elapsed_s < planned_s * 1.02  # only the QM round trips come on top
