"""Suite-wide settings: property tests are reproducible and never fail on a slow machine's clock.

Hypothesis explores the same examples on every run (``derandomize``), so CI and a developer
see the same result; run with ``--hypothesis-profile=explore`` to search new examples.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from painters.schotter import SchotterParams, paint
from plotter import svg

settings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile("default")


@pytest.fixture
def piece(tmp_path):
    """A small Schotter in two pens, portrait A4: larger than every machine's bed, so plotting it needs --fit."""
    path = tmp_path / "piece.svg"
    svg.write(paint(2, SchotterParams(columns=3, rows=12, accent_every=6)), path)
    return path


@pytest.fixture(scope="module")
def caption_cache(tmp_path_factory, request):
    """An XDG cache folder holding a tiny caption corpus of the test module's ``SCENES`` scenes, made once."""
    from generative.caption_data import caption_corpus

    home = tmp_path_factory.mktemp("xdg")
    caption_corpus(request.module.SCENES, cache_dir=home / "plotter" / "captions")
    return home


@pytest.fixture
def in_caption_cache(caption_cache, monkeypatch):
    """Point ``XDG_CACHE_HOME`` at the module's tiny caption corpus, so corpus models train on it
    (a module opts in with ``pytestmark = pytest.mark.usefixtures("in_caption_cache")``)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(caption_cache))
