"""The stroke transformer: tokens round-trip the real glyphs, the sampler writes valid drawings, the cache is exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from generative import data  # noqa: E402
from generative.models import NAMES  # noqa: E402
from generative.sample import generate_plan  # noqa: E402
from generative.stroke_transformer import (  # noqa: E402
    Block,
    StrokeTransformer,
    StrokeTransformerConfig,
    detokenize,
    move_offsets,
    pen_tokens,
    tokenize,
    tokenize_batch,
    vocabulary_size,
)
from generative.train import TrainConfig, train  # noqa: E402

TINY = {"d_model": 16, "n_layers": 2, "n_heads": 2, "d_ff": 32, "dropout": 0.0, "max_tokens": 64}
DOWN, UP, END = pen_tokens(16)


def _move(dx: int, dy: int, max_offset: int = 16) -> int:
    return (dx + max_offset) * (2 * max_offset + 1) + dy + max_offset


def _snapped(strokes: list[np.ndarray], grid: int) -> list[np.ndarray]:
    """What a round trip should give: points on the grid, repeats dropped, one-cell strokes left out."""
    out = []
    for stroke in strokes:
        cells = np.floor(stroke * grid + 0.5)
        cells = cells[np.r_[True, (np.diff(cells, axis=0) != 0).any(1)]]
        if len(cells) >= 2:
            out.append(cells / grid)
    return out


def _assert_walks_through(returned: np.ndarray, snapped: np.ndarray, grid: int) -> None:
    """``returned`` visits the snapped points in order, from the first to the last; the points between them
    (a long move split into parts) lie within half a cell of the straight move they split."""
    at = -1
    for point in snapped:
        hits = np.flatnonzero(np.abs(returned[at + 1:] - point).max(1) < 1e-12)
        assert len(hits), f"{point} not visited after index {at}"
        gap = returned[at + 1: at + 1 + hits[0]]
        if at >= 0 and len(gap):
            start, direction = returned[at], point - returned[at]
            t = np.clip((gap - start) @ direction / (direction @ direction), 0, 1)
            assert np.linalg.norm(start + t[:, None] * direction - gap, axis=1).max() <= 0.71 / grid
        at += 1 + hits[0]
    assert at == len(returned) - 1 and np.array_equal(returned[0], snapped[0])


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize(("strokes", "tokens"), [
    # one stroke right of the centre: travel 1 cell right, pen down, 2 cells right, end
    ([np.array([[33, 32], [35, 32]]) / 64], [_move(1, 0), DOWN, _move(2, 0), END]),
    # a move of 40 cells is split into 3 parts (13, 14, 13) that add up exactly
    ([np.array([[32, 32], [72, 32]]) / 64], [DOWN, _move(13, 0), _move(14, 0), _move(13, 0), END]),
    # two strokes: UP between them, then travel to the second one's start
    ([np.array([[32, 32], [32, 34]]) / 64, np.array([[30, 34], [30, 30]]) / 64],
     [DOWN, _move(0, 2), UP, _move(-2, 0), DOWN, _move(0, -4), END]),
    # repeated grid points vanish, and a stroke inside one cell is left out
    ([np.array([[32, 32], [32.2, 32], [33, 32]]) / 64, np.array([[10, 10], [10.1, 10]]) / 64],
     [DOWN, _move(1, 0), END]),
    ([], [END]),
])
def test_tokens_of_small_drawings(strokes, tokens):
    assert tokenize(strokes).tolist() == tokens


def test_real_glyphs_round_trip_within_half_a_cell_and_keep_every_stroke():
    grid = 64
    drawings = data.load_corpus("hershey")
    lengths, errors = [], []
    for drawing in drawings:
        tokens = tokenize(drawing.strokes, grid, 16)
        back = detokenize(tokens, grid, 16)
        assert len(back) == len(drawing.strokes)
        for original, snapped, returned in zip(drawing.strokes, _snapped(list(drawing.strokes), grid), back,
                                               strict=True):
            _assert_walks_through(returned, snapped, grid)
            errors.append(np.sqrt(((original[:, None] - returned[None]) ** 2).sum(-1)).min(1))
        lengths.append(len(tokens))
    errors = np.concatenate(errors)
    assert errors.max() <= np.sqrt(2) / 2 / grid  # no drift: every point within half a cell's diagonal
    assert errors.mean() < 0.45 / grid  # uniform rounding: 0.38 of a cell on average
    assert max(lengths) < StrokeTransformerConfig().max_tokens and 40 < np.mean(lengths) < 50


polylines = st.lists(st.lists(st.tuples(st.floats(-0.5, 1.5), st.floats(-0.5, 1.5)), min_size=2, max_size=12),
                     max_size=5)


@settings(max_examples=60, deadline=None)
@given(polylines, st.sampled_from([(64, 16), (32, 3), (16, 1)]))
def test_any_drawing_round_trips_to_its_snapped_points(raw, scheme):
    grid, max_offset = scheme
    strokes = [np.array(s, dtype=np.float64) for s in raw]
    tokens = tokenize(strokes, grid, max_offset)
    assert tokens[-1] == pen_tokens(max_offset)[2] and (tokens[:-1] != pen_tokens(max_offset)[2]).all()
    assert ((0 <= tokens) & (tokens < vocabulary_size(max_offset))).all()
    moves = move_offsets(max_offset)[tokens[tokens < pen_tokens(max_offset)[0]]]
    assert (moves != 0).any(1).all()  # no empty move
    back = detokenize(tokens, grid, max_offset)
    expected = _snapped(strokes, grid)
    assert len(back) == len(expected)
    for got, want in zip(back, expected, strict=True):
        _assert_walks_through(got, want, grid)


def test_batch_tokens_equal_each_drawings_tokens_padded_and_cut():
    drawings = data.hershey_drawings(("futural", "scripts", "timesrb"), "AgW8")
    strokes, lengths = data.stroke5_batch([data.stroke3(d) for d in drawings], 96)
    config = StrokeTransformerConfig(max_tokens=40)
    tokens = tokenize_batch(torch.from_numpy(strokes), torch.from_numpy(lengths), config).numpy()
    assert tokens.shape == (len(drawings), 39)
    for row, drawing in zip(tokens, drawings, strict=True):
        # stroke-3 starts from the box centre in float32: the same grid cells as the float64 drawing
        expected = tokenize(drawing.strokes)[:39]
        assert row[: len(expected)].tolist() == expected.tolist()
        assert (row[len(expected):] == -1).all()


def test_cached_attention_equals_the_full_causal_pass():
    torch.manual_seed(0)
    config = StrokeTransformerConfig(**TINY)
    block = Block(config).eval()
    x = torch.randn(3, 10, config.d_model)
    full = block(x)
    cache = (torch.zeros(3, config.n_heads, config.max_tokens, config.d_model // config.n_heads),
             torch.zeros(3, config.n_heads, config.max_tokens, config.d_model // config.n_heads))
    prefix = block(x[:, :4], cache, 0)  # a prefix at once, a chunk after it, then one position at a time
    chunk = block(x[:, 4:7], cache, 4)
    steps = [block(x[:, t:t + 1], cache, t) for t in range(7, 10)]
    torch.testing.assert_close(torch.cat([prefix, chunk, *steps], 1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(("conditional", "guidance"), [(True, 1.0), (True, 3.0), (False, None)])
def test_an_untrained_model_still_samples_valid_drawings(conditional, guidance):
    torch.manual_seed(1)
    model = StrokeTransformer(StrokeTransformerConfig(n_classes=5, **TINY)).eval()
    labels = torch.arange(8) % 5 if conditional else None
    tokens = model.sample_tokens(8, labels, 1.5, torch.Generator().manual_seed(2), guidance).numpy()
    assert tokens.shape[1] <= TINY["max_tokens"] - 1
    for row in tokens:
        end = np.flatnonzero(row == END)[0]  # every row ends (at the last position at the latest)
        pens = row[:end][row[:end] >= DOWN]
        assert (pens[0::2] == DOWN).all() and (pens[1::2] == UP).all()  # the pen goes down, up, down, ...
        ups = np.flatnonzero(row[:end + 1] >= UP)
        assert (row[ups - 1] < DOWN).all()  # and never lifts (nor ends) a stroke without a move
        assert all(len(stroke) >= 2 for stroke in detokenize(row))


def test_the_label_picks_what_is_drawn():
    """Taught two drawings under two labels, the model writes each back at a low temperature."""
    torch.manual_seed(0)
    drawings = data.hershey_drawings(("futural",), "LZ")
    sequences = [tokenize(d.strokes) for d in drawings]
    tokens = torch.full((2, max(map(len, sequences))), -1)
    for row, sequence in enumerate(sequences):
        tokens[row, : len(sequence)] = torch.from_numpy(sequence)
    model = StrokeTransformer(StrokeTransformerConfig(n_classes=2, class_dropout=0.0, **TINY))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = model.losses(tokens, torch.tensor([0, 1]))["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    sampled = model.sample_tokens(4, torch.tensor([0, 1, 1, 0]), 0.05, torch.Generator().manual_seed(0)).numpy()
    for row, label in zip(sampled, (0, 1, 1, 0), strict=True):
        assert row[: len(sequences[label])].tolist() == sequences[label].tolist()


@pytest.fixture
def tiny_corpus(monkeypatch):
    drawings = data.hershey_drawings(("futural", "rowmans", "timesr", "scripts"), "ABC17")
    monkeypatch.setitem(data.CORPORA, "tiny", lambda: drawings)


def test_transformer_kind_trains_and_generates_a_sheet(tiny_corpus, tmp_path):
    assert "transformer" in NAMES
    config = TrainConfig(kind="transformer", data="tiny", steps=30, batch_size=8, learning_rate=5e-3, warmup_steps=4,
                         validate_every=10, checkpoint_every=10, sample_count=4, out=str(tmp_path), model=TINY)
    result = train(config, progress=False)
    losses = np.array([r["loss"] for r in result.history])
    assert np.isfinite(losses).all() and losses[-5:].mean() < 0.8 * losses[:3].mean()
    assert {"val_loss", "val_reconstruction", "val_accuracy"} <= set(result.history[-1])
    weights = tmp_path / "transformer.pt"
    plan = generate_plan("transformer", weights, count=6, label="7", seed=3, page_mm=(148, 210))
    again = generate_plan("transformer", weights, count=6, label="7", seed=3, page_mm=(148, 210))
    assert [p.tolist() for _, p in plan.iter_paths()] == [p.tolist() for _, p in again.iter_paths()]
    xmin, ymin, xmax, ymax = plan.bounds()
    assert 0 <= xmin and 0 <= ymin and xmax <= 148 and ymax <= 210
