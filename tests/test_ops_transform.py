"""fit_to_page and the affine helpers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Layer, OperationError, Pen, Plan, is_closed
from plotter.ops import fit_to_page, rotate, scale, translate


def make_plan(*layers: list, page=(200.0, 100.0)) -> Plan:
    return Plan(page, tuple(Layer(Pen(f"pen{i}"), tuple(paths)) for i, paths in enumerate(layers)))


def size(plan: Plan) -> np.ndarray:
    x0, y0, x1, y1 = plan.bounds()
    return np.array([x1 - x0, y1 - y0])


TALL = make_plan([[(0, 0), (10, 0), (10, 40), (0, 40), (0, 0)]], [[(5, 5)]])


@pytest.mark.parametrize(
    ("rotate_to", "page", "bounds"),
    [
        ("none", (200, 100), (90, 10, 110, 90)),  # limited by height: scale 2
        ("auto", (200, 100), (10, 27.5, 190, 72.5)),  # turned: 40 x 10 -> 180 x 45
        ("90", (200, 100), (10, 27.5, 190, 72.5)),
        ("-90", (200, 100), (10, 27.5, 190, 72.5)),
        ("180", (200, 100), (90, 10, 110, 90)),
        ("auto", (100, 200), (27.5, 10, 72.5, 190)),  # already upright: scale 4.5
    ],
)
def test_fit_scales_to_the_margins_and_centres(rotate_to, page, bounds):
    fitted = fit_to_page(TALL, page, margin_mm=10, rotate=rotate_to)
    assert fitted.page_mm == page
    assert fitted.bounds() == pytest.approx(bounds)
    assert is_closed(fitted.layers[0].paths[0])


@pytest.mark.parametrize(
    ("align", "bounds"),
    [
        ("left", (10, 10, 30, 90)),
        ("right", (170, 10, 190, 90)),
        ("top-left", (10, 10, 30, 90)),
        ("bottom-right", (170, 10, 190, 90)),
        ("top", (90, 10, 110, 90)),
    ],
)
def test_fit_aligns_to_the_named_side(align, bounds):
    assert fit_to_page(TALL, rotate="none", align=align).bounds() == pytest.approx(bounds)


@settings(max_examples=40, deadline=None)
@given(
    points=st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=2, max_size=20),
    page=st.tuples(st.floats(30, 2000), st.floats(30, 2000)),
    margin=st.floats(0, 14),
    rotate_to=st.sampled_from(["auto", "none", "90", "180"]),
)
def test_fit_keeps_the_aspect_ratio_and_lands_inside_the_margins(points, page, margin, rotate_to):
    plan = make_plan([points])
    before = size(plan)
    fitted = fit_to_page(plan, page, margin_mm=margin, rotate=rotate_to)
    x0, y0, x1, y1 = fitted.bounds()
    tol = 1e-6 * max(page)
    assert x0 >= margin - tol and y0 >= margin - tol and x1 <= page[0] - margin + tol and y1 <= page[1] - margin + tol
    after = size(fitted)
    turned = {"none": [False], "180": [False], "90": [True], "auto": [False, True]}[rotate_to]
    room = np.array(page) - 2 * margin
    ok = []
    for turn in turned:
        seen = after[::-1] if turn else after
        same_shape = before.min() <= 1e-3 or np.isclose(seen[0] / seen[1], before[0] / before[1], rtol=1e-6)
        # the limiting axis reaches the margins (unless the drawing is a single point)
        fills = before.max() <= 1e-3 or np.isclose(after / room, 1, rtol=1e-6).any()
        ok.append(same_shape and fills)
    assert any(ok)


def test_fitting_an_empty_plan_only_changes_the_page():
    plan = make_plan([])
    fitted = fit_to_page(plan, (50, 60))
    assert fitted.page_mm == (50, 60) and fitted.path_count == 0 and len(fitted.layers) == 1


def test_a_single_point_is_centred_unscaled():
    fitted = fit_to_page(make_plan([[(3, 3)]]), (100, 50))
    assert fitted.layers[0].paths[0].tolist() == [[50, 25]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"margin_mm": 60}, "margin 60 mm leaves no room"),
        ({"margin_mm": -1}, "margin.*-1"),
        ({"rotate": "45"}, "unknown rotate value '45'; valid: auto, none, 90, -90, 180"),
        ({"align": "middle"}, "unknown align value 'middle'; valid: center"),
    ],
)
def test_fit_rejects_bad_arguments_naming_them(options, message):
    with pytest.raises(OperationError, match=message):
        fit_to_page(TALL, (100, 100), **options)


def test_affine_helpers():
    plan = make_plan([[(1, 2), (3, 4)]])
    assert scale(plan, 2).layers[0].paths[0].tolist() == [[2, 4], [6, 8]]
    assert scale(plan, 2, 3, origin=(1, 2)).layers[0].paths[0].tolist() == [[1, 2], [5, 8]]
    assert translate(plan, 10, -1).layers[0].paths[0].tolist() == [[11, 1], [13, 3]]
    # y points down: +90 degrees turns (1, 0) to (0, 1), clockwise on the page
    assert rotate(make_plan([[(1, 0)]]), 90).layers[0].paths[0].tolist() == [[0, 1]]
    assert rotate(plan, 180, origin=(1, 2)).layers[0].paths[0].tolist() == [[1, 2], [-1, 0]]
    assert np.allclose(rotate(plan, 37).layers[0].paths[0], rotate(rotate(plan, 30), 7).layers[0].paths[0])


@pytest.mark.parametrize(
    "call",
    [lambda p: scale(p, float("inf")), lambda p: translate(p, float("nan"), 0), lambda p: rotate(p, float("inf"))],
)
def test_affine_helpers_reject_non_finite_values(call):
    with pytest.raises(OperationError):
        call(make_plan([[(1, 2)]]))
