"""An AxiDraw plot job: EBB commands stroke by stroke, each finished stroke journalled, resumable.

The EBB answers ``OK`` when a move is *queued*, so an ``OK`` says nothing about the pen. A
stroke is journalled when a ``QM`` sent after its ``SP,1`` reports the motors idle and the
FIFO empty: the pen has then finished the stroke and is up. (``SP``'s delay is executed in
the FIFO, not by the host, so it is no sync point by itself.) The pipeline drains once per
stroke, for the length of one ``QM`` round trip, while the pen is up anyway.

Every run, fresh or resumed, starts the same way: set the servo, lift the pen, ``HM`` back
to where the motors were enabled (the home corner; a no-op on a board just switched on, whose
carriage the operator parks at home as for any AxiDraw plot), then ``EM,1,1``. Strokes are
relative ``SM`` moves from their own start, and the travel into a stroke is planned from where
the carriage actually is, so resuming at stroke k travels from home straight to stroke k.

Between layers the carriage parks at home and the operator is asked for the next pen;
resuming into a later layer asks for that layer's pen first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import ebb_protocol as ebb
from .ebb_motion import HOME_RATE_STEPS_S, EbbMotion, StrokeMoves, plan_strokes, plan_travels
from .ebb_streamer import EbbStreamer
from .job import JobResult, Tag, first_unfinished_stroke, stream_journalled
from .journal import Journal
from .streamer import Acked

_HOME = (0, 0)


@dataclass(frozen=True)
class EbbProgram:
    """A plan's strokes as EBB moves, with the pen changes between layers."""

    settings: EbbMotion
    strokes: tuple[StrokeMoves, ...]
    pen_changes: Mapping[int, str] = field(default_factory=dict)  # first stroke of a later layer → message

    @property
    def stroke_count(self) -> int:
        return len(self.strokes)

    @property
    def lines(self) -> list[str]:
        """Every command of a fresh run, in order: what a journal's digest binds to."""
        return [command for command, _ in stream_plan(self)]

    def finish_times(self) -> tuple[np.ndarray, float]:
        """Seconds from the start of a fresh run at which each stroke is done, and the whole plot."""
        elapsed, done = 0.0, []
        for command, tag in stream_plan(self):
            elapsed += ebb.command_seconds(command)
            if tag.ends_stroke:
                done.append(elapsed)
        return np.array(done), elapsed


def ebb_program(strokes: Sequence[np.ndarray], settings: EbbMotion | None = None,
                pens: Sequence[str] | None = None) -> EbbProgram:
    """Plan pen-down polylines (machine mm) for the EBB; ``pens[i]`` names stroke i's pen (layer)."""
    settings = settings or EbbMotion()
    moves = tuple(plan_strokes(strokes, settings))
    changes = {}
    if pens is not None:
        changes = {i: f"pen {pens[i]}" for i in range(1, len(pens)) if pens[i] != pens[i - 1]}
    return EbbProgram(settings, moves, changes)


def stream_plan(program: EbbProgram, start: int = 0) -> list[tuple[str, Tag]]:
    """The ``(command, tag)`` pairs that draw strokes ``start..`` from wherever the carriage was left."""
    s = program.settings
    items = [(line, Tag(-1)) for line in (*s.servo_commands(), ebb.sp(True, s.raise_ms),
                                           ebb.hm(HOME_RATE_STEPS_S), ebb.em(1, 1))]
    pause = next((program.pen_changes[k] for k in range(start, 0, -1) if k in program.pen_changes), None)
    legs: list[tuple[tuple[int, int], tuple[int, int], Tag]] = []  # pen-up travels, then what follows each
    where = _HOME
    for k in range(start, program.stroke_count):
        message = pause if k == start else program.pen_changes.get(k)
        if message is not None:
            legs.append((where, _HOME, Tag(-1, pause_message=message)))
            where = _HOME
        stroke = program.strokes[k]
        legs.append((where, stroke.start_steps, Tag(k)))
        where = stroke.end_steps
    legs.append((where, _HOME, Tag(-1)))
    travels = plan_travels(np.array([leg[0] for leg in legs]), np.array([leg[1] for leg in legs]), s)
    for (_, _, tag), (commands, _) in zip(legs, travels, strict=True):
        items += [(line, Tag(tag.stroke)) for line in commands]
        if tag.stroke < 0:  # a park: wait there (for the operator, or the end)
            items.append(("QM", tag))
        else:
            items += [(line, tag) for line in program.strokes[tag.stroke].commands]
            items.append(("QM", Tag(tag.stroke, ends_stroke=True)))
    return items


def run_ebb_job(
    program: EbbProgram,
    streamer: EbbStreamer,
    journal: Journal,
    *,
    on_stroke: Callable[[int], None] | None = None,
    on_pause: Callable[[str], None] | None = None,
) -> JobResult:
    """Draw every stroke the journal has not recorded; journal each once the board has finished it.

    ``on_pause(message)`` is called with the carriage parked and idle at a pen change and
    returns when the operator is ready. Errors leave the journal consistent and propagate.
    """
    start = first_unfinished_stroke(journal)

    def on_event(event: object) -> None:
        if not isinstance(event, Acked):
            return
        if event.tag.ends_stroke:
            journal.record_stroke(event.tag.stroke)
            if on_stroke is not None:
                on_stroke(event.tag.stroke)
        elif event.tag.pause_message is not None and on_pause is not None:
            on_pause(event.tag.pause_message)

    return stream_journalled(streamer, stream_plan(program, start), journal, start, on_event)
