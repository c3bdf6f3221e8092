"""A simulated Marlin pen plotter: Marlin's line protocol over GRBL's planner, pen traces and parser.

What a Marlin streamer is tested against, faithful where it goes wrong: ``start`` at power-up
(and on :meth:`MarlinSim.reset`, what opening a USB port does to most boards), one ``ok`` per
command once it has been *executed* — a move once it is in the planner, ``M400`` / ``G4`` once
the moves before them are finished — numbered lines checked (``Error:`` + ``Resend:`` + ``ok``),
``echo:busy: processing`` every 2 s while a command blocks, ``echo:Unknown command`` for what it
does not know, a 4-command queue that loses lines past it, and the emergency parser's ``M108``
(continue after ``M0``) and ``M410`` (quick stop) acting on arrival.

The motion is GRBL's look-ahead planner (:mod:`hardware.grbl_planner`; Marlin's junction
deviation is the same rule) and the G-code subset is GRBL's parser (:mod:`hardware.grbl_interpreter`);
Marlin's own commands are handled here: ``M280 P0 S<angle>`` (the pen servo, acting at once, not in
motion order), ``M400``, ``G4 P<ms>`` / ``S<s>``, ``M114``, ``M110``, ``M84``, ``M0`` / ``M1``, ``M117``.
The pen is judged by a ``pen_down(PenState)`` rule (:mod:`hardware.grbl_pen`), with the servo
angle as ``PenState.speed`` (``spindle="M280"``): :func:`servo_angle_pen`.

Like :class:`~hardware.grbl_sim.GrblSim` it is a protocol object driven by
:class:`~hardware.ports.SimulatedPort`: :meth:`feed`, :meth:`read`, :meth:`advance`, virtual time.

>>> sim = MarlinSim()
>>> sim.feed(b"M110 N0\\nN1 G1 X5 F600*52\\n")
>>> sim.run_until_idle() > 0, sim.read().decode().splitlines()
(True, ['start', 'echo:Marlin 2.1.2 (simulated)', 'ok', 'ok'])
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Generator, Sequence

import numpy as np

from .grbl_interpreter import GcodeError, Modal, parse_block, significant
from .grbl_pen import PenRecorder, PenState
from .grbl_planner import Planner
from .marlin_protocol import KEEPALIVE_S, MAX_CMD_SIZE, unframe

#: Marlin's ``BUFSIZE``: commands waiting to run; more are lost (its serial buffer overflows).
BUFSIZE = 4
PLANNER_BLOCKS = 16
_EOL = re.compile(rb"[\r\n]")
_WORD = re.compile(r"([A-Z])([+-]?(?:\d+(?:\.\d*)?|\.\d+))")
_EMERGENCY = ("M108", "M410")
Wait = Callable[[], bool] | float


def servo_angle_pen(up_deg: float = 90.0, down_deg: float = 30.0) -> Callable[[PenState], bool]:
    """An ``M280`` servo pen: down while the commanded angle is nearer ``down_deg`` than ``up_deg``."""

    def pen_down(state: PenState) -> bool:
        return state.spindle == "M280" and abs(state.speed - down_deg) < abs(state.speed - up_deg)

    return pen_down


class MarlinSim:
    """One simulated Marlin board; see the module docstring.

    ``max_rate_mm_s`` and ``accel_mm_s2`` are per axis (X, Y, Z); ``servo_deg`` is where the pen
    servo starts; ``pen_settle_s`` how long the pen takes to reach the paper after its command.
    """

    def __init__(
        self,
        *,
        max_rate_mm_s: Sequence[float] = (100.0, 100.0, 10.0),
        accel_mm_s2: Sequence[float] = (1000.0, 1000.0, 100.0),
        junction_deviation_mm: float = 0.013,
        pen_down: Callable[[PenState], bool] | None = None,
        servo_deg: float = 90.0,
        pen_settle_s: float = 0.0,
    ) -> None:
        self.max_rate = np.array(max_rate_mm_s, dtype=float)
        self.accel = np.array(accel_mm_s2, dtype=float)
        self.junction_deviation_mm = junction_deviation_mm
        self.pen = PenRecorder(pen_down or servo_angle_pen(), pen_settle_s)
        self.now = 0.0
        self.planner = Planner(PLANNER_BLOCKS, np.zeros(3))
        self.servo_deg = servo_deg
        self.pen.boot(PenState("M280", servo_deg, 0.0), np.zeros(2))
        self.lost_lines = 0
        self.resends = 0
        self.max_queued = 0
        self._out = bytearray()
        self._lost_replies = 0
        self._corrupt_next = 0
        self._halted = False
        self.reset()

    # ----------------------------------------------------------------- host side
    def feed(self, data: bytes) -> None:
        """Bytes from the host; each complete line is checked and queued (or handled at once).

        0x18, which :func:`hardware.ports.serve_pty` sends when a client opens the terminal (where a
        USB board would be reset by DTR), reboots the board.
        """
        *before, data = bytes(data).split(b"\x18")
        if before:
            self.reset()
        self._rx += data
        while (eol := _EOL.search(self._rx)) is not None:
            raw = bytes(self._rx[: eol.start()])
            del self._rx[: eol.end()]
            if raw.strip():
                self._receive(raw.decode("latin-1"))
        self._pump()

    def read(self) -> bytes:
        data = bytes(self._out)
        self._out.clear()
        return data

    @property
    def out_waiting(self) -> int:
        return len(self._out)

    def advance(self, seconds: float, *, until_output: bool = False) -> float:
        """Run for ``seconds`` of virtual time (or until something is printed); returns the time run."""
        start, end = self.now, self.now + seconds
        self._pump()
        while end - self.now > 1e-12 and not (until_output and self._out):
            step = end - self.now
            next_event = self.next_event_s()
            self._step(step if next_event is None else min(step, next_event))
            self._pump()
        if not (until_output and self._out):
            self.now = max(self.now, end)  # no float dust left short of ``end`` (a reader's deadline)
        return self.now - start

    def next_event_s(self) -> float | None:
        """Seconds until the board changes by itself (a move ends, a dwell, a keep-alive, the pen settles)."""
        times = [self.planner.time_to_event()]
        if isinstance(self._wait, float):
            times.append(self._wait - self.now)
        if self._blocked and not self._halted:
            times.append(self._next_busy - self.now)
        if self.pen.switch_at is not None:
            times.append(self.pen.switch_at - self.now)
        times = [max(t, 0.0) for t in times if t is not None]
        return min(times) if times else None

    def run_until_idle(self, limit_s: float = 86_400.0) -> float:
        """Run until every queued command is done and the machine stands still (or waits for the host)."""
        start = self.now
        self._pump()
        while not self.idle and not self._paused and self.now - start < limit_s:
            self.advance(min(self.next_event_s() or limit_s, limit_s - (self.now - start)))
        return self.now - start

    def reset(self) -> None:
        """A reboot (what opening the USB port does): queue and planner lost, position kept, ``start``."""
        self._rx = bytearray()
        self._queue: deque[str] = deque()
        self.planner.clear()
        self.last_line = 0
        self.modal = Modal(motion=1, feed_mm_min=1500.0)  # Marlin's default feedrate: 25 mm/s
        self._gc_position = tuple(self.planner.position)
        self._paused = self._halted = False
        self._blocked = False
        self._next_busy = 0.0
        self._update_pen()
        self._emit("start")
        self._emit("echo:Marlin 2.1.2 (simulated)")
        self._main = self._main_loop()
        self._wait: Wait = next(self._main)

    # ----------------------------------------------------------- fault injection
    def lose_replies(self, count: int = 1) -> None:
        """Swallow the next ``count`` ``ok`` replies (a reply that never comes)."""
        self._lost_replies += count

    def corrupt_next_lines(self, count: int = 1) -> None:
        """Flip a bit in the next ``count`` received lines, as line noise would (checksums catch it)."""
        self._corrupt_next += count

    def inject(self, raw: bytes) -> None:
        """Print raw bytes as if the board had sent them (garbage, an ``Error:``, a reboot's ``start``)."""
        self._out += raw

    def halt(self, reason: str = "Printer halted. kill() called!") -> None:
        """A fatal fault: ``Error:<reason>``, motion stops, nothing is answered any more."""
        self._emit(f"Error:{reason}")
        self.planner.clear()
        self._queue.clear()
        self._halted = True

    # -------------------------------------------------------------------- state
    @property
    def idle(self) -> bool:
        return not self.planner.moves and not self._queue and self._wait == self._has_command and not self._paused

    @property
    def elapsed_s(self) -> float:
        return self.now

    @property
    def position(self) -> np.ndarray:
        return self.planner.position.copy()

    @property
    def pen_is_down(self) -> bool:
        return self.pen.is_down

    @property
    def settle_violations(self) -> int:
        return self.pen.settle_violations

    @property
    def traces(self) -> list[np.ndarray]:
        """Pen-down polylines in machine XY (mm), in drawing order; a dot is a one-point polyline."""
        return self.pen.traces

    # ------------------------------------------------------------ line handling
    def _emit(self, text: str) -> None:
        self._out += text.encode("ascii") + b"\n"

    def _ok(self) -> None:
        if self._lost_replies:
            self._lost_replies -= 1
        else:
            self._emit("ok")

    def _receive(self, text: str) -> None:
        """Marlin's ``get_serial_commands``: check number and checksum, queue the command."""
        if self._halted:
            return
        if self._corrupt_next:
            self._corrupt_next -= 1
            text = text[:-1] + chr(ord(text[-1]) ^ 0x01) if text else text
        line = unframe(text)
        command = line.command.upper()
        renumber = re.match(r"M110\s*N(\d+)", command)
        if line.number is not None:
            if not renumber and line.number != self.last_line + 1:
                return self._resend("Line Number is not Last Line Number+1")
            if line.checksum_ok is None:
                return self._resend("No Checksum with line number")
        elif line.checksum_ok is not None:
            return self._resend("No Line Number with checksum")
        if line.checksum_ok is False:
            return self._resend("checksum mismatch")
        if renumber or line.number is not None:
            self.last_line = int(renumber.group(1)) if renumber else line.number
        if command.startswith(_EMERGENCY):  # the emergency parser acts on arrival; the line still queues
            self._emergency(command[:4])
        if len(self._queue) >= BUFSIZE:
            self.lost_lines += 1
            return
        self._queue.append(command[:MAX_CMD_SIZE])
        self.max_queued = max(self.max_queued, len(self._queue))

    def _resend(self, why: str) -> None:
        self.resends += 1
        self._emit(f"Error:{why}, Last Line: {self.last_line}")
        self._emit(f"Resend: {self.last_line + 1}")
        self._emit("ok")

    def _emergency(self, command: str) -> None:
        if command == "M108":
            self._paused = False
        elif command == "M410":
            self.planner.clear()
            self._gc_position = tuple(self.planner.position)

    # ---------------------------------------------------------------- main loop
    def _pump(self) -> None:
        while not self._halted:
            wait = self._wait
            if not (self.now >= wait - 1e-12 if isinstance(wait, float) else wait()):
                return
            self._wait = self._main.send(None)

    def _has_command(self) -> bool:
        return bool(self._queue)

    def _drained(self) -> bool:
        return not self.planner.moves

    def _planner_room(self) -> bool:
        return self.planner.free() > 0

    def _main_loop(self) -> Generator[Wait, None, None]:
        while True:
            self._blocked = False
            yield self._has_command
            command = self._queue[0]
            self._blocked, self._next_busy = True, self.now + KEEPALIVE_S
            yield from self._execute(command)
            if self._queue and self._queue[0] is command:
                self._queue.popleft()
            self._ok()

    def _execute(self, command: str) -> Generator[Wait, None, None]:
        text = significant(command)
        words = dict(_WORD.findall(text))
        code = text[:1] + str(int(float(words.get(text[:1], "-1")))) if text[:1] in "GM" and text[:1] in words else ""
        if code in ("M110", "M84", "M108", "M410", "M117", "M17", "M18"):
            return
        if code == "M280":
            self.servo_deg = float(words.get("S", self.servo_deg))
            self._update_pen()
        elif code == "M400":
            yield self._drained
        elif code == "G4":
            yield self._drained
            yield self.now + float(words.get("P", 0)) / 1000.0 + float(words.get("S", 0))
        elif code == "M114":
            x, y, z = self._gc_position
            counts = f"Count X:{round(x * 80)} Y:{round(y * 80)} Z:{round(z * 400)}"
            self._emit(f"X:{x:.2f} Y:{y:.2f} Z:{z:.2f} E:0.00 {counts}")
        elif code in ("M0", "M1"):
            yield self._drained
            self._paused = True
            self._emit("echo:busy: paused for user")
            yield lambda: not self._paused
        else:
            yield from self._gcode(command)

    def _gcode(self, command: str) -> Generator[Wait, None, None]:
        try:
            block = parse_block(command, self.modal, self._gc_position, (0.0, 0.0, 0.0))
        except GcodeError:
            self._emit(f'echo:Unknown command: "{command}"')
            return
        self.modal = block.modal
        if block.wco is not None:  # G92: Marlin moves the coordinate system; kept simple: same position
            return
        if block.target:
            yield self._planner_room
            feed = self.modal.feed_mm_min / 60.0 if self.modal.feed_mm_min > 0 else None
            self.planner.add(np.array(block.target), feed, self.max_rate, self.accel, self.junction_deviation_mm)
            self._gc_position = block.target

    # ------------------------------------------------------------ time and pen
    def _step(self, dt: float) -> None:
        before = self.planner.position[:2].copy()
        finished = self.planner.step(dt)
        self.now += dt
        self.pen.moved(self.now, before, self.planner.position[:2], finished is not None)
        if finished is not None:
            self._update_pen()
        if self._blocked and not self._halted and self.now >= self._next_busy - 1e-12:
            self._emit("echo:busy: paused for user" if self._paused else "echo:busy: processing")
            self._next_busy = self.now + KEEPALIVE_S

    def _update_pen(self) -> None:
        state = PenState("M280", self.servo_deg, float(self.planner.position[2]))
        self.pen.command(state, self.now, self.planner.position[:2])
