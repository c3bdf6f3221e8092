"""A prompt → drawings on a page, by either text-to-drawing model.

The prompt is checked before any sampling, so a user hears at once what is wrong with it:
no words, more words than the text encoder reads, or words it does not know (each with
the nearest words it does). Then one of two generators draws it:

- ``layout`` (the default): the layout transformer (:mod:`generative.text_layout`) writes
  where each object stands, and AARON (:func:`painters.aaron.draw_layout`) draws them with
  its freehand pen — one scene filling the largest square on the page, or several in a grid;
- ``diffusion``: the latent diffusion model (:mod:`generative.text_diffusion`) paints 64 px
  rasters, :func:`generative.trace.reduce_raster` turns each into centre-line strokes and
  :func:`generative.sheet.sheet_plan` lays them on the page.

>>> plan = prompt_plan("two people beside a tree", seed=3)
"""

from __future__ import annotations

import os

import numpy as np
import torch
from tqdm import tqdm

from painters.aaron import draw_layout
from plotter.plan import Plan

from . import default_weights
from .caption_data import words
from .errors import GenerativeError
from .sheet import sheet_plan
from .text_condition import PromptConditioned
from .text_diffusion import TextDiffusion, load_text_diffusion
from .text_layout import load_text_layout
from .trace import reduce_raster

#: Longer prompts are refused before they are read (a pasted file, not a description).
MAX_PROMPT_CHARS = 400
#: The generators ``plotter generate --prompt`` may use; the first is the default.
PROMPT_MODELS = ("layout", "diffusion")
#: Each scene of a sheet is drawn on a square page this big (mm), then scaled into its cell.
CELL_MM = 150.0


def prompt_ids(model: PromptConditioned, prompt: str) -> torch.Tensor:
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
                reduce: str = "auto", model: str = "layout", temperature: float | None = None) -> Plan:
    """A page of ``count`` drawings of ``prompt`` by ``model`` (one of :data:`PROMPT_MODELS`), with how
    they were made in the metadata. ``steps`` and ``reduce`` are the diffusion's, ``temperature`` the layout's."""
    if model == "layout":
        return _layout_plan(prompt, weights, count, guidance, temperature, seed, page_mm, margin_mm)
    if model != "diffusion":
        raise GenerativeError(f"unknown prompt model {model!r}; choose one of {', '.join(PROMPT_MODELS)}")
    diffusion = load_text_diffusion(weights)
    rasters = sample_prompt(diffusion, prompt, count, guidance, steps, seed, progress="drawing")
    samples = [reduce_raster(image, reduce) for image in rasters[:, 0].numpy()]
    params = {"prompt": prompt, "model": model, "count": count,
              "guidance": diffusion.config.guidance if guidance is None else guidance,
              "steps": steps or diffusion.config.sample_steps, "reduce": reduce,
              "weights": str(weights or default_weights("text-diffusion"))}
    return sheet_plan(samples, page_mm, margin_mm, metadata={"generator": "generative.text_diffusion", "seed": seed,
                                                             "params": params})


def _layout_plan(prompt: str, weights: str | os.PathLike[str] | None, count: int, guidance: float | None,
                 temperature: float | None, seed: int, page_mm: tuple[float, float], margin_mm: float) -> Plan:
    """Layouts sampled for ``prompt``, drawn by AARON: alone on the page, or each in a cell of a grid."""
    layout_model = load_text_layout(weights)
    ids = prompt_ids(layout_model, prompt).expand(count, -1)
    layouts = layout_model.sample(ids, count, guidance, temperature, torch.Generator().manual_seed(seed))
    params = {"prompt": prompt, "model": "layout", "count": count,
              "guidance": layout_model.config.guidance if guidance is None else guidance,
              "temperature": layout_model.config.temperature if temperature is None else temperature,
              "weights": str(weights or default_weights("text-layout")),
              "layouts": [layout.as_dict() for layout in layouts]}
    metadata = {"generator": "generative.text_layout", "seed": seed, "params": params}
    if count == 1:
        drawing = draw_layout(layouts[0], seed, page_mm, margin_mm=margin_mm)
        return drawing.plan.with_metadata(**metadata)
    unit = 1.0 / CELL_MM
    samples = []
    for index, layout in enumerate(tqdm(layouts, desc="drawing", unit="scene", leave=False)):
        plan = draw_layout(layout, seed + index, (CELL_MM, CELL_MM), margin_mm=0.0).plan
        samples.append([np.asarray(path) * unit for _, path in plan.iter_paths()])
    return sheet_plan(samples, page_mm, margin_mm, metadata=metadata)
