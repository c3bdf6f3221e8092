"""The last step of every image painter: only paths a plotter can draw leave it.

Repeated points are dropped (a zero-length move is a no-op a G-code sender still waits
for), paths with no length left are dropped, and anything a tremor pushed off the page (or
off the picture, for a painter that asks) is cut at its edge, all in one vectorised pass
over the stacked points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from plotter.geometry import flatten

#: Shortest path kept, mm: below this a pen only makes a dot it was not asked for.
MIN_LENGTH_MM = 0.02


def finished(paths: Sequence[np.ndarray], page: tuple[float, float], *, min_length_mm: float = MIN_LENGTH_MM,
             simplify_mm: float = 0.0, frame: tuple[float, float, float, float] | None = None) -> list[np.ndarray]:
    """``paths`` without repeated points, inside ``page``, none shorter than ``min_length_mm``.

    ``simplify_mm`` > 0 also drops points closer than that to the line through their
    neighbours (Douglas–Peucker), for painters that sample finely where lines run straight.
    ``frame`` ``(x0, y0, x1, y1)``, when given, is the rectangle kept instead of the page:
    the picture's own, for painters whose tremor must not stray over its edge.
    """
    box = frame if frame is not None else (0.0, 0.0, *page)
    paths = [p for p in paths if len(p) >= 2]
    if not paths:
        return []
    points, offsets = flatten(paths)
    owner = np.repeat(np.arange(len(paths)), np.diff(offsets))
    repeat = np.zeros(len(points), dtype=bool)
    repeat[1:] = (owner[1:] == owner[:-1]) & np.all(points[1:] == points[:-1], axis=1)
    points, owner = points[~repeat], owner[~repeat]
    inside = np.all((points >= box[:2]) & (points <= box[2:]), axis=1)
    pieces = np.split(points, np.flatnonzero(np.diff(owner)) + 1)  # every path keeps its first point
    whole = np.ones(len(pieces), dtype=bool)
    whole[owner[~inside]] = False
    result = [p for p, ok in zip(pieces, whole, strict=True) if ok]
    result.extend(_clipped([p for p, ok in zip(pieces, whole, strict=True) if not ok], box))
    if simplify_mm > 0 and result:
        simple = shapely.simplify(np.array([shapely.LineString(p) for p in result], dtype=object), simplify_mm)
        result = [np.asarray(line.coords) for line in simple]
    return [p for p in result if len(p) >= 2 and np.hypot(*np.diff(p, axis=0).T).sum() > min_length_mm]


def _clipped(paths: list[np.ndarray], box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The parts of ``paths`` inside ``box`` (the few that strayed off it)."""
    paths = [p for p in paths if len(p) >= 2]
    if not paths:
        return []
    parts = shapely.get_parts(shapely.intersection([shapely.LineString(p) for p in paths], shapely.box(*box)))
    parts = parts[shapely.get_type_id(parts) == 1]
    return [np.asarray(part.coords) for part in parts]
