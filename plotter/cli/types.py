"""Click parameter types: units and page sizes are parsed once, here, at the boundary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..errors import UnitError
from ..units import parse_length, parse_page


class ParsedType(click.ParamType):
    """A value typed as text and parsed by ``parse``; its :class:`UnitError` becomes a usage error."""

    def __init__(self, name: str, parse: Callable[[str], Any], parsed: type | tuple[type, ...]) -> None:
        self.name = name
        self._parse = parse
        self._parsed = parsed  # a default already in parsed form passes through

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        if isinstance(value, self._parsed):
            return value
        try:
            return self._parse(value)
        except UnitError as error:
            self.fail(str(error), param, ctx)


#: A length with an optional unit (``10``, ``10mm``, ``0.5in``), in mm.
LENGTH = ParsedType("length", parse_length, float)
#: A page size (``a4``, ``a3-landscape``, ``letter``, ``300x200mm``), as ``(width, height)`` mm.
PAGE = ParsedType("page", parse_page, tuple)
