"""Ports: the simulated serial port keeps virtual time and models the wire; the pty serves real clients."""

from __future__ import annotations

import pytest
import serial

from hardware.grbl_sim import BANNER, GrblSim
from hardware.ports import BYTES_PER_S, SimulatedPort, open_port, serve_pty

BANNER_LINE = BANNER.encode() + b"\r\n"


def test_banner_arrives_after_its_wire_time():
    port = SimulatedPort()
    assert port.in_waiting == 0
    assert port.readline() == b"\r\n" and port.readline() == BANNER_LINE
    assert port.clock() == pytest.approx((2 + len(BANNER_LINE)) / BYTES_PER_S)


def test_read_timeout_passes_virtual_time_instead_of_sleeping():
    port = SimulatedPort(timeout=2.5)
    port.read_until(BANNER_LINE)
    start = port.clock()
    assert port.read(1) == b""
    assert port.clock() - start == pytest.approx(2.5)


def test_write_takes_the_time_its_bytes_need_on_the_wire():
    port = SimulatedPort()
    port.read_until(BANNER_LINE)
    start = port.clock()
    port.write(b"G4 P0\n" * 10)
    assert port.clock() - start == pytest.approx(60 / BYTES_PER_S)
    assert port.bytes_written == 60


def test_lines_get_their_replies():
    port = SimulatedPort()
    port.read_until(BANNER_LINE)
    port.write(b"G21\n$G\n")
    assert [port.readline() for _ in range(3)] == [
        b"ok\r\n",
        b"[GC:G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0]\r\n",
        b"ok\r\n",
    ]


def test_readline_waits_for_a_sync_reply_in_virtual_time():
    port = SimulatedPort(timeout=10)
    port.read_until(BANNER_LINE)
    port.write(b"G4 P3\n")
    assert port.readline() == b"ok\r\n" and port.clock() == pytest.approx(3.0, abs=0.01)


@pytest.mark.parametrize("call", [lambda p: p.read(1), lambda p: p.write(b"?"), lambda p: p.in_waiting])
def test_unplugged_port_raises_serial_exception(call):
    port = SimulatedPort()
    port.unplug()
    with pytest.raises(serial.SerialException):
        call(port)


def test_closed_port_raises():
    port = SimulatedPort()
    port.close()
    with pytest.raises(serial.PortNotOpenError):
        port.read(1)


def test_open_port_picks_the_simulator_or_pyserial():
    device = GrblSim()
    sim = open_port("sim://", device=device)
    assert isinstance(sim, SimulatedPort) and sim.device is device
    assert isinstance(open_port("sim"), SimulatedPort)
    loop = open_port("loop://", timeout=0)
    loop.write(b"ok\n")
    assert loop.readline() == b"ok\n"


def test_pty_serves_a_banner_and_oks_to_pyserial():
    path, stop = serve_pty(GrblSim())
    try:
        with serial.Serial(path, 115200, timeout=5) as client:
            assert client.read_until(BANNER_LINE).endswith(BANNER_LINE)
            client.write(b"G21\n")
            assert client.readline() == b"ok\r\n"
    finally:
        stop()
