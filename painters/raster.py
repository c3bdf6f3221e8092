"""An image laid on the page: pixel ↔ millimetre mapping, tone fields, and sampling them.

Every image painter places the picture the same way (as large as fits inside the margins,
centred), so their plans overlay exactly and the quality benchmark can compare each against
the same target. Tone is *darkness* ``1 - grey`` with the luminance weights scikit-image's
``rgb2gray`` uses, the same grey the benchmark scores against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from plotter.errors import PlanError

LUMINANCE = np.array([0.2125, 0.7154, 0.0721])


@dataclass(frozen=True)
class Placement:
    """Where an ``rows x cols`` pixel grid lies on the page: ``mm_per_px`` and its top-left corner."""

    rows: int
    cols: int
    mm_per_px: float
    left: float
    top: float

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of the picture on the page, in mm."""
        return (self.left, self.top, self.left + self.cols * self.mm_per_px, self.top + self.rows * self.mm_per_px)

    def to_mm(self, rows_cols: np.ndarray) -> np.ndarray:
        """``(N, 2)`` (row, col) pixel coordinates (0.5 = first pixel's centre) → ``(N, 2)`` (x, y) mm."""
        rc = np.asarray(rows_cols, dtype=np.float64)
        return np.column_stack([self.left + rc[:, 1] * self.mm_per_px, self.top + rc[:, 0] * self.mm_per_px])

    def to_px(self, xy: np.ndarray) -> np.ndarray:
        """``(N, 2)`` (x, y) mm → ``(N, 2)`` (row, col) pixel coordinates, the inverse of :meth:`to_mm`."""
        xy = np.asarray(xy, dtype=np.float64)
        return np.column_stack([(xy[:, 1] - self.top) / self.mm_per_px, (xy[:, 0] - self.left) / self.mm_per_px])

    def resized(self, rows: int, cols: int) -> Placement:
        """The same picture rectangle covered by a ``rows x cols`` grid (keeps the long side exact)."""
        scale = self.mm_per_px * max(self.rows / rows, self.cols / cols)
        return Placement(rows, cols, scale, self.left, self.top)


def place(shape: tuple[int, ...], page: tuple[float, float], margin_mm: float) -> Placement:
    """Fit an image of ``shape`` (rows, cols, ...) inside ``page`` less ``margin_mm``, centred."""
    width, height = page
    room_w, room_h = width - 2 * margin_mm, height - 2 * margin_mm
    if not (np.isfinite(margin_mm) and margin_mm >= 0) or room_w <= 0 or room_h <= 0:
        raise PlanError(f"a margin of {margin_mm:g} mm leaves no room on a {width:g} x {height:g} mm page")
    rows, cols = shape[0], shape[1]
    scale = min(room_w / cols, room_h / rows)
    return Placement(rows, cols, scale, (width - cols * scale) / 2, (height - rows * scale) / 2)


def darkness(rgb: np.ndarray) -> np.ndarray:
    """``1 - luminance`` of a float RGB image: 0 is paper, 1 is full ink."""
    return 1.0 - np.clip(rgb @ LUMINANCE, 0.0, 1.0)


def working_field(field: np.ndarray, placement: Placement, cell_mm: float) -> tuple[np.ndarray, Placement]:
    """``field`` resampled so one pixel is about ``cell_mm`` on paper (area-averaged when shrinking)."""
    factor = placement.mm_per_px / cell_mm
    rows, cols = max(2, round(field.shape[0] * factor)), max(2, round(field.shape[1] * factor))
    if (rows, cols) == field.shape[:2]:
        return field, placement
    if factor < 1:
        field = ndimage.gaussian_filter(field, sigma=0.5 / factor, mode="nearest")
    zoom = (rows / field.shape[0], cols / field.shape[1])
    resized = ndimage.zoom(field, zoom, order=1, mode="nearest", grid_mode=True)
    return resized, placement.resized(*resized.shape[:2])


def sample(field: np.ndarray, placement: Placement, xy: np.ndarray) -> np.ndarray:
    """Bilinear values of ``field`` at ``(N, 2)`` mm points (edge values outside the picture)."""
    rc = placement.to_px(xy) - 0.5
    return ndimage.map_coordinates(field, rc.T, order=1, mode="nearest")
