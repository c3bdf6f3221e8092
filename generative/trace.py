"""Rasters to pen strokes: centre lines for line drawings, outlines and hatching for filled areas.

A glyph raster is ink a few pixels wide; a pen draws its centre line. A filled raster (a
blob, a silhouette) has no useful centre line: its skeleton is a tangle of spurs; a pen
draws its outline and hatches the inside instead, with the project's hatcher
(:func:`painters.fool.strokes.hatch`), the line density following the ink. Which of the two
fits is read from the raster itself (:func:`ink_width_px`) unless the caller says. The skeleton comes from
``skimage.morphology.skeletonize`` when scikit-image is installed, otherwise from the
Zhang–Suen thinning here. Chaining walks the 8-connected skeleton graph: first from every
end or junction pixel along unvisited edges, then around the loops that have neither (an O).

>>> image = np.zeros((8, 8)); image[3:5, 1:7] = 1
>>> [len(p) > 1 for p in raster_to_strokes(image)]
[True]
"""

from __future__ import annotations

import numpy as np

_NEIGHBOURS = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]  # clockwise from north


def zhang_suen(mask: np.ndarray) -> np.ndarray:
    """Thin a boolean image to a one-pixel-wide skeleton (Zhang & Suen 1984), vectorised per sub-iteration."""
    image = np.pad(mask.astype(np.uint8), 1)
    while True:
        changed = False
        for first in (True, False):
            p = [np.roll(image, (-dy, -dx), axis=(0, 1)) for dy, dx in _NEIGHBOURS]  # p2..p9
            count = sum(p)
            transitions = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.uint8) for i in range(8))
            north, east, south, west = p[0], p[2], p[4], p[6]
            if first:
                gate = (north * east * south == 0) & (east * south * west == 0)
            else:
                gate = (north * east * west == 0) & (north * south * west == 0)
            remove = (image == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & gate
            if remove.any():
                image[remove] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1].astype(bool)


def skeleton(mask: np.ndarray) -> np.ndarray:
    try:
        from skimage.morphology import skeletonize
    except ImportError:
        return zhang_suen(mask)
    return skeletonize(mask)


def chain(skeleton_mask: np.ndarray) -> list[np.ndarray]:
    """Polylines of (row, column) pixel centres covering every edge of the 8-connected skeleton once."""
    pixels = {(int(r), int(c)) for r, c in zip(*np.nonzero(skeleton_mask), strict=True)}

    def neighbours(pixel: tuple[int, int]) -> list[tuple[int, int]]:
        r, c = pixel
        near = [(r + dr, c + dc) for dr, dc in _NEIGHBOURS if (r + dr, c + dc) in pixels]
        # a diagonal neighbour that is also reachable through a 4-neighbour is a staircase, not a branch
        orthogonal = {q for q in near if q[0] == r or q[1] == c}
        return [q for q in near if q in orthogonal or not any(
            abs(q[0] - o[0]) + abs(q[1] - o[1]) == 1 for o in orthogonal)]

    graph = {p: neighbours(p) for p in pixels}
    visited: set[frozenset] = set()
    polylines = []

    def walk(start: tuple[int, int], step: tuple[int, int]) -> list[tuple[int, int]]:
        line = [start]
        previous, current = start, step
        visited.add(frozenset((previous, current)))
        while True:
            line.append(current)
            if len(graph[current]) != 2:
                return line
            following = [q for q in graph[current] if frozenset((current, q)) not in visited]
            if not following:
                return line
            previous, current = current, following[0]
            visited.add(frozenset((previous, current)))

    nodes = sorted(p for p, near in graph.items() if len(near) != 2)  # ends and junctions
    for start in nodes + sorted(pixels):  # then loops, which have no node
        for step in graph[start]:
            if frozenset((start, step)) not in visited:
                polylines.append(np.array(walk(start, step), dtype=np.float64))
    return polylines


REDUCTIONS = ("auto", "skeleton", "hatch")
_HATCH_BOX_MM = 100.0
#: Mean ink width (pixels) above which ``auto`` hatches: twice the training data's 1.6 px lines, plus slack.
FILLED_WIDTH_PX = 3.5


def ink_width_px(mask: np.ndarray) -> float:
    """Mean width of the ink: inked pixels per skeleton pixel (≈ line width for a line drawing, large for a blob)."""
    return float(mask.sum()) / max(1, int(skeleton(mask).sum()))


def reduce_raster(image: np.ndarray, how: str = "auto", threshold: float = 0.5) -> list[np.ndarray]:
    """Pen strokes (unit box) of an ink image: ``skeleton`` centre lines, ``hatch``, or ``auto`` by ink width."""
    if how not in REDUCTIONS:
        raise ValueError(f"unknown raster reduction {how!r}; available: {', '.join(REDUCTIONS)}")
    mask = np.asarray(image) > threshold
    if how == "hatch" or (how == "auto" and mask.any() and ink_width_px(mask) > FILLED_WIDTH_PX):
        return raster_to_hatching(image, threshold)
    return raster_to_strokes(image, threshold)


def raster_to_hatching(image: np.ndarray, threshold: float = 0.5, angle_deg: float = 45.0,
                       spacing_px: float = 1.5) -> list[np.ndarray]:
    """Outlines of the inked regions and hatching inside them, denser where the ink is darker (unit box)."""
    import shapely

    from painters.fool.strokes import hatch

    image = np.asarray(image, dtype=np.float64)
    size = image.shape[0]
    rows, columns = np.nonzero(image > threshold)
    if len(rows) == 0:
        return []
    # the hatcher works in mm (its shortest dash, its tone step): draw on a _HATCH_BOX_MM square, then scale back
    pixel = _HATCH_BOX_MM / size
    cells = shapely.box(columns * pixel, rows * pixel, (columns + 1) * pixel, (rows + 1) * pixel)
    region = shapely.union_all(cells).simplify(0.5 * pixel)  # pixel staircases become straight edges

    def tone(xy: np.ndarray) -> np.ndarray:  # coverage wanted: the ink at each point
        index = np.clip((xy / pixel).astype(int), 0, size - 1)
        return image[index[:, 1], index[:, 0]]

    lines = hatch(region, np.radians(angle_deg), spacing_px * pixel, 1.0, tone, wobble_mm=0.0,
                  rng=np.random.default_rng(0))
    outlines = [smooth(np.asarray(ring.coords)) for polygon in shapely.get_parts(region)
                for ring in (polygon.exterior, *polygon.interiors)]
    return [p / _HATCH_BOX_MM for p in (*outlines, *lines)]


def raster_to_strokes(image: np.ndarray, threshold: float = 0.5, min_pixels: int = 2) -> list[np.ndarray]:
    """Centre-line polylines of an ``(S, S)`` ink image in [0, 1], in the unit box (x right, y down)."""
    size = image.shape[0]
    lines = chain(skeleton(np.asarray(image) > threshold))
    # pixel (row, col) has its centre at ((col + 0.5)/S, (row + 0.5)/S), as data.rasterize draws it
    return [smooth((line[:, ::-1] + 0.5) / size) for line in lines if len(line) >= min_pixels]


def smooth(line: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Chaikin corner cutting: a skeleton's pixel staircase becomes a pen-like curve.

    Each pass replaces every segment by points at 1/4 and 3/4 of it; the end points stay,
    so strokes still meet where the skeleton's branches met.
    """
    for _ in range(iterations):
        if len(line) < 3:
            return line
        quarter = 0.75 * line[:-1] + 0.25 * line[1:]
        three_quarters = 0.25 * line[:-1] + 0.75 * line[1:]
        middle = np.empty((2 * len(quarter), 2))
        middle[0::2], middle[1::2] = quarter, three_quarters
        line = np.vstack([line[:1], middle[1:-1], line[-1:]])
    return line
