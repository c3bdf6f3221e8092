"""The rule engine every level of decision uses: ordered condition → action rules.

AARON was a production system: at each level (composition, space allocation, object plan,
lines, line segments, pen moves) attention goes to a short list of rules, and the first
whose condition holds fires. Rules here are plain data (a name, a condition, an action) so
each level's knowledge reads as a table in its own module, and every firing is written to a
:class:`Trace` that ``--explain`` prints.

>>> level = RuleSet("object plan", [Rule("tall: stand", lambda f: f["h"] > 5, lambda f: "stand"),
...                                 Rule("otherwise: sit", lambda f: True, lambda f: "sit")])
>>> trace = Trace(); level.fire({"h": 9}, trace, "figure 1")
'stand'
>>> trace.lines
['figure 1 | object plan: tall: stand']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    """``when(facts)`` decides whether the rule applies; ``then(facts)`` is what it does."""

    name: str
    when: Callable[[Facts], bool]
    then: Callable[[Facts], Any]


def always(_: Facts) -> bool:
    """The condition of a level's last, default rule."""
    return True


@dataclass
class Trace:
    """What fired, in order, one line per decision: ``subject | level: rule (detail)``."""

    lines: list[str] = field(default_factory=list)

    def note(self, subject: str, level: str, text: str) -> None:
        self.lines.append(f"{subject} | {level}: {text}")


@dataclass(frozen=True)
class RuleSet:
    """One level of decision: its rules are tried in order and the first that holds fires."""

    level: str
    rules: Sequence[Rule]

    def fire(self, facts: Facts, trace: Trace, subject: str, detail: str = "") -> Any:
        for rule in self.rules:
            if rule.when(facts):
                trace.note(subject, self.level, rule.name + (f" ({detail})" if detail else ""))
                return rule.then(facts)
        raise LookupError(f"{self.level}: no rule applies to {subject}")  # every level ends with an `always` rule
