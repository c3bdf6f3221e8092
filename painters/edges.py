"""Edge contours: Canny edges traced into polylines, the line drawing inside a photograph.

Canny (scikit-image) marks one-pixel-wide edge pixels; tracing walks them into chains:
the 8-connected neighbour table is built with numpy, then each chain is followed from an
end or a junction to the next (a loop over chains and their pixels, cheap next to Canny on
the few thousand edge pixels a picture holds). Chains are mapped to mm, simplified, joined
where their ends nearly touch, and the short ones dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import shapely
from skimage import feature

from plotter.errors import PlanError
from plotter.ops import merge_paths, sort_paths
from plotter.plan import Pen, Plan

from .image_input import as_rgb
from .plottable import finished
from .raster import Placement, darkness, place, working_field
from .stipple import DEFAULT_PEN

_OFFSETS = np.array([(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)])


@dataclass(frozen=True)
class EdgeParams:
    """Detail (the pixel size edges are found at), Canny blur and thresholds, clean-up lengths."""

    cell_mm: float = 0.3  # 0.05..5, size on paper of one pixel of the edge image
    sigma_mm: float = 0.9  # 0.05..10, Canny's Gaussian blur, on paper
    low: float = 0.7  # 0..1, hysteresis thresholds as quantiles of the gradient magnitude
    high: float = 0.9
    min_length_mm: float = 2.0  # 0..100, shorter chains are dropped
    join_mm: float = 0.8  # 0..10, chain ends this close are joined
    simplify_mm: float = 0.08  # 0..2

    def validate(self) -> None:
        for name, low, high in (("cell_mm", 0.05, 5), ("sigma_mm", 0.05, 10), ("low", 0, 1), ("high", 0, 1),
                                ("min_length_mm", 0, 100), ("join_mm", 0, 10), ("simplify_mm", 0, 2)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PlanError(f"edges: {name}={value} is outside {low}..{high}")
        if self.low > self.high:
            raise PlanError(f"edges: low={self.low} is above high={self.high}")


def edge_chains(edges: np.ndarray) -> list[np.ndarray]:
    """Chains of 8-connected pixels of the boolean ``edges`` image, as ``(N, 2)`` (row, col) arrays."""
    rows, cols = np.nonzero(edges)
    if len(rows) == 0:
        return []
    index = np.full((edges.shape[0] + 2, edges.shape[1] + 2), -1, dtype=np.int64)
    index[rows + 1, cols + 1] = np.arange(len(rows))
    neighbours = index[rows[:, None] + 1 + _OFFSETS[:, 0], cols[:, None] + 1 + _OFFSETS[:, 1]]  # (N, 8)
    # a diagonal step is redundant where an edge pixel fills its corner: keeping it would make
    # every such corner a junction and cut the chain into slivers
    diagonal = np.flatnonzero(np.abs(_OFFSETS).sum(axis=1) == 2)
    corner_a = index[rows[:, None] + 1 + _OFFSETS[diagonal, 0], cols[:, None] + 1] >= 0
    corner_b = index[rows[:, None] + 1, cols[:, None] + 1 + _OFFSETS[diagonal, 1]] >= 0
    neighbours[:, diagonal] = np.where(corner_a | corner_b, -1, neighbours[:, diagonal])
    degree = (neighbours >= 0).sum(axis=1)
    table = [list(n[n >= 0]) for n in neighbours]
    used: set[tuple[int, int]] = set()
    chains = []

    def walk(start: int, nxt: int) -> list[int]:
        chain = [start, nxt]
        used.add((min(start, nxt), max(start, nxt)))
        previous, current = start, nxt
        while degree[current] == 2:
            step = next((n for n in table[current] if n != previous), None)
            if step is None or (min(current, step), max(current, step)) in used:
                break
            used.add((min(current, step), max(current, step)))
            chain.append(step)
            previous, current = current, step
        return chain

    for start in np.flatnonzero(degree != 2).tolist():  # ends and junctions first
        for nxt in table[start]:
            if (min(start, nxt), max(start, nxt)) not in used:
                chains.append(walk(start, nxt))
    for start in range(len(rows)):  # what is left are loops
        for nxt in table[start]:
            if (min(start, nxt), max(start, nxt)) not in used:
                chains.append(walk(start, nxt))
    pixels = np.column_stack([rows, cols]).astype(np.float64) + 0.5
    return [pixels[c] for c in chains]


def paint(image: np.ndarray, *, page: tuple[float, float] = (210.0, 297.0), margin_mm: float = 10.0, seed: int = 1,
          pen: Pen | None = None, params: EdgeParams | None = None,
          progress: Callable[[float], None] | None = None) -> Plan:
    """The edges of ``image`` as polylines on ``page`` (``seed`` is recorded; the result does not depend on it)."""
    params = params or EdgeParams()
    params.validate()
    pen = pen or DEFAULT_PEN
    rgb = as_rgb(image)
    placement = place(rgb.shape, page, margin_mm)
    paths = edge_paths(darkness(rgb), placement, params)
    if progress is not None:
        progress(1.0)
    metadata = {"generator": "edges", "seed": seed, "params": {**asdict(params), "margin_mm": margin_mm,
                                                               "pen": asdict(pen)}}
    builder = Plan.builder(page, metadata)
    builder.pen(pen)
    for path in paths:
        builder.add(path, pen)
    plan = merge_paths(builder.build(), params.join_mm)
    return sort_paths(plan.map_paths(lambda path: finished([path], page, min_length_mm=params.min_length_mm)))


def edge_paths(dark: np.ndarray, placement: Placement, params: EdgeParams) -> list[np.ndarray]:
    """Canny chains of the darkness image ``dark`` laid by ``placement``, in mm, simplified."""
    field, grid = working_field(dark, placement, params.cell_mm)
    edges = feature.canny(field, sigma=params.sigma_mm / grid.mm_per_px, low_threshold=params.low,
                          high_threshold=params.high, use_quantiles=True)
    chains = [grid.to_mm(chain) for chain in edge_chains(edges) if len(chain) >= 2]
    if not chains or params.simplify_mm <= 0:
        return chains
    simple = shapely.simplify(np.array([shapely.LineString(c) for c in chains], dtype=object), params.simplify_mm)
    return [np.asarray(line.coords) for line in simple]
