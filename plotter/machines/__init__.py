"""Machine profiles: what a plotter is (bed, speeds, pen, dialect, kinematics), read from TOML.

>>> from plotter.machines import load_machine
>>> load_machine("grbl-servo").motion.draw_feed_mm_min
3000.0
"""

from __future__ import annotations

from .catalogue import ENV_VAR, list_machines, load_machine
from .errors import MachineError, ProfileError
from .placement import check_on_bed, fit_to_bed, to_machine_xy, to_plan_xy
from .profile import ArmSettings, Bed, EbbSettings, GcodeDialect, Machine, Motion, PenLift, ToolChange

__all__ = [
    "ENV_VAR",
    "ArmSettings",
    "Bed",
    "EbbSettings",
    "GcodeDialect",
    "Machine",
    "MachineError",
    "Motion",
    "PenLift",
    "ProfileError",
    "ToolChange",
    "check_on_bed",
    "fit_to_bed",
    "list_machines",
    "load_machine",
    "to_machine_xy",
    "to_plan_xy",
]
