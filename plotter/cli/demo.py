"""``plotter demo``: the main job end to end — paint, optimise, write, preview, replay.

Until the AARON-style painter and the simulated device land, the piece is Georg Nees's
*Schotter*; the files are the ones a plotter user looks at before plotting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from painters import schotter

from .. import ops, preview, svg
from ..stats import PlanStats, plan_stats
from .progress import Stages, duration, metres, summary


@dataclass(frozen=True)
class DemoResult:
    svg: Path
    png: Path
    replay: Path
    stats: PlanStats
    unsorted_pen_up_mm: float


def run_demo(folder: Path, seed: int = 1) -> DemoResult:
    """Make the demo piece in ``folder`` (created if missing) and return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    stages = Stages(["paint", "sort", "svg", "png", "replay"])
    with stages.stage("paint"):
        plan = schotter.paint(seed)
    unsorted = plan_stats(plan).to_dict()["pen_up_mm"]
    with stages.stage("sort"):
        plan = ops.sort_paths(plan)
    result = DemoResult(folder / "piece.svg", folder / "piece.png", folder / "piece.html", plan_stats(plan), unsorted)
    with stages.stage("svg"):
        svg.write(plan, result.svg)
    with stages.stage("png"):
        preview.render_png(plan, result.png, dpi=150, travel=True)
    with stages.stage("replay"):
        preview.write_replay(plan, result.replay, speed=10.0)
    stages.close()
    return result


@click.command()
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default="demo-output",
              show_default=True, help="Folder for the piece's files.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the piece.")
def demo(folder: Path, seed: int) -> None:
    """Draw a piece, optimise its pen order, and write an SVG, a PNG preview and an HTML replay.

    \b
    Example:
      plotter demo --out demo-output --seed 7
    """
    result = run_demo(folder, seed)
    facts = result.stats.to_dict()
    summary(
        f"demo written to {folder}/: piece.svg (plot it), piece.png (preview with pen-up travel), "
        f"piece.html (animated replay)\n"
        f"{facts['paths']} strokes, pen-down {metres(facts['pen_down_mm'])}, "
        f"pen-up {metres(facts['pen_up_mm'])} (unsorted: {metres(result.unsorted_pen_up_mm)}), "
        f"est. plot time {duration(facts['time_s'])}"
    )
