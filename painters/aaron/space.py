"""Where things may go: a coarse occupancy map of the page, depth bands and a horizon.

The map is a grid of cells (a few mm each); a cell is ground (0) or the id of the object
that holds it. An object asks for a box by rejection sampling: candidate boxes are drawn
from its allocation rule and the first whose *core* (the middle of the box) lies on ground
and inside the margins wins. Only cores are claimed, so neighbours may overlap at their
edges, which is where occlusion makes its T-junctions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in mm


@dataclass(frozen=True)
class Stage:
    """The page's depth structure: the drawable area and the horizon (None: no ground).

    Depth grows from the bottom margin up to the horizon, as in a landscape seen from
    standing height; allocation rules name bands of that ground as shares of it (the far
    band just under the horizon, the foreground at the bottom).
    """

    area: Box
    horizon: float | None

    def scale_at(self, base_y: float) -> float:
        """Perspective: an object standing at the horizon is 0.45 of one at the bottom margin."""
        if self.horizon is None:
            return 1.0
        span = max(self.area[3] - self.horizon, 1e-9)
        return 0.45 + 0.55 * min(max((base_y - self.horizon) / span, 0.0), 1.0)


class OccupancyMap:
    """Coarse cells over the page recording which object owns each cell (0 = ground)."""

    def __init__(self, page: tuple[float, float], cell_mm: float) -> None:
        self.cell = cell_mm
        self.cells = np.zeros((math.ceil(page[1] / cell_mm), math.ceil(page[0] / cell_mm)), dtype=np.int32)

    def _window(self, box: Box) -> tuple[slice, slice]:
        x0, y0, x1, y1 = (int(v / self.cell) for v in box)
        return slice(max(y0, 0), max(y1 + 1, 0)), slice(max(x0, 0), max(x1 + 1, 0))

    def is_ground(self, box: Box) -> bool:
        return not self.cells[self._window(box)].any()

    def take(self, box: Box, owner: int) -> None:
        window = self.cells[self._window(box)]
        window[window == 0] = owner

    def taken_fraction(self) -> float:
        return float((self.cells != 0).mean())


def core(box: Box, share: float) -> Box:
    """The middle ``share`` of a box (by side): what an object claims on the map."""
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * (1 - share) / 2, (y1 - y0) * (1 - share) / 2
    return (x0 + dx, y0 + dy, x1 - dx, y1 - dy)


def inside(box: Box, area: Box) -> bool:
    return box[0] >= area[0] and box[1] >= area[1] and box[2] <= area[2] and box[3] <= area[3]


def allocate(space: OccupancyMap, area: Box, propose: Callable[[], Box], core_share: float,
             tries: int) -> tuple[Box | None, int]:
    """Rejection sampling: the first proposed box inside ``area`` whose core is on ground.

    Returns the box (or None after ``tries`` refusals) and how many candidates were drawn.
    """
    for attempt in range(1, tries + 1):
        box = propose()
        if inside(box, area) and space.is_ground(core(box, core_share)):
            return box, attempt
    return None, tries
