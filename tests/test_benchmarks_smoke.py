"""The benchmark harness runs end to end on a tiny input and reports every row.

The harness is a script (``benchmarks/run.py``), so it is run as one, in a subprocess, the
way ``make bench`` runs it: once without vpype (as in CI, where the ``bench`` extra is
absent) and once with it when it is installed. Nothing here asserts on a time.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
EXPECTED_ROWS = {
    ("order", "travel vs linesort"),
    ("order", "time vs linesort"),
    ("svg", "write"),
    ("svg", "read (file by ours)"),
    *(
        (f"merge/simplify {s}", f"{op} {what}")
        for s in ("random", "chained")
        for op in ("merge", "simplify")
        for what in ("time", "strokes out", "segments out", "zero-length segments out")
    ),
    ("merge/simplify random", "merge zero-length segments added"),
    ("merge/simplify chained", "merge zero-length segments added"),
    ("memory", "plan bytes per 1M points"),
}
WITH_VPYPE_ONLY = {
    ("svg", "read (file by vpype)"),
    ("svg", "read real SVG (vpype-drawn)"),
    ("order", "travel vs linesort (real SVG)"),
    ("order", "time vs linesort (real SVG)"),
}


def _vpype_installed() -> bool:
    return importlib.util.find_spec("vpype") is not None


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(False, id="without-vpype"),
        pytest.param(True, id="with-vpype", marks=pytest.mark.skipif(not _vpype_installed(), reason="no vpype")),
    ],
)
def quick_run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--sizes", "200", "--out", str(out)]
    if not request.param:
        command.append("--no-vpype")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return request.param, out, done


def test_quick_run_exits_cleanly_and_prints_one_table(quick_run):
    _, out, done = quick_run
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0].split()
    assert header[:3] == ["section", "row", "N"]
    assert {"ours", "vpype", "ours/vpype", "target", "result"} <= set(header)
    assert (out / "results.md").read_text().count("\n| ") >= len(EXPECTED_ROWS)


def test_quick_run_reports_every_row_with_our_numbers(quick_run):
    with_vpype, out, done = quick_run
    rows = {(r["section"], r["name"]): r for r in json.loads((out / "results.json").read_text())["rows"]}
    expected = EXPECTED_ROWS | (WITH_VPYPE_ONLY if with_vpype else set())
    assert expected <= set(rows)
    for key in expected:
        assert isinstance(rows[key]["ours"], int | float), (key, rows[key]["note"])
        assert rows[key]["size"] in ("200", "real")


def test_vpype_column_is_filled_only_when_vpype_runs(quick_run):
    with_vpype, out, _ = quick_run
    rows = json.loads((out / "results.json").read_text())["rows"]
    # a zero-length count can be 0 for vpype too, which leaves the ratio undefined
    ratios = [r["ratio"] for r in rows if (r["section"], r["name"]) in EXPECTED_ROWS and "zero" not in r["name"]]
    if with_vpype:
        assert all(isinstance(r, float) for r in ratios)
    else:
        assert all(r["vpype"] is None and r["ratio"] is None for r in rows)
        assert not any(r["verdict"] == "PASS" and r["target"].startswith("ratio") for r in rows if r["target"])


def test_targeted_rows_get_a_verdict_and_informational_rows_none(quick_run):
    with_vpype, out, _ = quick_run
    rows = json.loads((out / "results.json").read_text())["rows"]
    for row in rows:
        if row["target"] is None:
            assert row["verdict"] is None
        elif row["target"].startswith("ours") or with_vpype:
            assert row["verdict"] in ("PASS", "MISS"), row


@pytest.mark.parametrize("count", [2, 50, 1000])
def test_random_polylines_follow_the_agreed_recipe(count):
    data = _load("data")
    paths = data.random_polylines(count)
    assert len(paths) == count
    lengths = np.array([len(p) for p in paths])
    assert lengths.min() >= 2 and lengths.max() <= 10
    points = np.concatenate(paths)
    assert (points >= 0).all() and (points <= data.PAGE_MM).all()
    steps = np.concatenate([np.hypot(*np.diff(p, axis=0).T) for p in paths])
    assert steps.max() <= data.STEP_MM[1] + 1e-9  # clipping only shortens a step
    assert all(np.array_equal(a, b) for a, b in zip(paths, data.random_polylines(count), strict=True))


def test_chained_pieces_rebuild_their_walks_end_to_end():
    data = _load("data")
    pieces = data.chained_pieces(1000, pieces_per_walk=10)
    assert len(pieces) == 1000 and all(p.shape == (4, 2) for p in pieces)
    ends = np.concatenate([[p[0], p[-1]] for p in pieces])
    _, inverse, counts = np.unique(ends, axis=0, return_inverse=True, return_counts=True)
    # 100 walks of 10 pieces: 9 joints each are the end of two pieces, only 2 ends are free
    assert np.count_nonzero(counts[inverse] >= 2) >= 1800
