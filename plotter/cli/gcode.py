"""``plotter gcode``: a plan as the G-code program of one machine."""

from __future__ import annotations

from pathlib import Path

import click

from .. import svg
from ..gcode import Program, to_program, write_program
from ..machines import Machine, fit_to_bed, load_machine
from ..motion import estimate_time
from ..plan import Plan
from .progress import duration, summary
from .types import LENGTH


def place_on_machine(source: Path, machine: Machine, *, fit: bool, tolerance_mm: float = 0.1) -> tuple[Plan, Program]:
    """Read ``source`` and make ``machine``'s program for it (fitted to the bed when ``fit``)."""
    plan = svg.read(source, tolerance_mm=tolerance_mm)
    if fit:
        plan = fit_to_bed(plan, machine.bed)
    return plan, to_program(plan, machine)


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-m", "--machine", "machine_name", required=True, help="Machine profile: a name or a .toml file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="G-code file.")
@click.option("--fit", is_flag=True, help="Scale and centre the drawing on the machine's bed (10 mm margin).")
@click.option("--tolerance", type=LENGTH, default="0.1mm", show_default=True,
              help="Curve flattening tolerance when reading.")
def gcode(source: Path, machine_name: str, output: Path, fit: bool, tolerance: float) -> None:
    """Write SOURCE as a G-code program for a machine.

    One block per stroke, each after a `(stroke N)` marker so a job can resume there; pen
    changes between layers pause (M0) with a comment naming the next pen. A drawing that
    does not fit the bed is refused with the overflow in mm, unless --fit.

    \b
    Examples:
      plotter gcode plot.svg --machine grbl-servo -o plot.gcode
      plotter gcode plot.svg --machine arm --fit -o arm.gcode
    """
    machine = load_machine(machine_name)
    plan, program = place_on_machine(source, machine, fit=fit, tolerance_mm=tolerance)
    write_program(program, output)
    estimate = estimate_time(plan, machine.motion_settings())
    summary(
        f"wrote {output}: {len(program.lines)} lines, {program.stroke_count} strokes for {machine.name}, "
        f"est. plot time {duration(estimate.time_s)}"
    )
