"""Errors about machines: a bad profile file, or a plan that cannot go on a machine."""

from __future__ import annotations

from plotter.errors import PlotterError


class ProfileError(PlotterError, ValueError):
    """A machine profile is missing, unreadable, or has an unknown key or a wrong value."""


class MachineError(PlotterError, ValueError):
    """A plan cannot be drawn on a machine: off the bed, out of an arm's reach, wrong protocol."""
