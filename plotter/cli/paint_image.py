"""``plotter paint fool|stipple|tsp|squiggle|flow|edges IMAGE -o OUT.svg``: photographs into plans.

Each command loads the image (:func:`painters.image_input.load_image`: grey, RGBA, huge and
tiny images handled or refused in one line), runs one painter, writes the SVG with the
exact command that redraws it in its metadata, and prints one summary line on stderr. A
progress bar appears on a terminal when painting takes more than a second.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from painters import edges as edges_painter
from painters import flow as flow_painter
from painters import fool as fool_painter
from painters import squiggle as squiggle_painter
from painters import stipple as stipple_painter
from painters import tsp_art
from painters.image_input import load_image

from .. import svg
from ..pens import parse_pens
from ..plan import Pen, Plan
from ..stats import plan_stats
from .progress import Stages, duration, metres, summary
from .types import LENGTH, PAGE

_PROGRESS_DELAY_S = 1.0


def _common(command: Callable) -> Callable:
    """The options every image painter shares: output, page, margin, seed."""
    for option in reversed([
        click.argument("image", type=click.Path(dir_okay=False, path_type=Path)),
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                     help="SVG to write."),
        click.option("--page", type=PAGE, default="a4", show_default=True,
                     help="Page size (a4, a3-landscape, 300x200mm)."),
        click.option("--margin", type=LENGTH, default="10mm", show_default=True,
                     help="Blank border around the picture."),
        click.option("--seed", type=int, default=1, show_default=True,
                     help="Seed: the same seed redraws the same plan."),
    ]):
        command = option(command)
    return command


def _pen_option(command: Callable) -> Callable:
    return click.option("--pen", "pen_spec", default="black:#1b1b1b:0.3", show_default=True,
                        help="The pen: name[:#rrggbb[:width_mm]] or a one-pen .toml pen set.")(command)


def _one_pen(spec: str) -> Pen:
    pens = parse_pens(spec)
    if len(pens) != 1:
        raise click.BadParameter(f"this painter draws with one pen; {spec!r} names {len(pens)}", param_hint="--pen")
    return pens[0]


def _run(name: str, image: Path, output: Path, paint: Callable[..., Plan], redraw: list[str]) -> None:
    """Load, paint with a progress bar, record the redraw command, write, summarise."""
    stages = Stages(["read", "paint", "write"])
    with stages.stage("read"):
        picture = load_image(image)
    bar = tqdm(total=100, delay=_PROGRESS_DELAY_S, disable=not sys.stderr.isatty(), leave=False, file=sys.stderr,
               desc=name, bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")

    def progress(fraction: float) -> None:
        bar.update(round(100 * fraction) - bar.n)

    with stages.stage("paint"):
        plan = paint(picture, progress=progress)
    bar.close()
    command = shlex.join(["plotter", "paint", name, str(image), *redraw, "-o", str(output)])
    plan = plan.with_metadata(command=command, source=str(image))
    with stages.stage("write"):
        svg.write(plan, output)
    elapsed = stages.close()
    facts = plan_stats(plan)
    summary(f"wrote {output}: {facts.paths} strokes, pen-down {metres(facts.pen_down_mm)}, "
            f"pen-up {metres(facts.pen_up_mm)}, est. plot time {duration(facts.time_s)}, in {elapsed:.1f} s")


def _placement_args(page: tuple[float, float], margin: float, seed: int) -> list[str]:
    return ["--page", f"{page[0]:g}x{page[1]:g}mm", "--margin", f"{margin:g}mm", "--seed", str(seed)]


@click.command("fool")
@_common
@click.option("--style", type=click.Choice(fool_painter.MEDIA), help="Medium (default: the mood's, else pencil).")
@click.option("--mood", type=click.Choice(sorted(fool_painter.MOODS)), help="Pick the style's parameters from a mood.")
@click.option("--abstraction", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="0 = detailed regions and shading, 1 = a few flat round blobs.")
@click.option("--pens", "pens_spec", help="Pen set: a .toml file or a list like black,red:#c0392b:0.5 "
              "(default: one black 0.3 mm fineliner).")
def fool(image: Path, output: Path, page, margin, seed, style, mood, abstraction, pens_spec) -> None:
    """Paint IMAGE region by region in a style, as The Painting Fool does.

    \b
    Examples:
      plotter paint fool photo.jpg -o photo.svg
      plotter paint fool photo.jpg --mood happy --pens black,red,blue,yellow -o happy.svg
      plotter paint fool photo.jpg --style crosshatch --abstraction 0.2 --page a3 -o detailed.svg
    """
    pens = parse_pens(pens_spec) if pens_spec is not None else None
    redraw = _placement_args(page, margin, seed) + ["--abstraction", f"{abstraction:g}"]
    redraw += ["--style", style] if style else []
    redraw += ["--mood", mood] if mood else []
    redraw += ["--pens", pens_spec] if pens_spec is not None else []

    def paint(picture: Any, progress: Callable[[float], None]) -> Plan:
        return fool_painter.paint(picture, style=style, mood=mood, abstraction=abstraction, pens=pens, page=page,
                                  margin_mm=margin, seed=seed, progress=progress)

    _run("fool", image, output, paint, redraw)


@click.command("stipple")
@_common
@_pen_option
@click.option("--points", type=click.IntRange(10, 200_000), default=4000, show_default=True, help="Number of dots.")
@click.option("--iterations", type=click.IntRange(0, 200), default=30, show_default=True,
              help="Lloyd relaxation steps.")
def stipple(image: Path, output: Path, page, margin, seed, pen_spec, points, iterations) -> None:
    """Weighted Voronoi stippling of IMAGE (Secord 2002).

    \b
    Example:
      plotter paint stipple photo.jpg --points 10000 -o dots.svg
    """
    pen = _one_pen(pen_spec)
    params = stipple_painter.StippleParams(points=points, iterations=iterations)
    redraw = _placement_args(page, margin, seed) + ["--pen", pen_spec, "--points", str(points),
                                                     "--iterations", str(iterations)]
    _run("stipple", image, output, lambda picture, progress: stipple_painter.paint(
        picture, page=page, margin_mm=margin, seed=seed, pen=pen, params=params, progress=progress), redraw)


@click.command("tsp")
@_common
@_pen_option
@click.option("--points", type=click.IntRange(10, 100_000), default=5000, show_default=True,
              help="Dots the line runs through.")
@click.option("--improve", type=click.IntRange(0, 1000), default=20, show_default=True,
              help="2-opt moves tried per dot (0 = greedy tour only).")
def tsp(image: Path, output: Path, page, margin, seed, pen_spec, points, improve) -> None:
    """One continuous line through the stipples of IMAGE (TSP art).

    \b
    Example:
      plotter paint tsp photo.jpg --points 10000 -o line.svg
    """
    pen = _one_pen(pen_spec)
    params = tsp_art.TspParams(points=points, improve_per_point=improve)
    redraw = _placement_args(page, margin, seed) + ["--pen", pen_spec, "--points", str(points),
                                                     "--improve", str(improve)]
    _run("tsp", image, output, lambda picture, progress: tsp_art.paint(
        picture, page=page, margin_mm=margin, seed=seed, pen=pen, params=params, progress=progress), redraw)


@click.command("squiggle")
@_common
@_pen_option
@click.option("--rows", "row_mm", type=LENGTH, default="1.6mm", show_default=True, help="Distance between rows.")
@click.option("--wavelength", "wavelength_mm", type=LENGTH, default="1mm", show_default=True,
              help="Shortest wave, at full darkness.")
def squiggle(image: Path, output: Path, page, margin, seed, pen_spec, row_mm, wavelength_mm) -> None:
    """Rows of waves whose amplitude and frequency follow the darkness of IMAGE.

    \b
    Example:
      plotter paint squiggle photo.jpg --rows 2mm -o waves.svg
    """
    pen = _one_pen(pen_spec)
    params = squiggle_painter.SquiggleParams(row_mm=row_mm, wavelength_mm=wavelength_mm)
    redraw = _placement_args(page, margin, seed) + ["--pen", pen_spec, "--rows", f"{row_mm:g}mm",
                                                     "--wavelength", f"{wavelength_mm:g}mm"]
    _run("squiggle", image, output, lambda picture, progress: squiggle_painter.paint(
        picture, page=page, margin_mm=margin, seed=seed, pen=pen, params=params, progress=progress), redraw)


@click.command("flow")
@_common
@_pen_option
@click.option("--min-spacing", "min_spacing_mm", type=LENGTH, default="0.45mm", show_default=True,
              help="Densest lines, in the darkest tones.")
@click.option("--max-spacing", "max_spacing_mm", type=LENGTH, default="6mm", show_default=True,
              help="Sparsest lines; lighter tones stay white.")
@click.option("--smooth", "smooth_mm", type=LENGTH, default="3mm", show_default=True,
              help="Smoothing of the direction field: larger = calmer flow.")
def flow(image: Path, output: Path, page, margin, seed, pen_spec, min_spacing_mm, max_spacing_mm, smooth_mm) -> None:
    """Streamlines along the edges of IMAGE, spaced by its tone.

    \b
    Example:
      plotter paint flow photo.jpg --smooth 5mm -o flow.svg
    """
    pen = _one_pen(pen_spec)
    params = flow_painter.FlowParams(min_spacing_mm=min_spacing_mm, max_spacing_mm=max_spacing_mm,
                                     smooth_mm=smooth_mm)
    params.validate()
    redraw = _placement_args(page, margin, seed) + ["--pen", pen_spec, "--min-spacing", f"{min_spacing_mm:g}mm",
                                                     "--max-spacing", f"{max_spacing_mm:g}mm",
                                                     "--smooth", f"{smooth_mm:g}mm"]
    _run("flow", image, output, lambda picture, progress: flow_painter.paint(
        picture, page=page, margin_mm=margin, seed=seed, pen=pen, params=params, progress=progress), redraw)


@click.command("edges")
@_common
@_pen_option
@click.option("--detail", "cell_mm", type=LENGTH, default="0.3mm", show_default=True,
              help="Size on paper of one pixel edges are found at: smaller = more detail.")
@click.option("--blur", "sigma_mm", type=LENGTH, default="0.9mm", show_default=True,
              help="Canny's blur on paper: larger = fewer, smoother edges.")
def edges(image: Path, output: Path, page, margin, seed, pen_spec, cell_mm, sigma_mm) -> None:
    """The edges of IMAGE (Canny) as plotted lines.

    \b
    Example:
      plotter paint edges photo.jpg --blur 1.5mm -o lines.svg
    """
    pen = _one_pen(pen_spec)
    params = edges_painter.EdgeParams(cell_mm=cell_mm, sigma_mm=sigma_mm)
    params.validate()
    redraw = _placement_args(page, margin, seed) + ["--pen", pen_spec, "--detail", f"{cell_mm:g}mm",
                                                     "--blur", f"{sigma_mm:g}mm"]
    _run("edges", image, output, lambda picture, progress: edges_painter.paint(
        picture, page=page, margin_mm=margin, seed=seed, pen=pen, params=params, progress=progress), redraw)
