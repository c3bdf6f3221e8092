"""A simulated GRBL 1.1h controller: bytes in, bytes out, motion in virtual time.

The device a streamer is tested against, faithful where streaming goes wrong: a 128-byte RX
buffer that silently drops what does not fit; lines leave it only when GRBL's main loop takes
them, which stalls while the 15-block planner is full or a sync command (M3/M5, G4, ``$``,
M0/M2) waits for the planner to drain; realtime bytes (``?``, ``!``, ``~``, 0x18, ≥ 0x80)
picked out anywhere and never counted; alarms, soft limits that lock the device until reset,
check mode, and an acceleration-limited planner (:mod:`hardware.grbl_planner`) that makes the
simulated time match ``plotter stats``.

It is a protocol object, like pyserial's: :meth:`GrblSim.feed` takes what the host sends,
:meth:`GrblSim.read` returns what it answered, :meth:`GrblSim.advance` moves its clock. Nothing
sleeps. It records what the pen drew (:attr:`GrblSim.traces`), judged by a ``pen_down(PenState)``
rule (:mod:`hardware.grbl_pen`): :func:`servo_pen` (M3/M4 with S > 0) by default, :func:`z_pen` for
Z-axis pens.

Simplifications: ``$`` commands wait for the planner to drain (real GRBL answers ``error:8`` to
most of them while moving); ``$H`` teleports to the home position after the time homing takes;
override bytes (0x90–0xA1) and the safety door are accepted and ignored; no arcs, probing or jog.

>>> sim = GrblSim()
>>> sim.feed(b"G21\\n?")
>>> sim.read().decode().split()[:5]
['Grbl', '1.1h', "['$'", 'for', 'help]']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping

import numpy as np

from .grbl_interpreter import MAX_LINE_CHARS, GcodeError, Modal, parse_block, significant
from .grbl_pen import PenRecorder, PenState, servo_pen
from .grbl_planner import Planner
from .grbl_settings import dump, merged, store, store_error

BANNER = "Grbl 1.1h ['$' for help]"
RX_BUFFER_BYTES = 128
PLANNER_BLOCKS = 15
_REALTIME = frozenset(b"?!~\x18") | frozenset(range(0x80, 0x100))
_REALTIME_SPLIT = re.compile(rb"([?!~\x18\x80-\xff])")
_EOL = re.compile(rb"[\r\n]")
_SETTING = re.compile(r"(\d+)=(.*)")
_VALUE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_HELP = "[HLP:$$ $# $G $I $N $x=val $Nx=line $J=line $SLP $C $X $H ~ ! ? ctrl-x]"
Wait = Callable[[], bool] | float


class GrblSim:
    """One simulated GRBL 1.1h board; see the module docstring.

    ``settings`` override the ``$N`` defaults; ``pen_settle_s`` is how long the pen takes to
    touch or leave the paper after its command: XY motion in that window draws late (or drags)
    and is counted in :attr:`settle_violations`.
    """

    def __init__(
        self,
        settings: Mapping[int, float] | None = None,
        *,
        pen_down: Callable[[PenState], bool] = servo_pen,
        pen_settle_s: float = 0.0,
    ) -> None:
        self.settings = merged(settings)
        self.pen = PenRecorder(pen_down, pen_settle_s)
        self.now = 0.0
        self.dropped_bytes = 0
        self.max_unanswered_bytes = 0
        self.planner = Planner(PLANNER_BLOCKS, np.zeros(3))
        self.pen.boot(PenState("M5", 0.0, 0.0), np.zeros(2))
        self._out = bytearray()
        self._lost_replies = 0
        self._wco = (0.0, 0.0, 0.0)
        self._alarm = False
        self._startup_lines = ["", ""]
        self._restart(alarm=False)

    # ----------------------------------------------------------------- host side
    def feed(self, data: bytes) -> None:
        """Bytes arriving from the host, in order; realtime bytes act at once, the rest queue in RX."""
        for piece in _REALTIME_SPLIT.split(bytes(data)):
            if len(piece) == 1 and piece[0] in _REALTIME:
                self._realtime(piece[0])
            elif piece:
                self._receive(piece)

    def read(self) -> bytes:
        """Everything the device has printed since the last read."""
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
        return self.now - start

    def next_event_s(self) -> float | None:
        """Seconds until the device changes by itself (a move ends, a dwell or the pen settles)."""
        times = [self.planner.time_to_event()]
        if isinstance(self._wait, float):
            times.append(self._wait - self.now)
        if self.pen.switch_at is not None:
            times.append(self.pen.switch_at - self.now)
        times = [max(t, 0.0) for t in times if t is not None]
        return min(times) if times else None

    def run_until_idle(self, limit_s: float = 86_400.0) -> float:
        """Run until nothing is left to do (or only the host can unblock it, e.g. a hold)."""
        start = self.now
        self._pump()
        while not self.idle and (step := self.next_event_s()) is not None and self.now - start < limit_s:
            self.advance(min(step, limit_s - (self.now - start)))
        return self.now - start

    # ----------------------------------------------------------- fault injection
    def lose_replies(self, count: int = 1) -> None:
        """Swallow the next ``count`` ok/error replies (a reply that never comes)."""
        self._lost_replies += count

    def inject(self, raw: bytes) -> None:
        """Print raw bytes (line noise, a foreign firmware) as if the device had sent them."""
        self._out += raw

    # -------------------------------------------------------------------- state
    @property
    def state(self) -> str:
        """GRBL's state name as in a status report: Idle, Run, Hold:0/1, Alarm, Check, Home."""
        if self._alarm:
            return "Alarm"
        if self._homing:
            return "Home"
        if self._check:
            return "Check"
        if self._hold:
            return "Hold:0" if self.planner.stopped else "Hold:1"
        return "Run" if self.planner.moves else "Idle"

    @property
    def idle(self) -> bool:
        return (
            self.state == "Idle"
            and self._wait == self._line_ready
            and not self._line_ready()
            and self.pen.switch_at is None
        )

    @property
    def elapsed_s(self) -> float:
        return self.now

    @property
    def position(self) -> np.ndarray:
        """Machine position (MPos), mm."""
        return self.planner.position.copy()

    @property
    def work_position(self) -> np.ndarray:
        return self.planner.position - np.array(self._wco)

    @property
    def pen_is_down(self) -> bool:
        """Whether the pen touches the paper now (after its settle time)."""
        return self.pen.is_down

    @property
    def settle_violations(self) -> int:
        """Times XY moved while the pen was still travelling to its commanded state."""
        return self.pen.settle_violations

    @property
    def rx_free(self) -> int:
        """Free RX bytes; a partial line is in GRBL's line buffer, not RX, while the main loop waits for it."""
        return RX_BUFFER_BYTES - (0 if self._wait == self._line_ready else len(self._rx))

    @property
    def traces(self) -> list[np.ndarray]:
        """Pen-down polylines in machine XY (mm), in drawing order; a dot is a one-point polyline."""
        return self.pen.traces

    # ------------------------------------------------------------ byte handling
    def _receive(self, data: bytes) -> None:
        while data:
            eol = _EOL.search(data)
            cut = eol.end() if eol else len(data)
            chunk, data = data[:cut], data[cut:]
            # A main loop waiting for a line pulls bytes out of RX as fast as they come.
            accepted = chunk if self._wait == self._line_ready else chunk[: RX_BUFFER_BYTES - len(self._rx)]
            self.dropped_bytes += len(chunk) - len(accepted)
            self._rx += accepted
            self._unanswered += len(accepted)
            self.max_unanswered_bytes = max(self.max_unanswered_bytes, self._unanswered)
            self._pump()

    def _realtime(self, byte: int) -> None:
        if byte == 0x18:
            self._soft_reset()
        elif self._locked:
            return
        elif byte == ord("?"):
            self._emit(self._status_line())
        elif byte == ord("!") and not (self._alarm or self._check):
            self._hold = self.planner.holding = True
        elif byte == ord("~") and self._hold and self.planner.stopped:
            self._hold = self.planner.holding = False
        self._pump()

    def _emit(self, text: str) -> None:
        self._out += text.encode("ascii") + b"\r\n"

    def _answer(self, reply: str) -> None:
        self._unanswered -= self._line_length
        if self._lost_replies:
            self._lost_replies -= 1
        else:
            self._emit(reply)

    # ------------------------------------------------------- reset and restart
    def _soft_reset(self) -> None:
        if self._late_ok:
            self._answer("ok")
        if self._homing:
            self._emit("ALARM:6")
            self._alarm = True
        elif not self.planner.stopped:
            self._emit("ALARM:3")
            self._alarm = True
        self._restart(alarm=self._alarm)

    def _restart(self, *, alarm: bool) -> None:
        """Power-up or soft reset: buffers flushed, parser reset, position and offsets kept."""
        self._rx = bytearray()
        self._unanswered = self._line_length = 0
        self.planner.clear()
        self._hold = self.planner.holding = False
        self._check = self._homing = self._locked = self._late_ok = self._reset_requested = False
        self.modal = Modal()
        self._gc_position = tuple(self.planner.position)
        self._spindle = ("M5", 0.0)
        self._update_pen()
        self._wco_counter = self._ovr_counter = 0
        self._emit("")
        self._emit(BANNER)
        self._alarm = bool(alarm or self.settings[22])
        if self._alarm:
            self._emit("[MSG:'$H'|'$X' to unlock]")
        self._main = self._main_loop()
        self._wait: Wait = next(self._main)

    # ---------------------------------------------------------------- main loop
    def _pump(self) -> None:
        """Run GRBL's main loop until it waits for something that has not happened yet."""
        while True:
            if self._reset_requested:
                self._restart(alarm=self._alarm)
            wait = self._wait
            if not (self.now >= wait - 1e-12 if isinstance(wait, float) else wait()):
                return
            self._wait = self._main.send(None)

    def _line_ready(self) -> bool:
        return _EOL.search(self._rx) is not None

    def _drained(self) -> bool:
        return not self.planner.moves

    def _planner_room(self) -> bool:
        return self.planner.free() > 0

    def _never(self) -> bool:
        return False

    def _main_loop(self) -> Generator[Wait, None, None]:
        while True:
            yield self._line_ready
            cut = _EOL.search(self._rx).end()
            raw = bytes(self._rx[:cut])
            del self._rx[:cut]
            self._line_length = len(raw)
            reply = yield from self._execute(raw[:-1].decode("latin-1"))
            self._answer(reply)

    def _execute(self, text: str) -> Generator[Wait, None, str]:
        line = significant(text)
        if len(line) > MAX_LINE_CHARS:
            return "error:11"
        if not line:
            return "ok"
        if line.startswith("$"):
            return (yield from self._system(line[1:]))
        if self._alarm:
            return "error:9"
        try:
            block = parse_block(line, self.modal, self._gc_position, self._wco)
        except GcodeError as e:
            return f"error:{e.code}"
        self.modal = block.modal
        if self._check:
            self._gc_position = block.target or self._gc_position
            self._wco = block.wco or self._wco
            return "ok"
        if block.target and self.settings[20] and self._beyond_travel(block.target):
            yield from self._soft_limit()
        if block.spindle_sync:
            yield self._drained
            self._spindle = (self.modal.spindle, self.modal.spindle_speed)
            self._update_pen()
        if block.dwell_s is not None:
            yield self._drained
            yield self.now + block.dwell_s
        if block.wco:
            yield self._drained
            self._wco, self._wco_counter = block.wco, 0
        if block.target:
            yield self._planner_room
            s = self.settings
            feed = None if self.modal.motion == 0 else self.modal.feed_mm_min / 60.0
            rates = np.array([s[110], s[111], s[112]]) / 60.0
            accel = np.array([s[120], s[121], s[122]])
            self.planner.add(np.array(block.target), feed, rates, accel, s[11])
            self._gc_position = block.target
        if block.flow == "pause":
            yield self._drained
            self._hold = self.planner.holding = True
            yield lambda: not self._hold
        elif block.flow == "end":
            yield self._drained
            self._emit("[MSG:Pgm End]")
        return "ok"

    def _beyond_travel(self, target: tuple[float, ...]) -> bool:
        travel = [self.settings[130 + i] for i in range(3)]
        return any(t > 1e-6 or t < -m - 1e-6 for t, m in zip(target, travel, strict=True))

    def _soft_limit(self) -> Generator[Wait, None, None]:
        """ALARM:2: stop under control, then answer nothing, not even ``?``, until 0x18."""
        if not self.planner.stopped:
            self._hold = self.planner.holding = True
            yield lambda: self.planner.stopped
        self.planner.clear()
        self._hold = self.planner.holding = False
        self._alarm = True
        self._spindle = ("M5", 0.0)
        self._update_pen()
        self._emit("ALARM:2")
        self._emit("[MSG:Reset to continue]")
        self._locked = self._late_ok = True
        while True:
            yield self._never

    def _system(self, body: str) -> Generator[Wait, None, str]:
        if body == "":
            self._emit(_HELP)
            return "ok"
        if self._hold:
            return "error:8"
        yield self._drained
        if body == "$":
            for line in dump(self.settings):
                self._emit(line)
        elif body == "G":
            self._emit(self.modal.report())
        elif body == "I":
            self._emit("[VER:1.1h.20190830:]")
            self._emit(f"[OPT:V,{PLANNER_BLOCKS},{RX_BUFFER_BYTES}]")
        elif body == "N":
            for i, line in enumerate(self._startup_lines):
                self._emit(f"$N{i}={line}")
        elif body == "#":
            wco = ",".join(f"{v:.3f}" for v in self._wco)
            for name in ("G54", "G55", "G56", "G57", "G58", "G59", "G28", "G30"):
                self._emit(f"[{name}:0.000,0.000,0.000]")
            self._emit(f"[G92:{wco}]")
            self._emit("[TLO:0.000]")
            self._emit("[PRB:0.000,0.000,0.000:0]")
        elif body == "X":
            if self._alarm:
                self._emit("[MSG:Caution: Unlocked]")
                self._alarm = False
        elif body == "C":
            if self._check:
                self._emit("[MSG:Disabled]")
                self._reset_requested = True
            elif self._alarm:
                return "error:8"
            else:
                self._check = True
                self._emit("[MSG:Enabled]")
        elif body == "H":
            return (yield from self._home())
        elif m := re.fullmatch(r"N([01])=(.*)", body):
            self._startup_lines[int(m.group(1))] = m.group(2)
        elif m := _SETTING.fullmatch(body):
            if not _VALUE.fullmatch(m.group(2)):
                return "error:2"
            key, value = int(m.group(1)), float(m.group(2))
            if (code := store_error(self.settings, key, value)) is not None:
                return f"error:{code}"
            store(self.settings, key, value)
        else:
            return "error:3" if body[:1].isdigit() or body[:1] in "$GCXIN#H" else "error:2"
        return "ok"

    def _home(self) -> Generator[Wait, None, str]:
        """``$H``: seek to the switches at the positive ends, pull off; position becomes −pull-off."""
        if not self.settings[22]:
            return "error:5"
        self._homing = True
        pull_off = self.settings[27]
        seek = np.max(np.abs(self.planner.position)) / (self.settings[25] / 60.0)
        yield self.now + seek + 2.0 * pull_off / (self.settings[24] / 60.0)
        self.planner.position = np.full(3, -pull_off)
        self._gc_position = tuple(self.planner.position)
        self._homing = self._alarm = False
        return "ok"

    # ------------------------------------------------------------ time and pen
    def _step(self, dt: float) -> None:
        before = self.planner.position[:2].copy()
        finished = self.planner.step(dt)
        self.now += dt
        self.pen.moved(self.now, before, self.planner.position[:2], finished is not None)
        if finished is not None:
            self._update_pen()

    def _update_pen(self) -> None:
        spindle, speed = self._spindle
        state = PenState(spindle, speed, float(self.planner.position[2]))
        self.pen.command(state, self.now, self.planner.position[:2])

    def _status_line(self) -> str:
        state, mode = self.state, int(self.settings[10])
        pos = self.planner.position if mode & 1 else self.planner.position - np.array(self._wco)
        parts = [state, f"{'MPos' if mode & 1 else 'WPos'}:{_coords(pos)}"]
        if mode & 2:
            parts.append(f"Bf:{self.planner.free()},{self.rx_free}")
        spindle_on = self._spindle[0] != "M5"
        parts.append(f"FS:{self.planner.speed * 60.0:.0f},{self._spindle[1] if spindle_on else 0:.0f}")
        busy = state.split(":")[0] in ("Run", "Hold", "Home")
        if self._wco_counter > 0:
            self._wco_counter -= 1
        else:
            self._wco_counter = 29 if busy else 9
            self._ovr_counter = self._ovr_counter or 1
            parts.append(f"WCO:{_coords(self._wco)}")
        if self._ovr_counter > 0:
            self._ovr_counter -= 1
        else:
            self._ovr_counter = 19 if busy else 9
            parts.append("Ov:100,100,100")
            if spindle_on:
                parts.append("A:S" if self._spindle[0] == "M3" else "A:C")
        return "<" + "|".join(parts) + ">"


def _coords(values) -> str:
    """``1.000,-2.500,0.000``; adding 0.0 after rounding turns -0.0 into 0.0 as GRBL prints it."""
    return ",".join(f"{v:.3f}" for v in np.round(np.asarray(values, dtype=float), 3) + 0.0)
