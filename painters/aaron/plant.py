"""Plants grown from rules: a trunk splits into branches, branches into twigs, twigs bear leaves.

Growth is L-system-like: the axiom is one stem; each generation rewrites a stem tip as a
segment followed by 1–3 child stems turned by the species' spread, shorter by its decay and
thinner by its taper, pulled back toward the light. A *species* is nothing but a parameter
set (:data:`SPECIES`). The woody generations are embodied as one outline (trunk and limbs);
foliage is drawn as nearer closed forms (canopy clumps, leaves, petals) or as open blades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from .forms import Part, Thing, outline_of, place
from .rules import Rule, RuleSet, Trace, always


@dataclass(frozen=True)
class Species:
    """Growth parameters; lengths are fractions of the plant's height."""

    stems: tuple[int, int]  # stems rising from the base
    stem_spread_deg: float  # how far base stems lean from vertical
    depth: int  # generations of branching
    children: tuple[int, int]
    spread_deg: tuple[float, float]
    decay: float  # child length / parent length
    taper: float  # child radius / parent radius
    trunk: float  # first stem length
    width: float  # first stem radius
    woody: int  # generations embodied as one outline (-1: none, stems are single lines)
    foliage: str  # "clumps", "leaves", "petals", "blades"
    leaf: float  # leaf or clump size
    bend: float = 0.25  # pull toward vertical per generation


SPECIES = {
    "oak": Species((1, 1), 0, 4, (2, 3), (18, 34), 0.7, 0.6, 0.45, 0.05, 1, "clumps", 0.11, 0.3),
    "poplar": Species((1, 1), 0, 4, (2, 3), (10, 22), 0.78, 0.62, 0.3, 0.04, 1, "clumps", 0.09, 0.4),
    "shrub": Species((3, 5), 35, 2, (2, 3), (20, 40), 0.7, 0.6, 0.45, 0.0, -1, "clumps", 0.14),
    "leafy": Species((3, 5), 28, 1, (1, 2), (15, 30), 0.6, 0.7, 0.7, 0.0, -1, "leaves", 0.2),
    "flower": Species((1, 3), 14, 0, (0, 0), (0, 0), 1.0, 1.0, 0.85, 0.0, -1, "petals", 0.11),
    "grass": Species((5, 9), 30, 0, (0, 0), (0, 0), 1.0, 1.0, 0.9, 0.0, -1, "blades", 0.0),
}

Segment = tuple[np.ndarray, np.ndarray, float, float, int]  # start, end, start radius, end radius, generation


def grow(species: Species, rng: np.random.Generator) -> list[Segment]:
    """All segments of one plant (height about 1, base at the origin, y down)."""
    count = int(rng.integers(species.stems[0], species.stems[1] + 1))
    spread = np.linspace(-1, 1, count) if count > 1 else np.zeros(1)
    tips = [(np.zeros(2), math.radians(s * species.stem_spread_deg + rng.normal(0, 5)),
             species.trunk * rng.uniform(0.8, 1.1), species.width, 0) for s in spread]
    segments: list[Segment] = []
    while tips:
        start, angle, length, radius, generation = tips.pop()
        end = start + length * np.array([math.sin(angle), -math.cos(angle)])
        segments.append((start, end, radius, radius * species.taper, generation))
        if generation >= species.depth:
            continue
        children = int(rng.integers(species.children[0], species.children[1] + 1))
        for k in range(children):
            side = (k - (children - 1) / 2) or rng.choice([-0.5, 0.5])
            turn = math.radians(rng.uniform(*species.spread_deg)) * np.sign(side) * (1 + 0.3 * abs(side))
            child = (angle + turn) * (1 - species.bend)
            tips.append((end, child, length * species.decay * rng.uniform(0.85, 1.1), radius * species.taper,
                         generation + 1))
    return segments


def _tapered(start: np.ndarray, end: np.ndarray, r0: float, r1: float) -> shapely.Geometry:
    return shapely.union_all([shapely.Point(start).buffer(r0, quad_segs=6),
                              shapely.Point(end).buffer(max(r1, 1e-3), quad_segs=6)]).convex_hull


def _leaf(base: np.ndarray, angle: float, length: float, width: float, pointed: float = 0.8) -> shapely.Geometry:
    """A leaf (or petal) from ``base`` along ``angle``; ``pointed`` > 1 narrows its base to a point on the twig."""
    t = np.linspace(0, 1, 9)
    axis = np.array([math.sin(angle), -math.cos(angle)])
    normal = np.array([-axis[1], axis[0]])
    half = width * np.sin(np.pi * t) ** pointed
    side = base + np.outer(t * length, axis)
    ring = np.vstack([side + np.outer(half, normal), (side - np.outer(half, normal))[::-1]])
    return shapely.Polygon(ring).buffer(0)


#: A form of foliage: name, shape, and the point on its twig it grows from (None: it hangs free).
Form = tuple[str, shapely.Geometry, np.ndarray | None]


def foliage(species: Species, segments: list[Segment], rng: np.random.Generator) -> list[Form]:
    """The nearer closed forms a plant bears, nearest first.

    A leaf grows from a point of its twig and its outline starts and ends there, so the pen
    draws twig → leaf → on along the twig without lifting; a twig that ends bears a leaf at
    its tip. A flower's petals are one rosette outline around its centre.
    """
    tips = [s for s in segments if s[4] == max(g[4] for g in segments)]
    if species.foliage == "clumps":
        # segments come depth first, so each anchor's tips follow it: one clump per anchor
        owners: dict[int, list[np.ndarray]] = {}
        anchor = max(species.woody, 0)
        for _, end, _, _, generation in segments:
            if generation == anchor:
                owners[len(owners)] = []
            elif generation > anchor:
                owners[len(owners) - 1].append(end)
        clumps = []
        for points in filter(None, owners.values()):
            blobs = [shapely.Point(p + rng.normal(0, species.leaf * 0.15, 2)).buffer(
                species.leaf * rng.uniform(0.5, 0.8), quad_segs=8) for p in points]
            clumps.append(shapely.union_all(blobs).buffer(species.leaf * 0.3).buffer(-species.leaf * 0.22))
        clumps.sort(key=lambda g: -g.centroid.y)  # lower clumps hang in front
        return [(f"clump {k + 1}", g, None) for k, g in enumerate(clumps)]
    if species.foliage == "leaves":
        leaves = []
        for start, end, _, _, generation in segments:
            angle = math.atan2(end[0] - start[0], start[1] - end[1])
            for k, t in enumerate(np.linspace(0.3, 0.9, int(rng.integers(2, 4)))):
                side = 1 if k % 2 else -1
                at = start + t * (end - start)
                leaves.append((at, angle + side * rng.uniform(0.7, 1.1), species.leaf * rng.uniform(0.7, 1.0)))
            if generation == species.depth:  # the twig ends in a leaf
                leaves.append((end, angle + rng.uniform(-0.35, 0.35), species.leaf * rng.uniform(0.7, 1.0)))
        return [(f"leaf {k + 1}", _leaf(at, turn, length, species.leaf * 0.28, pointed=1.4), at)
                for k, (at, turn, length) in enumerate(leaves)]
    if species.foliage == "petals":
        flowers: list[Form] = []
        for start, end, _, _, _ in tips:
            count = int(rng.integers(5, 8))
            turn = rng.uniform(0, 2 * np.pi)
            petals = [_leaf(end, turn + 2 * np.pi * k / count, species.leaf, species.leaf * 0.45) for k in range(count)]
            centre = shapely.Point(end).buffer(species.leaf * 0.28, quad_segs=8)
            flowers.append(("flower centre", centre, None))
            # the rosette's notches stay clear of the centre: no nearer line cuts the petals' outline
            rosette = shapely.union_all([*petals, centre.buffer(species.leaf * 0.08, quad_segs=8)])
            flowers.append(("petals", rosette, None))
            angle = math.atan2(end[0] - start[0], start[1] - end[1])
            for side in (-1, 1):
                at = start + 0.3 * (end - start) * rng.uniform(0.6, 1.4)
                flowers.append(("leaf", _leaf(at, angle + side * 0.9, species.leaf * 1.6, species.leaf * 0.4,
                                              pointed=1.4), at))
        return flowers
    return []


def split_at(start: np.ndarray, end: np.ndarray, points: list[np.ndarray]) -> list[np.ndarray]:
    """The segment start–end cut at those ``points`` that lie on it: where its leaves grow."""
    axis = end - start
    span = float(axis @ axis)
    cuts = [0.0, 1.0]
    for point in points:
        t = float((point - start) @ axis) / span
        if 1e-9 < t < 1 - 1e-9 and np.hypot(*(start + t * axis - point)) < 1e-9 * max(math.sqrt(span), 1.0):
            cuts.append(t)
    cuts = sorted(set(cuts))
    return [np.array([start + a * axis, start + b * axis]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


SPECIES_RULES = RuleSet("object plan", [
    Rule("a narrow tree box grows a poplar", lambda f: f["kind"] == "tree" and f["aspect"] < 0.6, lambda f: "poplar"),
    Rule("a tree box grows an oak", lambda f: f["kind"] == "tree", lambda f: "oak"),
    Rule("a shrub box grows a shrub", lambda f: f["kind"] == "shrub", lambda f: "shrub"),
    Rule("a tall small box grows a flower", lambda f: f["aspect"] < 0.6, lambda f: "flower"),
    Rule("a small box grows leaves or grass", always, lambda f: str(f["rng"].choice(["leafy", "leafy", "grass"]))),
])


def plan_plant(thing: Thing, rng: np.random.Generator, trace: Trace, species_name: str | None = None) -> None:
    """Fill ``thing.parts`` with a plant grown to fit its box."""
    x0, y0, x1, y1 = thing.box
    facts = {"rng": rng, "aspect": (x1 - x0) / (y1 - y0), "kind": thing.kind}
    name = species_name or SPECIES_RULES.fire(facts, trace, thing.subject)
    species = SPECIES[name]
    segments = grow(species, rng)
    leaves = foliage(species, segments, rng)
    wood = [s for s in segments if s[4] <= species.woody]
    twigs = [s for s in segments if s[4] > species.woody]
    forms = list(leaves)
    if wood:
        forms.append(("wood", shapely.union_all([_tapered(*s[:4]) for s in wood]).buffer(0.004).buffer(-0.004),
                      None))
    shapes = [g for _, g, _ in forms] + [shapely.LineString([s[0], s[1]]) for s in twigs]
    xmin, ymin, xmax, ymax = shapely.union_all(shapes).bounds
    size = min((x1 - x0) / max(xmax - xmin, 1e-9), (y1 - y0) / max(ymax - ymin, 1e-9))
    origin = ((x0 + x1) / 2 - size * (xmin + xmax) / 2, y1 - size * ymax)
    look = float(np.clip(0.01 * size, 0.5, 2.0))
    parts = [Part(n, place(outline_of(g, at), size, origin), True, look, "bark" if n == "wood" else
                  ("petals" if n == "petals" else ("flower" if n == "flower centre" else "foliage")))
             for n, g, at in forms]
    if species.foliage == "blades":
        parts += _tuft(twigs, size, origin, rng)
    else:  # under a canopy only the first stems show; leaves hang on every twig, cutting it into pieces
        shown = twigs if species.foliage != "clumps" else [s for s in twigs if s[4] <= species.woody + 2]
        stalks = [at for _, _, at in leaves if at is not None]
        parts += [Part("twig", place(piece, size, origin), False, math.inf, swing=0.6)
                  for s in shown if np.hypot(*(s[1] - s[0])) * size > 1.5 for piece in split_at(s[0], s[1], stalks)]
    thing.parts = parts
    trace.note(thing.subject, "object plan", f"species {name}: {len(segments)} segments, "
               f"{len(leaves)} {species.foliage} forms")
    trace.note(thing.subject, "lines", f"foliage first, then {'the woody outline, ' if wood else ''}"
               f"{len(parts) - len(forms)} open lines")


def _tuft(blades: list[Segment], size: float, origin: tuple[float, float], rng: np.random.Generator) -> list[Part]:
    """A grass tuft as a draughtsman draws it, without lifting: a zig-zag of pointed blades.

    The blades' tips, left to right, become the points (about one per two blades, so the
    ink stays as it was); their feet spread a little along the ground. Each edge is its own
    line from one foot or tip to the next, starting exactly where the one before ended, so
    the points stay sharp and the pen moves (:mod:`.moves`) join them into one stroke.
    """
    tips = sorted((s[1] for s in blades), key=lambda tip: float(tip[0]))
    keep = np.unique(np.round(np.linspace(0, len(tips) - 1, max(4, (len(tips) + 2) // 2))).astype(int))
    points = [tips[k] for k in keep.tolist()]
    height = max(float(-min(p[1] for p in points)), 1e-9)
    feet = np.column_stack([np.linspace(-0.12, 0.12, len(points) + 1) * height
                            + rng.normal(0, 0.01 * height, len(points) + 1), np.zeros(len(points) + 1)])
    t = np.linspace(0, 1, 12)[:, None]
    edges = []
    for k, tip in enumerate(points):
        for foot, up in ((feet[k], True), (feet[k + 1], False)):
            sway = np.array([rng.uniform(-0.15, 0.15) * height, 0.0])
            curve = foot + t * (tip - foot) + t**2 * (1 - t) * sway
            curve[-1] = tip  # exactly: the next edge starts here
            edges.append(Part("blade", place(curve if up else curve[::-1], size, origin), False, 1.5, swing=0.7))
    return edges
