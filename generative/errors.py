"""Errors of the generators: each names the file, label or setting at fault and the valid choices."""

from __future__ import annotations

from plotter.errors import PlotterError


class GenerativeError(PlotterError):
    """A generator was asked for something it cannot do (unknown data set, label or device)."""


class CheckpointError(GenerativeError):
    """A checkpoint file is missing, unreadable, of another model or of another format version."""
