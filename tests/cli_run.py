"""Run the ``plotter`` command in-process, as the CLI tests do."""

from __future__ import annotations

from plotter.cli import main


def run(args, capsys):  # noqa: ANN001, ANN201 - test helper
    """``plotter ARGS`` → (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err
