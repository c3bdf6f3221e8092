"""Join path ends greedily, shortest first: the engine of path ordering and merging.

Paths are nodes with two ends: endpoint ``2i`` is the start of path ``i``, ``2i + 1`` its
end. Greedy edge matching (join the closest pair of free ends, repeat) vectorises when run
in rounds: every round joins all *mutual* nearest free ends at once (each such pair is one
the sequential greedy would also take), found with one KD-tree query; chains grow until no
pair is left within ``max_distance``. A NaN endpoint is never joined (a placeholder).

``link[e]`` is the endpoint joined to ``e`` (-1 while ``e`` is a free end of its chain).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree


def match_ends(
    points: np.ndarray, *, max_distance: float = np.inf, allow_reverse: bool = True, close_loops: bool = False
) -> np.ndarray:
    """Greedy joins between the ``(2n, 2)`` endpoints; returns ``link``.

    Without ``allow_reverse`` only an end (odd) may join a start (even). With
    ``close_loops`` a chain of two or more paths may join its own far end (it becomes a
    closed loop); without, the longest join of any loop a round would close is dropped, so
    every chain stays open.
    """
    size = len(points)
    link = np.full(size, -1, dtype=np.int64)
    free = np.ones(size, dtype=bool)
    other = np.arange(size) ^ 1  # the far free end of the chain an end belongs to
    chain = np.arange(size) // 2  # chain id of each free end
    paths_in_chain = np.ones(size, dtype=np.int64)  # valid at free ends
    joinable = np.isfinite(points).all(axis=1)
    while True:
        ends = np.flatnonzero(free)
        queryable = ends[joinable[ends]]
        nearest, dist = _nearest_valid(
            points, queryable, other, paths_in_chain, max_distance, allow_reverse, close_loops
        )
        a = queryable[nearest[queryable] >= 0]
        b = nearest[a]
        mutual = (nearest[b] == a) & (a < b)
        a, b = a[mutual], b[mutual]
        if len(a) == 0:
            return link
        label, count, closed = _components(a, b, chain, ends, paths_in_chain)
        if not close_loops and closed.any():
            a, b = _drop_longest_in_loops(a, b, dist[a], label[chain[a]], closed)
            label, count, closed = _components(a, b, chain, ends, paths_in_chain)
        link[a], link[b] = b, a
        free[a] = free[b] = False
        _pair_chain_ends(ends[free[ends]], label, count, chain, other, paths_in_chain, ends)


def _nearest_valid(
    points: np.ndarray,
    queryable: np.ndarray,
    other: np.ndarray,
    paths_in_chain: np.ndarray,
    max_distance: float,
    allow_reverse: bool,
    close_loops: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest free end each end may join (never itself; its own far end only to close a loop)."""
    nearest = np.full(len(points), -1, dtype=np.int64)
    dist = np.full(len(points), np.inf)
    if allow_reverse:
        groups = [(queryable, queryable)]
    else:
        starts, ends = queryable[queryable % 2 == 0], queryable[queryable % 2 == 1]
        groups = [(starts, ends), (ends, starts)]
    for askers, targets in groups:
        if len(askers) == 0 or len(targets) == 0:
            continue
        k = min(3, len(targets))
        d, j = cKDTree(points[targets]).query(points[askers], k=k, distance_upper_bound=max_distance, workers=-1)
        d, j = d.reshape(len(askers), k), j.reshape(len(askers), k)
        found = j < len(targets)
        candidate = targets[np.where(found, j, 0)]
        own_far_end = candidate == other[askers][:, None]
        if close_loops:
            own_far_end &= (paths_in_chain[askers] < 2)[:, None]
        valid = found & (candidate != askers[:, None]) & ~own_far_end
        column = valid.argmax(axis=1)
        rows = np.flatnonzero(valid[np.arange(len(askers)), column])
        nearest[askers[rows]] = candidate[rows, column[rows]]
        dist[askers[rows]] = d[rows, column[rows]]
    return nearest, dist


def _components(
    a: np.ndarray, b: np.ndarray, chain: np.ndarray, ends: np.ndarray, paths_in_chain: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray]:
    """Group chains joined by ``a``–``b``: ``chain`` is compacted in place (at free ends).

    Returns each chain's component label, the component count, and which components are
    closed loops (as many joins as chains).
    """
    _, compact = np.unique(chain[ends], return_inverse=True)
    chain[ends] = compact
    n = int(compact.max()) + 1
    graph = coo_matrix((np.ones(len(a)), (chain[a], chain[b])), shape=(n, n))
    count, label = connected_components(graph, directed=False)
    joins = np.bincount(label[chain[a]], minlength=count)
    chains = np.bincount(label, minlength=count)
    return label, count, joins == chains


def _drop_longest_in_loops(
    a: np.ndarray, b: np.ndarray, length: np.ndarray, component: np.ndarray, closed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    in_loop = np.flatnonzero(closed[component])
    in_loop = in_loop[np.lexsort((-length[in_loop], component[in_loop]))]
    longest = in_loop[np.r_[True, np.diff(component[in_loop]) != 0]]
    keep = np.ones(len(a), dtype=bool)
    keep[longest] = False
    return a[keep], b[keep]


def _pair_chain_ends(
    still_free: np.ndarray,
    label: np.ndarray,
    count: int,
    chain: np.ndarray,
    other: np.ndarray,
    paths_in_chain: np.ndarray,
    ends: np.ndarray,
) -> None:
    """After the joins, record each merged chain's two free ends and size (in place)."""
    first_end = ends[np.unique(chain[ends], return_index=True)[1]]
    size = np.bincount(label, weights=paths_in_chain[first_end], minlength=count).astype(np.int64)
    component = label[chain[still_free]]
    order = np.argsort(component, kind="stable")
    paired = still_free[order]
    head, tail = paired[0::2], paired[1::2]
    other[head], other[tail] = tail, head
    chain[paired] = np.repeat(component[order][0::2], 2)
    paths_in_chain[paired] = np.repeat(size[component[order][0::2]], 2)
