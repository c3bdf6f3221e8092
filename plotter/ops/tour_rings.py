"""Closed paths entered at any vertex: where each ring is joined to the drawing order.

A closed path (a ring) ends where it starts, at whichever vertex that is, so in the tour it
is one point that the tour may choose among all its vertices. The tour modules see a ring
as a path whose two ends sit on its *anchor* vertex; this module moves the anchors:

- :func:`initial_anchors`, before construction: each ring's vertex nearest the open strokes
  that touch it (an arm ending on a body, a stem on a leaf), so greedy matching can join
  them there rather than at whatever vertex the outline happened to start;
- :func:`relocate_rings`, between 2-opt rounds: every ring is cut out of the tour and put
  back into the gap, and at the vertex, that saves most (an Or-opt move whose node may be
  entered anywhere), gaps found by one KD-tree query over all ring vertices; then each ring
  re-anchored where it stands.

The anchor-moved endpoint table is the one :mod:`.tour_greedy` and :mod:`.tour_twoopt` use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..geometry import flatten

GAP_CANDIDATES = 4  # tour points looked up per ring vertex
_EPS = 1e-9


@dataclass(frozen=True)
class Rings:
    """The closed paths of a layer, their vertices flattened for bulk queries.

    Ring ``k`` is path ``path[k]``; its distinct vertices (the closing point dropped) are
    ``vertices[offsets[k]:offsets[k + 1]]`` and ``owner`` gives each vertex's ring. An anchor
    is an index into ``vertices``.
    """

    path: np.ndarray
    offsets: np.ndarray
    vertices: np.ndarray
    owner: np.ndarray

    @staticmethod
    def of(paths: tuple[np.ndarray, ...], closed: np.ndarray) -> Rings:
        path = np.flatnonzero(closed)
        vertices, offsets = flatten([paths[i][:-1] for i in path.tolist()])
        owner = np.repeat(np.arange(len(path)), np.diff(offsets))
        return Rings(path, offsets, vertices, owner)

    def rotate(self, paths: list[np.ndarray], anchor: np.ndarray) -> None:
        """Start each ring of ``paths`` (indexed as the layer's) at its anchor, in place."""
        for k, vertex in enumerate((anchor - self.offsets[:-1]).tolist()):
            if vertex:
                ring = paths[self.path[k]]
                paths[self.path[k]] = np.concatenate([ring[vertex:-1], ring[: vertex + 1]])

    def best_per_ring(self, cost: np.ndarray, vertex: np.ndarray | None = None) -> np.ndarray:
        """The cheapest of ``vertex`` (default: all) per ring they touch, ties to the lowest index."""
        vertex = np.arange(len(self.owner)) if vertex is None else vertex
        owner = self.owner[vertex]
        order = np.lexsort((vertex, cost, owner))
        return vertex[order[np.unique(owner[order], return_index=True)[1]]]


def anchored(points: np.ndarray, rings: Rings, anchor: np.ndarray) -> np.ndarray:
    """A copy of the endpoint table with each ring's two ends on its anchor vertex."""
    points = points.copy()
    points[2 * rings.path] = points[2 * rings.path + 1] = rings.vertices[anchor]
    return points


def initial_anchors(rings: Rings, points: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Each ring's vertex with the two nearest open-path ends closest (its first vertex if none).

    Ends of open paths are the points a ring can be joined to whatever the order; other
    rings' vertices are left to :func:`relocate_rings`, which sees the tour.
    """
    open_ends = points[:-2][~np.repeat(closed, 2)]
    if len(open_ends) == 0:
        return rings.offsets[:-1].copy()
    k = min(2, len(open_ends))
    dist, _ = cKDTree(open_ends).query(rings.vertices, k=k, workers=-1)
    return rings.best_per_ring(dist.reshape(len(rings.vertices), k).sum(axis=1))


@dataclass
class _Tour:
    """The drawing order as a linked list, node ``n`` being the pen's start (the depot).

    ``after[x]`` is the node drawn after ``x`` (-1 after the last); ``entry[x]`` the endpoint
    (of the table) where path ``x`` is entered. Coordinates are Python floats: the moves are
    applied one by one, and scalar maths on lists beats numpy's per-call overhead there.
    """

    after: list[int]
    before: list[int]
    entry: list[int]
    entry_xy: list[tuple[float, float]]
    exit_xy: list[tuple[float, float]]

    @staticmethod
    def of(points: np.ndarray, entries: np.ndarray) -> _Tour:
        n = len(entries)
        sequence = [n, *(entries >> 1).tolist()]
        after, before = [-1] * (n + 1), [-1] * (n + 1)
        for a, b in zip(sequence[:-1], sequence[1:], strict=True):
            after[a], before[b] = b, a
        entry = [0] * n
        for e in entries.tolist():
            entry[e >> 1] = e
        xy = [tuple(p) for p in points.tolist()]
        entry_xy = [xy[e] for e in entry] + [(math.nan, math.nan)]
        exit_xy = [xy[e ^ 1] for e in entry] + [xy[-1]]
        return _Tour(after, before, entry, entry_xy, exit_xy)

    def detour(self, node: int, following: int, vertex: tuple[float, float]) -> float:
        """Added travel to draw a ring entered at ``vertex`` between ``node`` and ``following`` (-1: none)."""
        x, y = self.exit_xy[node]
        cost = math.hypot(vertex[0] - x, vertex[1] - y)
        if following >= 0:
            u, v = self.entry_xy[following]
            cost += math.hypot(vertex[0] - u, vertex[1] - v) - math.hypot(u - x, v - y)
        return cost

    def move(self, node: int, after: int) -> None:
        """Cut ``node`` out and draw it right after ``after``."""
        previous, following = self.before[node], self.after[node]
        self.after[previous] = following
        if following >= 0:
            self.before[following] = previous
        following = self.after[after]
        self.after[after], self.before[node], self.after[node] = node, after, following
        if following >= 0:
            self.before[following] = node

    def entries(self) -> np.ndarray:
        depot = len(self.after) - 1
        walk, node = [], self.after[depot]
        while node >= 0:  # one step per path: the order is only known link by link
            walk.append(self.entry[node])
            node = self.after[node]
        return np.array(walk, dtype=np.int64)


def relocate_rings(
    points: np.ndarray, entries: np.ndarray, rings: Rings, anchor: np.ndarray, max_moves: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Move rings to cheaper gaps and vertices; returns ``(entries, anchor, moves made)``.

    ``points`` is the table :func:`anchored` at ``anchor``. Candidate moves are scored all
    at once against the tour as it was; at most ``max_moves`` are then tried best first,
    each re-scored against the current tour and made only if it still saves travel, so the
    pen-up length never grows. Rings are then re-anchored in place.
    """
    n = len(entries)
    anchor = anchor.copy()
    tour = _Tour.of(points, entries)
    rings_at, vertex, target = _candidates(points, entries, rings, anchor)
    rings_at, vertex, target = rings_at[:max_moves], vertex[:max_moves], target[:max_moves]
    moved, nodes = 0, rings.path.tolist()
    xy = [tuple(p) for p in rings.vertices[vertex].tolist()]
    for k, v, g, at in zip(rings_at.tolist(), vertex.tolist(), target.tolist(), xy, strict=True):
        node = nodes[k]
        after = g if g <= n else tour.before[g - n - 1]  # a gap found at an entry lies before it
        previous, following = tour.before[node], tour.after[node]
        if after in (node, previous):
            continue
        saving = tour.detour(previous, following, tour.exit_xy[node]) - tour.detour(after, tour.after[after], at)
        if not saving > _EPS:
            continue
        tour.move(node, after)
        tour.entry_xy[node] = tour.exit_xy[node] = at
        anchor[k] = v
        moved += 1
    entries = tour.entries()
    return entries, reanchor(anchored(points, rings, anchor), entries, rings, anchor), moved


def _candidates(
    points: np.ndarray, entries: np.ndarray, rings: Rings, anchor: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best improving (ring, vertex, gap) per ring, best saving first.

    The KD-tree holds each node's exit (gap ``g <= n``: after node ``g``, ``n`` the depot)
    and each path's entry (gap ``n + 1 + i``: before path ``i``).
    """
    n = len(entries)
    node = entries >> 1
    sequence = np.r_[n, node]
    position = np.empty(n + 1, dtype=np.int64)
    position[sequence] = np.arange(n + 1)
    # gap p lies after the node at position p: from its exit to the next node's entry
    exit_xy = np.vstack([points[-1:], points[entries ^ 1]])
    entry_xy = np.vstack([points[entries], [[np.nan, np.nan]]])
    gap_length = np.nan_to_num(np.hypot(*(entry_xy - exit_xy).T))
    k = min(GAP_CANDIDATES, 2 * n + 1)
    _, found = cKDTree(np.vstack([exit_xy, entry_xy[:-1]])).query(rings.vertices, k=k, workers=-1)
    found = found.reshape(len(rings.vertices), k).ravel()
    vertex = np.repeat(np.arange(len(rings.vertices)), k)
    at_exit = found <= n
    gap = np.where(at_exit, found, found - n - 1)
    target = np.where(at_exit, sequence[gap], n + 1 + sequence[np.minimum(gap + 1, n)])
    ring = rings.owner[vertex]
    here = position[rings.path[ring]]
    keep = (gap != here) & (gap != here - 1)
    vertex, gap, target, ring, here = vertex[keep], gap[keep], target[keep], ring[keep], here[keep]
    xy = rings.vertices[vertex]
    insert = np.hypot(*(xy - exit_xy[gap]).T) + np.nan_to_num(np.hypot(*(xy - entry_xy[gap]).T)) - gap_length[gap]
    joined = np.nan_to_num(np.hypot(*(entry_xy[here] - exit_xy[here - 1]).T))
    saving = gap_length[here - 1] + gap_length[here] - joined - insert
    keep = saving > _EPS
    ring, vertex, target, saving = ring[keep], vertex[keep], target[keep], saving[keep]
    order = np.lexsort((vertex, -saving, ring))
    order = order[np.unique(ring[order], return_index=True)[1]]  # the best per ring
    order = order[np.argsort(-saving[order], kind="stable")]
    return ring[order], vertex[order], target[order]


def reanchor(points: np.ndarray, entries: np.ndarray, rings: Rings, anchor: np.ndarray) -> np.ndarray:
    """Each ring's vertex nearest its neighbours in ``entries``; returns the new anchors.

    Rings at even positions first, then odd: two rings re-anchored together are never
    neighbours, so each choice sees its neighbours' final points and travel never grows.
    """
    anchor = anchor.copy()
    n = len(entries)
    position = np.empty(n, dtype=np.int64)
    position[entries >> 1] = np.arange(n)
    for parity in (0, 1):
        points = anchored(points, rings, anchor)
        chosen = np.flatnonzero(position[rings.path] % 2 == parity)
        if len(chosen) == 0:
            continue
        at = position[rings.path[chosen]]
        previous = np.where(at > 0, entries[np.maximum(at - 1, 0)] ^ 1, len(points) - 1)
        following = np.where(at + 1 < n, entries[np.minimum(at + 1, n - 1)], -1)
        vertex = np.flatnonzero(np.isin(rings.owner, chosen))
        ring = np.searchsorted(chosen, rings.owner[vertex])
        xy = rings.vertices[vertex]
        cost = np.hypot(*(xy - points[previous[ring]]).T)
        cost += np.where(following[ring] >= 0, np.hypot(*(xy - points[following[ring]]).T), 0.0)
        anchor[chosen] = rings.best_per_ring(cost, vertex)
    return anchor
