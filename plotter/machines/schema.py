"""Strict TOML tables → frozen dataclasses, and back to TOML text.

A dataclass field's type hint is its schema: ``float``, ``int``, ``bool``, ``str``, a ``Literal``
of choices, ``tuple[str, ...]``, ``tuple[float, float]``, a nested dataclass (a TOML table) or
``Section | None`` (an optional table). A field's ``metadata["check"]`` is a function that
returns what was expected when a value is wrong, or None. Unknown keys, wrong types and missing
required keys are errors naming the file and the dotted key: a misspelt key is never ignored,
unlike profiles read with defaults.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ProfileError

Check = Callable[[Any], "str | None"]


def build(cls: type, table: Any, source: str, prefix: str = "") -> Any:
    """Return ``cls(**table)`` after checking every key of ``table`` against ``cls``'s fields."""
    if not isinstance(table, Mapping):
        raise ProfileError(f"{source}: {prefix.rstrip('.') or 'profile'}: expected a table, got {_describe(table)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("toml", True)}
    for key in table:
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f" (did you mean {prefix + close[0]!r}?)" if close else ""
            raise ProfileError(f"{source}: unknown key {prefix + key!r}{hint}; valid keys here: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, field in fields.items():
        key = prefix + name
        if name not in table:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ProfileError(f"{source}: missing required key {key!r}")
            continue
        values[name] = _convert(hints[name], table[name], source, key)
        expected = field.metadata.get("check", _no_check)(values[name])
        if expected:
            raise ProfileError(f"{source}: {key} = {_show(table[name])}: expected {expected}")
    return cls(**values)


def dump(instance: Any) -> str:
    """TOML text for a dataclass built by :func:`build`: top-level keys, then one table per section."""
    scalars, tables = [], []
    _dump_into(instance, "", scalars, tables)
    return "\n".join(scalars + tables) + "\n"


def _dump_into(instance: Any, prefix: str, scalars: list[str], tables: list[str]) -> None:
    sections = []
    for field in dataclasses.fields(instance):
        value = getattr(instance, field.name)
        if not field.metadata.get("toml", True) or value is None:
            continue
        if dataclasses.is_dataclass(value):
            sections.append((field.name, value))
        else:
            scalars.append(f"{field.name} = {_toml_value(value)}")
    for name, section in sections:
        inner: list[str] = []
        _dump_into(section, f"{prefix}{name}.", inner, tables)
        tables.extend(["", f"[{prefix}{name}]", *inner])


def _convert(hint: Any, value: Any, source: str, key: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # an optional section: ``Section | None``
        (section,) = [a for a in args if a is not type(None)]
        return build(section, value, source, key + ".")
    if dataclasses.is_dataclass(hint):
        return build(hint, value, source, key + ".")
    if origin is typing.Literal:
        if value not in args:
            raise ProfileError(f"{source}: {key} = {_show(value)}: expected one of {', '.join(map(repr, args))}")
        return value
    if origin is tuple:
        count = None if args[-1] is Ellipsis else len(args)
        if not isinstance(value, list) or (count is not None and len(value) != count):
            want = "a list" if count is None else f"a list of {count} numbers"
            raise ProfileError(f"{source}: {key} = {_show(value)}: expected {want}")
        items = args[:1] * len(value) if count is None else args
        return tuple(_convert(h, v, source, f"{key}[{i}]") for i, (h, v) in enumerate(zip(items, value, strict=True)))
    return _scalar(hint, value, source, key)


def _scalar(hint: type, value: Any, source: str, key: str) -> Any:
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint in (bool, str) and isinstance(value, hint):
        return value
    want = {float: "a finite number", int: "an integer", bool: "true or false", str: "a string"}[hint]
    raise ProfileError(f"{source}: {key} = {_show(value)}: expected {want}, got {_describe(value)}")


def _no_check(value: Any) -> None:
    return None


def _describe(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    text = _toml_value(value) if not isinstance(value, dict) else "{...}"
    return text if len(text) <= 60 else text[:57] + "..."


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # JSON strings are TOML basic strings, except that TOML also forbids a raw DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)  # int and finite float reprs are valid TOML
