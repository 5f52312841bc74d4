"""Build a :class:`LineageGraph` from a model table, applying DESIGN.md's lineage rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.graph.aliases import Resolution, alias_hits, default_aliases, resolve_absent
from hflineage.graph.lineage import (
    LineageGraph,
    _lower_authors,
    _org_keys,
    _pointers,
    csr_positions,
    curated_orgs,
    org_lookup,
)
from hflineage.graph.relation import Relation
from hflineage.graph.taxonomy import default_taxonomy
from hflineage.loaders.records import SOURCES, LoadReport
from hflineage.loaders.table import IdKeys, ModelTable, id_fingerprints, stable_argsort

__all__ = ["BrokenEdge", "ValidationReport", "build_lineage_graph"]


@dataclass(frozen=True, slots=True)
class BrokenEdge:
    """An edge removed to break a cycle, and the cycle's members."""

    child: str
    parent: str
    source: str
    cycle: tuple[str, ...]


@dataclass
class ValidationReport:
    """What the graph build did with the loaded rows."""

    load: LoadReport
    models: int = 0
    stubs: int = 0
    roots: int = 0
    edges: int = 0
    self_loops: int = 0
    duplicate_edges: int = 0
    lower_trust_declarations_ignored: int = 0
    cycles_broken: list[BrokenEdge] = field(default_factory=list)
    edges_by_source: Counter[str] = field(default_factory=Counter)
    edges_by_relation: Counter[str] = field(default_factory=Counter)
    relation_from: Counter[str] = field(default_factory=Counter)
    placeholder_created_at: int = 0
    max_depth: int = 0
    #: declared parents resolved through the alias table, the distinct ids, and examples
    aliased_declarations: int = 0
    aliased_ids: int = 0
    alias_examples: list[str] = field(default_factory=list)
    #: relation strings that name no relation (read as none stated), with their counts
    unknown_relations: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (the ``validation`` block of every report)."""
        load = self.load.as_dict()
        return {
            "rows_read": load["rows_read"],
            "rows_loaded": load["rows_loaded"],
            "rows_rejected": load["rows_rejected"],
            "rejected": load["rejected"],
            "repairs": load["notes"],
            "examples": load["examples"],
            "models": self.models,
            "stubs": self.stubs,
            "roots": self.roots,
            "edges": self.edges,
            "self_loops_dropped": self.self_loops,
            "duplicate_edges_dropped": self.duplicate_edges,
            "lower_trust_declarations_ignored": self.lower_trust_declarations_ignored,
            "cycles_broken": len(self.cycles_broken),
            "cycle_edges_removed": [
                {"child": b.child, "parent": b.parent, "source": b.source, "cycle": list(b.cycle)}
                for b in self.cycles_broken
            ],
            "edges_by_source": dict(self.edges_by_source.most_common()),
            "edges_by_relation": dict(self.edges_by_relation.most_common()),
            "relation_from": dict(self.relation_from.most_common()),
            "placeholder_created_at": self.placeholder_created_at,
            "max_depth": self.max_depth,
            "aliases": {
                "declarations_resolved": self.aliased_declarations,
                "ids_resolved": self.aliased_ids,
                "table_rows": default_aliases().size,
                "renames_from_snapshots": len(self.load.aliases),
            },
            "alias_examples": self.alias_examples,
            "author_kinds": dict(Counter(self.load.author_kinds.values()).most_common()),
            "unknown_relation_strings": sum(self.unknown_relations.values()),
            "unknown_relation_examples": dict(self.unknown_relations.most_common(10)),
        }


#: ``createdAt`` the Hub gives repos older than its creation-date records.
PLACEHOLDER_CREATED_AT = np.datetime64("2022-03-02T23:29:04", "s")


def build_lineage_graph(
    table: ModelTable,
    load_report: LoadReport | None = None,
    *,
    sources: tuple[str, ...] = SOURCES[:3],
) -> LineageGraph:
    """Turn loaded rows into the lineage graph.

    Args:
        table: models and their parent declarations.
        load_report: the loader's report, kept in the graph's validation report.
        sources: which declaration sources may make edges (``inferred`` is off unless asked).

    Rules (DESIGN.md): each model takes its parents from its most trusted source
    (hub > tag > card > inferred); the relation comes from the first source that states one,
    then the card's ``base_model_relation``, else ``unknown``; ids match case-insensitively;
    missing parents become stub nodes; self-loops and repeated edges are dropped; cycles are
    broken by :func:`_break_cycles` and reported.

    The work is columnar: parents are resolved with the table's id fingerprints
    (:meth:`ModelTable.id_keys`), and the adjacency and depth computed here to find cycles
    are handed to the graph, so queries do not compute them again.
    """
    load = load_report or LoadReport()
    # Lower-casing the authors (for orgs and countries) and checking the parent matches on
    # the strings are Arrow work outside the GIL: they run on another core while the graph
    # is built here from the fingerprint matches, which are wrong only if two ids share a
    # fingerprint; then the graph is built again from the checked matches.
    pool = ThreadPoolExecutor(max_workers=1)
    authors = pool.submit(_lower_authors, table.author)
    keys = table.id_keys(confirmed=False)
    checked = pool.submit(keys.confirmed)
    try:
        graph = _build(table, keys, ValidationReport(load=load), sources, authors, pool)
        if checked.result() is not keys:
            graph = _build(
                table, checked.result(), ValidationReport(load=load), sources, authors, pool
            )
        return graph
    finally:
        pool.shutdown(wait=True)


def _build(
    table: ModelTable,
    keys: IdKeys,
    report: ValidationReport,
    sources: tuple[str, ...],
    authors: Future[tuple[list[pa.Array], np.ndarray]],
    pool: ThreadPoolExecutor,
) -> LineageGraph:
    n_models = len(table)
    allowed = np.isin(table.decl_source, [SOURCES.index(s) for s in sources])
    d_idx = np.flatnonzero(allowed)
    child = table.decl_child[d_idx]
    src = table.decl_source[d_idx].astype(np.int64)
    # A case-insensitive identity for every parent: its model row, or past the rows, one
    # number per distinct (lower-case) id that names no model.
    pkey = keys.parent_row[d_idx]
    absent = np.flatnonzero(pkey < 0)
    absent_lower = pa.array([], pa.string())
    stub_spelling: dict[int, str] = {}
    if len(absent):
        enc = pc.dictionary_encode(pc.utf8_lower(table.decl_parent.take(pa.array(d_idx[absent]))))
        absent_lower = enc.dictionary
        codes = np.asarray(enc.indices.to_numpy(), dtype=np.int64)
        pkey[absent] = n_models + codes
        # Moved and renamed ids (graph/data/aliases.csv): one node per model.
        renamed = _renamed(table, keys, d_idx[absent], codes, absent_lower, report)
        if renamed is not None:
            row = renamed.row[codes]
            pkey[absent] = np.where(row >= 0, row, n_models + renamed.key[codes])
            absent_lower, stub_spelling = renamed.names, renamed.spelling

    # Most trusted source per child.
    best = np.full(max(n_models, 1), 127, dtype=np.int8)
    np.minimum.at(best, child, table.decl_source[d_idx])
    chosen = src == best[child]
    report.lower_trust_declarations_ignored = int((~chosen).sum())

    # Relation per declaration (parsed once per distinct spelling), then per
    # (child, parent): the chosen source first, then the others.
    relations = table.decl_relation
    if len(d_idx) != len(relations):
        relations = relations.take(pa.array(d_idx))
    rel_code = _relation_codes(relations, report.unknown_relations)
    c_idx = np.flatnonzero(chosen)
    # Row order, whatever order the loader emitted sources in: stubs keep the spelling of
    # the first row that names them, and "first parent" means first in that row's list.
    c_idx = c_idx[stable_argsort(child[c_idx])]
    e_child = child[c_idx]
    e_src = src[c_idx]
    e_rel = rel_code[c_idx]
    e_key = pkey[c_idx]
    e_rel_from = np.where(e_rel >= 0, e_src, -1)
    missing_rel = np.flatnonzero(e_rel < 0)
    if len(missing_rel):
        _fill_relations(table, child, src, pkey, rel_code, e_child, e_key, e_rel, e_rel_from)

    # Parents that name no model become stubs (first spelling kept).
    prow = e_key.copy()
    missing = np.flatnonzero(prow >= n_models)
    stub_ids: list[str] = []
    if len(missing):
        uniq, first_pos, inverse = np.unique(e_key[missing], return_index=True, return_inverse=True)
        # Stubs are numbered in order of their lower-case id.
        by_name = np.asarray(
            pc.array_sort_indices(absent_lower.take(pa.array(uniq - n_models))).to_numpy(),
            dtype=np.int64,
        )
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[by_name] = np.arange(len(uniq))
        prow[missing] = n_models + rank[inverse.ravel()]
        spelling_decl = d_idx[c_idx[missing[first_pos[by_name]]]]
        stub_ids = [str(s) for s in table.decl_parent.take(pa.array(spelling_decl)).to_pylist()]
        if stub_spelling:  # a renamed id's stub is spelled as its current id
            entries = uniq[by_name] - n_models
            for i in np.flatnonzero(np.isin(entries, list(stub_spelling))).tolist():
                stub_ids[i] = stub_spelling[int(entries[i])]
    n = n_models + len(stub_ids)

    # Self-loops and repeated edges.
    loops = e_child == prow
    report.self_loops = int(loops.sum())
    keep = ~loops
    e_child, prow, e_src, e_rel, e_rel_from = (
        a[keep] for a in (e_child, prow, e_src, e_rel, e_rel_from)
    )
    first = _first_of_pairs(e_child, prow, n)
    report.duplicate_edges = len(e_child) - len(first)
    e_child, prow, e_src, e_rel, e_rel_from = (
        a[first] for a in (e_child, prow, e_src, e_rel, e_rel_from)
    )

    ids = _with_stubs(table.model_id, stub_ids)
    created = _padded(table.created_at, len(stub_ids), np.datetime64("NaT"))
    # Every node's org, and where it is among the curated orgs (what country attribution
    # asks first), on the other core while the order of the graph is worked out here.
    stub_authors = [s.split("/", 1)[0] if "/" in s else None for s in stub_ids]
    orgs = pool.submit(_orgs, authors, stub_authors, n_models, ids)
    order = _Order(n, e_child, prow)
    if order.unpeeled.any():
        broken = _break_cycles(e_child, prow, e_src, created, ids, order.unpeeled)
        keep = np.ones(len(e_child), dtype=bool)
        keep[[b[0] for b in broken]] = False
        for pos, cycle in broken:
            report.cycles_broken.append(
                BrokenEdge(
                    child=str(ids[int(e_child[pos])]),
                    parent=str(ids[int(prow[pos])]),
                    source=SOURCES[int(e_src[pos])],
                    cycle=tuple(str(ids[int(c)]) for c in cycle),
                )
            )
        order.drop_edges(keep)
        e_child, prow, e_src, e_rel, e_rel_from = (
            a[keep] for a in (e_child, prow, e_src, e_rel, e_rel_from)
        )

    graph = LineageGraph(
        model_id=ids,
        author=_with_stubs(table.author, stub_authors),
        stub=np.concatenate([np.zeros(n_models, bool), np.ones(len(stub_ids), bool)]),
        created_at=created,
        downloads=_padded(table.downloads, len(stub_ids), 0),
        downloads_all_time=_padded(table.downloads_all_time, len(stub_ids), 0),
        likes=_padded(table.likes, len(stub_ids), 0),
        pipeline_tag=_with_stubs(table.pipeline_tag, [None] * len(stub_ids)),
        library_name=_with_stubs(table.library_name, [None] * len(stub_ids)),
        edge_child=e_child.astype(np.int64, copy=False),
        edge_parent=prow.astype(np.int64, copy=False),
        edge_relation=e_rel.astype(np.int8),
        edge_source=e_src.astype(np.int8),
        validation=report,
    )
    graph._seed(
        n_parents=order.n_parents,
        children_csr=order.children_csr,
        depth=order.depth,
        id_hashes=np.concatenate(
            [keys.hashes, id_fingerprints(pc.utf8_lower(pa.array(stub_ids, pa.string())))]
        ),
        orgs=orgs.result(),
    )
    report.models = n_models
    report.stubs = len(stub_ids)
    report.roots = int(graph.is_root.sum())
    report.edges = len(e_child)
    report.max_depth = int(order.depth.max()) if n else 0
    report.edges_by_source = Counter(
        {SOURCES[s]: c for s, c in _counts(e_src, len(SOURCES)).items()}
    )
    report.edges_by_relation = Counter(
        {Relation(r).label: c for r, c in _counts(e_rel, len(Relation)).items()}
    )
    report.relation_from = Counter(
        {
            (SOURCES[s - 1] if s > 0 else "none (unknown)"): c
            for s, c in _counts(e_rel_from + 1, len(SOURCES) + 1).items()
        }
    )
    report.placeholder_created_at = int((table.created_at == PLACEHOLDER_CREATED_AT).sum())
    return graph


def _renamed(
    table: ModelTable,
    keys: IdKeys,
    decls: np.ndarray,
    codes: np.ndarray,
    absent_lower: pa.Array,
    report: ValidationReport,
) -> Resolution | None:
    """Resolve the parents that name no model through the alias table (counted)."""
    aliases = default_aliases().with_ids(report.load.aliases)
    if not aliases.size:
        return None
    hits = alias_hits(absent_lower, aliases)
    if not len(hits):
        return None
    # One declared spelling per id the table names: the first declaration naming it.
    named = np.zeros(len(absent_lower), dtype=bool)
    named[hits] = True
    at = np.flatnonzero(named[codes])
    _, first = np.unique(codes[at], return_index=True)  # in the order of ``hits``
    spelled = table.decl_parent.take(pa.array(decls[at[first]]))
    out = resolve_absent(absent_lower, hits, spelled, table.model_id, keys.hashes, aliases)
    if out is not None:
        applied = np.zeros(len(absent_lower), dtype=bool)
        applied[out.renamed] = True
        report.aliased_declarations = int(applied[codes].sum())
        report.aliased_ids = len(out.renamed)
        report.alias_examples = out.examples
    return out


def _stub_authors(
    lowered: tuple[list[pa.Array], np.ndarray], stub_authors: list[str | None], n_models: int
) -> tuple[list[pa.Array], np.ndarray]:
    """The models' lower-cased authors extended with the stubs'."""
    chunks, missing = lowered
    extra = pc.utf8_lower(pa.array(stub_authors, pa.string()))
    absent = n_models + np.flatnonzero([a is None for a in stub_authors])
    return [*chunks, extra], np.concatenate([missing, absent.astype(np.int64)])


def _orgs(
    authors: Future[tuple[list[pa.Array], np.ndarray]],
    stub_authors: list[str | None],
    n_models: int,
    ids: pa.ChunkedArray,
) -> tuple[tuple[list[pa.Array], np.ndarray, pa.Array], dict[tuple[str, ...], np.ndarray]]:
    """The graph's org keys, and every node's place among the shipped curated orgs."""
    keys = _org_keys(_stub_authors(authors.result(), stub_authors, n_models), ids)
    curated = curated_orgs(default_taxonomy())
    return keys, {tuple(curated): org_lookup(keys, curated)}


def _counts(codes: np.ndarray, size: int) -> dict[int, int]:
    """Occurrences of each small non-negative code, in code order (only those present)."""
    counts = np.bincount(codes.astype(np.int64), minlength=size)
    return {int(c): int(k) for c, k in enumerate(counts.tolist()) if k}


def _first_of_pairs(child: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Positions of the first occurrence of every (child, parent) pair, in order.

    Only children with several edges can repeat a pair, so only their edges are sorted.
    """
    several = np.flatnonzero(np.bincount(child, minlength=n)[child] > 1)
    keep = np.ones(len(child), dtype=bool)
    if len(several):
        pair = child[several].astype(np.int64) * n + parent[several]
        _, first = np.unique(pair, return_index=True)
        keep[several] = False
        keep[several[first]] = True
    return np.flatnonzero(keep)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for integers, by sorting (no hash table)."""
    if len(values) < 2:
        return values.copy()
    out = np.sort(values)
    return out[np.concatenate(([True], out[1:] != out[:-1]))]


def _with_stubs(
    column: pa.Array | pa.ChunkedArray, values: Sequence[str | None]
) -> pa.ChunkedArray:
    """A model column extended with the stubs' values: one more chunk, nothing copied."""
    chunks = list(column.chunks) if isinstance(column, pa.ChunkedArray) else [column]
    extra = pa.array(values, pa.string())
    types = {c.type for c in chunks}
    if types == {pa.string()} or not chunks:
        return pa.chunked_array([*chunks, extra], type=pa.string())
    if len(types) == 1 and pa.types.is_dictionary(chunks[0].type):
        return pa.chunked_array([*chunks, pc.dictionary_encode(extra).cast(chunks[0].type)])
    return pa.chunked_array([c.cast(pa.string()) for c in chunks] + [extra], type=pa.string())


def _fill_relations(
    table: ModelTable,
    child: np.ndarray,
    src: np.ndarray,
    pkey: np.ndarray,
    rel_code: np.ndarray,
    e_child: np.ndarray,
    e_key: np.ndarray,
    e_rel: np.ndarray,
    e_rel_from: np.ndarray,
) -> None:
    """Edges whose chosen source states no relation: take it from the others (in place).

    Looks the same (child, parent) up in the other sources, in order of trust, then the
    card's ``base_model_relation``; else ``unknown``.
    """
    missing_rel = np.flatnonzero(e_rel < 0)
    kid_rows = np.unique(e_child[missing_rel])
    lookup: dict[tuple[int, int], tuple[int, int]] = {}
    near = np.flatnonzero(np.isin(child, kid_rows) & (rel_code >= 0))
    for c, k, r, s in zip(
        child[near].tolist(),
        pkey[near].tolist(),
        rel_code[near].tolist(),
        src[near].tolist(),
        strict=True,
    ):
        if (c, k) not in lookup or s < lookup[(c, k)][1]:
            lookup[(c, k)] = (r, s)
    card_rel = dict(
        zip(
            kid_rows.tolist(),
            table.card_relation.take(pa.array(kid_rows)).to_pylist(),
            strict=True,
        )
    )
    parsed: dict[str | None, Relation | None] = {}
    card = SOURCES.index("card")
    for j, c, k in zip(
        missing_rel.tolist(),
        e_child[missing_rel].tolist(),
        e_key[missing_rel].tolist(),
        strict=True,
    ):
        hit = lookup.get((c, k))
        if hit is not None:
            e_rel[j], e_rel_from[j] = hit
            continue
        text = card_rel.get(c)
        if text not in parsed:
            parsed[text] = Relation.parse(text)
        r = parsed[text]
        if r is not None:
            e_rel[j], e_rel_from[j] = int(r), card
        else:
            e_rel[j], e_rel_from[j] = int(Relation.UNKNOWN), -1


def _relation_codes(rel: pa.Array, unknown: Counter[str] | None = None) -> np.ndarray:
    """Relation codes for an array of raw relation strings (-1 where none is stated).

    Stated strings that name no relation (read as none) are counted in ``unknown``.
    """
    enc = pc.dictionary_encode(rel)
    spellings = enc.dictionary.to_pylist()
    lut = np.array(
        [-1 if (r := Relation.parse(v)) is None else int(r) for v in spellings] + [-1],
        dtype=np.int64,
    )
    idx = np.asarray(
        pc.fill_null(enc.indices, len(enc.dictionary)).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    unread = [i for i, v in enumerate(spellings) if lut[i] < 0 and v and str(v).strip()]
    if unknown is not None and unread:
        counts = np.bincount(idx, minlength=len(lut))
        unknown.update({str(spellings[i])[:80]: int(counts[i]) for i in unread})
    out: np.ndarray = lut[idx]
    return out


def _break_cycles(
    child: np.ndarray,
    parent: np.ndarray,
    src: np.ndarray,
    created: np.ndarray,
    ids: pa.Array,
    unpeeled: np.ndarray,
) -> list[tuple[int, tuple[int, ...]]]:
    """Choose the edges to remove so that no cycle is left, deterministically.

    Kahn's algorithm (:class:`_Order`) has peeled every node that is not on or below a
    cycle; only the few left (``unpeeled``) are searched for strongly connected components.
    In each component one edge is removed, chosen by:
    1. the least trusted source (card before tag before hub);
    2. the newest parent (a base model cannot be younger than its derivative; unknown dates
       count as newest);
    3. the largest (child id, parent id), compared lower-case.
    Repeat until no cycle is left. Returns (edge position, cycle members) pairs.
    """
    sub = np.flatnonzero(unpeeled[child] & unpeeled[parent])
    adj: dict[int, dict[int, int]] = {}
    for pos, c, p in zip(sub.tolist(), child[sub].tolist(), parent[sub].tolist(), strict=True):
        adj.setdefault(c, {})[p] = pos
        adj.setdefault(p, {})
    lower = {v: str(ids[v]).lower() for v in adj}
    far_future = np.datetime64("9999-12-31", "s")

    def key(pos: int) -> tuple[int, np.datetime64, str, str]:
        c, p = int(child[pos]), int(parent[pos])
        ts = created[p]
        return (int(src[pos]), far_future if np.isnat(ts) else ts, lower[c], lower[p])

    removed: list[tuple[int, tuple[int, ...]]] = []
    while True:
        comps = [c for c in _strong_components(adj) if len(c) > 1]
        if not comps:
            return removed
        for comp in sorted(comps, key=lambda c: min(lower[v] for v in c)):
            inside = set(comp)
            edges = [pos for v in comp for w, pos in adj[v].items() if w in inside]
            worst = max(edges, key=key)
            members = tuple(sorted(comp, key=lambda v: lower[v]))
            removed.append((worst, members))
            del adj[int(child[worst])][int(parent[worst])]


def _strong_components(adj: dict[int, dict[int, int]]) -> list[list[int]]:
    """Strongly connected components (Tarjan's algorithm, iterative: no recursion limit)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    for root in adj:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(adj[root]))]
        while work:
            v, succ = work[-1]
            for w in succ:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(adj[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    comp: list[int] = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


def _padded(values: np.ndarray, extra: int, fill: Any) -> np.ndarray:
    """``values`` followed by ``extra`` copies of ``fill`` (the stubs' value of a column).

    Written in place after ``values`` when they are the start of a larger buffer (the loader
    leaves room for stubs in its whole-file arrays), instead of copying the whole column.
    Two graphs of one table can share that room: they write the same constant there.
    """
    base = values.base
    n = len(values)
    if (
        isinstance(base, np.ndarray)
        and base.ndim == 1
        and base.dtype == values.dtype
        and base.flags.writeable
        and values.flags.c_contiguous
        and len(base) >= n + extra
        and base.__array_interface__["data"][0] == values.__array_interface__["data"][0]
    ):
        out: np.ndarray = base[: n + extra]
        out[n:] = fill
        return out
    return np.concatenate([values, np.full(extra, fill, dtype=values.dtype)])


class _Order:
    """Kahn's algorithm over edge arrays: depth of every node, and the nodes on or below a cycle.

    Runs wave by wave in numpy, touching only nodes that have children. When cycles are
    broken (:meth:`drop_edges`), it resumes from where it stopped instead of starting again.
    """

    def __init__(self, n: int, child: np.ndarray, parent: np.ndarray) -> None:
        self.child = child
        self.parent = parent
        self.alive: np.ndarray | None = None
        self.n_parents = np.bincount(child, minlength=n)
        self.remaining = self.n_parents.copy()
        counts = np.bincount(parent, minlength=n)
        self.ptr = _pointers(counts)
        self.order = stable_argsort(parent)
        self.depth = np.zeros(n, dtype=np.int32)
        # one byte a node for the two questions every wave asks of the nodes it readies
        self._has_children = counts > 0
        self._several_parents = self.n_parents > 1
        self._run(np.flatnonzero((self.remaining == 0) & self._has_children))

    @property
    def unpeeled(self) -> np.ndarray:
        """Nodes Kahn's algorithm cannot order (on a cycle or derived from one)."""
        out: np.ndarray = self.remaining > 0
        return out

    @property
    def children_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """(pointers, edge positions) of every node's child edges."""
        return self.ptr, self.order

    def _run(self, frontier: np.ndarray) -> None:
        ptr, order, child, depth = self.ptr, self.order, self.child, self.depth
        # The first run starts from the roots: a node is ready one wave after its deepest
        # parent, so the wave number is its depth. A run resumed after cycle breaking starts
        # from nodes of any depth, and takes the maximum over the parents instead.
        waves = self.alive is None
        wave = 0
        while len(frontier):
            pos, _ = csr_positions(ptr, frontier)
            if not len(pos):
                return
            edges = order[pos]
            if self.alive is not None:
                edges = edges[self.alive[edges]]
            kids = child[edges]
            if not waves:
                np.maximum.at(depth, kids, depth[self.parent[edges]] + 1)
            np.subtract.at(self.remaining, kids, 1)
            ready = kids[self.remaining[kids] == 0]
            # A node appears once per parent of it in the wave: only nodes with several
            # parents can repeat (in no particular order, which nothing here depends on).
            several = self._several_parents[ready]
            if several.any():
                ready = np.concatenate([ready[~several], _sorted_unique(ready[several])])
            wave += 1
            if waves:
                depth[ready] = wave
            frontier = ready[self._has_children[ready]]

    def drop_edges(self, keep: np.ndarray) -> None:
        """Remove the edges where ``keep`` is False, finish the order, renumber the edges."""
        stuck = self.unpeeled
        gone = np.flatnonzero(~keep)
        np.subtract.at(self.remaining, self.child[gone], 1)
        np.subtract.at(self.n_parents, self.child[gone], 1)
        self._several_parents = self.n_parents > 1
        # The depth the first run left out: stuck nodes below ordered parents.
        below = np.flatnonzero(stuck[self.child] & ~stuck[self.parent])
        np.maximum.at(self.depth, self.child[below], self.depth[self.parent[below]] + 1)
        self.alive = keep
        ready = np.flatnonzero(stuck & (self.remaining == 0))
        self._run(ready[self._has_children[ready]])
        if self.unpeeled.any():  # cannot happen: every cycle lost an edge
            raise RuntimeError("cycles remain after cycle breaking")
        new_pos = np.cumsum(keep) - 1
        order = self.order[keep[self.order]]
        self.order = new_pos[order]
        self.ptr = _pointers(np.bincount(self.parent[keep], minlength=len(self.depth)))
        self.child, self.parent, self.alive = self.child[keep], self.parent[keep], None
