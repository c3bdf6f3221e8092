"""Suite-wide settings: property tests are reproducible and never fail on a slow machine's clock.

Hypothesis explores the same examples on every run (``derandomize``), so CI and a developer
see the same result; run with ``--hypothesis-profile=explore`` to search new examples.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile("default")
