"""``plotter gallery``: an unattended drawing machine with a catalogue, a status page and exact redraws.

``plotter gallery --machine NAME --port PORT`` runs the loop (:mod:`plotter.gallery.loop`)
with the status page on ``http://127.0.0.1:8765``; ``plotter gallery list`` and
``plotter gallery show N`` read the catalogue. A start after any stop goes on with the piece
in progress. SIGTERM and Ctrl-C stop after lifting the pen; the piece stays in progress.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from ..errors import PlotterError
from ..gallery.catalogue import Catalogue
from ..gallery.loop import Drawn, Gallery, GallerySettings, only_gallery_in
from ..gallery.operator import Operator, read_terminal
from ..gallery.server import StatusServer, new_token
from ..pens import parse_pens
from .gallery_catalogue import gallery_list, gallery_show
from .plot import sigterm_as_interrupt
from .progress import duration, metres, summary
from .types import PAGE

PAINTERS = ("aaron", "fool", "vae", "diffusion", "mix")
log = logging.getLogger("plotter.gallery")


@click.group(invoke_without_command=True)
@click.option("--gallery", "folder", type=click.Path(file_okay=False, path_type=Path), default="gallery",
              show_default=True, help="The gallery's folder: catalogue, pieces, log.")
@click.option("-m", "--machine", "machine_name", help="Machine profile: a name or a .toml file.")
@click.option("-p", "--port", help="Serial port (/dev/ttyUSB0, COM3, socket://host:port) or `sim`.")
@click.option("--painter", type=click.Choice(PAINTERS), default="aaron", show_default=True,
              help="Who makes the pieces; mix takes turns.")
@click.option("--images", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Photographs for the fool painter (taken in name order).")
@click.option("--pens", "pen_spec", help="Pen set: a .toml file or a list like black,red (default: one black pen).")
@click.option("--page", type=PAGE, help="Paper size [default: the machine's bed].")
@click.option("--fit", is_flag=True, help="Scale each piece onto the machine's bed.")
@click.option("--pieces", type=click.IntRange(min=0), default=0, show_default=True,
              help="Stop after this many pieces (0: go on until stopped).")
@click.option("--paper", type=click.Choice(["manual", "auto"]), default="manual", show_default=True,
              help="manual: wait for a person to confirm each fresh sheet; auto: a timed pause (roll-fed paper).")
@click.option("--paper-pause", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Seconds to wait for the paper to advance with --paper auto.")
@click.option("--retry", "retry_s", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds between tries to reach a missing device.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address the status page listens on (0.0.0.0 to reach it from a phone on the network).")
@click.option("--status-port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port of the status page (0: any free port).")
@click.option("--sim-speed", type=click.FloatRange(min=0, min_open=True),
              help="With --port sim: run the simulated machine this many times faster than life.")
@click.pass_context
def gallery(ctx: click.Context, folder: Path, machine_name: str | None, port: str | None, painter: str,
            images: Path | None, pen_spec: str | None, page: tuple[float, float] | None, fit: bool, pieces: int,
            paper: str, paper_pause: float, retry_s: float, host: str, status_port: int,
            sim_speed: float | None) -> None:
    """Draw piece after piece on a machine, unattended, with a status page.

    Each piece is chosen (seed from its number), made, signed, catalogued, and plotted as a
    resumable job; then the gallery waits for fresh paper. Kill it, cut the power or pull the
    cable: the next start goes on with the piece in progress. The status page shows the
    piece drawing live and has pause / resume / skip / paper-changed buttons, which need
    the token printed at start.

    \b
    Examples:
      plotter gallery --machine grbl-servo --port /dev/ttyUSB0 --painter mix
      plotter gallery --machine axidraw --port sim --pieces 3 --paper auto --paper-pause 0
      plotter gallery list
      plotter gallery show 3
      plotter redraw 3
    """
    ctx.ensure_object(dict)["folder"] = folder
    if ctx.invoked_subcommand is not None:
        return
    if machine_name is None or port is None:
        raise click.UsageError("the gallery needs --machine and --port (`sim` for the simulated machine)")
    if painter == "fool" and images is None:
        raise click.UsageError("--painter fool needs --images DIR (photographs to paint)")
    settings = GallerySettings(folder, machine_name, port, painter, images, parse_pens(pen_spec) if pen_spec else None,
                               page, fit, pieces, paper, paper_pause, retry_s, sim_speed)
    run_gallery(settings, host, status_port)


gallery.add_command(gallery_list)
gallery.add_command(gallery_show)


def run_gallery(settings: GallerySettings, host: str, status_port: int) -> None:
    """Open the catalogue, start the page, run the loop; print a summary however it ends."""
    catalogue = Catalogue.open(settings.folder)  # refuses an unwritable folder or a bad catalogue first
    try:
        with only_gallery_in(settings.folder):
            _run(settings, catalogue, host, status_port)
    finally:
        catalogue.close()


def _run(settings: GallerySettings, catalogue: Catalogue, host: str, status_port: int) -> None:
    _log_to(settings.folder / "gallery.log")
    operator = Operator()
    bar = tqdm(unit="stroke", disable=not sys.stderr.isatty(), file=sys.stderr, leave=False)
    finished: list[Drawn] = []

    def on_progress(done: int, total: int, remaining_s: float | None) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(f"about {duration(remaining_s or 0)} left")
        bar.refresh()

    def on_piece(drawn: Drawn) -> None:
        finished.append(drawn)
        bar.reset()
        piece = drawn.piece
        summary(f"piece {piece.number} {piece.status}: {piece.title} (seed {piece.seed}), {drawn.strokes} strokes, "
                f"pen-down {metres(drawn.drawn_mm)}, {duration(drawn.seconds)}")

    loop = Gallery(settings, catalogue, operator, on_piece=on_piece, on_progress=on_progress,
                   on_notice=lambda message: bar.write(f"gallery: {message}", file=sys.stderr))
    token = new_token()
    server = StatusServer(settings.folder, token, loop.status.snapshot, operator.act, host=host, port=status_port)
    try:
        server.start()
    except OSError as error:
        raise PlotterError(f"cannot serve the status page on {host}:{status_port}: {error.strerror or error} "
                           "(choose another with --status-port)") from None
    click.echo(f"status page: {server.url_with_token}", err=True)
    log.info("gallery started on %s %s; status page %s", settings.machine, settings.port, server.url)
    read_terminal(operator)
    started = time.monotonic()
    try:
        with sigterm_as_interrupt():
            loop.run()
    except KeyboardInterrupt:
        loop.status.set("stopped", "stopped by the operator; the piece in progress goes on at the next start")
        log.info("stopped by a signal; the piece in progress goes on at the next start")
        summary("gallery stopped with the pen up; start it again to go on with the piece in progress")
        raise
    finally:
        server.stop()
        bar.close()
        done = [d for d in finished if d.piece.status == "done"]
        summary(f"gallery: {len(done)} pieces done, {len(finished) - len(done)} skipped in "
                f"{duration(time.monotonic() - started)}; pen-down {metres(sum(d.drawn_mm for d in done))}; "
                f"catalogue {settings.folder / 'catalogue.sqlite'}")


def _log_to(path: Path) -> None:
    """Send the gallery's log to ``path`` (once per process), timestamped."""
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path.resolve() for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)

