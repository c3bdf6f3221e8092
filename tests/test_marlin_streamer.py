"""The Marlin streamer and job against the simulated Marlin board: acks, resends, faults, resume.

Everything runs on the simulator's virtual clock: timeouts of seconds cost nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from shapely import LineString

from hardware.grbl_protocol import DeviceError
from hardware.job import run_job
from hardware.journal import Journal, program_digest
from hardware.marlin_sim import MarlinSim
from hardware.marlin_streamer import MarlinStreamer, PausedForUser
from hardware.ports import SimulatedPort
from hardware.streamer import Acked, RecoveryFailed
from painters.schotter import SchotterParams, paint
from plotter.cli.devices import simulated_device, traces_as_plan
from plotter.gcode import to_program
from plotter.machines import fit_to_bed, load_machine

MARLIN = load_machine("marlin")


class Killed(BaseException):
    """Stands in for SIGKILL between two strokes."""


@pytest.fixture(scope="module")
def plan():
    """Two pens, 24 strokes, on the Marlin bed."""
    return fit_to_bed(paint(2, SchotterParams(columns=2, rows=12, accent_every=6)), MARLIN.bed)


def plot(plan, tmp_path, device=None, *, fault=None, at_line=None, journal=None, on_pause=None):
    """Run (or go on with) the job on a simulated board; ``fault(port)`` runs when line ``at_line`` is acked."""
    program = to_program(plan, MARLIN)
    device = device or simulated_device(MARLIN)
    port = SimulatedPort(device)
    events: list[object] = []

    def on_event(event):
        events.append(event)
        if fault is not None and isinstance(event, Acked) and event.index == at_line:
            fault(port)

    streamer = MarlinStreamer(port, on_event=on_event, pen_up_lines=MARLIN.pen.up_lines)
    journal = journal or Journal.create(tmp_path / "job", digest=program_digest(program.lines),
                                        strokes=program.stroke_count)
    try:
        run_job(program.lines, program.stroke_of_line, streamer, journal, on_pause=on_pause)
        error = None
    except DeviceError as e:
        error = e
    return device, journal, events, error


def deviation(traced, planned) -> float:
    return max(LineString(a).hausdorff_distance(LineString(b)) if len(a) > 1 else float(np.abs(a - b[0]).max())
               for a, b in zip(traced, planned, strict=True))


def test_a_job_draws_the_plan_within_a_twentieth_of_a_millimetre_and_pauses_for_the_pen(plan, tmp_path):
    pauses: list[str] = []
    device, journal, events, error = plot(plan, tmp_path, on_pause=pauses.append)
    assert error is None and journal.finished and journal.completed == set(range(plan.path_count))
    traced = [p for _, p in traces_as_plan(device, MARLIN, plan).iter_paths()]
    assert deviation(traced, [p for _, p in plan.iter_paths()]) < 0.05
    assert pauses == ["change pen 2 of 2: accent"] and len([e for e in events if isinstance(e, PausedForUser)]) == 1
    assert device.settle_violations == 0 and device.lost_lines == 0


def test_damaged_lines_are_sent_again_and_garbage_is_ignored(plan, tmp_path):
    device = simulated_device(MARLIN)

    def noise(port):
        port.device.corrupt_next_lines(3)
        port.device.inject(b"\x8f\xfe\x01 line noise\n")

    device, journal, _, error = plot(plan, tmp_path, device, fault=noise, at_line=40, on_pause=lambda m: None)
    assert error is None and journal.finished and device.resends == 3
    assert len(device.traces) == plan.path_count


@pytest.mark.parametrize(
    ("fault", "message", "lifted", "tried"),
    [
        (lambda port: port.device.inject(b"Error:MINTEMP triggered, system stopped!\n"), "Error:MINTEMP", True, True),
        (lambda port: port.device.halt(), "Printer halted", False, True),  # a halted board answers nothing
        (lambda port: port.device.lose_replies(1), "no reply", True, True),
        (lambda port: port.device.inject(b"start\n"), "restarted", True, True),
        (lambda port: port.unplug(), "lost connection", False, False),  # nothing to write to
    ],
    ids=["error line", "halt", "timeout", "reboot", "unplugged"],
)
def test_a_fault_stops_the_job_lifts_the_pen_where_it_can_and_keeps_the_journal(plan, tmp_path, fault, message,
                                                                                 lifted, tried):
    program = to_program(plan, MARLIN)
    draw_line = next(i for i, line in enumerate(program.lines) if program.stroke_of_line[i] == 5 and "G1" in line)
    device, journal, events, error = plot(plan, tmp_path, fault=fault, at_line=draw_line + 2)
    assert error is not None and message in str(error)
    assert not journal.finished and journal.completed == set(range(5))
    assert device.pen_is_down != lifted
    assert any(isinstance(e, RecoveryFailed) for e in events) == (tried and not lifted)


def test_killed_between_strokes_then_resumed_draws_every_stroke_exactly_once(plan, tmp_path):
    program = to_program(plan, MARLIN)
    first = simulated_device(MARLIN)

    def kill(port):
        raise Killed

    start_of_stroke_9 = program.stroke_of_line.index(9)  # acked after stroke 8's closing dwell is journalled
    with pytest.raises(Killed):
        plot(plan, tmp_path, first, fault=kill, at_line=start_of_stroke_9)
    journal = Journal.open(tmp_path / "job")
    assert journal.completed == set(range(9)) and not first.pen_is_down
    second = simulated_device(MARLIN)
    second.planner.position[:] = first.position  # the machine stays where it stopped
    _, journal, _, error = plot(plan, tmp_path, second, journal=journal, on_pause=lambda m: None)
    assert error is None and journal.finished
    traced = [p for _, p in traces_as_plan(first, MARLIN, plan).iter_paths()]
    traced += [p for _, p in traces_as_plan(second, MARLIN, plan).iter_paths()]
    assert deviation(traced, [p for _, p in plan.iter_paths()]) < 0.05


def test_a_line_that_stays_damaged_is_an_error_not_a_loop(tmp_path):
    device = MarlinSim()
    streamer = MarlinStreamer(SimulatedPort(device), max_resends=2)
    streamer.connect()
    device.corrupt_next_lines(10)
    with pytest.raises(DeviceError, match="still damaged after 2 resends"):
        streamer.stream([("G1 X5 F600", 0)])
