"""The piece's parameters, declared once: the CLI, the metadata and the tests all read these.

Each field carries its help text and its bounds (or choices) in its metadata, so the command
line options are generated from this table and a value out of range is refused the same
way everywhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from plotter.errors import PlanError

SCENES = ("garden", "abstract", "figures")


def _spec(text: str, low: float | None = None, high: float | None = None,
          choices: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {"help": text, "low": low, "high": high, "choices": choices}


@dataclass(frozen=True)
class AaronParams:
    """What the composition may vary; the seed decides everything else."""

    scene: str = field(default="garden", metadata=_spec("What the picture is of.", choices=SCENES))
    objects: int = field(default=12, metadata=_spec("Objects to place (fewer if space runs out).", 1, 200))
    margin_mm: float = field(default=12.0, metadata=_spec("Blank margin around the picture, mm.", 0, 100))
    wobble: float = field(default=1.0, metadata=_spec("How far the freehand pen swings (0 = steady).", 0, 3))
    failures: int = field(default=5, metadata=_spec("Failed allocations in a row that end the composition.", 1, 100))
    cell_mm: float = field(default=3.0, metadata=_spec("Cell size of the occupancy map, mm.", 1, 20))

    def validate(self) -> None:
        for spec in fields(self):
            value, meta = getattr(self, spec.name), spec.metadata
            if meta["choices"] is not None:
                if value not in meta["choices"]:
                    raise PlanError(f"aaron: unknown {spec.name} {value!r}; choose one of {', '.join(meta['choices'])}")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not meta["low"] <= value <= meta["high"] or (spec.type == "int" and not isinstance(value, int)):
                raise PlanError(f"aaron: {spec.name}={value!r} is outside {meta['low']:g}..{meta['high']:g}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def option_name(name: str) -> str:
    """``margin_mm`` → ``--margin-mm``: the one spelling the CLI and the redraw command use."""
    return "--" + name.replace("_", "-")
