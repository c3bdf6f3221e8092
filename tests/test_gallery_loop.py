"""The gallery loop end to end: pieces survive SIGKILL and SIGTERM, the page answers, redraws are exact.

The slow test runs ``plotter gallery`` as a user would, on the simulated GRBL whose paper
is kept on disk (:mod:`plotter.gallery.simpaper`), kills it mid-piece, stops it with
SIGTERM, restarts it, and then checks the catalogue, every sheet and a redraw. The fast tests
drive :class:`plotter.gallery.loop.Gallery` in-process with small stand-in pieces to check
pause, skip, paper waits and a device that is missing at first.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hardware.grbl_protocol import DeviceError
from hardware.journal import Journal
from plotter import svg
from plotter.cli import main
from plotter.gallery import pieces
from plotter.gallery.catalogue import Catalogue
from plotter.gallery.loop import Gallery, GallerySettings
from plotter.gallery.operator import Operator
from plotter.gallery.simpaper import read_sheet
from plotter.plan import Layer, Pen, Plan

REPO = Path(__file__).resolve().parents[1]
GALLERY_ARGS = ["--machine", "grbl-servo", "--port", "sim", "--page", "a6-landscape", "--paper", "auto",
                "--paper-pause", "0", "--status-port", "0"]


class Run:
    """``plotter gallery`` in a subprocess, its stderr collected as it comes."""

    def __init__(self, folder: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "plotter", "gallery", "--gallery", str(folder), *GALLERY_ARGS, *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stderr), daemon=True)
        self._reader.start()

    def status_url(self, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(r"status page: (\S+)", line):
                    return match.group(1)
            time.sleep(0.02)
        raise AssertionError(f"no status page address printed: {self.lines}")

    def finish(self, timeout_s: float = 120.0) -> int:
        code = self.process.wait(timeout_s)
        self._reader.join(5)
        return code


def _strokes_done(journal: Path) -> tuple[int, bool]:
    if not journal.exists():
        return 0, False
    records = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    return sum(r["kind"] == "stroke" for r in records), any(r["kind"] == "finished" for r in records)


def _wait_mid_piece(folder: Path, number: int, at_least: int = 3, timeout_s: float = 120.0) -> None:
    journal = folder / "pieces" / f"{number:04d}" / "plot.plotjob"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, finished = _strokes_done(journal)
        assert not finished, f"piece {number} finished before it could be stopped"
        if done >= at_least:
            return
        time.sleep(0.005)
    raise AssertionError(f"piece {number} never started drawing")


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def _post(url: str, token: str) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"X-Gallery-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _matches(trace: np.ndarray, stroke: np.ndarray) -> bool:
    return len(trace) >= 1 and bool(np.allclose(trace[[0, -1]], stroke[[0, -1]], atol=0.01))


def _check_sheet(folder: Path, number: int, stops: int = 0) -> None:
    """The simulated sheet of piece ``number`` holds each of its strokes, whole, at least once,
    and a second time only for what an interruption of the piece (``stops`` of them) explains.

    A stop that lifts the pen mid-stroke (SIGTERM, pause) leaves the start of that stroke on
    the paper, which the resumed job then draws whole. A stop (or SIGKILL) that lands after the
    machine finished a stroke but before its acknowledgement reached the journal leaves that
    stroke whole on the paper and unrecorded, so the resumed job draws it again: a plotter
    host cannot know what the machine did after it last heard from it. Each stop accounts for
    one of the two, never more.
    """
    strokes = [path for _, path in svg.read(folder / "pieces" / f"{number:04d}" / "piece.svg").iter_paths()]
    traces = read_sheet(folder / "pieces" / f"{number:04d}" / "sim-paper.jsonl")
    whole = [sum(_matches(trace, stroke) for trace in traces) for stroke in strokes]
    assert min(whole) == 1 and max(whole) <= 2, f"piece {number}: strokes drawn whole {whole}"
    cut = [t for t in traces if not any(_matches(t, s) for s in strokes)]
    assert len(cut) + sum(w - 1 for w in whole) <= stops, f"piece {number}: {len(cut)} cut, drawn whole {whole}"
    assert all(any(np.allclose(t[0], s[0], atol=0.01) for s in strokes) for t in cut)


def test_gallery_survives_sigkill_and_sigterm_and_redraws_exactly(tmp_path):
    folder = tmp_path / "gallery"
    first = Run(folder, "--pieces", "3")
    url = first.status_url()
    base, token = url.split("?token=")
    _wait_mid_piece(folder, 2)
    status = _get(base + "api/status")
    assert status["current"]["number"] == 2 and status["current"]["strokes_done"] >= 1
    assert status["history"][0]["number"] == 2 and status["history"][1]["status"] == "done"
    assert _post(base + "api/pause", "not-the-token") == 403
    first.process.kill()  # SIGKILL mid-piece: no chance to lift the pen or write anything
    assert first.finish() == -signal.SIGKILL

    second = Run(folder, "--pieces", "3")
    _wait_mid_piece(folder, 2, at_least=_strokes_done(folder / "pieces/0002/plot.plotjob")[0] + 2)
    second.process.send_signal(signal.SIGTERM)
    assert second.finish() == 130
    assert "start it again" in "".join(second.lines)
    stopped = [json.loads(line) for line in (folder / "pieces/0002/plot.plotjob").read_text().splitlines()]
    assert any(record["kind"] == "stopped" for record in stopped)  # the job recorded where it stopped

    third = Run(folder, "--pieces", "2")  # piece 2 (resumed) and piece 3
    assert third.finish() == 0, "".join(third.lines)
    with Catalogue.open(folder) as catalogue:
        catalogue_pieces = sorted(catalogue.pieces(), key=lambda piece: piece.number)
    assert [(p.number, p.status) for p in catalogue_pieces] == [(1, "done"), (2, "done"), (3, "done")]
    for number in (1, 2, 3):
        _check_sheet(folder, number, stops=2 if number == 2 else 0)  # piece 2 got the SIGKILL and the SIGTERM
        assert Journal.open(folder / "pieces" / f"{number:04d}" / "plot.plotjob").finished
    before = (folder / "pieces/0002/piece.svg").read_bytes()
    redraw = subprocess.run([sys.executable, "-m", "plotter", "redraw", "2", "--gallery", str(folder), "-o",
                             str(tmp_path / "again.svg")], capture_output=True, text=True, cwd=REPO)
    assert redraw.returncode == 0, redraw.stderr
    assert (tmp_path / "again.svg").read_bytes() == before


# --------------------------------------------------------------------------- in-process


def _small_piece(spec, number):  # noqa: ANN001 - stands in for pieces.make_piece
    """A quick piece: 12 short lines, so the loop's logic is tested without painting."""
    lines = tuple(np.array([[10.0 + 4 * i, 10.0], [10.0 + 4 * i, 40.0 + number]]) for i in range(12))
    return Plan(tuple(spec.params["page_mm"]), (Layer(Pen("black"), lines),), {"generator": "test"})


@pytest.fixture
def gallery(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "make_piece", _small_piece)
    folders = []

    def make(pieces_to_draw: int = 1, **settings) -> Gallery:
        folder = tmp_path / "gallery"
        catalogue = Catalogue.open(folder)
        folders.append(catalogue)
        options = {"page": (148.0, 105.0), "paper": "auto", "paper_pause_s": 0.0, "retry_s": 0.01, **settings}
        return Gallery(GallerySettings(folder, "grbl-servo", options.pop("port", "sim"), pieces=pieces_to_draw,
                                       **options), catalogue, Operator())

    yield make
    for catalogue in folders:
        catalogue.close()


def test_skip_aborts_the_piece_and_the_next_one_is_drawn(gallery):
    loop = gallery(2)
    loop.on_progress = lambda done, total, left: (done, loop.status.current.number) == (4, 1) and \
        loop.operator.act("skip")
    drawn = loop.run()
    assert [(d.piece.number, d.piece.status) for d in drawn] == [(1, "aborted"), (2, "done")]
    assert loop.catalogue.get(1).note == "skipped by the operator"
    assert len(read_sheet(loop.settings.folder / "pieces/0001/sim-paper.jsonl")) < 12


def test_pause_lifts_the_pen_and_resume_goes_on_from_the_journal(gallery):
    loop = gallery(1)
    waits = []

    def on_progress(done: int, total: int, left: float | None) -> None:
        if done == 5:
            loop.operator.act("pause")
            threading.Timer(0.05, lambda: waits.append(loop.operator.waiting) or loop.operator.act("resume")).start()

    loop.on_progress = on_progress
    [drawn] = loop.run()
    assert drawn.piece.status == "done" and waits[0].kind == "pause"
    journal = Journal.open(loop.settings.folder / "pieces/0001/plot.plotjob")
    assert journal.finished and journal.completed == set(range(12))
    _check_sheet(loop.settings.folder, 1, stops=1)


def test_the_next_piece_waits_for_fresh_paper_even_after_a_restart(gallery):
    first = gallery(1, paper="manual")
    first.run()  # the sheet is now used
    state = json.loads((first.settings.folder / "state.json").read_text())
    assert state["paper"] == "used"
    second = gallery(1, paper="manual")
    answered = threading.Event()

    def press_when_asked() -> None:
        while second.operator.waiting is None:
            time.sleep(0.005)
        assert second.operator.waiting.kind == "paper"
        answered.set()
        second.operator.act("paper")

    threading.Thread(target=press_when_asked, daemon=True).start()
    [drawn] = second.run()
    assert answered.is_set() and drawn.piece.number == 2


def test_a_missing_device_is_waited_for_not_a_crash(gallery, tmp_path, monkeypatch):
    loop = gallery(1, port=str(tmp_path / "no-such-tty"))
    seen = []

    def fake_sleep(seconds: float) -> None:
        seen.append((loop.status.snapshot()["state"], loop.status.snapshot()["message"]))
        if len(seen) == 3:  # the device comes back: here, the simulator
            loop.settings = replace(loop.settings, port="sim")

    monkeypatch.setattr("plotter.gallery.loop.time.sleep", fake_sleep)
    [drawn] = loop.run()
    assert [state for state, _ in seen] == ["waiting for device"] * 3
    assert "cannot open serial port" in seen[0][1] and "no-such-tty" in seen[0][1]
    assert drawn.piece.status == "done"
    assert loop.catalogue.get(1).status == "done"


def test_a_device_lost_mid_piece_is_waited_for_and_the_piece_resumes_from_its_journal(gallery, monkeypatch):
    loop = gallery(1)
    lost = []

    def on_progress(done: int, total: int, left: float | None) -> None:
        if done == 6 and not lost:
            lost.append(done)
            raise DeviceError("serial port lost: device reports readiness to read but returned no data")

    loop.on_progress = on_progress
    monkeypatch.setattr("plotter.gallery.loop.time.sleep", lambda seconds: None)
    [drawn] = loop.run()
    assert drawn.piece.status == "done"
    journal = loop.settings.folder / "pieces/0001/plot.plotjob"
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["reason"] for r in records if r["kind"] == "stopped"] == [
        "serial port lost: device reports readiness to read but returned no data"]
    _check_sheet(loop.settings.folder, 1, stops=1)


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "sim"], "needs --machine and --port"),
    (["--machine", "grbl-servo", "--port", "sim", "--painter", "fool"], "needs --images"),
    (["--machine", "no-such-machine", "--port", "sim"], "no-such-machine"),
])
def test_bad_gallery_commands_say_what_is_wrong_in_one_line(tmp_path, capsys, args, message):
    code = main(["gallery", "--gallery", str(tmp_path / "g"), "--status-port", "0", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_a_gallery_folder_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "g").write_text("not a folder")
    code = main(["gallery", "--gallery", str(tmp_path / "g"), "--machine", "grbl-servo", "--port", "sim"])
    assert code == 2 and str(tmp_path / "g") in capsys.readouterr().err
    assert (tmp_path / "g").read_text() == "not a folder"
