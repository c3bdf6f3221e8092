"""From a region's colour to the pens that paint it and how much paper each covers.

A pen on white paper can only mix with the paper: hatched at coverage ``c`` it shows
``1 - c (1 - pen)``. So each pen is judged by the colour it *would* give at the coverage
that matches the region's darkness, and the nearest of those in Lab wins. A light pen
cannot reach a dark region's darkness: the rest is laid as a second, crossing layer of the
darkest pen (layered mixing on paper). Lightness becomes stroke density through the pen's
real tip width: parallel lines ``w`` wide, ``s`` apart cover ``w / s`` of the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import ImageColor
from skimage import color

from plotter.plan import Pen

from ..raster import LUMINANCE

#: Below this coverage a region is left as paper, as a draughtsman keeps the highlights: a few lines
#: millimetres apart read as scratches, not tone.
MIN_COVERAGE = 0.1
#: A mixing layer is only laid when the first pen misses the darkness by more than this.
MIX_THRESHOLD = 0.06


@dataclass(frozen=True)
class Ink:
    """One pen's share of a region: the paper fraction it covers; ``layer`` 1 crosses layer 0."""

    pen: Pen
    coverage: float
    layer: int = 0


def pen_rgb(pen: Pen) -> np.ndarray:
    return np.array(ImageColor.getrgb(pen.color)[:3], dtype=np.float64) / 255.0


def pen_darkness(pen: Pen) -> float:
    """How dark the pen's full coverage is (``1 - grey``): black ≈ 0.9, yellow ≈ 0.2."""
    return float(1.0 - pen_rgb(pen) @ LUMINANCE)


def inks_for(rgb: np.ndarray, target: float, pens: tuple[Pen, ...], *, max_coverage: float = 0.9,
             vibrance: float = 0.0) -> list[Ink]:
    """The inks that paint a region of mean colour ``rgb`` to darkness ``target`` (0..1).

    ``vibrance`` > 0 pushes the region's colour away from grey before matching, so a
    saturated pen wins over a neutral one (The Painting Fool's "happy → vibrant").
    """
    if target < MIN_COVERAGE * 0.5:
        return []
    colours = np.array([pen_rgb(p) for p in pens])
    strength = np.maximum(1.0 - colours @ LUMINANCE, 1e-3)
    coverage = np.clip(target / strength, 0.0, max_coverage)
    mixed = 1.0 - coverage[:, None] * (1.0 - colours)
    lab_region = color.rgb2lab(np.clip(rgb, 0, 1)[None, None, :])[0, 0]
    lab_region[1:] *= 1.0 + vibrance
    lab_mixed = color.rgb2lab(mixed[None, :, :])[0]
    best = int(np.argmin(np.linalg.norm(lab_mixed - lab_region, axis=1)))
    inks = [Ink(pens[best], float(coverage[best]))] if coverage[best] >= MIN_COVERAGE else []
    reached = coverage[best] * strength[best]
    darkest = int(np.argmax(strength))
    if target - reached > MIX_THRESHOLD and darkest != best:
        second = (1.0 - (1.0 - target) / (1.0 - reached)) / strength[darkest]
        if second >= MIN_COVERAGE:
            inks.append(Ink(pens[darkest], float(min(second, max_coverage)), layer=1))
    return inks
