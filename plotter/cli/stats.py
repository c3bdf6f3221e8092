"""``plotter stats``: path counts, lengths, travel and estimated plot time."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import svg
from ..machines import load_machine
from ..stats import plan_stats
from .types import LENGTH


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")
@click.option("-m", "--machine", "machine_name", help="Estimate the time with this machine's feeds and acceleration.")
@click.option("--tolerance", type=LENGTH, default="0.1mm", show_default=True,
              help="Curve flattening tolerance when reading.")
def stats(source: Path, as_json: bool, machine_name: str | None, tolerance: float) -> None:
    """Print statistics of SOURCE, per layer and in total.

    Pen-up travel counts the moves from the origin to the first path and back at the end;
    the time is estimated with an acceleration-limited motion model, the same the simulated
    GRBL runs (default feeds, or the --machine's).

    \b
    Examples:
      plotter stats drawing.svg
      plotter stats drawing.svg --json | jq .time_s
      plotter stats drawing.svg --machine grbl-servo
    """
    settings = load_machine(machine_name).motion_settings() if machine_name else None
    result = plan_stats(svg.read(source, tolerance_mm=tolerance), settings)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(result.format_table())
