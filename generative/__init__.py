"""Neural generators whose output is reduced to pen strokes; the only package that imports torch.

This module itself imports no torch: callers that only need to know which weights ship
(the gallery records their hash) stay light.
"""

from __future__ import annotations

from pathlib import Path

WEIGHTS = Path(__file__).parent / "weights"


def default_weights(kind: str, data: str = "hershey") -> Path:
    """Shipped weights of ``kind`` trained on corpus ``data``: ``<kind>.pt`` (Hershey), else ``<kind>-<data>.pt``."""
    return WEIGHTS / (f"{kind}.pt" if data == "hershey" else f"{kind}-{data}.pt")
