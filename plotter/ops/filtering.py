"""Remove paths too short to be worth a pen lift (dust from tracing, stray dots)."""

from __future__ import annotations

import math

import numpy as np

from ..errors import OperationError
from ..geometry import path_lengths
from ..plan import Plan


def drop_short(plan: Plan, min_length_mm: float) -> Plan:
    """Drop every path whose pen-down length is below ``min_length_mm``."""
    if not (math.isfinite(min_length_mm) and min_length_mm >= 0):
        raise OperationError(f"minimum length must be a finite length >= 0 mm, got {min_length_mm!r}")

    def keep_long(paths: tuple[np.ndarray, ...]) -> list[np.ndarray]:
        long_enough = path_lengths(paths) >= min_length_mm
        return [path for path, keep in zip(paths, long_enough.tolist(), strict=True) if keep]

    return plan.map_layers(lambda layer: layer.with_paths(keep_long(layer.paths)))
