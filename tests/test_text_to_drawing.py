"""Text to drawing: the raster autoencoder, the text-conditioned latent diffusion, prompts and the attribute reader.

Tiny models are trained a few steps on 60 scenes once per module; what is tested is behaviour
a user relies on (guidance, seeding, exact resume, frozen encoders, clear errors), not quality,
which lives in ``benchmarks/text_to_drawing.py``.
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from cli_run import run
from tiny_models import tiny_clip

from generative.attributes import (
    VISIBLE_GROUPS,
    AttributeTrainConfig,
    count_vector,
    group_counts,
    load_attributes,
    side_vector,
    train_attributes,
)
from generative.caption_data import caption_corpus, words
from generative.clip_train import load_clip
from generative.errors import CheckpointError, GenerativeError
from generative.prompt import MAX_PROMPT_CHARS, prompt_ids, prompt_plan, sample_prompt
from generative.raster_vae import RasterVAETrainConfig, load_raster_vae, train_raster_vae
from generative.text_diffusion import TextDiffusionTrainConfig, load_text_diffusion, train_text_diffusion
from painters.aaron.caption import KINDS, SceneFacts, lexicon
from plotter.svg import read as read_svg

SCENES = 60


pytestmark = pytest.mark.usefixtures("in_caption_cache")


def diffusion_config(out, clip_weights, vae_weights, steps: int, **changes) -> TextDiffusionTrainConfig:
    return TextDiffusionTrainConfig(scenes=SCENES, steps=steps, batch_size=8, warmup_steps=2, validate_every=3,
                                    checkpoint_every=3, out=str(out), clip_weights=str(clip_weights),
                                    vae_weights=str(vae_weights), model={"channels": 16, "heads": 2}, **changes)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, caption_cache):
    """A tiny CLIP, raster VAE and text diffusion, trained a few steps: their weight files."""
    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(caption_cache))
        tiny_clip(root / "clip", SCENES)
        vae = train_raster_vae(RasterVAETrainConfig(scenes=SCENES, steps=40, batch_size=8, warmup_steps=2,
                                                    validate_every=20, out=str(root / "vae"),
                                                    model={"channels": 16}), progress=False)
        diffusion = train_text_diffusion(diffusion_config(root / "diffusion", root / "clip" / "clip.pt",
                                                          root / "vae" / "raster-vae.pt", 6), progress=False)
    return {"clip": root / "clip" / "clip.pt", "vae": root / "vae" / "raster-vae.pt", "vae_result": vae,
            "diffusion": root / "diffusion" / "text-diffusion.pt", "diffusion_result": diffusion}


# --- the grammar's words -------------------------------------------------------------------
def test_the_lexicon_holds_every_word_a_caption_can_have():
    corpus = caption_corpus(SCENES)
    seen = {w for texts in corpus.captions for text in texts for w in words(text)}
    assert seen <= lexicon()
    assert {"people", "tree", "beside", "stones", "poplar"} <= lexicon()


# --- the raster autoencoder ----------------------------------------------------------------
def test_raster_vae_learns_to_redraw_scenes_through_a_quarter_size_code(trained):
    history = trained["vae_result"].history
    assert np.mean([r["reconstruction"] for r in history[-5:]]) < np.mean([r["reconstruction"] for r in history[:5]])
    model = load_raster_vae(trained["vae"])
    images = torch.from_numpy(caption_corpus(SCENES).rasters[:3]).float().div(255)[:, None]
    mean, logvar = model.encode(images)
    assert mean.shape == logvar.shape == (3, 4, 16, 16)
    drawn = model.decode(mean)
    assert drawn.shape == images.shape and 0 <= drawn.min() and drawn.max() <= 1


# --- the text-conditioned latent diffusion -------------------------------------------------
def test_training_keeps_the_text_encoder_and_autoencoder_frozen(trained):
    model = load_text_diffusion(trained["diffusion"])
    clip, vae = load_clip(trained["clip"]), load_raster_vae(trained["vae"])
    for frozen, source in ((model.text, clip.text), (model.autoencoder, vae)):
        for (name, mine), theirs in zip(frozen.state_dict().items(), source.state_dict().values(), strict=True):
            assert torch.allclose(mine, theirs.float(), atol=1e-3), name  # half-precision shipping
    assert model.config.latent_scale > 0 and model.config.latent_scale != 1.0  # measured on the scenes' codes


def test_resume_repeats_an_uninterrupted_run(trained, tmp_path):
    whole = trained["diffusion_result"]
    config = diffusion_config(tmp_path / "b", trained["clip"], trained["vae"], 3, lr_horizon=6)
    train_text_diffusion(config, progress=False)
    resumed = train_text_diffusion(TextDiffusionTrainConfig(scenes=SCENES, steps=6, out=str(tmp_path / "b")),
                                   resume=True, progress=False)
    assert [r["loss"] for r in resumed.history] == pytest.approx([r["loss"] for r in whole.history], rel=1e-5)
    assert (whole.out / "loss.png").is_file() and (whole.out / "config.json").is_file()


def test_sampling_is_seeded_and_gives_ink_rasters(trained):
    model = load_text_diffusion(trained["diffusion"])
    first = sample_prompt(model, "two people beside a tree", count=2, steps=4, seed=5)
    again = sample_prompt(model, "two people beside a tree", count=2, steps=4, seed=5)
    other = sample_prompt(model, "two people beside a tree", count=2, steps=4, seed=6)
    assert first.shape == (2, 1, 64, 64) and 0 <= first.min() and first.max() <= 1
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_guidance_zero_ignores_the_prompt_and_guidance_follows_it(trained):
    model = load_text_diffusion(trained["diffusion"])
    with torch.no_grad():  # a trained null prompt is learnt; make the prompt matter visibly in the tiny model
        model.null_pooled.add_(3.0)
    unconditioned = sample_prompt(model, None, steps=4, seed=1)
    for prompt in ("a tree", "six shapes"):
        assert torch.allclose(sample_prompt(model, prompt, guidance=0.0, steps=4, seed=1), unconditioned)
    trees, shapes = (sample_prompt(model, p, guidance=3.0, steps=4, seed=1) for p in ("a tree", "six shapes"))
    assert not torch.allclose(trees, shapes)
    assert not torch.allclose(trees, sample_prompt(model, "a tree", guidance=7.0, steps=4, seed=1))


@pytest.mark.parametrize(("prompt", "message"), [
    ("", "has no words"),
    ("  ,. ", "has no words"),
    ("people " * 40, "has 40 words; at most 32 are read"),
    ("x" * (MAX_PROMPT_CHARS + 1), f"at most {MAX_PROMPT_CHARS}"),
    ("two peple beside a tre", r"unknown words 'peple' \(near: people.*'tre' \(near: tree"),
    ("zebra", r"'zebra' \(no near word\)"),
])
def test_bad_prompts_are_refused_naming_the_problem(trained, prompt, message):
    model = load_text_diffusion(trained["diffusion"])
    with pytest.raises(GenerativeError, match=message):
        prompt_ids(model, prompt)


def test_other_checkpoints_are_refused_in_one_line(trained, tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_text_diffusion(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="holds a 'raster_vae' model, not 'text_diffusion'"):
        load_text_diffusion(trained["vae"])


def test_a_prompt_plan_fills_the_page_with_one_drawing(trained):
    plan = prompt_plan("a garden with two people and a tree", trained["diffusion"], steps=4, seed=2,
                       page_mm=(210.0, 297.0), margin_mm=15.0, model="diffusion")
    assert plan.metadata["params"]["prompt"] == "a garden with two people and a tree"
    if plan.path_count:  # a barely trained model may paint nothing; what it paints lies in the square
        points = np.concatenate([path for _, path in plan.iter_paths()])
        assert points.min() >= 15.0 - 1e-6 and points[:, 0].max() <= 195.0 + 1e-6


# --- the command line ----------------------------------------------------------------------
def test_cli_draws_a_prompt_to_svg_with_the_redraw_command(trained, tmp_path, capsys):
    out = tmp_path / "people.svg"
    code, _, err = run(["generate", "--prompt", "two people beside a tree", "--prompt-model", "diffusion",
                        "--guidance", 3, "--steps", 4, "--seed", 2, "--weights", trained["diffusion"], "-o", out],
                       capsys)
    assert code == 0, err
    assert f"wrote {out}" in err and "strokes" in err
    text = out.read_text()
    ET.fromstring(text)
    command = "plotter generate --prompt 'two people beside a tree' --prompt-model diffusion --count 1 --guidance 3"
    assert command in text or command.replace("'", "&apos;") in text


@pytest.mark.parametrize(("args", "message"), [
    (["--prompt", ""], "has no words"),
    (["--prompt", "a zebra"], "unknown word 'zebra'"),
    (["--prompt", "a tree", "--weights", "missing.pt"], "does not exist"),
    (["vae", "--prompt", "a tree"], "not both"),
    ([], "give a KIND"),
    (["--prompt", "a tree", "--label", "A"], "--label has no meaning with --prompt"),
    (["--prompt", "a tree", "--temperature", "0.5"], "--temperature has no meaning with --prompt and --prompt-model "
                                                     "diffusion"),
])
def test_cli_bad_prompt_input_is_one_line_and_exit_2(trained, tmp_path, capsys, args, message):
    if "--prompt" in args:
        args = [*args, "--prompt-model", "diffusion"]
    if "--weights" not in args:
        args = [*args, "--weights", trained["diffusion"]]
    out = tmp_path / "x.svg"
    code, _, err = run(["generate", *args, "-o", out], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not out.exists()


# --- the attribute reader ------------------------------------------------------------------
def test_counts_and_sides_come_from_the_true_plan():
    facts = SceneFacts.from_dict(caption_corpus(SCENES).facts[0])
    counts = count_vector(facts)
    assert counts.sum() == len(facts.shown)
    for kind, count in facts.counts().items():
        assert counts[KINDS.index(kind)] == min(count, 6)
    sides = side_vector(facts)
    for thing in facts.shown:
        if thing.side != "centre":
            assert sides[KINDS.index(thing.kind), ("left", "right").index(thing.side)] == 1


def test_small_plants_count_together_in_the_visible_groups():
    counts = np.zeros((1, len(KINDS)), dtype=np.int64)
    for kind, n in (("figure", 2), ("shrub", 1), ("flower", 2), ("grass", 1), ("rock", 1)):
        counts[0, KINDS.index(kind)] = n
    assert dict(zip(VISIBLE_GROUPS, group_counts(counts)[0].tolist(), strict=True)) == \
        {"figure": 2, "tree": 0, "small plant": 4, "rock": 1, "form": 0}


def test_attribute_reader_trains_and_reads_counts(tmp_path):
    config = AttributeTrainConfig(scenes=SCENES, steps=30, batch_size=16, warmup_steps=2, validate_every=10,
                                  out=str(tmp_path / "attributes"), model={"channels": 8, "hidden": 32})
    result = train_attributes(config, progress=False)
    assert np.mean([r["loss"] for r in result.history[-5:]]) < np.mean([r["loss"] for r in result.history[:5]])
    assert 0 <= result.scores["exact_counts"] <= 1
    reader = load_attributes(tmp_path / "attributes" / "attributes.pt")
    counts = reader.read_counts(torch.zeros(2, 1, 64, 64))
    assert counts.shape == (2, len(KINDS)) and counts.dtype == torch.long
    with pytest.raises(CheckpointError, match="not 'scene_attributes'"):
        load_attributes("generative/weights/clip.pt")


def test_the_shipped_model_draws_a_prompt_on_a4_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "people.svg"
    code, _, err = run(["generate", "--prompt", "two people beside a tree", "--prompt-model", "diffusion",
                        "--steps", 8, "-o", out], capsys)
    assert code == 0, err
    plan = read_svg(out)
    assert plan.page_mm == pytest.approx((210.0, 297.0)) and plan.path_count > 0
    points = np.concatenate([path for _, path in plan.iter_paths()])
    assert points.min() >= 15.0 - 1e-6 and points[:, 0].max() <= 195.0 + 1e-6


def test_benchmark_adherence_counts_groups_kinds_and_presence():
    spec = importlib.util.spec_from_file_location("text_to_drawing_bench", "benchmarks/text_to_drawing.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    truth = np.zeros((3, len(KINDS)), dtype=np.int64)
    truth[:, KINDS.index("figure")] = 2
    truth[:, KINDS.index("grass")] = 1
    seen = truth.copy()
    seen[1, KINDS.index("grass")], seen[1, KINDS.index("flower")] = 0, 1  # another small plant: same group
    seen[2, KINDS.index("figure")] = 1  # one person short
    assert bench.agreement(seen, truth) == pytest.approx({"groups": 2 / 3, "kinds": 1 / 3, "present": 1.0})
