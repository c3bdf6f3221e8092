"""How long a plan takes to plot, with GRBL's acceleration-limited planner.

Plot time is not length / feed: the machine starts and stops every stroke, accelerates at a
finite rate and slows down at every corner. This module reproduces GRBL 1.1's planner:

* each pen-down polyline is planned on its own (the pen lifts at both ends, so speed is 0
  there); duplicate consecutive points are ignored;
* the speed at an interior vertex is capped by **junction deviation** δ:
  ``v² = a_j · δ · s / (1 − s)`` with ``s = sin(θ/2)``, ``cos θ = −(u_in · u_out)``
  (straight on → the feed; full reversal → 0), and by the feed;
* accelerations are **per axis**, as GRBL's ``$120``/``$121``: a move along unit vector u may
  accelerate at ``a / max(|ux|, |uy|)`` and a junction uses the same rule along
  ``u_out − u_in`` (so an axis-aligned 90° corner has ``a_j = √2 · a``);
* a backward then a forward pass make every vertex speed reachable from its neighbours,
  then every segment gets a trapezoid (or triangle) profile;
* pen-up travel moves go from rest to rest at the travel feed; each stroke adds the pen-down
  and pen-up delays; the pen starts at ``start_xy_mm`` and parks at ``end_xy_mm`` (the page
  origin unless a machine profile says where its home and park position lie on the page).

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
    """Feeds, acceleration, cornering and pen delays of one machine (GRBL-like defaults).

    Feeds and acceleration must be positive; junction deviation and delays may be zero.
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

    def __post_init__(self) -> None:
        may_be_zero = {"junction_deviation_mm", "pen_down_delay_s", "pen_up_delay_s"}
        for f in fields(self):
            if f.name in {"rapid_travel", "start_xy_mm", "end_xy_mm"}:
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
    """Everything both public functions need, computed once and vectorised."""

    layer_of: np.ndarray  # (S,) layer index of each stroke
    path_of: np.ndarray  # (S,) index of each stroke inside its layer
    offsets: np.ndarray  # (S + 1,) stroke i is points[offsets[i]:offsets[i + 1]]
    point_times: np.ndarray  # (M,) when each original point is reached
    travel_s: np.ndarray  # (S,) pen-up travel time into each stroke
    draw_s: np.ndarray  # (S,) time from first to last point of each stroke
    home_s: float  # travel from the last stroke back to the origin
    total_s: float


def axis_limited(limit: float, direction: np.ndarray) -> np.ndarray:
    """The largest value along each unit ``direction`` (rows) that keeps every axis within ``limit``.

    GRBL's ``limit_value_by_axis_maximum`` with equal limits: ``limit / max(|ux|, |uy|)``.
    """
    largest = np.max(np.abs(direction), axis=-1)
    return limit / np.where(largest > 0, largest, 1.0)


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


def _rest_to_rest(vectors: np.ndarray, settings: MotionSettings) -> np.ndarray:
    """Time of straight pen-up moves (rows of ``vectors``) that start and end at rest.

    A G0 rapid (``rapid_travel``) limits each axis to the travel feed, as GRBL's max rates
    ``$110``/``$111`` do, so a diagonal runs up to √2 faster than the feed along the path.
    """
    length = np.hypot(vectors[:, 0], vectors[:, 1])
    unit = vectors / np.where(length > 0, length, 1.0)[:, None]
    zero = np.zeros_like(length)
    feed = settings.travel_feed_mm_s
    speed = axis_limited(feed, unit) if settings.rapid_travel else np.full_like(length, feed)
    return profile_time(length, zero, zero, speed, axis_limited(settings.accel_mm_s2, unit))


def _junction_speed_sq(u_in: np.ndarray, u_out: np.ndarray, settings: MotionSettings) -> np.ndarray:
    """Max speed² at vertices between unit vectors ``u_in`` and ``u_out`` (GRBL junction deviation)."""
    cos_theta = -np.einsum("ij,ij->i", u_in, u_out)
    sin_half = np.sqrt(np.clip(0.5 * (1.0 - cos_theta), 0.0, 1.0))
    bisector = u_out - u_in
    norm = np.hypot(bisector[:, 0], bisector[:, 1])
    junction_accel = axis_limited(settings.accel_mm_s2, bisector / np.where(norm > 0, norm, 1.0)[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        speed_sq = junction_accel * settings.junction_deviation_mm * sin_half / (1.0 - sin_half)
    speed_sq = np.where(cos_theta < -_STRAIGHT_COS, np.inf, speed_sq)
    speed_sq = np.where(cos_theta > _STRAIGHT_COS, 0.0, speed_sq)
    return np.minimum(speed_sq, settings.draw_feed_mm_s**2)


def _schedule(plan: Plan, settings: MotionSettings) -> _Schedule:
    strokes = [(i, j, path) for i, layer in enumerate(plan.layers) for j, path in enumerate(layer.paths)]
    layer_of = np.array([s[0] for s in strokes], dtype=np.int64)
    path_of = np.array([s[1] for s in strokes], dtype=np.int64)
    points, offsets = flatten([s[2] for s in strokes])
    if not strokes:
        empty = np.zeros(0)
        return _Schedule(layer_of, path_of, offsets, empty, empty, empty, 0.0, 0.0)

    # Drop repeated points: a zero-length segment has no direction to corner with.
    is_start = np.zeros(len(points), dtype=bool)
    is_start[offsets[:-1]] = True
    keep = is_start.copy()
    keep[1:] |= np.any(points[1:] != points[:-1], axis=1)
    compact_of = np.cumsum(keep) - 1  # each point maps to the kept point at or before it
    pts = points[keep]
    starts = is_start[keep]
    ends = np.append(starts[1:], True)
    first, last = np.flatnonzero(starts), np.flatnonzero(ends)

    # Segments between consecutive kept points; those that cross into a new stroke are not drawn.
    vectors = np.diff(pts, axis=0)
    drawn = ~starts[1:]
    length = np.where(drawn, np.hypot(vectors[:, 0], vectors[:, 1]), 0.0)
    unit = vectors / np.where(length > 0, length, 1.0)[:, None]
    accel = axis_limited(settings.accel_mm_s2, unit)

    # Speed² cap at every vertex: 0 where the pen goes down or up, junction speed elsewhere.
    cap = np.zeros(len(pts))
    interior = np.flatnonzero(~starts & ~ends)
    cap[interior] = _junction_speed_sq(unit[interior - 1], unit[interior], settings)

    # Backward then forward pass as running minima (see module docstring).
    budget = np.concatenate([[0.0], np.cumsum(2.0 * accel * length)])
    backward = np.minimum.accumulate((cap + budget)[::-1])[::-1] - budget
    speed_sq = np.clip(np.minimum.accumulate(backward - budget) + budget, 0.0, None)

    seg_time = profile_time(length, speed_sq[:-1], speed_sq[1:], settings.draw_feed_mm_s, accel)
    seg_time[~drawn] = 0.0

    start = np.array([settings.start_xy_mm], dtype=np.float64)
    travel_vec = pts[first] - np.vstack([start, pts[last[:-1]]])
    travel = _rest_to_rest(travel_vec, settings)
    home = float(_rest_to_rest(np.array([settings.end_xy_mm]) - pts[last[-1:]], settings)[0])

    # Time to reach each kept point: segment time inside a stroke, lift + travel + lower across.
    step = np.concatenate([[0.0], seg_time])
    step[first] = travel + settings.pen_down_delay_s
    step[first[1:]] += settings.pen_up_delay_s
    reach = np.cumsum(step)
    total = float(reach[-1] + settings.pen_up_delay_s + home)
    return _Schedule(layer_of, path_of, offsets, reach[compact_of], travel, reach[last] - reach[first], home, total)


def estimate_time(plan: Plan, settings: MotionSettings | None = None) -> MotionEstimate:
    """Estimated time to plot ``plan``, split into drawing, pen-up travel and pen delays."""
    settings = settings or MotionSettings()
    s = _schedule(plan, settings)
    n_layers = len(plan.layers)
    pen_each = settings.pen_down_delay_s + settings.pen_up_delay_s
    travel_each = s.travel_s.copy()
    if len(travel_each):
        travel_each[-1] += s.home_s
    per_layer = {
        "draw": np.bincount(s.layer_of, weights=s.draw_s, minlength=n_layers),
        "travel": np.bincount(s.layer_of, weights=travel_each, minlength=n_layers),
        "pen": np.bincount(s.layer_of, minlength=n_layers) * pen_each,
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
        pen_s=len(s.layer_of) * pen_each,
        layers=layers,
    )


def timeline(plan: Plan, settings: MotionSettings | None = None) -> list[StrokeTiming]:
    """When each stroke's travel starts and ends and each of its points is reached, in plot order.

    After the last stroke's ``lifted_s`` the pen travels home to the origin, arriving at
    ``estimate_time(plan, settings).time_s``.
    """
    settings = settings or MotionSettings()
    s = _schedule(plan, settings)
    s.point_times.flags.writeable = False
    out = []
    for k in range(len(s.layer_of)):
        times = s.point_times[s.offsets[k] : s.offsets[k + 1]]
        arrive = float(times[0]) - settings.pen_down_delay_s
        out.append(
            StrokeTiming(
                layer=int(s.layer_of[k]),
                path=int(s.path_of[k]),
                travel_start_s=arrive - float(s.travel_s[k]),
                travel_end_s=arrive,
                times=times,
                lifted_s=float(times[-1]) + settings.pen_up_delay_s,
            )
        )
    return out
