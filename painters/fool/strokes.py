"""Stroke makers: a region's polygon (mm) and a paper coverage in, polylines out.

Every maker works on all of a region's strokes at once with shapely's vectorised
predicates and numpy, and ends each path at a real point (no NaN, no zero-length path).
Coverage is tone: lines ``w`` wide and ``s`` apart cover ``w / s`` of the paper; crossing
layers multiply what they leave uncovered; randomly scattered strokes of total length
``L`` on area ``A`` leave ``exp(-L w / A)`` uncovered.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely
from scipy import ndimage

from plotter.geometry import flatten

Shape = shapely.Polygon | shapely.MultiPolygon
#: Local paper coverage wanted at ``(N, 2)`` points in mm, 0..1.
Tone = Callable[[np.ndarray], np.ndarray]

#: Threshold levels of the hatch rows (a power of two): the lightest hatching keeps one row in this many.
LEVELS = 8
_BIT_REVERSED = np.array([int(f"{i:03b}"[::-1], 2) for i in range(LEVELS)])
#: Step at which the tone is read along a hatch line, mm.
TONE_STEP_MM = 0.5
#: Shortest dash kept, mm.
MIN_DASH_MM = 0.8

#: Densest sampling of a wobbling line, mm: the tremor is smooth at this scale.
WOBBLE_STEP_MM = 1.0
_MIN_PIECE_MM = 0.05
#: A dash end this close to a region's outline lies on it (the hatch lines were cut by it).
_ON_EDGE_MM = 1e-6
#: Smoothing of a freehand tremor, in samples (1 mm each), and the standard deviation it leaves of unit noise.
TREMOR_SIGMA = 5.0
_TREMOR_GAIN = float(np.sqrt((ndimage.gaussian_filter1d(np.eye(1, 65, 32)[0], TREMOR_SIGMA) ** 2).sum()))


def hatch(shape: Shape, angle: float, width_mm: float, cap: float, tone: Tone, *, wobble_mm: float,
          rng: np.random.Generator, join: bool = True) -> list[np.ndarray]:
    """Parallel lines at ``angle`` (radians) filling ``shape`` to the local coverage ``tone(xy)``.

    Rows lie at the densest spacing ``width_mm / cap``; row ``i`` is drawn only where the
    wanted coverage exceeds its threshold, the thresholds running through the rows in
    bit-reversed order (ordered dithering across the rows), so any level leaves evenly
    spaced lines and the tone may change inside the region. Consecutive lines are joined
    into a zig-zag (a pencil rarely lifts): the turn runs along the inside of the region's
    boundary where both ends lie on the same outline, else straight where that stays inside.
    """
    spacing = width_mm / cap
    centre = np.array(shape.centroid.coords[0])
    flat = shapely.transform(shape, lambda xy: (xy - centre) @ _rotation(-angle).T)
    xmin, ymin, xmax, ymax = flat.bounds
    rows = np.arange(ymin + spacing * rng.uniform(0.05, 0.95), ymax, spacing)
    if len(rows) == 0:
        return []
    lines = shapely.linestrings(np.stack([np.column_stack([np.full_like(rows, xmin - 1), rows]),
                                          np.column_stack([np.full_like(rows, xmax + 1), rows])], axis=1))
    parts, row = shapely.get_parts(shapely.intersection(lines, flat), return_index=True)
    straight = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > _MIN_PIECE_MM)
    parts, row = parts[straight], row[straight]
    if len(parts) == 0:
        return []
    x0 = shapely.get_x(shapely.get_point(parts, 0))
    x1 = shapely.get_x(shapely.get_point(parts, -1))
    threshold = (_BIT_REVERSED[(row + rng.integers(LEVELS)) % LEVELS] + 0.5) / LEVELS
    left, right, row = _dashes(np.minimum(x0, x1), np.maximum(x0, x1), row, rows, threshold * cap,
                               lambda xy: tone(xy @ _rotation(angle).T + centre))
    if len(row) == 0:
        return []
    # boustrophedon over the rows that hold a dash: every other one right to left
    backwards = np.unique(row, return_inverse=True)[1] % 2 == 1
    order = np.lexsort((np.where(backwards, -left, left), row))
    left, right, row, backwards = left[order], right[order], row[order], backwards[order]
    starts = np.column_stack([np.where(backwards, right, left), rows[row]])
    ends = np.column_stack([np.where(backwards, left, right), rows[row]])
    links: list[np.ndarray | None] = [None] * (len(starts) - 1)  # links[i]: how dash i runs into dash i + 1
    if join and len(starts) > 1:
        links = _links(flat, ends[:-1], starts[1:], 4 * np.diff(row) * spacing + 0.5)
    paths = _chains(starts, ends, links)
    if wobble_mm > 0:
        paths = _wobbled(paths, wobble_mm, spacing, rng)
    back = _rotation(angle)
    return [p @ back.T + centre for p in paths]


def crosshatch(shape: Shape, angle: float, width_mm: float, cap: float, tone: Tone, *, wobble_mm: float,
               rng: np.random.Generator) -> list[np.ndarray]:
    """Tone layers: up to four hatchings at 0°, 90°, 45°, 135° to ``angle``.

    Each layer may cover ``q`` with ``(1 - q)^4 = 1 - cap``; layer ``k`` starts where the
    ``k`` before it are full, so light tones are single hatching and only the darkest get all four.
    """
    each = 1.0 - (1.0 - cap) ** 0.25
    paths = []
    for k, turn in enumerate(np.radians([0.0, 90.0, 45.0, 135.0])):
        def layer(xy: np.ndarray, k: int = k) -> np.ndarray:
            return np.clip(1.0 - (1.0 - tone(xy)) / (1.0 - each) ** k, 0.0, each)
        paths.extend(hatch(shape, angle + turn, width_mm, each, layer, wobble_mm=wobble_mm, rng=rng))
    return paths


def pastel(shape: Shape, angle: float, width_mm: float, cap: float, tone: Tone, *, stroke_mm: float,
           spread_deg: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Short, slightly bent overlapping strokes around ``angle``, scattered as densely as ``tone`` asks.

    Centres are drawn for the densest tone and each is kept with probability
    ``ln(1 - c) / ln(1 - cap)`` of its local coverage ``c``: thinning a random scatter.
    """
    densest = -math.log1p(-cap)
    count = int(min(densest * shape.area / (width_mm * stroke_mm), 50_000))
    if count == 0:
        return []
    centres = _points_inside(shape, count, rng)
    wanted = -np.log1p(-np.clip(tone(centres), 0.0, cap)) / densest
    centres = centres[rng.uniform(size=len(centres)) < wanted]
    count = len(centres)
    if count == 0:
        return []
    length = stroke_mm * rng.uniform(0.6, 1.4, count)
    heading = angle + np.radians(rng.normal(0.0, spread_deg, count))
    bend = rng.normal(0.0, 0.08, count) * length
    t = np.linspace(-0.5, 0.5, 5)
    along = np.column_stack([np.cos(heading), np.sin(heading)])
    across = np.column_stack([-along[:, 1], along[:, 0]])
    offset = length[:, None] * t  # (count, 5)
    sag = bend[:, None] * (1.0 - 4.0 * t**2)
    points = centres[:, None, :] + offset[..., None] * along[:, None, :] + sag[..., None] * across[:, None, :]
    # serpentine order in bands across the stroke direction keeps travel short
    normal = np.array([-math.sin(angle), math.cos(angle)])
    band = np.floor(centres @ normal / (stroke_mm * 1.5)).astype(np.int64)
    position = centres @ np.array([math.cos(angle), math.sin(angle)])
    order = np.lexsort((np.where(band % 2 == 1, -position, position), band))
    points, flip = points[order], band[order] % 2 == 1
    points[flip] = points[flip, ::-1]
    clipped = shapely.intersection(shapely.linestrings(points), shape)
    return _line_coordinates(clipped)


def contour_fill(shape: Shape, width_mm: float, cap: float, tone: Tone, *, rng: np.random.Generator,
                 limit: int = 2000) -> list[np.ndarray]:
    """Concentric rings inwards from the outline ("ever decreasing circles"), as dense as ``tone`` asks.

    Rings lie at the densest spacing; like hatch rows, ring ``k`` is kept only where the
    local coverage reaches its bit-reversed threshold.
    """
    spacing = width_mm / cap
    rings, depths = [], []
    current = shape.buffer(-spacing * 0.5, quad_segs=4)
    depth = int(rng.integers(LEVELS))
    while not current.is_empty and len(rings) < limit:
        current = current.simplify(spacing * 0.1)
        for polygon in shapely.get_parts(current):
            if polygon.area >= spacing * spacing:
                rings.extend((polygon.exterior, *polygon.interiors))
                depths.extend([depth] * (1 + len(polygon.interiors)))
        current = current.buffer(-spacing, quad_segs=4)
        depth += 1
    if not rings:
        return []
    dense = shapely.segmentize(np.array(rings, dtype=object), TONE_STEP_MM)
    points, index = shapely.get_coordinates(dense, return_index=True)
    threshold = (_BIT_REVERSED[np.asarray(depths) % LEVELS] + 0.5) / LEVELS * cap
    return runs(points, index, tone(points) >= threshold[index])


def freehand_outline(shape: Shape, *, wobble_mm: float, rng: np.random.Generator,
                     overshoot_mm: float = 3.0) -> list[np.ndarray]:
    """Each outline as a hand would draw it: a slow tremor either side, running past its start.

    The tremor is smoothed noise along the outline's normal (a band-limited version of
    AARON's bounded-swing freehand line); the overshoot is a pen that does not stop dead.
    """
    paths = []
    for polygon in shapely.get_parts(shape):
        for ring in (polygon.exterior, *polygon.interiors):
            points = np.asarray(shapely.segmentize(ring, 1.0).coords)[:-1]
            if len(points) < 3:
                continue
            extra = min(len(points) - 1, max(1, round(overshoot_mm * rng.uniform(0.5, 1.5))))
            paths.append(_trembling(np.vstack([points, points[:extra]]), wobble_mm, rng))
    return paths


def tremble(paths: list[np.ndarray], wobble_mm: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Open polylines redrawn freehand: sampled every millimetre, shaken smoothly across their course."""
    dense = [np.asarray(shapely.segmentize(shapely.LineString(p), 1.0).coords) for p in paths if len(p) >= 2]
    return [_trembling(p, wobble_mm, rng) for p in dense if len(p) >= 2]


def _trembling(points: np.ndarray, wobble_mm: float, rng: np.random.Generator) -> np.ndarray:
    """``points`` moved along their normals by smoothed noise of standard deviation ``wobble_mm``."""
    if len(points) < 3:
        return points
    # scaled by the filter's own gain, not the sample's spread: a short line's few smoothed
    # values barely differ, and dividing by their spread once blew a 3-point chain up 70 mm
    noise = ndimage.gaussian_filter1d(rng.normal(size=len(points)), sigma=TREMOR_SIGMA, mode="nearest")
    noise = np.clip(noise * (wobble_mm / _TREMOR_GAIN), -3.0 * wobble_mm, 3.0 * wobble_mm)
    tangent = np.gradient(points, axis=0)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    normal /= np.maximum(np.hypot(*normal.T), 1e-12)[:, None]
    return points + normal * noise[:, None]


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def _dashes(left: np.ndarray, right: np.ndarray, row: np.ndarray, rows: np.ndarray, threshold: np.ndarray,
            tone: Tone) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each row piece ``[left, right]`` to the runs where ``tone`` reaches the row's ``threshold``.

    The tone is read every :data:`TONE_STEP_MM` along all pieces at once; a run ends halfway
    between the last sample in and the first out; runs shorter than :data:`MIN_DASH_MM` go.
    """
    count = np.maximum(np.ceil((right - left) / TONE_STEP_MM).astype(np.int64), 1) + 1
    piece = np.repeat(np.arange(len(left)), count)
    first = np.cumsum(count) - count
    t = (np.arange(count.sum()) - first[piece]) / (count[piece] - 1)
    x = left[piece] + t * (right - left)[piece]
    on = tone(np.column_stack([x, rows[row[piece]]])) >= threshold[piece]
    new = np.ones(len(x), dtype=bool)
    new[1:] = piece[1:] != piece[:-1]
    begins = on & (new | ~np.roll(on, 1))
    last = np.ones(len(x), dtype=bool)
    last[:-1] = piece[1:] != piece[:-1]
    finishes = on & (last | ~np.roll(on, -1))
    lo, hi = np.flatnonzero(begins), np.flatnonzero(finishes)
    half = 0.5 * (right - left)[piece] / (count[piece] - 1)
    start = np.where(new[lo], x[lo], x[lo] - half[lo])
    stop = np.where(last[hi], x[hi], x[hi] + half[hi])
    keep = stop - start >= MIN_DASH_MM
    return start[keep], stop[keep], row[piece[lo]][keep]


def runs(points: np.ndarray, index: np.ndarray, on: np.ndarray) -> list[np.ndarray]:
    """The stretches of each polyline (``points`` grouped by ``index``) where ``on`` holds, ≥ 2 points."""
    keep = on.copy()
    cut = np.ones(len(points), dtype=bool)
    cut[1:] = (index[1:] != index[:-1]) | (on[1:] != on[:-1])
    group = np.cumsum(cut)[keep]
    pieces = np.split(points[keep], np.flatnonzero(np.diff(group)) + 1)
    return [p for p in pieces if len(p) >= 2 and np.hypot(*np.diff(p, axis=0).T).sum() >= MIN_DASH_MM]


def _links(shape: Shape, a: np.ndarray, b: np.ndarray, reach: np.ndarray) -> list[np.ndarray | None]:
    """How the pen may go from each ``a[i]`` to ``b[i]`` without lifting: the points between, or None.

    Where both ends lie on the same ring of ``shape`` the link follows that ring the short
    way round (the turn of a zig-zag hugs the region's edge, concave bays included);
    otherwise it is straight where that stays inside. Links longer than ``reach`` lift.
    """
    links: list[np.ndarray | None] = [None] * len(a)
    near = np.flatnonzero(np.hypot(*(b - a).T) < reach)
    if len(near) == 0:
        return links
    rings = np.array([ring for polygon in shapely.get_parts(shape) for ring in (polygon.exterior, *polygon.interiors)],
                     dtype=object)
    pa, pb = shapely.points(a[near]), shapely.points(b[near])
    da, db = shapely.distance(rings[:, None], pa[None, :]), shapely.distance(rings[:, None], pb[None, :])
    ring_a, ring_b = da.argmin(axis=0), db.argmin(axis=0)
    on_edge = (da.min(axis=0) < _ON_EDGE_MM) & (db.min(axis=0) < _ON_EDGE_MM) & (ring_a == ring_b)
    for r in np.unique(ring_a[on_edge]).tolist():
        chosen = np.flatnonzero(on_edge & (ring_a == r))
        coords = np.asarray(rings[r].coords)
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
        total = cum[-1]
        twice, cum_twice = np.vstack([coords[:-1], coords]), np.concatenate([cum[:-1], cum + total])
        sa, sb = shapely.line_locate_point(rings[r], pa[chosen]), shapely.line_locate_point(rings[r], pb[chosen])
        forward = (sb - sa) % total
        for k, s0, s1, ahead in zip(chosen.tolist(), sa.tolist(), sb.tolist(), forward.tolist(), strict=True):
            backwards = ahead > total - ahead
            length = total - ahead if backwards else ahead
            if length >= reach[near[k]]:
                continue
            start = s1 if backwards else s0
            between = twice[np.searchsorted(cum_twice, start, "right"):np.searchsorted(cum_twice, start + length)]
            links[near[k]] = between[::-1] if backwards else between
    straight = np.array([links[i] is None for i in near.tolist()])
    if straight.any():
        inside = shape.buffer(_ON_EDGE_MM * 10, quad_segs=1)
        shapely.prepare(inside)
        bridges = shapely.linestrings(np.stack([a[near[straight]], b[near[straight]]], axis=1))
        for i in near[straight][shapely.covers(inside, bridges)].tolist():
            links[i] = np.empty((0, 2))
    return links


def _chains(starts: np.ndarray, ends: np.ndarray, links: list[np.ndarray | None]) -> list[np.ndarray]:
    """Pieces (start, end) run together through ``links[i]`` wherever piece ``i`` continues into the next."""
    paths, current = [], []
    for i, link in enumerate([*links, None]):
        current += [starts[i : i + 1], ends[i : i + 1]]
        if link is None:
            paths.append(np.concatenate(current))
            current = []
        else:
            current.append(link)
    return paths


def _wobbled(paths: list[np.ndarray], amplitude: float, spacing: float, rng: np.random.Generator) -> list[np.ndarray]:
    """A smooth tremor across the hatch direction, sampled every :data:`WOBBLE_STEP_MM`."""
    points, offsets = flatten(paths)
    lines = shapely.linestrings(points, indices=np.repeat(np.arange(len(paths)), np.diff(offsets)))
    dense = shapely.segmentize(lines, WOBBLE_STEP_MM)
    points, index = shapely.get_coordinates(dense, return_index=True)
    phase = rng.uniform(0, 2 * math.pi, 2)
    x, y = points[:, 0], points[:, 1]
    # neighbouring lines tremble together (the phase drifts by 0.05 rad a row): dense
    # hatching leaves gaps of a few hundredths of a millimetre, which any disagreement
    # between rows would close, losing tone
    shift = 0.65 * np.sin(x * (2 * math.pi / 17.0) + y * (0.05 / spacing) + phase[0])
    shift += 0.35 * np.sin(x * (2 * math.pi / 9.0) + y * (0.08 / spacing) + phase[1])
    points[:, 1] += min(amplitude, 0.8 * spacing) * shift
    return np.split(points, np.flatnonzero(np.diff(index)) + 1)


def _points_inside(shape: Shape, count: int, rng: np.random.Generator) -> np.ndarray:
    """About ``count`` uniform random points inside ``shape`` (rejection from its bounding box)."""
    xmin, ymin, xmax, ymax = shape.bounds
    fill = shape.area / max((xmax - xmin) * (ymax - ymin), 1e-12)
    tries = int(count / max(fill, 0.02) * 1.3) + 16
    candidates = rng.uniform((xmin, ymin), (xmax, ymax), size=(tries, 2))
    inside = shapely.contains_xy(shape, candidates[:, 0], candidates[:, 1])
    return candidates[inside][:count]


def _line_coordinates(geometries: np.ndarray) -> list[np.ndarray]:
    """The coordinates of every non-degenerate line inside ``geometries``."""
    parts = shapely.get_parts(geometries)
    parts = parts[(shapely.get_type_id(parts) == 1) & (shapely.length(parts) > _MIN_PIECE_MM)]
    if len(parts) == 0:
        return []
    points, index = shapely.get_coordinates(parts, return_index=True)
    return np.split(points, np.flatnonzero(np.diff(index)) + 1)
