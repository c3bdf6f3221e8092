"""AARON-style painter: time per scene and pen-up travel after the project's own ordering.

Targets (issue 5): an A4 garden with 10+ objects in <= 3 s on one core, A3 in <= 6 s;
pen-up travel after ``plotter.ops.sort_paths`` <= 15 % of pen-down length. Travel is given
two ways: between strokes (vpype's ``pen_up_length``, as ``benchmarks/run.py`` counts it;
the target) and as ``plotter stats`` counts it (plus the moves from and back to the
origin). Prints one row per case — every scene on A4 and A3 with one pen, and a colour
garden — with the time's median and worst, and the travel's mean and worst seed::

    .venv/bin/python benchmarks/aaron_bench.py [--seeds 1-60] [--scenes garden,figures]

Sixty seeds by default: one scene's travel share spreads by about ±3.5 points from seed to
seed, so the mean of 20 seeds is only known to about ±1.5 points (95 %), of 60 to ±0.9.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from painters.aaron import SCENES, AaronParams, draw  # noqa: E402
from plotter import ops  # noqa: E402
from plotter.geometry import travel_lengths  # noqa: E402
from plotter.pens import parse_pens  # noqa: E402
from plotter.stats import plan_stats  # noqa: E402

PAGES = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
TIME_TARGET_S = {"A4": 3.0, "A3": 6.0}
TRAVEL_TARGET = 0.15
COLOUR = "black,red,blue,yellow"


def cases(scenes: list[str]) -> list[tuple[str, str, str, str]]:
    """(name, page, scene, pens): every scene on every page with one pen, then a colour garden."""
    rows = [(f"{page} {scene}, 1 pen", page, scene, "black") for scene in scenes for page in PAGES]
    if "garden" in scenes:
        rows.append(("A4 garden, 4 pens", "A4", "garden", COLOUR))
    return rows


def seed_list(text: str) -> list[int]:
    """``1-20`` or ``1,2,5`` (or a mix) → the seeds."""
    seeds: list[int] = []
    for item in text.split(","):
        low, _, high = item.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def measure(page: str, scene: str, pens: str, seed: int) -> tuple[float, int, float, float]:
    """(seconds to draw, objects, travel between strokes / pen-down, with home moves / pen-down)."""
    started = time.perf_counter()
    drawing = draw(seed, AaronParams(scene=scene), PAGES[page], parse_pens(pens))
    seconds = time.perf_counter() - started
    ordered = ops.sort_paths(drawing.plan)
    facts = plan_stats(ordered).to_dict()
    between = sum(travel_lengths(layer.paths).sum() for layer in ordered.layers)
    return seconds, drawing.plan.metadata["objects"], between / facts["pen_down_mm"], \
        facts["pen_up_mm"] / facts["pen_down_mm"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-60", help="seeds: 1-60, or 1,2,3 (default 1-60)")
    parser.add_argument("--scenes", default=",".join(SCENES), help="comma-separated scenes (default: all)")
    args = parser.parse_args()
    seeds = seed_list(args.seeds)
    print(f"{len(seeds)} seeds; travel target <= {TRAVEL_TARGET:.0%} of pen-down, between strokes")
    print(f"{'case':<22} {'objects':>7} {'time s median/max':>17} {'target':>6}   {'travel mean':>11} "
          f"{'worst (seed)':>14}  {'with home moves mean/worst':>26}  {'seeds over':>10}")
    for name, page, scene, pens in cases(args.scenes.split(",")):
        rows = [measure(page, scene, pens, seed) for seed in seeds]
        times, objects, between, home = (list(column) for column in zip(*rows, strict=True))
        worst = max(range(len(seeds)), key=between.__getitem__)
        over = sum(b > TRAVEL_TARGET for b in between)
        print(f"{name:<22} {min(objects):>3}-{max(objects):<3} {statistics.median(times):>8.2f} / {max(times):<6.2f} "
              f"{TIME_TARGET_S[page]:>6.1f}   {statistics.mean(between):>11.1%} "
              f"{between[worst]:>7.1%} ({seeds[worst]:>3})  {statistics.mean(home):>16.1%} / {max(home):<7.1%}  "
              f"{over:>10}")


if __name__ == "__main__":
    main()
