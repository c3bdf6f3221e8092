"""An arm machine's profile as kinematics: the arm it describes, and its G-code axis values.

The G-code writer turns pen positions into joint angles here, and the simulator's recorded
joint traces come back to pen positions here, so both sides read ``[arm]`` the same way.
"""

from __future__ import annotations

import numpy as np

from plotter.kinematics import TwoLinkArm

from .errors import MachineError
from .profile import Machine


def arm_of(machine: Machine) -> TwoLinkArm:
    """The two-link arm an ``arm`` profile describes (base and reach in machine coordinates)."""
    settings = machine.arm
    if settings is None:
        raise MachineError(f"machine {machine.name} is not an arm (kinematics = {machine.kinematics!r})")
    limits = (settings.shoulder_limits_deg, settings.elbow_limits_deg)
    return TwoLinkArm(settings.link1_mm, settings.link2_mm, settings.base_xy_mm, limits, settings.elbow)


def angles_to_axis_values(angles_deg: np.ndarray, machine: Machine) -> np.ndarray:
    """Joint angles (shoulder, elbow relative to link 1) as the profile's two axis values."""
    values = np.array(angles_deg, dtype=np.float64)
    if machine.arm is not None and machine.arm.elbow_angle == "absolute":
        values[:, 1] += values[:, 0]
    return values


def axis_values_to_tips(values: np.ndarray, machine: Machine) -> np.ndarray:
    """Pen positions (machine mm) of the profile's axis values, e.g. a simulator's joint traces."""
    angles = np.array(values, dtype=np.float64).reshape(-1, 2)
    if machine.arm is not None and machine.arm.elbow_angle == "absolute":
        angles[:, 1] -= angles[:, 0]
    return arm_of(machine).forward(angles)
