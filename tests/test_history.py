"""The exhibition sheet: five titled panels inside the page, merged pens, one seed, the same file every time.

The real sheet loads torch for the two generator panels, so it is made once per module with
one sample per generator; layout, pens and the CLI are tested with cheap stand-in panels.
"""

from __future__ import annotations

import json
import re
import shlex

import numpy as np
import pytest

import plotter.gallery.history as history
from plotter.cli import main
from plotter.plan import Pen, Plan
from plotter.svg.writer import to_svg_string

TITLES = ["AARON, 1970s: abstract forms", "AARON, 1980s: figures in a garden", "The Painting Fool: a portrait",
          "Stroke VAE samples", "Diffusion samples"]


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread: two idle threads spinning on a shared 2-core runner cost more than they give."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def sheet(one_thread) -> Plan:
    return history.paint(seed=2, page=(297.0, 420.0), samples=1)  # loads torch: keep the count tiny


def _inside(box, outer, slack=1e-6) -> bool:
    return outer[0] - slack <= box[0] and outer[1] - slack <= box[1] and box[2] <= outer[2] + slack \
        and box[3] <= outer[3] + slack


def _paths_within(plan: Plan, box) -> int:
    """Paths inside ``box``, a metadata box (rounded to the micron: a drawing fitted to it may touch it)."""
    return sum(_inside([*p.min(axis=0), *p.max(axis=0)], box, slack=1e-3) for _, p in plan.iter_paths())


def test_the_sheet_has_five_titled_panels_each_drawn_inside_its_own_box_on_the_page(sheet):
    panels = sheet.metadata["panels"]
    assert [p["title"] for p in panels] == TITLES
    page_box = [0.0, 0.0, *sheet.page_mm]
    assert _inside(sheet.bounds(), page_box)
    for index, panel in enumerate(panels):
        drawing, title = panel["drawing_mm"], panel["title_mm"]
        assert _inside(drawing, page_box) and _inside(title, page_box)
        assert title[3] < drawing[1]  # the title sits over its drawing
        assert panel["strokes"] > 0 and _paths_within(sheet, drawing) >= panel["strokes"] * 0.9
        assert _paths_within(sheet, title) >= len(panel["title"].replace(" ", "")) // 2  # the title is written
        for other in panels[index + 1:]:  # no two panels overlap
            box = other["drawing_mm"]
            assert box[0] >= drawing[2] or box[2] <= drawing[0] or box[1] >= drawing[3] or box[3] <= drawing[1]


def test_the_sheet_title_is_written_above_every_panel_and_all_is_one_sorted_black_pen(sheet):
    first_top = min(p["title_mm"][1] for p in sheet.metadata["panels"])
    assert _paths_within(sheet, [0.0, 0.0, sheet.page_mm[0], first_top - 0.5]) > 20
    assert [layer.pen for layer in sheet.layers] == list(history.DEFAULT_PENS)
    assert sheet.metadata["generator"] == "history" and sheet.metadata["seed"] == 2


def test_the_same_seed_draws_the_same_sheet(sheet):
    again = history.paint(seed=2, page=(297.0, 420.0), samples=1)
    assert to_svg_string(again) == to_svg_string(sheet)


# --- with stand-in panels: layout, pens, seed and the command ------------------------------------
def _stand_in(title: str, calls: list):
    def draw(seed, size, pens, samples):
        calls.append((title, seed, size, samples))
        builder = Plan.builder(size)
        builder.add([(0, 0), (size[0] / 2, size[1] / 2)], Pen("black", "#000000", 0.5))  # a pen the sheet lacks
        builder.add([(1, 1), (2, 1)], Pen("crimson", "#d01020"))
        return builder.build()

    return history.Panel(title.lower(), title, draw)


@pytest.fixture
def calls(monkeypatch) -> list:
    made: list = []
    monkeypatch.setattr(history, "PANELS", tuple(_stand_in(t, made) for t in TITLES))
    return made


@pytest.mark.parametrize(("page", "rows"), [((297.0, 420.0), [2, 2, 1]), ((420.0, 297.0), [3, 2]),
                                           ((148.0, 210.0), [2, 2, 1])])
def test_panels_fill_rows_of_two_on_portrait_pages_and_three_on_landscape_each_row_centred(calls, page, rows):
    plan = history.paint(seed=9, page=page, samples=3)
    boxes = [p["drawing_mm"] for p in plan.metadata["panels"]]
    tops = sorted({round(box[1], 6) for box in boxes})
    assert [sum(round(box[1], 6) == top for box in boxes) for top in tops] == rows
    for top in tops:
        row = [box for box in boxes if round(box[1], 6) == top]
        assert (row[0][0] + row[-1][2]) / 2 == pytest.approx(page[0] / 2)
    assert all(seed == 9 and samples == 3 for _, seed, _, samples in calls)
    assert all(_inside(box, [0, 0, *page]) for box in boxes)


def test_each_panel_is_scaled_into_its_cell_keeping_its_aspect(calls):
    plan = history.paint(seed=1, samples=1)
    for panel, (_, _, size, _) in zip(plan.metadata["panels"], calls, strict=True):
        x0, y0, x1, y1 = panel["drawing_mm"]
        assert (x1 - x0, y1 - y0) == pytest.approx(size, abs=1e-3)  # drawn for the cell's own shape
    diagonals = [p for _, p in plan.iter_paths() if len(p) == 2 and (np.abs(p[1] - p[0]) > 10).all()]
    diagonals.sort(key=lambda p: (p[:, 1].min(), p[:, 0].min()))  # sorting may have reordered the strokes
    for path, panel in zip(diagonals, plan.metadata["panels"], strict=True):
        x0, y0, x1, y1 = panel["drawing_mm"]
        dx, dy = np.abs(path[1] - path[0])
        assert dy / dx == pytest.approx((y1 - y0) / (x1 - x0), rel=1e-6)


def test_panel_pens_go_to_the_sheet_pen_of_the_same_name_else_the_nearest_colour(calls):
    pens = (Pen("black", "#1b1b1b", 0.3), Pen("red", "#c0392b", 0.5), Pen("blue", "#1f4e9c"))
    plan = history.paint(seed=1, samples=1, pens=pens)
    assert [layer.pen for layer in plan.layers] == list(pens[:2])  # blue drew nothing: no empty layer
    assert len(plan.layer("red").paths) == 5  # each panel's crimson stroke
    assert plan.metadata["params"]["pens"][1] == {"name": "red", "color": "#c0392b", "width_mm": 0.5}


@pytest.mark.parametrize(("options", "message"), [
    ({"seed": -1}, "history: seed -1 must be a whole number >= 0"),
    ({"samples": 0}, "history: samples 0 must be a whole number >= 1"),
    ({"page": (40.0, 40.0)}, "history: a 40 x 40 mm page is too small for 5 panels"),
    ({"pens": (Pen("a"), Pen("a", "#ff0000"))}, "history: two pens share a name"),
])
def test_impossible_sheets_are_refused(calls, options, message):
    with pytest.raises(history.PlanError, match=message):
        history.paint(**options)


def test_the_command_writes_the_sheet_and_its_redraw_command_writes_it_again(calls, tmp_path, capsys):
    out = tmp_path / "history.svg"
    assert main(["paint", "history", "--seed", "4", "--page", "a4", "--samples", "2", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert re.fullmatch(r"wrote .*history.svg: 5 panels, \d+ strokes, pen-down .*, est. plot time [\d:]+, "
                        r"in \d+\.\d\d s\n", err)
    first = out.read_bytes()
    command = json.loads(re.search(rb"<plotter:plan>(.*)</plotter:plan>", first).group(1))["command"]
    assert command == f"plotter paint history --seed 4 --page 210x297mm --samples 2 -o {shlex.quote(str(out))}"
    out.unlink()
    assert main(shlex.split(command)[1:]) == 0
    assert out.read_bytes() == first


@pytest.mark.parametrize(("args", "message"), [(["--seed", "-1"], "Invalid value for '--seed'"),
                                               (["--samples", "0"], "Invalid value for '--samples'"),
                                               (["--page", "40x40mm"], "plotter: error: history: a 40 x 40 mm page")])
def test_the_command_refuses_bad_input_with_exit_2(calls, tmp_path, capsys, args, message):
    assert main(["paint", "history", *args, "-o", str(tmp_path / "x.svg")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "x.svg").exists()
