"""plotter.svg.read: any SVG a user brings, as a Plan in mm, y down, from the page's top-left."""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter import Pen, Plan, SvgError
from plotter.geometry import path_lengths
from plotter.svg import read, reader, write

FIXTURES = Path(__file__).parent / "fixtures" / "svg"
PX = 25.4 / 96  # mm per CSS pixel
NAMESPACES = (
    'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:plotter="urn:plotter:plan:1"'
)


def svg_file(tmp_path: Path, body: str, size: str = 'width="100mm" height="100mm" viewBox="0 0 100 100"') -> Path:
    """A file whose user unit is 1 mm unless ``size`` says otherwise."""
    path = tmp_path / "drawing.svg"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<svg {NAMESPACES} {size}>\n{body}\n</svg>\n')
    return path


def paths_of(plan: Plan) -> list[np.ndarray]:
    return [path for _, path in plan.iter_paths()]


def only_path(plan: Plan) -> np.ndarray:
    (path,) = paths_of(plan)
    return path


def length_mm(paths: list[np.ndarray]) -> float:
    return float(path_lengths(paths).sum())


def max_deviation(samples: np.ndarray, polyline: np.ndarray) -> float:
    """The largest distance from any sample point to the nearest point of ``polyline``."""
    if len(polyline) == 1:  # a curve that never leaves its start is a dot
        return float(np.hypot(*(samples - polyline[0]).T).max())
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    t = np.einsum("mnk,nk->mn", samples[:, None, :] - a[None], ab) / np.maximum((ab * ab).sum(axis=1), 1e-300)
    nearest = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
    return float(np.hypot(*(samples[:, None, :] - nearest).transpose(2, 0, 1)).min(axis=1).max())


def bezier(controls: list[tuple[float, float]], count: int = 2001) -> np.ndarray:
    """Dense samples of a Bézier curve, by de Casteljau, for checking against the reader's polyline."""
    t = np.linspace(0.0, 1.0, count)[:, None]
    points = [np.asarray(c, dtype=float)[None] for c in controls]
    while len(points) > 1:
        points = [(1 - t) * p + t * q for p, q in zip(points[:-1], points[1:], strict=True)]
    return points[0]


# --- straight geometry: every element and path command, to the exact mm -----------------------
SHAPES = [
    ('<rect x="10" y="20" width="30" height="40"/>', [[10, 20], [40, 20], [40, 60], [10, 60], [10, 20]]),
    ('<line x1="1" y1="2" x2="3" y2="4"/>', [[1, 2], [3, 4]]),
    ('<polyline points="1,2 3,4 5,6"/>', [[1, 2], [3, 4], [5, 6]]),
    ('<polyline points="1 2,3 4\n 5 6 "/>', [[1, 2], [3, 4], [5, 6]]),
    ('<polygon points="0,0 10,0 10,10"/>', [[0, 0], [10, 0], [10, 10], [0, 0]]),
    ('<path d="M10 10 L20 10 L20 20 Z"/>', [[10, 10], [20, 10], [20, 20], [10, 10]]),
    ('<path d="m10 10 l10 0 0 10 z"/>', [[10, 10], [20, 10], [20, 20], [10, 10]]),
    ('<path d="M10 10 H20 V20 H10 Z"/>', [[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]),
    ('<path d="m10 10 h10 v10 h-10 z"/>', [[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]),
    ('<path d="M10 10 20 10 20 20"/>', [[10, 10], [20, 10], [20, 20]]),
    ('<path d="m10 10 10 0 0 10"/>', [[10, 10], [20, 10], [20, 20]]),
    ('<path d="M1.5.5L-1-2"/>', [[1.5, 0.5], [-1, -2]]),
    ('<path d="M1e1 2E0 L 3e+1,4"/>', [[10, 2], [30, 4]]),
    ('<path d="M10,10L20,10L10,10Z"/>', [[10, 10], [20, 10], [10, 10]]),
    ('<path d="M5 5 l0,0"/>', [[5, 5]]),  # a zero-length line is a dot, as our writer writes one
]


@pytest.mark.parametrize(("element", "expected"), SHAPES)
def test_straight_shapes_and_path_commands_land_on_exact_mm(tmp_path, element, expected):
    path = only_path(read(svg_file(tmp_path, element)))
    np.testing.assert_allclose(path, expected, atol=1e-12)
    assert not path.flags.writeable


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        ("M10,10L20,10M30,30L40,40", [[[10, 10], [20, 10]], [[30, 30], [40, 40]]]),
        ("M10 10 L20 10 Z L 15 20", [[[10, 10], [20, 10], [10, 10]], [[10, 10], [15, 20]]]),
        ("m10 10 10 0 z m 5 5 l 1 1", [[[10, 10], [20, 10], [10, 10]], [[15, 15], [16, 16]]]),
        ("M 5 5 M 10 10 L 20 20", [[[10, 10], [20, 20]]]),  # a lone moveto draws nothing
        ("M0 0 C 0 0 10 0 10 0 L 10 10", None),  # curves and lines mix in one subpath
    ],
)
def test_subpaths_split_at_moveto_and_continue_after_closepath(tmp_path, d, expected):
    paths = paths_of(read(svg_file(tmp_path, f'<path d="{d}"/>')))
    if expected is None:
        assert len(paths) == 1 and np.allclose(paths[0][-1], [10, 10]) and np.allclose(paths[0][0], [0, 0])
        return
    assert len(paths) == len(expected)
    for path, points in zip(paths, expected, strict=True):
        np.testing.assert_allclose(path, points, atol=1e-12)


def test_a_100px_rect_at_96_dpi_is_26_458_mm(tmp_path):
    plan = read(svg_file(tmp_path, '<rect x="0" y="0" width="100" height="100"/>', 'width="200px" height="200px"'))
    path = only_path(plan)
    assert plan.page_mm == pytest.approx((200 * PX, 200 * PX))
    assert path.max(axis=0) == pytest.approx([26.458333, 26.458333])


def test_rounded_rect_keeps_its_straight_sides_and_rounds_its_corners(tmp_path):
    path = only_path(read(svg_file(tmp_path, '<rect x="10" y="10" width="60" height="40" rx="5"/>'), tolerance_mm=0.01))
    assert path[0] == pytest.approx([15, 10])
    assert np.array_equal(path[0], path[-1])
    assert path.min(axis=0) == pytest.approx([10, 10]) and path.max(axis=0) == pytest.approx([70, 50])
    assert length_mm([path]) == pytest.approx(2 * 50 + 2 * 30 + 2 * math.pi * 5, rel=1e-4)
    corner = path[(path[:, 0] > 65) & (path[:, 1] < 15)]
    assert len(corner) >= 3 and np.hypot(*(corner - [65, 15]).T) == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("element", "centre", "radii"),
    [
        ('<circle cx="50" cy="40" r="20"/>', (50, 40), (20, 20)),
        ('<ellipse cx="50" cy="40" rx="30" ry="10"/>', (50, 40), (30, 10)),
        ('<circle cx="50%" cy="40" r="10%"/>', (50, 40), (10, 10)),  # % of sqrt((w² + h²) / 2)
    ],
)
def test_circle_and_ellipse_vertices_lie_on_the_curve_and_close(tmp_path, element, centre, radii):
    path = only_path(read(svg_file(tmp_path, element), tolerance_mm=0.05))
    u, v = (path - centre).T / np.asarray(radii)[:, None]
    assert np.hypot(u, v) == pytest.approx(np.ones(len(path)))
    assert np.array_equal(path[0], path[-1]) and len(path) > 16


# --- curves: within tolerance of the true curve, finer as the tolerance shrinks -----------------
CURVES = [
    ("M10 80 C 40 10, 65 10, 95 80", [[(10, 80), (40, 10), (65, 10), (95, 80)]]),
    ("m10 80 c 30 -70 55 -70 85 0", [[(10, 80), (40, 10), (65, 10), (95, 80)]]),
    (
        "M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80",
        [[(10, 80), (40, 10), (65, 10), (95, 80)], [(95, 80), (125, 150), (150, 150), (180, 80)]],
    ),
    (
        "M10 80 c 30 -70 55 -70 85 0 s 55 70 85 0",
        [[(10, 80), (40, 10), (65, 10), (95, 80)], [(95, 80), (125, 150), (150, 150), (180, 80)]],
    ),
    ("M10 80 Q 52.5 10, 95 80", [[(10, 80), (52.5, 10), (95, 80)]]),
    ("M10 80 Q 52.5 10, 95 80 T 180 80", [[(10, 80), (52.5, 10), (95, 80)], [(95, 80), (137.5, 150), (180, 80)]]),
    ("M10 80 q 42.5 -70 85 0 t 85 0", [[(10, 80), (52.5, 10), (95, 80)], [(95, 80), (137.5, 150), (180, 80)]]),
]


@pytest.mark.parametrize(("d", "beziers"), CURVES)
@pytest.mark.parametrize("tolerance_mm", [0.5, 0.1, 0.01])
def test_bezier_commands_stay_within_tolerance_of_the_true_curve(tmp_path, d, beziers, tolerance_mm):
    size = 'width="200mm" height="200mm" viewBox="0 0 200 200"'
    path = only_path(read(svg_file(tmp_path, f'<path d="{d}"/>', size), tolerance_mm=tolerance_mm))
    truth = np.concatenate([bezier(controls) for controls in beziers])
    assert max_deviation(truth, path) <= tolerance_mm
    assert path[0] == pytest.approx(beziers[0][0]) and path[-1] == pytest.approx(beziers[-1][-1])


@pytest.mark.parametrize(
    "d",
    ["M 30 50 A 20 20 0 0 1 70 50", "m 30 50 a 20 20 0 0 1 40 0", "M30,50A20,20,0,0,1,70,50", "M30 50A20 20 0 0170 50"],
)
def test_arc_vertices_lie_on_the_circle_and_chords_within_tolerance(tmp_path, d):
    path = only_path(read(svg_file(tmp_path, f'<path d="{d}"/>'), tolerance_mm=0.1))
    assert np.hypot(*(path - [50, 50]).T) == pytest.approx(np.full(len(path), 20.0))
    assert (path[:, 1] <= 50 + 1e-9).all()  # sweep-flag 1 from (30,50) goes over the top, through (50,30)
    midpoints = (path[1:] + path[:-1]) / 2
    assert (20 - np.hypot(*(midpoints - [50, 50]).T)).max() <= 0.1
    assert path[-1] == pytest.approx([70, 50])


def test_large_arc_flag_takes_the_long_way_round(tmp_path):
    short = only_path(read(svg_file(tmp_path, '<path d="M 50 30 A 20 20 0 0 1 70 50"/>')))
    long = only_path(read(svg_file(tmp_path, '<path d="M 50 30 A 20 20 0 1 0 70 50"/>')))
    assert length_mm([short]) == pytest.approx(math.pi * 10, rel=1e-2)
    assert length_mm([long]) == pytest.approx(math.pi * 30, rel=1e-2)


def test_rotated_ellipse_stays_within_tolerance_after_its_transform(tmp_path):
    body = '<ellipse cx="0" cy="0" rx="30" ry="10" transform="translate(50 50) rotate(30)"/>'
    path = only_path(read(svg_file(tmp_path, body), tolerance_mm=0.05))
    angle = np.radians(30)
    t = np.linspace(0, 2 * np.pi, 4000)
    ellipse = np.column_stack([30 * np.cos(t), 10 * np.sin(t)]) @ np.array(
        [[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]
    ) + [50, 50]
    assert max_deviation(ellipse, path) <= 0.05


def test_segment_count_grows_as_tolerance_shrinks_and_with_radius(tmp_path):
    file = svg_file(tmp_path, '<circle cx="50" cy="50" r="40"/>')
    counts = [len(only_path(read(file, tolerance_mm=tol))) for tol in (1.0, 0.1, 0.01, 0.001)]
    assert counts == sorted(counts) and len(set(counts)) == 4
    small = len(only_path(read(svg_file(tmp_path, '<circle cx="50" cy="50" r="4"/>'), tolerance_mm=0.01)))
    assert small < counts[2]  # a tighter curve of the same sweep needs fewer chords for the same error


def test_tolerance_is_measured_in_mm_after_scaling(tmp_path):
    body = '<g transform="scale(100)"><circle cx="0.5" cy="0.5" r="0.4"/></g>'
    path = only_path(read(svg_file(tmp_path, body), tolerance_mm=0.05))
    midpoints = (path[1:] + path[:-1]) / 2
    assert (40 - np.hypot(*(midpoints - [50, 50]).T)).max() <= 0.05
    assert np.hypot(*(path - [50, 50]).T) == pytest.approx(np.full(len(path), 40.0))


@settings(max_examples=60, deadline=None)
@given(
    controls=st.lists(st.tuples(st.floats(-500, 500), st.floats(-500, 500)), min_size=4, max_size=4),
    tolerance_mm=st.sampled_from([1.0, 0.3, 0.1, 0.02]),
)
def test_any_cubic_is_flattened_within_tolerance(tmp_path_factory, controls, tolerance_mm):
    tmp_path = tmp_path_factory.mktemp("cubic")
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = controls
    body = f'<path d="M{x0!r},{y0!r} C{x1!r},{y1!r} {x2!r},{y2!r} {x3!r},{y3!r}"/>'
    path = only_path(
        read(svg_file(tmp_path, body, 'width="10mm" height="10mm" viewBox="0 0 10 10"'), tolerance_mm=tolerance_mm)
    )
    assert max_deviation(bezier(controls, 1500), path) <= tolerance_mm * (1 + 1e-9) + 1e-9


# --- transforms, units and viewBoxes -------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<g transform="translate(10,20)"><g transform="scale(2)"><path d="M1 1 L2 1"/></g></g>', [[12, 22], [14, 22]]),
        ('<g transform="rotate(90)"><path d="M10 0 L20 0"/></g>', [[0, 10], [0, 20]]),
        ('<g transform="rotate(90 50 50)"><path d="M60 50 L70 50"/></g>', [[50, 60], [50, 70]]),
        ('<g transform="matrix(1 0 0 1 5 5)"><path d="M0 0 L1 0"/></g>', [[5, 5], [6, 5]]),
        ('<g transform="skewX(45)"><path d="M0 0 L0 10"/></g>', [[0, 0], [10, 10]]),
        ('<g transform="translate(50)"><path transform="scale(2)" d="M1 1L2 2"/></g>', [[52, 2], [54, 4]]),
        ('<g transform="translate(10 10) rotate(90)"><path d="M0 0 L5 0"/></g>', [[10, 10], [10, 15]]),
        ('<g transform="scale(2, 3)"><g transform="translate(1,1)"><line x2="1"/></g></g>', [[2, 3], [4, 3]]),
        (
            '<svg x="10" y="10" width="20" height="20" viewBox="0 0 2 2"><path d="M0 0 L2 2"/></svg>',
            [[10, 10], [30, 30]],
        ),
    ],
)
def test_nested_transforms_compose_outer_to_inner(tmp_path, body, expected):
    np.testing.assert_allclose(only_path(read(svg_file(tmp_path, body))), expected, atol=1e-9)


def test_stroke_width_becomes_the_pen_width_in_mm_after_transforms(tmp_path):
    body = '<g transform="scale(3)"><path stroke="red" stroke-width="0.5" d="M0 0 L1 1"/></g>'
    plan = read(svg_file(tmp_path, body, 'width="200mm" height="200mm" viewBox="0 0 100 100"'))
    assert plan.layers[0].pen == Pen("#ff0000", "#ff0000", 3.0)


@pytest.mark.parametrize(
    ("width", "mm"),
    [
        ("100mm", 100),
        ("10cm", 100),
        ("2in", 50.8),
        ("72pt", 25.4),
        ("6pc", 25.4),
        ("96px", 25.4),
        ("96", 25.4),
        ("100q", 25),
        (" 1e2mm ", 100),
    ],
)
def test_page_units_convert_to_mm_and_the_viewbox_fills_the_page(tmp_path, width, mm):
    plan = read(svg_file(tmp_path, '<path d="M0 0 L10 10"/>', f'width="{width}" height="{width}" viewBox="0 0 10 10"'))
    assert plan.page_mm == pytest.approx((mm, mm))
    np.testing.assert_allclose(only_path(plan), [[0, 0], [mm, mm]], atol=1e-9)


@pytest.mark.parametrize(
    ("size", "page", "expected"),
    [
        ('width="200mm" height="100mm" viewBox="0 0 20 10"', (200, 100), [[0, 0], [50, 50]]),
        ('width="20mm" height="20mm" viewBox="-10 -10 20 20"', (20, 20), [[10, 10], [15, 15]]),
        ('width="200mm" height="100mm" viewBox="0 0 10 10"', (200, 100), [[50, 0], [100, 50]]),  # meet, centred
        (
            'width="200mm" height="100mm" viewBox="0 0 10 10" preserveAspectRatio="none"',
            (200, 100),
            [[0, 0], [100, 50]],
        ),
        (
            'width="200mm" height="100mm" viewBox="0 0 10 10" preserveAspectRatio="xMinYMin meet"',
            (200, 100),
            [[0, 0], [50, 50]],
        ),
        ('viewBox="0 0 96 48"', (25.4, 12.7), [[0, 0], [5 * PX, 5 * PX]]),
        ('width="100%" height="100%" viewBox="0 0 96 48"', (25.4, 12.7), [[0, 0], [5 * PX, 5 * PX]]),
        ('width="100mm" viewBox="0 0 20 10"', (100, 50), [[0, 0], [25, 25]]),
        ('height="50mm" viewBox="0 0 20 10"', (100, 50), [[0, 0], [25, 25]]),
        ("", (5 * PX, 5 * PX), [[0, 0], [5 * PX, 5 * PX]]),  # nothing: px, page to the drawing's far corner
    ],
)
def test_viewbox_maps_user_units_onto_the_page(tmp_path, size, page, expected):
    plan = read(svg_file(tmp_path, '<path d="M0 0 L5 5"/>', size))
    assert plan.page_mm == pytest.approx(page)
    np.testing.assert_allclose(only_path(plan), expected, atol=1e-9)


# --- layers and pens ------------------------------------------------------------------------------
def test_inkscape_layers_by_label_with_sublayers_merged_and_hidden_ones_skipped():
    plan = read(FIXTURES / "inkscape_layers.svg", tolerance_mm=0.001)
    assert plan.page_mm == (210.0, 297.0)
    assert [layer.pen for layer in plan.layers] == [
        Pen("Outline", "#000000", 0.5),
        Pen("Colour", "#d40000", 0.8),
        Pen("#0000ff", "#0000ff", 0.25),  # the one path outside any layer
    ]
    rounded_rect = 2 * 90 + 2 * 40 + 2 * math.pi * 5
    triangle = 100 + 20 + math.hypot(50, 30) + math.hypot(50, 50)
    circle = 2 * math.pi * 15  # from the "Details" sub-layer
    lengths = [length_mm(layer.paths) for layer in plan.layers]
    assert lengths == pytest.approx([rounded_rect + triangle + circle, math.pi * 20 + 100, 10], rel=1e-5)
    np.testing.assert_allclose(plan.layer("Colour").paths[1], [[40, 260], [140, 260]])  # the layer's translate(10,0)


def test_vpype_files_read_with_vpypes_own_layers_and_lengths():
    single = read(FIXTURES / "vpype_random.svg")
    assert [(layer.name, layer.pen.color, len(layer.paths)) for layer in single.layers] == [("1", "#0000ff", 50)]
    assert length_mm(paths_of(single)) == pytest.approx(270.8565, abs=1e-3)  # vpype's own length, in mm
    assert single.page_mm == pytest.approx((9.7656263, 9.8541444))
    multi = read(FIXTURES / "vpype_multilayer.svg", tolerance_mm=0.01)
    assert [(layer.name, layer.pen.color, len(layer.paths)) for layer in multi.layers] == [
        ("1", "#0000ff", 20),
        ("2", "#008800", 30),
        ("3", "#ff0000", 2),
    ]
    assert [length_mm(layer.paths) for layer in multi.layers] == pytest.approx([90.2006, 839.9658, 225.6508], abs=1e-3)
    assert multi.page_mm == pytest.approx((148.0, 210.0), abs=1e-3)


def test_illustrator_save_as_layers_are_named_from_their_decoded_ids():
    plan = read(FIXTURES / "illustrator_cs6.svg", tolerance_mm=0.001)
    assert plan.page_mm == pytest.approx((288 * PX, 288 * PX))
    assert [layer.pen for layer in plan.layers] == [
        Pen("Frame", "#000000", 0.3),
        Pen("10%_Hatch", "#ed1c24", round(2 * PX, 6)),
        Pen("Dots", "#2e3192", 0.3),
    ]
    hatch = 2 * 180 + 2 * math.hypot(90, 36)
    dots = 2 * (2 * math.pi * 9)  # a circle and Illustrator's four-cubic circle
    lengths = [length_mm(layer.paths) / PX for layer in plan.layers]
    assert lengths == pytest.approx([4 * 216, hatch, dots], rel=1e-3)


def test_illustrator_export_layers_use_data_name_and_css_classes():
    plan = read(FIXTURES / "illustrator_export.svg", tolerance_mm=0.001)
    assert plan.page_mm == pytest.approx((200 * PX, 100 * PX))
    assert [layer.pen for layer in plan.layers] == [
        Pen("Outline", "#231f20", 0.3),
        Pen("Red Waves", "#ed1c24", round(2 * PX, 6)),
        Pen("Dots", "#2e3192", 0.3),
    ]
    lengths = [length_mm(layer.paths) / PX for layer in plan.layers]
    assert lengths == pytest.approx([520, 4 * 50 + 160, 2 * math.pi * 3], rel=1e-3)


def test_browser_d3_chart_splits_by_colour_through_css_and_current_color():
    plan = read(FIXTURES / "d3_chart.svg", tolerance_mm=0.001)
    assert plan.page_mm == pytest.approx((480 * PX, 300 * PX))
    assert [(layer.pen, len(layer.paths)) for layer in plan.layers] == [
        (Pen("#d3d3d3", "#d3d3d3", 0.3), 3),  # .grid line: lightgrey
        (Pen("#000000", "#000000", 0.3), 10),  # axes: currentColor and ".x-axis path"
        (Pen("#4682b4", "#4682b4", round(1.5 * PX, 6)), 1),  # .line: steelblue, not @media print's black
        (Pen("#ff7f0e", "#ff7f0e", 0.3), 8),  # .dot: filled, not stroked
    ]
    line = sum(math.hypot(60, dy) for dy in (-50, 20, -80, 20, -70, 20, -40))
    lengths = [length_mm(layer.paths) / PX for layer in plan.layers]
    assert lengths == pytest.approx([3 * 420, 431 + 273 + 8 * 6, line, 8 * 2 * math.pi * 3.5], rel=1e-3)
    assert plan.layers[2].paths[0][0] == pytest.approx(np.array([40, 220]) * PX)


@pytest.mark.parametrize(
    ("style", "colour"),
    [
        ('stroke="red"', "#ff0000"),
        ('stroke="#0F0"', "#00ff00"),
        ('stroke="rgb(0, 0, 255)"', "#0000ff"),
        ('style="stroke: steelblue"', "#4682b4"),
        ('stroke="currentColor" color="#123456"', "#123456"),
        ('stroke="none" fill="orange"', "#ffa500"),
        ('fill="none"', "#000000"),
        ("", "#000000"),  # SVG's default fill is black
        ('stroke="url(#gradient)"', "#000000"),
    ],
)
def test_loose_elements_split_into_layers_by_stroke_then_fill_colour(tmp_path, style, colour):
    plan = read(svg_file(tmp_path, f'<path {style} d="M0 0 L1 1"/>'))
    assert (plan.layers[0].name, plan.layers[0].pen.color) == (colour, colour)


def test_colour_layers_keep_document_order_of_first_appearance(tmp_path):
    body = "".join(f'<path stroke="{c}" d="M{i} 0 L{i} 1"/>' for i, c in enumerate(["red", "blue", "red", "green"]))
    plan = read(svg_file(tmp_path, body))
    assert [(layer.name, len(layer.paths)) for layer in plan.layers] == [("#ff0000", 2), ("#0000ff", 1), ("#008000", 1)]


def test_a_layers_pen_takes_its_most_common_colour_and_width(tmp_path):
    body = (
        '<g inkscape:groupmode="layer" inkscape:label="mixed">'
        '<path stroke="red" stroke-width="0.2" d="M0 0 L1 1"/><path stroke="blue" stroke-width="0.7" d="M0 0 L1 1"/>'
        '<path stroke="blue" stroke-width="0.7" d="M0 0 L1 1"/></g>'
    )
    assert read(svg_file(tmp_path, body)).layers[0].pen == Pen("mixed", "#0000ff", 0.7)


def test_layer_names_are_made_unique(tmp_path):
    layer = '<g inkscape:groupmode="layer" inkscape:label="{}"><path d="M0 0 L1 1"/></g>'
    body = layer.format("A") + layer.format("A") + layer.format("") + layer.format("#000000") + '<path d="M0 0 L1 1"/>'
    names = [layer.name for layer in read(svg_file(tmp_path, body)).layers]
    assert names == ["A", "A (2)", "layer 3", "#000000", "#000000 (2)"]


@pytest.mark.parametrize(
    ("group", "name"),
    [
        ('id="layer1"', "layer1"),
        ('id="Layer_2"', "Layer_2"),
        ('id="L1" data-name="Layer 1"', "Layer 1"),
        ('id="chart"', None),
    ],
)
def test_top_level_groups_that_look_like_layers_become_layers(tmp_path, group, name):
    plan = read(svg_file(tmp_path, f'<g {group}><path stroke="red" d="M0 0 L1 1"/></g>'))
    assert plan.layers[0].name == (name or "#ff0000")


@pytest.mark.parametrize(
    ("css", "attributes", "colour"),
    [
        ("path { stroke: red }", "", "#ff0000"),
        (".a { stroke: blue } path { stroke: red }", 'class="a"', "#0000ff"),  # specificity, not order
        ("#p { stroke: green } .a.b { stroke: blue }", 'class="a b"', "#008000"),
        (".a { stroke: blue } .a { stroke: red }", 'class="a"', "#ff0000"),  # equal specificity: later wins
        (".a { stroke: blue }", 'class="a" stroke="red"', "#0000ff"),  # CSS beats presentation attributes
        (".a { stroke: blue !important }", 'class="a" style="stroke: red"', "#ff0000"),  # style attribute wins
        ("g.outer .a { stroke: blue }", 'class="a"', "#0000ff"),  # descendant of <g class="outer">
        ("g.other .a { stroke: blue }", 'class="a"', "#000000"),
        (".x, path.a { stroke: blue }", 'class="a"', "#0000ff"),
        ("/* .a { stroke: blue } */", 'class="a"', "#000000"),
        (".outer > .a { stroke: blue }", 'class="a"', "#000000"),  # unsupported combinator: never matches
        ("@import url(x.css); @media print { .a { stroke: blue } }", 'class="a"', "#000000"),
    ],
)
def test_style_sheets_cascade_by_specificity_then_order(tmp_path, css, attributes, colour):
    body = f'<style>{css}</style><g class="outer"><path id="p" {attributes} d="M0 0 L1 1"/></g>'
    assert read(svg_file(tmp_path, body)).layers[0].pen.color == colour


# --- what is not drawn ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "hidden",
    [
        '<path display="none" d="M0 0 L9 9"/>',
        '<path style="display:none" d="M0 0 L9 9"/>',
        '<g style="display: none"><g><path d="M0 0 L9 9"/></g></g>',
        '<path visibility="hidden" d="M0 0 L9 9"/>',
        '<g style="visibility:hidden"><path d="M0 0 L9 9"/></g>',
        '<defs><path d="M0 0 L9 9"/></defs>',
        '<symbol id="s"><path d="M0 0 L9 9"/></symbol>',
        '<clipPath id="c"><path d="M0 0 L9 9"/></clipPath>',
        '<mask id="m"><path d="M0 0 L9 9"/></mask>',
        '<marker id="k"><path d="M0 0 L9 9"/></marker>',
        '<pattern id="p"><path d="M0 0 L9 9"/></pattern>',
        '<text x="0" y="0">text</text><image href="x.png" width="5" height="5"/>',
        '<g plotter:role="travel" inkscape:groupmode="layer" inkscape:label="travel"><path d="M0 0 L9 9"/></g>',
        '<g inkscape:groupmode="layer" inkscape:label="% notes"><path d="M0 0 L9 9"/></g>',
        '<g inkscape:groupmode="layer" inkscape:label="a"><g inkscape:groupmode="layer" inkscape:label="%sub">'
        '<path d="M0 0 L9 9"/></g></g>',
        '<foreignObject><svg><path d="M0 0 L9 9"/></svg></foreignObject>',
    ],
)
def test_hidden_and_non_rendered_elements_are_not_drawn(tmp_path, hidden):
    plan = read(svg_file(tmp_path, hidden + '<path stroke="red" d="M1 1 L2 2"/>'))
    assert [len(layer.paths) for layer in plan.layers] == [1]
    np.testing.assert_allclose(only_path(plan), [[1, 1], [2, 2]])


def test_a_visible_child_of_a_hidden_group_is_drawn(tmp_path):
    body = '<g visibility="hidden"><path d="M0 0 L9 9"/><path visibility="visible" d="M1 1 L2 2"/></g>'
    np.testing.assert_allclose(only_path(read(svg_file(tmp_path, body))), [[1, 1], [2, 2]])


# --- <use> ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<defs><path id="p" d="M0 0 L10 0"/></defs><use href="#p" x="5" y="5"/>', [[5, 5], [15, 5]]),
        (
            '<defs><path id="p" d="M0 0 L10 0"/></defs><use xlink:href="#p" transform="translate(1 2)"/>',
            [[1, 2], [11, 2]],
        ),
        ('<defs><g id="g"><line x2="10"/></g></defs><use href="#g" transform="scale(2)" x="1"/>', [[2, 0], [22, 0]]),
        (
            '<defs><symbol id="s" viewBox="0 0 1 1"><path d="M0 0 L1 1"/></symbol></defs>'
            '<use href="#s" x="10" y="10" width="20" height="20"/>',
            [[10, 10], [30, 30]],
        ),
        ('<defs><path id="p" d="M0 0 L10 0"/></defs><use href="#p"/><use href="#missing"/>', [[0, 0], [10, 0]]),
    ],
)
def test_use_instantiates_its_reference_where_it_stands(tmp_path, body, expected):
    np.testing.assert_allclose(only_path(read(svg_file(tmp_path, body))), expected, atol=1e-9)


def test_use_passes_its_style_to_the_referenced_element(tmp_path):
    body = (
        '<defs><path id="plain" d="M0 0 L1 0"/><path id="own" stroke="blue" d="M0 0 L1 0"/></defs>'
        '<use href="#plain" stroke="red"/><use href="#own" stroke="red"/>'
    )
    assert [layer.name for layer in read(svg_file(tmp_path, body)).layers] == ["#ff0000", "#0000ff"]


def test_use_inside_a_layer_draws_into_that_layer(tmp_path):
    body = (
        '<defs><circle id="dot" r="1"/></defs>'
        '<g inkscape:groupmode="layer" inkscape:label="dots"><use href="#dot" x="5" y="5"/><use href="#dot" x="9"/></g>'
    )
    plan = read(svg_file(tmp_path, body))
    assert [(layer.name, len(layer.paths)) for layer in plan.layers] == [("dots", 2)]


# --- our own files: metadata, travel overlay, dots ---------------------------------------------------
def test_a_written_plan_reads_back_with_its_pens_paths_and_metadata(tmp_path):
    builder = Plan.builder("a5", {"generator": "test", "seed": 7, "params": {"n": [1, 2.5]}, "command": "x --seed 7"})
    builder.pen("red pen", "#ff0000", 0.5)
    builder.add([(10, 10), (20.125, 15), (30, 40)], pen="red pen")
    builder.add_closed([(50, 50), (60, 50), (60, 60)], pen="red pen")
    builder.add([(70, 70)], pen="black")
    plan = builder.build()
    write(plan, tmp_path / "out.svg", travel=True)
    again = read(tmp_path / "out.svg")
    assert again.page_mm == pytest.approx(plan.page_mm)
    assert [layer.pen for layer in again.layers] == [layer.pen for layer in plan.layers]
    assert dict(again.metadata) == dict(plan.metadata)
    for ours, theirs in zip(paths_of(plan), paths_of(again), strict=True):
        np.testing.assert_allclose(theirs, ours, atol=1e-3)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_unreadable_plan_metadata_is_ignored(tmp_path, text):
    body = f'<metadata><plotter:plan>{text}</plotter:plan></metadata><path d="M0 0 L1 1"/>'
    assert dict(read(svg_file(tmp_path, body)).metadata) == {}


def test_plan_metadata_json_becomes_the_plans_metadata(tmp_path):
    record = {"generator": "aaron", "seed": 3, "params": {"density": 0.5}}
    body = f"<metadata><plotter:plan>{json.dumps(record)}</plotter:plan></metadata><path d='M0 0 L1 1'/>"
    assert dict(read(svg_file(tmp_path, body)).metadata) == record


def test_gzipped_svgz_reads_like_the_svg(tmp_path):
    plain = svg_file(tmp_path, '<path d="M0 0 L1 1"/>')
    packed = tmp_path / "drawing.svgz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    np.testing.assert_allclose(only_path(read(packed)), [[0, 0], [1, 1]])


# --- bad input: one line naming the file and the problem ---------------------------------------------
BAD_FILES = [
    ("<svg", r"not well-formed XML at line 1, column \d+"),
    (
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n<path d="M0 0"</svg>',
        r"not well-formed XML at line 3",
    ),
    ("", "not well-formed XML"),
    ('<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', r"root element is <html>.*not an SVG"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm"/>', "no drawable paths"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="10mm" height="10mm"><text>hi</text></svg>', "no drawable paths"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_unreadable_files_raise_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad file.svg"
    path.write_text(content)
    with pytest.raises(SvgError, match=re.escape(str(path)) + ": .*" + message) as caught:
        read(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "size", "message"),
    [
        ('<path id="bad" d="M 0 0 L 10 foo"/>', None, r'<path id="bad"> has broken path data near \'foo\''),
        ('<path id="bad" d="M 0 0 L 10 10 Q 5"/>', None, r'<path id="bad"> has broken path data near the end'),
        ('<path d="M 0 0 C 1 1 2 2"/>', None, r"<path> \(shape #1, no id\) has broken path data"),
        ('<path id="a" d="M 0 0 L 1e 5"/>', None, "broken path data near"),
        ('<path id="a" d="M 0 0 L 10"/>', None, "odd number of coordinates"),
        ('<path id="a" d="L 10 10"/>', None, "does not start with a moveto"),
        ('<path id="a" d="M0 0 h"/>', None, "without a coordinate"),
        ('<polyline id="p" points="0,0 10,foo"/>', None, "unreadable points"),
        ('<polygon id="p" points="0,0 10,10 5"/>', None, "odd number of coordinates"),
        ('<path id="huge" d="M 0 0 L 1e999 0"/>', None, r'<path id="huge"> has a coordinate that is not a finite'),
        ('<g transform="scale(1e308)"><path id="p" d="M 0 0 L 1e10 0"/></g>', None, "not a finite number"),
        (
            '<g id="g" transform="matrix(1 2)"><path d="M0 0 L1 1"/></g>',
            None,
            r'<g id="g"> has an unreadable transform',
        ),
        ('<rect id="r" width="10furlongs" height="5"/>', None, "unknown unit 'furlongs'"),
        (
            '<path d="M0 0 L1 1"/>',
            'width="10furlongs" height="10mm"',
            r"<svg> has a width '10furlongs' with unknown unit",
        ),
        ('<path d="M0 0 L1 1"/>', 'width="0mm" height="10mm"', "page size must be positive"),
        ('<path d="M0 0 L1 1"/>', 'width="10mm" height="-3mm"', "page size must be positive"),
        ('<path d="M0 0 L1 1"/>', 'width="10mm" height="10mm" viewBox="0 0 0 10"', "zero or negative size"),
        ('<path d="M0 0 L1 1"/>', 'width="10mm" height="10mm" viewBox="0 0 10"', "unreadable viewBox"),
        ('<path d="M-5 -5 L-1 -1"/>', "", "cannot tell the page size"),
        ('<g id="loop"><use href="#loop"/></g>', None, "circular <use>"),
    ],
)
def test_broken_content_raises_naming_the_file_element_and_token(tmp_path, body, size, message):
    path = svg_file(tmp_path, body) if size is None else svg_file(tmp_path, body, size)
    with pytest.raises(SvgError, match=re.escape(str(path)) + ": .*" + message) as caught:
        read(path)
    assert "\n" not in str(caught.value)


def test_missing_file_and_directory_are_named(tmp_path):
    with pytest.raises(SvgError, match=re.escape(str(tmp_path / "nope.svg")) + ": no such file"):
        read(tmp_path / "nope.svg")
    with pytest.raises(SvgError, match=re.escape(str(tmp_path)) + ": cannot read the file"):
        read(tmp_path)


def test_files_over_the_size_limit_are_refused_before_parsing(tmp_path, monkeypatch):
    path = svg_file(tmp_path, '<path d="M0 0 L1 1"/>')
    monkeypatch.setattr(reader, "MAX_BYTES", 100)
    with pytest.raises(SvgError, match=re.escape(str(path)) + r": file is 0 MiB; SVG files over 0 MiB are refused"):
        read(path)
    packed = tmp_path / "bomb.svgz"
    packed.write_bytes(gzip.compress(b"<svg>" + b" " * 1000 + b"</svg>"))
    with pytest.raises(SvgError, match="inflates to over"):
        read(packed)


def test_corrupt_svgz_is_named(tmp_path):
    path = tmp_path / "broken.svgz"
    path.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(SvgError, match=re.escape(str(path)) + ": .*cannot be inflated"):
        read(path)


@pytest.mark.parametrize("tolerance_mm", [0, -1, float("nan"), float("inf")])
def test_tolerance_must_be_a_positive_number(tmp_path, tolerance_mm):
    with pytest.raises(SvgError, match="tolerance_mm must be a positive number"):
        read(svg_file(tmp_path, '<path d="M0 0 L1 1"/>'), tolerance_mm=tolerance_mm)


TOKENS = [
    "M",
    "m",
    "L",
    "l",
    "H",
    "h",
    "V",
    "v",
    "Z",
    "z",
    "C",
    "c",
    "Q",
    "q",
    "A",
    "a",
    "S",
    "T",
    ",",
    " ",
    "0",
    "1",
    "-2.5",
    ".5",
    "1e3",
    "e",
    "-",
    ".",
    "x",
    "1e999",
    "0 0",
    "10,10",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_any_path_data_gives_finite_paths_or_a_named_error(tmp_path_factory, tokens):
    path = svg_file(tmp_path_factory.mktemp("fuzz"), f'<path id="f" d="{" ".join(tokens)}"/>')
    try:
        plan = read(path)
    except SvgError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)
        return
    assert all(np.isfinite(p).all() and len(p) >= 1 for p in paths_of(plan))
