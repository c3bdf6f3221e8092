"""A simulated EiBotBoard (AxiDraw): commands in, replies out, motion in virtual time.

Faithful where a host can go wrong: motion commands (``SM``, ``SP``, ``HM``) queue in a FIFO
(one executing plus ``fifo_depth`` waiting, as EBB firmware 2.x) and are answered ``OK`` only
once they are queued, so a sender that waits for each ``OK`` is throttled to the machine;
``QM`` reports the motion state; malformed commands and impossible moves (over 25 kHz per
motor, a zero duration) get ``!N Err: ...`` and do nothing. ``EM`` waits for motion to finish
and zeroes the step counters, so ``HM`` (home move) returns to where the motors were enabled.

It is a protocol object with the same face as :class:`hardware.grbl_sim.GrblSim` (``feed``,
``read``, ``advance``, ``next_event_s``, ``now``), so :class:`hardware.ports.SimulatedPort`
carries it over a simulated wire unchanged. Each ``SM`` runs both motors at constant rates,
a straight line in XY, so :attr:`EbbSim.traces` (pen-down polylines, machine mm) holds the
ends of the moves made with the pen down. The carriage powers up at (0, 0), pen up, motors off.

>>> sim = EbbSim()
>>> sim.feed(b"SP,0,100\\rSM,50,400,400\\rSP,1\\r")
>>> sim.run_until_idle(), sim.read()
(0.15, b'OK\\r\\nOK\\r\\nOK\\r\\n')
>>> sim.traces[0].tolist()
[[0.0, 0.0], [5.0, 0.0]]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import ebb_protocol as ebb
from .ebb_motion import MAX_STEP_RATE, steps_to_xy, xy_to_steps

VERSION = "EBBv13_and_above EB Firmware Version 2.7.0"
MAX_STEPS = 16_777_215  # 24-bit step counts and durations
_EPS = 1e-12
_EOL = b"\r\n"
_CONTROL = bytes(set(range(32)) - {ord("\r"), ord("\n")})


@dataclass
class _Move:
    """One FIFO entry; ``HM`` learns its steps and duration when it starts."""

    name: str
    duration_s: float = 0.0
    steps: tuple[int, int] = (0, 0)
    pen_up: bool | None = None
    rate: int = 0
    target: tuple[int, int] = (0, 0)


class EbbSim:
    """One simulated EBB; see the module docstring. ``fifo_depth`` moves wait behind the running one."""

    def __init__(self, *, fifo_depth: int = 1) -> None:
        self.fifo_depth = fifo_depth
        self.now = 0.0
        self.commands = 0  # command lines received
        self.faults = 0  # of them refused with ``!``
        self.traces: list[np.ndarray] = []
        self.on_trace: Callable[[np.ndarray], None] | None = None  # told of each trace as the pen lifts off it
        self._out = bytearray()
        self._lost_replies = 0
        self._power_up()

    def _power_up(self) -> None:
        self.motor = np.zeros(2, dtype=np.int64)  # carriage, in 16x steps from where it powered up
        self.steps = np.zeros(2, dtype=np.int64)  # step counters since the motors were enabled
        self.modes = (0, 0)  # 0 off, 1 = 16x ... 5 = full steps
        self.pen_up = True
        self.servo = {ebb.SC_PEN_UP: 16000, ebb.SC_PEN_DOWN: 12000, ebb.SC_RATE: 400}
        self.button_pressed = False
        self._rx = bytearray()
        self._lines: deque[str] = deque()
        self._fifo: deque[_Move] = deque()
        self._running: _Move | None = None
        self._started = self._ends = 0.0
        self._trace: list[np.ndarray] | None = None

    # ----------------------------------------------------------------- host side
    def feed(self, data: bytes) -> None:
        """Bytes from the host; each ``\\r`` (or ``\\n``) ends a command, executed in order.

        Other control bytes (a GRBL client's 0x18 reset, say) are dropped.
        """
        self._rx += bytes(data).translate(None, _CONTROL)
        while (end := min((i for i in (self._rx.find(b"\r"), self._rx.find(b"\n")) if i >= 0), default=-1)) >= 0:
            line = self._rx[:end].decode("ascii", "replace").strip()
            del self._rx[: end + 1]
            if line:
                self._lines.append(line)
        self._settle()

    def read(self) -> bytes:
        data = bytes(self._out)
        self._out.clear()
        return data

    def advance(self, seconds: float, *, until_output: bool = False) -> float:
        """Run for ``seconds`` of virtual time (or until something is printed); returns the time run."""
        start, end = self.now, self.now + seconds
        while True:
            self._settle()
            if end - self.now <= _EPS or (until_output and self._out):
                return self.now - start
            next_event = self.next_event_s()
            self.now += end - self.now if next_event is None else min(end - self.now, next_event)

    def next_event_s(self) -> float | None:
        """Seconds until the running move ends (None when no motion is under way)."""
        return None if self._running is None else max(self._ends - self.now, 0.0)

    def run_until_idle(self) -> float:
        start = self.now
        while (step := self.next_event_s()) is not None:
            self.advance(step)
        return round(self.now - start, 9)

    # ----------------------------------------------------------- fault injection
    def lose_replies(self, count: int = 1) -> None:
        """Swallow the next ``count`` replies (a reply that never comes)."""
        self._lost_replies += count

    def inject(self, raw: bytes) -> None:
        """Print raw bytes (line noise) as if the board had sent them."""
        self._out += raw

    def press_button(self) -> None:
        self.button_pressed = True

    # -------------------------------------------------------------------- state
    @property
    def elapsed_s(self) -> float:
        return self.now

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._fifo)

    @property
    def position(self) -> np.ndarray:
        """Carriage position now (machine mm), part-way through a running move."""
        xy = steps_to_xy(self.motor)[0]
        if self._running is None or self._running.name == "SP":
            return xy
        done = (self.now - self._started) / self._running.duration_s if self._running.duration_s else 1.0
        return xy + steps_to_xy(self._full_steps(self._running.steps))[0] * min(max(done, 0.0), 1.0)

    # --------------------------------------------------------------- execution
    def _reply(self, *lines: str) -> None:
        if self._lost_replies:
            self._lost_replies -= 1
            return
        for line in lines:
            self._out += line.encode("ascii") + _EOL

    def _settle(self) -> None:
        """Everything due now: moves of no duration (``SP`` without delay) end at once."""
        self._finish_due()
        self._pump()
        self._finish_due()

    def _pump(self) -> None:
        """Execute waiting commands in order until one must wait for the FIFO (or for motion to end)."""
        while self._lines:
            line = self._lines[0]
            try:
                command = ebb.parse_command(line)
            except ebb.CommandError as error:
                self._lines.popleft()
                self._fault(error)
                continue
            if command.name in ebb.MOTION and self._running is not None and len(self._fifo) >= self.fifo_depth:
                return
            if command.name == "EM" and self.busy:
                return
            self._lines.popleft()
            self.commands += 1
            try:
                self._execute(command)
            except ebb.CommandError as error:
                self._fault(error)

    def _fault(self, error: ebb.CommandError) -> None:
        self.faults += 1
        self._reply(f"!{error.code} Err: {error}")

    def _execute(self, c: ebb.Command) -> None:
        args = c.args
        if c.name == "SM":
            self._queue(_Move("SM", self._check_sm(*args), (args[1], args[2])))
        elif c.name == "SP":
            if args[0] not in (0, 1) or not 0 <= (args[1] if len(args) > 1 else 0) <= 65535:
                raise ebb.CommandError(3, f"SP: value {args[0]} must be 0 or 1, delay 0 to 65535 ms")
            self._queue(_Move("SP", (args[1] if len(args) > 1 else 0) / 1000.0, pen_up=args[0] == 1))
        elif c.name == "HM":
            if not 2 <= args[0] <= MAX_STEP_RATE or len(args) == 2:
                raise ebb.CommandError(3, f"HM: rate {args[0]} must be 2 to {MAX_STEP_RATE}, positions both or none")
            self._queue(_Move("HM", rate=args[0], target=(args[1], args[2]) if len(args) == 3 else (0, 0)))
        elif c.name == "EM":
            modes = (args[0], args[1] if len(args) > 1 else args[0])
            if not all(0 <= m <= 5 for m in modes):
                raise ebb.CommandError(3, f"EM: modes {modes} must be 0 to 5")
            self.modes, self.steps = modes, np.zeros(2, dtype=np.int64)
            self._reply("OK")
        elif c.name == "SC":
            if not (0 <= args[0] <= 255 and 0 <= args[1] <= 65535):
                raise ebb.CommandError(3, f"SC: parameter {args[0]} or value {args[1]} out of range")
            self.servo[args[0]] = args[1]
            self._reply("OK")
        elif c.name == "QP":
            self._reply(str(int(self.pen_up)), "OK")
        elif c.name == "QB":
            self._reply(str(int(self.button_pressed)), "OK")
            self.button_pressed = False
        elif c.name == "QM":
            moving = self._running is not None and self._running.name != "SP"
            m1, m2 = (moving and self._running.steps[i] != 0 for i in (0, 1))
            self._reply(f"QM,{int(self.busy)},{int(m1)},{int(m2)},{int(bool(self._fifo))}")
        elif c.name == "QS":
            self._reply(f"{self.steps[0]},{self.steps[1]}", "OK")
        elif c.name == "V":
            self._reply(VERSION)
        elif c.name == "R":
            self._finish_trace()
            motor = self.motor + np.rint(xy_to_steps(self.position)[0] - self.motor)  # stops where it is
            self._power_up()
            self.motor = motor.astype(np.int64)
            self._reply("OK")

    def _check_sm(self, duration_ms: int, steps1: int, steps2: int) -> float:
        if not 1 <= duration_ms <= MAX_STEPS:
            raise ebb.CommandError(3, f"SM: duration {duration_ms} ms must be 1 to {MAX_STEPS}")
        for axis, steps in ((1, steps1), (2, steps2)):
            if abs(steps) > MAX_STEPS:
                raise ebb.CommandError(3, f"SM: <axis{axis}> {steps} steps is more than {MAX_STEPS}")
            rate = abs(steps) * 1000.0 / duration_ms
            if rate > MAX_STEP_RATE:
                raise ebb.CommandError(3, f"SM: <axis{axis}> step rate {rate:.0f} > 25K steps/second")
            if 0 < rate < 1.31:
                raise ebb.CommandError(3, f"SM: <axis{axis}> step rate {rate:.2f} < 1.31 steps/second")
        return duration_ms / 1000.0

    def _queue(self, move: _Move) -> None:
        self._fifo.append(move)
        self._reply("OK")
        if self._running is None:
            self._start_next(self.now)

    def _start_next(self, at: float) -> None:
        self._running = self._fifo.popleft() if self._fifo else None
        if self._running is None:
            return
        move = self._running
        if move.name == "HM":
            steps = np.array(move.target) - self.steps
            move.steps = (int(steps[0]), int(steps[1]))
            move.duration_s = float(np.abs(steps).max()) / move.rate
        elif move.name == "SP":
            if move.pen_up:
                self._finish_trace()
            elif self.pen_up:
                self._trace = [self.position]
            self.pen_up = bool(move.pen_up)
        elif self.modes == (0, 0):
            self.modes = (1, 1)  # a move enables the drivers, as the EBB does
        self._started, self._ends = at, at + move.duration_s

    def _finish_due(self) -> None:
        while self._running is not None and self._ends - self.now <= _EPS:
            move, ended = self._running, self._ends
            if move.name != "SP":
                delta = np.array(move.steps, dtype=np.int64)
                self.steps += delta
                self.motor += self._full_steps(delta)
                if self._trace is not None:
                    self._trace.append(steps_to_xy(self.motor)[0])
            self._start_next(ended)

    def _full_steps(self, steps) -> np.ndarray:
        """Motor steps at the current microstepping, as 16x steps (8x steps are twice as long)."""
        return np.asarray(steps, dtype=np.int64) * 2 ** (max(self.modes[0], 1) - 1)

    def _finish_trace(self) -> None:
        if self._trace is not None:
            self.traces.append(np.array(self._trace))
            self._trace = None
            if self.on_trace is not None:
                self.on_trace(self.traces[-1])
