"""Cohen's feedback-controlled freehand line (*What is an Image?*, 1979), many lines at once.

A simulated pen steps forward a fixed distance at a time. Its heading is pulled toward a
point a little ahead on the line's course (the *guide*; for Cohen's free line, the goal
itself) and pushed off it by a *swing*: an angle that grows to one side for a sub-phase,
then reverses, never straying more than an angular limit A from the course. A sub-phase is
constant, accelerating or decelerating; leaving the limit ends it early (a *panic*) and
the next one turns back. Near the end a homing weight ``2·sigmoid(8t − 8)`` fades the swing
out and steers straight for the goal, so the pen stops on it: every line reaches its goal.

Lines are independent, so they are simulated together: each step is a handful of numpy
operations over all the lines of a batch (loops run over steps, never over points of one
line). Batches hold lines of similar length so finished lines idle briefly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Pen step in mm: well under any feature drawn, well over the 0.05 mm shortest segment.
STEP_MM = 0.5
#: Segments shorter than this are dropped: a plotter stutters on them.
MIN_SEGMENT_MM = 0.05
_BATCH = 256
_MIN_TURN_RADIUS_MM = 0.8
_WINDOW = 8  # guide points searched past the aim point for the one nearest the pen, per step
_WINDOW_MAX = 64


@dataclass(frozen=True)
class Course:
    """Where one line goes: along ``guide`` to its last point, the goal.

    ``lookahead_mm`` is how far ahead on the guide the pen aims: small for an outline that
    must keep its shape, ``inf`` for Cohen's free line that only knows its goal. ``swing``
    scales the angular limit (0 draws a careful line, 2 a loose one).
    """

    guide: np.ndarray
    lookahead_mm: float = math.inf
    swing: float = 1.0

    @property
    def length_mm(self) -> float:
        return float(np.hypot(*np.diff(self.guide, axis=0).T).sum())


@dataclass(frozen=True)
class Drawn:
    """The lines drawn, in the courses' order, with the segment-level events per line."""

    paths: list[np.ndarray]
    phases: np.ndarray  # sub-phases (swings) started per line
    panics: np.ndarray  # sub-phases cut short at the angular limit per line


def resample(guide: np.ndarray, spacing: float) -> np.ndarray:
    """Points every ``spacing`` mm along ``guide`` (its ends kept exactly)."""
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(guide, axis=0).T))])
    count = max(2, math.ceil(arc[-1] / spacing) + 1)
    at = np.linspace(0.0, arc[-1], count)
    return np.column_stack([np.interp(at, arc, guide[:, 0]), np.interp(at, arc, guide[:, 1])])


def draw_lines(courses: Sequence[Course], rng: np.random.Generator, *, tolerance_mm: float = 0.3,
               wobble: float = 1.0, step_mm: float = STEP_MM) -> Drawn:
    """Draw every course with the freehand pen; each line ends exactly on its goal.

    ``tolerance_mm`` (the pen width) is how close the pen must come before it stops;
    ``wobble`` scales every line's swing.
    """
    count = len(courses)
    paths: list[np.ndarray] = [np.empty((0, 2))] * count
    phases = np.zeros(count, dtype=np.int64)
    panics = np.zeros(count, dtype=np.int64)
    lengths = np.array([c.length_mm for c in courses])
    order = np.argsort(lengths, kind="stable")
    for start in range(0, count, _BATCH):
        batch = order[start:start + _BATCH].tolist()
        drawn, ph, pa = _draw_batch([courses[i] for i in batch], lengths[batch], rng,
                                    max(tolerance_mm, 2 * MIN_SEGMENT_MM), wobble, step_mm)
        for k, index in enumerate(batch):
            paths[index] = tidy(drawn[k])
        phases[batch], panics[batch] = ph, pa
    return Drawn(paths, phases, panics)


def tidy(path: np.ndarray) -> np.ndarray:
    """Drop points closer than :data:`MIN_SEGMENT_MM` to the one before, keeping both ends.

    Dropping a point lengthens the step over it, so passes repeat until every step is long enough.
    """
    while len(path) > 2:
        step = np.hypot(*np.diff(path, axis=0).T)
        if step.min() >= MIN_SEGMENT_MM:
            break
        keep = np.ones(len(path), dtype=bool)
        keep[1:-1] = step[:-1] >= MIN_SEGMENT_MM
        kept = path[keep]
        if len(kept) > 2 and np.hypot(*(kept[-1] - kept[-2])) < MIN_SEGMENT_MM:
            kept = np.delete(kept, -2, axis=0)  # the end is the goal: move the point before it instead
        if len(kept) == len(path):
            break
        path = kept
    return path


def _draw_batch(courses: list[Course], lengths: np.ndarray, rng: np.random.Generator, tolerance: float,
                wobble: float, step: float) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    size = len(courses)
    lookahead = np.array([c.lookahead_mm for c in courses])
    guides = [c.guide if lookahead[k] >= lengths[k] else resample(c.guide, step) for k, c in enumerate(courses)]
    last = np.array([len(g) - 1 for g in guides])
    grid = np.empty((size, last.max() + 1, 2))
    for k, guide in enumerate(guides):
        grid[k, : len(guide)] = guide
        grid[k, len(guide):] = guide[-1]
    ahead = np.where(np.isinf(lookahead), last, np.ceil(np.minimum(lookahead, 1e9) / np.maximum(lengths / np.maximum(
        last, 1), 1e-9)))
    steps_in = lengths / step
    rate_scale = step / STEP_MM
    rate, accel, left = _subphase(rng, size, steps_in, rate_scale)
    # per-line state; rows of finished lines are dropped from it as the batch runs
    live = {
        "id": np.arange(size), "last": last, "spacing": lengths / np.maximum(last, 1),
        "ahead": np.maximum(ahead, 2).astype(np.int64), "progress": np.zeros(size, dtype=np.int64),
        "pos": grid[:, 0].copy(), "homing": np.clip(lengths / 4, 1.5, 10.0), "steps_in": steps_in,
        "limit": rng.uniform(math.pi / 16, math.pi / 8, size) * np.array([c.swing for c in courses]) * wobble,
        "swing": np.zeros(size), "side": rng.choice([-1.0, 1.0], size), "rate": rate, "accel": accel, "left": left,
        "max_steps": np.ceil(3 * steps_in + 60), "taken": np.zeros(size),
    }
    target = np.minimum(live["ahead"], last)
    live["heading"] = np.arctan2(*(grid[np.arange(size), target] - live["pos"])[:, ::-1].T)
    phases = np.ones(size, dtype=np.int64)
    panics = np.zeros(size, dtype=np.int64)
    short = lengths < 2 * step  # too short to swing: a single segment
    trail = np.empty((size, int(live["max_steps"].max()) + 2, 2))
    trail[:, 0] = live["pos"]
    counts = np.zeros(size, dtype=np.int64)
    trail[short, 1] = grid[short, last[short]]
    counts[short] = 1
    live = {key: value[~short] for key, value in live.items()}
    max_turn = step / _MIN_TURN_RADIUS_MM
    window = np.arange(min(int(live["ahead"].max(initial=0)), _WINDOW_MAX) + _WINDOW)
    while len(live["id"]):
        arrive = _step(live, grid, window, step, tolerance, max_turn)
        ids = live["id"]
        counts[ids] += 1
        trail[ids, counts[ids]] = live["pos"]
        fresh = ~arrive & ((live["left"] <= 0) | (np.abs(live["swing"]) > live["limit"]))
        if fresh.any():
            _new_subphase(live, np.flatnonzero(fresh), rng, rate_scale, phases, panics)
        if arrive.any():
            live = {key: value[~arrive] for key, value in live.items()}
    return [trail[k, : counts[k] + 1] for k in range(size)], phases, panics


def _step(live: dict[str, np.ndarray], grid: np.ndarray, window: np.ndarray, step: float, tolerance: float,
          max_turn: float) -> np.ndarray:
    """Move every live pen one step along its row of ``grid`` (its guide); returns which arrived."""
    rows = live["id"]
    last, pos = live["last"], live["pos"]
    # the aim point runs a fixed arc ahead of the guide point nearest the pen
    near = np.minimum(live["progress"][:, None] + window, last[:, None])
    gap = ((grid[rows[:, None], near] - pos[:, None]) ** 2).sum(axis=2)
    live["progress"] = progress = near[np.arange(len(rows)), np.argmin(gap, axis=1)]
    target = np.minimum(progress + live["ahead"], last)
    offset = grid[rows, target] - pos
    distance = np.hypot(offset[:, 0], offset[:, 1])
    bearing = np.arctan2(offset[:, 1], offset[:, 0])
    remaining = distance + (last - target) * live["spacing"]
    t = 1.0 - np.minimum(remaining, live["homing"]) / live["homing"]
    weight = 2.0 / (1.0 + np.exp(8.0 - 8.0 * t))  # Cohen's homing: ~0 early, 1 on arrival
    turn = (bearing + live["swing"] * (1.0 - weight) - live["heading"] + math.pi) % (2 * math.pi) - math.pi
    bound = np.where(weight > 0.5, math.pi, max_turn)
    live["heading"] = heading = live["heading"] + np.clip(turn, -bound, bound)
    live["taken"] += 1
    walked = live["taken"] >= 0.5 * live["steps_in"]  # a ring's goal is its start: leave before coming home
    arrive = ((target == last) & walked & (distance <= max(step, tolerance))) | (live["taken"] > live["max_steps"])
    moved = pos + step * np.column_stack([np.cos(heading), np.sin(heading)])
    live["pos"] = np.where(arrive[:, None], grid[rows, last], moved)
    live["swing"] += live["side"] * live["rate"]
    live["rate"] = np.maximum(live["rate"] + live["accel"], 0.0)
    live["left"] -= 1
    return arrive


def _new_subphase(live: dict[str, np.ndarray], index: np.ndarray, rng: np.random.Generator, rate_scale: float,
                  phases: np.ndarray, panics: np.ndarray) -> None:
    """Start the next swing where a sub-phase ran out or hit the angular limit (a panic)."""
    swing, limit = live["swing"][index], live["limit"][index]
    panic = np.abs(swing) > limit
    rate, accel, left = _subphase(rng, len(index), live["steps_in"][index], rate_scale)
    live["side"][index] = np.where(panic, -np.sign(swing), -live["side"][index])
    live["rate"][index] = np.where(panic, np.maximum(rate, np.abs(swing) - limit + 0.01 * rate_scale), rate)
    live["accel"][index], live["left"][index] = accel, left
    ids = live["id"][index]
    phases[ids] += 1
    panics[ids] += panic


def _subphase(rng: np.random.Generator, size: int, steps_in: np.ndarray,
              rate_scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate, rate change and length (steps) of new swing sub-phases, Cohen's ranges scaled to our step."""
    low = np.maximum(5.0, steps_in / 10)
    high = np.maximum(np.minimum(100.0, steps_in / 5), low + 1)
    length = rng.uniform(low, high)
    rate = rng.uniform(0.004, 0.03, size) * rate_scale
    kind = rng.integers(0, 3, size)  # constant, accelerating, decelerating
    accel = np.choose(kind, [0.0, 1.0, -1.0]) * rng.uniform(0.0, 0.0008, size) * rate_scale
    return rate, accel, length
