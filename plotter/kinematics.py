"""Kinematics of a two-link planar arm (a SCARA-like desk plotter): pen tip ↔ joint angles.

Pure maths over numpy arrays, in a right-handed frame (x right, y up, angles counter-clockwise,
degrees). The shoulder angle θ1 is the angle of link 1 from +x; the elbow angle θ2 is the angle
of link 2 relative to link 1 (0 = stretched out straight).

An arm reaches most points two ways. ``elbow="up"`` puts the elbow on the left of the line from
the base to the pen tip (θ2 ≤ 0): with the base below the paper, the elbow points up and away
from the operator. ``elbow="down"`` is the mirror image (θ2 ≥ 0).

A pen plotter must draw straight lines, but a controller moving both joints linearly draws
arcs. :meth:`TwoLinkArm.interpolate_polyline` subdivides every segment until the tip, moving
linearly in joint space between consecutive points, stays within a tolerance of the line.

>>> arm = TwoLinkArm(100.0, 100.0)
>>> arm.inverse([[100.0, 100.0]]).round(6).tolist()
[[90.0, -90.0]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from plotter.errors import PlotterError

#: Where the deviation from the straight line is measured inside each joint-space step.
_PROBES = np.array([0.25, 0.5, 0.75])
#: Subdivision depth at which a segment is declared impossible to follow (2**-40 of its length).
_MAX_LEVELS = 40


class ReachError(PlotterError, ValueError):
    """A point the arm cannot put its pen on; ``index``, ``point`` and ``reason`` say which and why."""

    def __init__(self, message: str, index: int, point: tuple[float, float], reason: str) -> None:
        super().__init__(message)
        self.index = index
        self.point = point
        self.reason = reason


@dataclass(frozen=True)
class TwoLinkArm:
    """A 2-link planar arm: link lengths, base position, joint limits ``((lo, hi), (lo, hi))`` in degrees.

    Each joint's range must be narrower than a full turn plus nothing (``hi - lo <= 360``), so that
    every reachable angle has exactly one representative inside it and joint paths never jump.
    """

    l1_mm: float
    l2_mm: float
    base_xy: tuple[float, float] = (0.0, 0.0)
    joint_limits_deg: tuple[tuple[float, float], tuple[float, float]] = ((-180.0, 180.0), (-180.0, 180.0))
    elbow: Literal["up", "down"] = "up"

    def __post_init__(self) -> None:
        if not (_positive(self.l1_mm) and _positive(self.l2_mm)):
            raise PlotterError(f"arm link lengths must be positive, got {self.l1_mm!r} and {self.l2_mm!r} mm")
        if self.elbow not in ("up", "down"):
            raise PlotterError(f"arm elbow must be 'up' or 'down', got {self.elbow!r}")
        for joint, (lo, hi) in zip(("shoulder", "elbow"), self.joint_limits_deg, strict=True):
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi <= lo + 360.0):
                raise PlotterError(f"arm {joint} limits [{lo}, {hi}] deg must satisfy lo < hi <= lo + 360")

    @property
    def reach_mm(self) -> tuple[float, float]:
        """``(nearest, farthest)`` distance from the base that the links alone allow."""
        return abs(self.l1_mm - self.l2_mm), self.l1_mm + self.l2_mm

    def forward(self, angles_deg: np.ndarray) -> np.ndarray:
        """Pen-tip positions ``(N, 2)`` mm for joint angles ``(N, 2)`` degrees (shoulder, elbow)."""
        q = np.radians(np.asarray(angles_deg, dtype=np.float64).reshape(-1, 2))
        t1, t12 = q[:, 0], q[:, 0] + q[:, 1]
        x = self.l1_mm * np.cos(t1) + self.l2_mm * np.cos(t12)
        y = self.l1_mm * np.sin(t1) + self.l2_mm * np.sin(t12)
        return np.column_stack([x, y]) + np.asarray(self.base_xy)

    def inverse(self, points: np.ndarray) -> np.ndarray:
        """Joint angles ``(N, 2)`` degrees for pen-tip positions ``(N, 2)`` mm, on this arm's elbow side.

        Raises :class:`ReachError` naming the first point that is too far, too near the base, or
        needs a joint beyond its limit.
        """
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        d = p - np.asarray(self.base_xy)
        r = np.hypot(d[:, 0], d[:, 1])
        near, far = self.reach_mm
        slack = 1e-9 * far
        too_far, too_near = r > far + slack, r < near - slack
        l1, l2 = self.l1_mm, self.l2_mm
        cos2 = np.clip((r * r - l1 * l1 - l2 * l2) / (2.0 * l1 * l2), -1.0, 1.0)
        sin2 = np.sqrt(1.0 - cos2 * cos2) * (-1.0 if self.elbow == "up" else 1.0)
        t2 = np.arctan2(sin2, cos2)
        t1 = np.arctan2(d[:, 1], d[:, 0]) - np.arctan2(l2 * sin2, l1 + l2 * cos2)
        raw = np.degrees(np.column_stack([t1, t2]))
        lo = np.array([lim[0] for lim in self.joint_limits_deg])
        hi = np.array([lim[1] for lim in self.joint_limits_deg])
        angles = lo + np.mod(raw - lo, 360.0)  # the one representative at or above lo
        outside = angles > hi + 1e-9
        bad = too_far | too_near | outside.any(axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            self._raise_unreachable(i, p[i], too_far[i], too_near[i], raw[i], outside[i])
        return angles

    def _raise_unreachable(
        self, i: int, point: np.ndarray, too_far: bool, too_near: bool, angles: np.ndarray, outside: np.ndarray
    ) -> None:
        near, far = self.reach_mm
        r = math.dist(point, self.base_xy)
        if too_far:
            reason = f"too far: {r:.3f} mm from the base, the arm reaches {far:.3f} mm"
        elif too_near:
            reason = f"too near: {r:.3f} mm from the base, the arm cannot fold closer than {near:.3f} mm"
        else:
            j = int(np.argmax(outside))
            joint = ("shoulder", "elbow")[j]
            lo, hi = self.joint_limits_deg[j]
            reason = f"joint limit: {joint} angle {angles[j]:.2f} deg is outside [{lo:g}, {hi:g}] (elbow {self.elbow})"
        xy = (float(point[0]), float(point[1]))
        raise ReachError(f"point {i} ({xy[0]:.3f}, {xy[1]:.3f}) mm is unreachable: {reason}", i, xy, reason)

    def interpolate_polyline(self, points: np.ndarray, tolerance_mm: float) -> tuple[np.ndarray, np.ndarray]:
        """Points on ``points``'s segments, and their joint angles, dense enough that joint-linear
        motion between neighbours keeps the tip within ``tolerance_mm`` of the polyline.

        Every interval whose tip path strays too far (probed at 1/4, 1/2 and 3/4 of the joint
        move) is halved, all intervals of a level at once. Consecutive duplicate points are
        dropped. Returns ``(points (M, 2), angles_deg (M, 2))``.
        """
        if not (math.isfinite(tolerance_mm) and tolerance_mm > 0):
            raise PlotterError(f"interpolation tolerance must be positive, got {tolerance_mm!r} mm")
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(p) > 1:
            p = p[np.concatenate([[True], np.any(p[1:] != p[:-1], axis=1)])]
        q = self.inverse(p)
        seg_a, seg_b = p[:-1], p[1:]  # the straight segment each interval must follow
        todo = np.arange(len(p) - 1)  # intervals not yet known to be straight enough
        for _ in range(_MAX_LEVELS):
            q0, q1 = q[todo], q[todo + 1]
            joint = q0[:, None, :] + _PROBES[None, :, None] * (q1 - q0)[:, None, :]
            tips = self.forward(joint.reshape(-1, 2)).reshape(-1, len(_PROBES), 2)
            deviation = _distance_to_segment(tips, seg_a[todo, None, :], seg_b[todo, None, :]).max(axis=1)
            split = todo[deviation > tolerance_mm]
            if len(split) == 0:
                return p, q
            mid = 0.5 * (p[split] + p[split + 1])
            q = np.insert(q, split + 1, self.inverse(mid), axis=0)
            p = np.insert(p, split + 1, mid, axis=0)
            seg_a = np.insert(seg_a, split + 1, seg_a[split], axis=0)
            seg_b = np.insert(seg_b, split + 1, seg_b[split], axis=0)
            left = split + np.arange(len(split))  # where each split interval's halves now start
            todo = np.column_stack([left, left + 1]).ravel()
        worst = (float(p[split[0], 0]), float(p[split[0], 1]))
        reason = f"cannot keep the pen within {tolerance_mm} mm of the line here (a joint singularity)"
        raise ReachError(f"near ({worst[0]:.3f}, {worst[1]:.3f}) mm: {reason}", int(split[0]), worst, reason)

    def interpolate_line(self, p0: np.ndarray, p1: np.ndarray, tolerance_mm: float) -> np.ndarray:
        """Points from ``p0`` to ``p1`` (both included) that joint-linear motion follows within tolerance."""
        return self.interpolate_polyline(np.array([p0, p1], dtype=np.float64), tolerance_mm)[0]


def _positive(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def _distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from ``points`` to the segments ``a``–``b`` (broadcast over leading axes)."""
    ab = b - a
    length_sq = np.maximum((ab * ab).sum(axis=-1), 1e-300)
    t = np.clip(((points - a) * ab).sum(axis=-1) / length_sq, 0.0, 1.0)
    closest = a + t[..., None] * ab
    return np.hypot(*np.moveaxis(points - closest, -1, 0))
