"""Checkpoints that describe themselves: which model, which format version, its config and labels.

A checkpoint is one ``torch.save`` d dictionary of plain values and tensors, loaded with
``weights_only=True`` (no pickled code runs on load)::

    {"format": "plotter-generative", "kind": "sketch_vae", "version": 2,
     "config": {...model config...}, "labels": ["0", "1", ...], "data": "hershey",
     "model": state_dict, "train": {...optional: optimiser, EMA weights, step, train config, history}}

Version 2 (EMA, learning-rate schedule and augmentation in the training state) resumes only
from version 2; weights-only files of version 1 hold the same networks and still load for
sampling (each model module's ``WEIGHTS_VERSIONS``).

Anything else — a missing file, a truncated one, another model's, an older format — raises
:class:`CheckpointError` naming the file and what was expected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from plotter.atomic import atomic_write

from .errors import CheckpointError

FORMAT = "plotter-generative"


def save_checkpoint(path: str | os.PathLike[str], *, kind: str, version: int, config: dict[str, Any],
                    labels: list[str], data: str, model: dict[str, torch.Tensor],
                    train: dict[str, Any] | None = None) -> None:
    """Write a checkpoint atomically (a crash mid-save leaves the previous one intact)."""
    payload = {"format": FORMAT, "kind": kind, "version": version, "config": dict(config), "labels": list(labels),
               "data": data, "model": model}
    if train is not None:
        payload["train"] = train
    with atomic_write(path, "wb") as handle:
        torch.save(payload, handle)


def load_checkpoint(path: str | os.PathLike[str], kind: str, version: int | tuple[int, ...]) -> dict[str, Any]:
    """Read a checkpoint of model ``kind`` and format ``version`` (one, or any of several) on the CPU.

    Anything else raises CheckpointError.
    """
    versions = (version,) if isinstance(version, int) else tuple(version)
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a damaged file; all mean the same to a user
        raise CheckpointError(f"checkpoint {str(path)!r} is not a readable checkpoint ({type(error).__name__})") \
            from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {str(path)!r} is not a plotter generative checkpoint")
    if payload.get("kind") != kind:
        raise CheckpointError(f"checkpoint {str(path)!r} holds a {payload.get('kind')!r} model, not {kind!r}")
    if payload.get("version") not in versions:
        readable = " or ".join(str(v) for v in versions)
        raise CheckpointError(f"checkpoint {str(path)!r} is format version {payload.get('version')!r}; "
                              f"this plotter reads version {readable} (train it again)")
    return payload
