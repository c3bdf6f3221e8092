"""Plan statistics: counts, lengths, pen-up travel (with and without the origin), JSON and table."""

from __future__ import annotations

import json

import pytest

from plotter import Pen, Plan
from plotter.motion import MotionSettings, estimate_time
from plotter.stats import format_duration, format_length, plan_stats


def single(points) -> Plan:
    b = Plan.builder("a4")
    b.add(points)
    return b.build()


def several_layers() -> Plan:
    b = Plan.builder("a4")
    b.pen(Pen("black", "#000000", 0.3))
    b.pen(Pen("red", "#ff0000", 0.8))
    b.pen(Pen("unused", "#00ff00", 0.5))
    b.add([(10, 0), (10, 10)], "black")  # 10 mm down
    b.add([(13, 14), (13, 24)], "black")  # 5 mm up, 10 mm down
    b.add([(13, 30), (43, 70)], "red")  # 6 mm up between layers, 50 mm down
    return b.build()


# plan, paths, points, pen_down, layer pen_up sum, total pen_up, bbox
CASES = {
    "empty": (Plan((210, 297)), 0, 0, 0.0, 0.0, 0.0, None),
    "one point": (single([(3, 4)]), 1, 1, 0.0, 0.0, 10.0, (3, 4, 3, 4)),
    "one path": (single([(3, 4), (3, 14)]), 1, 2, 10.0, 0.0, 5.0 + 205**0.5, (3, 4, 3, 14)),
    "closed path": (single([(0, 0), (10, 0), (10, 10), (0, 0)]), 1, 4, 20 + 200**0.5, 0.0, 0.0, (0, 0, 10, 10)),
    "several layers": (several_layers(), 3, 6, 70.0, 5.0, 10 + 5 + 6 + (43**2 + 70**2) ** 0.5, (10, 0, 43, 70)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_counts_lengths_and_bbox(case):
    plan, paths, points, down, layer_up, total_up, bbox = case
    stats = plan_stats(plan)
    assert (stats.paths, stats.points, stats.lifts) == (paths, points, paths)
    assert stats.pen_down_mm == pytest.approx(down)
    assert sum(layer.pen_up_mm for layer in stats.layers) == pytest.approx(layer_up)
    assert stats.pen_up_mm == pytest.approx(total_up)
    assert stats.bbox_mm == (pytest.approx(bbox) if bbox else None)
    assert stats.time_s == estimate_time(plan).time_s


def test_layers_report_their_own_pen_and_numbers():
    stats = plan_stats(several_layers())
    black, red, unused = stats.layers
    assert (black.name, black.color, black.pen_width_mm) == ("black", "#000000", 0.3)
    assert (black.paths, black.points, black.pen_down_mm, black.pen_up_mm) == (2, 4, 20.0, 5.0)
    assert black.bbox_mm == (10, 0, 13, 24)
    assert (red.paths, red.pen_down_mm, red.pen_up_mm, red.lifts) == (1, 50.0, 0.0, 1)
    assert (unused.paths, unused.points, unused.bbox_mm, unused.time_s) == (0, 0, None, 0.0)
    assert sum(layer.time_s for layer in stats.layers) == pytest.approx(stats.time_s)


def test_settings_change_the_estimated_time():
    plan = several_layers()
    slow = MotionSettings(draw_feed_mm_min=300)
    assert plan_stats(plan, slow).time_s == estimate_time(plan, slow).time_s > plan_stats(plan).time_s


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_to_dict_is_json_with_the_documented_keys(case):
    stats = plan_stats(case[0])
    data = json.loads(json.dumps(stats.to_dict()))
    keys = {"paths", "points", "pen_down_mm", "pen_up_mm", "lifts", "time_s", "bbox_mm", "page_mm", "layers"}
    assert keys <= set(data)
    assert data["page_mm"] == [210.0, 297.0]
    assert data["bbox_mm"] == (list(stats.bbox_mm) if stats.bbox_mm else None)
    for entry, layer in zip(data["layers"], case[0].layers, strict=True):
        assert {"name", "color", "pen_width_mm", "paths", "pen_down_mm", "pen_up_mm", "time_s"} <= set(entry)
        pen = (entry["name"], entry["color"], entry["pen_width_mm"])
        assert pen == (layer.name, layer.pen.color, layer.pen.width_mm)


def test_table_lists_every_layer_and_the_totals_in_human_units():
    table = plan_stats(several_layers()).format_table()
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["layer", "colour"]
    assert [line.split()[0] for line in lines[2:5]] == ["black", "red", "unused"]
    total = next(line for line in lines if line.startswith("total"))
    assert "70.0 mm" in total and "0:00:" in total
    assert "3 pen lifts" in lines[-1] and "210 x 297 mm" in lines[-1]
    assert "empty" in plan_stats(Plan((210, 297))).format_table()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00:00"), (59.6, "0:01:00"), (3599, "0:59:59"), (3600 * 26 + 61, "26:01:01")]
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("mm", "text"), [(0, "0.0 mm"), (999.94, "999.9 mm"), (1000, "1.00 m"), (123456, "123.46 m")])
def test_format_length(mm, text):
    assert format_length(mm) == text
