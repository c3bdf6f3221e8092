"""The gallery's pieces: which one comes next, how it is made, and the files it leaves.

A piece is decided once, by :func:`choose_piece`, into a :class:`PieceSpec` (painter, seed,
parameters: everything the drawing depends on, the date of the signature included). The
catalogue keeps the spec; :func:`make_piece` turns a spec into the signed, ordered plan, so
the same spec always gives the same SVG bytes and ``plotter redraw N`` can prove it.

>>> spec = choose_piece(7, "aaron", page="a4", pens=DEFAULT_PENS, today="2025-05-01")
>>> make_piece(spec, 7).metadata["seed"]
7
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from PIL import Image

from generative import default_weights
from painters import fool as fool_painter
from painters.aaron import AaronParams, draw
from painters.fool.palette import pen_darkness
from painters.image_input import load_image
from plotter import __version__, svg
from plotter.atomic import atomic_write
from plotter.errors import PlotterError
from plotter.ops import sort_paths
from plotter.plan import Layer, Pen, Plan
from plotter.preview import render_image, render_png
from plotter.text import drawable, sign
from plotter.units import parse_page

log = logging.getLogger(__name__)

#: What makes a piece; "mix" (a schedule, not a painter) takes them in turn.
PAINTERS = ("aaron", "fool", "vae", "diffusion")
CHOICES = (*PAINTERS, "mix")
DEFAULT_PENS = (Pen("black", "#1b1b1b", 0.3),)
#: What "mix" draws, piece after piece: (painter, aaron scene). Fool is left out without images.
MIX = (("aaron", "garden"), ("aaron", "figures"), ("aaron", "abstract"), ("fool", None), ("vae", None),
       ("diffusion", None))
#: Blank border (mm) around the picture: wide enough that the signature finds room beside it.
MARGIN_MM = 20.0
#: The generators' sheets: samples per page, sampling temperature, and the corpus each was trained on.
SAMPLES = {"vae": {"count": 24, "temperature": 0.2, "data": "hershey"},
           "diffusion": {"count": 16, "temperature": 0.2, "data": "aaron"}}
#: Width of the history's thumbnails, px.
THUMB_PX = 240
PREVIEW_DPI = 150
_TITLES = {"garden": "A garden", "figures": "Figures in a garden", "abstract": "Abstract forms"}


@dataclass(frozen=True)
class PieceSpec:
    """Everything a piece depends on: redrawing the same spec gives the same SVG, byte for byte.

    ``params`` is plain JSON (page, pens, date, the painter's settings), kept read-only.
    """

    painter: str
    seed: int
    params: Mapping[str, Any]

    def __post_init__(self) -> None:
        if self.painter not in PAINTERS:
            raise PlotterError(f"unknown piece painter {self.painter!r}; choose one of {', '.join(PAINTERS)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise PlotterError(f"piece seed {self.seed!r} must be a whole number >= 0")
        object.__setattr__(self, "params", MappingProxyType(json.loads(_canonical(dict(self.params)))))

    def to_json(self) -> str:
        """The one canonical spelling: equal specs give equal text."""
        return _canonical({"painter": self.painter, "seed": self.seed, "params": dict(self.params)})

    @classmethod
    def from_json(cls, text: str) -> PieceSpec:
        try:
            data = json.loads(text)
            return cls(data["painter"], data["seed"], data["params"])
        except (ValueError, TypeError, KeyError) as error:
            raise PlotterError(f"not a piece spec ({error}): {text[:80]!r}") from None

    def __hash__(self) -> int:
        return hash(self.to_json())


def _canonical(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise PlotterError(f"piece parameters must be plain JSON: {error}") from None


# --- choosing ----------------------------------------------------------------------
def choose_piece(number: int, painter: str, *, page: str | tuple[float, float], pens: Sequence[Pen],
                 images: str | os.PathLike[str] | None = None, today: str) -> PieceSpec:
    """Piece ``number``'s spec: its seed is its number, "mix" picks the painter from :data:`MIX` by number.

    "fool" paints the usable images of ``images`` in sorted name order, one per fool piece
    (files Pillow cannot read are skipped with a logged warning); the image's path and
    sha256 are recorded so a redraw can tell when the file changed. ``today`` is the date
    the signature prints.
    """
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise PlotterError(f"piece number {number!r} must be a whole number >= 1")
    if painter not in CHOICES:
        raise PlotterError(f"unknown painter {painter!r}; choose one of {', '.join(CHOICES)}")
    if not pens:
        raise PlotterError("the pen set is empty; give at least one pen")
    if painter == "fool" and images is None:
        raise PlotterError("painter 'fool' paints photographs: give a folder of images (--images DIR)")
    turn = number - 1
    if painter == "mix":
        schedule = [entry for entry in MIX if images is not None or entry[0] != "fool"]
        (painter, scene), turn = schedule[turn % len(schedule)], turn // len(schedule)
    else:
        scene = MIX[turn % 3][1]  # aaron alone draws its three scenes in turn
    width, height = parse_page(page)
    common = {"date": today, "page_mm": [width, height], "margin_mm": MARGIN_MM,
              "pens": [{"name": p.name, "color": p.color, "width_mm": p.width_mm} for p in pens]}
    if painter == "aaron":
        paint = AaronParams(scene=scene, margin_mm=MARGIN_MM).as_dict()
    elif painter == "fool":
        paint = _fool_params(Path(images), turn, np.random.default_rng(number))
    else:
        paint = dict(SAMPLES[painter])
        weights = default_weights(painter, paint["data"])
        paint["weights_sha256"] = _sha256(weights) if weights.is_file() else "missing"
    return PieceSpec(painter, number, {**common, "paint": paint})


def usable_images(folder: Path) -> list[Path]:
    """The files of ``folder`` Pillow can read, in name order; the others are logged and skipped."""
    if not folder.is_dir():
        raise PlotterError(f"images folder {folder} is not a folder")
    usable = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            with Image.open(path) as image:
                image.verify()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            log.warning("skipping %s: not a readable image (%s)", path, error)
            continue
        usable.append(path)
    if not usable:
        raise PlotterError(f"no usable image in {folder} (PNG, JPEG, anything Pillow reads)")
    return usable


def _fool_params(folder: Path, turn: int, rng: np.random.Generator) -> dict[str, Any]:
    """The ``turn``-th fool piece: the next image, and a mood and abstraction of its own."""
    images = usable_images(folder)
    image = images[turn % len(images)].resolve()
    return {"image": str(image), "sha256": _sha256(image), "mood": str(rng.choice(sorted(fool_painter.MOODS))),
            "abstraction": round(float(rng.uniform(0.3, 0.7)), 2)}


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def piece_title(spec: PieceSpec) -> str:
    """A short human title for the label and the catalogue: "A garden", "After harbour.jpg, calm"."""
    paint = spec.params["paint"]
    if spec.painter == "aaron":
        return _TITLES[paint["scene"]]
    if spec.painter == "fool":
        return f"After {Path(paint['image']).name}, {paint['mood']}"
    return "Letters a VAE dreamt" if spec.painter == "vae" else "Forms out of noise"


# --- making ------------------------------------------------------------------------
def make_piece(spec: PieceSpec, number: int) -> Plan:
    """Paint, order (pens kept in order) and sign piece ``number``; the metadata holds its spec."""
    params = spec.params
    page = (float(params["page_mm"][0]), float(params["page_mm"][1]))
    pens = tuple(Pen(p["name"], p["color"], p["width_mm"]) for p in params["pens"])
    plan = sort_paths(_paint(spec, page, pens, float(params["margin_mm"])))
    signed = sign(plan, [drawable(piece_title(spec)), f"{params['date']}  seed {spec.seed}  no. {number}"])
    return replace(signed, metadata={
        "generator": "plotter.gallery", "painter": spec.painter, "seed": spec.seed, "params": dict(params),
        "version": __version__, "number": number, "title": piece_title(spec), "command": f"plotter redraw {number}"})


def _paint(spec: PieceSpec, page: tuple[float, float], pens: tuple[Pen, ...], margin_mm: float) -> Plan:
    paint = spec.params["paint"]
    if spec.painter == "aaron":
        return draw(spec.seed, AaronParams(**paint), page, pens).plan
    if spec.painter == "fool":
        picture = load_image(_unchanged(Path(paint["image"]), paint["sha256"]))
        return fool_painter.paint(picture, mood=paint["mood"], abstraction=paint["abstraction"], pens=pens,
                                  page=page, margin_mm=margin_mm, seed=spec.seed)
    _unchanged(default_weights(spec.painter, paint["data"]), paint["weights_sha256"], f"{spec.painter} weights")
    from generative.sample import generate_plan  # torch: loaded only for the pieces that need it

    sheet = generate_plan(spec.painter, count=paint["count"], temperature=paint["temperature"], seed=spec.seed,
                          page_mm=page, margin_mm=margin_mm, data=paint["data"])
    darkest = max(pens, key=pen_darkness)  # the samples come in one pen: the darkest one the gallery has
    return sheet.with_layers(Layer(darkest, layer.paths) for layer in sheet.layers)


def _unchanged(source: Path, sha256: str, what: str = "image") -> Path:
    """The file a piece is made from (its photograph, its generator's weights), refused if it was
    removed or changed since the piece was chosen: the piece could not be drawn the same again."""
    if not source.is_file():
        raise PlotterError(f"the piece's {what} {source} is gone; it cannot be painted again")
    if _sha256(source) != sha256:
        raise PlotterError(f"the piece's {what} {source} has changed since the piece was chosen (sha256 "
                           f"{sha256[:12]}… recorded, {_sha256(source)[:12]}… now); a redraw would differ")
    return source


# --- writing -----------------------------------------------------------------------
def piece_folder(folder: str | os.PathLike[str], number: int) -> Path:
    """``GALLERY/pieces/0007``: where piece 7's files live."""
    return Path(folder) / "pieces" / f"{number:04d}"


def write_piece(spec: PieceSpec, number: int, folder: str | os.PathLike[str], *,
                plan: Plan | None = None) -> tuple[Path, Path, Path]:
    """Write piece.svg, piece.png and thumb.png (each atomically) into the piece's folder under ``folder``.

    ``plan`` is :func:`make_piece`'s result when the caller has it already (it is made otherwise).
    """
    plan = make_piece(spec, number) if plan is None else plan
    target = piece_folder(folder, number)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PlotterError(f"cannot create {target}: {error.strerror or error}") from None
    paths = (target / "piece.svg", target / "piece.png", target / "thumb.png")
    svg.write(plan, paths[0])
    render_png(plan, paths[1], dpi=PREVIEW_DPI)
    thumb = render_image(plan, dpi=THUMB_PX * 25.4 / plan.page_mm[0])
    with atomic_write(paths[2], "wb") as handle:
        thumb.save(handle, format="PNG")
    return paths
