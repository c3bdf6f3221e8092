"""``plotter paint text``: writes a page of text, redraws it byte for byte, refuses bad input in one line."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from plotter import svg
from plotter.cli import main


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["paint", "text", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _metadata(data: bytes) -> dict:
    return json.loads(re.search(rb"<plotter:plan>(.*)</plotter:plan>", data, re.S).group(1))


def test_writes_the_text_centred_with_a_summary(tmp_path, capsys):
    out = tmp_path / "hello.svg"
    code, _, err = _run(["Hello, plotter", "--size", "10mm", "--page", "a5", "-o", str(out)], capsys)
    assert code == 0, err
    assert re.fullmatch(r"wrote .*hello.svg: 1 line, \d+ strokes, pen-down [\d.]+ (mm|m) in \d+\.\d\d s\n", err)
    plan = svg.read(out)
    xmin, ymin, xmax, ymax = plan.bounds()
    assert plan.path_count > 10 and (xmin + xmax) / 2 == pytest.approx(148 / 2, abs=1.0)
    assert 10.0 <= xmin and xmax <= 138.0 and ymax - ymin < 20.0


def test_the_redraw_command_writes_the_same_file_byte_for_byte(tmp_path, capsys):
    out = tmp_path / "poem.svg"
    text = "It's a long way\nto the top, if you want to 'rock'n'roll'"
    code, _, err = _run([text, "--font", "scripts", "--size", "0.25in", "--page", "a6", "--align", "right",
                         "--margin", "5mm", "-o", str(out)], capsys)
    assert code == 0, err
    first = out.read_bytes()
    meta = _metadata(first)
    assert meta["params"]["text"] == text and meta["lines"] >= 3
    words = shlex.split(meta["command"])
    assert words[:3] == ["plotter", "paint", "text"]
    out.unlink()
    code, _, err = _run(words[3:], capsys)
    assert code == 0, err
    assert out.read_bytes() == first


def test_list_fonts_prints_one_name_a_line(capsys):
    code, out, _ = _run(["--list-fonts"], capsys)
    assert code == 0 and "futural" in out.split("\n") and len(out.split()) == 32


@pytest.mark.parametrize(("args", "message"), [
    (["", "-o", "OUT"], "plotter: error: nothing to write: the text is empty"),
    (["hi", "--size", "0", "-o", "OUT"], "plotter: error: text size 0.0 mm must be a positive number"),
    (["hi", "--size", "-2mm", "-o", "OUT"], "plotter: error: text size -2.0 mm must be a positive number"),
    (["hi", "--size", "0.1mm", "-o", "OUT"], "plotter: error: text size 0.1 mm is too small for a pen"),
    (["hello", "--size", "1m", "-o", "OUT"], "plotter: error: the word 'hello' is"),
    (["hi", "--size", "ten", "-o", "OUT"], "Error: Invalid value for '--size': cannot read length 'ten'"),
    (["hi", "--font", "timesroman", "-o", "OUT"], "plotter: error: unknown font 'timesroman'; did you mean timesr"),
    (["naïve", "-o", "OUT"], "plotter: error: font 'futural' has no glyph for 'ï' (U+00EF)"),
    (["line\n" * 60, "--page", "a6", "-o", "OUT"], "plotter: error: the text needs 61 lines"),
    (["hi", "--align", "justify", "-o", "OUT"], "Error: Invalid value for '--align'"),
    (["hi"], "Error: give the SVG to write with -o OUT.svg"),
    (["-o", "OUT"], "Error: give the TEXT to write (or --list-fonts)"),
])
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out.svg"
    code, stdout, err = _run([str(out) if a == "OUT" else a for a in args], capsys)
    assert code == 2
    assert message in err
    assert stdout == "" and not out.exists()
    if message.startswith("plotter: error"):  # a usage error shows click's usage line too
        assert err.startswith(message) and err.count("\n") == 1
