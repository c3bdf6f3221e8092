"""A machine profile: what a plotter is and how it wants to be spoken to, as frozen dataclasses.

One TOML file per machine (see ``builtin/grbl-servo.toml``). Top-level keys ``name``,
``description``, ``protocol`` (``gcode`` or ``ebb``) and ``kinematics`` (``cartesian`` or
``arm``), then tables:

* ``[bed]``: the drawable area and where the machine's (0, 0) is on it. A plan is placed with
  its page's top-left corner on the bed's top-left corner (as seen from above, the page upright);
  ``origin`` says which bed corner (or the centre) the machine calls (0, 0), ``x_direction`` /
  ``y_direction`` which way its axes grow. ``park_xy_mm`` is in machine coordinates.
* ``[motion]``: feeds (mm/min), acceleration, junction deviation.
* ``[pen]``: G-code lines that lift and lower the pen and the settle delays after them.
* ``[gcode]`` and ``[tool_change]`` (G-code machines only): dialect and pen changes.
* ``[ebb]`` (EiBotBoard machines such as the AxiDraw only): the pyaxidraw-style settings.
* ``[arm]`` (``kinematics = "arm"`` only): a 2-link arm, see :mod:`plotter.kinematics`.

Every key is checked: unknown keys, wrong types and missing required keys are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import schema
from .errors import ProfileError

if TYPE_CHECKING:
    from plotter.motion import MotionSettings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
#: G-code a profile may configure: printable ASCII without GRBL's realtime bytes ``? ! ~``,
#: which GRBL acts on wherever they appear, even inside a comment.
_GCODE_LINE = re.compile(r"^[ -~]+$")
_REALTIME = set("?!~")
#: The tables that only machines of one protocol have.
_PROTOCOL_SECTIONS = {"gcode": ("gcode", "tool_change"), "ebb": ("ebb",)}


def _positive(value: float) -> str | None:
    return None if value > 0 else "a positive number"


def _non_negative(value: float) -> str | None:
    return None if value >= 0 else "zero or a positive number"


def _percent(value: float) -> str | None:
    return None if 0 <= value <= 100 else "a percentage from 0 to 100"


def _name(value: str) -> str | None:
    return None if _NAME.match(value) else "a name of letters, digits, '_', '.', '-' (at most 40)"


def _decimals(value: int) -> str | None:
    return None if 0 <= value <= 6 else "an integer from 0 to 6"


def _line_chars(value: int) -> str | None:
    return None if 40 <= value <= 1024 else "an integer from 40 to 1024"


def _limits(value: tuple[float, float]) -> str | None:
    lo, hi = value
    return None if lo < hi <= lo + 360 else "[lo, hi] degrees with lo < hi <= lo + 360"


def _gcode_lines(lines: tuple[str, ...]) -> str | None:
    for line in lines:
        if not _GCODE_LINE.match(line) or _REALTIME & set(line):
            return f"G-code lines of printable ASCII without '?', '!' or '~' (bad line {line!r})"
    return None


def _check(function: Any) -> Any:
    return {"check": function}


@dataclass(frozen=True)
class Bed:
    """The drawable area (mm) and the machine's coordinate frame on it."""

    width_mm: float = field(metadata=_check(_positive))
    height_mm: float = field(metadata=_check(_positive))
    origin: Literal["bottom-left", "top-left", "bottom-right", "top-right", "center"] = "bottom-left"
    x_direction: Literal["right", "left"] = "right"
    y_direction: Literal["up", "down"] = "up"
    park_xy_mm: tuple[float, float] = (0.0, 0.0)  # where the pen waits: at the end, during a pen change


@dataclass(frozen=True)
class Motion:
    """Speeds the program asks for and the limits the time estimate assumes."""

    draw_feed_mm_min: float = field(metadata=_check(_positive))
    travel_feed_mm_min: float = field(metadata=_check(_positive))
    accel_mm_s2: float = field(metadata=_check(_positive))
    junction_deviation_mm: float = field(default=0.01, metadata=_check(_non_negative))
    z_rate_mm_min: float = field(default=600.0, metadata=_check(_positive))  # Z max rate ($112): G0 Z speed
    z_accel_mm_s2: float = field(default=100.0, metadata=_check(_positive))  # Z acceleration ($122)


@dataclass(frozen=True)
class PenLift:
    """How the pen goes up and down; each delay becomes a dwell after the lines."""

    up_lines: tuple[str, ...] = field(default=(), metadata=_check(_gcode_lines))
    down_lines: tuple[str, ...] = field(default=(), metadata=_check(_gcode_lines))
    up_delay_s: float = field(default=0.0, metadata=_check(_non_negative))
    down_delay_s: float = field(default=0.0, metadata=_check(_non_negative))

    def z_moves(self) -> tuple[_ZMove | None, _ZMove | None]:
        """The Z moves that lift and lower a Z-axis pen, ``(up, down)``; None for a servo pen."""
        return _z_move(self.up_lines), _z_move(self.down_lines)


@dataclass(frozen=True)
class _ZMove:
    z_mm: float
    feed_mm_min: float | None  # None: a G0 rapid at the Z max rate


_Z_WORD = re.compile(r"Z\s*(-?\d+(?:\.\d*)?)", re.IGNORECASE)
_F_WORD = re.compile(r"F\s*(\d+(?:\.\d*)?)", re.IGNORECASE)


def _z_move(lines: tuple[str, ...]) -> _ZMove | None:
    for line in reversed(lines):
        if z := _Z_WORD.search(line):
            feed = _F_WORD.search(line)
            rapid = re.match(r"\s*G0*0(?!\d)", line, re.IGNORECASE)
            return _ZMove(float(z.group(1)), None if rapid or not feed else float(feed.group(1)))
    return None


@dataclass(frozen=True)
class GcodeDialect:
    """The firmware's G-code habits (GRBL 1.1 defaults)."""

    decimals: int = field(default=3, metadata=_check(_decimals))
    line_ending: Literal["lf", "crlf"] = "lf"
    travel_with_g0: bool = True  # False: pen-up moves are G1 at the travel feed
    comment_style: Literal["parentheses", "semicolon"] = "parentheses"
    max_line_chars: int = field(default=80, metadata=_check(_line_chars))
    streaming: Literal["character-counting", "send-response"] = "character-counting"
    rx_buffer_bytes: int = field(default=128, metadata=_check(_positive))
    dwell_unit: Literal["s", "ms"] = "s"  # G4 P in seconds (GRBL) or milliseconds (Marlin)
    start_lines: tuple[str, ...] = field(default=(), metadata=_check(_gcode_lines))
    end_lines: tuple[str, ...] = field(default=(), metadata=_check(_gcode_lines))


@dataclass(frozen=True)
class ToolChange:
    """What happens between two layers (pens): park, then pause lines after a comment naming the pen."""

    pause_lines: tuple[str, ...] = field(default=("M0",), metadata=_check(_gcode_lines))
    park: bool = True


@dataclass(frozen=True)
class EbbSettings:
    """EiBotBoard (AxiDraw) settings, as pyaxidraw names them (percentages of the hardware's range)."""

    pen_pos_up_pct: float = field(default=60.0, metadata=_check(_percent))
    pen_pos_down_pct: float = field(default=30.0, metadata=_check(_percent))
    pen_rate_raise_pct: float = field(default=75.0, metadata=_check(_percent))
    pen_rate_lower_pct: float = field(default=50.0, metadata=_check(_percent))
    speed_pendown_pct: float = field(default=25.0, metadata=_check(_percent))
    speed_penup_pct: float = field(default=75.0, metadata=_check(_percent))
    accel_pct: float = field(default=75.0, metadata=_check(_percent))


@dataclass(frozen=True)
class ArmSettings:
    """A 2-link planar arm; ``base_xy_mm`` is in machine coordinates (after the bed's origin/axes)."""

    link1_mm: float = field(metadata=_check(_positive))
    link2_mm: float = field(metadata=_check(_positive))
    base_xy_mm: tuple[float, float]
    shoulder_limits_deg: tuple[float, float] = field(default=(-180.0, 180.0), metadata=_check(_limits))
    elbow_limits_deg: tuple[float, float] = field(default=(-180.0, 180.0), metadata=_check(_limits))
    elbow: Literal["up", "down"] = "up"
    tolerance_mm: float = field(default=0.05, metadata=_check(_positive))  # max pen-tip deviation from a line
    shoulder_axis: Literal["X", "Y", "Z", "A", "B", "C"] = "X"  # G-code axis word carrying the angle (deg)
    elbow_axis: Literal["X", "Y", "Z", "A", "B", "C"] = "Y"
    elbow_angle: Literal["relative", "absolute"] = "relative"  # relative to link 1, or from the +x axis


@dataclass(frozen=True)
class Machine:
    """One machine profile. Sections that do not apply to its protocol/kinematics are None."""

    name: str = field(metadata=_check(_name))
    bed: Bed
    motion: Motion
    description: str = ""
    protocol: Literal["gcode", "ebb"] = "gcode"
    kinematics: Literal["cartesian", "arm"] = "cartesian"
    pen: PenLift = PenLift()
    gcode: GcodeDialect | None = None
    tool_change: ToolChange | None = None
    ebb: EbbSettings | None = None
    arm: ArmSettings | None = None
    source: str = field(default="", compare=False, metadata={"toml": False})  # file it came from

    @classmethod
    def from_table(cls, table: dict[str, Any], source: str) -> Machine:
        """Build and cross-check a machine from a parsed TOML table (``source`` names it in errors)."""
        table = dict(table)
        protocol = table.get("protocol", "gcode")
        if protocol in _PROTOCOL_SECTIONS:  # otherwise schema.build names the bad value
            for owner, sections in _PROTOCOL_SECTIONS.items():
                for section in sections:
                    if owner == protocol:
                        table.setdefault(section, {})  # defaults apply; a file need not spell them out
                    elif section in table:
                        raise ProfileError(f"{source}: [{section}] does not apply to protocol = {protocol!r}")
        if table.get("kinematics") == "arm":
            table.setdefault("arm", {})  # so that a missing [arm] is reported as its first missing key
        elif "arm" in table:
            raise ProfileError(f'{source}: [arm] needs kinematics = "arm"')
        machine = schema.build(cls, table, source)
        machine._cross_check(source)
        return replace(machine, source=source)

    def _cross_check(self, source: str) -> None:
        if self.gcode is not None:
            if not (self.pen.up_lines and self.pen.down_lines):
                raise ProfileError(f"{source}: a G-code machine needs pen.up_lines and pen.down_lines")
            for key, lines in self._configured_lines():
                for line in lines:
                    if len(line) > self.gcode.max_line_chars:
                        raise ProfileError(
                            f"{source}: {key}: line {line!r} is longer than gcode.max_line_chars"
                            f" = {self.gcode.max_line_chars}"
                        )
        elif self.pen.up_lines or self.pen.down_lines:
            raise ProfileError(f"{source}: pen.up_lines/down_lines are G-code; protocol {self.protocol!r} has none")
        if self.arm is not None and self.arm.shoulder_axis == self.arm.elbow_axis:
            raise ProfileError(f"{source}: arm.shoulder_axis and arm.elbow_axis are both {self.arm.elbow_axis!r}")
        if self.arm is not None and self.gcode is not None and not self.gcode.travel_with_g0:
            # a pen-up joint move is no straight line, so no feed in mm/min describes it
            raise ProfileError(f"{source}: an arm travels with G0 joint moves: gcode.travel_with_g0 must be true")

    def _configured_lines(self) -> list[tuple[str, tuple[str, ...]]]:
        lines = [("pen.up_lines", self.pen.up_lines), ("pen.down_lines", self.pen.down_lines)]
        if self.gcode is not None:
            lines += [("gcode.start_lines", self.gcode.start_lines), ("gcode.end_lines", self.gcode.end_lines)]
        if self.tool_change is not None:
            lines.append(("tool_change.pause_lines", self.tool_change.pause_lines))
        return lines

    def to_toml(self) -> str:
        """The complete profile, every default spelt out, readable by :func:`load_machine`."""
        return schema.dump(self)

    def motion_settings(self, *, sync_after_stroke: bool = False) -> MotionSettings:
        """This machine's :class:`plotter.motion.MotionSettings`: feeds, acceleration, pen moves.

        A Z-axis pen becomes planned Z moves with the Z axis's own rate and acceleration, since
        GRBL blends them into the moves around them; a servo pen is only its dwells.
        ``sync_after_stroke``: the program is streamed by a plot job (:mod:`hardware.job`), which
        sends ``G4 P0`` after every stroke of a Z pen to learn that it is done.
        """
        from plotter.motion import MotionSettings  # lazily: listing profiles need not load the planner

        from .placement import to_plan_xy

        home, park = to_plan_xy(np.array([[0.0, 0.0], self.bed.park_xy_mm]), self.bed)
        settings = MotionSettings(
            draw_feed_mm_min=self.motion.draw_feed_mm_min,
            travel_feed_mm_min=self.motion.travel_feed_mm_min,
            accel_mm_s2=self.motion.accel_mm_s2,
            junction_deviation_mm=self.motion.junction_deviation_mm,
            pen_down_delay_s=self.pen.down_delay_s,
            pen_up_delay_s=self.pen.up_delay_s,
            rapid_travel=self.gcode is not None and self.gcode.travel_with_g0,
            start_xy_mm=(float(home[0]), float(home[1])),
            end_xy_mm=(float(park[0]), float(park[1])),
            sync_after_stroke=sync_after_stroke,
        )
        up, down = self.pen.z_moves()
        if up is None or down is None:
            return settings
        z_rate = self.motion.z_rate_mm_min
        return replace(
            settings,
            pen_z_mm=abs(up.z_mm - down.z_mm),
            pen_down_z_feed_mm_min=min(down.feed_mm_min or z_rate, z_rate),
            pen_up_z_feed_mm_min=min(up.feed_mm_min or z_rate, z_rate),
            z_accel_mm_s2=self.motion.z_accel_mm_s2,
        )


