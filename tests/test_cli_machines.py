"""Machines from the command line: profiles, G-code, plotting on the simulator, resuming, the pty."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import serial
from cli_run import run

from hardware.grbl_sim import GrblSim
from hardware.job import run_job
from hardware.journal import Journal, program_digest
from hardware.ports import SimulatedPort
from hardware.streamer import GrblStreamer
from painters.schotter import SchotterParams, paint
from plotter import svg
from plotter.cli.plot import plot_file
from plotter.machines import load_machine


class Killed(BaseException):
    """Stands in for SIGKILL between two strokes."""


@pytest.fixture
def piece(tmp_path):
    """A small Schotter, two pens, written as the demo writes it (portrait A4: needs --fit on most beds)."""
    path = tmp_path / "piece.svg"
    svg.write(paint(2, SchotterParams(columns=3, rows=20, accent_every=10)), path)
    return path


def test_machines_lists_the_builtins_and_shows_one_as_loadable_toml(tmp_path, capsys):
    code, out, _ = run(["machines"], capsys)
    assert code == 0
    assert {line.split()[0] for line in out.splitlines()} >= {"grbl-servo", "grbl-z", "marlin", "arm", "axidraw"}
    code, out, _ = run(["machines", "show", "grbl-z"], capsys)
    assert code == 0
    (tmp_path / "mine.toml").write_text(out)
    assert load_machine(str(tmp_path / "mine.toml")) == load_machine("grbl-z")


def test_an_unknown_machine_lists_the_available_ones(capsys):
    code, _, err = run(["machines", "show", "plotomatic"], capsys)
    assert code == 2 and "plotomatic" in err and "grbl-servo" in err


def test_a_misspelt_key_in_a_users_profile_is_named(tmp_path, piece, capsys):
    (tmp_path / "bad.toml").write_text('base = "grbl-servo"\nname = "bad"\n[motion]\ndraw_fed_mm_min = 100\n')
    code, _, err = run(["gcode", piece, "--machine", tmp_path / "bad.toml", "-o", tmp_path / "x.gcode"], capsys)
    assert code == 2 and "bad.toml" in err and "draw_fed_mm_min" in err
    assert not (tmp_path / "x.gcode").exists()


def test_gcode_refuses_an_off_bed_plan_with_the_overflow_and_fits_on_request(tmp_path, piece, capsys):
    out = tmp_path / "p.gcode"
    code, _, err = run(["gcode", piece, "--machine", "grbl-servo", "-o", out], capsys)
    assert code == 2 and re.search(r"by [\d.]+ mm at the bottom", err) and not out.exists()
    code, _, err = run(["gcode", piece, "--machine", "grbl-servo", "-o", out, "--fit"], capsys)
    assert code == 0, err
    lines = out.read_text().splitlines()
    markers = [int(m.group(1)) for line in lines if (m := re.fullmatch(r"\(stroke (\d+)\)", line))]
    assert markers == list(range(60))
    # the simulated GRBL accepts every line of it (errors would raise)
    strokes, current = [], -1
    for line in lines:
        current = int(line[8:-1]) if line.startswith("(stroke ") else (-1 if line.startswith("(change") else current)
        strokes.append(current)
    journal = Journal.create(tmp_path / "j", digest=program_digest(lines), strokes=60)
    device = GrblSim()
    run_job(lines, strokes, GrblStreamer(SimulatedPort(device), pen_up_lines=("M5",)), journal)
    assert len(device.traces) == 60


def test_resume_refuses_a_journal_whose_file_changed(tmp_path, piece, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Killed):
        plot_file(piece, "grbl-servo", "sim", fit=True, on_stroke=lambda *a: (_ for _ in ()).throw(Killed))
    svg.write(paint(3, SchotterParams(columns=4, rows=5)), piece)  # someone edited the drawing
    code, _, err = run(["plot", "--resume", tmp_path / "piece.plotjob"], capsys)
    assert code == 2 and "different program" in err


def test_unreachable_arm_points_are_refused_with_their_coordinates(tmp_path, capsys):
    (tmp_path / "short.toml").write_text('base = "arm"\nname = "short-arm"\n[arm]\nlink1_mm = 100.0\n'
                                         'link2_mm = 100.0\nbase_xy_mm = [140.0, -90.0]\n')
    drawing = tmp_path / "corner.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="280mm" height="180mm" viewBox="0 0 280 180">'
                       '<path d="M 140 150 L 140 140 L 5 5"/></svg>')
    code, _, err = run(["gcode", drawing, "--machine", tmp_path / "short.toml", "-o", tmp_path / "a.gcode"], capsys)
    assert code == 2 and "out of reach" in err and re.search(r"\(\d+\.\d+, \d+\.\d+\) mm", err)


def test_stats_with_a_machine_uses_its_feeds(piece, capsys):
    _, out, _ = run(["stats", piece, "--json"], capsys)
    _, slow, _ = run(["stats", piece, "--json", "--machine", "arm"], capsys)
    assert json.loads(slow)["time_s"] > json.loads(out)["time_s"]


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_sim_port_answers_a_serial_client_like_grbl(tmp_path):
    out = tmp_path / "drawn.svg"
    server = subprocess.Popen([sys.executable, "-m", "plotter", "sim-port", "--out", str(out)],
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        path = re.search(r"on (\S+);", server.stderr.readline()).group(1)
        with serial.Serial(path, 115200, timeout=10) as client:  # a reply, not a speed: generous on a loaded CI box
            client.reset_input_buffer()
            deadline = time.monotonic() + 10
            banner = b""
            while b"Grbl 1.1" not in banner and time.monotonic() < deadline:
                banner += client.readline()
            assert b"Grbl 1.1h" in banner
            for line, reply in [(b"G21\n", b"ok"), (b"M3 S30\n", b"ok"), (b"G1 X10 Y5 F3000\n", b"ok"),
                                (b"G99\n", b"error:20"), (b"G4 P0\n", b"ok")]:  # G4 P0: after the move
                client.write(line)
                assert client.readline().strip() == reply
    finally:
        server.send_signal(signal.SIGTERM)  # SIGINT is ignored in a background job
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "1 pen-down traces" in err and out.exists()
    assert os.path.getsize(out) > 0
    assert np.allclose(next(p for _, p in svg.read(out).iter_paths())[-1], [10, 195], atol=1e-3)


def test_a_port_that_does_not_open_is_one_line_and_leaves_no_job(tmp_path, piece, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["plot", piece, "--machine", "grbl-servo", "--port", tmp_path / "ttyNOPE", "--fit"], capsys)
    assert code == 2 and "ttyNOPE" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "piece.plotjob").exists()
