"""Load a trained generator and draw samples as strokes: the one path from weights to a :class:`Plan`.

Every kind (:mod:`generative.models`) hands back samples as polylines in the unit box: the
VAE and the autoencoder write strokes directly, the diffusion model paints a raster that
:mod:`generative.trace` reduces to centre lines (or, for filled rasters, outlines and
hatching). Models with a latent code also walk between two real drawings: one row per model
on an interpolation sheet. Everything is seeded: the same weights, seed and options give the
same drawing.

>>> plan = generate_plan("vae", count=16, label="A", seed=3)
>>> sheet = interpolation_sheet("A", "B", steps=9, models=("ae", "vae"))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from plotter.plan import Plan
from plotter.text import text_paths

from . import default_weights
from .checkpoint import load_checkpoint
from .data import Drawing, load_corpus, stroke3, stroke5_batch
from .errors import CheckpointError, GenerativeError
from .models import LATENT_NAMES, NAMES, get, latent
from .sheet import Sample, sheet_plan
from .trace import REDUCTIONS

KINDS = NAMES
Weights = str | os.PathLike[str] | None


def build_model(kind: str, config: dict[str, object]) -> nn.Module:
    """A fresh model of ``kind`` (a name of :data:`generative.models.NAMES`) from a config dictionary."""
    return get(kind).build(config)


def load_model(kind: str, path: Weights = None, data: str = "hershey") -> tuple[nn.Module, list[str]]:
    """The trained model in a checkpoint (default: the shipped weights for ``data``) in eval mode, and its labels.

    A resumable ``checkpoint.pt`` gives its moving-average weights, as shipped: a run can be
    judged at any checkpoint while it trains.
    """
    generator = get(kind)
    if path is None and not default_weights(kind, data).is_file():
        raise CheckpointError(f"no shipped {kind} weights for data set {data!r} ({default_weights(kind, data)}); "
                              f"train them: plotter train {kind} --data {data}, or pass --weights")
    module = generator.module
    payload = load_checkpoint(path or default_weights(kind, data), module.KIND, module.WEIGHTS_VERSIONS)
    state = {k: v.float() for k, v in payload.get("train", {}).get("ema", payload["model"]).items()}
    model = generator.load_state(generator.build(payload["config"]), state)
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
def sample_strokes(kind: str, model: nn.Module, classes: list[int] | None, count: int, temperature: float | None = None,
                   seed: int = 0, guidance: float | None = None, steps: int | None = None,
                   reduce: str = "auto") -> list[Sample]:
    """``count`` samples (each a list of unit-box polylines) of the given class ids (None: unconditional).

    ``reduce`` says how a diffusion raster becomes strokes (:data:`generative.trace.REDUCTIONS`);
    ``temperature`` None is the kind's own (:attr:`generative.models.Generator.temperature`).
    """
    if reduce not in REDUCTIONS:
        raise GenerativeError(f"unknown reduction {reduce!r}; available: {', '.join(REDUCTIONS)}")
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    labels = torch.tensor(classes, dtype=torch.long, device=device) if classes else None
    generator_kind = get(kind)
    temperature = generator_kind.temperature if temperature is None else temperature
    return generator_kind.sample(model, labels, count, temperature, generator, guidance, steps, reduce)


def generate_plan(kind: str, weights: str | os.PathLike[str] | None = None, count: int = 64,
                  label: str | None = None, temperature: float | None = None, seed: int = 0,
                  page_mm: tuple[float, float] = (210.0, 297.0), guidance: float | None = None,
                  margin_mm: float = 15.0, data: str = "hershey", reduce: str = "auto",
                  steps: int | None = None) -> Plan:
    """A page of ``count`` samples laid out in a grid, with how it was made in the metadata."""
    model, labels = load_model(kind, weights, data)
    temperature = get(kind).temperature if temperature is None else temperature
    classes = label_ids(labels, label, count, np.random.default_rng(seed)) if model.config.n_classes else None
    samples = sample_strokes(kind, model, classes, count, temperature, seed, guidance, steps, reduce)
    params = {"kind": kind, "count": count, "label": label, "temperature": temperature, "guidance": guidance,
              "steps": steps, "reduce": reduce, "weights": str(weights or default_weights(kind, data))}
    return sheet_plan(samples, page_mm, margin_mm, metadata={"generator": f"generative.{kind}", "seed": seed,
                                                             "params": params})


# --- walks between two drawings --------------------------------------------------------------
def interpolation_ends(first: str, last: str, data: str = "hershey", seed: int = 0) -> tuple[Drawing, Drawing]:
    """A real drawing of label ``first`` and one of ``last`` from the corpus, picked by ``seed``.

    For Hershey glyphs both come from the same font when it has both, so the walk changes the
    letter and not the style.
    """
    rng = np.random.default_rng(seed)
    drawings = load_corpus(data)
    ends = [[d for d in drawings if d.label == label] for label in (first, last)]
    for label, found in zip((first, last), ends, strict=True):
        if not found:
            raise GenerativeError(f"data set {data!r} has no drawing of label {label!r}")
    start = ends[0][int(rng.integers(len(ends[0])))]
    same_source = [d for d in ends[1] if d.source == start.source]
    return start, same_source[0] if same_source else ends[1][int(rng.integers(len(ends[1])))]


def interpolation_rows(first: str, last: str, steps: int = 9, models: Mapping[str, Weights] | None = None,
                       data: str = "hershey", temperature: float = 0.1,
                       seed: int = 0) -> tuple[tuple[Drawing, Drawing], dict[str, list[Sample]]]:
    """The two end drawings and, per model (name → checkpoint, None: shipped), ``steps`` decodings between their codes.

    Every model walks between the same two drawings, decoded with the same seed, so the rows
    differ only by what the models learned.
    """
    if steps < 2:
        raise GenerativeError(f"an interpolation needs at least 2 steps, not {steps}")
    models = dict(models if models is not None else {"vae": None})
    if not models:
        raise GenerativeError(f"an interpolation needs at least one model; models with a latent code: "
                              f"{', '.join(LATENT_NAMES)}")
    generators = {name: latent(name) for name in models}  # every kind is checked before any weights load
    loaded = {name: (generator, *load_model(name, models[name], data)) for name, generator in generators.items()}
    ends: tuple[Drawing, Drawing] | None = None
    rows = {}
    for name, (generator, model, labels) in loaded.items():
        for label in (first, last):  # each model must know both labels; an unknown one is named with the valid ones
            label_ids(labels, label, 1, np.random.default_rng(seed))
        ends = ends or interpolation_ends(first, last, data, seed)
        strokes, lengths = stroke5_batch([stroke3(ends[0]), stroke3(ends[1])], model.config.max_len)
        classes = torch.tensor([labels.index(first), labels.index(last)]) if model.config.n_classes else None
        with torch.inference_mode():
            rows[name] = generator.interpolate(model, torch.from_numpy(strokes), torch.from_numpy(lengths), steps,
                                               classes, temperature, torch.Generator().manual_seed(seed))
    return ends, rows


def interpolation_plan(first: str, last: str, steps: int = 9, weights: Weights = None, data: str = "hershey",
                       temperature: float = 0.1, seed: int = 0, page_mm: tuple[float, float] = (210.0, 297.0),
                       margin_mm: float = 15.0, kind: str = "vae") -> Plan:
    """One row of ``steps`` drawings of one model (``kind``) decoded between the codes of a ``first`` and a ``last``.

    The two end drawings are real ones of those labels from the corpus, picked by ``seed``
    (for Hershey glyphs, the same font for both when it has both).
    """
    (start, end), rows = interpolation_rows(first, last, steps, {kind: weights}, data, temperature, seed)
    params = {"kind": kind, "interpolate": [first, last], "steps": steps, "temperature": temperature,
              "from": f"{start.source}/{start.label}", "to": f"{end.source}/{end.label}",
              "weights": str(weights or default_weights(kind, data))}
    return sheet_plan(rows[kind], page_mm, margin_mm, columns=steps,
                      metadata={"generator": f"generative.{kind}.interpolation", "seed": seed, "params": params})


def interpolation_sheet(first: str, last: str, steps: int = 9, models: Sequence[str] = ("ae", "vae"),
                        weights: Mapping[str, Weights] | None = None, data: str = "hershey",
                        temperature: float = 0.1, seed: int = 0, page_mm: tuple[float, float] = (210.0, 297.0),
                        margin_mm: float = 15.0) -> Plan:
    """One row per model, its name in Hershey text at the left, then its ``steps`` drawings from ``first`` to ``last``.

    ``weights`` maps a model to a checkpoint (missing: its shipped weights). Printed one above
    the other, the rows show where a model's codes leave gaps: the autoencoder's row jumps or
    breaks up between the ends where the VAE's changes little by little.
    """
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(models))
    if unknown:
        raise GenerativeError(f"weights given for {', '.join(unknown)}, which is not among the models "
                              f"{', '.join(models)}")
    (start, end), rows = interpolation_rows(first, last, steps, {name: weights.get(name) for name in models}, data,
                                            temperature, seed)
    samples = [cell for name in models for cell in (row_label(name), *rows[name])]
    params = {"models": list(models), "interpolate": [first, last], "steps": steps, "temperature": temperature,
              "from": f"{start.source}/{start.label}", "to": f"{end.source}/{end.label}",
              "weights": {name: str(weights.get(name) or default_weights(name, data)) for name in models}}
    return sheet_plan(samples, page_mm, margin_mm, columns=steps + 1,
                      metadata={"generator": "generative.interpolation", "seed": seed, "params": params})


def row_label(text: str) -> Sample:
    """``text`` in Hershey strokes, as wide as a cell (at most a third as tall), centred in the unit box."""
    paths = text_paths(text, size_mm=1.0)
    points = np.concatenate(paths)
    low, high = points.min(0), points.max(0)
    scale = min(0.9 / max(high[0] - low[0], 1e-9), 0.33 / max(high[1] - low[1], 1e-9))
    centre = (low + high) / 2
    return [(p - centre) * scale + 0.5 for p in paths]
