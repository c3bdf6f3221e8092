"""Write a plan as an SVG that Inkscape, vpype, AxiDraw and browsers all understand.

The page is given in mm with a viewBox in mm, so one user unit is one millimetre. Each pen
is an Inkscape layer (``inkscape:groupmode="layer"``, ``inkscape:label`` = pen name) carrying
the stroke colour and tip width, so the file opens in Inkscape with the same layers and
plots pen by pen. How the plan was made (generator, seed, parameters, redraw command) goes
as JSON into ``<metadata><plotter:plan>``, which :func:`plotter.svg.read` restores.

The optional pen-up travel overlay is an extra layer whose label starts with ``%`` (the
AxiDraw convention for "do not plot") and which carries ``plotter:role="travel"``, so it is
shown in previews and skipped by every plotting path, ours included.
"""

from __future__ import annotations

import json
import os
from xml.etree import ElementTree

import numpy as np
import svgwrite

from ..atomic import atomic_write
from ..errors import SvgError
from ..plan import Plan, is_closed

PLOTTER_NS = "urn:plotter:plan:1"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"
SODIPODI_NS = "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
TRAVEL_LABEL = "% pen-up travel (not plotted)"
TRAVEL_COLOUR = "#e0301e"


def path_data(path: np.ndarray, precision: int = 3) -> str:
    """The ``d`` attribute of one path: ``M x,y x,y ...``, closed paths end with ``Z``.

    A one-point path becomes a zero-length segment, which renders as a dot with round caps.
    """
    closed = is_closed(path)
    points = np.round(path[:-1] if closed else path, precision).tolist()
    body = " ".join(f"{x!r},{y!r}" for x, y in points)
    if closed:
        return f"M{body}Z"
    if len(points) == 1:
        return f"M{body} l0,0"
    return f"M{body}"


def travel_segments(plan: Plan, home: tuple[float, float] = (0.0, 0.0)) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every pen-up move in plot order, from ``home`` to the first stroke and back at the end."""
    position = np.asarray(home, dtype=float)
    moves = []
    for _, path in plan.iter_paths():
        moves.append((position, path[0]))
        position = path[-1]
    if moves:
        moves.append((position, np.asarray(home, dtype=float)))
    return moves


def _layer_group(drawing: svgwrite.Drawing, index: int, label: str, **attributes: str) -> svgwrite.container.Group:
    group = drawing.g(id=f"layer{index}")
    group.attribs.update({"inkscape:groupmode": "layer", "inkscape:label": label, **attributes})
    return group


def to_svg_string(plan: Plan, *, travel: bool = False, precision: int = 3) -> str:
    """The SVG document for ``plan`` as a string (see :func:`write`)."""
    width, height = plan.page_mm
    drawing = svgwrite.Drawing(
        size=(f"{width:g}mm", f"{height:g}mm"), viewBox=f"0 0 {width:g} {height:g}", profile="full", debug=False
    )
    drawing.attribs.update({"xmlns:inkscape": INKSCAPE_NS, "xmlns:sodipodi": SODIPODI_NS, "xmlns:plotter": PLOTTER_NS})
    for index, layer in enumerate(plan.layers, start=1):
        group = _layer_group(
            drawing,
            index,
            layer.name,
            fill="none",
            stroke=layer.pen.color,
            **{"stroke-width": f"{layer.pen.width_mm:g}", "stroke-linecap": "round", "stroke-linejoin": "round"},
        )
        for path in layer.paths:
            group.add(drawing.path(d=path_data(path, precision)))
        drawing.add(group)
    if travel:
        group = _layer_group(
            drawing,
            len(plan.layers) + 1,
            TRAVEL_LABEL,
            fill="none",
            stroke=TRAVEL_COLOUR,
            **{
                "stroke-width": "0.15",
                "stroke-dasharray": "1 1",
                "stroke-opacity": "0.7",
                "plotter:role": "travel",
                "sodipodi:insensitive": "true",
            },
        )
        for start, end in travel_segments(plan):
            group.add(drawing.line(start=tuple(np.round(start, 3)), end=tuple(np.round(end, 3))))
        drawing.add(group)
    root = drawing.get_xml()
    _add_metadata(root, plan)
    ElementTree.indent(root, space=" ")
    return '<?xml version="1.0" encoding="utf-8" ?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _add_metadata(root: ElementTree.Element, plan: Plan) -> None:
    if not plan.metadata:
        return
    try:
        text = json.dumps(dict(plan.metadata), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise SvgError(f"plan metadata cannot be written as JSON: {error}") from None
    metadata = ElementTree.Element("metadata")
    record = ElementTree.SubElement(metadata, "plotter:plan")
    record.text = text
    root.insert(0, metadata)


def write(plan: Plan, path: str | os.PathLike[str], *, travel: bool = False, precision: int = 3) -> None:
    """Write ``plan`` to ``path`` atomically: a crash never leaves a truncated file.

    ``travel=True`` adds the pen-up travel overlay layer (previews only; never plotted).
    ``precision`` is the number of decimals kept, in mm (3 = one micron).
    """
    text = to_svg_string(plan, travel=travel, precision=precision)
    try:
        with atomic_write(path) as handle:
            handle.write(text)
    except OSError as error:
        raise SvgError(f"{os.fspath(path)}: cannot write: {error.strerror or error}") from None
