"""Order of work: what a painter puts down first.

Background before foreground (a region touching the picture's edge and large is ground),
large before small (broad areas first, details on top), light pens before dark ones (dark
ink laid over light hides small registration errors; the reverse muddies the light pen).
"""

from __future__ import annotations

from collections.abc import Sequence

from plotter.plan import Pen

from .palette import pen_darkness
from .segment import Region

#: A region touching the edge is background when it covers at least this share of the picture.
BACKGROUND_SHARE = 0.04


def region_order(regions: Sequence[Region]) -> list[int]:
    """Indices of ``regions`` in painting order: background first, then by decreasing area."""
    total = sum(region.area_mm2 for region in regions) or 1.0

    def key(index: int) -> tuple[bool, float]:
        region = regions[index]
        background = region.touches_border and region.area_mm2 >= BACKGROUND_SHARE * total
        return (not background, -region.area_mm2)

    return sorted(range(len(regions)), key=key)


def pen_order(pens: Sequence[Pen]) -> list[Pen]:
    """Pens from the lightest ink to the darkest (stable for equal inks)."""
    return sorted(pens, key=pen_darkness)
