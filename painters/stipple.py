"""Weighted Voronoi stippling (Secord 2002): dots spread by Lloyd relaxation on the image's darkness.

Dots start where the picture is dark (sampled from the density), then move, many times, to
the darkness-weighted centroid of their Voronoi cell, so they end evenly spaced in tone.
Cells are found on the pixel grid by one KD-tree query per iteration (every pixel's nearest
dot), and the centroids are two weighted bincounts: no per-point Python work. Each dot is
drawn as a small inward spiral whose inked area is the darkness its cell holds, so the tone
on paper follows the picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from plotter.errors import PlanError
from plotter.plan import Pen, Plan

from .image_input import as_rgb
from .plottable import finished
from .raster import Placement, darkness, place, working_field

DEFAULT_PEN = Pen("black", "#1b1b1b", 0.3)
#: Pixels of the density grid per dot: fewer and the Voronoi cells are too coarse to relax.
PIXELS_PER_DOT = 40


@dataclass(frozen=True)
class StippleParams:
    """Dot count, Lloyd iterations, tone curve and dot size."""

    points: int = 4000  # 10..200000 dots
    iterations: int = 30  # 0..200 Lloyd steps
    gamma: float = 1.0  # density = darkness ** gamma; > 1 leaves more light areas empty
    dot_scale: float = 1.0  # inked area of a dot, as a multiple of the darkness its cell holds
    min_darkness: float = 0.02  # paper lighter than this gets no dots

    def validate(self) -> None:
        for name, low, high in (("points", 10, 200_000), ("iterations", 0, 200), ("gamma", 0.1, 10),
                                ("dot_scale", 0.0, 10), ("min_darkness", 0, 0.99)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PlanError(f"stipple: {name}={value} is outside {low}..{high}")


def relax(density: np.ndarray, count: int, iterations: int, rng: np.random.Generator,
          progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``count`` dots relaxed on ``density`` (H, W): ``(points (N, 2) as (row, col) px, mass (N,))``.

    ``mass`` is the density each dot's final Voronoi cell holds (sums to ``density.sum()``).
    """
    rows, cols = np.nonzero(density > 0)
    weight = density[rows, cols]
    if len(weight) == 0:
        return np.empty((0, 2)), np.empty(0)
    pixels = np.column_stack([rows + 0.5, cols + 0.5])
    first = rng.choice(len(weight), size=count, p=weight / weight.sum())
    sites = pixels[first] + rng.uniform(-0.5, 0.5, size=(count, 2))
    for step in range(iterations + 1):
        owner = cKDTree(sites).query(pixels, workers=-1)[1]
        mass = np.bincount(owner, weights=weight, minlength=count)
        if step == iterations:
            break
        moved = mass > 0
        for axis in (0, 1):
            sites[moved, axis] = np.bincount(owner, weights=weight * pixels[:, axis], minlength=count)[moved] / mass[
                moved]
        if progress is not None:
            progress((step + 1) / (iterations + 1))
    keep = mass > 0
    return sites[keep], mass[keep]


def stipple_points(rgb: np.ndarray, placement: Placement, params: StippleParams, rng: np.random.Generator,
                   progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Relaxed dots of the picture on the page: ``(points (N, 2) mm, ink area (N,) mm²)``."""
    area = placement.rows * placement.cols * placement.mm_per_px**2
    cell = max(math.sqrt(area / (params.points * PIXELS_PER_DOT)), 0.05)
    dark, grid = working_field(darkness(rgb), placement, min(cell, placement.mm_per_px))
    dark = ndimage.gaussian_filter(dark, 0.5)
    density = np.where(dark >= params.min_darkness, dark, 0.0) ** params.gamma
    sites, mass = relax(density, params.points, params.iterations, rng, progress)
    ink = mass * (dark.sum() / max(density.sum(), 1e-12)) * grid.mm_per_px**2 * params.dot_scale
    return grid.to_mm(sites), ink


def dots(centres: np.ndarray, ink_mm2: np.ndarray, width_mm: float) -> list[np.ndarray]:
    """One inward spiral per dot inking about ``ink_mm2``; the smallest is a tiny circle a pen makes a dot of."""
    if len(centres) == 0:
        return []
    pitch = 0.8 * width_mm
    outer = np.maximum(np.sqrt(ink_mm2 / math.pi) - width_mm / 2, 0.05)
    turns = np.maximum(outer / pitch, 1.0)
    count = np.ceil(turns * 12).astype(np.int64) + 1
    dot = np.repeat(np.arange(len(centres)), count)
    first = np.cumsum(count) - count
    t = (np.arange(count.sum()) - first[dot]) / (count[dot] - 1)
    angle = 2 * math.pi * turns[dot] * t
    radius = outer[dot] * np.where(turns[dot] > 1.0, 1.0 - t, 1.0)
    points = centres[dot] + radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return np.split(points, first[1:])


def paint(image: np.ndarray, *, page: tuple[float, float] = (210.0, 297.0), margin_mm: float = 10.0, seed: int = 1,
          pen: Pen | None = None, params: StippleParams | None = None,
          progress: Callable[[float], None] | None = None) -> Plan:
    """Stipple ``image`` on ``page``: one layer of dots, ordered left to right in bands for short travel."""
    params = params or StippleParams()
    params.validate()
    pen = pen or DEFAULT_PEN
    rgb = as_rgb(image)
    placement = place(rgb.shape, page, margin_mm)
    rng = np.random.default_rng(seed)
    centres, ink = stipple_points(rgb, placement, params, rng, progress)
    band = np.floor(centres[:, 1] / 5.0).astype(np.int64)
    order = np.lexsort((np.where(band % 2 == 1, -centres[:, 0], centres[:, 0]), band))
    metadata = {"generator": "stipple", "seed": seed, "params": {**asdict(params), "margin_mm": margin_mm,
                                                                  "pen": asdict(pen)}}
    builder = Plan.builder(page, metadata)
    builder.pen(pen)
    for path in finished(dots(centres[order], ink[order], pen.width_mm), page):
        builder.add(path, pen)
    return builder.build()
