"""Rows of the results table, their verdicts, and the three ways they are shown.

A row is one measured quantity for ours and for vpype on the same data in the same run;
the ratio is ours / vpype, so below 1 is better for times, travel, segments and bytes.
A target bounds either the ratio or our absolute value; a row without one is information.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from plotter.atomic import atomic_write


@dataclass(frozen=True)
class Target:
    """``ratio <= limit`` (``on="ratio"``) or ``ours <= limit`` (``on="ours"``)."""

    on: Literal["ratio", "ours"]
    limit: float

    def __str__(self) -> str:
        return f"ratio <= {self.limit:g}" if self.on == "ratio" else f"ours <= {self.limit:g}"


@dataclass(frozen=True)
class Row:
    section: str
    name: str
    size: str
    unit: str
    ours: float | None
    vpype: float | None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.vpype is None or self.vpype == 0:
            return None
        return self.ours / self.vpype

    @property
    def verdict(self) -> str:
        """PASS / MISS against the target; ``n/a`` when the target's inputs were not measured."""
        if self.target is None:
            return ""
        value = self.ratio if self.target.on == "ratio" else self.ours
        if value is None:
            return "n/a"
        return "PASS" if value <= self.target.limit else "MISS"

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["target"] = str(self.target) if self.target else None
        record.update(ratio=self.ratio, verdict=self.verdict or None)
        return record


COLUMNS = ("section", "row", "N", "unit", "ours", "vpype", "ours/vpype", "target", "result", "note")


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    digits = max(0, 3 - int(math.floor(math.log10(abs(value)))) - 1)
    return f"{value:.{digits}f}"


def cells(row: Row) -> tuple[str, ...]:
    ratio = "-" if row.ratio is None else f"{row.ratio:.3f}"
    target = str(row.target) if row.target else ""
    return (
        row.section,
        row.name,
        row.size,
        row.unit,
        _number(row.ours),
        _number(row.vpype),
        ratio,
        target,
        row.verdict,
        row.note,
    )


def text_table(rows: list[Row]) -> str:
    """The fixed-width table printed at the end of a run."""
    table = [COLUMNS, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    numeric = {4, 5, 6}
    lines = []
    for index, line in enumerate(table):
        padded = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    header = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join("---:" if i in (4, 5, 6) else "---" for i in range(len(COLUMNS))) + "|"
    body = ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join([header, rule, *body])


def write_results(folder: Any, rows: list[Row], context: dict[str, Any]) -> None:
    """``results.json`` (rows + machine and versions) and ``results.md``, each written atomically."""
    with atomic_write(folder / "results.json") as handle:
        json.dump({"context": context, "rows": [r.as_dict() for r in rows]}, handle, indent=1, allow_nan=False)
        handle.write("\n")
    lines = ["# plotter vs vpype", ""]
    lines += [f"- {key}: {value}" for key, value in context.items()]
    lines += ["", "Ratios are ours / vpype, measured in the same run on the same data.", ""]
    with atomic_write(folder / "results.md") as handle:
        handle.write("\n".join(lines) + "\n" + markdown_table(rows) + "\n")
