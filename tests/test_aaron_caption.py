"""Captions AARON writes about its own scenes: facts read off the plan, paraphrases true of them."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from generative.caption_data import sketch
from painters.aaron import AaronParams, Drawing, draw
from painters.aaron.caption import (
    BAND_WORDS,
    KINDS,
    NOUNS,
    NUMBERS,
    POSE_AFTER,
    POSE_BEFORE,
    RELATION_WORDS,
    SCENE_WORDS,
    SIDE_WORDS,
    ObjectFacts,
    SceneFacts,
    captions,
    describe,
    full_caption,
    holds,
)
from painters.aaron.figure import POSES
from painters.aaron.forms import Part, Thing
from painters.aaron.occlusion import Visible
from painters.aaron.space import Stage
from plotter.plan import Plan

# --- an independent reader of the caption grammar ------------------------------------------
_COUNTS = {"a": 1, "an": 1} | {word: n for n, word in enumerate(NUMBERS)}
_DETAIL_NOUNS = {"oak": "tree", "poplar": "tree", "closed": "form", "open": "form"}
_NOUN_FORMS = [(tuple(form.split()), key, plural) for key, forms in NOUNS.items() for pair in forms
               for plural, form in enumerate(pair)]
_POSE_PHRASES = [(tuple(p.split()), pose) for pose, (one, many) in POSE_AFTER.items() for p in {*one, *many}]
_RELATIONS = [(tuple(w.split()), rel) for rel, forms in RELATION_WORDS.items() for w in forms]
_PLACES = [(tuple(w.split()), "side", place) for place, forms in SIDE_WORDS.items() for w in forms] + \
          [(tuple(w.split()), "band", place) for place, forms in BAND_WORDS.items() for w in forms]
_FILLER = {"a", "drawing", "of", "picture", "with", "and"}


def _longest(tokens: list[str], at: int, table: list[tuple]) -> tuple | None:
    hits = [entry for entry in table if tuple(tokens[at:at + len(entry[0])]) == entry[0]]
    return max(hits, key=lambda entry: len(entry[0]), default=None)


def _noun_phrase(tokens: list[str], at: int) -> tuple[dict, int] | None:
    """count [pose] noun [pose phrase] starting at ``at``: what it claims and where it ends."""
    if at >= len(tokens) or tokens[at] not in _COUNTS:
        return None
    end, pose = at + 1, None
    if end < len(tokens) and tokens[end] in POSE_BEFORE.values():
        pose = next(p for p, word in POSE_BEFORE.items() if word == tokens[end])
        end += 1
    noun = _longest(tokens, end, _NOUN_FORMS)
    if noun is None:
        return None
    words, key, plural = noun
    end += len(words)
    after = _longest(tokens, end, _POSE_PHRASES)
    if after is not None and pose is None:
        pose = after[1]
        end += len(after[0])
    kind, detail = (_DETAIL_NOUNS[key], key) if key in _DETAIL_NOUNS else (key, pose)
    return {"count": _COUNTS[tokens[at]], "kind": kind, "detail": detail, "plural": bool(plural)}, end


def check_caption(text: str, facts: SceneFacts) -> None:
    """Every claim of ``text`` holds in ``facts``, and every word of it belongs to some claim."""
    tokens = text.replace(",", "").split()
    used = [False] * len(tokens)
    for scene, phrases in SCENE_WORDS.items():
        for phrase in phrases:
            if text.startswith(phrase + " with") or text == phrase:
                assert facts.scene == scene, text
                used[:len(phrase.split())] = [True] * len(phrase.split())
    at = 0
    while at < len(tokens):
        found = None if used[at] else _noun_phrase(tokens, at)
        if found is None:
            at += 1
            continue
        claim, end = found
        members = [o for o in facts.shown if o.kind == claim["kind"]
                   and (claim["detail"] is None or o.detail == claim["detail"])]
        assert len(members) == claim["count"], (text, claim)
        assert claim["plural"] == (claim["count"] > 1), text
        used[at:end] = [True] * (end - at)
        relation, place = _longest(tokens, end, _RELATIONS), _longest(tokens, end, _PLACES)
        if relation is not None:
            other = _noun_phrase(tokens, end + len(relation[0]))
            assert other is not None, text
            (target, _), rel = other, relation[1]
            (single,) = [o for o in facts.shown if o.kind == target["kind"]
                         and (target["detail"] is None or o.detail == target["detail"])]
            assert all((m.ident, rel, single.ident) in facts.relations for m in members), text
            used[end:end + len(relation[0])] = [True] * len(relation[0])
        elif place is not None:
            words, field, value = place
            assert all(getattr(m, field) == value for m in members), text
            used[end:end + len(words)] = [True] * len(words)
        at = end
    leftover = {t for t, u in zip(tokens, used, strict=True) if not u} - _FILLER
    assert not leftover, (text, leftover)


# --- facts ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def drawn() -> list:
    return [draw(seed, AaronParams(scene=scene, objects=4), page=(120.0, 120.0))
            for seed, scene in ((1, "garden"), (2, "figures"), (3, "abstract"))]


def test_describe_reads_every_object_of_a_full_drawing_with_its_kind_and_pose(drawn):
    for drawing in drawn:
        facts = describe(drawing)
        things = [seen.thing for seen in drawing.objects if seen.thing.kind != "ground"]
        assert [o.ident for o in facts.objects] == [t.ident for t in things]
        assert facts.scene == drawing.plan.metadata["params"]["scene"]
        for thing, fact in zip(things, facts.objects, strict=True):
            assert fact.kind in KINDS
            assert fact.kind == thing.kind or (thing.kind == "plant" and fact.kind in ("flower", "plant", "grass"))
            if fact.kind == "figure":
                assert fact.detail in POSES
                assert any(re.search(rf"object {thing.ident} figure \| object plan: {fact.detail}, facing", line)
                           for line in drawing.trace)
            bx0, by0, bx1, by1 = fact.box
            assert -1e-9 <= bx0 < bx1 <= 1 + 1e-9 and -1e-9 <= by0 < by1 <= 1 + 1e-9
            assert (fact.depth is None) == (facts.scene == "abstract") == (fact.band is None)


def test_facts_survive_a_json_round_trip(drawn):
    facts = describe(drawn[0])
    assert SceneFacts.from_dict(json.loads(json.dumps(facts.as_dict()))) == facts


def test_a_hidden_object_is_never_named():
    tree = ObjectFacts(1, "tree", "oak", (0.1, 0.0, 0.4, 0.5), 0.1, "left", "back", 1.0, True)
    rock = ObjectFacts(2, "rock", None, (0.6, 0.8, 0.7, 0.9), 0.9, "right", "front", 0.1, False)
    facts = SceneFacts("garden", (rock, tree), ())
    for seed in range(30):
        for text in captions(facts, np.random.default_rng(seed)):
            assert "rock" not in text
            check_caption(text, facts)


def test_an_object_behind_a_nearer_one_is_not_shown():
    near, far = Thing(1, "rock", (40.0, 60.0, 60.0, 80.0), 80.0), Thing(2, "rock", (45.0, 65.0, 55.0, 75.0), 75.0)
    for thing in (near, far):
        ring = shapely.box(*thing.box).exterior
        thing.parts = [Part("rock", np.asarray(ring.coords), True, material="rock")]
    seen = [Visible(near, [near.parts[0].guide], silhouette=shapely.box(*near.box)),
            Visible(far, [], silhouette=shapely.box(*far.box))]
    drawing = Drawing(Plan((100.0, 100.0), metadata={"params": {"scene": "garden"}}), [], seen,
                      Stage((0.0, 0.0, 100.0, 100.0), 40.0))
    facts = describe(drawing)
    assert [(o.ident, o.visible_share, o.shown) for o in facts.objects] == [(1, 1.0, True), (2, 0.0, False)]
    assert facts.counts()["rock"] == 1


def _box(x0: float, y0: float, x1: float, y1: float, depth: float | None = 0.5) -> ObjectFacts:
    return ObjectFacts(0, "rock", None, (x0, y0, x1, y1), depth, "centre", None, 1.0, True)


@pytest.mark.parametrize(("a", "relation", "b", "expected"), [
    (_box(0.0, 0.5, 0.2, 0.6), "left of", _box(0.5, 0.5, 0.7, 0.6), True),
    (_box(0.0, 0.5, 0.2, 0.6), "right of", _box(0.5, 0.5, 0.7, 0.6), False),
    (_box(0.3, 0.5, 0.5, 0.6), "left of", _box(0.35, 0.5, 0.55, 0.6), False),  # centres too close
    (_box(0.0, 0.5, 0.9, 0.6), "left of", _box(0.4, 0.5, 0.6, 0.6), False),  # it reaches past the other
    (_box(0.2, 0.5, 0.4, 0.9, 0.9), "in front of", _box(0.3, 0.1, 0.5, 0.3, 0.2), True),
    (_box(0.2, 0.5, 0.4, 0.9, 0.9), "behind", _box(0.3, 0.1, 0.5, 0.3, 0.2), False),
    (_box(0.0, 0.5, 0.2, 0.9, 0.9), "in front of", _box(0.6, 0.1, 0.8, 0.3, 0.2), False),  # not overlapping across
    (_box(0.3, 0.1, 0.5, 0.3, 0.2), "behind", _box(0.2, 0.5, 0.4, 0.9, 0.9), True),
    (_box(0.0, 0.5, 0.2, 0.6), "beside", _box(0.22, 0.5, 0.4, 0.6), True),
    (_box(0.0, 0.5, 0.2, 0.6), "beside", _box(0.5, 0.5, 0.7, 0.6), False),  # too far apart
    (_box(0.0, 0.5, 0.2, 0.6, 0.0), "beside", _box(0.2, 0.5, 0.4, 0.6, 1.0), False),  # at other depths
    (_box(0.1, 0.0, 0.3, 0.2, None), "above", _box(0.1, 0.5, 0.3, 0.7, None), True),
    (_box(0.1, 0.0, 0.3, 0.2), "above", _box(0.1, 0.5, 0.3, 0.7), False),  # on the ground, up is farther
    (_box(0.1, 0.5, 0.3, 0.7, None), "below", _box(0.1, 0.0, 0.3, 0.2, None), True),
])
def test_relations_mean_what_the_captions_say(a, relation, b, expected):
    assert holds(relation, a, b) is expected


# --- captions ------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6))
def test_every_caption_is_true_of_its_scene(index):
    facts = describe(sketch(0, index))
    texts = captions(facts, np.random.default_rng(index))
    assert texts
    for text in texts:
        check_caption(text, facts)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6))
def test_the_full_caption_is_true_and_names_every_shown_object(index):
    facts = describe(sketch(0, index))
    text = full_caption(facts, np.random.default_rng(index))
    check_caption(text, facts)
    claimed = sum(_noun_phrase(text.replace(",", "").split(), at)[0]["count"]
                  for at in range(len(text.split())) if _noun_phrase(text.replace(",", "").split(), at))
    assert claimed == len(facts.shown) or (not facts.shown and text in SCENE_WORDS[facts.scene])


def test_captions_of_full_drawings_are_true(drawn):
    for drawing in drawn:
        facts = describe(drawing)
        for seed in range(5):
            for text in captions(facts, np.random.default_rng(seed), n=6):
                check_caption(text, facts)


def test_paraphrases_differ_and_follow_the_generator(drawn):
    facts = describe(drawn[1])
    first = captions(facts, np.random.default_rng(5))
    assert len(first) == 4 and len(set(first)) == 4
    assert captions(facts, np.random.default_rng(5)) == first
    assert any(captions(facts, np.random.default_rng(s)) != first for s in range(6, 10))


def test_the_reader_refuses_false_captions(drawn):
    """The truth check can fail: a wrong count, pose or stray word is caught."""
    facts = describe(drawn[1])
    people = facts.counts()["figure"]
    wrong = [f"{NUMBERS[people + 1]} people", f"{NUMBERS[people]} people dancing",
             f"{NUMBERS[people]} people in a boat"]
    for text in wrong:
        with pytest.raises(AssertionError):
            check_caption(text, facts)
    check_caption(f"{NUMBERS[people]} people" if people > 1 else "a person", facts)


def test_a_scene_with_nothing_shown_is_named_by_its_type():
    facts = SceneFacts("abstract", (), ())
    assert captions(facts, np.random.default_rng(0)) in ([w] for w in SCENE_WORDS["abstract"])
