"""Pen sets from files and command-line lists."""

from __future__ import annotations

import pytest

from plotter.pens import PenSetError, parse_pens


def test_a_short_list_names_colours_and_widths():
    pens = parse_pens("black, red:#CC0000:0.5,blue")
    assert [(p.name, p.color, p.width_mm) for p in pens] == [
        ("black", "#1b1b1b", 0.3), ("red", "#cc0000", 0.5), ("blue", "#1f4e9c", 0.3)]


def test_a_toml_file(tmp_path):
    path = tmp_path / "pens.toml"
    path.write_text('[[pen]]\nname = "fine"\ncolor = "#112233"\nwidth_mm = 0.1\n[[pen]]\nname = "red"\n')
    assert [(p.name, p.color, p.width_mm) for p in parse_pens(str(path))] == [("fine", "#112233", 0.1),
                                                                              ("red", "#c0392b", 0.3)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[pen]]\nname = "x"\ncolour = "#000000"\n', r"pen 1: unknown key 'colour'"),
        ('[[pen]]\ncolor = "#000000"\n', "missing key 'name'"),
        ('[[pen]]\nname = "mauve"\n', r"\(mauve\): missing key 'color'"),
        ('[[pen]]\nname = "x"\ncolor = "blue-ish"\n', "#rrggbb"),
        ('[[pen]]\nname = "x"\ncolor = "#000000"\nwidth_mm = "thin"\n', "width_mm must be a number"),
        ("", "no pens"),
        ("this is = = not toml", "not a valid TOML"),
        ('[[pen]]\nname = "black"\n[[pen]]\nname = "black"\n', "listed twice"),
    ],
)
def test_bad_files_name_the_file_pen_and_key(tmp_path, content, message):
    path = tmp_path / "pens.toml"
    path.write_text(content)
    with pytest.raises(PenSetError, match=message) as caught:
        parse_pens(str(path))
    assert "pens.toml" in str(caught.value)


@pytest.mark.parametrize(("spec", "message"), [("mauve", "needs a colour"), ("red:#ff0000:fat", "not a number"),
                                               (" , ", "no pens"), ("missing.toml", "cannot read")])
def test_bad_lists(spec, message):
    with pytest.raises(PenSetError, match=message):
        parse_pens(spec)
