"""Score the shipped generators with a judge trained apart from them (issue 7).

For each corpus (Hershey glyphs, AARON figures/plants/rocks) a small CNN classifier is
trained on real rasters (the training split) and checked on the validation split. Each
generator then draws ``--per-class`` samples of every label; the samples' *strokes* (what
the pen would draw) are rasterised like the real data and judged:

- accuracy: the share recognised as the requested label (target ≥ 80 %);
- Fréchet distance between the classifier's penultimate features of real and generated
  rasters, for the trained model and for an untrained one of the same shape (target: clearly lower);
- the VAE's reconstruction loss and KL on the validation split;
- seconds to draw a sheet of 64 samples on the CPU (target ≤ 10 s);
- for the models with a latent code (``--interpolate``, issue 10: the VAE's path should be
  smoother than the autoencoder's), walks between real drawings of label pairs
  (``--pairs``): :func:`generative.smoothness.path_smoothness` of each row (mean and largest
  change between neighbours, the largest step's share of all the change) and the judge's
  confidence that each drawing on the way is one of the two end labels (mean, and the
  lowest point of the path), averaged over the pairs.

    .venv/bin/python benchmarks/generative.py --out bench-output
    .venv/bin/python benchmarks/generative.py --kinds vae --data hershey --interpolate ae=runs/ae-h/ae.pt,vae
    .venv/bin/python benchmarks/generative.py --kinds diffusion --data aaron --weights runs/diffusion-aaron/diffusion.pt
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generative.data import labels_of, load_corpus, rasterize, rasterize_all, split  # noqa: E402
from generative.models import get, latent_models  # noqa: E402
from generative.sample import (  # noqa: E402
    build_model,
    default_weights,
    generate_plan,
    interpolation_rows,
    load_model,
    sample_strokes,
)
from generative.sheet import sheet_png  # noqa: E402
from generative.smoothness import path_smoothness  # noqa: E402
from generative.train import _Batches, validate  # noqa: E402
from plotter.atomic import atomic_write  # noqa: E402
from plotter.svg import write  # noqa: E402

SIZE = 28
PAIRS = {"hershey": "A:B,C:G,O:Q,1:7,M:W,a:d,E:F,3:8", "aaron": "figure:plant,plant:rock,rock:figure"}


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


def score(kind: str, model: nn.Module, labels: list[str], per_class: int, judge: Judge,
          real_features: np.ndarray, seed: int, guidance: float | None = None,
          steps: int | None = None, temperature: float = 0.2) -> dict[str, float]:
    classes = [c for c in range(len(labels)) for _ in range(per_class)]
    samples = []
    for start in range(0, len(classes), 256):  # bounded memory for the diffusion batch
        chunk = classes[start:start + 256]
        samples += sample_strokes(kind, model, chunk, len(chunk), temperature, seed=seed + start, guidance=guidance,
                                  steps=steps)
    images = np.stack([rasterize(s, SIZE) for s in samples])
    predicted, features = judge_images(judge, images)
    return {"accuracy": float(np.mean(predicted == np.array(classes))), "frechet": frechet(real_features, features),
            "samples": samples}


def judge_corpus(data: str, steps: int) -> tuple[Judge, np.ndarray, list[tuple[str, str, str, str]]]:
    """A judge trained on the corpus' training split, the real features, and its rows of the table."""
    drawings = load_corpus(data)
    labels = labels_of(drawings)
    train_set, validation_set = split(drawings)
    started = time.perf_counter()
    judge = train_judge(rasterize_all(train_set, SIZE), np.array([labels.index(d.label) for d in train_set]),
                        len(labels), steps)
    seconds = time.perf_counter() - started
    predicted, _ = judge_images(judge, rasterize_all(validation_set, SIZE))
    accuracy = float(np.mean(predicted == np.array([labels.index(d.label) for d in validation_set])))
    _, real_features = judge_images(judge, rasterize_all(drawings, SIZE))
    name = f"judge/{data}"
    return judge, real_features, [(name, f"accuracy on real validation {data} drawings", f"{accuracy:.1%}",
                                   "(judge's own skill)"), (name, "training seconds", f"{seconds:.0f}", "")]


def score_model(kind: str, data: str, weights: Path, judge: Judge, real_features: np.ndarray, args: argparse.Namespace,
                ) -> tuple[list[tuple[str, str, str, str]], list]:
    """Rows for one generator: judged accuracy and Fréchet distance (trained and untrained), VAE losses, speed."""
    name = f"{kind}/{data}"
    model, model_labels = load_model(kind, weights)
    torch.manual_seed(0)
    untrained = build_model(kind, {**vars(model.config)}).eval()
    options = (args.guidance, args.steps, args.temperature)
    trained_score = score(kind, model, model_labels, args.per_class, judge, real_features, 1, *options)
    untrained_score = score(kind, untrained, model_labels, args.per_class, judge, real_features, 1, *options)
    rows = [(name, "requested label recognised", f"{trained_score['accuracy']:.1%}", ">= 80%"),
            (name, "untrained: requested label recognised", f"{untrained_score['accuracy']:.1%}", ""),
            (name, "Fréchet distance to real (trained)", f"{trained_score['frechet']:.1f}", "clearly < untrained"),
            (name, "Fréchet distance to real (untrained)", f"{untrained_score['frechet']:.1f}", "")]
    if get(kind).inputs == "strokes":
        _, validation_set = split(load_corpus(data))
        batches = _Batches(kind, validation_set, model_labels, model.config, torch.device("cpu"))
        losses = validate(kind, model, batches, seed=0)
        rows.append((name, "validation reconstruction loss L_R", f"{losses['val_reconstruction']:.3f}", ""))
        if "val_kl" in losses:
            rows.append((name, "validation KL (nats)", f"{losses['val_kl']:.3f}", ""))
    started = time.perf_counter()
    plan = generate_plan(kind, weights, count=64, seed=7, guidance=args.guidance, steps=args.steps,
                         temperature=args.temperature)
    seconds = time.perf_counter() - started
    rows += [(name, "sheet of 64 samples, CPU seconds", f"{seconds:.2f}", "<= 10"),
             (name, "samples per second, CPU", f"{64 / seconds:.0f}", "")]
    args.out.mkdir(parents=True, exist_ok=True)
    write(plan, args.out / f"generative-{kind}-{data}.svg")
    sheet_png(trained_score["samples"][:: args.per_class], args.out / f"generative-{kind}-{data}.png")
    return rows, trained_score["samples"]


def smoothness_rows(data: str, judge: Judge, models: dict[str, str | None], pairs: str, steps: int,
                    temperature: float, seed: int = 0) -> list[tuple[str, str, str, str]]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench-output")
    parser.add_argument("--per-class", type=int, default=5, help="samples per label and model")
    parser.add_argument("--judge-steps", type=int, default=800)
    parser.add_argument("--kinds", default="vae,diffusion")
    parser.add_argument("--data", default="hershey,aaron", help="corpora, each with its own judge")
    parser.add_argument("--weights", type=Path, default=None,
                        help="checkpoint to score instead of the shipped one (one kind and one corpus only)")
    parser.add_argument("--guidance", type=float, default=None, help="diffusion guidance [default: the model's]")
    parser.add_argument("--steps", type=int, default=None, help="diffusion DDIM steps [default: the model's]")
    parser.add_argument("--temperature", type=float, default=0.2, help="VAE sampling temperature [default: 0.2]")
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
    if args.weights is not None and (len(kinds) > 1 or len(corpora) > 1):
        parser.error("--weights needs one --kinds and one --data")

    rows, sheets = [], []
    for data in corpora:
        judge, real_features, judge_rows = judge_corpus(data, args.judge_steps)
        rows += judge_rows
        for kind in kinds:
            weights = args.weights or default_weights(kind, data)
            if not weights.is_file():
                rows.append((f"{kind}/{data}", "weights", "missing", f"train: plotter train {kind} --data {data}"))
                continue
            model_rows, _ = score_model(kind, data, weights, judge, real_features, args)
            rows += model_rows
            sheets.append(f"`generative-{kind}-{data}.png`")
        walkers = latent_models(args.interpolate) if args.interpolate else {}
        missing = [name for name, path in walkers.items() if not Path(path or default_weights(name, data)).is_file()]
        rows += [(f"{name}/{data}", "interpolation weights", "missing", f"train: plotter train {name} --data {data}")
                 for name in missing]
        walkers = {name: path for name, path in walkers.items() if name not in missing}
        if walkers:
            rows += smoothness_rows(data, judge, walkers, args.pairs or PAIRS.get(data, ""), args.interpolate_steps,
                                    args.interpolate_temperature)

    width = max(len(r[1]) for r in rows)
    table = [f"{'model':<18} {'measure':<{width}} {'value':>8}  target"]
    table += [f"{m:<18} {what:<{width}} {value:>8}  {target}" for m, what, value, target in rows]
    print("\n".join(table))
    markdown = ["# Generators (benchmarks/generative.py)", "",
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
                f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU only.", "",
                "| model | measure | value | target |", "|---|---|---|---|",
                *[f"| {m} | {what} | {value} | {target} |" for m, what, value, target in rows], "",
                "Sample sheets (one sample per label, in label order): " + ", ".join(sheets) + "."]
    args.out.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.out / "generative.md") as handle:
        handle.write("\n".join(markdown) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
