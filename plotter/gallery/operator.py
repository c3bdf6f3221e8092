"""What the person looking after the gallery asks of it, from the status page or the terminal.

The loop runs on the main thread; the status page's buttons and a terminal reader arrive on
other threads. :class:`Operator` is the one place they meet: buttons set requests, the loop
polls them between strokes (:meth:`Operator.interruption`) and blocks in :meth:`Operator.wait`
when a person must do something — put in a fresh sheet, change a pen, or let a pause end.

A request to pause or skip stops the plot through the job's own interruption path (the
streamer lifts the pen and the journal records where it stopped), so the pen is never left
on the paper while the machine waits.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

ACTIONS = ("pause", "resume", "skip", "paper")


class OperatorStop(KeyboardInterrupt):
    """Raised inside a plot to stop it the way Ctrl-C does (pen lifted, journal consistent)."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


@dataclass(frozen=True)
class Waiting:
    """What the gallery waits for a person to do, as the status page shows it."""

    kind: str  # "paper", "pen" or "pause"
    message: str


class Operator:
    """Thread-safe requests from the status page and the terminal; waits the loop can block in."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._paused = False
        self._skip = False
        self._paper_fresh = False  # the operator said "paper changed" (maybe before being asked)
        self._confirmed = False  # a pen change or other wait was answered
        self.waiting: Waiting | None = None

    @property
    def paused(self) -> bool:
        return self._paused

    def act(self, action: str) -> str:
        """Handle a button press; returns the line the status page shows."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        with self._changed:
            if action == "pause":
                self._paused = True
                reply = "pausing: the pen lifts and the machine waits"
            elif action == "resume":
                self._paused = False
                self._confirmed = True
                reply = "resuming"
            elif action == "skip":
                self._skip = True
                self._paused = False
                reply = "skipping the piece in progress"
            else:
                self._paper_fresh = True
                reply = "fresh paper noted"
            self._changed.notify_all()
        return reply

    def confirm(self) -> None:
        """The person at the terminal pressed Enter: answers whatever the gallery waits for."""
        with self._changed:
            kind = self.waiting.kind if self.waiting else None
        self.act({"paper": "paper", "pen": "resume", "pause": "resume"}.get(kind, "resume"))

    def interruption(self) -> str | None:
        """``"skip"`` or ``"pause"`` if the current plot must stop now (checked after each stroke)."""
        with self._changed:
            if self._skip:
                return "skip"
            return "pause" if self._paused else None

    def take_skip(self) -> bool:
        """Whether a skip was asked for, clearing the request."""
        with self._changed:
            skip, self._skip = self._skip, False
            return skip

    def wait(self, kind: str, message: str, timeout_s: float | None = None) -> bool:
        """Block until the person answers a wait of ``kind`` (or ``timeout_s`` passes: ``False``).

        ``"paper"`` ends on "paper changed" (also one pressed early); ``"pen"`` on resume;
        ``"pause"`` once nothing is paused.
        """
        with self._changed:
            self.waiting = Waiting(kind, message)
            if kind != "paper":
                self._confirmed = False
            try:
                done = self._changed.wait_for(lambda: self._answered(kind), timeout=timeout_s)
                if kind == "paper":
                    self._paper_fresh = False
                return done
            finally:
                self.waiting = None

    def _answered(self, kind: str) -> bool:
        if kind == "paper":
            return self._paper_fresh
        if kind == "pause":
            return not self._paused or self._skip
        return self._confirmed

    def forget_paper(self) -> None:
        """A "paper changed" pressed while a piece was drawing is about that sheet, not the next."""
        with self._changed:
            self._paper_fresh = False


def read_terminal(operator: Operator) -> threading.Thread | None:
    """On a terminal, each Enter answers the current wait (a daemon thread); otherwise nothing."""
    if not sys.stdin or not sys.stdin.isatty():
        return None

    def listen() -> None:
        for _ in sys.stdin:
            operator.confirm()

    thread = threading.Thread(target=listen, name="gallery-terminal", daemon=True)
    thread.start()
    return thread
