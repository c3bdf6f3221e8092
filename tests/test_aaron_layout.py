"""AARON draws a given layout: the objects asked for, where they were asked, with the painter's knowledge."""

from __future__ import annotations

import numpy as np
import pytest

from generative.caption_data import caption_corpus, sketch_layout
from painters.aaron import draw_layout
from painters.aaron.caption import SceneFacts, describe
from painters.aaron.layout import PAINTER_KIND, Layout, LayoutObject, compose_layout, drawable_box, square_area
from painters.aaron.rules import Trace
from plotter.errors import PlanError

SCENES = 12
GARDEN = Layout("garden", 0.4, (LayoutObject("tree", "poplar", (0.05, 0.02, 0.3, 0.45)),
                                LayoutObject("figure", "sitting", (0.4, 0.55, 0.58, 0.75)),
                                LayoutObject("grass", None, (0.7, 0.8, 0.8, 0.92)),
                                LayoutObject("rock", None, (0.2, 0.85, 0.32, 0.92))))


pytestmark = pytest.mark.usefixtures("in_caption_cache")


def test_a_scene_read_back_from_its_facts_is_drawn_with_the_same_objects():
    corpus = caption_corpus(SCENES)
    for index, facts in enumerate(corpus.facts):
        original = SceneFacts.from_dict(facts)
        layout = Layout.from_facts(original)
        assert len(layout.objects) == len(original.shown)
        redrawn = describe(sketch_layout(layout, index))
        assert redrawn.counts() == original.counts(), index
        assert redrawn.scene == original.scene


def test_the_horizon_is_recovered_from_the_objects_depths():
    facts = SceneFacts.from_dict(next(f for f in caption_corpus(SCENES).facts if f["scene"] != "abstract"))
    layout = Layout.from_facts(facts)
    for thing in facts.objects:
        if thing.depth is not None and 0 < thing.depth < 1:
            assert (thing.box[3] - layout.horizon) / (1 - layout.horizon) == pytest.approx(thing.depth, abs=1e-3)
    abstract = SceneFacts.from_dict(next(f for f in caption_corpus(SCENES).facts if f["scene"] == "abstract"))
    assert Layout.from_facts(abstract).horizon is None


def test_each_object_is_drawn_in_its_box_with_the_pose_and_species_asked():
    drawing = draw_layout(GARDEN, seed=4, page=(200.0, 200.0), margin_mm=10.0)
    facts = describe(drawing)
    by_kind = {o.kind: o for o in facts.objects}
    assert by_kind["figure"].detail == "sitting" and by_kind["tree"].detail == "poplar"
    assert set(by_kind) == {"tree", "figure", "grass", "rock"}
    for asked in GARDEN.objects:
        drawn = by_kind[asked.kind].box
        assert drawn == pytest.approx(asked.box, abs=1e-3)
    points = np.concatenate([path for _, path in drawing.plan.iter_paths()])
    assert points.min() >= 10.0 - 1e-6 and points.max() <= 190.0 + 1e-6
    assert drawing.plan.metadata["layout"] == GARDEN.as_dict()


def test_a_layout_draws_in_the_largest_square_inside_the_margins_the_same_for_the_same_seed():
    assert square_area((210.0, 297.0), 15.0) == pytest.approx((15.0, 58.5, 195.0, 238.5))
    first, again, other = (_paths(draw_layout(GARDEN, seed=seed).plan) for seed in (1, 1, 2))
    assert len(first) == len(again) and all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert len(first) != len(other) or not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    assert Layout.from_dict(GARDEN.as_dict()) == GARDEN


@pytest.mark.parametrize(("layout", "message"), [
    (Layout("meadow", None, GARDEN.objects), "unknown scene 'meadow'"),
    (Layout("garden", 1.5, GARDEN.objects), "horizon 1.5 is outside"),
    (Layout("garden", 0.4, ()), "no objects"),
    (Layout("garden", 0.4, (LayoutObject("dragon", None, (0.1, 0.1, 0.2, 0.2)),)), "object 1 has unknown kind"),
    (Layout("garden", 0.4, (LayoutObject("rock", "oak", (0.1, 0.1, 0.2, 0.2)),)), r"object 1 \(rock\) cannot be 'oak'"),
    (Layout("garden", 0.4, (LayoutObject("tree", "sitting", (0.1, 0.1, 0.2, 0.2)),)), "may be oak, poplar"),
    (Layout("garden", 0.4, (LayoutObject("rock", None, (0.5, 0.1, 0.2, 0.2)),)), r"object 1 \(rock\) box"),
    (Layout("garden", 0.4, (LayoutObject("rock", None, (0.1, 0.1, 1.2, 0.2)),)), "must lie inside 0..1"),
])
def test_an_undrawable_layout_is_refused_naming_the_object(layout, message):
    with pytest.raises(PlanError, match=message):
        draw_layout(layout)


def _paths(plan) -> list[np.ndarray]:  # noqa: ANN001 - a Plan
    return [path for _, path in plan.iter_paths()]


@pytest.mark.parametrize(("kind", "box", "drawn"), [
    ("rock", (10.0, 10.0, 12.0, 60.0), (8.8, 56.0, 13.2, 60.0)),  # a sliver of rock: 4 mm tall, a rock's shape
    ("rock", (10.0, 10.0, 30.0, 60.0), (10.0, 41.82, 30.0, 60.0)),  # a tall rock: lowered, as wide as asked
    ("figure", (10.0, 50.0, 90.0, 60.0), (45.0, 50.0, 55.0, 60.0)),  # a person lying flat: narrowed
    ("shrub", (10.0, 59.0, 30.0, 60.0), (16.0, 56.0, 24.0, 60.0)),  # a sliver of a shrub: grown to 4 mm, then narrowed
    ("tree", (10.0, 10.0, 40.0, 60.0), (10.0, 10.0, 40.0, 60.0)),  # a tree's box is a tree's shape already
])
def test_a_box_no_object_plan_could_fill_is_reshaped_about_its_base(kind, box, drawn):
    assert drawable_box(kind, box) == pytest.approx(drawn, abs=0.01)


def test_any_box_of_any_kind_is_drawn_without_failing():
    rng = np.random.default_rng(0)
    objects = []
    for kind in PAINTER_KIND:
        for _ in range(3):
            x, y = np.sort(rng.uniform(0, 1, 2)), np.sort(rng.uniform(0, 1, 2))
            x[1], y[1] = max(x[1], x[0] + 0.01), max(y[1], y[0] + 0.01)
            objects.append(LayoutObject(kind, None, (x[0], y[0], min(x[1], 1.0), min(y[1], 1.0))))
    drawing = draw_layout(Layout("garden", 0.3, tuple(objects)), seed=3)
    assert drawing.plan.path_count > 0


def test_an_object_asked_to_stand_in_the_sky_stands_on_the_horizon():
    floating = Layout("garden", 0.5, (LayoutObject("rock", None, (0.1, 0.1, 0.3, 0.2)),))
    stage, things = compose_layout(floating, (0.0, 0.0, 100.0, 100.0), np.random.default_rng(0), Trace())
    rock = next(t for t in things if t.kind == "rock")
    assert rock.box == pytest.approx((10.0, 40.0, 30.0, 50.0)) and rock.base_y == pytest.approx(stage.horizon)
