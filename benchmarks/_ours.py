"""Our operations as the benchmark calls them, looked up when used.

The harness must run (and say what is missing) while a module is still being written, so
each entry point is imported on first use; a missing one raises :class:`Missing`, which
the harness turns into an empty "ours" cell instead of a crash.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Missing(Exception):
    """One of our entry points is not importable (yet)."""


def entry(dotted: str) -> Callable[..., Any]:
    """``entry("plotter.ops.sort_paths")`` -> the function, or :class:`Missing`."""
    module_name, _, name = dotted.rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as error:
        raise Missing(f"{dotted} missing ({error})") from None
    return function
