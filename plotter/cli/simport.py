"""``plotter sim-port``: a simulated GRBL (or Marlin) board on a pseudo-terminal, for any serial sender."""

from __future__ import annotations

import time
from pathlib import Path

import click

from hardware.ports import serve_pty

from .. import preview, svg
from ..machines import load_machine
from ..plan import Layer, Pen, Plan
from .devices import is_marlin, simulated_device, traces_as_plan
from .plot import sigterm_as_interrupt
from .progress import duration, summary


@click.command("sim-port")
@click.option("-m", "--machine", "machine_name", default="grbl-servo", show_default=True,
              help="Machine profile the simulated board is set up as.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="On exit, write what the simulated pen drew (.svg or .png).")
def sim_port(machine_name: str, out: Path | None) -> None:
    """Serve a simulated GRBL 1.1 board (Marlin for --machine marlin) on a pseudo-terminal until Ctrl-C or SIGTERM.

    Point any serial client at the printed path — `plotter plot --port PATH`, Universal
    Gcode Sender, `screen PATH 115200` — and it answers like GRBL (or Marlin), in real time.

    \b
    Example:
      plotter sim-port --machine grbl-servo --out what-it-drew.svg
    """
    machine = load_machine(machine_name)
    device = simulated_device(machine)
    path, stop = serve_pty(device)
    firmware = "Marlin" if is_marlin(machine) else "GRBL"
    click.echo(f"simulated {firmware} ({machine.name}) on {path}; Ctrl-C to stop", err=True)
    try:
        with sigterm_as_interrupt():  # a service manager's stop also writes what was drawn
            while True:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    blank = Plan((machine.bed.width_mm, machine.bed.height_mm), (Layer(Pen("pen")),))
    if out is not None:
        traced = traces_as_plan(device, machine, blank)
        (svg.write if out.suffix.lower() == ".svg" else preview.render_png)(traced, out)
    summary(f"stopped: {len(device.traces)} pen-down traces in {duration(device.elapsed_s)}"
            + (f", drawing written to {out}" if out is not None else ""))
