"""Text to drawing through layouts: the layout tokens and grammar, training, guidance, prompts, the command line.

Tiny models are trained a few steps on 60 scenes once per module; what is tested is behaviour
a user relies on (every sample drawable, guidance, seeding, exact resume, a frozen text
encoder, clear errors). The shipped model is held to what a prompt asks for in a few plain
cases; its adherence on held-out prompts lives in ``benchmarks/text_to_drawing.py``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from cli_run import run
from tiny_models import tiny_clip

from generative.caption_data import caption_corpus
from generative.clip_train import load_clip
from generative.errors import CheckpointError
from generative.prompt import prompt_plan
from generative.text_layout import (
    BINS,
    SEQUENCE,
    LayoutTokens,
    TextLayoutTrainConfig,
    load_text_layout,
    train_text_layout,
)
from painters.aaron.caption import KINDS, SceneFacts
from painters.aaron.layout import Layout, LayoutObject
from plotter.svg import read as read_svg

SCENES = 60
TINY_LAYOUT = {"width": 32, "layers": 1, "heads": 2}


pytestmark = pytest.mark.usefixtures("in_caption_cache")


def layout_config(out, clip_weights, steps: int, **changes) -> TextLayoutTrainConfig:
    return TextLayoutTrainConfig(scenes=SCENES, steps=steps, batch_size=16, warmup_steps=2, validate_every=10,
                                 checkpoint_every=10, out=str(out), clip_weights=str(clip_weights), model=TINY_LAYOUT,
                                 **changes)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, caption_cache):
    """A tiny CLIP and layout model trained a few steps: their weight files and the layout run's result."""
    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(caption_cache))
        tiny_clip(root / "clip", SCENES)
        result = train_text_layout(layout_config(root / "layout", root / "clip" / "clip.pt", 40), progress=False)
    return {"clip": root / "clip" / "clip.pt", "layout": root / "layout" / "text-layout.pt", "result": result}


# --- tokens and grammar --------------------------------------------------------------------
def test_every_corpus_layout_is_written_in_tokens_and_read_back_covering_its_boxes():
    tokens = LayoutTokens()
    for facts in caption_corpus(SCENES).facts:
        layout = Layout.from_facts(SceneFacts.from_dict(facts))
        written = tokens.encode(layout)
        assert len(written) <= SEQUENCE and written[0] == tokens.bos and written[-1] == tokens.eos
        back = tokens.decode(written)
        assert back.scene == layout.scene and (back.horizon is None) == (layout.horizon is None)
        written_order = sorted(layout.objects, key=lambda o: (KINDS.index(o.kind), o.box[0], o.box[1]))
        for asked, cover in zip(written_order, back.objects, strict=True):
            assert (cover.kind, cover.detail) == (asked.kind, asked.detail)
            low, high = np.array(cover.box) - np.array(asked.box), 1 / BINS + 1e-9
            assert (-high <= low[:2]).all() and (low[:2] <= 1e-9).all()  # left and top at or before the true ones
            assert (-1e-9 <= low[2:]).all() and (low[2:] <= high).all()  # right and bottom at or past them


def test_the_grammar_lets_only_a_drawable_layout_through():
    tokens = LayoutTokens()
    prefix = torch.tensor([[tokens.bos, tokens.ids["scene abstract"]]])
    assert tokens.allowed(prefix).nonzero()[:, 1].tolist() == [tokens.no_horizon]
    figure = torch.tensor([tokens.encode(Layout("garden", 0.4, (LayoutObject("figure", "walking",
                                                                              (0.5, 0.5, 0.6, 0.9)),)))[:4]])
    assert {tokens.names[i] for i in tokens.allowed(figure).nonzero()[:, 1].tolist()} == \
        {"detail standing", "detail walking", "detail sitting", "detail arms raised"}
    left = torch.tensor([tokens.encode(Layout("garden", 0.4, (LayoutObject("rock", None, (0.5, 0.5, 0.6, 0.9)),)))[:7]])
    right_edges = tokens.allowed(left).nonzero()[:, 1] - tokens.first_bin
    assert right_edges.min() == 32 and right_edges.max() == BINS - 1  # the right edge lies right of the left


def test_an_untrained_model_still_samples_only_layouts_the_painter_can_draw(trained):
    model = load_text_layout(trained["layout"])
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0, 0.5)
    for layout in model.sample(None, 24, temperature=2.0, generator=torch.Generator().manual_seed(0)):
        layout.validate()
        assert 1 <= len(layout.objects) <= 6
        assert (layout.horizon is None) == (layout.scene == "abstract")


# --- training ------------------------------------------------------------------------------
def test_training_lowers_the_loss_and_keeps_the_text_encoder_frozen(trained):
    history = trained["result"].history
    assert np.mean([r["loss"] for r in history[-5:]]) < np.mean([r["loss"] for r in history[:5]])
    assert 0 <= trained["result"].scores["accuracy"] <= 1
    model, clip = load_text_layout(trained["layout"]), load_clip(trained["clip"])
    for name, value in clip.text.state_dict().items():
        assert torch.allclose(model.text.state_dict()[name], value.half().float()), name


def test_resume_repeats_an_uninterrupted_run(trained, tmp_path):
    whole = train_text_layout(layout_config(tmp_path / "a", trained["clip"], 6), progress=False)
    train_text_layout(layout_config(tmp_path / "b", trained["clip"], 3, lr_horizon=6), progress=False)
    resumed = train_text_layout(TextLayoutTrainConfig(scenes=SCENES, steps=6, out=str(tmp_path / "b")), resume=True,
                                progress=False)
    assert [r["loss"] for r in resumed.history] == pytest.approx([r["loss"] for r in whole.history], rel=1e-5)
    assert (whole.out / "loss.png").is_file() and (whole.out / "config.json").is_file()


# --- sampling ------------------------------------------------------------------------------
def _ids(model, *prompts: str) -> torch.Tensor:  # noqa: ANN001 - a TextLayout
    return torch.from_numpy(model.vocabulary.encode_batch(list(prompts), model.max_words))


def test_sampling_is_seeded(trained):
    model = load_text_layout(trained["layout"])
    ids = _ids(model, "two people beside a tree", "three stones")
    first, again, other = (model.sample(ids, generator=torch.Generator().manual_seed(s)) for s in (5, 5, 6))
    assert first == again and first != other


def test_guidance_zero_ignores_the_prompt_and_guidance_follows_it(trained):
    model = load_text_layout(trained["layout"])
    with torch.no_grad():  # a tiny model's null prompt is near its prompts; make the prompt matter visibly
        model.null_pooled.add_(3.0)
    unconditioned = model.sample(None, 8, generator=torch.Generator().manual_seed(1))
    for prompt in ("a tree", "six shapes"):
        assert model.sample(_ids(model, *[prompt] * 8), guidance=0.0,
                            generator=torch.Generator().manual_seed(1)) == unconditioned
    trees, shapes = (model.sample(_ids(model, *[p] * 8), guidance=3.0, generator=torch.Generator().manual_seed(1))
                     for p in ("a tree", "six shapes"))
    assert trees != shapes


def test_a_prompt_plan_draws_one_scene_in_the_square_or_a_sheet_of_them(trained):
    one = prompt_plan("a garden with two people and a tree", trained["layout"], seed=2, margin_mm=15.0)
    assert one.metadata["generator"] == "generative.text_layout" and one.path_count > 0
    assert one.metadata["params"]["prompt"] == "a garden with two people and a tree"
    assert len(one.metadata["params"]["layouts"]) == 1
    points = np.concatenate([path for _, path in one.iter_paths()])
    assert points[:, 0].min() >= 15.0 - 1e-6 and points[:, 0].max() <= 195.0 + 1e-6
    assert points[:, 1].min() >= 58.5 - 1e-6 and points[:, 1].max() <= 238.5 + 1e-6
    sheet = prompt_plan("three stones", trained["layout"], count=4, seed=2)
    assert len(sheet.metadata["params"]["layouts"]) == 4 and sheet.path_count > 0


def test_other_checkpoints_are_refused_in_one_line(trained, tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_text_layout(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="holds a 'clip' model, not 'text_layout'"):
        load_text_layout(trained["clip"])


# --- the command line ----------------------------------------------------------------------
def test_cli_draws_a_prompt_through_a_layout_with_the_redraw_command(trained, tmp_path, capsys):
    out = tmp_path / "people.svg"
    code, _, err = run(["generate", "--prompt", "two people beside a tree", "--guidance", 2, "--temperature", 0.8,
                        "--seed", 2, "--weights", trained["layout"], "-o", out], capsys)
    assert code == 0, err
    assert f"wrote {out}" in err and "strokes" in err
    text = out.read_text().replace("&apos;", "'")
    assert "plotter generate --prompt 'two people beside a tree' --prompt-model layout --count 1 --guidance 2 " \
           "--temperature 0.8" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--prompt", "a tree", "--steps", 4], "--steps has no meaning with --prompt and --prompt-model layout"),
    (["--prompt", "a tree", "--reduce", "hatch"], "--reduce has no meaning"),
    (["vae", "--prompt-model", "layout"], "--prompt-model goes with --prompt"),
    (["--prompt", "a zebra"], "unknown word 'zebra'"),
    (["--prompt", "a tree", "--prompt-model", "pixels"], "Invalid value for '--prompt-model'"),
    (["--prompt", "a tree", "--weights", "missing.pt"], "does not exist"),
])
def test_cli_bad_layout_prompt_input_is_one_line_and_exit_2(trained, tmp_path, capsys, args, message):
    if "--weights" not in args:
        args = [*args, "--weights", trained["layout"]]
    out = tmp_path / "x.svg"
    code, _, err = run(["generate", *args, "-o", out], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not out.exists()


# --- the shipped model ---------------------------------------------------------------------
@pytest.mark.parametrize(("prompt", "wanted"), [
    ("two people beside a tree", {"figure": 2, "tree": 1}),
    ("a garden with a poplar, a shrub and a person", {"poplar": 1, "shrub": 1, "figure": 1}),
    ("three people walking", {"walking": 3}),
    ("an abstract composition with five shapes", {"form": 5}),
    ("a drawing of two open forms", {"open": 2}),
])
def test_the_shipped_model_draws_what_a_plain_prompt_names(prompt, wanted):
    """Each kind, pose or species the prompt names, in the number it names (other objects may join,
    as in the painter's own loose captions)."""
    model = load_text_layout()
    layouts = model.sample(_ids(model, *[prompt] * 20), generator=torch.Generator().manual_seed(0))
    named = [Counter(o.kind for o in layout.objects) + Counter(o.detail for o in layout.objects if o.detail)
             for layout in layouts]
    right = sum(all(counts[name] == n for name, n in wanted.items()) for counts in named)
    assert right >= 16, f"{prompt!r}: {right} of 20 layouts hold {wanted}"


def test_the_shipped_model_draws_a_prompt_on_a4_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "people.svg"
    code, _, err = run(["generate", "--prompt", "two people beside a tree", "-o", out], capsys)
    assert code == 0, err
    plan = read_svg(out)
    assert plan.page_mm == pytest.approx((210.0, 297.0)) and plan.path_count > 20
    points = np.concatenate([path for _, path in plan.iter_paths()])
    assert points[:, 0].min() >= 15.0 - 1e-6 and points[:, 0].max() <= 195.0 + 1e-6
