"""A prompt → drawings on a page: read it, sample the text-to-drawing model, trace the rasters.

The prompt is checked before any sampling, so a user hears at once what is wrong with it:
no words, more words than the text encoder reads, or words it does not know (each with
the nearest words it does). The model paints 64 px rasters of square scenes;
:func:`generative.trace.reduce_raster` turns each into centre-line strokes and
:func:`generative.sheet.sheet_plan` lays them on the page, one scene filling it or several
in a grid.

>>> plan = prompt_plan("two people beside a tree", seed=3)
"""

from __future__ import annotations

import os

import torch

from plotter.plan import Plan

from . import default_weights
from .caption_data import words
from .errors import GenerativeError
from .sheet import sheet_plan
from .text_diffusion import TextDiffusion, load_text_diffusion
from .trace import reduce_raster

#: Longer prompts are refused before they are read (a pasted file, not a description).
MAX_PROMPT_CHARS = 400


def prompt_ids(model: TextDiffusion, prompt: str) -> torch.Tensor:
    """``(1, T)`` token ids of ``prompt``, or a :class:`GenerativeError` saying what is wrong with it."""
    shown = f"{prompt[:60]!r}{'...' if len(prompt) > 60 else ''}"
    if len(prompt) > MAX_PROMPT_CHARS:
        raise GenerativeError(f"prompt {shown} is {len(prompt)} characters long; at most {MAX_PROMPT_CHARS} "
                              f"(and {model.max_words} words) are read")
    count = len(words(prompt))
    if count > model.max_words:
        raise GenerativeError(f"prompt {shown} has {count} words; at most {model.max_words} are read")
    return torch.tensor([model.vocabulary.encode(prompt)])


def sample_prompt(model: TextDiffusion, prompt: str | None, count: int = 1, guidance: float | None = None,
                  steps: int | None = None, seed: int = 0, progress: str | None = None) -> torch.Tensor:
    """``count`` rasters ``(count, 1, 64, 64)`` in [0, 1] of ``prompt`` (``None``: unconditioned), seeded;
    ``progress`` labels a bar over the denoising steps."""
    ids = None if prompt is None else prompt_ids(model, prompt).expand(count, -1)
    generator = torch.Generator().manual_seed(seed)
    return model.sample(ids, count, guidance, steps, generator, progress)


def prompt_plan(prompt: str, weights: str | os.PathLike[str] | None = None, count: int = 1,
                guidance: float | None = None, steps: int | None = None, seed: int = 0,
                page_mm: tuple[float, float] = (210.0, 297.0), margin_mm: float = 15.0,
                reduce: str = "auto") -> Plan:
    """A page of ``count`` drawings of ``prompt``, with how they were made in the metadata."""
    model = load_text_diffusion(weights)
    rasters = sample_prompt(model, prompt, count, guidance, steps, seed, progress="drawing")
    samples = [reduce_raster(image, reduce) for image in rasters[:, 0].numpy()]
    params = {"prompt": prompt, "count": count, "guidance": model.config.guidance if guidance is None else guidance,
              "steps": steps or model.config.sample_steps, "reduce": reduce,
              "weights": str(weights or default_weights("text-diffusion"))}
    return sheet_plan(samples, page_mm, margin_mm, metadata={"generator": "generative.text_diffusion", "seed": seed,
                                                             "params": params})

