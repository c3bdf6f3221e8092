"""The job journal: what the device has finished, durably, so a plot survives any crash.

An append-only file of JSON lines, each fsync'd before the next stroke is sent: a header
naming the program (its SHA-256), where it came from and how to make it again, then one
line per stroke the device has completed, then ``finished``. After a crash, a power cut or
a lost USB connection, :meth:`Journal.open` reads it back — a last line cut short by the
crash is ignored and trimmed — and :attr:`Journal.next_stroke` says where to go on.
A stroke counts as done only when the device acknowledged the pen-up that ends it, which
GRBL answers only after the motion has finished (M3/M5 and G4 are sync points), so a resumed
job draws no stroke twice and loses none.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plotter.errors import PlotterError

FORMAT = "plotter-journal/1"


class JournalError(PlotterError):
    """A journal is unreadable, from another program, or already finished."""


def program_digest(lines: Iterable[str]) -> str:
    """SHA-256 of a program's lines: the identity a journal is bound to."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def job_finished(path: str | os.PathLike[str]) -> bool | None:
    """Whether the job journalled at ``path`` has finished; ``None`` when there is no readable journal there."""
    try:
        return Journal.open(path).finished if Path(path).exists() else None
    except JournalError:
        return None


@dataclass
class Journal:
    """An open journal; every ``record_*`` call is on disk (fsync'd) when it returns."""

    path: Path
    header: Mapping[str, Any]
    completed: set[int] = field(default_factory=set)
    finished: bool = False

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, digest: str, strokes: int, **how: Any) -> Journal:
        """Start a new journal; ``how`` records what is needed to rebuild the program (source, machine...)."""
        path = Path(path)
        header = {"kind": "job", "format": FORMAT, "program_sha256": digest, "strokes": strokes, **how}
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(json.dumps(header, sort_keys=True) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except FileExistsError:
            raise JournalError(
                f"{path}: a journal already exists; resume it with --resume {path} or remove it"
            ) from None
        except OSError as error:
            raise JournalError(f"{path}: cannot create journal: {error.strerror or error}") from None
        return cls(path, header)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Journal:
        """Read a journal back, trimming a last line the crash cut short."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise JournalError(f"{path}: cannot read journal: {error.strerror or error}") from None
        lines = data.split(b"\n")
        complete, tail = lines[:-1], lines[-1]
        records = []
        for number, raw in enumerate(complete, start=1):
            try:
                records.append(json.loads(raw))
            except ValueError:
                if number == 1:
                    raise JournalError(f"{path}: not a plotter job journal") from None
                raise JournalError(f"{path}:{number}: corrupt journal line {raw[:60]!r}") from None
        if not records or records[0].get("kind") != "job" or records[0].get("format") != FORMAT:
            raise JournalError(f"{path}: not a plotter job journal")
        good_length = len(data) - len(tail)
        if tail:
            with open(path, "r+b") as handle:  # drop the torn tail so appends start on a clean line
                handle.truncate(good_length)
                os.fsync(handle.fileno())
        journal = cls(path, records[0])
        for record in records[1:]:
            if record.get("kind") == "stroke":
                journal.completed.add(int(record["index"]))
            elif record.get("kind") == "finished":
                journal.finished = True
        return journal

    @property
    def strokes(self) -> int:
        return int(self.header["strokes"])

    @property
    def next_stroke(self) -> int:
        """The first stroke not completed (``strokes`` when all are)."""
        return next((i for i in range(self.strokes) if i not in self.completed), self.strokes)

    def check_program(self, digest: str) -> None:
        """Refuse to resume a journal against a program other than the one it recorded."""
        if digest != self.header["program_sha256"]:
            raise JournalError(
                f"{self.path}: the journal belongs to a different program (recorded for "
                f"{self.header.get('source', '?')} on {self.header.get('machine', '?')}); refusing to resume"
            )

    def record_stroke(self, index: int) -> None:
        if index not in self.completed:
            self._append({"kind": "stroke", "index": index})
            self.completed.add(index)

    def record_event(self, kind: str, **details: Any) -> None:
        """Record something an operator may want to read later (pause, error, abort)."""
        self._append({"kind": kind, **details})

    def record_finished(self) -> None:
        self._append({"kind": "finished"})
        self.finished = True

    def _append(self, record: Mapping[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
