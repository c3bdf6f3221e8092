"""Pen moves inside a network of touching strokes: each network drawn with as few pen lifts as it allows.

Strokes touch where one ends on another: a twig on its branch, an arm on the torso outline,
a line stopped by occlusion at a nearer form, hatching at its outline (T-junctions), or two
strokes end to end. Those points and the stroke ends are the nodes of a graph whose edges
are the stroke pieces between them. A pen that lifts only where it must draws each connected
network as one trail per pair of odd nodes (Euler); drawn stroke by stroke, it travels back
from the far end of every long stroke to the junctions along it.

At each node the pen goes on along the straightest way out and never turns back sharper than
:data:`~.moves.MAX_REVERSAL_COSINE` (a pairing of the edge ends there, most pairs first, then
straightest); the closed circuits that pairing leaves are spliced into a trail they meet, as
Hierholzer's algorithm splices its cycles. Nothing is drawn twice and nothing is added but the
join from a stroke end to the junction it touches, at most the pen width away.

>>> import numpy as np
>>> leaf = np.array([[-2.0, 0.0], [2.0, 0.0], [2.0, -4.0], [-2.0, -4.0], [-2.0, 0.0]])
>>> stalk = np.array([[0.0, 10.0], [0.0, 0.1]])  # ends within the pen width of the leaf
>>> [t.tolist() for t in euler_trails([leaf, stalk], 0.3)]  # up the stalk, round the leaf: one trail
[[[0.0, 10.0], [0.0, 0.1], [0.0, 0.0], [2.0, 0.0], [2.0, -4.0], [-2.0, -4.0], [-2.0, 0.0], [0.0, 0.0]]]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment

from .moves import MAX_REVERSAL_COSINE, MIN_SEGMENT_MM
from .occlusion import MIN_PIECE_MM

#: Nodes with more edge ends than this are paired greedily (straightest first), not by trying every pairing.
MAX_EXACT_DEGREE = 8


@dataclass
class _Node:
    """A cluster of stroke ends and at most one junction, merged where they touch."""

    junction: int  # -1: none
    host: int  # the stroke the junction lies on, -1: none
    strokes: list[int]  # strokes with an end here


def euler_trails(paths: Sequence[np.ndarray], reach_mm: float) -> list[np.ndarray]:
    """``paths`` redrawn as trails: strokes that touch within ``reach_mm`` drawn on without a lift.

    Rings nothing touches come back as they are; every other stroke is cut at the junctions on
    it and its pieces are drawn by the fewest trails the junctions' degrees allow. Same input,
    same trails.
    """
    paths = [np.asarray(p, dtype=float) for p in paths]
    rings = np.array([len(p) >= 3 and bool((p[0] == p[-1]).all()) for p in paths], dtype=bool)
    opened = np.flatnonzero(~rings)
    if not len(opened):
        return list(paths)
    cums = [np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))]) for p in paths]
    ends = np.array([paths[s][k] for s in opened.tolist() for k in (0, -1)])  # end e: stroke opened[e // 2]
    links = _touches(paths, rings, cums, opened, ends, reach_mm)
    cuts, node_of_end, node_at = _nodes(paths, rings, cums, opened, ends, links)
    pieces, piece_nodes = _pieces(paths, rings, cums, opened, cuts, node_of_end, node_at, reach_mm)
    trails = _trails(pieces, piece_nodes)
    untouched = [paths[s] for s in np.flatnonzero(rings).tolist() if s not in cuts]
    return trails + untouched


def _touches(paths: list[np.ndarray], rings: np.ndarray, cums: list[np.ndarray], opened: np.ndarray,
             ends: np.ndarray, reach: float) -> list[tuple[float, int, int, float]]:
    """For each stroke end that touches another stroke: (gap, end, stroke touched, where along it, mm).

    The nearest stroke wins; an open stroke's end within reach counts as touched at that end.
    """
    starts = np.vstack([p[:-1] for p in paths])
    stops = np.vstack([p[1:] for p in paths])
    owner = np.repeat(np.arange(len(paths)), [len(p) - 1 for p in paths])
    at = np.concatenate([c[:-1] for c in cums])
    tree = shapely.STRtree(shapely.linestrings(np.stack([starts, stops], axis=1)))
    end, seg = tree.query(shapely.points(ends), predicate="dwithin", distance=reach)
    keep = owner[seg] != opened[end // 2]
    end, seg = end[keep], seg[keep]
    if not len(end):
        return []
    step = stops[seg] - starts[seg]
    length = np.hypot(*step.T)
    t = np.clip(((ends[end] - starts[seg]) * step).sum(axis=1) / length ** 2, 0.0, 1.0)
    gap = np.hypot(*(starts[seg] + t[:, None] * step - ends[end]).T)
    order = np.lexsort((seg, gap, end))
    first = order[np.r_[True, end[order][1:] != end[order][:-1]]]  # nearest per end
    links = []
    for k in first.tolist():
        host = int(owner[seg[k]])
        where = float(at[seg[k]] + t[k] * length[k])
        if not rings[host]:
            to_ends = np.hypot(*(paths[host][[0, -1]] - ends[end[k]]).T)
            if to_ends.min() <= reach:  # end to end rather than a junction just short of the end
                where = 0.0 if to_ends[0] <= to_ends[1] else float(cums[host][-1])
        links.append((float(gap[k]), int(end[k]), host, where))
    links.sort()
    return links


def _nodes(paths: list[np.ndarray], rings: np.ndarray, cums: list[np.ndarray], opened: np.ndarray,
           ends: np.ndarray, links: list[tuple[float, int, int, float]]
           ) -> tuple[dict[int, list[tuple[float, int]]], np.ndarray, dict[int, np.ndarray]]:
    """Junctions per stroke (mm along it, node), the node of each stroke end, and each node's point.

    Junctions closer than the shortest line along one stroke are one, and none cuts off a piece
    shorter than that at a stroke's end: no trail is a speck. A node holds at most one
    junction and never a junction on a stroke together with that stroke's own end. Nodes are
    numbered: stroke ends first, then junctions; a node without a junction stands at its lowest end.
    """
    found: dict[int, list[tuple[float, int]]] = {}  # stroke → [(mm along, end touching there)]
    joins: list[tuple[int, int]] = []  # (end, end it touches); an end touching a junction: (end, -1) for now
    for _, e, host, where in links:
        length = float(cums[host][-1])
        where = _snapped(cums[host], where, bool(rings[host]))
        if not rings[host] and (where == 0.0 or where == length):
            joins.append((e, 2 * int(np.searchsorted(opened, host)) + (where > 0.0)))
        elif not rings[host] and (where < MIN_PIECE_MM or where > length - MIN_PIECE_MM):
            continue  # it would cut off a piece too short to be a line
        else:
            found.setdefault(host, []).append((where, e))
            joins.append((e, -1))
    cuts: dict[int, list[tuple[float, int]]] = {}
    junction_of: dict[int, int] = {}  # end → junction it touches
    hosts: list[int] = []
    for host in sorted(found):
        groups: list[list[tuple[float, int]]] = []
        for where, e in sorted(found[host]):
            if groups and where - groups[-1][0][0] < MIN_PIECE_MM:
                groups[-1].append((where, e))
            else:
                groups.append([(where, e)])
        if rings[host] and len(groups) > 1 and groups[0][0][0] + cums[host][-1] - groups[-1][0][0] < MIN_PIECE_MM:
            groups[0] += groups.pop()
        for group in groups:
            cuts.setdefault(host, []).append((group[0][0], len(ends) + len(hosts)))
            junction_of.update((e, len(ends) + len(hosts)) for _, e in group)
            hosts.append(host)
    parent = np.arange(len(ends) + len(hosts))
    facts = [_Node(-1, -1, [int(opened[e // 2])]) for e in range(len(ends))] + [_Node(j, h, []) for j, h in
                                                                                  enumerate(hosts)]

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return int(x)

    for e, f in joins:
        a, b = root(e), root(junction_of[e] if f < 0 else f)
        one, two = facts[a], facts[b]
        if a == b or (one.junction >= 0 and two.junction >= 0) or one.host in two.strokes or two.host in one.strokes:
            continue
        low, high = min(a, b), max(a, b)
        parent[high] = low
        facts[low] = _Node(max(one.junction, two.junction), max(one.host, two.host), one.strokes + two.strokes)
    node = np.array([root(x) for x in range(len(parent))])
    node_at = {int(node[n]): _point(paths[host], cums[host], where)
               for host, places in cuts.items() for where, n in places}
    for e in range(len(ends)):
        node_at.setdefault(int(node[e]), ends[e])
    cuts = {host: [(where, int(node[n])) for where, n in places] for host, places in cuts.items()}
    return cuts, node, node_at


def _snapped(cum: np.ndarray, where: float, ring: bool) -> float:
    """``where`` (mm along a stroke) moved onto a vertex within a drawable segment of it: no piece too short."""
    k = min(int(np.searchsorted(cum, where, side="right")) - 1, len(cum) - 2)
    if where - cum[k] < MIN_SEGMENT_MM:
        where = float(cum[k])
    elif cum[k + 1] - where < MIN_SEGMENT_MM:
        where = float(cum[k + 1])
    return where % float(cum[-1]) if ring else where


def _place(cum: np.ndarray, where: float) -> tuple[int, float]:
    """(segment, fraction along it) of a point ``where`` mm along a stroke; a vertex has fraction 0."""
    k = min(int(np.searchsorted(cum, where, side="right")) - 1, len(cum) - 1)
    return k, (0.0 if k == len(cum) - 1 else float((where - cum[k]) / (cum[k + 1] - cum[k])))


def _point(path: np.ndarray, cum: np.ndarray, where: float) -> np.ndarray:
    k, t = _place(cum, where)
    return path[k] if t == 0.0 else path[k] + t * (path[k + 1] - path[k])


def _pieces(paths: list[np.ndarray], rings: np.ndarray, cums: list[np.ndarray], opened: np.ndarray,
            cuts: dict[int, list[tuple[float, int]]], node: np.ndarray,
            node_at: dict[int, np.ndarray], reach: float) -> tuple[list[np.ndarray], np.ndarray]:
    """Every stroke in the graph cut at its junctions, each piece with the nodes it runs between.

    A stroke end is joined to its node's point; where that join is impossible (too long, or the
    pen would turn back on the stroke) the end stands alone as its own node.
    """
    pieces: list[np.ndarray] = []
    between: list[tuple[int, int]] = []
    for i, s in enumerate(opened.tolist()):
        length = float(cums[s][-1])
        places = [(0.0, int(node[2 * i])), *sorted(cuts.get(s, [])), (length, int(node[2 * i + 1]))]
        for (a, na), (b, nb) in itertools.pairwise(places):
            pieces.append(_between(paths[s], cums[s], a, b))
            between.append((na, nb))
        for e, first in ((2 * i, len(pieces) - len(places) + 1), (2 * i + 1, len(pieces) - 1)):
            at_end = e % 2
            piece = pieces[first][::-1] if at_end else pieces[first]
            joined = _attach(piece, node_at[int(node[e])], reach)
            if joined is None:
                pair = list(between[first])
                pair[at_end] = len(node) + e  # a node of its own
                between[first] = (pair[0], pair[1])
            else:
                pieces[first] = joined[::-1] if at_end else joined
    for s in np.flatnonzero(rings).tolist():
        places = sorted(cuts.get(s, []))
        for (a, na), (b, nb) in zip(places, places[1:] + places[:1], strict=True):
            pieces.append(_between(paths[s], cums[s], a, b))
            between.append((na, nb))
    return pieces, np.array(between, dtype=int).reshape(-1, 2)


def _between(path: np.ndarray, cum: np.ndarray, a: float, b: float) -> np.ndarray:
    """The stretch of ``path`` from ``a`` to ``b`` mm along it; on a ring, past its start where ``b <= a``."""
    ka, _ = _place(cum, a)
    kb, tb = _place(cum, b)
    middle = path[ka + 1:kb + 1] if b > a else np.vstack([path[ka + 1:], path[1:kb + 1]])
    return np.vstack([_point(path, cum, a)[None, :], middle, _point(path, cum, b)[None, :] if tb else middle[:0]])


def _attach(piece: np.ndarray, at: np.ndarray, reach: float) -> np.ndarray | None:
    """``piece`` starting at ``at`` (its node): a join added, or its first point moved less than a drawable segment."""
    gap = float(np.hypot(*(piece[0] - at)))
    if gap == 0.0:
        return piece
    if gap > reach + MIN_SEGMENT_MM:
        return None
    if gap < MIN_SEGMENT_MM:
        moved = np.vstack([at[None, :], piece[1:]])
        return moved if np.hypot(*(moved[1] - moved[0])) >= MIN_SEGMENT_MM else None
    steps = np.diff(np.vstack([at[None, :], piece[:2]]), axis=0)
    unit = steps / np.hypot(*steps.T)[:, None]
    return np.vstack([at[None, :], piece]) if (unit[0] * unit[1]).sum() > MAX_REVERSAL_COSINE else None


def _trails(pieces: list[np.ndarray], between: np.ndarray) -> list[np.ndarray]:
    """The pieces drawn as trails, in drawing order.

    The pen passes straight through each node where it may (:func:`_pairing`); the ends left
    free are paired by pen-up jumps, nearest first (:func:`_jumps`), which makes every network
    with its jumps a set of closed circuits; circuits that meet are spliced (:func:`_splice`),
    circuits apart are made one by exchanging jumps (:func:`_chain`), and each circuit is cut at
    its longest jump into trails that follow one another.
    """
    if not len(pieces):
        return []
    where = between.ravel()  # end 2p: the start of piece p, 2p + 1: its end
    out = np.array([[p[1] - p[0], p[-2] - p[-1]] for p in pieces]).reshape(-1, 2)
    out /= np.hypot(*out.T)[:, None]
    partner = np.full(len(where), -1)
    order, bounds = _by_node(where)
    for lo, hi in itertools.pairwise(bounds.tolist()):
        if hi - lo < 2:
            continue
        members = order[lo:hi]
        for i, j in _pairing(-(out[members] @ out[members].T)):
            partner[members[i]], partner[members[j]] = members[j], members[i]
    free = np.flatnonzero(partner < 0)
    at = np.array([[p[0], p[-1]] for p in pieces]).reshape(-1, 2)
    jumps = free[_jumps(at[free])].ravel()  # jump v runs from end jumps[2v] to end jumps[2v + 1]
    virtual = np.arange(len(where), len(where) + len(jumps))
    partner = np.concatenate([partner, jumps])
    partner[jumps] = virtual
    where = np.concatenate([where, where[jumps]])
    out = np.vstack([out, np.full((len(jumps), 2), np.nan)])  # a jump turns the pen any way
    _splice(partner, out, *_by_node(where), _walks(partner))
    jumps = partner[virtual]  # splicing hands a jump on to another end at the same node
    circuit = np.empty(len(jumps) // 2, dtype=int)
    for k, walk in enumerate(_walks(partner)):
        steps = np.array(walk)
        circuit[(steps[steps >= len(at)] - len(at)) // 2] = k
    _chain(jumps, at, circuit)
    partner[virtual], partner[jumps] = jumps, virtual
    gap = np.hypot(*(at[jumps[0::2]] - at[jumps[1::2]]).T)
    trails = []
    for walk in _walks(partner):
        steps = np.array(walk)
        jumped = np.flatnonzero(steps >= len(at))
        if len(jumped):  # start after the longest jump
            cut = int(jumped[np.argmax(gap[(steps[jumped] - len(at)) // 2])])
            steps = np.roll(steps, -cut - 1)
        runs = np.split(steps, np.flatnonzero(steps >= len(at)))
        for run in runs:
            run = run[run < len(at)]
            if len(run):
                drawn = [pieces[x // 2][::-1] if x % 2 else pieces[x // 2] for x in run.tolist()]
                trails.append(np.vstack([drawn[0], *(p[1:] for p in drawn[1:])]))
    return trails


def _chain(jumps: np.ndarray, at: np.ndarray, circuit: np.ndarray) -> None:
    """Make the circuits one by exchanging the ends of two jumps from different circuits, cheapest first.

    Jumps a-b and c-d become a-c, b-d (or a-d, b-c): two circuits become one for the difference
    in length, where they would otherwise cost a cut and a move between them. Each round every
    circuit takes its cheapest exchange with another (Borůvka), so there are few rounds.
    """
    parent = list(range(int(circuit.max()) + 1 if len(circuit) else 0))

    def root(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    while True:
        roots = np.array([root(k) for k in circuit.tolist()], dtype=int)
        if len(np.unique(roots)) < 2:
            return
        a, b = at[jumps[0::2]], at[jumps[1::2]]
        held = _length(a, b)
        straight = _distance(a, a) + _distance(b, b)  # jump v's a to jump w's c, b to d
        crossed = _distance(a, b) + _distance(b, a)
        cost = np.minimum(straight, crossed) - held[:, None] - held[None, :]
        cost[roots[:, None] == roots[None, :]] = np.inf
        other = np.argmin(cost, axis=1)
        best = cost[np.arange(len(circuit)), other]
        by_circuit = np.lexsort((best, roots))
        cheapest = by_circuit[np.r_[True, roots[by_circuit][1:] != roots[by_circuit][:-1]]]
        taken = np.zeros(len(circuit), dtype=bool)
        for v in cheapest[np.argsort(best[cheapest], kind="stable")].tolist():
            w = int(other[v])
            if taken[v] or taken[w] or root(int(circuit[v])) == root(int(circuit[w])):
                continue
            taken[v] = taken[w] = True
            parent[root(int(circuit[w]))] = root(int(circuit[v]))
            if straight[v, w] <= crossed[v, w]:
                jumps[2 * v + 1], jumps[2 * w] = jumps[2 * w], jumps[2 * v + 1]
            else:
                jumps[2 * v + 1], jumps[2 * w + 1] = jumps[2 * w + 1], jumps[2 * v + 1]


def _distance(one: np.ndarray, two: np.ndarray) -> np.ndarray:
    """All distances from the points ``one`` to the points ``two``."""
    return np.hypot(one[:, None, 0] - two[None, :, 0], one[:, None, 1] - two[None, :, 1])


def _by_node(where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Piece ends sorted by node, and where each node's run of them starts (plus the end)."""
    order = np.argsort(where, kind="stable")
    return order, np.flatnonzero(np.r_[True, where[order][1:] != where[order][:-1], True])


def _jumps(points: np.ndarray) -> np.ndarray:
    """Pairs of ``points`` (row indices), each point in one, the pairs short in all: the pen-up moves.

    A minimum-weight perfect matching, nearly: the cheapest assignment of each point to another
    (every point given a successor, :func:`scipy.optimize.linear_sum_assignment`) is a set of
    cycles; each even cycle gives its cheaper half of the pairs, each odd one all but one point,
    and the points left over are paired nearest first.
    """
    size = len(points)
    if size < 2:
        return np.zeros((0, 2), dtype=int)
    cost = _distance(points, points)
    _, after = linear_sum_assignment(cost + np.diag(np.full(size, 1e9)))
    mate = np.full(size, -1)
    seen = np.zeros(size, dtype=bool)
    for start in range(size):
        if seen[start]:
            continue
        cycle = [start]
        while after[cycle[-1]] != start:
            cycle.append(int(after[cycle[-1]]))
        seen[cycle] = True
        ring = np.array(cycle + cycle)
        edges = cost[ring[:-1], ring[1:]]  # edge i: cycle[i] → cycle[i + 1]
        count = len(cycle)
        skips = range(2) if count % 2 == 0 else range(count)  # first pair starts after point ``skip``
        best = min(skips, key=lambda skip: edges[skip + 1:skip + count - 1:2].sum() if count % 2 else
                   edges[skip:skip + count:2].sum())
        first = best + 1 if count % 2 else best
        pairs = ring[first:first + count - count % 2].reshape(-1, 2)
        mate[pairs[:, 0]], mate[pairs[:, 1]] = pairs[:, 1], pairs[:, 0]
    left = np.flatnonzero(mate < 0)
    near = cost[np.ix_(left, left)] + np.diag(np.full(len(left), np.inf))
    for k in np.argsort(near, axis=None, kind="stable").tolist():
        i, j = left[k // len(left)], left[k % len(left)]
        if i != j and mate[i] < 0 and mate[j] < 0:
            mate[i], mate[j] = j, i
    first = np.flatnonzero(np.arange(size) < mate)
    return np.column_stack([first, mate[first]])


def _length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.hypot(*(a - b).T)


def _pairing(cosine: np.ndarray) -> list[tuple[int, int]]:
    """Which edge ends at one node the pen passes between: as many pairs as no sharp reversal forbids,
    then the straightest (largest sum of the turns' cosines). ``cosine[i, j]``: the turn from end i to end j."""
    allowed = cosine > MAX_REVERSAL_COSINE
    size = len(cosine)
    if size == 2:
        return [(0, 1)] if allowed[0, 1] else []
    if size > MAX_EXACT_DEGREE:
        chosen: list[tuple[int, int]] = []
        free = np.ones(size, dtype=bool)
        first, second = np.nonzero(np.triu(allowed, 1))
        for k in np.argsort(-cosine[first, second], kind="stable").tolist():
            i, j = int(first[k]), int(second[k])
            if free[i] and free[j]:
                free[i] = free[j] = False
                chosen.append((i, j))
        return chosen
    best: list[tuple[tuple[int, float], list[tuple[int, int]]]] = [((0, 0.0), [])]

    def search(free: list[int], chosen: list[tuple[int, int]], total: float) -> None:
        if not free:
            if (len(chosen), total) > best[0][0]:
                best[0] = ((len(chosen), total), chosen)
            return
        i, rest = free[0], free[1:]
        search(rest, chosen, total)
        for j in rest:
            if allowed[i, j]:
                search([k for k in rest if k != j], [*chosen, (i, j)], total + float(cosine[i, j]))

    search(list(range(size)), [], 0.0)
    return best[0][1]


def _walks(partner: np.ndarray) -> list[list[int]]:
    """Every trail as the piece ends it leaves from: open ones from their free ends first, then the circuits."""
    seen = np.zeros(len(partner) // 2, dtype=bool)
    walks = []
    for x in [*np.flatnonzero(partner < 0).tolist(), *range(0, len(partner), 2)]:
        if seen[x // 2]:
            continue
        walk = [x]
        while (y := int(partner[walk[-1] ^ 1])) >= 0 and y != x:
            walk.append(y)
        seen[np.array(walk) // 2] = True
        walks.append(walk)
    return walks


def _splice(partner: np.ndarray, out: np.ndarray, order: np.ndarray, bounds: np.ndarray,
            walks: list[list[int]]) -> None:
    """Splice every closed circuit into another trail where they meet and the pen need not turn back.

    Re-pairing two passes through a node (or a trail's end and a pass) of different trails makes
    them one; a circuit joined to anything leaves one trail fewer, so only circuits are spliced.
    """
    trail = np.empty(len(partner) // 2, dtype=int)
    for t, walk in enumerate(walks):
        trail[np.array(walk) // 2] = t
    closed = [bool(partner[walk[0]] >= 0) for walk in walks]
    parent = list(range(len(walks)))

    def root(t: int) -> int:
        while parent[t] != t:
            t = parent[t]
        return t

    for lo, hi in itertools.pairwise(bounds.tolist()):
        if hi - lo < 3:
            continue
        members = order[lo:hi].tolist()
        while True:
            items = [(m,) if partner[m] < 0 else (m, int(partner[m])) for m in members
                     if partner[m] < 0 or m < partner[m]]
            best: tuple[float, list[tuple[int, int]], tuple[int, ...], int, int] | None = None
            for one, two in itertools.combinations(items, 2):
                a, b = root(int(trail[one[0] // 2])), root(int(trail[two[0] // 2]))
                if a == b or not (closed[a] or closed[b]):
                    continue
                for option in _swaps(one, two):
                    if any(np.isnan(out[i, 0]) and np.isnan(out[j, 0]) for i, j in option):
                        continue  # one jump straight into another: the pen would not come down between
                    turns = [float(np.nan_to_num(-out[i] @ out[j])) for i, j in option]
                    if min(turns) > MAX_REVERSAL_COSINE and (best is None or sum(turns) > best[0]):
                        best = (sum(turns), option, one + two, a, b)
            if best is None:
                break
            _, option, old, a, b = best
            partner[list(old)] = -1
            for i, j in option:
                partner[i], partner[j] = j, i
            parent[max(a, b)] = min(a, b)
            closed[min(a, b)] = closed[a] and closed[b]


def _swaps(one: tuple[int, ...], two: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """The new pairs that make two trails meeting at a node one: through both passes, or from an end into a pass."""
    if len(one) == 2 and len(two) == 2:
        (a, b), (c, d) = one, two
        return [[(a, c), (b, d)], [(a, d), (b, c)]]
    if len(one) + len(two) == 3:
        (u,), (c, d) = (one, two) if len(one) == 1 else (two, one)
        return [[(u, c)], [(u, d)]]
    return []
