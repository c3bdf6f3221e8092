"""Machines meet devices: a profile's simulated GRBL or EBB, and the streamer for a port.

This is the one place that knows both a machine profile (``plotter.machines``) and the
device side (``hardware``): the simulator is set up with the profile's feeds, acceleration,
cornering and pen convention, so what it reports is what that machine would do. EBB machines
(the AxiDraw) get their moves planned here from the profile's ``[ebb]`` percentages. G-code
machines that stream send-response (Marlin) get the Marlin simulator and streamer.
"""

from __future__ import annotations

import re

import numpy as np

from hardware.ebb_job import EbbProgram, ebb_program
from hardware.ebb_motion import EbbMotion
from hardware.ebb_sim import EbbSim
from hardware.ebb_streamer import EbbStreamer
from hardware.grbl_pen import servo_pen, z_pen
from hardware.grbl_protocol import DeviceError
from hardware.grbl_sim import GrblSim
from hardware.marlin_sim import MarlinSim, servo_angle_pen
from hardware.marlin_streamer import MarlinStreamer
from hardware.ports import open_port
from hardware.streamer import GrblStreamer

from ..machines import Machine, check_on_bed, to_machine_xy, to_plan_xy
from ..machines.arm import axis_values_to_tips
from ..plan import Layer, Pen, Plan

_SERVO_ANGLE = re.compile(r"M280\s*P\s*\d+\s*S\s*(\d+(?:\.\d*)?)", re.IGNORECASE)


def is_marlin(machine: Machine) -> bool:
    """A G-code machine streamed send-response: Marlin's line protocol, not GRBL's character counting."""
    return machine.gcode is not None and machine.gcode.streaming == "send-response"


def simulated_device(machine: Machine) -> GrblSim | EbbSim | MarlinSim:
    """A simulated board for ``machine``: an EiBotBoard for EBB machines, Marlin for send-response
    G-code machines, else GRBL 1.1, set up as the profile."""
    if machine.protocol == "ebb":
        return EbbSim()
    motion = machine.motion
    if is_marlin(machine):
        rate = max(motion.draw_feed_mm_min, motion.travel_feed_mm_min) / 60.0
        return MarlinSim(
            max_rate_mm_s=(rate, rate, motion.z_rate_mm_min / 60.0),
            accel_mm_s2=(motion.accel_mm_s2, motion.accel_mm_s2, motion.z_accel_mm_s2),
            junction_deviation_mm=motion.junction_deviation_mm,
            pen_down=_pen_convention(machine),
        )
    rate = max(motion.draw_feed_mm_min, motion.travel_feed_mm_min)
    settings = {
        11: motion.junction_deviation_mm,
        110: rate,
        111: rate,
        120: motion.accel_mm_s2,
        121: motion.accel_mm_s2,
        112: motion.z_rate_mm_min,
        122: motion.z_accel_mm_s2,
        130: machine.bed.width_mm,
        131: machine.bed.height_mm,
    }
    return GrblSim(settings, pen_down=_pen_convention(machine))


def _pen_convention(machine: Machine):
    """Servo forks lower the pen with ``M3 S>0``; Z pens are down below the mid-point of up and down Z;
    an ``M280`` servo is down nearer its pen-down angle than its pen-up one."""
    up, down = machine.pen.z_moves()
    if up and down:
        return z_pen(below_mm=(down.z_mm + up.z_mm) / 2)
    angles = [_SERVO_ANGLE.search(" ".join(lines)) for lines in (machine.pen.up_lines, machine.pen.down_lines)]
    if all(angles):
        return servo_angle_pen(*(float(m.group(1)) for m in angles))
    return servo_pen


def streamer_for(
    machine: Machine, port_url: str, device: GrblSim | MarlinSim | None = None, sim_speed: float | None = None
) -> GrblStreamer | MarlinStreamer:
    """A GRBL or Marlin streamer on ``port_url`` (``sim`` for the simulated ``device``, paced to
    ``sim_speed`` times real time when given) that lifts ``machine``'s pen on errors."""
    if machine.protocol != "gcode" or machine.gcode is None:
        raise DeviceError(
            f"machine {machine.name} does not speak G-code; plotting to it is not supported yet "
            f"(write its program with `plotter gcode` and send it with the machine's own host software)"
        )
    port = open_port(port_url, **_simulated(device, sim_speed))
    if is_marlin(machine):
        return MarlinStreamer(port, pen_up_lines=machine.pen.up_lines)
    return GrblStreamer(port, pen_up_lines=machine.pen.up_lines or ("M5",))


def ebb_motion_for(machine: Machine) -> EbbMotion:
    """The EBB planner's settings from the profile's ``[ebb]`` percentages and ``[pen]`` extra delays."""
    e = machine.ebb
    if e is None:
        raise DeviceError(f"machine {machine.name} is not an EiBotBoard machine (protocol = {machine.protocol!r})")
    return EbbMotion.from_percentages(
        pen_pos_up_pct=e.pen_pos_up_pct, pen_pos_down_pct=e.pen_pos_down_pct,
        pen_rate_raise_pct=e.pen_rate_raise_pct, pen_rate_lower_pct=e.pen_rate_lower_pct,
        speed_pendown_pct=e.speed_pendown_pct, speed_penup_pct=e.speed_penup_pct, accel_pct=e.accel_pct,
        pen_delay_up_ms=machine.pen.up_delay_s * 1000.0, pen_delay_down_ms=machine.pen.down_delay_s * 1000.0,
        junction_deviation_mm=machine.motion.junction_deviation_mm,
    )


def ebb_program_for(plan: Plan, machine: Machine) -> EbbProgram:
    """``plan`` (placed on the bed) as EBB moves for ``machine``; a plan off the bed is refused."""
    check_on_bed(plan, machine)
    strokes = [to_machine_xy(path, machine.bed) for _, path in plan.iter_paths()]
    pens = [f"{layer.pen.name!r} (layer {index + 1})" for index, layer in enumerate(plan.layers) for _ in layer.paths]
    return ebb_program(strokes, ebb_motion_for(machine), pens)


def ebb_streamer_for(port_url: str, device: EbbSim | None = None, sim_speed: float | None = None) -> EbbStreamer:
    """An EBB streamer on ``port_url`` (``sim``: the simulated board ``device``)."""
    return EbbStreamer(open_port(port_url, **_simulated(device, sim_speed)))


def _simulated(device: GrblSim | MarlinSim | EbbSim | None, speed: float | None) -> dict[str, object]:
    """``open_port`` arguments for a simulated board; none for a real port."""
    if device is None:
        return {}
    return {"device": device} if speed is None else {"device": device, "speed": speed}


def trace_on_plan(trace: np.ndarray, machine: Machine) -> np.ndarray:
    """One trace of a simulated pen (machine axes) as a path in plan coordinates (mm, y down)."""
    if machine.kinematics == "arm":
        trace = axis_values_to_tips(trace, machine)
    return to_plan_xy(np.asarray(trace)[:, :2], machine.bed)


def traces_as_plan(device: GrblSim | EbbSim | MarlinSim, machine: Machine, plan: Plan) -> Plan:
    """What the simulated pen drew, back in plan coordinates, with the plan's pens where strokes match up."""
    paths = [trace_on_plan(trace, machine) for trace in device.traces]
    if len(paths) == plan.path_count:  # one trace per stroke: give each its pen back
        layers, index = [], 0
        for layer in plan.layers:
            layers.append(Layer(layer.pen, tuple(paths[index : index + len(layer.paths)])))
            index += len(layer.paths)
        return Plan(plan.page_mm, tuple(layers), {"generator": "simulated plot", "machine": machine.name})
    return Plan(plan.page_mm, (Layer(Pen("trace"), tuple(paths)),), {"generator": "simulated plot"})
