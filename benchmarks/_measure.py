"""Timing and the quality measures every row reports, computed the same way for both tools.

Quality is measured on plain ``(N, 2)`` arrays whatever tool produced them, so ours and
vpype's numbers come from one piece of code. Travel is vpype's ``pen_up_length``: the sum
of |end(i) -> start(i+1)| over consecutive paths of a layer, no moves from or to home.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from plotter.geometry import flatten, travel_lengths

# a segment at most this long draws nothing: a G-code writer would emit a no-op move for it
ZERO_LENGTH_MM = 1e-6


def best_of(runs: int, operation: Callable[[Any], Any], setup: Callable[[], Any] = lambda: None) -> tuple[float, Any]:
    """``(seconds, result)``: the fastest of ``runs`` calls of ``operation(setup())``.

    ``setup`` runs untimed before each call, for operations that consume their input (vpype's
    in-place merge). The garbage collector is collected before, and paused during, each call.
    """
    best, result = float("inf"), None
    for _ in range(max(1, runs)):
        argument = setup()
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = operation(argument)
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


def travel_mm(layers: Sequence[Sequence[np.ndarray]]) -> float:
    """Pen-up travel of a drawing, layer by layer (no move between layers is counted)."""
    return float(sum(travel_lengths(list(paths)).sum() for paths in layers))


def segment_lengths(paths: Sequence[np.ndarray]) -> np.ndarray:
    """Length of every drawn segment of every path (the joins between paths left out)."""
    if not paths:
        return np.zeros(0)
    points, offsets = flatten(list(paths))
    lengths = np.hypot(*np.diff(points, axis=0).T)
    return np.delete(lengths, offsets[1:-1] - 1)


def shape(paths: Sequence[np.ndarray]) -> dict[str, int]:
    """Strokes, segments and zero-length segments: what merge and simplify change."""
    lengths = segment_lengths(paths)
    return {
        "strokes": len(paths),
        "segments": len(lengths),
        "zero_length": int(np.count_nonzero(lengths <= ZERO_LENGTH_MM)),
    }


def retained_bytes(build: Callable[[], Any]) -> tuple[int, int, Any]:
    """``(retained, peak, result)``: bytes ``build()``'s result holds, and the peak on the way.

    Measured with tracemalloc, which sees Python objects and numpy buffers alike (numpy
    reports its allocations to it), so the figure includes every per-array header.
    """
    gc.collect()
    tracemalloc.start()
    try:
        result = build()
        gc.collect()
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return retained, peak, result
