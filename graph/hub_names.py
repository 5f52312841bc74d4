"""What the Hub's repo names say: re-uploader orgs, name aliases, converter prefixes, variants.

Curated knowledge the inference rules (:mod:`hflineage.graph.inference`) share. Every list
here was written from how the Hub names things, not fitted to one data set:

- :data:`REUPLOADERS`: namespaces that publish other developers' weights (quantisers,
  converters, mirrors). A model there is never preferred as the *base* of a same-named model,
  however often it is downloaded.
- :func:`quant_bases`, :func:`split_quant_suffix`: the suffixes quantisers and converters
  append, by tool family (``-GGUF``, ``-Q4_K_M``, ``-AWQ``, ``-bnb-4bit``, ``-MLX``, ``-ct2``).
- :func:`name_key`: the spelling-insensitive form of a repo name (case, ``_`` vs ``-``, Meta's
  ``Meta-`` prefix, the ``-hf`` suffix of converted Llama-2 checkpoints).
- :func:`strip_converter_prefix`: ``faster-whisper-large-v3`` is ``whisper-large-v3`` in
  CTranslate2 format.
- :func:`split_org_name_id`, :func:`split_org_prefix`: ``org_-_name`` and ``org_name`` ids,
  the forms some re-uploaders use to keep the original id in the repo name.
- :func:`is_variant_suffix`: ``-large``, ``-Lite``, ``-in21k`` make a *sibling* of a model, not
  a derivative of it.
"""

from __future__ import annotations

import re

import pyarrow as pa

from hflineage._exports import lazy_module

pc = lazy_module("pyarrow.compute")

__all__ = [
    "ANY_SUFFIX",
    "CONVERTER_ID",
    "CONVERTER_PREFIXES",
    "PRECISION_SUFFIX",
    "REUPLOADERS",
    "STRONG_SUFFIX",
    "is_reuploader",
    "is_variant_suffix",
    "name_key",
    "name_keys",
    "quant_bases",
    "split_org_name_id",
    "split_org_prefix",
    "split_quant_suffix",
    "strip_converter_prefix",
]

#: Lower-case namespaces that re-upload, quantise or convert other developers' models.
REUPLOADERS: frozenset[str] = frozenset(
    {
        # llama.cpp / GGUF quantisers
        "thebloke", "bartowski", "mradermacher", "quantfactory", "lmstudio-community",
        "lmstudio-ai", "second-state", "gaianet", "tensorblock", "legraphista", "bullerwins",
        "devquasar", "triangle104", "featherless-ai-quants", "maziyarpanahi", "qwen-gguf",
        "ggml-org", "nexaaidev", "unsloth", "richarderkhov", "professorf", "mungert",
        "matrixportal", "lonestriker", "turboderp", "solidrust", "casperhansen",
        "study-hjt", "modelcloud", "quanttrio", "cortexso", "itlwas", "pruna-ai",
        "prunaai", "nm-testing", "neuralmagic", "redhatai", "intel", "openvino",
        "onnx-community", "xenova", "mlx-community", "systran", "guillaumekln",
        "nousresearch", "trl-internal-testing",
        # more quantisers and converters: GGUF (diffusion too), AWQ/GPTQ/AQLM/AutoRound, MLC,
        # Optimum's ONNX exports, Core ML
        "hugging-quants", "city96", "quantstack", "lewdiculous", "sanctumai", "ista-daslab",
        "opea", "mlc-ai", "optimum", "coreml-community",
    }
)  # fmt: skip


def is_reuploader(model_id: str) -> bool:
    """True when a model's namespace is a known re-uploader, quantiser or converter.

    >>> is_reuploader("bartowski/Qwen2.5-7B-Instruct-GGUF"), is_reuploader("Qwen/Qwen2.5-7B")
    (True, False)
    """
    return model_id.rpartition("/")[0].lower() in REUPLOADERS


_META_LLAMA = re.compile(r"^meta-llama")
_HF_TAIL = re.compile(r"-hf$")


def name_key(name: str) -> str:
    """The spelling-insensitive key of a repo name (no namespace).

    Lower-case, ``_`` and spaces read as ``-``, ``Meta-Llama-*`` read as ``Llama-*`` (Meta
    renamed its repos), a final ``-hf`` dropped (Llama-2 checkpoints converted to transformers).

    >>> name_key("Llama-2-7b-chat-hf"), name_key("Meta-Llama-3.1-8B-Instruct")
    ('llama-2-7b-chat', 'llama-3.1-8b-instruct')
    """
    key = name.lower().replace("_", "-").replace(" ", "-")
    key = _META_LLAMA.sub("llama", key)
    return _HF_TAIL.sub("", key)


def name_keys(model_ids: pa.Array | pa.ChunkedArray) -> list[str]:
    """:func:`name_key` of every id's repo name, computed columnar (for millions of ids).

    >>> name_keys(pa.array(["meta-llama/Llama-2-7b-chat-hf", "gpt2", "a/Qwen_2 x"]))
    ['llama-2-7b-chat', 'gpt2', 'qwen-2-x']
    """
    key = pc.replace_substring_regex(pc.utf8_lower(model_ids), r"^.*/", "")
    key = pc.replace_substring(pc.replace_substring(key, "_", "-"), " ", "-")
    key = pc.replace_substring_regex(key, r"^meta-llama", "llama")
    key = pc.replace_substring_regex(key, r"-hf$", "")
    return [str(k) for k in key.to_pylist()]


#: Name prefixes of format converters: the rest of the name is the converted model's.
CONVERTER_PREFIXES = ("faster-", "ct2-", "ctranslate2-", "ct2fast-", "coreml-")
_CONVERTER_PREFIX = re.compile(rf"^(?:{'|'.join(CONVERTER_PREFIXES)})", re.IGNORECASE)
#: An id whose name starts with a converter prefix (for vectorised pre-filters).
CONVERTER_ID = re.compile(rf"/(?:{'|'.join(CONVERTER_PREFIXES)})", re.IGNORECASE)


def strip_converter_prefix(name: str) -> str | None:
    """The converted model's name when ``name`` starts with a converter prefix, else ``None``.

    >>> strip_converter_prefix("faster-whisper-large-v3"), strip_converter_prefix("whisper-tiny")
    ('whisper-large-v3', None)
    """
    m = _CONVERTER_PREFIX.match(name)
    if m is None or m.end() == len(name):
        return None
    return name[m.end() :]


_ORG_NAME_SEP = "_-_"
_ORG_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}$")


def split_org_prefix(name: str) -> tuple[str, str] | None:
    """``(org, rest)`` for a repo name that starts with an org and one ``_``, else ``None``.

    bartowski's quants spell the original org this way (``Qwen_Qwen3-8B-GGUF``,
    ``deepseek-ai_DeepSeek-R1-0528-Qwen3-8B-GGUF``). Any name with an underscore splits, so a
    caller must check that ``org/rest`` names a known model.

    >>> split_org_prefix("Qwen_Qwen3-8B-GGUF"), split_org_prefix("01-ai_-_Yi-6B")
    (('Qwen', 'Qwen3-8B-GGUF'), None)
    """
    if _ORG_NAME_SEP in name:
        return None
    org, sep, rest = name.partition("_")
    if not sep or not rest or not _ORG_OK.match(org):
        return None
    return org, rest


def split_org_name_id(name: str) -> tuple[str, str] | None:
    """``(org, rest)`` for a repo name that encodes another id as ``org_-_name``, else ``None``.

    >>> split_org_name_id("01-ai_-_Yi-6B-4bits")
    ('01-ai', 'Yi-6B-4bits')
    """
    org, sep, rest = name.partition(_ORG_NAME_SEP)
    if not sep or not rest or not _ORG_OK.match(org):
        return None
    return org, rest


_VARIANT = re.compile(
    r"^(?:large|medium|small|base|mini|tiny|nano|micro|xl|xxl|lite|light|full|huge|giant"
    r"|in1k|in21k|in22k|in21k-ft-in1k|uncased|cased|multilingual|en|distilled|pro|plus|max"
    r"|flash|turbo)(?:$|[-_])",
    re.IGNORECASE,
)


def is_variant_suffix(rest: str) -> bool:
    """True when a name's extension makes a sibling (``gpt2`` + ``large``), not a derivative.

    >>> is_variant_suffix("large"), is_variant_suffix("Lite-Chat"), is_variant_suffix("Instruct")
    (True, True, False)
    """
    return _VARIANT.match(rest) is not None


# Suffixes quantisers and converters append, by tool family. "Strong" tokens alone make a name a
# quantised/converted copy; "weak" ones (precision, packaging words) are only stripped next to a
# strong one, or as the last step of a precision-only conversion (``-bf16``).
_STRONG = [
    r"gguf", r"ggml", r"i?matrix", r"imat",  # llama.cpp
    r"(?:i?q[1-8](?:_[0-9a-z]{1,3}){0,2})",  # llama.cpp quant types: Q4_K_M, IQ3_XS, Q8_0
    r"awq", r"gptq(?:model)?", r"marlin", r"autoround", r"hqq", r"aqlm", r"eetq",
    r"exl[23]", r"\d(?:\.\d+)?bpw(?:[-_]?h\d)?", r"h[68]",  # ExLlama
    r"mlx", r"mlx[-_]?\d{1,2}[-_]?bits?", r"dwq",  # MLX (DWQ: distilled weight quantisation)
    r"bnb", r"bitsandbytes", r"nf4", r"[1-8](?:\.\d)?[-_]?bits?",  # bitsandbytes / bit widths
    r"[2-8](?:bits?|b)[-_](?:g\d{2,3}|\d{2,3}g)",  # GPTQ bits and group size: -4b-128g
    r"fp8(?:[-_]dynamic)?", r"fp4", r"nvfp4", r"mxfp4", r"int[48]", r"w\d{1,2}a\d{1,2}",
    r"onnx", r"openvino", r"ov", r"coreml", r"tflite",  # ONNX, OpenVINO, Apple, TF Lite
    r"ct2", r"ctranslate2", r"mlc", r"q\df\d{1,2}(?:_\d)?", r"llamafile", r"trt",  # runtimes
]  # fmt: skip
_WEAK = [
    r"bf16", r"fp16", r"f16", r"f32", r"fp32", r"(?:16|32)[-_]?bits?",  # precision
    r"unsloth", r"dynamic", r"mixed", r"quant(?:s|ized)?", r"quantised", r"sym", r"asym",
    r"g\d{2,3}", r"gs\d{2,3}", r"i1",
    r"qat", r"inc", r"pv", r"\d{1,2}x\d{1,2}",  # QAT; Intel Neural Compressor; AQLM codebooks
    r"hf", r"web", r"q",  # packaging: transformers layout, transformers.js, fastembed
    r"kv", r"hybrid",  # AMD Quark: FP8 weights with an FP8 KV cache; ONNX for NPU + GPU
]  # fmt: skip
#: A quantisation/format suffix at the end of a name (``-GGUF``, ``-AWQ``, ``-4bit``).
STRONG_SUFFIX = re.compile(rf"[-_.](?:{'|'.join(_STRONG)})$", re.IGNORECASE)
_WEAK_SUFFIX = re.compile(rf"[-_.](?:{'|'.join(_WEAK)})$", re.IGNORECASE)
#: A precision-only suffix (``-bf16``, ``-16bit``).
PRECISION_SUFFIX = re.compile(
    r"[-_.](?:bf16|fp16|f16|f32|fp32|(?:16|32)[-_]?bits?)$", re.IGNORECASE
)
#: Any suffix of the grammar (vectorised pre-filter).
ANY_SUFFIX = re.compile(rf"[-_.](?:{'|'.join(_STRONG + _WEAK)})$", re.IGNORECASE)


def _strip_steps(name: str) -> list[tuple[str, str, bool]]:
    """Suffixes stripped one at a time: (name left, suffix, strong)."""
    steps: list[tuple[str, str, bool]] = []
    rest = name
    while True:
        m = STRONG_SUFFIX.search(rest)
        strong = bool(m and m.start() > 0)
        if not strong:
            m = _WEAK_SUFFIX.search(rest)
            if not m or m.start() == 0:
                return steps
        assert m is not None
        steps.append((rest[: m.start()], rest[m.start() :], strong))
        rest = rest[: m.start()]


def quant_bases(name: str) -> list[tuple[str, bool]]:
    """Names left by stripping suffixes, least stripped first, with "a strong one was stripped".

    A name is given once a strong suffix has been stripped, or while only precision suffixes
    (``-bf16``, ``-16bit``) have been: weak words alone (``-dynamic``) say nothing.

    >>> quant_bases("Mentor-3B-16bit-4bit")
    [('Mentor-3B-16bit', True), ('Mentor-3B', True)]
    """
    out: list[tuple[str, bool]] = []
    strong = False
    precision_only = True
    for rest, suffix, is_strong in _strip_steps(name):
        strong = strong or is_strong
        precision_only = precision_only and not is_strong and bool(PRECISION_SUFFIX.match(suffix))
        if strong or precision_only:
            out.append((rest, strong))
    return out


def split_quant_suffix(name: str) -> tuple[str, list[str], bool]:
    """Strip every quantisation/conversion suffix from a repo name.

    Returns the remaining name, the stripped suffixes (outermost first) and whether a strong
    (quantisation or format) suffix was among them.

    >>> split_quant_suffix("Qwen2.5-7B-Instruct-Q4_K_M-GGUF")
    ('Qwen2.5-7B-Instruct', ['-GGUF', '-Q4_K_M'], True)
    >>> split_quant_suffix("Mistral-Small-24B-Instruct-2501-bf16")
    ('Mistral-Small-24B-Instruct-2501', ['-bf16'], False)
    >>> split_quant_suffix("gemma-2-9b-it")
    ('gemma-2-9b-it', [], False)
    """
    bases = quant_bases(name)
    if not bases:
        return name, [], False
    base = bases[-1][0]
    steps = _strip_steps(name)
    n = next(i for i, (rest, _, _) in enumerate(steps) if rest == base) + 1
    return base, [sfx for _, sfx, _ in steps[:n]], any(st for _, _, st in steps[:n])
