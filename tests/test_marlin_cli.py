"""``plotter plot --machine marlin``: the simulated board, kill and resume, and the pseudo-terminal."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest
import serial
from shapely import LineString

from hardware.journal import Journal
from hardware.marlin_protocol import frame
from painters.schotter import SchotterParams, paint
from plotter import svg
from plotter.cli import main
from plotter.cli.plot import plot_file
from plotter.machines import fit_to_bed, load_machine


class Killed(BaseException):
    """Stands in for SIGKILL between two strokes."""


@pytest.fixture
def piece(tmp_path):
    """A small Schotter, two pens (portrait A4: needs --fit on the 220 mm Marlin bed)."""
    path = tmp_path / "piece.svg"
    svg.write(paint(2, SchotterParams(columns=3, rows=12, accent_every=6)), path)
    return path


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plot_on_the_simulated_marlin_draws_the_plan_within_a_twentieth_of_a_millimetre(tmp_path, piece, capsys,
                                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    traced = tmp_path / "traced.svg"
    code, _, err = run(["plot", piece, "--machine", "marlin", "--port", "sim", "--fit", "--sim-out", traced], capsys)
    assert code == 0, err
    assert "plotted 36 strokes of 36" in err and "pen change" in err and "simulated plot time" in err
    drawn = [p for _, p in svg.read(traced).iter_paths()]
    planned = [p for _, p in fit_to_bed(svg.read(piece), load_machine("marlin").bed).iter_paths()]
    assert len(drawn) == len(planned)
    assert max(LineString(a).hausdorff_distance(LineString(b)) for a, b in zip(drawn, planned, strict=True)) < 0.05
    assert Journal.open(tmp_path / "piece.plotjob").finished


def test_kill_then_resume_on_marlin_finishes_every_stroke_once(tmp_path, piece, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def die_after_five(index, drawn_mm, remaining_s):
        if index == 4:
            raise Killed

    with pytest.raises(Killed):
        plot_file(piece, "marlin", "sim", fit=True, on_stroke=die_after_five, on_pause=lambda m: None)
    journal = tmp_path / "piece.plotjob"
    assert Journal.open(journal).completed == set(range(5))
    code, _, err = run(["plot", "--resume", journal], capsys)
    assert code == 0, err
    assert "plotted 31 strokes (resumed at stroke 5) of 36" in err
    assert Journal.open(journal).completed == set(range(36))


def test_a_marlin_port_that_does_not_open_is_one_line_and_leaves_no_job(tmp_path, piece, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["plot", piece, "--machine", "marlin", "--port", tmp_path / "ttyNOPE", "--fit"], capsys)
    assert code == 2 and "ttyNOPE" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "piece.plotjob").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_sim_port_serves_a_marlin_board_to_a_serial_client(tmp_path):
    out = tmp_path / "drawn.svg"
    server = subprocess.Popen([sys.executable, "-m", "plotter", "sim-port", "--machine", "marlin", "--out", str(out)],
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        first = server.stderr.readline()
        assert "simulated Marlin" in first
        path = re.search(r"on (\S+);", first).group(1)
        with serial.Serial(path, 115200, timeout=2) as client:
            client.reset_input_buffer()
            deadline, seen = time.monotonic() + 10, b""
            while b"start" not in seen and time.monotonic() < deadline:
                seen += client.readline()
            assert b"start" in seen

            def replies(line: str, count: int = 1) -> list[bytes]:
                client.write(line.encode() + b"\n")
                got: list[bytes] = []
                while len(got) < count:
                    text = client.readline().strip()
                    if not text.startswith(b"echo:"):  # the banner's version line, keep-alives
                        got.append(text)
                return got

            assert replies("M110 N0") == [b"ok"]
            assert replies(frame(1, "M280 P0 S30")) == [b"ok"]
            assert replies(frame(2, "G1 X10 Y5 F3000")) == [b"ok"]
            assert replies(frame(2, "G1 X0 F3000"), 3) == [
                b"Error:Line Number is not Last Line Number+1, Last Line: 2", b"Resend: 3", b"ok"]
            assert replies(frame(3, "M400")) == [b"ok"]
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "1 pen-down traces" in err and out.exists()
