"""Zero-shot retrieval of the small CLIP on held-out self-captioned AARON scenes (issue 9).

The held-out scenes (a tenth of the corpus, by a hash of the scene number; the CLIP never saw
them) are cut into groups of 100. In each group, every scene's caption ranks the 100
drawings (text → drawing) and every drawing ranks the 100 captions (drawing → text); top-1
and top-5 are the shares where the scene's own caption or drawing comes first / among the
first five (a candidate with the very same caption text counts too). Two kinds of caption:

- *described*: the full caption naming every shown object (what a person would ask for);
- *any caption*: each of the scene's four paraphrases in turn, partial ones included
  ("a rock on the right" fits many scenes), averaged.

Target: text → drawing top-1 >= 60 % among 100 (described). An untrained CLIP of the same
shape is the floor (chance is 1 %).

    .venv/bin/python benchmarks/clip.py [--weights generative/weights/clip.pt] [--scenes 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generative.caption_data import Vocabulary, caption_corpus  # noqa: E402
from generative.clip import Clip  # noqa: E402
from generative.clip_train import CANDIDATES, CaptionPairs, descriptions, evaluate, load_clip  # noqa: E402

SHIPPED = ROOT / "generative" / "weights" / "clip.pt"


def retrieval_table(model: Clip, scenes: int, groups: int) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation over ``groups`` groups of 100 held-out scenes, per measure."""
    corpus = caption_corpus(scenes)
    _, held_out = corpus.split()
    pairs = CaptionPairs(corpus, Vocabulary(model.config.words), model.config.max_words, torch.device("cpu"))
    results: list[dict[str, float]] = []
    for group in range(min(groups, len(held_out) // CANDIDATES)):
        candidates = held_out[group * CANDIDATES:(group + 1) * CANDIDATES]
        results.append(evaluate(model, pairs, candidates, descriptions(corpus, candidates)))
    model.eval()
    return {name: (float(np.mean([r[name] for r in results])), float(np.std([r[name] for r in results])))
            for name in results[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None, help="CLIP weights [default: the shipped clip.pt]")
    parser.add_argument("--scenes", type=int, default=20000, help="the corpus the weights were trained on")
    parser.add_argument("--groups", type=int, default=10, help="groups of 100 held-out scenes to average over")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    weights = args.weights or SHIPPED
    started = time.perf_counter()
    trained = load_clip(weights)
    torch.manual_seed(0)
    untrained = Clip(trained.config).eval()
    rows = {"trained": retrieval_table(trained, args.scenes, args.groups),
            "untrained": retrieval_table(untrained, args.scenes, args.groups)}
    print(f"CLIP retrieval among {CANDIDATES} held-out scenes, {args.groups} groups ({weights}); "
          f"{time.perf_counter() - started:.0f} s")
    print("| measure | trained | untrained | target |\n|---|---:|---:|---:|")
    for name, (mean, spread) in rows["trained"].items():
        target = ">= 60 %" if name == "described_text_to_drawing_top1" else ""
        print(f"| {name.replace('_', ' ')} | {mean:.1%} ± {spread:.1%} | {rows['untrained'][name][0]:.1%} | {target} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
