"""Score every generator with a judge trained apart from them: one comparison table and one sheet (issues 7, 10).

For each corpus (Hershey glyphs, AARON figures/plants/rocks) a small CNN classifier is
trained on real rasters (the training split) and checked on the validation split; it is
cached in ``OUT/judge-<data>-<steps>.pt``, so a second run starts at once. Every generator
kind of :data:`generative.models.NAMES` with weights for the corpus (a kind without is named
under the table, with the command that trains it) then draws ``--per-class`` samples of every
label; the samples' *strokes* (what the pen would draw) are rasterised like the real data and
judged. One row per (model, corpus):

- accuracy: the share recognised as the requested label, against the issue's target
  (>= 60 % for every generator, >= 80 % for the VAE, diffusion and the transformer);
- Fréchet distance between the judge's penultimate features of real and generated rasters,
  with an untrained model of the same shape in brackets (it should be clearly higher);
- diversity: the mean distance between two samples of the same label, averaged over labels,
  as raster RMS (28 px, 0: the same picture) and as judge-feature distance; the row of real
  drawings gives both for the corpus itself (a model far below it draws every label alike);
- samples per second (all the judged samples, CPU), parameters, training steps and time
  (from the checkpoint), weights file size.

A second table keeps the measures that differ from kind to kind (each one's validation losses,
the untrained model's accuracy, seconds for a sheet of 64). ``--interpolate``
(issue 10: the VAE's path should be smoother than the autoencoder's) walks between real
drawings of label pairs (``--pairs``): :func:`generative.smoothness.path_smoothness` of each
row (mean and largest change between neighbours, the largest step's share of all the change)
and the judge's confidence that each drawing on the way is one of the two end labels (mean,
and the lowest point of the path), averaged over the pairs.

Files in ``--out``: ``generative.md`` (the tables, also printed), ``generative-sheet.svg`` and
``.png`` (:func:`generative.compare.comparison_sheet`: per corpus, a row of real drawings, then
one row per model, the same labels in the same columns), and ``generative-<kind>-<data>.svg``
/ ``.png`` (a page of 64 samples; one judged sample per label).

    .venv/bin/python benchmarks/generative.py --out bench-output
    .venv/bin/python benchmarks/generative.py --kinds vae --data hershey --interpolate ae=runs/ae-h/ae.pt,vae
    .venv/bin/python benchmarks/generative.py --kinds diffusion --data aaron --weights runs/diffusion-aaron/diffusion.pt
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from scipy import linalg
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generative.checkpoint import load_checkpoint  # noqa: E402
from generative.compare import comparison_sheet, label_diversity, pick_columns  # noqa: E402
from generative.data import Drawing, labels_of, load_corpus, rasterize, rasterize_all, split  # noqa: E402
from generative.errors import CheckpointError  # noqa: E402
from generative.models import NAMES, get, latent_models  # noqa: E402
from generative.sample import (  # noqa: E402
    build_model,
    default_weights,
    generate_plan,
    interpolation_rows,
    load_model,
    sample_strokes,
)
from generative.sheet import Sample, sheet_png  # noqa: E402
from generative.smoothness import path_smoothness  # noqa: E402
from generative.train import _Batches, validate  # noqa: E402
from plotter.atomic import atomic_write  # noqa: E402
from plotter.preview.png import render_png  # noqa: E402
from plotter.svg import write  # noqa: E402

SIZE = 28
PAIRS = {"hershey": "A:B,C:G,O:Q,1:7,M:W,a:d,E:F,3:8", "aaron": "figure:plant,plant:rock,rock:figure"}
# the sheet's columns per corpus (a label twice: its first and second sample); other corpora: their first 12 labels
SHEET_COLUMNS = {"hershey": "A B G K M Q R a e g 3 7".split(),
                 "aaron": ["figure"] * 4 + ["plant"] * 4 + ["rock"] * 4}
TARGETS = {"vae": 0.8, "diffusion": 0.8, "transformer": 0.8}  # requested-label accuracy (issue 10); others: 0.6
DEFAULT_TARGET = 0.6
TABLE = ("model", "data", "label recognised", "target", "Fréchet (untrained model)", "diversity: raster RMS",
         "diversity: judge features", "samples/s", "parameters", "training", "weights")
Row = dict[str, str]
Detail = tuple[str, str, str, str]  # model/data, measure, value, target


class Judge(nn.Module):
    """Two conv blocks and a 64-feature layer: the features the Fréchet distance compares."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(32 * (SIZE // 4) ** 2, 64), nn.ReLU())
        self.classify = nn.Linear(64, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.features(self.conv(x))
        return self.classify(features), features


def train_judge(images: np.ndarray, classes: np.ndarray, n_classes: int, steps: int, seed: int = 0) -> Judge:
    """Adam on random ±2 px shifts of the real rasters, so the judge does not need pixel-exact glyphs."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    judge = Judge(n_classes)
    optimiser = torch.optim.Adam(judge.parameters(), lr=2e-3)
    x, y = torch.from_numpy(images[:, None]).float(), torch.from_numpy(classes)
    for _ in range(steps):
        index = torch.from_numpy(rng.integers(0, len(x), 64))
        dx, dy = (int(v) for v in rng.integers(-2, 3, 2))
        batch = torch.roll(x[index], shifts=(dy, dx), dims=(2, 3))
        loss = F.cross_entropy(judge(batch)[0], y[index])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return judge.eval()


@torch.no_grad()
def judge_images(judge: Judge, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    logits, features = judge(torch.from_numpy(images[:, None]).float())
    return logits.argmax(1).numpy(), features.numpy()


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """‖μa − μb‖² + tr(Σa + Σb − 2(ΣaΣb)^½), as in FID."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    ridge = 1e-6 * np.eye(a.shape[1])  # dead ReLU features (an untrained model's samples) make Σ singular
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * np.real(root)))


def diversity(images: np.ndarray, features: np.ndarray, classes: list[int] | list[str]) -> tuple[float, float]:
    """Mean distance between two drawings of the same label: raster RMS and judge-feature distance."""
    pixels = images.reshape(len(images), -1) / np.sqrt(images[0].size)
    return label_diversity(pixels, classes), label_diversity(features, classes)


def score(kind: str, model: nn.Module, labels: list[str], per_class: int, judge: Judge,
          real_features: np.ndarray, seed: int, guidance: float | None = None,
          steps: int | None = None, temperature: float | None = None) -> dict:
    """``per_class`` samples of every label, judged: accuracy, Fréchet distance, diversity, samples per second."""
    classes = [c for c in range(len(labels)) for _ in range(per_class)]
    samples = []
    started = time.perf_counter()
    for start in range(0, len(classes), 256):  # bounded memory for the diffusion batch
        chunk = classes[start:start + 256]
        samples += sample_strokes(kind, model, chunk, len(chunk), temperature, seed=seed + start, guidance=guidance,
                                  steps=steps)
    seconds = time.perf_counter() - started
    images = np.stack([rasterize(s, SIZE) for s in samples])
    predicted, features = judge_images(judge, images)
    raster_spread, feature_spread = diversity(images, features, classes) if per_class > 1 else (np.nan, np.nan)
    return {"accuracy": float(np.mean(predicted == np.array(classes))), "frechet": frechet(real_features, features),
            "samples": samples, "classes": classes, "samples_per_second": len(samples) / seconds,
            "diversity_raster": raster_spread, "diversity_features": feature_spread}


class Corpus(NamedTuple):
    """One corpus, its judge (trained or cached) and the judge's view of the real drawings.

    (Not a dataclass: scripts load this file by path, outside ``sys.modules``.)
    """

    data: str
    drawings: list[Drawing]
    labels: list[str]
    judge: Judge
    real_features: np.ndarray
    reference: Row  # the table's row of real drawings


def cached_judge(data: str, labels: list[str], train_set: list[Drawing], steps: int, cache: Path,
                 seed: int = 0) -> tuple[Judge, float]:
    """The judge of ``data`` and its training seconds: cached in ``cache/judge-<data>-<steps>.pt``, keyed by all it
    depends on (a file of other labels, seed or raster size is trained again and replaced)."""
    path = cache / f"judge-{data}-{steps}.pt"
    key = {"data": data, "steps": steps, "seed": seed, "size": SIZE, "labels": labels}
    if path.is_file():
        stored = torch.load(path, map_location="cpu", weights_only=True)
        if {name: stored.get(name) for name in key} == key:
            judge = Judge(len(labels))
            judge.load_state_dict(stored["state"])
            return judge.eval(), float(stored["seconds"])
    started = time.perf_counter()
    judge = train_judge(rasterize_all(train_set, SIZE), np.array([labels.index(d.label) for d in train_set]),
                        len(labels), steps, seed)
    seconds = time.perf_counter() - started
    cache.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "wb") as handle:
        torch.save({**key, "state": judge.state_dict(), "seconds": seconds}, handle)
    return judge, seconds


def judge_corpus(data: str, steps: int, cache: Path) -> Corpus:
    """The corpus' judge, the real features, and the reference row: how the judge sees real drawings."""
    drawings = load_corpus(data)
    labels = labels_of(drawings)
    train_set, validation_set = split(drawings)
    judge, seconds = cached_judge(data, labels, train_set, steps, cache)
    images = rasterize_all(drawings, SIZE)
    _, real_features = judge_images(judge, images)
    classes = [labels.index(d.label) for d in drawings]
    validation = np.array([d in validation_set for d in drawings])
    predicted, _ = judge_images(judge, images[validation])
    accuracy = float(np.mean(predicted == np.array(classes)[validation]))
    raster_spread, feature_spread = diversity(images, real_features, classes)
    halves = np.random.default_rng(0).permutation(len(drawings)) % 2 == 0  # as many as a model's samples, roughly
    floor = frechet(real_features[halves], real_features[~halves]) if len(drawings) >= 4 else np.nan
    reference = {"model": "real drawings", "data": data, "label recognised": f"{accuracy:.1%} (validation split)",
                 "target": "(the judge's skill)",
                 "Fréchet (untrained model)": f"{floor:.0f} (two random halves)",
                 "diversity: raster RMS": f"{raster_spread:.3f}", "diversity: judge features": f"{feature_spread:.2f}",
                 "samples/s": "", "parameters": f"judge {_count(judge):,}", "training": f"judge: {seconds:.0f} s",
                 "weights": ""}
    return Corpus(data, drawings, labels, judge, real_features, reference)


def _count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def training_of(kind: str, weights: Path) -> str:
    """Steps and wall time recorded in the checkpoint (``train.step`` / ``train.seconds``), when it has them."""
    module = get(kind).module
    train = load_checkpoint(weights, module.KIND, module.WEIGHTS_VERSIONS).get("train", {})
    if "seconds" not in train:
        return f"{train['step']} steps" if "step" in train else "not recorded"
    seconds = float(train["seconds"])
    return f"{train.get('step', '?')} steps, " + (f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min")


def score_model(kind: str, data: str, weights: Path, corpus: Corpus, args: argparse.Namespace,
                ) -> tuple[Row, list[Detail], dict]:
    """The table row of one generator on one corpus, its other measures, and its judged samples."""
    name = f"{kind}/{data}"
    model, model_labels = load_model(kind, weights)
    if model_labels != corpus.labels:
        raise CheckpointError(f"{weights} was trained on other labels than corpus {data!r} "
                              f"({len(model_labels)} labels, the corpus has {len(corpus.labels)})")
    torch.manual_seed(0)
    untrained = build_model(kind, {**vars(model.config)}).eval()
    options = tuple(option_for(kind, getattr(args, name), default)
                    for name, default in (("guidance", None), ("steps", None), ("temperature", None)))
    trained = score(kind, model, model_labels, args.per_class, corpus.judge, corpus.real_features, 1, *options)
    blind = score(kind, untrained, model_labels, args.per_class, corpus.judge, corpus.real_features, 1, *options)
    target = TARGETS.get(kind, DEFAULT_TARGET)
    row = {"model": kind, "data": data, "label recognised": f"{trained['accuracy']:.1%}",
           "target": f">= {target:.0%}: {'met' if trained['accuracy'] >= target else 'MISSED'}",
           "Fréchet (untrained model)": f"{trained['frechet']:.0f} ({blind['frechet']:.0f})",
           "diversity: raster RMS": f"{trained['diversity_raster']:.3f}",
           "diversity: judge features": f"{trained['diversity_features']:.2f}",
           "samples/s": f"{trained['samples_per_second']:.1f}", "parameters": f"{_count(model):,}",
           "training": training_of(kind, weights), "weights": f"{weights.stat().st_size / 1e6:.2f} MB"}
    details = [(name, "untrained: requested label recognised", f"{blind['accuracy']:.1%}", "")]
    _, validation_set = split(corpus.drawings)
    with torch.no_grad():
        losses = validate(kind, model, _Batches(kind, validation_set, model_labels, model.config, torch.device("cpu")),
                          seed=0)
    details += [(name, f"validation {term.removeprefix('val_')}", f"{value:.3f}", "") for term, value in losses.items()]
    started = time.perf_counter()
    plan = generate_plan(kind, weights, count=64, seed=7, guidance=options[0], steps=options[1],
                         temperature=options[2])
    details.append((name, "sheet of 64 samples, CPU seconds", f"{time.perf_counter() - started:.2f}", "<= 10"))
    args.out.mkdir(parents=True, exist_ok=True)
    write(plan, args.out / f"generative-{kind}-{data}.svg")
    sheet_png(trained["samples"][:: args.per_class], args.out / f"generative-{kind}-{data}.png")
    return row, details, trained


def per_kind_option(parse: Callable[[str], float]) -> Callable[[str], dict[str | None, float]]:
    """An argparse type: ``"0.2"`` for every kind, ``"vae=0.05,transformer=0.8"`` per kind, or both (None: the rest)."""

    def values(text: str) -> dict[str | None, float]:
        chosen: dict[str | None, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            kind, _, value = item.rpartition("=")
            if kind and kind not in NAMES:
                raise argparse.ArgumentTypeError(f"unknown generator {kind!r}; available: {', '.join(NAMES)}")
            try:
                chosen[kind or None] = parse(value)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{value!r} in {text!r} is not a number") from None
        return chosen

    return values


def option_for(kind: str, values: dict[str | None, float], default: float | None) -> float | None:
    """The value given for ``kind``, else the one given for every kind, else ``default`` (None: the model's own)."""
    return values.get(kind, values.get(None, default))


def smoothness_rows(data: str, judge: Judge, models: dict[str, str | None], pairs: str, steps: int,
                    temperature: float, seed: int = 0) -> list[Detail]:
    """Each model's walks between the label pairs, scored by :func:`path_smoothness` and the judge, averaged."""
    labels = labels_of(load_corpus(data))
    scores: dict[str, list[dict[str, float]]] = {name: [] for name in models}
    for pair in filter(None, pairs.split(",")):
        first, last = pair.split(":")
        _, rows = interpolation_rows(first, last, steps, models, data, temperature, seed)
        for name, row in rows.items():
            with torch.no_grad():
                logits, _ = judge(torch.from_numpy(np.stack([rasterize(s, SIZE) for s in row])[:, None]).float())
            ends = logits.softmax(-1)[:, [labels.index(first), labels.index(last)]].sum(1).numpy()
            scores[name].append({**path_smoothness(row, SIZE), "confidence": float(ends.mean()),
                                 "lowest": float(ends.min())})
    measures = [("mean_step", "mean change between neighbours (raster RMS)", "{:.4f}", "vae < ae"),
                ("max_step", "largest change between neighbours", "{:.4f}", "vae < ae"),
                ("jump_share", "largest step's share of the change", "{:.2f}", f"even: {1 / (steps - 1):.2f}"),
                ("confidence", "judge: one of the two end labels, mean", "{:.1%}", "vae > ae"),
                ("lowest", "judge: one of the two end labels, lowest", "{:.1%}", "vae > ae")]
    return [(f"{name}/{data}", f"interpolation: {what}", form.format(np.mean([s[key] for s in scores[name]])),
             target) for name in models for key, what, form, target in measures]


def real_row(corpus: Corpus, columns: list[str], seed: int = 0) -> list[Sample]:
    """Real drawings of the sheet's column labels, in a seeded order (for Hershey: different fonts)."""
    order = np.random.default_rng(seed).permutation(len(corpus.drawings))
    chosen = [corpus.drawings[i] for i in order]
    return pick_columns([d.strokes for d in chosen], [d.label for d in chosen], columns)


def markdown_table(header: tuple[str, ...] | list[str], rows: list) -> list[str]:
    return [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}",
            *[f"| {' | '.join(row)} |" for row in rows]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench-output")
    parser.add_argument("--per-class", type=int, default=5, help="samples per label and model")
    parser.add_argument("--judge-steps", type=int, default=800)
    parser.add_argument("--judge-cache", type=Path, default=None,
                        help="folder of the cached judges judge-<data>-<steps>.pt [default: --out]")
    parser.add_argument("--kinds", default=",".join(NAMES), help="generators [default: every kind, %(default)s]")
    parser.add_argument("--data", default="hershey,aaron", help="corpora, each with its own judge")
    parser.add_argument("--weights", type=Path, default=None,
                        help="checkpoint to score instead of the shipped one (one kind and one corpus only)")
    per_kind = "; one value for every kind, or KIND=VALUE,... (with an optional bare value for the rest)"
    parser.add_argument("--guidance", type=per_kind_option(float), default={},
                        help="diffusion guidance [default: the model's]" + per_kind)
    parser.add_argument("--steps", type=per_kind_option(int), default={},
                        help="diffusion DDIM steps, dream optimiser steps [default: the model's]" + per_kind)
    parser.add_argument("--temperature", type=per_kind_option(float), default={},
                        help="sampling temperature [default: each model's own, 0.2; gan 1.0]" + per_kind)
    parser.add_argument("--interpolate", default="ae,vae",
                        help="models to walk between label pairs, NAME[=CHECKPOINT],... ('': none); "
                             "a model without weights for a corpus is left out")
    parser.add_argument("--pairs", default=None, help="label pairs A:B,... [default: a few per corpus]")
    parser.add_argument("--interpolate-steps", type=int, default=9)
    parser.add_argument("--interpolate-temperature", type=float, default=0.01,
                        help="decoding temperature of the walks: near greedy, so the change comes from the code")
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    kinds, corpora = args.kinds.split(","), args.data.split(",")
    unknown = [kind for kind in kinds if kind not in NAMES]
    if unknown:
        parser.error(f"unknown generator {', '.join(unknown)}; available: {', '.join(NAMES)}")
    if args.weights is not None and (len(kinds) > 1 or len(corpora) > 1):
        parser.error("--weights needs one --kinds and one --data")
    if args.per_class < 2:
        parser.error("--per-class must be at least 2 (diversity compares two samples of a label)")

    table, details, sections, skipped = [], [], [], {}  # skipped: {model/data: why}
    for data in corpora:
        corpus = judge_corpus(data, args.judge_steps, args.judge_cache or args.out)
        table.append(corpus.reference)
        columns = SHEET_COLUMNS.get(data, corpus.labels[:12])
        rows = {"real": real_row(corpus, columns)}
        for kind in kinds:
            weights = args.weights or default_weights(kind, data)
            if not weights.is_file():
                skipped[f"{kind}/{data}"] = f"no weights ({weights.name}); train: plotter train {kind} --data {data}"
                continue
            try:
                row, model_details, trained = score_model(kind, data, weights, corpus, args)
            except CheckpointError as error:  # a stale shipped file must not hide the other kinds' rows
                if args.weights is not None:
                    raise
                skipped[f"{kind}/{data}"] = str(error)
                continue
            table.append(row)
            details += model_details
            rows[kind] = pick_columns(trained["samples"], [corpus.labels[c] for c in trained["classes"]], columns)
        sections.append((data, columns, rows))
        walkers = latent_models(args.interpolate) if args.interpolate else {}
        missing = [name for name, path in walkers.items() if not Path(path or default_weights(name, data)).is_file()]
        for name in missing:
            skipped.setdefault(f"{name}/{data}", f"no weights to walk; train: plotter train {name} --data {data}")
        walkers = {name: path for name, path in walkers.items() if name not in missing}
        if walkers:
            details += smoothness_rows(data, corpus.judge, walkers, args.pairs or PAIRS.get(data, ""),
                                       args.interpolate_steps, args.interpolate_temperature)

    sheet = comparison_sheet(sections, metadata={"generator": "benchmarks.generative",
                                                 "params": {"per_class": args.per_class, "seed": 1}})
    args.out.mkdir(parents=True, exist_ok=True)
    write(sheet, args.out / "generative-sheet.svg")
    render_png(sheet, args.out / "generative-sheet.png")
    comparison = markdown_table(TABLE, [[row[column] for column in TABLE] for row in table])
    markdown = ["# Generators (benchmarks/generative.py)", "",
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
                f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU only; {args.per_class} samples "
                "per label; diversity: mean distance between two samples of the same label.", "",
                *comparison, "", *[f"- skipped {name}: {why}" for name, why in skipped.items()], "",
                *markdown_table(("model", "measure", "value", "target"), details), "",
                "Sheet: `generative-sheet.svg` / `.png` (per corpus: real drawings, then one row per model, the "
                "same labels in the same columns). Per model: `generative-<kind>-<data>.svg` (64 samples), "
                "`.png` (one judged sample per label, in label order)."]
    print("\n".join([*comparison, *[f"skipped {name}: {why}" for name, why in skipped.items()]]))
    with atomic_write(args.out / "generative.md") as handle:
        handle.write("\n".join(markdown) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
