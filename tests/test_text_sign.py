"""Signatures: placed in the first free corner (or the free place nearest it), never touching a stroke."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter.plan import Layer, Pen, Plan
from plotter.text import TextError, sign

PAGE = (200.0, 150.0)
MARGIN, CLEARANCE = 8.0, 2.0
LINES = ["No. 7", "seed 42"]


def _plan(*paths) -> Plan:
    return Plan(PAGE, (Layer(Pen("black"), tuple(paths)),))


def _text(before: Plan, after: Plan) -> list[np.ndarray]:
    """The paths ``sign`` added (it appends to one layer and leaves the others alone)."""
    added = []
    for old, new in zip(before.layers, after.layers, strict=True):
        assert new.paths[: len(old.paths)] == old.paths
        added.extend(new.paths[len(old.paths):])
    return added


def _box(paths) -> np.ndarray:
    points = np.concatenate(paths)
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


def _corner(box: np.ndarray) -> str:
    """Which corner of the page the text box sits in."""
    vertical = "bottom" if box[3] > PAGE[1] / 2 else "top"
    return f"{vertical}-{'right' if box[2] > PAGE[0] / 2 else 'left'}"


def test_on_an_empty_page_the_signature_sits_in_the_bottom_right_corner_inside_the_margin():
    plan = _plan()
    signed = sign(plan, LINES, margin_mm=MARGIN, clearance_mm=CLEARANCE)
    box = _box(_text(plan, signed))
    grow = CLEARANCE + 0.3  # clearance between ink edges: two half tips of 0.3 mm pens
    assert box[2] == pytest.approx(PAGE[0] - MARGIN - grow)
    assert box[3] == pytest.approx(PAGE[1] - MARGIN - grow)


def test_a_plan_without_layers_gets_one_black_pen():
    signed = sign(Plan(PAGE), ["A"])
    assert [layer.name for layer in signed.layers] == ["black"] and signed.path_count == 3  # "A" is 3 strokes


@pytest.mark.parametrize("blocked", [[], ["bottom-right"], ["bottom-right", "bottom-left"],
                                     ["bottom-right", "bottom-left", "top-right"]])
def test_corners_are_tried_bottom_right_bottom_left_top_right_top_left(blocked):
    boxes = {"bottom-right": (150, 120, 200, 150), "bottom-left": (0, 120, 50, 150),
             "top-right": (150, 0, 200, 30), "top-left": (0, 0, 50, 30)}
    # a cross over each blocked corner's quarter: it hits any signature placed there
    crosses = [np.array([[x0, y0], [x1, y1]]) for name in blocked for x0, y0, x1, y1 in [boxes[name]]]
    crosses += [np.array([[x0, y1], [x1, y0]]) for name in blocked for x0, y0, x1, y1 in [boxes[name]]]
    plan = _plan(*crosses)
    order = ["bottom-right", "bottom-left", "top-right", "top-left"]
    expected = next(name for name in order if name not in blocked)
    assert _corner(_box(_text(plan, sign(plan, LINES)))) == expected


def test_with_every_corner_taken_the_free_place_nearest_the_bottom_right_is_used():
    # the page hatched every 3 mm except for a hole (40..160) x (30..120) in the middle
    hatching = []
    for y in np.arange(0.0, 150.1, 3.0):
        spans = [(0.0, 40.0), (160.0, 200.0)] if 30 < y < 120 else [(0.0, 200.0)]
        hatching += [np.array([[x0, y], [x1, y]]) for x0, x1 in spans]
    plan = _plan(*hatching)
    box = _box(_text(plan, sign(plan, LINES)))
    grow = CLEARANCE + 0.3
    assert 40 + grow <= box[0] and box[2] <= 160 - grow and 30 + grow <= box[1] and box[3] <= 120 - grow
    # pushed into the hole's bottom-right corner, give or take the occupancy grid's two cells
    assert box[2] == pytest.approx(160 - grow, abs=1.5)
    assert box[3] == pytest.approx(120 - grow, abs=1.5)


def test_the_text_goes_into_the_darkest_pen_without_a_new_layer():
    pens = (Pen("yellow", "#f1c40f"), Pen("black", "#1b1b1b"), Pen("red", "#c0392b"))
    plan = Plan(PAGE, tuple(Layer(pen, (np.array([[10.0 * k, 10], [10.0 * k + 5, 20]]),)) for k, pen in
                            enumerate(pens, start=1)))
    signed = sign(plan, LINES)
    assert [len(layer.paths) for layer in signed.layers] == [1, 1 + len(_text(plan, signed)), 1]
    assert [layer.pen for layer in signed.layers] == list(pens)


def test_blank_lines_leave_the_plan_as_it_was():
    plan = _plan(np.array([[1.0, 1.0], [2.0, 2.0]]))
    assert sign(plan, []) is plan and sign(plan, ["", " "]) is plan


def test_a_full_page_is_refused_naming_the_page_size():
    hatching = [np.array([[0.0, y], [200.0, y]]) for y in np.arange(0.0, 150.1, 3.0)]
    with pytest.raises(TextError, match=r"no room for the signature \([\d.]+ x [\d.]+ mm plus 2 mm clearance\) "
                                        r"on the 200 x 150 mm page inside its 8 mm margins"):
        sign(_plan(*hatching), LINES)


def test_a_signature_bigger_than_the_page_is_refused():
    with pytest.raises(TextError, match=r"the signature .* on the 200 x 150 mm page inside its 8 mm margins does not "
                                        r"fit even on a blank page"):
        sign(_plan(), ["a signature far too long for this page"], size_mm=12.0)


@pytest.mark.parametrize(("options", "message"), [({"margin_mm": -1.0}, "signature margin -1.0 mm"),
                                                  ({"clearance_mm": float("nan")}, "signature clearance nan mm")])
def test_bad_margins_are_refused(options, message):
    with pytest.raises(TextError, match=message):
        sign(_plan(), LINES, **options)


walks = st.lists(
    st.tuples(st.floats(0, 200), st.floats(0, 150), st.integers(1, 12), st.integers(0, 2**32 - 1)),
    max_size=60,
)


@settings(max_examples=60)
@given(walks=walks, size=st.sampled_from([1.5, 2.5, 4.0]), clearance=st.sampled_from([0.0, 1.0, 2.5]))
def test_a_signature_never_comes_within_the_clearance_of_a_stroke(walks, size, clearance):
    paths = []
    for x, y, steps, seed in walks:  # random walks, some single points, some running off the page
        rng = np.random.default_rng(seed)
        paths.append(np.array([x, y]) + np.cumsum(rng.normal(0, 8, size=(steps, 2)), axis=0))
    plan = _plan(*paths)
    try:
        signed = sign(plan, LINES, size_mm=size, clearance_mm=clearance)
    except TextError:
        return  # no room is a fine answer; touching a stroke is not
    text = _text(plan, signed)
    box = _box(text)
    assert box[0] >= MARGIN + clearance and box[1] >= MARGIN + clearance
    assert box[2] <= PAGE[0] - MARGIN - clearance and box[3] <= PAGE[1] - MARGIN - clearance
    if paths:
        drawn = shapely.GeometryCollection([shapely.LineString(p) if len(p) > 1 else shapely.Point(p[0])
                                            for p in paths])
        written = shapely.MultiLineString([t for t in text])
        assert shapely.distance(drawn, written) >= clearance + 0.3 - 1e-9


def test_ten_thousand_paths_are_signed_in_the_one_free_corner():
    rng = np.random.default_rng(5)
    starts = rng.uniform([8, 8], [192, 100], size=(10_000, 2))
    walks = starts[:, None, :] + np.cumsum(rng.normal(0, 0.4, size=(10_000, 8, 2)), axis=1)
    plan = _plan(*walks)
    box = _box(_text(plan, sign(plan, LINES)))
    assert box[1] > 100 and box[2] == pytest.approx(PAGE[0] - MARGIN - CLEARANCE - 0.3)


def test_a_stroke_running_far_off_the_page_blocks_only_where_it_crosses_the_page():
    across = np.array([[-1e12, 120.0], [1e12, 120.0]])  # 2e12 mm long: cut to the page before it is rasterised
    plan = _plan(across)
    box = _box(_text(plan, sign(plan, LINES)))
    assert box[3] == pytest.approx(PAGE[1] - MARGIN - CLEARANCE - 0.3)  # below the line, in the corner
