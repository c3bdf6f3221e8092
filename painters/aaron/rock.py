"""Rocks: a closed blob grown around two to five core points, sitting flat on the ground.

The core points are scattered inside the rock's box; the blob is the hull of a disc around
each (bigger discs low down, so the rock sits heavy), rounded, and cut flat at its base. A
crack or two, and on larger rocks a few shading strokes on the side away from the light, are
open lines that stay inside the rock's outline.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from .forms import Part, Thing, outline_of
from .rules import Rule, RuleSet, Trace, always

MARK_RULES = RuleSet("lines", [
    Rule("a big rock gets cracks and shading", lambda f: f["size"] > 25, lambda f: (2, 4)),
    Rule("a middling rock gets one crack", lambda f: f["size"] > 12, lambda f: (1, 0)),
    Rule("a pebble stays plain", always, lambda f: (0, 0)),
])


def plan_rock(thing: Thing, rng: np.random.Generator, trace: Trace) -> None:
    """Fill ``thing.parts`` with a rock's outline and its interior marks."""
    x0, y0, x1, y1 = thing.box
    width, height = x1 - x0, y1 - y0
    count = int(rng.integers(2, 6))
    trace.note(thing.subject, "object plan", f"a blob around {count} core points")
    cores = np.column_stack([rng.uniform(x0 + 0.3 * width, x1 - 0.3 * width, count),
                             rng.uniform(y0 + 0.35 * height, y1 - 0.3 * height, count)])
    radii = (0.22 + 0.25 * (cores[:, 1] - y0) / height) * min(width, 1.4 * height) * rng.uniform(0.8, 1.1, count)
    blob = shapely.union_all([shapely.Point(c).buffer(r, quad_segs=10) for c, r in zip(cores, radii, strict=True)])
    blob = blob.convex_hull.buffer(-0.08 * height).buffer(0.08 * height)
    blob = blob.intersection(shapely.box(x0 - width, y0 - height, x1 + width, y1))
    shift = np.array([(x0 + x1) / 2 - blob.centroid.x, y1 - blob.bounds[3]])
    blob = shapely.affinity.translate(blob, *shift)
    look = float(np.clip(0.04 * height, 0.6, 2.0))
    cracks, shading = MARK_RULES.fire({"size": max(width, height)}, trace, thing.subject)
    inner = blob.buffer(-0.12 * height)
    crack = _crack(blob, inner, cracks, height, rng) if cracks and not inner.is_empty else None
    # the outline starts where the crack leaves it: the pen draws the rock, then goes on into the crack
    parts = [Part("rock", outline_of(blob, None if crack is None else crack[0]), True, look, "rock")]
    if crack is not None:
        parts.append(Part("crack", crack, False, 1.0, within="rock", swing=1.4))
    xmin, ymin, xmax, ymax = blob.bounds
    if shading:  # one zig-zag: down a stroke, a step along, up the next, as a hand shades
        strokes = []
        for k in range(shading):
            x = xmax - (0.08 + 0.07 * k) * (xmax - xmin)
            stroke = [(x, ymin + 0.25 * height), (x - 0.1 * height, ymax - 0.03 * height)]
            strokes += stroke if k % 2 == 0 else stroke[::-1]
        parts.append(Part("shade", np.array(strokes), False, 0.6, within="rock", swing=0.8))
    thing.parts = parts


def _crack(blob: shapely.Geometry, inner: shapely.Geometry, bends: int, height: float,
           rng: np.random.Generator) -> np.ndarray:
    """A crack from a point of the outline inward, kinking ``bends`` times on its way."""
    target = _point_in(inner, rng)
    ring = np.asarray(blob.exterior.coords)
    start = ring[int(np.argmin(np.hypot(*(ring - target).T)))]
    points = [start, target]
    for _ in range(bends - 1):
        angle = rng.uniform(0.3, 1.2) * rng.choice([-1, 1]) + math.pi / 2
        points.append(points[-1] + 0.25 * height * np.array([math.cos(angle), math.sin(angle)]))
    guide = np.array(points)
    middle = (guide[:-1] + guide[1:]) / 2 + rng.normal(0, 0.04 * height, (len(guide) - 1, 2))
    bent = np.empty((2 * len(guide) - 1, 2))
    bent[0::2], bent[1::2] = guide, middle
    return bent


def _point_in(region: shapely.Geometry, rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = region.bounds
    for _ in range(50):
        point = rng.uniform((xmin, ymin), (xmax, ymax))
        if region.contains(shapely.Point(point)):
            return point
    return np.array(region.representative_point().coords[0])
