"""A Painting-Fool-style painter for pen plotters (after Simon Colton, 2001–).

It looks at a picture, finds its colour regions, and paints them region by region in a
style: an abstraction level (the segmentation), a palette (the user's pens, matched in Lab,
lightness turned into stroke density at the pen's real width), a medium and a stroke style.
A mood picks the style from a table, as The Painting Fool did.

>>> import numpy as np
>>> plan = paint(np.full((32, 32, 3), 0.4), style="pencil", page=(100, 100), seed=3)
>>> plan.metadata["generator"], plan.path_count > 0
('fool', True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict

import numpy as np
from scipy import ndimage

from plotter.errors import PlanError
from plotter.geometry import flatten
from plotter.plan import Pen, Plan

from ..edges import EdgeParams, edge_paths
from ..image_input import as_rgb
from ..plottable import finished
from ..raster import Placement, darkness, place, sample, working_field
from . import strokes
from .order import pen_order, region_tiers
from .palette import Ink, inks_for, pen_darkness
from .segment import Region, find_regions
from .styles import MEDIA, MOODS, Style, make_style
from .travel import in_travel_order

__all__ = ["DEFAULT_PENS", "MEDIA", "MOODS", "Style", "make_style", "paint"]

DEFAULT_PENS = (Pen("black", "#1b1b1b", 0.3),)
#: Below this coherence a region's edges point every way: hatch at the style's angle instead.
MIN_COHERENCE = 0.3
#: The contour pass draws an edge only where the picture is no darker than this (0..1).
CONTOUR_SHOWS = 0.7
#: Resolution and blur of the tone field the strokes read, mm on paper.
TONE_CELL_MM = 0.5
TONE_BLUR_MM = 0.6
#: Densest pastel: scattered strokes need -ln(1 - c) times the ink of even lines to cover c.
PASTEL_CAP = 0.7


def paint(
    image: np.ndarray,
    *,
    style: str | None = None,
    mood: str | None = None,
    abstraction: float = 0.5,
    pens: Sequence[Pen] | None = None,
    page: tuple[float, float] = (210.0, 297.0),
    margin_mm: float = 10.0,
    seed: int = 1,
    progress: Callable[[float], None] | None = None,
) -> Plan:
    """Paint ``image`` ((H, W) or (H, W, 3|4), float 0..1 or integers) on ``page``.

    ``style`` is the medium (``pencil``, ``crosshatch``, ``pastel``, ``contour``,
    ``outline``; default the mood's, else pencil); ``mood`` one of :data:`MOODS`;
    ``abstraction`` 0 (detailed) .. 1 (a few round blobs). ``progress`` is called with
    the fraction done. The same arguments and seed give the same plan.
    """
    rgb = as_rgb(image)
    chosen = make_style(style, mood, abstraction)
    pens = DEFAULT_PENS if pens is None else tuple(pens)
    if not pens:
        raise PlanError("fool: the pen set is empty; give at least one pen")
    placement = place(rgb.shape, page, margin_mm)
    rng = np.random.default_rng(seed)
    regions = find_regions(rgb, placement, chosen.segmentation)
    field, field_place = working_field(darkness(rgb), placement, TONE_CELL_MM)
    field = ndimage.gaussian_filter(field, TONE_BLUR_MM / field_place.mm_per_px, mode="nearest")
    _report(progress, 0.3)
    tiers = region_tiers(regions)
    # strokes by pen, then by tier of the order of work; the last tier is the contour pass
    work: dict[str, list[list[np.ndarray]]] = {pen.name: [[] for _ in range(len(tiers) + 1)] for pen in pens}
    done = 0
    for tier, members in enumerate(tiers):
        for index in members:
            region = regions[index]
            inks = inks_for(region.rgb, _tone(region.darkness, chosen), pens, max_coverage=chosen.max_coverage,
                            vibrance=chosen.vibrance)
            if chosen.medium == "outline" or chosen.outline:
                pen = inks[0].pen if chosen.medium == "outline" and inks else max(pens, key=pen_darkness)
                work[pen.name][tier].extend(strokes.freehand_outline(region.shape,
                                                                     wobble_mm=max(chosen.wobble_mm, 0.1), rng=rng))
            if chosen.medium != "outline":
                angle = _angle(region, chosen, rng)
                for ink in inks:
                    tone = _local_tone(field, field_place, region, ink, chosen)
                    work[ink.pen.name][tier].extend(_fill(region, ink, angle, tone, chosen, rng))
            done += 1
            _report(progress, 0.3 + 0.6 * done / len(regions))
    if chosen.contours:
        ink = max(pens, key=pen_darkness)
        found = _showing(edge_paths(darkness(rgb), placement, contour_detail(chosen.abstraction)), field, field_place)
        work[ink.name][-1].extend(strokes.tremble(found, min(chosen.wobble_mm, 0.3), rng))
    metadata = {
        "generator": "fool",
        "seed": seed,
        "params": {**asdict(chosen), "mood": mood, "margin_mm": margin_mm,
                   "pens": [asdict(pen) for pen in pens], "regions": len(regions)},
    }
    ordered = pen_order(pens)
    # nothing leaves the picture's rectangle: a tremor or a hatch's wobble near its edge is cut there
    toured = in_travel_order([finished(group, page, frame=placement.rect) for pen in ordered
                              for group in work[pen.name]], page)
    builder = Plan.builder(page, metadata)
    per_pen = len(tiers) + 1
    for k, pen in enumerate(ordered):
        builder.pen(pen)
        for group in toured[k * per_pen : (k + 1) * per_pen]:
            for path in group:
                builder.add(path, pen)
    _report(progress, 1.0)
    return builder.build().without_empty_layers()


def contour_detail(abstraction: float) -> EdgeParams:
    """The contour pass draws only the picture's strongest edges, fewer and longer as the style grows abstract.

    A draughtsman outlines forms, not texture: the top 5 % of the gradients seed an edge,
    which may run on through the top 15 %, and chains under 5 mm (wood grain, fur, noise)
    are left to the hatching's tone. Measured on the benchmark photographs, drawing the top
    10 % instead outlines texture and blurs the forms.
    """
    beyond = max(0.0, abstraction - 0.5) * 2  # up to 0.5 the contours keep the photograph's detail
    return EdgeParams(sigma_mm=1.2 + 1.3 * beyond, min_length_mm=5.0 + 10.0 * beyond, low=0.85 + 0.05 * beyond,
                      high=0.95 + 0.03 * beyond)


def _showing(paths: list[np.ndarray], field: np.ndarray, place: Placement) -> list[np.ndarray]:
    """The stretches of ``paths`` where a dark line shows: over tones up to :data:`CONTOUR_SHOWS`.

    In deep shadow an outline vanishes into the hatching; a draughtsman leaves it out there.
    """
    if not paths:
        return []
    points, offsets = flatten(paths)
    index = np.repeat(np.arange(len(paths)), np.diff(offsets))
    return strokes.runs(points, index, sample(field, place, points) <= CONTOUR_SHOWS)


def _tone(darkness: float | np.ndarray, style: Style) -> float | np.ndarray:
    """The darkness painted for ``darkness``, after the style's contrast and gamma."""
    return np.clip(0.5 + (np.asarray(darkness) - 0.5) * style.contrast, 0.0, 1.0) ** style.gamma


def _local_tone(field: np.ndarray, place: Placement, region: Region, ink: Ink, style: Style) -> strokes.Tone:
    """The coverage ``ink`` should reach at each point: its region share, shaded by the local tone.

    Abstraction beyond 0.5 flattens the shading (as its square: gently at first): at 1 the
    region is one even tone, as a poster is. Up to 0.5 the shading is the photograph's: a
    region's mean laid over it would draw the segmentation's seams as false edges.
    """
    flat = (max(0.0, style.abstraction - 0.5) * 2) ** 2
    scale = ink.coverage / max(float(_tone(region.darkness, style)), 1e-3)

    def tone(xy: np.ndarray) -> np.ndarray:
        wanted = _tone((1.0 - flat) * sample(field, place, xy) + flat * region.darkness, style)
        return np.clip(scale * wanted, 0.0, style.max_coverage)

    return tone


def _angle(region: Region, style: Style, rng: np.random.Generator) -> float:
    follows = style.follow_structure and region.coherence >= MIN_COHERENCE
    base = region.structure_angle if follows else math.radians(style.angle_deg)
    return base + math.radians(rng.normal(0.0, style.angle_jitter_deg))


def _fill(region: Region, ink: Ink, angle: float, tone: strokes.Tone, style: Style,
          rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of one ink in one region; a mixing layer (``ink.layer`` 1) crosses the first."""
    width, cap = ink.pen.width_mm, style.max_coverage
    turn = angle + ink.layer * math.pi / 2
    if style.medium == "crosshatch":
        return strokes.crosshatch(region.shape, turn, width, cap, tone, wobble_mm=style.wobble_mm, rng=rng)
    if style.medium == "pastel":  # strokes no longer than a third of the region, so small ones keep their shape
        stroke = min(style.stroke_mm, max(1.5, math.sqrt(region.area_mm2) / 3))
        return strokes.pastel(region.shape, region.axis_angle + ink.layer * math.pi / 2, width, min(cap, PASTEL_CAP),
                              tone, stroke_mm=stroke, spread_deg=15.0, rng=rng)
    if style.medium == "contour":
        return strokes.contour_fill(region.shape, width, cap, tone, rng=rng)
    return strokes.hatch(region.shape, turn, width, cap, tone, wobble_mm=style.wobble_mm, rng=rng)


def _report(progress: Callable[[float], None] | None, fraction: float) -> None:
    if progress is not None:
        progress(fraction)
