"""The self-captioned AARON corpus: reproducible scenes, a stable split, a cache, a word vocabulary."""

from __future__ import annotations

import json

import numpy as np
import pytest

import generative.caption_data as caption_data
from generative.caption_data import (
    CAPTIONS_PER_SCENE,
    PAD,
    CaptionCorpus,
    Vocabulary,
    caption_corpus,
    is_validation,
    scene,
    words,
)
from generative.errors import GenerativeError
from painters.aaron.caption import SceneFacts


@pytest.fixture(scope="module")
def corpus() -> CaptionCorpus:
    return caption_corpus(6, seed=3, cache=False)


def test_corpus_holds_a_raster_captions_and_facts_per_scene(corpus):
    assert corpus.rasters.shape == (6, 64, 64) and corpus.rasters.dtype == np.uint8
    assert len(corpus) == len(corpus.captions) == len(corpus.facts) == 6
    assert all(len(texts) == CAPTIONS_PER_SCENE and len(set(texts)) == CAPTIONS_PER_SCENE
               for texts in corpus.captions)
    assert all(raster.max() == 255 and (raster > 0).mean() < 0.5 for raster in corpus.rasters)  # ink on paper
    for facts in corpus.facts:
        assert SceneFacts.from_dict(json.loads(json.dumps(facts))).as_dict() == facts


def test_scene_i_depends_only_on_seed_and_index(corpus):
    raster, texts, facts = scene(3, 4)
    assert np.array_equal(raster, corpus.rasters[4]) and texts == corpus.captions[4] and facts == corpus.facts[4]
    shorter = caption_corpus(2, seed=3, cache=False)
    assert np.array_equal(shorter.rasters, corpus.rasters[:2]) and shorter.captions == corpus.captions[:2]
    other = scene(4, 4)
    assert not np.array_equal(other[0], raster)


def test_raster_size_follows_the_asked_size():
    raster, _, _ = scene(0, 1, size_px=32)
    assert raster.shape == (32, 32)


def test_workers_make_the_same_corpus(corpus):
    parallel = caption_corpus(6, seed=3, cache=False, workers=2)
    assert np.array_equal(parallel.rasters, corpus.rasters) and parallel.captions == corpus.captions


def test_second_call_loads_the_cache_without_drawing(tmp_path, monkeypatch):
    first = caption_corpus(3, seed=1, cache_dir=tmp_path)
    (stored,) = tmp_path.iterdir()
    assert "seed1-n3-px64" in stored.name

    def no_drawing(*_: object) -> None:
        raise AssertionError("the cached corpus was drawn again")

    monkeypatch.setattr(caption_data, "scene", no_drawing)
    again = caption_corpus(3, seed=1, cache_dir=tmp_path)
    assert np.array_equal(again.rasters, first.rasters)
    assert again.captions == first.captions and again.facts == first.facts
    with pytest.raises(AssertionError, match="drawn again"):
        caption_corpus(4, seed=1, cache_dir=tmp_path)  # other parameters, another file


def test_unreadable_cache_names_the_file(tmp_path):
    caption_corpus(1, seed=2, cache_dir=tmp_path)
    (stored,) = tmp_path.iterdir()
    stored.write_bytes(b"not a corpus")
    with pytest.raises(GenerativeError, match=stored.name):
        caption_corpus(1, seed=2, cache_dir=tmp_path)


@pytest.mark.parametrize(("count", "size_px", "workers"), [(0, 64, 1), (3, 4, 1), (3, 64, 0)])
def test_bad_corpus_parameters_are_refused(count, size_px, workers):
    with pytest.raises(GenerativeError, match="must be at least"):
        caption_corpus(count, size_px=size_px, workers=workers, cache=False)


def test_split_is_by_scene_stable_and_about_a_tenth():
    held = np.array([is_validation(0, i) for i in range(2000)])
    assert 0.07 < held.mean() < 0.13
    assert np.array_equal(held, [is_validation(0, i) for i in range(2000)])
    assert not np.array_equal(held, [is_validation(1, i) for i in range(2000)])
    corpus = CaptionCorpus(np.zeros((40, 8, 8), np.uint8), [[f"scene {i}"] * 2 for i in range(40)], [{}] * 40, 0)
    train, validation = corpus.split()
    assert sorted([*train, *validation]) == list(range(40))
    assert list(validation) == [i for i in range(40) if is_validation(0, i)]
    assert corpus.pairs(validation) == [(int(i), f"scene {i}") for i in validation for _ in range(2)]


# --- vocabulary ----------------------------------------------------------------------------
def test_vocabulary_round_trips_every_caption(corpus):
    texts = [t for ts in corpus.captions for t in ts]
    vocabulary = Vocabulary.from_captions(texts)
    assert vocabulary.words[0] == PAD and list(vocabulary.words[1:]) == sorted(set(vocabulary.words[1:]))
    for text in texts:
        ids = vocabulary.encode(text)
        assert 0 not in ids
        assert vocabulary.decode(ids) == " ".join(words(text))


def test_words_ignore_case_and_punctuation():
    assert words("Two people, beside a TREE.") == ["two", "people", "beside", "a", "tree"]


def test_unknown_words_are_refused_with_near_words():
    vocabulary = Vocabulary.from_captions(["two people beside a tree", "three trees and a rock"])
    with pytest.raises(GenerativeError, match=r"unknown words 'treez' \(near: tree.*'zebra' \(no near word\)"):
        vocabulary.encode("two treez and a zebra")
    with pytest.raises(GenerativeError, match="has no words"):
        vocabulary.encode(" ,. ")


def test_encode_batch_pads_and_refuses_what_does_not_fit():
    vocabulary = Vocabulary.from_captions(["two people beside a tree"])
    batch = vocabulary.encode_batch(["a tree", "two people beside a tree"], length=6)
    assert batch.shape == (2, 6) and batch.dtype == np.int64
    assert vocabulary.decode(batch[0]) == "a tree" and list(batch[0, 2:]) == [0] * 4
    with pytest.raises(GenerativeError, match="has 10 words; at most 6 fit"):
        vocabulary.encode_batch(["a tree " * 5], length=6)
