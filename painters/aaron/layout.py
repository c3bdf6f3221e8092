"""A scene given as a layout: which objects stand where, decided by someone else, drawn by AARON.

Composition and space allocation (:mod:`.composition`) decide a scene's structure by rule.
A :class:`Layout` is that decision made elsewhere — read off a drawn scene's facts, or
written by a text-conditioned generator (:mod:`generative.text_layout`) — as the scene type,
the horizon and each object's kind, pose or species and box, all as shares of the drawable
area. :func:`compose_layout` hands each box to the same object plans the rules would, so a
layout is drawn with all of AARON's knowledge of figures, plants and rocks.

>>> layout = Layout("garden", 0.4, (LayoutObject("tree", "oak", (0.1, 0.05, 0.4, 0.5)),
...                                 LayoutObject("figure", "standing", (0.5, 0.4, 0.62, 0.8))))
>>> stage, things = compose_layout(layout, (10.0, 10.0, 140.0, 140.0), np.random.default_rng(0), Trace())
>>> [t.kind for t in things]
['tree', 'figure', 'ground']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from plotter.errors import PlanError

from .abstract import plan_abstract
from .composition import ORDER, ground
from .figure import POSES, plan_figure
from .forms import Thing
from .params import SCENES
from .plant import plan_plant
from .rock import plan_rock
from .rules import Trace
from .space import Box, Stage

if TYPE_CHECKING:
    from .caption import SceneFacts

#: The painter's kind and plant species for each kind a caption names.
PAINTER_KIND = {"figure": ("figure", None), "tree": ("tree", None), "shrub": ("shrub", "shrub"),
                "flower": ("plant", "flower"), "plant": ("plant", "leafy"), "grass": ("plant", "grass"),
                "rock": ("rock", None), "form": ("form", None)}
#: The details a layout may ask of each kind (a pose, a tree's species); other kinds take none.
DETAILS = {"figure": tuple(POSES), "tree": ("oak", "poplar"), "form": ("closed", "open")}
#: Boxes narrower or shorter than this share of the drawable area are refused (nothing can be drawn in them).
MIN_BOX_SHARE = 0.01
#: The shapes of box each painter kind is drawn in (width / height), a little wider than composition's
#: allocation rules give; a box outside is narrowed or lowered about its base to the nearest.
ASPECTS = {"figure": (0.3, 1.0), "tree": (0.35, 1.0), "shrub": (0.9, 2.0), "plant": (0.3, 1.2),
           "rock": (1.1, 2.5), "form": (0.4, 2.5)}
#: The smallest object drawn (mm tall), as in composition: a smaller box is grown about its base.
MIN_HEIGHT_MM = 4.0


@dataclass(frozen=True)
class LayoutObject:
    """One object: its kind (a caption kind), its pose, species or development (closed or open form;
    ``None``: the rules choose), its box."""

    kind: str
    detail: str | None
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as shares of the drawable area, y down


@dataclass(frozen=True)
class Layout:
    """A scene's structure: its type, the horizon (a share of the drawable height; ``None``: no
    ground), and its objects."""

    scene: str
    horizon: float | None
    objects: tuple[LayoutObject, ...]

    @classmethod
    def from_facts(cls, facts: SceneFacts) -> Layout:
        """The layout of a described scene: its shown objects where they stood, the horizon
        recovered from their depths (depth = share of the ground between horizon and bottom)."""
        horizon = None
        placed = [(o.box[3], o.depth) for o in facts.objects if o.depth is not None and 0.0 < o.depth < 1.0]
        if placed:  # base - h = depth · (1 - h) for each: least squares, so no rounded depth near 1 dominates
            base, depth = np.array(placed).T
            horizon = float(((1 - depth) * (base - depth)).sum() / ((1 - depth) ** 2).sum())
        elif facts.scene != "abstract":
            horizon = min(o.box[3] for o in facts.objects)  # every base at the horizon or the bottom
        objects = tuple(LayoutObject(o.kind, o.detail if o.kind in DETAILS else None, tuple(o.box))
                        for o in facts.shown)
        return cls(facts.scene, None if horizon is None else float(np.clip(horizon, 0.0, 1.0)), objects)

    def as_dict(self) -> dict[str, Any]:
        return {"scene": self.scene, "horizon": self.horizon,
                "objects": [{"kind": o.kind, "detail": o.detail, "box": list(o.box)} for o in self.objects]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Layout:
        return cls(data["scene"], data["horizon"], tuple(LayoutObject(o["kind"], o["detail"], tuple(o["box"]))
                                                         for o in data["objects"]))

    def validate(self) -> None:
        """Refuse what no painter can draw, naming the object and value."""
        if self.scene not in SCENES:
            raise PlanError(f"layout: unknown scene {self.scene!r}; choose one of {', '.join(SCENES)}")
        if self.horizon is not None and not 0.0 <= self.horizon <= 1.0:
            raise PlanError(f"layout: horizon {self.horizon!r} is outside 0..1 of the drawable height")
        if not self.objects:
            raise PlanError("layout: no objects to draw")
        for number, o in enumerate(self.objects, 1):
            if o.kind not in PAINTER_KIND:
                raise PlanError(f"layout: object {number} has unknown kind {o.kind!r}; "
                                f"choose one of {', '.join(PAINTER_KIND)}")
            if o.detail is not None and o.detail not in DETAILS.get(o.kind, ()):
                raise PlanError(f"layout: object {number} ({o.kind}) cannot be {o.detail!r}; "
                                f"it may be {', '.join(DETAILS.get(o.kind, ())) or 'nothing more'}")
            x0, y0, x1, y1 = o.box
            if not (0.0 <= x0 and x1 <= 1.0 and 0.0 <= y0 and y1 <= 1.0
                    and x1 - x0 >= MIN_BOX_SHARE and y1 - y0 >= MIN_BOX_SHARE):
                raise PlanError(f"layout: object {number} ({o.kind}) box {o.box!r} must lie inside 0..1 "
                                f"and be at least {MIN_BOX_SHARE:g} wide and tall")


def compose_layout(layout: Layout, area: Box, rng: np.random.Generator, trace: Trace) -> tuple[Stage, list[Thing]]:
    """The scene of ``layout`` in ``area`` (mm): each object planned in its box (reshaped by
    :func:`drawable_box`, and standing on the ground when there is a horizon), biggest kinds first as
    composition orders them, then the ground (horizon and shadows)."""
    layout.validate()
    x0, y0, x1, y1 = area
    width, height = x1 - x0, y1 - y0
    horizon = None if layout.horizon is None else y0 + layout.horizon * height
    stage = Stage(area, horizon)
    trace.note("picture", "composition", f"a given layout: {layout.scene}, {len(layout.objects)} objects"
               + (f"; horizon at {horizon - y0:.0f} mm below the top margin" if horizon is not None else ""))
    rank = {kind: i for i, kind in enumerate(ORDER)}
    things: list[Thing] = []
    for o in sorted(layout.objects, key=lambda o: rank[PAINTER_KIND[o.kind][0]]):
        kind, species = PAINTER_KIND[o.kind]
        bx0, by0, bx1, by1 = o.box
        box = drawable_box(kind, (x0 + bx0 * width, y0 + by0 * height, x0 + bx1 * width, y0 + by1 * height))
        if horizon is not None and box[3] < horizon:  # everything stands on the ground: nothing floats in the sky
            box = (box[0], box[1] + horizon - box[3], box[2], horizon)
        thing = Thing(len(things) + 1, kind, box, box[3])
        trace.note(thing.subject, "space allocation", f"box {box[2] - box[0]:.0f} x {box[3] - box[1]:.0f} mm at "
                   f"({box[0]:.0f}, {box[1]:.0f}), as the layout gives it")
        if kind == "figure":
            plan_figure(thing, rng, trace, stage.scale_at(thing.base_y), o.detail)
        elif kind in ("tree", "shrub", "plant"):
            plan_plant(thing, rng, trace, species or o.detail)
        elif kind == "rock":
            plan_rock(thing, rng, trace)
        else:
            plan_abstract(thing, rng, trace, things, o.detail)
        things.append(thing)
    if horizon is not None:
        things.append(ground(stage, things, rng, len(things) + 1, trace))
    return stage, things


def drawable_box(kind: str, box: Box) -> Box:
    """``box`` (mm) as the object plans of painter ``kind`` can fill it: at least :data:`MIN_HEIGHT_MM`
    tall and of an :data:`ASPECTS` shape, changed about the middle of its base (where it stands)."""
    x0, y0, x1, y1 = box
    middle, height = (x0 + x1) / 2, max(y1 - y0, MIN_HEIGHT_MM)
    low, high = ASPECTS[kind]
    aspect = float(np.clip((x1 - x0) / height, low, high))
    if (x1 - x0) / height < low:  # too narrow: lower it
        height = (x1 - x0) / low if x1 - x0 >= low * MIN_HEIGHT_MM else MIN_HEIGHT_MM
    width = aspect * height
    return (middle - width / 2, y1 - height, middle + width / 2, y1)


def square_area(page: tuple[float, float], margin_mm: float) -> Box:
    """The largest square inside the margins, centred: layouts are learnt on square scenes."""
    side = min(page[0], page[1]) - 2 * margin_mm
    if side <= 0:
        raise PlanError(f"layout: {margin_mm:g} mm margins leave no room on a {page[0]:g} x {page[1]:g} mm page")
    left, top = (page[0] - side) / 2, (page[1] - side) / 2
    return (left, top, left + side, top + side)
