"""GRBL's 15-block look-ahead planner, executed online in virtual time.

GRBL plans each queued move with a trapezoid (accelerate, cruise, decelerate), caps the speed
at every junction by junction deviation, and always plans the last queued block to end at
rest, so the look-ahead grows as lines arrive. :class:`Planner` keeps the same queue and moves
along it in time steps chosen by the caller: the executing block is re-planned from its current
distance and speed whenever the queue changes, which is what GRBL's stepper preparation does.
The arithmetic is the one in :mod:`plotter.motion` (``profile_time``), so ``plotter stats`` and
the simulator agree; it is redone here for single blocks because the simulator also needs the
position part-way through a block and the deceleration of a feed hold.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

#: GRBL treats junctions this close to straight-on / full reversal as exactly that.
_STRAIGHT_COS = 0.999999
_EPS = 1e-12


def limit_by_axis(limits: np.ndarray, unit: np.ndarray) -> float:
    """GRBL's ``limit_value_by_axis_maximum``: the largest value along ``unit`` within every axis limit."""
    moving = np.abs(unit) > 1e-12
    return float(np.min(limits[moving] / np.abs(unit[moving]))) if moving.any() else float(np.min(limits))


def junction_speed_sq(u_in: np.ndarray, u_out: np.ndarray, accel: np.ndarray, deviation_mm: float) -> float:
    """Max speed² through the corner from unit ``u_in`` to ``u_out`` (GRBL 1.1 ``plan_buffer_line``).

    ``v² = a_j · δ · s / (1 − s)``, ``s = sin(θ/2)``, with ``a_j`` the acceleration limit along
    ``u_out − u_in``; :func:`plotter.motion._junction_speed_sq` is its vectorised twin.
    """
    cos_theta = -float(np.dot(u_in, u_out))
    if cos_theta > _STRAIGHT_COS:
        return 0.0
    if cos_theta < -_STRAIGHT_COS:
        return math.inf
    bisector = u_out - u_in
    junction_accel = limit_by_axis(accel, bisector / np.linalg.norm(bisector))
    sin_half = math.sqrt(0.5 * (1.0 - cos_theta))
    return junction_accel * deviation_mm * sin_half / (1.0 - sin_half)


@dataclass(frozen=True)
class Trapezoid:
    """Speed profile over ``length`` from ``v0`` up to ``peak`` (≤ nominal) and down to ``v1``."""

    length: float
    v0: float
    peak: float
    v1: float
    accel: float
    t_accel: float
    t_cruise: float
    t_decel: float

    @classmethod
    def plan(cls, length: float, v0: float, v1_sq: float, nominal: float, accel: float) -> Trapezoid:
        """The fastest profile that ends at speed² ``v1_sq``, or as near as acceleration allows."""
        v0_sq = v0 * v0
        v1_sq = min(max(v1_sq, v0_sq - 2.0 * accel * length), v0_sq + 2.0 * accel * length)
        v1 = math.sqrt(max(v1_sq, 0.0))
        peak = max(min(math.sqrt(accel * length + 0.5 * (v0_sq + v1_sq)), nominal), v0, v1)
        d_ramps = (2.0 * peak * peak - v0_sq - v1_sq) / (2.0 * accel)
        t_cruise = max(length - d_ramps, 0.0) / peak if peak > 0 else 0.0
        return cls(length, v0, peak, v1, accel, (peak - v0) / accel, t_cruise, (peak - v1) / accel)

    @property
    def duration(self) -> float:
        return self.t_accel + self.t_cruise + self.t_decel

    def at(self, t: float) -> tuple[float, float]:
        """(distance, speed) ``t`` seconds into the profile."""
        a = self.accel
        if t <= self.t_accel:
            return self.v0 * t + 0.5 * a * t * t, self.v0 + a * t
        d_accel = self.v0 * self.t_accel + 0.5 * a * self.t_accel**2
        if t <= self.t_accel + self.t_cruise:
            return d_accel + self.peak * (t - self.t_accel), self.peak
        tau = min(t - self.t_accel - self.t_cruise, self.t_decel)
        d = d_accel + self.peak * self.t_cruise + self.peak * tau - 0.5 * a * tau * tau
        return min(d, self.length), self.peak - a * tau


@dataclass(frozen=True, eq=False)
class Move:
    """One planned straight move in machine coordinates (mm, mm/s, mm/s²)."""

    start: np.ndarray
    end: np.ndarray
    length: float
    unit: np.ndarray
    nominal: float
    accel: float
    max_entry_sq: float


class Planner:
    """A queue of at most ``capacity`` moves and the machine's progress along the first one."""

    def __init__(self, capacity: int, position: np.ndarray) -> None:
        self.capacity = capacity
        self.moves: deque[Move] = deque()
        self.position = np.array(position, dtype=float)
        self.distance = 0.0  # along moves[0]
        self.speed = 0.0
        self.holding = False
        self._exit_sq: list[float] = []

    def free(self) -> int:
        return self.capacity - len(self.moves)

    @property
    def stopped(self) -> bool:
        """Nothing to run, or held and at rest."""
        return not self.moves or (self.holding and self.speed <= 0.0)

    def add(
        self, target: np.ndarray, feed_mm_s: float | None, max_rate: np.ndarray, accel: np.ndarray, deviation_mm: float
    ) -> Move | None:
        """Queue a straight move to ``target`` (``feed_mm_s=None``: rapid); zero-length moves are dropped."""
        start = self.moves[-1].end if self.moves else self.position
        delta = np.asarray(target, dtype=float) - start
        length = float(np.linalg.norm(delta))
        if length < 1e-9:
            return None
        unit = delta / length
        rapid = limit_by_axis(max_rate, unit)
        nominal = rapid if feed_mm_s is None else min(feed_mm_s, rapid)
        if self.moves:
            prev = self.moves[-1]
            junction = junction_speed_sq(prev.unit, unit, accel, deviation_mm)
            max_entry_sq = min(junction, prev.nominal**2, nominal**2)
        else:
            max_entry_sq = 0.0
        move = Move(start, start + delta, length, unit, nominal, limit_by_axis(accel, unit), max_entry_sq)
        self.moves.append(move)
        self._replan()
        return move

    def clear(self) -> None:
        self.moves.clear()
        self._exit_sq = []
        self.distance = self.speed = 0.0

    def _replan(self) -> None:
        """Backward pass: the fastest exit speed² of each queued move that still stops at the end."""
        exit_sq = [0.0] * len(self.moves)
        entry_next = 0.0
        for k in range(len(self.moves) - 1, -1, -1):
            exit_sq[k] = entry_next
            move = self.moves[k]
            entry_next = min(move.max_entry_sq, entry_next + 2.0 * move.accel * move.length)
        self._exit_sq = exit_sq

    def _profile(self) -> Trapezoid:
        move = self.moves[0]
        exit_sq = 0.0 if self.holding else self._exit_sq[0]
        return Trapezoid.plan(move.length - self.distance, self.speed, exit_sq, move.nominal, move.accel)

    def time_to_event(self) -> float | None:
        """Seconds until the current move ends or a feed hold comes to rest; ``None`` when stopped."""
        if self.stopped:
            return None
        move = self.moves[0]
        if self.holding:
            remaining = move.length - self.distance
            stop = self.speed**2 / (2.0 * move.accel)
            end_speed = 0.0 if stop <= remaining else math.sqrt(self.speed**2 - 2.0 * move.accel * remaining)
            return (self.speed - end_speed) / move.accel
        return self._profile().duration

    def step(self, dt: float) -> Move | None:
        """Move on by ``dt`` seconds (no further than :meth:`time_to_event`); returns the move finished."""
        if self.stopped:
            return None
        move = self.moves[0]
        remaining = move.length - self.distance
        if self.holding:
            a = move.accel
            dt = min(dt, self.speed / a)
            travelled, self.speed = self.speed * dt - 0.5 * a * dt * dt, max(self.speed - a * dt, 0.0)
            if self.speed <= _EPS:
                self.speed = 0.0
        else:
            profile = self._profile()
            if dt >= profile.duration - _EPS:
                travelled, self.speed = remaining, profile.v1
            else:
                travelled, self.speed = profile.at(dt)
        if travelled >= remaining - 1e-9:
            self.moves.popleft()
            self._exit_sq.pop(0)
            self.position = move.end.copy()
            self.distance = 0.0
            if not self.moves:
                self.speed = 0.0
            return move
        self.distance += travelled
        self.position = move.start + move.unit * self.distance
        return None
