"""Inferred lineage: parents for models that declare none, each with evidence and a confidence.

Every rule is one function below that reads an :class:`InferenceContext` and yields
:class:`Proposal` s, each with a prior confidence and an evidence *bucket* (the kind of
evidence within the rule); :func:`infer_lineage` runs them on the models with no declared
parent, keeps per model the parent with the best prior, and states as its confidence the
held-out precision of its (rule, bucket) (:mod:`hflineage.graph.calibration`). Rules, most
explicit first:

========================  =============================================================
rule                      evidence
========================  =============================================================
``adapter_config``        ``base_model_name_or_path`` of ``adapter_config.json``
``card_text``             card prose "fine-tuned / quantized version of [X](...)"
``gguf_base_model``       GGUF ``general.base_model.N.*`` keys
``config_name_or_path``   ``config.json`` ``_name_or_path`` (``crawl --evidence``)
``org_name_id``           the name spells the original id: ``org_-_name-4bits``
``repo_suffix``           name = a known model's name + quantisation/conversion suffixes
``converter_prefix``      name = ``faster-`` (etc.) + a known model's name
``namespace_extension``   same namespace, name = a known model's name + a suffix
``mirror``                same name as a well-known base in another namespace
``base_name_in_repo``     a known base model's name inside the repo name
========================  =============================================================

Declared metadata always wins: inference only runs for models without a declared parent, and
the builder prefers every declared source over ``inferred``. Name matching is conservative:
only ids already known (models in the data and parents declared by other models) can be
inferred parents of a name match, compared by :func:`~hflineage.graph.hub_names.name_key`.
The finetune rules (``namespace_extension``, ``base_name_in_repo``) are attribution-grade: their
edges are stated below the default threshold whatever their calibration says
(:data:`ATTRIBUTION_GRADE_CEILING`). Measured precision, recall and calibration:
``docs/inference.md``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.graph.aliases import default_aliases
from hflineage.graph.build import build_lineage_graph
from hflineage.graph.calibration import Calibration, default_calibration
from hflineage.graph.hub_names import (
    ANY_SUFFIX,
    CONVERTER_ID,
    PRECISION_SUFFIX,
    REUPLOADERS,
    STRONG_SUFFIX,
    is_reuploader,
    is_variant_suffix,
    name_key,
    name_keys,
    quant_bases,
    split_org_name_id,
    split_org_prefix,
    split_quant_suffix,
    strip_converter_prefix,
)
from hflineage.graph.lineage import LineageGraph
from hflineage.graph.taxonomy import Taxonomy, default_taxonomy
from hflineage.loaders.evidence import ModelEvidence
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.records import SOURCES, LoadReport
from hflineage.loaders.table import ModelTable, take_rows

pc = lazy_module("pyarrow.compute")

__all__ = [
    "ATTRIBUTION_GRADE_CEILING",
    "ATTRIBUTION_GRADE_RULES",
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
#: Rules that guess a finetune's parent from a name alone. They find the family far more
#: often than the exact parent (a tune of a tune keeps the root's name), so they are
#: attribution-grade: whatever their held-out precision, an edge of theirs is stated just
#: below the default threshold and is used only when asked for (``--min-confidence``).
ATTRIBUTION_GRADE_RULES = frozenset({"namespace_extension", "base_name_in_repo"})
ATTRIBUTION_GRADE_CEILING = round(DEFAULT_MIN_CONFIDENCE - 0.01, 2)

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
    #: The kind of evidence within the rule; (rule, bucket) is what confidence is fitted on.
    bucket: str = "default"


# -- names ------------------------------------------------------------------------------------
_SIZE = re.compile(r"(?<![a-z0-9])\d+(?:\.\d+)?[bm](?![a-z])", re.IGNORECASE)
_LETTERS = re.compile(r"[a-z]{2}", re.IGNORECASE)
_DIGIT = re.compile(r"\d")


def _name(model_id: str) -> str:
    return model_id.rpartition("/")[2]


def _org(model_id: str) -> str:
    return model_id.rpartition("/")[0]


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
    #: Scan every target row in every rule and skip no shortcut (slow): what the vectorised
    #: pre-filters must agree with (the tests compare both).
    exhaustive: bool = False
    #: Lower-case id -> :meth:`authority`, filled as candidates are ranked.
    _authority: dict[str, tuple[int, int]] = field(default_factory=dict, init=False, repr=False)

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
    def by_key(self) -> dict[str, list[str]]:
        """:func:`~hflineage.graph.hub_names.name_key` of a repo name -> known ids with it.

        A known name with a precision suffix (``X-bf16``) is also listed under ``X``'s key: a
        quantiser's ``X-GGUF`` is as likely made from the bf16 copy as from ``X``.
        """
        out: dict[str, list[str]] = defaultdict(list)
        keys = pa.array(list(self.known), pa.string())
        for key, mid in zip(name_keys(keys), self.known.values(), strict=True):
            out[key].append(mid)
        hit = pc.match_substring_regex(keys, PRECISION_SUFFIX.pattern, ignore_case=True)
        for low in keys.filter(hit).to_pylist():
            base, suffixes, strong = split_quant_suffix(_name(low))
            if suffixes and not strong:
                out[name_key(base)].append(self.known[low])
        return dict(out)

    @cached_property
    def row_keys(self) -> list[str]:
        """:func:`~hflineage.graph.hub_names.name_key` of every table row's repo name."""
        return name_keys(self.table.model_id)

    @cached_property
    def keys_by_org(self) -> dict[str, list[str]]:
        """Lower-case namespace -> the name keys of the table's models in it."""
        out: dict[str, list[str]] = defaultdict(list)
        for mid, key in zip(self.ids, self.row_keys, strict=True):
            out[_org(mid).lower()].append(key)
        return dict(out)

    @cached_property
    def _downloads(self) -> list[int]:
        """30-day downloads by row, as Python ints (read per candidate, many times)."""
        out: list[int] = np.asarray(self.table.downloads, dtype=np.int64).tolist()
        return out

    def downloads(self, model_id: str) -> int:
        """30-day downloads of a known model (0 for stubs)."""
        row = self.row_of.get(model_id.lower())
        return self._downloads[row] if row is not None else 0

    def authority(self, model_id: str) -> tuple[int, int]:
        """How much the Hub treats a model as a base: (times declared as a parent, downloads)."""
        low = model_id.lower()
        found = self._authority.get(low)
        if found is None:
            found = self._authority[low] = (self.times_declared.get(low, 0), self.downloads(low))
        return found

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

    @cached_property
    def declared_or_curated(self) -> list[str]:
        """Known ids that others declare as a parent or that a curated developer published."""
        keys = pa.array(list(self.known), pa.string())
        org = pc.replace_substring_regex(keys, r"/[^/]*$", "")
        org = pc.if_else(pc.match_substring(keys, "/"), org, "")
        curated = pc.is_in(org, pa.array(sorted(self.curated_orgs), pa.string()))
        out = [self.known[k] for k in keys.filter(curated).to_pylist()]
        out += [self.known[k] for k in self.times_declared if k in self.known]
        return list(dict.fromkeys(out))

    @cached_property
    def _known_orgs(self) -> frozenset[str]:
        """Lower-case namespaces of known ids, and the old names of orgs the Hub renamed."""
        orgs = {_org(low) for low in self.known if "/" in low}
        orgs |= {old for old, new in default_aliases().orgs.items() if new.lower() in orgs}
        return frozenset(orgs)

    def known_org(self, org: str) -> bool:
        """True when a namespace (or its former name) holds a known id."""
        return org.lower() in self._known_orgs

    def is_curated(self, model_id: str) -> bool:
        """True when a model's org is a curated family developer."""
        return _org(model_id).lower() in self.curated_orgs

    def architecture(self, model_id: str) -> str | None:
        """The architecture a model's tags or GGUF metadata state, if any."""
        row = self.row_of.get(model_id.lower())
        return None if row is None else self._architectures[row]

    @cached_property
    def _architectures(self) -> list[str | None]:
        """The stated architecture of every row (tags first, then GGUF metadata)."""
        ev = self.evidence
        pairs = zip(ev.model_type.to_pylist(), ev.gguf_architecture.to_pylist(), strict=True)
        return [str(t or g) if (t or g) else None for t, g in pairs]

    def parameters(self, model_id: str) -> int:
        """Parameter count from safetensors or GGUF metadata; -1 when unknown."""
        row = self.row_of.get(model_id.lower())
        return -1 if row is None else self._parameters[row]

    @cached_property
    def _parameters(self) -> list[int]:
        """Parameter count of every row (safetensors, else GGUF)."""
        st = np.asarray(self.evidence.safetensors_total, dtype=np.int64)
        out: list[int] = np.where(st > 0, st, self.evidence.gguf_total).astype(np.int64).tolist()
        return out

    @cached_property
    def _created_seconds(self) -> list[int]:
        """``createdAt`` of every row in seconds, :data:`_NO_DATE` where unknown."""
        created = self.table.created_at.astype("datetime64[s]")
        out: list[int] = np.where(np.isnat(created), _NO_DATE, created.astype(np.int64)).tolist()
        return out

    def created(self, model_id: str) -> int:
        """``createdAt`` of a model in seconds since 1970 (:data:`_NO_DATE` when unknown)."""
        row = self.row_of.get(model_id.lower())
        return self._created_seconds[row] if row is not None else _NO_DATE

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

    def pick(self, candidates: Sequence[str], child: str) -> Choice | None:
        """Choose one of several known ids with the same name key as the parent of ``child``.

        Candidates created after the child are dropped (when both dates are known); ``None``
        when nothing is left or the name is shared by more than :data:`MAX_CANDIDATES` models.
        Then, in order, the choice and its evidence bucket:

        - ``unique``: a single candidate;
        - ``original``: the one every other candidate derives from (the original of mirrors);
        - ``own-org``: the only one in the child's namespace (an org quantising its own model;
          not for re-uploader namespaces, whose quants name the original);
        - re-uploaders (:data:`~hflineage.graph.hub_names.REUPLOADERS`) are set aside unless
          they are declared as a parent more than ten times as often as every other candidate;
        - ``sole``: one candidate left;
        - ``authority``: the one others declare as a parent clearly the most (at least three
          times, and twice as often as the next);
        - ``downloads``: the one declared at least as often as any other and downloaded ten
          times as much (plus 1,000);
        - ``ambiguous``: otherwise the most declared, then downloaded, of two comparable
          candidates; ``ambiguous-many`` when three or more are left (one pick among several
          same-named tunes is right less often than a pick between two).
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
            return Choice(cands[0], "unique", "unique known name")
        # An original is a declared ancestor of every other candidate, so two candidates that
        # declare nothing rule it out (the common case; skips the ancestor walks).
        undeclared = sum(c.lower() not in self.declared_parents for c in cands)
        originals = (
            [c for c in cands if all(c == o or self.is_ancestor(c, o) for o in cands)]
            if undeclared < 2 or self.exhaustive
            else []
        )
        if len(originals) == 1:
            return Choice(originals[0], "original", f"original of {len(cands) - 1} copies")
        if not is_reuploader(child):
            org = _org(cl)
            same = [c for c in cands if _org(c).lower() == org]
            if len(same) == 1:
                return Choice(same[0], "own-org", "same namespace")
        pool = self._without_reuploaders(cands)
        if len(pool) == 1:
            return Choice(pool[0], "sole", f"the only original among {len(cands)} copies")
        ranked = sorted(pool, key=lambda c: (*self.authority(c), c.lower()), reverse=True)
        (td1, dl1), (td2, dl2) = self.authority(ranked[0]), self.authority(ranked[1])
        note = f"of {len(pool)} same-named: {td1} declarations, {dl1:,} downloads"
        if td1 >= _WELL_KNOWN_BASE and td1 > 2 * td2:
            return Choice(ranked[0], "authority", f"most declared as a parent {note}")
        if td1 >= td2 and dl1 >= 10 * dl2 + _DOWNLOADS_LEAD:
            return Choice(ranked[0], "downloads", f"by far the most downloaded {note}")
        bucket = "ambiguous" if len(pool) == 2 else "ambiguous-many"
        return Choice(ranked[0], bucket, f"ambiguous {note}")

    def canonical(self, model_id: str) -> str:
        """The known spelling of an id a file or card names; a legacy id without a namespace
        (``bert-base-uncased``) becomes the one known id of that name the Hub moved it to
        (``google-bert/bert-base-uncased``) when exactly one non-re-uploader candidate, or a
        clearly most-declared one, exists. Anything else is returned as given.
        """
        known = self.known.get(model_id.lower())
        if known is not None or "/" in model_id:
            return known or model_id
        cands = self._without_reuploaders(self.by_key.get(name_key(model_id), []))
        pool = [c for c in cands if _name(c).lower() == model_id.lower()]
        if len(pool) == 1:
            return pool[0]
        ranked = sorted(pool, key=lambda c: (*self.authority(c), c.lower()), reverse=True)
        if len(ranked) > 1 and self.authority(ranked[0])[0] > 2 * self.authority(ranked[1])[0]:
            return ranked[0]
        return model_id

    def _without_reuploaders(self, cands: list[str]) -> list[str]:
        """Candidates minus re-uploaders, unless a re-uploader is by far the most declared."""
        others = [c for c in cands if not is_reuploader(c)]
        if not others or len(others) == len(cands):
            return cands
        best_other = max(self.authority(c)[0] for c in others)
        keep = [c for c in cands if is_reuploader(c) and self.authority(c)[0] > 10 * best_other + 2]
        return others + keep


@dataclass(frozen=True, slots=True)
class Choice:
    """The candidate :meth:`InferenceContext.pick` chose, its evidence bucket and a note."""

    model_id: str
    bucket: str
    note: str


#: The date of a stub or of a model whose ``createdAt`` is unknown.
_NO_DATE = -(2**62)


#: A model others declare as a parent this often is a base in its own right.
_WELL_KNOWN_BASE = 3
#: The downloads a candidate needs over ten times the runner-up's to win on downloads alone.
_DOWNLOADS_LEAD = 1_000


def _younger(a: int, b: int) -> bool:
    """True when both dates (seconds) are known and ``a`` is later than ``b``."""
    return a != _NO_DATE and b != _NO_DATE and a > b


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
        pid = ctx.canonical(pid)
        yield Proposal(row, pid, "adapter", "adapter_config", 0.95, f"adapter_config: {value}")


def rule_config_name_or_path(ctx: InferenceContext) -> Iterator[Proposal]:
    """``config.json``'s ``_name_or_path`` (fetched by ``crawl --evidence``): prior 0.70.

    What transformers loaded before saving: the base of a finetune, but also, often, the
    model's own id or a checkpoint of the same training run, hence below the default threshold
    until held-out data says otherwise. The model's own id and local paths are ignored.
    """
    raw = ctx.evidence.config_base.take(pa.array(ctx.targets)).to_pylist()
    for row, value in zip(ctx.targets.tolist(), raw, strict=True):
        if not value or value.lower() == ctx.ids[row].lower():
            continue
        evidence = f"config.json _name_or_path: {value}"
        yield Proposal(row, ctx.canonical(value), None, "config_name_or_path", 0.70, evidence)


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
        pid = ctx.canonical(pid)
        rel = _VERB_RELATION.get(verb.lower().replace(" ", "").replace("-", ""), "finetune")
        bucket = "link" if conf >= 0.9 else "plain"
        yield Proposal(row, pid, rel, "card_text", conf, f"card text: {verb} ... {pid}", bucket)


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


def _param_note(ctx: InferenceContext, child: str, parent: str) -> tuple[str | None, str]:
    """Evidence bucket override and note from architectures and parameter counts.

    ``("arch-clash", ...)`` when the architectures cannot be the same weights,
    ``("same-params", ...)`` when the parameter counts agree within 0.5%, else ``(None, "")``.
    """
    a_arch, b_arch = ctx.architecture(child), ctx.architecture(parent)
    if architectures_conflict(a_arch, b_arch):
        return "arch-clash", f"; architecture {a_arch} vs {b_arch}"
    a, b = ctx.parameters(child), ctx.parameters(parent)
    if a > 0 and b > 0 and abs(a - b) <= 0.005 * max(a, b):
        return "same-params", "; same parameter count"
    return None, ""


#: Prior confidence of each name-choice bucket (:meth:`InferenceContext.pick`), before the
#: held-out calibration (graph/calibration.py) replaces it.
_CHOICE_PRIOR = {
    "unique": 0.95,
    "original": 0.93,
    "own-org": 0.92,
    "sole": 0.90,
    "authority": 0.88,
    "downloads": 0.70,
    "ambiguous": 0.60,
    "ambiguous-many": 0.45,
}
#: The choice buckets of several comparable candidates.
_AMBIGUOUS = frozenset({"ambiguous", "ambiguous-many"})
_ALIAS_PENALTY = 0.03
_CLASH_PRIOR = 0.50


def _known_quant_base(ctx: InferenceContext, name: str) -> tuple[str, bool, list[str]] | None:
    """(base, strong, candidates): the least-stripped quantisation base of ``name`` that
    names known models (by :func:`~hflineage.graph.hub_names.name_key`).

    A base that still ends in a quantisation suffix (``X-GPTQ`` for ``X-GPTQ-Int4``) is more
    likely a sibling quant than the source: it is used only when no further-stripped name is
    known, and never when only re-uploaders published it.
    """
    fallback: tuple[str, bool, list[str]] | None = None
    for base, strong in quant_bases(name):
        cands = ctx.by_key.get(name_key(base))
        if not cands:
            continue
        if not STRONG_SUFFIX.search(base):
            return base, strong, cands
        if fallback is None and not all(map(is_reuploader, cands)):
            fallback = base, strong, cands
    return fallback


def _name_match(
    ctx: InferenceContext, row: int, rule: str, base: str, cands: list[str], relation: str | None
) -> Proposal | None:
    """The proposal of a name rule once a base name and its candidates are known."""
    mid = ctx.ids[row]
    choice = ctx.pick(cands, mid)
    if choice is None:
        return None
    pid = choice.model_id
    alias = _name(pid).lower() != base.lower()
    bucket = choice.bucket + ("-alias" if alias else "")
    conf = _CHOICE_PRIOR[choice.bucket] - (_ALIAS_PENALTY if alias else 0.0)
    override, extra = _param_note(ctx, mid, pid)
    if override == "arch-clash":
        bucket, conf = override, _CLASH_PRIOR
    how = "aliased name" if alias else "name"
    evidence = f"{_name(mid)!r}: re-upload of {how} {base!r} ({choice.note}){extra}"
    return Proposal(row, pid, relation, rule, conf, evidence, bucket)


def rule_repo_suffix(ctx: InferenceContext) -> Iterator[Proposal]:
    """A quantised or converted re-upload: ``<known name>-GGUF``, ``-AWQ``, ``-4bit``, ``-ct2`` ...

    Suffixes are stripped one at a time (:func:`quant_bases`) and the least-stripped name whose
    :func:`~hflineage.graph.hub_names.name_key` is a known model's wins (``X-16bit-GGUF`` is a
    GGUF of ``X-16bit`` when that exists); the key reads case, separators, ``Meta-Llama`` and
    ``-hf`` alike, so ``TheBloke/Llama-2-7B-Chat-GPTQ`` finds ``meta-llama/Llama-2-7b-chat-hf``.
    Among several candidates :meth:`InferenceContext.pick` decides; its choice is the evidence
    bucket (``-alias`` added when the spelling differs; ``arch-clash`` when architectures
    disagree). Relation ``quantized`` (``unknown`` for a precision-only conversion, ``-bf16``).
    A name with a converter prefix whose converted model is known is left to
    :func:`rule_converter_prefix`: ``faster-whisper-large-v3-turbo-ct2`` converts
    ``whisper-large-v3-turbo``, not a sibling conversion ``faster-whisper-large-v3-turbo``.
    """
    for row in ctx.targets_matching(ANY_SUFFIX):
        name = _name(ctx.ids[row])
        rest = strip_converter_prefix(name)
        if rest is not None and _converted_base(ctx, rest) is not None:
            continue
        found = _known_quant_base(ctx, name)
        if found is None:
            continue
        base, strong, cands = found
        p = _name_match(ctx, row, "repo_suffix", base, cands, "quantized" if strong else None)
        if p is not None:
            yield p


def rule_converter_prefix(ctx: InferenceContext) -> Iterator[Proposal]:
    """A format conversion named with a converter prefix: ``Systran/faster-whisper-large-v3``.

    The name minus the prefix (and any quantisation suffix) must be a known model's name
    (``openai/whisper-large-v3``); candidates are chosen and bucketed as in
    :func:`rule_repo_suffix`. Relation ``unknown`` (a conversion, not a quantisation).
    """
    for row in ctx.targets_matching(CONVERTER_ID):
        rest = strip_converter_prefix(_name(ctx.ids[row]))
        found = None if rest is None else _converted_base(ctx, rest)
        if found is None:
            continue
        base, cands = found
        p = _name_match(ctx, row, "converter_prefix", base, cands, None)
        if p is not None:
            yield p


def _converted_base(ctx: InferenceContext, rest: str) -> tuple[str, list[str]] | None:
    """(base name, candidates) of a name without its converter prefix: ``rest`` itself when
    known, else its least-stripped known quantisation base."""
    cands = ctx.by_key.get(name_key(rest))
    if cands:
        return rest, cands
    found = _known_quant_base(ctx, rest)
    return None if found is None else (found[0], found[2])


_ORG_NAME_ID = re.compile(r"/[^/]+_-_.")
#: A name with an underscore after its first character (pre-filter of the ``org_name`` form).
_ORG_PREFIX_ID = re.compile(r"/[A-Za-z0-9][A-Za-z0-9.\-]*_[^/]")


def rule_org_name_id(ctx: InferenceContext) -> Iterator[Proposal]:
    """A re-upload whose name spells the original id as ``org_-_name`` or ``org_name``.

    ``RichardErkhov/01-ai_-_Yi-6B-4bits`` -> ``01-ai/Yi-6B``: quantisation suffixes are stripped
    until ``org/name`` is a known id (bucket ``known``), or a known id of that org (or of the
    org it was renamed to, ``THUDM`` -> ``zai-org``) with the same name key (``alias``);
    otherwise the fully stripped id is proposed as it is spelled (``unseen``: the original may
    simply not be in the data). A known id that still ends in a quantisation suffix
    (``Qwen/Qwen2.5-7B-Instruct-GGUF`` for ``Qwen_-_Qwen2.5-7B-Instruct-gguf``) is a sibling
    quant: it is chosen only when no further-stripped id is known.

    bartowski's ``org_name`` form (``bartowski/Qwen_Qwen3-8B-GGUF``) splits at any underscore,
    so it counts only when the org is a known namespace and ``org/name`` a known id no younger
    than the model: buckets ``prefix-known`` and ``prefix-alias``, never ``unseen``.
    """
    for row in ctx.targets_matching(_ORG_NAME_ID):
        mid = ctx.ids[row]
        split = split_org_name_id(_name(mid))
        if split is None:
            continue
        p = _org_name_proposal(ctx, row, *split, "")
        if p is not None:
            yield p
    for row in ctx.targets_matching(_ORG_PREFIX_ID):
        split = split_org_prefix(_name(ctx.ids[row]))
        if split is None or not ctx.known_org(split[0]):
            continue
        p = _org_name_proposal(ctx, row, *split, "prefix-")
        if p is not None:
            yield p


def _org_name_proposal(
    ctx: InferenceContext, row: int, org: str, rest: str, form: str
) -> Proposal | None:
    """The :func:`rule_org_name_id` proposal for a name that spells ``org`` and ``rest``."""
    mid = ctx.ids[row]
    steps = [(rest, False), *quant_bases(rest)]
    strong = any(s for _, s in steps)
    found = _org_name_lookup(ctx, org, [b for b, _ in steps])
    if found is None:
        if form:
            return None
        bucket, pid, conf = "unseen", f"{org}/{steps[-1][0]}", 0.85
    else:
        bucket, pid, conf = found
    if pid.lower() == mid.lower():
        return None
    if form and _younger(ctx.created(pid), ctx.created(mid)):
        return None  # the underscore spelled no id: the named model came later
    return Proposal(
        row,
        pid,
        "quantized" if strong else None,
        "org_name_id",
        conf - (0.02 if form else 0.0),
        f"name spells the id {org}/{rest!r} ({form}{bucket})",
        form + bucket,
    )


def _org_name_lookup(
    ctx: InferenceContext, org: str, bases: list[str]
) -> tuple[str, str, float] | None:
    """(bucket, id, prior) of the first of ``bases`` that is a known id under ``org`` (or the
    org it was renamed to); ids still ending in a quantisation suffix only as a last resort."""
    orgs = [org.lower()]
    renamed = default_aliases().orgs.get(org.lower())
    if renamed:
        orgs.append(renamed.lower())
    found: list[tuple[str, str, float]] = []
    for base in bases:
        for o in orgs:
            exact = ctx.known.get(f"{o}/{base.lower()}")
            if exact is not None:
                found.append(("known", exact, 0.95))
    for base in bases:
        for cand in ctx.by_key.get(name_key(base), []):
            if _org(cand).lower() in orgs:
                found.append(("alias", cand, 0.90))
    source = [f for f in found if not STRONG_SUFFIX.search(_name(f[1]))]
    if source:
        return source[0]
    return found[0] if found else None


_VERSION_BUMP = re.compile(r"^(?:v|p|r|ep|step)?\d+(?:[._]\d+)*[a-z]?$", re.IGNORECASE)
_CHAT_TUNE = re.compile(r"^(?:instruct|it|chat)$", re.IGNORECASE)


def rule_namespace_extension(ctx: InferenceContext) -> Iterator[Proposal]:
    """A model named after another model of the same namespace: ``org/X-Instruct`` from ``org/X``.

    The longest known ``org/X`` whose name followed by ``-``/``_`` starts the child's name wins;
    the rest must not name a different size (``-7B``) or a sibling variant (``-large``,
    ``-Lite``, ``-in21k``: :func:`~hflineage.graph.hub_names.is_variant_suffix`), so
    ``gpt2-large`` never derives from ``gpt2``. On the real sample this names the exact parent
    less often than a sibling or an earlier pipeline stage, so priors stay below the default
    threshold: bucket ``chat-tune`` (``-Instruct``/``-it``/``-chat``) 0.75, ``version-bump``
    (``-v2``, ``-r1``, ``-step2000``) 0.40, ``numbered`` (a bare ``-2``, ``-1.1``: as often a
    second upload under a taken name, 0.20), ``extension`` 0.60; ``child-is-a-base`` 0.30 when
    others declare the child as a parent at least three times and more often than ``X``.
    """
    if ctx.exhaustive:
        rows, known = _all_targets(ctx), list(ctx.known)
    else:
        rows, known = _sharing_first_token(ctx)
    orgs = {_org(ctx.ids[row]).lower() for row in rows}
    by_org: dict[str, set[str]] = defaultdict(set)
    for low in known:
        org = _org(low)
        if org in orgs:
            by_org[org].add(_name(low))
    for row in rows:
        mid = ctx.ids[row]
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
        if not rest or _SIZE.search(rest) or is_variant_suffix(rest):
            continue
        pid = ctx.known[f"{org}/{best}"]
        yield _extension_proposal(ctx, row, pid, rest)


def _org_first_token(ids: pa.Array) -> pa.Array:
    """``org/`` plus the first token of the name (up to the first ``-`` or ``_``) of each id;
    null for an id without a namespace."""
    parts = pc.split_pattern(ids, "/", max_splits=1, reverse=True)
    token = pc.split_pattern_regex(pc.list_element(parts, 1), "[-_]", max_splits=1)
    return pc.binary_join_element_wise(pc.list_element(parts, 0), pc.list_element(token, 0), "/")


def _sharing_first_token(ctx: InferenceContext) -> tuple[list[int], list[str]]:
    """Target rows, and known lower-case ids, whose namespace holds another known id starting
    with the same name token.

    A same-namespace ``X`` that starts the name ``X-...`` shares its first token, so only these
    rows can match :func:`rule_namespace_extension`, and only these ids be their ``X``
    (vectorised pre-filter).
    """
    known = pa.array(list(ctx.known), pa.string())
    known = known.filter(pc.match_substring(known, "/"))
    stems = _org_first_token(known)
    counts = pc.value_counts(stems)
    shared = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    ids = pc.utf8_lower(take_rows(ctx.table.model_id, ctx.targets))
    hit = pc.is_in(_org_first_token(ids), shared)
    rows: list[int] = ctx.targets[_mask(hit)].tolist()
    known_ids = [str(k) for k in known.filter(pc.is_in(stems, shared)).to_pylist()]
    return rows, known_ids


def _mask(hit: pa.Array) -> np.ndarray:
    """A boolean numpy mask from a boolean Arrow array (null is false)."""
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def _extension_proposal(ctx: InferenceContext, row: int, pid: str, rest: str) -> Proposal:
    mid = ctx.ids[row]
    td_child, td_parent = ctx.authority(mid)[0], ctx.authority(pid)[0]
    if _VERSION_BUMP.match(rest):
        # ``X-v2`` names a next version; a bare ``X-2`` is as often a second upload under a
        # name already taken (``checkpoint-500-2``, ``my_model-2``) as a continuation of ``X``.
        bucket, conf = ("numbered", 0.20) if rest[0].isdigit() else ("version-bump", 0.40)
    elif _CHAT_TUNE.match(rest):
        bucket, conf = "chat-tune", 0.75
    else:
        bucket, conf = "extension", 0.60
    if td_child >= _WELL_KNOWN_BASE and td_child > td_parent:
        bucket, conf = "child-is-a-base", 0.30
    override, extra = _param_note(ctx, mid, pid)
    if override == "arch-clash":
        bucket, conf = override, 0.30
    evidence = f"same namespace, {bucket}: {_name(pid)!r} + {rest!r}{extra}"
    return Proposal(row, pid, None, "namespace_extension", conf, evidence, bucket)


def rule_mirror(ctx: InferenceContext) -> Iterator[Proposal]:
    """A copy under another namespace with the same name (key) as a well-known base.

    ``unsloth/gemma-2-9b-it`` -> ``google/gemma-2-9b-it``. Candidates are the same-named
    models of other namespaces that others declare as a parent at least three times (a
    generic name such as ``bert-base-cased-sst2`` is shared by unrelated finetunes, not
    copies); :meth:`InferenceContext.pick` chooses, and the parent must be more of a base than
    the child (declared as a parent more often, then more downloaded), so a stranger's copy
    never becomes the base of the original, and two quantisers' copies are siblings.
    Buckets: ``by-reuploader`` (the child's namespace is a known re-uploader, prior 0.90),
    ``stranger`` (0.60), each with ``-user`` when the original is not a curated developer's
    (0.70, 0.10: a user's name is shared mostly by unrelated models; a re-uploader's copy of a
    user's model whose name no other namespace shares is ``by-reuploader-user-unique``, 0.85),
    ``stranger-chat`` (a stranger's ``X-Instruct``/``-chat``/``-it``: often their own tune of
    ``X``, 0.45),
    ``stranger-derived-name`` (the name is built on another well-known base's name, as
    independent tunes are named: 0.30), ``ambiguous`` (several comparable originals, 0.40),
    ``arch-clash`` (0.30).

    A re-uploader's copy of a model fewer others build on (``Xenova/LaMini-Flan-T5-783M``)
    goes to ``by-reuploader-rare`` (0.85) when its name carries no quantisation suffix and
    exactly one same-named model of another namespace is known, older than the copy, and
    declared as a parent by someone or published by a curated developer.
    """
    bases: dict[str, list[str]] = defaultdict(list)
    for low, n in ctx.times_declared.items():
        if n >= _WELL_KNOWN_BASE and low in ctx.known and not is_reuploader(low):
            bases[name_key(_name(low))].append(ctx.known[low])
    done: set[int] = set()
    for p in _mirrors_of_well_known(ctx, bases):
        done.add(p.child)
        yield p
    for row in _reuploader_targets(ctx):
        copy = None if row in done else _reuploader_copy(ctx, row)
        if copy is not None:
            yield copy


def _reuploader_targets(ctx: InferenceContext) -> list[int]:
    """Target rows in a re-uploader's namespace (vectorised pre-filter)."""
    if ctx.exhaustive:
        return _all_targets(ctx)
    ids = pc.utf8_lower(take_rows(ctx.table.model_id, ctx.targets))
    org = pc.replace_substring_regex(ids, r"/[^/]*$", "")
    hit = pc.is_in(org, pa.array(sorted(REUPLOADERS), pa.string()))
    out: list[int] = ctx.targets[_mask(hit)].tolist()
    return out


def _same_named_elsewhere(ctx: InferenceContext, row: int) -> list[str]:
    """Known ids with the same name key as ``row``'s, in other namespaces that are no
    re-uploader's."""
    key, org = ctx.row_keys[row], _org(ctx.ids[row]).lower()
    return [
        c
        for c in ctx.by_key.get(key, ())
        if _org(c).lower() != org and not is_reuploader(c) and name_key(_name(c)) == key
    ]


def _reuploader_copy(ctx: InferenceContext, row: int) -> Proposal | None:
    """A re-uploader's same-named copy of a model few others build on (see :func:`rule_mirror`)."""
    mid = ctx.ids[row]
    if not is_reuploader(mid) or quant_bases(_name(mid)):
        return None  # a quantised name is rule_repo_suffix's: X-GGUF copies no other X-GGUF
    cands = _same_named_elsewhere(ctx, row)
    if len(cands) != 1 or not (ctx.authority(cands[0])[0] > 0 or ctx.is_curated(cands[0])):
        return None
    choice = ctx.pick(cands, mid)
    if choice is None:
        return None
    override, extra = _param_note(ctx, mid, choice.model_id)
    bucket, conf = ("by-reuploader-rare", 0.85)
    if override == "arch-clash":
        bucket, conf = override, 0.30
    evidence = f"same name as {choice.model_id} ({choice.note}){extra}"
    return Proposal(row, choice.model_id, None, "mirror", conf, evidence, bucket)


def _mirrors_of_well_known(
    ctx: InferenceContext, bases: Mapping[str, list[str]]
) -> Iterator[Proposal]:
    """The :func:`rule_mirror` proposals for copies of well-known bases."""
    if not bases:
        return
    derived = _names_built_on_others(bases)
    for row in _targets_with_key(ctx, bases):
        cands = bases.get(ctx.row_keys[row])
        if not cands:
            continue
        mid = ctx.ids[row]
        org = _org(mid).lower()
        cands = [c for c in cands if _org(c).lower() != org]
        choice = ctx.pick(cands, mid) if cands else None
        mine = ctx.authority(mid)
        if choice is None or ctx.authority(choice.model_id) <= mine:
            continue
        # A developer's model (a curated family's org) is copied; a user's popular model
        # shares its name mostly with unrelated models made the same way (``demo``,
        # ``X-finetuned-sst2``): the two are different evidence.
        of_user = not ctx.is_curated(choice.model_id)
        if choice.bucket in _AMBIGUOUS:
            bucket, conf = "ambiguous", 0.40
        elif is_reuploader(mid) and not of_user:
            bucket, conf = "by-reuploader", 0.90
        elif is_reuploader(mid):
            # A user's name that no other namespace shares (``deepset/roberta-base-squad2``
            # copied by ``Xenova``) is copied; a generic one (``X-finetuned-xsum``) is shared by
            # unrelated users' models that are not well known, any of which may be the source.
            alone = _same_named_elsewhere(ctx, row) == [choice.model_id]
            bucket, conf = (
                ("by-reuploader-user-unique", 0.85) if alone else ("by-reuploader-user", 0.70)
            )
        elif of_user:
            bucket, conf = "stranger-user", 0.10
        elif _CHAT_TAIL.search(ctx.row_keys[row]):
            # ``someone/gemma-2-9b-it`` is more often their own tune of ``gemma-2-9b``.
            bucket, conf = "stranger-chat", 0.45
        elif ctx.row_keys[row] in derived:
            # ``HuggingFaceH4/Qwen2.5-7B-Instruct-v2``: a name built on another base's name
            # is one that others build the same way, independently.
            bucket, conf = "stranger-derived-name", 0.30
        else:
            bucket, conf = "stranger", 0.60
        override, extra = _param_note(ctx, mid, choice.model_id)
        if override == "arch-clash":
            bucket, conf = override, 0.30
        evidence = f"same name as {choice.model_id} ({choice.note}){extra}"
        yield Proposal(row, choice.model_id, None, "mirror", conf, evidence, bucket)


def _names_built_on_others(keys: Iterable[str]) -> set[str]:
    """The name keys that contain another of ``keys`` between ``-`` (``x-llama-3-8b``)."""
    known = set(keys)
    out: set[str] = set()
    for key in known:
        toks = key.split("-")
        spans = ("-".join(toks[i:j]) for i in range(len(toks)) for j in range(i + 1, len(toks) + 1))
        if any(span != key and span in known and _specific(span) for span in spans):
            out.add(key)
    return out


#: A chat-tuned model's name key (``x-instruct``, ``x-it``, ``x-chat``).
_CHAT_TAIL = re.compile(r"-(?:instruct|it|chat)$")


#: Name tokens of adapter repos (``X-lora``, ``X-qlora-math``).
_ADAPTER_WORD = frozenset({"lora", "qlora", "adapter", "adapters", "peft", "dora"})


def rule_base_name_in_repo(ctx: InferenceContext) -> Iterator[Proposal]:
    """A known base model's name inside the repo name: ``acme/Qwen2.5-7B-Instruct-abliterated``.

    Candidates are specific names (a digit and letters) of known models that other models
    declare as a parent or that a curated developer published, compared by name key; the
    longest token-aligned match wins. It guesses the family well but the exact parent poorly
    (a finetune of ``X-Instruct`` called ``X-math``; merges). Buckets: ``same-params`` (0.65),
    ``adapter-name`` (a ``lora``/``adapter`` word beside the base name: adapters are trained on
    the exact base, 0.70), ``clear`` (the name starts with the base name, 0.60), ``inside``
    (the base name later in the name, as merges and series do: 0.40), ``ambiguous`` (several
    same-named bases, 0.25), ``two-bases`` (a second, different base name also matches, 0.30),
    ``arch-clash`` (0.30), and two kinds of name whose exact parent is seldom the base:
    ``quant-of-tune`` (a quantised name, ``QuantFactory/Qwen3-0.6B-finetuned-GGUF``, whose
    unquantised name is no known model: a quant of someone's tune named after the base, 0.10)
    and ``series`` (a name that starts with the base name in a namespace with other models
    named on it, ``Nexesenex/Llama_3.2_1b_Syneridol_0.2``: entries of a series built on the
    author's own tunes, 0.20). A user's adapter named on a base (``omar/X-lora``) is no base
    for other namespaces' names built the same way (``eve/X-lora-2`` matches ``X``).
    """
    vocab: dict[str, list[str]] = {}
    for mid in ctx.declared_or_curated:
        key = name_key(_name(mid))
        if _specific(key):
            vocab.setdefault(key, []).append(mid)
    # The most tokens a vocabulary name starting with each token has: spans longer than that
    # cannot match.
    max_tokens: dict[str, int] = {}
    for name in vocab:
        first, n = name.split("-", maxsplit=1)[0], name.count("-") + 1
        max_tokens[first] = max(n, max_tokens.get(first, 0))
    if ctx.exhaustive:
        longest_name = max(max_tokens.values(), default=0)
        max_tokens = dict.fromkeys(max_tokens, longest_name)
    users_adapters = _users_adapter_names(ctx, vocab)
    for row in _targets_with_token(ctx, max_tokens):
        toks = ctx.row_keys[row].split("-")
        org = _org(ctx.ids[row]).lower()
        spans: list[tuple[int, int, str]] = []
        for i, t in enumerate(toks):
            longest = max_tokens.get(t)
            if longest is None:
                continue
            for j in range(i + 1, min(len(toks), i + longest) + 1):
                text = "-".join(toks[i:j])
                if text in vocab and org in users_adapters.get(text, (org,)):
                    spans.append((i, j, text))
        if not spans:
            continue
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        i0, j0, text = spans[0]
        if i0 == 0 and (j0 == len(toks) or is_variant_suffix("-".join(toks[j0:]))):
            continue  # the whole name (a mirror), or a sibling variant (``X-large``, ``X-Lite``)
        others = {s[2] for s in spans[1:] if (s[1] <= i0 or s[0] >= j0) and s[2] not in text}
        mid = ctx.ids[row]
        choice = ctx.pick(vocab[text], mid)
        if choice is None:
            continue
        override, extra = _param_note(ctx, mid, choice.model_id)
        if others and override != "arch-clash":
            extra += f"; also names {sorted(others)[0]!r}"
        bucket, conf = _base_name_bucket(ctx, row, (i0, j0, text), choice, override, others)
        yield Proposal(
            row,
            choice.model_id,
            "adapter" if _lib(ctx, row) == "peft" else None,
            "base_name_in_repo",
            conf,
            f"repo name contains {text!r} ({choice.note}){extra}",
            bucket,
        )


def _base_name_bucket(
    ctx: InferenceContext,
    row: int,
    span: tuple[int, int, str],
    choice: Choice,
    override: str | None,
    others: set[str],
) -> tuple[str, float]:
    """Evidence bucket and prior of a :func:`rule_base_name_in_repo` match (see there)."""
    i0, j0, text = span
    toks = ctx.row_keys[row].split("-")
    if override == "arch-clash":
        return "arch-clash", 0.30
    if others:
        return "two-bases", 0.30
    if choice.bucket in _AMBIGUOUS:
        return "ambiguous", 0.25
    if override == "same-params":
        return "same-params", 0.65
    if split_quant_suffix(_name(ctx.ids[row]))[2]:
        return "quant-of-tune", 0.10
    if _ADAPTER_WORD.intersection(toks[:i0] + toks[j0:]):
        return "adapter-name", 0.70
    if i0 > 0:
        return "inside", 0.40
    if _in_series(ctx, row, text, choice.model_id):
        return "series", 0.20
    return "clear", 0.60


def _users_adapter_names(
    ctx: InferenceContext, vocab: Mapping[str, list[str]]
) -> dict[str, set[str]]:
    """Vocabulary names of users' adapters built on another vocabulary name
    (``omar/Llama-3.1-8B-Instruct-lora``), with the namespaces that carry them.

    Others name their own adapters of the base the same way (``eve/...-Instruct-lora-2``):
    outside those namespaces such a name points at the base inside it, not at the adapter,
    which is no base for other models.
    """
    out: dict[str, set[str]] = {}
    for key, ids in vocab.items():
        toks = key.split("-")
        if not _ADAPTER_WORD.intersection(toks) or any(map(ctx.is_curated, ids)):
            continue
        if any("-".join(toks[:j]) in vocab for j in range(1, len(toks))):
            out[key] = {_org(mid).lower() for mid in ids}
    return out


def _in_series(ctx: InferenceContext, row: int, base_key: str, parent: str) -> bool:
    """True when the namespace of ``row`` has another model (not ``parent``) whose name key
    contains ``base_key`` between ``-``: the author builds a series on that base."""
    own, pk = ctx.row_keys[row], name_key(_name(parent))
    pattern = f"-{base_key}-"
    return any(
        key not in (own, pk) and pattern in f"-{key}-"
        for key in ctx.keys_by_org.get(_org(ctx.ids[row]).lower(), ())
    )


def _all_targets(ctx: InferenceContext) -> list[int]:
    out: list[int] = ctx.targets.tolist()
    return out


def _target_keys(ctx: InferenceContext) -> pa.Array:
    """The :attr:`InferenceContext.row_keys` of the target rows, as an Arrow array."""
    keys = ctx.row_keys
    return pa.array([keys[row] for row in ctx.targets.tolist()], pa.string())


def _targets_with_key(ctx: InferenceContext, keys: Iterable[str]) -> list[int]:
    """Target rows whose name key is one of ``keys`` (vectorised pre-filter)."""
    if ctx.exhaustive:
        return _all_targets(ctx)
    hit = pc.is_in(_target_keys(ctx), pa.array(list(keys), pa.string()))
    out: list[int] = ctx.targets[_mask(hit)].tolist()
    return out


def _targets_with_token(ctx: InferenceContext, tokens: Iterable[str]) -> list[int]:
    """Target rows whose name key has one of ``tokens`` between ``-`` (vectorised pre-filter)."""
    if ctx.exhaustive:
        return _all_targets(ctx)
    split = pc.split_pattern(_target_keys(ctx), "-")
    hit = pc.is_in(pc.list_flatten(split), pa.array(list(tokens), pa.string()))
    parents = np.asarray(pc.list_parent_indices(split))[_mask(hit)]
    out: list[int] = ctx.targets[np.unique(parents)].tolist()
    return out


def _lib(ctx: InferenceContext, row: int) -> str | None:
    value = ctx.evidence.library_name[row].as_py()
    return str(value).lower() if value else None


Rule = Callable[[InferenceContext], Iterable[Proposal]]

#: Every rule, most explicit evidence first (the order breaks confidence ties).
RULES: dict[str, Rule] = {
    "adapter_config": rule_adapter_config,
    "card_text": rule_card_text,
    "gguf_base_model": rule_gguf_base_model,
    "config_name_or_path": rule_config_name_or_path,
    "org_name_id": rule_org_name_id,
    "repo_suffix": rule_repo_suffix,
    "converter_prefix": rule_converter_prefix,
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
    bucket: pa.Array
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
            bucket=pa.array([p.bucket for p in chosen], pa.string()),
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
            bucket=self.bucket.filter(mask),
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
            self.bucket.to_pylist(),
            strict=True,
        )
        for c, p, rel, rule, conf, ev, bucket in cols:
            yield Proposal(int(c), str(p), rel, str(rule), float(conf), str(ev), str(bucket))

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
                "bucket": p.bucket,
                "evidence": p.evidence,
            }
            for mid, p in zip(ids, self.rows(), strict=True)
        ]


#: A rival parent this close to the best one (in prior confidence) makes the edge a conflict.
_RIVAL_MARGIN = 0.10
_CONFLICT_PRIOR = 0.40


def _combine(props: list[Proposal]) -> list[Proposal]:
    """The proposals kept for one model (see :func:`infer_lineage`).

    Proposals naming the same parent merge into the best of them (the others are listed in
    its evidence). When another parent's best proposal is within :data:`_RIVAL_MARGIN`, the
    edge goes to the rule's ``conflict`` bucket.
    """
    order = list(RULES)
    by_parent: dict[str, list[Proposal]] = defaultdict(list)
    for p in props:
        by_parent[p.parent_id.lower()].append(p)
    merged: list[Proposal] = []
    for group in by_parent.values():
        top = group[0]
        if len(group) == 1 and top.relation != "":
            merged.append(top)  # nothing to merge
            continue
        group.sort(key=lambda p: (-p.confidence, order.index(p.rule)))
        top = group[0]
        rules = list(dict.fromkeys(p.rule for p in group))
        evidence = top.evidence
        if len(rules) > 1:
            evidence += " [also: " + ", ".join(rules[1:]) + "]"
        rel = top.relation or next((p.relation for p in group if p.relation), None)
        merged.append(replace(top, evidence=evidence, relation=rel))
    merged.sort(key=lambda p: (-p.confidence, order.index(p.rule), p.parent_id.lower()))
    best = merged[0]
    if best.rule == "gguf_base_model":
        return [p for p in merged if p.rule == best.rule]
    rivals = [p for p in merged[1:] if p.confidence >= best.confidence - _RIVAL_MARGIN]
    if rivals:
        r = rivals[0]
        best = replace(
            best,
            confidence=min(best.confidence, _CONFLICT_PRIOR),
            bucket="conflict",
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
    calibration: Calibration | None = None,
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
        calibration: held-out precision per rule and evidence bucket, which becomes each
            edge's confidence (default the shipped table; ``Calibration({})`` keeps the rules'
            priors, as when fitting a new table).

    Returns:
        At most one parent per model (several only for multi-parent GGUF metadata). When rules
        name different parents, the one with the best prior is kept, in the ``conflict``
        bucket when a rival is close.
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
    table_of = default_calibration() if calibration is None else calibration
    chosen: list[Proposal] = []
    calibrated: list[float] = []
    for child in sorted(per_child):
        for p in _combine(per_child[child]):
            chosen.append(p)
            conf = table_of.confidence(p.rule, p.bucket, p.confidence)
            if p.rule in ATTRIBUTION_GRADE_RULES:
                conf = min(conf, ATTRIBUTION_GRADE_CEILING)
            calibrated.append(round(conf, 4))
    result = InferredDeclarations.from_proposals(chosen, ctx.ids, counts)
    result.confidence = np.array(calibrated, dtype=np.float64)
    return result


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
