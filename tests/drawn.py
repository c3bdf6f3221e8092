"""Helpers the painter tests share: what a set of strokes puts on paper, whatever their order."""

from __future__ import annotations


def segments(paths):  # noqa: ANN001, ANN201 - test helper
    """The undirected segments drawn, rounded: what is on paper whatever the order or direction."""
    out = []
    for p in paths:
        for a, b in zip(p[:-1].round(9).tolist(), p[1:].round(9).tolist(), strict=True):
            out.append(tuple(sorted((tuple(a), tuple(b)))))
    return sorted(out)
