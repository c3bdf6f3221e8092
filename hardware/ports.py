"""Transports: a pyserial-like port on a simulated GRBL, real ports by URL, and a pseudo-terminal.

The streamer talks to anything with pyserial's ``write`` / ``read`` / ``in_waiting`` /
``timeout``. :class:`SimulatedPort` puts a :class:`~hardware.grbl_sim.GrblSim` behind that
interface and models the wire (115200 baud, 10 bits a byte → 11,520 bytes/s each way), so a
``write`` takes the time its bytes need and replies arrive a little after they are printed.
Its clock is virtual: reading with a timeout moves time on instead of sleeping, so tests of
timeouts and long plots run in milliseconds. :func:`serve_pty` puts the same simulator on a
POSIX pseudo-terminal in real time, for any serial client (pyserial, screen, UGS).
"""

from __future__ import annotations

import fcntl
import math
import os
import select
import struct
import termios
import threading
import time
import tty
from collections import deque
from collections.abc import Callable

import serial

from .grbl_sim import GrblSim

BAUD = 115200
BYTES_PER_S = BAUD / 10.0
_TIOCPKT_FLUSHREAD = 1


class SimulatedPort:
    """A pyserial-compatible port wired to a simulated device, on the device's virtual clock.

    ``timeout`` is in virtual seconds (``None``: wait until data comes or nothing more can
    happen). ``speed`` paces the virtual clock against the real one: ``10`` runs the machine
    ten times faster than life (so a person, or a status page, can watch it draw); ``None``
    runs it as fast as the computer can. :meth:`unplug` makes every later call raise
    ``serial.SerialException``, as a USB cable pulled mid-plot does; :attr:`writes_after_unplug`
    counts the attempts.
    """

    def __init__(self, device: GrblSim | None = None, *, baudrate: int = BAUD, timeout: float | None = 1.0,
                 speed: float | None = None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"simulation speed must be positive, got {speed}")
        self.device = device if device is not None else GrblSim()
        self.speed = speed
        self._paced_from = (time.monotonic(), self.device.now)
        self.baudrate = baudrate
        self.timeout = timeout
        self.port = "sim://"
        self.is_open = True
        self.bytes_written = 0
        self.writes_after_unplug = 0
        self.on_write: Callable[[bytes], None] | None = None  # instrumentation hook, called before sending
        self._rate = baudrate / 10.0
        self._unplugged = False
        self._incoming: deque[tuple[float, bytes]] = deque()  # (time fully received, bytes) on the wire
        self._wire_free = 0.0
        self._received = bytearray()
        self._collect()

    # ------------------------------------------------------------ pyserial API
    def clock(self) -> float:
        """The virtual time, for the streamer's timeouts."""
        return self.device.now

    def write(self, data: bytes) -> int:
        """Send ``data``; returns once its last byte has reached the device (the clock moves on)."""
        self._check_open(writing=True)
        data = bytes(data)
        if self.on_write is not None:
            self.on_write(data)
        start, i = self.device.now, 0
        while i < len(data):
            # Bytes arriving before the device's next change of state can be delivered together,
            # but each line is delivered when its newline arrives.
            next_event = self.device.next_event_s()
            in_time = len(data) if next_event is None else int((self.device.now + next_event - start) * self._rate)
            last_in_time = max(in_time, i + 1)
            newline = data.find(b"\n", i)
            j = min(len(data), last_in_time, newline + 1 if newline >= 0 else len(data))
            self._advance_to(start + j / self._rate)
            self.device.feed(data[i:j])
            self._collect()
            i = j
        self.bytes_written += len(data)
        return len(data)

    def read(self, size: int = 1) -> bytes:
        self._check_open()
        deadline = math.inf if self.timeout is None else self.device.now + self.timeout
        while len(self._arrived()) < size and self.device.now < deadline:
            if not self._wait_until(deadline):
                break
        out = bytes(self._received[:size])
        del self._received[:size]
        return out

    def read_until(self, expected: bytes = b"\n", size: int | None = None) -> bytes:
        self._check_open()
        deadline = math.inf if self.timeout is None else self.device.now + self.timeout
        while True:
            buffered = self._arrived()
            end = buffered.find(expected)
            if end >= 0 or (size is not None and len(buffered) >= size):
                cut = end + len(expected) if end >= 0 else size
                cut = min(cut, size) if size is not None else cut
                break
            if self.device.now >= deadline or not self._wait_until(deadline):
                cut = len(buffered)
                break
        out = bytes(self._received[:cut])
        del self._received[:cut]
        return out

    def readline(self, size: int | None = None) -> bytes:
        return self.read_until(b"\n", size)

    @property
    def in_waiting(self) -> int:
        self._check_open()
        return len(self._arrived())

    def reset_input_buffer(self) -> None:
        self._check_open()
        self._arrived()
        self._received.clear()

    def reset_output_buffer(self) -> None:
        """Nothing is ever queued: :meth:`write` returns when its bytes are on the device."""

    def flush(self) -> None:
        """See :meth:`reset_output_buffer`."""

    def close(self) -> None:
        self.is_open = False

    def unplug(self) -> None:
        """Fault injection: the device vanishes; every later call raises ``SerialException``."""
        self._unplugged = True

    def __enter__(self) -> SimulatedPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- wire
    def _check_open(self, writing: bool = False) -> None:
        if self._unplugged:
            self.writes_after_unplug += writing
            raise serial.SerialException("device reports readiness to read but returned no data (unplugged?)")
        if not self.is_open:
            raise serial.PortNotOpenError()

    def _advance_to(self, t: float) -> None:
        if t > self.device.now:
            self.device.advance(t - self.device.now)
            self._keep_pace()

    def _keep_pace(self) -> None:
        """With a ``speed``, wait until the real clock has caught up with the virtual one."""
        if self.speed is not None:
            real_start, virtual_start = self._paced_from
            lag = real_start + (self.device.now - virtual_start) / self.speed - time.monotonic()
            if lag > 0:
                time.sleep(lag)

    def _collect(self) -> None:
        """Put what the device printed on the wire back to the host."""
        data = self.device.read()
        if data:
            self._wire_free = max(self.device.now, self._wire_free) + len(data) / self._rate
            self._incoming.append((self._wire_free, data))

    def _arrived(self) -> bytearray:
        self._collect()
        while self._incoming and self._incoming[0][0] <= self.device.now + 1e-12:
            self._received += self._incoming.popleft()[1]
        return self._received

    def _wait_until(self, deadline: float) -> bool:
        """Let virtual time pass until the next byte may arrive; ``False`` if nothing ever can."""
        times = [deadline]
        if self._incoming:
            times.append(self._incoming[0][0])
        next_event = self.device.next_event_s()
        if next_event is not None:
            times.append(self.device.now + next_event)
        t = min(times)
        if math.isinf(t):
            return False
        if t > self.device.now:
            self.device.advance(t - self.device.now, until_output=True)
            self._keep_pace()
        self._collect()
        return True


def open_port(url: str, *, timeout: float | None = 0.1, **kwargs) -> SimulatedPort | serial.SerialBase:
    """``"sim"`` / ``"sim://"`` → a :class:`SimulatedPort` (``device=`` to pass your own simulator);
    anything else → ``serial.serial_for_url(url, baudrate=115200, timeout=timeout)``.
    """
    if url == "sim" or url.startswith("sim://"):
        return SimulatedPort(kwargs.pop("device", None), timeout=timeout, **kwargs)
    kwargs.setdefault("baudrate", BAUD)
    try:
        return serial.serial_for_url(url, timeout=timeout, **kwargs)
    except (serial.SerialException, ValueError) as e:
        from .grbl_protocol import DeviceError

        raise DeviceError(f"cannot open serial port {url!r}: {e}") from e


def serve_pty(device: GrblSim | None = None, *, tick_s: float = 0.005) -> tuple[str, Callable[[], None]]:
    """Expose a simulated GRBL on a pseudo-terminal, in real time; returns ``(slave_path, stop)``.

    A background thread feeds what clients write to the device and writes back what it prints,
    advancing the device's clock with ``time.monotonic``. Opening a USB GRBL board resets it
    (DTR), so a client sees a fresh banner: here a client that flushes its input before sending
    anything (pyserial does when it opens a port) gets a soft reset and its banner. ``stop()``
    ends the thread and closes the terminal.
    """
    device = device if device is not None else GrblSim()
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line discipline: bytes pass unchanged
    packet_mode = hasattr(termios, "TIOCPKT")
    if packet_mode:  # each read says whether it is data or a flush by the client
        fcntl.ioctl(master, termios.TIOCPKT, struct.pack("i", 1))
    path = os.ttyname(slave)
    os.write(master, device.read())  # the power-up banner, waiting before any client opens
    stopping = threading.Event()

    def serve() -> None:
        last = time.monotonic()
        quiet_since_flush = True
        while not stopping.is_set():
            readable, _, _ = select.select([master], [], [], tick_s)
            now = time.monotonic()
            device.advance(now - last)
            last = now
            if readable:
                try:
                    data = os.read(master, 4096)
                except OSError:  # no client has the slave open right now
                    data = b""
                if packet_mode and data:
                    control, data = data[0], data[1:]
                    if control & _TIOCPKT_FLUSHREAD:
                        if quiet_since_flush:
                            device.feed(b"\x18")
                        quiet_since_flush = True
                if data:
                    quiet_since_flush = False
                    device.feed(data)
            out = device.read()
            if out:
                os.write(master, out)

    thread = threading.Thread(target=serve, name=f"grbl-sim-pty {path}", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join()
        os.close(master)
        os.close(slave)

    return path, stop
