"""One training loop for the models that learn from the caption corpus: seeded, validated, checkpointed, resumable.

The CLIP, the attribute reader, the raster VAE and the text-conditioned latent diffusion all
learn from the same self-captioned AARON scenes (:mod:`generative.caption_data`) and need
the same habits as :mod:`generative.train`: every random choice of step ``s`` comes from
generators seeded by ``(seed, s)`` (so a resumed run repeats an uninterrupted one), AdamW
with a linear warm-up and a cosine decay over a horizon fixed when the run starts, an
optional moving average of the weights (what is validated and shipped), validation on
held-out scenes (whole scenes, never single captions), and atomic checkpoints.

What differs between them is a :class:`CorpusTask`: its network, the loss of one step's
batch and its validation scores. Written into ``out``: ``checkpoint.pt`` (to resume),
``<task.weights_file>`` (weights only, half precision, to ship), ``config.json`` and
``loss.png``.
"""

from __future__ import annotations

import copy
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .caption_data import CaptionCorpus, caption_corpus
from .checkpoint import load_checkpoint, save_checkpoint
from .errors import CheckpointError
from .schedule import cosine_decay, warmed_up
from .train import _write_json, loss_curve_png, resolve_device, update_ema

DATA = "aaron-captions"


@dataclass
class CorpusTrainConfig:
    """What every corpus run shares; a task's own config class changes the defaults it needs."""

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
    ema_decay: float = 0.0  # moving average of the weights that is validated and shipped (0: off)
    seed: int = 0
    device: str = "auto"
    validate_every: int = 250
    checkpoint_every: int = 500
    workers: int = 1  # processes making the corpus the first time
    out: str = "runs/corpus"
    model: dict[str, Any] = field(default_factory=dict)  # overrides of the model config (tests: tiny models)


@dataclass
class CorpusTrainResult:
    out: Path
    step: int
    history: list[dict[str, float]]
    seconds: float
    scores: dict[str, float]  # the task's final validation


class CorpusTask(ABC):
    """One model trained on the caption corpus: its network, a step's loss and its validation.

    ``saved`` is the model config read back from a checkpoint being resumed (``None`` for a
    new run, when the task makes it from ``config.model``).
    """

    kind: ClassVar[str]
    version: ClassVar[int]
    weights_file: ClassVar[str]
    config_class: ClassVar[type[CorpusTrainConfig]]
    #: The history's terms drawn in ``loss.png``, one panel each.
    loss_terms: ClassVar[tuple[str, ...]] = ("loss",)

    model: nn.Module
    model_config: Any  # a dataclass; saved with the weights so they can be built again

    def __init__(self, config: CorpusTrainConfig, corpus: CaptionCorpus, device: torch.device,
                 saved: dict[str, Any] | None) -> None:
        self.config, self.corpus, self.device = config, corpus, device
        self.training, self.held_out = corpus.split()

    @abstractmethod
    def loss(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """The loss terms of one training batch, all drawn from ``rng`` (``"loss"`` is minimised)."""

    @abstractmethod
    def validate(self, model: nn.Module) -> dict[str, float]:
        """Scores on held-out scenes of ``model`` (the live network or its average); ``"loss"``
        among them is drawn in ``loss.png`` as the validation dots."""

    def extra_config(self) -> dict[str, Any]:
        """Facts worth keeping in ``config.json`` beside the configs (held-out counts, ...)."""
        return {}

    def batch_scenes(self, rng: np.random.Generator) -> np.ndarray:
        """One step's training scenes: ``batch_size`` of them, each once."""
        return rng.choice(self.training, size=min(self.config.batch_size, len(self.training)), replace=False)

    def held_out_mean(self, losses: Callable[[slice], dict[str, torch.Tensor]], chunk: int = 256) -> dict[str, float]:
        """Each loss term averaged over the held-out scenes, ``losses(part)`` computing the terms of
        ``held_out[part]`` a chunk at a time (each chunk weighted by its size)."""
        totals: dict[str, float] = {}
        for start in range(0, len(self.held_out), chunk):
            part = slice(start, start + chunk)
            share = len(self.held_out[part]) / len(self.held_out)
            for name, value in losses(part).items():
                totals[name] = totals.get(name, 0.0) + float(value) * share
        return totals


def ink(corpus: CaptionCorpus) -> torch.Tensor:
    """Every scene's raster as ink in [0, 1], ``(N, 1, S, S)`` float."""
    return torch.from_numpy(corpus.rasters).float().div_(255)[:, None]


def roll_each(images: torch.Tensor, shifts: np.ndarray) -> torch.Tensor:
    """Image ``i`` of ``(B, 1, S, S)`` rolled by ``shifts[i]`` = (dx, dy) pixels (a training shift)."""
    return torch.stack([torch.roll(image, (int(dy), int(dx)), dims=(1, 2))
                        for image, (dx, dy) in zip(images, shifts, strict=True)])


def train_on_corpus(task_class: type[CorpusTask], config: CorpusTrainConfig, resume: bool = False,
                    progress: bool = True) -> CorpusTrainResult:
    """Train (or go on training) ``task_class``'s model; returns the history and its final validation."""
    started = time.perf_counter()
    device = resolve_device(config.device)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    payload = None
    if resume:
        payload = load_checkpoint(out / "checkpoint.pt", task_class.kind, task_class.version)
        if "optimiser" not in payload.get("train", {}):
            raise CheckpointError(f"checkpoint {str(out / 'checkpoint.pt')!r} holds weights only; it cannot resume")
        config = replace(task_class.config_class(**payload["train"]["config"]), steps=config.steps,
                         device=config.device, out=config.out)
    corpus = caption_corpus(config.scenes, config.corpus_seed, workers=config.workers)
    torch.manual_seed(config.seed)
    task = task_class(config, corpus, device, None if payload is None else payload["config"])
    model = task.model.to(device)
    ema = copy.deepcopy(model).requires_grad_(False) if config.ema_decay > 0 else None
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    step, history, seconds_before = 0, [], 0.0
    if payload is not None:
        model.load_state_dict(payload["train"]["live"] if ema is not None else payload["model"])
        if ema is not None:
            ema.load_state_dict(payload["model"])
        optimiser.load_state_dict(payload["train"]["optimiser"])
        step, history = payload["train"]["step"], list(payload["train"]["history"])
        seconds_before = float(payload["train"].get("seconds", 0.0))
    else:
        config = replace(config, lr_horizon=config.lr_horizon or config.steps)  # kept by every resumed run
    shipped = ema if ema is not None else model
    _write_json(out / "config.json", {"train": asdict(config), "model": asdict(task.model_config),
                                      "kind": task.kind, "version": task.version, **task.extra_config()})

    def save(path: Path, full: bool) -> None:
        weights = {k: v.detach().cpu() if full else v.detach().cpu().half() for k, v in shipped.state_dict().items()}
        seconds = seconds_before + time.perf_counter() - started
        extra: dict[str, Any] = {"step": step, "seconds": seconds}
        if full:
            extra |= {"config": asdict(config), "optimiser": optimiser.state_dict(), "history": history}
            if ema is not None:
                extra["live"] = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        save_checkpoint(path, kind=task.kind, version=task.version, config=asdict(task.model_config), labels=[],
                        data=DATA, model=weights, train=extra)

    model.train()
    bar = tqdm(range(step, config.steps), desc=f"train {task.kind}", disable=not progress, initial=step,
               total=config.steps)
    for step_index in bar:
        rng = np.random.default_rng([config.seed, step_index])
        torch.manual_seed(config.seed * 1_000_003 + step_index)
        rate = warmed_up(cosine_decay(step_index, config.learning_rate, config.lr_min, config.lr_horizon),
                         step_index, config.warmup_steps)
        for group in optimiser.param_groups:
            group["lr"] = rate
        losses = task.loss(rng)
        optimiser.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimiser.step()
        if ema is not None:
            update_ema(ema, model, config.ema_decay, step_index)
        step = step_index + 1
        record = {"step": step, **{name: float(value.detach()) for name, value in losses.items()}}
        if step % config.validate_every == 0 or step == config.steps:
            record.update({f"val_{name}": value for name, value in _validate(task, shipped).items()})
        history.append(record)
        bar.set_postfix(loss=f"{record['loss']:.4f}")
        if step % config.checkpoint_every == 0 or step == config.steps:
            save(out / "checkpoint.pt", full=True)
    final = _validate(task, shipped)
    save(out / task.weights_file, full=False)
    loss_curve_png(history, out / "loss.png", task.loss_terms)
    return CorpusTrainResult(out, step, history, time.perf_counter() - started, final)


def _validate(task: CorpusTask, model: nn.Module) -> dict[str, float]:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores = task.validate(model)
    model.train(was_training)
    return scores


def load_trained(path: str | Path, kind: str, version: int | tuple[int, ...],
                 build: Callable[[dict[str, Any]], nn.Module]) -> nn.Module:
    """The network of a weights file or checkpoint of ``kind``, built from its saved config by
    ``build``, its (half-precision) weights loaded as float, in eval mode on the CPU."""
    payload = load_checkpoint(path, kind, version)
    model = build(payload["config"])
    model.load_state_dict({k: v.float() for k, v in payload["model"].items()})
    return model.eval()
