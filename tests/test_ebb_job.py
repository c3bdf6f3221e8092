"""AxiDraw jobs on the simulated EBB: every stroke once, resumable after a kill or an error, pen changes."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.ebb_job import ebb_program, run_ebb_job, stream_plan
from hardware.ebb_sim import EbbSim
from hardware.ebb_streamer import EbbStreamer
from hardware.grbl_protocol import DeviceError
from hardware.journal import Journal, JournalError, program_digest
from hardware.ports import SimulatedPort


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the process gets to clean up."""


def two_pen_strokes() -> tuple[list[np.ndarray], list[str]]:
    rng = np.random.default_rng(4)
    strokes = [rng.uniform(20, 150, 2) + np.cumsum(rng.uniform(-8, 8, (4, 2)), axis=0) for _ in range(12)]
    return strokes, ["black"] * 8 + ["red"] * 4


def journal_for(tmp_path, program) -> Journal:
    path = tmp_path / "job.journal"
    if path.exists():
        return Journal.open(path)
    return Journal.create(path, digest=program_digest(program.lines), strokes=program.stroke_count, machine="axidraw")


def plot(program, journal, sim: EbbSim | None = None, **callbacks):
    sim = sim or EbbSim()
    return sim, run_ebb_job(program, EbbStreamer(SimulatedPort(sim)), journal, **callbacks)


def drawn_like(traces, strokes) -> bool:
    """Each trace starts and ends on its stroke's ends (to the step) and passes its vertices."""
    return len(traces) == len(strokes) and all(
        np.abs(t[[0, -1]] - s[[0, -1]]).max() < 0.01 and all(np.hypot(*(t - p).T).min() < 0.01 for p in s)
        for t, s in zip(traces, strokes, strict=True)
    )


def test_a_whole_job_draws_each_stroke_once_and_asks_for_the_second_pen_at_home(tmp_path):
    strokes, pens = two_pen_strokes()
    program = ebb_program(strokes, pens=pens)
    pauses, where = [], []
    sim = EbbSim()
    sim, result = plot(program, journal_for(tmp_path, program), sim,
                       on_pause=lambda m: (pauses.append(m), where.append((sim.position.tolist(), sim.busy))))
    assert drawn_like(sim.traces, strokes)
    assert result.strokes_done == 12 and Journal.open(tmp_path / "job.journal").finished
    assert pauses == ["pen red"] and where == [([0, 0], False)]  # parked and idle while the operator works
    assert sim.position.tolist() == [0, 0] and sim.pen_up


@pytest.mark.parametrize("kill_after", [1, 7, 9])
def test_resume_after_kill_draws_every_stroke_and_none_twice(tmp_path, kill_after):
    strokes, pens = two_pen_strokes()
    program = ebb_program(strokes, pens=pens)
    journal = journal_for(tmp_path, program)
    first = EbbSim()

    def kill(stroke: int) -> None:
        if len(journal.completed) == kill_after:
            raise Killed

    with pytest.raises(Killed):
        plot(program, journal, first, on_stroke=kill)
    assert drawn_like(first.traces, strokes[:kill_after])
    journal = Journal.open(tmp_path / "job.journal")
    assert journal.completed == set(range(kill_after))
    journal.check_program(program_digest(ebb_program(strokes, pens=pens).lines))  # the same file plans the same
    pauses = []
    sim, result = plot(program, journal, on_pause=pauses.append)  # power cut: a fresh board, carriage parked home
    assert drawn_like(sim.traces, strokes[kill_after:])
    assert result.resumed_at == kill_after and Journal.open(tmp_path / "job.journal").finished
    assert pauses == ["pen red"]  # resuming into the red strokes asks for the red pen first


def test_after_an_error_the_pen_is_up_and_a_resume_on_the_same_board_finds_home_again(tmp_path):
    strokes, _ = two_pen_strokes()
    program = ebb_program(strokes)
    journal = journal_for(tmp_path, program)
    sim = EbbSim()
    strokes_done = []

    def break_the_board(stroke: int) -> None:
        strokes_done.append(stroke)
        if stroke == 4:
            sim.lose_replies(1)  # the next reply never comes

    with pytest.raises(DeviceError, match="no reply from the EBB"):
        plot(program, journal, sim, on_stroke=break_the_board)
    sim.run_until_idle()
    assert sim.pen_up and sim.position.tolist() != [0, 0]  # stopped part-way, pen lifted, motors still on
    journal = Journal.open(tmp_path / "job.journal")
    assert journal.next_stroke == 5
    stopped = [line for line in (tmp_path / "job.journal").read_text().splitlines() if '"stopped"' in line]
    assert len(stopped) == 1 and '"next_stroke": 5' in stopped[0]
    before = len(sim.traces)
    plot(program, journal, sim)  # HM brings the carriage home before travelling to stroke 5
    assert drawn_like(sim.traces[before:], strokes[5:])


def test_a_finished_job_is_not_run_again(tmp_path):
    strokes, _ = two_pen_strokes()
    program = ebb_program(strokes[:2])
    journal = journal_for(tmp_path, program)
    plot(program, journal)
    with pytest.raises(JournalError, match="already finished"):
        plot(program, Journal.open(tmp_path / "job.journal"))


def test_every_run_lifts_the_pen_and_homes_before_enabling_and_ends_parked():
    program = ebb_program([np.array([[10.0, 10.0], [20.0, 10.0]])])
    commands = [c for c, _ in stream_plan(program)]
    assert commands[:7] == ["SC,4,20641", "SC,5,15248", "SC,11,1618", "SC,12,1079", "SP,1,130", "HM,4000", "EM,1,1"]
    assert commands[-1] == "QM" and sum(1 for c in commands if c == "QM") == 2
    resumed = [c for c, _ in stream_plan(ebb_program([np.array([[10.0, 10.0]]), np.array([[30.0, 10.0]])]), 1)]
    travel = resumed[7 : resumed.index("SP,0,146")]
    steps = np.array([[int(v) for v in c.split(",")[2:]] for c in travel]).sum(axis=0)
    assert steps.tolist() == [3200, 1600]  # from home straight to stroke 1 at (30, 10), skipping stroke 0


def test_program_lines_are_stable_so_a_journal_recognises_its_plot():
    strokes, pens = two_pen_strokes()
    assert ebb_program(strokes, pens=pens).lines == ebb_program(strokes, pens=pens).lines
    assert ebb_program(strokes, pens=pens).lines != ebb_program(strokes[::-1], pens=pens).lines


def test_estimated_stroke_times_rise_and_end_with_the_plot():
    strokes, _ = two_pen_strokes()
    done, total = ebb_program(strokes).finish_times()
    assert len(done) == 12 and np.all(np.diff(done) > 0) and done[-1] < total
