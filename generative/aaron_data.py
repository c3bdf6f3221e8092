"""The AARON corpus: isolated figures, plants and rocks built by the AARON painter, labelled by kind.

Each object is planned by the painter's own object knowledge (``plan_figure``,
``plan_plant``, ``plan_rock`` in :mod:`painters.aaron`) in a box of the shape AARON's space
allocation gives that kind, its parts' guide lines clipped nearest first as AARON occludes
them (a farther limb ends on the nearer one), simplified, and scaled into the unit box with
its aspect kept. The freehand wobble is left out: the generators learn the forms, and a pen
adds its own line later. Object ``i`` of a kind is drawn from a generator seeded by
``(seed, kind, i)``, so the corpus is the same on every machine.

>>> drawings = aaron_drawings(per_kind=2)
>>> sorted({d.label for d in drawings})
['figure', 'plant', 'rock']
"""

from __future__ import annotations

import numpy as np
import shapely

from .data import Drawing

KINDS = ("figure", "plant", "rock")
# AARON's plant kinds, all labelled "plant": trees, shrubs and small plants (flowers, leaves, grass)
_PLANT_KINDS = ("tree", "shrub", "plant", "plant")
# box width / height ranges, after the painter's space allocation rules (composition.ALLOCATION_RULES)
_ASPECTS = {"figure": (0.4, 0.55), "sitting": (0.75, 0.9), "tree": (0.5, 0.8), "shrub": (1.1, 1.6),
            "plant": (0.4, 1.0), "rock": (1.3, 2.1)}
_BOX_MM = 100.0  # objects are planned in a box this tall: the painter's rules read sizes in mm
_MARGIN = 0.06  # unit-box margin around each object
_SIMPLIFY = 0.004  # unit-box tolerance: fewer points for the stroke models, invisible in a raster


def aaron_object(kind: str, index: int, seed: int = 0) -> Drawing:
    """Object ``index`` of ``kind`` ("figure", "plant" or "rock"), normalised to the unit box."""
    from painters.aaron.figure import plan_figure
    from painters.aaron.forms import Thing
    from painters.aaron.occlusion import occlude
    from painters.aaron.plant import plan_plant
    from painters.aaron.rock import plan_rock
    from painters.aaron.rules import Trace

    rng = np.random.default_rng([seed, KINDS.index(kind), index])
    thing_kind = _PLANT_KINDS[index % len(_PLANT_KINDS)] if kind == "plant" else kind
    shape = "sitting" if kind == "figure" and rng.random() < 0.2 else thing_kind
    width = _BOX_MM * rng.uniform(*_ASPECTS[shape])
    thing = Thing(1, thing_kind, (0.0, 0.0, width, _BOX_MM), _BOX_MM)
    if kind == "figure":
        plan_figure(thing, rng, Trace(), scale=1.0)
    elif kind == "plant":
        plan_plant(thing, rng, Trace())
    else:
        plan_rock(thing, rng, Trace())
    (visible,) = occlude([thing], [[np.asarray(p.guide, dtype=np.float64) for p in thing.parts]])
    return Drawing(tuple(_to_unit_box(visible.paths)), kind, f"aaron-{kind}-{index}")


def aaron_drawings(per_kind: int = 240, seed: int = 0) -> list[Drawing]:
    """``per_kind`` objects of every kind, in a fixed order."""
    return [aaron_object(kind, i, seed) for kind in KINDS for i in range(per_kind)]


def _to_unit_box(paths: list[np.ndarray]) -> list[np.ndarray]:
    """Scale and centre paths into the unit box (aspect kept, a margin left), then simplify them."""
    paths = [p for p in paths if len(p) >= 2]
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = (1 - 2 * _MARGIN) / max(float((high - low).max()), 1e-9)
    centre = (low + high) / 2
    unit = [(p - centre) * scale + 0.5 for p in paths]
    simple = shapely.simplify(np.array([shapely.LineString(u) for u in unit]), _SIMPLIFY)  # vectorised over paths
    return [np.asarray(shapely.get_coordinates(line)) for line in simple]
