"""``plotter plot`` on every kind of device, one table: each simulated board draws the plan, and
a plot killed between two strokes resumes to draw every stroke exactly once."""

from __future__ import annotations

import pytest
from cli_run import run
from shapely import LineString

from hardware.journal import Journal
from plotter import svg
from plotter.cli.plot import plot_file
from plotter.machines import fit_to_bed, load_machine

#: One machine per protocol: GRBL character counting (servo and Z pen), EBB motor moves,
#: Marlin's numbered send-response lines.
MACHINES = ["grbl-servo", "grbl-z", "axidraw", "marlin"]
STROKES = 36


class Killed(BaseException):
    """Stands in for SIGKILL between two strokes."""


def farthest_mm(drawn_svg, planned):
    """How far the drawn strokes stray from the planned ones, pairwise, in order."""
    drawn = [p for _, p in svg.read(drawn_svg).iter_paths()]
    assert len(drawn) == len(planned)
    return max(LineString(a).hausdorff_distance(LineString(b)) for a, b in zip(drawn, planned, strict=True))


def planned_on(machine, piece):
    return [p for _, p in fit_to_bed(svg.read(piece), load_machine(machine).bed).iter_paths()]


@pytest.mark.parametrize("machine", MACHINES)
def test_plot_on_the_simulator_draws_the_plan_within_a_twentieth_of_a_millimetre(machine, tmp_path, piece, capsys,
                                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    traced = tmp_path / "traced.svg"
    code, _, err = run(["plot", piece, "--machine", machine, "--port", "sim", "--fit", "--sim-out", traced], capsys)
    assert code == 0, err
    assert f"plotted {STROKES} strokes of {STROKES}" in err and "pen change" in err and "accent" in err
    assert farthest_mm(traced, planned_on(machine, piece)) < 0.05
    assert Journal.open(tmp_path / "piece.plotjob").finished


@pytest.mark.parametrize("machine", MACHINES)
def test_kill_then_resume_finishes_every_stroke_once(machine, tmp_path, piece, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def die_after_seven(index, drawn_mm, remaining_s):
        if index == 6:
            raise Killed

    with pytest.raises(Killed):
        plot_file(piece, machine, "sim", fit=True, on_stroke=die_after_seven, on_pause=lambda m: None)
    journal = tmp_path / "piece.plotjob"
    assert Journal.open(journal).completed == set(range(7))
    code, _, err = run(["plot", piece, "--machine", machine, "--port", "sim", "--fit"], capsys)
    assert code == 2 and "--resume" in err  # an unfinished job is never overwritten
    traced = tmp_path / "rest.svg"
    code, _, err = run(["plot", "--resume", journal, "--sim-out", traced], capsys)
    assert code == 0, err
    assert f"plotted {STROKES - 7} strokes (resumed at stroke 7) of {STROKES}" in err
    assert Journal.open(journal).completed == set(range(STROKES))
    assert farthest_mm(traced, planned_on(machine, piece)[7:]) < 0.05
