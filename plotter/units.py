"""Lengths and page sizes as a user types them, parsed once at the boundary.

Everything inside the project is in millimetres. ``parse_length("0.5in")`` gives 12.7;
``parse_page("a4")`` gives ``(210.0, 297.0)``; ``parse_page("a4-landscape")`` and
``parse_page("300x200mm")`` work as a plotter user expects.
"""

from __future__ import annotations

import math
import re

from .errors import UnitError

#: Millimetres per unit. CSS pixels are 1/96 inch, as in SVG, browsers and Inkscape.
MM_PER_UNIT: dict[str, float] = {
    "mm": 1.0,
    "cm": 10.0,
    "m": 1000.0,
    "in": 25.4,
    "pt": 25.4 / 72.0,
    "pc": 25.4 / 6.0,
    "px": 25.4 / 96.0,
    "q": 0.25,
}

#: Portrait page sizes in mm (width, height).
PAGE_SIZES_MM: dict[str, tuple[float, float]] = {
    "a0": (841.0, 1189.0),
    "a1": (594.0, 841.0),
    "a2": (420.0, 594.0),
    "a3": (297.0, 420.0),
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
    "a6": (105.0, 148.0),
    "b4": (250.0, 353.0),
    "b5": (176.0, 250.0),
    "letter": (215.9, 279.4),
    "legal": (215.9, 355.6),
    "tabloid": (279.4, 431.8),
    "9x12in": (228.6, 304.8),
    "11x14in": (279.4, 355.6),
    "axidraw-v3": (300.0, 218.0),
}

_LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)\s*$")
_SIZE = re.compile(r"^\s*([\d.]+)\s*[xX×]\s*([\d.]+)\s*([a-zA-Z]*)\s*$")


def parse_length(text: str | float, default_unit: str = "mm") -> float:
    """Return a length in mm from ``"10"``, ``"10mm"``, ``"2.5cm"``, ``"1in"`` or a number."""
    if isinstance(text, (int, float)):
        value, unit = float(text), default_unit
    else:
        match = _LENGTH.match(text)
        if not match:
            raise UnitError(f"cannot read length {text!r}: expected a number with an optional unit, e.g. 10mm or 0.5in")
        value, unit = float(match.group(1)), (match.group(2) or default_unit).lower()
    if unit not in MM_PER_UNIT:
        raise UnitError(f"unknown unit {unit!r} in {text!r}; known units: {', '.join(MM_PER_UNIT)}")
    if not math.isfinite(value):
        raise UnitError(f"length {text!r} is not a finite number")
    return value * MM_PER_UNIT[unit]


def parse_page(text: str | tuple[float, float]) -> tuple[float, float]:
    """Return ``(width, height)`` in mm from a name (``a4``, ``letter``), a name with
    ``-landscape`` / ``l`` suffix (``a4-landscape``, ``a3l``), or ``WxH[unit]``."""
    if isinstance(text, tuple):
        width, height = (float(v) for v in text)
    else:
        key = text.strip().lower()
        landscape = False
        for suffix in ("-landscape", "_landscape", "-l"):
            if key.endswith(suffix):
                key, landscape = key[: -len(suffix)], True
        if key not in PAGE_SIZES_MM and key.endswith("l") and key[:-1] in PAGE_SIZES_MM:
            key, landscape = key[:-1], True
        if key in PAGE_SIZES_MM:
            width, height = PAGE_SIZES_MM[key]
        else:
            match = _SIZE.match(key)
            if not match:
                raise UnitError(
                    f"unknown page size {text!r}; use WxH with a unit (e.g. 300x200mm) "
                    f"or one of: {', '.join(PAGE_SIZES_MM)}"
                )
            unit = match.group(3) or "mm"
            width = parse_length(match.group(1) + unit)
            height = parse_length(match.group(2) + unit)
        if landscape:
            width, height = max(width, height), min(width, height)
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        raise UnitError(f"page size {text!r} must be positive, got {width:g} x {height:g} mm")
    return (width, height)
