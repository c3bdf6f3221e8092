"""The exhibition sheet: one page that walks the lineage this project follows, panel by panel.

AARON's abstract forms of the 1970s, its figures in a garden of the 1980s, a Painting Fool
portrait, then samples of the two learned generators, each panel titled in Hershey text
under a title for the whole sheet. Each panel is drawn for its own cell's shape, scaled to
fill it (aspect kept), and its pens are mapped onto the sheet's pens, so the sheet needs no
more pen changes than the pens it is given.

>>> plan = paint(seed=3, samples=4)
>>> [panel["title"] for panel in plan.metadata["panels"]][0]
'AARON, 1970s: abstract forms'
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass

import numpy as np

from painters import aaron, fool
from painters.fool.palette import pen_darkness, pen_rgb
from plotter.errors import PlanError
from plotter.ops import fit_to_page, sort_paths, translate
from plotter.plan import Layer, Pen, Plan
from plotter.text import text_block_height, text_paths, text_width

SHEET_TITLE = "Drawing machines: from AARON to diffusion"
DEFAULT_PENS = (Pen("black", "#1b1b1b", 0.3),)
#: Drawings in each generator's panel.
DEFAULT_SAMPLES = 15
#: Sizes on an A3 sheet (297 mm across the short side); other pages scale them.
_A3_SHORT_MM = 297.0
_MARGIN_MM = 15.0
_TITLE_MM = 8.0
_SUBTITLE_MM = 3.5
_PANEL_TITLE_MM = 4.0
_GUTTER_MM = 10.0
#: Smallest drawing area of a panel, mm a side: smaller, AARON's figures are specks.
MIN_PANEL_MM = 25.0

Size = tuple[float, float]


@dataclass(frozen=True)
class Panel:
    """One step of the lineage: a stage name for progress, its title, and how to draw it in a cell."""

    key: str
    title: str
    draw: Callable[[int, Size, tuple[Pen, ...], int], Plan]  # (seed, size mm, pens, samples) -> plan


def _aaron(scene: str) -> Callable[[int, Size, tuple[Pen, ...], int], Plan]:
    def draw(seed: int, size: Size, pens: tuple[Pen, ...], samples: int) -> Plan:
        return aaron.paint(seed, aaron.AaronParams(scene=scene, margin_mm=0.0), size, pens)

    return draw


def _portrait(seed: int, size: Size, pens: tuple[Pen, ...], samples: int) -> Plan:
    from skimage import data  # the astronaut ships inside scikit-image: no download

    # 512 px is 4 px a mm in an A3 panel; half of that still resolves every hatch and costs half the time
    photo = data.astronaut().reshape(256, 2, 256, 2, 3).mean(axis=(1, 3))
    return fool.paint(photo / 255.0, pens=pens, page=size, margin_mm=0.0, seed=seed)


def _generated(kind: str) -> Callable[[int, Size, tuple[Pen, ...], int], Plan]:
    def draw(seed: int, size: Size, pens: tuple[Pen, ...], samples: int) -> Plan:
        from generative.sample import generate_plan  # torch loads here, and only here

        return generate_plan(kind, count=samples, seed=seed, page_mm=size, margin_mm=0.0)

    return draw


PANELS = (
    Panel("aaron 1970s", "AARON, 1970s: abstract forms", _aaron("abstract")),
    Panel("aaron 1980s", "AARON, 1980s: figures in a garden", _aaron("garden")),
    Panel("painting fool", "The Painting Fool: a portrait", _portrait),
    Panel("vae", "Stroke VAE samples", _generated("vae")),
    Panel("diffusion", "Diffusion samples", _generated("diffusion")),
)
#: The progress stages of :func:`paint`, in order.
STAGES = (*(panel.key for panel in PANELS), "sort")


def redraw_command(seed: int, page: Size, samples: int, output: str = "OUT.svg") -> str:
    """The exact ``plotter paint history`` command line that draws this sheet again."""
    return (f"plotter paint history --seed {seed} --page {page[0]:.12g}x{page[1]:.12g}mm --samples {samples} "
            f"-o {shlex.quote(output)}")


def paint(
    seed: int = 1,
    page: Size = (297.0, 420.0),
    *,
    samples: int = DEFAULT_SAMPLES,
    pens: Sequence[Pen] | None = None,
    stage: Callable[[str], AbstractContextManager[object]] | None = None,
) -> Plan:
    """The sheet for ``seed`` on ``page`` (mm): :data:`PANELS` in a grid under :data:`SHEET_TITLE`.

    ``samples`` is the number of drawings in each generator's panel; ``stage(name)`` wraps
    each step named in :data:`STAGES` (a progress bar's hook). Every panel's strokes go to
    the sheet pen of the same name, else the nearest in colour; text goes to the darkest.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise PlanError(f"history: seed {seed!r} must be a whole number >= 0")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise PlanError(f"history: samples {samples!r} must be a whole number >= 1")
    pens = tuple(pens or DEFAULT_PENS)
    if len({p.name for p in pens}) != len(pens):
        raise PlanError(f"history: two pens share a name in {', '.join(p.name for p in pens)}")
    stage = stage or (lambda name: nullcontext())
    width, height = (float(v) for v in page)
    unit = min(width, height) / _A3_SHORT_MM
    ink: dict[str, list[np.ndarray]] = {pen.name: [] for pen in pens}
    darkest = max(pens, key=pen_darkness).name
    top = _sheet_title(ink[darkest], seed, width, unit)
    records = []
    for panel, (cell, area) in zip(PANELS, _cells(width, height, top, unit), strict=True):
        with stage(panel.key):
            title = _panel_title(panel.title, cell, unit)
            ink[darkest].extend(title)
            drawn = panel.draw(seed, (area[2] - area[0], area[3] - area[1]), pens, samples)
            placed = translate(fit_to_page(drawn, margin_mm=0.0, rotate="none"), area[0], area[1])
            for layer in placed.layers:
                ink[_sheet_pen(layer.pen, pens).name].extend(layer.paths)
            records.append({"title": panel.title, "title_mm": _rounded(_bounds(title)),
                            "drawing_mm": _rounded(area), "strokes": placed.path_count})
    metadata = {"generator": "history", "seed": seed, "panels": records,
                "params": {"samples": samples, "pens": [asdict(pen) for pen in pens]}}
    sheet = Plan((width, height), tuple(Layer(pen, tuple(ink[pen.name])) for pen in pens), metadata)
    with stage("sort"):
        return sort_paths(sheet).without_empty_layers()


def _sheet_title(into: list[np.ndarray], seed: int, width: float, unit: float) -> float:
    """Write the sheet's title and subtitle centred at the top; return where the panels may start, mm."""
    size = min(_TITLE_MM * unit, (width - 2 * _MARGIN_MM * unit) / text_width(SHEET_TITLE, size_mm=1.0))
    baseline = _MARGIN_MM * unit + size
    into.extend(text_paths(SHEET_TITLE, size_mm=size, origin=(width / 2, baseline), align="center"))
    subtitle = f"an exhibition sheet, seed {seed}"
    baseline += size * 0.8 + _SUBTITLE_MM * unit
    into.extend(text_paths(subtitle, size_mm=_SUBTITLE_MM * unit, origin=(width / 2, baseline), align="center"))
    return baseline + _GUTTER_MM * unit


def _cells(width: float, height: float, top: float, unit: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(cell, drawing area)`` boxes ``(x0, y0, x1, y1)`` mm per panel: 2 columns on a portrait page, else 3.

    A last row with fewer panels is centred.
    """
    margin, gutter = _MARGIN_MM * unit, _GUTTER_MM * unit
    columns = 2 if width < height else 3
    rows = math.ceil(len(PANELS) / columns)
    cell_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    cell_h = (height - margin - top - (rows - 1) * gutter) / rows
    heading = text_block_height(1, size_mm=_PANEL_TITLE_MM * unit) + 2 * unit
    if min(cell_w, cell_h - heading) < MIN_PANEL_MM:
        raise PlanError(f"history: a {width:g} x {height:g} mm page is too small for {len(PANELS)} panels")
    boxes = []
    for index in range(len(PANELS)):
        row, column = divmod(index, columns)
        in_row = min(columns, len(PANELS) - row * columns)
        left = (width - in_row * cell_w - (in_row - 1) * gutter) / 2 + column * (cell_w + gutter)
        y0 = top + row * (cell_h + gutter)
        cell = np.array([left, y0, left + cell_w, y0 + cell_h])
        boxes.append((cell, cell + np.array([0.0, heading, 0.0, 0.0])))
    return boxes


def _panel_title(title: str, cell: np.ndarray, unit: float) -> list[np.ndarray]:
    """The title centred over its cell, shrunk if it would be wider than the cell."""
    size = min(_PANEL_TITLE_MM * unit, (cell[2] - cell[0]) / text_width(title, size_mm=1.0))
    return text_paths(title, size_mm=size, origin=((cell[0] + cell[2]) / 2, cell[1] + size), align="center")


def _sheet_pen(pen: Pen, pens: tuple[Pen, ...]) -> Pen:
    """The sheet pen that draws a panel's ``pen``: the one of the same name, else the nearest colour."""
    for candidate in pens:
        if candidate.name == pen.name:
            return candidate
    return min(pens, key=lambda p: float(np.sum((pen_rgb(p) - pen_rgb(pen)) ** 2)))


def _bounds(paths: list[np.ndarray]) -> np.ndarray:
    points = np.concatenate(paths)
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


def _rounded(box: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in box]
