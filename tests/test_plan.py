"""The stroke plan: shapes, immutability, validation, builders."""

from __future__ import annotations

import numpy as np
import pytest

from plotter import Layer, Pen, Plan, PlanError, as_path, is_closed


def test_builder_groups_paths_by_pen_in_order_of_first_use():
    builder = Plan.builder("a5", {"generator": "test", "seed": 3})
    builder.add([(0, 0), (1, 1)], pen="black")
    builder.add([(2, 2), (3, 3)], pen=Pen("red", "#ff0000", 0.5))
    builder.add([(4, 4), (5, 5)], pen="black")
    plan = builder.build()
    assert plan.page_mm == (148.0, 210.0)
    assert [layer.name for layer in plan.layers] == ["black", "red"]
    assert [len(layer.paths) for layer in plan.layers] == [2, 1]
    assert plan.layer("red").pen.width_mm == 0.5
    assert plan.metadata["seed"] == 3


def test_add_closed_repeats_the_first_point_once():
    builder = Plan.builder((100, 100))
    builder.add_closed([(0, 0), (10, 0), (10, 10)])
    builder.add_closed([(0, 0), (10, 0), (10, 10), (0, 0)])
    first, second = builder.build().layers[0].paths
    assert len(first) == 4 and is_closed(first)
    assert len(second) == 4 and is_closed(second)


def test_paths_are_read_only_float64_arrays():
    path = as_path([[1, 2], [3, 4]])
    assert path.dtype == np.float64 and path.shape == (2, 2)
    with pytest.raises(ValueError):
        path[0, 0] = 9


def test_a_read_only_path_is_shared_not_copied():
    path = as_path([[1, 2], [3, 4]])
    assert as_path(path) is path


def test_mutating_the_callers_array_does_not_change_the_plan():
    points = np.array([[0.0, 0.0], [1.0, 1.0]])
    layer = Layer(Pen("black"), (points,))
    points[0, 0] = 99
    assert layer.paths[0][0, 0] == 0.0


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0, 0, 0]], "shape"),
        ([], "shape"),
        ([[0, 0], [np.nan, 1]], "point 1 is not finite"),
        ([[0, 0], [np.inf, 1]], "not finite"),
    ],
)
def test_malformed_paths_are_refused(points, message):
    with pytest.raises(PlanError, match=message):
        as_path(points)


@pytest.mark.parametrize(
    ("pen", "message"),
    [
        (dict(name=""), "needs a name"),
        (dict(name="x", color="red"), "#rrggbb"),
        (dict(name="x", width_mm=0), "must be positive"),
        (dict(name="x", width_mm=float("nan")), "must be positive"),
    ],
)
def test_bad_pens_are_refused(pen, message):
    with pytest.raises(PlanError, match=message):
        Pen(**pen)


@pytest.mark.parametrize("page", [(0, 100), (100, -1), (float("nan"), 10)])
def test_zero_or_invalid_page_is_refused(page):
    with pytest.raises(PlanError, match="page size"):
        Plan(page)


def test_two_layers_with_one_pen_name_are_refused():
    with pytest.raises(PlanError, match="same pen name: black"):
        Plan((10, 10), (Layer(Pen("black")), Layer(Pen("black"))))


def test_operations_return_new_plans_and_leave_the_original():
    plan = Plan((50, 50), (Layer(Pen("black"), ([[0, 0], [1, 1]],)),))
    moved = plan.map_paths(lambda p: [p + 5])
    assert plan.layers[0].paths[0][0].tolist() == [0, 0]
    assert moved.layers[0].paths[0][0].tolist() == [5, 5]
    assert plan.with_metadata(seed=1).metadata["seed"] == 1 and "seed" not in plan.metadata
    with pytest.raises(TypeError):
        plan.metadata["seed"] = 2  # type: ignore[index]


def test_bounds_and_counts():
    plan = Plan((50, 50), (Layer(Pen("a"), ([[1, 2], [3, 4]], [[-1, 5]])), Layer(Pen("b"))))
    assert plan.bounds() == (-1.0, 2.0, 3.0, 5.0)
    assert (plan.path_count, plan.point_count) == (2, 3)
    assert Plan((10, 10)).bounds() is None
    assert [layer.name for layer in plan.without_empty_layers().layers] == ["a"]


def test_unknown_layer_lookup_lists_the_layers():
    plan = Plan((10, 10), (Layer(Pen("a")),))
    with pytest.raises(PlanError, match="no layer 'z'; layers: a"):
        plan.layer("z")


def test_pen_declared_twice_differently_is_refused():
    builder = Plan.builder("a4")
    builder.pen("black", "#000000", 0.3)
    with pytest.raises(PlanError, match="declared twice"):
        builder.pen(Pen("black", "#000000", 0.8))


def test_a_million_points_stay_small():
    paths = [np.zeros((10, 2)) for _ in range(100_000)]
    layer = Layer(Pen("black"), tuple(paths))
    raw = sum(p.nbytes for p in layer.paths)
    assert raw == 1_000_000 * 16
