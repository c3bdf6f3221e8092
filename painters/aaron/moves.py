"""The last level, pen moves: the order the strokes of one pen are handed to the plotter in.

A plotter artist plans the pen's way through the picture: each stroke starts near where
the one before ended, a stroke is drawn backwards when that is shorter, and a closed
outline is started at the point nearest the pen (a ring has no fixed start). The order
starts from the project's own ordering (:func:`plotter.ops.sort_paths`), which sees a
ring only at its first point, then improves it with what that ordering lacks: 2-opt
and or-opt moves that know every ring may be entered anywhere, each round re-entering
every ring at its best point. The order given is improved too and kept where it ends
shortest: the trails of :mod:`.trails` come one jump after another. Ink is ink, so the
order changes nothing on paper; the drawing levels above still think nearest first and
outline before fill.

>>> import numpy as np
>>> far, near = np.array([[50.0, 0.0], [60.0, 0.0]]), np.array([[10.0, 0.0], [0.0, 0.0]])
>>> [p[0].tolist() for p in pen_order([far, near], (0.0, 0.0))]
[[0.0, 0.0], [50.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plotter import ops
from plotter.plan import Plan

#: Rounds of improvement at most; each applies every independent improving 2-opt move, else or-opt moves.
MAX_ROUNDS = 200
_GAIN_MM = 1e-6
#: A join is refused where the pen would turn back sharper than this (cosine of the turn between segments).
MAX_REVERSAL_COSINE = -0.9
#: Shortest segment a plotter draws cleanly (mm).
MIN_SEGMENT_MM = 0.05


def pen_order(paths: Sequence[np.ndarray], start: Sequence[float] = (0.0, 0.0)) -> list[np.ndarray]:
    """``paths`` reordered (some reversed, rings re-entered) to keep pen-up travel short from ``start``."""
    if len(paths) < 2:
        return list(paths)
    builder = Plan.builder((1.0, 1.0), {})
    for path in paths:
        builder.add(path)
    origin = np.asarray(start, dtype=float)
    sorted_ = list(ops.sort_paths(builder.build(), start=(float(origin[0]), float(origin[1]))).layers[0].paths)
    tries = [_improve(first, origin) for first in (sorted_, _nearest_first(paths, origin), list(paths))]
    return min(tries, key=lambda order: travel(order, origin))


def join_touching(order: Sequence[np.ndarray], reach_mm: float) -> list[np.ndarray]:
    """Strokes in drawing order, each joined to the one before where it starts within ``reach_mm``
    (the pen width) of where that one ended: the pen stays down through the junction.

    A join that would turn the pen back on itself (a reversal sharper than the painter allows
    any line) is not made, and a gap too short to draw is closed by dropping the point before it.
    """
    joined: list[np.ndarray] = []
    for path in order:
        merged = _joined(joined[-1], path, reach_mm) if joined else None
        if merged is None:
            joined.append(path)
        else:
            joined[-1] = merged
    return joined


def _joined(before: np.ndarray, after: np.ndarray, reach_mm: float) -> np.ndarray | None:
    """``before`` then ``after`` as one stroke, or None where they may not be joined."""
    gap = float(np.hypot(*(after[0] - before[-1])))
    if gap > reach_mm:
        return None
    merged = np.vstack([before, after[1:]] if gap < MIN_SEGMENT_MM else [before, after])
    joint = merged[len(before) - 2:len(before) + 2]  # the segments around the junction
    steps = np.diff(joint, axis=0)
    lengths = np.hypot(*steps.T)
    if lengths.min() < MIN_SEGMENT_MM:
        return None
    unit = steps / lengths[:, None]
    if ((unit[1:] * unit[:-1]).sum(axis=1) <= MAX_REVERSAL_COSINE).any():
        return None
    return merged


def _improve(order: list[np.ndarray], origin: np.ndarray) -> list[np.ndarray]:
    rings = np.array([_is_ring(p) for p in order])
    for _ in range(MAX_ROUNDS):
        order = _reenter(order, rings, origin)
        if not (_two_opt(order, rings, origin) or _or_opt(order, rings, origin)):
            break
    return order


def _nearest_first(paths: Sequence[np.ndarray], origin: np.ndarray) -> list[np.ndarray]:
    """Greedy: always the nearest way in next, a ring entered at any vertex, an open stroke at either end."""
    entries = [p[:-1] if _is_ring(p) else p[[0, -1]] for p in paths]
    points = np.vstack(entries)
    owner = np.repeat(np.arange(len(paths)), [len(e) for e in entries])
    vertex = np.concatenate([np.arange(len(e)) for e in entries])
    free = np.ones(len(points), dtype=bool)
    pen, order = origin, []
    for _ in range(len(paths)):
        gap = np.where(free, _distance(points, pen[None, :]), np.inf)
        pick = int(np.argmin(gap))
        path, at = paths[owner[pick]], int(vertex[pick])
        if _is_ring(path):
            path = np.concatenate([path[at:-1], path[:at + 1]])
        elif at:
            path = path[::-1]
        order.append(path)
        pen = path[-1]
        free[owner == owner[pick]] = False
    return order


def travel(paths: Sequence[np.ndarray], start: Sequence[float]) -> float:
    """Pen-up distance from ``start`` through ``paths`` in order."""
    if not len(paths):
        return 0.0
    ends = np.vstack([np.asarray(start, dtype=float), *(p[-1] for p in paths[:-1])])
    starts = np.array([p[0] for p in paths])
    return float(np.hypot(*(starts - ends).T).sum())


def _is_ring(path: np.ndarray) -> bool:
    return len(path) >= 3 and bool((path[0] == path[-1]).all())


def _ends(order: list[np.ndarray], origin: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(starts, ends, where the pen comes from before each, where it goes after each: NaN after the last)."""
    starts = np.array([p[0] for p in order])
    ends = np.array([p[-1] for p in order])
    before = np.vstack([origin, ends[:-1]])
    after = np.vstack([starts[1:], [np.nan, np.nan]])
    return starts, ends, before, after


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances between point arrays (broadcasting); 0 where either side is NaN (nothing there)."""
    distance = np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])
    distance[np.isnan(distance)] = 0.0
    return distance


def _two_opt(order: list[np.ndarray], rings: np.ndarray, origin: np.ndarray) -> bool:
    """Reverse runs of strokes where that shortens the two moves around the run; many at once."""
    starts, ends, before, after = _ends(order, origin)
    size = len(order)
    into, out = _distance(before, starts), _distance(ends, after)
    gain = into[:, None] + out[None, :] - _distance(before[:, None], ends[None, :]) \
        - _distance(starts[:, None], after[None, :])
    gain[np.tril_indices(size, -1)] = 0.0
    first, last = np.nonzero(gain > _GAIN_MM)
    if not len(first):
        return False
    taken = np.zeros(size + 1, dtype=bool)
    for k in np.argsort(-gain[first, last], kind="stable").tolist():
        i, j = int(first[k]), int(last[k])
        if taken[max(i - 1, 0):j + 2].any():  # runs that share a move would undo each other's gain
            continue
        taken[i:j + 1] = True
        order[i:j + 1] = [p[::-1] for p in reversed(order[i:j + 1])]
        rings[i:j + 1] = rings[i:j + 1][::-1]
    return True


def _or_opt(order: list[np.ndarray], rings: np.ndarray, origin: np.ndarray) -> bool:
    """Move single strokes (perhaps reversed) to where they save travel; every independent move at once."""
    starts, ends, before, after = _ends(order, origin)
    size = len(order)
    removed = _distance(before, starts) + _distance(ends, after) - _distance(before, after)
    gaps_from = np.vstack([before, ends[-1:]])  # gap m: between stroke m-1 and stroke m (m = size: the end)
    gaps_to = np.vstack([starts, [np.nan, np.nan]])
    opened = _distance(gaps_from, gaps_to)
    index = np.arange(size)
    gains, targets = [], []
    for head, tail in ((starts, ends), (ends, starts)):
        gain = removed[:, None] - _distance(gaps_from[None, :], head[:, None]) \
            - _distance(tail[:, None], gaps_to[None, :]) + opened[None, :]
        gain[index, index] = gain[index, index + 1] = -np.inf  # where it already is
        targets.append(np.argmax(gain, axis=1))
        gains.append(gain[index, targets[-1]])
    backwards = gains[1] > gains[0]
    gain = np.where(backwards, gains[1], gains[0])
    target = np.where(backwards, targets[1], targets[0])
    touched = np.zeros(size + 2, dtype=bool)
    moves: dict[int, int] = {}  # gap → stroke moved into it
    for k in np.argsort(-gain, kind="stable").tolist():
        if gain[k] <= _GAIN_MM:
            break
        m = int(target[k])
        spots = [k - 1, k, k + 1, m - 1, m]
        if touched[np.array(spots) + 1].any():  # moves next to each other would change each other's gain
            continue
        touched[np.array(spots) + 1] = True
        moves[m] = k
    if not moves:
        return False
    moved = set(moves.values())
    new_order, new_rings = [], []
    for m in range(size + 1):
        if m in moves:
            k = moves[m]
            new_order.append(order[k][::-1] if backwards[k] else order[k])
            new_rings.append(rings[k])
        if m < size and m not in moved:
            new_order.append(order[m])
            new_rings.append(rings[m])
    order[:] = new_order
    rings[:] = new_rings
    return True


def _reenter(order: list[np.ndarray], rings: np.ndarray, origin: np.ndarray) -> list[np.ndarray]:
    """Start each ring at the vertex nearest both the stroke before it and the one after.

    Rings at even places, then at odd ones: rings of one pass are never neighbours, so
    each pass is one vectorised choice over all their vertices.
    """
    for parity in (0, 1):
        places = np.flatnonzero(rings & (np.arange(len(order)) % 2 == parity))
        if not len(places):
            continue
        starts, ends, before, after = _ends(order, origin)
        vertices = [order[k][:-1] for k in places.tolist()]
        counts = np.array([len(v) for v in vertices])
        cost = _distance(np.vstack(vertices), np.repeat(before[places], counts, axis=0)) \
            + _distance(np.vstack(vertices), np.repeat(after[places], counts, axis=0))
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        lowest = np.minimum.reduceat(cost, offsets)
        hits = np.flatnonzero(cost <= np.repeat(lowest, counts))
        group = np.searchsorted(offsets, hits, side="right") - 1
        _, first = np.unique(group, return_index=True)
        for k, best in zip(places.tolist(), (hits[first] - offsets).tolist(), strict=True):
            if best:
                path = order[k]
                order[k] = np.concatenate([path[best:-1], path[:best + 1]])
    return order
