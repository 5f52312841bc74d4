"""Build a :class:`LineageGraph` from a model table, applying DESIGN.md's lineage rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.graph.lineage import LineageGraph
from hflineage.graph.relation import Relation
from hflineage.loaders.records import SOURCES, LoadReport
from hflineage.loaders.table import ModelTable

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
        }


#: ``createdAt`` the Hub gives repos older than its creation-date records.
PLACEHOLDER_CREATED_AT = np.datetime64("2022-03-02T23:29:04", "s")


def _lower_np(arr: pa.Array) -> pa.Array:
    return pc.utf8_lower(arr)


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
    """
    report = ValidationReport(load=load_report or LoadReport())
    n_models = len(table)
    allowed = np.isin(table.decl_source, [SOURCES.index(s) for s in sources])
    d_idx = np.flatnonzero(allowed)
    child = table.decl_child[d_idx]
    src = table.decl_source[d_idx].astype(np.int64)

    # Most trusted source per child.
    best = np.full(max(n_models, 1), 127, dtype=np.int64)
    np.minimum.at(best, child, src)
    chosen = src == best[child]
    report.lower_trust_declarations_ignored = int((~chosen).sum())

    ids_lower = _lower_np(table.model_id)
    parent_raw = table.decl_parent.take(pa.array(d_idx))
    parent_lower = _lower_np(parent_raw)
    # Relation per declaration (parsed once per distinct spelling), then per
    # (child, parent): the chosen source first, then the others.
    rel_code = _relation_codes(table.decl_relation.take(pa.array(d_idx)))
    c_idx = np.flatnonzero(chosen)
    # Row order, whatever order the loader emitted sources in: stubs keep the spelling of
    # the first row that names them, and "first parent" means first in that row's list.
    c_idx = c_idx[np.argsort(child[c_idx], kind="stable")]
    e_child = child[c_idx]
    e_src = src[c_idx]
    e_rel = rel_code[c_idx]
    e_plower = parent_lower.take(pa.array(c_idx))
    e_praw = parent_raw.take(pa.array(c_idx))
    e_rel_from = np.where(e_rel >= 0, e_src, -1)
    missing_rel = np.flatnonzero(e_rel < 0)
    if len(missing_rel):
        # Look the same (child, parent) up in the other sources, in order of trust.
        kids = set(e_child[missing_rel].tolist())
        lookup: dict[tuple[int, str], tuple[int, int]] = {}
        near = np.flatnonzero(np.isin(child, np.fromiter(kids, np.int64)) & (rel_code >= 0))
        pl = parent_lower.take(pa.array(near)).to_pylist()
        for j, plow in zip(near.tolist(), pl, strict=True):
            key = (int(child[j]), plow)
            if key not in lookup or src[j] < lookup[key][1]:
                lookup[key] = (int(rel_code[j]), int(src[j]))
        kid_rows = np.fromiter(kids, np.int64)
        card_rel = dict(
            zip(
                kid_rows.tolist(),
                table.card_relation.take(pa.array(kid_rows)).to_pylist(),
                strict=True,
            )
        )
        e_pl_list = e_plower.to_pylist()
        for j in missing_rel.tolist():
            hit = lookup.get((int(e_child[j]), e_pl_list[j]))
            if hit is not None:
                e_rel[j], e_rel_from[j] = hit
                continue
            r = Relation.parse(card_rel.get(int(e_child[j])))
            if r is not None:
                e_rel[j], e_rel_from[j] = int(r), SOURCES.index("card")
            else:
                e_rel[j], e_rel_from[j] = int(Relation.UNKNOWN), -1

    # Resolve parents to rows; unknown parents become stubs (first spelling kept).
    parent_row = pc.index_in(e_plower, value_set=ids_lower)
    prow = np.asarray(pc.fill_null(parent_row, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    missing = np.flatnonzero(prow < 0)
    stub_ids: list[str] = []
    if len(missing):
        miss_lower = e_plower.take(pa.array(missing))
        uniq_lower, first_pos, inverse = np.unique(
            np.asarray(miss_lower.to_numpy(zero_copy_only=False)),
            return_index=True,
            return_inverse=True,
        )
        stub_spelling = e_praw.take(pa.array(missing[first_pos])).to_pylist()
        prow[missing] = n_models + inverse
        stub_ids = [str(s) for s in stub_spelling]
        del uniq_lower
    n = n_models + len(stub_ids)

    # Self-loops and repeated edges.
    loops = e_child == prow
    report.self_loops = int(loops.sum())
    keep = ~loops
    e_child, prow, e_src, e_rel, e_rel_from = (
        a[keep] for a in (e_child, prow, e_src, e_rel, e_rel_from)
    )
    pair = e_child.astype(np.int64) * n + prow
    _, first = np.unique(pair, return_index=True)
    first.sort()
    report.duplicate_edges = len(pair) - len(first)
    e_child, prow, e_src, e_rel, e_rel_from = (
        a[first] for a in (e_child, prow, e_src, e_rel, e_rel_from)
    )

    ids = pa.concat_arrays([table.model_id, pa.array(stub_ids, pa.string())])
    created = np.concatenate(
        [table.created_at, np.full(len(stub_ids), np.datetime64("NaT"), "datetime64[s]")]
    )
    broken = _break_cycles(n, e_child, prow, e_src, created, ids)
    if broken:
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
        e_child, prow, e_src, e_rel, e_rel_from = (
            a[keep] for a in (e_child, prow, e_src, e_rel, e_rel_from)
        )

    stub_authors = [s.split("/", 1)[0] if "/" in s else None for s in stub_ids]
    graph = LineageGraph(
        model_id=ids,
        author=pa.concat_arrays([table.author, pa.array(stub_authors, pa.string())]),
        stub=np.concatenate([np.zeros(n_models, bool), np.ones(len(stub_ids), bool)]),
        created_at=created,
        downloads=np.concatenate([table.downloads, np.zeros(len(stub_ids), np.int64)]),
        downloads_all_time=np.concatenate(
            [table.downloads_all_time, np.zeros(len(stub_ids), np.int64)]
        ),
        likes=np.concatenate([table.likes, np.zeros(len(stub_ids), np.int64)]),
        pipeline_tag=pa.concat_arrays([table.pipeline_tag, pa.nulls(len(stub_ids), pa.string())]),
        library_name=pa.concat_arrays([table.library_name, pa.nulls(len(stub_ids), pa.string())]),
        edge_child=e_child.astype(np.int64),
        edge_parent=prow.astype(np.int64),
        edge_relation=e_rel.astype(np.int8),
        edge_source=e_src.astype(np.int8),
        validation=report,
    )
    report.models = n_models
    report.stubs = len(stub_ids)
    report.roots = int(graph.is_root.sum())
    report.edges = len(e_child)
    report.max_depth = int(graph.depth.max()) if n else 0
    report.edges_by_source = Counter(
        {SOURCES[s]: int(c) for s, c in zip(*np.unique(e_src, return_counts=True), strict=True)}
    )
    report.edges_by_relation = Counter(
        {
            Relation(r).label: int(c)
            for r, c in zip(*np.unique(e_rel, return_counts=True), strict=True)
        }
    )
    report.relation_from = Counter(
        {
            (SOURCES[s] if s >= 0 else "none (unknown)"): int(c)
            for s, c in zip(*np.unique(e_rel_from, return_counts=True), strict=True)
        }
    )
    report.placeholder_created_at = int((table.created_at == PLACEHOLDER_CREATED_AT).sum())
    return graph


def _relation_codes(rel: pa.Array) -> np.ndarray:
    """Relation codes for an array of raw relation strings (-1 where none is stated)."""
    enc = pc.dictionary_encode(rel)
    lut = np.array(
        [-1 if (r := Relation.parse(v)) is None else int(r) for v in enc.dictionary.to_pylist()]
        + [-1],
        dtype=np.int64,
    )
    idx = np.asarray(
        pc.fill_null(enc.indices, len(enc.dictionary)).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    out: np.ndarray = lut[idx]
    return out


def _break_cycles(
    n: int,
    child: np.ndarray,
    parent: np.ndarray,
    src: np.ndarray,
    created: np.ndarray,
    ids: pa.Array,
) -> list[tuple[int, tuple[int, ...]]]:
    """Find cycles and choose the edges to remove, deterministically.

    Kahn's algorithm peels every node that is not on or below a cycle; the few left are
    handed to networkx. In each strongly connected component one edge is removed, chosen by:
    1. the least trusted source (card before tag before hub);
    2. the newest parent (a base model cannot be younger than its derivative; unknown dates
       count as newest);
    3. the largest (child id, parent id), compared lower-case.
    Repeat until no cycle is left. Returns (edge position, cycle members) pairs.
    """
    if len(child) == 0:
        return []
    remaining = _unpeeled(n, child, parent)
    if not remaining.any():
        return []
    sub = np.flatnonzero(remaining[child] & remaining[parent])
    g = nx.DiGraph()
    for pos in sub.tolist():
        g.add_edge(int(child[pos]), int(parent[pos]), pos=pos)
    lower = {v: str(ids[v]).lower() for v in g.nodes}
    far_future = np.datetime64("9999-12-31", "s")

    def key(pos: int) -> tuple[int, np.datetime64, str, str]:
        c, p = int(child[pos]), int(parent[pos])
        ts = created[p]
        return (int(src[pos]), far_future if np.isnat(ts) else ts, lower[c], lower[p])

    removed: list[tuple[int, tuple[int, ...]]] = []
    while True:
        comps = [c for c in nx.strongly_connected_components(g) if len(c) > 1]
        if not comps:
            return removed
        for comp in sorted(comps, key=lambda c: min(lower[v] for v in c)):
            sg = g.subgraph(comp)
            edges = [d["pos"] for _, _, d in sg.edges(data=True)]
            worst = max(edges, key=key)
            members = tuple(sorted(comp, key=lambda v: lower[v]))
            removed.append((worst, members))
            g.remove_edge(int(child[worst]), int(parent[worst]))


def _unpeeled(n: int, child: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Nodes Kahn's algorithm cannot order (on a cycle or derived from one)."""
    indeg = np.bincount(child, minlength=n)  # number of parents
    order = np.argsort(parent, kind="stable")
    ptr = np.searchsorted(parent[order], np.arange(n + 1))
    done = np.zeros(n, dtype=bool)
    frontier = np.flatnonzero(indeg == 0)
    while len(frontier):
        done[frontier] = True
        starts, ends = ptr[frontier], ptr[frontier + 1]
        lens = ends - starts
        if lens.sum() == 0:
            break
        pos = np.repeat(ends - lens.cumsum(), lens) + np.arange(lens.sum())
        kids = child[order[pos]]
        np.subtract.at(indeg, kids, 1)
        frontier = np.unique(kids[indeg[kids] == 0])
    return ~done
