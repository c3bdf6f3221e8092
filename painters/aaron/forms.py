"""What the object levels hand to the drawing levels: parts with a course, nearest first."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from .space import Box


@dataclass(frozen=True)
class Part:
    """One line of an object: a closed form's outline or an open line (``closed`` False).

    ``lookahead_mm`` says how tightly the freehand pen keeps to the guide; ``material``
    names the colour role of a closed form (None: never filled); ``within`` names the closed
    part an open line belongs inside (a crack in a rock), which it is clipped to.
    """

    name: str
    guide: np.ndarray
    closed: bool
    lookahead_mm: float = 2.0
    material: str | None = None
    within: str | None = None
    swing: float = 1.0


@dataclass
class Thing:
    """One object of the composition: its box, its depth (base y: larger is nearer), its parts."""

    ident: int
    kind: str
    box: Box
    base_y: float
    parts: list[Part] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return f"object {self.ident} {self.kind}"


def outline_of(polygon: shapely.Geometry, start: np.ndarray | None = None) -> np.ndarray:
    """The exterior ring of the largest piece of ``polygon``, started at its vertex nearest
    ``start`` (where the line it grows from meets it), else at its top point."""
    if polygon.geom_type == "MultiPolygon":
        polygon = max(polygon.geoms, key=lambda g: g.area)
    ring = np.asarray(polygon.exterior.coords)[:-1]
    top = int(np.argmin(ring[:, 1] if start is None else np.hypot(*(ring - start).T)))
    ring = np.roll(ring, -top, axis=0)
    return np.vstack([ring, ring[:1]])


def place(points: np.ndarray, scale: float, origin: tuple[float, float]) -> np.ndarray:
    return points * scale + np.asarray(origin)
