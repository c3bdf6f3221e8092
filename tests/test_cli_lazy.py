"""Subcommands load when used; one that cannot load explains itself and leaves the rest working."""

from __future__ import annotations

import click
from click.testing import CliRunner

from plotter.cli.lazy import LazyGroup


def test_a_command_that_cannot_import_says_why_and_the_others_still_run():
    @click.group(cls=LazyGroup, lazy_commands={"ghost": "plotter.no_such_module:cmd",
                                               "schotter": "plotter.cli.paint_schotter:schotter"})
    def group() -> None:
        pass

    runner = CliRunner()
    listing = runner.invoke(group, ["--help"])
    assert "ghost" in listing.output and "schotter" in listing.output
    broken = runner.invoke(group, ["ghost", "--anything"])
    assert broken.exit_code != 0 and "no_such_module" in broken.output
    assert runner.invoke(group, ["schotter", "--help"]).exit_code == 0
