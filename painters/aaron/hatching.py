"""Hatching as a plotter artist does it: parallel rows joined into boustrophedon sweeps.

Rows cross the region every ``spacing`` mm at one angle. Consecutive rows run back and
forth and are joined by a short *link* that runs along the region's own boundary, inside
it, from where one row ends to where the next begins, so the pen stays down through a
whole sweep as hatch-fill tools draw it (and as AARON's painting machine kept its wet edge
moving forward). A link is only taken when it is short and passes no other row's end;
otherwise the sweep stops there and a new one starts: the pen lifts only where the
region's shape asks for it.

>>> import shapely
>>> sweeps = hatch(shapely.box(0, 0, 20, 10), spacing=2.0, angle=0.0)
>>> len(sweeps), len(sweeps[0])  # one sweep: 5 rows joined by 4 links
(1, 9)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

#: Rows this short (mm) are not drawn: they read as dots.
MIN_ROW_MM = 1.0
#: Longest link (in row spacings) the pen draws along the boundary instead of lifting.
MAX_LINK_SPACINGS = 3.0
#: How far (mm) a row's end may lie from the boundary ring it is matched to.
_ON_RING_MM = 1e-6


@dataclass
class _Sweep:
    guides: list[np.ndarray]  # row, link, row, link, ..., row
    row: int  # index of the last row in the sweep
    end: np.ndarray  # where the pen is at the end of the sweep


def hatch(region: shapely.Geometry, spacing: float, angle: float) -> list[list[np.ndarray]]:
    """Sweeps that fill ``region`` with rows every ``spacing`` mm at ``angle`` (radians).

    Each sweep is a list of guides to draw one after another without lifting the pen:
    rows at even indices, links along the boundary at odd ones; each guide starts where
    the one before it ends.
    """
    if region.is_empty or spacing <= 0:
        return []
    rows = _rows(region, spacing, angle)
    if not rows:
        return []
    rings = [r for poly in shapely.get_parts(region) if poly.geom_type == "Polygon"
             for r in (poly.exterior, *poly.interiors)]
    ends = np.array([p for _, part in rows for p in (part[0], part[-1])])
    where = _locate(rings, ends)
    longest = MAX_LINK_SPACINGS * spacing
    sweeps: list[_Sweep] = []
    for index, (row, part) in enumerate(rows):
        best: tuple[float, _Sweep, np.ndarray, np.ndarray] | None = None
        for sweep in sweeps:
            if sweep.row != row - 1:
                continue
            for flip in (False, True):
                line = part[::-1] if flip else part
                start = 2 * index + flip
                link = _link(rings, where, sweep.end, start, longest)
                if link is not None and (best is None or link[0] < best[0]):
                    best = (link[0], sweep, link[1], line)
        if best is None:
            sweeps.append(_Sweep([part], row, part[-1]))
            continue
        _, sweep, link, line = best
        sweep.guides += [link, line]
        sweep.row, sweep.end = row, line[-1]
    return [s.guides for s in sweeps]


def _rows(region: shapely.Geometry, spacing: float, angle: float) -> list[tuple[int, np.ndarray]]:
    """(row number, piece) of every hatch row across ``region``, in sweep order."""
    direction = np.array([math.cos(angle), math.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    corners = np.asarray(shapely.envelope(region).exterior.coords)
    across, along = corners @ normal, corners @ direction
    offsets = np.arange(across.min() + spacing / 2, across.max(), spacing)
    starts = offsets[:, None] * normal + (along.min() - 1) * direction
    ends = offsets[:, None] * normal + (along.max() + 1) * direction
    pieces = shapely.intersection(shapely.linestrings(np.stack([starts, ends], axis=1)), region)
    rows = []
    for k, piece in enumerate(pieces):
        for part in shapely.get_parts(piece):
            if part.geom_type == "LineString" and part.length > MIN_ROW_MM:
                rows.append((k, np.asarray(part.coords)))
    return rows


def _locate(rings: list[shapely.Geometry], points: np.ndarray) -> np.ndarray:
    """(ring index, arc position) of each point on the boundary ring it lies on (-1: none)."""
    where = np.full((len(points), 2), -1.0)
    geometry = shapely.points(points)
    for k, ring in enumerate(rings):
        on = (where[:, 0] < 0) & (shapely.distance(ring, geometry) < _ON_RING_MM)
        where[on, 0] = k
        where[on, 1] = shapely.line_locate_point(ring, geometry[on])
    return where


def _link(rings: list[shapely.Geometry], where: np.ndarray, end: np.ndarray, start: int,
          longest: float) -> tuple[float, np.ndarray] | None:
    """The shorter way along the boundary from the point ``end`` to row end ``start``.

    None when the two are on different rings, the way is longer than ``longest``, or it
    passes another row's end (the link would run over that row).
    """
    ring_index, target = where[start]
    if ring_index < 0:
        return None
    ring = rings[int(ring_index)]
    origin = shapely.line_locate_point(ring, shapely.Point(end))
    if shapely.distance(ring, shapely.Point(end)) >= _ON_RING_MM:
        return None
    total = ring.length
    forward = (target - origin) % total
    length = min(forward, total - forward)
    if length > longest:
        return None
    same = where[:, 0] == ring_index
    offset = (where[same, 1] - origin) % total
    if forward <= total - forward:
        between = (offset > 1e-9) & (offset < forward - 1e-9)
    else:
        between = (offset > forward + 1e-9) & (offset < total - 1e-9)
    if between.any():
        return None
    return length, _along(ring, origin, forward if forward <= total - forward else forward - total)


def _along(ring: shapely.Geometry, origin: float, distance: float) -> np.ndarray:
    """Points of ``ring`` from arc position ``origin`` for ``distance`` mm (negative: backwards)."""
    coords = np.asarray(ring.coords)
    total = ring.length
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    low, high = sorted((origin, origin + distance))
    inner = np.concatenate([arc[:-1] + k * total for k in (-1, 0, 1)])
    points = np.concatenate([coords[:-1]] * 3)
    keep = (inner > low) & (inner < high)
    chosen, at = points[keep], inner[keep]
    chosen = chosen[np.argsort(at)]
    ends = shapely.get_coordinates(shapely.line_interpolate_point(ring, np.array([low, high]) % total))
    path = np.vstack([ends[:1], chosen, ends[1:]])
    return path if distance >= 0 else path[::-1]
