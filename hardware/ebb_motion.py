"""AxiDraw motion maths: polylines in mm → timed ``SM`` moves, pen servo settings and delays.

The EiBotBoard does no planning: it runs each ``SM,<ms>,<steps1>,<steps2>`` at a constant step
rate, so the host (pyaxidraw, and this module) plans acceleration and splits every trapezoid
into short constant-rate slices (pyaxidraw's 25 ms ``TimeSlice``). The AxiDraw's belts are
CoreXY-like: motor 1 turns with X+Y and motor 2 with X−Y. At 16x microstepping (``EM,1,1``)
pyaxidraw's ``step_scale`` is 2 × 1016 = 2032 steps per inch of X±Y, i.e. **80 steps per mm**:

    steps1 = round(80 · (x + y)),  steps2 = round(80 · (x − y))      (x, y in mm, y down)

Step targets are rounded from absolute positions, so rounding never accumulates: every vertex
lands on its own nearest step, whatever came before. Speeds follow pyaxidraw: 100 % pen-down
speed is ``speed_lim_xy_hr`` = 8.6979 in/s (220.9 mm/s, where one motor reaches the EBB's 25 kHz
on a diagonal), acceleration 100 % = 40 in/s² (1016 mm/s²); corners are slowed by junction
deviation as in :mod:`plotter.motion`. Servo positions, rates and the time the pen takes to
move are pyaxidraw's (``axidraw_conf.py``, ``pen_handling.PenLiftTiming``).

Pure functions of numbers and arrays: no port, no clock (compare plotink's ``ebb_calc``).

>>> xy_to_steps([[1.0, 0.5]]).tolist()
[[120, 40]]
>>> EbbMotion.from_percentages().raise_ms, EbbMotion.from_percentages().lower_ms
(130, 146)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from plotter.geometry import flatten

from . import ebb_protocol as ebb

MM_PER_INCH = 25.4
#: Steps per inch of X±Y at 16x microstepping (pyaxidraw: 2 × native_res_factor 1016).
STEPS_PER_INCH = 2032.0
STEPS_PER_MM = STEPS_PER_INCH / MM_PER_INCH  # exactly 80
MAX_STEP_RATE = 25_000  # steps/s per motor: the EBB's step interrupt runs at 25 kHz
SPEED_LIMIT_MM_S = 8.6979 * MM_PER_INCH  # pyaxidraw speed_lim_xy_hr: 100 % speed
ACCEL_LIMIT_MM_S2 = 40.0 * MM_PER_INCH  # pyaxidraw accel_rate: 100 % acceleration
SLICE_MS = 25  # pyaxidraw's TimeSlice: longest constant-rate piece of a trapezoid
SERVO_MIN, SERVO_MAX = 9855, 27831  # 0 % and 100 % servo positions, in 83.3 ns units
SERVO_SWEEP_MS = 200.0  # control signal sweeps 0-100 % in this time at 100 % rate
SERVO_MOVE_MIN_MS, SERVO_MOVE_SLOPE_MS = 45.0, 2.69  # physical pen travel: min + slope per %
HOME_RATE_STEPS_S = 4000  # HM rate used to bring the carriage home before a (resumed) plot
_STRAIGHT_COS = 0.999999


def xy_to_steps(xy: np.ndarray, steps_per_mm: float = STEPS_PER_MM) -> np.ndarray:
    """Absolute motor positions ``(N, 2)`` int64 of points ``(N, 2)`` mm: (X+Y, X−Y) in steps."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    mixed = np.stack([xy[:, 0] + xy[:, 1], xy[:, 0] - xy[:, 1]], axis=1)
    return np.rint(mixed * steps_per_mm).astype(np.int64)


def steps_to_xy(steps: np.ndarray, steps_per_mm: float = STEPS_PER_MM) -> np.ndarray:
    """Points ``(N, 2)`` mm of motor positions ``(N, 2)``: the inverse of :func:`xy_to_steps`."""
    steps = np.asarray(steps, dtype=np.float64).reshape(-1, 2)
    return np.stack([steps[:, 0] + steps[:, 1], steps[:, 0] - steps[:, 1]], axis=1) / (2.0 * steps_per_mm)


def servo_position(percent: float) -> int:
    """pyaxidraw's pen height % → servo pulse width in 83.3 ns units (``SC,4`` / ``SC,5`` value)."""
    return int(round(SERVO_MIN + (SERVO_MAX - SERVO_MIN) * percent / 100.0))


def servo_rate(percent: float) -> int:
    """pyaxidraw's pen raise/lower rate % → ``SC,11`` / ``SC,12`` value (units per 24 ms servo frame)."""
    return max(1, int(round((SERVO_MAX - SERVO_MIN) * 0.24 / SERVO_SWEEP_MS * max(percent, 1.0))))


def pen_move_ms(up_pct: float, down_pct: float, rate_pct: float, extra_ms: float = 0.0) -> int:
    """How long the pen takes to travel between its heights (pyaxidraw's ``PenLiftTiming``), plus ``extra_ms``.

    A 4th-power blend of the physical servo transit (``45 ms + 2.69 ms/%``) and the control
    signal's sweep at ``rate_pct``; no travel (heights within 0.9 %) takes no time.
    """
    distance = abs(up_pct - down_pct)
    if distance < 0.9:
        return max(0, int(round(extra_ms)))
    transit = SERVO_MOVE_SLOPE_MS * distance + SERVO_MOVE_MIN_MS
    sweep = SERVO_SWEEP_MS * distance / max(rate_pct, 1.0)
    return max(0, int((transit**4 + sweep**4) ** 0.25) + int(round(extra_ms)))


@dataclass(frozen=True)
class EbbMotion:
    """Everything the planner needs: speeds, acceleration, cornering, servo settings and delays."""

    pen_down_speed_mm_s: float = 0.25 * SPEED_LIMIT_MM_S
    pen_up_speed_mm_s: float = 0.75 * SPEED_LIMIT_MM_S
    accel_mm_s2: float = 0.75 * ACCEL_LIMIT_MM_S2
    junction_deviation_mm: float = 0.01
    servo_up: int = servo_position(60.0)
    servo_down: int = servo_position(30.0)
    rate_up: int = servo_rate(75.0)
    rate_down: int = servo_rate(50.0)
    raise_ms: int = pen_move_ms(60.0, 30.0, 75.0)
    lower_ms: int = pen_move_ms(60.0, 30.0, 50.0)
    steps_per_mm: float = STEPS_PER_MM
    slice_ms: int = SLICE_MS

    def __post_init__(self) -> None:
        for name in ("pen_down_speed_mm_s", "pen_up_speed_mm_s", "accel_mm_s2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"EBB motion setting {name} = {value!r} must be a positive number")
        if max(self.pen_down_speed_mm_s, self.pen_up_speed_mm_s) > SPEED_LIMIT_MM_S * 1.0001:
            raise ValueError(f"EBB speeds above {SPEED_LIMIT_MM_S:.1f} mm/s exceed the motors' 25 kHz step rate")

    @classmethod
    def from_percentages(
        cls,
        *,
        pen_pos_up_pct: float = 60.0,
        pen_pos_down_pct: float = 30.0,
        pen_rate_raise_pct: float = 75.0,
        pen_rate_lower_pct: float = 50.0,
        speed_pendown_pct: float = 25.0,
        speed_penup_pct: float = 75.0,
        accel_pct: float = 75.0,
        pen_delay_up_ms: float = 0.0,
        pen_delay_down_ms: float = 0.0,
        junction_deviation_mm: float = 0.01,
    ) -> EbbMotion:
        """Settings from pyaxidraw's options (percentages 1-100, extra delays in ms)."""
        return cls(
            pen_down_speed_mm_s=max(speed_pendown_pct, 1.0) / 100.0 * SPEED_LIMIT_MM_S,
            pen_up_speed_mm_s=max(speed_penup_pct, 1.0) / 100.0 * SPEED_LIMIT_MM_S,
            accel_mm_s2=max(accel_pct, 1.0) / 100.0 * ACCEL_LIMIT_MM_S2,
            junction_deviation_mm=junction_deviation_mm,
            servo_up=servo_position(pen_pos_up_pct),
            servo_down=servo_position(pen_pos_down_pct),
            rate_up=servo_rate(pen_rate_raise_pct),
            rate_down=servo_rate(pen_rate_lower_pct),
            raise_ms=pen_move_ms(pen_pos_up_pct, pen_pos_down_pct, pen_rate_raise_pct, pen_delay_up_ms),
            lower_ms=pen_move_ms(pen_pos_up_pct, pen_pos_down_pct, pen_rate_lower_pct, pen_delay_down_ms),
        )

    def servo_commands(self) -> tuple[str, ...]:
        """``SC`` lines that set the pen heights and rates (sent before the first ``SP``)."""
        return (
            ebb.sc(ebb.SC_PEN_UP, self.servo_up),
            ebb.sc(ebb.SC_PEN_DOWN, self.servo_down),
            ebb.sc(ebb.SC_RATE_UP, self.rate_up),
            ebb.sc(ebb.SC_RATE_DOWN, self.rate_down),
        )


@dataclass(frozen=True)
class StrokeMoves:
    """One pen-down stroke as EBB commands: ``SP,0``, its ``SM`` slices, ``SP,1``.

    ``start_steps`` / ``end_steps`` are absolute motor positions; the commands are relative to
    ``start_steps``, so the stroke can be reached by any travel that ends there.
    """

    start_steps: tuple[int, int]
    end_steps: tuple[int, int]
    commands: tuple[str, ...]
    duration_s: float


@dataclass(frozen=True)
class _Slices:
    """Constant-rate pieces of many straight moves: ``ms[i]`` long, ending at ``steps[i]`` (absolute)."""

    ms: np.ndarray  # (S,) int64
    steps: np.ndarray  # (S, 2) int64
    offsets: np.ndarray  # (K + 1,) move k is slices offsets[k]:offsets[k + 1]


def _slice_moves(
    p0: np.ndarray, p1: np.ndarray, v0_sq: np.ndarray, v1_sq: np.ndarray, feed: float, s: EbbMotion
) -> _Slices:
    """Split straight moves ``p0 → p1`` with trapezoid profiles into slices of at most ``slice_ms``.

    Each move lasts its profile's time rounded to whole ms (at least 1); its slices end at
    evenly spread whole-ms instants, where the profile's position is rounded to steps. A slice
    whose rounding would ask a motor for more than 25 kHz is lengthened.
    """
    length = np.hypot(*(p1 - p0).T)
    a = s.accel_mm_s2
    v0, v1 = np.sqrt(v0_sq), np.sqrt(v1_sq)
    peak = np.maximum(np.minimum(np.sqrt(a * length + 0.5 * (v0_sq + v1_sq)), feed), np.maximum(v0, v1))
    t1, t3 = (peak - v0) / a, (peak - v1) / a
    d1 = (peak**2 - v0_sq) / (2 * a)
    d2 = np.maximum(length - d1 - (peak**2 - v1_sq) / (2 * a), 0.0)
    t2 = d2 / np.where(peak > 0, peak, 1.0)
    total_ms = np.maximum(1, np.rint((t1 + t2 + t3) * 1000.0)).astype(np.int64)
    count = -(-total_ms // s.slice_ms)
    offsets = np.concatenate([[0], np.cumsum(count)])
    move = np.repeat(np.arange(len(length)), count)
    j = np.arange(offsets[-1]) - offsets[move] + 1  # slice j of its move ends at j/count of it
    end_ms = np.rint(j * total_ms[move] / count[move]).astype(np.int64)
    tau = end_ms / total_ms[move] * (t1 + t2 + t3)[move]  # time into the move's own profile
    r = tau - t1[move] - t2[move]
    dist = np.where(
        tau <= t1[move],
        v0[move] * tau + 0.5 * a * tau**2,
        np.where(r <= 0, d1[move] + peak[move] * (tau - t1[move]),
                 d1[move] + d2[move] + peak[move] * r - 0.5 * a * r**2),
    )
    fraction = np.clip(dist / np.where(length > 0, length, 1.0)[move], 0.0, 1.0)
    points = p0[move] + (p1 - p0)[move] * fraction[:, None]
    last = j == count[move]
    points[last] = p1[move[last]]  # land exactly on the vertex, whatever the float sums say
    ends = xy_to_steps(points, s.steps_per_mm)
    first = offsets[:-1]  # every move has at least one slice
    begins = np.empty_like(ends)
    begins[1:] = ends[:-1]
    begins[first] = xy_to_steps(p0, s.steps_per_mm)
    ms = np.diff(np.concatenate([[0], end_ms]))
    ms[first] = end_ms[first]
    needed = -(-np.abs(ends - begins).max(axis=1, initial=0) * 1000 // MAX_STEP_RATE)
    return _Slices(np.maximum(ms, needed), ends, offsets)


def _sm_lines(slices: _Slices, start_steps: np.ndarray, k: int) -> list[str]:
    """``SM`` lines of move ``k``, starting from absolute ``start_steps``."""
    lo, hi = slices.offsets[k], slices.offsets[k + 1]
    previous = np.vstack([start_steps, slices.steps[lo : hi - 1]])
    delta = slices.steps[lo:hi] - previous
    return [ebb.sm(ms, d1, d2) for ms, (d1, d2) in zip(slices.ms[lo:hi].tolist(), delta.tolist(), strict=True)]


def _junction_speed_sq(u_in: np.ndarray, u_out: np.ndarray, s: EbbMotion) -> np.ndarray:
    """Max speed² at corners from ``u_in`` to ``u_out``: junction deviation, isotropic acceleration."""
    cos_theta = -np.einsum("ij,ij->i", u_in, u_out)
    sin_half = np.sqrt(np.clip(0.5 * (1.0 - cos_theta), 0.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        speed_sq = s.accel_mm_s2 * s.junction_deviation_mm * sin_half / (1.0 - sin_half)
    speed_sq = np.where(cos_theta < -_STRAIGHT_COS, np.inf, np.where(cos_theta > _STRAIGHT_COS, 0.0, speed_sq))
    return np.minimum(speed_sq, s.pen_down_speed_mm_s**2)


def plan_strokes(strokes: Sequence[np.ndarray], settings: EbbMotion | None = None) -> list[StrokeMoves]:
    """Pen-down polylines (machine mm, ``(N, 2)``) → one :class:`StrokeMoves` each, planned together.

    Each stroke starts and ends at rest; interior vertices are passed at the junction speed,
    reachable from both neighbours (a backward and a forward pass over all strokes at once, as
    in :mod:`plotter.motion`). Repeated points are dropped; a one-point stroke is a dot.
    """
    s = settings or EbbMotion()
    if not strokes:
        return []
    points, offsets = flatten([np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in strokes])
    is_start = np.zeros(len(points), dtype=bool)
    is_start[offsets[:-1]] = True
    keep = is_start.copy()
    keep[1:] |= np.any(points[1:] != points[:-1], axis=1)
    pts, starts = points[keep], is_start[keep]
    ends = np.append(starts[1:], True)
    stroke_of = np.cumsum(starts) - 1

    vectors = np.diff(pts, axis=0)
    drawn = ~starts[1:]
    length = np.where(drawn, np.hypot(*vectors.T), 0.0)
    unit = vectors / np.where(length > 0, length, 1.0)[:, None]
    cap = np.zeros(len(pts))
    interior = np.flatnonzero(~starts & ~ends)
    cap[interior] = _junction_speed_sq(unit[interior - 1], unit[interior], s)
    budget = np.concatenate([[0.0], np.cumsum(2.0 * s.accel_mm_s2 * length)])
    backward = np.minimum.accumulate((cap + budget)[::-1])[::-1] - budget
    speed_sq = np.clip(np.minimum.accumulate(backward - budget) + budget, 0.0, None)

    segment = np.flatnonzero(drawn)
    slices = _slice_moves(pts[segment], pts[segment + 1], speed_sq[segment], speed_sq[segment + 1],
                          s.pen_down_speed_mm_s, s)
    vertex_steps = xy_to_steps(pts, s.steps_per_mm)
    moves_of_stroke = np.bincount(stroke_of[segment + 1], minlength=len(strokes))
    first_move = np.concatenate([[0], np.cumsum(moves_of_stroke)])
    out = []
    for k, (first, last) in enumerate(zip(np.flatnonzero(starts), np.flatnonzero(ends), strict=True)):
        lines = [ebb.sp(False, s.lower_ms)]
        for move in range(first_move[k], first_move[k + 1]):
            lines += _sm_lines(slices, vertex_steps[segment[move]], move)
        lines.append(ebb.sp(True, s.raise_ms))
        ms = slices.ms[slices.offsets[first_move[k]] : slices.offsets[first_move[k + 1]]].sum()
        out.append(StrokeMoves(tuple(vertex_steps[first].tolist()), tuple(vertex_steps[last].tolist()), tuple(lines),
                               (int(ms) + s.lower_ms + s.raise_ms) / 1000.0))
    return out


def plan_travels(
    starts: np.ndarray, ends: np.ndarray, settings: EbbMotion | None = None
) -> list[tuple[tuple[str, ...], float]]:
    """Pen-up moves between absolute motor positions ``(K, 2)`` → ``(SM lines, seconds)`` each.

    Straight lines from rest to rest at the pen-up speed; a move of no steps is no command.
    """
    s = settings or EbbMotion()
    starts = np.asarray(starts, dtype=np.int64).reshape(-1, 2)
    ends = np.asarray(ends, dtype=np.int64).reshape(-1, 2)
    moving = np.flatnonzero(np.any(starts != ends, axis=1))
    zero = np.zeros(len(moving))
    slices = _slice_moves(steps_to_xy(starts[moving], s.steps_per_mm), steps_to_xy(ends[moving], s.steps_per_mm),
                          zero, zero, s.pen_up_speed_mm_s, s)
    out: list[tuple[tuple[str, ...], float]] = [((), 0.0)] * len(starts)
    for k, index in enumerate(moving):
        ms = slices.ms[slices.offsets[k] : slices.offsets[k + 1]].sum()
        out[index] = (tuple(_sm_lines(slices, starts[index], k)), int(ms) / 1000.0)
    return out

