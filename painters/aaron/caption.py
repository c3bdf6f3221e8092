"""Captions a drawing writes about itself: facts read off its own plan, then paraphrases.

AARON knows exactly what it drew, so text for a drawing need not be guessed: :func:`describe`
reads each object's kind, pose or species (from the rule trace), box, depth and side, and
how much of it survived occlusion; :func:`captions` writes several paraphrases from a small
grammar. Every caption is true of its scene: a kind named with a number is named with its
exact count of *shown* objects, and a pose, species, place or relation said of a group holds
for every member (relations name one object of a kind that occurs once). An object mostly
hidden or too small to see is not shown, so it is never named.

>>> from painters.aaron import AaronParams, draw
>>> facts = describe(draw(3, AaronParams(objects=3), page=(120.0, 120.0)))
>>> len(captions(facts, np.random.default_rng(0))) == 4
True
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .figure import POSES
from .occlusion import Visible
from .plant import SPECIES

if TYPE_CHECKING:
    from .drawing import Drawing

#: Object kinds as captions name them; AARON's small plants split by species.
KINDS = ("figure", "tree", "shrub", "flower", "plant", "grass", "rock", "form")
_PLANT_KIND = {"flower": "flower", "leafy": "plant", "grass": "grass"}
#: An object is shown when nearer objects leave this share of it uncovered (silhouette, else lines) ...
MIN_VISIBLE_SHARE = 0.4
#: ... and its box is at least this share of the drawable height (a few pixels at 64 px).
MIN_HEIGHT_SHARE = 0.03
#: Side of the picture by the box centre, as shares of the drawable width.
LEFT_BELOW, RIGHT_ABOVE = 0.4, 0.6
#: Depth band by the base's share of the ground (0 at the horizon, 1 at the bottom margin).
BACK_BELOW, FRONT_ABOVE = 0.35, 0.65
RELATIONS = ("left of", "right of", "in front of", "behind", "beside", "above", "below")

_POSE_TEXT = re.compile(rf"object plan: ({'|'.join(map(re.escape, POSES))}), facing")
_SPECIES_TEXT = re.compile(rf"object plan: species ({'|'.join(map(re.escape, SPECIES))}):")


@dataclass(frozen=True)
class ObjectFacts:
    """One object as the caption grammar sees it; boxes and depth are shares of the drawable area."""

    ident: int
    kind: str
    detail: str | None  # pose (figure), species (tree), "closed"/"open" (form), else None
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in [0, 1] of the drawable area, y down
    depth: float | None  # 0 at the horizon .. 1 at the bottom margin; None without a horizon
    side: str  # "left", "centre", "right"
    band: str | None  # "back", "middle", "front"; None without a horizon
    visible_share: float  # share of its lines' length left after occlusion
    shown: bool


@dataclass(frozen=True)
class SceneFacts:
    """What a scene holds: its type, its objects (nearest first) and the relations between shown ones."""

    scene: str
    objects: tuple[ObjectFacts, ...]
    relations: tuple[tuple[int, str, int], ...]  # (ident, relation, ident), shown objects only

    @property
    def shown(self) -> list[ObjectFacts]:
        return [o for o in self.objects if o.shown]

    def counts(self) -> dict[str, int]:
        """Shown objects per kind, every kind listed."""
        found = Counter(o.kind for o in self.shown)
        return {kind: found[kind] for kind in KINDS}

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types only, so facts read back from a file compare equal."""
        return {"scene": self.scene, "objects": [asdict(o) | {"box": list(o.box)} for o in self.objects],
                "relations": [list(r) for r in self.relations]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SceneFacts:
        objects = tuple(ObjectFacts(**{**o, "box": tuple(o["box"])}) for o in data["objects"])
        return cls(data["scene"], objects, tuple((a, r, b) for a, r, b in data["relations"]))


def describe(drawing: Drawing) -> SceneFacts:
    """The facts of a drawn scene (a :func:`painters.aaron.draw` result), from its plan and trace."""
    details = _details(drawing.trace)
    x0, y0, x1, y1 = drawing.stage.area
    horizon = drawing.stage.horizon
    objects = []
    nearer = shapely.Polygon()
    for seen in drawing.objects:
        thing = seen.thing
        if thing.kind == "ground":
            continue
        share = _visible_share(seen, nearer)
        nearer = nearer.union(seen.silhouette)
        kind = _PLANT_KIND.get(details.get(thing.ident, ""), "plant") if thing.kind == "plant" else thing.kind
        detail = details.get(thing.ident) if kind in ("figure", "tree") else None
        if kind == "form":
            detail = "closed" if any(p.name == "closed form" for p in thing.parts) else "open"
        bx0, by0, bx1, by1 = thing.box
        box = ((bx0 - x0) / (x1 - x0), (by0 - y0) / (y1 - y0), (bx1 - x0) / (x1 - x0), (by1 - y0) / (y1 - y0))
        depth = None if horizon is None else float(np.clip((thing.base_y - horizon) / (y1 - horizon), 0, 1))
        objects.append(ObjectFacts(
            thing.ident, kind, detail, tuple(round(v, 4) for v in box), None if depth is None else round(depth, 4),
            _side((box[0] + box[2]) / 2), None if depth is None else _band(depth), round(share, 3),
            share >= MIN_VISIBLE_SHARE and box[3] - box[1] >= MIN_HEIGHT_SHARE))
    shown = [o for o in objects if o.shown]
    relations = tuple((a.ident, rel, b.ident) for a in shown for b in shown if a is not b
                      for rel in RELATIONS if holds(rel, a, b))
    return SceneFacts(str(drawing.plan.metadata["params"]["scene"]), tuple(objects), relations)


def holds(relation: str, a: ObjectFacts, b: ObjectFacts) -> bool:
    """Whether ``a`` is ``relation`` ``b`` ("left of", "in front of", ...) as the captions mean it.

    Left/right: centres a tenth of the width apart and both edges on that side. Front/behind
    (scenes with a horizon): bases a tenth of the ground apart and the boxes overlapping
    across. Beside: close across (a twentieth) without much overlap, at a similar depth.
    Above/below (abstract scenes only, where y is not depth): as left/right, vertically.
    """
    (ax0, _, ax1, _), (bx0, _, bx1, _) = a.box, b.box
    overlap = min(ax1, bx1) - max(ax0, bx0)
    if relation == "left of":
        return (ax0 + ax1) / 2 < (bx0 + bx1) / 2 - 0.1 and ax0 < bx0 and ax1 < bx1
    if relation == "right of":
        return holds("left of", b, a)
    if relation in ("in front of", "behind"):
        near, far = (a, b) if relation == "in front of" else (b, a)
        return near.depth is not None and far.depth is not None and near.depth > far.depth + 0.1 and overlap > 0
    if relation == "beside":
        similar = a.depth is None or b.depth is None or abs(a.depth - b.depth) < 0.25
        return similar and -0.05 <= overlap <= 0.3 * min(ax1 - ax0, bx1 - bx0)
    if relation in ("above", "below"):
        top, bottom = (a, b) if relation == "above" else (b, a)
        (_, ty0, _, ty1), (_, uy0, _, uy1) = top.box, bottom.box
        return top.depth is None and (ty0 + ty1) / 2 < (uy0 + uy1) / 2 - 0.1 and ty0 < uy0 and ty1 < uy1
    raise ValueError(f"unknown relation {relation!r}; known: {', '.join(RELATIONS)}")


def _visible_share(seen: Visible, nearer: shapely.Geometry) -> float:
    """How much of an object the nearer ones leave in sight: the uncovered share of its
    silhouette, or for an object of open lines only (grass, an open form), of its ink."""
    area = seen.silhouette.area
    if area > 0:
        return 1.0 - seen.silhouette.intersection(nearer).area / area
    planned = sum(_length(p.guide) for p in seen.thing.parts)
    return min(sum(_length(p) for p in seen.paths) / planned, 1.0) if planned else 0.0


def _details(trace: list[str]) -> dict[int, str]:
    """Object id → the pose or species the object plan chose, read from the rule trace."""
    found = {}
    for line in trace:
        subject, _, text = line.partition(" | ")
        match = _POSE_TEXT.match(text) or _SPECIES_TEXT.match(text)
        if match and subject.startswith("object "):
            found[int(subject.split()[1])] = match.group(1)
    return found


def _length(path: np.ndarray) -> float:
    return float(np.hypot(*np.diff(path, axis=0).T).sum())


def _side(x: float) -> str:
    return "left" if x < LEFT_BELOW else ("right" if x > RIGHT_ABOVE else "centre")


def _band(depth: float) -> str:
    return "back" if depth < BACK_BELOW else ("front" if depth > FRONT_ABOVE else "middle")


# --- the grammar ---------------------------------------------------------------------------
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
#: (singular, plural) names per kind, and per detail where a detail has its own noun.
NOUNS = {
    "figure": (("person", "people"), ("figure", "figures")),
    "tree": (("tree", "trees"),),
    "shrub": (("shrub", "shrubs"), ("bush", "bushes")),
    "flower": (("flower", "flowers"),),
    "plant": (("plant", "plants"), ("leafy plant", "leafy plants")),
    "grass": (("tuft of grass", "tufts of grass"), ("grass tuft", "grass tufts")),
    "rock": (("rock", "rocks"),),
    "form": (("form", "forms"), ("abstract form", "abstract forms"), ("shape", "shapes")),
    "oak": (("oak", "oaks"), ("oak tree", "oak trees")),
    "poplar": (("poplar", "poplars"), ("poplar tree", "poplar trees")),
    "closed": (("closed form", "closed forms"), ("loop", "loops")),
    "open": (("open form", "open forms"), ("open line", "open lines")),
}
#: Pose phrases after the noun (one person, several people).
POSE_AFTER = {
    "standing": (("standing",), ("standing",)),
    "walking": (("walking",), ("walking",)),
    "sitting": (("sitting on a stone", "seated on a stone", "sitting"), ("sitting on stones", "seated", "sitting")),
    "arms raised": (("with arms raised", "with raised arms"), ("with arms raised", "with raised arms")),
}
POSE_BEFORE = {"standing": "standing", "walking": "walking", "sitting": "seated"}
#: Kinds whose detail may part them into groups of their own ("two people walking and a person sitting").
SPLIT_KINDS = ("figure", "tree", "form")
SCENE_WORDS = {"garden": ("a garden", "a garden scene"), "figures": ("a landscape", "an outdoor scene"),
               "abstract": ("an abstract drawing", "an abstract composition")}
SIDE_WORDS = {"left": ("on the left",), "right": ("on the right",), "centre": ("in the middle", "in the centre")}
BAND_WORDS = {"front": ("in the front", "in the foreground"), "back": ("at the back", "in the background"),
              "middle": ("in the middle distance",)}
RELATION_WORDS = {"left of": ("to the left of", "left of"), "right of": ("to the right of", "right of"),
                  "in front of": ("in front of",), "behind": ("behind",), "beside": ("beside", "next to"),
                  "above": ("above",), "below": ("below", "under")}


#: Words the grammar writes besides those in the tables above (articles, prefixes, "and").
CONNECTIVES = ("a", "an", "and", "with", "drawing", "picture", "of")


def lexicon() -> set[str]:
    """Every word a caption can hold: a text encoder's vocabulary, whatever scenes it saw."""
    tables = [NUMBERS, CONNECTIVES, POSE_BEFORE.values(),
              *(name for names in NOUNS.values() for pair in names for name in pair),
              *(phrase for phrases in POSE_AFTER.values() for group in phrases for phrase in group),
              *(phrase for table in (SCENE_WORDS, SIDE_WORDS, BAND_WORDS, RELATION_WORDS)
                for phrases in table.values() for phrase in phrases)]
    return {word for entry in tables for text in ([entry] if isinstance(entry, str) else entry)
            for word in text.split()}


def captions(facts: SceneFacts, rng: np.random.Generator, n: int = 4) -> list[str]:
    """Up to ``n`` different true captions of a scene, chosen by ``rng`` (fewer only if the
    grammar has fewer to say; a scene where nothing is shown is named by its type)."""
    makers = [_inventory, _partial, _relation, _position]
    found: list[str] = []
    for _ in range(12 * n):
        if len(found) == n:
            break
        groups = _groups(facts.shown, split=bool(rng.random() < 0.4))
        text = makers[int(rng.integers(len(makers)))](facts, groups, rng) if groups else None
        if text and text not in found:
            found.append(text)
    return found or [_pick(SCENE_WORDS[facts.scene], rng)]


def full_caption(facts: SceneFacts, rng: np.random.Generator) -> str:
    """The caption that names every shown object (counts, kinds, some details): what a
    person asking for this very picture would write. Retrieval is scored on it."""
    groups = _groups(facts.shown, split=bool(rng.random() < 0.4))
    return _inventory(facts, groups, rng) if groups else _pick(SCENE_WORDS[facts.scene], rng)


#: A group a caption names: all shown objects of a kind (detail None), or of a kind and detail.
Key = tuple[str, str | None]


def _groups(shown: list[ObjectFacts], split: bool) -> dict[Key, list[ObjectFacts]]:
    """Shown objects by kind, biggest kind first; ``split`` parts figures by pose, trees by
    species and forms into closed and open, so a phrase counts only those."""
    groups: dict[Key, list[ObjectFacts]] = {}
    for thing in shown:
        key = (thing.kind, thing.detail if split and thing.kind in SPLIT_KINDS else None)
        groups.setdefault(key, []).append(thing)
    area = {k: sum((o.box[2] - o.box[0]) * (o.box[3] - o.box[1]) for o in g) for k, g in groups.items()}
    return {k: groups[k] for k in sorted(groups, key=lambda k: -area[k])}


def _pick(options: tuple[str, ...] | list[str], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]


def _count(n: int, noun: str, rng: np.random.Generator) -> str:
    if n == 1:
        return _pick(("one", "an" if noun[0] in "aeiou" else "a"), rng)
    return NUMBERS[n] if n < len(NUMBERS) else str(n)


def _phrase(key: Key, group: list[ObjectFacts], rng: np.random.Generator) -> str:
    """A noun phrase for a group: its exact count, a noun, and its detail (always when the
    group is split by it, sometimes when the whole kind happens to share it)."""
    (kind, detail), n = key, len(group)
    if detail is None:
        shared = {g.detail for g in group}
        detail = shared.pop() if len(shared) == 1 and rng.random() < 0.5 else None
    pose = detail if kind == "figure" else None
    noun = _pick(NOUNS[detail if detail in NOUNS and pose is None else kind], rng)[n > 1]
    before = pose in POSE_BEFORE and rng.random() < 0.3
    if before:
        noun = f"{POSE_BEFORE[pose]} {noun}"
    words = f"{_count(n, noun, rng)} {noun}"
    return words if pose is None or before else f"{words} {_pick(POSE_AFTER[pose][n > 1], rng)}"


def _listing(groups: dict[Key, list[ObjectFacts]], keys: list[Key], rng: np.random.Generator) -> str:
    phrases = [_phrase(k, groups[k], rng) for k in keys]
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _prefix(facts: SceneFacts, rng: np.random.Generator) -> str:
    return _pick([f"{_pick(SCENE_WORDS[facts.scene], rng)} with ", "a drawing of ", "a picture of ", ""], rng)


def _inventory(facts: SceneFacts, groups: dict[Key, list[ObjectFacts]], rng: np.random.Generator) -> str:
    return _prefix(facts, rng) + _listing(groups, list(groups), rng)


def _partial(facts: SceneFacts, groups: dict[Key, list[ObjectFacts]], rng: np.random.Generator) -> str:
    keys = list(groups)
    chosen = sorted(rng.choice(len(keys), size=min(len(keys), int(rng.integers(1, 3))), replace=False))
    return _prefix(facts, rng) + _listing(groups, [keys[k] for k in chosen], rng)


def _relation(facts: SceneFacts, groups: dict[Key, list[ObjectFacts]], rng: np.random.Generator) -> str | None:
    """A group related to a group of one: every member must hold the relation."""
    related = set(facts.relations)
    options = [(a, rel, b) for a in groups for b in groups if a != b and len(groups[b]) == 1 for rel in RELATIONS
               if all((m.ident, rel, groups[b][0].ident) in related for m in groups[a])]
    if not options:
        return None
    a, rel, b = options[int(rng.integers(len(options)))]
    return f"{_phrase(a, groups[a], rng)} {_pick(RELATION_WORDS[rel], rng)} {_phrase(b, groups[b], rng)}"


def _position(facts: SceneFacts, groups: dict[Key, list[ObjectFacts]], rng: np.random.Generator) -> str | None:
    """A group that stands all on one side, or all in one depth band."""
    options = []
    for key, group in groups.items():
        for words, field in ((SIDE_WORDS, "side"), (BAND_WORDS, "band")):
            places = {getattr(o, field) for o in group}
            if len(places) == 1 and (place := places.pop()) is not None:
                options.append((key, words[place]))
    if not options:
        return None
    key, words = options[int(rng.integers(len(options)))]
    return f"{_phrase(key, groups[key], rng)} {_pick(words, rng)}"
