"""Networks of touching strokes drawn as Euler trails: fewest pen lifts, same ink, nothing drawn twice."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from drawn import segments
from hypothesis import given, settings
from hypothesis import strategies as st

from painters.aaron.moves import MAX_REVERSAL_COSINE, MIN_SEGMENT_MM
from painters.aaron.trails import _jumps, euler_trails

REACH = 0.3
HOST = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [40.0, 0.0]])


def _length(paths):
    return sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in paths)


def _ink(paths):
    return shapely.MultiLineString([p.tolist() for p in paths])


def _turns(path):
    steps = np.diff(path, axis=0)
    unit = steps / np.hypot(*steps.T)[:, None]
    return (unit[1:] * unit[:-1]).sum(axis=1)


def _ring(centre, radius, count=12):
    t = np.linspace(0, 2 * np.pi, count, endpoint=False)
    ring = np.column_stack([centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t)])
    return np.vstack([ring, ring[:1]])


ARCH = [HOST, np.array([[10.0, 0.0], [20.0, 8.0]]), np.array([[20.0, 8.0], [30.0, 0.0]])]
CROSS = [HOST, np.array([[20.0, 8.0], [20.0, 0.0]]), np.array([[20.0, 0.0], [20.0, -8.0]])]
TWO_ARMS = [HOST, np.array([[10.0, 8.0], [10.0, 0.0]]), np.array([[30.0, 0.0], [30.0, 8.0]])]
END_TO_END = [np.array([[0.0, 0.0], [5.0, 0.0]]), np.array([[5.2, 0.0], [5.2, 5.0]])]
APART = [np.array([[0.0, 0.0], [5.0, 0.0]]), np.array([[8.0, 0.0], [9.0, 3.0]])]


@pytest.mark.parametrize(("strokes", "trails"), [
    (ARCH, 2),  # arms of an arch meet the line's middle: 4 odd nodes
    (CROSS, 2),  # two strokes meet the middle from either side: the pen goes straight through both ways
    (TWO_ARMS, 3),  # 6 odd nodes: no fewer than the strokes
    (END_TO_END, 1),
    (APART, 2),
    ([_ring((0.0, 0.0), 5.0), np.array([[0.0, 12.0], [0.0, 5.1]])], 1),  # a leaf on its stalk
])
def test_a_network_of_touching_strokes_comes_out_as_the_fewest_trails_its_odd_nodes_allow(strokes, trails):
    drawn = euler_trails(strokes, REACH)
    assert len(drawn) == trails
    assert _length(drawn) == pytest.approx(_length(strokes), abs=len(strokes) * REACH)
    assert shapely.hausdorff_distance(_ink(drawn), _ink(strokes)) <= REACH


@pytest.mark.parametrize("strokes", [ARCH, CROSS, TWO_ARMS])
def test_strokes_meeting_at_a_vertex_keep_exactly_theirsegments(strokes):
    assert segments(euler_trails(strokes, REACH)) == segments(strokes)


def test_the_pen_goes_straight_through_a_crossing_rather_than_round_the_corner():
    drawn = euler_trails(CROSS, REACH)
    assert sorted(len(p) for p in drawn) == [3, 5]
    for path in drawn:
        assert (_turns(path) > 0.99).all()


def test_a_junction_within_reach_of_the_middle_is_joined_to_the_point_it_touches():
    arm = np.array([[15.0, 8.0], [15.0, 0.2]])
    drawn = euler_trails([HOST, arm], REACH)
    assert len(drawn) == 2
    by_length = sorted(drawn, key=len)
    assert [15.0, 0.0] in by_length[0].tolist() and [15.0, 0.0] in by_length[1].tolist()  # the host is cut there
    joins = _length(drawn) - _length([HOST, arm])
    assert joins == pytest.approx(0.2)


def test_a_ring_nothing_touches_comes_back_as_it_is_and_a_touched_one_is_entered_at_the_junction():
    alone = _ring((50.0, 50.0), 5.0)
    touched = _ring((0.0, 0.0), 5.0)
    stalk = np.array([[0.0, 12.0], [0.0, 5.0]])
    drawn = euler_trails([alone, touched, stalk], REACH)
    assert any(p.tolist() == alone.tolist() for p in drawn)
    (joined,) = [p for p in drawn if p.tolist() != alone.tolist()]
    assert joined[0].tolist() == [0.0, 12.0] and np.allclose(joined[-1], [0.0, 5.0])  # up the stalk, round, back


def test_a_join_that_would_turn_the_pen_back_on_itself_is_not_made():
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    back = np.array([[10.0, 0.0], [0.0, 0.02]])  # straight back along it
    drawn = euler_trails([line, back], REACH)
    assert len(drawn) == 2
    assert all((_turns(p) > MAX_REVERSAL_COSINE).all() for p in drawn)


def test_a_junction_that_would_cut_off_a_speck_of_a_stroke_is_not_made():
    twig = np.array([[39.5, 8.0], [39.5, 0.0]])  # meets the host half a millimetre from its end
    drawn = euler_trails([HOST, twig], REACH)
    assert min(_length([p]) for p in drawn) >= 1.0


@st.composite
def combs(draw):
    """A line with teeth at its vertices: single teeth on one side, crossings on both; some reversed,
    some ending short of the line (within reach)."""
    count = draw(st.integers(1, 8))
    host = np.column_stack([np.arange(count + 2) * 5.0, np.zeros(count + 2)])
    strokes, odd = [host], 2
    for k in range(1, count + 1):
        kind = draw(st.sampled_from(["single", "cross", "none"]))
        for side in ([1.0] if kind == "single" else [1.0, -1.0] if kind == "cross" else []):
            gap = draw(st.sampled_from([0.0, 0.1, 0.25]))
            tooth = np.array([[5.0 * k, side * draw(st.floats(2.0, 9.0))], [5.0 * k, side * gap]])
            strokes.append(tooth[::-1] if draw(st.booleans()) else tooth)
        odd += {"single": 2, "cross": 2, "none": 0}[kind]
    order = draw(st.permutations(range(len(strokes))))
    return [strokes[k] for k in order], odd // 2


@settings(max_examples=40, deadline=None, derandomize=True)
@given(combs())
def test_a_comb_is_drawn_with_one_trail_per_pair_of_odd_nodes_and_the_same_ink(case):
    strokes, fewest = case
    drawn = euler_trails(strokes, REACH)
    assert len(drawn) == fewest
    assert _length(drawn) <= _length(strokes) + REACH * len(strokes) + 1e-9  # nothing drawn twice
    assert shapely.hausdorff_distance(_ink(drawn), _ink(strokes)) <= REACH + 1e-9


@st.composite
def scribbles(draw):
    """Gently curving strokes, some starting or ending on another (at a vertex, mid-segment, or near)."""
    strokes = []
    for _ in range(draw(st.integers(1, 12))):
        start = np.array([draw(st.floats(0, 60)), draw(st.floats(0, 60))])
        if strokes and draw(st.booleans()):
            host = strokes[draw(st.integers(0, len(strokes) - 1))]
            k = draw(st.integers(0, len(host) - 2))
            start = host[k] + draw(st.sampled_from([0.0, 0.5, 0.37])) * (host[k + 1] - host[k])
            start = start + draw(st.sampled_from([0.0, 0.2]))
        heading = draw(st.floats(0, 2 * np.pi))
        turns = np.cumsum(draw(st.lists(st.floats(-0.6, 0.6), min_size=1, max_size=6)))
        steps = np.column_stack([np.cos(heading + turns), np.sin(heading + turns)]) * draw(st.floats(1.0, 8.0))
        stroke = np.vstack([start, start + np.cumsum(steps, axis=0)])
        strokes.append(stroke[::-1] if draw(st.booleans()) else stroke)
    return strokes


@settings(max_examples=40, deadline=None, derandomize=True)
@given(scribbles())
def test_trails_draw_the_same_ink_once_in_drawable_segments_without_turning_back(strokes):
    drawn = euler_trails(strokes, REACH)
    assert 1 <= len(drawn) <= len(strokes)
    assert _length(drawn) <= _length(strokes) + REACH * 2 * len(strokes) + 1e-9
    assert shapely.hausdorff_distance(_ink(drawn), _ink(strokes)) <= REACH + MIN_SEGMENT_MM + 1e-9
    for path in drawn:
        assert np.hypot(*np.diff(path, axis=0).T).min() >= MIN_SEGMENT_MM - 1e-9
        assert (_turns(path) > MAX_REVERSAL_COSINE).all()
    again = euler_trails([s.copy() for s in strokes], REACH)
    assert [p.tolist() for p in again] == [p.tolist() for p in drawn]  # the same strokes, the same trails


def test_pen_up_jumps_pair_each_free_end_once_with_a_near_one():
    points = np.array([[0.0, 0.0], [20.0, 0.0], [1.0, 0.0], [21.0, 0.0], [40.0, 5.0], [41.0, 5.0]])
    pairs = _jumps(points)
    assert sorted(sorted(p) for p in pairs.tolist()) == [[0, 2], [1, 3], [4, 5]]
