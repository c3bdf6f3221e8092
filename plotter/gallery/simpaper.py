"""The sheets of a simulated plotter, kept on disk so they outlive the process drawing on them.

A real plotter's paper keeps every line drawn on it when the computer driving it is killed;
a simulated board lives inside that process. So in the gallery each sheet is a file
(``pieces/NNNN/sim-paper.jsonl``) and the simulated pen appends every trace to it the moment
it lifts off the paper — before the board acknowledges the stroke, hence before the job's
journal can record it. After a kill and a resume, the sheet holds what a real sheet would:
each stroke the job finished, once, plus any stroke it started again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hardware.ebb_sim import EbbSim
from hardware.grbl_sim import GrblSim
from hardware.marlin_sim import MarlinSim

from ..cli.devices import simulated_device, trace_on_plan
from ..machines import Machine


def sheet_device(machine: Machine, sheet: Path) -> GrblSim | MarlinSim | EbbSim:
    """A fresh simulated board for ``machine`` that draws onto the sheet file ``sheet``."""
    device = simulated_device(machine)

    def on_trace(trace: np.ndarray) -> None:
        path = trace_on_plan(trace, machine)
        with open(sheet, "a", encoding="utf-8") as handle:  # the OS keeps it if this process is killed
            handle.write(json.dumps(np.round(path, 3).tolist()) + "\n")

    recorder = device if isinstance(device, EbbSim) else device.pen
    recorder.on_trace = on_trace
    return device


def read_sheet(sheet: Path) -> list[np.ndarray]:
    """The traces on a sheet, in the order drawn (plan coordinates, mm); a torn last line is ignored."""
    if not sheet.exists():
        return []
    traces = []
    for line in sheet.read_text(encoding="utf-8").splitlines():
        try:
            traces.append(np.array(json.loads(line), dtype=float).reshape(-1, 2))
        except ValueError:
            break
    return traces

