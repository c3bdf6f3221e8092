"""``plotter plot``: draw a file on a machine over a serial port, resumably.

Every stroke the machine finishes is written to a job journal; after a crash, a lost USB
connection or a power cut, ``plotter plot --resume JOURNAL`` rebuilds the same program from
the same file and machine (refusing if either changed) and goes on from the first stroke
not finished. ``--port sim`` plots on the simulated board — GRBL, Marlin (send-response
machines), or the EiBotBoard for an AxiDraw (``machine.protocol == "ebb"``, planned by
:mod:`hardware.ebb_motion`) — which can also draw what it did.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from hardware.ebb_job import run_ebb_job
from hardware.ebb_sim import EbbSim
from hardware.grbl_protocol import DeviceError
from hardware.grbl_sim import GrblSim
from hardware.job import JobResult, run_job
from hardware.journal import Journal, JournalError, job_finished, program_digest
from hardware.marlin_sim import MarlinSim

from .. import preview, svg
from ..errors import PlotterError
from ..geometry import path_lengths
from ..machines import Machine, fit_to_bed, load_machine
from ..motion import timeline
from ..plan import Plan
from .devices import ebb_program_for, ebb_streamer_for, simulated_device, streamer_for, traces_as_plan
from .gcode import place_on_machine
from .progress import duration, metres, summary
from .types import LENGTH


@dataclass(frozen=True)
class PlotOutcome:
    journal: Path
    job: JobResult
    machine: Machine
    plan: Plan  # as placed on the machine
    device: GrblSim | MarlinSim | EbbSim | None  # the simulated device, when the port was ``sim``
    estimated_s: float


def plot_file(
    source: Path | None,
    machine_name: str | None,
    port: str | None,
    *,
    fit: bool = False,
    tolerance_mm: float = 0.1,
    journal_path: Path | None = None,
    resume: Path | None = None,
    on_pause: Callable[[str], None] | None = None,
    on_stroke: Callable[[int, float, float], None] | None = None,
    device: GrblSim | MarlinSim | EbbSim | None = None,
    sim_speed: float | None = None,
) -> PlotOutcome:
    """Plot ``source`` on ``machine_name`` over ``port``, or go on with the job in ``resume``.

    ``on_stroke(index, drawn_mm, remaining_s)`` follows progress; ``on_pause(message)`` is
    asked to wait for the operator at a pen change. With ``port`` ``sim``, ``device`` is the
    simulated board (default: a fresh one set up as the machine) and ``sim_speed`` paces it
    against the real clock (see :class:`hardware.ports.SimulatedPort`).
    """
    if resume is not None:
        journal = Journal.open(resume)
        header = journal.header
        source = Path(header["source"])
        machine_name = header["machine"]
        fit, tolerance_mm = bool(header.get("fit", False)), float(header.get("tolerance_mm", 0.1))
        port = port or header.get("port")
    if source is None or machine_name is None or port is None:
        raise PlotterError("plot needs a file, --machine and --port (or --resume JOURNAL)")
    machine = load_machine(machine_name)
    ebb = machine.protocol == "ebb"  # an AxiDraw: the host plans every move, no G-code
    if ebb:
        plan = svg.read(source, tolerance_mm=tolerance_mm)
        plan = fit_to_bed(plan, machine.bed) if fit else plan
        program = ebb_program_for(plan, machine)
        finished_at, total_s = program.finish_times()
    else:
        plan, program = place_on_machine(source, machine, fit=fit, tolerance_mm=tolerance_mm)
        schedule = timeline(plan, machine.motion_settings(sync_after_stroke=True))  # as run_job streams it
        finished_at = np.array([stroke.lifted_s for stroke in schedule])
        total_s = float(finished_at[-1]) if len(finished_at) else 0.0
    simulated = port == "sim" or port.startswith("sim://")
    device = (device or simulated_device(machine)) if simulated else None
    # open the port before starting a journal: a port that does not open leaves no job behind
    streamer = (ebb_streamer_for(port, device, sim_speed) if ebb else
                streamer_for(machine, port, device, sim_speed))
    digest = program_digest(program.lines)
    if resume is None:
        journal = _new_journal(journal_path or Path(f"{source.stem}.plotjob"), digest, program.stroke_count,
                               source=str(source.resolve()), machine=machine_name, fit=fit, tolerance_mm=tolerance_mm,
                               port=port)
    journal.check_program(digest)
    drawn = np.cumsum(np.concatenate([path_lengths(layer.paths) for layer in plan.layers]) if plan.path_count else [])

    def stroke_done(index: int) -> None:
        if on_stroke is not None:
            on_stroke(index, float(drawn[index]), total_s - float(finished_at[index]))

    with sigterm_as_interrupt():
        if ebb:
            job = run_ebb_job(program, streamer, journal, on_stroke=stroke_done, on_pause=on_pause)
        else:
            job = run_job(program.lines, program.stroke_of_line, streamer, journal, on_stroke=stroke_done,
                          on_pause=on_pause)
    return PlotOutcome(journal.path, job, machine, plan, device, total_s)


def _new_journal(path: Path, digest: str, strokes: int, **how) -> Journal:
    """A fresh journal at ``path``; a finished job's journal there is replaced, an unfinished one never."""
    if path.exists():
        try:
            previous = Journal.open(path)
        except JournalError:
            previous = None
        if previous is None or not previous.finished:
            raise JournalError(
                f"{path}: an unfinished job is recorded there; go on with `plotter plot --resume {path}` "
                "or delete the file to start over"
            )
        path.unlink()
    return Journal.create(path, digest=digest, strokes=strokes, **how)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a plot like Ctrl-C: pen lifted, journal consistent."""

    def interrupt(signum, frame):  # noqa: ANN001 - signal handler signature
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _operator_prompt(port: str) -> Callable[[str], None]:
    def on_pause(message: str) -> None:
        if port == "sim" or port.startswith("sim://"):
            click.echo(f"pen change: {message} (simulated: continuing)", err=True)
        elif sys.stdin.isatty():
            click.pause(f"pen change: {message} — put the pen in, then press any key to go on")
        else:
            raise DeviceError(f"pen change needs an operator ({message}); run interactively, then --resume the job")

    return on_pause


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("-m", "--machine", "machine_name", help="Machine profile: a name or a .toml file.")
@click.option("-p", "--port", help="Serial port (/dev/ttyUSB0, COM3, socket://host:port) or `sim`.")
@click.option("--fit", is_flag=True, help="Scale and centre the drawing on the machine's bed.")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to keep the job journal [default: ./SOURCE-NAME.plotjob].")
@click.option("--resume", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Go on with the job recorded in this journal.")
@click.option("--sim-out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --port sim: write what the simulated pen drew (.svg or .png).")
@click.option("--tolerance", type=LENGTH, default="0.1mm", show_default=True,
              help="Curve flattening tolerance when reading.")
def plot(source, machine_name, port, fit, journal_path, resume, sim_out, tolerance) -> None:
    """Plot SOURCE on a machine, journalling every finished stroke.

    If the plot stops (error, Ctrl-C, lost connection, power cut), lift the pen, bring the
    machine back to its origin, and go on with --resume: every stroke is drawn, none twice.

    \b
    Examples:
      plotter plot plot.svg --machine grbl-servo --port /dev/ttyUSB0
      plotter plot plot.svg --machine grbl-servo --port sim --sim-out plotted.png
      plotter plot plot.svg --machine axidraw --port /dev/ttyACM0
      plotter plot plot.svg --machine marlin --port /dev/ttyUSB0
      plotter plot --resume plot.plotjob
    """
    if sim_out is not None and sim_out.suffix.lower() not in {".svg", ".png"}:
        raise click.UsageError(f"--sim-out must end in .svg or .png, got {sim_out}")
    bar = tqdm(unit="stroke", disable=not sys.stderr.isatty(), file=sys.stderr, leave=False)

    def on_stroke(index: int, drawn_mm: float, remaining_s: float) -> None:
        bar.update(1)
        bar.set_postfix_str(f"drawn {metres(drawn_mm)}, about {duration(remaining_s)} left")

    started = time.monotonic()
    try:
        outcome = plot_file(source, machine_name, port, fit=fit, tolerance_mm=tolerance, journal_path=journal_path,
                            resume=resume, on_pause=_operator_prompt(port or "sim"), on_stroke=on_stroke)
    except (DeviceError, KeyboardInterrupt):
        bar.close()
        journal = resume or journal_path or (Path(f"{source.stem}.plotjob") if source else None)
        if journal is not None and job_finished(journal) is False:
            click.echo(f"plotter: the job stopped; go on later with: plotter plot --resume {journal}", err=True)
        raise
    bar.close()
    job = outcome.job
    if outcome.device is not None and sim_out is not None:
        traced = traces_as_plan(outcome.device, outcome.machine, outcome.plan)
        (svg.write if sim_out.suffix.lower() == ".svg" else preview.render_png)(traced, sim_out)
    clock = (f"simulated plot time {duration(outcome.device.elapsed_s)}" if outcome.device is not None
             else f"took {duration(time.monotonic() - started)}")
    summary(
        f"plotted {job.strokes_done - job.resumed_at} strokes"
        + (f" (resumed at stroke {job.resumed_at})" if job.resumed_at else "")
        + f" of {job.strokes_total}, {clock} (estimated {duration(outcome.estimated_s)}); journal {outcome.journal}"
        + (f"; simulated drawing in {sim_out}" if outcome.device is not None and sim_out is not None else "")
    )
