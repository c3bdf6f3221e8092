"""Load a trained generator and draw samples as strokes: the one path from weights to a :class:`Plan`.

Both models hand back samples as polylines in the unit box: the VAE writes strokes
directly, the diffusion model paints a raster that :mod:`generative.trace` reduces to centre
lines. Everything is seeded: the same weights, seed and options give the same drawing.

>>> plan = generate_plan("vae", count=16, label="A", seed=3)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from plotter.plan import Plan

from . import diffusion, sketch_vae
from .checkpoint import load_checkpoint
from .data import strokes_from_stroke3
from .errors import GenerativeError
from .sheet import Sample, sheet_plan
from .trace import raster_to_strokes

WEIGHTS = Path(__file__).parent / "weights"
KINDS = ("vae", "diffusion")


def default_weights(kind: str) -> Path:
    return WEIGHTS / f"{kind}.pt"


def build_model(kind: str, config: dict[str, object]) -> nn.Module:
    """A fresh model of ``kind`` ("vae" or "diffusion") from a config dictionary."""
    if kind == "vae":
        return sketch_vae.SketchVAE(sketch_vae.SketchVAEConfig(**config))
    if kind == "diffusion":
        return diffusion.GaussianDiffusion(diffusion.DiffusionConfig(**config))
    raise GenerativeError(f"unknown generator {kind!r}; available: {', '.join(KINDS)}")


def module_of(kind: str):  # noqa: ANN201 - the model's module (KIND, VERSION)
    if kind not in KINDS:
        raise GenerativeError(f"unknown generator {kind!r}; available: {', '.join(KINDS)}")
    return sketch_vae if kind == "vae" else diffusion


def load_model(kind: str, path: str | os.PathLike[str] | None = None) -> tuple[nn.Module, list[str]]:
    """The trained model in a checkpoint (default: the shipped weights) in eval mode, and its labels."""
    module = module_of(kind)
    payload = load_checkpoint(path or default_weights(kind), module.KIND, module.VERSION)
    model = build_model(kind, payload["config"])
    model.load_state_dict({k: v.float() for k, v in payload["model"].items()})
    return model.eval(), list(payload["labels"])


def label_ids(labels: list[str], label: str | None, count: int, rng: np.random.Generator) -> list[int]:
    """Class ids for ``count`` samples: all ``label``, or cycling through every label when none is given."""
    if label is None:
        start = int(rng.integers(len(labels))) if labels else 0
        return [(start + i) % len(labels) for i in range(count)] if labels else []
    if label not in labels:
        raise GenerativeError(f"unknown label {label!r}; valid labels: {' '.join(labels)}")
    return [labels.index(label)] * count


@torch.no_grad()
def sample_strokes(kind: str, model: nn.Module, classes: list[int] | None, count: int, temperature: float = 0.4,
                   seed: int = 0, guidance: float | None = None, steps: int | None = None) -> list[Sample]:
    """``count`` samples (each a list of unit-box polylines) of the given class ids (None: unconditional)."""
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    labels = torch.tensor(classes, dtype=torch.long, device=device) if classes else None
    if kind == "vae":
        sequences = model.sample(count, labels, temperature, generator)
        return [strokes_from_stroke3(s) for s in sequences]
    images = model.sample(labels=labels, count=count, steps=steps, guidance=guidance, generator=generator)
    ink = ((images[:, 0] + 1) / 2).cpu().numpy()  # (B, S, S) in [0, 1]
    return [raster_to_strokes(image) for image in ink]


def generate_plan(kind: str, weights: str | os.PathLike[str] | None = None, count: int = 64,
                  label: str | None = None, temperature: float = 0.4, seed: int = 0,
                  page_mm: tuple[float, float] = (210.0, 297.0), guidance: float | None = None,
                  margin_mm: float = 15.0) -> Plan:
    """A page of ``count`` samples laid out in a grid, with how it was made in the metadata."""
    model, labels = load_model(kind, weights)
    classes = label_ids(labels, label, count, np.random.default_rng(seed)) if model.config.n_classes else None
    samples = sample_strokes(kind, model, classes, count, temperature, seed, guidance)
    params = {"kind": kind, "count": count, "label": label, "temperature": temperature, "guidance": guidance,
              "weights": str(weights or default_weights(kind))}
    return sheet_plan(samples, page_mm, margin_mm, metadata={"generator": f"generative.{kind}", "seed": seed,
                                                             "params": params})
