"""Lineage questions about one model or one family."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph, Relation
from hflineage.loaders._sorting import reaching_top, sorted_unique
from hflineage.queries.choices import MergePolicy, as_policy
from hflineage.queries.neighbourhood import walk_levels

__all__ = [
    "FamilySummary",
    "LineageSummary",
    "ancestors_of",
    "descendants_of",
    "family_members",
    "family_summary",
    "lineage_of",
    "relation_mix",
    "roots_of",
]


def _walk(graph: LineageGraph, start: int, up: bool, max_depth: int | None = None) -> np.ndarray:
    """Breadth-first over parents (up) or children (down): nearest first."""
    levels = walk_levels(graph, start, up, max_depth)
    return np.concatenate(levels) if levels else np.zeros(0, dtype=np.int64)


def ancestors_of(graph: LineageGraph, model_id: str, max_depth: int | None = None) -> list[str]:
    """Every model this one derives from, nearest first."""
    return graph.ids_of(_walk(graph, graph.node(model_id), True, max_depth))


def descendants_of(graph: LineageGraph, model_id: str, max_depth: int | None = None) -> list[str]:
    """Every model derived from this one, nearest first."""
    return graph.ids_of(_walk(graph, graph.node(model_id), False, max_depth))


def roots_of(
    graph: LineageGraph, model_id: str, policy: MergePolicy = "split"
) -> list[tuple[str, float]]:
    """The roots a model credits and their weights under a merge policy."""
    policy = as_policy(policy)
    return _roots(graph, graph.node(model_id), policy)


def _roots(graph: LineageGraph, v: int, policy: MergePolicy) -> list[tuple[str, float]]:
    pairs = graph.root_sets(policy).roots_of(v)
    names = graph.ids_of([r for r, _ in pairs])
    return sorted(
        ((m, w) for m, (_, w) in zip(names, pairs, strict=True)),
        key=lambda x: (-x[1], x[0].lower()),
    )


def relation_mix(graph: LineageGraph, nodes: np.ndarray | None = None) -> dict[str, int]:
    """Count of edges by relation among edges whose child is in ``nodes`` (all by default)."""
    rel = graph.edge_relation
    if nodes is not None:
        mask = np.zeros(graph.n, dtype=bool)
        mask[nodes] = True
        rel = rel[mask[graph.edge_child]]
    counts = np.bincount(rel)  # relations are a few small codes
    return {Relation(r).label: c for r, c in enumerate(counts.tolist()) if c}


@dataclass
class LineageSummary:
    """What ``hf-lineage lineage MODEL_ID`` prints."""

    model_id: str
    stub: bool
    family: str
    org: str
    country: str
    depth: int
    parents: list[dict[str, str]]
    ancestors: list[str]
    roots: list[tuple[str, float]]
    descendants: int
    children: int
    descendant_relations: dict[str, int]
    descendant_downloads: int
    top_descendants: list[tuple[str, int]]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            **{k: v for k, v in self.__dict__.items() if k not in ("roots", "top_descendants")},
            "roots": [{"model_id": r, "weight": w} for r, w in self.roots],
            "top_descendants": [{"model_id": m, "downloads": d} for m, d in self.top_descendants],
        }


def lineage_of(
    graph: LineageGraph, model_id: str, policy: MergePolicy = "split", top: int = 10
) -> LineageSummary:
    """Ancestors, roots and a summary of descendants of one model."""
    v = graph.node(model_id)
    policy = as_policy(policy)
    desc = _walk(graph, v, False)
    anc = _walk(graph, v, True)
    edges = graph.parent_edges(v)
    parent_ids = graph.ids_of(graph.edge_parent[edges])
    parents = [
        {
            "model_id": pid,
            "relation": graph.relation_of(int(e)).label,
            "source": graph.source_of(int(e)),
        }
        for e, pid in zip(edges.tolist(), parent_ids, strict=True)
    ]
    dl = graph.downloads[desc]
    top_idx = desc[np.argsort(-dl, kind="stable")[:top]]
    return LineageSummary(
        model_id=graph.id_of(v),
        stub=bool(graph.stub[v]),
        family=graph.family_of(v),
        org=graph.org_of(v),
        country=graph.country_of(v),
        depth=int(graph.depth[v]),
        parents=parents,
        ancestors=graph.ids_of(anc),
        roots=_roots(graph, v, policy),
        descendants=len(desc),
        children=len(graph.children(v)),
        descendant_relations=relation_mix(graph, desc),
        descendant_downloads=int(dl.sum()),
        top_descendants=list(
            zip(graph.ids_of(top_idx), graph.downloads[top_idx].tolist(), strict=True)
        ),
    )


def family_members(graph: LineageGraph, family: str) -> np.ndarray:
    """Nodes whose first root belongs to ``family`` (case-insensitive name)."""
    codes, names = graph.family_codes
    lookup = {n.lower(): i for i, n in enumerate(names)}
    code = lookup.get(family.strip().lower())
    if code is None:
        raise QueryError(
            f"family {family!r} is not known; known families: {', '.join(sorted(names)[:60])}"
        )
    return np.flatnonzero(codes == code)


@dataclass
class FamilySummary:
    """What ``hf-lineage family NAME`` prints."""

    family: str
    members: int
    roots: list[tuple[str, int, int]]  # (root, descendants, downloads incl. root)
    stubs: int
    max_depth: int
    relations: dict[str, int]
    downloads: int
    downloads_all_time: int
    top_models: list[tuple[str, int]]
    uploader_orgs: list[tuple[str, int]]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "family": self.family,
            "members": self.members,
            "roots": [
                {"model_id": r, "descendants": d, "downloads": dl} for r, d, dl in self.roots
            ],
            "stubs": self.stubs,
            "max_depth": self.max_depth,
            "relations": self.relations,
            "downloads": self.downloads,
            "downloads_all_time": self.downloads_all_time,
            "top_models": [{"model_id": m, "downloads": d} for m, d in self.top_models],
            "uploader_orgs": [{"org": o, "models": c} for o, c in self.uploader_orgs],
        }


def family_summary(graph: LineageGraph, family: str, top: int = 10) -> FamilySummary:
    """Members, roots, depth, relation mix and top models of a family (``first`` policy)."""
    members = family_members(graph, family)
    dl = graph.downloads[members]
    top_idx = members[_largest_first(dl, top)]
    org_codes, org_names = graph.org_codes
    codes, names = graph.family_codes
    name = names[int(codes[members[0]])] if len(members) else family
    return FamilySummary(
        family=name,
        members=len(members),
        roots=_largest_roots(graph, graph.root_sets("first").of_node[members], dl, top),
        stubs=int(graph.stub[members].sum()),
        max_depth=int(graph.depth[members].max()) if len(members) else 0,
        relations=relation_mix(graph, members),
        downloads=int(dl.sum()),
        downloads_all_time=int(graph.downloads_all_time[members].sum()),
        top_models=list(zip(graph.ids_of(top_idx), graph.downloads[top_idx].tolist(), strict=True)),
        uploader_orgs=_most_common(org_codes[members], org_names, top),
    )


def _largest_roots(
    graph: LineageGraph, first_root: np.ndarray, downloads: np.ndarray, top: int
) -> list[tuple[str, int, int]]:
    """The ``top`` roots with the most members (first roots ``first_root``, with their
    ``downloads``): (root id, descendants, downloads incl. the root), most descendants
    first, then by id. Ids are looked up only for the roots that can make the cut.
    Members are counted over their distinct roots (one sort of the members' roots: counting
    by node number would fill two arrays as long as the whole graph, 40 MB at Hub scale)."""
    roots = sorted_unique(first_root)
    of_member = np.searchsorted(roots, first_root)
    counts = np.bincount(of_member, minlength=len(roots))
    root_downloads = np.bincount(of_member, weights=downloads, minlength=len(roots))
    # Every root tied with the top-th count, so ties sort by id.
    keep = reaching_top(counts, top) if top > 0 else np.arange(len(roots))
    rows = [
        (mid, c - 1, int(d))
        for mid, c, d in zip(
            graph.ids_of(roots[keep]),
            counts[keep].tolist(),
            root_downloads[keep].tolist(),
            strict=True,
        )
    ]
    return sorted(rows, key=lambda row: (-row[1], row[0]))[:top]


def _largest_first(values: np.ndarray, top: int) -> np.ndarray:
    """Positions of the ``top`` largest ``values``, largest first, equal values in order of
    position: ``np.argsort(-values, kind="stable")[:top]``, sorting only the values that
    reach the ``top``-th largest."""
    cand = reaching_top(values, top)
    out: np.ndarray = cand[np.argsort(-values[cand], kind="stable")[:top]]
    return out


def _most_common(codes: np.ndarray, names: Sequence[str], top: int) -> list[tuple[str, int]]:
    """The ``top`` most frequent codes' names and counts; equal counts in order of first
    appearance in ``codes`` (as ``collections.Counter.most_common``). Codes index
    ``names``, so they are counted by position; only the codes that reach the ``top``-th
    count are ordered."""
    if top <= 0:
        return []
    counts = np.bincount(codes, minlength=len(names))
    present = np.flatnonzero(counts)
    # Every code tied with the top-th count competes on first appearance.
    present = present[reaching_top(counts[present], top)]
    first = np.full(len(counts), len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    order = present[np.lexsort((first[present], -counts[present]))[:top]]
    pairs = zip(order.tolist(), counts[order].tolist(), strict=True)
    return [(names[code], count) for code, count in pairs]
