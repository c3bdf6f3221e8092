"""Pure operations on plans: each takes a :class:`~plotter.Plan` and returns a new one.

Every function here is one CLI option: order paths, merge, simplify, drop short paths, fit
to the page, clip, and the plain affine helpers. Invalid arguments raise
:class:`~plotter.errors.OperationError` naming the value and the valid choices.
"""

from __future__ import annotations

from .clip import clip_to_page
from .filtering import drop_short
from .merge import merge_paths
from .ordering import sort_paths
from .simplify import simplify_paths
from .transform import fit_to_page, rotate, scale, translate

__all__ = [
    "clip_to_page",
    "drop_short",
    "fit_to_page",
    "merge_paths",
    "rotate",
    "scale",
    "simplify_paths",
    "sort_paths",
    "translate",
]
