"""Build a :class:`LineageGraph` from a model table, applying the README's lineage rules.

The build is a short pipeline over flat arrays, one function a step:
declarations allowed -> each parent's key (a model row, else a stub id) -> the most trusted
source of each child -> relations -> edges in row order -> stubs numbered -> self-loops
and repeated edges dropped -> cycles broken (``graph._order``) -> the graph, with the
indexes worked out on the way (``GraphIndexes``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.graph._order import KahnOrder, cycle_breaking_edges
from hflineage.graph.aliases import Resolution, alias_hits, default_aliases, resolve_absent
from hflineage.graph.lineage import PLACEHOLDER_CREATED_AT, GraphIndexes, LineageGraph
from hflineage.graph.relation import Relation
from hflineage.graph.validation import BrokenEdge, ValidationReport
from hflineage.loaders._arrow import chunks_of
from hflineage.loaders._fingerprints import id_fingerprints
from hflineage.loaders._sorting import stable_argsort
from hflineage.loaders.records import SOURCES, LoadReport
from hflineage.loaders.table import IdKeys, ModelTable

pc = lazy_module("pyarrow.compute")

__all__ = ["build_lineage_graph"]


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

    Rules (README, "Lineage rules"): each model takes its parents from its most trusted
    source (hub > tag > card > inferred); the relation comes from the first source that
    states one, then the card's ``base_model_relation``, else ``unknown``; ids match
    case-insensitively; missing parents become stub nodes; self-loops and repeated edges
    are dropped; cycles are broken by ``graph._order.cycle_breaking_edges`` and reported.
    """
    report = ValidationReport(load=load_report or LoadReport())
    keys = table.id_keys()
    n_models = len(table)

    declared = _allowed_declarations(table, keys, sources, report)
    chosen = _from_most_trusted_source(declared, n_models)
    report.lower_trust_declarations_ignored = int((~chosen).sum())
    edges = _edges_in_row_order(declared, chosen)
    _fill_missing_relations(table, declared, edges)  # matches parents by key: before stubs
    edges.parent, stub_ids = _number_stubs(table, declared, edges, n_models)
    n = n_models + len(stub_ids)

    loops = edges.child == edges.parent
    report.self_loops = int(loops.sum())
    edges = edges.select(~loops)
    first = _first_of_pairs(edges.child, edges.parent, n)
    report.duplicate_edges = len(edges.child) - len(first)
    edges = edges.select(first)

    ids = _with_stubs(table.model_id, stub_ids)
    created = _padded(table.created_at, len(stub_ids), np.datetime64("NaT"))
    order = KahnOrder(n, edges.child, edges.parent)
    if order.unpeeled.any():
        edges = _break_cycles(edges, order, created, ids, report)

    stub_authors = [s.split("/", 1)[0] if "/" in s else None for s in stub_ids]
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
        edge_child=edges.child.astype(np.int64, copy=False),
        edge_parent=edges.parent.astype(np.int64, copy=False),
        edge_relation=edges.relation.astype(np.int8),
        edge_source=edges.source.astype(np.int8),
        validation=report,
    )
    # What the build worked out anyway: the graph need not compute it again.
    graph.indexes = GraphIndexes(
        n_parents=order.n_parents,
        children_csr=order.children_csr,
        depth=order.depth,
        id_hashes=np.concatenate(
            [keys.hashes, id_fingerprints(pc.utf8_lower(pa.array(stub_ids, pa.string())))]
        ),
    )
    _count_graph(report, graph, table, edges, len(stub_ids))
    return graph


@dataclass(eq=False)
class _Declarations:
    """The declarations whose source may make edges, as parallel arrays.

    ``position``: the declaration's row in the table; ``parent_key``: its parent's model
    row, or past the rows (``>= len(table)``) one number per distinct stub id, whose
    lower-case id is ``stub_names[key - len(table)]``; ``stub_spelling``: the spelling of
    the stub ids the alias table renamed (by that number); ``relation``: the relation
    stated (a ``Relation`` code, -1 where none is).
    """

    position: np.ndarray
    child: np.ndarray
    source: np.ndarray
    parent_key: np.ndarray
    stub_names: pa.Array
    stub_spelling: dict[int, str]
    relation: np.ndarray


@dataclass(eq=False)
class _Edges:
    """Edges as parallel arrays: ``child[e] -> parent[e]``; ``relation_from[e]``: the source
    the relation came from (-1: none stated); ``declaration[e]``: its declaration (an index
    into :class:`_Declarations`)."""

    child: np.ndarray
    parent: np.ndarray
    source: np.ndarray
    relation: np.ndarray
    relation_from: np.ndarray
    declaration: np.ndarray

    def select(self, which: np.ndarray) -> _Edges:
        """The edges at these positions (or where this mask is True), in that order."""
        return _Edges(
            self.child[which],
            self.parent[which],
            self.source[which],
            self.relation[which],
            self.relation_from[which],
            self.declaration[which],
        )


def _allowed_declarations(
    table: ModelTable, keys: IdKeys, sources: tuple[str, ...], report: ValidationReport
) -> _Declarations:
    """The declarations from ``sources``, each with its parent's key and its relation."""
    n_models = len(table)
    position = np.flatnonzero(np.isin(table.decl_source, [SOURCES.index(s) for s in sources]))
    parent_key = keys.parent_row[position]
    stub_names = pa.array([], pa.string())
    stub_spelling: dict[int, str] = {}
    absent = np.flatnonzero(parent_key < 0)
    if len(absent):
        # One number per distinct lower-case id that names no model.
        spelled = table.decl_parent.take(pa.array(position[absent]))
        encoded = pc.dictionary_encode(pc.utf8_lower(spelled))
        stub_names = encoded.dictionary
        code = np.asarray(encoded.indices.to_numpy(), dtype=np.int64)
        parent_key[absent] = n_models + code
        # Moved and renamed ids (graph/data/aliases.csv): one node per model.
        renamed = _renamed(table, keys, position[absent], code, stub_names, report)
        if renamed is not None:
            row = renamed.row[code]
            parent_key[absent] = np.where(row >= 0, row, n_models + renamed.key[code])
            stub_names, stub_spelling = renamed.names, renamed.spelling
    relations = table.decl_relation
    if len(position) != len(relations):
        relations = relations.take(pa.array(position))
    return _Declarations(
        position=position,
        child=table.decl_child[position],
        source=table.decl_source[position].astype(np.int64),
        parent_key=parent_key,
        stub_names=stub_names,
        stub_spelling=stub_spelling,
        relation=_relation_codes(relations, report.unknown_relations),
    )


def _from_most_trusted_source(declared: _Declarations, n_models: int) -> np.ndarray:
    """Which declarations come from their child's most trusted source (a mask)."""
    best = np.full(max(n_models, 1), 127, dtype=np.int64)
    np.minimum.at(best, declared.child, declared.source)
    out: np.ndarray = declared.source == best[declared.child]
    return out


def _edges_in_row_order(declared: _Declarations, chosen: np.ndarray) -> _Edges:
    """The chosen declarations as edges, by child row, each child's in declared order.

    Row order whatever order the loader emitted sources in: stubs keep the spelling of the
    first row that names them, and "first parent" means first in that row's list.
    """
    which = np.flatnonzero(chosen)
    which = which[stable_argsort(declared.child[which])]
    relation = declared.relation[which]
    source = declared.source[which]
    return _Edges(
        child=declared.child[which],
        parent=declared.parent_key[which],
        source=source,
        relation=relation,
        relation_from=np.where(relation >= 0, source, -1),
        declaration=which,
    )


def _number_stubs(
    table: ModelTable, declared: _Declarations, edges: _Edges, n_models: int
) -> tuple[np.ndarray, list[str]]:
    """Every edge's parent node, with stubs numbered after the models in order of their
    lower-case id; and the stub ids (first spelling kept, or the renamed id's)."""
    parent = edges.parent.copy()
    to_stub = np.flatnonzero(parent >= n_models)
    if not len(to_stub):
        return parent, []
    keys, first, inverse = np.unique(parent[to_stub], return_index=True, return_inverse=True)
    by_name = np.asarray(
        pc.array_sort_indices(declared.stub_names.take(pa.array(keys - n_models))).to_numpy(),
        dtype=np.int64,
    )
    rank = np.empty(len(keys), dtype=np.int64)
    rank[by_name] = np.arange(len(keys))
    parent[to_stub] = n_models + rank[inverse.ravel()]
    first_declaration = declared.position[edges.declaration[to_stub[first[by_name]]]]
    stub_ids = [str(s) for s in table.decl_parent.take(pa.array(first_declaration)).to_pylist()]
    if declared.stub_spelling:  # a renamed id's stub is spelled as its current id
        names = keys[by_name] - n_models
        for i in np.flatnonzero(np.isin(names, list(declared.stub_spelling))).tolist():
            stub_ids[i] = declared.stub_spelling[int(names[i])]
    return parent, stub_ids


def _break_cycles(
    edges: _Edges,
    order: KahnOrder,
    created: np.ndarray,
    ids: pa.ChunkedArray,
    report: ValidationReport,
) -> _Edges:
    """Remove the edges that break every cycle (reported), and finish the order."""
    broken = cycle_breaking_edges(
        edges.child, edges.parent, edges.source, created, ids, order.unpeeled
    )
    keep = np.ones(len(edges.child), dtype=bool)
    keep[[pos for pos, _ in broken]] = False
    for pos, cycle in broken:
        report.cycles_broken.append(
            BrokenEdge(
                child=str(ids[int(edges.child[pos])]),
                parent=str(ids[int(edges.parent[pos])]),
                source=SOURCES[int(edges.source[pos])],
                cycle=tuple(str(ids[int(c)]) for c in cycle),
            )
        )
    order.drop_edges(keep)
    return edges.select(keep)


def _count_graph(
    report: ValidationReport, graph: LineageGraph, table: ModelTable, edges: _Edges, stubs: int
) -> None:
    """Fill the report's counts of the finished graph."""
    report.models = len(table)
    report.stubs = stubs
    report.roots = int(graph.is_root.sum())
    report.edges = len(edges.child)
    report.max_depth = int(graph.depth.max()) if graph.n else 0
    report.edges_by_source = Counter(
        {SOURCES[s]: c for s, c in _counts(edges.source, len(SOURCES)).items()}
    )
    report.edges_by_relation = Counter(
        {Relation(r).label: c for r, c in _counts(edges.relation, len(Relation)).items()}
    )
    report.relation_from = Counter(
        {
            (SOURCES[s - 1] if s > 0 else "none (unknown)"): c
            for s, c in _counts(edges.relation_from + 1, len(SOURCES) + 1).items()
        }
    )
    report.placeholder_created_at = int((table.created_at == PLACEHOLDER_CREATED_AT).sum())


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


def _with_stubs(
    column: pa.Array | pa.ChunkedArray, values: Sequence[str | None]
) -> pa.ChunkedArray:
    """A model column extended with the stubs' values: one more chunk, nothing copied."""
    chunks = chunks_of(column)
    extra = pa.array(values, pa.string())
    types = {c.type for c in chunks}
    if types == {pa.string()} or not chunks:
        return pa.chunked_array([*chunks, extra], type=pa.string())
    if len(types) == 1 and pa.types.is_dictionary(chunks[0].type):
        return pa.chunked_array([*chunks, pc.dictionary_encode(extra).cast(chunks[0].type)])
    return pa.chunked_array([c.cast(pa.string()) for c in chunks] + [extra], type=pa.string())


def _padded(values: np.ndarray, extra: int, fill: Any) -> np.ndarray:
    """``values`` followed by ``extra`` copies of ``fill`` (the stubs' value of a column)."""
    return np.concatenate([values, np.full(extra, fill, dtype=values.dtype)])


def _fill_missing_relations(table: ModelTable, declared: _Declarations, edges: _Edges) -> None:
    """Edges whose chosen source states no relation: take it from the others (in place).

    Looks the same (child, parent) up in the other sources, in order of trust, then the
    card's ``base_model_relation``; else ``unknown``.
    """
    missing = np.flatnonzero(edges.relation < 0)
    if not len(missing):
        return
    children = np.unique(edges.child[missing])
    stated: dict[tuple[int, int], tuple[int, int]] = {}  # (child, parent key) -> (relation, source)
    near = np.flatnonzero(np.isin(declared.child, children) & (declared.relation >= 0))
    for c, k, r, s in zip(
        declared.child[near].tolist(),
        declared.parent_key[near].tolist(),
        declared.relation[near].tolist(),
        declared.source[near].tolist(),
        strict=True,
    ):
        if (c, k) not in stated or s < stated[(c, k)][1]:
            stated[(c, k)] = (r, s)
    card_relation = dict(
        zip(
            children.tolist(),
            table.card_relation.take(pa.array(children)).to_pylist(),
            strict=True,
        )
    )
    parsed: dict[str | None, Relation | None] = {}
    card = SOURCES.index("card")
    for e, c, k in zip(
        missing.tolist(), edges.child[missing].tolist(), edges.parent[missing].tolist(), strict=True
    ):
        hit = stated.get((c, k))
        if hit is not None:
            edges.relation[e], edges.relation_from[e] = hit
            continue
        text = card_relation.get(c)
        if text not in parsed:
            parsed[text] = Relation.parse(text)
        relation = parsed[text]
        if relation is not None:
            edges.relation[e], edges.relation_from[e] = int(relation), card
        else:
            edges.relation[e], edges.relation_from[e] = int(Relation.UNKNOWN), -1


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
