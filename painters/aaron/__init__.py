"""An AARON-style painter: composed scenes of people, plants and rocks in freehand line.

After Harold Cohen's AARON (1972–2016): rules, not examples. Levels of decision, each an
ordered rule set — composition → space allocation → object plan → lines → line segments →
pen moves — place objects on a coarse occupancy map, build them from declarative knowledge
(articulated figures, grown plants, rocks, abstract forms), draw every line with a
feedback-controlled freehand pen, and cut farther lines at nearer forms.

>>> plan = paint(seed=7)
>>> plan.metadata["generator"], plan.metadata["seed"]
('aaron', 7)
"""

from __future__ import annotations

from plotter.plan import Pen, Plan

from .drawing import DEFAULT_PENS, Drawing, draw, draw_layout, redraw_command
from .params import SCENES, AaronParams

__all__ = ["DEFAULT_PENS", "SCENES", "AaronParams", "Drawing", "draw", "draw_layout", "explain", "paint",
           "paint_with_trace", "redraw_command"]


def paint(seed: int = 1, params: AaronParams | None = None, page: tuple[float, float] = (210.0, 297.0),
          pens: tuple[Pen, ...] | None = None) -> Plan:
    """The piece for ``seed`` on ``page`` (mm) with ``pens`` (default: one black pen)."""
    return draw(seed, params, page, pens).plan


def paint_with_trace(seed: int = 1, params: AaronParams | None = None, page: tuple[float, float] = (210.0, 297.0),
                     pens: tuple[Pen, ...] | None = None) -> tuple[Plan, list[str]]:
    """The piece and the rules that fired, one line per decision, grouped per object."""
    drawing = draw(seed, params, page, pens)
    return drawing.plan, drawing.trace


def explain(seed: int = 1, params: AaronParams | None = None, page: tuple[float, float] = (210.0, 297.0),
            pens: tuple[Pen, ...] | None = None) -> str:
    """The rule trace as text, as ``plotter paint aaron --explain`` prints it."""
    return "\n".join(paint_with_trace(seed, params, page, pens)[1])
