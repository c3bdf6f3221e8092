"""The gallery loop: choose a piece, make it, sign it, plot it, wait for paper, and go on — for days.

Every step leaves the disk in a state the next start can go on from, whatever stops the
process (SIGKILL, a power cut, a pulled USB cable):

1. the piece's files (SVG, previews, ``paths.json``) are written atomically; a kill here
   leaves files but no catalogue row, and the next start makes the same piece again
   (its seed comes from its number);
2. the catalogue row is written (status ``drawing``) in one transaction;
3. the plot runs as a journalled job (:func:`plotter.cli.plot.plot_file`); the next start
   finds the piece still ``drawing`` and resumes the job at its first unfinished stroke —
   or marks it done if the journal says it finished;
4. the row becomes ``done`` (or ``aborted`` on skip), and ``state.json`` records that the
   sheet is used, so the next piece waits for fresh paper even across a restart.

A lost device (missing at start, or gone mid-plot) is waited for and retried; pause and
skip stop the plot as Ctrl-C does (pen lifted), then resume from the journal or abort.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hardware.grbl_protocol import DeviceError
from hardware.journal import job_finished
from painters.aaron import DEFAULT_PENS

from .. import svg
from ..atomic import atomic_write
from ..cli.plot import plot_file
from ..errors import PlotterError
from ..machines import load_machine
from ..plan import Pen
from .catalogue import Catalogue, Piece
from .operator import Operator, OperatorStop
from .pieces import PieceSpec, choose_piece, piece_title, write_piece
from .server import write_paths_json
from .simpaper import sheet_device
from .status import CurrentPiece, LiveStatus

log = logging.getLogger("plotter.gallery")

UPCOMING = 3  # pieces the status page lists as next


@dataclass(frozen=True)
class GallerySettings:
    folder: Path
    machine: str
    port: str
    painter: str = "aaron"  # aaron | fool | vae | diffusion | mix
    images: Path | None = None
    pens: tuple[Pen, ...] | None = None
    page: tuple[float, float] | None = None  # None: the machine's bed
    fit: bool = False
    pieces: int = 0  # pieces to finish in this run; 0: go on until stopped
    paper: str = "manual"  # manual: a person confirms each fresh sheet; auto: a timed pause (roll-fed paper)
    paper_pause_s: float = 30.0
    retry_s: float = 10.0  # between tries to reach a missing device
    sim_speed: float | None = None  # with --port sim: times real time (None: as fast as it goes)

    @property
    def simulated(self) -> bool:
        return self.port == "sim" or self.port.startswith("sim://")


@dataclass(frozen=True)
class Drawn:
    """How one piece ended in this run."""

    piece: Piece
    strokes: int
    drawn_mm: float
    seconds: float


class Gallery:
    """One gallery folder driving one machine; :meth:`run` is the loop."""

    def __init__(self, settings: GallerySettings, catalogue: Catalogue, operator: Operator,
                 on_piece: Callable[[Drawn], None] | None = None,
                 on_progress: Callable[[int, int, float | None], None] | None = None,
                 on_notice: Callable[[str], None] | None = None) -> None:
        self.settings = replace(settings, folder=settings.folder.resolve())
        self.catalogue = catalogue
        self.operator = operator
        self.machine = load_machine(settings.machine)
        self.page = settings.page or (self.machine.bed.width_mm, self.machine.bed.height_mm)
        self.on_piece = on_piece
        self.on_progress = on_progress  # (strokes done, strokes in all, seconds left)
        self.on_notice = on_notice  # what a person at the terminal should read (waits, faults)
        self.status = LiveStatus({"name": self.machine.name, "port": settings.port, "state": "idle"},
                                 history=self._history, upcoming=self._upcoming)
        self._specs: dict[int, PieceSpec] = {}

    # ------------------------------------------------------------------ the loop
    def run(self) -> list[Drawn]:
        """Draw pieces until ``settings.pieces`` are finished (forever when 0); returns them."""
        finished: list[Drawn] = []
        in_progress = self.catalogue.current()
        if in_progress is not None:
            self._tell(f"going on with piece {in_progress.number} ({in_progress.title}) where it stopped")
            finished.append(self._draw(in_progress))
        while not self.settings.pieces or len(finished) < self.settings.pieces:
            if self._paper_used():
                self._wait_for_paper()
            if self.operator.paused:
                self.status.set("paused", "paused between pieces: press resume")
                self.operator.wait("pause", "paused between pieces")
                self.operator.take_skip()  # nothing to skip between pieces
            finished.append(self._draw(self._make_next()))
        self.status.set("idle", f"finished {len(finished)} pieces", machine_state="idle")
        return finished

    def _make_next(self) -> Piece:
        number = self.catalogue.next_number()
        spec = self._spec(number)
        title = piece_title(spec)
        self.status.set("making", f"making piece {number}: {title}", machine_state="idle")
        log.info("making piece %d: %s (painter %s, seed %d)", number, title, spec.painter, spec.seed)
        folder = self._piece_folder(number)
        folder.mkdir(parents=True, exist_ok=True)
        svg_path, png_path, _ = write_piece(spec, number, self.settings.folder)
        write_paths_json(svg.read(svg_path), folder / "paths.json")
        return self.catalogue.begin(number, spec, title, svg_path, png_path, folder / "plot.plotjob")

    def _draw(self, piece: Piece) -> Drawn:
        """Plot ``piece`` to the end (resuming its journal), or abort it on skip; record the outcome."""
        folder = self._piece_folder(piece.number)
        svg_path, journal = self.settings.folder / piece.svg, self.settings.folder / piece.journal
        if not svg_path.exists():  # deleted by hand: the spec makes it again, byte for byte
            write_piece(PieceSpec(piece.painter, piece.seed, dict(piece.params)), piece.number, self.settings.folder)
        total = svg.read(svg_path).path_count
        self.status.begin(CurrentPiece(piece.number, piece.title, piece.painter, piece.seed, total,
                                       folder.relative_to(self.settings.folder).as_posix()))
        started, drawn_mm = time.monotonic(), 0.0
        self.operator.forget_paper()
        last_error = None
        while not job_finished(journal):
            try:
                drawn_mm = self._plot(piece, svg_path, journal)
            except OperatorStop:
                if self.operator.take_skip():
                    return self._end(self.catalogue.abort(piece.number, "skipped by the operator"), total, started)
                self.status.set("paused", f"piece {piece.number} paused with the pen up: press resume",
                                machine_state="paused, pen up")
                self._tell(f"piece {piece.number} paused with the pen up; press resume (or Enter) to go on")
                self.operator.wait("pause", f"piece {piece.number} paused")
                if self.operator.take_skip():
                    return self._end(self.catalogue.abort(piece.number, "skipped by the operator"), total, started)
            except DeviceError as error:
                self.status.set("waiting for device", f"{error}; trying again every {self.settings.retry_s:g} s",
                                machine_state="unreachable")
                if str(error) != last_error:  # a device missing for days is reported once, not every try
                    self._tell(f"piece {piece.number}: {error}; trying again every {self.settings.retry_s:g} s",
                               logging.WARNING)
                    last_error = str(error)
                time.sleep(self.settings.retry_s)
        return self._end(self.catalogue.finish(piece.number), total, started, drawn_mm)

    def _plot(self, piece: Piece, svg_path: Path, journal: Path) -> float:
        """One attempt at the piece's job; returns the pen-down length drawn in this attempt."""
        resume = journal if journal.exists() else None
        self.status.set("drawing", f"drawing piece {piece.number}: {piece.title}", machine_state="drawing")
        drawn = 0.0

        pace = self.settings.sim_speed if self.settings.simulated and self.settings.sim_speed else 1.0

        def on_stroke(index: int, drawn_mm: float, remaining_s: float) -> None:
            nonlocal drawn
            drawn = drawn_mm
            remaining_s /= pace  # a sped-up simulated machine finishes sooner
            self.status.progress(index + 1, drawn_mm, remaining_s)
            if self.on_progress is not None:
                self.on_progress(index + 1, self.status.current.strokes_total, remaining_s)
            action = self.operator.interruption()
            if action is not None:
                raise OperatorStop(action)

        device = sheet_device(self.machine, self._piece_folder(piece.number) / "sim-paper.jsonl") \
            if self.settings.simulated else None
        plot_file(None if resume else svg_path, self.settings.machine, self.settings.port, fit=self.settings.fit,
                  journal_path=journal, resume=resume, on_stroke=on_stroke, on_pause=self._pen_change,
                  device=device, sim_speed=self.settings.sim_speed)
        return drawn

    def _end(self, piece: Piece, strokes: int, started: float, drawn_mm: float = 0.0) -> Drawn:
        self._mark_paper("used")
        self.status.begin(None)
        self.status.finished_one()
        log.info("piece %d %s", piece.number, piece.status)
        outcome = Drawn(piece, strokes, drawn_mm, time.monotonic() - started)
        if self.on_piece is not None:
            self.on_piece(outcome)
        return outcome

    # ------------------------------------------------------------ people and paper
    def _pen_change(self, message: str) -> None:
        if self.settings.simulated:
            log.info("pen change: %s (simulated: going on)", message)
            return
        self.status.set("waiting for pen", f"pen change: {message}; press resume when the pen is in",
                        machine_state="holding for a pen change")
        self._tell(f"pen change: {message}; press resume on the status page (or Enter) when the pen is in")
        self.operator.wait("pen", message)
        self.status.set("drawing", "pen changed", machine_state="drawing")

    def _wait_for_paper(self) -> None:
        self.status.set("waiting for paper", "", machine_state="idle")
        if self.settings.paper == "auto":
            self.status.set("waiting for paper", f"advancing the paper: {self.settings.paper_pause_s:g} s")
            self.operator.wait("paper", "timed paper change", timeout_s=self.settings.paper_pause_s)
        else:
            self.status.set("waiting for paper", "put in a fresh sheet, then press 'paper changed' (or Enter)")
            self._tell("put in a fresh sheet, then press 'paper changed' on the status page (or Enter)")
            self.operator.wait("paper", "put in a fresh sheet")
        self._mark_paper("fresh")

    def _paper_used(self) -> bool:
        state = self._state()
        return state.get("paper") == "used"

    def _mark_paper(self, paper: str) -> None:
        with atomic_write(self.settings.folder / "state.json") as handle:
            json.dump({**self._state(), "paper": paper}, handle)

    def _state(self) -> dict[str, Any]:
        try:
            return json.loads((self.settings.folder / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _tell(self, message: str, level: int = logging.INFO) -> None:
        log.log(level, message)
        if self.on_notice is not None:
            self.on_notice(message)

    # ------------------------------------------------------------ the page's lists
    def _spec(self, number: int) -> PieceSpec:
        if number not in self._specs:
            self._specs[number] = choose_piece(number, self.settings.painter, page=self.page,
                                               pens=self.settings.pens or DEFAULT_PENS, images=self.settings.images,
                                               today=_today())
        return self._specs[number]

    def _upcoming(self) -> list[dict[str, Any]]:
        first = self.catalogue.next_number() + (self.catalogue.current() is None and self.status.current is not None)
        return [{"number": n, "painter": self._spec(n).painter, "seed": self._spec(n).seed}
                for n in range(first, first + UPCOMING)]

    def _history(self) -> list[dict[str, Any]]:
        rows = []
        for piece in self.catalogue.pieces(limit=30):
            thumb = self._piece_folder(piece.number) / "thumb.png"
            rows.append({"number": piece.number, "title": piece.title, "painter": piece.painter, "seed": piece.seed,
                         "status": piece.status, "started_at": piece.started_at, "ended_at": piece.ended_at,
                         "thumbnail": thumb.relative_to(self.settings.folder).as_posix() if thumb.exists() else None})
        return rows

    def _piece_folder(self, number: int) -> Path:
        return self.settings.folder / "pieces" / f"{number:04d}"


@contextmanager
def only_gallery_in(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for this process: two loops driving one catalogue would draw each other's pieces.

    An advisory ``flock`` on ``gallery.lock``; the kernel lets go of it when the process dies,
    however it dies, so a killed gallery never leaves the folder locked.
    """
    lock_path = folder / "gallery.lock"
    handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held until the context ends
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise PlotterError(f"{folder}: another gallery is running in this folder (pid {holder}); "
                               "stop it first") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def _today() -> str:
    return datetime.now(UTC).date().isoformat()
