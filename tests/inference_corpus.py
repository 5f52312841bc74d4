"""A seeded corpus of Hub-like re-uploads to measure inferred lineage on.

The real sample has few re-uploads, and a corpus generated from one template measures only
that template. This generator writes the names the Hub actually has, each with the parent the
Hub would declare, so that hiding the declarations and recovering them measures the rules on
the cases that matter:

- **bases** of real developer orgs, spelled as they are on the Hub
  (``meta-llama/Llama-2-7b-chat-hf``, ``meta-llama/Meta-Llama-3-8B-Instruct``,
  ``Qwen/Qwen2.5-7B-Instruct``, ``openai/whisper-large-v3``);
- **community finetunes** of those bases (declared; they make the bases "declared as a
  parent" and are themselves quantised), and the **series and merges** finetuners build on
  their own tunes, named after the base (``MT2-Gen1-gemma-2-9b``, ``gemma_2_9b_Math_0.3``)
  while their parent is the tune;
- **quantiser re-uploads** by the orgs that make them (``TheBloke``, ``bartowski``,
  ``mradermacher``, ``mlx-community`` ...) and by anyone, with each tool's suffixes and the
  spellings quantisers use (``Llama-2-7B-Chat``, ``Meta-Llama-3.1-8B-Instruct``);
- **mirrors** (``unsloth/*``, ``NousResearch/*``) that are downloaded more than the original,
  and **strangers' same-name copies** that are not;
- **conversions** (``Systran/faster-whisper-*``, ``-ct2``, ``onnx-community/*-ONNX``) and
  ``org_-_name`` re-uploads;
- **distractor variants** (``gpt2-large``, ``DeepSeek-V2-Lite``, ``vit-*-in21k``): roots whose
  correct answer is "no parent".

Each model object is an ``/api/models`` dict with Hub-style ``base_model`` tags, so the real
loaders read it. :func:`generate_reupload_corpus` returns the objects and the ids whose truth is
"no parent".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

__all__ = ["ReuploadCorpus", "generate_reupload_corpus"]

# -- bases: (org, names) as the Hub spells them; sizes and versions expand below --------------
_BASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("meta-llama", tuple(f"Llama-2-{s}b{c}-hf" for s in (7, 13, 70) for c in ("", "-chat"))),
    ("meta-llama", tuple(f"Meta-Llama-3-{s}B{c}" for s in (8, 70) for c in ("", "-Instruct"))),
    ("meta-llama", tuple(f"Llama-3.1-{s}B{c}" for s in (8, 70, 405) for c in ("", "-Instruct"))),
    ("meta-llama", tuple(f"Llama-3.2-{s}B{c}" for s in (1, 3) for c in ("", "-Instruct"))),
    ("Qwen", tuple(f"Qwen2.5-{s}B{c}" for s in ("0.5", "1.5", 3, 7, 14, 32, 72)
                   for c in ("", "-Instruct"))),
    ("Qwen", tuple(f"Qwen2.5-Coder-{s}B-Instruct" for s in ("1.5", 7, 14, 32))),
    ("Qwen", tuple(f"Qwen3-{s}B" for s in ("0.6", "1.7", 4, 8, 14, 32))),
    ("mistralai", ("Mistral-7B-v0.1", "Mistral-7B-Instruct-v0.1", "Mistral-7B-Instruct-v0.2",
                   "Mistral-7B-Instruct-v0.3", "Mixtral-8x7B-Instruct-v0.1",
                   "Mistral-Nemo-Instruct-2407", "Mistral-Small-24B-Instruct-2501")),
    ("google", tuple(f"gemma-2-{s}{c}" for s in ("2b", "9b", "27b") for c in ("", "-it"))),
    ("google", tuple(f"gemma-3-{s}-it" for s in ("1b", "4b", "12b", "27b"))),
    ("microsoft", ("Phi-3-mini-4k-instruct", "Phi-3-medium-128k-instruct", "phi-4",
                   "Phi-3.5-mini-instruct")),
    ("deepseek-ai", tuple(f"DeepSeek-R1-Distill-Qwen-{s}B" for s in ("1.5", 7, 14, 32))),
    ("deepseek-ai", ("DeepSeek-V2", "DeepSeek-V3", "deepseek-coder-6.7b-instruct")),
    ("mattshumer", ("Reflection-Llama-3.1-70B",)),
    ("NousResearch", ("Hermes-3-Llama-3.1-8B", "Hermes-2-Pro-Mistral-7B")),
    ("openai", tuple(f"whisper-{s}" for s in ("tiny", "base", "small", "medium", "large-v2",
                                                "large-v3"))),
    ("01-ai", ("Yi-6B", "Yi-34B-Chat", "Yi-1.5-9B-Chat")),
    ("tiiuae", ("falcon-7b-instruct", "falcon-40b")),
)  # fmt: skip
# Roots next to a base whose names look like a derivative of it: the answer is "no parent".
_VARIANTS: tuple[str, ...] = (
    "openai-community/gpt2", "openai-community/gpt2-medium", "openai-community/gpt2-large",
    "openai-community/gpt2-xl", "google/vit-base-patch16-224",
    "google/vit-base-patch16-224-in21k", "google/vit-large-patch16-224-in21k",
    "deepseek-ai/DeepSeek-V2-Lite", "deepseek-ai/DeepSeek-V2-Lite-Chat",
    "google-bert/bert-base-uncased", "google-bert/bert-large-uncased",
    "google-bert/bert-base-cased", "FacebookAI/roberta-base", "FacebookAI/roberta-large",
    "google/flan-t5-base", "google/flan-t5-large", "openai/whisper-large-v3-turbo",
    "microsoft/Phi-3-mini-128k-instruct",
)  # fmt: skip
_QUANTISERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("TheBloke", ("-GGUF", "-GPTQ", "-AWQ")),
    ("bartowski", ("-GGUF", "-exl2")),
    ("mradermacher", ("-GGUF", "-i1-GGUF")),
    ("QuantFactory", ("-GGUF",)),
    ("lmstudio-community", ("-GGUF",)),
    ("mlx-community", ("-4bit", "-8bit", "-bf16")),
    ("unsloth", ("-bnb-4bit", "-unsloth-bnb-4bit", "-GGUF")),
    ("second-state", ("-GGUF",)),
    ("MaziyarPanahi", ("-GGUF",)),
    ("solidrust", ("-AWQ",)),
    ("neuralmagic", ("-FP8", "-FP8-dynamic", "-quantized.w4a16")),
)
# Suffixes an individual's re-upload carries (the uploader is no known quantiser).
_USER_SUFFIXES = (
    "-GGUF", "-Q4_K_M-GGUF", "-Q8_0-GGUF", "-AWQ", "-GPTQ-Int4", "-4bit", "-8bit", "-bnb-4bit",
    "-MLX", "-exl2", "-4.0bpw-h6-exl2", "-FP8", "-int4", "-ONNX", "-openvino", "-ct2",
)  # fmt: skip
_FT_WORDS = (
    "abliterated", "uncensored", "roleplay", "math", "sft", "dpo", "orpo", "lora-merged",
    "finetuned", "alpaca", "medical", "code", "japanese", "german", "v2", "reasoning",
)  # fmt: skip
_USER_WORDS = (
    "cool", "deep", "llm", "ai", "lab", "neo", "byte", "quant", "tensor", "ml", "hf", "gpu",
    "nlp", "fox", "owl", "sky", "sun", "moon", "pine", "oak",
)  # fmt: skip
_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_CHAT_TAIL = re.compile(r"-(?:instruct|it|chat)(?=-hf$|$)", re.IGNORECASE)


@dataclass
class ReuploadCorpus:
    """API model objects, and the ids whose true answer is "no parent"."""

    models: list[dict[str, Any]] = field(default_factory=list)
    no_parent: list[str] = field(default_factory=list)
    _day_of: dict[str, int] = field(default_factory=dict)

    def derive(
        self,
        rng: np.random.Generator,
        model_id: str,
        parent: str,
        relation: str | None,
        downloads: int,
        days: tuple[int, int] = (300, 700),
    ) -> bool:
        """Add a model that declares ``parent``, created a random number of ``days`` after it."""
        day = int(rng.integers(*days))
        return self.add(model_id, (parent,), relation, day=day, downloads=downloads)

    def add(
        self,
        model_id: str,
        parents: tuple[str, ...] = (),
        relation: str | None = None,
        *,
        day: int,
        downloads: int,
    ) -> bool:
        """Add one model (False when the id, compared case-insensitively, already exists).

        ``day``: days after 2023-01-01 for a root; for a derivative, days after its latest
        parent in the corpus (a base is never younger than what is made from it).
        """
        if model_id.lower() in self._day_of:
            return False
        day += max((self._day_of.get(p.lower(), 0) for p in parents), default=0)
        self._day_of[model_id.lower()] = day
        tags = [f"base_model:{p}" for p in parents]
        if relation:
            tags += [f"base_model:{relation}:{p}" for p in parents]
        created = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.models.append(
            {
                "id": model_id,
                "author": model_id.split("/")[0],
                "downloads": int(downloads),
                "downloadsAllTime": int(downloads) * 3,
                "likes": 0,
                "createdAt": created,
                "tags": tags,
            }
        )
        return True


def _hub_spelling(name: str, rng: np.random.Generator) -> str:
    """How a quantiser spells a base's name: Meta's and Llama-2's renames, case changes."""
    r = rng.random()
    if name.startswith("Llama-2-") and name.endswith("-hf"):
        core = name[: -len("-hf")]
        return core.replace("b-chat", "B-Chat").replace("b", "B") if r < 0.6 else core
    if name.startswith("Llama-3.1-") and r < 0.5:
        return "Meta-" + name
    if r < 0.1:
        return name.lower()
    return name


def _user(rng: np.random.Generator) -> str:
    a, b = rng.choice(len(_USER_WORDS), 2, replace=False)
    return f"{_USER_WORDS[a]}{_USER_WORDS[b]}{int(rng.integers(1, 999))}"


def _lognormal(rng: np.random.Generator, median: float) -> int:
    return int(median * rng.lognormal(0.0, 1.2))


def _bases(rng: np.random.Generator) -> Iterator[tuple[str, int]]:
    """(base id, downloads) for the bases this seed keeps (each kept with probability 0.8)."""
    for org, names in _BASES:
        for name in names:
            if rng.random() < 0.8:
                yield f"{org}/{name}", _lognormal(rng, 200_000)


def generate_reupload_corpus(seed: int = 0, scale: int = 1) -> ReuploadCorpus:
    """Generate the corpus (deterministic for a seed; ``scale`` multiplies the derivatives).

    >>> c = generate_reupload_corpus(seed=1)
    >>> len(c.models) > 500, "openai-community/gpt2-large" in c.no_parent
    (True, True)
    """
    rng = np.random.default_rng(seed)
    corpus = ReuploadCorpus()
    bases = list(_bases(rng))
    for model_id, downloads in bases:
        corpus.add(model_id, day=int(rng.integers(0, 200)), downloads=downloads)
    for model_id in _VARIANTS:
        if corpus.add(model_id, day=int(rng.integers(0, 200)), downloads=_lognormal(rng, 50_000)):
            corpus.no_parent.append(model_id)
    finetunes: list[tuple[str, int]] = []
    for model_id, downloads in bases:
        made: list[tuple[str, int]] = []
        for _ in range(int(rng.integers(0, 4)) * scale):
            made.extend(_finetune(corpus, rng, model_id))
        _series(corpus, rng, model_id, [m for m, _ in made])
        finetunes.extend(made)
        for _ in range(scale):
            mirror = _mirrors(corpus, rng, model_id, downloads)
            _quantised(corpus, rng, model_id, downloads, mirror)
            _converted(corpus, rng, model_id)
            if rng.random() < 0.3:
                _quantised_absent_finetune(corpus, rng, model_id)
    for model_id, _ in finetunes:
        if rng.random() < 0.5:
            _quantised(corpus, rng, model_id, 100, None)
    return corpus


def _finetune(corpus: ReuploadCorpus, rng: np.random.Generator, base: str) -> list[tuple[str, int]]:
    """A community finetune that declares its base."""
    name = base.split("/")[1]
    word = _FT_WORDS[int(rng.integers(len(_FT_WORDS)))]
    styled = f"{name}-{word}" if rng.random() < 0.7 else f"{word.capitalize()}-{name}"
    model_id = f"{_user(rng)}/{styled}"
    dl = _lognormal(rng, 300)
    if corpus.add(model_id, (base,), "finetune", day=int(rng.integers(250, 600)), downloads=dl):
        return [(model_id, dl)]
    return []


def _series(corpus: ReuploadCorpus, rng: np.random.Generator, base: str, tunes: list[str]) -> None:
    """Later models of a finetuner's series, or merges of two tunes: the base's name is in
    theirs (``MT1-Gen2-gemma-2-9B``, ``Llama_3.2_1b_Sydonia_0.2``), the parent is not the base.
    """
    name = base.split("/")[1]
    for tune in tunes:
        if rng.random() >= 0.4:
            continue
        user = tune.split("/")[0]
        gen = int(rng.integers(2, 6))
        word = _FT_WORDS[int(rng.integers(len(_FT_WORDS)))].capitalize()
        if len(tunes) > 1 and rng.random() < 0.5:
            other = tunes[int(rng.integers(len(tunes)))]
            parents = tuple(dict.fromkeys((tune, other)))
            model_id = f"{user}/MT{gen}-Gen{gen - 1}-{name}"
            relation = "merge" if len(parents) > 1 else "finetune"
        else:
            parents = (tune,)
            model_id = f"{user}/{name.replace('-', '_')}_{word}_0.{gen}"
            relation = "finetune"
        corpus.add(model_id, parents, relation, day=int(rng.integers(20, 200)), downloads=5)


def _quantised(
    corpus: ReuploadCorpus,
    rng: np.random.Generator,
    base: str,
    base_downloads: int,
    mirror: str | None,
) -> None:
    """Re-uploads of ``base`` by known quantisers and by individuals.

    An individual who quantised a popular mirror of ``base`` declares the mirror (one time in
    five): the name says ``base``, the declaration says the mirror, and no name rule can tell.
    """
    name = base.split("/")[1]
    for org, suffixes in _QUANTISERS:
        if rng.random() < 0.25:
            sfx = suffixes[int(rng.integers(len(suffixes)))]
            corpus.derive(
                rng,
                f"{org}/{_hub_spelling(name, rng)}{sfx}",
                base,
                "quantized",
                _lognormal(rng, max(base_downloads // 20, 10)),
            )
    for _ in range(int(rng.integers(0, 3))):
        sfx = _USER_SUFFIXES[int(rng.integers(len(_USER_SUFFIXES)))]
        declared = mirror if mirror is not None and rng.random() < 0.2 else base
        corpus.derive(
            rng,
            f"{_user(rng)}/{_hub_spelling(name, rng)}{sfx}",
            declared,
            "quantized",
            _lognormal(rng, 30),
        )
    if rng.random() < 0.2:  # the bulk re-uploader that spells the original id
        sfx = ("-4bits", "-8bits", "-gguf", "-awq")[int(rng.integers(4))]
        org, _, rest = base.partition("/")
        corpus.derive(
            rng, f"RichardErkhov/{org}_-_{rest}{sfx}", base, "quantized", _lognormal(rng, 20)
        )


def _mirrors(
    corpus: ReuploadCorpus, rng: np.random.Generator, base: str, base_downloads: int
) -> str | None:
    """Same-name copies: popular mirrors (more downloads than the original) and strangers.

    Returns the popular mirror's id, if one was made.
    """
    name = base.split("/")[1]
    mirror = None
    if rng.random() < 0.3:
        org = ("unsloth", "NousResearch")[int(rng.integers(2))]
        mirror = f"{org}/{name}"
        if not corpus.derive(rng, mirror, base, "finetune", base_downloads * 2, days=(200, 400)):
            mirror = None
    if rng.random() < 0.3:
        spelled = name.lower() if rng.random() < 0.5 else name
        # Most strangers' same-named chat models are their own tune of the pretrained base
        # (``someone/gemma-2-9b-it`` from ``google/gemma-2-9b``), not a copy.
        pretrained = _CHAT_TAIL.sub("", base)
        declared = pretrained if pretrained != base and rng.random() < 0.7 else base
        corpus.derive(
            rng,
            f"{_user(rng)}/{spelled}",
            declared,
            "finetune",
            _lognormal(rng, 5),
            days=(250, 700),
        )
    return mirror


def _quantised_absent_finetune(corpus: ReuploadCorpus, rng: np.random.Generator, base: str) -> None:
    """A quant of a finetune that is not in the data: its name still contains the base's."""
    name = base.split("/")[1]
    word = _FT_WORDS[int(rng.integers(len(_FT_WORDS)))]
    finetune = f"{_user(rng)}/{name}-{word}"
    org, suffixes = _QUANTISERS[int(rng.integers(len(_QUANTISERS)))]
    corpus.derive(
        rng, f"{org}/{name}-{word}{suffixes[0]}", finetune, "quantized", _lognormal(rng, 20)
    )


def _converted(corpus: ReuploadCorpus, rng: np.random.Generator, base: str) -> None:
    """Format conversions: CTranslate2 (``faster-`` prefix), ONNX and OpenVINO orgs."""
    org, _, name = base.partition("/")
    if org == "openai" and name.startswith("whisper-"):
        corpus.derive(
            rng, f"Systran/faster-{name}", base, None, _lognormal(rng, 100_000), days=(300, 500)
        )
    if rng.random() < 0.1:
        corpus.derive(rng, f"onnx-community/{name}-ONNX", base, "quantized", _lognormal(rng, 200))
