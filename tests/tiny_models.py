"""Tiny corpus models the text-to-drawing tests train in seconds: the CLIP their generators read prompts through."""

from __future__ import annotations

from pathlib import Path

from generative.clip_train import ClipTrainConfig, train_clip

#: A CLIP small enough to train a few steps on a 60-scene corpus.
TINY_CLIP = {"channels": 8, "text_width": 32, "text_layers": 1, "embed": 16, "heads": 2}


def tiny_clip(folder: Path, scenes: int) -> Path:
    """Train :data:`TINY_CLIP` three steps on the first ``scenes`` scenes into ``folder``; its weights file."""
    train_clip(ClipTrainConfig(scenes=scenes, steps=3, batch_size=8, out=str(folder), model=TINY_CLIP),
               progress=False)
    return folder / "clip.pt"
