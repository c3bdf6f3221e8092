"""Plot jobs on the simulated GRBL: everything drawn once, resumable after a kill, pen changes."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.grbl_protocol import DeviceError
from hardware.grbl_sim import GrblSim
from hardware.job import Tag, run_job, stream_plan
from hardware.journal import Journal, JournalError, program_digest
from hardware.ports import SimulatedPort
from hardware.streamer import GrblStreamer
from plotter import Pen, Plan
from plotter.gcode import to_program
from plotter.machines import load_machine
from plotter.machines.placement import to_machine_xy


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the process gets to clean up."""


def plan_with_two_pens() -> Plan:
    builder = Plan.builder((200, 150))
    rng = np.random.default_rng(4)
    for index in range(12):
        pen = Pen("black") if index < 8 else Pen("red", "#cc0000", 0.5)
        start = rng.uniform(20, 120, 2)
        builder.add(start + np.cumsum(rng.uniform(-8, 8, (4, 2)), axis=0), pen=pen)
    return builder.build()


def machine_strokes(plan: Plan, machine) -> list[np.ndarray]:
    return [to_machine_xy(path, machine.bed) for _, path in plan.iter_paths()]


def matches(trace: np.ndarray, stroke: np.ndarray) -> bool:
    return trace.shape == stroke.shape and np.allclose(trace, stroke, atol=0.002)


def start_job(tmp_path, program, name="job.journal"):
    path = tmp_path / name
    if path.exists():
        return Journal.open(path)
    return Journal.create(path, digest=program_digest(program.lines), strokes=program.stroke_count,
                          source="plan", machine="grbl-servo")


def plot(program, journal, **callbacks):
    device = GrblSim()
    streamer = GrblStreamer(SimulatedPort(device), pen_up_lines=("M5",))
    return device, run_job(program.lines, program.stroke_of_line, streamer, journal, **callbacks)


def test_a_whole_job_draws_each_stroke_once_and_pauses_for_the_pen_change(tmp_path):
    machine = load_machine("grbl-servo")
    plan = plan_with_two_pens()
    program = to_program(plan, machine)
    pauses = []
    device, result = plot(program, start_job(tmp_path, program), on_pause=pauses.append)
    expected = machine_strokes(plan, machine)
    assert len(device.traces) == len(expected)
    assert all(matches(t, s) for t, s in zip(device.traces, expected, strict=True))
    assert result.strokes_done == 12 and Journal.open(tmp_path / "job.journal").finished
    assert len(pauses) == 1 and "red" in pauses[0]


@pytest.mark.parametrize("kill_after", [1, 7, 9])
def test_resume_after_kill_draws_every_stroke_and_none_twice(tmp_path, kill_after):
    machine = load_machine("grbl-servo")
    plan = plan_with_two_pens()
    program = to_program(plan, machine)
    journal = start_job(tmp_path, program)

    def kill(stroke: int) -> None:
        if len(journal.completed) == kill_after:
            raise Killed

    with pytest.raises(Killed):
        plot(program, journal, on_stroke=kill)
    journal = Journal.open(tmp_path / "job.journal")  # the next process reads the journal back
    assert journal.completed == set(range(kill_after))
    journal.check_program(program_digest(program.lines))
    pauses = []
    device, result = plot(program, journal, on_pause=pauses.append)  # a fresh machine, as after a power cut
    expected = machine_strokes(plan, machine)[kill_after:]
    assert len(device.traces) == len(expected)
    assert all(matches(t, s) for t, s in zip(device.traces, expected, strict=True))
    assert result.resumed_at == kill_after and Journal.open(tmp_path / "job.journal").finished
    # resuming into the second pen's strokes asks for that pen again
    assert len(pauses) == 1


def test_a_device_error_stops_the_job_and_the_journal_says_where(tmp_path):
    machine = load_machine("grbl-servo")
    program = to_program(plan_with_two_pens(), machine)
    lines = list(program.lines)
    broken = program.stroke_of_line.index(5) + 2
    lines[broken] = "G99"  # unsupported G-code → error:20
    journal = Journal.create(tmp_path / "j", digest=program_digest(lines), strokes=program.stroke_count)
    device = GrblSim()
    streamer = GrblStreamer(SimulatedPort(device), pen_up_lines=("M5",))
    with pytest.raises(DeviceError, match="error:20"):
        run_job(lines, program.stroke_of_line, streamer, journal)
    again = Journal.open(tmp_path / "j")
    assert again.next_stroke <= 5 and not again.finished
    assert not device.pen_is_down


def test_a_finished_job_is_not_run_again(tmp_path):
    program = to_program(plan_with_two_pens(), load_machine("grbl-servo"))
    journal = start_job(tmp_path, program)
    plot(program, journal)
    with pytest.raises(JournalError, match="already finished"):
        plot(program, Journal.open(tmp_path / "job.journal"))


def test_strokes_not_ending_in_a_sync_line_get_one():
    lines = ["G21", "(stroke 0)", "G0 X1 Y1", "G1 Z0 F500", "G1 X2 Y2 F1000", "G0 Z5", "G0 X0 Y0"]
    strokes = [-1, 0, 0, 0, 0, 0, -1]
    plan = stream_plan(lines, strokes)
    assert plan[-3:] == [("G0 Z5", Tag(0)), ("G4 P0", Tag(0, ends_stroke=True)), ("G0 X0 Y0", Tag(-1))]
