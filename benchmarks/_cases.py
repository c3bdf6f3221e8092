"""The benchmark cases: each runs ours and vpype on the same data and returns table rows.

A case never lets one side's absence stop the other: vpype missing (CI has no ``bench``
extra) leaves the vpype column empty; one of our modules missing leaves ours empty with a
note. Any other exception in our code is recorded in :attr:`Bench.errors` and fails the run.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import data
import numpy as np
from _measure import best_of, retained_bytes, shape, travel_mm
from _ours import Missing, entry
from _peer import PX_PER_MM, Vpype, layers_as_paths
from _report import Row, Target

BIG = 100_000  # the size the targets are set for
MERGE_TOLERANCE_MM = 0.05
SIMPLIFY_TOLERANCE_MM = 0.05
READ_TOLERANCE_MM = 0.1
REAL_SVG_SEED = 7


@dataclass
class Bench:
    """What every case needs: the peer (or None), where files go, and the collected errors."""

    vpype: Vpype | None
    workdir: Path
    outdir: Path
    quick: bool = False
    errors: list[str] = field(default_factory=list)

    def runs(self, size: int) -> int:
        """Best of 3 for small inputs, a single run at 100k and above."""
        return 1 if size >= BIG else 3

    def ours(self, label: str, call: Callable[[], Any]) -> tuple[Any, str]:
        """``(result, note)``: our result, or None and why (module missing, or an error)."""
        try:
            return call(), ""
        except Missing as missing:
            return None, str(missing)
        except Exception as error:  # recorded, printed at the end, and the run exits 1
            self.errors.append(f"{label}: {error!r}\n{traceback.format_exc()}")
            return None, f"ours failed: {type(error).__name__}"

    def peer(self, call: Callable[[Vpype], Any]) -> Any:
        return None if self.vpype is None else call(self.vpype)


def size_label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def _plan_layers(plan: Any) -> list[list[np.ndarray]]:
    return [list(layer.paths) for layer in plan.layers]


def _first(value: tuple[Any, ...] | None, index: int) -> Any:
    return None if value is None else value[index]


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


# --- ordering ------------------------------------------------------------------------------
def ordering(bench: Bench, size: int, *, two_opt: bool) -> list[Row]:
    """Pen-up travel and time: our default ``sort_paths`` vs ``linesort`` (and ``--two-opt``)."""
    paths = data.random_polylines(size)
    plan = data.as_plan(paths)
    runs = bench.runs(size)
    label = size_label(size)

    def ours() -> tuple[float, float]:
        sort_paths = entry("plotter.ops.sort_paths")
        seconds, result = best_of(runs, lambda _: sort_paths(plan))
        if result.point_count != plan.point_count:
            raise AssertionError(f"sort_paths changed the point count: {plan.point_count} -> {result.point_count}")
        return seconds, travel_mm(_plan_layers(result))

    def vpype(two: bool) -> Callable[[Vpype], tuple[float, float]]:
        def run(vp: Vpype) -> tuple[float, float]:
            lines = vp.lines(paths)
            seconds, result = best_of(1 if two else runs, lambda _: vp.linesort(lines, two_opt=two))
            return seconds, travel_mm(layers_as_paths([result]))

        return run

    mine, note = bench.ours("sort_paths", ours)
    greedy = bench.peer(vpype(False))
    target_travel, target_time = (Target("ratio", 0.85), Target("ratio", 1.0)) if size >= BIG else (None, None)
    before = _join(note, f"input order {travel_mm([paths]):,.0f} mm")
    rows = [
        Row("order", "travel vs linesort", label, "mm", _first(mine, 1), _first(greedy, 1), target_travel, before),
        Row("order", "time vs linesort", label, "s", _first(mine, 0), _first(greedy, 0), target_time, note),
    ]
    if two_opt and bench.vpype is not None:
        best = bench.peer(vpype(True))
        rows += [
            Row("order", "travel vs linesort --two-opt", label, "mm", _first(mine, 1), best[1], None, note),
            Row("order", "time vs linesort --two-opt", label, "s", _first(mine, 0), best[0], None, note),
        ]
    return rows


# --- SVG in and out ------------------------------------------------------------------------
def svg_io(bench: Bench, size: int) -> list[Row]:
    """Write ``size`` paths with each tool, then read each tool's file with both tools."""
    paths = data.random_polylines(size)
    plan = data.as_plan(paths)
    runs = bench.runs(size)
    label = size_label(size)
    target = Target("ratio", 1.0) if size >= BIG else None
    files = {"ours": bench.workdir / f"ours-{size}.svg", "vpype": bench.workdir / f"vpype-{size}.svg"}

    def ours_write() -> float:
        write = entry("plotter.svg.write")
        return best_of(runs, lambda _: write(plan, files["ours"]))[0]

    def vpype_write(vp: Vpype) -> float:
        document = vp.document(paths, data.PAGE_MM)
        return best_of(runs, lambda _: vp.write_svg(document, files["vpype"]))[0]

    written, note = bench.ours("svg.write", ours_write)
    peer_written = bench.peer(vpype_write)
    sizes = ", ".join(f"{who} {f.stat().st_size / 1e6:.1f} MB" for who, f in files.items() if f.exists())
    rows = [Row("svg", "write", label, "s", written, peer_written, target, _join(note, sizes))]
    for writer, path in files.items():
        if path.exists():
            rows.append(_read_row(bench, path, f"read (file by {writer})", label, runs, target))
    return rows


def _read_row(bench: Bench, path: Path, name: str, label: str, runs: int, target: Target | None) -> Row:
    """Time both readers on one file; the note says how many paths each one found."""

    def ours() -> tuple[float, int]:
        read = entry("plotter.svg.read")
        seconds, plan = best_of(runs, lambda _: read(path, tolerance_mm=READ_TOLERANCE_MM))
        return seconds, plan.path_count

    def vpype(vp: Vpype) -> tuple[float, int]:
        seconds, document = best_of(runs, lambda _: vp.read_svg(path, READ_TOLERANCE_MM))
        return seconds, sum(len(lines) for lines in document.layers.values())

    mine, note = bench.ours(f"svg.read {path.name}", ours)
    theirs = bench.peer(vpype)
    counts = ", ".join(f"{who} {n[1]:,} paths" for who, n in (("ours", mine), ("vpype", theirs)) if n)
    return Row("svg", name, label, "s", _first(mine, 0), _first(theirs, 0), target, _join(note, counts))


# --- merge and simplify --------------------------------------------------------------------
def merge_and_simplify(bench: Bench, size: int, set_name: str) -> list[Row]:
    """``merge_paths`` / ``simplify_paths`` vs ``linemerge`` / ``linesimplify`` at 0.05 mm."""
    paths = data.chained_pieces(size) if set_name == "chained" else data.random_polylines(size)
    plan = data.as_plan(paths)
    runs = bench.runs(size)
    given = shape(paths)
    rows: list[Row] = []

    def add(name: str, unit: str, ours: Any, theirs: Any, target: Target | None = None, note: str = "") -> None:
        rows.append(Row(f"merge/simplify {set_name}", name, size_label(size), unit, ours, theirs, target, note))

    for op, ours_name, tolerance in (
        ("merge", "plotter.ops.merge_paths", MERGE_TOLERANCE_MM),
        ("simplify", "plotter.ops.simplify_paths", SIMPLIFY_TOLERANCE_MM),
    ):

        def ours(name: str = ours_name, tol: float = tolerance) -> tuple[float, dict[str, int]]:
            function = entry(name)
            seconds, result = best_of(runs, lambda _: function(plan, tolerance_mm=tol))
            return seconds, shape([p for layer in _plan_layers(result) for p in layer])

        def vpype(vp: Vpype, op: str = op, tol: float = tolerance) -> tuple[float, dict[str, int]]:
            method = vp.linemerge if op == "merge" else vp.linesimplify
            seconds, result = best_of(runs, lambda lines: method(lines, tol), setup=lambda: vp.lines(paths))
            return seconds, shape(layers_as_paths([result])[0])

        mine, note = bench.ours(ours_name, ours)
        theirs = bench.peer(vpype)
        a, b = _first(mine, 1) or {}, _first(theirs, 1) or {}
        add(f"{op} time", "s", _first(mine, 0), _first(theirs, 0), note=note)
        add(f"{op} strokes out", "", a.get("strokes"), b.get("strokes"), note=f"in {given['strokes']:,}")
        add(f"{op} segments out", "", a.get("segments"), b.get("segments"), note=f"in {given['segments']:,}")
        add(
            f"{op} zero-length segments out",
            "",
            a.get("zero_length"),
            b.get("zero_length"),
            note=f"in {given['zero_length']:,} (points the page clip piled up)",
        )
        if op == "merge":
            # the input's own duplicates are not the merge's doing: count only what the joins add
            added = [out["zero_length"] - given["zero_length"] if out else None for out in (a, b)]
            add("merge zero-length segments added", "", *added, Target("ours", 0), "duplicate points left at joins")
    return rows


# --- memory ---------------------------------------------------------------------------------
def memory(bench: Bench, path_count: int, points_per_path: int = 10) -> list[Row]:
    """Bytes a plan of ``path_count`` x ``points_per_path`` points holds, scaled to 1M points."""
    source = data.fixed_walks(path_count, points_per_path)
    points = path_count * points_per_path
    per_million = 1e6 / points / 1e6  # bytes -> MB per 1M points

    retained, peak, plan = retained_bytes(lambda: data.as_plan(source))
    del plan
    theirs = bench.peer(lambda vp: retained_bytes(lambda: vp.lines(source))[:2])
    note = (
        f"{points:,} points ({path_count:,} x {points_per_path}); per 1M points: coordinates alone 16.0 MB, "
        f"peak while building ours {peak * per_million:.1f}"
        + (f", vpype {theirs[1] * per_million:.1f}" if theirs else "")
        + " MB"
    )
    ours = retained * per_million
    peer = theirs[0] * per_million if theirs else None
    return [
        Row("memory", "plan bytes per 1M points", size_label(path_count), "MB", ours, peer, Target("ours", 40.0), note)
    ]


# --- a real SVG -----------------------------------------------------------------------------
def real_svg(bench: Bench) -> list[Row]:
    """A file from another tool: vpype's generators written by vpype's ``write``, read by both
    tools and then ordered by both; plus every SVG fixture other tools wrote (read only)."""
    rows: list[Row] = []
    if bench.vpype is not None:
        path = bench.outdir / "real-vpype.svg"
        pipeline = data.real_svg_pipeline(path, quick=bench.quick)
        bench.vpype.execute(pipeline, global_opt=f"-s {REAL_SVG_SEED}")
        runs = 3 if bench.quick else 1
        rows.append(_read_row(bench, path, "read real SVG (vpype-drawn)", "real", runs, None))
        rows += _order_read(bench, path, runs)
    fixtures = data.fixture_svgs()
    if fixtures:
        rows.append(_read_fixtures(bench, fixtures))
    return rows


def _order_read(bench: Bench, path: Path, runs: int) -> list[Row]:
    """Order what each tool read from the real SVG, layer by layer, and compare travel."""

    def ours() -> tuple[float, float, float]:
        plan = entry("plotter.svg.read")(path, tolerance_mm=READ_TOLERANCE_MM)
        sort_paths = entry("plotter.ops.sort_paths")
        seconds, result = best_of(runs, lambda _: sort_paths(plan))
        return seconds, travel_mm(_plan_layers(result)), travel_mm(_plan_layers(plan))

    def vpype(vp: Vpype) -> tuple[float, float, float]:
        layers = list(vp.read_svg(path, READ_TOLERANCE_MM).layers.values())
        seconds, result = best_of(runs, lambda _: [vp.linesort(lines) for lines in layers])
        return (seconds, travel_mm(layers_as_paths(result, PX_PER_MM)), travel_mm(layers_as_paths(layers, PX_PER_MM)))

    mine, note = bench.ours("sort_paths on real SVG", ours)
    theirs = bench.peer(vpype)
    before = ", ".join(f"{who} read order {t[2]:,.0f} mm" for who, t in (("ours", mine), ("vpype", theirs)) if t)
    before = _join(note, before)
    return [
        Row("order", "travel vs linesort (real SVG)", "real", "mm", _first(mine, 1), _first(theirs, 1), None, before),
        Row("order", "time vs linesort (real SVG)", "real", "s", _first(mine, 0), _first(theirs, 0), None, note),
    ]


def _read_fixtures(bench: Bench, fixtures: Sequence[Path]) -> Row:
    """Total read time over the fixtures both tools read; failures are named, not fatal
    (some fixtures are deliberately broken files for error tests)."""
    try:
        read = entry("plotter.svg.read")
    except Missing as missing:
        return Row("svg", "read fixtures (other tools)", f"{len(fixtures)} files", "s", None, None, None, str(missing))
    totals, failed = [0.0, 0.0], {"ours": [], "vpype": []}
    runs = 1 if bench.quick else 3
    for path in fixtures:
        try:
            ours_s = best_of(runs, lambda _, p=path: read(p, tolerance_mm=READ_TOLERANCE_MM))[0]
        except Exception:  # a fixture may be broken on purpose: name it, go on
            failed["ours"].append(path.name)
            continue
        try:
            theirs_s = bench.peer(lambda vp, p=path: best_of(runs, lambda _: vp.read_svg(p, READ_TOLERANCE_MM))[0])
        except Exception:
            failed["vpype"].append(path.name)
            continue
        totals[0] += ours_s
        totals[1] += theirs_s or 0.0
    note = "; ".join(f"{who} failed on {', '.join(names)}" for who, names in failed.items() if names)
    return Row(
        "svg",
        "read fixtures (other tools)",
        f"{len(fixtures)} files",
        "s",
        totals[0],
        totals[1] if bench.vpype is not None else None,
        None,
        note,
    )
