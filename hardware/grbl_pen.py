"""What a simulated plotter's pen drew: pen-down rules, settle time, and the traces left on paper.

GRBL knows nothing of pens: a servo fork moves the pen on ``M3 S…`` / ``M5``, a Z-axis pen
follows Z. A ``pen_down(PenState) -> bool`` rule turns the machine state into "touching or
not"; :class:`PenRecorder` adds the time the pen takes to get there (XY motion before it has
settled draws late or drags, and is counted) and keeps the pen-down polylines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PenState:
    """What decides whether the pen touches the paper: the spindle (servo) command and Z."""

    spindle: str  # "M3", "M4" or "M5"
    speed: float  # S
    z: float  # machine Z, mm


def servo_pen(state: PenState) -> bool:
    """Servo-fork convention: ``M3 S<n>`` with n > 0 lowers the pen, ``M5`` or ``S0`` lifts it."""
    return state.spindle != "M5" and state.speed > 0


def z_pen(below_mm: float = 0.0) -> Callable[[PenState], bool]:
    """Z-axis pens: down while machine Z is below ``below_mm`` (judged at the end of each move)."""

    def pen_down(state: PenState) -> bool:
        return state.z < below_mm

    return pen_down


class PenRecorder:
    """The pen's physical state over time and the polylines it drew (machine XY, mm)."""

    def __init__(self, pen_down: Callable[[PenState], bool], settle_s: float) -> None:
        self.pen_down = pen_down
        self.settle_s = settle_s
        self.is_down = False
        self.settle_violations = 0
        self.switch_at: float | None = None  # when the pen reaches its commanded state
        self._commanded = False
        self._violated = False
        self._done: list[list[np.ndarray]] = []
        self._current: list[np.ndarray] | None = None
        self._resting = False  # the current trace is only the pen resting where the machine booted
        self.on_trace: Callable[[np.ndarray], None] | None = None  # told of each trace as the pen lifts off it

    def boot(self, state: PenState, xy: np.ndarray) -> None:
        """The machine's state at power-on, before any command.

        A Z pen at its pen-down height already rests on the paper: that is the operator's set-up,
        not a stroke, so lifting it from there leaves no trace; moving it sideways first does.
        """
        self.is_down = self._commanded = bool(self.pen_down(state))
        self._current = [xy.copy()] if self.is_down else None
        self._resting = self.is_down

    def command(self, state: PenState, now: float, xy: np.ndarray) -> None:
        """The machine state changed; start moving the pen if the rule now says otherwise."""
        want = bool(self.pen_down(state))
        if want == self._commanded:
            return
        self._commanded = want
        if self.settle_s <= 0:
            self._switch(xy)
        elif want == self.is_down:
            self.switch_at = None
        else:
            self.switch_at, self._violated = now + self.settle_s, False

    def moved(self, now: float, before: np.ndarray, after: np.ndarray, move_ended: bool) -> None:
        """XY went from ``before`` to ``after`` by ``now``; ``move_ended``: ``after`` is a vertex."""
        if self.switch_at is not None and not self._violated and np.any(before != after):
            self.settle_violations += 1
            self._violated = True
        if self.is_down and np.any(before != after):
            self._resting = False
        if move_ended and self.is_down:
            self._current.append(after.copy())
        if self.switch_at is not None and now >= self.switch_at - 1e-12:
            self._switch(after)

    def _switch(self, xy: np.ndarray) -> None:
        self.switch_at = None
        if self._commanded == self.is_down:
            return
        self.is_down = self._commanded
        if self.is_down:
            self._current = [xy.copy()]
        else:
            self._current.append(xy.copy())
            if not self._resting:
                self._done.append(self._current)
                if self.on_trace is not None:
                    self.on_trace(_without_repeats(self._current))
            self._current, self._resting = None, False

    @property
    def traces(self) -> list[np.ndarray]:
        """Pen-down polylines in drawing order, repeated points removed; a dot is one point."""
        return [_without_repeats(trace)
                for trace in [*self._done, *([self._current] if self._current and not self._resting else [])]]


def _without_repeats(trace: list[np.ndarray]) -> np.ndarray:
    points = np.array(trace)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    return points[keep]
