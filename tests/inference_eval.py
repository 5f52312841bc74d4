"""How good is inferred lineage? Held-out precision and recall per rule and threshold.

The evaluation hides the declared parents of models that have them (k folds, each model held
out once), runs :func:`~hflineage.graph.inference.infer_lineage` on the held-out models as if
they declared nothing, and compares the inferred parent with the declared ones:

- ``precision``: inferred edges that name a declared parent / inferred edges;
- ``recall``: declared edges recovered / declared edges held out;
- ``root_ok``: inferred edges whose parent leads to the same first root as the model's declared
  lineage (the attribution is right even when the exact parent is not).

All are given per rule and overall, at each confidence threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pyarrow as pa

from hflineage.graph import LineageGraph, Relation, build_lineage_graph
from hflineage.graph.calibration import Calibration
from hflineage.graph.hub_names import split_org_name_id, strip_converter_prefix
from hflineage.graph.inference import (
    DEFAULT_MIN_CONFIDENCE,
    RULES,
    InferredDeclarations,
    infer_lineage,
    split_quant_suffix,
)
from hflineage.graph.taxonomy import Taxonomy
from hflineage.loaders.evidence import ModelEvidence
from hflineage.loaders.records import SOURCES
from hflineage.loaders.table import ModelTable

__all__ = [
    "DEFAULT_THRESHOLDS",
    "EvalRow",
    "InferenceEvaluation",
    "Outcome",
    "bucket_markdown",
    "evaluate_inference",
    "relation_markdown",
    "reliability_markdown",
    "split_declared",
]

DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
_INFERRED = SOURCES.index("inferred")


@dataclass(frozen=True, slots=True)
class EvalRow:
    """Counts and rates for one rule (or ``overall``) at one confidence threshold."""

    rule: str
    threshold: float
    predicted: int
    correct: int
    root_ok: int
    held_out_edges: int

    @property
    def precision(self) -> float | None:
        """Correct / predicted; ``None`` when nothing was predicted."""
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float:
        """Correct / declared edges held out."""
        return self.correct / self.held_out_edges if self.held_out_edges else 0.0

    @property
    def root_precision(self) -> float | None:
        """Inferred edges crediting the right root / predicted."""
        return self.root_ok / self.predicted if self.predicted else None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready counts and rates."""
        return {
            "rule": self.rule,
            "threshold": self.threshold,
            "predicted": self.predicted,
            "correct": self.correct,
            "precision": self.precision,
            "recall": self.recall,
            "root_precision": self.root_precision,
            "held_out_edges": self.held_out_edges,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """One inferred edge of a held-out model: rule, evidence bucket, confidence, right or not."""

    child: int
    parent: str
    rule: str
    bucket: str
    confidence: float
    correct: bool


@dataclass
class InferenceEvaluation:
    """Per-rule and overall rows at every threshold, and what was held out."""

    rows: list[EvalRow]
    meta: dict[str, object] = field(default_factory=dict)
    #: Every inferred edge of the held-out models (at any confidence) and whether it was right.
    outcomes: list[Outcome] = field(default_factory=list)

    def at(self, threshold: float) -> list[EvalRow]:
        """Rows at one threshold (overall first)."""
        return [r for r in self.rows if abs(r.threshold - threshold) < 1e-9]

    def overall(self) -> list[EvalRow]:
        """The overall row at each threshold."""
        return [r for r in self.rows if r.rule == "overall"]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready result."""
        return {"rows": [r.as_dict() for r in self.rows], "meta": self.meta}

    def markdown(self, threshold: float | None = None) -> str:
        """A Markdown table: per rule at one threshold, or overall at every threshold."""

        def pct(x: float | None) -> str:
            return "-" if x is None else f"{x:.3f}"

        if threshold is None:
            head = "| min confidence | predicted | correct | precision | recall | root-correct |"
            rows = self.overall()
            first = [f"{r.threshold:.2f}" for r in rows]
        else:
            head = "| rule | predicted | correct | precision | recall | root-correct |"
            rows = self.at(threshold)
            first = [f"`{r.rule}`" if r.rule != "overall" else "**overall**" for r in rows]
        lines = [head, "|" + "---|" * 6]
        for label, r in zip(first, rows, strict=True):
            lines.append(
                f"| {label} | {r.predicted} | {r.correct} | {pct(r.precision)} | "
                f"{pct(r.recall)} | {pct(r.root_precision)} |"
            )
        return "\n".join(lines)


def relation_markdown(evaluation: InferenceEvaluation, threshold: float) -> str:
    """Recall by the held-out edges' declared relation, at one threshold, as Markdown."""
    table = evaluation.meta["recall_by_declared_relation"]
    counts: dict[str, dict[str, int]] = table[f"{threshold:g}"]  # type: ignore[index]
    lines = ["| declared relation | held-out edges | recovered | recall |", "|---|---|---|---|"]
    for rel in sorted(counts, key=lambda r: -counts[r]["edges"]):
        c = counts[rel]
        if "wrong" in c:  # models whose truth is "no parent": every inferred edge is wrong
            wrong = f"{c['wrong']} given a parent (wrong)"
            lines.append(f"| {rel} | {c['edges']} models | {wrong} | - |")
            continue
        rate = c["correct"] / c["edges"] if c["edges"] else 0.0
        lines.append(f"| {rel} | {c['edges']} | {c['correct']} | {rate:.3f} |")
    return "\n".join(lines)


#: A bucket with at least this many held-out edges is "well populated" in the tables.
WELL_POPULATED = 20


def bucket_markdown(outcomes: Sequence[Outcome], min_confidence: float = 0.0) -> str:
    """Per rule and evidence bucket: edges, observed precision and stated confidence.

    Rows with at least :data:`WELL_POPULATED` edges are the ones calibration answers for; the
    gap is stated minus observed.
    """
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.confidence >= min_confidence - 1e-9:
            groups[(o.rule, o.bucket)].append(o)
    order = list(RULES)
    lines = [
        "| rule | bucket | edges | correct | observed precision | stated confidence | gap |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule, bucket in sorted(groups, key=lambda k: (order.index(k[0]), -len(groups[k]))):
        g = groups[(rule, bucket)]
        k = sum(o.correct for o in g)
        observed = k / len(g)
        stated = float(np.mean([o.confidence for o in g]))
        mark = "" if len(g) >= WELL_POPULATED else " (few)"
        lines.append(
            f"| `{rule}` | {bucket}{mark} | {len(g)} | {k} | {observed:.3f} | {stated:.3f} | "
            f"{stated - observed:+.3f} |"
        )
    return "\n".join(lines)


_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001)


def reliability_markdown(outcomes: Sequence[Outcome]) -> str:
    """Stated confidence against observed precision, by confidence bin (a reliability table)."""
    conf = np.array([o.confidence for o in outcomes], dtype=np.float64)
    ok = np.array([o.correct for o in outcomes], dtype=bool)
    lines = [
        "| stated confidence | edges | mean stated | observed precision |",
        "|---|---|---|---|",
    ]
    for lo, hi in pairwise(_BINS):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            lines.append(
                f"| {lo:.2f}-{min(hi, 1.0):.2f} | {int(sel.sum())} | {conf[sel].mean():.3f} | "
                f"{ok[sel].mean():.3f} |"
            )
    return "\n".join(lines)


def _truth(table: ModelTable) -> dict[int, set[str]]:
    """Declared parents (lower-case) of every model that has them, from its best source."""
    declared = np.flatnonzero(table.decl_source != _INFERRED)
    child = table.decl_child[declared]
    src = table.decl_source[declared].astype(np.int64)
    best = np.full(max(len(table), 1), 127, dtype=np.int64)
    np.minimum.at(best, child, src)
    keep = declared[src == best[child]]
    parents = table.decl_parent.take(pa.array(keep)).to_pylist()
    out: dict[int, set[str]] = defaultdict(set)
    ids_lower = [str(x).lower() for x in table.model_id.to_pylist()]
    for c, p in zip(table.decl_child[keep].tolist(), parents, strict=True):
        pl = str(p).lower()
        if pl != ids_lower[c]:  # a self-reference is not a parent
            out[c].add(pl)
    return dict(out)


def _declared_relations(table: ModelTable, children: set[int]) -> dict[int, str]:
    """The declared relation of each child: the most trusted source that states one."""
    rel = table.decl_relation.to_pylist()
    card = table.card_relation.to_pylist()
    best: dict[int, tuple[int, str]] = {}
    for j, (c, src) in enumerate(
        zip(table.decl_child.tolist(), table.decl_source.tolist(), strict=True)
    ):
        r = Relation.parse(rel[j])
        if (
            c in children
            and r is not None
            and src != _INFERRED
            and (c not in best or src < best[c][0])
        ):
            best[c] = (src, r.label)
    out = {}
    for c in children:
        fallback = Relation.parse(card[c])
        out[c] = best[c][1] if c in best else (fallback.label if fallback else "unknown")
    return out


def _first_roots(graph: LineageGraph) -> dict[str, str]:
    """Lower-case id -> lower-case id of its first root in the declared graph."""
    of = graph.root_sets("first").of_node
    ids = [i.lower() for i in graph.ids]
    return {ids[v]: ids[int(of[v])] for v in range(graph.n)}


def _named_as_reupload(model_id: str) -> bool:
    """True when an id's name says re-upload: a quantisation/format suffix, a converter
    prefix or an ``org_-_name`` spelling (what the name rules can possibly recover)."""
    name = model_id.rpartition("/")[2]
    return (
        split_quant_suffix(name)[2]
        or strip_converter_prefix(name) is not None
        or split_org_name_id(name) is not None
    )


def split_declared(table: ModelTable, seed: int, parts: int = 2) -> list[np.ndarray]:
    """The rows that declare parents, split at random into ``parts`` disjoint sorted sets.

    One set fits the calibration, another reports on it (:func:`evaluate_inference`'s
    ``held_out_rows``).
    """
    rows = np.array(sorted(_truth(table)), dtype=np.int64)
    part = np.random.default_rng(seed).permutation(len(rows)) % parts
    return [np.sort(rows[part == k]) for k in range(parts)]


def evaluate_inference(
    table: ModelTable,
    evidence: ModelEvidence | None = None,
    *,
    folds: int = 5,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    seed: int = 0,
    rules: Sequence[str] | None = None,
    taxonomy: Taxonomy | None = None,
    calibration: Calibration | None = None,
    no_parent: Sequence[str] = (),
    held_out_rows: Sequence[int] | None = None,
) -> InferenceEvaluation:
    """Hold out declared parents and measure inference against them.

    Args:
        table: models with their declarations (the ground truth).
        evidence: inference evidence for the same models.
        folds: the models with declared parents are split into this many folds; each fold's
            declarations are hidden in turn (the other folds' stay visible, as on the Hub).
        thresholds: confidence thresholds to report.
        seed: fold assignment seed.
        rules: rules to run (default all).
        taxonomy: curated orgs (default the shipped taxonomy).
        calibration: confidence table (default the shipped one; ``Calibration({})``: priors).
        no_parent: ids known to have no parent (a generated corpus's distractor variants):
            held out too, and any parent inferred for them counts as wrong.
        held_out_rows: hold out only these rows (one split of a corpus; the others'
            declarations stay visible). Default: every row with declared parents.
    """
    if folds < 1:
        raise ValueError(f"folds must be at least 1, got {folds}")
    truth = _truth(table)
    if held_out_rows is not None:
        keep = {int(r) for r in held_out_rows}
        truth = {c: ps for c, ps in truth.items() if c in keep}
    row_of = {str(m).lower(): i for i, m in enumerate(table.model_id.to_pylist())}
    negatives = sorted({row_of[m.lower()] for m in no_parent if m.lower() in row_of} - set(truth))
    held = np.array(sorted(truth) + negatives, dtype=np.int64)
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(held)) % folds
    parts: list[InferredDeclarations] = []
    for f in range(folds):
        targets = held[fold_of == f]
        if len(targets):
            parts.append(
                infer_lineage(
                    table,
                    evidence,
                    targets=targets,
                    rules=rules,
                    taxonomy=taxonomy,
                    calibration=calibration,
                )
            )
    roots = _first_roots(build_lineage_graph(table))
    child = np.concatenate([p.child for p in parts]) if parts else np.zeros(0, np.int64)
    conf = np.concatenate([p.confidence for p in parts]) if parts else np.zeros(0)
    parent = [str(x).lower() for p in parts for x in p.parent.to_pylist()]
    rule = [str(x) for p in parts for x in p.rule.to_pylist()]
    bucket = [str(x) for p in parts for x in p.bucket.to_pylist()]
    correct = np.array(
        [parent[i] in truth.get(int(c), ()) for i, c in enumerate(child.tolist())], dtype=bool
    )
    ids_lower = [str(x).lower() for x in table.model_id.to_pylist()]
    root_ok = np.array(
        [
            roots.get(parent[i], parent[i]) == roots.get(ids_lower[int(c)])
            for i, c in enumerate(child.tolist())
        ],
        dtype=bool,
    )
    # A model whose declared root is itself (a self-reference only) has no root to match.
    n_edges = sum(len(v) for v in truth.values())
    rule_arr = np.array(rule, dtype=object)
    names = list(RULES) if rules is None else list(rules)
    rows: list[EvalRow] = []
    for t in thresholds:
        above = conf >= t - 1e-9
        for name in ["overall", *names]:
            sel = above if name == "overall" else above & (rule_arr == name)
            rows.append(
                EvalRow(
                    rule=name,
                    threshold=float(t),
                    predicted=int(sel.sum()),
                    correct=int((sel & correct).sum()),
                    root_ok=int((sel & root_ok).sum()),
                    held_out_edges=n_edges,
                )
            )
    relation_of = _declared_relations(table, set(truth))
    by_relation: dict[str, dict[str, dict[str, int]]] = {}
    for t in thresholds:
        counts: dict[str, dict[str, int]] = {}
        above = conf >= t - 1e-9
        for c, parents in truth.items():
            counts.setdefault(relation_of[c], {"edges": 0, "correct": 0})["edges"] += len(parents)
        for i in np.flatnonzero(above & correct).tolist():
            counts[relation_of[int(child[i])]]["correct"] += 1
        named = {"edges": 0, "correct": 0}  # declared quantized and named as a re-upload
        for c, parents in truth.items():
            if relation_of[c] == "quantized" and _named_as_reupload(ids_lower[c]):
                named["edges"] += len(parents)
        for i in np.flatnonzero(above & correct).tolist():
            c = int(child[i])
            if relation_of[c] == "quantized" and _named_as_reupload(ids_lower[c]):
                named["correct"] += 1
        counts["quantized, named as a re-upload"] = named
        if negatives:
            wrong = int(np.isin(child[above], negatives).sum())
            counts["(no parent)"] = {"edges": len(negatives), "correct": 0, "wrong": wrong}
        by_relation[f"{t:g}"] = counts
    meta: dict[str, object] = {
        "recall_by_declared_relation": by_relation,
        "models": len(table),
        "held_out_models": len(held),
        "held_out_edges": n_edges,
        "folds": folds,
        "seed": seed,
        "thresholds": list(thresholds),
        "default_threshold": DEFAULT_MIN_CONFIDENCE,
        "models_with_an_inferred_parent": len(np.unique(child)),
        "no_parent_models": len(negatives),
    }
    outcomes = [
        Outcome(int(c), parent[i], rule[i], bucket[i], float(conf[i]), bool(correct[i]))
        for i, c in enumerate(child.tolist())
    ]
    return InferenceEvaluation(rows, meta, outcomes)
