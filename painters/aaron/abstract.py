"""AARON's 1970s forms: closed forms (loops enclosing space) and open forms (lines).

A closed form is embodied around a random skeleton of 1–12 points (after Rhea Myers'
*draw-something*): its outline runs at a distance from the skeleton, tighter where the
skeleton is busier. It may hold interior marks: a nested loop or a few stripes. An open
form is a development of freehand lines from waypoint to waypoint across its box.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from .forms import Part, Thing, outline_of
from .rules import Rule, RuleSet, Trace, always


def _closed(thing: Thing, rng: np.random.Generator, trace: Trace, placed: list[Thing]) -> None:
    x0, y0, x1, y1 = thing.box
    size = min(x1 - x0, y1 - y0)
    count = int(rng.integers(1, 13))
    distance = size * 0.22 / (1 + 0.06 * count)  # a busier skeleton pulls the outline closer
    inset = distance * 1.05
    skeleton = rng.uniform((x0 + inset, y0 + inset), (x1 - inset, y1 - inset), (count, 2))
    core = shapely.LineString(skeleton) if count > 1 else shapely.Point(skeleton[0])
    form = core.buffer(distance, quad_segs=10).buffer(-0.3 * distance).buffer(0.3 * distance)
    look = float(np.clip(0.05 * size, 0.8, 2.5))
    thing.parts = [Part("closed form", outline_of(form), True, look, "form")]
    marks = INTERIOR_RULES.fire({"rng": rng, "count": count}, trace, thing.subject, f"skeleton of {count} points")
    inner = form.buffer(-0.4 * distance)
    if marks == "nested loop" and not inner.is_empty and inner.area > 4:
        thing.parts.append(Part("nested loop", outline_of(inner), False, look, within="closed form"))
    elif marks == "stripes":
        xmin, ymin, xmax, ymax = form.bounds
        angle = rng.uniform(0, math.pi)
        direction = np.array([math.cos(angle), math.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
        reach = math.hypot(xmax - xmin, ymax - ymin)
        stripes = []
        for offset in np.linspace(-0.25, 0.25, int(rng.integers(3, 6))) * reach:
            line = shapely.LineString([centre + offset * normal - reach * direction,
                                       centre + offset * normal + reach * direction]).intersection(inner)
            if line.geom_type == "LineString" and line.length > 3:
                stripes.append(np.asarray(line.coords))
        for run in _zigzag(stripes, 0.3 * reach):
            thing.parts.append(Part("stripes", run, False, 1.0, within="closed form"))


def _zigzag(stripes: list[np.ndarray], longest: float) -> list[np.ndarray]:
    """Stripes drawn as a hand does, back and forth without lifting: each stripe starts where
    the one before ended, by a short step across; a step longer than ``longest`` lifts the pen."""
    runs: list[list[np.ndarray]] = []
    for stripe in stripes:
        if runs:
            end = runs[-1][-1][-1]
            stripe = stripe if np.hypot(*(stripe[0] - end)) <= np.hypot(*(stripe[-1] - end)) else stripe[::-1]
            if np.hypot(*(stripe[0] - end)) <= longest:
                runs[-1].append(stripe)
                continue
        runs.append([stripe])
    return [np.vstack(run) for run in runs]


def _open(thing: Thing, rng: np.random.Generator, trace: Trace, placed: list[Thing]) -> None:
    x0, y0, x1, y1 = thing.box
    count = int(rng.integers(3, 7))
    kind = OPEN_RULES.fire({"rng": rng, "wide": (x1 - x0) > (y1 - y0)}, trace, thing.subject)
    t = np.linspace(0, 1, count)
    if kind == "zigzag":
        xs = x0 + t * (x1 - x0)
        ys = np.where(np.arange(count) % 2, y0 + 0.2 * (y1 - y0), y1 - 0.2 * (y1 - y0))
    else:  # a meander: waves down the box, never doubling back
        phase, cycles = rng.uniform(0, 2 * np.pi), rng.uniform(0.6, 1.6)
        t = np.linspace(0, 1, 24)
        xs = (x0 + x1) / 2 + 0.4 * (x1 - x0) * np.sin(phase + 2 * np.pi * cycles * t)
        ys = y0 + t * (y1 - y0)
    thing.parts = [Part("open form", _spring(np.column_stack([xs, ys]), placed), False, 12.0, swing=1.5)]


def _spring(line: np.ndarray, placed: list[Thing]) -> np.ndarray:
    """An open form springs from the form placed before it that lies nearest one of its ends,
    when that is near (within half the line's own reach): the pen goes on from that form's
    line into this one instead of lifting, as AARON's lines grow out of its forms."""
    points = [part.guide for other in placed for part in other.parts]
    if not points:
        return line
    cloud = np.vstack(points)
    reach = 0.5 * float(np.hypot(*(line.max(axis=0) - line.min(axis=0))))
    gaps = [np.hypot(*(cloud - end).T) for end in (line[0], line[-1])]
    nearest = [int(np.argmin(gap)) for gap in gaps]
    end = int(gaps[1][nearest[1]] < gaps[0][nearest[0]])
    if gaps[end][nearest[end]] > reach:
        return line
    line = line[::-1] if end else line
    return np.vstack([cloud[nearest[end]], line])


INTERIOR_RULES = RuleSet("lines", [
    Rule("a busy skeleton stays empty inside", lambda f: f["count"] > 8, lambda f: "none"),
    Rule("otherwise: a nested loop, stripes, or nothing", always,
         lambda f: str(f["rng"].choice(["nested loop", "stripes", "none"]))),
])
OPEN_RULES = RuleSet("lines", [
    Rule("a wide box takes a zigzag", lambda f: f["wide"] and f["rng"].random() < 0.6, lambda f: "zigzag"),
    Rule("otherwise a meander", always, lambda f: "meander"),
])
DEVELOPMENT_RULES = RuleSet("object plan", [
    Rule("develop as a closed form (loop) or an open form (line), 50/50", always,
         lambda f: _closed if f["rng"].random() < 0.5 else _open),
])


def plan_abstract(thing: Thing, rng: np.random.Generator, trace: Trace, placed: list[Thing] = (),
                  development: str | None = None) -> None:
    """Fill ``thing.parts`` with a closed or an open form (by rule unless ``development`` says
    ``"closed"`` or ``"open"``), as Ben.lisp's planning level does; an open form may spring from
    one of the forms ``placed`` before it."""
    if development is None:
        develop = DEVELOPMENT_RULES.fire({"rng": rng}, trace, thing.subject)
    else:
        develop = {"closed": _closed, "open": _open}[development]
        trace.note(thing.subject, "object plan", f"develop as {'a closed' if development == 'closed' else 'an open'} "
                   "form, as asked")
    develop(thing, rng, trace, list(placed))
