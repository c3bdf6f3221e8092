"""vpype, the peer we measure against, called the way its commands call it.

vpype is only in the optional ``bench`` extra, so :func:`load` returns None when it is not
importable and the harness drops the vpype columns. The CLI commands are click objects
wrapped by vpype's ``layer_processor``; ``inspect.unwrap`` reaches the plain functions
(``linesort(lines, no_flip, two_opt, passes)``, ``linesimplify(lines, tolerance)``), so no
pipeline, state or deep copy is timed. vpype works in CSS pixels; geometry operations are
unit-free, so they get millimetres, and only SVG I/O converts.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PX_PER_MM = 96.0 / 25.4


@dataclass(frozen=True)
class Vpype:
    """The handful of vpype entry points the benchmark needs."""

    version: str
    module: Any
    execute: Callable[..., Any]
    _linesort: Callable[..., Any]
    _linesimplify: Callable[..., Any]

    def lines(self, paths: Sequence[np.ndarray]) -> Any:
        """A LineCollection of complex lines (vpype's representation) for ``(N, 2)`` paths."""
        return self.module.LineCollection([p[:, 0] + 1j * p[:, 1] for p in paths])

    def linesort(self, lines: Any, *, two_opt: bool = False, passes: int = 250) -> Any:
        return self._linesort(lines, no_flip=False, two_opt=two_opt, passes=passes)

    def linemerge(self, lines: Any, tolerance: float) -> Any:
        """``linemerge`` is ``LineCollection.merge`` in place: pass a fresh collection."""
        lines.merge(tolerance=tolerance, flip=True)
        return lines

    def linesimplify(self, lines: Any, tolerance: float) -> Any:
        return self._linesimplify(lines, tolerance)

    def document(self, paths: Sequence[np.ndarray], page_mm: tuple[float, float]) -> Any:
        """A one-layer Document in pixels, as ``vpype read`` would hold the same drawing."""
        document = self.module.Document(page_size=(page_mm[0] * PX_PER_MM, page_mm[1] * PX_PER_MM))
        document.add(self.module.LineCollection([(p[:, 0] + 1j * p[:, 1]) * PX_PER_MM for p in paths]), 1)
        return document

    def read_svg(self, path: str | os.PathLike[str], quantization_mm: float) -> Any:
        return self.module.read_multilayer_svg(os.fspath(path), quantization=quantization_mm * PX_PER_MM)

    def write_svg(self, document: Any, path: str | os.PathLike[str]) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            self.module.write_svg(output=handle, document=document)


def load() -> Vpype | None:
    """vpype's entry points, or None when vpype (the ``bench`` extra) is not installed."""
    try:
        import vpype
        import vpype_cli
        from vpype_cli import operations
    except ImportError:
        return None
    return Vpype(
        version=vpype.__version__,
        module=vpype,
        execute=vpype_cli.execute,
        _linesort=inspect.unwrap(operations.linesort.callback),
        _linesimplify=inspect.unwrap(operations.linesimplify.callback),
    )


def layers_as_paths(lines_per_layer: Sequence[Any], scale: float = 1.0) -> list[list[np.ndarray]]:
    """vpype's complex lines back to ``(N, 2)`` arrays (divided by ``scale``), per layer."""
    return [[np.column_stack((line.real, line.imag)) / scale for line in lines] for lines in lines_per_layer]
