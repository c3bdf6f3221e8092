"""One training loop for every generator (:mod:`generative.models`): seeded, validated, checkpointed, resumable exactly.

Every random choice of step ``s`` (the batch, the VAE's z noise and dropout, the diffusion
step and noise) is drawn from generators seeded by ``(seed, s)``; so the step number *is*
the RNG state, and resuming from a checkpoint (model + EMA + every optimiser + step + history)
repeats the very losses an uninterrupted run would have had.

Quality per CPU minute comes from three habits of diffusion training (Nichol & Dhariwal
2021, Karras et al. 2022): an exponential moving average of the weights, which is what gets
validated, sampled and shipped (far smoother than the last step's weights); a linear
warm-up then a cosine decay of the learning rate over a horizon fixed when the run starts
(so ``--resume --steps more`` goes on at the floor instead of jumping back up); and a small
random affine change of every training drawing (shift, scale, rotation), applied to the
strokes before rasterising so lines stay crisp.

A step is the kind's ``train_step`` with its named ``optimisers`` (:class:`generative.models.Generator`):
one Adam on one loss by default, two alternating players for the GAN; the schedule sets every
optimiser's rate (times a group's ``lr_scale``) and the checkpoint holds them all.

Written into ``out``: ``checkpoint.pt`` (everything, to resume), ``<kind>.pt`` (EMA weights
only, half precision, to ship), ``config.json``, ``loss.png`` and ``samples.png``.

>>> result = train(TrainConfig(kind="vae", steps=2000, out="runs/vae"))
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from tqdm import tqdm

from plotter.atomic import atomic_write

from .checkpoint import load_checkpoint, save_checkpoint
from .data import Drawing, labels_of, load_corpus, rasterize, rasterize_all, split, stroke3, stroke5_batch
from .errors import CheckpointError, GenerativeError
from .models import get
from .sample import sample_strokes
from .schedule import cosine_decay, warmed_up
from .sheet import sheet_png


@dataclass
class TrainConfig:
    kind: str = "vae"  # a name of generative.models.NAMES: "vae", "diffusion", "ae"
    data: str = "hershey"  # a corpus of generative.data.CORPORA
    steps: int = 3000  # optimiser steps in all (a resumed run goes on to this many)
    batch_size: int = 64
    learning_rate: float = 2e-3  # peak, reached after warmup_steps
    lr_schedule: str = "cosine"  # "cosine": down to lr_min over lr_horizon steps; "exponential": × lr_decay per step
    warmup_steps: int = 100  # linear warm-up from 0 (0: none)
    lr_horizon: int = 0  # steps of the cosine decay; 0: this run's steps, fixed when the run starts
    lr_decay: float = 0.9995  # per step, for the "exponential" schedule
    lr_min: float = 1e-4
    grad_clip: float = 1.0  # max gradient norm
    ema_decay: float = 0.999  # moving average of the weights used for sampling (0: off); warmed up as (1+s)/(10+s)
    augment_shift: float = 0.03  # random shift of each training drawing, ± unit-box widths
    augment_scale: float = 0.05  # random scale about the centre, ± this share
    augment_rotate_deg: float = 4.0  # random rotation about the centre, ± degrees
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    validate_every: int = 250  # steps between validation losses
    checkpoint_every: int = 500  # steps between resumable checkpoints
    sample_count: int = 64  # drawings on samples.png at the end
    out: str = "runs/generative"
    model: dict[str, Any] = field(default_factory=dict)  # overrides of the model config (tests: tiny models)


@dataclass
class TrainResult:
    out: Path
    step: int
    history: list[dict[str, float]]
    seconds: float


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when present; asking for CUDA without it is a user error, not a crash."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise GenerativeError("--device cuda: no CUDA device is available here (torch "
                              f"{torch.__version__}); use --device cpu or auto")
    if name not in ("cpu", "cuda"):
        raise GenerativeError(f"unknown device {name!r}; choose auto, cpu or cuda")
    return torch.device(name)


LR_SCHEDULES = ("cosine", "exponential")


def learning_rate(config: TrainConfig, step: int) -> float:
    """The learning rate of step ``step`` (0-based): warm-up, then the named decay, never below ``lr_min``."""
    if config.lr_schedule == "exponential":
        rate = max(config.lr_min, config.learning_rate * config.lr_decay**step)
    else:
        rate = cosine_decay(step, config.learning_rate, config.lr_min, config.lr_horizon or config.steps)
    return warmed_up(rate, step, config.warmup_steps)


def _step_seed(seed: int, step: int) -> int:
    return (seed * 1_000_003 + step) % 2**63


# --- data per model kind ------------------------------------------------------------------
def random_affines(rng: np.random.Generator, count: int, shift: float, scale: float,
                   rotate_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """``count`` small random maps of the unit box about its centre: (count, 2, 2) matrices, (count, 2) shifts."""
    angles = np.radians(rng.uniform(-rotate_deg, rotate_deg, count))
    scales = rng.uniform(1 - scale, 1 + scale, count)
    cos, sin = np.cos(angles) * scales, np.sin(angles) * scales
    matrices = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], 1)
    return matrices, rng.uniform(-shift, shift, (count, 2))


class _Batches:
    """A model's view of the data: tensors for a list of drawing indices, augmented when given an rng.

    What a batch holds follows the kind's ``inputs``: stroke-5 sequences or rasters.
    """

    def __init__(self, kind: str, drawings: list[Drawing], labels: list[str], model_config: Any,
                 device: torch.device, augment: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        self.device, self.config, self.augment = device, model_config, augment
        self.strokes = get(kind).inputs == "strokes"
        self.classes = torch.tensor([labels.index(d.label) for d in drawings], dtype=torch.long)
        if self.strokes:
            self.sequences = [stroke3(d) for d in drawings]
            self.by_length = np.argsort([len(s) for s in self.sequences], kind="stable")
        else:
            self.drawings = list(drawings)
            self.images = torch.from_numpy(rasterize_all(drawings, model_config.image_size)).float()[:, None] * 2 - 1

    def __len__(self) -> int:
        return len(self.classes)

    def pick(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Indices of a training batch: uniform for rasters; drawings of similar length for sequences.

        A sequence batch is padded to its longest drawing, and the RNNs' time grows with it; Hershey
        glyphs have 4 to 87 points (mean 28), so a uniform batch of 64 is mostly padding (70 rows on
        average). A sequence batch comes from one chunk of the drawings in length order (chunks of
        ``2·count`` from a random offset, the chunk of a random drawing): 36 rows on average, about
        twice the steps per second, and every drawing is still drawn equally often. Sets of fewer
        than ``8·count`` drawings (tests) are drawn uniformly: a few chunks would give few kinds of batch.
        """
        if not self.strokes or len(self) < 8 * count:
            return rng.integers(0, len(self), count)
        width, anchor, offset = 2 * count, int(rng.integers(len(self))), int(rng.integers(2 * count))
        low = anchor - (anchor - offset) % width
        return self.by_length[rng.integers(max(0, low), min(len(self), low + width), count)]

    def get(self, indices: np.ndarray, rng: np.random.Generator | None = None) -> dict[str, torch.Tensor]:
        labels = self.classes[indices].to(self.device) if self.config.n_classes else None
        augmenting = rng is not None and any(self.augment)
        if not self.strokes:
            if not augmenting:
                return {"x0": self.images[indices].to(self.device), "labels": labels}
            matrices, shifts = random_affines(rng, len(indices), *self.augment)
            images = np.stack([rasterize([(s - 0.5) @ m.T + 0.5 + t for s in self.drawings[i].strokes],
                                         self.config.image_size)
                               for i, m, t in zip(indices, matrices, shifts, strict=True)])
            return {"x0": torch.from_numpy(images)[:, None].to(self.device) * 2 - 1, "labels": labels}
        sequences = [self.sequences[i] for i in indices]
        if rng is not None:  # SketchRNN's augmentation: stretch each drawing by up to ±10 % per axis
            sequences = [s * np.array([*rng.uniform(0.9, 1.1, 2), 1.0], dtype=np.float32) for s in sequences]
        if augmenting:  # and turn it a little: offsets rotate with the drawing (the shift does not apply)
            matrices, _ = random_affines(rng, len(sequences), *self.augment)
            sequences = [np.column_stack([s[:, :2] @ m.T.astype(np.float32), s[:, 2]])
                         for s, m in zip(sequences, matrices, strict=True)]
        # pad to the longest in the batch (plus one end row), not to max_len: the LSTM runs fewer steps
        longest = max(len(s) for s in sequences)
        strokes, lengths = stroke5_batch(sequences, min(self.config.max_len, longest + 1))
        return {"strokes": torch.from_numpy(strokes).to(self.device), "lengths": torch.from_numpy(lengths),
                "labels": labels}


@torch.no_grad()
def validate(kind: str, model: torch.nn.Module, data: _Batches, seed: int, batch_size: int = 128) -> dict[str, float]:
    """Mean losses over the validation set, with fixed noise (comparable from one call to the next)."""
    model.eval()
    torch.manual_seed(seed)
    totals: dict[str, float] = {}
    for start in range(0, len(data), batch_size):
        indices = np.arange(start, min(start + batch_size, len(data)))
        losses = get(kind).losses(model, data.get(indices), step=10**9)  # the VAE's full KL weight
        for name, value in losses.items():
            totals[name] = totals.get(name, 0.0) + float(value) * len(indices)
    model.train()
    return {f"val_{name}": total / max(1, len(data)) for name, total in totals.items()}


def train(config: TrainConfig, resume: bool = False, progress: bool = True) -> TrainResult:
    """Train (or go on training) a generator; returns the loss history, step reached and time taken."""
    started = time.perf_counter()
    generator = get(config.kind)
    module = generator.module
    device = resolve_device(config.device)
    if config.lr_schedule not in LR_SCHEDULES:
        raise GenerativeError(f"unknown learning-rate schedule {config.lr_schedule!r}; "
                              f"available: {', '.join(LR_SCHEDULES)}")
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    drawings = load_corpus(config.data)
    labels = labels_of(drawings)
    train_set, validation_set = split(drawings)

    step, history, payload, seconds_before = 0, [], None, 0.0
    if resume:
        payload = load_checkpoint(out / "checkpoint.pt", module.KIND, module.VERSION)
        if not _optimiser_states(payload.get("train", {})):
            raise CheckpointError(f"checkpoint {str(out / 'checkpoint.pt')!r} holds weights only; it cannot resume")
        config = replace(TrainConfig(**payload["train"]["config"]), steps=config.steps, device=config.device,
                         out=config.out)
        model_config = payload["config"]
    else:
        config = replace(config, lr_horizon=config.lr_horizon or config.steps)  # fixed for every resumed run
        conditional = {"n_classes": len(labels)}
        if generator.class_prior:  # it keeps a posterior of each training drawing of the largest class
            classes = [d.label for d in train_set] if config.model.get("n_classes", 1) else [""] * len(train_set)
            conditional["prior_codes"] = max(classes.count(label) for label in set(classes))
        model_config = {**generator.default_config(), **conditional, **config.model}
    torch.manual_seed(config.seed)  # the initial weights
    model = generator.build(model_config).to(device)
    optimisers = generator.optimisers(model, config)
    if payload is not None:
        model.load_state_dict(payload["model"])
        for name, state in _optimiser_states(payload["train"]).items():
            optimisers[name].load_state_dict(state)
        step, history = payload["train"]["step"], list(payload["train"]["history"])
        seconds_before = float(payload["train"].get("seconds", 0.0))
    ema = copy.deepcopy(model).requires_grad_(False)  # the weights that are validated, sampled and shipped
    if payload is not None:
        ema.load_state_dict(payload["train"]["ema"])

    augment = (config.augment_shift, config.augment_scale, config.augment_rotate_deg)
    train_data = _Batches(config.kind, train_set, labels, model.config, device, augment)
    validation_data = _Batches(config.kind, validation_set, labels, model.config, device)
    _write_json(out / "config.json", {"train": asdict(config), "model": model_config, "labels": labels,
                                      "kind": module.KIND, "version": module.VERSION})

    def save(path: Path, full: bool) -> None:
        source = model if full else ema
        weights = {k: v.detach().cpu() if full else v.detach().cpu().half() for k, v in source.state_dict().items()}
        seconds = seconds_before + time.perf_counter() - started  # training time over every resumed run
        extra = {"config": asdict(config), "optimisers": {name: o.state_dict() for name, o in optimisers.items()},
                 "step": step, "history": history,
                 "seconds": seconds, "ema": {k: v.detach().cpu() for k, v in ema.state_dict().items()}} \
            if full else {"step": step, "seconds": seconds}
        save_checkpoint(path, kind=module.KIND, version=module.VERSION, config=model_config, labels=labels,
                        data=config.data, model=weights, train=extra)

    model.train()
    ema.eval()
    bar = tqdm(range(step, config.steps), desc=f"train {config.kind}", disable=not progress, initial=step,
               total=config.steps)
    for step_index in bar:
        rng = np.random.default_rng([config.seed, step_index])
        torch.manual_seed(_step_seed(config.seed, step_index))
        rate = learning_rate(config, step_index)
        for group in (group for optimiser in optimisers.values() for group in optimiser.param_groups):
            group["lr"] = rate * group.get("lr_scale", 1.0)
        batch = train_data.get(train_data.pick(rng, config.batch_size), rng)
        losses = generator.train_step(model, batch, step_index, optimisers, config.grad_clip)
        update_ema(ema, model, config.ema_decay, step_index)
        step = step_index + 1
        record = {"step": step, **{name: float(value.detach()) for name, value in losses.items()}}
        if step % config.validate_every == 0 or step == config.steps:
            record.update(validate(config.kind, ema, validation_data, config.seed))
        history.append(record)
        bar.set_postfix({name: f"{record[name]:.3f}" for name in generator.loss_terms})
        if step % config.checkpoint_every == 0 or step == config.steps:
            save(out / "checkpoint.pt", full=True)

    if generator.class_prior:
        fit_class_prior(ema, train_data)
        save(out / "checkpoint.pt", full=True)  # with the fitted prior
    save(out / f"{config.kind}.pt", full=False)
    loss_curve_png(history, out / "loss.png", generator.loss_terms)
    count = config.sample_count
    classes = [i % len(labels) for i in range(count)] if ema.config.n_classes else None
    sheet_png(sample_strokes(config.kind, ema, classes, count, seed=config.seed), out / "samples.png")
    return TrainResult(out, step, history, time.perf_counter() - started)


@torch.no_grad()
def fit_class_prior(model: torch.nn.Module, data: _Batches, batch_size: int = 256) -> None:
    """Give a VAE (or an autoencoder) the posteriors of its (unaugmented) training drawings, per class, as its prior."""
    model.eval()
    means, logvars, classes = [], [], []
    for start in range(0, len(data), batch_size):
        indices = np.arange(start, min(start + batch_size, len(data)))
        batch = data.get(indices)
        mu, logvar = model.encode(batch["strokes"], batch["lengths"])
        means.append(mu)
        logvars.append(logvar)
        classes.append(data.classes[indices])
    model.fit_class_prior(torch.cat(means), torch.cat(logvars), torch.cat(classes))


def _optimiser_states(train_state: dict[str, Any]) -> dict[str, Any]:
    """The saved optimisers by name; a checkpoint from before several optimisers holds one, ``optimiser``."""
    if "optimisers" in train_state:
        return train_state["optimisers"]
    return {"model": train_state["optimiser"]} if "optimiser" in train_state else {}


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float, step: int) -> None:
    """ema ← d·ema + (1 − d)·model, with d warmed up as (1 + step)/(10 + step) so early weights fade fast.

    Buffers are copied, not averaged: batch-norm statistics and spectral norm's singular vectors
    belong to the live weights, and an average keeping its first copies would normalise wrongly.
    """
    d = min(decay, (1 + step) / (10 + step)) if decay > 0 else 0.0
    for average, current in zip(ema.parameters(), model.parameters(), strict=True):
        average.lerp_(current, 1.0 - d)
    for average, current in zip(ema.buffers(), model.buffers(), strict=True):
        average.copy_(current)


def _write_json(path: Path, value: Any) -> None:
    with atomic_write(path) as handle:
        json.dump(value, handle, indent=2)


def loss_curve_png(history: list[dict[str, float]], path: Path, terms: tuple[str, ...] = ("loss",),
                   size: tuple[int, int] = (640, 360)) -> None:
    """One panel per loss term, stacked: training (grey, and a running mean) and validation (red dots) by step.

    A GAN's two players have losses of their own scale and meaning (``d_loss``, ``g_loss``), so each
    term gets its own vertical range; a single-loss model draws the one panel it always had.
    """
    width, height = size
    image = Image.new("RGB", (width, height * len(terms)), "white")
    draw = ImageDraw.Draw(image)
    colours = ((30, 80, 200), (20, 140, 60), (150, 60, 170), (200, 120, 20))
    for index, term in enumerate(terms):
        rows = [r for r in history if term in r]
        if rows:
            _loss_panel(draw, rows, term, (0, index * height, width, height), colours[index % len(colours)])
    with atomic_write(path, "wb") as handle:
        image.save(handle, format="PNG")


def _loss_panel(draw: ImageDraw.ImageDraw, history: list[dict[str, float]], term: str,
                box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> None:
    left, top, width, height = box
    steps = np.array([r["step"] for r in history], dtype=float)
    loss = np.array([r[term] for r in history])
    window = max(1, len(loss) // 50)
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    val = [(r["step"], r[f"val_{term}"]) for r in history if f"val_{term}" in r]
    values = np.concatenate([smooth, [v for _, v in val]]) if val else smooth
    low, high = float(np.percentile(values, 1)), float(np.max(values))
    high = high if high > low else low + 1.0
    pad = 40

    def xy(s: np.ndarray, v: np.ndarray) -> list[tuple[float, float]]:
        x = left + pad + (s - steps[0]) / max(1.0, steps[-1] - steps[0]) * (width - 2 * pad)
        y = top + height - pad - (np.clip(v, low, high) - low) / (high - low) * (height - 2 * pad)
        return list(zip(x.tolist(), y.tolist(), strict=True))

    draw.line(xy(steps, loss), fill=(200, 200, 200))
    draw.line(xy(steps[window - 1:], smooth), fill=colour, width=2)
    for point in xy(np.array([s for s, _ in val]), np.array([v for _, v in val])):
        draw.ellipse((point[0] - 3, point[1] - 3, point[0] + 3, point[1] + 3), fill=(200, 30, 30))
    draw.rectangle((left + pad, top + pad, left + width - pad, top + height - pad), outline="black")
    draw.text((left + pad, top + 8), f"{term} (colour: train mean, red: validation)  {high:.3f} top, {low:.3f} bottom",
              fill="black")
    draw.text((left + pad, top + height - pad + 8), f"step {int(steps[0])} .. {int(steps[-1])}", fill="black")
