"""What the Hub's repo names say: re-uploader orgs, name aliases, converter prefixes, variants.

Curated knowledge the inference rules (:mod:`hflineage.graph.inference`) share. Every list
here was written from how the Hub names things, not fitted to one data set:

- :data:`REUPLOADERS`: namespaces that publish other developers' weights (quantisers,
  converters, mirrors). A model there is never preferred as the *base* of a same-named model,
  however often it is downloaded.
- :func:`name_key`: the spelling-insensitive form of a repo name (case, ``_`` vs ``-``, Meta's
  ``Meta-`` prefix, the ``-hf`` suffix of converted Llama-2 checkpoints).
- :func:`strip_converter_prefix`: ``faster-whisper-large-v3`` is ``whisper-large-v3`` in
  CTranslate2 format.
- :func:`split_org_name_id`: ``org_-_name`` ids, the form some bulk re-uploaders use to keep
  the original id in the repo name.
- :func:`is_variant_suffix`: ``-large``, ``-Lite``, ``-in21k`` make a *sibling* of a model, not
  a derivative of it.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CONVERTER_ID",
    "CONVERTER_PREFIXES",
    "REUPLOADERS",
    "is_reuploader",
    "is_variant_suffix",
    "name_key",
    "name_keys",
    "split_org_name_id",
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
CONVERTER_PREFIXES = ("faster-", "ct2-", "ctranslate2-")
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
