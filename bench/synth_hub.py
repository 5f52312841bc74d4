#!/usr/bin/env python3
"""Deterministic synthetic hub-stats parquet for hf-lineage benchmarks.

``python bench/synth_hub.py -n N --out PATH [--seed S] [--verify]`` writes ``N`` synthetic
Hugging Face model records in exactly the schema of the public hub-stats dump
(``cfahlgren1/hub-stats`` ``models.parquet``; see ``../shared/data/README.md``): ``id``,
``author``, ``createdAt``, ``lastModified``, ``downloads``, ``downloadsAllTime``, ``likes``,
``trendingScore``, ``tags`` (list<string>), ``cardData`` (JSON text), ``safetensors`` (struct),
``gguf`` (JSON text), ``baseModels`` (struct{relation, models: list<struct{_id, id}>}),
``pipeline_tag`` and ``library_name``.

Calibrated to published Hub figures (targets and tolerances in ``calibrate()``):

* about 28% of models declare parents; relations adapter 43%, finetune 36%, quantized 19%,
  merge 2% (merges have 2-6 parents); quantizations and adapters are almost always leaves;
* a few giant families (the largest with 100k+ descendants at N=2.5M, scaled with N) and a
  long heavy tail of small ones; depth up to about 8;
* heavy-tailed downloads (the top 200 models take about half of all 30-day downloads, most
  models have none), ``downloadsAllTime >= downloads``, heavy-tailed likes;
* realistic ids (official orgs, quantizers such as ``bartowski/<Base>-GGUF``,
  ``mlx-community/<Base>-4bit``, ``unsloth/<Base>-bnb-4bit``, many synthetic users), unique
  case-insensitively; ``createdAt`` grows over 2022-2026, with the Hub's placeholder
  2022-03-02T23:29:04 for the oldest rows; parents are created before their children.

Lineage is written the way the Hub writes it: ``base_model:<id>`` and
``base_model:<relation>:<id>`` tags, ``baseModels`` for ~95% of the models with parents
(null for the rest so the tag and card paths are exercised), and ``cardData`` with
``base_model`` (str or list) and, where appropriate, ``base_model_relation``. Real-metadata
quirks are included on purpose: ~1% of children declare their parents in the card only
(some of those ids lower-cased, URL-prefixed, padded with spaces or with a trailing ``/``),
a few parents are not in the file (stub nodes), a few dozen self-references and cycles (at
N=2.5M).

Everything is generated with vectorized numpy/pyarrow operations; rows are written in a
deterministic shuffled order (parents do not precede their children) in row groups of
250,000 with ``pyarrow.parquet.ParquetWriter``. The same ``-n``/``--seed`` (and pyarrow
version) gives a byte-identical file. The calibration printed at the end is computed from the
generated arrays, which are exactly what the file encodes (``--verify`` re-reads the file and
checks that), and the exit status is 1 if a calibration check fails.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

Arr = npt.NDArray[Any]

# --------------------------------------------------------------------------------------------
# Schema (identical to the hub-stats dump; checked against the real sample when it is present)
# --------------------------------------------------------------------------------------------

PARAM_KEYS: tuple[str, ...] = (
    "BF16", "F32", "F8_E4M3", "U8", "I64", "F8_E8M0", "I8", "I32", "F16", "U32", "BOOL",
    "I16", "U16", "C64", "F64", "miku", "fastllm", "F8_E5M2", "U64", "F6_E2M3",
)  # fmt: skip
_KEY = {k: i for i, k in enumerate(PARAM_KEYS)}
PARAMS_TYPE = pa.struct([pa.field(k, pa.int64()) for k in PARAM_KEYS])
SAFETENSORS_TYPE = pa.struct([pa.field("parameters", PARAMS_TYPE), pa.field("total", pa.int64())])
BASE_ENTRY_TYPE = pa.struct([pa.field("_id", pa.string()), pa.field("id", pa.string())])
BASE_LIST_TYPE = pa.list_(pa.field("element", BASE_ENTRY_TYPE))
BASEMODELS_TYPE = pa.struct([pa.field("relation", pa.string()), pa.field("models", BASE_LIST_TYPE)])
TAGS_TYPE = pa.list_(pa.field("element", pa.string()))
SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("author", pa.string()),
        pa.field("createdAt", pa.timestamp("us")),
        pa.field("lastModified", pa.timestamp("us")),
        pa.field("downloads", pa.int64()),
        pa.field("downloadsAllTime", pa.int64()),
        pa.field("likes", pa.int64()),
        pa.field("trendingScore", pa.float64()),
        pa.field("tags", TAGS_TYPE),
        pa.field("cardData", pa.string()),
        pa.field("safetensors", SAFETENSORS_TYPE),
        pa.field("gguf", pa.string()),
        pa.field("baseModels", BASEMODELS_TYPE),
        pa.field("pipeline_tag", pa.string()),
        pa.field("library_name", pa.string()),
    ]
)
SAMPLE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "hub-stats-sample-2026-05.parquet"
)
ROW_GROUP = 250_000
REFERENCE_N = 2_500_000


def _words(text: str) -> tuple[str, ...]:
    """A vocabulary written as one whitespace-separated string."""
    return tuple(text.split())


def _epoch(text: str) -> int:
    return int(np.datetime64(text, "s").astype(np.int64))


PLACEHOLDER = _epoch("2022-03-02T23:29:04")
START = _epoch("2022-03-03T00:00:00")
SNAPSHOT = _epoch("2026-05-20T12:00:00")
DAY = 86_400
YEAR = 365.25 * DAY

# --------------------------------------------------------------------------------------------
# Calibration targets
# --------------------------------------------------------------------------------------------

REL_NAMES: tuple[str, ...] = ("adapter", "finetune", "quantized", "merge")
ADAPTER, FINETUNE, QUANTIZED, MERGE = 0, 1, 2, 3
PARENT_SHARE = 0.28
REL_TARGET = np.array([0.43, 0.36, 0.19, 0.02])
MERGE_K = np.array([2, 3, 4, 5, 6])
MERGE_K_P = np.array([0.55, 0.20, 0.12, 0.08, 0.05])
TOP_K = 200
TOP_SHARE = 0.50
POSITIVE_DOWNLOADS = 0.42
BASEMODELS_SHARE = 0.95
CARD_ONLY_SHARE = 0.01
MAX_DEPTH = 8


# --------------------------------------------------------------------------------------------
# Vocabulary: architectures, giant families, organisations, name parts
# --------------------------------------------------------------------------------------------

LLM, VLM, T2I, ENC, ST, S2S, ASR, IMG, RL = range(9)
N_DOMAINS = 9


@dataclass(frozen=True)
class Arch:
    """A model architecture: its tags, task, GGUF metadata and default size."""

    tag: str | None
    domain: int
    pipeline: str
    gguf: str
    params: float
    ctx: int
    bos: str
    eos: str
    license: str
    template: str


_CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)
_LLAMA3 = (
    "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
)
_INST = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
    "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + "
    "eos_token }}{% endif %}{% endfor %}"
)
_GEMMA = (
    "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + message['role'] + '\n' "
    "+ message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}"
)

ARCHS: tuple[Arch, ...] = (
    Arch("llama", LLM, "text-generation", "llama", 8.03e9, 131072, "<|begin_of_text|>",
         "<|eot_id|>", "llama3.1", _LLAMA3),
    Arch("qwen2", LLM, "text-generation", "qwen2", 7.62e9, 32768, "<|endoftext|>",
         "<|im_end|>", "apache-2.0", _CHATML),
    Arch("qwen3", LLM, "text-generation", "qwen3", 8.19e9, 40960, "<|endoftext|>",
         "<|im_end|>", "apache-2.0", _CHATML),
    Arch("mistral", LLM, "text-generation", "llama", 7.24e9, 32768, "<s>", "</s>",
         "apache-2.0", _INST),
    Arch("gemma2", LLM, "text-generation", "gemma2", 9.24e9, 8192, "<bos>", "<eos>", "gemma",
         _GEMMA),
    Arch("gemma3", VLM, "image-text-to-text", "gemma3", 4.3e9, 131072, "<bos>", "<eos>",
         "gemma", _GEMMA),
    Arch("phi3", LLM, "text-generation", "phi3", 3.82e9, 4096, "<s>", "<|end|>", "mit", _CHATML),
    Arch("gpt2", LLM, "text-generation", "gpt2", 1.37e8, 1024, "<|endoftext|>",
         "<|endoftext|>", "mit", ""),
    Arch("gpt_oss", LLM, "text-generation", "gpt-oss", 2.09e10, 131072, "<|startoftext|>",
         "<|return|>", "apache-2.0", _CHATML),
    Arch("deepseek_v3", LLM, "text-generation", "deepseek2", 6.85e11, 163840,
         "<|begin_of_sentence|>", "<|end_of_sentence|>", "mit", _CHATML),
    Arch("qwen2_vl", VLM, "image-text-to-text", "qwen2vl", 8.29e9, 32768, "<|endoftext|>",
         "<|im_end|>", "apache-2.0", _CHATML),
    Arch("bert", ENC, "fill-mask", "bert", 1.1e8, 512, "[CLS]", "[SEP]", "apache-2.0", ""),
    Arch("roberta", ENC, "fill-mask", "bert", 1.25e8, 512, "<s>", "</s>", "mit", ""),
    Arch("distilbert", ENC, "fill-mask", "bert", 6.7e7, 512, "[CLS]", "[SEP]", "apache-2.0", ""),
    Arch("t5", S2S, "text2text-generation", "t5", 2.48e8, 512, "<pad>", "</s>", "apache-2.0",
         ""),
    Arch("whisper", ASR, "automatic-speech-recognition", "whisper", 2.42e8, 448,
         "<|endoftext|>", "<|endoftext|>", "apache-2.0", ""),
    Arch("vit", IMG, "image-classification", "vit", 8.6e7, 0, "", "", "apache-2.0", ""),
    Arch("flux", T2I, "text-to-image", "flux", 1.19e10, 0, "", "", "other", ""),
    Arch("stable-diffusion-xl", T2I, "text-to-image", "sdxl", 3.5e9, 0, "", "", "openrail++",
         ""),
    Arch("stable-diffusion", T2I, "text-to-image", "sd1", 1.07e9, 0, "", "",
         "creativeml-openrail-m", ""),
    Arch("bert", ST, "sentence-similarity", "bert", 2.27e7, 512, "[CLS]", "[SEP]", "apache-2.0",
         ""),
    Arch("llama", LLM, "text-generation", "llama", 6.74e9, 4096, "<s>", "</s>", "llama2", _INST),
    Arch("qwen-image", T2I, "text-to-image", "qwen_image", 2.04e10, 0, "", "", "apache-2.0",
         ""),
    Arch(None, RL, "reinforcement-learning", "", 0.0, 0, "", "", "mit", ""),
)  # fmt: skip
(A_LLAMA, A_QWEN2, A_QWEN3, A_MISTRAL, A_GEMMA2, A_GEMMA3, A_PHI3, A_GPT2, A_GPTOSS, A_DSV3,
 A_QWEN2VL, A_BERT, A_ROBERTA, A_DISTIL, A_T5, A_WHISPER, A_VIT, A_FLUX, A_SDXL, A_SD15, A_ST,
 A_LLAMA2, A_QWENIMG, A_RL) = range(len(ARCHS))  # fmt: skip
ARCH_DOMAIN = np.array([a.domain for a in ARCHS], dtype=np.int8)
ARCH_PARAMS = np.array([a.params for a in ARCHS])
# Tail-root architectures and their weights.
ROOT_ARCH_W = np.array([
    0.12, 0.12, 0.06, 0.08, 0.04, 0.03, 0.03, 0.03, 0.005, 0.005, 0.03, 0.10, 0.05, 0.03, 0.04,
    0.04, 0.04, 0.03, 0.04, 0.03, 0.05, 0.03, 0.005, 0.0,
])  # fmt: skip

SIZES: tuple[tuple[str, float], ...] = (
    ("0.5B", 4.94e8), ("1B", 1.24e9), ("1.1B", 1.1e9), ("1.5B", 1.54e9), ("3B", 3.21e9),
    ("4B", 4.02e9), ("7B", 7.62e9), ("8B", 8.03e9), ("9B", 9.24e9), ("12B", 1.22e10),
    ("14B", 1.48e10), ("20B", 2.09e10), ("24B", 2.36e10), ("32B", 3.28e10), ("70B", 7.06e10),
    ("671B", 6.85e11),
)  # fmt: skip
SIZE_LABEL = [s for s, _ in SIZES]
SIZE_VALUE = np.array([v for _, v in SIZES])
SIZE_RANDOM_W = np.array(
    [0.08, 0.12, 0.01, 0.1, 0.14, 0.04, 0.2, 0.16, 0.02, 0.04, 0.05, 0.01, 0.01, 0.01, 0.01, 0.0]
)
_SIZE = {s: i for i, s in enumerate(SIZE_LABEL)}

# (org, name, arch, creation date or None for the placeholder era, size label, license),
# in order of family size (rank 0 is the largest family).
GIANTS: tuple[tuple[str, str, int, str | None, str, str], ...] = (
    ("meta-llama", "Llama-3.1-8B-Instruct", A_LLAMA, "2024-07-18", "8B", "llama3.1"),
    ("Qwen", "Qwen2.5-7B-Instruct", A_QWEN2, "2024-09-16", "7B", "apache-2.0"),
    ("black-forest-labs", "FLUX.1-dev", A_FLUX, "2024-07-29", "", "other"),
    ("google-bert", "bert-base-uncased", A_BERT, None, "", "apache-2.0"),
    ("mistralai", "Mistral-7B-v0.1", A_MISTRAL, "2023-09-20", "7B", "apache-2.0"),
    ("stabilityai", "stable-diffusion-xl-base-1.0", A_SDXL, "2023-07-25", "", "openrail++"),
    ("meta-llama", "Meta-Llama-3-8B-Instruct", A_LLAMA, "2024-04-17", "8B", "llama3"),
    ("Qwen", "Qwen3-8B", A_QWEN3, "2025-04-27", "8B", "apache-2.0"),
    ("meta-llama", "Llama-2-7b-hf", A_LLAMA2, "2023-07-13", "7B", "llama2"),
    ("Qwen", "Qwen2.5-1.5B-Instruct", A_QWEN2, "2024-09-17", "1.5B", "apache-2.0"),
    ("google", "gemma-2-9b-it", A_GEMMA2, "2024-06-24", "9B", "gemma"),
    ("mistralai", "Mistral-7B-Instruct-v0.2", A_MISTRAL, "2023-12-11", "7B", "apache-2.0"),
    ("openai-community", "gpt2", A_GPT2, None, "", "mit"),
    ("FacebookAI", "roberta-base", A_ROBERTA, None, "", "mit"),
    ("deepseek-ai", "DeepSeek-R1-Distill-Qwen-7B", A_QWEN2, "2025-01-20", "7B", "mit"),
    ("meta-llama", "Llama-3.2-1B-Instruct", A_LLAMA, "2024-09-18", "1B", "llama3.2"),
    ("microsoft", "Phi-3-mini-4k-instruct", A_PHI3, "2024-04-22", "4B", "mit"),
    ("stable-diffusion-v1-5", "stable-diffusion-v1-5", A_SD15, "2022-10-20", "",
     "creativeml-openrail-m"),
    ("Qwen", "Qwen2.5-0.5B-Instruct", A_QWEN2, "2024-09-16", "0.5B", "apache-2.0"),
    ("google", "gemma-3-4b-it", A_GEMMA3, "2025-03-10", "4B", "gemma"),
    ("openai", "whisper-small", A_WHISPER, "2022-09-26", "", "apache-2.0"),
    ("TinyLlama", "TinyLlama-1.1B-Chat-v1.0", A_LLAMA, "2023-12-30", "1.1B", "apache-2.0"),
    ("distilbert", "distilbert-base-uncased", A_DISTIL, None, "", "apache-2.0"),
    ("Qwen", "Qwen2.5-Coder-7B-Instruct", A_QWEN2, "2024-09-17", "7B", "apache-2.0"),
    ("meta-llama", "Llama-3.2-3B-Instruct", A_LLAMA, "2024-09-18", "3B", "llama3.2"),
    ("google", "vit-base-patch16-224-in21k", A_VIT, None, "", "apache-2.0"),
    ("mistralai", "Mistral-Nemo-Instruct-2407", A_MISTRAL, "2024-07-17", "12B", "apache-2.0"),
    ("sentence-transformers", "all-MiniLM-L6-v2", A_ST, None, "", "apache-2.0"),
    ("Qwen", "Qwen2-VL-7B-Instruct", A_QWEN2VL, "2024-08-28", "7B", "apache-2.0"),
    ("google", "flan-t5-base", A_T5, "2022-10-21", "", "apache-2.0"),
    ("deepseek-ai", "DeepSeek-R1", A_DSV3, "2025-01-20", "671B", "mit"),
    ("openai", "gpt-oss-20b", A_GPTOSS, "2025-08-04", "20B", "apache-2.0"),
    ("Qwen", "Qwen3-4B", A_QWEN3, "2025-04-27", "4B", "apache-2.0"),
    ("meta-llama", "Llama-3.3-70B-Instruct", A_LLAMA, "2024-11-26", "70B", "llama3.3"),
    ("microsoft", "phi-4", A_PHI3, "2024-12-11", "14B", "mit"),
    ("Qwen", "Qwen-Image", A_QWENIMG, "2025-08-02", "", "apache-2.0"),
    ("Qwen", "Qwen2.5-14B-Instruct", A_QWEN2, "2024-09-16", "14B", "apache-2.0"),
)  # fmt: skip

# Official organisations that also publish tail roots: (domain, org, name prefixes).
BIG_ORGS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (LLM, "Qwen", ("Qwen2.5", "Qwen3", "Qwen2", "Qwen1.5", "Qwen2.5-Coder", "Qwen2.5-Math")),
    (LLM, "meta-llama", ("Llama-3.1", "Llama-3.2", "Llama-2", "Meta-Llama-3", "CodeLlama")),
    (LLM, "google", ("gemma-2", "gemma-3", "gemma", "codegemma", "recurrentgemma")),
    (LLM, "mistralai", ("Mistral", "Ministral", "Mistral-Small", "Codestral", "Mathstral")),
    (LLM, "deepseek-ai", ("DeepSeek-V2", "deepseek-coder", "deepseek-llm", "deepseek-math")),
    (LLM, "microsoft", ("Phi-3.5", "phi-1_5", "Orca-2", "Phi-4-mini")),
    (LLM, "nvidia", ("Nemotron", "Llama-3.1-Nemotron", "OpenMath", "AceMath")),
    (LLM, "ibm-granite", ("granite-3.1", "granite-3.3", "granite-4.0")),
    (LLM, "allenai", ("OLMo-2", "Llama-3.1-Tulu-3", "OLMoE")),
    (LLM, "HuggingFaceTB", ("SmolLM2", "SmolLM3", "SmolLM")),
    (LLM, "tiiuae", ("falcon", "Falcon3", "falcon-mamba")),
    (LLM, "01-ai", ("Yi-1.5", "Yi")),
    (LLM, "THUDM", ("glm-4", "chatglm3")),
    (LLM, "zai-org", ("GLM-4.5", "GLM-Z1")),
    (LLM, "internlm", ("internlm2_5", "internlm3")),
    (LLM, "moonshotai", ("Kimi", "Moonlight")),
    (LLM, "tencent", ("Hunyuan",)),
    (LLM, "baichuan-inc", ("Baichuan2",)),
    (LLM, "CohereForAI", ("aya-expanse", "c4ai-command-r")),
    (LLM, "EleutherAI", ("pythia", "gpt-neo")),
    (LLM, "bigscience", ("bloom", "bloomz")),
    (LLM, "LGAI-EXAONE", ("EXAONE-3.5",)),
    (LLM, "ByteDance-Seed", ("Seed-Coder",)),
    (LLM, "MiniMaxAI", ("MiniMax-M1",)),
    (VLM, "Qwen", ("Qwen2.5-VL", "Qwen3-VL")),
    (VLM, "google", ("paligemma2",)),
    (VLM, "OpenGVLab", ("InternVL2_5", "InternVL3")),
    (VLM, "llava-hf", ("llava-v1.6",)),
    (T2I, "stabilityai", ("stable-diffusion-2-1", "sdxl-turbo", "stable-diffusion-3.5")),
    (T2I, "black-forest-labs", ("FLUX.1-schnell", "FLUX.1-Kontext")),
    (ENC, "google-bert", ("bert-large", "bert-base-multilingual")),
    (ENC, "FacebookAI", ("xlm-roberta",)),
    (ENC, "microsoft", ("deberta-v3", "mdeberta-v3")),
    (ST, "BAAI", ("bge-m3", "bge-small-en", "bge-base-en")),
    (ST, "intfloat", ("e5-base", "multilingual-e5")),
    (ST, "sentence-transformers", ("paraphrase-multilingual", "all-mpnet")),
    (ST, "nomic-ai", ("nomic-embed-text",)),
    (ST, "jinaai", ("jina-embeddings",)),
    (S2S, "google", ("flan-t5", "mt5", "t5-v1_1")),
    (S2S, "facebook", ("bart", "mbart-large")),
    (ASR, "openai", ("whisper",)),
    (ASR, "facebook", ("wav2vec2", "mms")),
    (IMG, "google", ("vit",)),
    (IMG, "facebook", ("dinov2", "convnext")),
    (IMG, "microsoft", ("swin", "resnet")),
)
QUANT_ORGS: tuple[str, ...] = (
    "mradermacher", "bartowski", "TheBloke", "QuantFactory", "RichardErkhov",
    "lmstudio-community", "MaziyarPanahi", "second-state", "DevQuasar", "unsloth",
    "mlx-community", "Xenova", "onnx-community", "city96", "casperhansen", "hugging-quants",
    "solidrust", "ModelCloud", "TechxGenus", "RedHatAI", "neuralmagic", "LoneStriker",
    "turboderp",
)  # fmt: skip
COMMUNITY_ORGS: tuple[str, ...] = (
    "NousResearch", "cognitivecomputations", "teknium", "mlabonne", "jondurbin", "Open-Orca",
    "HuggingFaceH4", "upstage", "abacusai", "WizardLMTeam", "lmsys", "Intel", "openchat",
    "Sao10K", "TheDrummer", "DavidAU", "huihui-ai", "Undi95", "NeverSleep", "allknowingroger",
    "bunnycore", "VAGOsolutions", "arcee-ai", "Nexusflow", "ai4bharat", "sarvamai",
)  # fmt: skip

WORDS: tuple[str, ...] = _words(
    "Nova Hermes Orca Dolphin Zephyr Neural Mythic Aurora Phoenix Nebula Atlas Titan Luna Solar "
    "Stellar Cosmo Quantum Falcon Raven Wolf Tiger Dragon Lynx Otter Panda Koala Maple Cedar "
    "Willow Ember Blaze Frost Storm Thunder Echo Vega Orion Lyra Sirius Helix Vertex Apex Zenith "
    "Pulse Spark Prism Crystal Onyx Jade Ruby Sapphire Amber Silver Golden Crimson Azure Velvet "
    "Shadow Midnight Dawn Dusk Starling Sparrow Kestrel Heron Magpie Cerebro Sage Oracle Mentor "
    "Scholar Muse Bard Poet Rogue Knight Paladin Wizard Alchemist Nomad Pilgrim Voyager Pioneer "
    "Ranger Scout Sentinel Guardian Tempest Chimera Hydra Kraken Griffin Pegasus Sphinx Valkyrie "
    "Athena Apollo Hera Zeus Loki Freya Odin Saiga Bagel Platypus Capybara Llamarine"
)
LOWER_WORDS: tuple[str, ...] = tuple(w.lower() for w in WORDS)
FT_WORDS: tuple[str, ...] = _words(
    "sft dpo orpo grpo kto simpo instruct chat finetuned ft abliterated uncensored math coder "
    "reasoning roleplay rp medical legal finance function-calling tool-use distilled merged "
    "merged-16bit lora-merged 16bit v2 v3 v0.1 v1.1 test exp final ko ja zh es fr de ar hi vi "
    "it pt tr pl id"
)
DATASETS: tuple[str, ...] = _words(
    "imdb squad emotion sst2 cola conll2003 ner mrpc ag-news yelp tweet-eval xsum cnn-dailymail "
    "wikiann food101 cifar10 beans common-voice minds14 fleurs samsum billsum"
)
TAG_DATASETS: tuple[str, ...] = (
    "HuggingFaceH4/ultrachat_200k", "mlabonne/orpo-dpo-mix-40k", "Open-Orca/SlimOrca",
    "teknium/OpenHermes-2.5", "tatsu-lab/alpaca", "yahma/alpaca-cleaned", "imdb", "squad",
    "dair-ai/emotion", "glue", "conll2003", "mozilla-foundation/common_voice_11_0",
    "HuggingFaceFW/fineweb-edu", "open-r1/OpenR1-Math-220k", "gsm8k", "wikitext",
)  # fmt: skip
LANGS: tuple[str, ...] = _words("hi ar ko ja zh es fr de vi it pt tr pl id nl sv uk ru fa bn")
MERGE_METHODS: tuple[str, ...] = (
    "slerp",
    "ties",
    "dare-ties",
    "della",
    "model_stock",
    "linear",
    "passthrough",
    "merge",
)
QUANT_LEVELS: tuple[str, ...] = ("Q4_K_M", "Q8_0", "Q5_K_M", "Q6_K", "Q4_0", "IQ4_XS")
RL_ALGOS: tuple[str, ...] = ("ppo", "dqn", "a2c", "q", "Reinforce", "sac", "td3")
RL_ENVS: tuple[str, ...] = (
    "LunarLander-v2", "CartPole-v1", "SpaceInvadersNoFrameskip-v4", "Huggy", "SnowballTarget",
    "Pyramids", "PandaReachDense-v3", "Taxi-v3", "FrozenLake-v1-4x4-noSlippery",
    "BreakoutNoFrameskip-v4", "doom_health_gathering_supreme", "SoccerTwos", "MountainCar-v0",
    "Pixelcopter-PLE-v0", "Acrobot-v1",
)  # fmt: skip
ENC_BASES: tuple[str, ...] = (
    "bert-base-uncased", "bert-base-cased", "distilbert-base-uncased", "roberta-base",
    "xlm-roberta-base", "deberta-v3-base", "bert-base-multilingual-cased", "roberta-large",
    "albert-base-v2", "electra-base-discriminator", "deberta-v3-small", "bert-large-uncased",
)  # fmt: skip
MISC_NAMES: tuple[str, ...] = (
    "my_awesome_model", "my-awesome-model", "test-model", "test", "model", "results", "output",
    "outputs", "checkpoints", "my_model", "trained-model", "final-model", "my-first-model",
    "sd-class-butterflies-32", "ddpm-butterflies-128", "lora-adapter", "checkpoint-500",
    "fine-tuned-model", "new-model", "demo",
)  # fmt: skip
BSZ: tuple[str, ...] = ("base", "large", "small", "tiny", "medium", "base-v2", "large-v2")
LLM_SFX: tuple[str, ...] = ("", "-Instruct", "-Base", "-Chat", "-it", "")
VERSIONS: tuple[str, ...] = ("v0.1", "v1", "v1.5", "v2", "2", "3", "v0.2", "1.1")
SYLLABLES: tuple[str, ...] = _words(
    "ka ri to mi sa na lo ve zen dro ix al ex yu chen wei li ma ra jo an el tek neo qu sh dev "
    "ko ji ha ru ta ni ke so pa mo de vi la be ro fi nu gi da zu ya fe xo bo ci lu ar on"
)
FIRST_NAMES: tuple[str, ...] = _words(
    "john jane alex maria wei li yuki hiro ahmed fatima carlos ana ivan olga raj priya kim min "
    "lucas emma noah mia omar sara david laura tom anna paul nina mark eva leo zoe ravi amit "
    "chen jun sven lars pierre marie luca giulia"
)
LAST_NAMES: tuple[str, ...] = _words(
    "smith wang li zhang kim park tanaka sato khan singh garcia lopez rossi muller schmidt "
    "ivanov novak silva santos nguyen tran patel sharma chen liu yang huang martin bernard "
    "dubois weber fischer jensen hansen kowalski"
)
USER_SUFFIXES: tuple[str, ...] = ("", "", "", "-ai", "_ml", "-lab", "-labs", "hf", "-dev", "-nlp")
LICENSES: tuple[str, ...] = (
    "apache-2.0", "mit", "other", "cc-by-nc-4.0", "cc-by-4.0", "llama3.1", "gemma", "openrail",
)  # fmt: skip

# Quantization styles.
(Q_GGUF, Q_GGUF_I1, Q_GGUF_MY, Q_AWQ, Q_GPTQ, Q_BNB, Q_MLX, Q_FP8, Q_EXL2, Q_ONNX,
 Q_UNSLOTH) = range(11)  # fmt: skip
QUANT_STYLE_P: dict[int, tuple[float, ...]] = {
    LLM: (0.40, 0.08, 0.08, 0.07, 0.07, 0.12, 0.10, 0.05, 0.03, 0.0, 0.0),
    VLM: (0.30, 0.0, 0.0, 0.15, 0.10, 0.20, 0.15, 0.10, 0.0, 0.0, 0.0),
    T2I: (0.60, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.40, 0.0, 0.0, 0.0),
}
QUANT_STYLE_OTHER = (0.0,) * 9 + (1.0, 0.0)
# (named uploaders, their probabilities); the remainder goes to synthetic users.
QUANT_AUTHORS: dict[int, tuple[tuple[str, ...], tuple[float, ...]]] = {
    Q_GGUF: (("mradermacher", "bartowski", "QuantFactory", "RichardErkhov", "lmstudio-community",
              "MaziyarPanahi", "second-state", "DevQuasar", "TheBloke"),
             (0.22, 0.12, 0.05, 0.06, 0.03, 0.03, 0.02, 0.02, 0.03)),
    Q_GGUF_I1: (("mradermacher",), (1.0,)),
    Q_GGUF_MY: ((), ()),
    Q_AWQ: (("TheBloke", "casperhansen", "hugging-quants", "solidrust"), (0.2, 0.05, 0.05, 0.1)),
    Q_GPTQ: (("TheBloke", "ModelCloud", "TechxGenus"), (0.25, 0.05, 0.03)),
    Q_BNB: (("unsloth",), (0.5,)),
    Q_MLX: (("mlx-community",), (0.75,)),
    Q_FP8: (("RedHatAI", "neuralmagic"), (0.3, 0.15)),
    Q_EXL2: (("LoneStriker", "turboderp", "bartowski"), (0.3, 0.1, 0.1)),
    Q_ONNX: (("Xenova", "onnx-community"), (0.35, 0.35)),
    Q_UNSLOTH: (("unsloth",), (1.0,)),
}  # fmt: skip
THEBLOKE_UNTIL = _epoch("2024-02-01T00:00:00")

# Loner styles (models that declare no parent and have no children).
L_RL, L_ENC, L_LLM, L_QUANT, L_MISC, L_T2I, L_ASR = range(7)
LONER_P = np.array([0.12, 0.28, 0.25, 0.05, 0.12, 0.10, 0.08])
LONER_ARCHS: dict[int, tuple[int, ...]] = {
    L_RL: (A_RL,),
    L_ENC: (A_BERT, A_ROBERTA, A_DISTIL, A_BERT),
    L_LLM: (A_LLAMA, A_QWEN2, A_MISTRAL, A_GEMMA2, A_PHI3, A_QWEN3, A_LLAMA2, A_GPT2),
    L_QUANT: (A_LLAMA, A_QWEN2, A_MISTRAL, A_QWEN3),
    L_MISC: (A_BERT, A_GPT2, A_DISTIL),
    L_T2I: (A_SD15, A_SDXL),
    L_ASR: (A_WHISPER,),
}

# Relation propensity by domain (before the overall mix is fitted to REL_TARGET).
REL_BASE = np.array([
    [0.35, 0.37, 0.25, 0.03],  # LLM
    [0.35, 0.40, 0.23, 0.02],  # VLM
    [0.88, 0.08, 0.03, 0.01],  # T2I
    [0.15, 0.78, 0.06, 0.01],  # ENC
    [0.15, 0.78, 0.06, 0.01],  # ST
    [0.15, 0.78, 0.06, 0.01],  # S2S
    [0.15, 0.78, 0.06, 0.01],  # ASR
    [0.15, 0.78, 0.06, 0.01],  # IMG
    [0.15, 0.78, 0.06, 0.01],  # RL (unused)
])  # fmt: skip
# Target depth (1..8) by relation.
DEPTH_P = np.array([
    [0.78, 0.16, 0.04, 0.013, 0.005, 0.0015, 0.0004, 0.0001],  # adapter
    [0.62, 0.24, 0.09, 0.032, 0.011, 0.004, 0.0015, 0.0005],  # finetune
    [0.45, 0.33, 0.14, 0.05, 0.018, 0.007, 0.0025, 0.0008],  # quantized
    [0.15, 0.40, 0.25, 0.12, 0.05, 0.02, 0.007, 0.003],  # merge
])  # fmt: skip

# Family-size law: rank r of a root gets weight (r + ZIPF_R0) ** -ZIPF_ALPHA.
ZIPF_ALPHA = 1.25
ZIPF_R0 = 1.2
TAIL_ROOTS = 0.03

# --------------------------------------------------------------------------------------------
# Hashing and vectorized string helpers
# --------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


def _splitmix(x: Arr) -> Arr:
    z = x.astype(np.uint64, copy=True)
    z += np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


class Hasher:
    """Per-node pseudo-random draws that depend only on (seed, node, purpose)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def bits(self, idx: Arr, purpose: int) -> Arr:
        key = (self.seed * 0x100000001B3 + purpose * 0x9E3779B1 + 0x632BE59BD9B4E019) & _MASK64
        mixed = _splitmix(np.array([key], dtype=np.uint64))
        return _splitmix(idx.astype(np.uint64) ^ mixed[0])

    def unif(self, idx: Arr, purpose: int) -> Arr:
        return (self.bits(idx, purpose) >> np.uint64(11)).astype(np.float64) * (2.0**-53)

    def below(self, idx: Arr, purpose: int, n: int) -> Arr:
        return np.minimum((self.unif(idx, purpose) * n).astype(np.int64), n - 1)

    def pick(self, idx: Arr, purpose: int, probs: Sequence[float] | Arr) -> Arr:
        p = np.asarray(probs, dtype=np.float64)
        cdf = np.cumsum(p / p.sum())
        cdf[-1] = 1.0
        return np.searchsorted(cdf, self.unif(idx, purpose), side="right").astype(np.int64)

    def normal(self, idx: Arr, purpose: int) -> Arr:
        u1 = np.maximum(self.unif(idx, purpose), 1e-300)
        u2 = self.unif(idx, purpose + 50)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def _cat(*parts: Any) -> Any:
    """Concatenate string arrays and literals element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def _vocab(words: Sequence[str]) -> Any:
    return pa.array(list(words), pa.string())


def _take(words: Sequence[str] | Any, codes: Arr) -> Any:
    arr = words if isinstance(words, pa.Array) else _vocab(words)
    return arr.take(pa.array(codes.astype(np.int64)))


def _str(values: Arr) -> Any:
    return pc.cast(pa.array(values.astype(np.int64)), pa.string())


def _fixed_strings(buf: Arr) -> Any:
    """A (rows, width) uint8 array of ASCII bytes as a StringArray."""
    rows, width = buf.shape
    offsets = np.arange(0, rows * width + 1, width, dtype=np.int32)
    data = np.ascontiguousarray(buf, dtype=np.uint8)
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _object_ids(ts: Arr, rnd: Arr) -> Any:
    """Mongo-style 24-hex ``_id`` strings: 4 timestamp bytes and 8 random bytes."""
    n = len(ts)
    raw = np.empty((n, 12), dtype=np.uint8)
    raw[:, :4] = ts.astype(">u4").view(np.uint8).reshape(n, 4)
    raw[:, 4:] = rnd.astype(">u8").view(np.uint8).reshape(n, 8)
    out = np.empty((n, 24), dtype=np.uint8)
    out[:, 0::2] = _HEX[raw >> 4]
    out[:, 1::2] = _HEX[raw & 15]
    return _fixed_strings(out)


def _assemble(n: int, groups: Sequence[tuple[Arr, Any]], dtype: Any = None) -> Any:
    """Scatter (positions, values) groups into an array of length n (null elsewhere)."""
    dtype = pa.string() if dtype is None else dtype
    covered = np.zeros(n, dtype=bool)
    order_parts: list[Arr] = []
    values: list[Any] = []
    for pos, vals in groups:
        if len(pos):
            covered[pos] = True
            order_parts.append(pos)
            values.append(vals.cast(dtype) if vals.type != dtype else vals)
    rest = np.flatnonzero(~covered)
    order_parts.append(rest)
    values.append(pa.nulls(len(rest), dtype))
    order = np.concatenate(order_parts)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n, dtype=np.int64)
    return pa.concat_arrays(values).take(pa.array(inverse))


def _ragged(ptr: Arr, rows: Arr) -> tuple[Arr, Arr]:
    """For CSR ``ptr`` and selected rows: (row number within ``rows``, flat position)."""
    starts = ptr[rows]
    lengths = ptr[rows + 1] - starts
    total = int(lengths.sum())
    rowrep = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    within = np.arange(total, dtype=np.int64) - np.repeat(first, lengths)
    return rowrep, starts[rowrep] + within


def _group_rank(keys: Arr) -> Arr:
    """Rank of each element among equal keys, in the given order (keys sorted)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.ones(n, dtype=bool)
    start[1:] = keys[1:] != keys[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    return np.arange(n, dtype=np.int64) - first


# --------------------------------------------------------------------------------------------
# The synthetic hub
# --------------------------------------------------------------------------------------------

KIND_ROOT, KIND_CHILD, KIND_LONER = 0, 1, 2
DECL_FULL, DECL_TAGS, DECL_CARD = 0, 1, 2

# Hash purposes, 100 apart so that ``purpose + k`` sub-draws never collide.
(
    H_ARCH, H_SIZE, H_BIGORG, H_AUTHOR, H_USER, H_TMPL, H_QSTYLE, H_DECL, H_CARDID, H_PARAMS,
    H_DTYPE, H_LIB, H_FMT, H_EXTRA, H_LANG, H_DATASET, H_LICENSE, H_CARD, H_GGUF, H_OID,
    H_PIPE, H_EMPTYBM,
) = range(1_000, 3_200, 100)  # fmt: skip


@dataclass
class Hub:
    """All node-level arrays (nodes are indexed in creation order; stubs are not written)."""

    n: int
    seed: int
    created: Arr
    modified: Arr
    kind: Arr
    rel: Arr
    arch: Arr
    size: Arr
    params: Arr
    root: Arr
    depth: Arr
    style: Arr
    decl: Arr
    giant: Arr
    stub: Arr
    selfref: Arr
    pptr: Arr
    pidx: Arr
    back_edges: Arr
    author: Arr
    author_names: Any
    author_tier: Arr
    ids: Any
    downloads: Arr
    all_time: Arr
    likes: Arr
    trending: Arr


def _n_stubs(n: int) -> int:
    return max(2, round(n * 2e-4))


def _scaled(count: float, n: int, minimum: int) -> int:
    return max(minimum, round(count * n / REFERENCE_N))


class Builder:
    """Builds the node arrays with vectorized draws from one seeded generator."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.seed = seed
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.h = Hasher(seed)
        self.m = n + _n_stubs(n)

    # ---- time ---------------------------------------------------------------------------
    def times(self) -> tuple[Arr, int]:
        m = self.m
        n_ph = max(1, round(0.02 * m))
        lam = math.log(2.0) / (1.1 * YEAR)
        span = SNAPSHOT - START - DAY
        u = self.rng.random(m - n_ph)
        t = np.sort((START + np.log1p(u * math.expm1(lam * span)) / lam).astype(np.int64))
        k = np.arange(len(t), dtype=np.int64)
        t = np.maximum.accumulate(t - k) + k
        created = np.empty(m, dtype=np.int64)
        created[:n_ph] = PLACEHOLDER
        created[n_ph:] = t
        return created, n_ph

    # ---- graph --------------------------------------------------------------------------
    def build(self) -> Hub:
        rng, h, m, n = self.rng, self.h, self.m, self.n
        created, n_ph = self.times()
        n_self = _scaled(24, n, 2)
        n_children = round(PARENT_SHARE * n) - n_self

        # Children: weighted sample without replacement (exponential keys), more likely later.
        mid, scale = _epoch("2023-09-01T00:00:00"), 150.0 * DAY
        w = 0.2 + 0.8 / (1.0 + np.exp(-(created - mid) / scale))
        key = rng.exponential(size=m) / w
        key[:n_ph] = np.inf
        child = np.sort(np.argpartition(key, n_children)[:n_children])
        is_child = np.zeros(m, dtype=bool)
        is_child[child] = True

        # Roots: the giants at their (real) release dates, then a tail.
        n_giants = min(len(GIANTS), max(3, n // 1500))
        giant_nodes = np.full(n_giants, -1, dtype=np.int64)
        taken = is_child.copy()
        ph_free = list(rng.permutation(np.arange(1, n_ph)))
        for g in range(n_giants):
            date = GIANTS[g][3]
            if date is None:
                node = 0 if not taken[0] else int(ph_free.pop())
            else:
                pos = int(np.searchsorted(created, _epoch(date + "T12:00:00")))
                pos = min(pos, m - 1)
                free = np.flatnonzero(~taken[pos:])
                node = pos + int(free[0]) if len(free) else int(np.flatnonzero(~taken)[-1])
            giant_nodes[g] = node
            taken[node] = True
        if not taken[0]:  # node 0 always roots something so every child has an older root
            giant_nodes = np.concatenate([giant_nodes, [0]])
            taken[0] = True
        pool = np.flatnonzero(~taken)
        n_tail = max(1, round(TAIL_ROOTS * m))
        tail = rng.choice(pool, size=min(n_tail, len(pool) - n_self - 10), replace=False)
        roots = np.concatenate([giant_nodes, tail]).astype(np.int64)
        n_roots = len(roots)
        is_root = np.zeros(m, dtype=bool)
        is_root[roots] = True
        giant = np.full(m, -1, dtype=np.int16)
        giant[giant_nodes[:n_giants]] = np.arange(n_giants, dtype=np.int16)

        # Family of each child: Zipf over root ranks, redrawn until the root is older.
        weights = (np.arange(n_roots) + ZIPF_R0) ** -ZIPF_ALPHA
        cdf = np.cumsum(weights / weights.sum())
        cdf[-1] = 1.0
        fam = np.full(n_children, -1, dtype=np.int64)
        pending = np.arange(n_children)
        for _ in range(12):
            r = np.searchsorted(cdf, rng.random(len(pending)), side="right")
            ok = roots[r] < child[pending]
            fam[pending[ok]] = r[ok]
            pending = pending[~ok]
            if not len(pending):
                break
        if len(pending):
            by_time = np.argsort(roots)
            sorted_roots = roots[by_time]
            before = np.searchsorted(sorted_roots, child[pending])
            pick = (rng.random(len(pending)) * before).astype(np.int64)
            fam[pending] = by_time[pick]
        root = np.full(m, -1, dtype=np.int64)
        root[child] = roots[fam]
        root[roots] = roots

        # Architectures and sizes of roots; children inherit them.
        arch = np.full(m, A_RL, dtype=np.int8)
        size = np.full(m, -1, dtype=np.int8)
        for g in range(n_giants):
            node = giant_nodes[g]
            arch[node] = GIANTS[g][2]
            size[node] = _SIZE[GIANTS[g][4]] if GIANTS[g][4] else -1
        arch[tail] = h.pick(tail, H_ARCH, ROOT_ARCH_W)
        llmish = np.isin(ARCH_DOMAIN[arch[tail]], (LLM, VLM))
        size[tail[llmish]] = h.pick(tail[llmish], H_SIZE, SIZE_RANDOM_W)
        if giant[0] < 0:  # the fallback root at node 0 (small n): a legacy encoder
            arch[0] = A_BERT
        arch[child] = arch[root[child]]
        size[child] = size[root[child]]

        # Relations: per-domain propensities fitted so the overall mix hits REL_TARGET.
        dom = ARCH_DOMAIN[arch[child]]
        share = np.bincount(dom, minlength=N_DOMAINS) / max(1, n_children)
        lam = np.ones(4)
        probs = REL_BASE.copy()
        for _ in range(300):
            probs = REL_BASE * lam
            probs /= probs.sum(axis=1, keepdims=True)
            lam *= REL_TARGET / (share @ probs)
        cum = np.cumsum(probs, axis=1)
        u = rng.random(n_children)
        rel_c = (u[:, None] > cum[dom]).sum(axis=1).astype(np.int8)
        rel_c = np.minimum(rel_c, 3)
        rel = np.full(m, -1, dtype=np.int8)
        rel[child] = rel_c

        # A few quantizations (unsloth-style bnb-4bit) and adapters do have children.
        style = np.full(m, -1, dtype=np.int8)
        ur = rng.random(n_children)
        parentable = np.zeros(m, dtype=bool)
        q_llm = (rel_c == QUANTIZED) & np.isin(dom, (LLM, VLM))
        parentable[child[q_llm & (ur < 0.02)]] = True
        parentable[child[(rel_c == ADAPTER) & (ur < 0.004)]] = True

        depth, parents_first = self._primary_parents(child, rel, root, parentable, m)
        e_child, e_parent = self._merge_parents(
            child, rel, root, depth, parents_first, parentable, roots, arch, m
        )

        # Self-references among loners (declared in card/tags only).
        loner_pool = np.flatnonzero(~is_child & ~is_root)
        loner_pool = loner_pool[loner_pool >= n_ph]
        selfref = np.zeros(m, dtype=bool)
        self_nodes = np.sort(rng.choice(loner_pool, size=n_self, replace=False))
        selfref[self_nodes] = True

        # Cycles: a mid-chain finetune re-declares its own descendant as its parent.
        n_cyc = _scaled(16, n, 2)
        back = self._cycles(child, rel, depth, e_child, e_parent, parentable, n_cyc, m)
        for a, b in back:
            e_parent[(e_child == a)] = b
        back_edges = np.array(back, dtype=np.int64).reshape(-1, 2)

        # Stubs: small roots (not giants) whose rows are not written.
        n_stub = m - n
        child_count = np.bincount(e_parent, minlength=m)
        fam_size = np.bincount(root[child], minlength=m)
        cand = tail[(child_count[tail] > 0) & (fam_size[tail] <= 50)]
        if len(cand) < n_stub:
            cand = tail[child_count[tail] > 0]
        if len(cand) < n_stub:
            cand = np.concatenate([cand, tail[child_count[tail] == 0]])
        stub = np.zeros(m, dtype=bool)
        stub[rng.choice(cand, size=n_stub, replace=False)] = True

        # Edges in declared order: children (+ merges), then self-references.
        e_child = np.concatenate([e_child, self_nodes])
        e_parent = np.concatenate([e_parent, self_nodes])
        order = np.argsort(e_child, kind="stable")
        e_child, e_parent = e_child[order], e_parent[order]
        pptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(e_child, minlength=m), out=pptr[1:])

        kind = np.full(m, KIND_LONER, dtype=np.int8)
        kind[roots] = KIND_ROOT
        kind[child] = KIND_CHILD
        rel[self_nodes] = FINETUNE

        # Loners: style and architecture.
        loners = np.flatnonzero(kind == KIND_LONER)
        lstyle = h.pick(loners, H_TMPL + 1, LONER_P)
        style[loners] = lstyle
        for s, options in LONER_ARCHS.items():
            sel = loners[lstyle == s]
            arch[sel] = np.array(options, dtype=np.int8)[h.below(sel, H_ARCH, len(options))]
        arch[self_nodes] = A_LLAMA
        style[self_nodes] = L_LLM
        ll = loners[np.isin(ARCH_DOMAIN[arch[loners]], (LLM, VLM))]
        size[ll] = h.pick(ll, H_SIZE, SIZE_RANDOM_W)

        # Quantization styles.
        qn = child[rel_c == QUANTIZED]
        qd = ARCH_DOMAIN[arch[qn]]
        qstyle = np.full(len(qn), Q_ONNX, dtype=np.int64)
        for d, p in QUANT_STYLE_P.items():
            sel = qd == d
            qstyle[sel] = h.pick(qn[sel], H_QSTYLE, p)
        qstyle[parentable[qn]] = Q_UNSLOTH
        style[qn] = qstyle

        # How lineage is declared.
        decl = np.full(m, DECL_FULL, dtype=np.int8)
        ud = h.unif(np.arange(m), H_DECL)
        decl[ud >= BASEMODELS_SHARE] = DECL_TAGS
        decl[ud >= 1.0 - CARD_ONLY_SHARE] = DECL_CARD
        decl[back_edges[:, 0]] = DECL_FULL
        decl[self_nodes] = np.where(np.arange(n_self) % 2 == 0, DECL_TAGS, DECL_CARD)

        # Parameter counts: roots from their size/arch, children inherit the root's.
        jitter = 0.97 + 0.06 * h.unif(np.arange(m), H_PARAMS)
        base = np.where(size >= 0, SIZE_VALUE[np.maximum(size, 0)], ARCH_PARAMS[arch])
        params = (base * jitter).astype(np.int64)
        params[child] = params[root[child]]

        modified = self._modified(created, n_ph)
        hub = Hub(
            n=n, seed=self.seed, created=created, modified=modified, kind=kind, rel=rel,
            arch=arch, size=size, params=params, root=root, depth=depth, style=style,
            decl=decl, giant=giant, stub=stub, selfref=selfref, pptr=pptr,
            pidx=e_parent.astype(np.int64), back_edges=back_edges,
            author=np.zeros(m, dtype=np.int64), author_names=None,
            author_tier=np.zeros(0, dtype=np.int8), ids=None,
            downloads=np.zeros(m, dtype=np.int64), all_time=np.zeros(m, dtype=np.int64),
            likes=np.zeros(m, dtype=np.int64), trending=np.zeros(m),
        )  # fmt: skip
        Namer(hub, h, rng).name()
        self._popularity(hub)
        return hub

    def _primary_parents(
        self, child: Arr, rel: Arr, root: Arr, parentable: Arr, m: int
    ) -> tuple[Arr, Arr]:
        """Depth passes: a depth-d child picks an older eligible depth-(d-1) family member."""
        rng = self.rng
        rel_c = rel[child]
        elig = np.zeros(m, dtype=bool)
        elig[child] = (rel_c == FINETUNE) | (rel_c == MERGE)
        elig |= parentable
        cum = np.cumsum(DEPTH_P / DEPTH_P.sum(axis=1, keepdims=True), axis=1)
        target = 1 + (rng.random(len(child))[:, None] > cum[rel_c]).sum(axis=1)
        target = np.minimum(target, MAX_DEPTH)
        depth = np.zeros(m, dtype=np.int8)
        parent = np.full(m, -1, dtype=np.int64)
        first = child[target == 1]
        parent[first] = root[first]
        depth[first] = 1
        for d in range(2, MAX_DEPTH + 1):
            q = child[target == d]
            if not len(q):
                continue
            cand = child[(depth[child] == d - 1) & elig[child]]
            keys = root[cand] * m + cand
            order = np.argsort(keys)
            keys, cand = keys[order], cand[order]
            lo = np.searchsorted(keys, root[q] * m)
            hi = np.searchsorted(keys, root[q] * m + q)
            cnt = hi - lo
            ok = cnt > 0
            pick = lo + np.minimum((cnt * rng.random(len(q)) ** 1.5).astype(np.int64), cnt - 1)
            parent[q[ok]] = cand[pick[ok]]
            depth[q[ok]] = d
            parent[q[~ok]] = root[q[~ok]]
            depth[q[~ok]] = 1
        return depth, parent

    def _merge_parents(
        self,
        child: Arr,
        rel: Arr,
        root: Arr,
        depth: Arr,
        parent: Arr,
        parentable: Arr,
        roots: Arr,
        arch: Arr,
        m: int,
    ) -> tuple[Arr, Arr]:
        """Edges (child, parent) in declared order; merges get 2-6 distinct parents."""
        rng = self.rng
        merges = child[rel[child] == MERGE]
        k = rng.choice(MERGE_K, size=len(merges), p=MERGE_K_P)
        rep = np.repeat(merges, k - 1)
        cap = depth[rep].astype(np.int64) - 1  # extra parents no deeper than the first one
        level = (rng.random(len(rep)) * (cap + 1)).astype(np.int64)
        same = rng.random(len(rep)) < 0.7
        elig = np.zeros(m, dtype=bool)
        elig[child] = (rel[child] == FINETUNE) | (rel[child] == MERGE)
        elig |= parentable
        ec = child[elig[child]]
        extra = np.full(len(rep), -1, dtype=np.int64)
        # Same family, at a random level.
        k2 = (root[ec] * (MAX_DEPTH + 1) + depth[ec]) * m + ec
        o2 = np.argsort(k2)
        k2, ec2 = k2[o2], ec[o2]
        sel = np.flatnonzero(same & (level >= 1))
        base = (root[rep[sel]] * (MAX_DEPTH + 1) + level[sel]) * m
        lo = np.searchsorted(k2, base)
        cnt = np.searchsorted(k2, base + rep[sel]) - lo
        pick = lo + np.minimum(
            (cnt * rng.random(len(sel))).astype(np.int64), np.maximum(cnt - 1, 0)
        )
        ok = cnt > 0
        extra[sel[ok]] = ec2[pick[ok]]
        sel0 = np.flatnonzero(same & (extra < 0))
        extra[sel0] = root[rep[sel0]]
        # Other families of the same architecture: an eligible node (or root) at that level
        # created earlier.
        nodes = np.concatenate([ec, roots])
        kg = (arch[nodes].astype(np.int64) * (MAX_DEPTH + 1) + depth[nodes]) * m + nodes
        og = np.argsort(kg)
        kg, ng = kg[og], nodes[og]
        rep_arch = arch[rep].astype(np.int64) * (MAX_DEPTH + 1)
        for _ in range(3):
            sel = np.flatnonzero(extra < 0)
            if not len(sel):
                break
            base = (rep_arch[sel] + level[sel]) * m
            lo = np.searchsorted(kg, base)
            cnt = np.searchsorted(kg, base + rep[sel]) - lo
            pick = lo + np.minimum(
                (cnt * rng.random(len(sel))).astype(np.int64), np.maximum(cnt - 1, 0)
            )
            ok = cnt > 0
            extra[sel[ok]] = ng[pick[ok]]
            level[sel[~ok]] = 0
        # Declared order: first parent, then the extras; duplicates removed, then topped up.
        single = child
        e_child = np.concatenate([single, rep])
        e_parent = np.concatenate([parent[single], extra])
        e_pos = np.concatenate([np.zeros(len(single), dtype=np.int64), np.arange(1, len(rep) + 1)])
        sorted_roots = np.sort(roots)
        arch_key = np.sort(arch[roots].astype(np.int64) * m + roots)
        for attempt in range(12):
            order = np.lexsort((e_pos, e_parent, e_child))
            e_child, e_parent, e_pos = e_child[order], e_parent[order], e_pos[order]
            dup = np.zeros(len(e_child), dtype=bool)
            dup[1:] = (e_child[1:] == e_child[:-1]) & (e_parent[1:] == e_parent[:-1])
            e_child, e_parent, e_pos = e_child[~dup], e_parent[~dup], e_pos[~dup]
            counts = np.bincount(e_child, minlength=m)
            short = merges[counts[merges] < 2]
            if not len(short) or attempt == 11:
                break
            # top up with an older root of the same architecture (any root as a last resort)
            a0 = arch[short].astype(np.int64) * m
            lo = np.searchsorted(arch_key, a0)
            cnt = np.searchsorted(arch_key, a0 + short) - lo
            pick = lo + (rng.random(len(short)) * cnt).astype(np.int64)
            extra_root = arch_key[np.minimum(pick, len(arch_key) - 1)] - a0
            anyroot = (cnt == 0) | (attempt >= 8)
            before = np.searchsorted(sorted_roots, short[anyroot])
            pick_any = (rng.random(int(anyroot.sum())) * before).astype(np.int64)
            extra_root[anyroot] = sorted_roots[pick_any]
            e_child = np.concatenate([e_child, short])
            e_parent = np.concatenate([e_parent, extra_root])
            e_pos = np.concatenate([e_pos, np.full(len(short), len(rep) + 1 + attempt)])
        order = np.lexsort((e_pos, e_child))
        return e_child[order], e_parent[order]

    def _cycles(
        self,
        child: Arr,
        rel: Arr,
        depth: Arr,
        e_child: Arr,
        e_parent: Arr,
        parentable: Arr,
        n_cyc: int,
        m: int,
    ) -> list[tuple[int, int]]:
        """Pick 2- and 3-cycles; returns (a, new parent of a) pairs closing each cycle."""
        counts_p = np.bincount(e_child, minlength=m)
        kids = np.bincount(e_parent, minlength=m)
        single = np.zeros(m, dtype=bool)
        single[child] = (counts_p[child] == 1) & (rel[child] == FINETUNE) & ~parentable[child]
        first = np.full(m, -1, dtype=np.int64)
        first[e_child] = e_parent  # single-parent children: their only parent
        used = np.zeros(m, dtype=bool)
        out: list[tuple[int, int]] = []
        order = self.rng.permutation(child)
        n3 = max(1, n_cyc // 4)
        n2 = n_cyc - n3
        for c in order[single[order] & (kids[order] == 0) & (depth[order] >= 2)]:
            if len(out) >= n_cyc:
                break
            b = int(first[c])
            if not (single[b] and kids[b] <= 3 and not used[b] and not used[c]):
                continue
            want3 = len(out) >= n2
            if want3:
                a = int(first[b])
                if depth[b] < 2 or not (single[a] and kids[a] <= 3 and not used[a]):
                    continue
                out.append((a, int(c)))
                used[[a, b, c]] = True
            else:
                out.append((b, int(c)))
                used[[b, c]] = True
        return out

    def _modified(self, created: Arr, n_ph: int) -> Arr:
        rng = self.rng
        m = len(created)
        delay = rng.exponential(size=m) * 20 * DAY * np.exp(rng.normal(0.0, 1.2, size=m))
        modified = created + delay.astype(np.int64)
        late = modified > SNAPSHOT
        modified[late] = created[late] + (rng.random(int(late.sum())) * (SNAPSHOT - created[late]))
        modified = np.minimum(modified, SNAPSHOT)
        legacy_edit = START + (rng.random(n_ph) * (SNAPSHOT - START - 200 * DAY)).astype(np.int64)
        modified[:n_ph] = legacy_edit
        out: Arr = np.maximum(modified, created)
        return out

    # ---- downloads, likes, trending -----------------------------------------------------
    def _popularity(self, hub: Hub) -> None:
        rng = self.rng
        m = len(hub.created)
        live = np.flatnonzero(~hub.stub)
        e_child = np.repeat(np.arange(m), np.diff(hub.pptr))
        kids = np.bincount(hub.pidx[hub.pidx != e_child], minlength=m)  # self-loops excluded
        rel_adj = np.array([-0.8, -0.2, 0.2, -0.7, 0.0])  # adapter, ft, quant, merge, none
        score = (
            rng.normal(0.0, 1.0, size=m)
            + 1.3 * np.log1p(kids)
            + np.array([0.0, 1.2, 2.2])[hub.author_tier[hub.author]]
            + rel_adj[np.where(hub.rel >= 0, hub.rel, 4)]
            + np.where(hub.giant >= 0, 4.0, 0.0)
            + np.where(hub.created > SNAPSHOT - 120 * DAY, 0.6, 0.0)
        )
        n_live = len(live)
        n_pos = max(1, round(POSITIVE_DOWNLOADS * n_live))
        ranked = live[np.argsort(-score[live], kind="stable")][:n_pos]
        r = np.arange(1, n_pos + 1, dtype=np.float64)
        taper = (1.0 - r / (n_pos + 1.0)) ** 3
        beta = _solve_beta(r, taper, min(TOP_K, n_pos), TOP_SHARE)
        scale = 1.5e8 * max(self.n, 20_000) / REFERENCE_N
        values = scale * r**-beta * taper
        noise = np.exp(rng.normal(0.0, 0.3, size=n_pos))
        noise[: min(TOP_K, n_pos)] = 1.0
        downloads = np.zeros(m, dtype=np.int64)
        downloads[ranked] = np.maximum(1, (values * noise).astype(np.int64))
        age_months = (
            SNAPSHOT - np.where(hub.created == PLACEHOLDER, _epoch("2020-06-01"), hub.created)
        ) / (30 * DAY)
        mult = 1.0 + age_months * np.exp(rng.normal(-0.7, 0.7, size=m))
        extra0 = np.where(rng.random(m) < 0.6, (5 * rng.pareto(1.2, size=m)).astype(np.int64), 0)
        all_time = np.minimum((downloads * mult).astype(np.int64), 10**12) + extra0
        all_time = np.maximum(all_time, downloads)
        latent = 0.65 * np.log1p(all_time) + rng.normal(0.0, 1.3, size=m) - 3.5
        likes = np.floor(np.expm1(np.clip(latent, 0.0, 9.7))).astype(np.int64)
        recent = hub.created > SNAPSHOT - 60 * DAY
        trend = np.where(recent & (likes > 0), np.floor(likes * (0.1 + 0.5 * rng.random(m))), 0.0)
        old_hot = (likes > 500) & (rng.random(m) < 0.05)
        trend = np.where(old_hot & (trend == 0), np.floor(1 + 9 * rng.random(m)), trend)
        for arr in (downloads, all_time, likes):
            arr[hub.stub] = 0
        hub.downloads, hub.all_time, hub.likes, hub.trending = downloads, all_time, likes, trend


def _solve_beta(r: Arr, taper: Arr, k: int, share: float) -> float:
    """Exponent beta so the top-k of r**-beta * taper hold ``share`` of the total."""
    lo, hi = 0.05, 4.0
    logr = np.log(r)
    for _ in range(60):
        mid = (lo + hi) / 2
        v = np.exp(-mid * logr) * taper
        if v[:k].sum() / v.sum() < share:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# --------------------------------------------------------------------------------------------
# Names and authors
# --------------------------------------------------------------------------------------------

_PART = re.compile(r"(\{\w+\})")


class Namer:
    """Vectorized, template-based ids: ``<author>/<stem>``, unique case-insensitively."""

    def __init__(self, hub: Hub, h: Hasher, rng: np.random.Generator) -> None:
        self.hub = hub
        self.h = h
        self.rng = rng
        self.m = len(hub.created)
        self.stem: Any = pa.nulls(self.m, pa.string())
        self.bigrow = np.zeros(self.m, dtype=np.int64)

    # ---- authors ------------------------------------------------------------------------
    def _authors(self) -> tuple[list[str], dict[str, int], int]:
        official = sorted({g[0] for g in GIANTS} | {b[1] for b in BIG_ORGS})
        named = official + [q for q in QUANT_ORGS if q not in official]
        named += [c for c in COMMUNITY_ORGS if c not in named]
        tier = {**{o: 2 for o in official}, **{o: 1 for o in named if o not in official}}
        n_users = max(2000, self.hub.n // 6)
        users = self._user_handles(n_users, {x.lower() for x in named})
        names = named + users
        self.hub.author_names = pa.array(names, pa.string())
        self.hub.author_tier = np.array([tier.get(x, 0) for x in names], dtype=np.int8)
        return names, {x: i for i, x in enumerate(named)}, len(named)

    def _user_handles(self, count: int, reserved: set[str]) -> list[str]:
        rng = self.rng
        total = int(count * 1.4) + 100
        pattern = rng.choice(3, size=total, p=[0.5, 0.3, 0.2])
        s = [_take(SYLLABLES, rng.integers(0, len(SYLLABLES), size=total)) for _ in range(3)]
        three = rng.random(total) < 0.5
        digits = np.where(rng.random(total) < 0.4, rng.integers(0, 1000, size=total), -1)
        dig = pc.if_else(pa.array(digits >= 0), _str(digits), "")
        sfx = _take(USER_SUFFIXES, rng.integers(0, len(USER_SUFFIXES), size=total))
        syl = _cat(s[0], s[1], pc.if_else(pa.array(three), s[2], ""), dig, sfx)
        first = _take(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), size=total))
        last = _take(LAST_NAMES, rng.integers(0, len(LAST_NAMES), size=total))
        joiner = _take(("", "-", "_", ""), rng.integers(0, 4, size=total))
        person = _cat(first, joiner, last, dig)
        cap = rng.random(total) < 0.3
        person = pc.if_else(pa.array(cap), pc.utf8_capitalize(person), person)
        org = _cat(
            _take(LOWER_WORDS, rng.integers(0, len(LOWER_WORDS), size=total)),
            _take(
                ("-ai", "-labs", "-research", "ai", "-ml", "-tech"), rng.integers(0, 6, size=total)
            ),
        )
        handles = pc.choose(pa.array(pattern), syl, person, org)
        low = pc.utf8_lower(handles).to_pylist()
        out: list[str] = []
        seen = set(reserved)
        for handle, lw in zip(handles.to_pylist(), low, strict=True):
            if lw not in seen:
                seen.add(lw)
                out.append(handle)
                if len(out) == count:
                    break
        return out

    def _user(self, idx: Arr, purpose: int, n_named: int, n_users: int) -> Arr:
        u = self.h.unif(idx, purpose)
        return n_named + np.minimum((n_users * u**2.5).astype(np.int64), n_users - 1)

    # ---- templates ----------------------------------------------------------------------
    def _token(self, name: str, idx: Arr, purpose: int) -> Any:
        h, hub = self.h, self.hub
        vocab: dict[str, Sequence[str]] = {
            "W": WORDS, "lw": LOWER_WORDS, "ft": FT_WORDS, "ds": DATASETS, "lang": LANGS,
            "method": MERGE_METHODS, "q": QUANT_LEVELS, "algo": RL_ALGOS, "env": RL_ENVS,
            "enc": ENC_BASES, "misc": MISC_NAMES, "bsz": BSZ, "sfx": LLM_SFX, "ver": VERSIONS,
        }  # fmt: skip
        base = name.rstrip("0123456789")
        if base in vocab:
            words = vocab[base]
            return _take(words, h.below(idx, purpose, len(words)))
        if name == "k":
            return _str(2 + h.below(idx, purpose, 8))
        if name == "rs":
            return self.stem.take(pa.array(hub.root[idx]))
        if name == "ps":
            return self.stem.take(pa.array(self.name_parent[idx]))
        if name == "size":
            owner = np.where(hub.root[idx] >= 0, hub.root[idx], idx)
            return _take(SIZE_LABEL, np.maximum(hub.size[owner], 0))
        if name == "bp":
            return _take(BIG_PREFIX, self.bigrow[idx])
        if name == "giant":  # an LLM giant released before this node
            llm = [g for g in GIANTS if ARCH_DOMAIN[g[2]] == LLM]
            llm.sort(key=lambda g: g[3] or "")
            dates = np.array([_epoch(g[3] + "T12:00:00") if g[3] else PLACEHOLDER for g in llm])
            avail = np.maximum(np.searchsorted(dates, hub.created[idx], side="right"), 1)
            g = np.minimum((h.unif(idx, purpose) * avail).astype(np.int64), avail - 1)
            return _take([x[1] for x in llm], g)
        if name == "tok":
            letters = (h.bits(idx, purpose)[:, None] >> (np.arange(7, dtype=np.uint64) * 5)) % 26
            return _fixed_strings((letters + ord("a")).astype(np.uint8))
        raise KeyError(name)

    def render(self, idx: Arr, templates: Sequence[tuple[str, float]], purpose: int) -> Any:
        """Stems for nodes ``idx`` from weighted templates like ``"{W}-{size}"``."""
        if not len(idx):
            return pa.array([], pa.string())
        choice = self.h.pick(idx, purpose, [w for _, w in templates])
        groups: list[tuple[Arr, Any]] = []
        for t, (tmpl, _) in enumerate(templates):
            pos = np.flatnonzero(choice == t)
            if not len(pos):
                continue
            sel = idx[pos]
            parts: list[Any] = []
            for j, piece in enumerate(p for p in _PART.split(tmpl) if p):
                if piece.startswith("{"):
                    parts.append(self._token(piece[1:-1], sel, purpose * 10_000 + t * 100 + j))
                else:
                    parts.append(piece)
            if all(isinstance(p, str) for p in parts):
                groups.append((pos, pa.array(["".join(parts)] * len(sel), pa.string())))
            else:
                groups.append((pos, _cat(*parts)))
        return _assemble(len(idx), groups)

    def _set(self, groups: Sequence[tuple[Arr, Any]]) -> None:
        keep = self.stem.is_valid().to_numpy(zero_copy_only=False)
        base = [(np.flatnonzero(keep), self.stem.filter(pa.array(keep)))]
        self.stem = _assemble(self.m, base + list(groups))

    # ---- the naming passes --------------------------------------------------------------
    def name(self) -> None:
        hub, h, m = self.hub, self.h, self.m
        names, named_idx, n_named = self._authors()
        n_users = len(names) - n_named
        author = self._user(np.arange(m), H_USER, n_named, n_users)
        dom = ARCH_DOMAIN[hub.arch]
        kind, rel = hub.kind, hub.rel

        # Giants.
        gi = np.flatnonzero(hub.giant >= 0)
        g = hub.giant[gi]
        author[gi] = [named_idx[GIANTS[x][0]] for x in g]
        groups: list[tuple[Arr, Any]] = [(gi, _take([x[1] for x in GIANTS], g))]

        # Tail roots: an official org's line, or a research group / user.
        tails = np.flatnonzero((kind == KIND_ROOT) & (hub.giant < 0))
        big_dom = np.array([b[0] for b in BIG_ORGS_FLAT])
        is_big = (h.unif(tails, H_BIGORG) < 0.22) & np.isin(dom[tails], big_dom)
        for d in range(N_DOMAINS):
            rows = np.flatnonzero(big_dom == d)
            sel = tails[is_big & (dom[tails] == d)]
            if len(rows) and len(sel):
                self.bigrow[sel] = rows[h.below(sel, H_BIGORG + 1, len(rows))]
        big = tails[is_big]
        author[big] = [named_idx[BIG_ORGS_FLAT[r][1]] for r in self.bigrow[big]]
        llmish = np.isin(dom, (LLM, VLM))
        groups.append(
            (big[llmish[big]], self.render(big[llmish[big]], [("{bp}-{size}{sfx}", 1)], H_TMPL))
        )
        groups.append(
            (big[~llmish[big]], self.render(big[~llmish[big]], [("{bp}-{bsz}", 1)], H_TMPL))
        )
        small = tails[~is_big]
        for d, templates in ROOT_TEMPLATES.items():
            sel = small[dom[small] == d]
            groups.append((sel, self.render(sel, templates, H_TMPL + 2)))

        # Loners.
        for s, templates in LONER_TEMPLATES.items():
            sel = np.flatnonzero((kind == KIND_LONER) & (hub.style == s))
            groups.append((sel, self.render(sel, templates, H_TMPL + 3)))
        lo = np.flatnonzero((kind == KIND_LONER) & (hub.style != L_RL) & (hub.style != L_QUANT))
        off = lo[h.unif(lo, H_AUTHOR) < 0.03]
        officials = [named_idx[b[1]] for b in BIG_ORGS]
        author[off] = np.array(officials)[h.below(off, H_AUTHOR + 1, len(officials))]
        self._set(groups)

        # Finetunes and merges (named after their family root).
        groups = []
        for (d_set, r), templates in CHILD_TEMPLATES.items():
            sel = np.flatnonzero((kind == KIND_CHILD) & (rel == r) & np.isin(dom, d_set))
            groups.append((sel, self.render(sel, templates, H_TMPL + 4)))
        ft = np.flatnonzero((kind == KIND_CHILD) & ((rel == FINETUNE) | (rel == MERGE)))
        comm = ft[h.unif(ft, H_AUTHOR + 2) < 0.05]
        community = [named_idx[c] for c in COMMUNITY_ORGS]
        author[comm] = np.array(community)[h.below(comm, H_AUTHOR + 3, len(community))]
        self._set(groups)

        # Adapters and quantizations (named after their parent).
        first_parent = hub.pidx[hub.pptr[:-1].clip(max=len(hub.pidx) - 1)]
        self.name_parent = np.where(kind == KIND_CHILD, first_parent, np.arange(m))
        leafy = (rel[self.name_parent] == ADAPTER) | (rel[self.name_parent] == QUANTIZED)
        self.name_parent = np.where(leafy, hub.root, self.name_parent)
        back = hub.back_edges
        if len(back):  # cycle members keep the names of their original lineage
            self.name_parent[back[:, 0]] = hub.root[back[:, 0]]
        groups = []
        quant_nodes: list[Arr] = []
        for d_set, templates in ADAPTER_TEMPLATES.items():
            sel = np.flatnonzero((kind == KIND_CHILD) & (rel == ADAPTER) & np.isin(dom, d_set))
            groups.append((sel, self.render(sel, templates, H_TMPL + 5)))
        for s, templates in QUANT_TEMPLATES.items():
            sel = np.flatnonzero((kind == KIND_CHILD) & (rel == QUANTIZED) & (hub.style == s))
            groups.append((sel, self.render(sel, templates, H_TMPL + 6)))
            author[sel] = self._quant_author(sel, np.full(len(sel), s), named_idx, n_named, n_users)
            quant_nodes.append(sel)
        self._set(groups)
        # A named quantizer uploads one repo per (parent, style), and unsloth re-uploads
        # roots only; the other uploads come from synthetic users.
        qn = np.concatenate(quant_nodes)
        qa, qp, qs = author[qn], self.name_parent[qn], hub.style[qn].astype(np.int64)
        order = np.lexsort((qn, qs, qp, qa))
        key = (qa[order] * (self.m + 1) + qp[order]) * 16 + qs[order]
        again = np.zeros(len(qn), dtype=bool)
        again[order] = _group_rank(key) > 0
        again |= (qa == named_idx["unsloth"]) & (hub.kind[qp] != KIND_ROOT)
        again &= qa < n_named
        moved = qn[again]
        author[moved] = n_named + h.below(moved, H_AUTHOR + 7, n_users)
        # mlx-community names re-uploads "<Base>-4bit"/"-8bit"; others add "-MLX-4bit".
        hub.author = author
        is_mlx = (kind == KIND_CHILD) & (rel == QUANTIZED) & (hub.style == Q_MLX)
        community = is_mlx & (author == named_idx["mlx-community"])
        eight = h.unif(np.arange(m), H_TMPL + 7) >= 0.7
        sfx = np.where(community, np.where(eight, 2, 1), np.where(is_mlx, 3, 0))
        stems = _cat(self.stem, _take(("", "-4bit", "-8bit", "-MLX-4bit"), sfx))
        self.stem = None
        stems = pc.utf8_rtrim(pc.utf8_slice_codeunits(stems, 0, 88), characters="-._")
        hub.ids = self._dedupe(hub.author_names.take(pa.array(author)), stems, hub.giant < 0)

    def _quant_author(
        self, idx: Arr, styles: Arr, named_idx: dict[str, int], n_named: int, n_users: int
    ) -> Arr:
        out = self._user(idx, H_AUTHOR + 4, n_named, n_users)
        if not len(idx):
            return out
        u = self.h.unif(idx, H_AUTHOR + 5)
        s = int(styles[0])
        orgs, probs = QUANT_AUTHORS[s]
        if orgs:
            cdf = np.cumsum(probs)
            k = np.searchsorted(cdf, u, side="right")
            named = k < len(orgs)
            codes = np.array([named_idx[o] for o in orgs])
            out[named] = codes[k[named]]
            late = named & (out == named_idx["TheBloke"]) & (self.hub.created[idx] > THEBLOKE_UNTIL)
            out[late] = self._user(idx[late], H_AUTHOR + 6, n_named, n_users)
        return out

    @staticmethod
    def _dedupe(authors: Any, stems: Any, prio: Arr) -> Any:
        ids = _cat(authors, "/", stems)
        del authors, stems
        for _ in range(20):
            codes = pc.utf8_lower(ids).dictionary_encode().indices.to_numpy()
            order = np.lexsort((np.arange(len(codes)), prio, codes))
            rank = _group_rank(codes[order])
            dup = order[rank > 0]
            if not len(dup):
                return ids
            fixed = _cat(ids.take(pa.array(dup)), "-", _str(rank[rank > 0] + 1))
            inverse = np.arange(len(ids), dtype=np.int64)
            inverse[dup] = len(ids) + np.arange(len(dup))
            ids = pa.concat_arrays([ids, fixed]).take(pa.array(inverse))
        raise RuntimeError("could not make ids unique")


BIG_ORGS_FLAT: tuple[tuple[int, str, str], ...] = tuple(
    (d, org, p) for d, org, prefixes in BIG_ORGS for p in prefixes
)
BIG_PREFIX: tuple[str, ...] = tuple(p for _, _, p in BIG_ORGS_FLAT)

ROOT_TEMPLATES: dict[int, list[tuple[str, float]]] = {
    LLM: [("{W}-{size}", 0.3), ("{W}{W2}-{size}", 0.25), ("{W}-{ver}-{size}{sfx}", 0.3),
          ("{lw}-{size}{sfx}", 0.15)],
    VLM: [("{W}-VL-{size}", 0.6), ("{W}Vision-{size}", 0.4)],
    T2I: [("{W}{W2}-XL", 0.5), ("{lw}-diffusion-v{k}", 0.5)],
    ENC: [("{lw}-bert-{bsz}", 0.5), ("{lw}bert-{bsz}-cased", 0.2), ("{lang}-roberta-{bsz}", 0.3)],
    ST: [("{lw}-embed-{bsz}", 0.6), ("{lw}-e5-{bsz}", 0.4)],
    S2S: [("{lw}-t5-{bsz}", 0.6), ("{lw}-bart-{bsz}", 0.4)],
    ASR: [("{lw}-whisper-{bsz}", 0.6), ("wav2vec2-{bsz}-{lang}", 0.4)],
    IMG: [("{lw}-vit-{bsz}", 0.6), ("{lw}-convnext-{bsz}", 0.4)],
    RL: [("{algo}-{env}", 1.0)],
}  # fmt: skip
LONER_TEMPLATES: dict[int, list[tuple[str, float]]] = {
    L_RL: [("{algo}-{env}", 1.0)],
    L_ENC: [("{enc}-finetuned-{ds}", 0.7), ("{enc}-{ds}", 0.2), ("{lw}-{enc}", 0.1)],
    L_LLM: [("{W}-{size}", 0.3), ("{W}{W2}-{size}-{ft}", 0.3), ("{lw}-{size}-{ft}", 0.2),
            ("{W}-{ft}-{ver}", 0.2)],
    L_QUANT: [("{giant}-GGUF", 0.7), ("{giant}-{q}-GGUF", 0.3)],
    L_MISC: [("{misc}", 0.6), ("{misc}-{k}", 0.2), ("{misc}_{lw}", 0.2)],
    L_T2I: [("{lw}-dreambooth", 0.4), ("{W}Mix-v{k}", 0.3), ("sd-class-{lw}-32", 0.3)],
    L_ASR: [("whisper-{bsz}-{lang}", 0.7), ("wav2vec2-base-{lang}", 0.3)],
}  # fmt: skip
_LLMISH = (LLM, VLM)
_ENCISH = (ENC, S2S, IMG)
CHILD_TEMPLATES: dict[tuple[tuple[int, ...], int], list[tuple[str, float]]] = {
    (_LLMISH, FINETUNE): [("{rs}-{ft}", 0.35), ("{W}-{rs}", 0.15), ("{rs}-{ft}-{ft2}", 0.1),
                          ("{W}{W2}-{size}", 0.2), ("{W}-{size}-{ft}", 0.1), ("{lw}-{ft}", 0.1)],
    (_ENCISH, FINETUNE): [("{rs}-finetuned-{ds}", 0.7), ("{rs}-{ds}", 0.15), ("{misc}", 0.15)],
    ((ASR,), FINETUNE): [("{rs}-{lang}", 0.7), ("{rs}-finetuned-{ds}", 0.3)],
    ((ST,), FINETUNE): [("{rs}-{ds}", 0.6), ("{lw}-embed-{ds}", 0.4)],
    ((T2I,), FINETUNE): [("{W}{W2}-XL", 0.4), ("{lw}-dreambooth", 0.3), ("{W}-{rs}", 0.3)],
    (_LLMISH, MERGE): [("{W}{W2}-{size}-{method}", 0.45), ("{rs}-{method}-{W}", 0.3),
                       ("{W}-Mix-{size}", 0.15), ("mergekit-{method}-{tok}", 0.1)],
    ((T2I, ENC, ST, S2S, ASR, IMG), MERGE): [("{W}Mix-{k}", 0.6), ("{rs}-merge-{lw}", 0.4)],
}  # fmt: skip
ADAPTER_TEMPLATES: dict[tuple[int, ...], list[tuple[str, float]]] = {
    (LLM, VLM, ENC, ST, S2S, ASR, IMG): [
        ("{ps}-lora", 0.25), ("{ps}-{ft}-lora", 0.2), ("{lw}_{lw2}_lora", 0.1),
        ("{W}-{ft}-adapter", 0.1), ("{misc}", 0.2), ("{ps}-{ft}-qlora", 0.15)],
    (T2I,): [("{W}-{W2}-LoRA", 0.25), ("{lw}-style-lora", 0.2), ("{ps}-{lw}-lora", 0.25),
             ("{lw}-lora", 0.3)],
}  # fmt: skip
QUANT_TEMPLATES: dict[int, list[tuple[str, float]]] = {
    Q_GGUF: [("{ps}-GGUF", 1.0)],
    Q_GGUF_I1: [("{ps}-i1-GGUF", 1.0)],
    Q_GGUF_MY: [("{ps}-{q}-GGUF", 1.0)],
    Q_AWQ: [("{ps}-AWQ", 0.8), ("{ps}-awq", 0.2)],
    Q_GPTQ: [("{ps}-GPTQ", 0.5), ("{ps}-GPTQ-Int4", 0.3), ("{ps}-gptq-4bit", 0.2)],
    Q_BNB: [("{ps}-bnb-4bit", 0.7), ("{ps}-4bit", 0.3)],
    Q_MLX: [("{ps}", 1.0)],
    Q_FP8: [("{ps}-FP8", 0.6), ("{ps}-FP8-Dynamic", 0.4)],
    Q_EXL2: [("{ps}-exl2", 0.5), ("{ps}-4.0bpw-exl2", 0.5)],
    Q_ONNX: [("{ps}", 0.5), ("{ps}-ONNX", 0.5)],
    Q_UNSLOTH: [("{ps}-bnb-4bit", 0.6), ("{ps}-unsloth-bnb-4bit", 0.4)],
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Row groups: tags, cardData, safetensors, gguf, baseModels
# --------------------------------------------------------------------------------------------

LIBS: tuple[str, ...] = (
    "transformers", "peft", "diffusers", "sentence-transformers", "stable-baselines3", "mlx",
    "transformers.js",
)  # fmt: skip
LIB_TF, LIB_PEFT, LIB_DIFF, LIB_ST, LIB_SB3, LIB_MLX, LIB_TJS = range(len(LIBS))
PIPES: tuple[str, ...] = (
    "text-generation", "image-text-to-text", "text-to-image", "fill-mask", "sentence-similarity",
    "text2text-generation", "automatic-speech-recognition", "image-classification",
    "reinforcement-learning", "text-classification", "token-classification",
    "question-answering", "feature-extraction", "summarization", "translation",
)  # fmt: skip
_PIPE = {p: i for i, p in enumerate(PIPES)}
DOMAIN_PIPE = np.array([_PIPE[p] for p in (
    "text-generation", "image-text-to-text", "text-to-image", "fill-mask", "sentence-similarity",
    "text2text-generation", "automatic-speech-recognition", "image-classification",
    "reinforcement-learning")])  # fmt: skip
EXTRAS: tuple[str, ...] = (
    "conversational", "trl", "unsloth", "generated_from_trainer", "axolotl", "lora",
    "template:sd-lora", "mergekit", "merge", "llama-cpp", "imatrix", "gguf-my-repo", "sft", "dpo",
    "grpo", "chat", "image-generation", "deep-reinforcement-learning", "dreambooth",
    "custom_code",
)  # fmt: skip
_EX = {e: i for i, e in enumerate(EXTRAS)}
ALL_LICENSES: tuple[str, ...] = tuple(
    sorted({a.license for a in ARCHS} | {g[5] for g in GIANTS} | set(LICENSES))
)
_LIC = {x: i for i, x in enumerate(ALL_LICENSES)}
QUANT_TAGS: tuple[str, ...] = ("4-bit", "8-bit", "awq", "gptq", "bitsandbytes", "fp8", "exl2")
_QT = {x: i for i, x in enumerate(QUANT_TAGS)}
FORMATS: tuple[str, ...] = ("safetensors", "gguf", "onnx", "pytorch", "tensorboard")
F_ST, F_GGUF, F_ONNX, F_PT, F_TB = range(len(FORMATS))
ARCH_TAGS: tuple[str, ...] = tuple(sorted({a.tag for a in ARCHS if a.tag}))
LANG_TAGS: tuple[str, ...] = ("en", *LANGS, "multilingual")


class TagVocab:
    """One string pool for every static tag; categories map to offsets into it."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.lib = self._add(LIBS)
        self.fmt = self._add(FORMATS)
        self.arch = self._add(ARCH_TAGS)
        self.pipe = self._add(PIPES)
        self.extra = self._add(EXTRAS)
        self.lang = self._add(LANG_TAGS)
        self.dataset = self._add(tuple("dataset:" + d for d in TAG_DATASETS))
        self.license = self._add(tuple("license:" + x for x in ALL_LICENSES))
        self.quant = self._add(QUANT_TAGS)
        self.misc = self._add(("text-generation-inference", "endpoints_compatible", "region:us"))
        self.array = pa.array(self.words, pa.string())
        self.arch_code = np.array(
            [ARCH_TAGS.index(a.tag) if a.tag else -1 for a in ARCHS], dtype=np.int64
        )

    def _add(self, words: Sequence[str]) -> int:
        offset = len(self.words)
        self.words.extend(words)
        return offset


def _code(offset: int, local: Arr) -> Arr:
    return np.where(local >= 0, offset + local, -1)


def _json_str(value: str) -> str:
    return json.dumps(value)


@dataclass
class RowAttrs:
    """Per-row attributes of one row group that the cardData builder needs."""

    idx: Arr
    decl: Arr
    rel: Arr
    dom: Arr
    child: Arr
    loner: Arr
    lib: Arr
    pipe: Arr
    ex_a: Arr
    ex_b: Arr
    lang: Arr
    dataset: Arr
    lic: Arr
    e_row: Arr
    e_pos: Arr
    pid: Any
    n_par: Arr


class RowGroups:
    """Builds one pyarrow table per row group from the node arrays."""

    def __init__(self, hub: Hub, h: Hasher) -> None:
        self.hub = hub
        self.h = h
        self.v = TagVocab()
        giant_lic = np.array([_LIC[g[5]] for g in GIANTS])
        arch_lic = np.array([_LIC[a.license] for a in ARCHS])
        owner = np.where(hub.root >= 0, hub.root, np.arange(len(hub.root)))
        g = hub.giant[owner]
        self.root_license = np.where(g >= 0, giant_lic[np.maximum(g, 0)], arch_lic[hub.arch[owner]])
        # ``_id`` of every node (only parents' are written).
        self.mlx_community = int(
            np.flatnonzero(np.array(hub.author_names.to_pylist()) == "mlx-community")[0]
        )

    def table(self, rows: Arr) -> Any:
        hub, h, v = self.hub, self.h, self.v
        n = len(rows)
        kind, rel, arch, decl = hub.kind[rows], hub.rel[rows], hub.arch[rows], hub.decl[rows]
        dom = ARCH_DOMAIN[arch]
        style = hub.style[rows]
        created = hub.created[rows]
        child = kind == KIND_CHILD
        loner = kind == KIND_LONER
        quant = child & (rel == QUANTIZED)
        adapter = child & (rel == ADAPTER)
        qs = np.where(quant, style, -1)
        gguf = np.isin(qs, (Q_GGUF, Q_GGUF_I1, Q_GGUF_MY)) | (loner & (style == L_QUANT))
        onnx = qs == Q_ONNX
        mlx = qs == Q_MLX
        mlx8 = mlx & (hub.author[rows] == self.mlx_community)
        mlx8 &= h.unif(rows, H_TMPL + 7) >= 0.7
        rl = dom == RL
        trainer = (child & (rel == FINETUNE) & np.isin(dom, (ENC, S2S, IMG, ASR, ST))) | (
            loner & (style == L_ENC)
        )
        llmish = np.isin(dom, (LLM, VLM))
        u = [h.unif(rows, H_EXTRA + k) for k in range(6)]

        # library_name
        lib = np.full(n, LIB_TF, dtype=np.int64)
        lib[dom == ST] = LIB_ST
        lib[dom == T2I] = LIB_DIFF
        lib[rl] = LIB_SB3
        lib[adapter & (dom != T2I)] = LIB_PEFT
        lib[gguf] = -1
        lib[mlx] = LIB_MLX
        lib[onnx] = LIB_TJS
        lib[(h.unif(rows, H_LIB) < 0.06) & ~quant & ~rl & ~adapter] = -1

        # file formats
        legacy = (created == PLACEHOLDER) | (
            (created < _epoch("2023-06-01T00:00:00")) & ~np.isin(dom, (LLM, VLM, T2I))
        )
        fmt1 = np.full(n, F_ST, dtype=np.int64)
        fmt1[legacy] = F_PT
        fmt1[gguf] = F_GGUF
        fmt1[onnx] = F_ONNX
        fmt1[rl] = -1
        fmt2 = np.full(n, -1, dtype=np.int64)
        fmt2[legacy & (h.unif(rows, H_FMT) < 0.5) & (fmt1 == F_PT)] = F_ST
        fmt2[trainer & (h.unif(rows, H_FMT + 1) < 0.2) & (fmt1 == F_ST)] = F_TB
        has_st = (fmt1 == F_ST) | (fmt2 == F_ST)

        arch_tag = v.arch_code[arch]
        arch_tag[gguf | (adapter & (dom == T2I)) | rl] = -1

        # pipeline_tag
        pipe = DOMAIN_PIPE[dom].astype(np.int64)
        enc_task = trainer & (dom == ENC)
        pipe[enc_task] = np.array(
            [
                _PIPE[p]
                for p in (
                    "text-classification",
                    "token-classification",
                    "question-answering",
                    "fill-mask",
                )
            ]
        )[h.pick(rows[enc_task], H_PIPE, (0.5, 0.25, 0.15, 0.1))]
        s2s = trainer & (dom == S2S)
        pipe[s2s] = np.array(
            [_PIPE[p] for p in ("text2text-generation", "summarization", "translation")]
        )[h.pick(rows[s2s], H_PIPE, (0.5, 0.3, 0.2))]
        st_fe = (dom == ST) & (h.unif(rows, H_PIPE + 1) < 0.3)
        pipe[st_fe] = _PIPE["feature-extraction"]
        pipe[(h.unif(rows, H_PIPE + 2) < np.where(adapter, 0.1, 0.03))] = -1

        # extra tags
        ex_a = np.full(n, -1, dtype=np.int64)
        ex_b = np.full(n, -1, dtype=np.int64)
        instruct = llmish & (u[0] < 0.6)
        ex_a[instruct & ~child] = _EX["conversational"]
        ft_llm = child & (rel == FINETUNE) & llmish
        ex_a[ft_llm] = np.array(
            [
                _EX[x]
                for x in ("conversational", "trl", "unsloth", "generated_from_trainer", "axolotl")
            ]
        )[np.minimum((u[1][ft_llm] * 5).astype(np.int64), 4)]
        pick_b = np.array([_EX[x] for x in ("sft", "dpo", "grpo", "chat")] + [-1, -1])
        ex_b[ft_llm] = pick_b[np.minimum((u[2][ft_llm] * 6).astype(np.int64), 5)]
        ad_llm = adapter & (dom != T2I)
        ex_a[ad_llm] = np.array(
            [_EX[x] for x in ("lora", "trl", "generated_from_trainer", "unsloth")]
        )[np.minimum((u[1][ad_llm] * 4).astype(np.int64), 3)]
        ex_b[ad_llm & (ex_a != _EX["lora"])] = -1
        ex_b[ad_llm & (u[2] < 0.4) & (ex_a != _EX["lora"])] = _EX["sft"]
        ad_img = adapter & (dom == T2I)
        ex_a[ad_img] = _EX["lora"]
        ex_b[ad_img] = np.where(u[2][ad_img] < 0.7, _EX["template:sd-lora"], -1)
        mg = child & (rel == MERGE)
        ex_a[mg] = _EX["mergekit"]
        ex_b[mg] = _EX["merge"]
        ex_a[trainer] = _EX["generated_from_trainer"]
        ex_b[trainer] = -1
        ex_a[gguf] = np.where(
            qs[gguf] == Q_GGUF_I1,
            _EX["imatrix"],
            np.where(qs[gguf] == Q_GGUF_MY, _EX["gguf-my-repo"], _EX["llama-cpp"]),
        )
        ex_b[gguf] = np.where(u[2][gguf] < 0.5, _EX["conversational"], -1)
        other_q = quant & ~gguf
        ex_a[other_q] = np.where(llmish[other_q] & (u[1][other_q] < 0.5), _EX["conversational"], -1)
        ex_b[other_q] = -1
        ex_a[(kind == KIND_ROOT) & (dom == T2I)] = _EX["image-generation"]
        ex_a[rl] = _EX["deep-reinforcement-learning"]
        ex_a[loner & (style == L_T2I)] = _EX["dreambooth"]

        lang_u = h.unif(rows, H_LANG)
        lang = np.where(lang_u < 0.45, 0, -1)
        other_lang = (lang_u >= 0.45) & (lang_u < 0.55)
        lang[other_lang] = 1 + h.below(rows[other_lang], H_LANG + 1, len(LANG_TAGS) - 1)
        lang[rl] = -1
        dataset = np.where(
            h.unif(rows, H_DATASET) < 0.12, h.below(rows, H_DATASET + 1, len(TAG_DATASETS)), -1
        )

        # licence
        lic_u = h.unif(rows, H_LICENSE)
        lic = np.where(child & (lic_u < 0.65), self.root_license[rows], -1)
        rnd_lic = _take_codes(LICENSES, h.below(rows, H_LICENSE + 1, len(LICENSES)))
        lic = np.where(child & (lic_u >= 0.65) & (lic_u < 0.8), rnd_lic, lic)
        lic = np.where(kind == KIND_ROOT, self.root_license[rows], lic)
        lic = np.where(loner & (lic_u < 0.6), rnd_lic, lic)

        # quantization tags
        q1 = np.full(n, -1, dtype=np.int64)
        q2 = np.full(n, -1, dtype=np.int64)
        four = np.isin(qs, (Q_AWQ, Q_GPTQ, Q_BNB, Q_UNSLOTH)) | (mlx & ~mlx8)
        q1[four] = _QT["4-bit"]
        q1[mlx8 | (qs == Q_FP8)] = _QT["8-bit"]
        q2[qs == Q_AWQ] = _QT["awq"]
        q2[qs == Q_GPTQ] = _QT["gptq"]
        q2[np.isin(qs, (Q_BNB, Q_UNSLOTH))] = _QT["bitsandbytes"]
        q2[qs == Q_FP8] = _QT["fp8"]
        q2[qs == Q_EXL2] = _QT["exl2"]
        tgi = np.where((lib == LIB_TF) & llmish & (u[3] < 0.7), 0, -1)
        endpoints = np.where(np.isin(lib, (LIB_TF, LIB_ST, LIB_DIFF)) & (u[4] < 0.85), 1, -1)

        pre = np.stack([
            _code(v.lib, lib), _code(v.fmt, fmt1), _code(v.fmt, fmt2), _code(v.arch, arch_tag),
            _code(v.pipe, pipe), _code(v.extra, ex_a), _code(v.extra, ex_b),
            _code(v.lang, lang), _code(v.dataset, dataset),
        ], axis=1)  # fmt: skip
        post = np.stack([
            _code(v.license, lic), _code(v.misc, tgi), _code(v.misc, endpoints),
            _code(v.quant, q1), _code(v.quant, q2), np.full(n, v.misc + 2),
        ], axis=1)  # fmt: skip

        # parents of these rows, declared order and Hub (sorted) order
        e_row, e_pos = _ragged(hub.pptr, rows)
        e_par = hub.pidx[e_pos]
        pid = hub.ids.take(pa.array(e_par))
        n_par = np.bincount(e_row, minlength=n)
        sort_tbl = pa.table({"r": pa.array(e_row), "p": pid})
        hub_order = pc.sort_indices(sort_tbl, sort_keys=[("r", "ascending"), ("p", "ascending")])
        hub_order = hub_order.to_numpy()
        s_row = e_row[hub_order]
        s_par = e_par[hub_order]
        s_pid = pid.take(pa.array(hub_order))
        rel_name = _take(REL_NAMES, np.maximum(rel, 0))

        tags = self._tags(pre, post, s_row, s_pid, rel_name, decl, n)
        attrs = RowAttrs(
            idx=rows, decl=decl, rel=rel, dom=dom, child=child, loner=loner, lib=lib, pipe=pipe,
            ex_a=ex_a, ex_b=ex_b, lang=lang, dataset=dataset, lic=lic, e_row=e_row, e_pos=e_pos,
            pid=pid, n_par=n_par,
        )  # fmt: skip
        card = self._card(attrs)
        safetensors = self._safetensors(rows, has_st, dom, child, rel, qs, mlx8)
        gguf_json = self._gguf(rows, gguf, arch)
        base_models = self._base_models(rows, s_row, s_par, s_pid, n_par, decl, rel_name)
        lib_name = _take(LIBS, np.maximum(lib, 0))
        lib_name = pc.if_else(pa.array(lib >= 0), lib_name, pa.scalar(None, pa.string()))
        pipe_name = _take(PIPES, np.maximum(pipe, 0))
        pipe_name = pc.if_else(pa.array(pipe >= 0), pipe_name, pa.scalar(None, pa.string()))
        us = pa.timestamp("us")
        columns = [
            hub.ids.take(pa.array(rows)),
            hub.author_names.take(pa.array(hub.author[rows])),
            pa.array(created * 1_000_000).cast(us),
            pa.array(hub.modified[rows] * 1_000_000).cast(us),
            pa.array(hub.downloads[rows]),
            pa.array(hub.all_time[rows]),
            pa.array(hub.likes[rows]),
            pa.array(hub.trending[rows].astype(np.float64)),
            tags,
            card,
            safetensors,
            gguf_json,
            base_models,
            pipe_name,
            lib_name,
        ]
        return pa.Table.from_arrays(columns, schema=SCHEMA)

    def _tags(
        self, pre: Arr, post: Arr, s_row: Arr, s_pid: Any, rel_name: Any, decl: Arr, n: int
    ) -> Any:
        """Static tags around the Hub's base_model block, as one list<string> column."""
        v = self.v
        tagged = decl[s_row] != DECL_CARD
        t_row = s_row[tagged]
        t_pid = s_pid.filter(pa.array(tagged))
        t1 = _cat("base_model:", t_pid)
        t2 = _cat("base_model:", rel_name.take(pa.array(t_row)), ":", t_pid)
        pre_ok = pre >= 0
        post_ok = post >= 0
        pre_cnt = pre_ok.sum(axis=1)
        post_cnt = post_ok.sum(axis=1)
        blk_cnt = 2 * np.bincount(t_row, minlength=n)
        counts = pre_cnt + blk_cnt + post_cnt
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = np.empty(int(offsets[-1]), dtype=np.int64)
        r, s = np.nonzero(pre_ok)
        flat[offsets[r] + (np.cumsum(pre_ok, axis=1) - 1)[r, s]] = pre[r, s]
        n_static = len(v.words)
        n_t = len(t_row)
        k = _group_rank(t_row)
        base = offsets[t_row] + pre_cnt[t_row] + 2 * k
        flat[base] = n_static + np.arange(n_t)
        flat[base + 1] = n_static + n_t + np.arange(n_t)
        r, s = np.nonzero(post_ok)
        flat[offsets[r] + pre_cnt[r] + blk_cnt[r] + (np.cumsum(post_ok, axis=1) - 1)[r, s]] = post[
            r, s
        ]
        pool = pa.concat_arrays([v.array, t1, t2])
        values = pool.take(pa.array(flat))
        return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), values, type=TAGS_TYPE)

    def _card(self, r: RowAttrs) -> Any:
        """cardData JSON text; base_model in declared order (messy ids for card-only rows)."""
        h = self.h
        rows, e_row, e_pos, pid, n_par = r.idx, r.e_row, r.e_pos, r.pid, r.n_par
        decl, rel, lic, lib, pipe = r.decl, r.rel, r.lic, r.lib, r.pipe
        ex_a, ex_b, lang, dataset = r.ex_a, r.ex_b, r.lang, r.dataset
        n = len(rows)
        u = [h.unif(rows, H_CARD + k) for k in range(8)]
        null_str = pa.scalar(None, pa.string())

        def piece(mask: Arr, text: Any) -> Any:
            # ", <text>" or "" (binary_join_element_wise's null_handling="skip" drops rows
            # whose inputs are all null in pyarrow 26, so nulls are avoided here)
            return pc.if_else(pa.array(mask), _cat(", ", text), "")

        lic_s = _take(ALL_LICENSES, np.maximum(lic, 0))
        lib_s = _take(LIBS, np.maximum(lib, 0))
        pipe_s = _take(PIPES, np.maximum(pipe, 0))
        ex_a_s = _take(EXTRAS, np.maximum(ex_a, 0))
        ex_b_s = _take(EXTRAS, np.maximum(ex_b, 0))
        lang_s = _take(LANG_TAGS, np.maximum(lang, 0))
        ds_s = _take(TAG_DATASETS, np.maximum(dataset, 0))
        second = pc.if_else(pa.array(ex_b >= 0), _cat(', "', ex_b_s, '"'), "")
        tags_s = _cat('"tags": ["', ex_a_s, '"', second, "]")

        # base_model values: card-only rows get some of the messy spellings seen on the Hub
        e_decl = decl[e_row]
        mess = h.pick(e_pos, H_CARDID, (0.5, 0.3, 0.1, 0.05, 0.05))
        mess = np.where(e_decl == DECL_CARD, mess, 0)
        lower = pc.utf8_lower(pid)
        spelled = pc.choose(
            pa.array(mess),
            pid,
            lower,
            _cat("https://huggingface.co/", pid),
            _cat(pid, "/"),
            _cat(" ", pid, " "),
        )
        quoted = _cat('"', spelled, '"')
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(n_par, out=offsets[1:])
        per_row = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), quoted)
        joined = pc.binary_join(per_row, ", ")
        as_list = (n_par >= 2) | (u[0] < 0.15)
        value = pc.if_else(pa.array(as_list), _cat("[", joined, "]"), joined)
        has_par = n_par > 0
        empty_base = (
            r.loner & ~has_par & np.isin(r.dom, (LLM, VLM)) & (h.unif(rows, H_EMPTYBM) < 0.01)
        )
        value = pc.if_else(pa.array(empty_base), "[]", value)
        base_piece = piece(has_par | empty_base, _cat('"base_model": ', value))
        rel_p = np.array([0.3, 0.2, 0.5, 0.6])[np.maximum(rel, 0)]
        want_rel = has_par & ((decl == DECL_CARD) | (u[1] < rel_p))
        rel_piece = piece(
            want_rel, _cat('"base_model_relation": "', _take(REL_NAMES, np.maximum(rel, 0)), '"')
        )

        pieces = [
            piece((lic >= 0) & (u[2] < 0.97), _cat('"license": "', lic_s, '"')),
            piece((lib >= 0) & (u[3] < 0.4), _cat('"library_name": "', lib_s, '"')),
            piece((lang >= 0) & (u[4] < 0.9), _cat('"language": ["', lang_s, '"]')),
            piece((ex_a >= 0) & (u[5] < 0.4), tags_s),
            piece((pipe >= 0) & (u[6] < 0.25), _cat('"pipeline_tag": "', pipe_s, '"')),
            piece((dataset >= 0) & (u[7] < 0.9), _cat('"datasets": ["', ds_s, '"]')),
            base_piece,
            rel_piece,
        ]
        card = _cat("{", pc.utf8_slice_codeunits(_cat(*pieces), 2), "}")
        no_card = ~r.child & ~has_par & (h.unif(rows, H_CARD + 9) < 0.015)
        return pc.if_else(pa.array(no_card), null_str, card)

    def _safetensors(
        self, rows: Arr, has_st: Arr, dom: Arr, child: Arr, rel: Arr, qs: Arr, mlx8: Arr
    ) -> Any:
        h = self.h
        n = len(rows)
        p = self.hub.params[rows].astype(np.float64)
        big = np.isin(dom, (LLM, VLM, T2I))
        dt_u = h.unif(rows, H_DTYPE)
        main_key = np.where(
            big,
            np.where(dt_u < 0.75, _KEY["BF16"], np.where(dt_u < 0.95, _KEY["F16"], _KEY["F32"])),
            np.where(dt_u < 0.8, _KEY["F32"], _KEY["F16"]),
        )
        main = p.copy()
        k2 = np.full(n, -1)
        v2 = np.zeros(n)
        k3 = np.full(n, -1)
        v3 = np.zeros(n)
        adapter = child & (rel == ADAPTER)
        lora = p * 10.0 ** (-3.3 + 1.6 * h.unif(rows, H_PARAMS + 1))
        main = np.where(adapter, lora, main)
        main_key = np.where(adapter, np.where(dt_u < 0.5, _KEY["F32"], _KEY["BF16"]), main_key)

        def quant(mask: Arr, keys: tuple[str, ...], fracs: tuple[float, ...]) -> None:
            nonlocal main, main_key, v2, k2, v3, k3
            main_key = np.where(mask, _KEY[keys[0]], main_key)
            main = np.where(mask, p * fracs[0], main)
            k2 = np.where(mask, _KEY[keys[1]], k2)
            v2 = np.where(mask, p * fracs[1], v2)
            if len(keys) > 2:
                k3 = np.where(mask, _KEY[keys[2]], k3)
                v3 = np.where(mask, p * fracs[2], v3)

        quant(np.isin(qs, (Q_AWQ, Q_GPTQ)), ("I32", "F16"), (0.125, 0.06))
        quant(np.isin(qs, (Q_BNB, Q_UNSLOTH)), ("U8", "F16", "F32"), (0.45, 0.08, 0.0003))
        quant(qs == Q_FP8, ("F8_E4M3", "BF16"), (0.95, 0.05))
        quant((qs == Q_MLX) & ~mlx8, ("U32", "BF16"), (0.125, 0.03))
        quant(mlx8, ("U32", "BF16"), (0.25, 0.03))
        quant(qs == Q_EXL2, ("I16", "F16"), (0.27, 0.02))
        mi = np.maximum(main.astype(np.int64), 1)
        i2 = np.maximum(v2.astype(np.int64), 1)
        i3 = np.maximum(v3.astype(np.int64), 1)
        fields = []
        for j in range(len(PARAM_KEYS)):
            vals = np.where(main_key == j, mi, 0) + np.where(k2 == j, i2, 0)
            vals = vals + np.where(k3 == j, i3, 0)
            present = (main_key == j) | (k2 == j) | (k3 == j)
            fields.append(pa.array(vals, pa.int64(), mask=~(present & has_st)))
        total = mi + np.where(k2 >= 0, i2, 0) + np.where(k3 >= 0, i3, 0)
        params = pa.StructArray.from_arrays(
            fields, fields=list(PARAMS_TYPE), mask=pa.array(~has_st)
        )
        return pa.StructArray.from_arrays(
            [params, pa.array(total, pa.int64(), mask=~has_st)],
            fields=list(SAFETENSORS_TYPE),
            mask=pa.array(~has_st),
        )

    def _gguf(self, rows: Arr, gguf: Arr, arch: Arr) -> Any:
        sel = np.flatnonzero(gguf)
        if not len(sel):
            return pa.nulls(len(rows), pa.string())
        a = arch[sel]
        nodes = rows[sel]
        total = _str(self.hub.params[nodes])
        arch_s = _take([x.gguf for x in ARCHS], a)
        ctx = np.array([x.ctx for x in ARCHS])[a]
        tmpl = np.array([bool(x.template) for x in ARCHS])[a]
        tmpl &= self.h.unif(nodes, H_GGUF) < 0.6
        tmpl_s = _take([_json_str(x.template) for x in ARCHS], a)
        bos = _take([_json_str(x.bos) for x in ARCHS], a)
        eos = _take([_json_str(x.eos) for x in ARCHS], a)
        text = _cat(
            '{"total": ', total, ', "architecture": "', arch_s, '"',
            pc.if_else(pa.array(ctx > 0), _cat(', "context_length": ', _str(ctx)), ""),
            pc.if_else(pa.array(tmpl), _cat(', "chat_template": ', tmpl_s), ""),
            pc.if_else(pa.array(ctx > 0), _cat(', "bos_token": ', bos, ', "eos_token": ', eos),
                       ""),
            "}",
        )  # fmt: skip
        return _assemble(len(rows), [(sel, text)])

    def _base_models(
        self, rows: Arr, s_row: Arr, s_par: Arr, s_pid: Any, n_par: Arr, decl: Arr, rel_name: Any
    ) -> Any:
        """The Hub's resolved view: relation and [{_id, id}] in Hub order, for DECL_FULL rows."""
        n = len(rows)
        has = (n_par > 0) & (decl == DECL_FULL)
        keep = has[s_row]
        k_row = s_row[keep]
        k_par = s_par[keep]
        oid = _object_ids(self.hub.created[k_par].astype(np.uint32), self.h.bits(k_par, H_OID))
        entries = pa.StructArray.from_arrays(
            [oid, s_pid.filter(pa.array(keep))], fields=list(BASE_ENTRY_TYPE)
        )
        counts = np.bincount(k_row, minlength=n)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        models = pa.ListArray.from_arrays(pa.array(offsets), entries, type=BASE_LIST_TYPE)
        return pa.StructArray.from_arrays(
            [rel_name, models], fields=list(BASEMODELS_TYPE), mask=pa.array(~has)
        )


def _take_codes(words: Sequence[str], codes: Arr) -> Arr:
    lookup = np.array([_LIC[w] for w in words])
    return lookup[codes]


# --------------------------------------------------------------------------------------------
# Writing, calibration, verification
# --------------------------------------------------------------------------------------------


def write(hub: Hub, out: Path, h: Hasher) -> None:
    """Rows in a deterministic shuffled order, one row group per ROW_GROUP rows."""
    rows = np.flatnonzero(~hub.stub)
    order = np.random.Generator(np.random.PCG64([hub.seed, 1])).permutation(rows)
    groups = RowGroups(hub, h)
    tmp = out.with_name(out.name + ".tmp")
    with pq.ParquetWriter(str(tmp), SCHEMA, compression="snappy") as writer:
        for start in range(0, len(order), ROW_GROUP):
            table = groups.table(order[start : start + ROW_GROUP])
            writer.write_table(table, row_group_size=ROW_GROUP)
    tmp.replace(out)


@dataclass
class Measure:
    """A measured calibration figure, optionally checked against a target range."""

    name: str
    value: float
    lo: float | None = None
    hi: float | None = None
    goal: str = ""
    fmt: str = "{:.4f}"

    @property
    def ok(self) -> bool:
        if self.lo is None or self.hi is None:
            return True
        return self.lo <= self.value <= self.hi


def _edges(hub: Hub) -> tuple[Arr, Arr]:
    m = len(hub.created)
    return np.repeat(np.arange(m), np.diff(hub.pptr)), hub.pidx


def _descendants(kid_ptr: Arr, kid_idx: Arr, start: int, m: int) -> int:
    seen = np.zeros(m, dtype=bool)
    seen[start] = True
    frontier = np.array([start])
    total = 0
    while len(frontier):
        _, pos = _ragged(kid_ptr, frontier)
        nxt = np.unique(kid_idx[pos])
        nxt = nxt[~seen[nxt]]
        seen[nxt] = True
        total += len(nxt)
        frontier = nxt
    return total


def calibrate(hub: Hub) -> list[Measure]:
    """Calibration figures from the arrays the file is written from."""
    n, m = hub.n, len(hub.created)
    live = ~hub.stub
    e_child, e_par = _edges(hub)
    self_e = e_child == e_par
    back = ~self_e & (e_par > e_child)
    dag = ~self_e & ~back
    n_par = np.diff(hub.pptr)
    declares = (n_par > 0) & live
    n_decl = int(declares.sum())
    rel_counts = np.bincount(hub.rel[declares], minlength=4)
    kids = np.bincount(e_par[~self_e], minlength=m)
    out: list[Measure] = []
    small = n < 20_000

    out.append(Measure("rows", float(live.sum()), n, n, f"= {n:,}", "{:,.0f}"))
    out.append(Measure("fraction declaring parents", n_decl / n, 0.27, 0.29, "0.28"))
    for r, name in enumerate(REL_NAMES):
        t = float(REL_TARGET[r])
        tol = 0.008 if r == MERGE else 0.03
        out.append(
            Measure(
                f"relation {name}", rel_counts[r] / max(n_decl, 1), t - tol, t + tol, f"{t:.2f}"
            )
        )

    d = np.sort(hub.downloads[live])[::-1]
    share = float(d[:TOP_K].sum() / max(d.sum(), 1))
    out.append(
        Measure(
            f"top-{TOP_K} share of 30-day downloads",
            share,
            None if small else 0.4,
            None if small else 0.6,
            "~0.5",
        )
    )
    out.append(Measure("fraction with 0 downloads", float((d == 0).mean()), 0.5, 0.75, "> 0.5"))
    out.append(
        Measure(
            "rows with downloadsAllTime < downloads",
            float((hub.all_time < hub.downloads)[live].sum()),
            0,
            0,
            "0",
            "{:.0f}",
        )
    )
    lk = np.sort(hub.likes[live])[::-1]
    top1 = float(lk[: max(1, n // 100)].sum() / max(lk.sum(), 1))
    out.append(
        Measure("top-1% share of likes", top1, None if small else 0.5, 1.0, "heavy tail, > 0.5")
    )

    # Families: descendants of the biggest roots (all declared edges, self-loops dropped).
    order = np.argsort(e_par[~self_e], kind="stable")
    kid_idx = e_child[~self_e][order]
    kid_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_par[~self_e], minlength=m), out=kid_ptr[1:])
    parentless = np.ones(m, dtype=bool)
    parentless[e_child[~self_e]] = False
    fam = np.bincount(hub.root[hub.kind == KIND_CHILD], minlength=m)
    cand = np.argsort(-np.where(parentless, fam, -1), kind="stable")[:10]
    largest = max(_descendants(kid_ptr, kid_idx, int(r), m) for r in cand)
    goal_fam = 100_000 * n / REFERENCE_N
    out.append(
        Measure(
            "largest family (descendants of one root)",
            largest,
            0.04 * n,
            0.15 * n,
            f">= {goal_fam:,.0f}",
            "{:,.0f}",
        )
    )
    first = np.arange(m)
    has_dag = np.zeros(m, dtype=bool)
    has_dag[e_child[dag]] = True
    first_pos = hub.pptr[:-1]
    ok_first = has_dag & (n_par > 0)
    first[ok_first] = hub.pidx[first_pos[ok_first]]
    first[ok_first & (first < 0)] = np.flatnonzero(ok_first & (first < 0))
    for _ in range(16):
        first = first[first]
    sizes = np.bincount(first[has_dag], minlength=m)
    fams = sizes[sizes > 0]
    out.append(Measure("families (roots with descendants)", len(fams), fmt="{:,.0f}"))
    out.append(Measure("families with <= 3 models below the root", float((fams <= 3).mean())))

    depth = np.zeros(m, dtype=np.int64)
    c, p = e_child[dag], e_par[dag]
    for _ in range(64):
        new = np.zeros(m, dtype=np.int64)
        np.maximum.at(new, c, depth[p] + 1)
        if np.array_equal(new, depth):
            break
        depth = new
    lo_depth = 3 if n < 100_000 else 6
    out.append(Measure("max depth", float(depth.max()), lo_depth, 10, "about 8", "{:.0f}"))

    merges = declares & (hub.rel == MERGE)
    k = n_par[merges]
    expect = PARENT_SHARE * n * REL_TARGET[MERGE]
    out.append(
        Measure(
            "merges with 2-6 parents",
            float(((k >= 2) & (k <= 6)).sum()),
            0.6 * expect,
            1.4 * expect,
            f"~{expect:,.0f}",
            "{:,.0f}",
        )
    )
    out.append(
        Measure("merges outside 2-6 parents", float(((k < 2) | (k > 6)).sum()), 0, 0, "0", "{:.0f}")
    )
    for r, lo in ((QUANTIZED, 0.97), (ADAPTER, 0.98)):
        sel = declares & (hub.rel == r)
        leaf = float((kids[sel] == 0).mean()) if sel.any() else 1.0
        out.append(Measure(f"leaf fraction {REL_NAMES[r]}", leaf, lo, 1.0, f">= {lo}"))
    full = float((declares & (hub.decl == DECL_FULL)).sum() / max(n_decl, 1))
    out.append(Measure("baseModels filled (of rows with parents)", full, 0.93, 0.97, "~0.95"))
    card_only = float((declares & (hub.decl == DECL_CARD)).sum() / max(n_decl, 1))
    out.append(Measure("card-only lineage (of rows with parents)", card_only))
    late = int((hub.created[e_par[dag]] >= hub.created[e_child[dag]]).sum())
    out.append(Measure("edges with parent not older (cycles excluded)", late, 0, 0, "0", "{:.0f}"))
    out.append(Measure("cycles", float(back.sum()), 1, 1e9, "a few dozen at 2.5M", "{:.0f}"))
    out.append(
        Measure("self-references", float(self_e.sum()), 1, 1e9, "a few dozen at 2.5M", "{:.0f}")
    )
    stub_parents = len(np.unique(e_par[hub.stub[e_par]]))
    out.append(Measure("parents not in the file (stubs)", stub_parents, 1, 1e9, ">= 1", "{:,.0f}"))
    ph = float((hub.created[live] == PLACEHOLDER).mean())
    out.append(Measure("createdAt placeholder 2022-03-02T23:29:04", ph))
    return out


def report(measures: Sequence[Measure], n: int, seed: int) -> bool:
    print(f"calibration (n={n:,}, seed={seed})")
    ok = True
    for x in measures:
        status = "" if x.lo is None or x.hi is None else ("ok" if x.ok else "FAIL")
        rng = "" if x.lo is None or x.hi is None else f"[{x.lo:.4g}, {x.hi:.4g}]"
        print(f"  {x.name:<46} {x.fmt.format(x.value):>12}  target {x.goal:<20} {rng:<20} {status}")
        ok &= x.ok
    if not ok:
        bad = ", ".join(x.name for x in measures if not x.ok)
        print(f"error: calibration check failed: {bad}", file=sys.stderr)
    return ok


_URL = re.compile(r"^(https?://)?(www\.)?huggingface\.co/", re.IGNORECASE)


def _norm(raw: str) -> str:
    return _URL.sub("", raw.strip()).strip("/").lower()


def verify(hub: Hub, path: Path) -> list[str]:
    """Re-read the file and check it encodes exactly the graph the calibration used."""
    problems: list[str] = []
    if pq.read_schema(path) != SCHEMA:
        problems.append("schema differs")
    pf = pq.ParquetFile(path)
    ids: list[str] = []
    declared: list[list[str]] = []
    relations: list[str | None] = []
    downloads: list[int] = []
    cols = ["id", "tags", "cardData", "baseModels", "gguf", "downloads", "downloadsAllTime"]
    for batch in pf.iter_batches(columns=cols, batch_size=100_000):
        d = batch.to_pydict()
        for i in range(batch.num_rows):
            ids.append(d["id"][i])
            downloads.append(d["downloads"][i])
            if d["downloadsAllTime"][i] < d["downloads"][i]:
                problems.append(f"{d['id'][i]}: downloadsAllTime < downloads")
            card = json.loads(d["cardData"][i]) if d["cardData"][i] is not None else {}
            if d["gguf"][i] is not None:
                json.loads(d["gguf"][i])
            bm = d["baseModels"][i]
            parents: list[str] = []
            relation: str | None = None
            if bm is not None:
                parents = [x["id"] for x in bm["models"]]
                relation = bm["relation"]
            else:
                for t in d["tags"][i]:
                    if t.startswith("base_model:"):
                        rest = t[len("base_model:") :]
                        head, _, tail = rest.partition(":")
                        if tail and "/" not in head:
                            relation = head
                        else:
                            parents.append(rest)
                if not parents:
                    raw = card.get("base_model")
                    parents = [raw] if isinstance(raw, str) else list(raw or [])
                    relation = card.get("base_model_relation") if parents else None
            declared.append([_norm(x) for x in parents])
            relations.append(relation)
    index = {x.lower(): i for i, x in enumerate(ids)}
    if len(index) != len(ids):
        problems.append("ids are not unique case-insensitively")
    live = np.flatnonzero(~hub.stub)
    if len(ids) != len(live):
        problems.append(f"row count {len(ids)} != {len(live)}")
    mem_ids = hub.ids.to_pylist()
    row_of = {mem_ids[node].lower(): node for node in range(len(mem_ids))}
    for pos, name in enumerate(ids):
        node = row_of[name.lower()]
        want = sorted(mem_ids[p].lower() for p in hub.pidx[hub.pptr[node] : hub.pptr[node + 1]])
        if sorted(declared[pos]) != want:
            problems.append(f"{name}: parents {declared[pos]} != {want}")
        rel = REL_NAMES[hub.rel[node]] if want else None
        if relations[pos] != rel:
            problems.append(f"{name}: relation {relations[pos]} != {rel}")
        if downloads[pos] != hub.downloads[node]:
            problems.append(f"{name}: downloads differ")
        if len(problems) > 20:
            break
    return problems


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a deterministic, calibrated synthetic hub-stats parquet."
    )
    parser.add_argument("-n", type=int, default=REFERENCE_N, help="number of models")
    parser.add_argument("--out", type=Path, required=True, help="output parquet path")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--verify", action="store_true", help="re-read the file and check it against the arrays"
    )
    args = parser.parse_args(argv)
    if args.n < 1000:
        parser.error("-n must be at least 1000")
    if args.seed < 0:
        parser.error("--seed must be >= 0")
    if SAMPLE.exists() and pq.read_schema(SAMPLE) != SCHEMA:
        print(f"error: schema differs from {SAMPLE}", file=sys.stderr)
        return 2
    # The system allocator hands freed buffers back sooner than Arrow's default pool, which
    # lowers the peak RSS of the string-heavy naming pass by ~10%.
    pa.set_memory_pool(pa.system_memory_pool())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    hub = Builder(args.n, args.seed).build()
    t1 = time.perf_counter()
    write(hub, args.out, Hasher(args.seed))
    t2 = time.perf_counter()
    ok = report(calibrate(hub), args.n, args.seed)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:,.1f} MB): generate {t1 - t0:.1f}s, "
        f"write {t2 - t1:.1f}s, peak RSS {_peak_rss_mb():,.0f} MB"
    )
    if args.verify:
        problems = verify(hub, args.out)
        for p in problems[:20]:
            print(f"verify: {p}", file=sys.stderr)
        print("verify: " + ("FAILED" if problems else "file matches the calibrated arrays"))
        ok &= not problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
