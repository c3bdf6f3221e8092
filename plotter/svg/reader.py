"""Read any SVG a user brings — Inkscape, Illustrator, vpype, vsketch, a browser — into a Plan.

``read("drawing.svg")`` returns a :class:`~plotter.Plan` in mm, y down, origin at the page's
top-left corner. What is drawn and how it is grouped into pens:

- every visible ``path``, ``rect``, ``circle``, ``ellipse``, ``line``, ``polyline`` and
  ``polygon``, including those placed by ``<use>``, through nested transforms and viewBoxes;
  curves and arcs become polylines within ``tolerance_mm`` of the true curve;
- top-level Inkscape layers (and Illustrator layers) become plan layers by name; anything
  else is split into one layer per colour, named by that colour (``#rrggbb``); names are
  made unique (``Layer 1``, ``Layer 1 (2)``) and empty layers are left out;
- a layer's pen takes its most common colour (stroke, else fill, else black) and most common
  stroke width in mm after transforms (0.3 mm where no stroke width is given);
- text, images, hidden elements, ``<defs>``-like containers, our travel overlay and ``%``
  documentation layers are not drawn (see :mod:`plotter.svg._walk`);
- the page is the outer ``width``/``height``, else the viewBox in px; a file with neither
  gets a page reaching from the origin to the far corner of its drawing, as a browser would
  show it;
- the JSON our writer stores in ``<metadata><plotter:plan>`` becomes the plan's metadata.

A subpath of a single moveto draws nothing and is dropped; a zero-length line is kept (a
dot). Every problem with the file raises :class:`~plotter.errors.SvgError` with one line
naming the file and what is wrong.

>>> plan = read("tests/fixtures/svg/inkscape_layers.svg")  # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import zlib
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree

import numpy as np

from ..errors import SvgError
from ..plan import Layer, Pen, Plan
from ._flatten import GeometryError
from ._viewport import root_viewport
from ._walk import PLOTTER_NS, Bin, Walker, local_name

#: Files (or their gzip-inflated content) larger than this are refused before parsing: the
#: element tree of an SVG takes several times its size in memory.
MAX_BYTES = 512 * 2**20
DEFAULT_PEN_WIDTH_MM = 0.3
_PLAN_METADATA = f"{{{PLOTTER_NS}}}plan"


def read(path: str | os.PathLike[str], *, tolerance_mm: float = 0.1) -> Plan:
    """Read the SVG file at ``path`` into a plan (see the module docstring for the rules)."""
    name = os.fspath(path)
    if not (isinstance(tolerance_mm, int | float) and math.isfinite(tolerance_mm) and tolerance_mm > 0):
        raise SvgError(f"{name}: tolerance_mm must be a positive number of mm, got {tolerance_mm!r}")
    data = _load(name)
    megabytes = len(data) / 2**20
    illustrator = b"Adobe Illustrator" in data[:4096]  # its generator comment; ElementTree drops comments
    root = _parse(name, data)
    del data  # the element tree holds all we need; keeping the bytes too would raise the peak
    try:
        viewport = root_viewport(dict(root.attrib))
    except GeometryError as error:
        raise SvgError(f"{name}: <svg> {error}") from None
    try:
        bins = Walker(root, tolerance_mm, illustrator).run(viewport.matrix, viewport.size)
    except GeometryError as error:
        raise SvgError(f"{name}: {error}") from None
    except RecursionError:
        raise SvgError(f"{name}: elements are nested too deeply to read") from None
    except MemoryError:
        raise SvgError(f"{name}: out of memory while reading its {megabytes:.0f} MiB") from None
    layers = _layers(bins)
    if not layers:
        raise SvgError(f"{name}: no drawable paths")
    return Plan(_page(name, viewport.page_mm, layers), layers, _metadata(root))


def _load(name: str) -> bytes:
    """The file's bytes (inflated if it is an ``.svgz``), refusing what is too big to parse."""
    try:
        size = os.stat(name).st_size
        if size > MAX_BYTES:
            raise SvgError(f"{name}: file is {size / 2**20:.0f} MiB; SVG files over {MAX_BYTES >> 20} MiB are refused")
        with open(name, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise SvgError(f"{name}: no such file") from None
    except OSError as error:
        raise SvgError(f"{name}: cannot read the file: {error.strerror or error}") from None
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            data = stream.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise SvgError(f"{name}: looks gzip-compressed (.svgz) but cannot be inflated: {error}") from None
    if len(data) > MAX_BYTES:
        raise SvgError(f"{name}: inflates to over {MAX_BYTES >> 20} MiB; larger SVG files are refused")
    return data


def _parse(name: str, data: bytes) -> ElementTree.Element:
    try:
        root = ElementTree.fromstring(data)
    except MemoryError:
        raise SvgError(f"{name}: out of memory while parsing its {len(data) / 2**20:.0f} MiB") from None
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise SvgError(f"{name}: not well-formed XML at line {line}, column {column + 1}: {reason}") from None
    tag = local_name(root.tag)
    if tag != "svg":
        shown = tag or str(root.tag).rpartition("}")[2]
        raise SvgError(f"{name}: the root element is <{shown}>, not <svg>: not an SVG file")
    return root


def _layers(bins: Iterable[Bin]) -> tuple[Layer, ...]:
    layers = []
    used: set[str] = set()
    for index, drawn in enumerate(bins):
        if not drawn.paths:
            continue
        colour = drawn.colours.most_common(1)[0][0]
        width = drawn.widths.most_common(1)[0][0] if drawn.widths else DEFAULT_PEN_WIDTH_MM
        name = _unique(drawn.name if drawn.name is not None else colour, used, index)
        layers.append(Layer(Pen(name, colour, width), tuple(drawn.paths)))
    return tuple(layers)


def _unique(name: str, used: set[str], index: int) -> str:
    """``name``, or ``name (2)``, ``name (3)``... if taken; an unnamed layer is ``layer N``."""
    base = name.strip() or f"layer {index + 1}"
    candidate, count = base, 1
    while candidate in used:
        count += 1
        candidate = f"{base} ({count})"
    used.add(candidate)
    return candidate


def _page(name: str, page_mm: tuple[float | None, float | None], layers: tuple[Layer, ...]) -> tuple[float, float]:
    """The page, its missing sides reaching from the origin to the far edge of the drawing."""
    width, height = page_mm
    if width is not None and height is not None:
        return width, height
    far = np.max([path.max(axis=0) for layer in layers for path in layer.paths], axis=0)
    width = float(far[0]) if width is None else width
    height = float(far[1]) if height is None else height
    if width <= 0 or height <= 0:
        raise SvgError(
            f"{name}: no width, height or viewBox, and the drawing lies left of or above the origin: "
            "cannot tell the page size"
        )
    return width, height


def _metadata(root: ElementTree.Element) -> Mapping[str, Any]:
    """The JSON object our writer keeps in ``<metadata><plotter:plan>``; {} if none or unreadable."""
    for child in root:
        if local_name(child.tag) != "metadata":
            continue
        for item in child:
            if item.tag == _PLAN_METADATA:
                try:
                    value = json.loads(item.text or "")
                except ValueError:
                    return {}
                return value if isinstance(value, dict) else {}
    return {}
