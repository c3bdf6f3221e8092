"""Hatching in boustrophedon sweeps: rows joined by links that run inside the region's edge."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from painters.aaron.hatching import MAX_LINK_SPACINGS, hatch


def _check_sweeps(region: shapely.Geometry, sweeps: list[list[np.ndarray]], spacing: float) -> None:
    reach = region.buffer(1e-6)
    for sweep in sweeps:
        assert len(sweep) % 2 == 1  # row, link, row, ..., row
        for k, guide in enumerate(sweep):
            assert reach.covers(shapely.LineString(guide)), k
            if k:
                assert np.allclose(guide[0], sweep[k - 1][-1])  # the pen never lifts inside a sweep
            if k % 2:
                length = np.hypot(*np.diff(guide, axis=0).T).sum()
                assert length <= MAX_LINK_SPACINGS * spacing + 1e-6


def test_a_rectangle_is_one_sweep_of_parallel_rows_joined_at_alternate_ends():
    sweeps = hatch(shapely.box(0, 0, 20, 10), spacing=2.0, angle=0.0)
    assert len(sweeps) == 1
    rows = sweeps[0][0::2]
    assert [row[0, 1] for row in rows] == pytest.approx([1, 3, 5, 7, 9])
    assert [row[0, 0] for row in rows] == pytest.approx([0, 20, 0, 20, 0])  # back and forth
    links = sweeps[0][1::2]
    assert all(np.ptp(link[:, 0]) < 1e-9 for link in links)  # along the region's side
    _check_sweeps(shapely.box(0, 0, 20, 10), sweeps, 2.0)


def test_a_ring_is_hatched_around_its_hole_without_crossing_it():
    ring = shapely.Point(0, 0).buffer(20).difference(shapely.Point(0, 0).buffer(8))
    sweeps = hatch(ring, spacing=1.5, angle=0.4)
    _check_sweeps(ring, sweeps, 1.5)
    rows = sum(len(s) // 2 + 1 for s in sweeps)
    assert len(sweeps) <= 6 < rows  # most rows are joined; a few sweeps go round the hole


def test_a_link_never_runs_over_the_end_of_another_row():
    comb = shapely.union_all([shapely.box(0, 0, 30, 3)] + [shapely.box(x, 0, x + 2, 12) for x in range(0, 30, 6)])
    sweeps = hatch(comb, spacing=1.0, angle=math.pi / 2)
    ends = np.array([row[i] for sweep in sweeps for row in sweep[0::2] for i in (0, -1)])
    for sweep in sweeps:
        for link in sweep[1::2]:
            line = shapely.LineString(link)
            touching = shapely.distance(line, shapely.points(ends)) < 1e-6
            assert touching.sum() == 2  # only the two rows it joins
    _check_sweeps(comb, sweeps, 1.0)


@pytest.mark.parametrize("region", [shapely.Polygon(), shapely.box(0, 0, 0.5, 0.5)])
def test_nothing_to_hatch_gives_no_sweeps(region):
    assert hatch(region, 1.0, 0.3) == []


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 40), st.floats(0, 40)), min_size=1, max_size=6),
       st.floats(1.0, 6.0), st.floats(2.0, 5.0), st.floats(-math.pi, math.pi))
def test_sweeps_stay_inside_any_region_and_never_lift_within(points, radius, spacing, angle):
    core = shapely.LineString(points) if len(points) > 1 else shapely.Point(points[0])
    region = core.buffer(radius).difference(shapely.Point(points[0]).buffer(radius / 3))
    _check_sweeps(region, hatch(region, spacing, angle), spacing)
