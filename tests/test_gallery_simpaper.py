"""The simulated plotter's paper on disk: every simulated board writes each trace as its pen lifts."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.grbl_sim import GrblSim
from hardware.ports import SimulatedPort
from painters.schotter import SchotterParams, paint
from plotter import svg
from plotter.cli.plot import plot_file
from plotter.gallery.simpaper import read_sheet, sheet_device
from plotter.machines import load_machine


@pytest.mark.parametrize("machine_name", ["grbl-servo", "grbl-z", "axidraw", "marlin"])
def test_every_board_puts_each_stroke_on_the_sheet_as_the_plan_has_it(tmp_path, machine_name):
    source = tmp_path / "piece.svg"
    svg.write(paint(2, SchotterParams(columns=2, rows=3)), source)
    sheet = tmp_path / "sheet.jsonl"
    outcome = plot_file(source, machine_name, "sim", fit=True, journal_path=tmp_path / "job.plotjob",
                        device=sheet_device(load_machine(machine_name), sheet))
    traces = read_sheet(sheet)
    strokes = [path for _, path in outcome.plan.iter_paths()]
    assert len(traces) == len(strokes) == 6
    for trace, stroke in zip(traces, strokes, strict=True):
        assert np.abs(trace[[0, -1]] - stroke[[0, -1]]).max() < 0.05  # EBB motor steps are ~0.0125 mm


def test_a_torn_last_line_is_ignored(tmp_path):
    sheet = tmp_path / "sheet.jsonl"
    sheet.write_text("[[0, 0], [1, 1]]\n[[2, 2], [3,")
    assert [t.tolist() for t in read_sheet(sheet)] == [[[0, 0], [1, 1]]]
    assert read_sheet(tmp_path / "none.jsonl") == []


def test_a_paced_port_waits_real_time_in_step_with_the_virtual_clock(monkeypatch):
    clock = {"now": 100.0}
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr("hardware.ports.time.monotonic", lambda: clock["now"])
    monkeypatch.setattr("hardware.ports.time.sleep", sleep)
    port = SimulatedPort(GrblSim(), speed=10.0)
    port.timeout = 10.0
    port.write(b"G1 X100 F6000\nG4 P0\n")
    replies = [port.readline().strip() for _ in range(6)]
    assert replies.count(b"ok") == 2  # the G4 is answered once the move is done
    virtual = port.device.now
    assert virtual > 1.0  # 100 mm at 100 mm/s and the wire: over a second of machine time
    assert sum(slept) == pytest.approx(virtual / 10.0, rel=0.02)
    with pytest.raises(ValueError, match="positive"):
        SimulatedPort(GrblSim(), speed=0)
