"""Pen sets: the pens a user owns, from a TOML file or a short list typed on the command line.

A file lists one ``[[pen]]`` table per pen::

    [[pen]]
    name = "fineliner black"
    color = "#1b1b1b"
    width_mm = 0.3

On the command line ``--pens black,red:#c0392b:0.5,"blue:#1f4e9c"`` gives the same in short:
``name[:colour[:width]]``, where a name that is a known colour needs no colour. Unknown keys
in a file and unreadable values are errors naming the file, the pen and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import PlanError, PlotterError
from .plan import Pen

#: Colours a pen may be named by without giving its hex value.
NAMED_COLOURS: dict[str, str] = {
    "black": "#1b1b1b",
    "grey": "#7f7f7f",
    "gray": "#7f7f7f",
    "red": "#c0392b",
    "orange": "#e67e22",
    "yellow": "#f1c40f",
    "green": "#27ae60",
    "teal": "#16a085",
    "blue": "#1f4e9c",
    "purple": "#8e44ad",
    "brown": "#7b4a26",
    "pink": "#e84393",
}

_PEN_KEYS = {"name", "color", "width_mm"}
DEFAULT_WIDTH_MM = 0.3


class PenSetError(PlotterError):
    """A pen set file or list could not be understood."""


def parse_pens(spec: str) -> tuple[Pen, ...]:
    """Pens from a ``.toml`` file path or a comma-separated list (see the module docstring)."""
    path = Path(spec)
    if spec.endswith(".toml") or path.is_file():
        return load_pen_file(path)
    pens = tuple(_pen_from_words(word.strip(), spec) for word in spec.split(",") if word.strip())
    return _checked(pens, f"pen list {spec!r}")


def load_pen_file(path: Path) -> tuple[Pen, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PenSetError(f"{path}: cannot read pen set: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PenSetError(f"{path}: not a valid TOML pen set: {error}") from None
    extra = set(data) - {"pen"}
    if extra:
        raise PenSetError(f"{path}: unknown key {sorted(extra)[0]!r}; a pen set has only [[pen]] tables")
    tables = data.get("pen", [])
    if not isinstance(tables, list):
        raise PenSetError(f"{path}: 'pen' must be a list of [[pen]] tables")
    pens = []
    for number, table in enumerate(tables, start=1):
        where = f"{path}: pen {number}"
        unknown = set(table) - _PEN_KEYS
        if unknown:
            raise PenSetError(f"{where}: unknown key {sorted(unknown)[0]!r}; expected {', '.join(sorted(_PEN_KEYS))}")
        if "name" not in table:
            raise PenSetError(f"{where}: missing key 'name'")
        name = str(table["name"])
        color = table.get("color", NAMED_COLOURS.get(name.lower()))
        if color is None:
            raise PenSetError(f"{where} ({name}): missing key 'color' (#rrggbb)")
        width = table.get("width_mm", DEFAULT_WIDTH_MM)
        if not isinstance(width, int | float) or isinstance(width, bool):
            raise PenSetError(f"{where} ({name}): width_mm must be a number of mm, got {width!r}")
        pens.append(_pen(name, str(color), float(width), where))
    return _checked(tuple(pens), str(path))


def _pen_from_words(word: str, spec: str) -> Pen:
    name, *rest = word.split(":")
    color = rest[0] if rest and rest[0] else NAMED_COLOURS.get(name.lower())
    if color is None:
        raise PenSetError(f"pen {name!r} in {spec!r} needs a colour: write {name}:#rrggbb[:width_mm]")
    try:
        width = float(rest[1]) if len(rest) > 1 else DEFAULT_WIDTH_MM
    except ValueError:
        raise PenSetError(f"pen {name!r} in {spec!r}: width {rest[1]!r} is not a number of mm") from None
    return _pen(name, color, width, f"pen list {spec!r}")


def _pen(name: str, color: str, width: float, where: str) -> Pen:
    try:
        return Pen(name, color.lower(), width)
    except PlanError as error:
        raise PenSetError(f"{where}: {error}") from None


def _checked(pens: tuple[Pen, ...], where: str) -> tuple[Pen, ...]:
    if not pens:
        raise PenSetError(f"{where}: no pens in the set")
    names = [pen.name for pen in pens]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PenSetError(f"{where}: pen {twice[0]!r} is listed twice")
    return pens
