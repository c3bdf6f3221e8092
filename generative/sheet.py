"""A sheet of samples: each sample (polylines in the unit box) placed in a grid cell of a page.

Torch-free, so a sheet can be laid out from any generator's output. The same layout is drawn
twice: as a :class:`Plan` for the pen (:func:`sheet_plan`) and as a PNG for a quick look
after training (:func:`sheet_png`).

>>> plan = sheet_plan([[np.array([[0.2, 0.2], [0.8, 0.8]])]] * 4, page_mm=(210, 297))
>>> plan.path_count
4
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from plotter.atomic import atomic_write
from plotter.errors import OperationError
from plotter.plan import Plan

from .data import rasterize

Sample = Sequence[np.ndarray]  # one drawing: polylines in the unit box, y down


def grid_shape(count: int, aspect: float = 1.0) -> tuple[int, int]:
    """(columns, rows) for ``count`` cells on an area of width/height ``aspect``, cells near square."""
    columns = max(1, min(count, math.ceil(math.sqrt(count * aspect))))
    return columns, max(1, math.ceil(count / columns))


def _fit_unit(sample: Sample) -> list[np.ndarray]:
    """Keep a sample in the unit box: shrink about the centre only if it strays outside."""
    paths = [np.asarray(p, dtype=np.float64) for p in sample if len(p) >= 2 and np.isfinite(p).all()]
    if not paths:
        return []
    points = np.concatenate(paths)
    reach = float(np.abs(points - 0.5).max())
    if reach <= 0.5:
        return paths
    return [(p - 0.5) * (0.5 / reach) + 0.5 for p in paths]


def sheet_plan(samples: Sequence[Sample], page_mm: tuple[float, float], margin_mm: float = 15.0,
               gap_mm: float = 4.0, pen: str = "black", metadata: Mapping[str, Any] | None = None,
               columns: int | None = None) -> Plan:
    """Lay samples out row by row in square cells filling the page inside the margins (``columns``: fixed)."""
    width, height = page_mm
    inner_w, inner_h = width - 2 * margin_mm, height - 2 * margin_mm
    if inner_w <= 0 or inner_h <= 0:
        raise OperationError(f"margin {margin_mm:g} mm leaves no room on a {width:g} x {height:g} mm page")
    builder = Plan.builder((width, height), dict(metadata or {}))
    builder.pen(pen)
    if not samples:
        return builder.build()
    if columns is None:
        columns, rows = grid_shape(len(samples), inner_w / inner_h)
    else:
        rows = math.ceil(len(samples) / columns)
    cell = min(inner_w / columns, inner_h / rows)
    size = cell - gap_mm if cell > 2 * gap_mm else cell * 0.9
    left = margin_mm + (inner_w - columns * cell) / 2 + (cell - size) / 2
    top = margin_mm + (inner_h - rows * cell) / 2 + (cell - size) / 2
    for index, sample in enumerate(samples):
        row, column = divmod(index, columns)
        origin = np.array([left + column * cell, top + row * cell])
        for path in _fit_unit(sample):
            builder.add(origin + path * size, pen)
    return builder.build()


def sheet_png(samples: Sequence[Sample], path: str | os.PathLike[str], cell_px: int = 64,
              columns: int | None = None) -> None:
    """A grid of rendered samples (black on white), written atomically as PNG (``columns``: fixed)."""
    if columns is None:
        columns, rows = grid_shape(max(1, len(samples)))
    else:
        rows = max(1, math.ceil(len(samples) / columns))
    canvas = np.zeros((rows * cell_px, columns * cell_px), dtype=np.float32)
    for index, sample in enumerate(samples):
        row, column = divmod(index, columns)
        canvas[row * cell_px:(row + 1) * cell_px, column * cell_px:(column + 1) * cell_px] = rasterize(
            _fit_unit(sample), cell_px, line_px=cell_px / 32)
    canvas[::cell_px, :] = np.maximum(canvas[::cell_px, :], 0.15)  # faint cell borders
    canvas[:, ::cell_px] = np.maximum(canvas[:, ::cell_px], 0.15)
    image = Image.fromarray(((1.0 - canvas) * 255).astype(np.uint8))
    with atomic_write(path, "wb") as handle:
        image.save(handle, format="PNG")
