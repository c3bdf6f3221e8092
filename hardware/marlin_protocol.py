"""Marlin's host line protocol: numbered, checksummed lines out; ``ok``, ``Resend:``, keep-alives back.

Marlin has no character counting and no realtime bytes (beyond its emergency parser's
``M108`` / ``M410`` / ``M112``): a host sends a line, waits for its ``ok``, sends the next
(send-response, "ping-pong"). A line may carry a number and a checksum, ``N<n> <command>*<cs>``
with ``cs`` the XOR of every byte before ``*``; Marlin then checks that ``n`` is the last
number + 1 and the checksum matches, and otherwise answers ``Error:<why>, Last Line: <m>``,
``Resend: <m+1>``, ``ok`` — that ``ok`` only says "send again", it acknowledges nothing.
``M110 N<n>`` sets the last number. While a command blocks (``M400``, ``G4``, a full planner,
``M0``), Marlin's host keep-alive prints ``echo:busy: processing`` (``echo:busy: paused for
user`` in ``M0``) every 2 s. A board prints ``start`` when it boots (opening a USB port resets
most boards). Replies end ``\\n``.

>>> frame(7, "G1 X10 Y5")
'N7 G1 X10 Y5*26'
>>> parse_reply("Resend: 8")
Resend(line=8)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce

#: Marlin's command line buffer (``MAX_CMD_SIZE``): longer lines are cut.
MAX_CMD_SIZE = 96
#: ``DEFAULT_KEEPALIVE_INTERVAL``: seconds between ``busy:`` messages.
KEEPALIVE_S = 2.0
_RESEND = re.compile(r"^(?:Resend|rs)\s*:?\s*N?(\d+)", re.IGNORECASE)
_BUSY = re.compile(r"^(?:echo:)?\s*busy:\s*(.*)$")
_POSITION = re.compile(r"^X:(-?[\d.]+) Y:(-?[\d.]+) Z:(-?[\d.]+)")
_NUMBERED = re.compile(r"^N(\d+)\s*(.*)$")


def checksum(text: str) -> int:
    """XOR of the bytes of ``text`` (everything before the ``*``)."""
    return reduce(lambda a, b: a ^ b, text.encode("ascii"), 0)


def frame(number: int, command: str) -> str:
    """``N<number> <command>*<checksum>``, the form Marlin verifies."""
    body = f"N{number} {command}"
    return f"{body}*{checksum(body)}"


@dataclass(frozen=True)
class Unframed:
    """A received line taken apart: its number and checksum (None when absent) and the command."""

    number: int | None
    command: str
    checksum_ok: bool | None  # None: no checksum


def unframe(line: str) -> Unframed:
    """Split ``N<n> <command>*<cs>`` (either part optional) as Marlin's serial reader does."""
    line = line.strip()
    checksum_ok = None
    if "*" in line:
        body, _, given = line.partition("*")
        checksum_ok = given.strip().isdigit() and int(given) == checksum(body)
        line = body.strip()
    number = None
    if m := _NUMBERED.match(line):
        number, line = int(m.group(1)), m.group(2)
    return Unframed(number, line.strip(), checksum_ok)


# ----------------------------------------------------------------- replies
@dataclass(frozen=True)
class Ok:
    """``ok`` (``ok N<n> P<planner> B<buffer>`` with ADVANCED_OK, ``ok T:…`` after M105)."""

    text: str


@dataclass(frozen=True)
class Resend:
    """The board wants line ``line`` (and everything after it) again."""

    line: int


@dataclass(frozen=True)
class Busy:
    """A keep-alive: the board is working (``processing``) or waiting (``paused for user``)."""

    reason: str

    @property
    def paused(self) -> bool:
        return "paused" in self.reason


@dataclass(frozen=True)
class Error:
    """``Error:…``: a refused line (followed by ``Resend:``) or a fault such as a halt."""

    text: str

    @property
    def transmission(self) -> bool:
        """A line damaged or out of order on the way: Marlin asks for it again."""
        return any(word in self.text.lower() for word in ("checksum", "line number"))


@dataclass(frozen=True)
class Start:
    """``start``: the board (re)booted; everything in flight is lost."""


@dataclass(frozen=True)
class Position:
    """``M114``'s answer, mm."""

    x: float
    y: float
    z: float


@dataclass(frozen=True)
class Echo:
    """``echo:…`` information; ``unknown`` when Marlin ignored a command it does not know."""

    text: str

    @property
    def unknown_command(self) -> bool:
        return self.text.startswith("Unknown command")


@dataclass(frozen=True)
class Other:
    """Anything else: banners, line noise."""

    text: str


Reply = Ok | Resend | Busy | Error | Start | Position | Echo | Other


def parse_reply(line: str) -> Reply:
    """One line the board printed, routed by its prefix."""
    text = line.strip()
    if text == "ok" or text.startswith("ok "):
        return Ok(text)
    if m := _RESEND.match(text):
        return Resend(int(m.group(1)))
    if m := _BUSY.match(text):
        return Busy(m.group(1).strip())
    if text.startswith("Error:"):
        return Error(text[6:].strip())
    if text == "start":
        return Start()
    if m := _POSITION.match(text):
        return Position(*(float(v) for v in m.groups()))
    if text.startswith("echo:"):
        return Echo(text[5:].strip())
    return Other(text)
