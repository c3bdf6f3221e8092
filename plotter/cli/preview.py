"""``plotter preview``: a PNG at the pens' real widths and an animated HTML replay."""

from __future__ import annotations

from pathlib import Path

import click

from .. import preview as previews
from .. import svg
from ..stats import plan_stats
from .progress import Stages, duration, summary
from .types import LENGTH


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="PNG to write.")
@click.option("--dpi", type=click.FloatRange(min=1, max=2400), default=150, show_default=True, help="PNG resolution.")
@click.option("--travel", is_flag=True, help="Draw pen-up travel as thin red lines.")
@click.option("--animate", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML replay drawing the plan in plot order.")
@click.option("--speed", type=click.FloatRange(min=0.01), default=10.0, show_default=True,
              help="Replay speed factor over the estimated real plot time.")
@click.option("--tolerance", type=LENGTH, default="0.1mm", show_default=True,
              help="Curve flattening tolerance when reading.")
def preview(source: Path, output: Path | None, dpi: float, travel: bool, animate: Path | None, speed: float,
            tolerance: float) -> None:
    """Render SOURCE to a PNG (-o) and/or an animated HTML replay (--animate).

    \b
    Examples:
      plotter preview plot.svg -o plot.png --dpi 200 --travel
      plotter preview plot.svg --animate plot.html --speed 20
    """
    if output is None and animate is None:
        raise click.UsageError("nothing to do: give -o OUT.png and/or --animate OUT.html")
    stages = Stages(["read", "png", "replay"])
    with stages.stage("read"):
        plan = svg.read(source, tolerance_mm=tolerance)
    with stages.stage("png"):
        if output is not None:
            previews.render_png(plan, output, dpi=dpi, travel=travel)
    with stages.stage("replay"):
        if animate is not None:
            previews.write_replay(plan, animate, speed=speed)
    elapsed = stages.close()
    written = ", ".join(str(p) for p in (output, animate) if p is not None)
    facts = plan_stats(plan).to_dict()
    summary(f"wrote {written}: {facts['paths']} paths, est. plot time {duration(facts['time_s'])}, in {elapsed:.1f} s")
