"""Cut everything outside a rectangle (by default the page), so no move leaves the paper.

Paths wholly inside are kept as they are; the others go to shapely in one vectorised
``clip_by_rect`` call. A path that leaves and comes back becomes several pieces; a closed
path that is cut becomes open pieces (the two around its start joined back into one).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ..errors import OperationError
from ..geometry import flatten
from ..plan import Plan


def clip_to_page(plan: Plan, rect: tuple[float, float, float, float] | None = None) -> Plan:
    """Keep only what lies inside ``rect`` = ``(xmin, ymin, xmax, ymax)`` (default the page)."""
    box = (0.0, 0.0, *plan.page_mm) if rect is None else tuple(float(v) for v in rect)
    if len(box) != 4 or not all(math.isfinite(v) for v in box) or box[0] > box[2] or box[1] > box[3]:
        raise OperationError(f"clip rectangle must be finite (xmin, ymin, xmax, ymax) with min <= max, got {rect!r}")
    return plan.map_layers(lambda layer: layer.with_paths(_clip_layer(layer.paths, box)))


def _clip_layer(paths: tuple[np.ndarray, ...], box: tuple[float, float, float, float]) -> list[np.ndarray]:
    if not paths:
        return []
    lower, upper = np.array(box[:2]), np.array(box[2:])
    inside = np.array([((p >= lower) & (p <= upper)).all() for p in paths])
    cut = [i for i, p in enumerate(paths) if not inside[i] and len(p) > 1]
    pieces: dict[int, list[np.ndarray]] = {i: [] for i in cut}
    if cut:
        points, offsets = flatten([paths[i] for i in cut])
        lines = shapely.linestrings(points, indices=np.repeat(np.arange(len(cut)), np.diff(offsets)))
        parts, owner = shapely.get_parts(shapely.clip_by_rect(lines, *box), return_index=True)
        coords, index = shapely.get_coordinates(parts, return_index=True)
        bounds = np.searchsorted(index, np.arange(len(parts) + 1))
        for k, i in enumerate(owner.tolist()):
            piece = coords[bounds[k] : bounds[k + 1]]
            if len(piece) >= 2 and np.any(piece[1:] != piece[:-1]):  # a touch on the edge draws nothing
                pieces[cut[i]].append(piece)
    result = []
    for i, path in enumerate(paths):
        if inside[i]:
            result.append(path)
        elif i in pieces:
            result.extend(_rejoin_at_start(path, pieces[i]))
    return result


def _rejoin_at_start(path: np.ndarray, pieces: list[np.ndarray]) -> list[np.ndarray]:
    """A cut closed path whose start is inside: its last piece runs into its first."""
    closed = len(path) >= 3 and np.array_equal(path[0], path[-1])
    if (
        closed
        and len(pieces) >= 2
        and np.array_equal(pieces[0][0], path[0])
        and np.array_equal(pieces[-1][-1], path[0])
    ):
        return [np.vstack([pieces[-1], pieces[0][1:]]), *pieces[1:-1]]
    return pieces
