"""The gallery's live state, written by the loop and read by the status page.

The loop changes a few fields as it goes (state, the piece in progress, strokes done); the
page's thread asks for :meth:`LiveStatus.snapshot` once a second. A lock keeps the two
consistent; the history comes from the catalogue at read time, so the page never shows a
piece the catalogue does not hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class CurrentPiece:
    number: int
    title: str
    painter: str
    seed: int
    strokes_total: int
    folder: str  # relative to the gallery folder, e.g. "pieces/0007"
    strokes_done: int = 0
    drawn_mm: float = 0.0
    eta_s: float | None = None


@dataclass
class LiveStatus:
    """What the page shows; ``history`` and ``upcoming`` are asked for when a snapshot is taken."""

    machine: dict[str, str]
    history: Callable[[], list[dict[str, Any]]]
    upcoming: Callable[[], list[dict[str, Any]]]
    state: str = "idle"
    message: str = ""
    current: CurrentPiece | None = None
    pieces_done: int = 0
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, state: str, message: str = "", machine_state: str | None = None) -> None:
        """The gallery's state and message; ``machine_state`` when the machine's changed too."""
        with self._lock:
            self.state, self.message = state, message
            if machine_state is not None:
                self.machine["state"] = machine_state

    def begin(self, piece: CurrentPiece | None) -> None:
        with self._lock:
            self.current = piece

    def progress(self, strokes_done: int, drawn_mm: float, eta_s: float | None) -> None:
        with self._lock:
            if self.current is not None:
                self.current.strokes_done, self.current.drawn_mm, self.current.eta_s = strokes_done, drawn_mm, eta_s

    def finished_one(self) -> None:
        with self._lock:
            self.pieces_done += 1

    def snapshot(self) -> dict[str, Any]:
        """The JSON document ``/api/status`` serves."""
        with self._lock:
            current = self.current
            head = {
                "state": self.state,
                "message": self.message,
                "machine": dict(self.machine),
                "current": None if current is None else {
                    "number": current.number, "title": current.title, "painter": current.painter,
                    "seed": current.seed, "strokes_done": current.strokes_done,
                    "strokes_total": current.strokes_total, "drawn_mm": round(current.drawn_mm, 1),
                    "eta_s": None if current.eta_s is None else round(current.eta_s, 1),
                    "preview": f"{current.folder}/piece.svg", "paths": f"{current.folder}/paths.json",
                },
                "pieces_done": self.pieces_done,
                "started_at": self.started_at,
            }
        return {**head, "next": self.upcoming(), "history": self.history()}
