"""A raster preview of a plan: the real page at a chosen DPI, every pen at its real tip width.

Strokes are drawn with Pillow at a supersampled scale (up to 4x, less for very large images
so memory stays bounded) with round caps (and round joins for pens 2 px wide or more), then
downsampled with LANCZOS for antialiasing. Pen-up travel, when asked for, is overlaid as thin dashed red lines,
including the moves from and back to the origin (0, 0).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from ..atomic import atomic_write
from ..errors import OperationError
from ..plan import Plan

#: Largest output image accepted, in pixels.
MAX_PIXELS = 100_000_000
#: Largest supersampled canvas drawn on before downsampling, in pixels.
_MAX_SUPERSAMPLED_PIXELS = 40_000_000
_MAX_SUPERSAMPLE = 4
_TRAVEL_COLOUR = (230, 30, 30)
_DASH_MM = (2.0, 1.5)  # dash, gap
_ROUND_JOIN_MIN_PX = 2.0


def image_size(page_mm: tuple[float, float], dpi: float) -> tuple[int, int]:
    """Pixel size of a page at ``dpi`` (A4 at 96 dpi is 794 x 1123)."""
    if not (np.isfinite(dpi) and dpi > 0):
        raise OperationError(f"dpi must be a positive number, got {dpi!r}")
    width, height = (max(1, round(v / 25.4 * dpi)) for v in page_mm)
    if width * height > MAX_PIXELS:
        raise OperationError(
            f"a {page_mm[0]:g} x {page_mm[1]:g} mm page at {dpi:g} dpi is {width} x {height} px "
            f"({width * height / 1e6:.0f} megapixels); the limit is {MAX_PIXELS / 1e6:.0f}: lower the dpi"
        )
    return width, height


def render_image(plan: Plan, dpi: float = 150, travel: bool = False, background: str = "#ffffff") -> Image.Image:
    """The plan drawn on its page as an RGB :class:`PIL.Image.Image` (see :func:`render_png`)."""
    width, height = image_size(plan.page_mm, dpi)
    try:
        paper = ImageColor.getrgb(background)[:3]
    except ValueError as exc:
        raise OperationError(f"background {background!r} is not a colour (try '#ffffff' or 'white')") from exc
    factor = int(max(1, min(_MAX_SUPERSAMPLE, (_MAX_SUPERSAMPLED_PIXELS / (width * height)) ** 0.5)))
    image = Image.new("RGB", (width * factor, height * factor), paper)
    draw = ImageDraw.Draw(image)
    px_per_mm = dpi / 25.4 * factor
    for layer in plan.layers:
        width_px = max(layer.pen.width_mm / 25.4 * dpi, 1.0)
        line_width = max(1, round(width_px * factor))
        # below 2 output pixels a mitre gap is invisible after downsampling, and Pillow's
        # round joins cost a Python call per vertex: keep them for wide pens only
        joint = "curve" if width_px >= _ROUND_JOIN_MIN_PX else None
        colour = ImageColor.getrgb(layer.pen.color)
        for path in layer.paths:
            _draw_stroke(draw, path * px_per_mm, line_width, colour, joint)
    if travel:
        _draw_travel(draw, plan, px_per_mm, factor)
    if factor > 1:
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return image


def render_png(
    plan: Plan, path: str | os.PathLike[str], *, dpi: float = 150, travel: bool = False, background: str = "#ffffff"
) -> None:
    """Write a PNG of ``plan`` at ``dpi``; ``travel=True`` overlays the pen-up moves in red.

    Raises :class:`OperationError` for an image over :data:`MAX_PIXELS`.
    """
    image = render_image(plan, dpi, travel, background)
    with atomic_write(path, "wb") as handle:
        image.save(handle, format="PNG", dpi=(dpi, dpi), optimize=False)


def _draw_stroke(
    draw: ImageDraw.ImageDraw, points: np.ndarray, width: int, colour: tuple[int, ...], joint: str | None
) -> None:
    """A polyline with round joins and caps; a one-point (or zero-length) path becomes a dot."""
    radius = width / 2
    if len(points) > 1 and np.any(points[1:] != points[0]):
        draw.line(points.ravel().tolist(), fill=colour, width=width, joint=joint)
    if width <= 2:
        if len(points) == 1 or not np.any(points[1:] != points[0]):
            draw.point(tuple(points[0]), fill=colour)
        return
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _travel_moves(plan: Plan) -> np.ndarray:
    """``(K, 2, 2)`` pen-up moves in plot order: origin → first path … last path → origin."""
    paths: Sequence[np.ndarray] = [path for _, path in plan.iter_paths()]
    if not paths:
        return np.zeros((0, 2, 2))
    origin = np.zeros((1, 2))
    froms = np.vstack([origin, [p[-1] for p in paths]])
    tos = np.vstack([[p[0] for p in paths], origin])
    return np.stack([froms, tos], axis=1)


def _draw_travel(draw: ImageDraw.ImageDraw, plan: Plan, px_per_mm: float, factor: int) -> None:
    """Dashed red lines, about one output pixel wide, cut into dashes with numpy."""
    moves = _travel_moves(plan) * px_per_mm
    start, delta = moves[:, 0], moves[:, 1] - moves[:, 0]
    length = np.hypot(delta[:, 0], delta[:, 1])
    period = sum(_DASH_MM) * px_per_mm
    dash = _DASH_MM[0] * px_per_mm
    counts = np.ceil(length / period).astype(np.int64)
    move = np.repeat(np.arange(len(moves)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    along0 = (np.arange(counts.sum()) - first) * period
    along1 = np.minimum(along0 + dash, length[move])
    direction = delta[move] / length[move, None]
    a = start[move] + direction * along0[:, None]
    b = start[move] + direction * along1[:, None]
    for segment in np.hstack([a, b]).tolist():
        draw.line(segment, fill=_TRAVEL_COLOUR, width=factor)
