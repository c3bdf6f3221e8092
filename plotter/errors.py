"""The one family of errors a user sees.

Every error that reaches a user derives from :class:`PlotterError`; its message names the
file, line or value at fault and, where there is a choice, lists the valid ones. The CLI
catches the base class once and prints one line (exit 2); library code never prints.
"""

from __future__ import annotations


class PlotterError(Exception):
    """Base of every error caused by the user's input, files or settings."""


class PlanError(PlotterError, ValueError):
    """A plan or a path inside it is malformed (wrong shape, NaN, empty page...)."""


class UnitError(PlotterError, ValueError):
    """A length or page size could not be understood."""


class SvgError(PlotterError):
    """An SVG file could not be read or written."""


class OperationError(PlotterError, ValueError):
    """A plan operation was asked for something impossible (negative margin...)."""
