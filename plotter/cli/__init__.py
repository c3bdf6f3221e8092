"""The ``plotter`` command: thin wrappers over plain library functions.

Errors a user caused (:class:`plotter.errors.PlotterError`, bad options) print one line on
stderr and exit 2; ``-v`` shows the traceback as well. Ctrl-C exits 130.
"""

from __future__ import annotations

import sys
import traceback

import click

from .. import __version__
from ..errors import PlotterError
from .demo import demo
from .gcode import gcode
from .lazy import LazyGroup
from .machines import machines
from .optimize import optimize
from .paint import paint
from .plot import plot
from .preview import preview
from .simport import sim_port
from .stats import stats

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


#: Commands that load heavy libraries (torch) only when used.
LAZY_COMMANDS = {
    "train": "plotter.cli.train_generate:train",
    "generate": "plotter.cli.train_generate:generate",
    "gallery": "plotter.cli.gallery:gallery",
    "redraw": "plotter.cli.gallery_catalogue:redraw",
}


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback when something fails.")
@click.version_option(__version__, prog_name="plotter")
def cli(verbose: bool) -> None:
    """Drawings for pen plotters and robot arms.

    \b
    Examples:
      plotter demo                                  draw, optimise and preview a piece
      plotter optimize in.svg -o out.svg --merge 0.1mm --fit a4 --margin 10mm
      plotter stats out.svg --json
      plotter preview out.svg -o out.png --travel --animate out.html
      plotter machines                              list machine profiles
      plotter gcode out.svg --machine grbl-servo -o out.gcode
      plotter plot out.svg --machine grbl-servo --port /dev/ttyUSB0
      plotter plot --resume out.plotjob             go on after a crash or power cut
      plotter sim-port --machine grbl-servo         a simulated GRBL on a pseudo-terminal
      plotter paint aaron --seed 7 -o garden.svg    an AARON-style scene
      plotter generate vae --label A --count 16 -o a.svg   samples of a trained generator
      plotter gallery --machine grbl-servo --port /dev/ttyUSB0   draw unattended, status page
      plotter redraw 7                              piece 7 of the gallery again, byte for byte
    """


cli.add_command(optimize)
cli.add_command(stats)
cli.add_command(preview)
cli.add_command(paint)
cli.add_command(demo)
cli.add_command(machines)
cli.add_command(gcode)
cli.add_command(plot)
cli.add_command(sim_port)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every failure into one readable line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args
    try:
        result = cli.main(args=args, prog_name="plotter", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("plotter: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except PlotterError as error:
        if verbose:
            traceback.print_exc()
        click.echo(f"plotter: error: {error}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("plotter: interrupted", err=True)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0
