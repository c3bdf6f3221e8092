"""Greedy-matching construction of a drawing order (the start tour for :mod:`.tour_twoopt`).

Greedy edge matching (:func:`.end_matching.match_ends`) gives much shorter tours than
nearest-neighbour chaining and, unlike it, vectorises. A "depot" path stands for the pen's
start position: its entry is a virtual (NaN) end that nothing may join, its exit is the
start point, so the finished chain begins where the pen is.
"""

from __future__ import annotations

import numpy as np

from .end_matching import match_ends


def endpoint_table(starts: np.ndarray, ends: np.ndarray, start: tuple[float, float]) -> np.ndarray:
    """``(2n + 2, 2)`` endpoint coordinates: path ends interleaved, then the depot (NaN, start)."""
    n = len(starts)
    points = np.empty((2 * n + 2, 2))
    points[0 : 2 * n : 2] = starts
    points[1 : 2 * n : 2] = ends
    points[2 * n] = np.nan
    points[2 * n + 1] = start
    return points


def greedy_order(points: np.ndarray, *, allow_reverse: bool = True) -> np.ndarray:
    """Entry endpoint of each path, in drawing order, for the table from :func:`endpoint_table`.

    An entry ``e`` means path ``e // 2`` is drawn reversed when ``e`` is odd. Without
    ``allow_reverse`` only an end (odd) may join a start (even).
    """
    table = match_ends(points, allow_reverse=allow_reverse).tolist()
    n = len(points) // 2 - 1
    entries = np.empty(n, dtype=np.int64)
    current = 2 * n + 1  # the depot's exit: the pen's start position
    for k in range(n):  # one step per path: the chain is only known link by link
        entry = table[current]
        entries[k] = entry
        current = entry ^ 1
    return entries
