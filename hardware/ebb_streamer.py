"""Send EBB commands one at a time, and lift the pen when anything goes wrong.

The EBB answers a motion command only once it is queued in the board's small FIFO, so
send-response (one command, wait for its ``OK``) keeps the FIFO full without overrunning it:
no character counting, no flow control. A ``QM`` in the stream is a sync point: it is
repeated until the board reports the motors idle and the FIFO empty, so the caller knows
everything before it has *happened*, not just been queued (a job journals a stroke there).

Replies are waited for on the port's clock (a :class:`~hardware.ports.SimulatedPort`'s virtual
time, else ``time.monotonic``); the allowance grows by the duration of the moves queued ahead,
which the board must finish before it can take the next. An ``!N Err:`` reply, a reply that
never comes or a vanished port raise :class:`~hardware.grbl_protocol.DeviceError`; on any error
or Ctrl-C the streamer sends ``SP,1`` (pen up) and touches nothing else — the motors stay
enabled, so the position is kept for a resume. A failure to lift is reported as a
:class:`~hardware.streamer.RecoveryFailed` event, never raised over the first error.

>>> from hardware.ebb_sim import EbbSim
>>> from hardware.ports import SimulatedPort
>>> EbbStreamer(SimulatedPort(EbbSim())).stream([("SP,0,50", 1), ("SM,20,100,100", 2), ("SP,1", 3), ("QM", 4)]).lines
4
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from . import ebb_protocol as ebb
from .grbl_protocol import DeviceError
from .link import PortLink
from .streamer import Acked, RecoveryFailed, StreamSummary

#: How long an ``HM`` may take: its length is unknown to the host (up to a full diagonal at low rate).
HOME_ALLOWANCE_S = 120.0
_SYNC = "QM"


class EbbStreamer:
    """Send-response EBB sender over any pyserial-like ``port``.

    ``on_event`` receives every reply (:mod:`hardware.ebb_protocol` ``Ok`` / ``Fault`` / ``Data``)
    and the streamer's :class:`Acked` (one per streamed command, with the caller's tag) and
    :class:`RecoveryFailed`. ``poll_s`` is the pause between ``QM`` queries while waiting for idle.
    """

    def __init__(
        self,
        port: Any,
        *,
        clock: Callable[[], float] | None = None,
        on_event: Callable[[object], None] | None = None,
        reply_timeout_s: float = 5.0,
        poll_s: float = 0.01,
        recover_timeout_s: float = 3.0,
    ) -> None:
        self.port = port
        self.clock = clock or getattr(port, "clock", time.monotonic)
        self.on_event = on_event
        self.reply_timeout_s = reply_timeout_s
        self.poll_s = poll_s
        self.recover_timeout_s = recover_timeout_s
        self.version: str | None = None
        self._incoming = bytearray()
        self._replies: deque[str] = deque()
        self._ahead: deque[float] = deque(maxlen=4)  # durations of the last motion commands sent
        self._bytes_sent = self._longest = 0
        self._awaiting: str | None = None  # a command whose reply has not come yet
        self._link = PortLink(port, "the EBB")

    # ------------------------------------------------------------------ public
    def connect(self) -> str:
        """Ask the board for its version (``V``): an EBB has no banner to wait for."""
        try:
            self.version = self.command("V") or ""
        except DeviceError as error:
            raise DeviceError(
                f"no EiBotBoard answer from {getattr(self.port, 'port', self.port)} ({error}); is it an AxiDraw?"
            ) from None
        return self.version

    def command(self, text: str, *, timeout_s: float | None = None) -> str | None:
        """Send one command and wait for its reply; returns a query's data line, else None."""
        allowance = (self.reply_timeout_s if timeout_s is None else timeout_s) + sum(self._ahead)
        name = text.partition(",")[0].upper()
        if name == "HM":
            allowance += HOME_ALLOWANCE_S
        self._write(ebb.encode(text))
        self._awaiting = text
        seconds = ebb.command_seconds(text)
        try:
            data = self._answer(text, name, self.clock() + allowance)
        except DeviceError:
            self._awaiting = None  # refused, or given up on: nothing to wait for when recovering
            raise
        self._awaiting = None
        if name in ebb.MOTION:
            self._ahead.append(seconds)
        return data

    def wait_idle(self) -> None:
        """Repeat ``QM`` until the motors are idle and the FIFO is empty."""
        deadline = self.clock() + self.reply_timeout_s + sum(self._ahead)
        while ebb.parse_motion(self.command(_SYNC) or "").busy:
            if self.clock() > deadline:
                raise DeviceError(
                    f"the EBB still reports motion {self.reply_timeout_s:g} s after its queued moves should have ended"
                )
            self._read(self.poll_s)  # let time pass (nothing is expected to arrive)
        self._ahead.clear()

    def stream(self, items: Iterable[tuple[str, Any]]) -> StreamSummary:
        """Send ``(command, tag)`` pairs in order (``"QM"``: wait for idle), emitting :class:`Acked` for each."""
        if self.version is None:
            self.connect()
        start, count = self.clock(), 0
        try:
            for count, (text, tag) in enumerate(items, start=1):
                if text == _SYNC:
                    self.wait_idle()
                else:
                    self.command(text)
                self._emit(Acked(count - 1, text, tag))
        except DeviceError as error:
            self._recover()
            raise DeviceError(f"{error} (at command {count}: {text!r})") from error
        except KeyboardInterrupt:
            self._recover()
            raise
        return StreamSummary(count, self._bytes_sent, self.clock() - start, self._longest)

    # ------------------------------------------------------------------ replies
    def _answer(self, text: str, name: str, deadline: float) -> str | None:
        data: str | None = None
        while True:
            reply = self._next_reply(text, deadline)
            if isinstance(reply, ebb.Fault):
                code = "" if reply.code is None else reply.code
                raise DeviceError(f"the EBB refused {text!r}: !{code} {reply.message}")
            if isinstance(reply, ebb.Data) and _fits(name, reply.text) and data is None:
                if name in ebb.DATA_ONLY:
                    return reply.text
                if name in ebb.DATA_THEN_OK:
                    data = reply.text
            elif isinstance(reply, ebb.Ok) and (name not in ebb.DATA_THEN_OK or data is not None):
                return data
            # anything else (line noise, a stray OK) is not this command's answer: keep reading

    def _next_reply(self, text: str, deadline: float) -> ebb.Reply:
        while not self._replies:
            if self.clock() > deadline:
                raise DeviceError(f"no reply from the EBB to {text!r} in time")
            self._read(min(0.05, max(deadline - self.clock(), 0.0)) or 0.001)
        reply = ebb.parse_reply(self._replies.popleft())
        self._emit(reply)
        return reply

    def _read(self, timeout: float) -> None:
        self._incoming += self._link.read(timeout)
        lines, rest = ebb.split_lines(bytes(self._incoming))
        self._incoming = bytearray(rest)
        self._replies.extend(lines)

    def _write(self, data: bytes) -> None:
        self._link.write(data)
        self._bytes_sent += len(data)
        self._longest = max(self._longest, len(data))

    def _emit(self, event: object) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _recover(self) -> None:
        """Lift the pen (``SP,1``, behind whatever is queued); never raise."""
        if self._link.lost:
            return
        try:
            if self._awaiting is not None:  # let the interrupted command's reply pass first
                pending, self._awaiting = self._awaiting, None
                try:
                    self._answer(pending, pending.partition(",")[0].upper(), self.clock() + self.recover_timeout_s)
                except DeviceError:
                    pass
            self.command("SP,1", timeout_s=self.recover_timeout_s)
        except Exception as e:  # noqa: BLE001 - the first error is the one the user needs
            self._emit(RecoveryFailed(str(e)))


def _fits(name: str, text: str) -> bool:
    """Whether a data line is the kind of answer ``name`` gets (so line noise is not taken for one)."""
    if name == "QM":
        return text.startswith("QM,")
    if name in ("QP", "QB"):
        return text in ("0", "1")
    if name == "QS":
        return text.replace(",", "").replace("-", "").isdigit()
    return name == "V"
