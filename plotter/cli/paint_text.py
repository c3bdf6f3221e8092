"""``plotter paint text``: a page of single-stroke Hershey text, wrapped and centred."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from .. import svg
from ..stats import plan_stats
from ..text import ALIGNS, DEFAULT_FONT, fonts, text_plan
from .progress import Stages, metres, summary
from .types import LENGTH, PAGE

#: Lengths are kept to 0.1 micron, so the redraw command's decimals give back the very same floats.
_DECIMALS = 4


def _mm(value: float) -> str:
    return f"{value:.12g}"


def redraw_command(text: str, font: str, size_mm: float, page: tuple[float, float], align: str, margin_mm: float,
                   output: str) -> str:
    """The exact ``plotter paint text`` command line that writes this page again."""
    return (f"plotter paint text {shlex.quote(text)} --font {shlex.quote(font)} --size {_mm(size_mm)}mm "
            f"--page {_mm(page[0])}x{_mm(page[1])}mm --align {align} --margin {_mm(margin_mm)}mm "
            f"-o {shlex.quote(output)}")


@click.command("text")
@click.argument("text", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="SVG to write.")
@click.option("--font", default=DEFAULT_FONT, show_default=True, help="Hershey font (see --list-fonts).")
@click.option("--size", "size_mm", type=LENGTH, default=5.0, show_default=True,
              help="Cap height (5mm, 0.25in); a bare number is mm.")
@click.option("--page", type=PAGE, default="a4", show_default=True, help="Page size (a4, a3, 300x200mm).")
@click.option("--align", type=click.Choice(ALIGNS), default="left", show_default=True,
              help="Where each line sits within the text block.")
@click.option("--margin", "margin_mm", type=LENGTH, default=10.0, show_default=True, help="Page margin.")
@click.option("--list-fonts", is_flag=True, help="Print the font names on stdout and stop.")
def text(text: str | None, output: Path | None, font: str, size_mm: float, page: tuple[float, float], align: str,
         margin_mm: float, list_fonts: bool) -> None:
    """Write TEXT in a Hershey font on a page, wrapped to its width and centred.

    A newline in TEXT starts a new paragraph. The same options always give the same file,
    byte for byte; the SVG's metadata holds the command that writes it again.

    \b
    Examples:
      plotter paint text "Hello, plotter" --size 12mm -o hello.svg
      plotter paint text "$(cat poem.txt)" --font scripts --align center --page a5 -o poem.svg
      plotter paint text --list-fonts
    """
    if list_fonts:
        click.echo("\n".join(fonts()))
        return
    if text is None:
        raise click.UsageError("give the TEXT to write (or --list-fonts)")
    if output is None:
        raise click.UsageError("give the SVG to write with -o OUT.svg")
    size_mm, margin_mm = round(size_mm, _DECIMALS), round(margin_mm, _DECIMALS)
    page = (round(page[0], _DECIMALS), round(page[1], _DECIMALS))
    stages = Stages(["layout", "write"])
    with stages.stage("layout"):
        plan = text_plan(text, page, font=font, size_mm=size_mm, align=align, margin_mm=margin_mm)
        plan = plan.with_metadata(command=redraw_command(text, font, size_mm, page, align, margin_mm, str(output)))
    with stages.stage("write"):
        svg.write(plan, output)
    elapsed = stages.close()
    facts = plan_stats(plan).to_dict()
    lines = plan.metadata["lines"]
    summary(f"wrote {output}: {lines} line{'s' if lines != 1 else ''}, {facts['paths']} strokes, "
            f"pen-down {metres(facts['pen_down_mm'])} in {elapsed:.2f} s")
