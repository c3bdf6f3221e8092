"""A small class-conditional DCGAN on glyph rasters (Radford et al. 2016), kept stable on 670 drawings.

The generator (:class:`ConvGenerator`) turns a noise vector and a class embedding into a 7² map
and upsamples it twice to the 28² raster (nearest neighbour + 3×3 convolution, which draws no
checkerboard, with batch norm). The discriminator (:class:`Critic`) is three strided
convolutions under **spectral norm** (Miyato et al. 2018) whose 4² map is read, unpooled, by two
heads: a **projection** of the class embedding onto its features (Miyato & Koyama 2018) for the
real/fake score, and an
auxiliary classifier (Odena et al. 2017) whose cross-entropy both players minimise, so a
sample must look like *its* glyph, not any glyph. The loss is the **hinge** loss; with about 11
drawings a class the critic would soon memorise the real ones, so every image it sees, real
or fake, first goes through the same random translation and cutout (**DiffAugment**, Zhao et
al. 2020), which the generator's gradient passes through.

One training step (:meth:`GAN.train_step`) is two updates with two optimisers: the critic on
a real and a fake batch, then the generator through the updated critic; the generator's
weights are what the moving average in :mod:`generative.train` keeps for sampling. Samples are
rasters that :mod:`generative.trace` reduces to strokes.

>>> gan = GAN(GANConfig(n_classes=62))
>>> images = gan.sample(torch.zeros(4, dtype=torch.long))   # (4, 1, 28, 28) in [-1, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm

KIND = "dcgan"
VERSION = 2  # the training state's format (train.py's: several optimisers, EMA, schedule)
WEIGHTS_VERSIONS = (2,)
BACKGROUND = -1.0  # a raster's paper in [-1, 1]; ink is +1


@dataclass
class GANConfig:
    n_classes: int = 0  # 0: unconditional; otherwise class embeddings in both networks
    image_size: int = 28  # rasters are image_size² (must divide by 4: two upsamplings from image_size/4)
    z_dim: int = 64  # noise dimensions
    class_dim: int = 32  # the generator's class embedding
    g_channels: int = 16  # generator width at full resolution, ×2 and ×4 below
    d_channels: int = 32  # critic width after its first (strided) convolution, ×2 and ×4 below
    ac_weight: float = 1.0  # weight of the auxiliary classifier's cross-entropy, in both players' losses
    translate: float = 0.125  # DiffAugment: random shift up to this share of the image, each axis
    cutout: float = 0.25  # DiffAugment: a square of this share of the side erased (0: off); 0.5 hides whole strokes
    g_lr_scale: float = 0.15  # generator learning rate = the run's (2e-3 by default) × this
    d_lr_scale: float = 0.4  # critic learning rate = the run's × this (two time-scale update rule)
    beta1: float = 0.5  # Adam's first moment: low, as usual for GANs
    truncation: float = 2.0  # sampling: noise components beyond ± this are drawn again


class ConvGenerator(nn.Module):
    """(z, class) → 7² × 4c → 14² × 2c → 28² × c → 1 channel, tanh."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        c, self.base = config.g_channels, config.image_size // 4
        self.class_embedding = nn.Embedding(max(1, config.n_classes), config.class_dim) if config.n_classes else None
        inputs = config.z_dim + (config.class_dim if config.n_classes else 0)
        self.project = nn.Sequential(nn.Linear(inputs, 4 * c * self.base**2, bias=False),
                                     nn.Unflatten(1, (4 * c, self.base, self.base)), nn.BatchNorm2d(4 * c), nn.ReLU())

        def up(channels_in: int, channels_out: int) -> nn.Sequential:
            return nn.Sequential(nn.Upsample(scale_factor=2.0), nn.Conv2d(channels_in, channels_out, 3, padding=1,
                                                                          bias=False),
                                 nn.BatchNorm2d(channels_out), nn.ReLU())

        self.body = nn.Sequential(up(4 * c, 2 * c), up(2 * c, c), nn.Conv2d(c, 1, 3, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """z (B, z_dim), labels (B,) → images (B, 1, S, S) in [-1, 1]."""
        if self.class_embedding is not None:
            z = torch.cat([z, self.class_embedding(labels)], dim=1)
        return self.body(self.project(z))


class Critic(nn.Module):
    """Spectrally normalised convolutions → features; a projection score and an auxiliary class guess."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        c = config.d_channels
        self.features = nn.Sequential(
            spectral_norm(nn.Conv2d(1, c, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),  # S/2
            spectral_norm(nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),  # S/4
            spectral_norm(nn.Conv2d(2 * c, 4 * c, 3, stride=2, padding=1)), nn.LeakyReLU(0.2))  # S/8, rounded up
        side = -(-config.image_size // 8)
        features = 4 * c * side * side
        self.score = spectral_norm(nn.Linear(features, 1))
        n = config.n_classes
        self.projection = spectral_norm(nn.Embedding(n, features)) if n else None
        self.classify = nn.Linear(features, n) if n else None

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """images (B, 1, S, S) → real/fake scores (B,) and class logits (B, n_classes) or None."""
        # (B, 4c·(S/8)²), not SNGAN's sum over positions: where a stroke is tells 'b' from 'd' (pooled, the
        # class head reached 15 % of the training glyphs in 300 steps; unpooled, 62 %)
        h = self.features(images).flatten(1)
        score = self.score(h)[:, 0]
        if self.projection is None:
            return score, None
        return score + (self.projection(labels) * h).sum(1), self.classify(h)


def diff_augment(images: torch.Tensor, translate: float, cutout: float) -> torch.Tensor:
    """The same kind of random shift and erased square for real and fake images, differentiable in the pixels.

    The paper moves with the image (the uncovered border is paper, not ink); the cutout square is
    paper too. Offsets come from torch's global generator, which the training loop seeds per step.
    """
    batch, _, height, width = images.shape
    device = images.device
    rows = torch.arange(height, device=device)[None, :, None]
    cols = torch.arange(width, device=device)[None, None, :]
    out = images
    if translate > 0:
        reach_y, reach_x = int(height * translate + 0.5), int(width * translate + 0.5)
        dy = torch.randint(-reach_y, reach_y + 1, (batch, 1, 1), device=device)
        dx = torch.randint(-reach_x, reach_x + 1, (batch, 1, 1), device=device)
        padded = F.pad(out, (reach_x, reach_x, reach_y, reach_y), value=BACKGROUND)
        y = (rows + dy + reach_y).expand(batch, height, width)
        x = (cols + dx + reach_x).expand(batch, height, width)
        out = padded[torch.arange(batch, device=device)[:, None, None], 0, y, x][:, None]
    if cutout > 0:
        side_y, side_x = int(height * cutout + 0.5), int(width * cutout + 0.5)
        cy = torch.randint(0, height + 1 - side_y % 2, (batch, 1, 1), device=device)
        cx = torch.randint(0, width + 1 - side_x % 2, (batch, 1, 1), device=device)
        erased = ((rows - cy).abs() <= side_y // 2) & ((cols - cx).abs() <= side_x // 2)
        out = torch.where(erased[:, None], torch.full_like(out, BACKGROUND), out)
    return out


class GAN(nn.Module):
    """The generator and the critic together: their losses, one alternating training step, and sampling."""

    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        self.generator = ConvGenerator(config)
        self.critic = Critic(config)

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        return diff_augment(images, self.config.translate, self.config.cutout)

    def _classification(self, logits: torch.Tensor | None, labels: torch.Tensor | None) -> torch.Tensor:
        if logits is None or labels is None:
            return torch.zeros(())
        return self.config.ac_weight * F.cross_entropy(logits, labels)

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """Hinge: real scores pushed above +1, fake below −1; plus the class of the real images."""
        real_score, real_logits = self.critic(self._augment(real), labels)
        fake_score, _ = self.critic(self._augment(fake), labels)
        hinge = F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()
        return hinge + self._classification(real_logits, labels)

    def generator_loss(self, fake: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """Raise the critic's score of the fakes, and make the critic read them as their own class."""
        score, logits = self.critic(self._augment(fake), labels)
        return -score.mean() + self._classification(logits, labels)

    def noise(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(count, z_dim) standard normal noise, components beyond ± ``truncation`` drawn again."""
        device = next(self.parameters()).device
        z = torch.randn(count, self.config.z_dim, generator=generator, device=device)
        for _ in range(100):  # each pass redraws the few outliers; 2σ leaves 5 % of them, so a few passes suffice
            outside = z.abs() > self.config.truncation
            if not outside.any():
                break
            z = torch.where(outside, torch.randn(z.shape, generator=generator, device=device), z)
        return z.clamp(-self.config.truncation, self.config.truncation)

    def forward(self, real: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Both losses of a batch of real images (B, 1, S, S) without updating anything (validation)."""
        fake = self.generator(self.noise(len(real)), labels)
        return {"d_loss": self.critic_loss(real, fake, labels), "g_loss": self.generator_loss(fake, labels)}

    def optimisers(self, learning_rate: float) -> dict[str, torch.optim.Optimizer]:
        """Adam for each player; ``lr_scale`` in a group makes the training loop's schedule keep their ratio."""
        betas = (self.config.beta1, 0.999)
        return {name: torch.optim.Adam([{"params": part.parameters(), "lr_scale": scale}],
                                       lr=learning_rate * scale, betas=betas)
                for name, part, scale in (("critic", self.critic, self.config.d_lr_scale),
                                          ("generator", self.generator, self.config.g_lr_scale))}

    def train_step(self, real: torch.Tensor, labels: torch.Tensor | None, optimisers: dict[str, torch.optim.Optimizer],
                   grad_clip: float) -> dict[str, torch.Tensor]:
        """One critic update on a real and a fake batch, then one generator update through the updated critic."""
        fake = self.generator(self.noise(len(real)), labels)
        d_loss = self.critic_loss(real, fake.detach(), labels)
        optimisers["critic"].zero_grad(set_to_none=True)
        d_loss.backward()
        nn.utils.clip_grad_norm_(self.critic.parameters(), grad_clip)
        optimisers["critic"].step()

        g_loss = self.generator_loss(fake, labels)
        optimisers["generator"].zero_grad(set_to_none=True)
        g_loss.backward(inputs=list(self.generator.parameters()))  # the critic's gradients are not needed
        nn.utils.clip_grad_norm_(self.generator.parameters(), grad_clip)
        optimisers["generator"].step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    @torch.no_grad()
    def sample(self, labels: torch.Tensor | None = None, count: int | None = None, temperature: float = 1.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Images (B, 1, S, S) in [-1, 1] of class ids ``labels`` (or ``count`` unconditional ones).

        ``temperature`` scales the (truncated) noise: below 1 trades variety for tidier, more typical glyphs.
        """
        count = len(labels) if labels is not None else count or 1
        return self.generator(self.noise(count, generator) * temperature, labels)
