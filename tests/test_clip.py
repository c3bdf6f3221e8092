"""The small CLIP: its contrastive loss, retrieval scoring, training, resuming and loading."""

from __future__ import annotations

import math

import pytest
import torch
from cli_run import run
from tiny_models import TINY_CLIP

from generative.clip import Clip, ClipConfig, contrastive_loss, retrieval
from generative.clip_train import ClipTrainConfig, load_clip, train_clip
from generative.errors import CheckpointError

SCENES = 60


pytestmark = pytest.mark.usefixtures("in_caption_cache")


def tiny(tmp_path, steps: int, **changes) -> ClipTrainConfig:
    return ClipTrainConfig(scenes=SCENES, steps=steps, batch_size=16, warmup_steps=2, validate_every=5,
                           checkpoint_every=5, out=str(tmp_path / "run"), model=TINY_CLIP, **changes)


def test_loss_is_low_when_each_drawing_is_nearest_its_caption():
    same = torch.eye(4, dtype=torch.bool)
    aligned = 20 * torch.eye(4)
    assert contrastive_loss(aligned, same) < 0.01
    assert contrastive_loss(aligned.flip(1), same) > 10  # every drawing nearest another's caption


def test_a_caption_shared_by_two_scenes_counts_for_both():
    """Scenes 0 and 1 are both "six shapes": preferring either caption is not wrong."""
    same = torch.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=torch.bool)
    swapped = 20 * torch.tensor([[0.0, 1, 0], [1, 0, 0], [0, 0, 1]])
    straight = 20 * torch.eye(3)
    assert contrastive_loss(swapped, same) == pytest.approx(contrastive_loss(straight, same).item())
    assert contrastive_loss(swapped, same) < 0.01
    assert contrastive_loss(swapped, torch.eye(3, dtype=torch.bool)) > 10


class FixedEmbeddings(torch.nn.Module):
    """Stands in for a trained CLIP: text i and drawing j have the given embeddings."""

    def __init__(self, texts: torch.Tensor, drawings: torch.Tensor) -> None:
        super().__init__()
        self.texts, self.drawings = texts, drawings

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        return self.texts

    def encode_drawing(self, images: torch.Tensor) -> torch.Tensor:
        return self.drawings


def test_retrieval_scores_top_k_and_accepts_an_identical_caption():
    drawings = torch.eye(3)
    texts = torch.tensor([[0.0, 1, 0], [0.0, 1, 0.1], [0.1, 0.9, 0]])  # all nearest drawing 1
    distinct = torch.eye(3, dtype=torch.bool)
    scores = retrieval(FixedEmbeddings(texts, drawings), torch.zeros(3, 1, 8, 8), torch.zeros(3, 2), distinct, (1, 3))
    assert scores["text_to_drawing_top1"] == pytest.approx(1 / 3)  # only caption 1 finds its drawing first
    assert scores["text_to_drawing_top3"] == 1.0
    same_01 = torch.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=torch.bool)
    shared = retrieval(FixedEmbeddings(texts, drawings), torch.zeros(3, 1, 8, 8), torch.zeros(3, 2), same_01, (1,))
    assert shared["text_to_drawing_top1"] == pytest.approx(2 / 3)  # caption 0 = caption 1's text: drawing 1 counts


def test_encoders_give_unit_vectors_of_the_shared_size():
    model = Clip(ClipConfig(words=("<pad>", "a", "tree", "two"), **TINY_CLIP))
    model.eval()
    text = model.encode_text(torch.tensor([[1, 2, 0, 0], [3, 2, 1, 0]]))
    drawing = model.encode_drawing(torch.rand(2, 1, 64, 64))
    assert text.shape == drawing.shape == (2, TINY_CLIP["embed"])
    assert torch.allclose(text.norm(dim=1), torch.ones(2)) and torch.allclose(drawing.norm(dim=1), torch.ones(2))
    padded = model.encode_text(torch.tensor([[1, 2, 0, 0, 0, 0]]))
    assert torch.allclose(padded, text[:1], atol=1e-5)  # padding does not change a caption's meaning


def test_training_lowers_the_loss_and_writes_its_files(tmp_path):
    result = train_clip(tiny(tmp_path, 30, learning_rate=3e-3), progress=False)
    first = sum(r["loss"] for r in result.history[:5]) / 5
    last = sum(r["loss"] for r in result.history[-5:]) / 5
    assert last < first
    assert result.step == 30
    directions = [f"{d}_top{k}" for d in ("text_to_drawing", "drawing_to_text") for k in (1, 5)]
    assert set(result.scores) == {*directions, *(f"described_{name}" for name in directions), "loss"}
    assert all(0 <= v <= 1 for v in result.scores.values())
    for name in ("checkpoint.pt", "clip.pt", "config.json", "loss.png"):
        assert (tmp_path / "run" / name).is_file()
    model = load_clip(tmp_path / "run" / "clip.pt")
    assert not model.training and model.config.words[0] == "<pad>"
    assert math.isfinite(model.scale().item())


def test_resume_repeats_an_uninterrupted_run(tmp_path):
    whole = train_clip(tiny(tmp_path / "a", 10), progress=False)
    train_clip(tiny(tmp_path / "b", 5, lr_horizon=10), progress=False)
    resumed = train_clip(tiny(tmp_path / "b", 10), resume=True, progress=False)
    assert [r["loss"] for r in resumed.history] == pytest.approx([r["loss"] for r in whole.history], rel=1e-5)


def test_other_checkpoints_are_refused_in_one_line(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_clip(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="not 'clip'"):
        load_clip("generative/weights/vae.pt")
    with pytest.raises(CheckpointError, match="cannot resume|does not exist"):
        train_clip(tiny(tmp_path / "none", 5), resume=True, progress=False)


def test_cli_trains_clip_and_reports_retrieval(tmp_path, capsys):
    code, _, err = run(["train", "clip", "--scenes", SCENES, "--steps", 2, "--out", tmp_path / "cli"], capsys)
    assert code == 0, err
    assert "held out:" in err and "described text to drawing top1" in err
    assert (tmp_path / "cli" / "clip.pt").is_file()
