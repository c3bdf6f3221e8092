"""One G-code line → what GRBL 1.1 would do with it, or the ``error:N`` it would answer.

The pen-plotter subset of GRBL's parser (``gcode.c``): G0/G1 (X Y Z F), G4 P, G17, G20/G21,
G54, G90/G91, G92, G94, M0/M1/M2/M30, M3/M4 S, M5, F, S, T, N, comments and spaces. Like GRBL,
a line is checked whole before anything happens, so a rejected line changes nothing. Pure:
the simulator (:mod:`hardware.grbl_sim`) owns time, the planner and the machine state.

>>> block = parse_block("g1 x 20 (pen down) y10 f1000 ;eol", Modal(), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
>>> block.target, block.modal.feed_mm_min
((20.0, 10.0, 0.0), 1000.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

#: GRBL's line buffer: more significant characters than this → ``error:11``.
MAX_LINE_CHARS = 80
AXES = "XYZ"
_MM_PER_INCH = 25.4
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_COMMENT = re.compile(r"\([^)]*\)?|;.*")
#: modal group of each supported G / M number (two from one group in a line → error:21)
_G_GROUPS = {
    0: "motion",
    1: "motion",
    4: "nonmodal",
    92: "nonmodal",
    17: "plane",
    20: "units",
    21: "units",
    90: "distance",
    91: "distance",
    94: "feedmode",
    54: "wcs",
}
_M_GROUPS = {0: "flow", 1: "flow", 2: "flow", 30: "flow", 3: "spindle", 4: "spindle", 5: "spindle"}


class GcodeError(Exception):
    """GRBL would answer ``error:code``; the line is discarded."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Modal:
    """The parser state GRBL keeps between lines (what ``$G`` prints)."""

    motion: int = 0  # 0 rapid, 1 linear
    inches: bool = False
    incremental: bool = False
    feed_mm_min: float = 0.0
    spindle: str = "M5"  # M3, M4 or M5
    spindle_speed: float = 0.0
    tool: int = 0

    def report(self) -> str:
        """``$G`` line: ``[GC:G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0]``."""
        scale = _MM_PER_INCH if self.inches else 1.0
        return (
            f"[GC:G{self.motion} G54 G17 G{20 if self.inches else 21} G{91 if self.incremental else 90} G94 "
            f"{self.spindle} M9 T{self.tool} F{self.feed_mm_min / scale:g} S{self.spindle_speed:g}]"
        )

    def program_end(self) -> Modal:
        """M2/M30: GRBL's reset of modal state (motion G1, absolute, spindle off; feed kept)."""
        return replace(self, motion=1, incremental=False, spindle="M5")


@dataclass(frozen=True)
class Block:
    """What one accepted line asks for, in GRBL's execution order.

    ``target`` and ``wco`` are machine coordinates in mm (``None`` when the line does not move or
    set an offset); ``spindle_sync`` means the spindle (pen) state changes, which drains the planner.
    """

    modal: Modal
    spindle_sync: bool = False
    dwell_s: float | None = None
    wco: tuple[float, float, float] | None = None
    target: tuple[float, float, float] | None = None
    flow: str | None = None  # "pause" (M0), "end" (M2/M30)


def significant(line: str) -> str:
    """The characters GRBL keeps: comments and whitespace removed, upper case."""
    return "".join(_COMMENT.sub("", line).split()).upper()


def _words(text: str) -> list[tuple[str, float]]:
    words, i = [], 0
    while i < len(text):
        letter = text[i]
        if not ("A" <= letter <= "Z"):
            raise GcodeError(1)
        m = _NUMBER.match(text, i + 1)
        if not m:
            raise GcodeError(2)
        words.append((letter, float(m.group())))
        i = m.end()
    return words


def _command(value: float, table: dict[int, str]) -> int:
    number = int(value)
    if number not in table:
        raise GcodeError(20)
    if abs(value - number) > 1e-6:
        raise GcodeError(23)
    return number


def parse_block(
    line: str,
    modal: Modal,
    position: tuple[float, float, float],
    wco: tuple[float, float, float],
) -> Block:
    """Check and interpret one line given the parser state; raises :class:`GcodeError`.

    ``position`` is the parser's machine position (end of the last planned move), ``wco`` the
    work offset (MPos − WPos).
    """
    text = significant(line)
    if len(text) > MAX_LINE_CHARS:
        raise GcodeError(11)
    g_codes: dict[str, int] = {}
    m_codes: dict[str, int] = {}
    values: dict[str, float] = {}
    for letter, value in _words(text):
        if letter in "GM":
            table = _G_GROUPS if letter == "G" else _M_GROUPS
            number = _command(value, table)
            seen = g_codes if letter == "G" else m_codes
            if table[number] in seen:
                raise GcodeError(21)
            seen[table[number]] = number
        elif letter in "XYZFSPTN":
            if letter in values:
                raise GcodeError(25)
            if letter in "FSPTN" and value < 0:
                raise GcodeError(4)
            values[letter] = value
        else:
            raise GcodeError(20)
    if values.get("N", 0) > 9_999_999:
        raise GcodeError(27)

    new = modal
    if "units" in g_codes:
        new = replace(new, inches=g_codes["units"] == 20)
    if "distance" in g_codes:
        new = replace(new, incremental=g_codes["distance"] == 91)
    if "motion" in g_codes:
        new = replace(new, motion=g_codes["motion"])
    scale = _MM_PER_INCH if new.inches else 1.0
    if "F" in values:
        new = replace(new, feed_mm_min=values["F"] * scale)
    if "T" in values:
        new = replace(new, tool=int(values["T"]))
    if "S" in values:
        new = replace(new, spindle_speed=values["S"])
    if "spindle" in m_codes:
        new = replace(new, spindle=f"M{m_codes['spindle']}")
    spindle_sync = "spindle" in m_codes or (new.spindle != "M5" and new.spindle_speed != modal.spindle_speed)

    axis_words = {a: values[a] * scale for a in AXES if a in values}
    nonmodal = g_codes.get("nonmodal")
    dwell = None
    if nonmodal == 4:
        if "P" not in values:
            raise GcodeError(28)
        dwell = values["P"]
    elif "P" in values:
        raise GcodeError(36)
    if nonmodal == 92 and "motion" in g_codes and axis_words:
        raise GcodeError(24)

    new_wco = target = None
    if nonmodal == 92:
        if not axis_words:
            raise GcodeError(26)
        new_wco = tuple(position[i] - axis_words[a] if a in axis_words else wco[i] for i, a in enumerate(AXES))
    elif axis_words:
        if new.motion == 1 and new.feed_mm_min <= 0:
            raise GcodeError(22)
        target = tuple(
            (position[i] + axis_words[a] if new.incremental else axis_words[a] + wco[i])
            if a in axis_words
            else position[i]
            for i, a in enumerate(AXES)
        )
    flow = {0: "pause", 2: "end", 30: "end"}.get(m_codes.get("flow", -1))
    if flow == "end":
        new = new.program_end()
        spindle_sync = spindle_sync or modal.spindle != "M5"
    return Block(modal=new, spindle_sync=spindle_sync, dwell_s=dwell, wco=new_wco, target=target, flow=flow)
