"""Finding machine profiles: built-ins, the user's folders, files named by path, and ``base`` inheritance.

A name is looked up as ``<folder>/<name>.toml`` in the ``search_path`` folders, then in the
folders of the ``PLOTTER_MACHINES`` environment variable (``os.pathsep``-separated), then among
the built-ins, so a user's file can stand in for a built-in of the same name. A file may say
``base = "grbl-servo"`` to start from another profile and override some of its keys (tables are
merged key by key, lists are replaced).

>>> load_machine("grbl-servo").bed.width_mm
300.0
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ProfileError
from .profile import Machine

ENV_VAR = "PLOTTER_MACHINES"
_BUILTIN = resources.files(__package__) / "builtin"

SearchPath = Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | None


def load_machine(name_or_path: str | os.PathLike[str], search_path: SearchPath = None) -> Machine:
    """The machine called ``name_or_path``, or the profile in that ``.toml`` file."""
    folders = _folders(search_path)
    if _is_path(name_or_path):
        path = Path(name_or_path)
        if not path.is_file():
            raise ProfileError(f"no machine profile file {str(path)!r}")
        return _load(path, folders, ())
    return _load(_find(str(name_or_path), folders, ()), folders, ())


def list_machines(search_path: SearchPath = None) -> list[Machine]:
    """Every machine that :func:`load_machine` can find by name, sorted by name."""
    folders = _folders(search_path)
    return [_load(_find(name, folders, ()), folders, ()) for name in _names(folders)]


def _names(folders: list[Path]) -> list[str]:
    names = {entry.name.removesuffix(".toml") for entry in _BUILTIN.iterdir() if entry.name.endswith(".toml")}
    names.update(path.stem for folder in folders for path in folder.glob("*.toml"))
    return sorted(names)


def _folders(search_path: SearchPath) -> list[Path]:
    if isinstance(search_path, str | os.PathLike):
        search_path = [search_path]
    env = [entry for entry in os.environ.get(ENV_VAR, "").split(os.pathsep) if entry]
    return [Path(folder) for folder in [*(search_path or ()), *env]]


def _is_path(name: str | os.PathLike[str]) -> bool:
    text = os.fspath(name)
    return text.endswith(".toml") or "/" in text or os.sep in text


def _find(name: str, folders: list[Path], skip: tuple[str, ...]) -> Any:
    """The file of machine ``name``, passing over files already in an inheritance chain (``skip``)."""
    candidates = [folder / f"{name}.toml" for folder in folders] + [_BUILTIN / f"{name}.toml"]
    for candidate in candidates:
        if candidate.is_file() and str(candidate) not in skip:
            return candidate
    raise ProfileError(f"unknown machine {name!r}; available: {', '.join(_names(folders))}")


def _load(path: Any, folders: list[Path], chain: tuple[str, ...]) -> Machine:
    source = str(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{source}: cannot read machine profile: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from exc
    base = table.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise ProfileError(f"{source}: base = {base!r}: expected the name of another machine")
        chain = (*chain, source)
        if len(chain) > 8:
            raise ProfileError(f"{source}: base chain too long: {' -> '.join(chain)}")
        parent = _load(_find(base, folders, chain), folders, chain)
        table = _merge(tomllib.loads(parent.to_toml()), table)
        source = f"{source} (base {base})"
    return Machine.from_table(table, source)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
