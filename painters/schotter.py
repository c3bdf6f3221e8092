"""Schotter ("Gravel"), after Georg Nees (1968): order dissolving into disorder.

A grid of squares, each rotated and displaced by an amount that grows row by row down the
page, one of the first plotter drawings ever exhibited (``plotter paint schotter``). Every
random draw comes from the piece's own seeded generator, so the same seed and parameters
give the same plan, byte for byte.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from plotter.errors import PlanError
from plotter.plan import Pen, Plan


@dataclass(frozen=True)
class SchotterParams:
    """The piece's parameters, each with the range the CLI, metadata and tests read."""

    columns: int = 12  # squares per row, 1..60
    rows: int = 20  # rows down the page, 1..100
    square_mm: float = 12.0  # side of one square, 1..100 mm
    disorder: float = 1.0  # how wild the last row gets, 0..3
    accent_every: int = 5  # every n-th row drawn with the second pen (0 = single pen)

    def validate(self) -> None:
        for name, low, high in (("columns", 1, 60), ("rows", 1, 100), ("square_mm", 1, 100), ("disorder", 0, 3)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PlanError(f"schotter: {name}={value} is outside {low}..{high}")
        if self.accent_every < 0:
            raise PlanError(f"schotter: accent_every={self.accent_every} must be 0 or more")


INK = Pen("ink", "#1b1b1b", 0.35)
ACCENT = Pen("accent", "#c0392b", 0.5)


def paint(seed: int = 1, params: SchotterParams | None = None, page: tuple[float, float] = (210.0, 297.0)) -> Plan:
    """Draw Schotter on ``page`` (mm): squares centred on the page, disorder growing downwards."""
    params = params or SchotterParams()
    params.validate()
    rng = np.random.default_rng(seed)
    side = params.square_mm
    grid_w, grid_h = params.columns * side, params.rows * side
    origin = np.array([(page[0] - grid_w) / 2, (page[1] - grid_h) / 2])
    corners = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5)]) * side
    command = (f"plotter paint schotter --seed {seed} --page {page[0]:g}x{page[1]:g}mm --columns {params.columns} "
               f"--rows {params.rows} --square {params.square_mm:g} --disorder {params.disorder:g} "
               f"--accent-every {params.accent_every} -o OUT.svg")
    metadata = {"generator": "schotter", "seed": seed, "params": asdict(params), "command": command}
    builder = Plan.builder(page, metadata)
    builder.pen(INK)
    for row in range(params.rows):
        strength = params.disorder * row / max(params.rows - 1, 1)
        pen = ACCENT if params.accent_every and row % params.accent_every == params.accent_every - 1 else INK
        for column in range(params.columns):
            angle = rng.uniform(-1, 1) * strength * np.pi / 4
            shift = rng.uniform(-1, 1, size=2) * strength * side * 0.5
            rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            centre = origin + (np.array([column, row]) + 0.5) * side + shift
            builder.add(corners @ rotation.T + centre, pen=pen)
    return builder.build()
