"""The top levels of decision: composition, space allocation, and which object plan runs.

Composition rules decide the scene's structure (horizon, bands, which kinds of object and
how many, biggest first). Space allocation rules say where each kind may stand and how big
it is there; boxes are won by rejection sampling on the occupancy map, and the composition
ends after the asked number of objects or a run of failed allocations (Ben.lisp: ten
figures or five failures). Each placed object is then handed to its object plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from plotter.errors import PlanError

from .abstract import plan_abstract
from .figure import plan_figure
from .forms import Part, Thing
from .params import AaronParams
from .plant import plan_plant
from .rock import plan_rock
from .rules import Rule, RuleSet, Trace, always
from .space import Box, OccupancyMap, Stage, allocate, core

#: The smallest drawable area (mm, inside the margins) any object fits in.
MIN_AREA_MM = 20.0
#: Candidate boxes drawn per allocation before it counts as failed.
TRIES = 80
#: Allocation order: big things claim their space first.
ORDER = ("tree", "figure", "shrub", "form", "rock", "plant")


@dataclass(frozen=True)
class Composition:
    horizon_share: float | None  # horizon as a share of the drawable height, from its top
    queue: tuple[str, ...]  # kinds to place, in allocation order


def _mix(f: dict, weights: dict[str, float], floor: dict[str, int], horizon: tuple[float, float] | None) -> Composition:
    rng, total = f["rng"], f["objects"]
    counts = dict.fromkeys(weights, 0)
    for kind, least in floor.items():
        counts[kind] = min(least, total - sum(counts.values()))
    names, p = list(weights), np.array(list(weights.values()))
    for kind, extra in zip(names, rng.multinomial(total - sum(counts.values()), p / p.sum()), strict=True):
        counts[kind] += int(extra)
    queue = tuple(kind for kind in ORDER for _ in range(counts.get(kind, 0)))
    return Composition(None if horizon is None else float(rng.uniform(*horizon)), queue)


COMPOSITION_RULES = RuleSet("composition", [
    Rule("abstract: no horizon; closed and open forms anywhere", lambda f: f["scene"] == "abstract",
         lambda f: _mix(f, {"form": 1.0}, {}, None)),
    Rule("figures: people before a high horizon, a tree or two, a few rocks and plants",
         lambda f: f["scene"] == "figures",
         lambda f: _mix(f, {"figure": 0.55, "tree": 0.12, "rock": 0.15, "plant": 0.18}, {"figure": 2}, (0.3, 0.4))),
    Rule("garden: trees behind, people and rocks in front, plants to fill", always,
         lambda f: _mix(f, {"tree": 0.14, "figure": 0.2, "shrub": 0.12, "rock": 0.16, "plant": 0.38},
                        {"figure": 1, "tree": 1}, (0.38, 0.5))),
])


class Balance:
    """Keeps the picture's weight (box area) near the middle: the counterweight rule."""

    def __init__(self, area: Box) -> None:
        self.area, self.mass, self.moment = area, 0.0, 0.0

    def add(self, box: Box) -> None:
        weight = (box[2] - box[0]) * (box[3] - box[1])
        self.mass += weight
        self.moment += weight * (box[0] + box[2]) / 2

    def lean(self) -> float:
        """Where the weight sits, -1 (left edge) .. 1 (right edge); 0 when empty."""
        x0, _, x1, _ = self.area
        return 0.0 if not self.mass else (2 * self.moment / self.mass - x0 - x1) / (x1 - x0)

    def sample_x(self, rng: np.random.Generator, width: float) -> float:
        x0, _, x1, _ = self.area
        low, high = x0 + width / 2, x1 - width / 2
        lean = self.lean()
        if abs(lean) > 0.1 and rng.random() < 0.8:  # put it on the lighter side
            middle = (low + high) / 2
            low, high = (middle, high) if lean < 0 else (low, middle)
        return float(rng.uniform(low, high)) if high > low else (x0 + x1) / 2


@dataclass(frozen=True)
class Placement:
    """How one kind is placed: the band its base stands in, its size, its claimed core."""

    band: tuple[float, float]  # y range of the base, as shares of the ground (horizon → bottom)
    height: tuple[float, float]  # share of the drawable height, before perspective
    aspect: tuple[float, float]  # width / height
    core: float  # share of the box (by side) claimed on the map


def _placement(band: tuple[float, float], height: tuple[float, float], aspect: tuple[float, float],
               core: float) -> Callable[[dict], Placement]:
    return lambda f: Placement(band, height, aspect, core)


ALLOCATION_RULES = RuleSet("space allocation", [
    Rule("an abstract form goes anywhere inside the margins", lambda f: f["kind"] == "form",
         _placement((0.0, 1.0), (0.16, 0.34), (0.5, 2.0), 0.6)),
    Rule("a tree stands in the far band, tall against the sky", lambda f: f["kind"] == "tree",
         _placement((0.0, 0.3), (0.7, 0.88), (0.5, 0.8), 0.45)),
    Rule("a seated figure takes a wide, low box", lambda f: f["kind"] == "figure" and f["rng"].random() < 0.2,
         _placement((0.3, 1.0), (0.2, 0.24), (0.75, 0.9), 0.5)),
    Rule("a figure stands on the ground, smaller with distance", lambda f: f["kind"] == "figure",
         _placement((0.2, 1.0), (0.32, 0.4), (0.4, 0.55), 0.5)),
    Rule("a shrub grows in the middle distance", lambda f: f["kind"] == "shrub",
         _placement((0.05, 0.6), (0.13, 0.19), (1.1, 1.6), 0.55)),
    Rule("a rock lies in the foreground", lambda f: f["kind"] == "rock",
         _placement((0.4, 1.0), (0.05, 0.1), (1.3, 2.1), 0.7)),
    Rule("a small plant fills the foreground", always, _placement((0.45, 1.0), (0.08, 0.16), (0.4, 1.0), 0.6)),
])


def _proposer(placement: Placement, stage: Stage, balance: Balance, rng: np.random.Generator) -> Callable[[], Box]:
    x0, y0, x1, y1 = stage.area
    ground_top = stage.horizon if stage.horizon is not None else y0

    def propose() -> Box:
        base = ground_top + rng.uniform(*placement.band) * (y1 - ground_top)
        height = (y1 - y0) * rng.uniform(*placement.height) * stage.scale_at(base)
        if stage.horizon is None:  # forms float: the box may start anywhere
            base = y0 + height + rng.uniform(0, 1) * max(y1 - y0 - height, 0)
        height = min(height, base - y0)
        width = min(height * rng.uniform(*placement.aspect), x1 - x0)
        if height < 4.0:
            return (x0 - 1, y0 - 1, x0, y0)  # nothing fits here: a box the area refuses
        middle = balance.sample_x(rng, width)
        return (middle - width / 2, base - height, middle + width / 2, base)

    return propose


def drawable_area(page: tuple[float, float], margin: float) -> Box:
    area = (margin, margin, page[0] - margin, page[1] - margin)
    if min(area[2] - area[0], area[3] - area[1]) < MIN_AREA_MM:
        raise PlanError(
            f"aaron: a {page[0]:g} x {page[1]:g} mm page is too small for any object: inside the {margin:g} mm "
            f"margins {max(area[2] - area[0], 0):g} x {max(area[3] - area[1], 0):g} mm is left; "
            f"need at least {MIN_AREA_MM:g} x {MIN_AREA_MM:g} mm")
    return area


def compose(params: AaronParams, page: tuple[float, float], rng: np.random.Generator,
            trace: Trace) -> tuple[Stage, list[Thing]]:
    """Run composition and space allocation, then each object's plan: the scene, nearest last."""
    area = drawable_area(page, params.margin_mm)
    facts = {"rng": rng, "scene": params.scene, "objects": params.objects}
    composition = COMPOSITION_RULES.fire(facts, trace, "picture")
    height = area[3] - area[1]
    horizon = None if composition.horizon_share is None else area[1] + composition.horizon_share * height
    stage = Stage(area, horizon)
    trace.note("picture", "composition", f"{len(composition.queue)} objects planned: "
               + ", ".join(f"{composition.queue.count(k)} {k}" for k in ORDER if k in composition.queue)
               + (f"; horizon at {horizon - area[1]:.0f} mm below the top margin" if horizon is not None else ""))
    space = OccupancyMap(page, params.cell_mm)
    balance = Balance(area)
    things: list[Thing] = []
    failures = 0
    for kind in composition.queue:
        if failures >= params.failures:
            trace.note("picture", "space allocation", f"stop: {failures} allocations failed in a row")
            break
        subject = f"object {len(things) + 1} {kind}"
        placement = ALLOCATION_RULES.fire({"rng": rng, "kind": kind}, trace, subject)
        box, tries = allocate(space, area, _proposer(placement, stage, balance, rng), placement.core, TRIES)
        if box is None:
            failures += 1
            trace.note(subject, "space allocation", f"failed after {tries} candidate boxes; dropped")
            continue
        failures = 0
        thing = Thing(len(things) + 1, kind, box, box[3])
        space.take(core(box, placement.core), thing.ident)
        balance.add(box)
        trace.note(subject, "space allocation", f"box {box[2] - box[0]:.0f} x {box[3] - box[1]:.0f} mm at "
                   f"({box[0]:.0f}, {box[1]:.0f}) after {tries} tries; weight leans {balance.lean():+.2f}")
        _plan(thing, stage, rng, trace, things)
        things.append(thing)
    if not things:
        raise PlanError(f"aaron: nothing fits on a {page[0]:g} x {page[1]:g} mm page with {params.margin_mm:g} mm "
                        "margins; use a bigger page or smaller margins")
    if horizon is not None:
        things.append(ground(stage, things, rng, len(things) + 1, trace))
    return stage, things


def _plan(thing: Thing, stage: Stage, rng: np.random.Generator, trace: Trace, placed: list[Thing]) -> None:
    if thing.kind == "figure":
        plan_figure(thing, rng, trace, stage.scale_at(thing.base_y))
    elif thing.kind in ("tree", "shrub", "plant"):
        plan_plant(thing, rng, trace)
    elif thing.kind == "rock":
        plan_rock(thing, rng, trace)
    else:
        plan_abstract(thing, rng, trace, placed)


def ground(stage: Stage, things: list[Thing], rng: np.random.Generator, ident: int, trace: Trace) -> Thing:
    """The horizon and a cast shadow at the foot of each object: farthest of all, so
    everything nearer cuts them, and each object stands on the ground instead of floating.

    One light falls from one side for the whole picture, so every shadow runs out from the
    object's lowest point, where its outline touches the ground, away from the light: the
    pen goes on from the object into its shadow and leaves from the shadow's far end.
    """
    x0, _, x1, _ = stage.area
    assert stage.horizon is not None
    thing = Thing(ident, "ground", stage.area, -math.inf)
    y = stage.horizon
    thing.parts.append(Part("horizon", np.array([(x0, y), (x1, y + rng.normal(0, 1.5))]), False, math.inf, swing=1.2))
    away = int(rng.choice([-1, 1]))  # -1: the light comes from the right, shadows fall to the left
    for other in things:
        bx0, _, bx1, base = other.box
        width = bx1 - bx0
        left = max(bx0 - rng.uniform(0.0, 0.2) * width, x0)
        right = min(bx1 + rng.uniform(-0.1, 0.2) * width, x1)
        drop = base + rng.uniform(0.3, 1.0)
        if right - left > 2 and drop < stage.area[3]:
            foot = _foot(other)
            end = (right if away > 0 else left, drop)
            side = np.array([foot, end]) if left < foot[0] < right and abs(end[0] - foot[0]) > 2 \
                else np.array([(left, drop), (right, drop)])
            thing.parts.append(Part("shadow", side, False, math.inf, swing=0.3))
    trace.note(thing.subject, "lines", f"a horizon and {len(thing.parts) - 1} shadows cast to the "
               f"{'right' if away > 0 else 'left'} from the feet, cut by everything nearer")
    return thing


def _foot(thing: Thing) -> np.ndarray:
    """Where an object touches the ground: the lowest point of its lines."""
    points = np.vstack([part.guide for part in thing.parts])
    return points[int(np.argmax(points[:, 1]))]
