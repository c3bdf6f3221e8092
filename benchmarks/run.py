"""Ours against vpype, on the same seeded data, in the same run: one table of ratios.

    .venv/bin/python benchmarks/run.py [--quick] [--sizes 1000,10000,100000] [--out bench-output]

Measures path ordering (travel and time vs ``linesort`` and ``linesort --two-opt``), SVG
write and read, merge and simplify, plan memory, and a real SVG drawn by vpype. Progress
goes to stderr; the table goes to stdout and, with the machine and versions, to
``OUT/results.json`` and ``OUT/results.md``. See benchmarks/README.md for how to read it.
Exit status 1 when one of our operations raised (the traceback is on stderr).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import _cases
import _peer
import numpy as np
from _report import Row, text_table, write_results
from tqdm import tqdm

DEFAULT_SIZES = (1_000, 10_000, 100_000)
TWO_OPT_MAX = 10_000  # one --two-opt pass at 100k takes over a minute: vpype.md section 4


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes comma-separated path counts, got {text!r}") from None
    if not sizes or sizes[0] < 2:
        raise argparse.ArgumentTypeError(f"--sizes needs counts of at least 2 paths, got {text!r}")
    return sizes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k paths only, no --two-opt: a fast check")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        help="path counts for ordering; the largest also sets "
        "the SVG, merge/simplify and memory sizes (default 1000,10000,100000)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-output"), help="folder for results (bench-output)")
    parser.add_argument("--no-vpype", action="store_true", help="leave vpype out even when it is installed")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [1_000] if args.quick else list(DEFAULT_SIZES)
    return args


def plan_steps(bench: _cases.Bench, sizes: list[int], quick: bool) -> list[tuple[str, Callable[[], list[Row]]]]:
    """Every case of the run, labelled for the progress display, in table order."""
    largest = sizes[-1]
    label = _cases.size_label(largest)
    steps: list[tuple[str, Callable[[], list[Row]]]] = []
    for size in sizes:
        two_opt = not quick and size <= TWO_OPT_MAX
        name = f"order {_cases.size_label(size)}" + (" (+ two-opt)" if two_opt and bench.vpype else "")
        steps.append((name, lambda s=size, t=two_opt: _cases.ordering(bench, s, two_opt=t)))
    steps.append((f"svg write/read {label}", lambda: _cases.svg_io(bench, largest)))
    for set_name in ("random", "chained"):
        steps.append(
            (f"merge/simplify {set_name} {label}", lambda n=set_name: _cases.merge_and_simplify(bench, largest, n))
        )
    steps.append((f"memory {label} x 10 points", lambda: _cases.memory(bench, largest)))
    steps.append(("real SVG", lambda: _cases.real_svg(bench)))
    return steps


def run_steps(steps: list[tuple[str, Callable[[], list[Row]]]]) -> list[Row]:
    """Run the cases, showing progress on stderr: a tqdm bar on a terminal, else one line each."""
    rows: list[Row] = []
    interactive = sys.stderr.isatty()
    bar = tqdm(total=len(steps), disable=not interactive, file=sys.stderr, unit="case")
    for index, (name, step) in enumerate(steps, start=1):
        bar.set_description(name)
        start = time.perf_counter()
        rows += step()
        bar.update()
        if not interactive:
            print(f"[{index}/{len(steps)}] {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    bar.close()
    return rows


def context(args: argparse.Namespace, vpype: _peer.Vpype | None, seconds: float) -> dict[str, object]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "vpype": vpype.version if vpype else "not installed (vpype columns empty)",
        "sizes": ",".join(str(s) for s in args.sizes),
        "quick": args.quick,
        "total_s": round(seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    vpype = None if args.no_vpype else _peer.load()
    if vpype is None:
        print("vpype is not importable: its columns stay empty (`make bench` installs it)", file=sys.stderr)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="plotter-bench-") as workdir:
        bench = _cases.Bench(vpype, Path(workdir), args.out, quick=args.quick)
        rows = run_steps(plan_steps(bench, args.sizes, args.quick))
    write_results(args.out, rows, context(args, vpype, time.perf_counter() - start))
    print(text_table(rows))
    print(f"\nresults: {args.out / 'results.json'}, {args.out / 'results.md'}")
    for error in bench.errors:
        print(f"\nerror in ours: {error}", file=sys.stderr)
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())
