"""PNG preview (size, colours, widths, travel) and the HTML replay's embedded data."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

from plotter import Pen, Plan
from plotter.errors import OperationError
from plotter.motion import MotionSettings, estimate_time, timeline
from plotter.preview import render_image, render_png, write_replay


def single(points, pen: Pen | None = None) -> Plan:
    b = Plan.builder("a4")
    b.add(points, pen or Pen("black"))
    return b.build()


def several_layers() -> Plan:
    b = Plan.builder("a4")
    b.add([(20, 20), (100, 20), (100, 80)], Pen("black", "#000000", 0.3))
    b.add_closed([(120, 120), (180, 120), (150, 170)], "black")
    b.add([(20, 200), (190, 260)], Pen("</script><b>", "#2040ff", 1.0))
    b.add([(60, 280)], "</script><b>")
    b.pen(Pen("unused", "#00ff00"))
    return b.build()


PLANS = {
    "empty": Plan((210, 297)),
    "one point": single([(105, 148)]),
    "one path": single([(10, 10), (200, 287)]),
    "closed path": single([(50, 50), (150, 50), (150, 150), (50, 50)]),
    "several layers": several_layers(),
}


def ink_mask(image: Image.Image, background=(255, 255, 255)) -> np.ndarray:
    """Pixels clearly marked (antialiasing and LANCZOS ringing leave faint ones around strokes)."""
    return np.abs(np.asarray(image).astype(int) - background).sum(axis=2) > 90


def red_mask(image: Image.Image) -> np.ndarray:
    a = np.asarray(image).astype(int)
    return (a[..., 0] > 150) & (a[..., 1] < 120) & (a[..., 2] < 120)


@pytest.mark.parametrize("plan", PLANS.values(), ids=PLANS.keys())
def test_png_has_the_page_size_at_the_dpi(plan, tmp_path):
    out = tmp_path / "p.png"
    render_png(plan, out, dpi=96)
    with Image.open(out) as image:
        assert image.size == (794, 1123)
        assert image.format == "PNG"
        assert ink_mask(image.convert("RGB")).any() == (plan.path_count > 0)
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize(("page", "dpi", "size"), [((210, 297), 96, (794, 1123)), ((100, 50), 25.4, (100, 50))])
def test_image_size(page, dpi, size):
    assert render_image(Plan(page), dpi).size == size


def test_strokes_are_in_their_pen_colour_and_the_rest_is_background():
    plan = single([(20, 50), (180, 50)], Pen("red", "#ff0000", 1.0))
    image = render_image(plan, dpi=96, background="#fafafa")
    px = np.asarray(image)
    y, x = round(50 / 25.4 * 96), round(100 / 25.4 * 96)
    assert tuple(px[y, x]) == (255, 0, 0)
    assert tuple(px[y + 20, x]) == (250, 250, 250)
    assert tuple(px[y, 30]) == (250, 250, 250)  # left of the line's start
    assert not ink_mask(image, (250, 250, 250))[: y - 5].any()


def test_a_thicker_pen_marks_more_pixels():
    line = [(20, 50), (180, 120)]
    thin = ink_mask(render_image(single(line, Pen("p", "#000000", 0.2)), 96)).sum()
    thick = ink_mask(render_image(single(line, Pen("p", "#000000", 2.0)), 96)).sum()
    assert thick > 3 * thin > 0


def test_one_point_path_is_a_dot_of_the_pen_width():
    image = render_image(single([(100, 100)], Pen("p", "#000000", 2.0)), 96)
    ys, xs = np.nonzero(ink_mask(image))
    centre = 100 / 25.4 * 96
    assert abs(xs.mean() - centre) < 1 and abs(ys.mean() - centre) < 1
    assert 4 <= xs.max() - xs.min() + 1 <= 10  # 2 mm = 7.6 px


def test_travel_adds_red_pixels_from_and_to_the_origin():
    plan = single([(100, 100), (150, 100)])
    plain, with_travel = (render_image(plan, 96, travel) for travel in (False, True))
    assert not red_mask(plain).any()
    red = red_mask(with_travel)
    assert red.sum() > 100
    assert red[:20, :20].any()  # the move from the origin
    assert red[70:, 70:].sum() > 0 and red[400:, :].sum() == 0  # between the origin and y = 100 mm (378 px) only


def test_refuses_absurd_sizes_naming_dpi_and_size():
    with pytest.raises(OperationError, match=r"5000 dpi.*megapixels"):
        render_image(Plan((210, 297)), 5000)
    with pytest.raises(OperationError, match="dpi"):
        render_image(Plan((210, 297)), 0)


def test_refuses_a_background_that_is_not_a_colour():
    with pytest.raises(OperationError, match="nope"):
        render_image(Plan((210, 297)), 10, background="nope")


def read_replay(path) -> dict:
    text = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', text, re.S)
    assert match, "embedded plan data not found"
    return json.loads(match.group(1))


def decode(stroke: dict) -> tuple[np.ndarray, np.ndarray]:
    xy = np.cumsum(np.array(stroke["xy"]).reshape(-1, 2), axis=0) / 100
    return xy, np.cumsum(stroke["t"]) / 1000


@pytest.mark.parametrize("plan", PLANS.values(), ids=PLANS.keys())
def test_replay_embeds_every_stroke_in_plot_order_timed_by_the_motion_model(plan, tmp_path):
    out = tmp_path / "r.html"
    settings = MotionSettings(draw_feed_mm_min=1200)
    write_replay(plan, out, settings=settings, speed=25)
    data = read_replay(out)
    assert data["total_s"] == estimate_time(plan, settings).time_s
    assert data["speed"] == 25 and data["page_mm"] == [210, 297]
    assert [layer["name"] for layer in data["layers"]] == [layer.name for layer in plan.layers]
    assert len(data["strokes"]) == plan.path_count
    for stroke, timing, (_, path) in zip(data["strokes"], timeline(plan, settings), plan.iter_paths(), strict=True):
        xy, times = decode(stroke)
        np.testing.assert_allclose(xy, path, atol=0.005)
        np.testing.assert_allclose(times, timing.times, atol=0.0006)
        assert abs(stroke["a"] / 1000 - timing.travel_start_s) < 0.0006
        assert abs(stroke["b"] / 1000 - timing.travel_end_s) < 0.0006


def test_replay_is_self_contained_and_escapes_names(tmp_path):
    out = tmp_path / "r.html"
    write_replay(several_layers(), out)
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)
    assert "http://" not in text and "https://" not in text
    assert read_replay(out)["layers"][1]["name"] == "</script><b>"
    assert "location.hash" in text  # #t=0.5 opens the replay at a fraction of the plot


def test_replay_rejects_a_speed_that_is_not_positive(tmp_path):
    with pytest.raises(OperationError, match="speed"):
        write_replay(Plan((210, 297)), tmp_path / "r.html", speed=0)
    assert not (tmp_path / "r.html").exists()
