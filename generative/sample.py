"""Load a trained generator and draw samples as strokes: the one path from weights to a :class:`Plan`.

Both models hand back samples as polylines in the unit box: the VAE writes strokes
directly, the diffusion model paints a raster that :mod:`generative.trace` reduces to centre
lines (or, for filled rasters, outlines and hatching). Everything is seeded: the same
weights, seed and options give the same drawing.

>>> plan = generate_plan("vae", count=16, label="A", seed=3)
>>> sheet = interpolation_plan("A", "B", steps=9)
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from plotter.plan import Plan

from . import default_weights, diffusion, sketch_vae
from .checkpoint import load_checkpoint
from .data import load_corpus, stroke3, stroke5_batch, strokes_from_stroke3
from .errors import CheckpointError, GenerativeError
from .sheet import Sample, sheet_plan
from .trace import REDUCTIONS, reduce_raster

KINDS = ("vae", "diffusion")


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


def load_model(kind: str, path: str | os.PathLike[str] | None = None,
               data: str = "hershey") -> tuple[nn.Module, list[str]]:
    """The trained model in a checkpoint (default: the shipped weights for ``data``) in eval mode, and its labels.

    A resumable ``checkpoint.pt`` gives its moving-average weights, as shipped: a run can be
    judged at any checkpoint while it trains.
    """
    module = module_of(kind)
    if path is None and not default_weights(kind, data).is_file():
        raise CheckpointError(f"no shipped {kind} weights for data set {data!r} ({default_weights(kind, data)}); "
                              f"train them: plotter train {kind} --data {data}, or pass --weights")
    payload = load_checkpoint(path or default_weights(kind, data), module.KIND, module.WEIGHTS_VERSIONS)
    model = build_model(kind, payload["config"])
    state = {k: v.float() for k, v in payload.get("train", {}).get("ema", payload["model"]).items()}
    if kind == "vae" and "class_prior" not in state:  # version-1 weights: keep the standard normal prior
        state["class_prior"] = model.class_prior
    if kind == "vae" and state["class_prior"].dim() == 3:  # version 2: one Gaussian per class, a 1-component mixture
        state["class_prior"] = state["class_prior"].unsqueeze(1)
    model.load_state_dict(state)
    if kind == "diffusion":  # oneDNN's convolutions run about 15 % faster on channels-last weights (CPU, measured)
        model = model.to(memory_format=torch.channels_last)
    return model.eval(), list(payload["labels"])


def label_ids(labels: list[str], label: str | None, count: int, rng: np.random.Generator) -> list[int]:
    """Class ids for ``count`` samples: all ``label``, or cycling through every label when none is given."""
    if label is None:
        start = int(rng.integers(len(labels))) if labels else 0
        return [(start + i) % len(labels) for i in range(count)] if labels else []
    if label not in labels:
        raise GenerativeError(f"unknown label {label!r}; valid labels: {' '.join(labels)}")
    return [labels.index(label)] * count


@torch.inference_mode()
def sample_strokes(kind: str, model: nn.Module, classes: list[int] | None, count: int, temperature: float = 0.2,
                   seed: int = 0, guidance: float | None = None, steps: int | None = None,
                   reduce: str = "auto") -> list[Sample]:
    """``count`` samples (each a list of unit-box polylines) of the given class ids (None: unconditional).

    ``reduce`` says how a diffusion raster becomes strokes (:data:`generative.trace.REDUCTIONS`).
    """
    if reduce not in REDUCTIONS:
        raise GenerativeError(f"unknown reduction {reduce!r}; available: {', '.join(REDUCTIONS)}")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    labels = torch.tensor(classes, dtype=torch.long, device=device) if classes else None
    if kind == "vae":
        sequences = model.sample(count, labels, temperature, generator)
        return [strokes_from_stroke3(s) for s in sequences]
    images = model.sample(labels=labels, count=count, steps=steps, guidance=guidance, generator=generator)
    ink = ((images[:, 0] + 1) / 2).cpu().numpy()  # (B, S, S) in [0, 1]
    return [reduce_raster(image, reduce) for image in ink]


def generate_plan(kind: str, weights: str | os.PathLike[str] | None = None, count: int = 64,
                  label: str | None = None, temperature: float = 0.2, seed: int = 0,
                  page_mm: tuple[float, float] = (210.0, 297.0), guidance: float | None = None,
                  margin_mm: float = 15.0, data: str = "hershey", reduce: str = "auto",
                  steps: int | None = None) -> Plan:
    """A page of ``count`` samples laid out in a grid, with how it was made in the metadata."""
    model, labels = load_model(kind, weights, data)
    classes = label_ids(labels, label, count, np.random.default_rng(seed)) if model.config.n_classes else None
    samples = sample_strokes(kind, model, classes, count, temperature, seed, guidance, steps, reduce)
    params = {"kind": kind, "count": count, "label": label, "temperature": temperature, "guidance": guidance,
              "steps": steps, "reduce": reduce, "weights": str(weights or default_weights(kind, data))}
    return sheet_plan(samples, page_mm, margin_mm, metadata={"generator": f"generative.{kind}", "seed": seed,
                                                             "params": params})


def interpolation_plan(first: str, last: str, steps: int = 9, weights: str | os.PathLike[str] | None = None,
                       data: str = "hershey", temperature: float = 0.1, seed: int = 0,
                       page_mm: tuple[float, float] = (210.0, 297.0), margin_mm: float = 15.0) -> Plan:
    """One row of ``steps`` VAE drawings decoded along the line between the codes of a ``first`` and a ``last`` drawing.

    The two end drawings are real ones of those labels from the corpus, picked by ``seed``
    (for Hershey glyphs, the same font for both when it has both).
    """
    if steps < 2:
        raise GenerativeError(f"an interpolation needs at least 2 steps, not {steps}")
    model, labels = load_model("vae", weights, data)
    rng = np.random.default_rng(seed)
    for label in (first, last):
        label_ids(labels, label, 1, rng)  # an unknown label is named with the valid ones
    drawings = load_corpus(data)
    ends = [[d for d in drawings if d.label == label] for label in (first, last)]
    start = ends[0][int(rng.integers(len(ends[0])))]
    same_source = [d for d in ends[1] if d.source == start.source]
    end = same_source[0] if same_source else ends[1][int(rng.integers(len(ends[1])))]
    strokes, lengths = stroke5_batch([stroke3(start), stroke3(end)], model.config.max_len)
    classes = torch.tensor([labels.index(first), labels.index(last)]) if model.config.n_classes else None
    generator = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        sequences = model.interpolate(torch.from_numpy(strokes), torch.from_numpy(lengths), steps, classes,
                                      temperature, generator)
    samples = [strokes_from_stroke3(s) for s in sequences]
    params = {"kind": "vae", "interpolate": [first, last], "steps": steps, "temperature": temperature,
              "from": f"{start.source}/{start.label}", "to": f"{end.source}/{end.label}",
              "weights": str(weights or default_weights("vae", data))}
    return sheet_plan(samples, page_mm, margin_mm, columns=steps,
                      metadata={"generator": "generative.vae.interpolation", "seed": seed, "params": params})
