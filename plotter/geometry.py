"""Vectorised helpers over many paths at once.

Bulk work flattens a list of paths into one ``(M, 2)`` point array plus ``offsets`` (path
``i`` is ``points[offsets[i]:offsets[i+1]]``), as shapely's ragged arrays do, so loops run
over paths or events, never over points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def flatten(paths: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(points, offsets)``: all points stacked, and ``len(paths) + 1`` offsets."""
    counts = np.fromiter((len(p) for p in paths), dtype=np.int64, count=len(paths))
    offsets = np.zeros(len(paths) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    points = np.concatenate(paths) if paths else np.empty((0, 2))
    return points, offsets


def path_lengths(paths: Sequence[np.ndarray]) -> np.ndarray:
    """Pen-down length in mm of each path, in one vectorised pass."""
    if not paths:
        return np.zeros(0)
    points, offsets = flatten(paths)
    segment = np.hypot(*np.diff(points, axis=0).T)
    # a segment that joins the last point of one path to the first of the next is not drawn
    segment[offsets[1:-1] - 1] = 0.0
    cumulative = np.concatenate([[0.0], np.cumsum(segment)])
    return cumulative[offsets[1:] - 1] - cumulative[offsets[:-1]]


def travel_lengths(paths: Sequence[np.ndarray]) -> np.ndarray:
    """Pen-up distance from the end of each path to the start of the next (``len - 1`` values)."""
    if len(paths) < 2:
        return np.zeros(0)
    ends = np.array([p[-1] for p in paths[:-1]])
    starts = np.array([p[0] for p in paths[1:]])
    return np.hypot(*(starts - ends).T)


def endpoints(paths: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)``: two ``(len(paths), 2)`` arrays of first and last points."""
    if not paths:
        return np.empty((0, 2)), np.empty((0, 2))
    return np.array([p[0] for p in paths]), np.array([p[-1] for p in paths])


#: Overflow smaller than a micron is unit-conversion noise (px → mm), not a drawing off the page.
OVERFLOW_SLACK_MM = 1e-3


def overflow(bounds: tuple[float, float, float, float] | None, width: float, height: float,
             slack: float = OVERFLOW_SLACK_MM) -> list[str]:
    """How far a drawing's ``bounds`` leave a ``width`` x ``height`` mm area, side by side.

    ``["12.3 mm on the right", "0.5 mm at the top"]``; empty when everything fits.
    """
    if bounds is None:
        return []
    xmin, ymin, xmax, ymax = bounds
    amounts = {"on the left": -xmin, "on the right": xmax - width, "at the top": -ymin, "at the bottom": ymax - height}
    return [f"{amount:.4g} mm {side}" for side, amount in amounts.items() if amount > slack]
