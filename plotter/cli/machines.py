"""``plotter machines``: the machine profiles there are, and one in full."""

from __future__ import annotations

import click

from ..machines import list_machines, load_machine


@click.group(invoke_without_command=True)
@click.pass_context
def machines(ctx: click.Context) -> None:
    """List the machine profiles (built-in, $PLOTTER_MACHINES folders).

    \b
    Examples:
      plotter machines
      plotter machines show grbl-servo > my-plotter.toml   # a starting point for your own
      plotter gcode plot.svg --machine ./my-plotter.toml -o plot.gcode
    """
    if ctx.invoked_subcommand is None:
        for machine in list_machines():
            bed = machine.bed
            click.echo(f"{machine.name:<14} {bed.width_mm:g} x {bed.height_mm:g} mm  {machine.description}")


@machines.command()
@click.argument("name")
def show(name: str) -> None:
    """Print machine NAME (a built-in name or a .toml path) as TOML, every default spelled out.

    \b
    Example:
      plotter machines show arm
    """
    click.echo(load_machine(name).to_toml(), nl=False)
