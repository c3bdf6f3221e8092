"""The baseline open image-to-plotter scripts use (after linedraw): edge chains + grid hatching.

Edges are Canny chains (:func:`painters.edges.edge_paths`, default settings). Hatching cuts
the picture into square cells, 16 pixels of the script's working image each, and gives a
cell by its mean luminance (0..255) 0 to 3 strokes: > 144 none; > 64 a horizontal line a
quarter down; > 16 also the diagonal; else also a second horizontal three quarters down.
Touching strokes are joined. The working resolution is free in such scripts (they resize
the input), so :func:`matched` picks the cell size that gives a requested pen-down length:
the baseline is always compared at the same ink as the painter it stands against.
"""

from __future__ import annotations

import math

import numpy as np

from painters.edges import EdgeParams, edge_paths
from painters.raster import Placement, darkness, working_field
from plotter.geometry import path_lengths
from plotter.ops import merge_paths, sort_paths
from plotter.plan import Pen, Plan

PEN = Pen("black", "#1b1b1b", 0.3)
LEVELS = (144, 64, 16)


def hatching(dark: np.ndarray, placement: Placement, cell_mm: float) -> list[np.ndarray]:
    """linedraw's 4-level grid hatching with cells of ``cell_mm``."""
    cells, grid = working_field(dark, placement, cell_mm)
    luminance = (1.0 - cells) * 255
    rows, cols = np.indices(cells.shape)
    x = grid.left + cols * grid.mm_per_px
    y = grid.top + rows * grid.mm_per_px
    size = grid.mm_per_px
    segments = []
    first = luminance <= LEVELS[0]
    second = luminance <= LEVELS[1]
    third = luminance <= LEVELS[2]
    for chosen, start, end in (
        (first, (x, y + size / 4), (x + size, y + size / 4)),
        (second, (x + size, y), (x, y + size)),
        (third, (x, y + 3 * size / 4), (x + size, y + 3 * size / 4)),
    ):
        a = np.column_stack([start[0][chosen], start[1][chosen]])
        b = np.column_stack([end[0][chosen], end[1][chosen]])
        segments.extend(np.stack([a, b], axis=1))
    return segments


def plan(rgb: np.ndarray, placement: Placement, page: tuple[float, float], cell_mm: float) -> Plan:
    """The baseline's plan of ``rgb`` at hatch cells of ``cell_mm`` (``inf``: edges only)."""
    dark = darkness(rgb)
    builder = Plan.builder(page, {"generator": "baseline", "params": {"cell_mm": cell_mm}})
    builder.pen(PEN)
    paths = edge_paths(dark, placement, EdgeParams())
    if math.isfinite(cell_mm):
        paths += hatching(dark, placement, cell_mm)
    for path in paths:
        builder.add(path, PEN)
    return sort_paths(merge_paths(builder.build(), 1e-6), improve_moves=0)


def matched(rgb: np.ndarray, placement: Placement, page: tuple[float, float], pen_down_mm: float,
            width_mm: float) -> Plan:
    """The baseline with its cell size chosen so its pen-down length is about ``pen_down_mm``."""
    dark = darkness(rgb)
    edges = float(path_lengths(edge_paths(dark, placement, EdgeParams())).sum())
    wanted = pen_down_mm - edges
    if wanted < 0.02 * pen_down_mm:  # the painter drew little more than the edges: so does the baseline
        return plan(rgb, placement, page, math.inf)
    finest = 1.5 * width_mm  # below this the hatching is a solid block already
    coarsest = min(placement.rect[2] - placement.rect[0], placement.rect[3] - placement.rect[1]) / 4
    cell = 16 * placement.mm_per_px
    for _ in range(6):  # hatch length goes as 1 / cell: a few fixed-point steps on that law
        hatch = float(path_lengths(hatching(dark, placement, cell)).sum())
        if hatch <= 0 or abs(hatch - wanted) < 0.01 * wanted:
            break
        cell = min(coarsest, max(finest, cell * hatch / wanted))
    return plan(rgb, placement, page, cell)
