"""A small class-conditional DDPM on glyph rasters (Ho et al. 2020), sampled with DDIM (Song et al. 2021).

The network (:class:`UNet`) predicts the noise added to an image at step t, given t (a
sinusoidal embedding) and the class (an embedding, with one extra "no class" entry that is
used for 10 % of training images, so classifier-free guidance can mix conditional and
unconditional predictions at sampling time; Ho & Salimans 2022). The diffusion process
(:class:`GaussianDiffusion`) owns the noise schedule, the training loss and the sampler; the
rasters it draws become strokes in :mod:`generative.trace`.

>>> diffusion = GaussianDiffusion(DiffusionConfig(n_classes=62))
>>> images = diffusion.sample(labels=torch.zeros(4, dtype=torch.long), steps=10)   # (4, 1, 32, 32) in [-1, 1]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

KIND = "ddpm"
VERSION = 2  # 2: the training state holds an EMA of the weights and the learning-rate schedule
WEIGHTS_VERSIONS = (1, 2)  # the network is the same in both: their weights-only files sample alike


@dataclass
class DiffusionConfig:
    n_classes: int = 0  # 0: unconditional; otherwise class embeddings + one "null" class for guidance
    image_size: int = 28  # rasters are image_size² (must divide by 4: two downsamplings)
    channels: int = 24  # UNet width at full resolution, ×2 below (≈ 0.2 M parameters; a multiple of 8)
    timesteps: int = 1000  # T of the forward process
    schedule: str = "cosine"  # a name in SCHEDULES
    p_uncond: float = 0.1  # share of training images whose class is hidden (for guidance)
    guidance: float = 4.0  # default classifier-free guidance weight w: ε_u + w·(ε_c − ε_u); 2 → 4: judged +8 %
    sample_steps: int = 10  # default DDIM steps (judged as good as 20 on the Hershey model, in half the time)


# --- noise schedules: β_t for t = 1..T ------------------------------------------------------
def linear_beta_schedule(timesteps: int) -> torch.Tensor:
    """Ho et al. 2020: β from 1e-4 to 0.02 at T = 1000 (scaled for other T)."""
    scale = 1000 / timesteps
    return torch.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype=torch.float64)


def cosine_beta_schedule(timesteps: int, s: float = 0.008) -> torch.Tensor:
    """Nichol & Dhariwal 2021: ᾱ_t = cos²((t/T + s)/(1 + s)·π/2); kinder to small images than linear."""
    t = torch.linspace(0, timesteps, timesteps + 1, dtype=torch.float64) / timesteps
    alphas_bar = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    betas = 1 - alphas_bar[1:] / alphas_bar[:-1]
    return betas.clamp(0, 0.999)


SCHEDULES = {"linear": linear_beta_schedule, "cosine": cosine_beta_schedule}


# --- the network ------------------------------------------------------------------------------
def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """(B,) integer steps → (B, dim) sinusoidal features, as in the Transformer."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * frequencies[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class ResBlock(nn.Module):
    """Two 3×3 convolutions with the step/class embedding added in between."""

    def __init__(self, channels_in: int, channels_out: int, embedding_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(8, channels_in)
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.embed = nn.Linear(embedding_dim, channels_out)
        self.norm2 = nn.GroupNorm(8, channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        self.skip = nn.Conv2d(channels_in, channels_out, 1) if channels_in != channels_out else nn.Identity()

    def forward(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embed(embedding)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """S² → (S/2)² → (S/4)² and back, one residual block per level and skip connections; predicts ε."""

    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__()
        c = config.channels
        embedding_dim = 4 * c
        self.channels = c
        self.time_mlp = nn.Sequential(nn.Linear(c, embedding_dim), nn.SiLU(), nn.Linear(embedding_dim, embedding_dim))
        # the last row is the "no class" embedding used for unconditional predictions
        self.class_embedding = nn.Embedding(config.n_classes + 1, embedding_dim)
        self.stem = nn.Conv2d(1, c, 3, padding=1)
        self.down1 = ResBlock(c, c, embedding_dim)  # S²
        self.down2 = ResBlock(c, 2 * c, embedding_dim)  # (S/2)²
        self.mid = ResBlock(2 * c, 2 * c, embedding_dim)  # (S/4)²
        self.up2 = ResBlock(4 * c, 2 * c, embedding_dim)  # (S/2)², with the skip from down2
        self.up1 = ResBlock(3 * c, c, embedding_dim)  # S², with the skip from down1
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, 1, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """x (B, 1, S, S), t (B,), labels (B,) with n_classes meaning "none" → ε (B, 1, S, S)."""
        embedding = self.time_mlp(timestep_embedding(t, self.channels)) + self.class_embedding(labels)
        h1 = self.down1(self.stem(x), embedding)  # (B, c, S, S)
        h2 = self.down2(F.avg_pool2d(h1, 2), embedding)  # (B, 2c, S/2, S/2)
        h = self.mid(F.avg_pool2d(h2, 2), embedding)  # (B, 2c, S/4, S/4)
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2.0), h2], dim=1), embedding)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2.0), h1], dim=1), embedding)
        return self.out(h)


# --- the diffusion process -------------------------------------------------------------------
class GaussianDiffusion(nn.Module):
    """Forward noising q(x_t | x_0), the ε-prediction loss, and DDIM sampling with guidance."""

    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__()
        self.config = config
        self.model = UNet(config)
        betas = SCHEDULES[config.schedule](config.timesteps)
        alphas_bar = torch.cumprod(1 - betas, dim=0)
        self.register_buffer("alphas_bar", alphas_bar.float(), persistent=False)

    @property
    def null_label(self) -> int:
        return self.config.n_classes

    def forward(self, x0: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Training loss of images x0 (B, 1, S, S) in [-1, 1]: MSE between the true and predicted noise."""
        batch = x0.shape[0]
        t = torch.randint(0, self.config.timesteps, (batch,), device=x0.device)
        noise = torch.randn_like(x0)
        a = self.alphas_bar[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        if labels is None:
            labels = torch.full((batch,), self.null_label, device=x0.device)
        hidden = torch.rand(batch, device=x0.device) < self.config.p_uncond
        labels = torch.where(hidden, torch.full_like(labels, self.null_label), labels)
        loss = F.mse_loss(self.model(xt, t, labels), noise)
        return {"loss": loss}

    def _guided_noise(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor, guidance: float) -> torch.Tensor:
        if guidance == 0 or self.config.n_classes == 0:
            return self.model(x, t, labels)
        both = self.model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, torch.full_like(labels,
                                                                                             self.null_label)]))
        conditional, unconditional = both.chunk(2)
        return unconditional + guidance * (conditional - unconditional)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor | None = None, count: int | None = None, steps: int | None = None,
               guidance: float | None = None, eta: float = 0.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """DDIM: ``steps`` evenly spaced steps from pure noise to images (B, 1, S, S) in [-1, 1].

        ``eta`` = 0 is deterministic given the starting noise; 1 is as noisy as DDPM.
        """
        device = self.alphas_bar.device
        if labels is None:
            labels = torch.full((count or 1,), self.null_label, device=device, dtype=torch.long)
        guidance = self.config.guidance if guidance is None else guidance
        size = self.config.image_size
        x = torch.randn(len(labels), 1, size, size, generator=generator, device=device)
        return ddim(lambda x, t: self._guided_noise(x, t.repeat(len(labels)), labels, guidance), x, self.alphas_bar,
                    steps or self.config.sample_steps, eta, generator, clamp=1.0)


def ddim(noise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, alphas_bar: torch.Tensor,
         steps: int, eta: float = 0.0, generator: torch.Generator | None = None,
         clamp: float | None = None, progress: str | None = None) -> torch.Tensor:
    """DDIM (Song et al. 2021) from noise ``x`` at the last step of ``alphas_bar`` (pass a prefix of the
    schedule to start lower) to a clean sample, in ``steps`` evenly spaced steps.

    ``noise(x, t)`` is the (guided) noise prediction at step ``t`` (a 0-d tensor); each step's
    estimate of the clean sample is clamped to ±``clamp`` when given (pixels have a range, latent
    codes do not). ``progress``: a label for a progress bar over the steps (none by default).
    """
    device = x.device
    times = torch.linspace(len(alphas_bar) - 1, 0, steps, device=device).round().long()
    for i, t in enumerate(tqdm(times, desc=progress, disable=progress is None, leave=False)):
        a = alphas_bar[t]
        a_next = alphas_bar[times[i + 1]] if i + 1 < steps else torch.tensor(1.0, device=device)
        eps = noise(x, t)
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        if clamp is not None:
            x0 = x0.clamp(-clamp, clamp)
            eps = (x - a.sqrt() * x0) / (1 - a).sqrt()  # consistent with the clamped x0
        sigma = eta * ((1 - a_next) / (1 - a) * (1 - a / a_next)).clamp(min=0).sqrt()
        x = a_next.sqrt() * x0 + (1 - a_next - sigma**2).clamp(min=0).sqrt() * eps
        if eta > 0 and i + 1 < steps:
            x = x + sigma * torch.randn(x.shape, generator=generator, device=device)
    return x
