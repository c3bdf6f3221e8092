"""``plotter paint aaron``: writes the piece, explains it, redraws it, refuses bad input in one line.

The ``paint`` group is not registered in ``plotter.cli`` yet, so the command is invoked
directly; errors a user caused must reach ``plotter.cli.main`` as :class:`PlotterError`.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest
from click.testing import CliRunner

from plotter import PlanError, svg
from plotter.cli.paint_aaron import aaron
from plotter.pens import PenSetError


def _run(*args: str):
    return CliRunner().invoke(aaron, list(args))


def _metadata(path) -> dict:
    return json.loads(re.search(r"<plotter:plan>(.*)</plotter:plan>", path.read_text()).group(1))


def test_writes_the_piece_with_a_summary_and_the_redraw_command(tmp_path):
    out = tmp_path / "piece.svg"
    result = _run("--seed", "5", "--page", "a5", "--objects", "6", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert re.search(r"wrote .*piece.svg: 6 objects, \d+ strokes, pen-down .* in \d+\.\d\d s", result.output)
    meta = _metadata(out)
    assert meta["seed"] == 5 and meta["params"]["objects"] == 6
    assert meta["command"] == (f"plotter paint aaron --seed 5 --page 148x210mm --pens 'black:#1b1b1b:0.3' "
                               f"--scene garden --objects 6 --margin-mm 12.0 --wobble 1.0 --failures 5 "
                               f"--cell-mm 3.0 -o {out}")
    assert svg.read(out).path_count > 50


def test_the_redraw_command_draws_the_same_file_byte_for_byte(tmp_path):
    out = tmp_path / "a.svg"
    assert _run("--seed", "8", "--page", "a5", "--scene", "figures", "--objects", "5", "--pens",
                "black,red", "-o", str(out)).exit_code == 0
    first = out.read_bytes()
    out.unlink()
    words = shlex.split(_metadata_from(first)["command"])
    assert words[:3] == ["plotter", "paint", "aaron"]
    assert _run(*words[3:]).exit_code == 0
    assert out.read_bytes() == first


def _metadata_from(data: bytes) -> dict:
    return json.loads(re.search(rb"<plotter:plan>(.*)</plotter:plan>", data).group(1))


def test_explain_prints_the_rules_per_object(tmp_path):
    result = _run("--seed", "2", "--page", "a5", "--objects", "4", "--explain", "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 0
    assert "picture | composition: garden" in result.output
    assert re.search(r"object 1 \w+ \| space allocation: ", result.output)
    assert "| pen moves: " in result.output


@pytest.mark.parametrize("args,message", [
    (["--scene", "jungle"], "Invalid value for '--scene'"),
    (["--objects", "-3"], "Invalid value for '--objects'"),
    (["--objects", "500"], "500 is not in the range 1<=x<=200"),
    (["--page", "b99"], "Invalid value for '--page'"),
    (["--seed", "-1"], "Invalid value for '--seed'"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, args, message):
    result = _run(*args, "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.svg").exists()


def test_a_page_too_small_raises_a_plotter_error_naming_it(tmp_path):
    with pytest.raises(PlanError, match="a 30 x 30 mm page is too small for any object"):
        aaron.main(["--page", "30x30mm", "-o", str(tmp_path / "x.svg")], standalone_mode=False)
    assert not (tmp_path / "x.svg").exists()


def test_an_invalid_pen_file_raises_a_plotter_error_naming_it(tmp_path):
    pens = tmp_path / "pens.toml"
    pens.write_text('[[pen]]\nname = "red"\ncolour = "#ff0000"\n')
    with pytest.raises(PenSetError, match=r"pens.toml: pen 1: unknown key 'colour'"):
        aaron.main(["--pens", str(pens), "-o", str(tmp_path / "x.svg")], standalone_mode=False)
