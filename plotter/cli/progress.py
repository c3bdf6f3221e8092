"""Progress and summaries for commands a person types.

Progress bars go to stderr and only on a terminal, so piped output stays clean; the
one-paragraph summary at the end of a command also goes to stderr, keeping stdout for data
(``plotter stats --json``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
from tqdm import tqdm


class Stages:
    """A progress bar over the named stages of a command (read, sort, write...)."""

    def __init__(self, names: list[str]) -> None:
        self.started = time.monotonic()
        self._bar = tqdm(total=len(names), disable=not sys.stderr.isatty(), leave=False, unit="step", file=sys.stderr)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._bar.set_description(name)
        yield
        self._bar.update(1)

    def close(self) -> float:
        """Close the bar and return the elapsed seconds."""
        self._bar.close()
        return time.monotonic() - self.started


def summary(text: str) -> None:
    click.echo(text, err=True)


def metres(length_mm: float) -> str:
    """``1234.5`` → ``"1.23 m"``, ``12.3`` → ``"12.3 mm"``: lengths a person reads at a glance."""
    return f"{length_mm / 1000:.2f} m" if abs(length_mm) >= 1000 else f"{length_mm:.1f} mm"


def duration(seconds: float) -> str:
    """``3725`` → ``"1:02:05"``; under an hour ``"2:05"``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
