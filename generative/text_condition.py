"""What a text-conditioned generator shares: the frozen CLIP text encoder's reading of a prompt, and a null prompt.

Both text-to-drawing generators (the latent diffusion of :mod:`generative.text_diffusion` and
the layout transformer of :mod:`generative.text_layout`) read a prompt the same way: the
CLIP's frozen text encoder gives each word a state in context (to attend to) and the whole
prompt a pooled embedding. For classifier-free guidance (Ho & Salimans 2022) each also
learns a *null prompt*, shown in place of a tenth of the training prompts; sampling then
pushes the prompt's prediction away from the null prompt's by the guidance weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .caption_data import CaptionCorpus, Vocabulary
from .clip import ClipConfig, TextEncoder
from .clip_train import descriptions


@dataclass
class Prompt:
    """A prompt as a generator reads it: word states ``(B, T, W)``, which are words ``(B, T)``, pooled ``(B, E)``."""

    words: torch.Tensor
    real: torch.Tensor
    pooled: torch.Tensor

    def where(self, keep: torch.Tensor, other: Prompt) -> Prompt:
        """Row ``i`` from self where ``keep[i]``, else from ``other``."""
        return Prompt(torch.where(keep[:, None, None], self.words, other.words),
                      torch.where(keep[:, None], self.real, other.real),
                      torch.where(keep[:, None], self.pooled, other.pooled))

    def twice(self, other: Prompt) -> Prompt:
        return Prompt(torch.cat([self.words, other.words]), torch.cat([self.real, other.real]),
                      torch.cat([self.pooled, other.pooled]))


class PromptConditioned(nn.Module):
    """A generator's frozen text encoder and learned null prompt; subclasses add the network."""

    def __init__(self, clip_config: ClipConfig) -> None:
        super().__init__()
        self.text = TextEncoder(clip_config).requires_grad_(False)
        self.null_words = nn.Parameter(torch.randn(1, 1, clip_config.text_width) * 0.02)
        self.null_pooled = nn.Parameter(torch.zeros(1, clip_config.embed))
        self.vocabulary = Vocabulary(clip_config.words)
        self.max_words = clip_config.max_words

    def train(self, mode: bool = True) -> PromptConditioned:
        """The text encoder stays in eval mode (its norms are fitted and frozen)."""
        super().train(mode)
        self.text.eval()
        return self

    def read(self, ids: torch.Tensor) -> Prompt:
        """Token ids ``(B, T)`` → the prompt as the generator reads it (no gradient reaches the text
        encoder), cut to its longest prompt's words: padding is masked everywhere, so it only costs time."""
        ids = ids[:, :max(1, int((ids != 0).sum(1).max()))]
        with torch.no_grad():
            words, real = self.text.states(ids)
            pooled = F.normalize(self.text.embed(words, real), dim=-1)
        return Prompt(words, real, pooled)

    def null(self, batch: int, length: int = 1) -> Prompt:
        """The learned null prompt, ``length`` words long to stand beside prompts of that length: one word
        state (the rest padding), and a pooled embedding of its own."""
        words = torch.zeros(batch, length, self.null_words.shape[-1], device=self.null_words.device)
        words = torch.cat([self.null_words.expand(batch, 1, -1), words[:, 1:]], dim=1)
        real = torch.zeros(batch, length, dtype=torch.bool, device=words.device)
        real[:, 0] = True
        return Prompt(words, real, self.null_pooled.expand(batch, -1))

    def training_prompt(self, ids: torch.Tensor, p_uncond: float) -> Prompt:
        """The prompts of a training batch, each replaced by the null prompt with probability ``p_uncond``."""
        keep = torch.rand(len(ids), device=ids.device) >= p_uncond
        prompt = self.read(ids)
        return prompt.where(keep, self.null(len(ids), prompt.words.shape[1]))


class ScenePrompts:
    """Each corpus scene's training prompts as token ids: its paraphrases, then its full description.

    A text-conditioned generator learns from both, so loose prompts and complete ones are
    followed; validation reads the full descriptions, which name every shown object.
    """

    def __init__(self, corpus: CaptionCorpus, vocabulary: Vocabulary, max_words: int) -> None:
        every = np.arange(len(corpus))
        texts = [[*corpus.captions[i], full] for i, full in zip(every, descriptions(corpus, every), strict=True)]
        self.ids = [torch.from_numpy(vocabulary.encode_batch(t, max_words)) for t in texts]

    def draw(self, scenes: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """``(len(scenes), max_words)``: one of each scene's prompts, chosen by ``rng``."""
        return torch.stack([self.ids[s][rng.integers(len(self.ids[s]))] for s in scenes])

    def full(self, scenes: np.ndarray) -> torch.Tensor:
        """``(len(scenes), max_words)``: each scene's full description."""
        return torch.stack([self.ids[s][-1] for s in scenes])
