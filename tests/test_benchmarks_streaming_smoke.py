"""The streaming benchmark runs end to end on tiny programs and reports every target row.

Run as a script, in a subprocess, the way a person runs it. Nothing here asserts on a time
or on a verdict: only that each row is measured and judged.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "streaming.py"
TARGETED = ["line busy (wire-bound)", "max unacknowledged", "estimate vs simulator", "streamer CPU"]


def test_quick_run_prints_one_judged_row_per_target_and_writes_the_report(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["target", "case", "measured", "limit", "result"]
    for target in TARGETED:
        rows = [line for line in lines if line.startswith(target)]
        assert rows and all(line.rstrip().endswith(("PASS", "MISS")) for line in rows), target
    estimates = [line for line in lines if line.startswith("estimate vs simulator")]
    assert {m for line in estimates for m in ("grbl-servo", "grbl-z") if m in line} == {"grbl-servo", "grbl-z"}
    assert sum("demo piece" in line for line in estimates) == 2
    assert sum("random walks" in line for line in estimates) == 4
    report = (tmp_path / "streaming.md").read_text()
    assert report.startswith("# Streaming targets") and report.count("\n| ") == len(lines) - 1
