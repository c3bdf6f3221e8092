"""TSP art (Kaplan & Bosch 2005): one continuous line through stippled dots.

The dots come from :mod:`painters.stipple` (Lloyd-relaxed on the darkness, so the line is
dense where the picture is dark); the tour is built as the project orders paths, each dot
a zero-length path: greedy edge matching (shorter than nearest neighbour, and vectorised)
from :mod:`plotter.ops.tour_greedy`, then 2-opt over KD-tree neighbour lists from
:mod:`plotter.ops.tour_twoopt`. Bosch used Concorde's Lin–Kernighan, which is not on PyPI;
2-opt leaves a tour a few per cent longer, with the same look. A tour's length per unit area
grows as the square root of its dot density, so dots are spread on darkness squared
(``gamma`` 2) for the ink on paper to follow the darkness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from plotter.errors import PlanError
from plotter.ops.tour_greedy import endpoint_table, greedy_order
from plotter.ops.tour_twoopt import two_opt
from plotter.plan import Pen, Plan

from .image_input import as_rgb
from .plottable import finished
from .raster import place
from .stipple import DEFAULT_PEN, StippleParams, stipple_points


@dataclass(frozen=True)
class TspParams:
    """Dot count, Lloyd iterations, tone curve, and the 2-opt budget in tried moves per dot."""

    points: int = 5000  # 10..100000
    iterations: int = 30  # 0..200
    gamma: float = 2.0  # 0.1..10; a tour's ink per area grows as the square root of its dot density
    improve_per_point: int = 20  # 0..1000; 0 keeps the greedy tour

    def validate(self) -> None:
        for name, low, high in (("points", 10, 100_000), ("iterations", 0, 200), ("gamma", 0.1, 10),
                                ("improve_per_point", 0, 1000)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PlanError(f"tsp: {name}={value} is outside {low}..{high}")


def tour(points: np.ndarray, improve_moves: int, start: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Visiting order of ``points`` (N, 2) from ``start``: greedy matching, then 2-opt."""
    if len(points) < 3:
        return np.arange(len(points))
    table = endpoint_table(points, points, start)
    entries = greedy_order(table)
    if improve_moves > 0:
        entries = two_opt(table, entries, improve_moves)
    return entries >> 1


def paint(image: np.ndarray, *, page: tuple[float, float] = (210.0, 297.0), margin_mm: float = 10.0, seed: int = 1,
          pen: Pen | None = None, params: TspParams | None = None,
          progress: Callable[[float], None] | None = None) -> Plan:
    """One closed-free continuous line through the stipples of ``image``."""
    params = params or TspParams()
    params.validate()
    pen = pen or DEFAULT_PEN
    rgb = as_rgb(image)
    placement = place(rgb.shape, page, margin_mm)
    rng = np.random.default_rng(seed)
    stipples = StippleParams(points=params.points, iterations=params.iterations, gamma=params.gamma)

    def relaxing(fraction: float) -> None:
        if progress is not None:
            progress(0.8 * fraction)

    centres, _ = stipple_points(rgb, placement, stipples, rng, relaxing)
    order = tour(centres, params.improve_per_point * len(centres))
    metadata = {"generator": "tsp", "seed": seed, "params": {**asdict(params), "margin_mm": margin_mm,
                                                             "pen": asdict(pen)}}
    builder = Plan.builder(page, metadata)
    builder.pen(pen)
    for path in finished([centres[order]], page):
        builder.add(path, pen)
    if progress is not None:
        progress(1.0)
    return builder.build()
