"""2-opt improvement of a drawing order, with KD-tree neighbour lists and a time budget.

The order is held as a cycle of endpoints ``tour`` (entry, exit, entry, exit, ...) that
starts with the depot (see :mod:`.tour_greedy`); its virtual entry is at distance 0 from
everything, so the cycle's length is exactly the pen-up travel of the open chain. A 2-opt
move removes two pen-up moves and reverses the paths between them; reversing the endpoint
sequence flips each path too, so the pen-down segments are never touched.

Each round scores every candidate move at once with numpy (each endpoint against its K
nearest endpoints), then applies the improving ones best first, re-scoring each against the
current tour in O(1) before reversing the shorter side of the cycle. Rounds repeat until
none improves or the budget is spent.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.spatial import cKDTree

NEIGHBOURS = 8
_EPS = 1e-9
_CLOCK_EVERY = 64  # candidates between two looks at the clock


def two_opt(points: np.ndarray, entries: np.ndarray, max_moves: int, budget_s: float | None = None) -> np.ndarray:
    """Improve ``entries`` (from :func:`.tour_greedy.greedy_order`) with at most ``max_moves`` tried moves.

    Counting moves, not seconds, makes the result the same on every machine; ``budget_s``
    adds a wall-clock cap for callers who prefer a bounded time to an identical result.
    """
    deadline = math.inf if budget_s is None else time.perf_counter() + budget_s
    size = len(points)
    virtual = size - 2
    tour = np.empty(size, dtype=np.int64)
    tour[0], tour[1] = virtual, virtual + 1
    tour[2::2], tour[3::2] = entries, entries ^ 1
    position = np.empty(size, dtype=np.int64)
    position[tour] = np.arange(size)
    coords = np.nan_to_num(points)  # the virtual end's distance is forced to 0 below
    neighbours = _neighbour_lists(points, virtual)
    moves_left = max_moves
    while moves_left > 0 and time.perf_counter() < deadline:
        anchors, partners = _improving_candidates(coords, tour, position, neighbours, virtual)
        anchors, partners = anchors[:moves_left], partners[:moves_left]
        moves_left -= len(anchors)
        if len(anchors) == 0 or not _apply(coords, tour, position, anchors, partners, virtual, deadline):
            break
    return _read_entries(tour, position, virtual)


def _neighbour_lists(points: np.ndarray, virtual: int) -> np.ndarray:
    """``(size, K)`` nearest other endpoints of each endpoint (-1 where there are fewer)."""
    size = len(points)
    real = np.flatnonzero(np.arange(size) != virtual)
    k = min(NEIGHBOURS + 1, len(real))
    dist, j = cKDTree(points[real]).query(points[real], k=k, workers=-1)
    j = j.reshape(len(real), k)
    neighbours = np.full((size, k - 1), -1, dtype=np.int64)
    neighbours[real] = real[j[:, 1:]]
    return neighbours


def _distance(coords: np.ndarray, a: np.ndarray, b: np.ndarray, virtual: int) -> np.ndarray:
    d = np.hypot(coords[a, 0] - coords[b, 0], coords[a, 1] - coords[b, 1])
    d[(a == virtual) | (b == virtual)] = 0.0
    return d


def _improving_candidates(
    coords: np.ndarray, tour: np.ndarray, position: np.ndarray, neighbours: np.ndarray, virtual: int
) -> tuple[list[int], list[int]]:
    """Best improving partner per endpoint, best gains first.

    Anchor ``a`` and partner ``c`` must both be exits (then the moves removed are the ones
    leaving them) or both entries (the ones arriving at them): only then does the 2-opt
    reconnection keep a single cycle.
    """
    size = len(tour)
    a = np.repeat(np.arange(size), neighbours.shape[1])
    c = neighbours.ravel()
    keep = (c >= 0) & (c != a)  # coincident points may list an endpoint among its own neighbours
    a, c = a[keep], c[keep]
    pa, pc = position[a], position[c]
    keep = (pa & 1) == (pc & 1)
    a, c, pa, pc = a[keep], c[keep], pa[keep], pc[keep]
    step = np.where(pa & 1, 1, -1)
    na, nc = tour[(pa + step) % size], tour[(pc + step) % size]
    gain = (
        _distance(coords, a, na, virtual)
        + _distance(coords, c, nc, virtual)
        - _distance(coords, a, c, virtual)
        - _distance(coords, na, nc, virtual)
    )
    keep = gain > _EPS
    a, c, gain = a[keep], c[keep], gain[keep]
    if len(a) == 0:
        return [], []
    order = np.lexsort((-gain, a))
    order = order[np.r_[True, a[order][1:] != a[order][:-1]]]
    order = order[np.argsort(-gain[order], kind="stable")]
    return a[order].tolist(), c[order].tolist()


def _apply(
    coords: np.ndarray,
    tour: np.ndarray,
    position: np.ndarray,
    anchors: list[int],
    partners: list[int],
    virtual: int,
    deadline: float,
) -> bool:
    """Apply the candidates that still improve the current tour; True if any did."""
    size = len(tour)
    xy = coords.tolist()

    def dist(p: int, q: int) -> float:
        if p == virtual or q == virtual:
            return 0.0
        (px, py), (qx, qy) = xy[p], xy[q]
        return math.hypot(px - qx, py - qy)

    applied = False
    for count, (a, c) in enumerate(zip(anchors, partners, strict=True)):
        if count % _CLOCK_EVERY == 0 and deadline < math.inf and time.perf_counter() > deadline:
            break
        pa, pc = int(position[a]), int(position[c])
        if (pa ^ pc) & 1:
            continue
        step = 1 if pa & 1 else -1
        na, nc = int(tour[(pa + step) % size]), int(tour[(pc + step) % size])
        if dist(a, na) + dist(c, nc) - dist(a, c) - dist(na, nc) <= _EPS:
            continue
        # the paths strictly between the two removed moves are reversed
        lo, hi = (min(pa, pc), max(pa, pc))
        lo, hi = (lo + 1, hi) if step == 1 else (lo, hi - 1)
        _reverse(tour, position, lo, hi)
        applied = True
    return applied


def _reverse(tour: np.ndarray, position: np.ndarray, lo: int, hi: int) -> None:
    """Reverse ``tour[lo..hi]`` (inclusive) or, equivalently on a cycle, its shorter complement."""
    size = len(tour)
    if 2 * (hi - lo + 1) > size:
        lo, hi = hi + 1, lo - 1 + size
    if hi < size:
        segment = tour[hi : lo - 1 if lo > 0 else None : -1].copy()
        tour[lo : hi + 1] = segment
        position[segment] = np.arange(lo, hi + 1)
    else:
        index = np.arange(lo, hi + 1) % size
        segment = tour[index[::-1]]
        tour[index] = segment
        position[segment] = index


def _read_entries(tour: np.ndarray, position: np.ndarray, virtual: int) -> np.ndarray:
    """Entry endpoints in drawing order, walking the cycle away from the depot's virtual end."""
    size = len(tour)
    depot = int(position[virtual + 1])
    forward = (depot - int(position[virtual])) % size == 1
    offsets = np.arange(1, size - 1)
    walk = tour[(depot + offsets) % size] if forward else tour[(depot - offsets) % size]
    return walk[0::2]
