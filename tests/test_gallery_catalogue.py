"""The gallery catalogue: created once, never recreated, refused in one line when it is not intact, and
consistent after a SIGKILL at any moment."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from plotter import __version__
from plotter.errors import PlotterError
from plotter.gallery.catalogue import APPLICATION, FILENAME, SCHEMA_VERSION, Catalogue, canonical_json

SPEC = SimpleNamespace(painter="aaron", seed=3, params={"paint": {"scene": "garden"}, "date": "2025-05-01"})


def clock(*stamps: str):
    """A clock that tells the given times in turn (then keeps the last)."""
    times = list(stamps)
    return lambda: times.pop(0) if len(times) > 1 else times[0]


def begin(catalogue: Catalogue, number: int, spec=SPEC):
    folder = f"pieces/{number:04d}"
    return catalogue.begin(number, spec, f"piece {number}", f"{folder}/piece.svg", f"{folder}/piece.png",
                           f"{folder}/plot.plotjob")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --- creating and reading ------------------------------------------------------------
def test_open_creates_the_schema_in_wal_mode_with_its_version(tmp_path):
    with Catalogue.open(tmp_path / "gallery") as catalogue:
        assert catalogue.next_number() == 1
        assert catalogue.current() is None
        assert catalogue.pieces() == []
    db = sqlite3.connect(tmp_path / "gallery" / FILENAME)
    assert db.execute("SELECT application, version FROM catalogue_schema").fetchall() == [(APPLICATION, 1)]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_a_piece_goes_from_drawing_to_done_and_survives_reopening(tmp_path):
    times = clock("2025-05-01T10:00:00+00:00", "2025-05-01T10:42:00+00:00")
    with Catalogue.open(tmp_path, clock=times) as catalogue:
        started = catalogue.begin(1, SPEC, "A garden", tmp_path / "pieces/0001/piece.svg", "pieces/0001/piece.png",
                                  "pieces/0001/plot.plotjob")
        assert catalogue.current() == started
        assert (started.status, started.started_at, started.ended_at) == ("drawing", "2025-05-01T10:00:00+00:00", None)
        catalogue.finish(1)
    with Catalogue.open(tmp_path) as catalogue:
        piece = catalogue.get(1)
        assert catalogue.current() is None
    assert piece.status == "done" and piece.ended_at == "2025-05-01T10:42:00+00:00"
    assert (piece.title, piece.painter, piece.seed, piece.version) == ("A garden", "aaron", 3, __version__)
    assert dict(piece.params) == SPEC.params
    assert piece.svg == "pieces/0001/piece.svg"  # absolute paths inside the gallery are kept relative


def test_params_are_stored_as_canonical_json(tmp_path):
    with Catalogue.open(tmp_path) as catalogue:
        begin(catalogue, 1, SimpleNamespace(painter="vae", seed=1, params={"b": 1.5, "a": [1, "é"]}))
    stored = sqlite3.connect(tmp_path / FILENAME).execute("SELECT params FROM pieces").fetchone()[0]
    assert stored == canonical_json({"a": [1, "é"], "b": 1.5}) == '{"a":[1,"é"],"b":1.5}'


def test_abort_records_the_note_and_numbers_keep_counting_past_it(tmp_path):
    with Catalogue.open(tmp_path) as catalogue:
        begin(catalogue, 1)
        aborted = catalogue.abort(1, "paper jam")
        assert (aborted.status, aborted.note) == ("aborted", "paper jam")
        assert aborted.ended_at is not None
        assert catalogue.next_number() == 2
        begin(catalogue, 2)
        catalogue.finish(2)
        begin(catalogue, 3)
        assert [p.number for p in catalogue.pieces()] == [3, 2, 1]
        assert [p.number for p in catalogue.pieces(limit=2)] == [3, 2]
        assert catalogue.current().number == 3


@pytest.mark.parametrize(("setup", "change", "message"), [
    ([1], lambda c: begin(c, 1), "piece 1 is already in"),
    ([1], lambda c: begin(c, 2), "piece 1 is still drawing"),
    ([], lambda c: begin(c, 0), "must be a whole number >= 1"),
    ([], lambda c: c.finish(4), "no piece 4"),
    ([1, "finish"], lambda c: c.finish(1), "piece 1 is done, not drawing"),
    ([1, "finish"], lambda c: c.abort(1, "late"), "piece 1 is done, not drawing"),
    ([1], lambda c: c.get(9), "no piece 9 .*numbered 1 to 1"),
    ([], lambda c: c.get(1), "the catalogue is empty"),
    ([], lambda c: c.begin(1, SPEC, "t", "/elsewhere/piece.svg", "p.png", "j"), "outside the gallery folder"),
])
def test_changes_that_make_no_sense_are_refused_and_change_nothing(tmp_path, setup, change, message):
    with Catalogue.open(tmp_path) as catalogue:
        if setup:
            begin(catalogue, setup[0])
            if "finish" in setup:
                catalogue.finish(setup[0])
        before = catalogue.pieces()
        with pytest.raises(PlotterError, match=message):
            change(catalogue)
        assert catalogue.pieces() == before


# --- refusing what is not an intact catalogue -----------------------------------------
def _garbage(path: Path) -> None:
    path.write_bytes(b"these are not the pieces you are looking for\n" * 100)


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    db.execute("INSERT INTO invoices VALUES (1, 9.5)")
    db.commit()
    db.close()


def _newer(path: Path) -> None:
    Catalogue.open(path.parent).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE catalogue_schema SET version = ?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()


def _damaged(path: Path) -> None:
    with Catalogue.open(path.parent) as catalogue:
        for number in range(1, 31):
            begin(catalogue, number, SimpleNamespace(painter="aaron", seed=number, params={"pad": "x" * 1500}))
            catalogue.finish(number)
    data = bytearray(path.read_bytes())
    page = 4096
    data[-3 * page:-2 * page] = os.urandom(page)  # one page of pieces scrambled, the header intact
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("make", "message"), [
    (_garbage, "not an intact SQLite catalogue"),
    (_foreign, "not a plotter gallery catalogue .*invoices"),
    (_newer, f"schema version {SCHEMA_VERSION + 1} is newer"),
    (_damaged, "damaged|not an intact"),
])
def test_an_existing_file_that_is_not_an_intact_catalogue_is_refused_untouched(tmp_path, make, message):
    make(tmp_path / FILENAME)
    before = snapshot(tmp_path)
    with pytest.raises(PlotterError, match=message):
        Catalogue.open(tmp_path)
    assert snapshot(tmp_path) == before


def test_a_catalogue_locked_by_another_process_is_refused_after_the_timeout(tmp_path):
    Catalogue.open(tmp_path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys
        db = sqlite3.connect({str(tmp_path / FILENAME)!r}, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        print("locked", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(PlotterError, match="locked by another process"):
            Catalogue.open(tmp_path, timeout_s=0.2)
    finally:
        holder.communicate("")
    with Catalogue.open(tmp_path) as catalogue:  # free again once the other process lets go
        assert catalogue.next_number() == 1


def test_a_gallery_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "gallery").write_text("not a folder")
    with pytest.raises(PlotterError, match="not a folder"):
        Catalogue.open(tmp_path / "gallery")
    with pytest.raises(PlotterError, match="cannot create gallery folder"):
        Catalogue.open(tmp_path / "gallery" / "inner")
    assert (tmp_path / "gallery").read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_gallery_folder_is_refused_untouched(tmp_path):
    Catalogue.open(tmp_path).close()
    before = snapshot(tmp_path)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(PlotterError, match="not writable"):
            Catalogue.open(tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert snapshot(tmp_path) == before


def test_open_without_create_refuses_a_folder_with_no_catalogue_and_creates_nothing(tmp_path):
    with pytest.raises(PlotterError, match="no gallery catalogue in"):
        Catalogue.open(tmp_path / "gallery", create=False)
    assert not (tmp_path / "gallery").exists()


# --- a writer killed at any moment ------------------------------------------------------
WRITER = """
import sys
from types import SimpleNamespace
from plotter.gallery.catalogue import Catalogue
spec = SimpleNamespace(painter="aaron", seed=1, params={{"pad": "x" * 2000}})
catalogue = Catalogue.open({folder!r})
number = catalogue.next_number()
while True:
    catalogue.begin(number, spec, "t", "a.svg", "a.png", "a.plotjob")
    print("began", number, flush=True)
    if {wait_after_begin}:
        sys.stdin.read()
    catalogue.finish(number)
    print("done", number, flush=True)
    number += 1
"""


def _writer(folder: Path, wait_after_begin: bool) -> subprocess.Popen:
    script = WRITER.format(folder=str(folder), wait_after_begin=wait_after_begin)
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _consistent(folder: Path) -> list:
    """Every invariant a reader relies on; returns the pieces."""
    db = sqlite3.connect(folder / FILENAME)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()
    with Catalogue.open(folder) as catalogue:
        pieces = catalogue.pieces()
        assert [p.number for p in pieces] == list(range(len(pieces), 0, -1))  # none lost, none twice
        assert sum(p.status == "drawing" for p in pieces) <= 1
        assert all((p.ended_at is None) == (p.status == "drawing") for p in pieces)
        return pieces


def test_a_writer_killed_while_a_piece_is_drawing_leaves_it_current(tmp_path):
    writer = _writer(tmp_path, wait_after_begin=True)
    assert writer.stdout.readline().split() == ["began", "1"]
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    pieces = _consistent(tmp_path)
    assert [(p.number, p.status) for p in pieces] == [(1, "drawing")]
    with Catalogue.open(tmp_path) as catalogue:
        assert catalogue.current().number == 1
        catalogue.finish(1)  # the restarted loop goes on with it
        assert catalogue.next_number() == 2


def test_a_writer_killed_mid_stream_loses_no_committed_change(tmp_path):
    writer = _writer(tmp_path, wait_after_begin=False)
    seen = [writer.stdout.readline().split() for _ in range(40)]
    writer.send_signal(signal.SIGKILL)  # somewhere in the middle of a later transaction
    writer.wait()
    pieces = {p.number: p for p in _consistent(tmp_path)}
    for event, number in seen:  # everything the writer saw committed is there
        assert int(number) in pieces
        if event == "done":
            assert pieces[int(number)].status == "done"
    assert len(pieces) >= 20
