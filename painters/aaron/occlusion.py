"""Occlusion for a pen that cannot erase: draw nearest first, stop lines at what is in front.

Objects come nearest first, and each object's parts nearest first. A running union holds
every closed form drawn so far (the polygon of the outline as actually drawn, wobble and
all). Each later line is cut where it enters that union, so a farther outline ends exactly
on a nearer one: a T-junction, as in AARON's figurative drawings. Interior marks are kept
inside their own form. Pieces under a millimetre are dropped: they read as specks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from .forms import Thing
from .freehand import tidy

#: Pieces shorter than this (mm) left by a cut are dropped.
MIN_PIECE_MM = 1.0


@dataclass
class Visible:
    """What survives of one object, its fillable regions, and the space it now owns."""

    thing: Thing
    paths: list[np.ndarray] = field(default_factory=list)
    regions: list[tuple[str, shapely.Geometry]] = field(default_factory=list)  # (material, visible area)
    silhouette: shapely.Geometry = field(default_factory=shapely.Polygon)
    cut: int = 0  # lines that met a nearer form (T-junctions)
    dropped: int = 0  # pieces too short to draw


def polygon(path: np.ndarray) -> shapely.Geometry:
    """The area a drawn closed line encloses (a freehand line may cross itself near its close)."""
    shape = shapely.Polygon(path)
    if shape.is_valid:
        return shape
    parts = [g for g in shapely.get_parts(shapely.make_valid(shape)) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def occlude(things: list[Thing], drawn: list[list[np.ndarray]]) -> list[Visible]:
    """Clip every object's drawn lines against everything nearer; ``things`` come nearest first.

    What is nearer is the union of the nearer objects plus this object's nearer parts, kept
    as a list: one union per object, not per part, keeps the geometry work small.
    """
    taken: shapely.Geometry = shapely.Polygon()
    result = []
    for thing, paths in zip(things, drawn, strict=True):
        seen = Visible(thing)
        own: list[shapely.Geometry] = []
        forms: dict[str, tuple[shapely.Geometry, list[shapely.Geometry]]] = {}  # name → (area, what was nearer)
        for part, path in zip(thing.parts, paths, strict=True):
            nearer = [taken, *own]
            if part.closed:
                area = polygon(path)
                forms[part.name] = (area, nearer)
                _keep(seen, path, nearer, None)
                if part.material is not None:
                    seen.regions.append((part.material, _without(area, nearer)))
                own.append(area)
            elif part.within in forms:
                area, before = forms[part.within]
                _keep(seen, path, before, area.buffer(-0.3))
            else:
                _keep(seen, path, nearer, None)
        seen.silhouette = shapely.union_all(own) if own else shapely.Polygon()
        taken = taken.union(seen.silhouette)
        result.append(seen)
    return result


def _without(shape: shapely.Geometry, nearer: list[shapely.Geometry]) -> shapely.Geometry:
    for blocker in nearer:
        if shape.intersects(blocker):
            shape = shape.difference(blocker)
    return shape


def _keep(seen: Visible, path: np.ndarray, nearer: list[shapely.Geometry], inside: shapely.Geometry | None) -> None:
    line = shapely.LineString(path)
    hidden = any(not b.is_empty and line.intersects(b) for b in nearer)
    if inside is None and not hidden:
        seen.paths.append(path)
        return
    if inside is not None:
        line = line.intersection(inside)
    if hidden:
        line = _without(line, nearer)
        seen.cut += 1
    if line.geom_type == "MultiLineString":
        line = shapely.line_merge(line)  # a ring cut once comes back as two pieces meeting at its start
    for piece in shapely.get_parts(line):
        if piece.geom_type != "LineString":
            continue
        if piece.length < MIN_PIECE_MM:
            seen.dropped += 1
            continue
        seen.paths.append(tidy(np.asarray(piece.coords)))
