"""The raster autoencoder of the text-to-drawing model: 64 px scenes ↔ a 16 × 16 × 4 latent.

Latent diffusion (Rombach et al. 2022) denoises in a small autoencoder's code rather than in
pixels: the code keeps what the drawing is and drops what the eye does not need, so the
denoiser works on a quarter of the positions. As in Stable Diffusion's first stage, the code
is a VAE's with a very small KL weight: near-deterministic, so reconstructions stay sharp,
yet kept to a sensible scale and free of holes the denoiser could fall into.

Convolutions with group norm and SiLU, two stride-2 steps down (64 → 32 → 16 px) and two
nearest-neighbour upsamplings back, thin at full resolution where the CPU time goes. The
decoder gives ink logits; the loss is binary cross-entropy against the anti-aliased raster
plus ``kl_weight`` × the KL term (per latent element).

    plotter train raster-vae --scenes 20000 --steps 2000 --out runs/raster-vae
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .caption_data import CaptionCorpus
from .corpus_train import (
    CorpusTask,
    CorpusTrainConfig,
    CorpusTrainResult,
    ink,
    load_trained,
    roll_each,
    train_on_corpus,
)

KIND = "raster_vae"
VERSION = 1


@dataclass
class RasterVAEConfig:
    image_size: int = 64
    channels: int = 32  # at 32 px; ×2 at 16 px, ÷2 on the decoder's last 64 px layer
    latent_channels: int = 4
    kl_weight: float = 1e-4


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.GroupNorm(8, cout), nn.SiLU())


class RasterVAE(nn.Module):
    """Rasters ``(B, 1, S, S)`` of ink in [0, 1] ↔ codes ``(B, latent_channels, S/4, S/4)``."""

    def __init__(self, config: RasterVAEConfig) -> None:
        super().__init__()
        self.config = config
        c, z = config.channels, config.latent_channels
        # a strided 5×5 first layer: full-resolution 3×3 layers would cost most of the time for thin lines
        self.encoder = nn.Sequential(nn.Conv2d(1, c, 5, stride=2, padding=2), nn.SiLU(), _conv(c, 2 * c, 2),
                                     _conv(2 * c, 2 * c), nn.Conv2d(2 * c, 2 * z, 1))
        self.decoder = nn.Sequential(_conv(z, 2 * c), _conv(2 * c, 2 * c), nn.Upsample(scale_factor=2.0),
                                     _conv(2 * c, c), nn.Upsample(scale_factor=2.0), _conv(c, c // 2),
                                     nn.Conv2d(c // 2, 1, 3, padding=1))

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The code's mean and log-variance."""
        mean, logvar = self.encoder(images).chunk(2, dim=1)
        return mean, logvar.clamp(-20, 10)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """Ink in [0, 1]."""
        return torch.sigmoid(self.decoder(codes))

    def loss(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        mean, logvar = self.encode(images)
        codes = mean + (0.5 * logvar).exp() * torch.randn_like(mean)
        reconstruction = F.binary_cross_entropy_with_logits(self.decoder(codes), images)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        with torch.no_grad():
            ink, drawn = images > 0.5, self.decoder(mean) > 0
            iou = ((ink & drawn).sum() / (ink | drawn).sum().clamp(min=1))
        return {"loss": reconstruction + self.config.kl_weight * kl, "reconstruction": reconstruction.detach(),
                "kl": kl.detach(), "ink_iou": iou}


@dataclass
class RasterVAETrainConfig(CorpusTrainConfig):
    steps: int = 2000
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 0.0
    warmup_steps: int = 100
    shift_px: int = 2
    out: str = "runs/raster-vae"


class RasterVAETask(CorpusTask):
    """The autoencoder in the corpus loop: shifted rasters in, the same out; validation is the
    held-out reconstruction loss and the overlap of inked pixels (IoU)."""

    kind, version, weights_file, config_class = KIND, VERSION, "raster-vae.pt", RasterVAETrainConfig
    loss_terms = ("loss", "ink_iou")

    def __init__(self, config: RasterVAETrainConfig, corpus: CaptionCorpus, device: torch.device,
                 saved: dict[str, Any] | None) -> None:
        super().__init__(config, corpus, device, saved)
        self.model_config = RasterVAEConfig(**(saved if saved is not None else config.model))
        self.model = RasterVAE(self.model_config)
        self.images = ink(corpus)

    def loss(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        scenes = self.batch_scenes(rng)
        shifts = rng.integers(-self.config.shift_px, self.config.shift_px + 1, (len(scenes), 2))
        return self.model.loss(roll_each(self.images[scenes], shifts).to(self.device))

    def validate(self, model: nn.Module) -> dict[str, float]:
        torch.manual_seed(0)  # the sampled codes of the validation loss are the same at every validation
        return self.held_out_mean(lambda part: model.loss(self.images[self.held_out[part]].to(self.device)))


def train_raster_vae(config: RasterVAETrainConfig, resume: bool = False, progress: bool = True) -> CorpusTrainResult:
    """Train (or go on training) the autoencoder; ``scores["ink_iou"]``: held-out inked-pixel overlap."""
    return train_on_corpus(RasterVAETask, config, resume, progress)


def load_raster_vae(path: str | Path) -> RasterVAE:
    """A trained autoencoder from weights or a checkpoint, in eval mode on the CPU."""
    return load_trained(path, KIND, VERSION, lambda config: RasterVAE(RasterVAEConfig(**config)))
