"""``plotter plot --machine marlin``: a port that does not open, and the pseudo-terminal.

Plotting on the simulator and resuming are in test_cli_plot_devices, with the other machines.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest
import serial
from cli_run import run

from hardware.marlin_protocol import frame


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
        server.send_signal(signal.SIGTERM)  # SIGINT is ignored in a background job
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "1 pen-down traces" in err and out.exists()
