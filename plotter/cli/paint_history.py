"""``plotter paint history``: the exhibition sheet, AARON to diffusion, each panel titled."""

from __future__ import annotations

from pathlib import Path

import click

from .. import svg
from ..gallery.history import DEFAULT_SAMPLES, STAGES, paint, redraw_command
from ..stats import plan_stats
from .progress import Stages, duration, metres, summary
from .types import PAGE


@click.command("history")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="SVG to write.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Seed of every panel.")
@click.option("--page", type=PAGE, default="a3", show_default=True, help="Page size (a3, a2-landscape, 500x700mm).")
@click.option("--samples", type=click.IntRange(1, 100), default=DEFAULT_SAMPLES, show_default=True,
              help="Drawings in each generator's panel.")
def history(output: Path, seed: int, page: tuple[float, float], samples: int) -> None:
    """Draw one sheet that walks the lineage of drawing machines and write it to OUTPUT.

    AARON's abstract forms (1970s) and figures in a garden (1980s), a Painting Fool
    portrait, Stroke VAE and diffusion samples from the shipped weights, each panel titled
    in Hershey text. The same seed and page always give the same file, byte for byte.

    \b
    Examples:
      plotter paint history -o history.svg
      plotter paint history --page a2-landscape --seed 4 -o wall.svg
    """
    stages = Stages([*STAGES, "write"])
    page = (round(page[0], 4), round(page[1], 4))  # so the redraw command's decimals give the same floats
    plan = paint(seed, page, samples=samples, stage=stages.stage)
    plan = plan.with_metadata(command=redraw_command(seed, page, samples, str(output)))
    with stages.stage("write"):
        svg.write(plan, output)
    elapsed = stages.close()
    facts = plan_stats(plan).to_dict()
    summary(f"wrote {output}: {len(plan.metadata['panels'])} panels, {facts['paths']} strokes, "
            f"pen-down {metres(facts['pen_down_mm'])}, est. plot time {duration(facts['time_s'])}, "
            f"in {elapsed:.2f} s")
