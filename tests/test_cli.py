"""The ``plotter`` command end to end: what a user types, what lands on disk, what is printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from plotter import svg
from plotter.cli import main
from plotter.geometry import path_lengths

# Lines in a deliberately bad order, as an Illustrator-style file (px units, no Inkscape layers,
# CSS classes, a transform): nothing our own writer made.
FOREIGN_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" id="Layer_1" data-name="Layer 1" viewBox="0 0 800 600"
     width="800px" height="600px">
  <defs><style>.cls-1{{fill:none;stroke:#1d1d1b;stroke-width:2px;}}</style></defs>
  <g transform="translate(10 10)">
{lines}
  </g>
</svg>
"""


def foreign_svg(folder: Path, count: int = 60, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(count):
        x, y = rng.uniform(50, 500, 2)
        dx, dy = rng.uniform(-40, 40, 2)
        lines.append(f'    <path class="cls-1" d="M{x:.2f},{y:.2f} l{dx:.2f},{dy:.2f} l10,0"/>')
    path = folder / "foreign.svg"
    path.write_text(FOREIGN_SVG.format(lines="\n".join(lines)))
    return path


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def pen_down(path: Path) -> float:
    return float(sum(path_lengths(layer.paths).sum() for layer in svg.read(path).layers))


def test_optimize_keeps_every_segment_and_cuts_travel(tmp_path, capsys):
    source = foreign_svg(tmp_path)
    code, _, err = run(["optimize", str(source), "-o", str(tmp_path / "out.svg")], capsys)
    assert code == 0, err
    assert pen_down(tmp_path / "out.svg") == pytest.approx(pen_down(source), rel=1e-3)
    before = json.loads(_stats_json(source, capsys))["pen_up_mm"]
    after = json.loads(_stats_json(tmp_path / "out.svg", capsys))["pen_up_mm"]
    assert after < 0.5 * before
    assert "wrote" in err and "pen-up" in err


def _stats_json(path: Path, capsys) -> str:
    code, out, err = run(["stats", str(path), "--json"], capsys)
    assert code == 0, err
    return out


def test_optimize_refuses_a_drawing_off_its_page_unless_told(tmp_path, capsys):
    source = tmp_path / "wide.svg"
    source.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" viewBox="0 0 100 50">'
                      '<path d="M10 10 L 112.5 20"/></svg>')
    code, _, err = run(["optimize", str(source), "-o", str(tmp_path / "out.svg")], capsys)
    assert code == 2 and "12.5 mm on the right" in err and "--fit" in err
    assert not (tmp_path / "out.svg").exists()
    code, _, err = run(["optimize", str(source), "-o", str(tmp_path / "out.svg"), "--clip"], capsys)
    assert code == 0, err
    assert svg.read(tmp_path / "out.svg").bounds()[2] == pytest.approx(100)


def test_stats_json_has_the_documented_keys(tmp_path, capsys):
    data = json.loads(_stats_json(foreign_svg(tmp_path), capsys))
    assert {"paths", "pen_down_mm", "pen_up_mm", "time_s", "layers"} <= data.keys()
    assert data["paths"] == 60
    assert {"name", "paths", "pen_down_mm"} <= data["layers"][0].keys()
    assert data["time_s"] > data["pen_down_mm"] / (3000 / 60)  # never faster than length / feed


def test_stats_table_is_readable(tmp_path, capsys):
    code, out, _ = run(["stats", str(foreign_svg(tmp_path))], capsys)
    assert code == 0 and "60" in out


def test_optimize_fit_places_the_drawing_inside_the_margins(tmp_path, capsys):
    source = foreign_svg(tmp_path)
    code, _, err = run(["optimize", str(source), "-o", str(tmp_path / "fit.svg"), "--fit", "a5", "--margin", "1cm"],
                       capsys)
    assert code == 0, err
    plan = svg.read(tmp_path / "fit.svg")
    xmin, ymin, xmax, ymax = plan.bounds()
    assert plan.page_mm == pytest.approx((148, 210))
    assert xmin >= 10 - 1e-6 and ymin >= 10 - 1e-6 and xmax <= 138 + 1e-6 and ymax <= 200 + 1e-6


def test_preview_writes_png_and_replay(tmp_path, capsys):
    source = foreign_svg(tmp_path)
    png, html = tmp_path / "p.png", tmp_path / "p.html"
    code, _, err = run(["preview", str(source), "-o", str(png), "--dpi", "50", "--travel", "--animate", str(html)],
                       capsys)
    assert code == 0, err
    with Image.open(png) as image:
        assert image.size == (round(800 * 25.4 / 96 / 25.4 * 50), round(600 * 25.4 / 96 / 25.4 * 50))
    assert html.read_text().lstrip().lower().startswith("<!doctype html")


def test_demo_writes_svg_png_and_replay(tmp_path, capsys):
    code, _, err = run(["demo", "--out", str(tmp_path / "demo")], capsys)
    assert code == 0, err
    assert {p.name for p in (tmp_path / "demo").iterdir()} == {"piece.svg", "piece.png", "piece.html", "plotted.png",
                                                              "piece.plotjob"}
    piece = svg.read(tmp_path / "demo" / "piece.svg")
    assert piece.metadata["generator"] == "aaron"
    assert [layer.name for layer in piece.layers] and len(piece.layers) <= 3
    assert f"plotted {piece.path_count} strokes on the simulated grbl-servo" in err


BAD_INPUTS = {
    "not-xml.svg": ("this is not xml <<<", "not"),
    "not-svg.svg": ('<?xml version="1.0"?><html><body/></html>', "not an SVG"),
    "empty.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm"/>', "no drawable"),
    "broken-d.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm">'
                     '<path id="p1" d="M 0 0 L 5 5 Q x"/></svg>', "p1"),
    "zero-page.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="0mm" height="10mm">'
                      '<path d="M0 0 L 5 5"/></svg>', "page"),
    "nan.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm" viewBox="0 0 10 10">'
                '<path d="M0 0 L NaN 5"/></svg>', ""),
    "unknown-unit.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="10furlongs" height="10mm">'
                         '<path d="M0 0 L 5 5"/></svg>', "furlongs"),
}


@pytest.mark.parametrize("command", ["optimize", "stats", "preview"])
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_exit_2_and_no_output(tmp_path, capsys, command, name):
    text, word = BAD_INPUTS[name]
    source = tmp_path / name
    source.write_text(text)
    output = tmp_path / ("out.png" if command == "preview" else "out.svg")
    args = [command, str(source)] + ([] if command == "stats" else ["-o", str(output)])
    code, out, err = run(args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert name in lines[0] and word.lower() in lines[0].lower()
    assert "Traceback" not in err
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_missing_file_is_named(tmp_path, capsys):
    code, _, err = run(["stats", str(tmp_path / "nope.svg")], capsys)
    assert code == 2 and "nope.svg" in err and "Traceback" not in err


@pytest.mark.parametrize(("args", "word"), [(["optimize", "x.svg", "-o", "y.svg", "--merge", "3parsecs"], "parsecs"),
                                            (["optimize", "x.svg", "-o", "y.svg", "--fit", "a99"], "a99"),
                                            (["preview", "x.svg"], "nothing to do")])
def test_bad_options_are_usage_errors(args, word, capsys):
    code, _, err = run(args, capsys)
    assert code == 2 and word in err


@pytest.mark.parametrize("command", ["optimize", "stats", "preview", "demo"])
def test_every_command_has_help_with_examples(command, capsys):
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0 and "Example" in out


def test_the_installed_command_exits_2_without_traceback(tmp_path):
    source = tmp_path / "bad.svg"
    source.write_text("garbage")
    result = subprocess.run([sys.executable, "-m", "plotter", "stats", str(source)], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "bad.svg" in result.stderr and "Traceback" not in result.stderr


FIXTURES = sorted((Path(__file__).parent / "fixtures" / "svg").glob("*.svg"))


@pytest.mark.parametrize("source", FIXTURES, ids=[p.name for p in FIXTURES])
def test_optimize_keeps_the_drawing_of_files_from_other_tools(tmp_path, capsys, source):
    """Inkscape, Illustrator, vpype and browser files: same pen-down length, no more travel."""
    code, _, err = run(["optimize", str(source), "-o", str(tmp_path / "out.svg")], capsys)
    assert code == 0, err
    assert pen_down(tmp_path / "out.svg") == pytest.approx(pen_down(source), rel=1e-3)
    before = json.loads(_stats_json(source, capsys))
    after = json.loads(_stats_json(tmp_path / "out.svg", capsys))
    assert after["pen_up_mm"] <= before["pen_up_mm"] + 1e-6
    assert [layer["name"] for layer in after["layers"]] == [layer["name"] for layer in before["layers"]]
