"""The gallery's catalogue: every piece ever started, in one SQLite file that survives SIGKILL.

``GALLERY/catalogue.sqlite`` holds one row per piece (number, title, painter, seed,
parameters, version, status, times, the files it made). Each change is one explicit
transaction in WAL mode with full fsync, so a kill or a power cut at any moment leaves
either the old row or the new one, never half of each. An existing file is never
recreated: a corrupt database, another program's database, one written by a newer
plotter, a locked one or an unwritable folder is refused with one line naming the file.

>>> with Catalogue.open(Path("gallery")) as catalogue:  # doctest: +SKIP
...     piece = catalogue.begin(catalogue.next_number(), spec, "A garden", svg, png, journal)
...     catalogue.finish(piece.number)
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from plotter import __version__
from plotter.errors import PlotterError

if TYPE_CHECKING:
    from .pieces import PieceSpec

FILENAME = "catalogue.sqlite"
#: Written in the schema table; a file without it is not ours.
APPLICATION = "plotter.gallery"
#: Bump with a migration whenever the tables change; newer files are refused, never downgraded.
SCHEMA_VERSION = 1
STATUSES = ("drawing", "done", "aborted")
#: How long to wait for another process's transaction before calling the catalogue locked.
DEFAULT_TIMEOUT_S = 5.0

_SCHEMA = f"""
CREATE TABLE catalogue_schema (
    application TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE pieces (
    number INTEGER PRIMARY KEY CHECK (number >= 1),
    title TEXT NOT NULL,
    painter TEXT NOT NULL,
    seed INTEGER NOT NULL,
    params TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN {STATUSES!r}),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    svg TEXT NOT NULL,
    png TEXT NOT NULL,
    journal TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    CHECK ((status = 'drawing') = (ended_at IS NULL))
);
-- at most one piece is on the machine at a time
CREATE UNIQUE INDEX one_piece_drawing ON pieces (status) WHERE status = 'drawing';
"""
_COLUMNS = "number, title, painter, seed, params, version, status, started_at, ended_at, svg, png, journal, note"


class CatalogueError(PlotterError):
    """The catalogue cannot be opened or does not allow the change asked for."""


def canonical_json(value: Any) -> str:
    """The one spelling of a JSON value: sorted keys, no spaces, no NaN, so equal values give equal text."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise CatalogueError(f"piece parameters are not plain JSON: {error}") from None


def utc_now() -> str:
    """Now, as the catalogue spells times: ISO 8601 UTC to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Piece:
    """One catalogued piece; paths are relative to the gallery folder, times ISO UTC text."""

    number: int
    title: str
    painter: str
    seed: int
    params: Mapping[str, Any]
    version: str
    status: str
    started_at: str
    ended_at: str | None
    svg: str
    png: str
    journal: str
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @classmethod
    def _from_row(cls, row: tuple[Any, ...]) -> Piece:
        number, title, painter, seed, params, *rest = row
        return cls(number, title, painter, seed, json.loads(params), *rest)


class Catalogue:
    """The open catalogue of one gallery folder; use :meth:`open`, and :meth:`close` (or ``with``)."""

    def __init__(self, folder: Path, connection: sqlite3.Connection, clock: Callable[[], str],
                 timeout_s: float) -> None:
        self.folder = folder
        self.path = folder / FILENAME
        self._db = connection
        self._clock = clock
        self._lock = threading.Lock()  # one connection shared by a server's threads: one statement at a time
        self._timeout_s = timeout_s

    @classmethod
    def open(cls, folder: str | os.PathLike[str], *, create: bool = True, timeout_s: float = DEFAULT_TIMEOUT_S,
             clock: Callable[[], str] = utc_now) -> Catalogue:
        """Open ``folder``'s catalogue, creating folder and database when ``create`` and there is none.

        Refuses (:class:`CatalogueError`, the file untouched) a folder it cannot write, a
        file that is not an intact catalogue of this or an older schema, and a database
        another process keeps locked for more than ``timeout_s``. ``clock`` gives the times
        recorded (tests pass a fixed one).
        """
        folder = Path(folder)
        path = folder / FILENAME
        if folder.exists() and not folder.is_dir():
            raise CatalogueError(f"gallery folder {folder} is not a folder")
        exists = path.exists()
        if not exists and not create:
            raise CatalogueError(f"no gallery catalogue in {folder} ({path} does not exist)")
        if not exists:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise CatalogueError(f"cannot create gallery folder {folder}: {error.strerror or error}") from None
        _check_writable(folder)
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={'rw' if exists else 'rwc'}", uri=True,
                                         timeout=timeout_s, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise CatalogueError(f"{path}: cannot open the catalogue: {error}") from None
        catalogue = cls(folder, connection, clock, timeout_s)
        try:
            catalogue._prepare()
        except BaseException:
            connection.close()
            raise
        return catalogue

    def _prepare(self) -> None:
        """Check the file is an intact catalogue (creating the tables in an empty one), then switch to WAL."""
        with self._transaction("open"):
            tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                for statement in _SCHEMA.split(";"):  # executescript would commit half-way
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute("INSERT INTO catalogue_schema VALUES (?, ?)", (APPLICATION, SCHEMA_VERSION))
            else:
                self._check_ours(tables)
        with self._lock, self._errors("switch to WAL"):
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")  # a power cut loses no committed piece

    def _check_ours(self, tables: set[str]) -> None:
        if "catalogue_schema" not in tables:
            raise CatalogueError(f"{self.path}: not a plotter gallery catalogue (tables: {', '.join(sorted(tables))}); "
                                 f"refusing to touch it")
        rows = self._db.execute("SELECT application, version FROM catalogue_schema").fetchall()
        if len(rows) != 1 or rows[0][0] != APPLICATION:
            raise CatalogueError(f"{self.path}: not a plotter gallery catalogue; refusing to touch it")
        version = rows[0][1]
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise CatalogueError(f"{self.path}: catalogue schema version {version} is newer than this plotter's "
                                 f"({SCHEMA_VERSION}, plotter {__version__}); upgrade plotter to open it")
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise CatalogueError(f"{self.path}: the catalogue is damaged ({problems[0]}); "
                                 f"restore it from a backup or move it aside to start a new one")

    @contextlib.contextmanager
    def _transaction(self, doing: str, write: bool = True) -> Iterator[None]:
        """One ``BEGIN … COMMIT``: all of a change or none of it. Writes take the write lock up front."""
        with self._lock, self._errors(doing):
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """SQLite's failures as one line naming the file: locked, damaged, or whatever else it said."""
        try:
            yield
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise CatalogueError(f"{self.path}: the catalogue is locked by another process ({doing}: waited "
                                     f"{self._timeout_s:g} s)") from None
            raise CatalogueError(f"{self.path}: {doing}: {error}") from None
        except sqlite3.DatabaseError as error:
            raise CatalogueError(f"{self.path}: not an intact SQLite catalogue ({error}); refusing to touch it: "
                                 f"restore it from a backup or move it aside to start a new one") from None

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._transaction("read", write=False):
            return self._db.execute(sql, args).fetchall()

    # --- reading ---------------------------------------------------------------
    def next_number(self) -> int:
        """The number the next piece gets: one more than the highest ever used (aborted ones count)."""
        return int(self._query("SELECT COALESCE(MAX(number), 0) + 1 FROM pieces")[0][0])

    def get(self, number: int) -> Piece:
        rows = self._query(f"SELECT {_COLUMNS} FROM pieces WHERE number = ?", (number,))
        if not rows:
            last = self.next_number() - 1
            known = f"pieces are numbered 1 to {last}" if last else "the catalogue is empty"
            raise CatalogueError(f"no piece {number} in {self.path}; {known}")
        return Piece._from_row(rows[0])

    def current(self) -> Piece | None:
        """The piece on the machine (status drawing), if any: the one to resume after a crash."""
        rows = self._query(f"SELECT {_COLUMNS} FROM pieces WHERE status = 'drawing'")
        return Piece._from_row(rows[0]) if rows else None

    def pieces(self, limit: int | None = None) -> list[Piece]:
        """Pieces newest first, at most ``limit`` of them."""
        rows = self._query(f"SELECT {_COLUMNS} FROM pieces ORDER BY number DESC LIMIT ?",
                           (-1 if limit is None else limit,))
        return [Piece._from_row(row) for row in rows]

    # --- changing --------------------------------------------------------------
    def begin(self, number: int, spec: PieceSpec, title: str, svg: str | os.PathLike[str],
              png: str | os.PathLike[str], journal: str | os.PathLike[str]) -> Piece:
        """Record piece ``number`` as drawing from now; refused if the number exists or another piece is drawing."""
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise CatalogueError(f"piece number {number!r} must be a whole number >= 1")
        row = (number, title, spec.painter, int(spec.seed), canonical_json(dict(spec.params)), __version__, "drawing",
               self._clock(), None, self._relative(svg), self._relative(png), self._relative(journal), "")
        with self._transaction(f"begin piece {number}"):
            if self._db.execute("SELECT 1 FROM pieces WHERE number = ?", (number,)).fetchone():
                raise CatalogueError(f"piece {number} is already in {self.path}; the next free number is "
                                     f"{self._db.execute('SELECT MAX(number) + 1 FROM pieces').fetchone()[0]}")
            drawing = self._db.execute("SELECT number FROM pieces WHERE status = 'drawing'").fetchone()
            if drawing:
                raise CatalogueError(f"piece {drawing[0]} is still drawing; finish or abort it before piece {number}")
            self._db.execute(f"INSERT INTO pieces ({_COLUMNS}) VALUES ({', '.join('?' * len(row))})", row)
        return Piece._from_row(row)

    def finish(self, number: int) -> Piece:
        """Mark the drawing piece ``number`` done now."""
        return self._end(number, "done", "")

    def abort(self, number: int, note: str) -> Piece:
        """Mark the drawing piece ``number`` aborted now, with why."""
        return self._end(number, "aborted", note)

    def _end(self, number: int, status: str, note: str) -> Piece:
        with self._transaction(f"mark piece {number} {status}"):
            changed = self._db.execute("UPDATE pieces SET status = ?, ended_at = ?, note = ? "
                                       "WHERE number = ? AND status = 'drawing'",
                                       (status, self._clock(), note, number)).rowcount
            if not changed:
                found = self._db.execute("SELECT status FROM pieces WHERE number = ?", (number,)).fetchone()
                raise CatalogueError(f"piece {number} is {found[0]}, not drawing; cannot mark it {status}" if found
                                     else f"no piece {number} in {self.path}")
        return self.get(number)

    def _relative(self, path: str | os.PathLike[str]) -> str:
        """A file of the piece as recorded: relative to the gallery folder, so the folder can move."""
        given = PurePath(path)
        if given.is_absolute():
            try:
                given = Path(given).resolve().relative_to(self.folder.resolve())
            except ValueError:
                raise CatalogueError(f"{path} is outside the gallery folder {self.folder}") from None
        return given.as_posix()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_writable(folder: Path) -> None:
    """Try to write in ``folder`` (permission bits lie under root and on odd mounts); refuse in one line."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as error:
        raise CatalogueError(f"gallery folder {folder} is not writable: {error.strerror or error}") from None
