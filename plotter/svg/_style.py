"""The few CSS properties a plotter cares about, resolved the way a browser would.

Only ``stroke``, ``fill``, ``stroke-width``, ``color``, ``visibility`` and ``display`` decide
what is drawn and with which pen, so only they are cascaded: presentation attribute (lowest),
then ``<style>`` rules in order of specificity, then the ``style`` attribute (highest).
Selectors are what design tools emit: ``*``, ``tag``, ``.class``, ``#id``, compounds of
those (``path.cls-1``) and descendant chains (``.axis path``); rules with other combinators,
attribute selectors or pseudo-classes never match, and at-rules (``@media print``) are
dropped. Colours are parsed by svgelements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import svgelements

#: Properties read from the cascade; ``display`` is the only one that does not inherit.
PROPERTIES = ("stroke", "fill", "stroke-width", "color", "visibility", "display")
INHERITED_DEFAULTS: Mapping[str, str] = {"fill": "black", "stroke": "none", "color": "black", "visibility": "visible"}

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CSS_AT_RULE = re.compile(r"@[^{;]*(?:;|\{(?:[^{}]*\{[^{}]*\})*[^{}]*\})")  # @media {...}, @import ...;
_COMPOUND = re.compile(r"^(\*|[A-Za-z][\w-]*)?((?:[.#][\w-]+)*)$")
_SIMPLE = re.compile(r"[.#][\w-]+")


@dataclass(frozen=True, slots=True)
class _Compound:
    """One simple-selector sequence, e.g. ``path.cls-1#a``: every part must match."""

    tag: str | None
    element_id: str | None
    classes: frozenset[str]

    def matches(self, tag: str, element_id: str | None, classes: frozenset[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and (self.element_id is None or self.element_id == element_id)
            and self.classes <= classes
        )


@dataclass(frozen=True, slots=True)
class _Rule:
    chain: tuple[_Compound, ...]  # descendant combinators between the parts, subject last
    specificity: tuple[int, int, int]
    order: int
    declarations: Mapping[str, str]


#: What a selector needs to know about an element: (local tag, id, classes).
Identity = tuple[str, "str | None", frozenset[str]]


def identity(tag: str, attrib: Mapping[str, str]) -> Identity:
    classes = attrib.get("class")
    return tag, attrib.get("id"), frozenset(classes.split()) if classes else frozenset()


def parse_declarations(text: str) -> dict[str, str]:
    """``"stroke: red; fill:none"`` → ``{"stroke": "red", "fill": "none"}``, our properties only."""
    result = {}
    for item in text.split(";"):
        name, colon, value = item.partition(":")
        name = name.strip().lower()
        if colon and name in PROPERTIES:
            result[name] = value.replace("!important", "").strip()
    return result


def _parse_compound(text: str) -> _Compound | None:
    match = _COMPOUND.match(text)
    if match is None or not text:
        return None
    tag = match.group(1) if match.group(1) not in (None, "*") else None
    parts = _SIMPLE.findall(match.group(2))
    ids = [p[1:] for p in parts if p[0] == "#"]
    if len(ids) > 1:
        return None
    return _Compound(tag, ids[0] if ids else None, frozenset(p[1:] for p in parts if p[0] == "."))


def _parse_selector(selector: str) -> tuple[_Compound, ...] | None:
    """A descendant chain, subject last; None for syntax we do not support (it never matches)."""
    chain = []
    for part in selector.split():
        compound = _parse_compound(part)
        if compound is None:
            return None
        chain.append(compound)
    return tuple(chain) or None


class StyleSheet:
    """The rules of every ``<style>`` element of a document, ready to match elements."""

    def __init__(self, css_texts: Iterable[str]) -> None:
        rules: list[_Rule] = []
        for text in css_texts:
            for selectors, body in _CSS_RULE.findall(_CSS_AT_RULE.sub("", _CSS_COMMENT.sub("", text))):
                declarations = parse_declarations(body)
                if not declarations:
                    continue
                for selector in selectors.split(","):
                    chain = _parse_selector(selector)
                    if chain is None:
                        continue
                    specificity = (
                        sum(c.element_id is not None for c in chain),
                        sum(len(c.classes) for c in chain),
                        sum(c.tag is not None for c in chain),
                    )
                    rules.append(_Rule(chain, specificity, len(rules), declarations))
        rules.sort(key=lambda r: (r.specificity, r.order))
        self.rules = tuple(rules)
        #: whether any rule looks at ancestors, so the walk only tracks them when needed
        self.needs_ancestors = any(len(r.chain) > 1 for r in self.rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def declarations(self, element: Identity, ancestors: Sequence[Identity]) -> dict[str, str]:
        """The declarations of every matching rule, later (more specific) ones winning."""
        result: dict[str, str] = {}
        for rule in self.rules:
            *context, subject = rule.chain
            if subject.matches(*element) and _descends(context, ancestors):
                result.update(rule.declarations)
        return result


def _descends(context: list[_Compound], ancestors: Sequence[Identity]) -> bool:
    """Whether the ancestors, innermost last, contain the compounds in order (greedy match)."""
    index = len(ancestors)
    for compound in reversed(context):
        index -= 1
        while index >= 0 and not compound.matches(*ancestors[index]):
            index -= 1
        if index < 0:
            return False
    return True


def own_properties(
    attrib: Mapping[str, str], element: Identity, sheet: StyleSheet, ancestors: Sequence[Identity]
) -> dict[str, str]:
    """The properties an element sets itself: attributes < stylesheet < ``style`` attribute."""
    result = {name: attrib[name].strip() for name in PROPERTIES if name in attrib}
    if sheet:
        result.update(sheet.declarations(element, ancestors))
    style = attrib.get("style")
    if style:
        result.update(parse_declarations(style))
    return result


def inherit(parent: Mapping[str, str], own: Mapping[str, str]) -> Mapping[str, str]:
    """The computed inherited properties of a child (``inherit`` keeps the parent's value)."""
    if not own:
        return parent
    merged = dict(parent)
    for name, value in own.items():
        if name != "display" and value != "inherit":
            merged[name] = value
    return merged


@lru_cache(maxsize=4096)
def colour_hex(paint: str, current: str) -> str | None:
    """``#rrggbb`` for a paint value, None for ``none``/transparent.

    ``currentColor`` takes the ``color`` property; a paint server (``url(#gradient)``) is
    drawn with its fallback colour if it names one, else black: a pen has one colour.
    """
    value = paint.strip()
    if value.lower() == "currentcolor":
        value = current.strip()
        if value.lower() == "currentcolor":
            value = "black"
    if value.startswith("url("):
        value = value[value.find(")") + 1 :].strip() or "black"
    if value.lower() in ("none", "transparent"):
        return None
    colour = svgelements.Color(value)
    if colour.value is None or colour.alpha == 0:
        return None
    return colour.hexrgb
