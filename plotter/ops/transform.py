"""Affine changes of a whole plan: scale, translate, rotate, and fit to a page.

Each layer's points are transformed in one matrix product over the flattened array; the
paths come back as read-only views of it, so a big plan costs one allocation per layer.
Angles follow SVG: y points down, so a positive ``angle_deg`` turns clockwise on the page.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import OperationError
from ..geometry import flatten
from ..plan import Plan

ROTATIONS = ("auto", "none", "90", "-90", "180")
ALIGNMENTS = ("center", "top", "bottom", "left", "right", "top-left", "top-right", "bottom-left", "bottom-right")


def scale(
    plan: Plan, factor_x: float, factor_y: float | None = None, origin: tuple[float, float] | None = None
) -> Plan:
    """Scale about ``origin`` (default the page's top-left corner, (0, 0))."""
    fy = factor_x if factor_y is None else factor_y
    if not (math.isfinite(factor_x) and math.isfinite(fy)):
        raise OperationError(f"scale factors must be finite, got {factor_x!r} and {fy!r}")
    return _affine(plan, np.diag([factor_x, fy]), origin or (0.0, 0.0))


def translate(plan: Plan, dx: float, dy: float) -> Plan:
    """Move everything by ``(dx, dy)`` mm."""
    if not (math.isfinite(dx) and math.isfinite(dy)):
        raise OperationError(f"translation must be finite, got ({dx!r}, {dy!r})")
    return _affine(plan, np.eye(2), (0.0, 0.0), (dx, dy))


def rotate(plan: Plan, angle_deg: float, origin: tuple[float, float] | None = None) -> Plan:
    """Turn by ``angle_deg`` (clockwise on the page) about ``origin`` (default (0, 0))."""
    if not math.isfinite(angle_deg):
        raise OperationError(f"rotation angle must be finite, got {angle_deg!r}")
    return _affine(plan, _rotation(angle_deg), origin or (0.0, 0.0))


def fit_to_page(
    plan: Plan,
    page_mm: tuple[float, float] | None = None,
    *,
    margin_mm: float = 10.0,
    rotate: str = "auto",
    align: str = "center",
) -> Plan:
    """Scale (up or down) and move the drawing so it fills ``page_mm`` inside the margins.

    ``rotate``: "auto" turns the drawing 90° when that allows a bigger scale; "none",
    "90", "-90" and "180" are explicit. ``align`` places it when one axis has room to
    spare: "center" or a side or corner ("top", "bottom-left", ...). The result is on the
    target page (default the plan's own).
    """
    if rotate not in ROTATIONS:
        raise OperationError(f"unknown rotate value {rotate!r}; valid: {', '.join(ROTATIONS)}")
    if align not in ALIGNMENTS:
        raise OperationError(f"unknown align value {align!r}; valid: {', '.join(ALIGNMENTS)}")
    width, height = plan.page_mm if page_mm is None else page_mm
    if not (math.isfinite(margin_mm) and margin_mm >= 0):
        raise OperationError(f"margin must be a finite length >= 0 mm, got {margin_mm!r}")
    room = np.array([width - 2 * margin_mm, height - 2 * margin_mm])
    if not (room > 0).all():
        raise OperationError(f"margin {margin_mm:g} mm leaves no room on a {width:g} x {height:g} mm page")
    target = plan.with_page((width, height))
    bounds = plan.bounds()
    if bounds is None:
        return target
    size = np.array([bounds[2] - bounds[0], bounds[3] - bounds[1]])
    if rotate == "auto":
        rotate = "90" if _fit_factor(size[::-1], room) > _fit_factor(size, room) * (1 + 1e-12) else "none"
    matrix = _rotation(0.0 if rotate == "none" else float(rotate))
    if rotate in ("90", "-90"):
        size = size[::-1]
    factor = _fit_factor(size, room)
    centre = np.array([(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2])
    # where the drawing's centre lands: centred in the room, or pushed to the named sides
    slack = (room - size * factor) / 2
    shift = np.zeros(2)
    shift[0] = -slack[0] if "left" in align else slack[0] if "right" in align else 0.0
    shift[1] = -slack[1] if "top" in align else slack[1] if "bottom" in align else 0.0
    destination = np.array([width / 2, height / 2]) + shift
    return _affine(target, factor * matrix, centre, destination - centre)


#: Drawings narrower than this (a nanometre) count as a point: scaling them up would overflow.
_POINT_SPAN_MM = 1e-6


def _fit_factor(size: np.ndarray, room: np.ndarray) -> float:
    """Largest uniform scale that fits ``size`` into ``room`` (1 for a single point)."""
    spans = size > _POINT_SPAN_MM
    return float(np.min(room[spans] / size[spans])) if spans.any() else 1.0


def _rotation(angle_deg: float) -> np.ndarray:
    # exact for right angles, so a rotated closed path stays exactly closed and axis-aligned
    quarter = {0.0: (1, 0), 90.0: (0, 1), 180.0: (-1, 0), 270.0: (0, -1)}.get(angle_deg % 360.0)
    c, s = quarter if quarter else (math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg)))
    return np.array([[c, -s], [s, c]], dtype=np.float64)


def _affine(
    plan: Plan,
    matrix: np.ndarray,
    origin: tuple[float, float] | np.ndarray,
    offset: tuple[float, float] | np.ndarray = (0.0, 0.0),
) -> Plan:
    """``p -> matrix @ (p - origin) + origin + offset`` for every point of the plan."""
    origin, offset = np.asarray(origin, dtype=np.float64), np.asarray(offset, dtype=np.float64)

    def transform(paths: tuple[np.ndarray, ...]) -> list[np.ndarray]:
        if not paths:
            return []
        points, offsets = flatten(paths)
        moved = (points - origin) @ matrix.T + (origin + offset)
        moved.flags.writeable = False
        return np.split(moved, offsets[1:-1])

    return plan.map_layers(lambda layer: layer.with_paths(transform(layer.paths)))
