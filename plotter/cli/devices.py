"""Machines meet devices: a profile's simulated GRBL, and the streamer for a port.

This is the one place that knows both a machine profile (``plotter.machines``) and the
device side (``hardware``): the simulator is set up with the profile's feeds, acceleration,
cornering and pen convention, so what it reports is what that machine would do.
"""

from __future__ import annotations

import re

import numpy as np

from hardware.grbl_pen import servo_pen, z_pen
from hardware.grbl_protocol import DeviceError
from hardware.grbl_sim import GrblSim
from hardware.ports import open_port
from hardware.streamer import GrblStreamer

from ..machines import Machine, to_plan_xy
from ..machines.arm import axis_values_to_tips
from ..plan import Layer, Pen, Plan

_Z_WORD = re.compile(r"Z\s*(-?\d+(?:\.\d*)?)", re.IGNORECASE)


def simulated_device(machine: Machine) -> GrblSim:
    """A simulated GRBL 1.1 board configured as ``machine`` (rates, acceleration, pen)."""
    motion = machine.motion
    rate = max(motion.draw_feed_mm_min, motion.travel_feed_mm_min)
    settings = {
        11: motion.junction_deviation_mm,
        110: rate,
        111: rate,
        120: motion.accel_mm_s2,
        121: motion.accel_mm_s2,
        130: machine.bed.width_mm,
        131: machine.bed.height_mm,
    }
    return GrblSim(settings, pen_down=_pen_convention(machine))


def _pen_convention(machine: Machine):
    """Servo forks lower the pen with ``M3 S>0``; Z pens are down below the mid-point of up and down Z."""
    down = [float(m.group(1)) for line in machine.pen.down_lines if (m := _Z_WORD.search(line))]
    up = [float(m.group(1)) for line in machine.pen.up_lines if (m := _Z_WORD.search(line))]
    if down and up:
        return z_pen(below_mm=(down[-1] + up[-1]) / 2)
    return servo_pen


def streamer_for(machine: Machine, port_url: str, device: GrblSim | None = None) -> GrblStreamer:
    """A GRBL streamer on ``port_url`` (``sim`` for the simulated device) that lifts ``machine``'s pen on errors."""
    if machine.protocol != "gcode" or machine.gcode is None or machine.gcode.streaming != "character-counting":
        raise DeviceError(
            f"machine {machine.name} does not speak GRBL's streaming protocol; plotting to it is not supported yet "
            f"(write its program with `plotter gcode` and send it with the machine's own host software)"
        )
    kwargs = {"device": device} if device is not None else {}
    port = open_port(port_url, **kwargs)
    return GrblStreamer(port, pen_up_lines=machine.pen.up_lines or ("M5",))


def traces_as_plan(device: GrblSim, machine: Machine, plan: Plan) -> Plan:
    """What the simulated pen drew, back in plan coordinates, with the plan's pens where strokes match up."""
    traces = device.traces
    if machine.kinematics == "arm":
        traces = [axis_values_to_tips(trace, machine) for trace in traces]
    paths = [to_plan_xy(np.asarray(trace)[:, :2], machine.bed) for trace in traces]
    if len(paths) == plan.path_count:  # one trace per stroke: give each its pen back
        layers, index = [], 0
        for layer in plan.layers:
            layers.append(Layer(layer.pen, tuple(paths[index : index + len(layer.paths)])))
            index += len(layer.paths)
        return Plan(plan.page_mm, tuple(layers), {"generator": "simulated plot", "machine": machine.name})
    return Plan(plan.page_mm, (Layer(Pen("trace"), tuple(paths)),), {"generator": "simulated plot"})
