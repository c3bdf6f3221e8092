"""AARON-style painter: time per scene and pen-up travel after the project's own ordering.

Targets (issue 5): an A4 garden with 10+ objects in <= 3 s on one core, A3 in <= 6 s;
pen-up travel after ``plotter.ops.sort_paths`` <= 15 % of pen-down length. Travel is given
two ways: between strokes (vpype's ``pen_up_length``, as ``benchmarks/run.py`` counts it) and
as ``plotter stats`` counts it (plus the moves from and back to the origin). Prints one row
per case (medians over the seeds) to stdout::

    .venv/bin/python benchmarks/aaron_bench.py [--seeds 1,2,3,4,5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from painters.aaron import AaronParams, draw  # noqa: E402
from plotter import ops  # noqa: E402
from plotter.geometry import travel_lengths  # noqa: E402
from plotter.pens import parse_pens  # noqa: E402
from plotter.stats import plan_stats  # noqa: E402

CASES = (  # name, page, scene, pens, time target (s)
    ("A4 garden, 1 pen", (210.0, 297.0), "garden", "black", 3.0),
    ("A3 garden, 1 pen", (297.0, 420.0), "garden", "black", 6.0),
    ("A4 garden, 4 pens", (210.0, 297.0), "garden", "black,red,blue,yellow", 3.0),
    ("A4 figures, 1 pen", (210.0, 297.0), "figures", "black", 3.0),
    ("A4 abstract, 1 pen", (210.0, 297.0), "abstract", "black", 3.0),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds")
    seeds = [int(s) for s in parser.parse_args().seeds.split(",")]
    print(f"{'case':<20} {'objects':>7} {'time s median/max':>18} {'target':>6}   "
          f"{'travel/down after sort: between strokes (max) | with home moves':>40}")
    for name, page, scene, pens, target in CASES:
        times, objects, ratios, between = [], [], [], []
        for seed in seeds:
            started = time.perf_counter()
            drawing = draw(seed, AaronParams(scene=scene), page, parse_pens(pens))
            times.append(time.perf_counter() - started)
            objects.append(drawing.plan.metadata["objects"])
            ordered = ops.sort_paths(drawing.plan)
            facts = plan_stats(ordered).to_dict()
            ratios.append(facts["pen_up_mm"] / facts["pen_down_mm"])
            between.append(sum(travel_lengths(layer.paths).sum() for layer in ordered.layers) / facts["pen_down_mm"])
        print(f"{name:<20} {min(objects):>3}-{max(objects):<3} {statistics.median(times):>9.2f} / {max(times):<6.2f} "
              f"{target:>6.1f}   {statistics.median(between):>6.1%} ({max(between):.1%}) | "
              f"{statistics.median(ratios):.1%}")


if __name__ == "__main__":
    main()
