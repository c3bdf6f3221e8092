"""EiBotBoard (AxiDraw) commands and replies: the pure half of talking to an EBB.

The EBB speaks ASCII over USB CDC serial: a command is ``NAME[,int...]`` ended by ``\\r``; it is
answered ``OK\\r\\n``, or by a line starting ``!`` (``!8 Err: Unknown command 'XX'``), and queries
answer a data line first (``QP`` → ``1`` then ``OK``; ``QM`` → ``QM,0,0,0,0`` alone). The
board mixes ``\\r\\n`` and ``\\n\\r``, so replies are split on either. Motion commands (``SM``,
``SP``, ``HM``) enter the board's motion FIFO; their ``OK`` means *queued*, not done — only
``QM`` says the motors are idle. This module formats commands, parses them (for the simulated
board) and parses replies; nothing here touches a port or a clock.

>>> sm(25, 80, -80)
'SM,25,80,-80'
>>> parse_reply("QM,0,0,0,0")
Data(text='QM,0,0,0,0')
>>> parse_motion("QM,1,1,0,0").busy
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Arity of every command we send or the simulator understands: (least, most) integer arguments.
ARITY: dict[str, tuple[int, int]] = {
    "EM": (1, 2),  # enable motors: 0 off, 1 = 16x ... 5 = full step
    "SM": (3, 3),  # stepper move: duration ms, steps motor 1, steps motor 2
    "SP": (1, 3),  # set pen: 1 up / 0 down, [delay ms, [port B pin]]
    "SC": (2, 2),  # stepper/servo configure: parameter, value
    "HM": (1, 3),  # home move: step rate, [position 1, position 2]
    "QP": (0, 0),  # query pen: 1 up, 0 down
    "QB": (0, 0),  # query button: 1 if pressed since the last QB
    "QM": (0, 0),  # query motion: command, motor 1, motor 2, FIFO busy flags
    "QS": (0, 0),  # query step position: steps 1, steps 2
    "V": (0, 0),  # firmware version
    "R": (0, 0),  # reset to power-on state
}
#: Commands that go through the motion FIFO: their OK means queued, not executed.
MOTION = frozenset({"SM", "SP", "HM"})
#: Reply lines each command gets: a data line before the OK, or a data line instead of it.
DATA_THEN_OK = frozenset({"QP", "QB", "QS"})
DATA_ONLY = frozenset({"QM", "V"})

#: SC parameters the AxiDraw uses: servo position pen up (4) / down (5), rates (10 both, 11 up, 12 down).
SC_PEN_UP, SC_PEN_DOWN, SC_RATE, SC_RATE_UP, SC_RATE_DOWN = 4, 5, 10, 11, 12

_COMMAND = re.compile(r"^([A-Za-z]{1,2})((?:,[^,]*)*)$")
_INT = re.compile(r"^\s*[+-]?\d+\s*$")
_FAULT = re.compile(r"^!\s*(\d+)?\s*(?:Err:)?\s*(.*)$")
_EOL = re.compile(rb"[\r\n]+")


class CommandError(ValueError):
    """A command line the EBB would refuse; ``code`` is the ``!N`` it answers with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[int, ...]


@dataclass(frozen=True)
class Ok:
    """The command was accepted (a motion command: queued in the FIFO)."""


@dataclass(frozen=True)
class Fault:
    """A ``!N Err: ...`` reply: the command was refused and nothing was done."""

    code: int | None
    message: str


@dataclass(frozen=True)
class Data:
    """A query's data line (``QM,...``, ``1``, a version string)."""

    text: str


@dataclass(frozen=True)
class MotionStatus:
    """``QM``'s flags: a command executing, each motor moving, the FIFO holding a command."""

    command: bool
    motor1: bool
    motor2: bool
    fifo: bool

    @property
    def busy(self) -> bool:
        return self.command or self.motor1 or self.motor2 or self.fifo


Reply = Ok | Fault | Data

# ------------------------------------------------------------------ formatting


def sm(duration_ms: int, steps1: int, steps2: int) -> str:
    """A constant-rate move of both motors over ``duration_ms`` (motor 1 = X+Y, motor 2 = X−Y)."""
    return f"SM,{int(duration_ms)},{int(steps1)},{int(steps2)}"


def sp(up: bool, delay_ms: int | None = None) -> str:
    """Pen up (servo to the ``SC,4`` position) or down (``SC,5``); ``delay_ms`` holds the FIFO after it."""
    return f"SP,{int(up)}" + (f",{int(delay_ms)}" if delay_ms is not None else "")


def sc(parameter: int, value: int) -> str:
    return f"SC,{int(parameter)},{int(value)}"


def em(mode1: int, mode2: int | None = None) -> str:
    """Enable motors: 1 = 16x microstepping ... 5 = full steps, 0 = off."""
    return f"EM,{int(mode1)}" + (f",{int(mode2)}" if mode2 is not None else "")


def hm(rate_steps_s: int) -> str:
    """Home move: back to where the motors were enabled, the faster motor at ``rate_steps_s``."""
    return f"HM,{int(rate_steps_s)}"


def encode(command: str) -> bytes:
    return (command + "\r").encode("ascii")


def command_seconds(command: str) -> float:
    """How long a command keeps the motion FIFO busy, as far as its text says (``HM``: unknown, 0)."""
    name, _, rest = command.partition(",")
    if name == "SM":
        return int(rest.split(",")[0]) / 1000.0
    if name == "SP" and rest.count(",") >= 1:
        return int(rest.split(",")[1]) / 1000.0
    return 0.0


# ------------------------------------------------------------------- parsing


def parse_command(text: str) -> Command:
    """One command line (without its ``\\r``) → :class:`Command`; raises :class:`CommandError`.

    Syntax only: the name must be known and its arguments integers in the right number.
    Range checks (step rates, durations) belong to the board: see :mod:`hardware.ebb_sim`.
    """
    match = _COMMAND.match(text.strip())
    name = match.group(1).upper() if match else text.strip()[:2].upper()
    if match is None or name not in ARITY:
        raise CommandError(8, f"Unknown command '{text.strip()[:16]}'")
    raw = [part for part in match.group(2).split(",")[1:]]
    least, most = ARITY[name]
    if not least <= len(raw) <= most:
        expected = f"{least}" if least == most else f"{least} to {most}"
        raise CommandError(1, f"{name} takes {expected} parameters, got {len(raw)}")
    for value in raw:
        if not _INT.match(value):
            raise CommandError(2, f"{name}: parameter {value.strip()!r} is not an integer")
    return Command(name, tuple(int(value) for value in raw))


def split_lines(data: bytes) -> tuple[list[str], bytes]:
    """Complete reply lines in ``data`` (``\\r\\n`` or ``\\n\\r``), and the unfinished rest."""
    last = max(data.rfind(b"\r"), data.rfind(b"\n"))
    if last < 0:
        return [], data
    done, rest = data[: last + 1], data[last + 1 :]
    lines = [piece.decode("ascii", "replace").strip() for piece in _EOL.split(done)]
    return [line for line in lines if line], rest


def parse_reply(line: str) -> Reply:
    """One reply line → :class:`Ok`, :class:`Fault` or :class:`Data`; never raises."""
    text = line.strip()
    if text == "OK":
        return Ok()
    if text.startswith("!"):
        match = _FAULT.match(text)
        code = match.group(1) if match else None
        return Fault(int(code) if code else None, (match.group(2) if match else text).strip())
    return Data(text)


def parse_motion(text: str) -> MotionStatus:
    """``QM,c,m1,m2[,fifo]`` → :class:`MotionStatus` (firmware before 2.4.4 has no FIFO flag)."""
    parts = text.strip().split(",")
    if parts[0] != "QM" or not 4 <= len(parts) <= 5 or not all(_INT.match(p) for p in parts[1:]):
        raise ValueError(f"not a QM reply: {text!r}")
    flags = [int(p) != 0 for p in parts[1:]] + [False]
    return MotionStatus(*flags[:4])


def parse_pen(text: str) -> bool:
    """``QP``'s data line → True when the pen is up."""
    if text.strip() not in ("0", "1"):
        raise ValueError(f"not a QP reply: {text!r}")
    return text.strip() == "1"
