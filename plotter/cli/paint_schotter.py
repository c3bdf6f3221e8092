"""``plotter paint schotter``: Georg Nees's *Schotter* (1968), order dissolving into disorder."""

from __future__ import annotations

import time
from pathlib import Path

import click

from painters.schotter import SchotterParams, paint

from .. import svg
from ..geometry import path_lengths
from .progress import metres, summary
from .types import PAGE


@click.command("schotter")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="SVG to write.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--page", type=PAGE, default="a4", show_default=True, help="Page size (a4, a3, 300x200mm).")
@click.option("--columns", type=click.IntRange(1, 60), default=12, show_default=True)
@click.option("--rows", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--square", "square_mm", type=click.FloatRange(1, 100), default=12.0, show_default=True,
              help="Side of one square in mm.")
@click.option("--disorder", type=click.FloatRange(0, 3), default=1.0, show_default=True,
              help="How wild the last row gets.")
@click.option("--accent-every", type=click.IntRange(min=0), default=5, show_default=True,
              help="Draw every n-th row with a second, red pen (0: one pen).")
def schotter(output: Path, seed: int, page, columns: int, rows: int, square_mm: float, disorder: float,
             accent_every: int) -> None:
    """A grid of squares whose rotation and displacement grow down the page.

    \b
    Example:
      plotter paint schotter --seed 3 --disorder 1.5 -o schotter.svg
    """
    started = time.monotonic()
    plan = paint(seed, SchotterParams(columns, rows, square_mm, disorder, accent_every), page)
    svg.write(plan, output)
    drawn = sum(path_lengths(layer.paths).sum() for layer in plan.layers)
    summary(f"wrote {output}: {plan.path_count} strokes, pen-down {metres(drawn)}, "
            f"in {time.monotonic() - started:.1f} s")
