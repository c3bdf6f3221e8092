"""``plotter paint``: painters that make a plan, each a subcommand loaded when used."""

from __future__ import annotations

import click

from .lazy import LazyGroup

PAINTERS = {
    "aaron": "plotter.cli.paint_aaron:aaron",
    "schotter": "plotter.cli.paint_schotter:schotter",
    "fool": "plotter.cli.paint_image:fool",
    "stipple": "plotter.cli.paint_image:stipple",
    "tsp": "plotter.cli.paint_image:tsp",
    "squiggle": "plotter.cli.paint_image:squiggle",
    "flow": "plotter.cli.paint_image:flow",
    "edges": "plotter.cli.paint_image:edges",
    "text": "plotter.cli.paint_text:text",
    "history": "plotter.cli.paint_history:history",
}


@click.group(cls=LazyGroup, lazy_commands=PAINTERS)
def paint() -> None:
    """Make a drawing with one of the painters and write it as SVG.

    \b
    Examples:
      plotter paint aaron --seed 7 --scene garden -o garden.svg
      plotter paint fool photo.jpg --style pencil --mood calm -o photo.svg
      plotter paint stipple photo.jpg -o dots.svg
      plotter paint text "Hello, plotter" --font scripts --size 12mm -o hello.svg
      plotter paint history --seed 3 -o history.svg
    """
