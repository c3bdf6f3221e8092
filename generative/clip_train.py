"""Training the small CLIP on self-captioned AARON scenes: seeded, validated, checkpointed, resumable.

The habits of :mod:`generative.train`, for paired data: every random choice of step ``s``
(the scenes of the batch, which of each scene's captions, the shift of each raster) comes
from a generator seeded by ``(seed, s)``, so a resumed run repeats an uninterrupted one;
AdamW with a linear warm-up and a cosine decay over the run's steps; validation is
zero-shot retrieval on held-out scenes (whole scenes, never single captions, are held out).

A batch holds each scene once, with one of its captions; a scene is shifted by up to
``shift_px`` pixels (never mirrored: "left of" must stay left). Written into ``out``:
``checkpoint.pt`` (to resume), ``clip.pt`` (weights only, half precision, to ship),
``config.json`` and ``loss.png``.

    plotter train clip --scenes 20000 --steps 4000 --out runs/clip
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from painters.aaron.caption import SceneFacts, full_caption

from . import clip
from .caption_data import CaptionCorpus, Vocabulary, caption_corpus
from .checkpoint import load_checkpoint, save_checkpoint
from .errors import CheckpointError
from .schedule import cosine_decay, warmed_up
from .train import _write_json, loss_curve_png, resolve_device

#: Held-out scenes that retrieval ranks among (the issue's "100 held-out candidates").
CANDIDATES = 100
DATA = "aaron-captions"


@dataclass
class ClipTrainConfig:
    scenes: int = 20000  # scenes of the caption corpus (its first 90 % by hash train, the rest validate)
    corpus_seed: int = 0
    steps: int = 4000
    batch_size: int = 128
    learning_rate: float = 1e-3
    lr_min: float = 2e-5
    warmup_steps: int = 200
    lr_horizon: int = 0  # steps of the cosine decay; 0: this run's steps, fixed when the run starts
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    shift_px: int = 2
    seed: int = 0
    device: str = "auto"
    validate_every: int = 250
    checkpoint_every: int = 500
    workers: int = 1  # processes making the corpus the first time
    out: str = "runs/clip"
    model: dict[str, Any] = field(default_factory=dict)  # overrides of ClipConfig (tests: tiny models)


@dataclass
class ClipTrainResult:
    out: Path
    step: int
    history: list[dict[str, float]]
    seconds: float
    retrieval: dict[str, float]  # among ``candidates`` held-out scenes
    candidates: int


class CaptionPairs:
    """Rasters as a float tensor, captions as token ids, for scene indices."""

    def __init__(self, corpus: CaptionCorpus, vocabulary: Vocabulary, max_words: int, device: torch.device) -> None:
        self.corpus, self.device, self.vocabulary, self.max_words = corpus, device, vocabulary, max_words
        self.images = torch.from_numpy(corpus.rasters).float().div_(255)[:, None]
        self.ids = [vocabulary.encode_batch(texts, max_words) for texts in corpus.captions]  # per scene: (4, T)

    def batch(self, scenes: np.ndarray, choices: np.ndarray, shifts: np.ndarray | None = None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images, ids and the same-text matrix of caption ``choices[i]`` of scene ``scenes[i]``."""
        images = self.images[scenes]
        if shifts is not None:
            images = torch.stack([torch.roll(image, (int(dy), int(dx)), dims=(1, 2))
                                  for image, (dx, dy) in zip(images, shifts, strict=True)])
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


def train_clip(config: ClipTrainConfig, resume: bool = False, progress: bool = True) -> ClipTrainResult:
    """Train (or go on training) the CLIP; returns the history and the final held-out retrieval."""
    started = time.perf_counter()
    device = resolve_device(config.device)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    payload = None
    if resume:
        payload = load_checkpoint(out / "checkpoint.pt", clip.KIND, clip.VERSION)
        if "optimiser" not in payload.get("train", {}):
            raise CheckpointError(f"checkpoint {str(out / 'checkpoint.pt')!r} holds weights only; it cannot resume")
        config = replace(ClipTrainConfig(**payload["train"]["config"]), steps=config.steps, device=config.device,
                         out=config.out)
    corpus = caption_corpus(config.scenes, config.corpus_seed, workers=config.workers)
    training, held_out = corpus.split()
    candidates = held_out[:CANDIDATES]
    described = descriptions(corpus, candidates)
    if payload is not None:
        model_config = clip.ClipConfig(**payload["config"])
    else:
        # every word the captioner wrote: a word is not a label, so held-out captions may add theirs
        vocabulary = Vocabulary.from_captions([t for texts in corpus.captions for t in texts] + described)
        model_config = clip.ClipConfig(words=vocabulary.words, **config.model)
    vocabulary = Vocabulary(model_config.words)
    torch.manual_seed(config.seed)
    model = clip.Clip(model_config).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    step, history, seconds_before = 0, [], 0.0
    if payload is not None:
        model.load_state_dict(payload["model"])
        optimiser.load_state_dict(payload["train"]["optimiser"])
        step, history = payload["train"]["step"], list(payload["train"]["history"])
        seconds_before = float(payload["train"].get("seconds", 0.0))
    pairs = CaptionPairs(corpus, vocabulary, model_config.max_words, device)
    if payload is None:
        config = replace(config, lr_horizon=config.lr_horizon or config.steps)  # kept by every resumed run
    _write_json(out / "config.json", {"train": asdict(config), "model": asdict(model_config), "kind": clip.KIND,
                                      "version": clip.VERSION, "held_out_scenes": len(held_out)})

    def save(path: Path, full: bool) -> None:
        weights = {k: v.detach().cpu() if full else v.detach().cpu().half() for k, v in model.state_dict().items()}
        seconds = seconds_before + time.perf_counter() - started
        extra = {"config": asdict(config), "optimiser": optimiser.state_dict(), "step": step, "history": history,
                 "seconds": seconds} if full else {"step": step, "seconds": seconds}
        save_checkpoint(path, kind=clip.KIND, version=clip.VERSION, config=asdict(model_config), labels=[],
                        data=DATA, model=weights, train=extra)

    model.train()
    bar = tqdm(range(step, config.steps), desc="train clip", disable=not progress, initial=step, total=config.steps)
    for step_index in bar:
        rng = np.random.default_rng([config.seed, step_index])
        torch.manual_seed(config.seed * 1_000_003 + step_index)
        for group in optimiser.param_groups:
            rate = cosine_decay(step_index, config.learning_rate, config.lr_min, config.lr_horizon)
            group["lr"] = warmed_up(rate, step_index, config.warmup_steps)
        scenes = rng.choice(training, size=min(config.batch_size, len(training)), replace=False)
        choices = rng.integers(0, [len(corpus.captions[s]) for s in scenes])
        shifts = rng.integers(-config.shift_px, config.shift_px + 1, (len(scenes), 2))
        losses = model(*pairs.batch(scenes, choices, shifts))
        optimiser.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimiser.step()
        step = step_index + 1
        record = {"step": step, **{name: float(value.detach()) for name, value in losses.items()}}
        if step % config.validate_every == 0 or step == config.steps:
            scores = evaluate(model, pairs, candidates, described)
            record.update({f"val_{name}": value for name, value in scores.items()})
            record["val_loss"] = 1.0 - scores["described_text_to_drawing_top1"]  # what loss.png plots as validation
        history.append(record)
        bar.set_postfix(loss=f"{record['loss']:.3f}", top1=f"{record['batch_top1']:.2f}")
        if step % config.checkpoint_every == 0 or step == config.steps:
            save(out / "checkpoint.pt", full=True)
    final = evaluate(model, pairs, candidates, described)
    save(out / "clip.pt", full=False)
    loss_curve_png(history, out / "loss.png")
    return ClipTrainResult(out, step, history, time.perf_counter() - started, final, len(candidates))


def load_clip(path: str | Path) -> clip.Clip:
    """A trained CLIP from weights or a checkpoint, in eval mode on the CPU."""
    payload = load_checkpoint(path, clip.KIND, clip.WEIGHTS_VERSIONS)
    model = clip.Clip(clip.ClipConfig(**payload["config"]))
    model.load_state_dict({k: v.float() for k, v in payload["model"].items()})
    return model.eval()
