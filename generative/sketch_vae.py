"""A stroke VAE in the spirit of SketchRNN (Ha & Eck, "A Neural Representation of Sketch Drawings", 2017).

A bidirectional GRU reads a drawing as stroke-5 rows (Δx, Δy, pen down, pen up, end) and
gives a Gaussian latent z; an LSTM decoder, started from z (and the class, when
conditioned), writes the drawing back one point at a time: a mixture of M bivariate
Gaussians for the next offset and a 3-way softmax for the pen state. The loss is the
reconstruction NLL plus an annealed KL term with a floor (free bits), so the KL is not
squeezed to zero before the decoder learns to use z. As in SketchRNN, the KL term is the
mean over latent dimensions and the floor is per dimension: summed over 32 dimensions with
a 0.2-nat floor for the whole code (format versions 1 and 2), it outweighed the per-point
reconstruction loss 32-fold and the codes collapsed (KL 0.15 nats; the judge recognised 5 %
of the samples, 12 % of the reconstructions).

Class-conditional sampling does not draw z from N(0, I), where few training codes lie: after
training, :meth:`fit_class_prior` keeps, for each class, the posteriors N(μ_i, σ_i²) of its
training drawings (up to ``prior_codes`` of them); a sample of class c picks one of them and
draws z ~ N(μ_i, τ·σ_i²). That is the aggregate posterior of the class, the part of latent
space where its drawings live, and each sample keeps one font's style instead of a blend.

>>> model = SketchVAE(SketchVAEConfig(n_classes=62))
>>> sequences = model.sample(4, labels=torch.zeros(4, dtype=torch.long), temperature=0.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

KIND = "sketch_vae"
VERSION = 3  # 3: the KL floor per latent dimension, a per-class mixture prior; 2: EMA and schedule; a class prior
WEIGHTS_VERSIONS = (1, 2, 3)  # the network is the same in all; version 1 has no class prior (N(0, I) is used)


@dataclass
class SketchVAEConfig:
    n_classes: int = 0  # 0: unconditional; otherwise the decoder sees a learned class embedding
    max_len: int = 96  # points per drawing, longer ones are cut (Hershey roman glyphs have ≤ 87)
    enc_hidden: int = 64  # GRU width per direction (SketchRNN: 256)
    dec_hidden: int = 256  # decoder LSTM width (SketchRNN: 512); 256 beats 128 per CPU second (validation L_R)
    z_dim: int = 32  # latent size (SketchRNN: 128, far more than a glyph needs)
    n_mixtures: int = 10  # Gaussians in the offset mixture (SketchRNN: 20)
    class_dim: int = 16  # class embedding width
    dropout: float = 0.1  # on the decoder's inputs
    offset_scale: float = 0.1  # data offsets are divided by this so they are ~unit sized
    kl_weight: float = 0.5  # w_KL, the final weight of the KL term (the mean over latent dimensions)
    kl_weight_start: float = 0.01  # its weight at step 0 (annealing)
    kl_decay: float = 0.999  # per step: η = 1 − (1 − start)·decay^step (SketchRNN: 0.99995 over 100k steps)
    kl_min: float = 0.2  # free-bits floor per latent dimension, in nats (SketchRNN's kl_tolerance)
    prior_codes: int = 1  # posteriors kept per class for sampling (train: the most drawings of one class)


def kl_annealing(step: int, config: SketchVAEConfig) -> float:
    """The KL term's weight at ``step``: rises from ``kl_weight_start`` towards ``kl_weight``."""
    eta = 1.0 - (1.0 - config.kl_weight_start) * config.kl_decay**step
    return config.kl_weight * eta


class SketchVAE(nn.Module):
    def __init__(self, config: SketchVAEConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.encoder = nn.GRU(5, c.enc_hidden, batch_first=True, bidirectional=True)
        self.to_latent = nn.Linear(2 * c.enc_hidden, 2 * c.z_dim)  # → (μ, log σ²)
        self.class_embedding = nn.Embedding(c.n_classes, c.class_dim) if c.n_classes else None
        condition = c.z_dim + (c.class_dim if c.n_classes else 0)
        self.to_state = nn.Linear(condition, 2 * c.dec_hidden)  # → LSTM (h0, c0)
        self.decoder = nn.LSTM(5 + condition, c.dec_hidden, batch_first=True)
        self.head = nn.Linear(c.dec_hidden, 6 * c.n_mixtures + 3)  # per mixture: π, μx, μy, σx, σy, ρ; + pen
        # per class (one row when unconditional), prior_codes components: mean and std of z; N(0, I) until fitted
        prior = torch.zeros(max(1, c.n_classes), c.prior_codes, 2, c.z_dim)
        prior[:, :, 1] = 1.0
        self.register_buffer("class_prior", prior)

    # --- pieces ---------------------------------------------------------------------------
    def encode(self, strokes: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 5) stroke-5, (B,) lengths → μ, log σ² each (B, z)."""
        packed = nn.utils.rnn.pack_padded_sequence(self._scaled(strokes), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        _, hidden = self.encoder(packed)  # (2, B, H): last state of each direction
        mu, logvar = self.to_latent(torch.cat([hidden[0], hidden[1]], dim=-1)).chunk(2, dim=-1)
        return mu, logvar

    def _condition(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """The decoder's condition: z and the class — a label per row (long), or already an embedding
        per row (float: a blend of two classes' embeddings, for interpolation)."""
        if self.class_embedding is None:
            return z
        classes = labels if labels.is_floating_point() else self.class_embedding(labels)
        return torch.cat([z, classes], dim=-1)  # (B, z + class)

    def _scaled(self, strokes: torch.Tensor) -> torch.Tensor:
        return torch.cat([strokes[..., :2] / self.config.offset_scale, strokes[..., 2:]], dim=-1)

    def _decode(self, inputs: torch.Tensor, condition: torch.Tensor,
                state: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[torch.Tensor, tuple]:
        """(B, T, 5) previous rows → (B, T, 6M + 3) head outputs and the LSTM state."""
        if state is None:
            h0, c0 = torch.tanh(self.to_state(condition)).chunk(2, dim=-1)
            state = (h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous())
        steps = condition.unsqueeze(1).expand(-1, inputs.shape[1], -1)
        x = F.dropout(torch.cat([inputs, steps], dim=-1), self.config.dropout, self.training)
        out, state = self.decoder(x, state)
        return self.head(out), state

    def _mixture(self, out: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Split head outputs into log π, μx, μy, σx, σy, ρ (each (..., M)) and pen logits (..., 3)."""
        m = self.config.n_mixtures
        logits, mu_x, mu_y, log_sx, log_sy, rho, pen = torch.split(out, [m, m, m, m, m, m, 3], dim=-1)
        return (F.log_softmax(logits, -1), mu_x, mu_y, log_sx.clamp(-7, 5).exp(), log_sy.clamp(-7, 5).exp(),
                torch.tanh(rho) * 0.999, pen)

    # --- training -------------------------------------------------------------------------
    def forward(self, strokes: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor | None = None,
                kl_weight: float = 1.0) -> dict[str, torch.Tensor]:
        """Losses of a batch: ``loss`` (to minimise), ``reconstruction`` (L_R) and ``kl`` (L_KL, nats per drawing)."""
        batch, length, _ = strokes.shape
        mu, logvar = self.encode(strokes, lengths)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        start = strokes.new_zeros(batch, 1, 5)
        start[..., 2] = 1.0  # SketchRNN's start token: pen down at the origin
        scaled = self._scaled(strokes)
        out, _ = self._decode(torch.cat([start, scaled[:, :-1]], dim=1), self._condition(z, labels), None)
        log_pi, mu_x, mu_y, sx, sy, rho, pen_logits = self._mixture(out)

        dx, dy = scaled[..., 0:1], scaled[..., 1:2]  # (B, T, 1), broadcast over mixtures
        zx, zy = (dx - mu_x) / sx, (dy - mu_y) / sy
        one_minus = 1 - rho**2
        log_normal = (-(zx**2 + zy**2 - 2 * rho * zx * zy) / (2 * one_minus)
                      - torch.log(2 * math.pi * sx * sy * one_minus.sqrt()))
        offset_nll = -torch.logsumexp(log_pi + log_normal, dim=-1)  # (B, T)
        mask = (torch.arange(length, device=strokes.device)[None, :] < lengths[:, None]).float()
        pen_nll = F.cross_entropy(pen_logits.reshape(-1, 3), strokes[..., 2:].argmax(-1).reshape(-1),
                                  reduction="none").view(batch, length)
        # as SketchRNN: offsets count on real points only, the pen state on every step (it must learn to end)
        reconstruction = ((offset_nll * mask).sum() + pen_nll.sum()) / (batch * length)
        kl = (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(-1)).mean()
        loss = reconstruction + kl_weight * torch.clamp(kl / self.config.z_dim, min=self.config.kl_min)
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl}

    # --- sampling -------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None, temperature: float = 0.5,
               generator: torch.Generator | None = None) -> list[np.ndarray]:
        """Write one drawing per latent row; returns stroke-3 arrays (unit-box offsets).

        ``temperature`` sharpens (< 1) or flattens the mixture and pen choice; 0.01 is near greedy.
        """
        batch = z.shape[0]
        condition = self._condition(z, labels)
        row = z.new_zeros(batch, 1, 5)
        row[..., 2] = 1.0
        state = None
        rows = []
        finished = torch.zeros(batch, dtype=torch.bool, device=z.device)
        tau = max(float(temperature), 1e-3)
        for _ in range(self.config.max_len):
            out, state = self._decode(row, condition, state)
            log_pi, mu_x, mu_y, sx, sy, rho, pen_logits = (t[:, 0] for t in self._mixture(out))
            k = torch.multinomial(F.softmax(log_pi / tau, -1), 1, generator=generator)  # (B, 1)
            pick = [t.gather(1, k).squeeze(1) for t in (mu_x, mu_y, sx, sy, rho)]
            mx, my, px, py, r = pick
            px, py = px * math.sqrt(tau), py * math.sqrt(tau)
            e1, e2 = torch.randn(2, batch, generator=generator, device=z.device)
            dx = mx + px * e1
            dy = my + py * (r * e1 + torch.sqrt(1 - r**2) * e2)
            pen = torch.multinomial(F.softmax(pen_logits / tau, -1), 1, generator=generator).squeeze(1)
            row = torch.zeros(batch, 1, 5, device=z.device)
            row[:, 0, 0], row[:, 0, 1] = dx, dy
            row[torch.arange(batch), 0, 2 + pen] = 1.0
            rows.append(torch.where(finished[:, None], torch.zeros_like(row[:, 0]), row[:, 0]))
            finished |= pen == 2
            if finished.all():
                break
        sequence = torch.stack(rows, dim=1).cpu().numpy()  # (B, T, 5)
        result = []
        for drawing in sequence:
            ends = np.flatnonzero(drawing[:, 4] > 0.5)
            n = int(ends[0]) if len(ends) else len(drawing)
            lifts = drawing[:n, 3].copy()
            if n:
                lifts[-1] = 1.0
            result.append(np.column_stack([drawing[:n, :2] * self.config.offset_scale, lifts]).astype(np.float32))
        return result

    @torch.no_grad()
    def fit_class_prior(self, mu: torch.Tensor, logvar: torch.Tensor, labels: torch.Tensor | None) -> None:
        """Keep each class's posteriors N(``mu``, exp(``logvar``)) (each (N, z)) as its mixture prior.

        A class with more drawings than ``prior_codes`` keeps the first ones; one with fewer repeats
        them, so a uniform pick of a component is a near-uniform pick of a drawing.
        """
        rows = labels if labels is not None and self.config.n_classes else torch.zeros(len(mu), dtype=torch.long)
        rows = rows.to(mu.device)
        for row in range(len(self.class_prior)):
            chosen = (rows == row).nonzero().squeeze(1)
            if len(chosen):
                chosen = chosen[torch.arange(self.config.prior_codes, device=mu.device) % len(chosen)]
                self.class_prior[row] = torch.stack([mu[chosen], (0.5 * logvar[chosen]).exp()], dim=1)

    @torch.no_grad()
    def sample(self, count: int, labels: torch.Tensor | None = None, temperature: float = 0.5,
               generator: torch.Generator | None = None) -> list[np.ndarray]:
        """``count`` new drawings from z ~ N(μ_i, τ·σ_i²), i a random component of their class's prior."""
        device = self.head.weight.device
        rows = labels if labels is not None and self.config.n_classes else torch.zeros(count, dtype=torch.long,
                                                                                        device=device)
        pick = torch.randint(self.config.prior_codes, (count,), generator=generator, device=device)
        prior = self.class_prior[rows, pick]  # (B, 2, z)
        noise = torch.randn(count, self.config.z_dim, generator=generator, device=device)
        z = prior[:, 0] + prior[:, 1] * noise * math.sqrt(temperature)
        return self.decode(z, labels, temperature, generator)

    @torch.no_grad()
    def interpolate(self, strokes: torch.Tensor, lengths: torch.Tensor, steps: int,
                    labels: torch.Tensor | None = None, temperature: float = 0.1,
                    generator: torch.Generator | None = None) -> list[np.ndarray]:
        """``steps`` drawings on the straight line between the latent means of two drawings (a batch of 2).

        With classes, the class embedding moves along the same line as z: switching the label
        half-way would put a jump in the middle of every path, whatever the latent space is like.
        """
        mu, _ = self.encode(strokes, lengths)
        t = torch.linspace(0, 1, steps, device=mu.device)[:, None]
        z = (1 - t) * mu[0] + t * mu[1]  # (steps, z)
        classes = None
        if labels is not None and self.class_embedding is not None:
            ends = self.class_embedding(labels)  # (2, class_dim)
            classes = (1 - t) * ends[0] + t * ends[1]
        return self.decode(z, classes, temperature, generator)
