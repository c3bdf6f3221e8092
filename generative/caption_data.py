"""Self-captioned AARON scenes: (64 px raster, true captions, facts) triples, made reproducibly.

Scene ``i`` of a corpus is composed by the AARON painter from a generator seeded by
``(seed, i)``: a scene type and 1–6 objects on a small square page, the painter's own
composition, object plans and occlusion, but drawn from the guide lines alone: the freehand
wobble, hatching and pen-move planning are invisible at 64 px and cost most of a full
piece's second. The painter then describes what it drew (:mod:`painters.aaron.caption`)
and writes several paraphrases from a generator seeded by ``(seed, i, 1)``. A corpus is
cached on disk keyed by its parameters, so asking again is instant.

A :class:`Vocabulary` of the captions' words turns text into token ids for the text
encoders, and names near words when a prompt uses one it does not know.

>>> corpus = caption_corpus(4, cache=False)
>>> corpus.rasters.shape, len(corpus.captions[0])
((4, 64, 64), 4)
"""

from __future__ import annotations

import difflib
import json
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from painters.aaron import AaronParams, Drawing
from painters.aaron.caption import captions, describe
from painters.aaron.composition import compose, drawable_area
from painters.aaron.drawing import DEFAULT_PENS, MIN_FORM_MM
from painters.aaron.forms import Thing
from painters.aaron.layout import Layout, compose_layout
from painters.aaron.occlusion import occlude
from painters.aaron.rules import Trace
from painters.aaron.space import Stage
from plotter import __version__
from plotter.atomic import atomic_write
from plotter.plan import Plan

from .data import rasterize
from .errors import GenerativeError

#: Bump when a change here alters what a corpus holds: old cache files are then ignored.
CORPUS_VERSION = 1
#: The small square page scenes are composed on (mm) and its margin.
PAGE_MM = (150.0, 150.0)
MARGIN_MM = 10.0
#: How often each scene type is drawn, and how many objects a scene asks for (inclusive).
SCENE_WEIGHTS = {"garden": 0.45, "figures": 0.4, "abstract": 0.15}
OBJECTS = (1, 6)
CAPTIONS_PER_SCENE = 4
#: Line width in pixels: a 0.3 mm pen is a tenth of a pixel at 64 px, so lines are drawn thicker.
LINE_PX = 1.0
VALIDATION_PERCENT = 10


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/plotter/captions`` (``~/.cache/plotter/captions`` by default)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plotter" / "captions"


@dataclass(frozen=True, eq=False)
class CaptionCorpus:
    """Scenes ``0..N-1`` of one seed: rasters ``(N, S, S)`` uint8 (255 = ink), captions, facts."""

    rasters: np.ndarray
    captions: list[list[str]]
    facts: list[dict[str, Any]]
    seed: int

    def __len__(self) -> int:
        return len(self.captions)

    @property
    def is_validation(self) -> np.ndarray:
        """Per scene: held out for validation (by a hash of seed and index, the same everywhere)."""
        return np.array([is_validation(self.seed, i) for i in range(len(self))], dtype=bool)

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """Scene indices for training and for validation: whole scenes, never single captions."""
        held = self.is_validation
        return np.flatnonzero(~held), np.flatnonzero(held)

    def pairs(self, indices: Iterable[int]) -> list[tuple[int, str]]:
        """(scene index, caption) for every caption of the given scenes."""
        return [(int(i), text) for i in indices for text in self.captions[int(i)]]


def is_validation(seed: int, index: int, percent: int = VALIDATION_PERCENT) -> bool:
    return zlib.crc32(f"{seed}/{index}".encode()) % 100 < percent


def sketch(seed: int, index: int) -> Drawing:
    """Scene ``index`` of corpus ``seed`` as a :class:`painters.aaron.Drawing` of guide lines.

    The painter's composition, object plans and occlusion, without the freehand pen: the plan
    holds each object's visible guide lines, nearest object first.
    """
    rng = np.random.default_rng([seed, index])
    scenes = list(SCENE_WEIGHTS)
    scene = scenes[int(rng.choice(len(scenes), p=list(SCENE_WEIGHTS.values())))]
    params = AaronParams(scene=scene, objects=int(rng.integers(OBJECTS[0], OBJECTS[1] + 1)), margin_mm=MARGIN_MM)
    trace = Trace()
    stage, things = compose(params, PAGE_MM, rng, trace)
    return _guide_drawing(stage, things, trace, {"generator": "aaron-sketch", "version": __version__,
                                                 "seed": [seed, index], "params": params.as_dict()})


def sketch_layout(layout: Layout, seed: int) -> Drawing:
    """A :class:`painters.aaron.layout.Layout` drawn as a corpus scene is: on the corpus page, from
    its guide lines alone (what the attribute reader was trained on)."""
    trace = Trace()
    rng = np.random.default_rng(seed)
    stage, things = compose_layout(layout, drawable_area(PAGE_MM, MARGIN_MM), rng, trace)
    params = AaronParams(scene=layout.scene, objects=len(layout.objects), margin_mm=MARGIN_MM)
    return _guide_drawing(stage, things, trace, {"generator": "aaron-sketch", "version": __version__,
                                                 "seed": seed, "params": params.as_dict()})


def _guide_drawing(stage: Stage, things: list[Thing], trace: Trace, metadata: dict[str, Any]) -> Drawing:
    things.sort(key=lambda t: -t.base_y)  # nearest first, as the painter draws
    for thing in things:
        thing.parts = [p for p in thing.parts if _length(p.guide) >= (MIN_FORM_MM if p.closed else 1.0)]
    visible = occlude(things, [[p.guide for p in t.parts] for t in things])
    builder = Plan.builder(PAGE_MM, metadata)
    builder.pen(DEFAULT_PENS[0])
    for seen in visible:
        for path in seen.paths:
            builder.add(path, pen=DEFAULT_PENS[0].name)
    return Drawing(builder.build(), trace.lines, visible, stage)


def raster(drawing: Drawing, size_px: int = 64) -> np.ndarray:
    """A corpus-page drawing as a ``(size_px, size_px)`` float raster of ink in [0, 1]."""
    unit = np.array([1 / PAGE_MM[0], 1 / PAGE_MM[1]])
    return rasterize([path * unit for _, path in drawing.plan.iter_paths()], size_px, LINE_PX)


def scene(seed: int, index: int, size_px: int = 64) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Scene ``index`` of corpus ``seed``: its raster (uint8), its captions and its facts."""
    drawing = sketch(seed, index)
    image = raster(drawing, size_px)
    facts = describe(drawing)
    texts = captions(facts, np.random.default_rng([seed, index, 1]), CAPTIONS_PER_SCENE)
    return np.round(image * 255).astype(np.uint8), texts, facts.as_dict()


def _scenes(seed: int, indices: range, size_px: int) -> list[tuple[np.ndarray, list[str], dict[str, Any]]]:
    return [scene(seed, i, size_px) for i in indices]


def caption_corpus(count: int, seed: int = 0, size_px: int = 64, cache: bool = True,
                   cache_dir: str | os.PathLike[str] | None = None, workers: int = 1) -> CaptionCorpus:
    """Scenes ``0..count-1`` of corpus ``seed``, loaded from the cache or made and cached.

    The cache file lives in ``cache_dir`` (default :func:`default_cache_dir`), named by every
    parameter and the version. ``workers`` > 1 makes scenes in that many processes; each scene
    has its own generator, so the corpus is the same.
    """
    if count < 1 or size_px < 8 or workers < 1:
        raise GenerativeError(f"caption corpus: count {count}, size {size_px} px and workers {workers} "
                              "must be at least 1, 8 and 1")
    name = f"aaron-captions-v{CORPUS_VERSION}-{__version__}-seed{seed}-n{count}-px{size_px}.npz"
    path = Path(cache_dir or default_cache_dir()) / name if cache else None
    if path is not None and path.exists():
        return _load(path, seed)
    if workers == 1:
        made = _scenes(seed, range(count), size_px)
    else:
        step = max(1, min(256, count // (4 * workers)))
        chunks = [range(start, min(start + step, count)) for start in range(0, count, step)]
        with ProcessPoolExecutor(workers) as pool:
            made = [item for part in pool.map(_scenes, [seed] * len(chunks), chunks, [size_px] * len(chunks))
                    for item in part]
    corpus = CaptionCorpus(np.stack([r for r, _, _ in made]), [c for _, c, _ in made], [f for _, _, f in made], seed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as handle:
            np.savez_compressed(handle, rasters=corpus.rasters, captions=np.array(json.dumps(corpus.captions)),
                                facts=np.array(json.dumps(corpus.facts)))
    return corpus


def _load(path: Path, seed: int) -> CaptionCorpus:
    try:
        with np.load(path, allow_pickle=False) as stored:
            return CaptionCorpus(stored["rasters"], json.loads(str(stored["captions"])),
                                 json.loads(str(stored["facts"])), seed)
    except (OSError, ValueError, KeyError) as error:
        raise GenerativeError(f"{path}: unreadable caption corpus cache ({error}); delete it to make it again") \
            from error


def _length(path: np.ndarray) -> float:
    return float(np.hypot(*np.diff(path, axis=0).T).sum())


# --- the word vocabulary -------------------------------------------------------------------
PAD = "<pad>"
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The words of a caption or prompt: lower case, punctuation dropped."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Word ↔ id for the captions' words; id 0 is padding.

    >>> vocabulary = Vocabulary.from_captions(["two people beside a tree"])
    >>> vocabulary.decode(vocabulary.encode("A tree, two people"))
    'a tree two people'
    """

    words: tuple[str, ...]  # index = id; words[0] is PAD

    @classmethod
    def from_captions(cls, captions: Iterable[str]) -> Vocabulary:
        return cls((PAD, *sorted({w for text in captions for w in words(text)})))

    def __len__(self) -> int:
        return len(self.words)

    @cached_property
    def _ids(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; an empty text or an unknown word is refused, naming near words."""
        ids, found = self._ids, words(text)
        if not found:
            raise GenerativeError(f"prompt {text!r} has no words; try e.g. {self.words[1:4]!r}"
                                  if len(self.words) > 1 else f"prompt {text!r} has no words")
        unknown = list(dict.fromkeys(w for w in found if w not in ids))
        if unknown:
            known = self.words[1:]
            hints = "; ".join(f"{w!r} (near: {', '.join(near)})" if (near := difflib.get_close_matches(w, known, 3))
                              else f"{w!r} (no near word)" for w in unknown)
            raise GenerativeError(f"prompt {text!r}: unknown word{'s' if len(unknown) > 1 else ''} {hints}; "
                                  f"the vocabulary has {len(known)} words")
        return [ids[w] for w in found]

    def encode_batch(self, texts: Sequence[str], length: int) -> np.ndarray:
        """``(len(texts), length)`` int64 ids, padded with 0; a text longer than ``length`` is refused."""
        batch = np.zeros((len(texts), length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = self.encode(text)
            if len(ids) > length:
                raise GenerativeError(f"prompt {text[:60]!r}{'...' if len(text) > 60 else ''} has {len(ids)} words; "
                                      f"at most {length} fit")
            batch[row, :len(ids)] = ids
        return batch

    def decode(self, ids: Iterable[int]) -> str:
        return " ".join(self.words[i] for i in ids if i != 0)
