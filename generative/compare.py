"""Generators side by side (issue 10): one sheet row per model, and how varied a model's drawings of one label are.

A comparison is fair only if every model is asked for the same thing: the sheet puts the same
label in the same column of every row (real drawings first, as the reference), with the
model's name written in Hershey strokes in the row's first cell, so the printed page needs no
legend. Diversity is measured on the samples a benchmark already drew, so it costs nothing
extra: a model that draws every ``A`` alike (mode collapse) scores near 0, while real glyphs
of twelve fonts are far apart.

Torch-free apart from the row labels (:mod:`generative.sample`); sampling is the caller's job.

>>> bar = [np.array([[0.1, 0.5], [0.9, 0.5]])]
>>> plan = comparison_sheet([("hershey", ["A", "B"], {"real": [bar, bar], "vae": [bar, []]})])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.spatial.distance import pdist

from plotter.plan import Plan

from .errors import GenerativeError
from .sample import row_label
from .sheet import Sample, sheet_plan

Section = tuple[str, Sequence[str], Mapping[str, Sequence[Sample]]]  # title, column labels, {row name: samples}


def label_diversity(vectors: np.ndarray, labels: Sequence[str | int]) -> float:
    """Mean over labels of the mean Euclidean distance between every two vectors of that label.

    Pass rasters flattened and divided by √(pixels) for the root-mean-square pixel difference
    (0: identical pictures), or classifier features for a distance that forgives small shifts.
    Labels with a single vector have no pair and are left out.
    """
    vectors = np.asarray(vectors, dtype=np.float64).reshape(len(labels), -1)
    groups = np.asarray(labels)
    means = [pdist(vectors[groups == label]).mean() for label in np.unique(groups)
             if np.count_nonzero(groups == label) >= 2]
    if not means:
        raise GenerativeError("diversity needs at least two samples of one label")
    return float(np.mean(means))


def pick_columns(samples: Sequence[Sample], labels: Sequence[str], columns: Sequence[str]) -> list[Sample]:
    """For each column label, the next sample of that label not yet used (in order); none left: an empty cell.

    A label named twice in ``columns`` gets its first and its second sample, so a row shows
    a little of each model's variety.
    """
    queues: dict[str, list[Sample]] = {}
    for sample, label in zip(samples, labels, strict=True):
        queues.setdefault(label, []).append(sample)
    return [queues[label].pop(0) if queues.get(label) else [] for label in columns]


def comparison_sheet(sections: Sequence[Section], page_mm: tuple[float, float] = (210.0, 297.0),
                     margin_mm: float = 15.0, metadata: Mapping[str, object] | None = None) -> Plan:
    """One grid for every section (a corpus): a header row (its title, then the column labels) and one row per model.

    Each row's first cell holds its name in Hershey text; row ``i`` column ``j`` is the
    model's drawing of the section's ``j``-th label. Sections may differ in their labels and
    column count; the page has as many columns as the widest.
    """
    if not sections:
        raise GenerativeError("a comparison sheet needs at least one section")
    width = 1 + max(len(columns) for _, columns, _ in sections)
    cells: list[Sample] = []
    for title, columns, rows in sections:
        for name, row in [(title, [row_label(label) for label in columns]), *rows.items()]:
            if len(row) != len(columns):
                raise GenerativeError(f"row {name!r} of {title!r} has {len(row)} drawings for {len(columns)} columns")
            cells += [row_label(name), *row, *[[]] * (width - 1 - len(row))]
    return sheet_plan(cells, page_mm, margin_mm, columns=width, metadata=metadata)
