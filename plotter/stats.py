"""What a plan amounts to: paths, ink length, pen-up travel, lifts, extent and plot time.

>>> from plotter import Plan
>>> b = Plan.builder("a4"); b.add([(10, 10), (20, 10)])
>>> plan_stats(b.build()).pen_down_mm
10.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .geometry import path_lengths, travel_lengths
from .motion import MotionSettings, estimate_time
from .plan import Layer, Plan

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class LayerStats:
    """One layer (pen): ``pen_up_mm`` only counts the moves between its own consecutive paths."""

    name: str
    color: str
    pen_width_mm: float
    paths: int
    points: int
    pen_down_mm: float
    pen_up_mm: float
    lifts: int
    bbox_mm: BBox | None
    time_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "color": self.color,
            "pen_width_mm": self.pen_width_mm,
            "paths": self.paths,
            "points": self.points,
            "pen_down_mm": self.pen_down_mm,
            "pen_up_mm": self.pen_up_mm,
            "lifts": self.lifts,
            "bbox_mm": list(self.bbox_mm) if self.bbox_mm else None,
            "time_s": self.time_s,
        }


@dataclass(frozen=True)
class PlanStats:
    """Totals for a whole plan plus one :class:`LayerStats` per layer.

    ``pen_up_mm`` here is what the machine really travels with the pen up: the moves between
    paths of a layer, the moves from one layer to the next, and the moves from the origin
    (0, 0) to the first path and from the last path back to the origin, so it is larger than
    the sum of the layers' ``pen_up_mm``. ``lifts`` counts pen lifts (one per path);
    ``time_s`` is :func:`plotter.motion.estimate_time`'s total.
    """

    page_mm: tuple[float, float]
    paths: int
    points: int
    pen_down_mm: float
    pen_up_mm: float
    lifts: int
    bbox_mm: BBox | None
    time_s: float
    layers: tuple[LayerStats, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (the layer entries as :meth:`LayerStats.to_dict`)."""
        return {
            "page_mm": list(self.page_mm),
            "paths": self.paths,
            "points": self.points,
            "pen_down_mm": self.pen_down_mm,
            "pen_up_mm": self.pen_up_mm,
            "lifts": self.lifts,
            "bbox_mm": list(self.bbox_mm) if self.bbox_mm else None,
            "time_s": self.time_s,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    def format_table(self) -> str:
        """A plain-text table for a terminal: one row per layer, then the totals."""
        header = ("layer", "colour", "width", "paths", "points", "pen down", "pen up", "time")
        rows = [
            (
                layer.name,
                layer.color,
                f"{layer.pen_width_mm:g} mm",
                str(layer.paths),
                str(layer.points),
                format_length(layer.pen_down_mm),
                format_length(layer.pen_up_mm),
                format_duration(layer.time_s),
            )
            for layer in self.layers
        ]
        total = (
            "total",
            "",
            "",
            str(self.paths),
            str(self.points),
            format_length(self.pen_down_mm),
            format_length(self.pen_up_mm),
            format_duration(self.time_s),
        )
        widths = [max(len(row[i]) for row in [header, *rows, total]) for i in range(len(header))]

        def line(row: tuple[str, ...]) -> str:
            cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
            return "  ".join(cells).rstrip()

        rule = "  ".join("-" * w for w in widths)
        width, height = self.page_mm
        bbox = (
            "empty"
            if self.bbox_mm is None
            else "x {:.1f}..{:.1f} mm, y {:.1f}..{:.1f} mm".format(*(self.bbox_mm[i] for i in (0, 2, 1, 3)))
        )
        footer = f"page {width:g} x {height:g} mm; drawing {bbox}; {self.lifts} pen lifts"
        return "\n".join([line(header), rule, *map(line, rows), rule, line(total), footer])


def format_length(mm: float) -> str:
    """``'12.3 mm'`` below a metre, ``'4.56 m'`` above."""
    return f"{mm / 1000:.2f} m" if mm >= 1000 else f"{mm:.1f} mm"


def format_duration(seconds: float) -> str:
    """``'h:mm:ss'``, rounded to the second."""
    total = int(round(seconds))
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


def _bbox(paths: tuple[np.ndarray, ...]) -> BBox | None:
    if not paths:
        return None
    points = np.concatenate(paths)
    lo, hi = points.min(axis=0), points.max(axis=0)
    return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


def _layer_stats(layer: Layer, time_s: float) -> LayerStats:
    return LayerStats(
        name=layer.name,
        color=layer.pen.color,
        pen_width_mm=layer.pen.width_mm,
        paths=len(layer.paths),
        points=layer.point_count,
        pen_down_mm=float(path_lengths(layer.paths).sum()),
        pen_up_mm=float(travel_lengths(layer.paths).sum()),
        lifts=len(layer.paths),
        bbox_mm=_bbox(layer.paths),
        time_s=time_s,
    )


def plan_stats(plan: Plan, settings: MotionSettings | None = None) -> PlanStats:
    """Count, measure and time ``plan`` (default :class:`MotionSettings` when none are given)."""
    estimate = estimate_time(plan, settings)
    layers = tuple(_layer_stats(layer, t.time_s) for layer, t in zip(plan.layers, estimate.layers, strict=True))
    paths = [path for _, path in plan.iter_paths()]
    # the machine starts and ends at the origin: count those moves as pen-up travel too
    origin = np.zeros((1, 2))
    pen_up = float(travel_lengths([origin, *paths, origin]).sum()) if paths else 0.0
    return PlanStats(
        page_mm=plan.page_mm,
        paths=len(paths),
        points=plan.point_count,
        pen_down_mm=math.fsum(layer.pen_down_mm for layer in layers),
        pen_up_mm=pen_up,
        lifts=len(paths),
        bbox_mm=plan.bounds(),
        time_s=estimate.time_s,
        layers=layers,
    )
