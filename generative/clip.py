"""A small CLIP: one space for AARON's captions and its drawings, learned contrastively.

Radford et al. (2021) trained a text encoder and an image encoder so that the embedding of
a caption lies nearest the embedding of its own picture among everything else in the batch:
a symmetric cross-entropy over the batch's cosine similarities, scaled by a learned
temperature. Here the pictures are 64 px rasters of AARON scenes and the captions are the
painter's own true descriptions of them (:mod:`generative.caption_data`), so the pairs are
exact and free.

- **Text**: the caption's words (a word vocabulary built from the captions; id 0 pads) →
  embeddings + learned positions → a small pre-LayerNorm transformer encoder → the mean of
  the real tokens → a linear projection.
- **Drawing**: a small CNN (64 → 32 px in one strided 5×5 layer, then 16 → 8 → 4 px blocks
  with batch norm and GELU) → global average → a linear projection.
- **Loss**: both directions of the batch's cross-entropy. Two different scenes often share
  a caption ("a drawing of six shapes"), so a row's target is *any* caption with the same
  text, not only the diagonal: the model is never told that a true caption is wrong.

Both embeddings are L2-normalised; ``logit_scale`` starts at log(1/0.07) and is capped at
log(100), as in CLIP.

>>> model = Clip(ClipConfig(words=("<pad>", "a", "tree")))
>>> model.encode_text(torch.tensor([[1, 2]])).shape
torch.Size([1, 64])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

KIND = "clip"
VERSION = 1
WEIGHTS_VERSIONS = (1,)
#: CLIP's cap on the learned inverse temperature.
MAX_LOGIT_SCALE = math.log(100.0)


@dataclass
class ClipConfig:
    words: tuple[str, ...]  # the vocabulary: index = token id, words[0] is padding
    max_words: int = 32  # longest caption or prompt, in words
    embed: int = 64  # the shared space
    text_width: int = 128
    text_layers: int = 2
    heads: int = 4
    image_size: int = 64
    channels: int = 24  # first convolution; doubled twice on the way down

    def __post_init__(self) -> None:
        self.words = tuple(self.words)  # a checkpoint's config comes back from JSON as a list


class TextEncoder(nn.Module):
    """Token ids ``(B, T)`` (0 = padding) → ``(B, embed)``."""

    def __init__(self, config: ClipConfig) -> None:
        super().__init__()
        width = config.text_width
        self.tokens = nn.Embedding(len(config.words), width, padding_idx=0)
        self.positions = nn.Parameter(torch.randn(config.max_words, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, config.heads, 4 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.text_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.project = nn.Linear(width, config.embed)

    def states(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per word, its state in context ``(B, T, text_width)``, and which positions are words ``(B, T)``:
        what a text-conditioned generator attends to."""
        real = ids != 0
        x = self.tokens(ids) + self.positions[: ids.shape[1]]
        return self.norm(self.encoder(x, src_key_padding_mask=~real)), real

    def embed(self, states: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """The caption's embedding (not yet normalised) from its word states: their mean, projected."""
        pooled = (states * real[..., None]).sum(1) / real.sum(1, keepdim=True).clamp(min=1)
        return self.project(pooled)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embed(*self.states(ids))


class DrawingEncoder(nn.Module):
    """Rasters ``(B, 1, S, S)`` of ink in [0, 1] → ``(B, embed)``."""

    def __init__(self, config: ClipConfig) -> None:
        super().__init__()
        c = config.channels

        def block(cin: int, cout: int) -> nn.Sequential:  # halves the resolution
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout),
                                 nn.GELU(), nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                                 nn.GELU())

        # a strided 5×5 first layer: full-resolution convolutions would cost most of the time for thin lines
        self.features = nn.Sequential(nn.Conv2d(1, c, 5, stride=2, padding=2), nn.GELU(), block(c, 2 * c),
                                      block(2 * c, 4 * c), block(4 * c, 4 * c))
        self.project = nn.Linear(4 * c, config.embed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.project(self.features(images).mean(dim=(2, 3)))


class Clip(nn.Module):
    """The two encoders and the learned temperature."""

    def __init__(self, config: ClipConfig) -> None:
        super().__init__()
        self.config = config
        self.text = TextEncoder(config)
        self.drawing = DrawingEncoder(config)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text(ids), dim=-1)

    def encode_drawing(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.drawing(images), dim=-1)

    def scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(max=MAX_LOGIT_SCALE).exp()

    def forward(self, images: torch.Tensor, ids: torch.Tensor, same_text: torch.Tensor) -> dict[str, torch.Tensor]:
        """Loss of a batch: drawing ``i`` goes with caption ``i`` and every caption equal to it (``same_text``)."""
        logits = self.scale() * self.encode_drawing(images) @ self.encode_text(ids).T
        loss = contrastive_loss(logits, same_text)
        accuracy = (same_text.gather(1, logits.argmax(1, keepdim=True))).float().mean()
        return {"loss": loss, "batch_top1": accuracy.detach(), "scale": self.scale().detach()}


def contrastive_loss(logits: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """Symmetric cross-entropy of drawing→text and text→drawing, where any positive is right.

    Each row's loss is −log of the probability mass on its positives (``positives[i, j]``:
    caption ``j`` is true of drawing ``i``), so a drawing may prefer either of two identical
    captions; with one positive per row it is CLIP's loss.
    """
    def one_way(table: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (table.logsumexp(1) - table.masked_fill(~mask, float("-inf")).logsumexp(1)).mean()

    return (one_way(logits, positives) + one_way(logits.T, positives.T)) / 2


@torch.no_grad()
def retrieval(model: Clip, images: torch.Tensor, ids: torch.Tensor, same_text: torch.Tensor,
              ks: tuple[int, ...] = (1, 5)) -> dict[str, float]:
    """Zero-shot retrieval among the given candidates: caption ``i`` belongs to drawing ``i``.

    A hit is any candidate whose caption text is the same as the right one (two scenes both
    "a drawing of six shapes" cannot be told apart by that text). Returns
    ``text_to_drawing_top1``, ``drawing_to_text_top5``, ... as shares.
    """
    model.eval()
    similarity = model.encode_text(ids) @ model.encode_drawing(images).T  # (texts, drawings)
    scores: dict[str, float] = {}
    for name, table in (("text_to_drawing", similarity), ("drawing_to_text", similarity.T)):
        ranked = table.argsort(dim=1, descending=True)
        for k in ks:
            hits = same_text.gather(1, ranked[:, :k]).any(dim=1)
            scores[f"{name}_top{k}"] = float(hits.float().mean())
    return scores
