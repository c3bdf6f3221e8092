"""``plotter stats``: path counts, lengths, travel and estimated plot time."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import svg
from ..stats import plan_stats
from .types import LENGTH


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")
@click.option("--tolerance", type=LENGTH, default="0.1mm", show_default=True,
              help="Curve flattening tolerance when reading.")
def stats(source: Path, as_json: bool, tolerance: float) -> None:
    """Print statistics of SOURCE, per layer and in total.

    Pen-up travel counts the moves from the origin to the first path and back at the end;
    the time is estimated with an acceleration-limited motion model (default feeds).

    \b
    Examples:
      plotter stats drawing.svg
      plotter stats drawing.svg --json | jq .time_s
    """
    result = plan_stats(svg.read(source, tolerance_mm=tolerance))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.format_table())
