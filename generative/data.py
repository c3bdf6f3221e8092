"""Training data for the generators: labelled drawings as polylines, stroke-3 sequences and rasters.

Everything comes from installed packages, nothing is downloaded. A :class:`Drawing` is a few
polylines in the *unit box* (x right, y down, the drawing inside ``[0, 1]²``), a label (what
it is: ``"A"``, ``"7"``) and a source (the font). Hershey glyphs are scaled per font, not per
glyph, so a lowercase ``o`` stays smaller than an ``O`` and sits on the same baseline.

Corpora are registered by name in :data:`CORPORA`, each a function returning a list of
drawings: the Hershey glyphs here, the AARON painter's figures, plants and rocks (labelled
by kind) in :mod:`generative.aaron_data`.

>>> drawings = load_corpus("hershey")
>>> train, validation = split(drawings)
>>> stroke3(train[0]).shape[1]
3
"""

from __future__ import annotations

import string
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .errors import GenerativeError

# Fonts whose ASCII glyphs are the Latin alphabet and digits, so the label "A" means one
# shape family; greek, cyrillic, japanese, music, ... map ASCII codes to other symbols.
# The default corpus leaves out the six blackletter fonts: their glyphs are twice as long
# (mean 40, up to 124 points), slow a CPU-trained RNN down and are hard to read even for the judge.
ROMAN_FONTS = (
    "cursive", "futural", "futuram", "rowmand", "rowmans", "rowmant",
    "scriptc", "scripts", "timesi", "timesib", "timesr", "timesrb",
)
BLACKLETTER_FONTS = ("gothgbt", "gothgrt", "gothiceng", "gothicger", "gothicita", "gothitt")
LATIN_FONTS = ROMAN_FONTS + BLACKLETTER_FONTS
ALPHANUMERIC = string.digits + string.ascii_uppercase + string.ascii_lowercase
PRINTABLE = "".join(chr(code) for code in range(33, 127))

# Hershey glyphs normalised to height 1 span y in [0, 1.14] and are at most 1.18 wide:
# a 1.2 box keeps every Latin glyph inside the unit box with the baseline fixed.
_FONT_BOX = 1.2
_FONT_TOP = 1.17


@dataclass(frozen=True, eq=False)
class Drawing:
    """One labelled drawing: polylines (each an ``(N, 2)`` array) in the unit box, y down."""

    strokes: tuple[np.ndarray, ...]
    label: str
    source: str

    @property
    def point_count(self) -> int:
        return sum(len(s) for s in self.strokes)


def hershey_drawings(fonts: Sequence[str] = ROMAN_FONTS, characters: str = ALPHANUMERIC) -> list[Drawing]:
    """Every glyph of ``characters`` in every font of ``fonts`` (all 32 fonts: ``hershey_font_names()``)."""
    from HersheyFonts import HersheyFonts

    renderer = HersheyFonts()
    unknown = sorted(set(fonts) - set(renderer.default_font_names))
    if unknown:
        raise GenerativeError(f"unknown Hershey font(s) {', '.join(unknown)}; "
                              f"available: {', '.join(sorted(renderer.default_font_names))}")
    drawings = []
    for font in fonts:
        renderer.load_default_font(font)
        renderer.normalize_rendering(1.0)
        for char in characters:
            strokes = [np.asarray(s, dtype=np.float64) for s in renderer.strokes_for_text(char)]
            strokes = [s for s in strokes if len(s) >= 2]
            if not strokes:
                continue
            centre_x = (min(s[:, 0].min() for s in strokes) + max(s[:, 0].max() for s in strokes)) / 2
            unit = [np.column_stack([(s[:, 0] - centre_x) / _FONT_BOX + 0.5, (_FONT_TOP - s[:, 1]) / _FONT_BOX])
                    for s in strokes]
            drawings.append(Drawing(tuple(unit), char, font))
    return drawings


def hershey_font_names() -> list[str]:
    from HersheyFonts import HersheyFonts

    return sorted(HersheyFonts().default_font_names)


def _aaron() -> list[Drawing]:
    from .aaron_data import aaron_drawings  # imports the painter, which needs this module's Drawing

    return aaron_drawings()


# name -> function returning the corpus
CORPORA: dict[str, Callable[[], list[Drawing]]] = {
    "hershey": hershey_drawings,
    "hershey-latin": lambda: hershey_drawings(LATIN_FONTS),
    "aaron": _aaron,
}


def load_corpus(name: str) -> list[Drawing]:
    """The drawings of corpus ``name``, in a fixed order (so splits and label lists are stable)."""
    if name not in CORPORA:
        raise GenerativeError(f"unknown data set {name!r}; available: {', '.join(sorted(CORPORA))}")
    return CORPORA[name]()


def labels_of(drawings: Sequence[Drawing]) -> list[str]:
    """The sorted label vocabulary; a label's index is its class id."""
    return sorted({d.label for d in drawings})


def split(drawings: Sequence[Drawing], validation_percent: int = 10) -> tuple[list[Drawing], list[Drawing]]:
    """Deterministic train/validation split by a hash of (source, label): stable across runs and machines."""
    is_validation = [zlib.crc32(f"{d.source}/{d.label}".encode()) % 100 < validation_percent for d in drawings]
    train = [d for d, v in zip(drawings, is_validation, strict=True) if not v]
    validation = [d for d, v in zip(drawings, is_validation, strict=True) if v]
    return train, validation


# --- stroke-3 / stroke-5 -------------------------------------------------------------------
# stroke-3 rows are (Δx, Δy, lift): the offset from the previous point (the first from the
# box centre) and 1 where the pen lifts after this point (SketchRNN, Ha & Eck 2017).
START = np.array([0.5, 0.5])


def stroke3(drawing: Drawing) -> np.ndarray:
    """``(N, 3)`` float32 stroke-3 sequence of a drawing, N = its point count."""
    points = np.concatenate(drawing.strokes)
    lifts = np.zeros(len(points), dtype=np.float32)
    lifts[np.cumsum([len(s) for s in drawing.strokes]) - 1] = 1.0
    offsets = np.diff(points, axis=0, prepend=START[None, :])
    return np.column_stack([offsets, lifts]).astype(np.float32)


def strokes_from_stroke3(sequence: np.ndarray) -> list[np.ndarray]:
    """Polylines (unit box) from a stroke-3 sequence; single points (a pen dab) are dropped."""
    sequence = np.asarray(sequence, dtype=np.float64)
    if len(sequence) == 0:
        return []
    points = START + np.cumsum(sequence[:, :2], axis=0)
    ends = np.flatnonzero(sequence[:, 2] > 0.5) + 1
    pieces = np.split(points, ends)
    return [p for p in pieces if len(p) >= 2]


def stroke5_batch(sequences: Sequence[np.ndarray], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad stroke-3 sequences to ``(B, max_len, 5)`` stroke-5 rows (Δx, Δy, down, up, end) and their lengths.

    Rows after a sequence's end are ``(0, 0, 0, 0, 1)``; sequences longer than ``max_len`` are cut.
    """
    batch = np.zeros((len(sequences), max_len, 5), dtype=np.float32)
    batch[:, :, 4] = 1.0
    lengths = np.array([min(len(s), max_len) for s in sequences], dtype=np.int64)
    for row, (sequence, n) in enumerate(zip(sequences, lengths, strict=True)):
        batch[row, :n, :2] = sequence[:n, :2]
        batch[row, :n, 2] = 1.0 - sequence[:n, 2]
        batch[row, :n, 3] = sequence[:n, 2]
        batch[row, :n, 4] = 0.0
    return batch, lengths


# --- rasters -------------------------------------------------------------------------------
_SUPERSAMPLE = 4


def rasterize(strokes: Sequence[np.ndarray], size: int = 32, line_px: float = 1.6) -> np.ndarray:
    """``(size, size)`` float32 image in [0, 1] (1 = ink) of unit-box polylines, anti-aliased."""
    big = size * _SUPERSAMPLE
    image = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(image)
    width = max(1, round(line_px * _SUPERSAMPLE))
    for stroke in strokes:
        pixels = np.asarray(stroke, dtype=np.float64) * big
        draw.line([tuple(p) for p in pixels], fill=255, width=width, joint="curve")
        radius = width / 2
        for x, y in (pixels[0], pixels[-1]):  # round caps, so thick strokes meet cleanly
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    image = image.resize((size, size), Image.Resampling.BOX)
    return np.asarray(image, dtype=np.float32) / 255.0


def rasterize_all(drawings: Sequence[Drawing], size: int = 32) -> np.ndarray:
    """``(N, size, size)`` rasters of many drawings."""
    return np.stack([rasterize(d.strokes, size) for d in drawings]) if drawings else np.zeros((0, size, size))
