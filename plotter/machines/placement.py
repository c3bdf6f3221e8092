"""Where a plan lands on a machine's bed, and in the machine's own coordinates.

The rule is about the **bed**, never the drawing's bounds (the mistake vpype-gcode's
``invert_y`` made): the page's top-left corner sits on the bed's top-left corner, plan x runs
to the right and plan y down the bed, and only then does the profile's ``origin`` /
``x_direction`` / ``y_direction`` turn bed positions into machine coordinates. A drawing
therefore lands in the same place on the paper whatever the machine's origin.

>>> from plotter.machines import load_machine
>>> to_machine_xy([[0.0, 0.0], [10.0, 20.0]], load_machine("grbl-servo").bed).tolist()  # bottom-left, y up
[[0.0, 200.0], [10.0, 180.0]]
"""

from __future__ import annotations

import numpy as np

from plotter.geometry import overflow
from plotter.plan import Plan

from .errors import MachineError
from .profile import Bed, Machine


def to_machine_xy(points: np.ndarray, bed: Bed) -> np.ndarray:
    """Machine coordinates ``(N, 2)`` of plan points ``(N, 2)`` (mm, y down from the page's top-left)."""
    origin, sign = _frame(bed)
    return (np.asarray(points, dtype=np.float64).reshape(-1, 2) - origin) * sign


def to_plan_xy(points: np.ndarray, bed: Bed) -> np.ndarray:
    """Plan coordinates of machine points: the inverse of :func:`to_machine_xy`."""
    origin, sign = _frame(bed)
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) * sign + origin


def _frame(bed: Bed) -> tuple[np.ndarray, np.ndarray]:
    """The machine origin's position on the bed (plan frame) and the sign of each machine axis."""
    origin = {
        "top-left": (0.0, 0.0),
        "bottom-left": (0.0, bed.height_mm),
        "top-right": (bed.width_mm, 0.0),
        "bottom-right": (bed.width_mm, bed.height_mm),
        "center": (bed.width_mm / 2, bed.height_mm / 2),
    }[bed.origin]
    sign = (1.0 if bed.x_direction == "right" else -1.0, 1.0 if bed.y_direction == "down" else -1.0)
    return np.array(origin), np.array(sign)


def check_on_bed(plan: Plan, machine: Machine) -> None:
    """Refuse a plan whose drawing leaves the bed, saying by how much on each side (the page may be larger)."""
    bed = machine.bed
    sides = overflow(plan.bounds(), bed.width_mm, bed.height_mm)
    if sides:
        raise MachineError(
            f"plan exceeds the bed of {machine.name} ({bed.width_mm:g} x {bed.height_mm:g} mm) by "
            f"{', '.join(sides)}; fit it to the bed (--fit) to scale it down"
        )


def fit_to_bed(plan: Plan, bed: Bed, *, margin_mm: float = 10.0) -> Plan:
    """The plan on a page the size of the bed, its drawing scaled (up or down) to fill it inside
    ``margin_mm`` and centred, never rotated: :func:`plotter.ops.fit_to_page` with the bed as page."""
    from plotter.ops import fit_to_page  # lazily: plotter.ops pulls in scipy and shapely

    return fit_to_page(plan, (bed.width_mm, bed.height_mm), margin_mm=margin_mm, rotate="none")
