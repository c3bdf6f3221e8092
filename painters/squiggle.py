"""Squiggle lines (after SquiggleDraw): one wavy line per row, darker where the picture is darker.

Each row is a sine wave whose amplitude (AM) and frequency (FM) both grow with the
darkness under it: more ink per millimetre where the picture is dark. The pen lifts where
the row crosses paper lighter than ``min_darkness``, so white stays white instead of
carrying SquiggleDraw's flat baseline. Rows run back and forth; all rows at once in numpy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

from plotter.errors import PlanError
from plotter.plan import Pen, Plan

from .image_input import as_rgb
from .plottable import finished
from .raster import darkness, place, sample, working_field
from .stipple import DEFAULT_PEN

_MIN_RUN_MM = 1.0


@dataclass(frozen=True)
class SquiggleParams:
    """Row spacing, how wide and how fast the waves get at full darkness, sampling step."""

    row_mm: float = 1.6  # 0.3..20 mm between rows
    amplitude: float = 0.95  # 0..2, half-height at full darkness as a share of half the row spacing
    wavelength_mm: float = 1.0  # 0.2..50, shortest wave (at full darkness)
    step_mm: float = 0.1  # 0.02..2, sampling along a row
    min_darkness: float = 0.04  # 0..0.99, lighter than this: pen up

    def validate(self) -> None:
        for name, low, high in (("row_mm", 0.3, 20), ("amplitude", 0, 2), ("wavelength_mm", 0.2, 50),
                                ("step_mm", 0.02, 2), ("min_darkness", 0, 0.99)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PlanError(f"squiggle: {name}={value} is outside {low}..{high}")


def paint(image: np.ndarray, *, page: tuple[float, float] = (210.0, 297.0), margin_mm: float = 10.0, seed: int = 1,
          pen: Pen | None = None, params: SquiggleParams | None = None,
          progress: Callable[[float], None] | None = None) -> Plan:
    """Squiggle ``image`` on ``page``; ``seed`` sets each row's starting phase."""
    params = params or SquiggleParams()
    params.validate()
    pen = pen or DEFAULT_PEN
    rgb = as_rgb(image)
    placement = place(rgb.shape, page, margin_mm)
    rng = np.random.default_rng(seed)
    field, grid = working_field(darkness(rgb), placement, params.row_mm / 4)
    field = ndimage.gaussian_filter(field, params.row_mm / 4 / grid.mm_per_px, mode="nearest")
    x0, y0, x1, y1 = placement.rect
    ys = np.arange(y0 + params.row_mm / 2, y1, params.row_mm)
    xs = np.arange(x0, x1 + 1e-9, params.step_mm)
    grid_x = np.broadcast_to(xs, (len(ys), len(xs)))
    grid_y = np.broadcast_to(ys[:, None], grid_x.shape)
    dark = sample(field, grid, np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    phase = np.cumsum(2 * math.pi * dark * params.step_mm / params.wavelength_mm, axis=1)
    phase += rng.uniform(0, 2 * math.pi, (len(ys), 1))
    wave_y = grid_y + dark * params.amplitude * params.row_mm / 2 * np.sin(phase)
    points = np.stack([grid_x, wave_y], axis=-1)
    points[1::2] = points[1::2, ::-1]  # back and forth
    on = (dark >= params.min_darkness)
    on[1::2] = on[1::2, ::-1]
    paths = _runs(points, on)
    if progress is not None:
        progress(1.0)
    metadata = {"generator": "squiggle", "seed": seed, "params": {**asdict(params), "margin_mm": margin_mm,
                                                                  "pen": asdict(pen)}}
    builder = Plan.builder(page, metadata)
    builder.pen(pen)
    for path in finished(paths, page, simplify_mm=params.step_mm / 4):
        builder.add(path, pen)
    return builder.build()


def _runs(points: np.ndarray, on: np.ndarray) -> list[np.ndarray]:
    """The stretches of every row where ``on`` holds, longer than :data:`_MIN_RUN_MM`."""
    rows, count = on.shape
    flat_on = on.ravel()
    cut = np.ones(flat_on.shape, dtype=bool)
    cut[1:] = flat_on[1:] != flat_on[:-1]
    cut[::count] = True
    group = np.cumsum(cut)[flat_on]
    pieces = np.split(points.reshape(-1, 2)[flat_on], np.flatnonzero(np.diff(group)) + 1)
    return [p for p in pieces if len(p) >= 2 and np.hypot(*(p[-1] - p[0])) >= _MIN_RUN_MM]
