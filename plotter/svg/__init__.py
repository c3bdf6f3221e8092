"""SVG in and out: ``plotter.svg.read(path) -> Plan`` and ``plotter.svg.write(plan, path)``."""

from __future__ import annotations

from .reader import read
from .writer import write

__all__ = ["read", "write"]
