"""``plotter train`` and ``plotter generate``: the neural generators, which need torch.

torch is imported inside the command functions only, so listing the commands (``plotter
--help``) stays light and works where torch is not installed.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import click

from generative.models import LATENT_NAMES, NAMES

from ..plan import Plan
from ..stats import plan_stats
from ..svg import write
from .progress import duration, metres, summary
from .types import PAGE

KINDS = click.Choice(NAMES)
#: Models trained on the self-captioned AARON scenes (text to drawing): name → (module, trainer, its config).
CORPUS_KINDS = {
    "clip": ("generative.clip_train", "train_clip", "ClipTrainConfig"),
    "attributes": ("generative.attributes", "train_attributes", "AttributeTrainConfig"),
    "raster-vae": ("generative.raster_vae", "train_raster_vae", "RasterVAETrainConfig"),
    "text-diffusion": ("generative.text_diffusion", "train_text_diffusion", "TextDiffusionTrainConfig"),
    "text-layout": ("generative.text_layout", "train_text_layout", "TextLayoutTrainConfig"),
}
INTERPOLATE = "interpolate"  # plotter generate interpolate: one row per model between two drawings
UNITS = "units"  # plotter generate units: what single units of the autoencoder's code respond to


@click.command("train")
@click.argument("kind", type=click.Choice([*NAMES, *CORPUS_KINDS]))
@click.option("--data", default="hershey", show_default=True, help="Training corpus.")
@click.option("--scenes", type=click.IntRange(min=20), default=20000, show_default=True,
              help=f"{', '.join(CORPUS_KINDS)}: self-captioned AARON scenes to train and validate on "
                   "(made once, then cached).")
@click.option("--steps", type=click.IntRange(min=1), default=3000, show_default=True,
              help="Optimiser steps in all (with --resume: go on to this many).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder for checkpoints, config, loss.png, samples.png [default: runs/KIND].")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Go on from OUT/checkpoint.pt exactly where it stopped.")
def train(kind: str, data: str, scenes: int, steps: int, device: str, out: Path | None, seed: int,
          resume: bool) -> None:
    """Train a generator on stroke data (CPU minutes for the small default models).

    \b
    Examples:
      plotter train vae --steps 3000 --out runs/vae
      plotter train diffusion --steps 2000 --device cuda
      plotter train vae --steps 5000 --out runs/vae --resume
      plotter train diffusion --data aaron --steps 1500 --out runs/diffusion-aaron
      plotter train ae --data hershey --steps 4000 --out runs/ae-h
      plotter train clip --scenes 20000 --steps 4000 --out runs/clip
      plotter train attributes --scenes 20000 --steps 3000 --out runs/attributes
      plotter train raster-vae --scenes 20000 --steps 2000 --out runs/raster-vae
      plotter train text-diffusion --scenes 20000 --steps 4000 --out runs/text-diffusion
      plotter train text-layout --scenes 20000 --steps 6000 --out runs/text-layout
    """
    if kind in CORPUS_KINDS:
        _train_on_corpus(kind, scenes, steps, device, out or Path("runs") / kind, seed, resume)
        return
    from generative.train import TrainConfig
    from generative.train import train as run_training

    out = out or Path("runs") / kind
    config = TrainConfig(kind=kind, data=data, steps=steps, device=device, out=str(out), seed=seed)
    result = run_training(config, resume=resume)
    last = result.history[-1] if result.history else {}
    summary = ", ".join(f"{k} {v:.4f}" for k, v in last.items() if k != "step")
    click.echo(f"trained {kind} to step {result.step} in {result.seconds:.0f} s; {summary}; wrote {out}/", err=True)


def _train_on_corpus(kind: str, scenes: int, steps: int, device: str, out: Path, seed: int, resume: bool) -> None:
    import importlib

    module_name, trainer, config_class = CORPUS_KINDS[kind]
    module = importlib.import_module(module_name)
    config = getattr(module, config_class)(scenes=scenes, steps=steps, device=device, out=str(out), seed=seed)
    result = getattr(module, trainer)(config, resume=resume)
    scores = ", ".join(f"{name.replace('_', ' ')} {value:.4g}" for name, value in result.scores.items())
    click.echo(f"trained {kind} to step {result.step} in {result.seconds:.0f} s; held out: {scores}; wrote {out}/",
               err=True)


@click.command("generate")
@click.argument("kind", type=click.Choice([*NAMES, INTERPOLATE, UNITS]), required=False)
@click.option("--prompt", default=None, metavar="TEXT",
              help="Draw what the text asks for with the text-to-drawing model (give no KIND), e.g. "
                   "\"two people beside a tree\".")
@click.option("--prompt-model", type=click.Choice(["layout", "diffusion"]), default=None,
              help="With --prompt: 'layout' writes where each object stands and AARON draws them (freehand "
                   "lines); 'diffusion' paints a 64 px raster and traces it [default: layout].")
@click.option("--data", default="hershey", show_default=True,
              help="Which shipped weights: those trained on this corpus (hershey, aaron).")
@click.option("--label", default=None, help="Class to draw (A, 7, plant, ...); default: a mix of all classes.")
@click.option("--count", type=click.IntRange(1, 1024), default=None,
              help="Drawings on the sheet [default: 64; with --prompt: 1].")
@click.option("--temperature", type=click.FloatRange(0.01, 2.0), default=None,
              help="Sampling temperature (vae, ae, gan, transformer, --prompt layout): low is tidy, high is "
                   "wild [default: the model's, 0.2; gan and layout 1.0].")
@click.option("--guidance", type=click.FloatRange(0.0, 20.0), default=None,
              help="Classifier-free guidance weight (diffusion, --prompt): 0 ignores the label or prompt, "
                   "higher follows it harder [default: the model's].")
@click.option("--steps", type=click.IntRange(2, 1000), default=None,
              help="Diffusion: DDIM steps [default: the model's]. Interpolation: drawings in a row [9]. "
                   "Dream, units: optimisation steps.")
@click.option("--reduce", type=click.Choice(["auto", "skeleton", "hatch"]), default="auto", show_default=True,
              help="Diffusion rasters to strokes: centre lines, outline + hatching, or chosen by ink width.")
@click.option("--interpolate", nargs=2, default=None, metavar="A B",
              help="vae, ae: a row of drawings decoded between the codes of a drawing of label A and one of B.")
@click.option("--from", "first", default=None, metavar="A", help="interpolate: the label of the first drawing.")
@click.option("--to", "last", default=None, metavar="B", help="interpolate: the label of the last drawing.")
@click.option("--models", default="ae,vae", show_default=True, metavar="M[=CKPT],...",
              help=f"interpolate: one row per model ({', '.join(LATENT_NAMES)}), each with its shipped weights "
                   "or the checkpoint after '='.")
@click.option("--units", "unit_spec", default="0-7", show_default=True, metavar="N-M|N,M,...",
              help="units: which units of the autoencoder's code, one row each.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--page", type=PAGE, default="a4", show_default=True)
@click.option("--margin", "margin_mm", type=click.FloatRange(0, min_open=False), default=15.0, show_default=True,
              help="Page margin in mm.")
@click.option("--weights", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Checkpoint to load [default: the shipped weights].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def generate(kind: str | None, prompt: str | None, prompt_model: str | None, data: str, label: str | None,
             count: int | None, temperature: float | None, guidance: float | None,
             steps: int | None, reduce: str, interpolate: tuple[str, str] | None, first: str | None,
             last: str | None, models: str, unit_spec: str, seed: int, page: tuple[float, float], margin_mm: float,
             weights: Path | None, output: Path) -> None:
    """Draw a sheet of samples from a trained generator as SVG.

    \b
    Examples:
      plotter generate vae --label A --count 48 --seed 3 -o a.svg
      plotter generate diffusion --label 7 --page a5 -o sevens.svg
      plotter generate diffusion --data aaron --label plant --reduce hatch -o plants.svg
      plotter generate vae --interpolate A B --steps 9 -o sheet.svg
      plotter generate interpolate --from A --to B --steps 9 --models ae,vae -o sheet.svg
      plotter generate interpolate --from 1 --to 7 --models ae=runs/ae-h/ae.pt,vae -o ones-to-sevens.svg
      plotter generate units --units 0-7 --steps 300 -o units.svg
      plotter generate --prompt "two people beside a tree" --seed 2 -o people.svg
      plotter generate --prompt "a garden with three people walking" --count 6 --guidance 3 -o walkers.svg
      plotter generate --prompt "two people beside a tree" --prompt-model diffusion -o people-raster.svg
    """
    from generative.errors import GenerativeError

    started = time.perf_counter()
    if (kind is None) == (prompt is None):
        raise click.UsageError("give a KIND to sample, or --prompt TEXT to draw a description (not both)")
    if prompt_model is not None and prompt is None:
        raise click.UsageError("--prompt-model goes with --prompt TEXT")
    if prompt is not None:
        prompt_model = prompt_model or "layout"
        own = ("--temperature",) if prompt_model == "layout" else ("--steps", "--reduce")
        unused = [name for name, value in (("--label", label), ("--temperature", temperature), ("--steps", steps),
                                           ("--reduce", None if reduce == "auto" else reduce),
                                           ("--interpolate", interpolate), ("--from", first), ("--to", last))
                  if value is not None and name not in own]
        if unused:
            raise click.UsageError(f"{', '.join(unused)} {'has' if len(unused) == 1 else 'have'} no meaning with "
                                   f"--prompt and --prompt-model {prompt_model} (it takes --count, --guidance, "
                                   f"{', '.join(own)}, --seed, --page, --margin, --weights)")
        plan = _prompt_plan(prompt, prompt_model, count or 1, guidance, temperature, steps, reduce, seed, page,
                            margin_mm, weights, output)
        _write_and_sum_up(plan, output, started)
        return
    from generative.models import Generator, get, latent, latent_models
    from generative.sample import generate_plan, interpolation_plan, interpolation_sheet

    count = count or 64
    if temperature is None:  # the model's own; the walks decode the latent kinds, whose default is the base one
        temperature = get(kind).temperature if kind in NAMES else Generator.temperature
    if (first is None or last is None) != (kind != INTERPOLATE):
        raise GenerativeError("--from A --to B go with 'plotter generate interpolate' (and it needs both)")
    if kind == UNITS:
        from generative.autoencoder import units_sheet

        plan = units_sheet(parse_units(unit_spec), weights, data, steps, seed, page_mm=page, margin_mm=margin_mm)
        command = " ".join([f"plotter generate {UNITS} --units {unit_spec} --data {data}",
                            *([f"--steps {steps}"] if steps else []), f"--seed {seed}",
                            f"--page {page[0]:g}x{page[1]:g}mm -o {output}"])
    elif kind == INTERPOLATE:
        if weights is not None:
            raise GenerativeError("interpolate: give each model's checkpoint in --models (ae=PATH,vae=PATH), "
                                  "not --weights")
        chosen = latent_models(models)
        plan = interpolation_sheet(first, last, steps or 9, tuple(chosen), chosen, data, temperature, seed, page,
                                   margin_mm)
        command = _interpolate_command(first, last, models, data, temperature, steps, seed, page, output)
    else:
        if interpolate is not None:
            latent(kind)  # the diffusion model has no code to walk
            plan = interpolation_plan(*interpolate, steps or 9, weights, data, temperature, seed, page, margin_mm,
                                      kind)
        else:
            plan = generate_plan(kind, weights, count, label, temperature, seed, page, guidance, margin_mm, data,
                                 reduce, steps)
        command = _command(kind, data, label, count, temperature, guidance, steps, reduce, interpolate, seed, page,
                           output)
    _write_and_sum_up(plan.with_metadata(command=command), output, started)


def _prompt_plan(prompt: str, prompt_model: str, count: int, guidance: float | None, temperature: float | None,
                 steps: int | None, reduce: str, seed: int, page: tuple[float, float], margin_mm: float,
                 weights: Path | None, output: Path) -> Plan:
    from generative.prompt import prompt_plan

    plan = prompt_plan(prompt, weights, count, guidance, steps, seed, page, margin_mm, reduce, prompt_model,
                       temperature)
    options = [f"--prompt-model {prompt_model}", f"--count {count}",
               *([f"--guidance {guidance:g}"] if guidance is not None else []),
               *([f"--temperature {temperature:g}"] if temperature is not None else []),
               *([f"--steps {steps}"] if steps else []), *([f"--reduce {reduce}"] if reduce != "auto" else []),
               *([f"--weights {shlex.quote(str(weights))}"] if weights is not None else []), f"--seed {seed}",
               f"--margin {margin_mm:g}"]
    return plan.with_metadata(command=" ".join(["plotter generate --prompt", shlex.quote(prompt), *options,
                                                f"--page {page[0]:g}x{page[1]:g}mm -o {shlex.quote(str(output))}"]))


def _write_and_sum_up(plan: Plan, output: Path, started: float) -> None:
    write(plan, output)
    facts = plan_stats(plan)
    summary(f"wrote {output}: {facts.paths} strokes, pen-down {metres(facts.pen_down_mm)}, "
            f"est. plot time {duration(facts.time_s)}, in {time.perf_counter() - started:.1f} s")


def _command(kind: str, data: str, label: str | None, count: int, temperature: float, guidance: float | None,
             steps: int | None, reduce: str, interpolate: tuple[str, str] | None, seed: int,
             page: tuple[float, float], output: Path) -> str:
    parts = ["plotter generate", kind, f"--data {data}", f"--temperature {temperature:g}", f"--seed {seed}",
             f"--page {page[0]:g}x{page[1]:g}mm"]
    if interpolate is not None:
        parts.append(f"--interpolate {interpolate[0]} {interpolate[1]}")
    else:
        parts.append(f"--count {count}")
    if label is not None:
        parts.append(f"--label {label}")
    if guidance is not None:
        parts.append(f"--guidance {guidance:g}")
    if steps is not None:
        parts.append(f"--steps {steps}")
    if reduce != "auto":
        parts.append(f"--reduce {reduce}")
    return " ".join([*parts, f"-o {output}"])


def _interpolate_command(first: str, last: str, models: str, data: str, temperature: float, steps: int | None,
                         seed: int, page: tuple[float, float], output: Path) -> str:
    return " ".join([f"plotter generate {INTERPOLATE} --from {first} --to {last} --steps {steps or 9}",
                     f"--models {models} --data {data} --temperature {temperature:g} --seed {seed}",
                     f"--page {page[0]:g}x{page[1]:g}mm -o {output}"])


def parse_units(spec: str) -> list[int]:
    """``"0-3,7"`` → [0, 1, 2, 3, 7]; anything else is a one-line usage error."""
    units: list[int] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        low, dash, high = item.partition("-")
        try:
            first, last = int(low), int(high) if dash else int(low)
        except ValueError:
            raise click.BadParameter(f"{item!r} is not a unit number or a range N-M", param_hint="--units") from None
        if last < first:
            raise click.BadParameter(f"range {item!r} runs backwards", param_hint="--units")
        units += range(first, last + 1)
    if not units:
        raise click.BadParameter(f"no unit in {spec!r}", param_hint="--units")
    return units
