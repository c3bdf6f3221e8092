"""The demo piece: reproducible from its seed, inside the page, parameters checked."""

from __future__ import annotations

import numpy as np
import pytest

from painters.schotter import SchotterParams, paint
from plotter import PlanError, svg


def test_same_seed_same_plan_and_other_seed_other_plan():
    first, again, other = paint(3), paint(3), paint(4)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(first.iter_paths(), again.iter_paths(), strict=True))
    assert not all(np.array_equal(a, b) for (_, a), (_, b) in zip(first.iter_paths(), other.iter_paths(), strict=True))


def test_disorder_grows_down_the_page():
    plan = paint(1, SchotterParams(columns=10, rows=10))
    paths = [p for _, p in plan.iter_paths()]
    first_row, last_row = paths[:10], paths[-10:]

    def tilt(square: np.ndarray) -> float:
        edge = square[1] - square[0]
        return abs(np.arctan2(edge[1], edge[0]))

    assert max(tilt(s) for s in first_row) < 1e-9
    assert np.mean([tilt(s) for s in last_row]) > 0.1


def test_every_square_is_closed_and_on_the_page():
    plan = paint(5)
    xmin, ymin, xmax, ymax = plan.bounds()
    assert xmin > 0 and ymin > 0 and xmax < plan.page_mm[0] and ymax < plan.page_mm[1]
    assert all(np.array_equal(p[0], p[-1]) for _, p in plan.iter_paths())
    assert plan.metadata["seed"] == 5 and plan.metadata["params"]["rows"] == 20


def test_out_of_range_parameters_are_refused():
    with pytest.raises(PlanError, match="columns=0 is outside 1..60"):
        paint(1, SchotterParams(columns=0))


def test_the_recorded_command_redraws_the_same_file(tmp_path, monkeypatch):
    import shlex

    from plotter.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["paint", "schotter", "--seed", "4", "--rows", "8", "--accent-every", "3", "-o", "first.svg"]) == 0
    command = svg.read(tmp_path / "first.svg").metadata["command"]
    args = shlex.split(command.replace("OUT.svg", "again.svg"))[1:]
    assert main(args) == 0
    assert (tmp_path / "first.svg").read_bytes() == (tmp_path / "again.svg").read_bytes()
