"""Inferred lineage: parents for models that declare none, each with evidence and a confidence.

Every rule is one function below that reads an :class:`InferenceContext` and yields
:class:`Proposal` s; :func:`infer_lineage` runs them on the models with no declared parent and
keeps, per model, the best-supported parent. Rules, most explicit first:

========================  ==========  =========================================================
rule                      confidence  evidence
========================  ==========  =========================================================
``adapter_config``        0.95        ``base_model_name_or_path`` of ``adapter_config.json``
``card_text``             0.90        card prose "fine-tuned / quantized version of [X](...)"
``gguf_base_model``       0.80        GGUF ``general.base_model.N.*`` keys
``repo_suffix``           0.95        repo name = a known model's name + quantisation suffix
``namespace_extension``   0.40-0.75   same namespace, name = a known model's name + a suffix
``mirror``                0.60        same name as a model of the family's developer org
``base_name_in_repo``     0.60        a known base model's name inside the repo name
========================  ==========  =========================================================

Confidences are lowered when the choice among several known models with the same name was not
clear-cut, or when architectures disagree, and raised a little when parameter counts agree or
several rules name the same parent (details in each rule). Declared metadata always wins:
inference only runs for models without a declared parent, and the builder prefers every
declared source over ``inferred``. Measured precision and recall: ``docs/inference.md``.

Name matching is conservative: only ids already known (models in the data and parents declared
by other models) can be inferred parents of a name match, and ids are compared
case-insensitively after the quantisation suffixes are removed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.graph.build import build_lineage_graph
from hflineage.graph.lineage import LineageGraph
from hflineage.graph.taxonomy import Taxonomy, default_taxonomy
from hflineage.loaders.evidence import ModelEvidence
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.records import SOURCES, LoadReport
from hflineage.loaders.table import ModelTable, take_rows

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "RULES",
    "InferenceContext",
    "InferredDeclarations",
    "Proposal",
    "architectures_conflict",
    "build_inferred_graph",
    "infer_lineage",
    "quant_bases",
    "split_quant_suffix",
    "with_inferred",
]

#: Inferred edges below this confidence are not used unless asked for.
DEFAULT_MIN_CONFIDENCE = 0.8
#: A name shared by more known models than this ("model", "test") is no evidence at all.
MAX_CANDIDATES = 50

_INFERRED = SOURCES.index("inferred")
_DECLARED = tuple(s for s in SOURCES if s != "inferred")


@dataclass(frozen=True, slots=True)
class Proposal:
    """One rule's claim that ``parent_id`` is a parent of the model at table row ``child``."""

    child: int
    parent_id: str
    relation: str | None
    rule: str
    confidence: float
    evidence: str


# -- names ------------------------------------------------------------------------------------
# Suffixes quantisers and converters append, by tool family. "Strong" tokens alone make a name a
# quantised/converted copy; "weak" ones (precision, packaging words) are only stripped next to a
# strong one, or as the last step of a precision-only conversion (``-bf16``).
_STRONG = [
    r"gguf", r"ggml", r"i?matrix", r"imat",  # llama.cpp
    r"(?:i?q[1-8](?:_[0-9a-z]{1,3}){0,2})",  # llama.cpp quant types: Q4_K_M, IQ3_XS, Q8_0
    r"awq", r"gptq(?:model)?", r"marlin", r"autoround", r"hqq", r"aqlm", r"eetq",
    r"exl[23]", r"\d(?:\.\d+)?bpw(?:[-_]?h\d)?", r"h[68]",  # ExLlama
    r"mlx", r"mlx[-_]?\d{1,2}[-_]?bits?",  # MLX
    r"bnb", r"bitsandbytes", r"nf4", r"[1-8](?:\.\d)?[-_]?bits?",  # bitsandbytes / bit widths
    r"fp8(?:[-_]dynamic)?", r"fp4", r"nvfp4", r"mxfp4", r"int[48]", r"w\d{1,2}a\d{1,2}",
    r"onnx", r"openvino", r"ov", r"coreml", r"tflite",
]  # fmt: skip
_WEAK = [
    r"bf16", r"fp16", r"f16", r"f32", r"fp32", r"(?:16|32)[-_]?bits?",  # precision
    r"unsloth", r"dynamic", r"mixed", r"quant(?:s|ized)?", r"quantised", r"sym", r"asym",
    r"g\d{2,3}", r"gs\d{2,3}", r"i1",
]  # fmt: skip
_STRONG_RE = re.compile(rf"[-_.](?:{'|'.join(_STRONG)})$", re.IGNORECASE)
_WEAK_RE = re.compile(rf"[-_.](?:{'|'.join(_WEAK)})$", re.IGNORECASE)
_PRECISION = re.compile(r"[-_.](?:bf16|fp16|f16|f32|fp32|(?:16|32)[-_]?bits?)$", re.IGNORECASE)
_SIZE = re.compile(r"(?<![a-z0-9])\d+(?:\.\d+)?[bm](?![a-z])", re.IGNORECASE)
_TOKEN_SEP = re.compile(r"[-_]")
_LETTERS = re.compile(r"[a-z]{2}", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ANY_SUFFIX = re.compile(rf"[-_.](?:{'|'.join(_STRONG + _WEAK)})$", re.IGNORECASE)
# Family-aware aliases: Meta renamed ``Meta-Llama-3.1-*`` to ``Llama-3.1-*``; quantisers kept
# both spellings.
_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = ((re.compile(r"^meta-llama-", re.I), "llama-"),)


def _strip_steps(name: str) -> list[tuple[str, str, bool]]:
    """Suffixes stripped one at a time: (name left, suffix, strong)."""
    steps: list[tuple[str, str, bool]] = []
    rest = name
    while True:
        m = _STRONG_RE.search(rest)
        strong = bool(m and m.start() > 0)
        if not strong:
            m = _WEAK_RE.search(rest)
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
        precision_only = precision_only and not is_strong and bool(_PRECISION.match(suffix))
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


def _name(model_id: str) -> str:
    return model_id.rpartition("/")[2]


def _org(model_id: str) -> str:
    return model_id.rpartition("/")[0]


def _alias_keys(name_lower: str) -> list[str]:
    if "meta-" not in name_lower:  # the only alias family today; skips the regexes
        return []
    return [p.sub(r, name_lower) for p, r in _ALIASES if p.search(name_lower)]


def _specific(name_lower: str) -> bool:
    """True for base names specific enough to match inside another name (``gemma-2-9b``)."""
    return (
        len(name_lower) >= 4
        and _DIGIT.search(name_lower) is not None
        and _LETTERS.search(name_lower) is not None
    )


# Architectures that are the same family for a consistency check; "llama" is compatible with
# everything because converters "llamafy" many models (Mistral, Phi-3, Yi, InternLM).
_ARCH_GROUP = {
    "mistral": "llama",
    "mixtral": "llama",
    "llama4": "llama",
    "qwen": "qwen",
    "qwen2": "qwen",
    "qwen2_moe": "qwen",
    "qwen2_vl": "qwen",
    "qwen2_5_vl": "qwen",
    "qwen3": "qwen",
    "qwen3_moe": "qwen",
    "qwen3_next": "qwen",
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "gemma3n": "gemma",
    "gemma3_text": "gemma",
    "phi": "phi",
    "phi2": "phi",
    "phi3": "phi",
    "phimoe": "phi",
    "gpt_neox": "neox",
    "stablelm": "neox",
}


def architectures_conflict(a: str | None, b: str | None) -> bool:
    """True when two known architectures cannot be the same weights (llama is never a conflict).

    >>> architectures_conflict("qwen2", "gemma2"), architectures_conflict("mistral", "llama")
    (True, False)
    """
    if not a or not b:
        return False
    ga, gb = _ARCH_GROUP.get(a, a), _ARCH_GROUP.get(b, b)
    return ga != gb and "llama" not in (ga, gb)


# -- context ------------------------------------------------------------------------------------
@dataclass
class InferenceContext:
    """What the rules read: the table, its evidence, the known ids and the target rows.

    Args:
        table: models and their declarations (declarations of target rows are ignored).
        evidence: evidence aligned to ``table`` (same rows, same order).
        targets: rows to infer parents for (sorted, unique).
        taxonomy: curated developer orgs (an org with family rules is a family's developer).
    """

    table: ModelTable
    evidence: ModelEvidence
    targets: np.ndarray
    taxonomy: Taxonomy = field(default_factory=default_taxonomy)

    @cached_property
    def ids(self) -> list[str]:
        """Model ids of the table rows."""
        return [str(x) for x in self.table.model_id.to_pylist()]

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Lower-case id -> table row (first row when an id repeats)."""
        out: dict[str, int] = {}
        for i, mid in enumerate(self.ids):
            out.setdefault(mid.lower(), i)
        return out

    @cached_property
    def _visible_decl(self) -> np.ndarray:
        """Declarations of non-target rows, by position (targets' own are hidden)."""
        is_target = np.zeros(len(self.table), dtype=bool)
        is_target[self.targets] = True
        declared = np.isin(self.table.decl_source, [SOURCES.index(s) for s in _DECLARED])
        return np.flatnonzero(declared & ~is_target[self.table.decl_child])

    @cached_property
    def declared_parents(self) -> dict[str, list[str]]:
        """Lower-case child id -> its declared parents' ids (targets excluded)."""
        pos = self._visible_decl
        kids = self.table.decl_child[pos]
        parents = self.table.decl_parent.take(pa.array(pos)).to_pylist()
        out: dict[str, list[str]] = defaultdict(list)
        ids = self.ids
        for k, p in zip(kids.tolist(), parents, strict=True):
            out[ids[k].lower()].append(str(p))
        return dict(out)

    @cached_property
    def times_declared(self) -> Counter[str]:
        """Lower-case id -> how many (non-target) models declare it as a parent."""
        return Counter(p.lower() for ps in self.declared_parents.values() for p in set(ps))

    @cached_property
    def known(self) -> dict[str, str]:
        """Every known id, lower-case -> spelling: the table's models and declared parents."""
        out = {mid.lower(): mid for mid in reversed(self.ids)}
        for ps in self.declared_parents.values():
            for p in ps:
                out.setdefault(p.lower(), p)
        return out

    @cached_property
    def by_name(self) -> dict[str, list[str]]:
        """Lower-case repo name (and its family aliases) -> known ids with that name."""
        out: dict[str, list[str]] = defaultdict(list)
        for low, mid in self.known.items():
            name = _name(low)
            out[name].append(mid)
            for alias in _alias_keys(name):
                out[alias].append(mid)
        return dict(out)

    @cached_property
    def by_stripped_name(self) -> dict[str, list[str]]:
        """Lower-case name without a precision suffix (``-bf16``) -> known ids."""
        out: dict[str, list[str]] = defaultdict(list)
        keys = pa.array(list(self.known), pa.string())
        hit = pc.match_substring_regex(keys, _PRECISION.pattern, ignore_case=True)
        for low in keys.filter(hit).to_pylist():
            base, suffixes, strong = split_quant_suffix(_name(low))
            if suffixes and not strong:
                out[base].append(self.known[low])
        return dict(out)

    def targets_matching(self, pattern: re.Pattern[str]) -> list[int]:
        """Target rows whose id matches a regex (vectorised pre-filter for the name rules)."""
        ids = take_rows(self.table.model_id, np.asarray(self.targets, np.int64))
        hit = pc.match_substring_regex(ids, pattern.pattern, ignore_case=True)
        mask = np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)
        out: list[int] = self.targets[mask].tolist()
        return out

    @cached_property
    def curated_orgs(self) -> frozenset[str]:
        """Lower-case orgs that develop a curated family (``""``: legacy ids like ``gpt2``)."""
        return self.taxonomy.ruled_orgs()

    def is_curated(self, model_id: str) -> bool:
        """True when a model's org is a curated family developer."""
        return _org(model_id).lower() in self.curated_orgs

    def architecture(self, model_id: str) -> str | None:
        """The architecture a model's tags or GGUF metadata state, if any."""
        row = self.row_of.get(model_id.lower())
        if row is None:
            return None
        ev = self.evidence
        value = ev.model_type[row].as_py() or ev.gguf_architecture[row].as_py()
        return str(value) if value else None

    def parameters(self, model_id: str) -> int:
        """Parameter count from safetensors or GGUF metadata; -1 when unknown."""
        row = self.row_of.get(model_id.lower())
        if row is None:
            return -1
        st = int(self.evidence.safetensors_total[row])
        return st if st > 0 else int(self.evidence.gguf_total[row])

    def created(self, model_id: str) -> np.datetime64:
        """``createdAt`` of a model (NaT for stubs and unknown dates)."""
        row = self.row_of.get(model_id.lower())
        return self.table.created_at[row] if row is not None else np.datetime64("NaT", "s")

    def is_ancestor(self, a: str, b: str, depth: int = 4) -> bool:
        """True when ``a`` is a declared ancestor of ``b`` (within ``depth`` steps)."""
        target = a.lower()
        frontier = [b.lower()]
        for _ in range(depth):
            nxt: list[str] = []
            for x in frontier:
                for p in self.declared_parents.get(x, ()):
                    pl = p.lower()
                    if pl == target:
                        return True
                    nxt.append(pl)
            if not nxt:
                return False
            frontier = nxt
        return False

    def pick(self, candidates: Sequence[str], child: str) -> tuple[str, float, str] | None:
        """Choose one of several known ids with the same name as the parent of ``child``.

        Candidates created after the child are dropped (when both dates are known). Returns
        (id, confidence penalty, note), or ``None`` when nothing is left or the name is shared
        by more than :data:`MAX_CANDIDATES` models. In order: a single
        candidate (0); the one every other candidate derives from, the original of re-uploads
        (0.03); the one in the child's own namespace (0.05); the only one from a curated
        developer org, if it is also the oldest (0.05); else the most-declared one, as
        ambiguous (0.35).
        """
        cl = child.lower()
        born = self.created(child)
        cands = [
            c
            for c in dict.fromkeys(candidates)
            if c.lower() != cl and not _younger(self.created(c), born)
        ]
        if not cands or len(cands) > MAX_CANDIDATES:
            return None
        if len(cands) == 1:
            return cands[0], 0.0, "unique known name"
        originals = [c for c in cands if all(c == o or self.is_ancestor(c, o) for o in cands)]
        if len(originals) == 1:
            return originals[0], 0.03, f"original of {len(cands) - 1} re-upload(s)"
        org = _org(cl)
        same = [c for c in cands if _org(c).lower() == org]
        if len(same) == 1:
            return same[0], 0.05, "same namespace"
        curated = [c for c in cands if self.is_curated(c)]
        if len(curated) == 1 and all(
            not _younger(self.created(curated[0]), self.created(c)) for c in cands
        ):
            return curated[0], 0.05, "the oldest, from a curated developer org"
        best = max(cands, key=lambda c: (self.times_declared.get(c.lower(), 0), c.lower()))
        return best, 0.35, f"ambiguous among {len(cands)} known models"


def _younger(a: np.datetime64, b: np.datetime64) -> bool:
    """True when both dates are known and ``a`` is later than ``b``."""
    return bool(not np.isnat(a) and not np.isnat(b) and a > b)


# -- rules --------------------------------------------------------------------------------------
def rule_adapter_config(ctx: InferenceContext) -> Iterator[Proposal]:
    """``adapter_config.json``'s ``base_model_name_or_path`` (card folders): confidence 0.95.

    A local path or anything that is not a Hub id is ignored.
    """
    raw = ctx.evidence.adapter_base.take(pa.array(ctx.targets)).to_pylist()
    for row, value in zip(ctx.targets.tolist(), raw, strict=True):
        if not value:
            continue
        try:
            pid = normalise_id(value)
        except InvalidId:
            continue
        if value.startswith((".", "/", "~")) or "\\" in value:
            continue
        yield Proposal(row, pid, "adapter", "adapter_config", 0.95, f"adapter_config: {pid}")


_CARD_VERB = (
    r"(?P<verb>fine[- ]?tuned|trained|quanti[sz]ed|converted|distilled|merged|gguf)"
    r"\s+(?:version|variant|checkpoint|quants?|model(?:\s+files)?|files?|format)"
    r"(?:\s+(?:files\s+)?(?:of|for|from))\s+"
)
_CARD_LINK = re.compile(
    _CARD_VERB + r"\[[^\]\n]{1,200}\]\(\s*(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/"
    r"(?:models/)?(?P<link>[A-Za-z0-9_.\-]{1,96}(?:/[A-Za-z0-9_.\-]{1,96})?)",
    re.IGNORECASE,
)
_CARD_PLAIN = re.compile(
    _CARD_VERB + r"[\[`*\"']{0,2}(?P<id>[A-Za-z0-9_.\-]{1,96}/[A-Za-z0-9_.\-]{1,96})",
    re.IGNORECASE,
)
_VERB_RELATION = {
    "quantized": "quantized",
    "quantised": "quantized",
    "gguf": "quantized",
    "merged": "merge",
}


def rule_card_text(ctx: InferenceContext) -> Iterator[Proposal]:
    """Card prose such as "a fine-tuned version of [X](https://huggingface.co/X)".

    Only model-card folders carry prose (hub-stats ``cardData`` is metadata only). Confidence
    0.90 for a Hub link, 0.85 for a plain ``org/name``; the first statement in the card counts.
    """
    texts = ctx.evidence.card_text.take(pa.array(ctx.targets)).to_pylist()
    for row, text in zip(ctx.targets.tolist(), texts, strict=True):
        if not text:
            continue
        found: list[tuple[int, str, str, float]] = []
        for pattern, group, conf in ((_CARD_LINK, "link", 0.90), (_CARD_PLAIN, "id", 0.85)):
            m = pattern.search(text)
            if m:
                found.append((m.start(), m.group(group), m.group("verb"), conf))
        if not found:
            continue
        _, raw, verb, conf = min(found, key=lambda f: (f[0], -f[3]))
        try:
            pid = normalise_id(raw.rstrip(".)"))
        except InvalidId:
            continue
        rel = _VERB_RELATION.get(verb.lower().replace(" ", "").replace("-", ""), "finetune")
        yield Proposal(row, pid, rel, "card_text", conf, f"card text: {verb} ... {pid}")


def rule_gguf_base_model(ctx: InferenceContext) -> Iterator[Proposal]:
    """GGUF ``general.base_model.N.*`` keys: confidence 0.80.

    llama.cpp copies these from the converted model's card, so they name the converted
    model's own base: the parent when the author quantised their own model, the grandparent for
    a third-party re-quantisation. Hence 0.80, not higher.
    """
    ev = ctx.evidence
    if not len(ev.gguf_child):
        return
    is_target = np.zeros(len(ctx.table), dtype=bool)
    is_target[ctx.targets] = True
    parents = ev.gguf_parent.to_pylist()
    for row, pid in zip(ev.gguf_child.tolist(), parents, strict=True):
        if is_target[row]:
            yield Proposal(row, str(pid), None, "gguf_base_model", 0.80, f"gguf base_model: {pid}")


def _param_note(ctx: InferenceContext, child: str, parent: str) -> tuple[float, str]:
    """Confidence adjustment and note from architectures and parameter counts."""
    if architectures_conflict(ctx.architecture(child), ctx.architecture(parent)):
        return -0.30, f"; architecture {ctx.architecture(child)} vs {ctx.architecture(parent)}"
    a, b = ctx.parameters(child), ctx.parameters(parent)
    if a > 0 and b > 0 and abs(a - b) <= 0.005 * max(a, b):
        return 0.05, "; same parameter count"
    return 0.0, ""


def rule_repo_suffix(ctx: InferenceContext) -> Iterator[Proposal]:
    """A quantised or converted re-upload: ``<known name>-GGUF``, ``-AWQ``, ``-4bit`` ...

    Suffixes are stripped one at a time (:func:`quant_bases`) and the least-stripped name that
    is a known model's name wins (``X-16bit-GGUF`` is a GGUF of ``X-16bit`` when that exists);
    a family alias (``Meta-Llama-3.1-8B`` = ``Llama-3.1-8B``) or a known name minus its
    precision suffix (``X-FP8`` from ``X-BF16``) also counts. Confidence 0.95, minus 0.05 for
    an alias or precision match, minus :meth:`InferenceContext.pick`'s penalty when several
    known models share the name, minus 0.30 when architectures clash. Relation ``quantized``
    (``unknown`` for a precision-only conversion such as ``-bf16``).
    """
    ids = ctx.ids
    for row in ctx.targets_matching(_ANY_SUFFIX):
        mid = ids[row]
        name = _name(mid)
        found: tuple[str, bool, list[str], float, str] | None = None
        for base, strong in quant_bases(name):
            key = base.lower()
            cands = ctx.by_name.get(key, [])
            if cands:
                found = (base, strong, cands, 0.95, "name")
                break
            for alias in _alias_keys(key):
                if ctx.by_name.get(alias):
                    found = (base, strong, ctx.by_name[alias], 0.90, "aliased name")
                    break
            if found is None and ctx.by_stripped_name.get(key):
                found = (base, strong, ctx.by_stripped_name[key], 0.90, "name minus precision")
            if found is not None:
                break
        if found is None:
            continue
        base, strong, cands, conf, how = found
        chosen = ctx.pick(cands, mid)
        if chosen is None:
            continue
        pid, penalty, note = chosen
        adj, extra = _param_note(ctx, mid, pid)
        yield Proposal(
            row,
            pid,
            "quantized" if strong else None,
            "repo_suffix",
            round(conf - penalty + min(adj, 0.0), 4),
            f"{name[len(base) :]!r} re-upload of {how} {base!r} ({note}){extra}",
        )


_VERSION_BUMP = re.compile(r"^(?:v|p|r|ep|step)?\d+(?:[._]\d+)*[a-z]?$", re.IGNORECASE)
_CHAT_TUNE = re.compile(r"^(?:instruct|it|chat)$", re.IGNORECASE)


def rule_namespace_extension(ctx: InferenceContext) -> Iterator[Proposal]:
    """A model named after another model of the same namespace: ``org/X-Instruct`` from ``org/X``.

    The longest known ``org/X`` whose name followed by ``-``/``_`` starts the child's name wins;
    the rest must not name a different size (``-7B``). Measured on the real sample this names
    the exact parent less often than it names a sibling or an earlier stage of a training
    pipeline (``-v2`` next to ``X``; ``X-Instruct`` made from ``X-DPO``), so confidences stay
    below the default threshold: 0.75 for ``-Instruct``/``-it``/``-chat``, 0.40 for a version
    bump (``-v2``, ``-1.1``), 0.60 otherwise.
    """
    by_org: dict[str, set[str]] = defaultdict(set)
    for low in ctx.known:
        org = _org(low)
        if org:
            by_org[org].add(_name(low))
    ids = ctx.ids
    for row in ctx.targets.tolist():
        mid = ids[row]
        org, name = _org(mid).lower(), _name(mid).lower()
        names = by_org.get(org)
        if not names:
            continue
        best: str | None = None
        for m in re.finditer(r"[-_]", name):
            prefix = name[: m.start()]
            if prefix in names and _specific(prefix):
                best = prefix
        if best is None:
            continue
        rest = name[len(best) + 1 :]
        if not rest or _SIZE.search(rest):
            continue
        pid = ctx.known[f"{org}/{best}"]
        adj, extra = _param_note(ctx, mid, pid)
        if _VERSION_BUMP.match(rest):
            conf, kind = 0.40, "version bump"
        elif _CHAT_TUNE.match(rest):
            conf, kind = 0.75, "chat tune"
        else:
            conf, kind = 0.60, "extension"
        yield Proposal(
            row,
            pid,
            None,
            "namespace_extension",
            round(conf + min(adj, 0.0), 4),
            f"same namespace, {kind}: {_name(pid)!r} + {rest!r}{extra}",
        )


def rule_mirror(ctx: InferenceContext) -> Iterator[Proposal]:
    """A copy under another namespace with the same name as a curated developer's model.

    ``someone/gemma-2-9b-it`` -> ``google/gemma-2-9b-it`` when the child's org is not itself a
    curated developer and the original is not younger. Confidence 0.60: on the real sample
    and the synthetic Hub, same-named repos are as often finetunes that kept the name.
    """
    curated: dict[str, list[str]] = defaultdict(list)
    for low, mid in ctx.known.items():
        if _org(low) in ctx.curated_orgs and "/" in low:
            curated[_name(low)].append(mid)
    ids = ctx.ids
    for row in ctx.targets.tolist():
        mid = ids[row]
        if "/" not in mid or ctx.is_curated(mid):
            continue
        cands = curated.get(_name(mid).lower(), [])
        if len(cands) != 1 or not _specific(_name(mid).lower()):
            continue
        pid = cands[0]
        if _younger(ctx.created(pid), ctx.table.created_at[row]):
            continue
        adj, extra = _param_note(ctx, mid, pid)
        yield Proposal(
            row, pid, None, "mirror", round(0.60 + min(adj, 0.0), 4), f"same name as {pid}{extra}"
        )


def rule_base_name_in_repo(ctx: InferenceContext) -> Iterator[Proposal]:
    """A known base model's name inside the repo name: ``acme/Qwen2.5-7B-Instruct-abliterated``.

    Candidates are specific names (a digit and letters) of known models that other models
    declare as a parent or that a curated developer published; the longest token-aligned match
    wins. It guesses the family well but the exact parent poorly (a finetune of
    ``X-Instruct`` called ``X-math``; merges), hence confidence 0.60 (+0.05 when parameter
    counts agree, -0.30 when architectures clash, -0.30 when a second, different base name also
    matches, minus the :meth:`InferenceContext.pick` penalty).
    """
    vocab: dict[str, list[str]] = {}
    for low, mid in ctx.known.items():
        name = _name(low)
        if not _specific(name):
            continue
        if ctx.times_declared.get(low, 0) > 0 or ctx.is_curated(mid):
            for key in (name, *_alias_keys(name)):
                vocab.setdefault(key, []).append(mid)
    first_tokens = {_TOKEN_SEP.split(name, maxsplit=1)[0] for name in vocab}
    max_tokens = max((len(_TOKEN_SEP.split(name)) for name in vocab), default=0)
    ids = ctx.ids
    for row in ctx.targets.tolist():
        mid = ids[row]
        name = _name(mid).lower()
        toks = _TOKEN_SEP.split(name)
        seps = _TOKEN_SEP.findall(name)
        spans: list[tuple[int, int, str]] = []
        for i, t in enumerate(toks):
            if t not in first_tokens:
                continue
            text = t
            for j in range(i + 1, min(len(toks), i + max_tokens) + 1):
                if j > i + 1:
                    text += seps[j - 2] + toks[j - 1]
                if text in vocab:
                    spans.append((i, j, text))
        if not spans:
            continue
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        i0, j0, text = spans[0]
        if i0 == 0 and j0 == len(toks):
            continue  # the whole name: a mirror, not a derivative
        others = {s[2] for s in spans[1:] if (s[1] <= i0 or s[0] >= j0) and s[2] not in text}
        chosen = ctx.pick(vocab[text], mid)
        if chosen is None:
            continue
        pid, penalty, note = chosen
        adj, extra = _param_note(ctx, mid, pid)
        conf = 0.60 - penalty + adj
        if others:
            conf -= 0.30
            extra += f"; also names {sorted(others)[0]!r}"
        yield Proposal(
            row,
            pid,
            "adapter" if _lib(ctx, row) == "peft" else None,
            "base_name_in_repo",
            round(conf, 4),
            f"repo name contains {text!r} ({note}){extra}",
        )


def _lib(ctx: InferenceContext, row: int) -> str | None:
    value = ctx.evidence.library_name[row].as_py()
    return str(value).lower() if value else None


Rule = Callable[[InferenceContext], Iterable[Proposal]]

#: Every rule, most explicit evidence first (the order breaks confidence ties).
RULES: dict[str, Rule] = {
    "adapter_config": rule_adapter_config,
    "card_text": rule_card_text,
    "gguf_base_model": rule_gguf_base_model,
    "repo_suffix": rule_repo_suffix,
    "namespace_extension": rule_namespace_extension,
    "mirror": rule_mirror,
    "base_name_in_repo": rule_base_name_in_repo,
}


# -- result ---------------------------------------------------------------------------------------
@dataclass
class InferredDeclarations:
    """Inferred parents, one row each: the child's table row, the parent and why.

    Every model gets at most one inferred parent (the best supported), except when one
    explicit statement (GGUF metadata) names several.
    """

    child: np.ndarray
    child_id: pa.Array
    parent: pa.Array
    relation: pa.Array
    rule: pa.Array
    confidence: np.ndarray
    evidence: pa.Array
    proposals: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.child)

    @classmethod
    def from_proposals(
        cls, chosen: Sequence[Proposal], ids: Sequence[str], proposals: Counter[str]
    ) -> InferredDeclarations:
        """Columns from chosen proposals."""
        return cls(
            child=np.array([p.child for p in chosen], dtype=np.int64),
            child_id=pa.array([ids[p.child] for p in chosen], pa.string()),
            parent=pa.array([p.parent_id for p in chosen], pa.string()),
            relation=pa.array([p.relation for p in chosen], pa.string()),
            rule=pa.array([p.rule for p in chosen], pa.string()),
            confidence=np.array([p.confidence for p in chosen], dtype=np.float64),
            evidence=pa.array([p.evidence for p in chosen], pa.string()),
            proposals=proposals,
        )

    def at_least(self, min_confidence: float) -> InferredDeclarations:
        """The inferred parents with ``confidence >= min_confidence``."""
        keep = self.confidence >= min_confidence - 1e-9
        mask = pa.array(keep)
        return InferredDeclarations(
            child=self.child[keep],
            child_id=self.child_id.filter(mask),
            parent=self.parent.filter(mask),
            relation=self.relation.filter(mask),
            rule=self.rule.filter(mask),
            confidence=self.confidence[keep],
            evidence=self.evidence.filter(mask),
            proposals=self.proposals,
        )

    def rows(self) -> Iterator[Proposal]:
        """The inferred parents as :class:`Proposal` s."""
        cols = zip(
            self.child.tolist(),
            self.parent.to_pylist(),
            self.relation.to_pylist(),
            self.rule.to_pylist(),
            self.confidence.tolist(),
            self.evidence.to_pylist(),
            strict=True,
        )
        for c, p, rel, rule, conf, ev in cols:
            yield Proposal(int(c), str(p), rel, str(rule), float(conf), str(ev))

    def by_rule(self) -> dict[str, int]:
        """How many inferred parents each rule gave."""
        return dict(Counter(self.rule.to_pylist()).most_common())

    def as_dicts(self) -> list[dict[str, object]]:
        """JSON-ready rows."""
        ids = self.child_id.to_pylist()
        return [
            {
                "model_id": mid,
                "parent_id": p.parent_id,
                "relation": p.relation or "unknown",
                "rule": p.rule,
                "confidence": p.confidence,
                "evidence": p.evidence,
            }
            for mid, p in zip(ids, self.rows(), strict=True)
        ]


def _combine(props: list[Proposal]) -> list[Proposal]:
    """The proposals kept for one model (see :func:`infer_lineage`)."""
    order = list(RULES)
    by_parent: dict[str, list[Proposal]] = defaultdict(list)
    for p in props:
        by_parent[p.parent_id.lower()].append(p)
    merged: list[Proposal] = []
    for group in by_parent.values():
        group.sort(key=lambda p: (-p.confidence, order.index(p.rule)))
        top = group[0]
        rules = list(dict.fromkeys(p.rule for p in group))
        conf = min(0.99, top.confidence + 0.03 * (len(rules) - 1))
        evidence = top.evidence
        if len(rules) > 1:
            evidence += " [also: " + ", ".join(rules[1:]) + "]"
        rel = top.relation or next((p.relation for p in group if p.relation), None)
        merged.append(replace(top, confidence=round(conf, 4), evidence=evidence, relation=rel))
    merged.sort(key=lambda p: (-p.confidence, order.index(p.rule), p.parent_id.lower()))
    best = merged[0]
    if best.rule == "gguf_base_model":
        return [p for p in merged if p.rule == best.rule]
    rivals = [p for p in merged[1:] if p.confidence >= best.confidence - 0.10]
    if rivals:
        r = rivals[0]
        best = replace(
            best,
            confidence=round(best.confidence - 0.20, 4),
            evidence=f"{best.evidence}; conflicts with {r.rule} -> {r.parent_id}",
        )
    return [best]


def infer_lineage(
    table: ModelTable,
    evidence: ModelEvidence | None = None,
    *,
    targets: np.ndarray | None = None,
    rules: Sequence[str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> InferredDeclarations:
    """Infer parents for the models that declare none.

    Args:
        table: models and declarations.
        evidence: evidence for the same models (any order; aligned by id); ``None`` means
            names only.
        targets: rows to infer for; default every row with no declared parent. Declarations
            of target rows are hidden from the rules (the held-out evaluation relies on it).
        rules: rule names to run (default all, see :data:`RULES`).
        taxonomy: curated developer orgs (default the shipped taxonomy).

    Returns:
        At most one parent per model (several only for multi-parent GGUF metadata). When rules
        name different parents, the best is kept and, if a rival is within 0.10, lowered by
        0.20; agreeing rules add 0.03 each.
    """
    if evidence is None:
        evidence = ModelEvidence.empty()
    evidence = evidence.aligned_to(table.model_id)
    if targets is None:
        has = np.zeros(len(table), dtype=bool)
        declared = np.isin(table.decl_source, [SOURCES.index(s) for s in _DECLARED])
        has[table.decl_child[declared]] = True
        targets = np.flatnonzero(~has)
    targets = np.unique(np.asarray(targets, dtype=np.int64))
    names = list(RULES) if rules is None else list(rules)
    unknown = [r for r in names if r not in RULES]
    if unknown:
        raise ValueError(f"unknown inference rule {unknown[0]!r}; expected one of {list(RULES)}")
    ctx = InferenceContext(table, evidence, targets, taxonomy or default_taxonomy())
    per_child: dict[int, list[Proposal]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for name in names:
        for p in RULES[name](ctx):
            if p.parent_id.lower() == ctx.ids[p.child].lower():
                continue
            per_child[p.child].append(p)
            counts[name] += 1
    chosen: list[Proposal] = []
    for child in sorted(per_child):
        chosen.extend(_combine(per_child[child]))
    return InferredDeclarations.from_proposals(chosen, ctx.ids, counts)


def with_inferred(
    table: ModelTable,
    inferred: InferredDeclarations,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> ModelTable:
    """The table plus inferred parents (source ``inferred``) at or above a confidence.

    Build the graph with ``sources=(..., "inferred")`` to use them; declared parents still win.
    """
    use = inferred.at_least(min_confidence)
    if not len(use):
        return table
    return replace(
        table,
        decl_child=np.concatenate([table.decl_child, use.child]).astype(np.int64),
        decl_parent=pa.concat_arrays([table.decl_parent, use.parent]),
        decl_relation=pa.concat_arrays([table.decl_relation.cast(pa.string()), use.relation]),
        decl_source=np.concatenate(
            [table.decl_source, np.full(len(use), _INFERRED, dtype=np.int8)]
        ),
    )


def build_inferred_graph(
    table: ModelTable,
    load_report: LoadReport | None = None,
    evidence: ModelEvidence | None = None,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> tuple[LineageGraph, InferredDeclarations]:
    """Infer parents, then build the graph from declared and inferred ones (declared win).

    Returns the graph and every inferred parent (including those below ``min_confidence``,
    which the graph does not use).
    """
    inferred = infer_lineage(table, evidence)
    graph = build_lineage_graph(
        with_inferred(table, inferred, min_confidence), load_report, sources=SOURCES
    )
    return graph, inferred
