"""Seeded benchmark data, the same for us and for vpype (see shared/notes/vpype.md section 4).

Every generator takes a seed and is vectorised: all points of all paths are drawn at once
and cut into paths with offsets, so making 100k paths costs well under a second and the
timings measure the operations, not the data. Paths are ``(N, 2)`` float64 arrays in mm,
y down, on a 300 x 200 mm page.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from plotter.plan import Layer, Pen, Plan

PAGE_MM = (300.0, 200.0)
STEP_MM = (1.0, 5.0)
HEADING_NOISE_RAD = 0.5
FIXTURE_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "svg"

# The "real" SVG is drawn by vpype's own generators and written by vpype's `write`: a file
# from another tool (Inkscape layers, <line>/<polygon>/<polyline>, px viewBox, cm size).
REAL_SVG_PIPELINE = (
    "pagesize --landscape 300mmx200mm "
    "begin grid -o {pitch}mm {pitch}mm {cols} {rows} "
    "circle -l 1 {half}mm {half}mm {radius}mm "
    "rect -l 2 {inset}mm {inset}mm {side}mm {side}mm "
    "end "
    "random -l 3 -n {lines} -a 300mm 200mm "
    "text -l 4 -f futural -s 4mm -w 280mm -p 10mm 10mm '{text}' "
    "write '{path}'"
)
_TEXT = (
    "A pen plotter draws what it is told in the order it is told, so the order matters: "
    "every pen-up move between two strokes is time spent drawing nothing. "
)


def _walks(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Stacked random walks, ``counts[i]`` points each, clipped to the page.

    Each walk starts uniformly on the page with a uniform heading; each step turns by
    normal noise of ``HEADING_NOISE_RAD`` and moves 1-5 mm. Cumulative sums run over all
    points at once and are re-based at every walk start (a segmented cumsum).
    """
    total = int(counts.sum())
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    turn = rng.normal(0.0, HEADING_NOISE_RAD, total)
    turn[starts] = rng.uniform(0.0, 2 * np.pi, len(counts))
    heading = _segmented_cumsum(turn, starts, counts)
    step = rng.uniform(*STEP_MM, total)
    delta = np.column_stack((step * np.cos(heading), step * np.sin(heading)))
    delta[starts] = rng.uniform((0.0, 0.0), PAGE_MM, (len(counts), 2))
    points = _segmented_cumsum(delta, starts, counts)
    return np.clip(points, (0.0, 0.0), PAGE_MM)


def _segmented_cumsum(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    running = np.cumsum(values, axis=0)
    before = running[starts] - values[starts]
    return running - np.repeat(before, counts, axis=0)


def _split(points: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    paths = np.split(points, np.cumsum(counts)[:-1])
    return [np.ascontiguousarray(p) for p in paths]


def random_polylines(count: int, seed: int = 1) -> list[np.ndarray]:
    """``count`` random-walk polylines of 2-10 points (the ordering and SVG benchmark set)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 11, count)
    return _split(_walks(rng, counts), counts)


def chained_pieces(count: int, seed: int = 2, pieces_per_walk: int = 10) -> list[np.ndarray]:
    """``count`` 4-point pieces cut from longer walks, shuffled, half reversed.

    Consecutive pieces of one walk share an endpoint exactly, so a merge should rebuild the
    ``count / pieces_per_walk`` walks: the best case for merging, as in vpype.md.
    """
    rng = np.random.default_rng(seed)
    walks = max(1, count // pieces_per_walk)
    points_per_walk = 3 * pieces_per_walk + 1
    points = _walks(rng, np.full(walks, points_per_walk)).reshape(walks, points_per_walk, 2)
    take = 3 * np.arange(pieces_per_walk)[:, None] + np.arange(4)
    pieces = points[:, take].reshape(-1, 4, 2)[:count]
    pieces = pieces[rng.permutation(len(pieces))]
    flip = rng.random(len(pieces)) < 0.5
    pieces[flip] = pieces[flip, ::-1]
    return list(pieces.copy())


def fixed_walks(count: int, points_per_path: int, seed: int = 3) -> list[np.ndarray]:
    """``count`` walks of exactly ``points_per_path`` points (the memory benchmark set)."""
    rng = np.random.default_rng(seed)
    points = _walks(rng, np.full(count, points_per_path))
    return list(points.reshape(count, points_per_path, 2))


def as_plan(paths: list[np.ndarray], page_mm: tuple[float, float] = PAGE_MM) -> Plan:
    """One black layer holding ``paths`` in the given order."""
    return Plan(page_mm, (Layer(Pen("black"), tuple(paths)),))


def real_svg_pipeline(path: str | os.PathLike[str], *, quick: bool = False) -> str:
    """The vpype command line (without ``vpype -s SEED``) that draws and writes the real SVG."""
    cols, rows = (10, 6) if quick else (40, 26)
    pitch = 300.0 / cols
    half = pitch / 2
    return REAL_SVG_PIPELINE.format(
        pitch=f"{pitch:g}",
        cols=cols,
        rows=rows,
        half=f"{half:g}",
        radius=f"{0.4 * pitch:g}",
        inset=f"{0.2 * pitch:g}",
        side=f"{0.6 * pitch:g}",
        lines=200 if quick else 2000,
        text=_TEXT * (1 if quick else 12),
        path=os.fspath(path),
    )


def fixture_svgs() -> list[Path]:
    """SVG files from other tools (Inkscape, Illustrator, vpype) kept as test fixtures."""
    return sorted(FIXTURE_DIR.glob("**/*.svg")) if FIXTURE_DIR.is_dir() else []
