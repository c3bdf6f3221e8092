"""Gallery pieces: the schedule that chooses them, specs that redraw byte for byte, and the files they leave."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from plotter import Pen
from plotter.errors import PlotterError
from plotter.gallery.pieces import (
    DEFAULT_PENS,
    PieceSpec,
    choose_piece,
    make_piece,
    piece_folder,
    piece_title,
    write_piece,
)
from plotter.svg.writer import to_svg_string

TODAY = "2025-05-01"
PENS = (Pen("red", "#c0392b", 0.5), Pen("black", "#1b1b1b", 0.3))


def small(spec: PieceSpec, **paint) -> PieceSpec:
    """The same piece with fewer objects or samples: quick to make in a test."""
    return PieceSpec(spec.painter, spec.seed, {**spec.params, "paint": {**spec.params["paint"], **paint}})


def write_image(path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    Image.fromarray((rng.random((24, 32, 3)) * 255).astype(np.uint8)).save(path)


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    write_image(folder / "b.png", 1)
    write_image(folder / "a.png", 2)
    (folder / "notes.png").write_text("a text file with an image's name")
    (folder / "c.jpg").write_bytes(b"\xff\xd8\xff truncated")
    return folder


# --- specs -------------------------------------------------------------------------------
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                           | st.text(), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)


@given(seed=st.integers(0, 2**40), params=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_a_spec_survives_its_canonical_json(seed, params):
    spec = PieceSpec("aaron", seed, params)
    again = PieceSpec.from_json(spec.to_json())
    assert again == spec and again.to_json() == spec.to_json()
    assert PieceSpec("aaron", seed, dict(reversed(list(params.items())))).to_json() == spec.to_json()


@pytest.mark.parametrize(("args", "message"), [
    (("mix", 1, {}), "unknown piece painter 'mix'"),
    (("aaron", -1, {}), "seed -1"),
    (("aaron", True, {}), "seed True"),
    (("aaron", 1, {"when": object()}), "plain JSON"),
    (("aaron", 1, {"x": float("nan")}), "plain JSON"),
])
def test_a_spec_that_could_not_be_redrawn_is_refused(args, message):
    with pytest.raises(PlotterError, match=message):
        PieceSpec(*args)


def test_a_spec_from_text_that_is_not_one_is_refused():
    with pytest.raises(PlotterError, match="not a piece spec"):
        PieceSpec.from_json('{"painter": "aaron"}')


# --- choosing ------------------------------------------------------------------------------
@pytest.mark.parametrize(("with_images", "schedule"), [
    (False, ["aaron/garden", "aaron/figures", "aaron/abstract", "vae", "diffusion", "aaron/garden", "aaron/figures"]),
    (True, ["aaron/garden", "aaron/figures", "aaron/abstract", "fool", "vae", "diffusion", "aaron/garden"]),
])
def test_mix_cycles_through_the_painters_by_number(images, with_images, schedule):
    chosen = []
    for number in range(1, 8):
        spec = choose_piece(number, "mix", page="a5", pens=PENS, images=images if with_images else None, today=TODAY)
        assert spec.seed == number
        chosen.append(spec.painter + (f"/{spec.params['paint']['scene']}" if spec.painter == "aaron" else ""))
    assert chosen == schedule


def test_a_spec_records_page_pens_date_and_the_painters_settings():
    spec = choose_piece(2, "aaron", page="a5", pens=PENS, today=TODAY)
    assert spec.params["page_mm"] == [148.0, 210.0]
    assert spec.params["date"] == TODAY
    assert [p["name"] for p in spec.params["pens"]] == ["red", "black"]
    assert spec.params["paint"]["scene"] == "figures"
    assert piece_title(spec) == "Figures in a garden"


def test_fool_takes_the_readable_images_in_name_order_and_warns_about_the_rest(images, caplog):
    with caplog.at_level(logging.WARNING):
        specs = [choose_piece(n, "fool", page="a5", pens=PENS, images=images, today=TODAY) for n in (1, 2, 3)]
    assert [s.params["paint"]["image"] for s in specs] == [str(images / n) for n in ("a.png", "b.png", "a.png")]
    assert specs[0].params["paint"]["sha256"] == hashlib.sha256((images / "a.png").read_bytes()).hexdigest()
    assert "notes.png" in caplog.text and "c.jpg" in caplog.text
    assert piece_title(specs[1]).startswith("After b.png, ")


@pytest.mark.parametrize(("painter", "folder", "message"), [
    ("fool", None, "give a folder of images"),
    ("fool", "empty", "no usable image in .*empty"),
    ("fool", "missing", "images folder .*missing is not a folder"),
    ("rembrandt", None, "unknown painter 'rembrandt'; choose one of aaron, fool, vae, diffusion, mix"),
])
def test_choosing_a_piece_that_cannot_be_made_is_refused(tmp_path, painter, folder, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no pictures here")
    with pytest.raises(PlotterError, match=message):
        choose_piece(1, painter, page="a5", pens=PENS, images=folder and tmp_path / folder, today=TODAY)


# --- making ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def aaron_spec():
    return small(choose_piece(5, "aaron", page="a6", pens=PENS, today=TODAY), objects=4)


def test_an_aaron_piece_is_the_same_svg_every_time(aaron_spec):
    first = to_svg_string(make_piece(aaron_spec, 5))
    assert to_svg_string(make_piece(PieceSpec.from_json(aaron_spec.to_json()), 5)) == first
    assert to_svg_string(make_piece(aaron_spec, 6)) != first  # the number is in the signature


def test_a_piece_is_signed_keeps_its_pens_in_order_and_records_its_spec(aaron_spec):
    plan = make_piece(aaron_spec, 5)
    assert [layer.name for layer in plan.layers] == ["red", "black"]  # aaron's light-to-dark order, kept
    meta = plan.metadata
    assert PieceSpec(meta["painter"], meta["seed"], meta["params"]) == aaron_spec
    assert (meta["number"], meta["title"], meta["command"]) == (5, "Figures in a garden", "plotter redraw 5")
    page_w, page_h = plan.page_mm
    black = plan.layer("black").paths
    lowest = max(float(p[:, 1].max()) for p in black)
    assert page_h - 20 < lowest <= page_h - 8  # the signature sits below the picture, inside the 8 mm margin


def test_a_fool_piece_is_refused_when_its_image_changed_or_went(images):
    spec = choose_piece(1, "fool", page="a6", pens=DEFAULT_PENS, images=images, today=TODAY)
    assert make_piece(spec, 1).path_count > 0
    write_image(images / "a.png", 99)
    with pytest.raises(PlotterError, match="a.png has changed since the piece was chosen"):
        make_piece(spec, 1)
    (images / "a.png").unlink()
    with pytest.raises(PlotterError, match="a.png is gone"):
        make_piece(spec, 1)


def test_write_piece_writes_svg_preview_and_thumbnail_into_the_pieces_folder(tmp_path, aaron_spec):
    plan = make_piece(aaron_spec, 5)
    svg_path, png_path, thumb_path = write_piece(aaron_spec, 5, tmp_path, plan=plan)
    assert svg_path.parent == piece_folder(tmp_path, 5) == tmp_path / "pieces" / "0005"
    assert svg_path.read_text() == to_svg_string(plan)
    with Image.open(png_path) as png, Image.open(thumb_path) as thumb:
        assert png.width > 500
        assert thumb.width == 240
    assert sorted(p.name for p in svg_path.parent.iterdir()) == ["piece.png", "piece.svg", "thumb.png"]


def test_importing_pieces_leaves_torch_unloaded():
    code = "import sys, plotter.gallery.pieces, plotter.cli.gallery_catalogue; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_a_vae_piece_is_signed_in_the_darkest_pen():
    """One small case (it loads torch); the generators' own tests show a seeded sheet is reproducible."""
    spec = small(choose_piece(4, "mix", page="a6", pens=PENS, today=TODAY), count=2)
    assert spec.painter == "vae"
    plan = make_piece(spec, 4)
    assert [layer.name for layer in plan.layers] == ["black"]
    assert plan.metadata["painter"] == "vae" and plan.metadata["title"] == piece_title(spec)
    assert max(float(p[:, 1].max()) for p in plan.layers[0].paths) > plan.page_mm[1] - 20  # signed below


@pytest.mark.parametrize("painter", ["vae", "diffusion"])
def test_a_generator_piece_is_refused_when_its_weights_changed(tmp_path, monkeypatch, painter):
    weights = tmp_path / f"{painter}.pt"
    weights.write_bytes(b"weights as shipped")
    monkeypatch.setattr("plotter.gallery.pieces.default_weights", lambda kind, data: weights)
    spec = choose_piece(3, painter, page="a5", pens=[Pen("black")], today="2026-11-25")
    assert spec.params["paint"]["weights_sha256"] == hashlib.sha256(b"weights as shipped").hexdigest()
    weights.write_bytes(b"weights retrained")
    with pytest.raises(PlotterError, match=f"{painter} weights .* has changed"):
        make_piece(spec, 3)
