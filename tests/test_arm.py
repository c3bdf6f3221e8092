"""Two-link arm kinematics: inverse/forward agree, elbows, limits, reach errors, straight lines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plotter.errors import PlotterError
from plotter.kinematics import ReachError, TwoLinkArm, _distance_to_segment

DESK = TwoLinkArm(160.0, 160.0, (140.0, -90.0), ((-45.0, 225.0), (-160.0, 160.0)), "up")


def joint_linear_tips(arm: TwoLinkArm, angles: np.ndarray, samples: int = 64) -> np.ndarray:
    """Where the tip goes when each joint moves linearly between consecutive angle rows."""
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    between = angles[:-1, None, :] + t * (angles[1:] - angles[:-1])[:, None, :]
    return arm.forward(between.reshape(-1, 2)).reshape(len(angles) - 1, samples, 2)


@pytest.mark.parametrize(
    ("elbow", "point", "expected_deg"),
    [
        ("up", (100.0, 100.0), (90.0, -90.0)),
        ("down", (100.0, 100.0), (0.0, 90.0)),
        ("up", (200.0, 0.0), (0.0, 0.0)),
        ("down", (0.0, -200.0), (-90.0, 0.0)),
        ("up", (0.0, 100.0 * np.sqrt(2)), (135.0, -90.0)),
    ],
)
def test_inverse_matches_known_angles(elbow, point, expected_deg):
    arm = TwoLinkArm(100.0, 100.0, elbow=elbow)
    np.testing.assert_allclose(arm.inverse([point]), [expected_deg], atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    shoulder=st.floats(-179.0, 179.0),
    elbow=st.floats(5.0, 175.0),
    side=st.sampled_from(["up", "down"]),
    l2=st.floats(20.0, 200.0),
)
def test_forward_of_inverse_is_the_point(shoulder, elbow, side, l2):
    arm = TwoLinkArm(150.0, l2, (12.0, -7.0), elbow=side)
    point = arm.forward([[shoulder, elbow if side == "down" else -elbow]])
    angles = arm.inverse(point)
    np.testing.assert_allclose(arm.forward(angles), point, atol=1e-9)
    np.testing.assert_allclose(angles, [[shoulder, elbow if side == "down" else -elbow]], atol=1e-6)


@pytest.mark.parametrize("side", ["up", "down"])
def test_elbow_up_bends_left_of_the_base_to_tip_line(side):
    arm = TwoLinkArm(100.0, 80.0, (0.0, 0.0), elbow=side)
    tips = np.array([[150.0, 10.0], [-30.0, 120.0], [60.0, -90.0]])
    angles = np.radians(arm.inverse(tips))
    elbows = 100.0 * np.column_stack([np.cos(angles[:, 0]), np.sin(angles[:, 0])])
    cross = tips[:, 0] * elbows[:, 1] - tips[:, 1] * elbows[:, 0]  # > 0: elbow left of base→tip
    assert np.all(cross > 0) if side == "up" else np.all(cross < 0)


def test_inverse_is_vectorised_and_keeps_angles_inside_the_limits():
    arm = TwoLinkArm(100.0, 100.0, joint_limits_deg=((0.0, 360.0), (-180.0, 180.0)))
    points = arm.forward([[10.0, -30.0], [200.0, -45.0], [350.0, -10.0]])
    angles = arm.inverse(points)
    assert angles.shape == (3, 2)
    assert np.all((angles[:, 0] >= 0) & (angles[:, 0] < 360))
    np.testing.assert_allclose(angles[:, 0], [10.0, 200.0, 350.0], atol=1e-9)


@pytest.mark.parametrize(
    ("arm", "points", "message"),
    [
        (TwoLinkArm(100.0, 50.0), [[100.0, 0.0], [200.0, 0.0]], r"point 1 \(200.000, 0.000\) mm .*too far: 200.000 mm"),
        (TwoLinkArm(100.0, 50.0), [[100.0, 0.0], [0.0, 20.0]], r"point 1 \(0.000, 20.000\) mm .*too near: 20.000 mm"),
        (
            TwoLinkArm(100.0, 100.0, joint_limits_deg=((0.0, 180.0), (-180.0, 180.0)), elbow="down"),
            [[150.0, 0.0]],
            r"point 0 \(150.000, 0.000\) mm .*joint limit: shoulder angle -41.41 deg is outside \[0, 180\]",
        ),
        (
            TwoLinkArm(100.0, 100.0, joint_limits_deg=((-180.0, 180.0), (-90.0, 90.0))),
            [[150.0, 0.0], [30.0, 0.0]],
            r"point 1 \(30.000, 0.000\) mm .*joint limit: elbow angle -162.75 deg is outside \[-90, 90\] \(elbow up\)",
        ),
    ],
)
def test_unreachable_points_are_named_with_the_reason(arm, points, message):
    with pytest.raises(ReachError, match=message) as caught:
        arm.inverse(points)
    assert caught.value.point == tuple(points[caught.value.index])


@pytest.mark.parametrize(
    ("l1", "l2", "limits", "elbow"),
    [
        (0.0, 10.0, ((-180, 180), (-180, 180)), "up"),
        (10.0, -1.0, ((-180, 180), (-180, 180)), "up"),
        (10.0, 10.0, ((0, 400), (-180, 180)), "up"),
        (10.0, 10.0, ((0, 90), (10, 10)), "up"),
        (10.0, 10.0, ((-180, 180), (-180, 180)), "sideways"),
    ],
)
def test_impossible_arms_are_refused(l1, l2, limits, elbow):
    with pytest.raises(PlotterError):
        TwoLinkArm(l1, l2, (0.0, 0.0), limits, elbow)


LINES = [
    ((0.0, 0.0), (280.0, 0.0)),
    ((0.0, 180.0), (280.0, 0.0)),
    ((10.0, 170.0), (270.0, 170.0)),
    ((140.0, 0.0), (140.0, 180.0)),
    ((5.0, 5.0), (5.2, 5.1)),
]


@pytest.mark.parametrize(("p0", "p1"), LINES)
@pytest.mark.parametrize("tolerance", [0.5, 0.05, 0.005])
def test_interpolated_line_keeps_the_pen_within_tolerance(p0, p1, tolerance):
    points = DESK.interpolate_line(np.array(p0), np.array(p1), tolerance)
    np.testing.assert_allclose(points[[0, -1]], [p0, p1])
    tips = joint_linear_tips(DESK, DESK.inverse(points), samples=101)
    deviation = _distance_to_segment(tips, np.array(p0), np.array(p1))
    assert deviation.max() <= tolerance
    # and it did not over-subdivide: joining every other point would leave the tolerance
    if len(points) > 2:
        coarse = joint_linear_tips(DESK, DESK.inverse(points[::2]), samples=101)
        assert _distance_to_segment(coarse, np.array(p0), np.array(p1)).max() > tolerance / 4


def test_polyline_interpolation_follows_every_segment_and_drops_repeats():
    square = np.array([[20.0, 20.0], [260.0, 20.0], [260.0, 20.0], [260.0, 160.0], [20.0, 160.0], [20.0, 20.0]])
    points, angles = DESK.interpolate_polyline(square, 0.05)
    np.testing.assert_allclose(DESK.forward(angles), points, atol=1e-9)
    assert not np.any(np.all(points[1:] == points[:-1], axis=1))
    for corner in square:
        assert np.any(np.all(points == corner, axis=1))
    tips = joint_linear_tips(DESK, angles, samples=33)
    sides = zip(square[:-1], square[1:], strict=True)
    deviation = np.min([_distance_to_segment(tips, a, b) for a, b in sides], axis=0)
    assert deviation.max() <= 0.05


def test_a_single_point_needs_no_interpolation():
    points, angles = DESK.interpolate_polyline(np.array([[100.0, 100.0], [100.0, 100.0]]), 0.05)
    assert points.tolist() == [[100.0, 100.0]] and angles.shape == (1, 2)


def test_a_line_through_unreachable_space_is_refused_at_the_first_bad_point():
    arm = TwoLinkArm(100.0, 60.0)  # cannot reach closer than 40 mm to its base
    with pytest.raises(ReachError, match="too near"):
        arm.interpolate_line(np.array([-100.0, 0.0]), np.array([100.0, 0.0]), 0.1)
