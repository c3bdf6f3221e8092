"""Stream G-code to GRBL 1.1 with character counting, and stop safely when anything goes wrong.

GRBL has a 128-byte RX buffer and no flow control: a sender must count the bytes of lines it
has sent but not yet seen answered, and never let them exceed the buffer (here 127 bytes, one
spare). Every line gets exactly one ``ok`` / ``error:N``, in order, so replies are matched to
lines through a FIFO; each ``ok`` is reported as an :class:`Acked` event carrying the caller's
opaque tag (a job journal records them to resume a plot). ``?`` is polled as a realtime byte.

Errors stop the job: ``error:N`` (with the offending line and its meaning), ``ALARM:N``, a
reply that never comes, an unexpected reset, a vanished port. Before raising, the streamer
feed-holds, resets, unlocks if the machine is in alarm, and sends the ``pen_up_lines``; a
failure while doing so is reported as a :class:`RecoveryFailed` event, never raised over the
first error. Single-threaded: ``hold`` / ``resume`` / ``reset`` may be called from the event
callback or another thread (writes are locked).

>>> from hardware.ports import SimulatedPort
>>> port = SimulatedPort()
>>> GrblStreamer(port).stream([("G21", 1), ("M3 S30", 2), ("G1 X-5 F600", 3), ("M5", 4)]).lines
4
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .grbl_interpreter import MAX_LINE_CHARS, significant
from .grbl_protocol import (
    CYCLE_START,
    FEED_HOLD,
    SOFT_RESET,
    STATUS_QUERY,
    Alarm,
    Banner,
    DeviceError,
    Error,
    Ok,
    Status,
    StatusParser,
)
from .link import PortLink

#: Most bytes in flight; GRBL's buffer holds 128, one is kept spare as in GRBL's stream.py.
RX_LIMIT = 127
_BUSY = {"Run", "Hold", "Home", "Jog", "Door"}
_DWELL = re.compile(r"G0*4(?![\d.]).*?P(\d*\.?\d*)")
_INTERNAL = object()  # tag of lines the streamer adds itself (never reported as Acked)


@dataclass(frozen=True)
class Acked:
    """Line ``index`` (0-based, in the caller's order) was accepted by the device."""

    index: int
    line: str
    tag: Any


@dataclass(frozen=True)
class RecoveryFailed:
    """Lifting the pen after an error did not work; the original error is still raised."""

    reason: str


@dataclass(frozen=True)
class StreamSummary:
    lines: int  # program lines streamed (all acknowledged)
    bytes_sent: int  # bytes of lines written, the final ``G4 P0`` included, realtime bytes not
    elapsed_s: float  # from the first line to the final Idle status
    max_in_flight: int  # most bytes ever unacknowledged (≤ RX_LIMIT)


@dataclass(frozen=True)
class _Line:
    index: int
    text: str  # as sent, without newline
    tag: Any
    length: int  # bytes on the wire; 0 for lines with nothing to send
    dwell_s: float


class GrblStreamer:
    """Character-counting GRBL 1.1 sender over any pyserial-like ``port``.

    ``clock`` defaults to the port's own ``clock`` (a :class:`~hardware.ports.SimulatedPort`'s
    virtual time) or ``time.monotonic``. ``on_event`` receives every device event
    (:mod:`hardware.grbl_protocol`) and the streamer's :class:`Acked` / :class:`RecoveryFailed`.
    """

    def __init__(
        self,
        port: Any,
        *,
        poll_hz: float = 5.0,
        clock: Callable[[], float] | None = None,
        on_event: Callable[[object], None] | None = None,
        pen_up_lines: Sequence[str] = ("M5",),
        reply_timeout_s: float = 30.0,
        banner_timeout_s: float = 3.0,
        recover_timeout_s: float = 5.0,
    ) -> None:
        self.port = port
        self.poll_hz = poll_hz
        self.clock = clock or getattr(port, "clock", time.monotonic)
        self.on_event = on_event
        self.pen_up_lines = tuple(pen_up_lines)
        self.reply_timeout_s = reply_timeout_s
        self.banner_timeout_s = banner_timeout_s
        self.recover_timeout_s = recover_timeout_s
        self.status: Status | None = None  # last status report
        self.banner: Banner | None = None
        self._parser = StatusParser()
        self._incoming = bytearray()
        self._pending: deque[_Line] = deque()
        self._in_flight = self._max_in_flight = self._bytes_sent = 0
        self._slice = min(0.05, 1.0 / poll_hz) if poll_hz > 0 else 0.05
        self._next_poll = 0.0
        self._progress_at = 0.0
        self._streaming = self._alarmed = False
        self._link = PortLink(port)

    # ------------------------------------------------------------------ public
    def connect(self) -> Banner:
        """Wait for GRBL's banner; if none comes, soft-reset once and wait again."""
        banner = self._await(lambda e: isinstance(e, Banner), self.banner_timeout_s, poll=False)
        if banner is None:
            self._write(SOFT_RESET)
            banner = self._await(lambda e: isinstance(e, Banner), self.banner_timeout_s, poll=False)
        if banner is None:
            raise DeviceError(
                f"no GRBL banner from {getattr(self.port, 'port', self.port)} within {self.banner_timeout_s:g} s "
                "of opening it or after a reset (is it a GRBL 1.1 controller at 115200 baud?)"
            )
        self.banner = banner
        return banner

    def stream(self, lines: Iterable[tuple[str, Any]]) -> StreamSummary:
        """Send ``(line, tag)`` pairs, wait until the machine has finished them, and summarise."""
        if self.banner is None:
            self.connect()
        start = self.clock()
        count = 0
        self._streaming = True
        try:
            for count, (line, tag) in enumerate(lines, start=1):
                self._send(count - 1, line, tag)
            self._send(count, "G4 P0", _INTERNAL)
            while self._pending:
                self._pump(block=True)
            self._wait_idle()
        except (DeviceError, KeyboardInterrupt):
            self._recover()
            raise
        finally:
            self._streaming = False
        return StreamSummary(count, self._bytes_sent, self.clock() - start, self._max_in_flight)

    @property
    def oldest_unacknowledged(self) -> tuple[int, Any] | None:
        """``(index, tag)`` of the oldest line sent and not yet answered, or None.

        A machine seen holding while this is an ``M0`` is waiting for the operator: GRBL
        answers ``M0`` only after the cycle is resumed.
        """
        for line in self._pending:
            if line.tag is not _INTERNAL:
                return line.index, line.tag
        return None

    def hold(self) -> None:
        """Feed hold (``!``): decelerate and stop; :meth:`resume` continues."""
        self._write(FEED_HOLD)

    def resume(self) -> None:
        """Cycle start (``~``): resume after a hold or an ``M0`` pause."""
        self._write(CYCLE_START)

    def reset(self) -> None:
        """Soft reset (0x18): stops at once; GRBL forgets everything in flight."""
        self._write(SOFT_RESET)

    # ------------------------------------------------------------- streaming
    def _send(self, index: int, line: str, tag: Any) -> None:
        text = significant(line)
        where = "the final sync" if tag is _INTERNAL else f"line {index + 1}"
        if len(text) > MAX_LINE_CHARS:
            raise DeviceError(
                f"{where} has {len(text)} significant characters, GRBL accepts at most {MAX_LINE_CHARS}: {line!r}"
            )
        try:
            data = (text + "\n").encode("ascii") if text else b""
        except UnicodeEncodeError:
            raise DeviceError(f"{where} has characters GRBL cannot read: {line!r}") from None
        dwell = _DWELL.search(text)
        entry = _Line(index, text, tag, len(data), float(dwell.group(1) or 0) if dwell else 0.0)
        if not data:  # comment-only: acknowledged in order, without a round trip
            self._pending.append(entry)
            self._ack_unsent()
            return
        while self._in_flight + len(data) > RX_LIMIT:
            self._pump(block=True)
        if not self._pending:
            self._progress_at = self.clock()
        self._write(data)
        self._bytes_sent += len(data)
        self._pending.append(entry)
        self._in_flight += len(data)
        self._max_in_flight = max(self._max_in_flight, self._in_flight)
        self._pump(block=False)

    def _pump(self, *, block: bool) -> None:
        for event in self._read_events(self._slice if block else 0.0):
            self._handle(event)
        self._maybe_poll()
        if self._pending and self._pending[0].length:
            allowance = self.reply_timeout_s + sum(line.dwell_s for line in self._pending)
            if self.clock() - self._progress_at > allowance:
                first = self._pending[0]
                raise DeviceError(
                    f"no reply from device within {allowance:g} s after line {first.index + 1} {first.text!r}"
                )

    def _handle(self, event: object) -> None:
        if isinstance(event, Ok) and self._pending:
            self._pop()
        elif isinstance(event, Error) and self._pending:
            line = self._pop()
            raise DeviceError(f"error:{event.code} ({event.meaning}) at line {line.index + 1} {line.text!r}")
        elif isinstance(event, Alarm):
            self._alarmed = True
            after = f" after line {self._pending[0].index + 1} {self._pending[0].text!r}" if self._pending else ""
            raise DeviceError(f"ALARM:{event.code} ({event.meaning}){after}")
        elif isinstance(event, Banner) and self._streaming:
            raise DeviceError(f"device reset during the plot; {len(self._pending)} unacknowledged lines lost")
        elif isinstance(event, Status):
            self.status = event
            if event.name in _BUSY:
                self._progress_at = self.clock()

    def _pop(self) -> _Line:
        line = self._pending.popleft()
        self._in_flight -= line.length
        if line.tag is not _INTERNAL:
            self._emit(Acked(line.index, line.text, line.tag))
        self._progress_at = self.clock()  # after the callback: an operator prompt there is not a silent device
        self._ack_unsent()
        return line

    def _ack_unsent(self) -> None:
        while self._pending and not self._pending[0].length:
            self._pop()

    def _wait_idle(self) -> None:
        """After ``G4 P0``'s ok the planner is empty; wait for the status that says so."""
        deadline = self.clock() + self.reply_timeout_s
        self._next_poll = 0.0
        self.status = None
        while self.status is None or self.status.name != "Idle":
            if self.clock() > deadline:
                raise DeviceError(f"no Idle status within {self.reply_timeout_s:g} s after the last line")
            self._pump(block=True)

    def _maybe_poll(self, interval: float | None = None) -> None:
        interval = interval or (1.0 / self.poll_hz if self.poll_hz > 0 else None)
        if interval is not None and self.clock() >= self._next_poll:
            self._write(STATUS_QUERY)
            self._next_poll = self.clock() + interval

    # ------------------------------------------------------------- recovery
    def _recover(self) -> None:
        """Stop sending, feed-hold, reset, unlock if in alarm, lift the pen; never raise."""
        if self._link.lost:
            return
        self._pending.clear()
        self._in_flight = 0
        self._streaming = False
        try:
            self._write(FEED_HOLD)
            if not self._alarmed:  # an alarm has stopped the machine already (and may lock out ``?``)
                stopped = {"Hold:0", "Idle", "Alarm", "Check"}
                self._await(lambda e: isinstance(e, Alarm) or (isinstance(e, Status) and e.state in stopped))
            self._write(SOFT_RESET)
            if self._await(lambda e: isinstance(e, Banner), poll=False) is None:
                raise DeviceError("no banner after reset")
            self._write(STATUS_QUERY)
            status = self._await(lambda e: isinstance(e, Status))
            if status is not None and status.name == "Alarm":
                self._command("$X")
            for line in self.pen_up_lines:
                self._command(line)
        except Exception as e:  # noqa: BLE001 - the first error is the one the user needs
            self._emit(RecoveryFailed(str(e)))

    def _command(self, line: str) -> None:
        """Send-response: one line, wait for its reply."""
        self._write((significant(line) + "\n").encode("ascii"))
        reply = self._await(lambda e: isinstance(e, Ok | Error))
        if not isinstance(reply, Ok):
            raise DeviceError(f"{line!r} got {reply or 'no reply'} while lifting the pen")

    def _await(self, wanted: Callable[[object], bool], timeout: float | None = None, *, poll: bool = True) -> Any:
        """Read events until one is ``wanted`` (returned) or ``timeout`` passes (``None``)."""
        deadline = self.clock() + (self.recover_timeout_s if timeout is None else timeout)
        self._next_poll = 0.0
        while self.clock() < deadline:
            for event in self._read_events(self._slice):
                if isinstance(event, Status):
                    self.status = event
                if wanted(event):
                    return event
            if poll:
                self._maybe_poll(1.0 / self.poll_hz if self.poll_hz > 0 else 0.2)
        return None

    # ------------------------------------------------------------------ I/O
    def _emit(self, event: object) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _write(self, data: bytes) -> None:
        self._link.write(data)

    def _read_events(self, timeout: float) -> list[object]:
        self._incoming += self._link.read(timeout)
        events = []
        while (end := self._incoming.find(b"\n")) >= 0:
            text = self._incoming[:end].decode("ascii", "replace").strip()
            del self._incoming[: end + 1]
            if text:
                event = self._parser.parse(text)
                self._emit(event)
                events.append(event)
        return events
