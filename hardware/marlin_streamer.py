"""Stream G-code to Marlin one numbered, checksummed line at a time, and stop safely on any fault.

Marlin's command queue is a few lines deep and it has no flow control a host could count
on, so the standard host protocol is send-response: send ``N<n> <line>*<cs>``, wait for its
``ok``, send the next (:mod:`hardware.marlin_protocol`). ``ok`` comes once the command has
*run* — a move once it is in the planner, ``M400`` / ``G4`` once the moves before them are done
— so a job journals a stroke at the ``G4`` dwell that ends it. ``Resend: n`` (after a line
damaged on the wire) sends line n again; the ``ok`` that follows a resend request is not an
acknowledgement. ``echo:busy:`` keep-alives prove the board alive while a command blocks.

Faults stop the job with :class:`~hardware.grbl_protocol.DeviceError`: an ``Error:`` that is not
a transmission error (a halt, a thermal fault), ``echo:Unknown command`` (the board ignored a
line: the pen might not have moved), a reboot (``start``), a reply that never comes, a resend
that keeps failing, a vanished port. Then — and on Ctrl-C — the streamer stops sending, quick-
stops the motion (``M410``, acted on at once by Marlin's emergency parser, moves queued after it
are dropped) and sends the ``pen_up_lines``; a failure there is a :class:`RecoveryFailed` event,
never raised over the first error. ``M0`` (a pen change) is reported as :class:`PausedForUser`
once the board says it waits; :meth:`MarlinStreamer.resume` sends ``M108`` to go on.

>>> from hardware.marlin_sim import MarlinSim
>>> from hardware.ports import SimulatedPort
>>> MarlinStreamer(SimulatedPort(MarlinSim())).stream([("G1 X5 F600", 1), ("M400", 2)]).lines
2
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import marlin_protocol as marlin
from .grbl_protocol import DeviceError
from .link import PortLink
from .streamer import Acked, RecoveryFailed, StreamSummary

_COMMENT = re.compile(r"\([^)]*\)|;.*")
_DWELL = re.compile(r"^G0*4(?![\d.])")
_WORD = re.compile(r"([PS])\s*(\d*\.?\d+)", re.IGNORECASE)
_INTERNAL = object()  # tag of lines the streamer adds itself (never reported as Acked)
_EXTRA = object()  # an ``ok`` that acknowledges no line of ours (after a resend request, for M108)


@dataclass(frozen=True)
class PausedForUser:
    """The board waits in ``M0`` (line ``index`` of the caller's, with its ``tag``) for :meth:`resume`."""

    index: int
    tag: Any


@dataclass(frozen=True)
class _Line:
    index: int
    number: int
    text: str  # the command, without number and checksum
    tag: Any
    dwell_s: float


class MarlinStreamer:
    """Send-response Marlin sender with line numbers and checksums over any pyserial-like ``port``.

    ``clock`` defaults to the port's own ``clock`` (a :class:`~hardware.ports.SimulatedPort`'s
    virtual time) or ``time.monotonic``. ``on_event`` receives every reply
    (:mod:`hardware.marlin_protocol`) and the streamer's :class:`~hardware.streamer.Acked`,
    :class:`PausedForUser` and :class:`~hardware.streamer.RecoveryFailed`.
    """

    def __init__(
        self,
        port: Any,
        *,
        clock: Callable[[], float] | None = None,
        on_event: Callable[[object], None] | None = None,
        pen_up_lines: Sequence[str] = ("M400",),
        reply_timeout_s: float = 30.0,
        start_timeout_s: float = 3.0,
        recover_timeout_s: float = 5.0,
        max_resends: int = 5,
    ) -> None:
        self.port = port
        self.clock = clock or getattr(port, "clock", time.monotonic)
        self.on_event = on_event
        self.pen_up_lines = tuple(pen_up_lines)
        self.reply_timeout_s = reply_timeout_s
        self.start_timeout_s = start_timeout_s
        self.recover_timeout_s = recover_timeout_s
        self.max_resends = max_resends
        self.connected = False
        self.resends = 0
        self._next_number = 1
        self._awaiting: deque[_Line | object] = deque()  # what each expected ``ok`` acknowledges, in order
        self._current: _Line | None = None
        self._paused_reported = False
        self._incoming = bytearray()
        self._replies: deque[marlin.Reply] = deque()
        self._bytes_sent = self._longest = 0
        self._progress_at = 0.0
        self._link = PortLink(port, "the Marlin board")

    # ------------------------------------------------------------------ public
    def connect(self) -> None:
        """Wait for the boot's ``start`` (a board that does not reset on open sends none), then ``M110 N0``."""
        self._await(lambda r: isinstance(r, marlin.Start), self.start_timeout_s)
        self._write(b"M110 N0\n")
        if self._await(lambda r: isinstance(r, marlin.Ok), self.start_timeout_s) is None:
            raise DeviceError(
                f"no answer from {getattr(self.port, 'port', self.port)} to M110 within {self.start_timeout_s:g} s "
                "(is it a Marlin board at 115200 baud?)"
            )
        self._next_number = 1
        self.connected = True

    def stream(self, lines: Iterable[tuple[str, Any]]) -> StreamSummary:
        """Send ``(line, tag)`` pairs one at a time, then ``M400``; returns once the machine has finished."""
        if not self.connected:
            self.connect()
        start, count = self.clock(), 0
        try:
            for count, (line, tag) in enumerate(lines, start=1):
                self._send(count - 1, line, tag)
            self._send(count, "M400", _INTERNAL)
        except (DeviceError, KeyboardInterrupt):
            self._recover()
            raise
        return StreamSummary(count, self._bytes_sent, self.clock() - start, self._longest)

    @property
    def oldest_unacknowledged(self) -> tuple[int, Any] | None:
        """``(index, tag)`` of the line sent and not yet answered, or None."""
        line = self._current
        return None if line is None or line.tag is _INTERNAL else (line.index, line.tag)

    def resume(self) -> None:
        """Go on after ``M0``: ``M108`` (Marlin's emergency parser acts on it at once; it is queued, too)."""
        self._write(b"M108\n")
        self._awaiting.append(_EXTRA)

    # ------------------------------------------------------------- streaming
    def _send(self, index: int, line: str, tag: Any) -> None:
        text = " ".join(_COMMENT.sub("", line).split())
        if not text:  # comment-only: acknowledged in order, without a round trip
            if tag is not _INTERNAL:
                self._emit(Acked(index, line, tag))
            return
        dwell = 0.0
        if _DWELL.match(text.upper()):
            words = {k.upper(): float(v) for k, v in _WORD.findall(text[2:])}
            dwell = words.get("P", 0.0) / 1000.0 + words.get("S", 0.0)
        entry = _Line(index, self._next_number, text, tag, dwell)
        self._next_number += 1
        self._current, self._paused_reported = entry, False
        self._awaiting.append(entry)
        self._transmit(entry)
        resends = 0
        while self._current is not None:
            reply = self._next_reply(entry)
            if isinstance(reply, marlin.Resend):
                if reply.line != entry.number:
                    raise DeviceError(f"Marlin asked for line {reply.line} again, but line {entry.number} is the only "
                                      f"one not yet acknowledged ({entry.text!r})")
                resends += 1
                self.resends += 1
                if resends > self.max_resends:
                    raise DeviceError(f"line {index + 1} {entry.text!r} still damaged after {self.max_resends} resends")
                self._awaiting.appendleft(_EXTRA)  # the ``ok`` right after a resend request
                self._transmit(entry)

    def _next_reply(self, entry: _Line) -> marlin.Reply:
        """The next reply that matters for ``entry``; acknowledgements are handled on the way."""
        while True:
            allowance = self.reply_timeout_s + entry.dwell_s
            if self.clock() - self._progress_at > allowance:
                raise DeviceError(f"no reply from Marlin within {allowance:g} s to line {entry.index + 1} "
                                  f"{entry.text!r}")
            reply = self._next(0.05)
            if reply is None:
                continue
            self._route(reply, entry)
            if isinstance(reply, marlin.Resend) or self._current is None:
                return reply

    def _route(self, reply: marlin.Reply, entry: _Line) -> None:
        where = f"at line {entry.index + 1} {entry.text!r}"
        if isinstance(reply, marlin.Ok) and self._awaiting:
            acked = self._awaiting.popleft()
            if isinstance(acked, _Line):
                self._current = None
                if acked.tag is not _INTERNAL:
                    self._emit(Acked(acked.index, acked.text, acked.tag))
                self._progress_at = self.clock()  # after the callback: a prompt there is not a silent board
        elif isinstance(reply, marlin.Busy):
            if reply.paused and not self._paused_reported and self._current is not None:
                self._paused_reported = True
                self._emit(PausedForUser(entry.index, entry.tag))
            self._progress_at = self.clock()
        elif isinstance(reply, marlin.Error) and not reply.transmission:
            raise DeviceError(f"Marlin reports Error:{reply.text} {where}")
        elif isinstance(reply, marlin.Echo) and reply.unknown_command:
            raise DeviceError(f"Marlin ignored a command it does not know ({reply.text}) {where}")
        elif isinstance(reply, marlin.Start):
            raise DeviceError(f"the Marlin board restarted during the plot {where}")

    def _transmit(self, entry: _Line) -> None:
        data = (marlin.frame(entry.number, entry.text) + "\n").encode("ascii", "replace")
        if len(data) > marlin.MAX_CMD_SIZE:
            raise DeviceError(f"line {entry.index + 1} is {len(data)} bytes framed, Marlin takes at most "
                              f"{marlin.MAX_CMD_SIZE}: {entry.text!r}")
        self._progress_at = self.clock()
        self._write(data)

    # ------------------------------------------------------------- recovery
    def _recover(self) -> None:
        """Stop sending, quick-stop, lift the pen; never raise."""
        if self._link.lost:
            return
        outstanding = len(self._awaiting)  # the line in flight and any M108
        self._awaiting.clear()
        self._current = None
        try:
            self._write(b"M108\nM410\n")  # out of an M0 pause, and drop every queued move
            for _ in range(2):
                if self._await(lambda r: isinstance(r, marlin.Ok), self.recover_timeout_s) is None:
                    raise DeviceError("no ok after M410 (quick stop)")
            for _ in range(outstanding):  # the interrupted line's late ok, unless it was lost
                self._await(lambda r: isinstance(r, marlin.Ok), 0.5)
            for line in self.pen_up_lines:
                self._write(f"{line}\n".encode("ascii"))
                if self._await(lambda r: isinstance(r, marlin.Ok), self.recover_timeout_s) is None:
                    raise DeviceError(f"no ok for {line!r} while lifting the pen")
        except Exception as e:  # noqa: BLE001 - the first error is the one the user needs
            self._emit(RecoveryFailed(str(e)))

    def _await(self, wanted: Callable[[marlin.Reply], bool], timeout: float) -> marlin.Reply | None:
        """Read replies until one is ``wanted`` (returned) or ``timeout`` passes with no keep-alive."""
        deadline = self.clock() + timeout
        while self.clock() < deadline:
            reply = self._next(0.05)
            if reply is not None and wanted(reply):
                return reply
            if isinstance(reply, marlin.Busy):
                deadline = self.clock() + timeout
        return None

    # ------------------------------------------------------------------ I/O
    def _emit(self, event: object) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _write(self, data: bytes) -> None:
        self._link.write(data)
        self._bytes_sent += len(data)
        self._longest = max(self._longest, len(data))

    def _next(self, timeout: float) -> marlin.Reply | None:
        """The next reply, reading (up to ``timeout``) only when none is buffered."""
        if not self._replies:
            self._incoming += self._link.read(timeout)
            while (end := self._incoming.find(b"\n")) >= 0:
                text = self._incoming[:end].decode("ascii", "replace").strip()
                del self._incoming[: end + 1]
                if text:
                    self._replies.append(marlin.parse_reply(text))
        if not self._replies:
            return None
        reply = self._replies.popleft()
        self._emit(reply)
        return reply
