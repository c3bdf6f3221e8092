"""Learning-rate schedules shared by the training loops.

A linear warm-up keeps Adam's first, badly scaled steps small; a cosine decay to a floor
over a horizon fixed when a run starts lets a resumed run go on at the floor instead of
jumping back up (Loshchilov & Hutter 2017).
"""

from __future__ import annotations

import math


def cosine_decay(step: int, peak: float, floor: float, horizon: int) -> float:
    """``peak`` at step 0 down to ``floor`` at step ``horizon`` and after, along half a cosine.

    >>> cosine_decay(0, 1.0, 0.0, 100), cosine_decay(50, 1.0, 0.0, 100), cosine_decay(200, 1.0, 0.0, 100)
    (1.0, 0.5, 0.0)
    """
    progress = min(1.0, step / max(1, horizon))
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def warmed_up(rate: float, step: int, warmup: int) -> float:
    """``rate`` scaled by a linear warm-up over the first ``warmup`` steps (step 0-based; 0: none)."""
    return rate * min(1.0, (step + 1) / warmup) if warmup else rate
