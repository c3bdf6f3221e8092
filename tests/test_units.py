"""Units and page sizes as a user types them."""

from __future__ import annotations

import pytest

from plotter.errors import UnitError
from plotter.units import parse_length, parse_page


@pytest.mark.parametrize(
    ("text", "mm"),
    [("10", 10), ("10mm", 10), ("2.5cm", 25), ("1in", 25.4), ("96px", 25.4), ("72pt", 25.4), (".5 in", 12.7),
     ("-3mm", -3), ("1e1mm", 10), (4.0, 4.0)],
)
def test_lengths_convert_to_mm(text, mm):
    assert parse_length(text) == pytest.approx(mm)


@pytest.mark.parametrize(("text", "message"), [("10furlongs", "unknown unit 'furlongs'"), ("abc", "cannot read"),
                                               ("", "cannot read")])
def test_bad_lengths_name_the_problem(text, message):
    with pytest.raises(UnitError, match=message):
        parse_length(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("a4", (210, 297)), ("A4", (210, 297)), ("a4-landscape", (297, 210)), ("a3l", (420, 297)),
     ("letter", (215.9, 279.4)), ("300x200mm", (300, 200)), ("11x8.5in", (279.4, 215.9)), ("300x200", (300, 200))],
)
def test_page_sizes(text, size):
    assert parse_page(text) == pytest.approx(size)


@pytest.mark.parametrize(("text", "message"), [("a99", "unknown page size"), ("0x100mm", "must be positive"),
                                               ("10x10parsecs", "unknown unit")])
def test_bad_page_sizes_name_the_problem(text, message):
    with pytest.raises(UnitError, match=message):
        parse_page(text)
