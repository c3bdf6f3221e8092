"""Single-stroke text in the Hershey fonts: titles, text pages and the signature on a piece.

A Hershey glyph is a few polylines drawn once by the pen, so text costs no filling and no
outline, just ink. Sizes are cap heights in mm; y points down as everywhere in a plan, and
a line of text sits on its baseline. Fonts come from the ``hershey-fonts`` package and are
parsed once per process.

>>> paths = text_paths("I", size_mm=10.0)
>>> len(paths), float(np.ptp(paths[0][:, 1]))
(1, 10.0)
>>> signed = sign(Plan.builder("a5").build(), ["No. 7", "seed 42"])
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np

from .errors import PlotterError
from .geometry import flatten
from .plan import Layer, Pen, Plan, as_path

DEFAULT_FONT = "futural"
ALIGNS = ("left", "center", "right")
#: The pen a signature gets when the plan has no layer at all.
SIGNING_PEN = Pen("black", "#1b1b1b", 0.3)
#: Smallest cap height of a text page: a pen cannot write letters much smaller than its tip.
MIN_TEXT_MM = 0.5
#: Most cells in the occupancy grid ``sign`` tests boxes against: 4M cells keep an A0 sheet cheap.
_MAX_CELLS = 4_000_000
#: Finest occupancy cell, mm: below this the grid costs memory and buys no visible accuracy.
_MIN_CELL_MM = 0.05


class TextError(PlotterError, ValueError):
    """Text that cannot be drawn: an unknown font, a missing glyph, no room on the page."""


@dataclass(frozen=True, eq=False)
class _Glyph:
    strokes: tuple[np.ndarray, ...]  # font units, x from the glyph's left side, y down from the baseline
    advance: float  # font units


@dataclass(frozen=True, eq=False)
class _Font:
    name: str
    glyphs: Mapping[str, _Glyph]
    cap_height: float  # font units from baseline to cap line
    descent: float  # font units from baseline to the lowest descender line


@cache
def _font_names() -> tuple[str, ...]:
    from HersheyFonts import HersheyFonts

    return tuple(sorted(HersheyFonts().default_font_names))


def fonts() -> list[str]:
    """The names of the Hershey fonts, sorted (``futural``, ``scripts``, ``timesr``, ...)."""
    return list(_font_names())


@cache
def _font(name: str) -> _Font:
    """Parse font ``name`` once; a glyph without strokes (other than the space) counts as missing."""
    if name not in _font_names():
        near = difflib.get_close_matches(name, _font_names(), n=4, cutoff=0.5)
        hint = f"did you mean {', '.join(near)}?" if near else f"available: {', '.join(_font_names())}"
        raise TextError(f"unknown font {name!r}; {hint}")
    from HersheyFonts import HersheyFonts

    renderer = HersheyFonts()
    renderer.load_default_font(name)
    lines = renderer.render_options
    base = float(lines["base_line"])
    glyphs = {}
    for char, glyph in renderer.all_glyphs.items():
        if not glyph.strokes and not char.isspace():
            continue
        origin = np.array([glyph.left_offset, base], dtype=np.float64)
        strokes = tuple(as_path(np.asarray(s, dtype=np.float64) - origin) for s in glyph.strokes)  # read-only: shared
        glyphs[char] = _Glyph(strokes, float(glyph.char_width))
    return _Font(name, MappingProxyType(glyphs), base - float(lines["cap_line"]), float(lines["bottom_line"]) - base)


def _checked_font(font: str, text: str) -> _Font:
    loaded = _font(font)
    missing = sorted(set(text) - set(loaded.glyphs) - {"\n"})
    if missing:
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        raise TextError(f"font {font!r} has no glyph for {listed}")
    return loaded


def drawable(text: str, *, font: str = DEFAULT_FONT) -> str:
    """``text`` with what ``font`` cannot draw made drawable: accents dropped (``café`` → ``cafe``),
    anything else still missing replaced by ``?``.

    For text a person did not type for the page — a photograph's file name in a gallery
    signature — where refusing to sign would stop the installation.
    """
    loaded = _font(font)
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c if c in loaded.glyphs or c == "\n" else "?" for c in plain)


def _check_size(size_mm: float) -> None:
    if not (isinstance(size_mm, int | float) and math.isfinite(size_mm) and size_mm > 0):
        raise TextError(f"text size {size_mm!r} mm must be a positive number")


def _align_share(align: str) -> float:
    """How much of a line's width lies left of its origin."""
    if align not in ALIGNS:
        raise TextError(f"unknown alignment {align!r}; valid: {', '.join(ALIGNS)}")
    return ALIGNS.index(align) / 2


def _advances(font: _Font, line: str) -> np.ndarray:
    """Left edge of every character of ``line`` and then the line's end, in font units."""
    widths = np.fromiter((font.glyphs[c].advance for c in line), dtype=np.float64, count=len(line))
    return np.concatenate([[0.0], np.cumsum(widths)])


def text_width(text: str, *, font: str = DEFAULT_FONT, size_mm: float = 5.0) -> float:
    """Width in mm of the widest line of ``text``, by the glyphs' own advance widths."""
    _check_size(size_mm)
    loaded = _checked_font(font, text)
    scale = size_mm / loaded.cap_height
    return max(float(_advances(loaded, line)[-1]) for line in text.split("\n")) * scale


def line_pitch(size_mm: float, line_spacing: float = 1.5) -> float:
    """Baseline-to-baseline distance in mm: ``line_spacing`` cap heights."""
    return size_mm * line_spacing


def text_paths(
    text: str,
    *,
    font: str = DEFAULT_FONT,
    size_mm: float = 5.0,
    origin: tuple[float, float] = (0.0, 0.0),
    align: str = "left",
    line_spacing: float = 1.5,
) -> list[np.ndarray]:
    """The strokes that write ``text``, in mm, y down; ``"\\n"`` starts a new line.

    ``size_mm`` is the cap height. ``origin`` is on the first line's baseline: its left end
    (``align="left"``), its centre ("center") or its right end ("right"); every further line
    is aligned the same way, ``line_spacing`` cap heights lower. Glyphs advance by their own
    widths, as the font designer spaced them.
    """
    _check_size(size_mm)
    share = _align_share(align)
    if not (math.isfinite(line_spacing) and line_spacing > 0):
        raise TextError(f"line spacing {line_spacing!r} must be a positive number")
    ox, oy = (float(v) for v in origin)
    if not (math.isfinite(ox) and math.isfinite(oy)):
        raise TextError(f"text origin {origin!r} must be finite")
    loaded = _checked_font(font, text)
    scale = size_mm / loaded.cap_height
    paths: list[np.ndarray] = []
    for row, line in enumerate(text.split("\n")):
        lefts = _advances(loaded, line)
        start = ox - share * lefts[-1] * scale
        baseline = oy + row * line_pitch(size_mm, line_spacing)
        strokes = [(s, left) for char, left in zip(line, lefts[:-1], strict=True)
                   for s in loaded.glyphs[char].strokes]
        if not strokes:
            continue
        points, offsets = flatten([s for s, _ in strokes])
        shift = np.repeat([left for _, left in strokes], np.diff(offsets))
        placed = points * scale
        placed[:, 0] += start + shift * scale
        placed[:, 1] += baseline
        paths.extend(as_path(p) for p in np.split(placed, offsets[1:-1]))
    return paths


def wrap(text: str, width_mm: float, *, font: str = DEFAULT_FONT, size_mm: float = 5.0) -> str:
    """``text`` with its words re-flowed into lines no wider than ``width_mm``.

    Each ``"\\n"`` in ``text`` ends a paragraph; runs of spaces collapse to one. A word wider
    than a whole line is an error naming it, since breaking it would change what it says.
    """
    loaded = _checked_font(font, text)
    _check_size(size_mm)
    scale = size_mm / loaded.cap_height
    space = loaded.glyphs[" "].advance * scale if " " in loaded.glyphs else 0.0
    lines = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split():
            wide = float(_advances(loaded, word)[-1]) * scale
            if wide > width_mm:
                raise TextError(f"the word {word!r} is {wide:.1f} mm wide at {size_mm:g} mm; a line holds "
                                f"{width_mm:.1f} mm: use a smaller size or a wider page")
            if line and used + space + wide > width_mm:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + wide
            line.append(word)
        lines.append(" ".join(line))
    return "\n".join(lines)


def text_block_height(lines: int, *, font: str = DEFAULT_FONT, size_mm: float = 5.0,
                      line_spacing: float = 1.5) -> float:
    """Height in mm from the first line's cap line to the last line's descender line."""
    loaded = _font(font)
    return size_mm * (1 + loaded.descent / loaded.cap_height) + (lines - 1) * line_pitch(size_mm, line_spacing)


def text_plan(
    text: str,
    page_mm: tuple[float, float],
    *,
    font: str = DEFAULT_FONT,
    size_mm: float = 5.0,
    align: str = "left",
    margin_mm: float = 10.0,
    line_spacing: float = 1.5,
) -> Plan:
    """A page of ``text``, wrapped to the page's width inside the margins and centred as a block.

    ``align`` places each line within the block. Sizes below :data:`MIN_TEXT_MM` are refused:
    a pen cannot write letters much smaller than its own tip.
    """
    if not text.strip():
        raise TextError("nothing to write: the text is empty")
    _check_size(size_mm)
    share = _align_share(align)
    if size_mm < MIN_TEXT_MM:
        raise TextError(f"text size {size_mm:g} mm is too small for a pen; the smallest is {MIN_TEXT_MM:g} mm")
    width, height = page_mm
    if not (math.isfinite(margin_mm) and 0 <= margin_mm < min(width, height) / 2):
        raise TextError(f"margin {margin_mm!r} mm leaves no room on a {width:g} x {height:g} mm page")
    room_w, room_h = width - 2 * margin_mm, height - 2 * margin_mm
    wrapped = wrap(text, room_w, font=font, size_mm=size_mm)
    rows = wrapped.count("\n") + 1
    tall = text_block_height(rows, font=font, size_mm=size_mm, line_spacing=line_spacing)
    if tall > room_h:
        raise TextError(f"the text needs {rows} lines, {tall:.1f} mm at {size_mm:g} mm, but the {width:g} x "
                        f"{height:g} mm page holds {room_h:.1f} mm inside its margins: use a smaller size")
    wide = text_width(wrapped, font=font, size_mm=size_mm)
    origin = ((width - wide) / 2 + share * wide, (height - tall) / 2 + size_mm)
    paths = text_paths(wrapped, font=font, size_mm=size_mm, origin=origin, align=align, line_spacing=line_spacing)
    params = {"text": text, "font": font, "size_mm": size_mm, "align": align, "margin_mm": margin_mm,
              "line_spacing": line_spacing}
    metadata = {"generator": "text", "lines": rows, "params": params}
    return Plan(page_mm, (Layer(SIGNING_PEN, tuple(paths)),), metadata)


# --- signing ------------------------------------------------------------------------------
def _darkness(pen: Pen) -> float:
    """1 - relative luminance (Rec. 709) of the pen's colour: black is 1, white 0."""
    red, green, blue = (int(pen.color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 1.0 - (0.2126 * red + 0.7152 * green + 0.0722 * blue)


def _occupancy(plan: Plan, cell: float) -> np.ndarray:
    """Integral image (rows = y) of the grid cells any stroke touches, conservatively.

    Each segment is cut into pieces no longer than a cell and each piece marks the (at most
    2 x 2) cells of its bounding box, so every cell a stroke passes through is marked: a box
    whose cells are all free is truly clear of ink.
    """
    width, height = plan.page_mm
    shape = (max(1, math.ceil(height / cell)), max(1, math.ceil(width / cell)))
    grid = np.zeros(shape, dtype=bool)
    paths = [p for _, p in plan.iter_paths()]
    if paths:
        points, offsets = flatten(paths)
        starts, ends = points[:-1], points[1:]
        keep = np.ones(len(starts), dtype=bool)
        keep[offsets[1:-1] - 1] = False  # the jump from one path to the next is not drawn
        starts, ends = _clipped(starts[keep], ends[keep], np.array([width, height]))
        pieces = np.maximum(1, np.ceil(np.hypot(*(ends - starts).T) / cell)).astype(np.int64)
        segment = np.repeat(np.arange(len(starts)), pieces)
        step = np.arange(len(segment)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        direction = (ends - starts)[segment] / pieces[segment, None]
        a = starts[segment] + direction * step[:, None]
        b = a + direction
        corners = np.concatenate([np.minimum(a, b), np.maximum(a, b), points])
        cells = np.floor(corners / cell).astype(np.int64)
        cells[:, 0] = np.clip(cells[:, 0], 0, shape[1] - 1)
        cells[:, 1] = np.clip(cells[:, 1], 0, shape[0] - 1)
        low, high = cells[: len(a)], cells[len(a) : 2 * len(a)]
        for xs, ys in ((low[:, 0], low[:, 1]), (high[:, 0], low[:, 1]), (low[:, 0], high[:, 1]),
                       (high[:, 0], high[:, 1]), (cells[2 * len(a) :, 0], cells[2 * len(a) :, 1])):
            grid[ys, xs] = True
    integral = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    integral[1:, 1:] = grid.cumsum(axis=0).cumsum(axis=1)
    return integral


def _clipped(starts: np.ndarray, ends: np.ndarray, page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The parts of segments on the page (Liang-Barsky), so a stroke running far off it costs nothing."""
    delta = ends - starts
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = (0.0 - starts) / delta, (page - starts) / delta
    flat = delta == 0  # parallel to an axis: wholly in or out along it
    inside = (starts >= 0.0) & (starts <= page)
    low = np.where(flat, np.where(inside, -np.inf, np.inf), low)
    high = np.where(flat, np.where(inside, np.inf, -np.inf), high)
    enter = np.maximum(np.minimum(low, high).max(axis=1), 0.0)
    leave = np.minimum(np.maximum(low, high).min(axis=1), 1.0)
    keep = enter <= leave
    return starts[keep] + delta[keep] * enter[keep, None], starts[keep] + delta[keep] * leave[keep, None]


def _inked(integral: np.ndarray, cell: float, left: np.ndarray, top: np.ndarray, width: float,
           height: float) -> np.ndarray:
    """How many marked cells each box ``left[j], top[i]`` (mm) overlaps: shape ``(len(top), len(left))``."""
    rows, columns = integral.shape[0] - 1, integral.shape[1] - 1
    x0 = np.clip(np.floor(left / cell).astype(np.int64), 0, columns - 1)
    x1 = np.clip(np.floor((left + width) / cell).astype(np.int64), 0, columns - 1) + 1
    y0 = np.clip(np.floor(top / cell).astype(np.int64), 0, rows - 1)[:, None]
    y1 = np.clip(np.floor((top + height) / cell).astype(np.int64), 0, rows - 1)[:, None] + 1
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


def _box(paths: list[np.ndarray]) -> np.ndarray:
    points = np.concatenate(paths)
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


def sign(
    plan: Plan,
    lines: Sequence[str],
    *,
    size_mm: float = 2.5,
    margin_mm: float = 8.0,
    clearance_mm: float = 2.0,
    font: str = DEFAULT_FONT,
) -> Plan:
    """``plan`` with ``lines`` written where they collide with nothing, in its darkest pen.

    The text's box, grown by ``clearance_mm`` (measured between the edges of the inked
    lines, so pen widths count), must stay inside the page's ``margin_mm`` and touch no
    stroke. Tried in turn: the bottom-right corner, bottom-left, top-right, top-left, then
    the free place nearest the bottom-right. The text joins the layer of the darkest pen, so
    signing costs no pen change.
    """
    text = "\n".join(lines)
    if not text.strip():
        return plan
    for name, value in (("margin", margin_mm), ("clearance", clearance_mm)):
        if not (math.isfinite(value) and value >= 0):
            raise TextError(f"signature {name} {value!r} mm must be a finite length >= 0")
    layers = list(plan.layers) or [Layer(SIGNING_PEN)]
    target = max(range(len(layers)), key=lambda k: (_darkness(layers[k].pen), -k))
    widest = max(layer.pen.width_mm for layer in layers)
    grow = clearance_mm + (widest + layers[target].pen.width_mm) / 2
    width, height = plan.page_mm
    layouts = {a: text_paths(text, font=font, size_mm=size_mm, align=a) for a in ("left", "right")}
    block = _box(layouts["right"])
    wanted = (block[2] - block[0] + 2 * grow, block[3] - block[1] + 2 * grow)
    what = (f"the signature ({block[2] - block[0]:.1f} x {block[3] - block[1]:.1f} mm plus {clearance_mm:g} mm "
            f"clearance) on the {width:g} x {height:g} mm page inside its {margin_mm:g} mm margins")
    if wanted[0] > width - 2 * margin_mm or wanted[1] > height - 2 * margin_mm:
        raise TextError(f"{what} does not fit even on a blank page")
    cell = max(min(grow, size_mm) / 4, math.sqrt(width * height / _MAX_CELLS), _MIN_CELL_MM)
    placed = _place(_occupancy(plan, cell), cell, width, height, margin_mm, grow, layouts)
    if placed is None:
        raise TextError(f"no room for {what}: every place touches a stroke")
    layers[target] = layers[target].with_paths([*layers[target].paths, *placed])
    return plan.with_layers(layers)


def _place(integral: np.ndarray, cell: float, width: float, height: float, margin: float, grow: float,
           layouts: dict[str, list[np.ndarray]]) -> list[np.ndarray] | None:
    """The text moved to the first free place (corners, then a scan), or None when there is none."""
    right, bottom = width - margin, height - margin
    for align, corner_x, corner_y in (("right", 1, 1), ("left", 0, 1), ("right", 1, 0), ("left", 0, 0)):
        paths = layouts[align]
        box = _box(paths) + np.array([-grow, -grow, grow, grow])
        size = box[2:] - box[:2]
        if size[0] > right - margin or size[1] > bottom - margin:
            continue
        left = right - size[0] if corner_x else margin
        top = bottom - size[1] if corner_y else margin
        if _inked(integral, cell, np.array([left]), np.array([top]), *size)[0, 0] == 0:
            return _moved(paths, left - box[0], top - box[1])
    paths = layouts["right"]
    box = _box(paths) + np.array([-grow, -grow, grow, grow])
    size = box[2:] - box[:2]
    if size[0] > right - margin or size[1] > bottom - margin:
        return None
    lefts = np.append(np.arange(margin, right - size[0], cell), right - size[0])
    tops = np.append(np.arange(margin, bottom - size[1], cell), bottom - size[1])
    free = _inked(integral, cell, lefts, tops, *size) == 0
    if not free.any():
        return None
    rows, columns = np.nonzero(free)
    # nearest the bottom-right corner; ties go to the lower, then the further right place
    distance = np.hypot(right - size[0] - lefts[columns], bottom - size[1] - tops[rows])
    best = np.lexsort((-lefts[columns], -tops[rows], distance))[0]
    return _moved(paths, lefts[columns[best]] - box[0], tops[rows[best]] - box[1])


def _moved(paths: list[np.ndarray], dx: float, dy: float) -> list[np.ndarray]:
    shift = np.array([dx, dy])
    return [as_path(p + shift) for p in paths]
