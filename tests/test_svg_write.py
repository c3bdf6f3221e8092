"""SVG out: Inkscape layers per pen, mm page, metadata, travel overlay, atomic writes."""

from __future__ import annotations

import json
import os
from xml.etree import ElementTree

import numpy as np
import pytest
import svgelements

from plotter import Pen, Plan, SvgError
from plotter.svg.writer import path_data, write

SVG = "{http://www.w3.org/2000/svg}"
INKSCAPE = "{http://www.inkscape.org/namespaces/inkscape}"
PLOTTER = "{urn:plotter:plan:1}"


def two_pen_plan() -> Plan:
    builder = Plan.builder("a5", {"generator": "test", "seed": 42, "params": {"n": 3, "name": "<&>"}})
    builder.add([(10, 10), (50, 10), (50, 40)], pen=Pen("black", "#000000", 0.3))
    builder.add_closed([(60, 60), (80, 60), (80, 80)], pen=Pen("red ink", "#cc0000", 0.7))
    builder.add([(5, 5)], pen="black")
    return builder.build()


def layers_of(root: ElementTree.Element) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get(f"{INKSCAPE}groupmode") == "layer"]


def test_page_is_in_mm_with_a_mm_viewbox(tmp_path):
    write(two_pen_plan(), tmp_path / "out.svg")
    root = ElementTree.parse(tmp_path / "out.svg").getroot()
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("148mm", "210mm", "0 0 148 210")


def test_one_inkscape_layer_per_pen_with_colour_and_width(tmp_path):
    write(two_pen_plan(), tmp_path / "out.svg")
    layers = layers_of(ElementTree.parse(tmp_path / "out.svg").getroot())
    assert [(g.get(f"{INKSCAPE}label"), g.get("stroke"), g.get("stroke-width")) for g in layers] == [
        ("black", "#000000", "0.3"),
        ("red ink", "#cc0000", "0.7"),
    ]
    assert all(g.get("fill") == "none" for g in layers)
    assert [len(g.findall(f"{SVG}path")) for g in layers] == [2, 1]


def test_metadata_holds_generator_seed_and_parameters(tmp_path):
    write(two_pen_plan(), tmp_path / "out.svg")
    root = ElementTree.parse(tmp_path / "out.svg").getroot()
    record = root.find(f"{SVG}metadata/{PLOTTER}plan")
    assert json.loads(record.text) == {"generator": "test", "seed": 42, "params": {"n": 3, "name": "<&>"}}


def test_travel_overlay_is_a_separate_unplotted_layer(tmp_path):
    write(two_pen_plan(), tmp_path / "out.svg", travel=True)
    layers = layers_of(ElementTree.parse(tmp_path / "out.svg").getroot())
    overlay = layers[-1]
    assert overlay.get(f"{PLOTTER}role") == "travel"
    assert overlay.get(f"{INKSCAPE}label").startswith("%")  # AxiDraw: '%' layers are not plotted
    # origin -> path 1 -> path 2 -> path 3 -> origin: four pen-up moves
    assert len(overlay.findall(f"{SVG}line")) == 4


def test_geometry_survives_a_foreign_parser(tmp_path):
    """svgelements (what Inkscape-like consumers and vpype use) sees the same coordinates in mm."""
    plan = two_pen_plan()
    write(plan, tmp_path / "out.svg")
    document = svgelements.SVG.parse(str(tmp_path / "out.svg"), ppi=25.4)  # 1 user unit = 1 mm
    paths = [e for e in document.elements() if isinstance(e, svgelements.Path)]
    assert len(paths) == 3
    first = paths[0]
    ends = [(segment.end.x, segment.end.y) for segment in first]
    np.testing.assert_allclose(ends, [(10, 10), (50, 10), (50, 40)], rtol=1e-5)
    closed = paths[2]
    assert closed.length() == pytest.approx(20 + 20 + np.hypot(20, 20), rel=1e-5)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([[0, 0], [1.23456, 2]], "M0.0,0.0 1.235,2.0"),
        ([[0, 0], [1, 0], [1, 1], [0, 0]], "M0.0,0.0 1.0,0.0 1.0,1.0Z"),
        ([[3, 4]], "M3.0,4.0 l0,0"),
    ],
)
def test_path_data(points, expected):
    assert path_data(np.array(points, dtype=float)) == expected


def test_a_failed_write_leaves_no_file_behind(tmp_path):
    plan = Plan((10, 10), metadata={"not json": object()})
    with pytest.raises(SvgError, match="metadata"):
        write(plan, tmp_path / "out.svg")
    assert os.listdir(tmp_path) == []


def test_writing_into_a_missing_folder_names_the_file(tmp_path):
    with pytest.raises(SvgError, match="missing/out.svg: cannot write"):
        write(two_pen_plan(), tmp_path / "missing" / "out.svg")


def test_same_plan_gives_the_same_bytes(tmp_path):
    write(two_pen_plan(), tmp_path / "a.svg")
    write(two_pen_plan(), tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
