"""GRBL 1.1 output lines → events: the pure half of talking to GRBL.

GRBL answers every line with ``ok`` or ``error:N`` and interleaves push messages (status
reports, ``[MSG:…]``, alarms, the banner) at any time. :func:`parse_line` routes one line of
output by its prefix into a small dataclass; :class:`StatusParser` adds the one piece of state
GRBL's reports need (WCO and overrides are only printed every 10–30 reports, so they are cached).
Nothing here touches a port or a clock.

>>> parse_line("error:22")
Error(code=22, meaning='undefined feed rate')
>>> StatusParser().parse("<Idle|MPos:1.000,2.000,0.000|FS:0,0|WCO:1.000,0.000,0.000>").wpos
(0.0, 2.0, 0.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from plotter.errors import PlotterError


class DeviceError(PlotterError):
    """The machine refused a line, raised an alarm, stopped answering or disappeared."""


#: GRBL 1.1 ``error:N`` meanings (doc/csv/error_codes_en_US.csv; 18 and 19 are unused).
ERROR_MEANINGS: dict[int, str] = {
    1: "expected command letter",
    2: "bad number format",
    3: "invalid $ statement",
    4: "negative value",
    5: "homing not enabled",
    6: "step pulse < 3 us",
    7: "EEPROM read failed, defaults restored",
    8: "$ command needs Idle",
    9: "G-code locked (alarm or jog)",
    10: "soft limits need homing",
    11: "line overflow (> 80 chars)",
    12: "step rate > 30 kHz",
    13: "safety door open",
    14: "build info / startup line too long for EEPROM",
    15: "jog target exceeds travel",
    16: "invalid jog command",
    17: "laser mode needs PWM",
    20: "unsupported G-code",
    21: "modal group violation",
    22: "undefined feed rate",
    23: "command needs integer value",
    24: "two commands using axis words in one block",
    25: "repeated word",
    26: "no axis words where required",
    27: "invalid line number",
    28: "missing required value word",
    29: "G59.x not supported",
    30: "G53 only with G0/G1",
    31: "axis words with no command using them",
    32: "arc needs in-plane axis word",
    33: "invalid motion target",
    34: "invalid arc radius",
    35: "arc needs in-plane offset word",
    36: "unused value words",
    37: "G43.1 not on tool-length axis",
    38: "tool number > max",
}

#: GRBL 1.1 ``ALARM:N`` meanings (doc/csv/alarm_codes_en_US.csv).
ALARM_MEANINGS: dict[int, str] = {
    1: "hard limit triggered",
    2: "soft limit: target beyond machine travel",
    3: "reset during motion, position lost",
    4: "probe fail: probe not in expected initial state",
    5: "probe fail: probe did not contact",
    6: "homing fail: reset during homing",
    7: "homing fail: safety door opened during homing",
    8: "homing fail: pull-off did not clear limit switch",
    9: "homing fail: limit switch not found",
    10: "homing fail: second dual-axis switch not found",
}

#: Realtime command bytes: sent without a newline, never counted in the RX buffer.
STATUS_QUERY = b"?"
FEED_HOLD = b"!"
CYCLE_START = b"~"
SOFT_RESET = b"\x18"


def error_meaning(code: int) -> str:
    return ERROR_MEANINGS.get(code, "unknown error")


def alarm_meaning(code: int) -> str:
    return ALARM_MEANINGS.get(code, "unknown alarm")


@dataclass(frozen=True)
class Ok:
    """The oldest unanswered line was parsed (and planned, for motion)."""


@dataclass(frozen=True)
class Error:
    """The oldest unanswered line was rejected and discarded."""

    code: int
    meaning: str


@dataclass(frozen=True)
class Alarm:
    """The machine stopped in an alarm; G-code is locked until reset / ``$X``."""

    code: int
    meaning: str


@dataclass(frozen=True)
class Banner:
    """GRBL (re)started: after power-up, DTR reset or 0x18. Everything in flight is lost."""

    version: str


@dataclass(frozen=True)
class Message:
    """``[MSG:text]`` feedback, e.g. ``Reset to continue`` or ``'$H'|'$X' to unlock``."""

    text: str


@dataclass(frozen=True)
class Feedback:
    """Any other ``[KIND:text]`` line: ``[GC:…]``, ``[VER:…]``, ``[OPT:…]``, ``[G54:…]``…"""

    kind: str
    text: str


@dataclass(frozen=True)
class Setting:
    """One ``$N=value`` line of a ``$$`` dump (or ``$Nx=line`` of ``$N``)."""

    key: str
    value: str


@dataclass(frozen=True)
class Status:
    """A ``<…>`` status report; positions are machine (``mpos``) and work (``wpos``) coordinates.

    Whichever of MPos / WPos the report lacks is derived from the cached WCO (``None`` until a
    WCO has been seen). ``buffer`` is ``(free planner blocks, free RX bytes)`` when ``$10`` asks.
    """

    state: str
    mpos: tuple[float, ...] | None
    wpos: tuple[float, ...] | None
    wco: tuple[float, ...] | None = None
    buffer: tuple[int, int] | None = None
    feed: float | None = None
    spindle: float | None = None
    line_number: int | None = None
    pins: str = ""
    overrides: tuple[int, ...] | None = None
    accessories: str = ""

    @property
    def substate(self) -> str:
        """``Hold:1`` → ``Hold`` and ``1``: the state name alone is :attr:`name`."""
        return self.state.partition(":")[2]

    @property
    def name(self) -> str:
        return self.state.partition(":")[0]


@dataclass(frozen=True)
class Unknown:
    """A line that fits no GRBL pattern (line noise, a different firmware): logged, never fatal."""

    text: str


Event = Ok | Error | Alarm | Banner | Message | Feedback | Setting | Status | Unknown

_BANNER = re.compile(r"^Grbl\s+(\S+)")
_FEEDBACK = re.compile(r"^\[([A-Z0-9.]+):(.*)\]$")
_SETTING = re.compile(r"^(\$N?\d+)=(.*)$")
_NUMBER = re.compile(r"^\d+$")


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(","))


def parse_status_fields(body: str) -> Status:
    """Fields of a ``<…>`` report, without WCO caching (see :class:`StatusParser`)."""
    state, *fields = body.split("|")
    values: dict[str, object] = {}
    for field in fields:
        key, _, text = field.partition(":")
        if key == "MPos":
            values["mpos"] = _floats(text)
        elif key == "WPos":
            values["wpos"] = _floats(text)
        elif key == "WCO":
            values["wco"] = _floats(text)
        elif key == "Bf":
            blocks, rx = text.split(",")
            values["buffer"] = (int(blocks), int(rx))
        elif key == "FS":
            feed, spindle = text.split(",")
            values["feed"], values["spindle"] = float(feed), float(spindle)
        elif key == "F":
            values["feed"] = float(text)
        elif key == "Ln":
            values["line_number"] = int(text)
        elif key == "Pn":
            values["pins"] = text
        elif key == "Ov":
            values["overrides"] = tuple(int(v) for v in text.split(","))
        elif key == "A":
            values["accessories"] = text
    return Status(state=state, mpos=values.pop("mpos", None), wpos=values.pop("wpos", None), **values)  # type: ignore[arg-type]


def parse_line(line: str) -> Event:
    """One line of GRBL output (without its ``\\r\\n``) → one event; never raises.

    Status reports come back exactly as printed (no WCO cache); use :class:`StatusParser`
    to fill in the missing coordinates.
    """
    text = line.strip()
    if text == "ok":
        return Ok()
    try:
        if text.startswith("error:") and _NUMBER.match(text[6:]):
            code = int(text[6:])
            return Error(code, error_meaning(code))
        if text.startswith("ALARM:") and _NUMBER.match(text[6:]):
            code = int(text[6:])
            return Alarm(code, alarm_meaning(code))
        if text.startswith("<") and text.endswith(">"):
            return parse_status_fields(text[1:-1])
    except ValueError:
        return Unknown(text)
    if m := _BANNER.match(text):
        return Banner(m.group(1))
    if m := _FEEDBACK.match(text):
        kind, body = m.groups()
        return Message(body) if kind == "MSG" else Feedback(kind, body)
    if m := _SETTING.match(text):
        return Setting(*m.groups())
    return Unknown(text)


class StatusParser:
    """:func:`parse_line` plus GRBL's reporting state: the last WCO and overrides seen.

    GRBL prints either MPos or WPos (``$10``), and WCO only every 10–30 reports or when it
    changes; this fills in the other position from the cached WCO. A banner clears nothing:
    GRBL keeps its offsets across a soft reset.
    """

    def __init__(self) -> None:
        self.wco: tuple[float, ...] | None = None
        self.overrides: tuple[int, ...] | None = None

    def parse(self, line: str) -> Event:
        event = parse_line(line)
        if not isinstance(event, Status):
            return event
        self.wco = event.wco or self.wco
        self.overrides = event.overrides or self.overrides
        mpos, wpos, wco = event.mpos, event.wpos, self.wco
        if wco is not None and mpos is None and wpos is not None:
            mpos = tuple(w + o for w, o in zip(wpos, wco, strict=True))
        elif wco is not None and wpos is None and mpos is not None:
            wpos = tuple(m - o for m, o in zip(mpos, wco, strict=True))
        return replace(event, mpos=mpos, wpos=wpos, wco=wco, overrides=self.overrides)
