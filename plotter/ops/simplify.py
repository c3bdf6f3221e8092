"""Drop vertices that change a path by less than a tolerance (Ramer–Douglas–Peucker).

All paths of a layer go to shapely in one call (an array of LineStrings), so a million
points cost one C loop. RDP keeps a path's endpoints, so closed paths stay closed; a closed
path that would collapse below a triangle is kept as it was, and no path drops below two
points. Repeated consecutive points (zero-length segments) are dropped as well.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ..errors import OperationError
from ..geometry import flatten
from ..plan import Plan


def simplify_paths(plan: Plan, tolerance_mm: float) -> Plan:
    """Simplify every path so no removed vertex lay more than ``tolerance_mm`` off it."""
    if not (math.isfinite(tolerance_mm) and tolerance_mm >= 0):
        raise OperationError(f"simplify tolerance must be a finite length >= 0 mm, got {tolerance_mm!r}")
    return plan.map_layers(lambda layer: layer.with_paths(_simplify_layer(layer.paths, tolerance_mm)))


def _simplify_layer(paths: tuple[np.ndarray, ...], tolerance_mm: float) -> list[np.ndarray]:
    result = list(paths)
    todo = [i for i, path in enumerate(paths) if len(path) > 2]
    if not todo:
        return result
    points, offsets = flatten([paths[i] for i in todo])
    lines = shapely.linestrings(points, indices=np.repeat(np.arange(len(todo)), np.diff(offsets)))
    coords, index = shapely.get_coordinates(
        shapely.simplify(lines, tolerance_mm, preserve_topology=False), return_index=True
    )
    # repeated points are zero-length segments a plotter would send as no-op moves: drop them too
    repeated = np.r_[False, (np.diff(coords, axis=0) == 0).all(axis=1) & (np.diff(index) == 0)]
    coords, index = coords[~repeated], index[~repeated]
    bounds = np.searchsorted(index, np.arange(len(todo) + 1))
    for k, i in enumerate(todo):
        simple = coords[bounds[k] : bounds[k + 1]]
        closed = np.array_equal(paths[i][0], paths[i][-1])
        if len(simple) < (4 if closed else 2):
            simple = paths[i] if closed else paths[i][[0, -1]]
        result[i] = simple
    return result
