"""Image input, the classic image painters, and the ``paint`` commands, bad input included."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from painters import edges, flow, squiggle, stipple, tsp_art
from painters.image_input import MAX_SIDE, ImageError, as_rgb, load_image
from plotter import svg
from plotter.cli.paint import paint as paint_group
from plotter.errors import PlotterError
from plotter.pens import PenSetError

PAGE = (80.0, 80.0)


def disc(size: int = 64) -> np.ndarray:
    """A dark disc on white, as float RGB."""
    yy, xx = np.mgrid[:size, :size]
    grey = np.where(np.hypot(xx - size / 2, yy - size / 2) < size / 3, 0.1, 0.95)
    return np.repeat(grey[:, :, None], 3, axis=2)


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims ``width`` x ``height``: enough for a size check, nothing to decode."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))


def assert_plottable(plan) -> None:
    assert plan.path_count > 0
    for _, path in plan.iter_paths():
        assert len(path) >= 2 and np.isfinite(path).all()
        assert np.hypot(*np.diff(path, axis=0).T).sum() > 0
        assert (path >= 0).all() and (path[:, 0] <= plan.page_mm[0]).all() and (path[:, 1] <= plan.page_mm[1]).all()


# --- image input -----------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "value"), [("L", 128), ("RGB", (200, 100, 50)), ("I;16", 40000), ("P", 3),
                                             ("1", 1)])
def test_every_common_image_mode_loads_as_float_rgb(tmp_path, mode, value):
    path = tmp_path / "image.png"
    Image.new(mode, (20, 10), value).save(path)
    rgb = load_image(path)
    assert rgb.shape == (10, 20, 3) and rgb.dtype == np.float64
    assert 0.0 <= rgb.min() and rgb.max() <= 1.0


def test_rgba_is_composited_on_white_paper(tmp_path):
    path = tmp_path / "clear.png"
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(path)
    assert np.allclose(load_image(path), 1.0)
    half = as_rgb(np.dstack([np.zeros((4, 4, 3)), np.full((4, 4), 0.5)]))
    assert np.allclose(half, 0.5)


def test_a_jpeg_loads(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.fromarray((disc() * 255).astype(np.uint8)).save(path)
    assert load_image(path).shape == (64, 64, 3)


def test_a_huge_image_is_downscaled_to_the_longest_side(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("L", (3000, 40), 100).save(path)
    rgb = load_image(path)
    assert max(rgb.shape[:2]) == MAX_SIDE and rgb.shape[0] == round(40 * MAX_SIDE / 3000)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "no such image file"),
    (lambda p: p.write_text("not a picture"), "not an image"),
    (lambda p: Image.new("RGB", (1, 1)).save(p, format="PNG"), "too small"),
    (lambda p: png_header_only(p, 20000, 20000), "too large"),
])
def test_bad_images_are_refused_naming_the_file(tmp_path, make, message):
    path = tmp_path / "input.png"
    make(path)
    with pytest.raises(ImageError, match=message) as caught:
        load_image(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, PlotterError)


def test_arrays_of_the_wrong_shape_or_with_nan_are_refused():
    with pytest.raises(ImageError, match="shape"):
        as_rgb(np.zeros((4, 4, 5)))
    with pytest.raises(ImageError, match="NaN"):
        as_rgb(np.full((4, 4), np.nan))


# --- the classic painters --------------------------------------------------------------

PAINTERS = [
    (stipple.paint, {"params": stipple.StippleParams(points=150, iterations=8)}),
    (tsp_art.paint, {"params": tsp_art.TspParams(points=150, iterations=8)}),
    (squiggle.paint, {"params": squiggle.SquiggleParams(row_mm=2.0)}),
    (flow.paint, {"params": flow.FlowParams(rounds=4, max_length_mm=30)}),
    (edges.paint, {}),
]


@pytest.mark.parametrize(("paint", "kwargs"), PAINTERS, ids=lambda v: getattr(v, "__module__", ""))
def test_each_painter_makes_a_plottable_reproducible_plan(paint, kwargs):
    first = paint(disc(), page=PAGE, margin_mm=5, seed=3, **kwargs)
    again = paint(disc(), page=PAGE, margin_mm=5, seed=3, **kwargs)
    assert_plottable(first)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(first.iter_paths(), again.iter_paths(), strict=True))
    assert first.metadata["seed"] == 3 and "params" in first.metadata


@pytest.mark.parametrize(("paint", "kwargs"), PAINTERS[:4], ids=lambda v: getattr(v, "__module__", ""))
def test_ink_gathers_where_the_picture_is_dark(paint, kwargs):
    plan = paint(disc(), page=PAGE, margin_mm=5, **kwargs)
    points = np.concatenate([p for _, p in plan.iter_paths()])
    inside = np.hypot(*(points - 40).T) < 70 / 3
    assert inside.mean() > 0.6  # the disc is 35 % of the picture


def test_stipple_relaxation_spreads_dots_evenly():
    density = np.ones((60, 60))
    rng = np.random.default_rng(1)
    raw, _ = stipple.relax(density, 50, 0, rng)
    relaxed, mass = stipple.relax(density, 50, 25, np.random.default_rng(1))

    def closest(points: np.ndarray) -> float:
        distance = np.hypot(*(points[:, None] - points[None]).transpose(2, 0, 1))
        np.fill_diagonal(distance, np.inf)
        return distance.min()

    assert closest(relaxed) > 2 * closest(raw)
    assert mass.sum() == pytest.approx(density.sum())


def test_tsp_is_one_line_through_every_dot():
    plan = tsp_art.paint(disc(), page=PAGE, params=tsp_art.TspParams(points=200, iterations=5))
    assert plan.path_count == 1 and plan.point_count == 200


def test_tsp_tour_is_much_shorter_than_the_dots_in_random_order():
    points = np.random.default_rng(2).uniform(0, 100, (400, 2))
    order = tsp_art.tour(points, 4000)
    assert sorted(order.tolist()) == list(range(400))
    length = np.hypot(*np.diff(points[order], axis=0).T).sum()
    assert length < 0.15 * np.hypot(*np.diff(points, axis=0).T).sum()


def test_edges_trace_the_outline_of_a_square_as_one_closed_line():
    image = np.ones((80, 80, 3))
    image[20:60, 20:60] = 0.0
    plan = edges.paint(image, page=PAGE, margin_mm=0)
    longest = max((p for _, p in plan.iter_paths()), key=len)
    assert np.hypot(*np.diff(longest, axis=0).T).sum() == pytest.approx(4 * 40, rel=0.15)


def test_edge_chains_follow_junctions_and_loops():
    cross = np.zeros((9, 9), dtype=bool)
    cross[4, :] = cross[:, 4] = True
    assert len(edges.edge_chains(cross)) == 4
    ring = np.zeros((7, 7), dtype=bool)
    ring[1, 1:6] = ring[5, 1:6] = ring[1:6, 1] = ring[1:6, 5] = True
    (loop,) = edges.edge_chains(ring)
    assert len(loop) == 17


def test_flow_lines_run_along_stripes():
    image = np.ones((64, 64, 3))
    image[:, ::8] = 0.0  # vertical stripes: the edges run up and down
    plan = flow.paint(image, page=PAGE, margin_mm=5, params=flow.FlowParams(rounds=3, max_length_mm=30))
    steps = np.concatenate([np.diff(p, axis=0) for _, p in plan.iter_paths()])
    assert np.abs(steps[:, 1]).sum() > 3 * np.abs(steps[:, 0]).sum()


def test_squiggle_waves_grow_with_darkness():
    image = np.repeat(np.linspace(1, 0, 64)[None, :, None], 64, axis=0).repeat(3, axis=2)
    plan = squiggle.paint(image, page=PAGE, margin_mm=0)
    points = np.concatenate([p for _, p in plan.iter_paths()])
    left, right = points[:, 0] < 30, points[:, 0] > 50
    rows = 1.6 * np.floor(points[:, 1] / 1.6)
    assert np.ptp(points[right, 1] - rows[right]) > np.ptp(points[left, 1] - rows[left])


@pytest.mark.parametrize("module", [stipple, squiggle, flow, edges])
def test_out_of_range_parameters_are_refused(module):
    name = {stipple: "StippleParams", squiggle: "SquiggleParams", flow: "FlowParams", edges: "EdgeParams"}[module]
    field = {"StippleParams": "points", "SquiggleParams": "row_mm", "FlowParams": "rounds",
             "EdgeParams": "cell_mm"}[name]
    with pytest.raises(PlotterError, match=field):
        module.paint(disc(16), page=PAGE, params=getattr(module, name)(**{field: -1}))


# --- the commands ----------------------------------------------------------------------

@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray((disc(48) * 255).astype(np.uint8)).save(path)
    return path


def group() -> click.Group:
    """The real ``plotter paint`` group, which loads these commands by name."""
    return paint_group


@pytest.mark.parametrize(("name", "extra"), [
    ("fool", ["--style", "crosshatch", "--pens", "black,red"]),
    ("fool", ["--mood", "calm"]),
    ("stipple", ["--points", "100", "--iterations", "5"]),
    ("tsp", ["--points", "100"]),
    ("squiggle", ["--rows", "2mm"]),
    ("flow", ["--max-spacing", "4mm"]),
    ("edges", ["--blur", "1mm"]),
])
def test_each_command_writes_an_svg_that_records_how_to_redraw_it(tmp_path, photo, name, extra):
    out = tmp_path / "out.svg"
    result = CliRunner().invoke(group(), [name, str(photo), "--page", "a6", *extra, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "strokes, pen-down" in result.output
    plan = svg.read(out)
    assert plan.path_count > 0
    command = plan.metadata["command"]
    assert command.startswith(f"plotter paint {name} {photo}") and "--seed 1" in command
    assert all(word in command for word in extra)


@pytest.mark.parametrize(("args", "error", "message"), [
    (["fool", "missing.png"], ImageError, "missing.png: no such image file"),
    (["fool", "{photo}", "--pens", ""], PenSetError, "no pens"),
])
def test_bad_input_raises_one_plotter_error_naming_the_culprit(tmp_path, photo, args, error, message):
    args = [a.replace("{photo}", str(photo)) for a in args]
    result = CliRunner().invoke(group(), [*args, "-o", str(tmp_path / "out.svg")])
    assert isinstance(result.exception, error)
    assert message in str(result.exception)
    assert not (tmp_path / "out.svg").exists()


def test_a_pen_option_naming_two_pens_is_a_usage_error(tmp_path, photo):
    result = CliRunner().invoke(group(), ["edges", str(photo), "--pen", "black,red", "-o", str(tmp_path / "o.svg")])
    assert result.exit_code == 2 and "one pen" in result.output


def test_bad_images_exit_2_with_one_line_from_the_plotter_command(tmp_path, capsys):
    from plotter.cli import main

    (tmp_path / "notes.png").write_text("not an image")
    for source in (tmp_path / "missing.png", tmp_path / "notes.png"):
        assert main(["paint", "edges", str(source), "-o", str(tmp_path / "out.svg")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and source.name in err[0]
    assert not (tmp_path / "out.svg").exists()
