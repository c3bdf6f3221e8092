"""A plain autoencoder beside the VAE: the same network, the same drawings, no KL (issue 10).

The point is the comparison on paper (Kingma & Welling 2014; SketchRNN's latent walks): a
VAE's KL term packs the codes of all drawings into one smooth cloud, so the straight line
between two codes stays among drawings; an autoencoder is only asked to reconstruct, so its
codes may sit anywhere and the line between two of them can cross gaps the decoder never
learned. To make the comparison fair it *is* :class:`~generative.sketch_vae.SketchVAE`,
weight for weight and trained by the same loop, with two changes:

- the code is the encoder's mean, z = μ (the log σ² half of ``to_latent`` is kept, unused,
  so both models have the same parameters);
- the loss is the reconstruction NLL alone.

Sampling, which a plain autoencoder does not define, uses the VAE's per-class mixture of
training codes: a sample of class c decodes z ~ N(μ_i, τ·s²), μ_i the code of a training
drawing of c and s the per-dimension spread of all training codes (the scale the VAE's
N(0, I) prior sets for it), so temperature means the same for both.

What single units of the code respond to is shown as the 2012 "cat neuron" experiment did (Le et
al.): by optimising an input for one unit. The input is a drawing parameterised as in
:mod:`generative.dream` (a few B-spline strokes, plottable by construction and by its
regularisers), turned differentiably into the stroke-5 rows the encoder reads (offsets are the
differences of the points, pen states fixed), and moved by Adam to raise that unit of μ. Beside
each, the real training drawings that excite the unit most (:func:`exciting_drawings`).

>>> model = SketchAutoencoder(SketchVAEConfig(n_classes=62))
>>> drawings = unit_drawings(model, units=[0, 5], steps=100)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch

from plotter.plan import Plan

from . import default_weights
from .data import START, Drawing, load_corpus, split, stroke3, stroke5_batch
from .dream import DreamConfig, optimise_strokes, to_sample
from .errors import GenerativeError
from .sample import Weights, load_model, row_label
from .sheet import Sample, sheet_plan
from .sketch_vae import SketchVAE, SketchVAEConfig

KIND = "sketch_ae"
VERSION = 1
WEIGHTS_VERSIONS = (1,)

# log σ² handed to the VAE's loss: σ = e^-40 is below float32 resolution, so its z = μ + σ·ε is μ,
# and the KL it computes from it stays finite (its weight is 0).
_NO_SPREAD = -80.0

# the drawing a unit is optimised over: three strokes of 12 points (36 rows; Hershey glyphs average 28)
UNIT_DREAM = DreamConfig(strokes=3, controls=5, points=12, steps=300, learning_rate=0.05)

__all__ = ["KIND", "UNIT_DREAM", "VERSION", "WEIGHTS_VERSIONS", "SketchAutoencoder", "SketchVAEConfig",
           "exciting_drawings", "stroke5_from_points", "unit_drawings", "units_sheet"]


class SketchAutoencoder(SketchVAE):
    """SketchVAE with a deterministic code and no KL term; ``config``'s KL settings are ignored."""

    def encode(self, strokes: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 5) stroke-5, (B,) lengths → the code μ (B, z) and a log σ² that makes sampling it exact."""
        mu, _ = super().encode(strokes, lengths)
        return mu, torch.full_like(mu, _NO_SPREAD)

    def forward(self, strokes: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor | None = None,
                kl_weight: float = 0.0) -> dict[str, torch.Tensor]:
        """Losses of a batch: ``loss`` = ``reconstruction`` (L_R), whatever ``kl_weight`` says."""
        reconstruction = super().forward(strokes, lengths, labels, kl_weight=0.0)["reconstruction"]
        return {"loss": reconstruction, "reconstruction": reconstruction}

    @torch.no_grad()
    def fit_class_prior(self, mu: torch.Tensor, logvar: torch.Tensor, labels: torch.Tensor | None) -> None:
        """Keep each class's training codes ``mu``, each with the spread of all codes (``logvar`` is ignored)."""
        spread = mu.var(dim=0, keepdim=True).clamp_min(1e-8).log().expand_as(mu) if len(mu) > 1 \
            else torch.zeros_like(mu)
        super().fit_class_prior(mu, spread, labels)


# --- what single units of the code respond to ----------------------------------------------------
def stroke5_from_points(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, K, P, 2) unit-box strokes → (B, K·P, 5) stroke-5 rows and (B,) lengths, differentiable in the points.

    As :func:`generative.data.stroke3`: each offset is the step from the previous point (the first
    from the box centre), and the pen lifts after the last point of every stroke.
    """
    batch, strokes, count, _ = points.shape
    flat = points.reshape(batch, strokes * count, 2)
    offsets = torch.diff(flat, dim=1, prepend=flat.new_tensor(START).expand(batch, 1, 2))
    lifts = torch.zeros(strokes, count, dtype=points.dtype, device=points.device)
    lifts[:, -1] = 1.0
    lifts = lifts.reshape(1, -1, 1).expand(batch, -1, 1)
    rows = torch.cat([offsets, 1 - lifts, lifts, torch.zeros_like(lifts)], dim=-1)
    return rows, torch.full((batch,), strokes * count, dtype=torch.long)


def _unit_spread(model: SketchVAE, units: Sequence[int]) -> torch.Tensor:
    """Each unit's spread over the training codes kept in the class prior (1 where none were fitted)."""
    means = model.class_prior[:, :, 0].reshape(-1, model.config.z_dim)[:, list(units)]
    spread = means.std(0) if len(means) > 1 else torch.zeros(len(units))
    return torch.where(spread > 1e-6, spread, torch.ones_like(spread))


def unit_drawings(model: SketchVAE, units: Sequence[int], steps: int | None = None, seed: int = 0,
                  config: DreamConfig = UNIT_DREAM) -> list[Sample]:
    """One drawing per unit of the code μ, optimised to excite it: the autoencoder's "cat neuron" images.

    Each drawing starts from random strokes (seeded by ``seed``) and takes ``steps`` Adam steps
    (default ``config.steps``) up that unit of μ, in units of its spread over the training codes,
    minus the plottability regularisers of :func:`generative.dream.plottability`.
    """
    bad = [unit for unit in units if not 0 <= unit < model.config.z_dim]
    if bad:
        raise GenerativeError(f"unit {bad[0]} is not in the code; units are 0 to {model.config.z_dim - 1}")
    if not units:
        return []
    config = replace(config, steps=config.steps if steps is None else steps)
    was_training = model.training
    model.eval()
    chosen = torch.tensor(list(units))
    spread = _unit_spread(model, units)

    def score(points: torch.Tensor, sigma_px: float) -> torch.Tensor:
        mu, _ = model.encode(*stroke5_from_points(points))
        return mu.gather(1, chosen[:, None]).squeeze(1) / spread

    with torch.inference_mode(False), torch.enable_grad():
        points, _ = optimise_strokes(score, len(chosen), config.steps, config, torch.Generator().manual_seed(seed),
                                     progress="units")
    model.train(was_training)
    return [to_sample(p, config.min_segment) for p in points]


@torch.no_grad()
def exciting_drawings(model: SketchVAE, units: Sequence[int], drawings: Sequence[Drawing],
                      top: int = 3) -> list[list[Drawing]]:
    """Per unit, the ``top`` drawings whose code μ has the largest value in that unit, largest first."""
    if not drawings:
        return [[] for _ in units]
    model.eval()
    codes = []
    for start in range(0, len(drawings), 256):
        chunk = [stroke3(d) for d in drawings[start:start + 256]]
        strokes, lengths = stroke5_batch(chunk, model.config.max_len)
        codes.append(model.encode(torch.from_numpy(strokes), torch.from_numpy(lengths))[0])
    mu = torch.cat(codes)[:, list(units)]  # (N, units)
    order = mu.argsort(dim=0, descending=True)[:top].T  # (units, top)
    return [[drawings[int(i)] for i in row] for row in order]


def units_sheet(units: Sequence[int], weights: Weights = None, data: str = "hershey", steps: int | None = None,
                seed: int = 0, top: int = 3, page_mm: tuple[float, float] = (210.0, 297.0),
                margin_mm: float = 15.0) -> Plan:
    """One row per unit of the autoencoder's code: its number, the drawing optimised for it, its ``top`` real excitors.

    ``weights``: an ``ae`` checkpoint (default: the shipped one for ``data``); the real drawings are
    the training split of ``data``, as the model saw them.
    """
    model, _ = load_model("ae", weights, data)
    dreams = unit_drawings(model, units, steps, seed)
    train_set, _ = split(load_corpus(data))
    excitors = exciting_drawings(model, units, train_set, top)
    cells = [cell for unit, dream, real in zip(units, dreams, excitors, strict=True)
             for cell in (row_label(f"unit {unit}"), dream, *[list(d.strokes) for d in real])]
    params = {"units": list(units), "steps": steps or UNIT_DREAM.steps, "top": top,
              "excitors": {str(u): [f"{d.source}/{d.label}" for d in real] for u, real in zip(units, excitors,
                                                                                            strict=True)},
              "weights": str(weights or default_weights("ae", data))}
    return sheet_plan(cells, page_mm, margin_mm, columns=2 + top,
                      metadata={"generator": "generative.ae.units", "seed": seed, "params": params})

