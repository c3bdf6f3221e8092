"""Training the small CLIP on self-captioned AARON scenes: seeded, validated, checkpointed, resumable.

The loop is :mod:`generative.corpus_train`'s (seeded per step, exact resume, AdamW with a
warm-up and cosine decay); this module is what the CLIP brings to it: batches of (scene,
caption) pairs and its validation, zero-shot retrieval on held-out scenes.

A batch holds each scene once, with one of its captions; a scene is shifted by up to
``shift_px`` pixels (never mirrored: "left of" must stay left). Written into ``out``:
``checkpoint.pt`` (to resume), ``clip.pt`` (weights only, half precision, to ship),
``config.json`` and ``loss.png``.

    plotter train clip --scenes 20000 --steps 4000 --out runs/clip
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from painters.aaron.caption import SceneFacts, full_caption, lexicon

from . import clip
from .caption_data import CaptionCorpus, Vocabulary
from .corpus_train import (
    CorpusTask,
    CorpusTrainConfig,
    CorpusTrainResult,
    ink,
    load_trained,
    roll_each,
    train_on_corpus,
)

#: Held-out scenes that retrieval ranks among (the issue's "100 held-out candidates").
CANDIDATES = 100


@dataclass
class ClipTrainConfig(CorpusTrainConfig):
    shift_px: int = 2  # training rasters shift by up to this many pixels (never mirrored: "left of" stays left)
    out: str = "runs/clip"


class CaptionPairs:
    """Rasters as a float tensor, captions as token ids, for scene indices."""

    def __init__(self, corpus: CaptionCorpus, vocabulary: Vocabulary, max_words: int, device: torch.device) -> None:
        self.corpus, self.device, self.vocabulary, self.max_words = corpus, device, vocabulary, max_words
        self.images = ink(corpus)
        self.ids = [vocabulary.encode_batch(texts, max_words) for texts in corpus.captions]  # per scene: (4, T)

    def batch(self, scenes: np.ndarray, choices: np.ndarray, shifts: np.ndarray | None = None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images, ids and the same-text matrix of caption ``choices[i]`` of scene ``scenes[i]``."""
        images = self.images[scenes] if shifts is None else roll_each(self.images[scenes], shifts)
        ids = torch.from_numpy(np.stack([self.ids[s][c] for s, c in zip(scenes, choices, strict=True)]))
        texts = [self.corpus.captions[s][c] for s, c in zip(scenes, choices, strict=True)]
        same = torch.tensor([[a == b for b in texts] for a in texts])
        return images.to(self.device), ids.to(self.device), same.to(self.device)


def evaluate(model: clip.Clip, pairs: CaptionPairs, scenes: np.ndarray, described: list[str]) -> dict[str, float]:
    """Retrieval among ``scenes``: with each scene's full description (``described``), and averaged
    over the caption slots (each scene's caption k against the others' caption k, partial ones included)."""
    totals: dict[str, float] = {}
    images = pairs.images[scenes].to(pairs.device)
    ids = torch.from_numpy(pairs.vocabulary.encode_batch(described, pairs.max_words)).to(pairs.device)
    same = torch.tensor([[a == b for b in described] for a in described], device=pairs.device)
    totals.update({f"described_{name}": value for name, value in clip.retrieval(model, images, ids, same).items()})
    slots = min(len(pairs.corpus.captions[s]) for s in scenes)
    for slot in range(slots):
        images, ids, same = pairs.batch(scenes, np.full(len(scenes), slot))
        for name, value in clip.retrieval(model, images, ids, same).items():
            totals[name] = totals.get(name, 0.0) + value / slots
    model.train()
    return totals


def descriptions(corpus: CaptionCorpus, scenes: np.ndarray) -> list[str]:
    """The full caption of each scene (:func:`painters.aaron.caption.full_caption`), the same on every call."""
    return [full_caption(SceneFacts.from_dict(corpus.facts[i]), np.random.default_rng([corpus.seed, int(i), 2]))
            for i in scenes]


class ClipTask(CorpusTask):
    """The CLIP in the corpus loop: a batch holds each scene once, with one of its captions, shifted
    by up to ``shift_px`` pixels; validation is retrieval among :data:`CANDIDATES` held-out scenes."""

    kind, version, weights_file, config_class = clip.KIND, clip.VERSION, "clip.pt", ClipTrainConfig

    def __init__(self, config: ClipTrainConfig, corpus: CaptionCorpus, device: torch.device,
                 saved: dict[str, Any] | None) -> None:
        super().__init__(config, corpus, device, saved)
        self.candidates = self.held_out[:CANDIDATES]
        self.described = descriptions(corpus, self.candidates)
        if saved is not None:
            self.model_config = clip.ClipConfig(**saved)
        else:
            # every word the grammar can write, seen in these scenes or not: a small corpus may lack
            # "stones", and a generator reading prompts through this encoder must still take it
            vocabulary = Vocabulary.from_captions(sorted(lexicon()))
            self.model_config = clip.ClipConfig(words=vocabulary.words, **config.model)
        self.model = clip.Clip(self.model_config)
        self.pairs = CaptionPairs(corpus, Vocabulary(self.model_config.words), self.model_config.max_words, device)

    def loss(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        scenes = self.batch_scenes(rng)
        choices = rng.integers(0, [len(self.corpus.captions[s]) for s in scenes])
        shift = self.config.shift_px
        shifts = rng.integers(-shift, shift + 1, (len(scenes), 2))
        return self.model(*self.pairs.batch(scenes, choices, shifts))

    def validate(self, model: nn.Module) -> dict[str, float]:
        scores = evaluate(model, self.pairs, self.candidates, self.described)
        return scores | {"loss": 1.0 - scores["described_text_to_drawing_top1"]}

    def extra_config(self) -> dict[str, Any]:
        return {"held_out_scenes": len(self.held_out)}


def train_clip(config: ClipTrainConfig, resume: bool = False, progress: bool = True) -> CorpusTrainResult:
    """Train (or go on training) the CLIP; ``scores`` holds the final held-out retrieval (and ``loss``)."""
    return train_on_corpus(ClipTask, config, resume, progress)


def load_clip(path: str | Path) -> clip.Clip:
    """A trained CLIP from weights or a checkpoint, in eval mode on the CPU."""
    return load_trained(path, clip.KIND, clip.WEIGHTS_VERSIONS, lambda config: clip.Clip(clip.ClipConfig(**config)))
