"""DeepDream with a pen: optimise a few smooth strokes until a frozen classifier sees the label asked for.

There is no generator. A drawing is a fixed small number of strokes, each a clamped cubic
B-spline through a few control points (smooth by construction, inside the box because every
control point is a sigmoid of a free parameter). A differentiable *soft rasteriser* in pure
torch turns the strokes into ink: each pixel's ink from a segment is exp(−d²/2σ²), d its
distance to the segment, and the segments combine as 1 − Π(1 − ink), so gradients flow from
every pixel near a stroke back to its control points. Adam then raises the classifier's
log-probability of the requested label, minus regularisers that keep the drawing plottable
(total length, bending, no very short segments). As in Lucid (Olah et al. 2017), every step
sees the strokes under a random small shift, scale and rotation, so the result is a drawing
that reads as the label from any near viewpoint, not an adversarial pixel pattern another
classifier would not share; the line starts wide and narrows to the training width
(coarse to fine), and of a few restarts per drawing the one the classifier is surest of is kept.

The frozen classifier is this module's :class:`DreamClassifier`, trained on the real rasters by
the common loop (``plotter train dream``): strided 5×5/3×3 convolutions with SiLU (smooth
gradients to dream through), unlike the benchmark's judge (ReLU and max-pooling), which stays
an independent check. :func:`optimise_strokes` is generic: any differentiable score of the
stroke points can be raised (a classifier unit, an autoencoder's code unit in
:mod:`generative.autoencoder`).

>>> model = DreamClassifier(DreamClassifierConfig(n_classes=62))
>>> samples = model.dream(torch.tensor([7, 7]), steps=50, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from .sheet import Sample

KIND = "dream_classifier"
VERSION = 1
WEIGHTS_VERSIONS = (1,)



# --- the frozen classifier ------------------------------------------------------------------
@dataclass
class DreamClassifierConfig:
    n_classes: int = 62  # labels of the corpus (set by the training loop)
    image_size: int = 28  # rasters are image_size² (divisible by 4: two strided convolutions)
    channels: int = 24  # first convolution's width, ×2 after each stride
    hidden: int = 128  # width of the layer before the class logits
    dropout: float = 0.2  # on the flattened features, while training
    label_smoothing: float = 0.1  # keeps logits moderate, so a dream cannot win by one extreme logit


class DreamClassifier(nn.Module):
    """Rasters in [-1, 1] (B, 1, S, S) → class logits: 5×5 conv, two stride-2 3×3 convs, two linear layers."""

    def __init__(self, config: DreamClassifierConfig) -> None:
        super().__init__()
        self.config = config
        c, size = config.channels, config.image_size
        self.features = nn.Sequential(
            nn.Conv2d(1, c, 5, padding=2), nn.SiLU(),  # S²
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.SiLU(),  # (S/2)²
            nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1), nn.SiLU(),  # (S/4)²
            nn.Flatten(), nn.Dropout(config.dropout),
            nn.Linear(2 * c * (size // 4) ** 2, config.hidden), nn.SiLU())
        self.classify = nn.Linear(config.hidden, config.n_classes)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 1, S, S) rasters in [-1, 1] → (B, n_classes)."""
        return self.classify(self.features(images))

    def forward(self, x0: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """Training terms of a batch: cross-entropy ``loss`` and ``accuracy`` (not differentiated)."""
        logits = self.logits(x0)
        loss = F.cross_entropy(logits, labels, label_smoothing=self.config.label_smoothing)
        return {"loss": loss, "accuracy": (logits.argmax(-1) == labels).float().mean().detach()}

    def dream(self, labels: torch.Tensor, steps: int | None = None, generator: torch.Generator | None = None,
              config: DreamConfig | None = None) -> list[Sample]:
        """One drawing per entry of ``labels`` (class ids) that this classifier reads as that label."""
        config = config or DreamConfig()
        steps = steps or config.steps
        was_training = self.training
        self.eval()
        samples: list[Sample] = []
        # sample_strokes runs under inference mode; the dream needs gradients (of the strokes only)
        with torch.inference_mode(False), torch.enable_grad():
            labels = labels.clone()
            for start in range(0, len(labels), config.chunk):
                chunk = labels[start:start + config.chunk].repeat_interleave(config.restarts)

                def score(points: torch.Tensor, sigma_px: float, chunk: torch.Tensor = chunk) -> torch.Tensor:
                    return self.label_score(points, chunk, sigma_px)

                part = f"dream {start // config.chunk + 1}/{-(-len(labels) // config.chunk)}"
                points, final = optimise_strokes(score, len(chunk), steps, config, generator, progress=part)
                best = final.view(-1, config.restarts).argmax(-1) + torch.arange(0, len(chunk), config.restarts)
                samples += [to_sample(p, config.min_segment) for p in points[best]]
        self.train(was_training)
        return samples

    def label_score(self, points: torch.Tensor, labels: torch.Tensor, sigma_px: float) -> torch.Tensor:
        """log p(label | soft raster of ``points``) per drawing: what a dream raises."""
        image = soft_raster(points, self.config.image_size, sigma_px)
        return F.log_softmax(self.logits(image[:, None] * 2 - 1), -1).gather(1, labels[:, None]).squeeze(1)


# --- strokes ---------------------------------------------------------------------------------
@dataclass
class DreamConfig:
    strokes: int = 3  # strokes per drawing (4: more stray strokes, and the judge read fewer dreams)
    controls: int = 6  # B-spline control points per stroke
    points: int = 16  # points sampled along each stroke
    steps: int = 60  # Adam steps (plotter generate --steps); 4 restarts × 60 beat 1 × 200 and 2 × 120
    learning_rate: float = 0.08  # on the control points' logits
    restarts: int = 4  # drawings optimised per requested one; the classifier's surest is kept
    select_views: int = 8  # jittered views (besides the plain one) the final score averages over
    chunk: int = 64  # requested drawings optimised together (bounds memory)
    margin: float = 0.04  # control points stay this far inside the unit box
    sigma_px: float = 0.55  # the line's Gaussian profile at the end (the training raster's 1.6 px line)
    sigma_start_px: float = 1.2  # ... and at the start: wide lines see farther (coarse to fine)
    jitter_shift: float = 0.05  # per-step random shift of the drawing, ± unit-box widths (Lucid's jitter)
    jitter_scale: float = 0.08  # ... scale about the centre, ± this share
    jitter_rotate_deg: float = 6.0  # ... rotation about the centre, ± degrees
    length_weight: float = 0.2  # per unit of total stroke length
    bend_weight: float = 0.02  # squared turning between neighbouring segments
    short_weight: float = 50.0  # squared shortfall of segments under short_segment
    short_segment: float = 0.01  # unit-box widths (0.2 mm in a 20 mm cell)
    min_segment: float = 0.003  # the returned polylines keep no segment shorter (0.06 mm in a 20 mm cell)


def bspline_basis(controls: int, samples: int, degree: int = 3) -> np.ndarray:
    """(samples, controls) weights of a clamped uniform B-spline: rows sum to 1, the ends hit the end controls."""
    degree = min(degree, controls - 1)
    knots = np.concatenate([np.zeros(degree), np.linspace(0, 1, controls - degree + 1), np.ones(degree)])
    t = np.linspace(0, 1, samples)[:, None]
    basis = ((knots[:-1] <= t) & (t < knots[1:])).astype(np.float64)
    basis[-1, :] = 0.0
    basis[-1, controls - 1] = 1.0  # t = 1 closes the last non-empty knot interval
    for d in range(1, degree + 1):
        left_span, right_span = knots[d:-1] - knots[:-d - 1], knots[d + 1:] - knots[1:-d]
        left = np.divide(t - knots[:-d - 1], left_span, out=np.zeros((len(t), len(left_span))),
                         where=left_span > 0)
        right = np.divide(knots[d + 1:] - t, right_span, out=np.zeros((len(t), len(right_span))),
                          where=right_span > 0)
        basis = left * basis[:, :-1] + right * basis[:, 1:]
    return basis


def curve_points(logits: torch.Tensor, basis: torch.Tensor, margin: float) -> torch.Tensor:
    """(B, K, C, 2) free parameters → (B, K, P, 2) stroke points, inside [margin, 1 − margin]²."""
    controls = margin + (1 - 2 * margin) * torch.sigmoid(logits)
    return torch.einsum("pc,bkcd->bkpd", basis, controls)


def random_controls(count: int, config: DreamConfig, generator: torch.Generator | None) -> torch.Tensor:
    """(count, K, C, 2) control points of short gently curving strokes scattered over the middle of the box."""
    shape = (count, config.strokes)
    start = 0.25 + 0.5 * torch.rand(*shape, 1, 2, generator=generator)
    heading = 2 * math.pi * torch.rand(*shape, 1, generator=generator)
    turns = 0.5 * torch.randn(*shape, config.controls - 1, generator=generator)
    angles = heading + torch.cumsum(turns, -1)
    steps = 0.35 / (config.controls - 1) * torch.stack([angles.cos(), angles.sin()], -1)
    controls = torch.cat([start, start + torch.cumsum(steps, -2)], -2)
    return controls.clamp(config.margin + 0.01, 1 - config.margin - 0.01)


def controls_from_strokes(strokes: Sequence[np.ndarray], config: DreamConfig,
                          generator: torch.Generator | None = None) -> torch.Tensor:
    """(1, K, C, 2) control points that start a dream from given unit-box polylines (the K longest).

    Each polyline is resampled to C points evenly along its length; missing strokes are random ones.
    """
    kept = sorted((np.asarray(s, dtype=np.float64) for s in strokes if len(s) >= 2),
                  key=lambda s: -float(np.linalg.norm(np.diff(s, axis=0), axis=1).sum()))[:config.strokes]
    controls = random_controls(1, config, generator)
    for index, stroke in enumerate(kept):
        along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
        at = np.linspace(0, along[-1], config.controls)
        resampled = np.column_stack([np.interp(at, along, stroke[:, 0]), np.interp(at, along, stroke[:, 1])])
        controls[0, index] = torch.from_numpy(resampled).float()
    return controls.clamp(config.margin + 1e-3, 1 - config.margin - 1e-3)


def _logits_of(controls: torch.Tensor, margin: float) -> torch.Tensor:
    return torch.logit((controls - margin) / (1 - 2 * margin), eps=1e-4)


def soft_raster(points: torch.Tensor, size: int, sigma_px: float) -> torch.Tensor:
    """(B, K, P, 2) unit-box strokes → (B, size, size) ink in [0, 1], differentiable in the points.

    A pixel's ink from one segment is exp(−d²/2σ²) (d: distance from the pixel centre to the
    segment, σ in pixels); segments combine as 1 − Π(1 − ink), so crossings do not exceed 1.
    σ = 0.55 px matches :func:`generative.data.rasterize`'s anti-aliased 1.6 px line (correlation 0.98).
    Each segment only inks the square of pixels around its middle that reaches 3σ past its
    ends (sized by the longest segment of the batch): a glyph's segment touches some 50 of
    784 pixels, so this is about ten times less work than every pixel against every segment.
    """
    batch = points.shape[0]
    start = points[:, :, :-1].reshape(batch, -1, 2) * size  # (B, S, 2), pixels
    along = points[:, :, 1:].reshape(batch, -1, 2) * size - start
    with torch.no_grad():
        reach = min(size, math.ceil(float(along.norm(dim=-1).max()) / 2 + 3 * sigma_px) + 1)
        middle = (start + along / 2).floor().long()  # the pixel holding each segment's middle
        steps = torch.arange(-reach, reach + 1, device=points.device)
        square = torch.stack(torch.meshgrid(steps, steps, indexing="xy"), -1).reshape(-1, 2)  # (Q, 2)
        pixels = middle[:, :, None] + square  # (B, S, Q, 2): x, y
        inside = ((pixels >= 0) & (pixels < size)).all(-1)
        index = torch.where(inside, pixels[..., 1] * size + pixels[..., 0], size * size)  # outside: a spare cell
    offset = pixels.to(points.dtype) + 0.5 - start[:, :, None]  # (B, S, Q, 2): pixel centre − segment start
    length2 = along.pow(2).sum(-1, keepdim=True)  # (B, S, 1)
    t = ((offset * along[:, :, None]).sum(-1) / (length2 + 1e-12)).clamp(0, 1)
    distance2 = (offset - t[..., None] * along[:, :, None]).pow(2).sum(-1)
    ink = torch.exp(-distance2 / (2 * sigma_px**2))
    blank = torch.log1p(-ink.clamp(max=1 - 1e-4))  # log(1 − ink), summed per pixel: log Π(1 − ink)
    total = points.new_zeros(batch, size * size + 1).scatter_add(1, index.reshape(batch, -1), blank.reshape(batch, -1))
    return (1 - torch.exp(total[:, :-1])).view(batch, size, size)


def plottability(points: torch.Tensor, config: DreamConfig) -> torch.Tensor:
    """(B,) penalty: total length, bending, and segments shorter than ``short_segment``."""
    segments = points[:, :, 1:] - points[:, :, :-1]  # (B, K, P-1, 2)
    lengths = segments.norm(dim=-1)
    bend = (segments[:, :, 1:] - segments[:, :, :-1]).pow(2).sum(-1) / (lengths[:, :, 1:] * lengths[:, :, :-1]
                                                                        + 1e-6)
    short = F.relu(config.short_segment - lengths).pow(2) / config.short_segment**2
    return (config.length_weight * lengths.sum((1, 2)) + config.bend_weight * bend.sum((1, 2))
            + config.short_weight * config.short_segment * short.mean((1, 2)))


def jitter(points: torch.Tensor, config: DreamConfig, generator: torch.Generator | None) -> torch.Tensor:
    """The drawings under random small shifts, scales and rotations about the box centre (one per drawing)."""
    batch = points.shape[0]
    angle = torch.deg2rad((2 * torch.rand(batch, generator=generator) - 1) * config.jitter_rotate_deg)
    scale = 1 + (2 * torch.rand(batch, generator=generator) - 1) * config.jitter_scale
    shift = (2 * torch.rand(batch, 2, generator=generator) - 1) * config.jitter_shift
    cos, sin = angle.cos() * scale, angle.sin() * scale
    matrix = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], 1)  # (B, 2, 2)
    return torch.einsum("bij,bkpj->bkpi", matrix, points - 0.5) + 0.5 + shift[:, None, None]


Score = Callable[[torch.Tensor, float], torch.Tensor]  # (B, K, P, 2) points, line σ in px → (B,) to raise


def optimise_strokes(score: Score, count: int, steps: int, config: DreamConfig,
                     generator: torch.Generator | None = None, init: torch.Tensor | None = None,
                     progress: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Adam on ``count`` drawings' control points to raise ``score`` under jitter, minus :func:`plottability`.

    ``init``: (count, K, C, 2) starting control points (default: :func:`random_controls`). Returns the
    final stroke points (count, K, P, 2), detached, and each drawing's final score (plain and jittered views).
    The line width σ narrows from ``sigma_start_px`` to ``sigma_px`` over the first two thirds of the
    steps; ``score`` is handed the current σ with the points. ``progress``: a label for a progress
    bar on standard error (a sheet of dreams takes CPU minutes); None shows none.
    """
    basis = torch.from_numpy(bspline_basis(config.controls, config.points)).float()
    controls = init if init is not None else random_controls(count, config, generator)
    logits = _logits_of(controls.float(), config.margin).detach().requires_grad_(True)
    optimiser = torch.optim.Adam([logits], lr=config.learning_rate)
    for step in tqdm(range(steps), desc=progress, disable=progress is None, leave=False):
        narrowed = min(1.0, step / max(1.0, 2 * steps / 3))
        sigma_px = config.sigma_start_px + (config.sigma_px - config.sigma_start_px) * narrowed
        points = curve_points(logits, basis, config.margin)
        loss = (plottability(points, config) - score(jitter(points, config, generator), sigma_px)).sum()
        (gradient,) = torch.autograd.grad(loss, [logits])
        optimiser.zero_grad(set_to_none=True)
        logits.grad = gradient
        optimiser.step()
    with torch.no_grad():  # judged as seen plain and from ``select_views`` jittered viewpoints: robust, not lucky
        points = curve_points(logits, basis, config.margin)
        views = [score(points, config.sigma_px)]
        views += [score(jitter(points, config, generator), config.sigma_px) for _ in range(config.select_views)]
        return points, torch.stack(views).mean(0)


def to_sample(points: torch.Tensor, min_segment: float, min_length: float = 0.02) -> Sample:
    """(K, P, 2) stroke points → polylines with no segment under ``min_segment`` and no stroke under ``min_length``."""
    sample = []
    for stroke in points.detach().cpu().double().numpy():
        kept = [stroke[0]]
        for point in stroke[1:]:  # P ≈ 16 points: dropping near-duplicates one by one is clearest
            if np.linalg.norm(point - kept[-1]) >= min_segment:
                kept.append(point)
        polyline = np.array(kept)
        if len(polyline) >= 2 and np.linalg.norm(np.diff(polyline, axis=0), axis=1).sum() >= min_length:
            sample.append(polyline)
    return sample
