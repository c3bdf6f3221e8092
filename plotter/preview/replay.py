"""An animated, self-contained HTML replay of a plot, timed by the motion model.

The page shows the paper at its real proportions with every stroke drawn in plot order, in
its pen's colour and tip width, at the pace :mod:`plotter.motion` predicts (divided by a
speed factor the viewer can change live). Pen-up moves appear as red dashed lines that fade;
a marker shows the pen; a side panel gives elapsed / total time, stroke i of N, the current
pen and the length drawn. Everything (data, script, style) is inlined: no network needed.

The URL hash controls the start: ``replay.html#t=0.5`` opens paused halfway through (handy
for screenshots), ``#speed=50`` sets the speed factor, ``#t=0.2&play`` starts playing at 20 %.

The plan is embedded as JSON in ``<script id="plan-data" type="application/json">``: per
stroke its layer ``l``, travel start ``a`` and end ``b`` (ms), and ``xy`` (0.01 mm) and ``t``
(ms) delta-encoded (first value absolute, then differences of the rounded values), which
keeps files about 2-3x smaller than plain coordinates.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write
from ..errors import OperationError
from ..geometry import flatten
from ..motion import MotionSettings, estimate_time, timeline
from ..plan import Plan

_TEMPLATE = "replay_template.html"


def replay_data(plan: Plan, settings: MotionSettings | None = None, speed: float = 1.0) -> dict[str, Any]:
    """The JSON document the replay page animates (see the module docstring for its layout)."""
    settings = settings or MotionSettings()
    if not (np.isfinite(speed) and speed > 0):
        raise OperationError(f"replay speed must be a positive factor, got {speed!r}")
    timings = timeline(plan, settings)
    paths = [plan.layers[s.layer].paths[s.path] for s in timings]
    points, offsets = flatten(paths)
    firsts = offsets[:-1]
    centi = np.rint(points * 100).astype(np.int64)
    xy = np.diff(centi, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    xy[firsts] = centi[firsts]
    times = np.concatenate([s.times for s in timings]) if timings else np.zeros(0)
    ms = np.rint(times * 1000).astype(np.int64)
    dt = np.diff(ms, prepend=0)
    dt[firsts] = ms[firsts]
    xy_list, dt_list = xy.ravel().tolist(), dt.tolist()
    strokes = [
        {
            "l": s.layer,
            "a": round(s.travel_start_s * 1000),
            "b": round(s.travel_end_s * 1000),
            "xy": xy_list[2 * lo : 2 * hi],
            "t": dt_list[lo:hi],
        }
        for s, lo, hi in zip(timings, offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    ]
    return {
        "version": 1,
        "page_mm": list(plan.page_mm),
        "total_s": estimate_time(plan, settings).time_s,
        "speed": float(speed),
        "settings": asdict(settings),
        "layers": [{"name": x.name, "color": x.pen.color, "width_mm": x.pen.width_mm} for x in plan.layers],
        "strokes": strokes,
    }


def write_replay(
    plan: Plan, path: str | os.PathLike[str], *, settings: MotionSettings | None = None, speed: float = 1.0
) -> None:
    """Write the animated replay of ``plan`` to ``path`` (one HTML file), ``speed`` times real time."""
    data = json.dumps(replay_data(plan, settings, speed), separators=(",", ":"))
    # "</" inside the JSON would end the <script> element early (a pen called "</script>")
    data = data.replace("</", "<\\/")
    template = resources.files(__package__).joinpath(_TEMPLATE).read_text(encoding="utf-8")
    title = html.escape(str(plan.metadata.get("generator") or Path(path).stem))
    values = {"TITLE": title, "DATA": data}
    page = re.sub(r"__(TITLE|DATA)__", lambda m: values[m.group(1)], template)
    with atomic_write(path, "w") as handle:
        handle.write(page)
