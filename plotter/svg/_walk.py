"""Walk an SVG element tree and collect what a plotter would draw, grouped into pen bins.

The walk carries down what SVG inherits (transform, cascaded style, viewport) and decides
per element whether it is drawn at all: ``display:none`` prunes a subtree, ``visibility``
hides an element unless a descendant makes itself visible again, ``<defs>``, ``<symbol>``,
``<clipPath>``, ``<mask>``, ``<marker>``, ``<pattern>``, text and images are never drawn
except through ``<use>``, and neither are our own pen-up travel overlay
(``plotter:role="travel"``) nor AxiDraw-style documentation layers (label starting ``%``).

Top-level layers: an Inkscape layer (``inkscape:groupmode="layer"``, sub-layers merged in)
is one bin named by its ``inkscape:label``. In files without Inkscape layers, a top-level
``<g>`` is taken as a layer when it carries Illustrator's ``data-name``, when the file was
written by Illustrator (every top-level group is a layer there, its name encoded in the
``id``; a "preserve editing" file wraps them in ``<switch>``), or when its id reads like
``layer1``/``Layer_2``. Everything else goes into one
bin per colour: the stroke colour, else the fill colour, else black.

Paths are kept in user units while walking, in runs that share one transform, and mapped to
mm a run at a time at the end: a file of 100k small paths costs a few numpy calls per path.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from xml.etree.ElementTree import Element

import numpy as np
import svgelements

from . import _flatten
from ._flatten import GeometryError, Matrix, NonFinite, compose
from ._style import INHERITED_DEFAULTS, Identity, StyleSheet, colour_hex, identity, inherit, own_properties
from ._viewport import length_px, transform_matrix, translate, viewbox, viewbox_matrix

SVG_NS = "http://www.w3.org/2000/svg"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"
PLOTTER_NS = "urn:plotter:plan:1"
_GROUPMODE = f"{{{INKSCAPE_NS}}}groupmode"
_LABEL = f"{{{INKSCAPE_NS}}}label"
_ROLE = f"{{{PLOTTER_NS}}}role"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_AI_EXTRANEOUS = "{http://ns.adobe.com/AdobeIllustrator/10.0/}extraneous"

_SHAPES = frozenset({"path", "rect", "circle", "ellipse", "line", "polyline", "polygon"})
_DRAWN = _SHAPES | {"g", "a", "switch", "svg", "use"}
_SVGELEMENTS_SHAPES = {"rect": svgelements.Rect, "circle": svgelements.Circle, "ellipse": svgelements.Ellipse}
_SHAPE_ATTRIBUTES = ("x", "y", "width", "height", "rx", "ry", "cx", "cy", "r")
_LAYER_ID = re.compile(r"^layer[\s_-]*\d+(?:-\d+)?$", re.IGNORECASE)
_ILLUSTRATOR_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{2,4})_")

#: Where a path came from, to name it in an error: (element, tag, shape number).
_Source = tuple[Element, str, int]


@dataclass
class _Run:
    """Consecutive paths of one bin that share one transform."""

    matrix: Matrix
    paths: list[np.ndarray] = field(default_factory=list)
    sources: list[_Source] = field(default_factory=list)


@dataclass
class Bin:
    """Paths bound for one plan layer, in document order, with the pens they asked for."""

    name: str | None  # a layer's own name; None for a colour bin (named by its colour)
    runs: list[_Run] = field(default_factory=list)
    colours: Counter[str] = field(default_factory=Counter)
    widths: Counter[float] = field(default_factory=Counter)  # stroke widths in mm, by path count
    paths: list[np.ndarray] = field(default_factory=list)  # in mm, filled by Walker.run

    def add(self, matrix: Matrix, paths: list[np.ndarray], source: _Source) -> None:
        run = self.runs[-1] if self.runs else None
        if run is None or run.matrix != matrix:
            run = _Run(matrix)
            self.runs.append(run)
        run.paths.extend(paths)
        run.sources.extend([source] * len(paths))


@dataclass(slots=True)
class _Scope:
    """What an element inherits from its parent, and the pen that implies, worked out once."""

    matrix: Matrix  # user units -> page mm
    style: Mapping[str, str]
    layer: int | None  # index into Walker.layer_names, None outside named layers
    viewport: tuple[float, float]  # in user units, what percentages refer to
    ancestors: tuple[Identity, ...]  # for descendant CSS selectors only
    pen: tuple[Bin, str, float | None] | None = field(default=None, init=False)  # cache, not copied by replace


@cache
def local_name(tag: object) -> str | None:
    """The SVG tag without its namespace; None for foreign elements and comments."""
    if not isinstance(tag, str):
        return None
    if tag[0] == "{":
        namespace, _, local = tag[1:].partition("}")
        return local if namespace == SVG_NS else None
    return tag  # an <svg> saved from a web page without xmlns: still SVG


class Walker:
    """One walk over one document: :meth:`run` returns its bins, paths in mm."""

    def __init__(self, root: Element, tolerance_mm: float, illustrator: bool) -> None:
        self.root = root
        self.tolerance_mm = tolerance_mm
        # Illustrator says so in a comment ("Save As"), or only by its data-name ("Export As")
        self.illustrator = illustrator or any(el.get("data-name") is not None for el in (root, *root))
        styles = [*root.iter(f"{{{SVG_NS}}}style"), *root.iter("style")]
        self.sheet = StyleSheet(element.text or "" for element in styles)
        self.inkscape_layers = any(child.get(_GROUPMODE) == "layer" for child in root)
        self.bins: dict[object, Bin] = {}
        self.layer_names: list[str] = []  # of the named top-level layers, as written (maybe empty)
        self.shapes = 0
        self._ids: dict[str, Element] | None = None
        self._using: set[str] = set()

    def run(self, matrix: Matrix, viewport: tuple[float, float]) -> list[Bin]:
        own = self._own(self.root, "svg", ())
        ancestors = (identity("svg", self.root.attrib),) if self.sheet.needs_ancestors else ()
        if own.get("display", "").lower() != "none":
            style = inherit(dict(INHERITED_DEFAULTS), own)
            self._children(self.root, _Scope(matrix, style, None, viewport, ancestors), top=True)
        for drawn in self.bins.values():
            for run in drawn.runs:
                try:
                    drawn.paths.extend(_flatten.to_mm(run.matrix, run.paths))
                except NonFinite as error:
                    element, tag, number = run.sources[error.index]
                    raise GeometryError(f"{_describe(element, tag, number)} {error}") from None
            drawn.runs.clear()
        return list(self.bins.values())

    # --- structure -------------------------------------------------------------------------
    def _own(self, element: Element, tag: str, ancestors: tuple[Identity, ...]) -> dict[str, str]:
        attrib = element.attrib
        who = identity(tag, attrib) if self.sheet else (tag, None, frozenset())
        return own_properties(attrib, who, self.sheet, ancestors)

    def _children(self, parent: Element, scope: _Scope, top: bool = False) -> None:
        for child in parent:
            tag = local_name(child.tag)
            if tag in _DRAWN:
                self._element(child, tag, scope, top)

    def _element(self, element: Element, tag: str, scope: _Scope, top: bool = False) -> None:
        attrib = element.attrib
        own = self._own(element, tag, scope.ancestors)
        if own.get("display", "").lower() == "none" or attrib.get(_ROLE) == "travel":
            return
        if tag == "g" and attrib.get(_GROUPMODE) == "layer" and attrib.get(_LABEL, "").startswith("%"):
            return  # a documentation layer: AxiDraw does not plot it, nor do we
        if tag in _SHAPES:
            self.shapes += 1
        try:
            inner = self._inner(element, tag, scope, own, top)
            if tag in _SHAPES:
                self._shape(element, tag, inner)
            elif tag == "use":
                self._use(element, inner)
            elif tag == "svg":
                self._nested_viewport(element, element, inner)
            else:
                self._children(element, inner, top=top and self._wraps_layers(element, tag))
        except GeometryError as error:
            if str(error).startswith("<"):
                raise  # already names its element
            raise GeometryError(f"{_describe(element, tag, self.shapes)} {error}") from None

    def _inner(self, element: Element, tag: str, scope: _Scope, own: dict[str, str], top: bool) -> _Scope:
        """The scope an element passes on; its parent's own when it changes nothing (the common case)."""
        attrib = element.attrib
        transform = attrib.get("transform")
        layer = scope.layer
        if tag == "g" and top:
            name = self._layer_name(attrib)
            if name is not None:
                layer = len(self.layer_names)
                self.layer_names.append(name)
        if not own and not transform and layer == scope.layer and not self.sheet.needs_ancestors:
            return scope
        return _Scope(
            compose(scope.matrix, transform_matrix(transform)) if transform else scope.matrix,
            inherit(scope.style, own),
            layer,
            scope.viewport,
            scope.ancestors + (identity(tag, attrib),) if self.sheet.needs_ancestors else (),
        )

    @staticmethod
    def _wraps_layers(element: Element, tag: str) -> bool:
        """Illustrator's "preserve editing" files put the layers inside ``<switch><g i:extraneous="self">``."""
        return tag == "switch" or (tag == "g" and element.get(_AI_EXTRANEOUS) == "self")

    def _layer_name(self, attrib: dict[str, str]) -> str | None:
        """The name of a top-level group that is a layer (see the module docstring), else None."""
        if attrib.get(_GROUPMODE) == "layer":
            return attrib.get(_LABEL) or attrib.get("id") or ""
        if self.inkscape_layers:
            return None
        if "data-name" in attrib:
            return attrib["data-name"]
        element_id = attrib.get("id")
        if element_id and (self.illustrator or _LAYER_ID.match(element_id)):
            return _ILLUSTRATOR_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), element_id)
        return None

    def _use(self, element: Element, scope: _Scope) -> None:
        href = element.get("href") or element.get(_XLINK_HREF) or ""
        if not href.startswith("#"):
            return  # no reference, or one into another file: nothing we can draw
        if self._ids is None:
            self._ids = {el.get("id"): el for el in self.root.iter() if el.get("id") is not None}
        target = self._ids.get(href[1:])
        target_tag = None if target is None else local_name(target.tag)
        if target_tag is None:
            return  # a dangling reference draws nothing, as in a browser
        if href in self._using:
            raise GeometryError(f"refers to {href} from inside {href}: a circular <use>")
        width, height = scope.viewport
        x = length_px("x", element.get("x"), width) or 0.0
        y = length_px("y", element.get("y"), height) or 0.0
        placed = replace(scope, matrix=compose(scope.matrix, translate(x, y)))
        self._using.add(href)
        try:
            if target_tag in ("symbol", "svg"):
                own = self._own(target, target_tag, scope.ancestors)
                if own.get("display", "").lower() != "none":
                    self._nested_viewport(target, element, replace(placed, style=inherit(scope.style, own)))
            elif target_tag in _DRAWN:
                self._element(target, target_tag, placed)
        finally:
            self._using.discard(href)

    def _nested_viewport(self, content: Element, sizing: Element, scope: _Scope) -> None:
        """Children of an inner ``<svg>`` or a used ``<symbol>``, mapped by its viewBox."""
        width, height = scope.viewport
        matrix = scope.matrix
        if content is sizing:  # an inner <svg> places itself
            x = length_px("x", content.get("x"), width) or 0.0
            y = length_px("y", content.get("y"), height) or 0.0
            matrix = compose(matrix, translate(x, y))
        w = length_px("width", sizing.get("width"), width)
        h = length_px("height", sizing.get("height"), height)
        w = width if w is None else w
        h = height if h is None else h
        if w <= 0 or h <= 0:
            return  # a zero-sized viewport disables rendering
        box = viewbox(content.get("viewBox"))
        if box is not None:
            matrix = compose(matrix, viewbox_matrix(0.0, 0.0, w, h, box, content.get("preserveAspectRatio")))
            w, h = box[2], box[3]
        self._children(content, replace(scope, matrix=matrix, viewport=(w, h)))

    # --- drawing ---------------------------------------------------------------------------
    def _shape(self, element: Element, tag: str, scope: _Scope) -> None:
        if scope.style.get("visibility", "visible").lower() in ("hidden", "collapse"):
            return
        paths = self._geometry(element, tag, scope)
        if not paths:
            return
        drawn, colour, width_mm = scope.pen or self._pen(scope)
        drawn.add(scope.matrix, paths, (element, tag, self.shapes))
        drawn.colours[colour] += len(paths)
        if width_mm:
            drawn.widths[width_mm] += len(paths)

    def _pen(self, scope: _Scope) -> tuple[Bin, str, float | None]:
        """The bin, colour and stroke width (mm) of the shapes of one scope."""
        style = scope.style
        current = style.get("color", "black")
        stroke = colour_hex(style.get("stroke", "none"), current)
        colour = stroke or colour_hex(style.get("fill", "black"), current) or "#000000"
        width_mm = None
        if stroke is not None:
            width_px = _stroke_width_px(style.get("stroke-width", ""), math.hypot(*scope.viewport) / math.sqrt(2))
            a, b, c, d = scope.matrix[:4]
            width_mm = round(width_px * math.sqrt(abs(a * d - b * c)), 6) or None
        key = ("layer", scope.layer) if scope.layer is not None else ("colour", colour)
        drawn = self.bins.get(key)
        if drawn is None:
            drawn = self.bins[key] = Bin(None if scope.layer is None else self.layer_names[scope.layer])
        scope.pen = (drawn, colour, width_mm)
        return scope.pen

    def _geometry(self, element: Element, tag: str, scope: _Scope) -> list[np.ndarray]:
        """The element's polylines in user units."""
        attrib = element.attrib
        if tag == "path":
            return _flatten.path_data(attrib.get("d", ""), scope.matrix, self.tolerance_mm)
        if tag in ("polyline", "polygon"):
            return _flatten.points_list(attrib.get("points", ""), closed=tag == "polygon")
        width, height = scope.viewport
        if tag == "line":
            ends = [
                length_px(name, attrib.get(name), reference) or 0.0
                for name, reference in (("x1", width), ("y1", height), ("x2", width), ("y2", height))
            ]
            return [np.array(ends, dtype=np.float64).reshape(2, 2)]
        for name in _SHAPE_ATTRIBUTES:  # svgelements reads a bad length as 0: refuse it first
            length_px(name, attrib.get(name), 1.0)
        shape = _SVGELEMENTS_SHAPES[tag]({name: attrib[name] for name in _SHAPE_ATTRIBUTES if name in attrib})
        shape.render(ppi=svgelements.DEFAULT_PPI, width=width, height=height)
        if shape.is_degenerate():
            return []
        tolerance = self.tolerance_mm / max(_flatten.stretch(scope.matrix), 1e-300)
        subpaths = _flatten.flatten_segments(shape.segments(transformed=False), tolerance)
        return [points for points in subpaths if len(points) >= 2]


@lru_cache(maxsize=1024)
def _stroke_width_px(text: str, diagonal: float) -> float:
    """A stroke width in user units; 0 (→ the default pen width) when unset or unreadable."""
    try:
        return max(length_px("stroke-width", text, diagonal) or 0.0, 0.0)
    except GeometryError:
        return 0.0


def _describe(element: Element, tag: str, number: int) -> str:
    element_id = element.get("id")
    if element_id:
        return f'<{tag} id="{element_id}">'
    return f"<{tag}> (shape #{number}, no id)" if tag in _SHAPES else f"<{tag}> (no id)"
