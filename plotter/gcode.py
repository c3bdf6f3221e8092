"""A plan on a machine → a G-code program, one block of lines per stroke, marked for resuming.

The program, for a profile's dialect::

    (plotter: machine grbl-servo, strokes 2, pens 1)    preamble (stroke -1)
    G21 / G90 / pen up / start lines / G1 F<draw feed>
    (pen 1 of 1: black)                                  layer comment (-1)
    (stroke 0)                                           stroke 0: marker, travel, pen down,
    G0 X10.000 Y190.000                                  draw moves (the first carries F),
    M3 S30 / G4 P0.2 / G1 X40.000 Y190.000 F3000 / ...   pen up
    M5 / G4 P0.2
    ... between two pens: park, (change pen 2 of 2: red), M0 (-1)
    G0 X0.000 Y0.000 / end lines                         postamble (-1): park

Coordinates go through :mod:`plotter.machines.placement` (page top-left on the bed's
top-left, then the machine's origin and axis directions); a drawing off the bed is refused
unless ``fit``. On an arm every point goes through :mod:`plotter.kinematics`'s inverse kinematics,
lines are subdivided to stay straight, and the joint angles are written on the profile's axes
with a feed per move that keeps the pen at the draw feed. (``plotter`` importing ``hardware``
breaks the core's boundary; it is done lazily, for arm machines only.)

No text from a plan reaches the program except through :func:`sanitize_comment`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .atomic import atomic_write
from .geometry import flatten
from .kinematics import ReachError
from .machines.arm import angles_to_axis_values, arm_of
from .machines.errors import MachineError
from .machines.placement import check_on_bed, fit_to_bed, to_machine_xy, to_plan_xy
from .machines.profile import Machine, ToolChange
from .plan import Plan

#: What a comment may contain: no parentheses or ';' (they end or start comments), no '%', '$',
#: '*' (special to senders or Marlin checksums), and no '?', '!', '~' (GRBL acts on those
#: realtime bytes anywhere, comments included). Anything else becomes '_'.
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:#+=/-]")
_LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n"}


@dataclass(frozen=True)
class Program:
    """G-code lines, and for each the index of the stroke it draws (-1: preamble, pen change, end)."""

    lines: tuple[str, ...]
    stroke_of_line: tuple[int, ...]
    stroke_count: int
    line_ending: str = "\n"

    def text(self) -> str:
        return self.line_ending.join(self.lines) + self.line_ending


def write_program(program: Program, path: str | os.PathLike[str]) -> None:
    """Write the program's text atomically (bytes, so the line ending is exactly the dialect's)."""
    with atomic_write(path, "wb", encoding=None) as handle:
        handle.write(program.text().encode("ascii"))


def sanitize_comment(text: str, max_chars: int = 60) -> str:
    """``text`` made safe inside a G-code comment: ASCII letters, digits and ``_.,:#+=/-`` and spaces.

    Accents are dropped (``é`` → ``e``), whitespace runs (newlines included) become one space,
    anything else becomes ``_``, and the result is cut to ``max_chars`` (ending in ``...``).

    >>> sanitize_comment("x)\\nM3 S1000\\n(")
    'x_ M3 S1000 _'
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    safe = _UNSAFE.sub("_", " ".join(plain.split()))
    return safe if len(safe) <= max_chars else safe[: max(max_chars - 3, 0)] + "..."


def format_moves(
    values: np.ndarray, decimals: int, axes: tuple[str, str] = ("X", "Y"), feeds: np.ndarray | None = None
) -> list[str]:
    """Axis words ``"X1.500 Y-2.000"`` per row (plus ``" F…"`` with one decimal when ``feeds`` are given).

    Fixed decimals, never an exponent, never ``-0.000``. One ``%`` over the whole array is twice
    as fast as a format call per row.
    """
    rounded = np.round(np.asarray(values, dtype=np.float64).reshape(-1, 2), decimals) + 0.0  # -0.0 + 0.0 is 0.0
    template = f"{axes[0]}%.{decimals}f {axes[1]}%.{decimals}f"
    if feeds is not None:
        rounded = np.column_stack([rounded, np.round(feeds, 1) + 0.0])
        template += " F%.1f"
    if len(rounded) == 0:
        return []
    return ((template + "\n") * len(rounded) % tuple(rounded.ravel().tolist())).split("\n")[:-1]


def to_program(plan: Plan, machine: Machine, *, fit: bool = False) -> Program:
    """The G-code program that draws ``plan`` on ``machine``, strokes in plan order.

    ``fit`` scales and centres the drawing onto the bed (:func:`plotter.machines.fit_to_bed`);
    otherwise a drawing that leaves the bed is refused with the overflow per side.
    """
    if machine.gcode is None:
        raise MachineError(
            f"machine {machine.name!r} speaks {machine.protocol.upper()} (the AxiDraw's EiBotBoard protocol),"
            " not G-code: no G-code program can be made for it"
        )
    if fit:
        plan = fit_to_bed(plan, machine.bed)
    check_on_bed(plan, machine)
    return _Writer(machine).program(plan)


class _Writer:
    """The dialect's spelling of comments, dwells, moves and pen lifts for one machine."""

    def __init__(self, machine: Machine) -> None:
        self.machine, self.dialect = machine, machine.gcode
        self.tool_change = machine.tool_change or ToolChange()
        self.pen_up = (*machine.pen.up_lines, *self._dwell(machine.pen.up_delay_s))
        self.pen_down = (*machine.pen.down_lines, *self._dwell(machine.pen.down_delay_s))
        self.draw_feed = _feed(machine.motion.draw_feed_mm_min)
        self.arm = arm_of(machine) if machine.arm is not None else None

    def program(self, plan: Plan) -> Program:
        lines: list[str] = []
        owner: list[int] = []

        def emit(new: list[str] | tuple[str, ...], stroke: int = -1) -> None:
            lines.extend(new)
            owner.extend([stroke] * len(new))

        pens = [layer for layer in plan.layers if layer.paths]
        header = f"plotter: machine {self.machine.name}, strokes {plan.path_count}, pens {len(pens)}"
        emit([self.comment(header), "G21", "G90", *self.pen_up, *self.dialect.start_lines, f"G1 F{self.draw_feed}"])
        park = self.travel(self._park_words())
        strokes = self._stroke_words(plan)
        for number, layer in enumerate(pens, start=1):
            if number == 1:
                emit([self.comment(f"pen {number} of {len(pens)}: {layer.name}")])
            else:
                emit([park] if self.tool_change.park else [])
                emit([self.comment(f"change pen {number} of {len(pens)}: {layer.name}"), *self.tool_change.pause_lines])
            for _ in layer.paths:
                index, words, draws = next(strokes)
                emit([self.comment(f"stroke {index}"), self.travel(words), *self.pen_down, *draws, *self.pen_up], index)
        emit([park, *self.dialect.end_lines])
        ending = _LINE_ENDINGS[self.dialect.line_ending]
        return Program(tuple(lines), tuple(owner), plan.path_count, ending)

    # --- spelling ------------------------------------------------------------
    def comment(self, text: str) -> str:
        if self.dialect.comment_style == "parentheses":
            return f"({sanitize_comment(text, self.dialect.max_line_chars - 2)})"
        return f"; {sanitize_comment(text, self.dialect.max_line_chars - 2)}"

    def travel(self, words: str) -> str:
        if self.dialect.travel_with_g0:
            return f"G0 {words}"
        return f"G1 {words} F{_feed(self.machine.motion.travel_feed_mm_min)}"

    def _dwell(self, seconds: float) -> tuple[str, ...]:
        if seconds <= 0:
            return ()
        if self.dialect.dwell_unit == "ms":
            return (f"G4 P{seconds * 1000:.0f}",)
        return (f"G4 P{_trim(f'{seconds:.3f}')}",)

    # --- coordinates -----------------------------------------------------------
    def _park_words(self) -> str:
        park = np.array([self.machine.bed.park_xy_mm])
        if self.arm is None:
            corners = to_machine_xy(
                np.array([[0.0, 0.0], [self.machine.bed.width_mm, self.machine.bed.height_mm]]), self.machine.bed
            )
            if np.any(park < corners.min(axis=0) - 1e-9) or np.any(park > corners.max(axis=0) + 1e-9):
                raise MachineError(
                    f"{self.machine.source or self.machine.name}: bed.park_xy_mm {self.machine.bed.park_xy_mm}"
                    " lies outside the bed"
                )
            return format_moves(park, self.dialect.decimals)[0]
        try:
            angles = self.arm.inverse(park)
        except ReachError as exc:
            raise MachineError(f"{self.machine.name}: bed.park_xy_mm {tuple(park[0])} {exc.reason}") from exc
        return self._joint_words(angles, park)[0]

    def _stroke_words(self, plan: Plan) -> Iterator[tuple[int, str, list[str]]]:
        """Per stroke: its index, the travel target's axis words, and its G1 draw lines."""
        paths = [path for _, path in plan.iter_paths()]
        if self.arm is not None:
            for index, path in enumerate(paths):
                words = self._arm_stroke(index, to_machine_xy(path, self.machine.bed))
                yield index, words[0], [f"G1 {w}" for w in words[1:]]
            return
        decimals = self.dialect.decimals
        points, offsets = flatten(paths)
        xy = np.round(to_machine_xy(points, self.machine.bed), decimals)
        keep = _moves(xy)
        keep[offsets[:-1]] = True  # every stroke keeps its start, even on top of the last one's end
        words = format_moves(xy[keep], decimals)
        bounds = np.searchsorted(np.flatnonzero(keep), offsets).tolist()
        for index, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            draws = [f"G1 {w}" for w in words[start + 1 : stop]]
            if draws:
                draws[0] += f" F{self.draw_feed}"
            yield index, words[start], draws

    def _arm_stroke(self, index: int, xy: np.ndarray) -> list[str]:
        try:
            tips, angles = self.arm.interpolate_polyline(xy, self.machine.arm.tolerance_mm)
        except ReachError as exc:
            x, y = to_plan_xy(np.array([exc.point]), self.machine.bed)[0]
            raise MachineError(
                f"stroke {index}: plan point ({x:.3f}, {y:.3f}) mm is out of reach of {self.machine.name}: {exc.reason}"
            ) from exc
        return self._joint_words(angles, tips)

    def _joint_words(self, angles: np.ndarray, tips: np.ndarray) -> list[str]:
        """Axis words for joint angles; from the second on, a feed that moves the tip at the draw feed."""
        arm, decimals = self.machine.arm, self.dialect.decimals
        values = np.round(angles_to_axis_values(angles, self.machine), decimals)
        keep = _moves(values)
        values, tips = values[keep], tips[keep]
        joint_step = np.hypot(*np.diff(values, axis=0).T)
        tip_step = np.maximum(np.hypot(*np.diff(tips, axis=0).T), 1e-12)
        feeds = np.maximum(self.machine.motion.draw_feed_mm_min * joint_step / tip_step, 0.1)
        axes = (arm.shoulder_axis, arm.elbow_axis)
        return format_moves(values[:1], decimals, axes) + format_moves(values[1:], decimals, axes, feeds)


def _moves(rounded: np.ndarray) -> np.ndarray:
    """Mask of the rows that move: the first, and every one that differs from the row before it."""
    keep = np.ones(len(rounded), dtype=bool)
    keep[1:] = np.any(rounded[1:] != rounded[:-1], axis=1)
    return keep


def _feed(mm_min: float) -> str:
    return _trim(f"{max(mm_min, 0.1):.1f}")


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
