"""Viewports: where an SVG's user units land on the page, in mm.

The outer ``<svg>``'s ``width``/``height`` give the page (``mm``, ``cm``, ``in``, ``pt``,
``pc``, ``q`` or ``px`` at 96 dpi; no unit means px); its ``viewBox`` maps user units onto
that page, honouring ``preserveAspectRatio`` (svgelements does that arithmetic). What is
missing is filled in as browsers and vpype do: width/height absent or in percent → the
viewBox size in px (one missing → kept to the viewBox's aspect ratio); neither a size nor a
viewBox → user units are px and the page is left for the reader to take from the drawing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import svgelements

from ..units import MM_PER_UNIT
from ._flatten import GeometryError, Matrix, compose

MM_PER_PX = MM_PER_UNIT["px"]

_LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z%]*)\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PX_PER_UNIT = {unit: mm / MM_PER_PX for unit, mm in MM_PER_UNIT.items()}


@dataclass(frozen=True)
class RootViewport:
    """The page of the outer ``<svg>`` and the map from its user units to page mm."""

    page_mm: tuple[float | None, float | None]  # None: taken from the drawing's extent
    matrix: Matrix
    size: tuple[float, float]  # in user units, what percentages inside the drawing refer to


def length_px(attribute: str, text: str | None, reference: float) -> float | None:
    """A length attribute in px (user units); percentages of ``reference``; None if absent.

    An unreadable value or an unknown unit is an error naming the attribute and its value.
    """
    if text is None or not text.strip() or text.strip() == "auto":
        return None
    match = _LENGTH.match(text)
    if match is None:
        raise GeometryError(f"has an unreadable {attribute} {text!r}")
    value, unit = float(match.group(1)), match.group(2).lower()
    if not math.isfinite(value):
        raise GeometryError(f"has a {attribute} {text!r} that is not a finite number")
    if unit == "%":
        return value * reference / 100.0
    if unit == "":
        return value
    if unit not in _PX_PER_UNIT:
        raise GeometryError(
            f"has a {attribute} {text!r} with unknown unit {unit!r}; known units: px, {', '.join(MM_PER_UNIT)}, %"
        )
    return value * _PX_PER_UNIT[unit]


def viewbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``(x, y, width, height)`` of a ``viewBox`` attribute, None when absent."""
    if text is None or not text.strip():
        return None
    values = [float(v) for v in _NUMBER.findall(text)]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise GeometryError(f"has an unreadable viewBox {text!r}: expected four numbers")
    if values[2] <= 0 or values[3] <= 0:
        raise GeometryError(f"has a viewBox {text!r} of zero or negative size")
    return values[0], values[1], values[2], values[3]


def viewbox_matrix(
    x: float, y: float, width: float, height: float, box: tuple[float, float, float, float], aspect: str | None
) -> Matrix:
    """The map from viewBox units onto the viewport rectangle ``x, y, width, height``."""
    return transform_matrix(svgelements.Viewbox.viewbox_transform(x, y, width, height, *box, aspect))


@lru_cache(maxsize=1024)
def transform_matrix(text: str) -> Matrix:
    """A ``transform`` attribute as a matrix, parsed by svgelements."""
    try:
        matrix = svgelements.Matrix(text)
    except (ValueError, IndexError, TypeError):
        raise GeometryError(f"has an unreadable transform {text!r}") from None
    values = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
    if not all(math.isfinite(v) for v in values):
        raise GeometryError(f"has a transform {text!r} that is not finite")
    return values


def translate(x: float, y: float) -> Matrix:
    return (1.0, 0.0, 0.0, 1.0, x, y)


def root_viewport(attrib: dict[str, str]) -> RootViewport:
    """Page and user-unit map of the outer ``<svg>`` (see the module docstring)."""
    box = viewbox(attrib.get("viewBox"))
    width = _page_length_mm("width", attrib.get("width"))
    height = _page_length_mm("height", attrib.get("height"))
    if box is not None:
        if width is None and height is None:
            width, height = box[2] * MM_PER_PX, box[3] * MM_PER_PX
        elif width is None:
            width = height * box[2] / box[3]
        elif height is None:
            height = width * box[3] / box[2]
        matrix = viewbox_matrix(0.0, 0.0, width, height, box, attrib.get("preserveAspectRatio"))
        size = (box[2], box[3])
    else:
        matrix = (MM_PER_PX, 0.0, 0.0, MM_PER_PX, 0.0, 0.0)
        # only for percentages in a file without any size: a browser's default object size
        size = (300.0 if width is None else width / MM_PER_PX, 150.0 if height is None else height / MM_PER_PX)
    if "transform" in attrib:  # as if the <svg> had a parent group with this transform, in px
        px = (MM_PER_PX, 0.0, 0.0, MM_PER_PX, 0.0, 0.0)
        to_px = (1 / MM_PER_PX, 0.0, 0.0, 1 / MM_PER_PX, 0.0, 0.0)
        matrix = compose(px, compose(transform_matrix(attrib["transform"]), compose(to_px, matrix)))
    return RootViewport((width, height), matrix, size)


def _page_length_mm(attribute: str, text: str | None) -> float | None:
    """A page side in mm, straight from its unit (``210mm`` is exactly 210); None if absent or in %."""
    if text is None or text.strip().endswith("%"):
        return None  # a share of a window we do not have: the viewBox decides
    value_px = length_px(attribute, text, 0.0)  # refuses unknown units and unreadable values
    if value_px is None:
        return None
    if value_px <= 0:
        raise GeometryError(f"has a page {attribute} {text!r}: the page size must be positive")
    number, unit = _LENGTH.match(text).groups()
    return float(number) * MM_PER_UNIT[unit.lower()] if unit.lower() in MM_PER_UNIT else value_px * MM_PER_PX
