"""``plotter demo``: the main job end to end — paint, optimise, preview, plot on the simulator.

The piece is an AARON-style garden in three pens. It is plotted on the simulated GRBL set up
as the ``grbl-servo`` machine (fitted to its bed), through the same journalled job as a real
plot, and what the simulated pen drew is rendered too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from painters import aaron

from .. import ops, preview, svg
from ..pens import parse_pens
from ..stats import PlanStats, plan_stats
from .devices import traces_as_plan
from .plot import PlotOutcome, plot_file
from .progress import Stages, duration, metres, summary

DEMO_MACHINE = "grbl-servo"
DEMO_PENS = "black,green,red"


@dataclass(frozen=True)
class DemoResult:
    svg: Path
    png: Path
    replay: Path
    plotted: Path  # what the simulated pen drew
    stats: PlanStats
    unsorted_pen_up_mm: float
    plot: PlotOutcome


def run_demo(folder: Path, seed: int = 1) -> DemoResult:
    """Make the demo piece in ``folder`` (created if missing) and return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    stages = Stages(["paint", "sort", "svg", "png", "replay", "plot"])
    with stages.stage("paint"):
        plan = aaron.paint(seed, pens=parse_pens(DEMO_PENS))
    unsorted = plan_stats(plan).to_dict()["pen_up_mm"]
    with stages.stage("sort"):
        plan = ops.sort_paths(plan)
    piece, png, replay, plotted = (folder / name for name in ("piece.svg", "piece.png", "piece.html", "plotted.png"))
    with stages.stage("svg"):
        svg.write(plan, piece)
    with stages.stage("png"):
        preview.render_png(plan, png, dpi=150, travel=True)
    with stages.stage("replay"):
        preview.write_replay(plan, replay, speed=10.0)
    with stages.stage("plot"):
        journal = folder / "piece.plotjob"
        journal.unlink(missing_ok=True)  # the demo's own job: always a fresh plot
        outcome = plot_file(piece, DEMO_MACHINE, "sim", fit=True, journal_path=journal)
        preview.render_png(traces_as_plan(outcome.device, outcome.machine, outcome.plan), plotted, dpi=150)
    stages.close()
    return DemoResult(piece, png, replay, plotted, plan_stats(plan), unsorted, outcome)


@click.command()
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default="demo-output",
              show_default=True, help="Folder for the piece's files.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the piece.")
def demo(folder: Path, seed: int) -> None:
    """Draw a piece, optimise it, preview it, and plot it on a simulated GRBL plotter.

    \b
    Example:
      plotter demo --out demo-output --seed 7
    """
    result = run_demo(folder, seed)
    facts = result.stats.to_dict()
    summary(
        f"demo written to {folder}/: piece.svg (plot it), piece.png (preview with pen-up travel), "
        f"piece.html (animated replay), plotted.png (what the simulated {DEMO_MACHINE} drew)\n"
        f"{facts['paths']} strokes, pen-down {metres(facts['pen_down_mm'])}, "
        f"pen-up {metres(facts['pen_up_mm'])} (unsorted: {metres(result.unsorted_pen_up_mm)}); "
        f"plotted {result.plot.job.strokes_done} strokes on the simulated {DEMO_MACHINE} in "
        f"{duration(result.plot.device.elapsed_s)} (estimated {duration(result.plot.estimated_s)})"
    )
