"""Flow-field hatching: evenly spaced streamlines along the image's edge tangents (Jobard–Lefer 1997).

The direction field is the image's structure tensor, smoothed, turned a quarter: lines run
along edges and across gradients, the way an engraver follows form. The spacing follows the
tone: lines ``w`` wide at spacing ``s`` cover ``w / s``, so ``s = w / darkness``.

Jobard and Lefer grow one streamline at a time, each stopping where it comes within a test
distance of the lines already drawn, and seed new ones one separation away from the last.
Here every round integrates a whole batch of seeds at once (numpy, RK2), then accepts the
candidates one by one against a grid of accepted points (a loop over lines, not points),
cutting each where it comes too close; the accepted lines of a round seed the next.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

from plotter.errors import PlanError
from plotter.ops import sort_paths
from plotter.plan import Pen, Plan

from .image_input import as_rgb
from .plottable import finished
from .raster import Placement, darkness, place, working_field
from .stipple import DEFAULT_PEN

_DISK = np.array([(i, j) for i in range(-2, 3) for j in range(-2, 3) if i * i + j * j <= 5])


@dataclass(frozen=True)
class FlowParams:
    """Field smoothing, spacing limits, tone cap and the streamlines' step and length."""

    cell_mm: float = 0.5  # 0.1..5, resolution of the direction and tone fields
    smooth_mm: float = 3.0  # 0.2..30, structure tensor smoothing: larger = calmer flow
    min_spacing_mm: float = 0.45  # 0.05..20, densest lines (darkest tone)
    max_spacing_mm: float = 6.0  # 0.1..50, sparsest lines; lighter tones get none
    test_ratio: float = 0.7  # 0.1..1, a line stops this share of the spacing from another
    step_mm: float = 0.4  # 0.05..5, integration step
    max_length_mm: float = 80.0  # 1..1000, per direction from the seed
    min_length_mm: float = 2.0  # 0..100, shorter lines are dropped
    rounds: int = 12  # 1..100 seeding rounds

    def validate(self) -> None:
        for name, low, high in (("cell_mm", 0.1, 5), ("smooth_mm", 0.2, 30), ("min_spacing_mm", 0.05, 20),
                                ("max_spacing_mm", 0.1, 50), ("test_ratio", 0.1, 1), ("step_mm", 0.05, 5),
                                ("max_length_mm", 1, 1000), ("min_length_mm", 0, 100), ("rounds", 1, 100)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PlanError(f"flow: {name}={value} is outside {low}..{high}")
        if self.min_spacing_mm > self.max_spacing_mm:
            raise PlanError(f"flow: min_spacing_mm={self.min_spacing_mm} is above max_spacing_mm={self.max_spacing_mm}")


@dataclass(frozen=True)
class _Fields:
    place: Placement
    tangent: np.ndarray  # (H, W, 2) unit edge tangents (an orientation: the sign means nothing)
    spacing: np.ndarray  # mm, inf where the paper stays white
    rect: tuple[float, float, float, float]

    def _cells(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rc = np.floor(self.place.to_px(xy)).astype(np.int64)
        return np.clip(rc[:, 0], 0, self.spacing.shape[0] - 1), np.clip(rc[:, 1], 0, self.spacing.shape[1] - 1)

    def direction(self, xy: np.ndarray) -> np.ndarray:
        return self.tangent[self._cells(xy)]

    def gap(self, xy: np.ndarray) -> np.ndarray:
        return self.spacing[self._cells(xy)]

    def inside(self, xy: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.rect
        return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


def fields(rgb: np.ndarray, placement: Placement, width_mm: float, params: FlowParams) -> _Fields:
    """Direction (edge tangent) and spacing fields of the picture on the page."""
    dark, grid = working_field(darkness(rgb), placement, params.cell_mm)
    blurred = ndimage.gaussian_filter(dark, 0.6 / grid.mm_per_px, mode="nearest")
    gy, gx = np.gradient(ndimage.gaussian_filter(dark, 1.0 / grid.mm_per_px, mode="nearest"))
    sigma = params.smooth_mm / grid.mm_per_px
    jxx, jxy, jyy = (ndimage.gaussian_filter(v, sigma, mode="nearest") for v in (gx * gx, gx * gy, gy * gy))
    tangent = 0.5 * np.arctan2(2 * jxy, jxx - jyy) + math.pi / 2
    spacing = width_mm / np.maximum(blurred, 1e-6)
    spacing = np.where(spacing > params.max_spacing_mm, np.inf, np.maximum(spacing, params.min_spacing_mm))
    return _Fields(grid, np.stack([np.cos(tangent), np.sin(tangent)], axis=-1), spacing, placement.rect)


def streamlines(field: _Fields, seeds: np.ndarray, params: FlowParams) -> list[tuple[np.ndarray, int]]:
    """Candidate streamlines through ``seeds``, both ways, all integrated together (midpoint rule).

    Each comes with the index of its seed point.
    """
    steps = int(params.max_length_mm / params.step_mm)
    halves = []
    for sign in (1.0, -1.0):
        position = seeds.copy()
        heading = field.direction(position) * sign
        alive = np.ones(len(seeds), dtype=bool)
        trail = np.full((steps + 1, len(seeds), 2), np.nan)
        trail[0] = position
        for k in range(1, steps + 1):
            index = np.flatnonzero(alive)
            if len(index) == 0:
                break
            here = position[index]
            half = here + 0.5 * params.step_mm * _aligned(field.direction(here), heading[index])
            move = _aligned(field.direction(half), heading[index])
            nxt = here + params.step_mm * move
            ok = field.inside(nxt) & np.isfinite(field.gap(nxt))
            alive[index[~ok]] = False
            index, nxt, move = index[ok], nxt[ok], move[ok]
            position[index], heading[index] = nxt, move
            trail[k, index] = nxt
        halves.append(trail)
    forward, backward = halves
    lines = []
    for i in range(len(seeds)):  # one join per candidate line
        ahead = forward[:, i][np.isfinite(forward[:, i, 0])]
        behind = backward[1:, i][np.isfinite(backward[1:, i, 0])]
        lines.append((np.vstack([behind[::-1], ahead]), len(behind)))
    return lines


def _aligned(direction: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """The field is an orientation (no sign): flip each direction to continue the heading."""
    flip = np.einsum("ij,ij->i", direction, heading) < 0
    direction[flip] *= -1
    return direction


class _Occupancy:
    """Where accepted lines run, as seen from each test radius: one coarse boolean grid per radius.

    Grid ``k`` has cells of half its radius ``R_k``; adding a line flags every cell within
    two cells of its points, so a flagged cell means "a line passes within about ``R_k``".
    A point is tested on the grid of the largest radius not above its own test distance.
    Both directions are a handful of vectorised gathers and scatters per line.
    """

    def __init__(self, rect: tuple[float, float, float, float], smallest: float, largest: float) -> None:
        self.origin = np.array(rect[:2])
        size = np.array([rect[2] - rect[0], rect[3] - rect[1]])
        count = max(1, math.ceil(math.log2(largest / smallest)) + 1)
        self.radii = smallest * 2.0 ** np.arange(count)
        self.grids = [np.zeros(tuple(np.ceil(size / (r / 2)).astype(int) + 3), dtype=bool) for r in self.radii]

    def _cells(self, level: int, xy: np.ndarray) -> np.ndarray:
        cells = np.floor((xy - self.origin) / (self.radii[level] / 2)).astype(np.int64) + 1
        return np.clip(cells, 0, np.array(self.grids[level].shape) - 1)

    def blocked(self, xy: np.ndarray, test: np.ndarray) -> np.ndarray:
        level = np.clip(np.searchsorted(self.radii, test, side="right") - 1, 0, len(self.radii) - 1)
        result = np.zeros(len(xy), dtype=bool)
        for k in np.unique(level).tolist():
            chosen = level == k
            cells = self._cells(k, xy[chosen])
            result[chosen] = self.grids[k][cells[:, 0], cells[:, 1]]
        return result

    def add(self, xy: np.ndarray) -> None:
        for k, grid in enumerate(self.grids):
            cells = np.unique(self._cells(k, xy), axis=0)
            stamped = (cells[:, None, :] + _DISK[None]).reshape(-1, 2)
            stamped = np.clip(stamped, 0, np.array(grid.shape) - 1)
            grid[stamped[:, 0], stamped[:, 1]] = True


def _trim(line: np.ndarray, seed_index: int, ok: np.ndarray) -> np.ndarray | None:
    """The stretch of ``line`` around its seed where every point passed the distance test."""
    if not ok[seed_index]:
        return None
    bad = np.flatnonzero(~ok)
    lo = bad[bad < seed_index].max() + 1 if (bad < seed_index).any() else 0
    hi = bad[bad > seed_index].min() if (bad > seed_index).any() else len(line)
    return line[lo:hi]


def paint(image: np.ndarray, *, page: tuple[float, float] = (210.0, 297.0), margin_mm: float = 10.0, seed: int = 1,
          pen: Pen | None = None, params: FlowParams | None = None,
          progress: Callable[[float], None] | None = None) -> Plan:
    """Flow-field hatching of ``image`` on ``page``."""
    params = params or FlowParams()
    params.validate()
    pen = pen or DEFAULT_PEN
    rgb = as_rgb(image)
    placement = place(rgb.shape, page, margin_mm)
    rng = np.random.default_rng(seed)
    field = fields(rgb, placement, pen.width_mm, params)
    occupied = _Occupancy(field.rect, params.test_ratio * params.min_spacing_mm,
                          params.test_ratio * params.max_spacing_mm)
    x0, y0, x1, y1 = field.rect
    jitter = params.max_spacing_mm / 2
    gx, gy = np.meshgrid(np.arange(x0 + jitter / 2, x1, jitter), np.arange(y0 + jitter / 2, y1, jitter))
    seeds = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-jitter / 2, jitter / 2, (gx.size, 2))
    seeds = seeds[rng.permutation(len(seeds))]
    lines: list[np.ndarray] = []
    for round_number in range(params.rounds):
        seeds = seeds[field.inside(seeds)]
        gaps = field.gap(seeds)
        seeds = seeds[np.isfinite(gaps) & ~occupied.blocked(seeds, params.test_ratio * gaps)]
        if len(seeds) == 0:
            break
        fresh = []
        for line, seed_index in streamlines(field, seeds, params):
            ok = ~occupied.blocked(line, params.test_ratio * field.gap(line))
            kept = _trim(line, seed_index, ok)
            if kept is None or len(kept) < 2 or (len(kept) - 1) * params.step_mm < params.min_length_mm:
                continue
            occupied.add(kept)
            fresh.append(kept)
        lines.extend(fresh)
        seeds = _neighbour_seeds(fresh, field, rng)
        if progress is not None:
            progress((round_number + 1) / params.rounds)
    metadata = {"generator": "flow", "seed": seed, "params": {**asdict(params), "margin_mm": margin_mm,
                                                              "pen": asdict(pen)}}
    builder = Plan.builder(page, metadata)
    builder.pen(pen)
    for path in finished(lines, page):
        builder.add(path, pen)
    return sort_paths(builder.build())


def _neighbour_seeds(lines: list[np.ndarray], field: _Fields, rng: np.random.Generator) -> np.ndarray:
    """Jobard–Lefer seeds: one spacing to either side of each new line, every few millimetres."""
    if not lines:
        return np.empty((0, 2))
    points = np.concatenate([line[::8] for line in lines])
    normal = field.direction(points)[:, ::-1] * np.array([-1.0, 1.0])
    gap = field.gap(points)[:, None]
    both = np.concatenate([points + normal * gap, points - normal * gap])
    both = both[np.isfinite(both).all(axis=1)]
    return both[rng.permutation(len(both))]
