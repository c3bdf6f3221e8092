"""How smoothly a row of decoded drawings changes: the number behind an interpolation sheet (issue 10).

A model whose latent space has no gaps turns one drawing into the other a little at a time;
one with gaps holds still, then jumps (or passes through scribbles). Each drawing of the row
is rasterised as the training data is, and neighbours are compared by the root-mean-square
difference of their pixels (0: the same picture; about √(ink share) for unrelated ones):

- ``mean_step``: the mean change between neighbours (lower is smoother for the same ends);
- ``max_step``: the largest jump, where a gap shows;
- ``jump_share``: the largest step's share of all the change: 1/(n − 1) when a row of n
  changes evenly, 1 when it holds still and then jumps (the mean alone cannot tell these
  apart: by the triangle inequality a single jump is the *shortest* way between the ends);
- ``detour``: the summed changes over the change from the first drawing to the last
  (1: every step heads straight for the end; more: the path wanders through other pictures).

Torch-free: any generator's rows can be scored. A judge's confidence along the path (how
sure a classifier is that each drawing is one of the two end labels) needs a trained judge
and lives in ``benchmarks/generative.py``.

>>> path_smoothness([[np.array([[0.1, 0.5], [0.9, 0.5]])]] * 3)["max_step"]
0.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import rasterize
from .errors import GenerativeError
from .sheet import Sample

MEASURES = ("mean_step", "max_step", "jump_share", "detour")


def path_smoothness(samples: Sequence[Sample], size: int = 28) -> dict[str, float]:
    """:data:`MEASURES` of a row of at least two drawings (unit-box polylines), rasterised at ``size`` px."""
    if len(samples) < 2:
        raise GenerativeError(f"a path needs at least two drawings, not {len(samples)}")
    images = np.stack([rasterize(sample, size) for sample in samples]).reshape(len(samples), -1)
    steps = np.sqrt(np.mean(np.diff(images, axis=0) ** 2, axis=1))
    direct, total = float(np.sqrt(np.mean((images[-1] - images[0]) ** 2))), float(steps.sum())
    return {"mean_step": float(steps.mean()), "max_step": float(steps.max()),
            "jump_share": float(steps.max()) / total if total > 0 else 1.0 / len(steps),
            "detour": total / direct if direct > 0 else (1.0 if total == 0 else float("inf"))}
