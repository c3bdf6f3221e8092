"""The generator kinds, one table: how each is built, trained, loaded and sampled as strokes.

``train.py``, ``sample.py`` and ``plotter train|generate`` ask this table instead of branching
on names. A kind is a :class:`Generator`: the module that holds its network (its ``KIND``,
``VERSION`` and ``WEIGHTS_VERSIONS`` stamp and check the checkpoints), what a training batch
holds (stroke-5 sequences or rasters), the loss of a batch and how a trained model draws
samples as unit-box polylines. A new kind is one subclass and one entry in :data:`GENERATORS`;
one with several players (the GAN) also overrides :meth:`Generator.optimisers` and
:meth:`Generator.train_step`.

This module imports no torch, so the CLI can list :data:`NAMES` where torch is missing; each
method imports its model module when called.

>>> get("ae").module.KIND
'sketch_ae'
"""

from __future__ import annotations

import importlib
from dataclasses import asdict
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import GenerativeError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from .sheet import Sample
    from .train import TrainConfig


class Generator:
    """One model kind; subclasses name their module and fill in the methods."""

    name: str  # the word on the command line: plotter train NAME
    module_name: str  # generative.<module_name> holds the network and KIND, VERSION, WEIGHTS_VERSIONS
    inputs: str  # what a training batch holds: "strokes" (stroke-5 sequences) or "rasters" (images in [-1, 1])
    config_name: str  # the config dataclass in ``module``
    network: str  # the nn.Module class in ``module``, built from that config
    latent = False  # encodes a drawing to a code, so it can walk between two drawings
    class_prior = False  # samples start from the codes of its training drawings, fitted after training
    loss_terms: tuple[str, ...] = ("loss",)  # the training losses loss.png draws, one curve each
    temperature = 0.2  # sampling temperature when none is asked for: low is tidy, high is wild

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"generative.{self.module_name}")

    def default_config(self) -> dict[str, Any]:
        """The network's default config as a dictionary (what a checkpoint stores)."""
        return asdict(getattr(self.module, self.config_name)())

    def build(self, config: dict[str, Any]) -> nn.Module:
        """A fresh network from a config dictionary (a checkpoint's, or the defaults with overrides)."""
        return getattr(self.module, self.network)(getattr(self.module, self.config_name)(**config))

    def losses(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        """``loss`` (to minimise) and the named terms of one batch at training step ``step``."""
        raise NotImplementedError

    def optimisers(self, model: nn.Module, config: TrainConfig) -> dict[str, torch.optim.Optimizer]:
        """The named optimisers of a run (all saved in a checkpoint); one Adam over every weight by default.

        The training loop sets each group's rate every step to the schedule's × the group's ``lr_scale`` (default 1).
        """
        import torch

        return {"model": torch.optim.Adam(model.parameters(), lr=config.learning_rate)}

    def train_step(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int,
                   optimisers: dict[str, torch.optim.Optimizer], grad_clip: float) -> dict[str, torch.Tensor]:
        """Update the weights on one batch and return its losses; by default one step down :meth:`losses`' ``loss``.

        A kind with several players (the GAN) overrides this with its own alternating updates.
        """
        import torch

        losses = self.losses(model, batch, step)
        (optimiser,) = optimisers.values()
        optimiser.zero_grad(set_to_none=True)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimiser.step()
        return losses

    def sample(self, model: nn.Module, labels: torch.Tensor | None, count: int, temperature: float,
               generator: torch.Generator, guidance: float | None, steps: int | None, reduce: str) -> list[Sample]:
        """``count`` drawings (each a list of unit-box polylines) of class ids ``labels`` (None: unconditional)."""
        raise NotImplementedError

    def interpolate(self, model: nn.Module, strokes: torch.Tensor, lengths: torch.Tensor, steps: int,
                    labels: torch.Tensor | None, temperature: float, generator: torch.Generator) -> list[Sample]:
        """``steps`` drawings decoded along the straight line between the codes of two drawings (a batch of 2)."""
        raise NotImplementedError  # only kinds with ``latent`` set

    def load_state(self, model: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
        """Put float weights from a checkpoint into ``model``, upgrading older formats where they differ."""
        model.load_state_dict(state)
        return model


def traced(images: torch.Tensor, reduce: str) -> list[Sample]:
    """Rasters (B, 1, S, S) in [-1, 1] (ink +1) as strokes, each by :func:`generative.trace.reduce_raster`."""
    from .trace import reduce_raster

    return [reduce_raster(image, reduce) for image in ((images[:, 0] + 1) / 2).cpu().numpy()]


class StrokeVAE(Generator):
    """SketchRNN-style VAE over stroke sequences (:mod:`generative.sketch_vae`)."""

    name, module_name, inputs, latent, class_prior = "vae", "sketch_vae", "strokes", True, True
    config_name, network = "SketchVAEConfig", "SketchVAE"

    def losses(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        from .sketch_vae import kl_annealing

        return model(batch["strokes"], batch["lengths"], batch["labels"], kl_annealing(step, model.config))

    def sample(self, model: nn.Module, labels: torch.Tensor | None, count: int, temperature: float,
               generator: torch.Generator, guidance: float | None, steps: int | None, reduce: str) -> list[Sample]:
        from .data import strokes_from_stroke3

        return [strokes_from_stroke3(s) for s in model.sample(count, labels, temperature, generator)]

    def interpolate(self, model: nn.Module, strokes: torch.Tensor, lengths: torch.Tensor, steps: int,
                    labels: torch.Tensor | None, temperature: float, generator: torch.Generator) -> list[Sample]:
        from .data import strokes_from_stroke3

        sequences = model.interpolate(strokes, lengths, steps, labels, temperature, generator)
        return [strokes_from_stroke3(s) for s in sequences]

    def load_state(self, model: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
        if "class_prior" not in state:  # version-1 weights: keep the standard normal prior
            state["class_prior"] = model.class_prior
        if state["class_prior"].dim() == 3:  # version 2: one Gaussian per class, a 1-component mixture
            state["class_prior"] = state["class_prior"].unsqueeze(1)
        return super().load_state(model, state)


class StrokeAutoencoder(StrokeVAE):
    """The same network trained as a plain autoencoder (:mod:`generative.autoencoder`): z = μ, no KL."""

    name, module_name = "ae", "autoencoder"
    network = "SketchAutoencoder"


class Diffusion(Generator):
    """DDPM over rasters (:mod:`generative.diffusion`); samples are traced back to strokes."""

    name, module_name, inputs = "diffusion", "diffusion", "rasters"
    config_name, network = "DiffusionConfig", "GaussianDiffusion"

    def losses(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        return model(batch["x0"], batch["labels"])

    def sample(self, model: nn.Module, labels: torch.Tensor | None, count: int, temperature: float,
               generator: torch.Generator, guidance: float | None, steps: int | None, reduce: str) -> list[Sample]:
        return traced(model.sample(labels=labels, count=count, steps=steps, guidance=guidance, generator=generator),
                      reduce)

    def load_state(self, model: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
        import torch

        model = super().load_state(model, state)
        # oneDNN's convolutions run about 15 % faster on channels-last weights (CPU, measured)
        return model.to(memory_format=torch.channels_last)


class GAN(Generator):
    """Class-conditional DCGAN over rasters (:mod:`generative.gan`): two players, two optimisers; traced to strokes."""

    name, module_name, inputs = "gan", "gan", "rasters"
    config_name, network = "GANConfig", "GAN"
    loss_terms = ("d_loss", "g_loss")
    temperature = 1.0  # the noise as trained (already truncated at ±2): lower narrows each label to one look

    def losses(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        return model(batch["x0"], batch["labels"])

    def optimisers(self, model: nn.Module, config: TrainConfig) -> dict[str, torch.optim.Optimizer]:
        return model.optimisers(config.learning_rate)

    def train_step(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int,
                   optimisers: dict[str, torch.optim.Optimizer], grad_clip: float) -> dict[str, torch.Tensor]:
        return model.train_step(batch["x0"], batch["labels"], optimisers, grad_clip)

    def sample(self, model: nn.Module, labels: torch.Tensor | None, count: int, temperature: float,
               generator: torch.Generator, guidance: float | None, steps: int | None, reduce: str) -> list[Sample]:
        return traced(model.sample(labels, count, temperature, generator), reduce)


class Dream(Generator):
    """No generator: strokes optimised until a frozen classifier reads the label (:mod:`generative.dream`).

    Training fits that classifier on the real rasters; sampling dreams, ``steps`` Adam steps per sheet.
    """

    name, module_name, inputs = "dream", "dream", "rasters"
    config_name, network = "DreamClassifierConfig", "DreamClassifier"

    def losses(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        return model(batch["x0"], batch["labels"])

    def sample(self, model: nn.Module, labels: torch.Tensor | None, count: int, temperature: float,
               generator: torch.Generator, guidance: float | None, steps: int | None, reduce: str) -> list[Sample]:
        import torch

        if labels is None:  # a dream needs a label: a random one per drawing
            labels = torch.randint(model.config.n_classes, (count,), generator=generator)
        return model.dream(labels, steps, generator)


class StrokeTransformerKind(Generator):
    """Decoder-only transformer over tokenised pen moves (:mod:`generative.stroke_transformer`), label first."""

    name, module_name, inputs = "transformer", "stroke_transformer", "strokes"
    config_name, network = "StrokeTransformerConfig", "StrokeTransformer"

    def losses(self, model: nn.Module, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        from .stroke_transformer import tokenize_batch

        return model.losses(tokenize_batch(batch["strokes"], batch["lengths"], model.config), batch["labels"])

    def sample(self, model: nn.Module, labels: torch.Tensor | None, count: int, temperature: float,
               generator: torch.Generator, guidance: float | None, steps: int | None, reduce: str) -> list[Sample]:
        return model.sample(count, labels, temperature, generator, guidance)


GENERATORS: dict[str, Generator] = {g.name: g for g in (StrokeVAE(), Diffusion(), StrokeAutoencoder(), GAN(), Dream(),
                                                          StrokeTransformerKind())}
NAMES = tuple(GENERATORS)
LATENT_NAMES = tuple(name for name, g in GENERATORS.items() if g.latent)


def get(name: str) -> Generator:
    """The generator called ``name``; an unknown name is a :class:`GenerativeError` listing the known ones."""
    if name not in GENERATORS:
        raise GenerativeError(f"unknown generator {name!r}; available: {', '.join(NAMES)}")
    return GENERATORS[name]


def latent(name: str) -> Generator:
    """The generator called ``name`` if it has a latent code to walk (interpolation), else a clear error."""
    generator = get(name)
    if not generator.latent:
        raise GenerativeError(f"{name} has no latent code to walk between two drawings; "
                              f"models with one: {', '.join(LATENT_NAMES)}")
    return generator


def latent_models(spec: str) -> dict[str, str | None]:
    """Parse ``"ae=runs/ae-h/ae.pt,vae"`` into {name: checkpoint or None (shipped)}: models to walk, in order."""
    chosen: dict[str, str | None] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, path = item.partition("=")
        latent(name.strip())
        if name.strip() in chosen:
            raise GenerativeError(f"model {name.strip()!r} is named twice in {spec!r}")
        chosen[name.strip()] = path.strip() or None
    if not chosen:
        raise GenerativeError(f"no model in {spec!r}; models with a latent code: {', '.join(LATENT_NAMES)}")
    return chosen
