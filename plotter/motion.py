"""How long a plan takes to plot, with GRBL's acceleration-limited planner.

Plot time is not length / feed: the machine starts and stops, accelerates at a finite rate
and slows down at every corner. This module reproduces GRBL 1.1's planner on the whole move
sequence the G-code program sends:

    pen up (the preamble's), then per stroke: travel, pen down, draw moves, pen up; then park

* the speed where one move meets the next is capped by **junction deviation** δ, in 3-D:
  ``v² = a_j · δ · s / (1 − s)`` with ``s = sin(θ/2)``, ``cos θ = −(u_in · u_out)``
  (straight on → the feed; full reversal → 0), and by both moves' nominal speeds;
* accelerations and rates are **per axis**, as GRBL's ``$120``–``$122`` / ``$110``–``$112``:
  a move along unit vector u may accelerate at ``min_i(a_i / |u_i|)`` and a junction uses the
  same rule along ``u_out − u_in`` (an axis-aligned 90° XY corner has ``a_j = √2 · a``);
* a **servo pen** (``pen_z_mm == 0``) changes with ``M3``/``M5``, which drain the planner: the
  machine is at rest there, then dwells for the pen's delay. A **Z-axis pen** moves with
  ordinary planned blocks, so GRBL does not stop between the travel, the Z move and the first
  draw move: their junctions get the same 3-D junction speed (with Z's own acceleration) —
  only a dwell after the Z move (a pen delay > 0), or ``sync_after_stroke`` (the ``G4 P0`` a
  plot job sends after each stroke to learn it is done), brings the machine to rest;
* repeated points and zero-length moves are dropped, as GRBL drops them;
* a backward then a forward pass make every junction speed reachable from its neighbours,
  then every move gets a trapezoid (or triangle) profile;
* the pen starts down (a Z pen at its pen-down height, where the simulator's Z starts) at
  ``start_xy_mm`` and parks at ``end_xy_mm`` (the page origin unless a machine profile says
  where its home and park position lie on the page).

The two passes are min-plus recurrences, ``w[k] = min(c[k], w[k+1] + 2·a·L[k])``, which
unroll to a running minimum of ``c + D`` over the cumulative sum ``D`` of ``2·a·L``: the whole
plan is planned with ``np.minimum.accumulate``, no Python loop over points.

>>> from plotter import Plan
>>> b = Plan.builder("a4"); b.add([(0, 0), (100, 0)])
>>> round(estimate_time(b.build(), MotionSettings(pen_down_delay_s=0, pen_up_delay_s=0)).draw_s, 2)
2.1
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from .errors import OperationError
from .geometry import flatten
from .plan import Plan

#: GRBL treats junctions this close to straight-on / full reversal as exactly that.
_STRAIGHT_COS = 0.999999


@dataclass(frozen=True)
class MotionSettings:
    """Feeds, acceleration, cornering and pen of one machine (GRBL-like defaults: a servo pen).

    Feeds and acceleration must be positive; junction deviation, delays and ``pen_z_mm`` may
    be zero. A Z-axis pen has ``pen_z_mm`` > 0: the height between its up and down positions,
    travelled at ``pen_down_z_feed_mm_min`` / ``pen_up_z_feed_mm_min`` (already capped at the Z
    max rate) with ``z_accel_mm_s2``; its delays are dwells after the Z moves.
    """

    draw_feed_mm_min: float = 3000.0  # pen-down feed (G1 F)
    travel_feed_mm_min: float = 6000.0  # pen-up feed
    accel_mm_s2: float = 500.0  # per-axis acceleration limit ($120, $121)
    junction_deviation_mm: float = 0.01  # cornering tolerance ($11)
    pen_down_delay_s: float = 0.15  # wait after lowering the pen (G4 P…)
    pen_up_delay_s: float = 0.15  # wait after raising the pen
    rapid_travel: bool = True  # travel as G0: each axis may reach the travel feed, so diagonals run faster
    start_xy_mm: tuple[float, float] = (0.0, 0.0)  # where the pen is before the plot (plan coordinates)
    end_xy_mm: tuple[float, float] = (0.0, 0.0)  # where it parks after the plot
    pen_z_mm: float = 0.0  # Z travel of a Z-axis pen; 0: a servo pen (M3/M5 stop the machine)
    pen_down_z_feed_mm_min: float = 600.0  # speed of the lowering Z move
    pen_up_z_feed_mm_min: float = 600.0  # speed of the lifting Z move
    z_accel_mm_s2: float = 100.0  # Z acceleration ($122)
    sync_after_stroke: bool = False  # a G4 P0 after each pen-up (a plot job's stroke marker) stops there

    def __post_init__(self) -> None:
        may_be_zero = {"junction_deviation_mm", "pen_down_delay_s", "pen_up_delay_s", "pen_z_mm"}
        for f in fields(self):
            if f.name in {"rapid_travel", "start_xy_mm", "end_xy_mm", "sync_after_stroke"}:
                continue
            value = getattr(self, f.name)
            ok = isinstance(value, int | float) and math.isfinite(value)
            ok = ok and (value >= 0 if f.name in may_be_zero else value > 0)
            if not ok:
                need = "zero or positive" if f.name in may_be_zero else "positive"
                raise OperationError(f"motion setting {f.name} = {value!r} must be a {need} number")

    @property
    def draw_feed_mm_s(self) -> float:
        return self.draw_feed_mm_min / 60.0

    @property
    def travel_feed_mm_s(self) -> float:
        return self.travel_feed_mm_min / 60.0


@dataclass(frozen=True)
class LayerEstimate:
    """Time spent on one layer: drawing, travelling to its strokes, and lifting its pen."""

    name: str
    time_s: float
    draw_s: float
    travel_s: float
    pen_s: float


@dataclass(frozen=True)
class MotionEstimate:
    """Estimated plot time and its parts; ``time_s == draw_s + travel_s + pen_s``.

    The travel to a stroke counts for that stroke's layer, and the final return to the
    origin for the last layer drawn, so the layers' times add up to the total.
    """

    time_s: float
    draw_s: float
    travel_s: float
    pen_s: float
    layers: tuple[LayerEstimate, ...]


@dataclass(frozen=True, eq=False)
class StrokeTiming:
    """When one stroke happens: the pen-up travel to it, then when each of its points is reached.

    ``travel_start_s`` → ``travel_end_s``: the pen-up move from the previous stroke's end (or
    the origin); then the pen-down delay; ``times[i]`` is when point ``i`` is reached (a
    read-only array, one entry per point of the path); ``lifted_s`` is when the pen is up again.
    """

    layer: int
    path: int
    travel_start_s: float
    travel_end_s: float
    times: np.ndarray
    lifted_s: float


@dataclass(frozen=True)
class _Schedule:
    """Everything both public functions need, computed once and vectorised (S strokes, M points)."""

    layer_of: np.ndarray  # (S,) layer index of each stroke
    path_of: np.ndarray  # (S,) index of each stroke inside its layer
    offsets: np.ndarray  # (S + 1,) stroke i is points[offsets[i]:offsets[i + 1]]
    point_times: np.ndarray  # (M,) when each original point is reached (the first: once the pen is down)
    travel_start: np.ndarray  # (S,) when the pen-up travel into each stroke starts
    travel_end: np.ndarray  # (S,) ... and ends
    lifted: np.ndarray  # (S,) when the pen is up again after each stroke (delay included)
    total_s: float

    @property
    def travel_s(self) -> np.ndarray:
        return self.travel_end - self.travel_start

    @property
    def draw_s(self) -> np.ndarray:
        return self.point_times[self.offsets[1:] - 1] - self.point_times[self.offsets[:-1]]

    @property
    def pen_s(self) -> np.ndarray:
        """Per stroke: lowering and lifting (moves and delays); the first also has the preamble's pen-up."""
        pen = self.lifted - self.travel_end - self.draw_s
        if len(pen):
            pen[0] += self.travel_start[0]
        return pen


def axis_limited(limits: float | np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The largest value along each unit ``direction`` (rows) that keeps every axis within its limit.

    GRBL's ``limit_value_by_axis_maximum``: ``min_i(limit_i / |u_i|)`` over the axes that move;
    with equal limits ``limit / max_i |u_i|``.
    """
    with np.errstate(divide="ignore"):
        value = np.min(np.asarray(limits, dtype=np.float64) / np.abs(direction), axis=-1)
    return np.where(np.isfinite(value), value, np.min(limits))


def profile_time(
    length: np.ndarray, v0_sq: np.ndarray, v1_sq: np.ndarray, feed: float | np.ndarray, accel: np.ndarray
) -> np.ndarray:
    """Time of trapezoid (or triangle) profiles from speed² ``v0_sq`` to ``v1_sq`` over ``length``.

    The end speeds must be reachable (``|v1² − v0²| ≤ 2·a·L``), as the planner guarantees.
    """
    v0, v1 = np.sqrt(v0_sq), np.sqrt(v1_sq)
    peak_sq = accel * length + 0.5 * (v0_sq + v1_sq)
    cruise = peak_sq > feed * feed
    peak = np.where(cruise, feed, np.sqrt(peak_sq))
    ramps = (2.0 * peak - v0 - v1) / accel
    ramp_length = (2.0 * peak * peak - v0_sq - v1_sq) / (2.0 * accel)
    return ramps + np.where(cruise, np.maximum(length - ramp_length, 0.0) / feed, 0.0)


def _junction_speed_sq(u_in: np.ndarray, u_out: np.ndarray, accel: np.ndarray, deviation_mm: float) -> np.ndarray:
    """Max speed² where unit moves ``u_in`` meet ``u_out`` (rows, any dimension; GRBL junction deviation).

    :func:`hardware.grbl_planner.junction_speed_sq` is the one-junction twin the simulator runs.
    """
    cos_theta = -np.einsum("ij,ij->i", u_in, u_out)
    sin_half = np.sqrt(np.clip(0.5 * (1.0 - cos_theta), 0.0, 1.0))
    bisector = u_out - u_in
    norm = np.linalg.norm(bisector, axis=1)
    junction_accel = axis_limited(accel, bisector / np.where(norm > 0, norm, 1.0)[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        speed_sq = junction_accel * deviation_mm * sin_half / (1.0 - sin_half)
    speed_sq = np.where(cos_theta < -_STRAIGHT_COS, np.inf, speed_sq)
    return np.where(cos_theta > _STRAIGHT_COS, 0.0, speed_sq)


@dataclass(frozen=True)
class _Moves:
    """The program's moves in order, XYZ: vectors, nominal speeds, and what happens after each."""

    vectors: np.ndarray  # (K, 3)
    nominal: np.ndarray  # (K,) mm/s, for the move's own direction
    rest_after: np.ndarray  # (K,) bool: the planner is drained after the move (sync, dwell)
    delay_after: np.ndarray  # (K,) dwell after the move, s


def _moves(pts: np.ndarray, first: np.ndarray, settings: MotionSettings) -> tuple[_Moves, dict[str, np.ndarray]]:
    """Lay out every move: [pen up] + per stroke [travel, down, draws..., up] + [park].

    Stroke k (kept points ``first[k]..``, n_k of them) has n_k + 2 moves from index
    ``1 + first[k] + 2k``. Returns the moves and the index of each stroke's travel, down and up.
    """
    strokes, count = len(first), len(pts)
    travel = 1 + first + 2 * np.arange(strokes)
    down, up = travel + 1, travel + np.diff(np.append(first, count)) + 1
    total = count + 2 * strokes + 2
    vectors = np.zeros((total, 3))
    nominal = np.full(total, settings.draw_feed_mm_s)
    rest_after = np.zeros(total, dtype=bool)
    delay_after = np.zeros(total)

    ends = np.append(first[1:], count) - 1
    draw = np.ones(total, dtype=bool)
    draw[[0, -1]] = False
    draw[np.concatenate([travel, down, up])] = False
    draw_from = np.delete(np.arange(count), ends)  # each draw move starts at a kept point that is no stroke end
    vectors[draw, :2] = pts[draw_from + 1] - pts[draw_from]

    before = np.vstack([[settings.start_xy_mm], pts[ends]])  # where each travel starts, then the park
    vectors[travel, :2] = pts[first] - before[:-1]
    vectors[-1, :2] = np.array(settings.end_xy_mm) - before[-1]
    travel_moves = np.append(travel, total - 1)
    length = np.linalg.norm(vectors[travel_moves], axis=1)
    unit = vectors[travel_moves] / np.where(length > 0, length, 1.0)[:, None]
    feed = settings.travel_feed_mm_s
    nominal[travel_moves] = axis_limited(feed, unit[:, :2]) if settings.rapid_travel else feed

    servo = settings.pen_z_mm <= 0
    for moves, dz, z_feed, delay in (
        (np.append(0, up), settings.pen_z_mm, settings.pen_up_z_feed_mm_min, settings.pen_up_delay_s),
        (down, -settings.pen_z_mm, settings.pen_down_z_feed_mm_min, settings.pen_down_delay_s),
    ):
        vectors[moves, 2] = dz
        nominal[moves] = z_feed / 60.0
        rest_after[moves] = servo or delay > 0
        delay_after[moves] = delay
    rest_after[up] |= settings.sync_after_stroke
    return _Moves(vectors, nominal, rest_after, delay_after), {"travel": travel, "down": down, "up": up}


def _move_times(moves: _Moves, settings: MotionSettings) -> np.ndarray:
    """Seconds each move takes (0 for zero-length ones), planned as GRBL plans the whole sequence."""
    length = np.linalg.norm(moves.vectors, axis=1)
    keep = length > 1e-9  # GRBL drops zero-length moves: the junction is between their neighbours
    times = np.zeros(len(length))
    if not keep.any():
        return times
    # A dropped move's rest (a servo pen change, a dwell) belongs to the junction after the kept move before it.
    group = np.cumsum(keep) - 1
    rest = np.bincount(group + 1, weights=moves.rest_after, minlength=int(keep.sum()) + 1) > 0
    rest[[0, -1]] = True

    length = length[keep]
    unit = moves.vectors[keep] / length[:, None]
    limits = np.array([settings.accel_mm_s2, settings.accel_mm_s2, settings.z_accel_mm_s2])
    accel = axis_limited(limits, unit)
    nominal = moves.nominal[keep]
    cap = np.zeros(len(length) + 1)
    inner = np.flatnonzero(~rest[1:-1]) + 1  # junction j lies between kept moves j - 1 and j
    junction = _junction_speed_sq(unit[inner - 1], unit[inner], limits, settings.junction_deviation_mm)
    cap[inner] = np.minimum(junction, np.minimum(nominal[inner - 1], nominal[inner]) ** 2)

    # Backward then forward pass as running minima (see module docstring).
    budget = np.concatenate([[0.0], np.cumsum(2.0 * accel * length)])
    backward = np.minimum.accumulate((cap + budget)[::-1])[::-1] - budget
    speed_sq = np.clip(np.minimum.accumulate(backward - budget) + budget, 0.0, None)
    times[keep] = profile_time(length, speed_sq[:-1], speed_sq[1:], nominal, accel)
    return times


def _schedule(plan: Plan, settings: MotionSettings) -> _Schedule:
    strokes = [(i, j, path) for i, layer in enumerate(plan.layers) for j, path in enumerate(layer.paths)]
    layer_of = np.array([s[0] for s in strokes], dtype=np.int64)
    path_of = np.array([s[1] for s in strokes], dtype=np.int64)
    points, offsets = flatten([s[2] for s in strokes])
    if not strokes:
        empty = np.zeros(0)
        return _Schedule(layer_of, path_of, offsets, empty, empty, empty, empty, 0.0)

    # Drop repeated points: a zero-length segment has no direction to corner with.
    is_start = np.zeros(len(points), dtype=bool)
    is_start[offsets[:-1]] = True
    keep = is_start.copy()
    keep[1:] |= np.any(points[1:] != points[:-1], axis=1)
    compact_of = np.cumsum(keep) - 1  # each point maps to the kept point at or before it
    pts = points[keep]
    first = np.flatnonzero(is_start[keep])

    moves, where = _moves(pts, first, settings)
    done = np.cumsum(_move_times(moves, settings) + moves.delay_after)  # each move over, its dwell too
    # Kept point p is reached when its stroke's pen is down (p first) or when the draw move into it ends.
    reached = np.zeros(len(pts))
    stroke_of = np.repeat(np.arange(len(first)), np.diff(np.append(first, len(pts))))
    reached[:] = done[2 + np.arange(len(pts)) + 2 * stroke_of]  # the draw move into p, or for a first point its down
    travel = where["travel"]
    return _Schedule(
        layer_of,
        path_of,
        offsets,
        reached[compact_of],
        travel_start=done[travel - 1],
        travel_end=done[travel] - moves.delay_after[travel],
        lifted=done[where["up"]],
        total_s=float(done[-1]),
    )


def estimate_time(plan: Plan, settings: MotionSettings | None = None) -> MotionEstimate:
    """Estimated time to plot ``plan``, split into drawing, pen-up travel and pen moves and delays."""
    settings = settings or MotionSettings()
    s = _schedule(plan, settings)
    n_layers = len(plan.layers)
    travel_each = s.travel_s
    if len(travel_each):
        travel_each[-1] += s.total_s - s.lifted[-1]  # the park
    per_layer = {
        "draw": np.bincount(s.layer_of, weights=s.draw_s, minlength=n_layers),
        "travel": np.bincount(s.layer_of, weights=travel_each, minlength=n_layers),
        "pen": np.bincount(s.layer_of, weights=s.pen_s, minlength=n_layers),
    }
    layers = tuple(
        LayerEstimate(
            name=layer.name,
            time_s=float(per_layer["draw"][i] + per_layer["travel"][i] + per_layer["pen"][i]),
            draw_s=float(per_layer["draw"][i]),
            travel_s=float(per_layer["travel"][i]),
            pen_s=float(per_layer["pen"][i]),
        )
        for i, layer in enumerate(plan.layers)
    )
    return MotionEstimate(
        time_s=s.total_s,
        draw_s=float(s.draw_s.sum()),
        travel_s=float(travel_each.sum()),
        pen_s=float(s.pen_s.sum()),
        layers=layers,
    )


def timeline(plan: Plan, settings: MotionSettings | None = None) -> list[StrokeTiming]:
    """When each stroke's travel starts and ends and each of its points is reached, in plot order.

    The plot starts with the preamble's pen-up (the first travel starts after it); after the
    last stroke's ``lifted_s`` the pen travels to the park position, arriving at
    ``estimate_time(plan, settings).time_s``.
    """
    settings = settings or MotionSettings()
    s = _schedule(plan, settings)
    s.point_times.flags.writeable = False
    return [
        StrokeTiming(
            layer=int(s.layer_of[k]),
            path=int(s.path_of[k]),
            travel_start_s=float(s.travel_start[k]),
            travel_end_s=float(s.travel_end[k]),
            times=s.point_times[s.offsets[k] : s.offsets[k + 1]],
            lifted_s=float(s.lifted[k]),
        )
        for k in range(len(s.layer_of))
    ]
