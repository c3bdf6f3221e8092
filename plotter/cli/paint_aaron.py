"""``plotter paint aaron``: an AARON-style scene of people, plants and rocks in freehand line.

The options after ``--pens`` are generated from :class:`painters.aaron.AaronParams`, the
one place the piece's parameters and their bounds are declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from painters.aaron import DEFAULT_PENS, AaronParams, draw, redraw_command
from painters.aaron.params import option_name

from .. import svg
from ..pens import parse_pens
from ..stats import plan_stats
from .progress import Stages, metres, summary
from .types import PAGE


def _param_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One click option per declared parameter, with its bounds or choices and its default."""
    for spec in reversed(fields(AaronParams)):
        meta = spec.metadata
        if meta["choices"] is not None:
            kind: click.ParamType = click.Choice(meta["choices"])
        elif spec.type == "int":
            kind = click.IntRange(int(meta["low"]), int(meta["high"]))
        else:
            kind = click.FloatRange(meta["low"], meta["high"])
        command = click.option(option_name(spec.name), spec.name, type=kind, default=spec.default,
                               show_default=True, help=meta["help"])(command)
    return command


@click.command("aaron")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="SVG to write.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Seed of the piece.")
@click.option("--page", type=PAGE, default="a4", show_default=True, help="Page size (a4, a3, 300x200mm).")
@click.option("--pens", "pen_spec", help="Pen set: a .toml file or a list like black,red:#c0392b:0.5 "
              "(default: one black pen). With several pens the regions are hatched in colour.")
@_param_options
@click.option("--explain", is_flag=True, help="Print which rules fired, per object, on stdout.")
def aaron(output: Path, seed: int, page: tuple[float, float], pen_spec: str | None, explain: bool,
          **params: Any) -> None:
    """Compose and draw an AARON-style scene and write it to OUTPUT.

    The same seed and options always give the same file, byte for byte; the SVG's metadata
    holds the command that draws it again.

    \b
    Examples:
      plotter paint aaron --seed 7 -o garden.svg
      plotter paint aaron --scene figures --page a3 --pens black,red,blue,yellow -o people.svg
      plotter paint aaron --scene abstract --objects 8 --explain -o forms.svg
    """
    pens = parse_pens(pen_spec) if pen_spec else DEFAULT_PENS
    stages = Stages(["paint", "write"])
    with stages.stage("paint"):
        piece = AaronParams(**params)
        drawing = draw(seed, piece, page, pens)
        plan = drawing.plan.with_metadata(command=redraw_command(seed, piece, page, pens, str(output)))
    with stages.stage("write"):
        svg.write(plan, output)
    elapsed = stages.close()
    if explain:
        click.echo("\n".join(drawing.trace))
    facts = plan_stats(plan).to_dict()
    summary(f"wrote {output}: {plan.metadata['objects']} objects, {facts['paths']} strokes, "
            f"pen-down {metres(facts['pen_down_mm'])} in {elapsed:.2f} s")
