"""Join paths whose ends (nearly) touch, so the pen stays down across the join.

Per layer, ends within ``tolerance_mm`` are joined greedily, closest first
(:func:`.end_matching.match_ends`), reversing paths as needed and repeating until nothing is
left to join. Where the two ends coincide (within 1e-9 mm) the duplicate point is dropped
(vpype's linemerge keeps both, leaving zero-length segments); otherwise the gap is drawn as
a short segment. A chain whose two ends meet becomes a closed path.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import OperationError
from ..geometry import endpoints
from ..plan import Plan
from .end_matching import match_ends

COINCIDENT_MM = 1e-9


def merge_paths(plan: Plan, tolerance_mm: float) -> Plan:
    """Join the paths of each layer whose ends are within ``tolerance_mm`` of each other."""
    if not (math.isfinite(tolerance_mm) and tolerance_mm >= 0):
        raise OperationError(f"merge tolerance must be a finite length >= 0 mm, got {tolerance_mm!r}")
    return plan.map_layers(lambda layer: layer.with_paths(_merge_layer(layer.paths, tolerance_mm)))


def _merge_layer(paths: tuple[np.ndarray, ...], tolerance_mm: float) -> list[np.ndarray]:
    if len(paths) < 2:
        return list(paths)
    starts, ends = endpoints(paths)
    points = np.empty((2 * len(paths), 2))
    points[0::2], points[1::2] = starts, ends
    link = match_ends(points, max_distance=tolerance_mm, close_loops=True).tolist()
    done = [False] * len(paths)
    merged = []
    # open chains first, each walked from one of its free ends, in the order they appear
    for first in range(2 * len(paths)):
        if link[first] == -1 and not done[first >> 1]:
            merged.append(_walk(paths, link, first, done))
    for i in range(len(paths)):  # what is left are closed loops
        if not done[i]:
            merged.append(_walk(paths, link, 2 * i, done))
    return merged


def _walk(paths: tuple[np.ndarray, ...], link: list[int], entry: int, done: list[bool]) -> np.ndarray:
    """Concatenate the chain that enters at endpoint ``entry``, closing it if it loops."""
    pieces = []
    previous_end = None
    while True:
        done[entry >> 1] = True
        piece = paths[entry >> 1][::-1] if entry & 1 else paths[entry >> 1]
        if previous_end is not None and _coincident(previous_end, piece[0]):
            piece = piece[1:]
        if len(piece):
            pieces.append(piece)
            previous_end = piece[-1]
        following = link[entry ^ 1]
        if following == -1:
            return np.concatenate(pieces)
        if done[following >> 1]:  # back at the first path: a loop
            first_point = pieces[0][0]
            line = np.concatenate(pieces)
            if _coincident(line[-1], first_point):
                line[-1] = first_point
                return line if len(line) >= 3 else line[:1]
            return np.vstack([line, first_point])
        entry = following


def _coincident(p: np.ndarray, q: np.ndarray) -> bool:
    return abs(p[0] - q[0]) <= COINCIDENT_MM and abs(p[1] - q[1]) <= COINCIDENT_MM
