"""The lower levels and the plan: lines → line segments → pen moves, then pens and layers.

:func:`draw` runs the whole piece: composition and object plans (:mod:`.composition`),
every line drawn by the freehand pen (:mod:`.freehand`), occlusion front to back
(:mod:`.occlusion`), colour by rule when there are several pens (:mod:`.colour`), and
returns the :class:`~plotter.Plan` with the seed, every parameter and the redraw command
in its metadata, plus the trace of every rule that fired.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from plotter import __version__
from plotter.errors import PlanError
from plotter.geometry import path_lengths
from plotter.plan import Pen, Plan

from .colour import CHORD_RULES, light_to_dark, pen_lab, plan_colours
from .composition import compose
from .forms import Thing
from .freehand import Course, draw_lines, tidy
from .hatching import hatch
from .layout import Layout, compose_layout, square_area
from .moves import join_touching, pen_order, travel
from .occlusion import MIN_PIECE_MM, Visible, occlude
from .params import AaronParams, option_name
from .rules import Trace
from .space import Stage
from .trails import euler_trails

DEFAULT_PENS = (Pen("black", "#1b1b1b", 0.3),)
#: Closed forms with a shorter outline (mm) are not drawn.
MIN_FORM_MM = 3.0
#: How tightly a hatch link keeps to the region's boundary (mm of lookahead).
LINK_LOOKAHEAD_MM = 0.5


@dataclass(frozen=True)
class Drawing:
    """A finished piece: the plan, the rule trace, and each object as drawn (nearest first)."""

    plan: Plan
    trace: list[str]
    objects: list[Visible]
    stage: Stage


def redraw_command(seed: int, params: AaronParams, page: tuple[float, float], pens: Sequence[Pen],
                   output: str = "OUT.svg") -> str:
    """The exact ``plotter paint aaron`` command line that draws this piece again."""
    spec = ",".join(f"{p.name}:{p.color}:{p.width_mm:g}" for p in pens)
    options = " ".join(f"{option_name(k)} {shlex.quote(str(v))}" for k, v in params.as_dict().items())
    return (f"plotter paint aaron --seed {seed} --page {page[0]:g}x{page[1]:g}mm --pens {shlex.quote(spec)} "
            f"{options} -o {shlex.quote(output)}")


def draw(seed: int = 1, params: AaronParams | None = None, page: tuple[float, float] = (210.0, 297.0),
         pens: Sequence[Pen] | None = None) -> Drawing:
    """Compose and draw one piece; the same arguments always give the same plan."""
    params = params or AaronParams()
    params.validate()
    _check_seed(seed)
    pens = tuple(pens or DEFAULT_PENS)
    page = (float(page[0]), float(page[1]))
    rng = np.random.default_rng(seed)
    trace = Trace()
    stage, things = compose(params, page, rng, trace)
    return _render(stage, things, rng, trace, params, page, pens, {
        "generator": "aaron", "version": __version__, "seed": int(seed), "params": params.as_dict(),
        "page_mm": list(page), "pens": _pen_facts(pens),
        "objects": sum(t.kind != "ground" for t in things), "command": redraw_command(int(seed), params, page, pens)})


def draw_layout(layout: Layout, seed: int = 1, page: tuple[float, float] = (210.0, 297.0),
                pens: Sequence[Pen] | None = None, margin_mm: float = 12.0, wobble: float = 1.0) -> Drawing:
    """Draw a given :class:`~.layout.Layout` in the largest square inside the margins, with the
    freehand pen, occlusion and colour of any piece; the same arguments always give the same plan."""
    _check_seed(seed)
    params = AaronParams(scene=layout.scene, objects=max(len(layout.objects), 1), margin_mm=margin_mm, wobble=wobble)
    params.validate()
    pens = tuple(pens or DEFAULT_PENS)
    page = (float(page[0]), float(page[1]))
    rng = np.random.default_rng(seed)
    trace = Trace()
    stage, things = compose_layout(layout, square_area(page, margin_mm), rng, trace)
    return _render(stage, things, rng, trace, params, page, pens, {
        "generator": "aaron-layout", "version": __version__, "seed": int(seed), "params": params.as_dict(),
        "page_mm": list(page), "pens": _pen_facts(pens), "objects": len(layout.objects), "layout": layout.as_dict()})


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise PlanError(f"aaron: seed {seed!r} must be a whole number >= 0")


def _pen_facts(pens: Sequence[Pen]) -> list[dict]:
    return [{"name": p.name, "color": p.color, "width_mm": p.width_mm} for p in pens]


def _render(stage: Stage, things: list[Thing], rng: np.random.Generator, trace: Trace, params: AaronParams,
            page: tuple[float, float], pens: tuple[Pen, ...], metadata: dict) -> Drawing:
    """Lines, line segments and pen moves for composed ``things``: the levels below composition."""
    things.sort(key=lambda t: -t.base_y)  # nearest first: their lines are drawn before anything behind
    for thing in things:  # a form smaller than a few pen steps is a speck, not a shape
        thing.parts = [p for p in thing.parts if Course(p.guide).length_mm >= (MIN_FORM_MM if p.closed else 1.0)]
    outline = min(pens, key=lambda p: pen_lab(p)[0])
    courses = [Course(p.guide, p.lookahead_mm, p.swing) for t in things for p in t.parts]
    drawn = draw_lines(courses, rng, tolerance_mm=outline.width_mm, wobble=params.wobble)
    per_thing, start = [], 0
    for thing in things:
        end = start + len(thing.parts)
        per_thing.append(drawn.paths[start:end])
        trace.note(thing.subject, "line segments", f"{int(drawn.phases[start:end].sum())} swings, "
                   f"{int(drawn.panics[start:end].sum())} cut short at the angular limit, "
                   f"{end - start} lines homed onto their goals")
        start = end
    visible = occlude(things, per_thing)
    for seen in visible:
        trace.note(seen.thing.subject, "pen moves", f"{len(seen.paths)} strokes; {seen.cut} lines stopped at a "
                   f"nearer form (T-junctions), {seen.dropped} pieces under {MIN_PIECE_MM:g} mm dropped")
    layers: dict[str, list[np.ndarray]] = {p.name: [] for p in light_to_dark(pens)}
    for seen in visible:
        layers[outline.name].extend(seen.paths)  # outlines first, fills after
    for pen, paths in _fills(visible, params, pens, rng, trace).items():
        layers[pen.name].extend(paths)
    builder = Plan.builder(page, metadata)
    by_name = {p.name: p for p in pens}
    frame = shapely.box(*stage.area)
    pen_at = np.zeros(2)  # each pen starts where the one before it stopped
    for name, paths in layers.items():
        width = by_name[name].width_mm
        strokes = join_touching(pen_order(euler_trails(_within(paths, frame), width), pen_at), width)
        builder.pen(by_name[name])
        for path in strokes:
            builder.add(path, pen=name)
        if strokes:
            trace.note("picture", "pen moves", f"{name}: {len(strokes)} strokes, {path_lengths(strokes).sum():.0f} mm "
                       f"of ink, {travel(strokes, pen_at):.0f} mm pen-up in the planned order")
            pen_at = strokes[-1][-1]
    return Drawing(builder.build().without_empty_layers(), _grouped(trace.lines), visible, stage)


def _fills(visible: list[Visible], params: AaronParams, pens: tuple[Pen, ...], rng: np.random.Generator,
           trace: Trace) -> dict[Pen, list[np.ndarray]]:
    """Hatch the regions the colour rules darken; hatching stays inside its visible region."""
    chord = CHORD_RULES.fire({"rng": rng, "pens": len(pens), "scene": params.scene}, trace, "picture")
    if chord is None:
        return {}
    trace.note("picture", "composition", f"colour chord {chord.describe()}")
    angle = rng.uniform(math.radians(25), math.radians(65)) * rng.choice([-1, 1])
    jobs: list[tuple[Pen, shapely.Geometry, int]] = []  # pen, where the ink may go, guides in the sweep
    courses: list[Course] = []
    for seen in visible:
        choices = plan_colours(chord, [m for m, _ in seen.regions], rng, pens, trace, seen.thing.subject)
        for (_, region), choice in zip(seen.regions, choices, strict=True):
            if choice is None:
                continue
            pen, spacing = choice
            inner = region.buffer(-pen.width_mm / 2)  # the fill never touches the outline
            for sweep in hatch(region.buffer(-pen.width_mm - 0.6), spacing, angle):  # room for the wobble
                jobs.append((pen, inner, len(sweep)))
                courses += [Course(g, math.inf, 0.5) if k % 2 == 0 else Course(g, LINK_LOOKAHEAD_MM, 0.3)
                            for k, g in enumerate(sweep)]
    drawn = draw_lines(courses, rng, tolerance_mm=min(p.width_mm for p in pens), wobble=params.wobble)
    fills: dict[Pen, list[np.ndarray]] = {}
    start = 0
    for pen, inner, count in jobs:
        pieces = drawn.paths[start:start + count]  # each starts exactly where the one before ended
        start += count
        path = np.vstack([pieces[0], *(p[1:] for p in pieces[1:])])
        for piece in shapely.get_parts(shapely.LineString(path).intersection(inner)):
            if piece.geom_type == "LineString" and piece.length >= MIN_PIECE_MM:
                fills.setdefault(pen, []).append(tidy(np.asarray(piece.coords)))
    return fills


def _within(paths: list[np.ndarray], frame: shapely.Geometry) -> list[np.ndarray]:
    """The last pen-move rule: a wobble never carries a line into the margin."""
    x0, y0, x1, y1 = frame.bounds
    kept = []
    for path in paths:
        low, high = path.min(axis=0), path.max(axis=0)
        if low[0] >= x0 and low[1] >= y0 and high[0] <= x1 and high[1] <= y1:
            kept.append(path)
            continue
        for piece in shapely.get_parts(shapely.LineString(path).intersection(frame)):
            if piece.geom_type == "LineString" and piece.length >= MIN_PIECE_MM:
                kept.append(tidy(np.asarray(piece.coords)))
    return kept


def _grouped(lines: list[str]) -> list[str]:
    """The trace grouped per subject (the picture first, then each object), order kept within."""
    subjects = list(dict.fromkeys(line.split(" | ", 1)[0] for line in lines))
    rank = {s: (s != "picture", i) for i, s in enumerate(subjects)}
    return sorted(lines, key=lambda line: rank[line.split(" | ", 1)[0]])
