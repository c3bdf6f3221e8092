"""``plotter gallery list``, ``plotter gallery show N`` and ``plotter redraw N``: reading the gallery's catalogue.

Each is a few lines over :mod:`plotter.gallery.catalogue` and :mod:`plotter.gallery.pieces`.
None of them creates a catalogue: a folder without one is an error naming it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from .. import __version__, svg
from ..errors import PlotterError
from ..gallery.catalogue import Catalogue, Piece
from ..gallery.pieces import PieceSpec, make_piece, piece_folder

_gallery_option = click.option(
    "--gallery", type=click.Path(file_okay=False, path_type=Path), default=Path("gallery"), show_default=True,
    help="The gallery folder (holds catalogue.sqlite and pieces/).")


def _open(gallery: Path) -> Catalogue:
    return Catalogue.open(gallery, create=False)


def _when(stamp: str | None) -> str:
    """ISO UTC text as a person reads it: ``2025-05-01 14:03``."""
    return "-" if stamp is None else datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")


def took(piece: Piece) -> str:
    """How long the piece was on the machine: ``42s``, ``12m 05s``, ``3h 07m``; ``-`` while drawing."""
    if piece.ended_at is None:
        return "-"
    seconds = round((datetime.fromisoformat(piece.ended_at) - datetime.fromisoformat(piece.started_at))
                    .total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m {seconds:02d}s" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"


def redraw_command(gallery: Path, number: int) -> str:
    return f"plotter redraw {number}" + ("" if gallery == Path("gallery") else f" --gallery {gallery}")


@click.command("list")
@_gallery_option
@click.option("--limit", type=click.IntRange(min=1), help="Show only the newest LIMIT pieces.")
def gallery_list(gallery: Path, limit: int | None) -> None:
    """List the catalogued pieces, newest first (times in UTC).

    \b
    Example:
      plotter gallery list --gallery ~/gallery --limit 20
    """
    with _open(gallery) as catalogue:
        pieces = catalogue.pieces(limit)
    if not pieces:
        click.echo(f"no pieces yet in {gallery}")
        return
    rows = [("no.", "title", "painter", "seed", "status", "started (UTC)", "took")]
    rows += [(str(p.number), p.title, p.painter, str(p.seed), p.status, _when(p.started_at), took(p)) for p in pieces]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = (0, 3)  # number and seed line up on the right
    for row in rows:
        cells = [c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(row)]
        click.echo("  ".join(cells).rstrip())


@click.command("show")
@click.argument("number", type=click.IntRange(min=1))
@_gallery_option
def gallery_show(number: int, gallery: Path) -> None:
    """Every recorded field of piece NUMBER, and the command that redraws it.

    \b
    Example:
      plotter gallery show 7
    """
    with _open(gallery) as catalogue:
        piece = catalogue.get(number)
    fields = [("number", piece.number), ("title", piece.title), ("painter", piece.painter), ("seed", piece.seed),
              ("status", piece.status), ("note", piece.note or "-"), ("version", piece.version),
              ("started", piece.started_at), ("ended", piece.ended_at or "-"), ("took", took(piece)),
              ("svg", gallery / piece.svg), ("png", gallery / piece.png), ("journal", gallery / piece.journal)]
    for name, value in fields:
        click.echo(f"{name + ':':9} {value}")
    params = json.dumps(dict(piece.params), indent=2, sort_keys=True).replace("\n", "\n  ")
    click.echo(f"params:\n  {params}")
    click.echo(f"redraw:   {redraw_command(gallery, number)}")


@click.command("redraw")
@click.argument("number", type=click.IntRange(min=1))
@_gallery_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="SVG to write [default: GALLERY/pieces/NNNN/redraw.svg].")
@click.pass_context
def redraw(ctx: click.Context, number: int, gallery: Path, output: Path | None) -> None:
    """Draw piece NUMBER again from its recorded seed and parameters, and compare it with the original.

    Exits 1 when the new SVG is not byte-for-byte the catalogued one.

    \b
    Examples:
      plotter redraw 7
      plotter redraw 7 --gallery ~/gallery -o seven.svg
    """
    with _open(gallery) as catalogue:
        piece = catalogue.get(number)
    plan = make_piece(PieceSpec(piece.painter, piece.seed, piece.params), number)
    if output is None:
        output = piece_folder(gallery, number) / "redraw.svg"
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise PlotterError(f"cannot create {output.parent}: {error.strerror or error}") from None
    svg.write(plan, output)
    original = gallery / piece.svg
    if not original.is_file():
        click.echo(f"wrote {output}; the catalogued SVG {original} is missing, nothing to compare with")
        ctx.exit(1)
    if output.read_bytes() == original.read_bytes():
        click.echo(f"wrote {output}: identical to {original}, byte for byte")
        return
    made_by = "" if piece.version == __version__ else f" (piece {number} was drawn by plotter {piece.version}, " \
                                                      f"this is {__version__})"
    click.echo(f"wrote {output}: DIFFERS from {original}{made_by}")
    ctx.exit(1)
