"""Colour by rule, as AARON coloured: lightness first, hue second, pens chosen by nearness.

Cohen: we read a scene mostly by light and dark. So each composition first picks a *colour
chord* (after *Color, Simply*, 2006): two or three weighted cells of a saturation ×
lightness matrix. Each region then draws a cell by weight and a lightness and saturation
inside it; only then a hue, from what the region is (skin keeps to a sensible range,
foliage to greens). The pen is the one nearest that colour in CIE Lab, with lightness
weighted double; on paper lightness becomes hatch density: the denser the hatching, the
darker the region. Regions are outlined first and filled after, each hatch swept forward
in one direction; pens go down light to dark.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from plotter.plan import Pen

from .rules import Rule, RuleSet, Trace, always

RANGES = {"L": (0.15, 0.35), "M": (0.40, 0.65), "H": (0.80, 1.0)}  # Color, Simply's three ranges
#: Lightness above which a region is left as paper.
PAPER = 0.8
#: Most of the paper a hatch may cover.
MAX_COVER = 0.35
#: Hue ranges (degrees) and saturation caps per material: what the region is decides its hue.
HUES = {"skin": ((18, 35), 0.5), "hair": ((15, 45), 0.6), "foliage": ((80, 150), 1.0), "bark": ((20, 40), 0.5),
        "petals": ((0, 360), 1.0), "flower": ((40, 60), 1.0), "rock": ((20, 60), 0.25), "clothes": ((0, 360), 1.0),
        "legs": ((190, 250), 0.7), "form": ((0, 360), 1.0)}


@dataclass(frozen=True)
class Chord:
    """Two or three (saturation range, lightness range) cells with weights summing to 1."""

    cells: tuple[tuple[str, str], ...]
    weights: tuple[float, ...]

    def describe(self) -> str:
        return ", ".join(f"{w:.0%} {s}{lum}" for (s, lum), w in zip(self.cells, self.weights, strict=True))


def _random_chord(rng: np.random.Generator, size: int) -> Chord:
    names = [(s, lum) for s in "LMH" for lum in "LMH"]
    picked = rng.choice(len(names), size, replace=False)
    weights = rng.dirichlet(np.full(size, 2.0))
    return Chord(tuple(names[i] for i in picked), tuple(round(float(w), 3) for w in weights))


CHORD_RULES = RuleSet("composition", [
    Rule("one pen: lightness alone, mostly paper, a few mid and dark regions",
         lambda f: f["pens"] == 1, lambda f: Chord((("L", "H"), ("L", "M"), ("L", "L")), (0.6, 0.28, 0.12))),
    Rule("a garden chord: light greens and mid darks", lambda f: f["scene"] == "garden",
         lambda f: Chord((("M", "H"), ("H", "M"), ("L", "L")), (0.4, 0.4, 0.2))),
    Rule("otherwise: two or three weighted cells, chosen by chance", always,
         lambda f: _random_chord(f["rng"], int(f["rng"].integers(2, 4)))),
])


def region_colour(chord: Chord, material: str, rng: np.random.Generator) -> tuple[float, tuple[float, float, float]]:
    """(lightness, rgb) for one region: lightness and saturation from the chord, then hue."""
    cell = chord.cells[int(rng.choice(len(chord.cells), p=np.array(chord.weights) / sum(chord.weights)))]
    saturation, lightness = (rng.uniform(*RANGES[c]) for c in cell)
    if material == "skin":  # AARON knew a sensible range for skin, whatever the chord says
        lightness = float(np.clip(lightness, 0.7, 0.9))
    (low, high), cap = HUES.get(material, ((0, 360), 1.0))
    hue = rng.uniform(low, high) % 360
    rgb = colorsys.hls_to_rgb(hue / 360, lightness, min(saturation, cap))
    return float(lightness), rgb


def lab(rgb: Sequence[float]) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour given as 0..1 floats."""
    c = np.asarray(rgb, dtype=float)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def pen_lab(pen: Pen) -> np.ndarray:
    return lab([int(pen.color[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def nearest_pen(rgb: Sequence[float], pens: Sequence[Pen]) -> Pen:
    """The pen nearest ``rgb`` in Lab, lightness counted twice (lightness before hue)."""
    target = lab(rgb)
    costs = [float(np.hypot(2 * (pen_lab(p)[0] - target[0]), np.hypot(*(pen_lab(p)[1:] - target[1:]))))
             for p in pens]
    return pens[int(np.argmin(costs))]


def light_to_dark(pens: Sequence[Pen]) -> list[Pen]:
    """Plotting order: light pens first, so dark ink covers any misregistration."""
    return sorted(pens, key=lambda p: -pen_lab(p)[0])


def hatch_spacing(lightness: float, pen: Pen) -> float:
    """Spacing (mm) of hatch lines in ``pen`` that make a region look ``lightness`` (0..1).

    Hatching covers ``width / spacing`` of the paper; seen from afar it mixes paper and ink.
    A hatch never covers more than :data:`MAX_COVER` of the paper, so outlines stay legible.
    """
    paper, ink = 100.0, pen_lab(pen)[0]
    target = 100.0 * lightness
    cover = MAX_COVER * np.clip((paper - target) / max(paper - ink, 1.0), 0.1, 1.0)
    return float(np.clip(pen.width_mm / cover, 2 * pen.width_mm, 6.0))


def plan_colours(chord: Chord | None, materials: list[str], rng: np.random.Generator, pens: Sequence[Pen],
                 trace: Trace, subject: str) -> list[tuple[Pen, float] | None]:
    """Per region: (pen, hatch spacing), or None where the region stays paper.

    Regions of one material in one object (a person's sleeves and shirt, a tree's clumps)
    share one colour, so the object reads as one thing.
    """
    if chord is None:
        return [None] * len(materials)
    chosen: dict[str, tuple[Pen, float] | None] = {}
    for material in materials:
        if material in chosen:
            continue
        lightness, rgb = region_colour(chord, material, rng)
        pen = nearest_pen(rgb, pens)
        chosen[material] = None if lightness >= PAPER else (pen, hatch_spacing(lightness, pen))
    filled = {m: c for m, c in chosen.items() if c}
    trace.note(subject, "lines", f"colour: {len(filled)} of {len(chosen)} materials hatched"
               + (" (" + ", ".join(f"{m} {c[0].name}" for m, c in filled.items()) + ")" if filled else ""))
    return [chosen[m] for m in materials]
