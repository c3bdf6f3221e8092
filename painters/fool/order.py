"""Order of work: what a painter puts down first.

Background before foreground (a region touching the picture's edge and large is ground),
large before small (broad areas first, details on top), light pens before dark ones (dark
ink laid over light hides small registration errors; the reverse muddies the light pen).
"Large before small" is kept by size class, not region by region: regions within a factor
:data:`SIZE_CLASS` of each other form one tier, whose strokes the painter may take in
whatever order travels least (:mod:`.travel`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from plotter.plan import Pen

from .palette import pen_darkness
from .segment import Region

#: A region touching the edge is background when it covers at least this share of the picture.
BACKGROUND_SHARE = 0.04
#: Regions whose areas differ by less than this factor are painted as one tier.
SIZE_CLASS = 4.0


def region_tiers(regions: Sequence[Region]) -> list[list[int]]:
    """Indices of ``regions`` in tiers: the background first, then size classes from large to small.

    Within a tier the indices run by decreasing area; concatenated, the tiers give
    :func:`region_order`.
    """
    total = sum(region.area_mm2 for region in regions) or 1.0
    ordered = sorted(range(len(regions)), key=lambda i: -regions[i].area_mm2)
    background = [i for i in ordered if regions[i].touches_border and regions[i].area_mm2 >= BACKGROUND_SHARE * total]
    ground = set(background)
    rest = [i for i in ordered if i not in ground]
    tiers: dict[int, list[int]] = {}
    if rest:
        largest = regions[rest[0]].area_mm2
        for i in rest:
            size_class = math.floor(math.log(largest / max(regions[i].area_mm2, 1e-12), SIZE_CLASS))
            tiers.setdefault(size_class, []).append(i)
    return [tier for tier in (background, *(tiers[k] for k in sorted(tiers))) if tier]


def region_order(regions: Sequence[Region]) -> list[int]:
    """Indices of ``regions`` in painting order: background first, then by decreasing area."""
    return [i for tier in region_tiers(regions) for i in tier]


def pen_order(pens: Sequence[Pen]) -> list[Pen]:
    """Pens from the lightest ink to the darkest (stable for equal inks)."""
    return sorted(pens, key=pen_darkness)
