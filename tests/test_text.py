"""Hershey text: glyph geometry, spacing, alignment, lines, wrapping, pages of text and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plotter.errors import PlotterError
from plotter.text import (
    MIN_TEXT_MM,
    TextError,
    drawable,
    fonts,
    line_pitch,
    text_block_height,
    text_paths,
    text_plan,
    text_width,
    wrap,
)

# futural's "I": one stroke from the cap line (-12) to the baseline (9), 4 units right of its
# left side, 8 units of advance: a cap height is 21 units.
I_OFFSET, I_ADVANCE, CAP_UNITS = 4 / 21, 8 / 21, 21
PRINTABLE = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@pytest.mark.parametrize("size_mm", [1.0, 2.5, 5.0, 40.0])
def test_futural_I_is_one_vertical_stroke_of_cap_height_standing_on_the_baseline(size_mm):
    (stroke,) = text_paths("I", size_mm=size_mm, origin=(10.0, 50.0))
    assert stroke.shape == (2, 2)
    assert stroke[:, 0] == pytest.approx([10.0 + I_OFFSET * size_mm] * 2)
    assert stroke[:, 1] == pytest.approx([50.0 - size_mm, 50.0])  # cap line above, baseline at the origin


def test_glyphs_advance_by_the_fonts_own_widths():
    first, second = text_paths("II", size_mm=21.0)
    assert second[0, 0] - first[0, 0] == pytest.approx(I_ADVANCE * 21.0)
    assert text_width("II", size_mm=21.0) == pytest.approx(16.0)
    assert text_width("W", size_mm=21.0) > text_width("I", size_mm=21.0)  # proportional, not monospaced


@pytest.mark.parametrize(("align", "x"), [("left", 100 + 4 / 21 * 7), ("center", 100.0), ("right", 100 - 4 / 21 * 7)])
def test_origin_is_the_left_end_centre_or_right_end_of_the_baseline(align, x):
    (stroke,) = text_paths("I", size_mm=7.0, origin=(100.0, 20.0), align=align)
    assert stroke[0, 0] == pytest.approx(x)


def test_each_line_starts_line_spacing_cap_heights_lower_and_is_aligned_on_its_own():
    top, middle, bottom = text_paths("I\nIII\nI", size_mm=4.0, origin=(0.0, 10.0), align="right", line_spacing=2.0)[::2]
    assert [top[1, 1], middle[1, 1]] == pytest.approx([10.0, 10.0 + 2 * 4.0])
    assert line_pitch(4.0, 2.0) == pytest.approx(8.0)
    # right-aligned: the last "I" of every line ends at the same x
    assert top[0, 0] == pytest.approx(text_paths("I\nIII\nI", size_mm=4.0, align="right", line_spacing=2.0,
                                                 origin=(0.0, 10.0))[3][0, 0])
    assert bottom[1, 1] == pytest.approx(10.0 + 2 * 2 * 4.0)


def test_empty_lines_and_spaces_draw_nothing_but_keep_their_place():
    assert text_paths("") == [] and text_paths("   \n ") == []
    (stroke,) = text_paths("\n\nI", size_mm=2.0)
    assert stroke[1, 1] == pytest.approx(2 * line_pitch(2.0))


def test_paths_are_read_only_float_arrays_a_plan_can_share():
    for path in text_paths("Hello, plotter!", font="scripts"):
        assert path.dtype == np.float64 and path.shape[1] == 2 and not path.flags.writeable


@given(text=PRINTABLE, x=st.floats(-500, 500), y=st.floats(-500, 500))
def test_moving_the_origin_moves_the_text_and_centring_shifts_by_half_the_width(text, x, y):
    home = text_paths(text, size_mm=3.0)
    moved = text_paths(text, size_mm=3.0, origin=(x, y))
    centred = text_paths(text, size_mm=3.0, origin=(x, y), align="center")
    assert len(home) == len(moved) == len(centred)
    if "\n" not in text and home:
        shift = np.array([x - text_width(text, size_mm=3.0) / 2, y])
        for a, b, c in zip(home, moved, centred, strict=True):
            np.testing.assert_allclose(b, a + [x, y], atol=1e-9)
            np.testing.assert_allclose(c, a + shift, atol=1e-9)


def test_every_font_is_listed_and_the_latin_ones_write_a_sentence():
    names = fonts()
    assert len(names) == 32 and names == sorted(names) and "futural" in names
    for font in ("futural", "scripts", "timesr", "gothiceng", "cursive", "rowmans"):
        assert len(text_paths("The quick brown fox, 1970.", font=font)) > 20


@pytest.mark.parametrize(("text", "font", "message"), [
    ("café\tbar", "futural", r"font 'futural' has no glyph for '\\t' \(U\+0009\), 'é' \(U\+00E9\)"),
    ("AB", "futurl", r"unknown font 'futurl'; did you mean futural, futuram\?"),
    ("AB", "helvetica", r"unknown font 'helvetica'; available: astrology, cursive, .*futural"),
    ("Q", "markers", r"font 'markers' has no glyph for 'Q'"),
])
def test_missing_glyphs_and_unknown_fonts_are_named(text, font, message):
    with pytest.raises(TextError, match=message):
        text_paths(text, font=font)


@pytest.mark.parametrize(("options", "message"), [
    ({"size_mm": 0.0}, "text size 0.0 mm must be a positive number"),
    ({"size_mm": float("nan")}, "text size nan mm"),
    ({"align": "justify"}, "unknown alignment 'justify'; valid: left, center, right"),
    ({"line_spacing": -1.0}, "line spacing -1.0 must be a positive number"),
    ({"origin": (0.0, float("inf"))}, "text origin"),
])
def test_bad_options_are_refused_with_the_value(options, message):
    with pytest.raises(PlotterError, match=message.replace("(", r"\(")):
        text_paths("A", **options)


@given(words=st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzIW.,", min_size=1, max_size=8), max_size=40),
       width=st.floats(40, 200))
def test_wrapping_keeps_every_word_in_order_and_every_line_inside_the_width(words, width):
    text = " ".join(words)
    wrapped = wrap(text, width, size_mm=4.0)
    assert wrapped.split() == text.split()
    assert all(text_width(line, size_mm=4.0) <= width + 1e-9 for line in wrapped.split("\n"))


def test_wrapping_keeps_paragraphs_and_names_a_word_longer_than_a_line():
    assert wrap("one two\nthree", 1000.0) == "one two\nthree"
    assert wrap("one two three", text_width("one two", size_mm=5.0)) == "one two\nthree"
    with pytest.raises(TextError, match=r"the word 'extraordinary' is [\d.]+ mm wide at 5 mm; a line holds 20.0 mm"):
        wrap("an extraordinary day", 20.0)


def test_a_text_page_is_centred_on_the_page_and_records_how_it_was_made():
    plan = text_plan("HH", (200.0, 100.0), size_mm=10.0, align="center")
    xmin, ymin, xmax, ymax = plan.bounds()
    assert (xmin + xmax) / 2 == pytest.approx(100.0)
    tall = text_block_height(1, size_mm=10.0)
    assert ymin == pytest.approx((100.0 - tall) / 2)  # the cap line of "H" tops the block
    assert plan.metadata["generator"] == "text" and plan.metadata["lines"] == 1
    assert plan.metadata["params"]["text"] == "HH"


def test_a_text_page_wraps_to_the_page_inside_its_margins():
    plan = text_plan("a few words that are far too many for a single line of a small page", (100.0, 150.0),
                     size_mm=5.0, margin_mm=10.0)
    xmin, ymin, xmax, ymax = plan.bounds()
    assert plan.metadata["lines"] > 2
    assert 10.0 <= xmin and xmax <= 90.0 and 10.0 <= ymin and ymax <= 140.0


@pytest.mark.parametrize(("text", "options", "message"), [
    ("  \n", {}, "nothing to write: the text is empty"),
    ("tiny", {"size_mm": MIN_TEXT_MM / 2}, "text size 0.25 mm is too small for a pen; the smallest is 0.5 mm"),
    ("huge", {"size_mm": 500.0}, "the word 'huge' is"),
    ("line\n" * 40, {"size_mm": 5.0}, r"the text needs 41 lines, [\d.]+ mm at 5 mm, but the 100 x 150 mm page holds"),
    ("text", {"margin_mm": 80.0}, "margin 80.0 mm leaves no room on a 100 x 150 mm page"),
])
def test_a_text_page_that_cannot_be_made_says_why(text, options, message):
    with pytest.raises(TextError, match=message):
        text_plan(text, (100.0, 150.0), **options)


@pytest.mark.parametrize(("given", "drawn"), [
    ("café.jpg", "cafe.jpg"),
    ("Ångström", "Angstrom"),
    ("写真.png", "??.png"),
    ("plain", "plain"),
])
def test_drawable_drops_accents_and_marks_what_the_font_lacks(given, drawn):
    assert drawable(given) == drawn
    text_paths(drawable(given))  # never raises
