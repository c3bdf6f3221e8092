"""SVG geometry to polylines: straight lines exactly, curves within a tolerance in mm.

Straight-line-only path data and ``points`` lists (what plotting tools and generators write,
by the hundred thousand) are parsed here with one regex pass and numpy; anything with a
curve or an arc goes through svgelements' path parser. Curves are flattened adaptively, with
the tolerance taken in mm after the element's transform:

- a Bézier of degree ``k`` split into ``n`` equal parameter steps strays at most
  ``k(k-1)/8 * max|P[i] - 2P[i+1] + P[i+2]| / n**2`` from its chords (Wang's bound);
- an elliptic arc stepped by ``dt`` in its parametric angle strays at most
  ``r_max * (1 - cos(dt / 2))`` where ``r_max`` is its larger radius.

A transform stretches distances by at most its largest singular value, so the tolerance is
divided by it and the flattening runs in user units; :func:`to_mm` then maps many paths
sharing one transform to mm in a single numpy pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import svgelements

#: An affine map ``(a, b, c, d, e, f)``: ``x' = a x + c y + e``, ``y' = b x + d y + f``.
Matrix = tuple[float, float, float, float, float, float]

_NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER)
_LINE_ONLY = re.compile(rf"(?:[\s,]+|[MmLlHhVvZz]|{_NUMBER})*+")
_NUMBERS_ONLY = re.compile(rf"(?:[\s,]+|{_NUMBER})*+")
_COMMAND_SPLIT = re.compile(r"([MmLlHhVvZz])")
_SEPARATORS = " \t\r\n,"
_MAX_STEPS = 100_000  # per curve segment: a tolerance this fine is a mistake, not a wish


class GeometryError(ValueError):
    """An element's geometry cannot be read; the message says what, the reader adds where."""


class NonFinite(GeometryError):
    """Path ``index`` of a batch has a coordinate that is not a finite number."""

    def __init__(self, index: int) -> None:
        super().__init__("has a coordinate that is not a finite number")
        self.index = index


def compose(outer: Matrix, inner: Matrix) -> Matrix:
    """The matrix applying ``inner`` first, then ``outer``."""
    a, b, c, d, e, f = outer
    p, q, r, s, t, u = inner
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e, b * t + d * u + f)


def stretch(matrix: Matrix) -> float:
    """The largest factor by which ``matrix`` lengthens a distance (its largest singular value)."""
    a, b, c, d = matrix[:4]
    total = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return math.sqrt(max(0.0, (total + math.sqrt(max(0.0, total * total - 4 * det * det))) / 2))


def to_mm(matrix: Matrix, paths: list[np.ndarray]) -> list[np.ndarray]:
    """Map user-unit paths to mm in one numpy pass: read-only contiguous views, ready for a plan.

    A path whose points all coincide becomes a single point (a dot), which is what our
    writer's ``M x,y l0,0`` stands for. Raises :class:`NonFinite` naming the first path that
    left the finite numbers (a huge coordinate or transform).
    """
    points = np.concatenate(paths) if len(paths) > 1 else np.array(paths[0], dtype=np.float64)
    a, b, c, d, e, f = matrix
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught just below, by name
        points = points @ np.array([[a, b], [c, d]])
        points += (e, f)
    counts = np.fromiter((len(p) for p in paths), dtype=np.int64, count=len(paths))
    offsets = np.zeros(len(paths) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    finite = np.isfinite(points).all(axis=1)
    if not finite.all():
        raise NonFinite(int(np.searchsorted(offsets, np.flatnonzero(~finite)[0], side="right")) - 1)
    moved = np.empty(len(points), dtype=bool)
    moved[0] = False
    np.any(points[1:] != points[:-1], axis=1, out=moved[1:])
    moved[offsets[:-1]] = False  # a path's first point comes from nowhere
    ends = offsets[1:].copy()
    still = np.add.reduceat(moved, offsets[:-1]) == 0
    ends[still] = offsets[:-1][still] + 1
    points.flags.writeable = False
    return [points[start:end] for start, end in zip(offsets[:-1].tolist(), ends.tolist(), strict=True)]


def _numbers(text: str) -> np.ndarray:
    return np.array(_NUMBER_RE.findall(text), dtype=np.float64)


def _is_plain(text: str, numbers: list[str], separators: str) -> bool:
    """Whether ``text`` is nothing but ``numbers`` and characters of ``separators``.

    Counting characters is far cheaper than a validating regex and as strict: a stray ``e``,
    ``.``, sign or letter belongs to no number and is no separator, so the totals differ.
    """
    return sum(map(len, numbers)) + sum(map(text.count, separators)) == len(text)


def points_list(text: str, closed: bool) -> list[np.ndarray]:
    """The polyline (user units) of a ``<polyline>`` or ``<polygon>`` ``points`` attribute."""
    numbers = _NUMBER_RE.findall(text)
    if not _is_plain(text, numbers, _SEPARATORS):
        raise GeometryError(f"has unreadable points near {_snippet(text, _NUMBERS_ONLY.match(text).end())}")
    if len(numbers) % 2:
        raise GeometryError(f"has an odd number of coordinates ({len(numbers)}) in points")
    points = np.array(numbers, dtype=np.float64).reshape(-1, 2)
    if len(points) < 2:
        return []
    return [_closed(points) if closed else points]


def path_data(d: str, matrix: Matrix, tolerance_mm: float) -> list[np.ndarray]:
    """The subpaths (user units) of a ``d`` attribute; a lone moveto draws nothing and is dropped.

    ``matrix`` maps user units to mm; here it only decides how finely curves are cut.
    """
    start = d.lstrip(_SEPARATORS)
    if not start:
        return []
    if start[0] not in "Mm":
        raise GeometryError(f"has path data that does not start with a moveto: {_snippet(d, len(d) - len(start))}")
    numbers = _NUMBER_RE.findall(d)
    if _is_plain(d, numbers, _SEPARATORS + "MLZ"):
        subpaths = _absolute_lines(d, numbers)
    elif _LINE_ONLY.fullmatch(d) is not None:
        subpaths = _lines(d)
    else:
        subpaths = _curves(d, tolerance_mm / max(stretch(matrix), 1e-300))
    return [points for points in subpaths if len(points) >= 2]


def _absolute_lines(d: str, numbers: list[str]) -> list[np.ndarray]:
    """The common case (vpype, d3, generators): absolute M, L and Z only, one array per subpath."""
    if d.count("M") == 1 and "Z" not in d and len(numbers) % 2 == 0:
        return [np.array(numbers, dtype=np.float64).reshape(-1, 2)]
    subpaths = []
    for chunk in d.split("M")[1:]:
        close = chunk.find("Z")
        if close >= 0 and chunk[close + 1 :].strip(_SEPARATORS):
            return _lines(d)  # drawing on after a Z: let the general reader track the point
        values = _numbers(chunk)
        if len(values) % 2 or not len(values):
            raise GeometryError(f"has a moveto/lineto with an odd number of coordinates: {_snippet('M' + chunk, 0)}")
        points = values.reshape(-1, 2)
        subpaths.append(_closed(points) if close >= 0 else points)
    return subpaths


def _lines(d: str) -> list[np.ndarray]:
    """Line-only path data with relative commands, H and V: one numpy step per command."""
    parts = _COMMAND_SPLIT.split(d)
    subpaths: list[np.ndarray] = []
    current: list[np.ndarray] = []
    point = start = np.zeros(2)
    for command, args in zip(parts[1::2], parts[2::2], strict=True):
        values = _numbers(args)
        upper = command.upper()
        if upper == "Z":
            if len(values):
                raise GeometryError(f"has numbers after a closepath: {_snippet(command + args, 0)}")
            if current:
                subpaths.append(_closed(np.concatenate(current)))
                current = []
            point = start
            continue
        if upper in "ML":
            if len(values) % 2 or not len(values):
                raise GeometryError(f"has an odd number of coordinates in {_snippet(command + args, 0)}")
            points = values.reshape(-1, 2)
        elif len(values):  # H or V: one coordinate each, the other held
            points = np.repeat(point[None], len(values), axis=0)
            points[:, 0 if upper == "H" else 1] = values
            if command.islower():
                points[:, 1 if upper == "H" else 0] = 0.0
        else:
            raise GeometryError(f"has a {command} command without a coordinate")
        if command.islower():
            points = np.cumsum(points, axis=0) + point
        if upper == "M":
            if len(current) > 0:
                subpaths.append(np.concatenate(current))
            start = points[0]
            current = [points]
        else:
            current.append(points if current else np.vstack([start, points]))
        point = points[-1]
    if current:
        subpaths.append(np.concatenate(current))
    return subpaths


def _curves(d: str, tolerance: float) -> list[np.ndarray]:
    """Any path data, parsed by svgelements; refuses data the parser stopped reading early."""
    path = svgelements.Path()
    lexer = svgelements.SVGLexicalParser()
    try:
        lexer.parse(path, d)
    except (ValueError, TypeError, IndexError, ZeroDivisionError):
        raise GeometryError(f"has broken path data near {_snippet(d, lexer.pos)}") from None
    if d[lexer.pos :].strip(" \t\r\n,"):
        raise GeometryError(f"has broken path data near {_snippet(d, lexer.pos)}")
    return flatten_segments(path, tolerance)


def flatten_segments(segments: Iterable[svgelements.PathSegment], tolerance: float) -> list[np.ndarray]:
    """Polylines (user units) of svgelements segments, each curve within ``tolerance``."""
    subpaths: list[np.ndarray] = []
    current: list[np.ndarray] = []
    for segment in segments:
        if isinstance(segment, svgelements.Move):
            if current:
                subpaths.append(np.concatenate(current))
            current = [np.array([tuple(segment.end)], dtype=np.float64)]
            continue
        if not current:  # drawing on after a closepath starts at the closed subpath's start
            current = [np.array([tuple(segment.start)], dtype=np.float64)]
        if isinstance(segment, svgelements.Close):
            subpaths.append(_closed(np.concatenate(current)))
            current = []
        elif isinstance(segment, svgelements.Line):
            current.append(np.array([tuple(segment.end)], dtype=np.float64))
        elif isinstance(segment, svgelements.CubicBezier | svgelements.QuadraticBezier):
            current.append(_bezier(segment, tolerance))
        elif isinstance(segment, svgelements.Arc):
            current.append(_arc(segment, tolerance))
    if current:
        subpaths.append(np.concatenate(current))
    return subpaths


def bezier_steps(controls: np.ndarray, tolerance: float) -> int:
    """Fewest equal parameter steps keeping a Bézier within ``tolerance`` of its chords."""
    degree = len(controls) - 1
    second = np.hypot(*np.diff(controls, n=2, axis=0).T).max()
    steps = math.ceil(math.sqrt(degree * (degree - 1) * second / (8 * tolerance)))
    return min(max(steps, 1), _MAX_STEPS)


def arc_steps(sweep: float, radius: float, tolerance: float) -> int:
    """Fewest equal steps of the parametric angle keeping an arc within ``tolerance``."""
    if radius <= tolerance:
        return max(1, math.ceil(abs(sweep) / math.pi))
    step = 2 * math.acos(1 - tolerance / radius)
    return min(max(math.ceil(abs(sweep) / step), 1), _MAX_STEPS)


def _bezier(segment: svgelements.CubicBezier | svgelements.QuadraticBezier, tolerance: float) -> np.ndarray:
    """Points after the start of a Bézier, ending exactly at its end point."""
    if isinstance(segment, svgelements.CubicBezier):
        controls = np.array([segment.start, segment.control1, segment.control2, segment.end], dtype=np.float64)
    else:
        controls = np.array([segment.start, segment.control, segment.end], dtype=np.float64)
    t = np.linspace(0.0, 1.0, bezier_steps(controls, tolerance) + 1)[1:, None]
    s = 1.0 - t
    if len(controls) == 4:
        points = s**3 * controls[0] + 3 * s * s * t * controls[1] + 3 * s * t * t * controls[2] + t**3 * controls[3]
    else:
        points = s * s * controls[0] + 2 * s * t * controls[1] + t * t * controls[2]
    points[-1] = controls[-1]
    return points


def _arc(segment: svgelements.Arc, tolerance: float) -> np.ndarray:
    """Points after the start of an elliptic arc, ending exactly at its end point."""
    if segment.sweep == 0 or segment.rx == 0 or segment.ry == 0:
        return np.array([tuple(segment.end)], dtype=np.float64)
    steps = arc_steps(segment.sweep, max(abs(segment.rx), abs(segment.ry)), tolerance)
    points = segment.npoint(np.linspace(0.0, 1.0, steps + 1)[1:])
    points[-1] = tuple(segment.end)
    return points


def _closed(points: np.ndarray) -> np.ndarray:
    """``points`` ending exactly at their first point, as a plan's closed path does.

    An end that misses the start by rounding only (a circle's last arc) is snapped onto it
    rather than joined by a hair-thin extra segment.
    """
    if len(points) < 2:
        return points
    gap = np.abs(points[-1] - points[0]).max()
    if gap <= 1e-9 * max(1.0, np.abs(points[0]).max()):
        points = points.copy()
        points[-1] = points[0]
        return points
    return np.vstack([points, points[:1]])


def _snippet(text: str, position: int) -> str:
    """The token at ``position`` for an error message, or a note that the data ended."""
    rest = text[position:].strip()
    if not rest:
        return f"the end of {text.strip()[-24:]!r} (data ends mid-command)"
    return f"{rest.split()[0][:24]!r} (character {position})"
