"""A style is (abstraction, palette, medium, stroke style); a mood picks one from a table.

The Painting Fool chose materials, palette, abstraction and stroke style to heighten the
sitter's emotion (Colton 2012, §1.4); its only documented mapping is "happy → vibrant
colours". The rest of :data:`MOODS` is this project's proposal (shared/notes/painters.md
§2.2): calm is sparse, light and level; sad is dense, dark and drooping; angry is busy,
contrasting and jagged; tense draws ever-decreasing rings with a nervous line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from plotter.errors import PlanError

from .segment import Segmentation

MEDIA = ("pencil", "crosshatch", "pastel", "contour", "outline")


@dataclass(frozen=True)
class Style:
    """Everything that decides how a picture is painted, all recorded in the plan's metadata."""

    medium: str = "pencil"
    abstraction: float = 0.5  # 0 = detailed, 1 = a few round blobs
    segmentation: Segmentation = Segmentation()
    contrast: float = 1.0  # darkness is stretched about 0.5 by this factor...
    gamma: float = 1.0  # ...then raised to this power (> 1 lighter, < 1 darker)
    vibrance: float = 0.0  # > 0 favours saturated pens, < 0 neutral ones
    max_coverage: float = 0.92  # densest hatching, as a fraction of the paper (less flattens the shadows)
    angle_deg: float = 45.0  # hatch angle where the image shows no direction
    angle_jitter_deg: float = 12.0  # per-region random turn of the hatch angle
    follow_structure: bool = True  # hatch along the image's edges where they are coherent
    wobble_mm: float = 0.05  # amplitude of the hand's tremor (more loses tone in dense hatching)
    stroke_mm: float = 6.0  # pastel stroke length
    outline: bool = False  # add a freehand outline around each region
    contours: bool = True  # draw the photograph's strong edges freehand, in the darkest pen


#: mood → changes to the style: segment count and merge distance factors, then fields.
MOODS: dict[str, dict[str, object]] = {
    "calm": {"segments": 0.5, "merge": 1.5, "medium": "pencil", "gamma": 1.35, "vibrance": -0.3,
             "angle_deg": 0.0, "angle_jitter_deg": 4.0, "wobble_mm": 0.1, "follow_structure": False,
             "contours": False},
    "happy": {"segments": 1.2, "merge": 0.8, "medium": "pastel", "gamma": 1.25, "vibrance": 0.8,
              "angle_deg": 30.0, "angle_jitter_deg": 20.0, "wobble_mm": 0.15},
    "sad": {"segments": 0.7, "merge": 1.2, "medium": "pencil", "gamma": 0.75, "vibrance": -0.6,
            "angle_deg": 80.0, "angle_jitter_deg": 8.0, "wobble_mm": 0.2},
    "angry": {"segments": 1.6, "merge": 0.6, "medium": "crosshatch", "contrast": 1.5, "vibrance": 0.6,
              "angle_deg": 60.0, "angle_jitter_deg": 40.0, "wobble_mm": 0.5, "outline": True, "contours": False},
    "tense": {"segments": 1.4, "merge": 0.8, "medium": "contour", "contrast": 1.25, "vibrance": -0.2,
              "angle_jitter_deg": 25.0, "wobble_mm": 0.35, "outline": True},
}


def segmentation_for(abstraction: float) -> Segmentation:
    """Abstraction 0..1 → fewer superpixels, a looser colour merge, larger smallest region, rounder shapes."""
    a = abstraction
    return Segmentation(
        segments=round(1200 ** (1 - a) * 40**a),
        merge_delta_e=2.5 + 12.0 * a,
        min_area_mm2=2.0 + 60.0 * a**2,
        smooth_mm=0.3 + 3.5 * a**2,
    )


def make_style(medium: str | None = None, mood: str | None = None, abstraction: float = 0.5) -> Style:
    """The style for a medium and/or a mood; an explicit ``medium`` wins over the mood's."""
    if not 0.0 <= abstraction <= 1.0:
        raise PlanError(f"fool: abstraction {abstraction!r} must be between 0 and 1")
    if medium is not None and medium not in MEDIA:
        raise PlanError(f"fool: unknown style {medium!r}; choose one of {', '.join(MEDIA)}")
    if mood is not None and mood not in MOODS:
        raise PlanError(f"fool: unknown mood {mood!r}; choose one of {', '.join(MOODS)}")
    knobs = segmentation_for(abstraction)
    style = Style(medium="pencil", abstraction=abstraction, segmentation=knobs)
    if mood is not None:
        changes = dict(MOODS[mood])
        knobs = replace(knobs, segments=max(8, round(knobs.segments * float(changes.pop("segments")))),
                        merge_delta_e=knobs.merge_delta_e * float(changes.pop("merge")))
        style = replace(style, segmentation=knobs, **changes)
    if medium == "outline":
        style = replace(style, contours=False)
    return replace(style, medium=medium) if medium is not None else style
