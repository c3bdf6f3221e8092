"""Pen-up travel inside the order of work: each tier's strokes in a short tour.

The painter's order (background before foreground, large before small, light pens before
dark) fixes which *tier* of strokes comes first; inside a tier the order is free, so it is
chosen for travel: :func:`plotter.ops.sort_paths` (greedy matching of stroke ends, strokes
drawn either way round, then 2-opt) sorts each tier, starting where the previous one ended.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plotter.ops import sort_paths
from plotter.plan import Layer, Pen, Plan


def in_travel_order(tiers: Sequence[Sequence[np.ndarray]], page: tuple[float, float]) -> list[list[np.ndarray]]:
    """Each tier's paths reordered (and some reversed) for short pen-up travel; tiers keep their order.

    The first tier starts from the plotter's home (0, 0), every later one from where the
    one before it ended.
    """
    # sort_paths tours a plan's layers in order, each from the previous one's end: a tier
    # is given to it as a layer of its own (layers need distinct pen names, nothing else)
    layers = [Layer(Pen(f"tier {k}"), tuple(paths)) for k, paths in enumerate(tiers)]
    toured = sort_paths(Plan(page, layers))
    return [list(layer.paths) for layer in toured.layers]
