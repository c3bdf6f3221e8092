"""plotter: stroke plans for pen plotters and robot arms.

The core (this package without ``plotter.cli``) is numpy + shapely only: no click, rich or
torch, so ``import plotter`` stays light.
"""

from __future__ import annotations

from .errors import OperationError, PlanError, PlotterError, SvgError, UnitError
from .plan import Layer, Pen, Plan, PlanBuilder, as_path, is_closed

__version__ = "0.1.0"

__all__ = [
    "Layer",
    "OperationError",
    "Pen",
    "Plan",
    "PlanBuilder",
    "PlanError",
    "PlotterError",
    "SvgError",
    "UnitError",
    "__version__",
    "as_path",
    "is_closed",
]
