"""``plotter optimize``: fit, clip, merge, simplify and sort a plan for plotting."""

from __future__ import annotations

from pathlib import Path

import click

from .. import ops, svg
from ..errors import OperationError
from ..geometry import overflow
from ..plan import Plan
from ..stats import plan_stats
from .progress import Stages, duration, metres, summary
from .types import LENGTH, PAGE


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="SVG to write.")
@click.option("--fit", "fit_page", type=PAGE, help="Scale and centre the drawing on this page (a4, letter, 300x200mm).")
@click.option("--margin", type=LENGTH, default="10mm", show_default=True, help="Margin kept by --fit.")
@click.option("--rotate", type=click.Choice(["auto", "none", "90", "-90", "180"]), default="auto", show_default=True,
              help="Rotation allowed by --fit.")
@click.option("--clip", is_flag=True, help="Cut away what lies outside the page (otherwise such a drawing is refused).")
@click.option("--merge", "merge_mm", type=LENGTH, help="Join paths whose ends are this close (e.g. 0.1mm).")
@click.option("--simplify", "simplify_mm", type=LENGTH, help="Drop points closer than this to the line (RDP).")
@click.option("--min-length", "min_length_mm", type=LENGTH, help="Drop paths shorter than this.")
@click.option("--sort/--no-sort", default=True, show_default=True, help="Reorder paths to cut pen-up travel.")
@click.option("--reverse/--no-reverse", default=True, show_default=True, help="Let sorting draw paths backwards.")
@click.option("--improve", "improve_moves", type=click.IntRange(min=0), help="Moves the ordering's 2-opt pass may "
              "try (default: one per path; 0 = greedy only). The same input always gives the same order.")
@click.option("--improve-time", "improve_s", type=click.FloatRange(min=0), help="Also stop improving after this many "
              "seconds (faster on big files, but the order may then vary between runs).")
@click.option("--tolerance", type=LENGTH, default="0.1mm", show_default=True,
              help="Curve flattening tolerance when reading.")
@click.option("--travel", is_flag=True, help="Add the pen-up travel overlay layer (never plotted).")
def optimize(source: Path, output: Path, fit_page, margin, rotate, clip, merge_mm, simplify_mm, min_length_mm, sort,
             reverse, improve_moves, improve_s, tolerance, travel) -> None:
    """Optimise SOURCE for plotting and write it to OUTPUT.

    Steps, in this order, each optional: --fit, --clip, --merge, --simplify, --min-length,
    sorting. Sorting and merging act per layer and never change the layer order. A drawing
    that leaves its page is refused unless --fit or --clip says what to do with it.

    \b
    Examples:
      plotter optimize drawing.svg -o plot.svg
      plotter optimize drawing.svg -o plot.svg --merge 0.1mm --simplify 0.05mm
      plotter optimize drawing.svg -o plot.svg --fit a4-landscape --margin 15mm
    """
    stages = Stages(["read", "fit", "clip", "merge", "simplify", "filter", "sort", "write"])
    with stages.stage("read"):
        plan = svg.read(source, tolerance_mm=tolerance)
    before = plan_stats(plan).to_dict()
    with stages.stage("fit"):
        if fit_page is not None:
            plan = ops.fit_to_page(plan, fit_page, margin_mm=margin, rotate=rotate)
    with stages.stage("clip"):
        if clip:
            plan = ops.clip_to_page(plan)
        _refuse_off_page(plan, source)
    with stages.stage("merge"):
        if merge_mm is not None:
            plan = ops.merge_paths(plan, merge_mm)
    with stages.stage("simplify"):
        if simplify_mm is not None:
            plan = ops.simplify_paths(plan, simplify_mm)
    with stages.stage("filter"):
        if min_length_mm is not None:
            plan = ops.drop_short(plan, min_length_mm)
    with stages.stage("sort"):
        if sort:
            plan = ops.sort_paths(plan, allow_reverse=reverse, improve_moves=improve_moves, improve_time_s=improve_s)
    with stages.stage("write"):
        svg.write(plan, output, travel=travel)
    elapsed = stages.close()
    after = plan_stats(plan).to_dict()
    summary(
        f"wrote {output}: {after['paths']} paths (was {before['paths']}), "
        f"pen-down {metres(after['pen_down_mm'])} (was {metres(before['pen_down_mm'])}), "
        f"pen-up {metres(after['pen_up_mm'])} (was {metres(before['pen_up_mm'])}), "
        f"est. plot time {duration(after['time_s'])} (was {duration(before['time_s'])}), in {elapsed:.1f} s"
    )


def _refuse_off_page(plan: Plan, source: Path) -> None:
    sides = overflow(plan.bounds(), *plan.page_mm)
    if sides:
        width, height = plan.page_mm
        raise OperationError(
            f"{source}: the drawing leaves its {width:g} x {height:g} mm page by {', '.join(sides)}; "
            "use --fit PAGE to scale it onto a page or --clip to cut it at the page edge"
        )
