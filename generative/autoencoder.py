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

>>> model = SketchAutoencoder(SketchVAEConfig(n_classes=62))
"""

from __future__ import annotations

import torch

from .sketch_vae import SketchVAE, SketchVAEConfig

KIND = "sketch_ae"
VERSION = 1
WEIGHTS_VERSIONS = (1,)

# log σ² handed to the VAE's loss: σ = e^-40 is below float32 resolution, so its z = μ + σ·ε is μ,
# and the KL it computes from it stays finite (its weight is 0).
_NO_SPREAD = -80.0

__all__ = ["KIND", "VERSION", "WEIGHTS_VERSIONS", "SketchAutoencoder", "SketchVAEConfig"]


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
