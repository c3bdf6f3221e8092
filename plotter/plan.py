"""The stroke plan: the one currency every part of the project trades in.

A :class:`Plan` is a page (mm) and an ordered tuple of :class:`Layer` s; a layer is one
:class:`Pen` and an ordered tuple of paths; a path is an ``(N, 2)`` float64 array in
millimetres, y down, as in SVG. A closed path repeats its first point at the end.
Plans are immutable: arrays are made read-only and every operation returns a new plan,
so a painter, an optimiser and a plot job can share one without copying.

>>> b = Plan.builder(page="a5")
>>> b.add([(10, 10), (50, 10), (50, 40)], pen="black")
>>> b.build().path_count
1
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import PlanError
from .units import parse_page

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def as_path(points: Any) -> np.ndarray:
    """Return ``points`` as a read-only, C-contiguous ``(N, 2)`` float64 array, N ≥ 1.

    Raises :class:`PlanError` for a wrong shape or a NaN/inf coordinate: a plotter must
    never be sent a move to nowhere.
    """
    if (
        isinstance(points, np.ndarray)
        and not points.flags.writeable
        and points.dtype == np.float64
        and points.flags.c_contiguous
    ):
        array = points  # already a valid path of some plan: share it, never copy
    else:
        array = np.array(points, dtype=np.float64, order="C")
        array.flags.writeable = False
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise PlanError(f"a path must be an (N, 2) array with N >= 1, got shape {array.shape}")
    finite = np.isfinite(array)
    if not finite.all():
        bad = int(np.flatnonzero(~finite.all(axis=1))[0])
        raise PlanError(f"path point {bad} is not finite: {array[bad].tolist()}")
    return array


def is_closed(path: np.ndarray) -> bool:
    """A path is closed when it has at least 3 points and its last point is its first."""
    return len(path) >= 3 and bool(np.array_equal(path[0], path[-1]))


@dataclass(frozen=True)
class Pen:
    """One physical pen: what it is called, the ink colour (``#rrggbb``), its tip width."""

    name: str
    color: str = "#000000"
    width_mm: float = 0.3

    def __post_init__(self) -> None:
        if not self.name:
            raise PlanError("a pen needs a name")
        if not _HEX_COLOUR.match(self.color):
            raise PlanError(f"pen {self.name!r}: colour {self.color!r} is not of the form #rrggbb")
        if not (math.isfinite(self.width_mm) and self.width_mm > 0):
            raise PlanError(f"pen {self.name!r}: tip width {self.width_mm!r} mm must be positive")


@dataclass(frozen=True, eq=False, repr=False)
class Layer:
    """The paths one pen draws, in drawing order."""

    pen: Pen
    paths: tuple[np.ndarray, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", tuple(as_path(p) for p in self.paths))

    @property
    def name(self) -> str:
        return self.pen.name

    def with_paths(self, paths: Iterable[Any]) -> Layer:
        return Layer(self.pen, tuple(paths))

    @property
    def point_count(self) -> int:
        return sum(len(p) for p in self.paths)

    def __repr__(self) -> str:
        return f"Layer({self.pen!r}, {len(self.paths)} paths, {self.point_count} points)"


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """A page in mm and the layers (pens) drawn on it, in plot order.

    ``metadata`` is a JSON-compatible mapping; the keys ``generator``, ``seed``,
    ``params`` and ``command`` record how the plan was made so it can be drawn again.
    """

    page_mm: tuple[float, float]
    layers: tuple[Layer, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        width, height = (float(v) for v in self.page_mm)
        if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
            raise PlanError(f"page size must be positive, got {width:g} x {height:g} mm")
        object.__setattr__(self, "page_mm", (width, height))
        layers = tuple(self.layers)
        names = [layer.name for layer in layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise PlanError(f"two layers use the same pen name: {', '.join(duplicates)}")
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @staticmethod
    def builder(page: str | tuple[float, float] = "a4", metadata: Mapping[str, Any] | None = None) -> PlanBuilder:
        """Start a plan for a painter: ``Plan.builder("a4", {"generator": "aaron", "seed": 7})``."""
        return PlanBuilder(parse_page(page), dict(metadata or {}))

    # --- reading ---------------------------------------------------------------
    def iter_paths(self) -> Iterator[tuple[Layer, np.ndarray]]:
        for layer in self.layers:
            for path in layer.paths:
                yield layer, path

    @property
    def path_count(self) -> int:
        return sum(len(layer.paths) for layer in self.layers)

    @property
    def point_count(self) -> int:
        return sum(layer.point_count for layer in self.layers)

    def __repr__(self) -> str:
        width, height = self.page_mm
        return f"Plan({width:g}x{height:g}mm, layers={list(self.layers)!r})"

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise PlanError(f"no layer {name!r}; layers: {', '.join(layer.name for layer in self.layers) or 'none'}")

    def bounds(self) -> tuple[float, float, float, float] | None:
        """``(xmin, ymin, xmax, ymax)`` of every point drawn, or None for an empty plan."""
        arrays = [p for _, p in self.iter_paths()]
        if not arrays:
            return None
        mins = np.min([a.min(axis=0) for a in arrays], axis=0)
        maxs = np.max([a.max(axis=0) for a in arrays], axis=0)
        return (float(mins[0]), float(mins[1]), float(maxs[0]), float(maxs[1]))

    # --- making new plans --------------------------------------------------------
    def with_layers(self, layers: Iterable[Layer]) -> Plan:
        return replace(self, layers=tuple(layers))

    def with_page(self, page_mm: tuple[float, float]) -> Plan:
        return replace(self, page_mm=page_mm)

    def with_metadata(self, **entries: Any) -> Plan:
        return replace(self, metadata={**self.metadata, **entries})

    def map_paths(self, transform: Callable[[np.ndarray], Iterable[np.ndarray]]) -> Plan:
        """A new plan whose every path is replaced by the paths ``transform`` returns for it."""
        return self.with_layers(
            layer.with_paths(out for path in layer.paths for out in transform(path)) for layer in self.layers
        )

    def map_layers(self, transform: Callable[[Layer], Layer]) -> Plan:
        return self.with_layers(transform(layer) for layer in self.layers)

    def without_empty_layers(self) -> Plan:
        return self.with_layers(layer for layer in self.layers if layer.paths)


class PlanBuilder:
    """Collects paths per pen for a painter, so painters never touch SVG or arrays' layout.

    Pens are created on first use (``pen=`` a :class:`Pen` or a name) and keep the order in
    which they first appeared; :meth:`build` returns the immutable :class:`Plan`.
    """

    def __init__(self, page_mm: tuple[float, float], metadata: dict[str, Any]) -> None:
        self.page_mm = page_mm
        self.metadata = metadata
        self._pens: dict[str, Pen] = {}
        self._paths: dict[str, list[np.ndarray]] = {}

    def pen(self, pen: Pen | str, color: str = "#000000", width_mm: float = 0.3) -> Pen:
        """Declare (or look up) a pen; later ``add(..., pen=name)`` calls draw with it."""
        if isinstance(pen, str):
            pen = self._pens.get(pen) or Pen(pen, color, width_mm)
        known = self._pens.get(pen.name)
        if known is not None and known != pen:
            raise PlanError(f"pen {pen.name!r} declared twice with different settings: {known} and {pen}")
        self._pens.setdefault(pen.name, pen)
        self._paths.setdefault(pen.name, [])
        return pen

    def add(self, points: Any, pen: Pen | str = "black") -> None:
        """Add one polyline (an ``(N, 2)`` array-like in mm)."""
        name = self.pen(pen).name
        self._paths[name].append(as_path(points))

    def add_closed(self, points: Any, pen: Pen | str = "black") -> None:
        """Add a closed polygon; the first point is repeated at the end if it is not already."""
        path = as_path(points)
        if not np.array_equal(path[0], path[-1]):
            path = as_path(np.vstack([path, path[:1]]))
        self.add(path, pen)

    def build(self) -> Plan:
        layers = (Layer(self._pens[name], tuple(paths)) for name, paths in self._paths.items())
        return Plan(self.page_mm, tuple(layers), self.metadata)
