"""The AARON-style painter: reproducible, varied, balanced, plottable, occluding, explained.

Twenty consecutive seeds are drawn once (on A5 with 9 objects, to keep the suite quick) and
shared by the invariant tests below.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from painters.aaron import AaronParams, draw, explain, paint, paint_with_trace
from painters.aaron.colour import hatch_spacing, light_to_dark, nearest_pen, pen_lab
from plotter import PlanError, svg
from plotter.geometry import path_lengths
from plotter.plan import Pen

A5 = (148.0, 210.0)
SEEDS = range(1, 21)
LEVELS = ("space allocation", "object plan", "lines", "line segments", "pen moves")


@pytest.fixture(scope="module")
def drawings():
    return {seed: draw(seed, AaronParams(objects=9), A5) for seed in SEEDS}


def _ink(plan):
    """(points, weights): segment midpoints weighted by their length."""
    paths = [p for _, p in plan.iter_paths()]
    mids = np.concatenate([(p[1:] + p[:-1]) / 2 for p in paths])
    weights = np.concatenate([np.hypot(*np.diff(p, axis=0).T) for p in paths])
    return mids, weights


def test_same_seed_and_params_give_the_same_svg_bytes(tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    svg.write(paint(11, AaronParams(objects=8), A5), first)
    svg.write(paint(11, AaronParams(objects=8), A5), second)
    assert first.read_bytes() == second.read_bytes()


def test_twenty_seeds_give_twenty_different_compositions(drawings):
    layouts = []
    for drawing in drawings.values():
        boxes = sorted((o.thing.kind, round(o.thing.box[0]), round(o.thing.box[3])) for o in drawing.objects)
        layouts.append(tuple(boxes))
    assert len(set(layouts)) == len(layouts)
    kinds = {tuple(sorted(o.thing.kind for o in d.objects)) for d in drawings.values()}
    assert len(kinds) >= 10  # not just moved about: different things in them


def test_ink_is_balanced_and_inside_the_margins(drawings):
    for seed, drawing in drawings.items():
        plan = drawing.plan
        xmin, ymin, xmax, ymax = plan.bounds()
        margin = AaronParams().margin_mm
        assert xmin >= margin and ymin >= margin, seed
        assert xmax <= A5[0] - margin and ymax <= A5[1] - margin, seed
        mids, weights = _ink(plan)
        centre = (mids * weights[:, None]).sum(axis=0) / weights.sum() / np.array(A5)
        assert 0.3 < centre[0] < 0.7 and 0.3 < centre[1] < 0.75, (seed, centre)


def test_every_path_is_plottable(drawings):
    for seed, drawing in drawings.items():
        for _, path in drawing.plan.iter_paths():
            assert len(path) >= 2 and np.isfinite(path).all(), seed
            segments = np.hypot(*np.diff(path, axis=0).T)
            assert segments.min() >= 0.05 - 1e-9, (seed, segments.min())
            assert segments.sum() > 0.5, seed


def test_lines_never_double_back_except_in_fills(drawings):
    for seed, drawing in drawings.items():
        for seen in drawing.objects:
            for path in seen.paths:
                steps = np.diff(path, axis=0)
                unit = steps / np.hypot(*steps.T)[:, None]
                cosine = (unit[1:] * unit[:-1]).sum(axis=1)
                assert (cosine > -0.95).all(), (seed, seen.thing.subject)


def test_no_line_of_a_farther_object_enters_a_nearer_closed_form(drawings):
    for seed, drawing in drawings.items():
        objects = drawing.objects  # nearest first
        for near, seen in enumerate(objects):
            inside = seen.silhouette.buffer(-0.05)
            if inside.is_empty:
                continue
            for farther in objects[near + 1:]:
                for path in farther.paths:
                    crossing = shapely.LineString(path).intersection(inside).length
                    assert crossing < 1e-6, (seed, farther.thing.subject, "enters", seen.thing.subject, crossing)


def test_nearer_objects_stand_lower_and_farther_lines_are_cut_at_them(drawings):
    cuts = 0
    for drawing in drawings.values():
        bases = [o.thing.base_y for o in drawing.objects]
        assert bases == sorted(bases, reverse=True)
        cuts += sum(o.cut for o in drawing.objects)
    assert cuts > 100  # T-junctions are common, not an accident


@pytest.mark.parametrize("scene,kinds", [("garden", {"tree", "figure"}), ("figures", {"figure"}),
                                         ("abstract", {"form"})])
def test_each_scene_places_its_kinds(scene, kinds):
    drawing = draw(4, AaronParams(scene=scene, objects=10), A5)
    placed = {o.thing.kind for o in drawing.objects}
    assert kinds <= placed
    assert ("ground" in placed) == (scene != "abstract")  # abstract forms float: no horizon


def test_composition_stops_after_a_run_of_failed_allocations():
    drawing = draw(2, AaronParams(objects=200, failures=3), A5)
    placed = sum(o.thing.kind != "ground" for o in drawing.objects)
    assert 0 < placed < 200
    assert any("stop: 3 allocations failed in a row" in line for line in drawing.trace)


def test_explain_names_the_rules_that_fired_per_object_at_every_level():
    plan, trace = paint_with_trace(5, AaronParams(objects=6), A5)
    assert trace[0].startswith("picture | composition: ")
    subjects = {line.split(" | ")[0] for line in trace} - {"picture"}
    assert len(subjects) == plan.metadata["objects"] + 1  # and the ground
    for subject in subjects - {s for s in subjects if s.endswith("ground")}:
        levels = {line.split(" | ")[1].split(":")[0] for line in trace if line.startswith(subject + " |")}
        assert set(LEVELS) <= levels, subject
    assert explain(5, AaronParams(objects=6), A5) == "\n".join(trace)


def test_metadata_records_seed_params_pens_and_the_redraw_command():
    plan = paint(9, AaronParams(scene="figures", objects=5), A5)
    meta = plan.metadata
    assert meta["generator"] == "aaron" and meta["seed"] == 9
    assert meta["params"] == AaronParams(scene="figures", objects=5).as_dict()
    assert meta["command"].startswith("plotter paint aaron --seed 9 --page 148x210mm --pens ")
    assert "--scene figures --objects 5 " in meta["command"]


def test_several_pens_colour_regions_and_go_down_light_to_dark():
    pens = (Pen("black", "#1b1b1b", 0.3), Pen("yellow", "#f1c40f", 0.5), Pen("blue", "#1f4e9c", 0.4))
    plan = paint(3, AaronParams(scene="figures", objects=8), A5, pens)
    lightness = [pen_lab(layer.pen)[0] for layer in plan.layers]
    assert len(plan.layers) >= 2 and lightness == sorted(lightness, reverse=True)
    assert plan.layers[-1].pen.name == "black"  # outlines in the darkest pen, last


def test_colour_rules_put_lightness_first():
    pens = (Pen("black", "#1b1b1b"), Pen("yellow", "#f1c40f"), Pen("navy", "#1f2e6c"))
    assert nearest_pen((0.95, 0.9, 0.3), pens).name == "yellow"
    assert nearest_pen((0.2, 0.1, 0.1), pens).name in ("black", "navy")
    assert [p.name for p in light_to_dark(pens)] == ["yellow", "navy", "black"]
    black = pens[0]
    spacings = [hatch_spacing(lightness, black) for lightness in (0.2, 0.4, 0.6, 0.75)]
    assert spacings == sorted(spacings) and spacings[0] < spacings[-1]  # darker is denser


@pytest.mark.parametrize("params,message", [
    (AaronParams(objects=0), "objects=0 is outside 1..200"),
    (AaronParams(objects=201), "objects=201 is outside 1..200"),
    (AaronParams(objects=-4), "objects=-4 is outside"),
    (AaronParams(scene="jungle"), "unknown scene 'jungle'; choose one of garden, abstract, figures"),
    (AaronParams(wobble=9.0), "wobble=9.0 is outside 0..3"),
])
def test_out_of_range_parameters_are_refused(params, message):
    with pytest.raises(PlanError, match=message):
        paint(1, params)


def test_a_page_too_small_for_any_object_is_refused_naming_its_size():
    with pytest.raises(PlanError, match=r"a 30 x 30 mm page is too small for any object"):
        paint(1, page=(30.0, 30.0))


def test_a_negative_seed_is_refused():
    with pytest.raises(PlanError, match="seed -1 must be a whole number >= 0"):
        paint(-1)


def test_pen_down_length_grows_with_the_page():
    small = path_lengths([p for _, p in paint(6, AaronParams(objects=6), A5).iter_paths()]).sum()
    large = path_lengths([p for _, p in paint(6, AaronParams(objects=6), (297.0, 420.0)).iter_paths()]).sum()
    assert large > 1.5 * small


def test_a_sitting_figure_sits_on_a_block_that_stands_on_the_ground():
    from painters.aaron.figure import POSES, body, core_figure

    rng = np.random.default_rng(3)
    for facing in (-1.0, 1.0):
        joints = core_figure(POSES["sitting"], rng, facing)
        forms = body(POSES["sitting"], joints, facing, "short", False)
        name, seat, material = forms[-1]  # farthest: every limb in front of it
        assert (name, material) == ("seat", "rock")
        xmin, ymin, xmax, ymax = seat.bounds
        assert xmin < joints["pelvis"][0] < xmax and ymin > joints["pelvis"][1]  # under the pelvis
        feet = max(joints[f"{side}_{end}"][1] for side in ("near", "far") for end in ("toe", "ankle"))
        assert ymax == pytest.approx(feet + 0.01)  # down to the ground the feet stand on
    standing = body(POSES["standing"], core_figure(POSES["standing"], rng, 1.0), 1.0, "short", False)
    assert "seat" not in [name for name, _, _ in standing]
