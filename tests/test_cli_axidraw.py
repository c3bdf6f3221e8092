"""``plotter plot --machine axidraw``: off-bed refusal, a real serial port, and no G-code.

Plotting on the simulator and resuming are in test_cli_plot_devices, with the other machines.
"""

from __future__ import annotations

import sys

import pytest
from cli_run import run

from hardware.ebb_sim import EbbSim
from hardware.ports import serve_pty
from painters.schotter import SchotterParams, paint
from plotter import svg


@pytest.fixture
def piece(tmp_path):
    """A small Schotter in two pens, portrait A4: taller than the AxiDraw's 218 mm bed, so it needs --fit."""
    path = tmp_path / "piece.svg"
    svg.write(paint(2, SchotterParams(columns=3, rows=20, accent_every=10)), path)
    return path


def test_a_drawing_off_the_bed_is_refused_without_fit(tmp_path, piece, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["plot", piece, "--machine", "axidraw", "--port", "sim"], capsys)
    assert code == 2 and "exceeds the bed of axidraw (300 x 218 mm)" in err


def test_gcode_for_the_axidraw_is_still_refused(tmp_path, piece, capsys):
    code, _, err = run(["gcode", piece, "--machine", "axidraw", "--fit", "-o", tmp_path / "x.gcode"], capsys)
    assert code == 2 and "not G-code" in err and not (tmp_path / "x.gcode").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_plot_over_a_serial_port_drives_an_ebb_on_the_other_end(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    drawing = tmp_path / "two.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="100mm" viewBox="0 0 100 100">'
                       '<path d="M 10 10 L 14 10"/><path d="M 10 14 L 12 16"/></svg>')
    board = EbbSim()
    path, stop = serve_pty(board)  # a real serial port, in real time: what /dev/ttyACM0 is for an AxiDraw
    try:
        code, _, err = run(["plot", drawing, "--machine", "axidraw", "--port", path], capsys)
    finally:
        stop()
    assert code == 0, err
    assert "plotted 2 strokes of 2" in err and board.faults == 0
    assert [t[[0, -1]].round(3).tolist() for t in board.traces] == [[[10, 10], [14, 10]], [[10, 14], [12, 16]]]
