"""Click parameter types: units and page sizes are parsed once, here, at the boundary."""

from __future__ import annotations

import click

from ..errors import UnitError
from ..units import parse_length, parse_page


class LengthType(click.ParamType):
    """A length with an optional unit (``10``, ``10mm``, ``0.5in``), converted to mm."""

    name = "length"

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        if isinstance(value, float):
            return value
        try:
            return parse_length(value)
        except UnitError as error:
            self.fail(str(error), param, ctx)


class PageType(click.ParamType):
    """A page size (``a4``, ``a3-landscape``, ``letter``, ``300x200mm``), converted to mm."""

    name = "page"

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        if isinstance(value, tuple):
            return value
        try:
            return parse_page(value)
        except UnitError as error:
            self.fail(str(error), param, ctx)


LENGTH = LengthType()
PAGE = PageType()
