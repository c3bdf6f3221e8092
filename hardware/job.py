"""A plot job: stream a program stroke by stroke, journal each finished stroke, resume after a crash.

The program arrives as lines plus the stroke each line belongs to (-1 for set-up, pen
changes and the end), as :class:`plotter.gcode.Program` provides. A stroke is journalled
when the device acknowledges a *synchronising* line after it — GRBL answers ``G4``, ``M0``,
``M3`` and ``M5`` only once every earlier move has been executed — so the journal never
claims a stroke the pen has not finished. Where a stroke does not end in such a line
(a Z-axis pen lifts with a plain ``G0 Z..``), a ``G4 P0`` is streamed after it.

Resuming at stroke k streams the set-up lines, then the last pen change before k (so the
operator confirms the right pen is in), then strokes k, k+1, ... with what lies between them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .grbl_interpreter import significant
from .grbl_protocol import DeviceError, Status
from .journal import Journal, JournalError
from .marlin_streamer import MarlinStreamer, PausedForUser
from .streamer import Acked, GrblStreamer, StreamSummary

_SYNC = re.compile(r"^(G0*4(?![\d.])|M0*[0-5](?!\d)|M400)")
_PAUSE = re.compile(r"^M0*[01](?!\d)")
_SYNC_LINE = "G4 P0"


@dataclass(frozen=True)
class Tag:
    """What an acknowledged line means to the job."""

    stroke: int  # -1 for lines outside strokes
    ends_stroke: bool = False
    pause_message: str | None = None  # an M0 the operator must answer


@dataclass(frozen=True)
class JobResult:
    strokes_total: int
    resumed_at: int  # first stroke streamed in this run
    strokes_done: int  # in the journal at the end
    stream: StreamSummary


def stream_plan(lines: Sequence[str], stroke_of_line: Sequence[int], start: int = 0) -> list[tuple[str, Tag]]:
    """The ``(line, tag)`` pairs to stream to draw strokes ``start..`` of a program."""
    if len(lines) != len(stroke_of_line):
        raise ValueError("lines and stroke_of_line differ in length")
    first_stroke_line = next((i for i, s in enumerate(stroke_of_line) if s >= 0), len(lines))
    chosen = list(range(first_stroke_line))  # set-up
    if start > 0:
        start_line = next((i for i, s in enumerate(stroke_of_line) if s >= start), len(lines))
        chosen += _last_pen_change_before(lines, stroke_of_line, first_stroke_line, start_line)
    started = False  # lines outside strokes are kept once a stroke >= start has begun
    for i in range(first_stroke_line, len(lines)):
        started = started or stroke_of_line[i] >= start
        if stroke_of_line[i] >= start or (started and stroke_of_line[i] < 0):
            chosen.append(i)
    out: list[tuple[str, Tag]] = []
    comment = ""
    for position, i in enumerate(chosen):
        line, stroke = lines[i], stroke_of_line[i]
        text = significant(line)
        if not text:
            comment = line.strip().strip("();").strip() or comment
        last_of_stroke = stroke >= 0 and (position + 1 == len(chosen) or stroke_of_line[chosen[position + 1]] != stroke)
        if last_of_stroke and not _SYNC.match(text):
            out.append((line, Tag(stroke)))
            out.append((_SYNC_LINE, Tag(stroke, ends_stroke=True)))
            continue
        pause = (comment or "program pause") if _PAUSE.match(text) else None
        out.append((line, Tag(stroke, ends_stroke=last_of_stroke, pause_message=pause)))
    return out


def _last_pen_change_before(lines: Sequence[str], stroke_of_line: Sequence[int], begin: int, end: int) -> list[int]:
    """Indices of the last run of non-stroke lines containing a pause between ``begin`` and ``end``."""
    runs: list[list[int]] = []
    for i in range(begin, end):
        if stroke_of_line[i] < 0:
            if not runs or runs[-1][-1] != i - 1:
                runs.append([])
            runs[-1].append(i)
    for run in reversed(runs):
        if any(_PAUSE.match(significant(lines[i])) for i in run):
            return run
    return []


def run_job(
    lines: Sequence[str],
    stroke_of_line: Sequence[int],
    streamer: GrblStreamer | MarlinStreamer,
    journal: Journal,
    *,
    on_stroke: Callable[[int], None] | None = None,
    on_pause: Callable[[str], None] | None = None,
) -> JobResult:
    """Draw every stroke the journal has not recorded; journal each as the device finishes it.

    ``on_pause(message)`` is called once the machine holds at a pen change (``M0``) and
    returns when the operator is ready; the job then resumes the machine (GRBL ``~``, Marlin ``M108``).
    Errors leave the journal consistent (only finished strokes are in it) and propagate.
    """
    start = first_unfinished_stroke(journal)
    answered_pauses: set[int] = set()  # line indices of M0s the operator has already answered

    def on_event(event: object) -> None:
        if (isinstance(event, Status) and event.name == "Hold") or isinstance(event, PausedForUser):
            oldest = streamer.oldest_unacknowledged
            if oldest is not None and oldest[1].pause_message is not None and oldest[0] not in answered_pauses:
                answered_pauses.add(oldest[0])
                if on_pause is not None:
                    on_pause(oldest[1].pause_message)
                streamer.resume()
        elif isinstance(event, Acked) and event.tag.ends_stroke:
            journal.record_stroke(event.tag.stroke)
            if on_stroke is not None:
                on_stroke(event.tag.stroke)

    return stream_journalled(streamer, stream_plan(lines, stroke_of_line, start), journal, start, on_event)


def first_unfinished_stroke(journal: Journal) -> int:
    """Where a job starts or goes on; a finished job is refused."""
    if journal.finished:
        raise JournalError(f"{journal.path}: this job has already finished; nothing to resume")
    return journal.next_stroke


def stream_journalled(
    streamer: Any, items: Iterable[tuple[str, Tag]], journal: Journal, start: int, on_event: Callable[[object], None]
) -> JobResult:
    """Stream ``items`` with ``on_event`` seeing every event; record where the job stopped if it fails.

    Shared by the GRBL and EBB jobs: the streamer's own callback still runs first.
    """
    previous = streamer.on_event

    def chained(event: object) -> None:
        if previous is not None:
            previous(event)
        on_event(event)

    streamer.on_event = chained
    try:
        summary = streamer.stream(items)
    except (DeviceError, KeyboardInterrupt) as error:
        journal.record_event("stopped", reason=str(error) or type(error).__name__, next_stroke=journal.next_stroke)
        raise
    finally:
        streamer.on_event = previous
    journal.record_finished()
    return JobResult(journal.strokes, start, len(journal.completed), summary)
