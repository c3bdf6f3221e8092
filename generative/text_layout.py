"""Text to drawing through a layout: a transformer writes where each object stands, AARON draws them.

The latent diffusion (:mod:`generative.text_diffusion`) paints 64 px rasters in which a
figure is 15 px and a rock 3 px: the counts a prompt asks for drown in the mush. This
generator works one level up, as AARON itself does: it writes the *composition* — the
scene type, the horizon, and each object's kind, pose or species and box — as a short
sequence of tokens, and hands it to the painter's object plans
(:mod:`painters.aaron.layout`), which draw every figure, tree and rock with all the
painter's knowledge and freehand line. Counting happens where it is easy: "two people"
is two figure tokens.

The network is a small encoder-decoder transformer (Parti's recipe at this scale: Yu et
al. 2022): the CLIP's frozen text encoder reads the prompt, a small trainable adapter
re-reads its pooled embedding and word states together, and each decoder layer over the
layout tokens attends to them. A learned null prompt stands in for a tenth of the training
prompts, so classifier-free guidance mixes log-probabilities at sampling:
log p_null + w·(log p_prompt − log p_null).
A grammar masks each step to the tokens that may stand there (a pose only after a figure,
a box's right edge right of its left), so every sample is a layout the painter can draw.

It learns from the painter's own scenes: each corpus scene's shown objects where they
stood (:meth:`painters.aaron.layout.Layout.from_facts`), paired with one of its captions.

    plotter train text-layout --scenes 20000 --steps 6000 --out runs/text-layout
    plotter generate --prompt "two people beside a tree" -o people.svg
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from painters.aaron.caption import KINDS, SceneFacts
from painters.aaron.layout import DETAILS, Layout, LayoutObject
from painters.aaron.params import SCENES

from . import default_weights
from .caption_data import CaptionCorpus
from .clip import ClipConfig
from .clip_train import load_clip
from .corpus_train import CorpusTask, CorpusTrainConfig, CorpusTrainResult, load_trained, train_on_corpus
from .text_condition import Prompt, PromptConditioned, ScenePrompts

KIND = "text_layout"
VERSION = 1
#: Positions along each side of the drawable area: a box edge is one of these (about 2 mm at 150 mm).
BINS = 64
#: The most objects a layout holds (the corpus asks 1–6 per scene).
MAX_OBJECTS = 6
#: Tokens per object: kind, detail, left, top, right, bottom.
OBJECT_TOKENS = 6
#: BOS, scene, horizon, the objects, EOS.
SEQUENCE = 3 + MAX_OBJECTS * OBJECT_TOKENS + 1


class LayoutTokens:
    """The token alphabet of layouts and the grammar of where each token may stand.

    ``<pad> <bos> <eos>``, a token per scene type, ``no horizon``, a token per kind, ``no
    detail`` and each detail (a pose, a tree's species, a closed or open form), and
    :data:`BINS` positions shared by the horizon and box edges. A box edge ``e`` in [0, 1] is
    written ``floor(e·BINS)`` (left, top) or ``ceil(e·BINS) − 1`` (right, bottom), so a written
    box covers the true one.
    """

    def __init__(self) -> None:
        details = tuple(dict.fromkeys(d for kind in KINDS for d in DETAILS.get(kind, ())))
        self.names = ("<pad>", "<bos>", "<eos>", *(f"scene {s}" for s in SCENES), "no horizon",
                      *(f"kind {k}" for k in KINDS), "no detail", *(f"detail {d}" for d in details),
                      *(f"at {b}" for b in range(BINS)))
        self.ids = {name: i for i, name in enumerate(self.names)}
        self.pad, self.bos, self.eos = 0, 1, 2
        self.no_horizon, self.no_detail = self.ids["no horizon"], self.ids["no detail"]
        self.first_bin = self.ids["at 0"]
        self.scenes = [self.ids[f"scene {s}"] for s in SCENES]
        self.kinds = [self.ids[f"kind {k}"] for k in KINDS]
        self.details = {kind: [self.ids[f"detail {d}"] for d in DETAILS[kind]] for kind in DETAILS}
        self.position_masks = self._position_masks()

    def __len__(self) -> int:
        return len(self.names)

    def _mask(self, ids: list[int]) -> torch.Tensor:
        mask = torch.zeros(len(self), dtype=torch.bool)
        mask[ids] = True
        return mask

    def _position_masks(self) -> torch.Tensor:
        """``(SEQUENCE, V)``: the tokens that may stand at each position, whatever came before."""
        bins = list(range(self.first_bin, len(self)))
        every_detail = [self.no_detail, *(d for ids in self.details.values() for d in ids)]
        rows = [self._mask([self.bos]), self._mask(self.scenes), self._mask([self.no_horizon, *bins])]
        for number in range(MAX_OBJECTS):  # at least one object
            rows += [self._mask([*self.kinds, *([self.eos] if number else [])]), self._mask(every_detail),
                     *(self._mask(bins),) * 4]
        rows.append(self._mask([self.eos]))
        return torch.stack(rows)

    def encode(self, layout: Layout) -> list[int]:
        """A layout's tokens, objects by kind in :data:`KINDS` order then left to right."""
        if len(layout.objects) > MAX_OBJECTS:
            raise ValueError(f"a layout holds at most {MAX_OBJECTS} objects, not {len(layout.objects)}")
        tokens = [self.bos, self.ids[f"scene {layout.scene}"],
                  self.no_horizon if layout.horizon is None else self._low(layout.horizon)]
        for o in sorted(layout.objects, key=lambda o: (KINDS.index(o.kind), o.box[0], o.box[1])):
            x0, y0, x1, y1 = o.box
            tokens += [self.ids[f"kind {o.kind}"], self.ids[f"detail {o.detail}"] if o.detail else self.no_detail,
                       self._low(x0), self._low(y0), self._high(x1), self._high(y1)]
        return [*tokens, self.eos]

    def _low(self, edge: float) -> int:
        return self.first_bin + int(np.clip(np.floor(edge * BINS), 0, BINS - 1))

    def _high(self, edge: float) -> int:
        return self.first_bin + int(np.clip(np.ceil(edge * BINS) - 1, 0, BINS - 1))

    def decode(self, tokens: list[int]) -> Layout:
        """The layout a grammatical token sequence writes (boxes cover whole bins)."""
        scene = self.names[tokens[1]].removeprefix("scene ")
        horizon = None if tokens[2] == self.no_horizon else (tokens[2] - self.first_bin) / BINS
        objects = []
        for start in range(3, len(tokens) - 1, OBJECT_TOKENS):
            kind_token, detail_token, *edges = tokens[start:start + OBJECT_TOKENS]
            if kind_token == self.eos or len(edges) < 4:
                break
            x0, y0, x1, y1 = (t - self.first_bin for t in edges)
            detail = None if detail_token == self.no_detail else self.names[detail_token].removeprefix("detail ")
            objects.append(LayoutObject(self.names[kind_token].removeprefix("kind "), detail,
                                        (x0 / BINS, y0 / BINS, (x1 + 1) / BINS, (y1 + 1) / BINS)))
        return Layout(scene, horizon, tuple(objects))

    def allowed(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(B, V)``: the tokens that may come next after each prefix ``(B, P)``, by the full
        grammar: the horizon by the scene, the detail by the kind, a box's far edges past its near ones."""
        batch, length = tokens.shape
        mask = self.position_masks[length].expand(batch, -1).clone()
        slot = (length - 3) % OBJECT_TOKENS if length >= 3 else -1
        bins = slice(self.first_bin, len(self))
        if length == 2:  # the horizon: none for abstract scenes, a position otherwise
            abstract = tokens[:, 1] == self.ids["scene abstract"]
            mask[abstract, bins] = False
            mask[~abstract, self.no_horizon] = False
        elif slot == 1:  # the detail the kind may take
            mask[:, self.no_detail + 1:self.first_bin] = False
            kind = tokens[:, -1]
            for name, ids in self.details.items():
                rows = kind == self.ids[f"kind {name}"]
                mask[rows, self.no_detail] = False
                mask[rows.nonzero(), torch.tensor(ids)] = True
        elif slot in (4, 5):  # right past left, bottom past top
            near = tokens[:, -2]
            mask[torch.arange(len(self))[None, :] < near[:, None]] = False
        return mask


@dataclass
class TextLayoutConfig:
    clip: dict[str, Any]  # the frozen text encoder's ClipConfig (its vocabulary among it)
    width: int = 96
    layers: int = 3
    # trainable self-attention layers over the prompt (pooled embedding and word states) before the
    # decoder reads it: the frozen CLIP states were learnt to match drawings, not to bind "two" to "rocks"
    adapter_layers: int = 2
    heads: int = 4
    dropout: float = 0.1
    p_uncond: float = 0.1  # share of training prompts replaced by the null prompt
    guidance: float = 2.0  # default guidance weight w
    temperature: float = 1.0  # default sampling temperature


class TextLayout(PromptConditioned):
    """The frozen text encoder, the null prompt, and a causal transformer over layout tokens."""

    def __init__(self, config: TextLayoutConfig) -> None:
        clip_config = ClipConfig(**config.clip)
        super().__init__(clip_config)
        self.config = config
        self.tokens = LayoutTokens()
        width = config.width
        self.embedding = nn.Embedding(len(self.tokens), width)
        self.positions = nn.Parameter(torch.randn(SEQUENCE, width) * 0.02)
        self.words_in = nn.Linear(clip_config.text_width, width)
        self.pooled_in = nn.Linear(clip_config.embed, width)
        layer = nn.TransformerDecoderLayer(width, config.heads, 4 * width, config.dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, config.layers)
        adapter_layer = nn.TransformerEncoderLayer(width, config.heads, 4 * width, config.dropout, activation="gelu",
                                                   batch_first=True, norm_first=True)
        self.adapter = nn.TransformerEncoder(adapter_layer, config.adapter_layers, norm=nn.LayerNorm(width),
                                             enable_nested_tensor=False) if config.adapter_layers else None
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, len(self.tokens))

    def memory(self, prompt: Prompt) -> tuple[torch.Tensor, torch.Tensor]:
        """What the decoder attends to: the pooled embedding and the word states, through the adapter
        ``(B, 1 + T, width)``, and which of them are real ``(B, 1 + T)``."""
        memory = torch.cat([self.pooled_in(prompt.pooled)[:, None], self.words_in(prompt.words)], dim=1)
        real = torch.cat([torch.ones_like(prompt.real[:, :1]), prompt.real], dim=1)
        if self.adapter is not None:
            memory = self.adapter(memory, src_key_padding_mask=~real)
        return memory, real

    def logits(self, tokens: torch.Tensor, memory: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``(B, P, V)`` next-token logits after each prefix of ``tokens`` ``(B, P)`` given a prompt's ``memory``."""
        length = tokens.shape[1]
        states, real = memory
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=tokens.device), 1)
        x = self.embedding(tokens) + self.positions[:length]
        x = self.decoder(x, states, tgt_mask=causal, memory_key_padding_mask=~real, tgt_is_causal=True)
        return self.head(self.norm(x))

    def forward(self, tokens: torch.Tensor, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cross-entropy of layouts ``(B, SEQUENCE)`` (padded) given their prompts (a tenth hidden),
        each step's choice among the tokens its position allows; and the share of tokens guessed right."""
        prompt = self.training_prompt(ids, self.config.p_uncond)
        tokens = tokens[:, :int((tokens != self.tokens.pad).sum(1).max())]  # padding past every EOS costs time only
        logits = self.logits(tokens[:, :-1], self.memory(prompt))
        allowed = self.tokens.position_masks[1:tokens.shape[1]].to(tokens.device)
        logits = logits.masked_fill(~allowed, float("-inf"))
        targets = tokens[:, 1:]
        real = targets != self.tokens.pad
        loss = F.cross_entropy(logits[real], targets[real])
        accuracy = (logits.argmax(-1) == targets)[real].float().mean()
        return {"loss": loss, "accuracy": accuracy}

    @torch.no_grad()
    def sample(self, ids: torch.Tensor | None, count: int = 1, guidance: float | None = None,
               temperature: float | None = None, generator: torch.Generator | None = None) -> list[Layout]:
        """One layout per prompt of ``ids`` ``(B, T)`` (``None``: ``count`` of the null prompt, the
        unconditioned model). Guidance 0 is the null prompt alone, 1 the prompt alone, above 1
        pushes past it; the grammar keeps every sample drawable."""
        guidance = self.config.guidance if guidance is None else guidance
        temperature = self.config.temperature if temperature is None else temperature
        device = self.positions.device
        if ids is None or guidance == 0:
            prompt, both = self.null(count if ids is None else len(ids)), None
        else:
            prompt = self.read(ids.to(device))
            both = None if guidance == 1 else prompt.twice(self.null(len(ids), prompt.words.shape[1]))
        batch = len(prompt.words)
        memory = self.memory(prompt if both is None else both)
        tokens = torch.full((batch, 1), self.tokens.bos, dtype=torch.long, device=device)
        done = torch.zeros(batch, dtype=torch.bool, device=device)
        for _ in range(SEQUENCE - 1):
            if both is not None:
                scores = F.log_softmax(self.logits(torch.cat([tokens, tokens]), memory)[:, -1], dim=-1)
                conditional, unconditional = scores.chunk(2)
                scores = unconditional + guidance * (conditional - unconditional)
            else:
                scores = F.log_softmax(self.logits(tokens, memory)[:, -1], dim=-1)
            scores = scores.masked_fill(~self.tokens.allowed(tokens.cpu()).to(device), float("-inf"))
            chosen = torch.multinomial(F.softmax(scores / max(temperature, 1e-6), dim=-1), 1, generator=generator)
            chosen[done] = self.tokens.pad
            tokens = torch.cat([tokens, chosen], dim=1)
            done |= chosen[:, 0] == self.tokens.eos
            if done.all():
                break
        return [self.tokens.decode([t for t in row.tolist() if t != self.tokens.pad] + [self.tokens.eos])
                for row in tokens.cpu()]


# --- training ------------------------------------------------------------------------------
@dataclass
class TextLayoutTrainConfig(CorpusTrainConfig):
    steps: int = 3000
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.05
    warmup_steps: int = 200
    clip_weights: str = ""  # the frozen text encoder ("": the shipped CLIP)
    out: str = "runs/text-layout"


class TextLayoutTask(CorpusTask):
    """The layout transformer in the corpus loop: each scene's layout is read off its facts once;
    a batch pairs each scene with one of its captions or its full description. Validation: the
    loss and token accuracy on held-out scenes under their full descriptions."""

    kind, version, weights_file, config_class = KIND, VERSION, "text-layout.pt", TextLayoutTrainConfig
    loss_terms = ("loss", "accuracy")

    def __init__(self, config: TextLayoutTrainConfig, corpus: CaptionCorpus, device: torch.device,
                 saved: dict[str, Any] | None) -> None:
        super().__init__(config, corpus, device, saved)
        if saved is not None:
            self.model_config = TextLayoutConfig(**saved)
            self.model = TextLayout(self.model_config)
        else:
            clip = load_clip(config.clip_weights or default_weights("clip"))
            self.model_config = TextLayoutConfig(clip=asdict(clip.config), **config.model)
            self.model = TextLayout(self.model_config)
            self.model.text.load_state_dict(clip.text.state_dict())
        self.model.to(device)
        alphabet = self.model.tokens
        self.layouts = torch.zeros(len(corpus), SEQUENCE, dtype=torch.long)
        for i, facts in enumerate(corpus.facts):
            tokens = alphabet.encode(Layout.from_facts(SceneFacts.from_dict(facts)))
            self.layouts[i, :len(tokens)] = torch.tensor(tokens)
        self.prompts = ScenePrompts(corpus, self.model.vocabulary, self.model.max_words)
        self.validation_ids = self.prompts.full(self.held_out)

    def loss(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        scenes = self.batch_scenes(rng)
        ids = self.prompts.draw(scenes, rng)
        return self.model(self.layouts[torch.from_numpy(scenes)].to(self.device), ids.to(self.device))

    def validate(self, model: nn.Module) -> dict[str, float]:
        torch.manual_seed(0)  # the same hidden prompts at every validation
        layouts = self.layouts[torch.from_numpy(self.held_out)]
        return self.held_out_mean(lambda part: model(layouts[part].to(self.device),
                                                     self.validation_ids[part].to(self.device)))


def train_text_layout(config: TextLayoutTrainConfig, resume: bool = False, progress: bool = True) -> CorpusTrainResult:
    """Train (or go on training) the layout transformer over the frozen CLIP text encoder."""
    return train_on_corpus(TextLayoutTask, config, resume, progress)


def load_text_layout(path: str | Path | None = None) -> TextLayout:
    """The layout model from weights or a checkpoint (default: the shipped one), in eval mode."""
    return load_trained(path or default_weights("text-layout"), KIND, VERSION,
                        lambda config: TextLayout(TextLayoutConfig(**config)))
