"""Text to drawing: a latent diffusion model conditioned on the small CLIP's reading of a prompt.

Stable Diffusion's recipe (Rombach et al. 2022) at this project's scale. A frozen raster
autoencoder (:mod:`generative.raster_vae`) turns a 64 px scene into a 16 × 16 × 4 code;
a UNet learns to denoise codes (DDPM's ε loss, cosine schedule) given the prompt, read by
the CLIP's frozen text encoder (:mod:`generative.clip`) in two ways:

- **cross-attention** at 8 × 8 and 4 × 4: every position of the code attends to the
  prompt's word states, so "two" can bind to "people" and "a tree" to a place;
- the prompt's **pooled CLIP embedding**, added to the step embedding that every residual
  block shifts its features by.

For classifier-free guidance (Ho & Salimans 2022) a tenth of the training prompts are
replaced by a learned *null prompt*; sampling mixes ε_null + w·(ε_prompt − ε_null) over a
few DDIM steps, then the decoder paints the raster that :mod:`generative.trace` reduces to
pen strokes. One file holds all three networks, so the shipped weights are self-contained.

    plotter train text-diffusion --scenes 20000 --steps 4000 --out runs/text-diffusion
    plotter generate --prompt "two people beside a tree" -o people.svg
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import default_weights
from .caption_data import CaptionCorpus
from .clip import ClipConfig
from .clip_train import load_clip
from .corpus_train import CorpusTask, CorpusTrainConfig, CorpusTrainResult, ink, load_trained, train_on_corpus
from .diffusion import SCHEDULES, ResBlock, ddim, timestep_embedding
from .raster_vae import RasterVAE, RasterVAEConfig, load_raster_vae
from .text_condition import Prompt, PromptConditioned, ScenePrompts

KIND = "text_diffusion"
VERSION = 1


@dataclass
class TextDiffusionConfig:
    clip: dict[str, Any]  # the frozen text encoder's ClipConfig (its vocabulary among it)
    autoencoder: dict[str, Any]  # the frozen RasterVAEConfig
    latent_scale: float = 1.0  # codes × this have unit variance over the training scenes
    latent_clamp: float = 6.0  # sampling keeps its clean-code estimate within ± this (scaled training codes reach 5.9)
    # sampling starts at the last step whose ᾱ is at least this: the cosine schedule ends at ᾱ ≈ 2e-9,
    # where the clean-code estimate multiplies the ε error 20000-fold (pixels survive by clamping to ±1);
    # on 100 held-out prompts at guidance 3, 1e-3 → 11 % adherence, 1e-2 → 18 %, 3e-2 → 19 %, 1e-1 → 11 %
    first_alpha_bar: float = 1e-2
    channels: int = 48  # UNet width at 16 × 16; ×2 below (≈ 1 M parameters)
    heads: int = 4
    timesteps: int = 1000
    schedule: str = "cosine"
    p_uncond: float = 0.1  # share of training prompts replaced by the null prompt
    guidance: float = 3.0  # default guidance weight w
    sample_steps: int = 20  # default DDIM steps


class CrossAttention(nn.Module):
    """Positions of a feature map attend to the prompt's word states (residual)."""

    def __init__(self, channels: int, text_width: int, heads: int) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(8, channels)
        self.attention = nn.MultiheadAttention(channels, heads, kdim=text_width, vdim=text_width, batch_first=True)

    def forward(self, x: torch.Tensor, words: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        queries = self.norm(x).flatten(2).transpose(1, 2)  # (B, HW, C)
        attended, _ = self.attention(queries, words, words, key_padding_mask=~real, need_weights=False)
        return x + attended.transpose(1, 2).reshape(b, c, h, w)


class TextUNet(nn.Module):
    """16² → 8² → 4² and back over codes, with cross-attention below full resolution; predicts ε."""

    def __init__(self, config: TextDiffusionConfig, latent_channels: int, text_width: int, text_embed: int) -> None:
        super().__init__()
        c = config.channels
        embedding_dim = 4 * c
        self.channels = c
        self.time_mlp = nn.Sequential(nn.Linear(c, embedding_dim), nn.SiLU(), nn.Linear(embedding_dim, embedding_dim))
        self.prompt_mlp = nn.Sequential(nn.Linear(text_embed, embedding_dim), nn.SiLU(),
                                        nn.Linear(embedding_dim, embedding_dim))
        self.stem = nn.Conv2d(latent_channels, c, 3, padding=1)
        self.down1 = ResBlock(c, c, embedding_dim)
        self.down2 = ResBlock(c, 2 * c, embedding_dim)
        self.attend_down2 = CrossAttention(2 * c, text_width, config.heads)
        self.mid = ResBlock(2 * c, 2 * c, embedding_dim)
        self.attend_mid = CrossAttention(2 * c, text_width, config.heads)
        self.up2 = ResBlock(4 * c, 2 * c, embedding_dim)
        self.attend_up2 = CrossAttention(2 * c, text_width, config.heads)
        self.up1 = ResBlock(3 * c, c, embedding_dim)
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, latent_channels, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, words: torch.Tensor, real: torch.Tensor,
                pooled: torch.Tensor) -> torch.Tensor:
        embedding = self.time_mlp(timestep_embedding(t, self.channels)) + self.prompt_mlp(pooled)
        h1 = self.down1(self.stem(x), embedding)
        h2 = self.attend_down2(self.down2(F.avg_pool2d(h1, 2), embedding), words, real)
        h = self.attend_mid(self.mid(F.avg_pool2d(h2, 2), embedding), words, real)
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2.0), h2], dim=1), embedding)
        h = self.attend_up2(h, words, real)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2.0), h1], dim=1), embedding)
        return self.out(h)


class TextDiffusion(PromptConditioned):
    """The frozen text encoder and autoencoder, the denoiser, the null prompt, and the sampler."""

    def __init__(self, config: TextDiffusionConfig) -> None:
        clip_config, vae_config = ClipConfig(**config.clip), RasterVAEConfig(**config.autoencoder)
        super().__init__(clip_config)
        self.config = config
        self.autoencoder = RasterVAE(vae_config).requires_grad_(False)
        self.unet = TextUNet(config, vae_config.latent_channels, clip_config.text_width, clip_config.embed)
        self.register_buffer("alphas_bar", torch.cumprod(1 - SCHEDULES[config.schedule](config.timesteps), 0).float(),
                             persistent=False)

    def train(self, mode: bool = True) -> TextDiffusion:
        """The frozen autoencoder stays in eval mode too."""
        super().train(mode)
        self.autoencoder.eval()
        return self

    def forward(self, codes: torch.Tensor, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """ε-prediction loss of scaled codes ``(B, Z, 16, 16)`` under their prompts (a tenth hidden)."""
        batch = codes.shape[0]
        t = torch.randint(0, self.config.timesteps, (batch,), device=codes.device)
        noise = torch.randn_like(codes)
        a = self.alphas_bar[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * codes + (1 - a).sqrt() * noise
        prompt = self.training_prompt(ids, self.config.p_uncond)
        return {"loss": F.mse_loss(self.unet(noisy, t, prompt.words, prompt.real, prompt.pooled), noise)}

    def _guided_noise(self, x: torch.Tensor, t: torch.Tensor, prompt: Prompt, guidance: float) -> torch.Tensor:
        steps = t.repeat(len(x))
        if guidance == 1:
            return self.unet(x, steps, prompt.words, prompt.real, prompt.pooled)
        both = prompt.twice(self.null(len(x), prompt.words.shape[1]))
        conditional, unconditional = self.unet(torch.cat([x, x]), torch.cat([steps, steps]), both.words, both.real,
                                               both.pooled).chunk(2)
        return unconditional + guidance * (conditional - unconditional)

    @torch.no_grad()
    def sample(self, ids: torch.Tensor | None, count: int = 1, guidance: float | None = None, steps: int | None = None,
               generator: torch.Generator | None = None, progress: str | None = None) -> torch.Tensor:
        """Rasters ``(B, 1, 64, 64)`` of ink in [0, 1] for prompts ``ids`` ``(B, T)`` (``None``: ``count``
        drawings of the null prompt, the unconditioned model). Guidance 0 is the null prompt's
        prediction, 1 the prompt's alone, above 1 pushes past it. ``progress``: a label for a bar over the steps."""
        guidance = self.config.guidance if guidance is None else guidance
        device = self.alphas_bar.device
        prompt = self.null(count) if ids is None else self.read(ids.to(device))
        batch = len(prompt.words)
        latent = self.autoencoder.config.latent_channels
        size = self.autoencoder.config.image_size // 4
        x = torch.randn(batch, latent, size, size, generator=generator, device=device)
        if ids is None or guidance == 0:
            prompt, guidance = (self.null(batch), 1.0)
        first = int((self.alphas_bar >= self.config.first_alpha_bar).nonzero().max())
        codes = ddim(lambda x, t: self._guided_noise(x, t, prompt, guidance), x, self.alphas_bar[:first + 1],
                     steps or self.config.sample_steps, generator=generator, clamp=self.config.latent_clamp,
                     progress=progress)
        return self.autoencoder.decode(codes / self.config.latent_scale)


# --- training ------------------------------------------------------------------------------
@dataclass
class TextDiffusionTrainConfig(CorpusTrainConfig):
    steps: int = 4000
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 200
    ema_decay: float = 0.999
    clip_weights: str = ""  # the frozen text encoder ("": the shipped CLIP)
    vae_weights: str = ""  # the frozen autoencoder ("": the shipped one)
    out: str = "runs/text-diffusion"


class TextDiffusionTask(CorpusTask):
    """The denoiser in the corpus loop. Every scene's code is computed once (the autoencoder is
    frozen); a batch pairs each scene with one of its captions or its full description, so both
    loose prompts and complete ones are learnt. Validation: the loss on held-out scenes at fixed
    steps and noise."""

    kind, version, weights_file, config_class = KIND, VERSION, "text-diffusion.pt", TextDiffusionTrainConfig

    def __init__(self, config: TextDiffusionTrainConfig, corpus: CaptionCorpus, device: torch.device,
                 saved: dict[str, Any] | None) -> None:
        super().__init__(config, corpus, device, saved)
        if saved is not None:
            self.model_config = TextDiffusionConfig(**saved)
            self.model = TextDiffusion(self.model_config)
        else:
            clip = load_clip(config.clip_weights or default_weights("clip"))
            autoencoder = load_raster_vae(config.vae_weights or default_weights("raster-vae"))
            self.model_config = TextDiffusionConfig(clip=asdict(clip.config), autoencoder=asdict(autoencoder.config),
                                                    **config.model)
            self.model = TextDiffusion(self.model_config)
            self.model.text.load_state_dict(clip.text.state_dict())
            self.model.autoencoder.load_state_dict(autoencoder.state_dict())
        self.model.to(device)
        self._codes: torch.Tensor | None = None
        if saved is None:  # the scale is fixed when the run starts and kept by every resumed run
            codes = self._encode_all()
            scale = float(1 / codes[torch.from_numpy(self.training)].std())
            self.model_config.latent_scale = self.model.config.latent_scale = scale
            self._codes = codes * scale
        self.prompts = ScenePrompts(corpus, self.model.vocabulary, self.model.max_words)
        self.validation_ids = self.prompts.full(self.held_out)

    def codes(self) -> torch.Tensor:
        """Every scene's scaled code, computed once (on a resumed run, after the loop restored the weights)."""
        if self._codes is None:
            self._codes = self._encode_all() * self.model_config.latent_scale
        return self._codes

    def _encode_all(self) -> torch.Tensor:
        images = ink(self.corpus)
        with torch.no_grad():
            return torch.cat([self.model.autoencoder.encode(images[i:i + 512].to(self.device))[0]
                              for i in range(0, len(images), 512)])

    def loss(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        scenes = self.batch_scenes(rng)
        ids = self.prompts.draw(scenes, rng)
        return self.model(self.codes()[torch.from_numpy(scenes)], ids.to(self.device))

    def validate(self, model: nn.Module) -> dict[str, float]:
        torch.manual_seed(0)  # the same steps, noise and hidden prompts at every validation
        return self.held_out_mean(lambda part: model(self.codes()[torch.from_numpy(self.held_out[part])],
                                                     self.validation_ids[part].to(self.device)))


def train_text_diffusion(config: TextDiffusionTrainConfig, resume: bool = False,
                         progress: bool = True) -> CorpusTrainResult:
    """Train (or go on training) the text-conditioned denoiser over the frozen CLIP text encoder and autoencoder."""
    return train_on_corpus(TextDiffusionTask, config, resume, progress)


def load_text_diffusion(path: str | Path | None = None) -> TextDiffusion:
    """The text-to-drawing model from weights or a checkpoint (default: the shipped one), in eval mode."""
    return load_trained(path or default_weights("text-diffusion"), KIND, VERSION,
                        lambda config: TextDiffusion(TextDiffusionConfig(**config)))
