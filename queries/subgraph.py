"""What a family view draws: a part of the lineage graph, collapsed and capped to stay usable.

The biggest families have tens of thousands of members, most of them quantizations and
adapters that nobody derives from. :func:`build_subgraph_view` therefore

1. collapses such leaves into one count node per (parent, relation) ("37 quantized");
2. ranks what is left by the downloads of its whole subtree and draws the best ``cap``
   nodes; the rest become one "+N more" node under their nearest drawn ancestor;
3. lays the result out in Python (:mod:`hflineage.explorer.site.layout`), so the browser
   runs no physics simulation.

Layout and cap work on a spanning tree: each model hangs under its first listed parent
inside the view. Other parent edges inside the view are drawn when both ends are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hflineage.graph import LineageGraph, Relation
from hflineage.graph._csr import csr_positions

__all__ = ["DrawnNode", "SubgraphView", "ViewStats", "build_subgraph_view"]

COLLAPSIBLE = (Relation.QUANTIZED, Relation.ADAPTER)
MODEL, STUB, GROUP, MORE = "model", "stub", "group", "more"
_LABELS = {int(r): r.label for r in Relation}  # relation code -> label (-1: a tree top)


@dataclass
class DrawnNode:
    """One node on the page: a model, a stub, a group of collapsed leaves or a "+N more"."""

    key: int
    kind: str
    node: int  # graph node for models and stubs, -1 otherwise
    parent: int  # key of the drawn tree parent, -1 at the top
    relation: str  # relation to the tree parent ("root" at the top)
    edge: int  # graph edge to the tree parent, -1 when none
    models: int  # models this node stands for
    downloads: int  # their 30-day downloads
    depth: int
    members: list[int] = field(default_factory=list)  # graph nodes, largest first (groups)


@dataclass(frozen=True)
class ViewStats:
    """What a view holds, what it draws and what it collapsed or left out.

    Every member is either drawn as a model (``drawn_models``), inside a drawn count node
    (``collapsed_models``) or inside a "+N more" node (``hidden_models``).
    """

    members: int
    stubs: int
    cap: int
    collapse: bool
    collapse_min: int
    drawn_nodes: int
    drawn_models: int
    groups: int
    collapsed_models: int
    collapsed_by_relation: dict[str, int]
    more_nodes: int
    hidden_models: int
    edges_in_view: int
    edges_drawn: int
    max_depth: int


@dataclass
class SubgraphView:
    """The drawn nodes and edges, where every member ended up, and what was left out."""

    title: str
    nodes: list[DrawnNode]
    edges: list[tuple[int, int, int, str]]  # (parent key, child key, graph edge or -1, relation)
    where: dict[int, int]  # every member's graph node -> key of the node that shows it
    stats: ViewStats


def _view_edges(
    graph: LineageGraph, members: np.ndarray, inset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The derivation edges between members (ascending), and for every member (sorted) its
    first declared parent edge inside the view (-1 when none).

    Only the members' own parent edges are read: a view holds a few percent of the graph,
    and passes over every edge of the Hub were most of a view's time.
    """
    ptr, order = graph._parents_csr  # edges grouped by child, in declared parent order
    positions, counts = csr_positions(ptr, members)
    edges = order[positions]
    child_at = np.repeat(np.arange(len(members)), counts)  # the child's place in members
    inside = inset[graph.edge_parent[edges]]
    edges, child_at = edges[inside], child_at[inside]
    first = np.ones(len(edges), dtype=bool)
    first[1:] = child_at[1:] != child_at[:-1]
    tree = np.full(len(members), -1, dtype=np.int64)
    tree[child_at[first]] = edges[first]
    return np.sort(edges), tree


def _sorted_unique(nodes: np.ndarray) -> np.ndarray:
    """``np.unique(nodes)``, at the cost of one comparison when they already are (as family
    members and subtrees come)."""
    if len(nodes) < 2 or bool((nodes[1:] > nodes[:-1]).all()):
        return nodes
    return np.unique(nodes)


def _edge_values(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``values[edges]`` as int64, -1 where the edge is -1 (also when there are no edges)."""
    out = np.full(len(edges), -1, dtype=np.int64)
    has = edges >= 0
    out[has] = values[edges[has]]
    return out


def _by_level(level: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by level value, lowest level first."""
    order = np.argsort(level, kind="stable")
    bounds = np.flatnonzero(np.diff(level[order])) + 1
    return [g for g in np.split(order, bounds) if len(g)]


def build_subgraph_view(
    graph: LineageGraph,
    members: np.ndarray,
    title: str,
    cap: int = 1000,
    collapse: bool = True,
    collapse_min: int = 2,
) -> SubgraphView:
    """Choose what to draw of ``members`` (graph nodes): collapse leaves, rank, cap.

    Args:
        graph: the lineage graph.
        members: the nodes of the family or subtree.
        title: a label for the page (not escaped here).
        cap: most nodes drawn, count nodes included (at least 10).
        collapse: collapse quantized and adapter leaves into count nodes.
        collapse_min: smallest group of such siblings that is collapsed.
    """
    cap = max(10, cap)
    members = _sorted_unique(np.asarray(members, dtype=np.int64))
    inset = np.zeros(graph.n, dtype=bool)
    inset[members] = True
    e_in, te = _view_edges(graph, members, inset)
    # Where each member is in ``members``, so that per-node arrays are member-sized. Only
    # the members' entries are written (and ever read): the rest of the graph-sized array
    # is never touched.
    place = np.empty(graph.n, dtype=np.int64)
    place[members] = np.arange(len(members))

    def at(nodes: np.ndarray) -> np.ndarray:
        """Where member nodes are in ``members``."""
        found: np.ndarray = place[nodes]
        return found

    kids = np.bincount(at(graph.edge_parent[e_in]), minlength=len(members))
    downloads = graph.downloads
    t_parent = _edge_values(graph.edge_parent, te)
    t_rel = _edge_values(graph.edge_relation, te)

    # 1. Units: models, and groups of collapsed leaves keyed by (parent, relation).
    grouped = np.zeros(len(members), dtype=bool)
    g_key = np.zeros(len(members), dtype=np.int64)
    if collapse and len(members):
        leafy = (kids == 0) & ~graph.stub[members] & np.isin(t_rel, list(COLLAPSIBLE))
        g_key = t_parent * 8 + np.maximum(t_rel, 0)
        _, inv, counts = np.unique(
            np.where(leafy, g_key, -1), return_inverse=True, return_counts=True
        )
        grouped = leafy & (counts[inv] >= collapse_min)
    singles = members[~grouped]
    g_keys, g_inv = np.unique(g_key[grouped], return_inverse=True)
    n_single, n_groups = len(singles), len(g_keys)
    n_units = n_single + n_groups
    m_unit = np.empty(len(members), dtype=np.int64)  # the unit of every member
    m_unit[~grouped] = np.arange(n_single)
    m_unit[grouped] = n_single + g_inv
    u_node = np.concatenate([singles, np.full(n_groups, -1, np.int64)])
    u_parent_node = np.concatenate([t_parent[~grouped], g_keys // 8])
    u_rel = np.concatenate([t_rel[~grouped], g_keys % 8])
    u_edge = np.concatenate([te[~grouped], np.full(n_groups, -1, np.int64)])
    u_parent = np.full(n_units, -1, dtype=np.int64)
    has_parent = u_parent_node >= 0
    u_parent[has_parent] = m_unit[at(u_parent_node[has_parent])]
    own_dl = np.bincount(m_unit, weights=downloads[members], minlength=n_units).astype(np.int64)
    own_models = np.bincount(m_unit, minlength=n_units).astype(np.int64)
    g_members: list[list[int]] = []
    if n_groups:
        gm = members[grouped]
        order = np.lexsort((-downloads[gm], g_inv))
        cuts = np.flatnonzero(np.diff(g_inv[order])) + 1
        g_members = [x.tolist() for x in np.split(gm[order], cuts)]

    # 2. Tree depth, subtree downloads and sizes, level by level (a parent always sits in
    #    an earlier graph level than its children, so levels are a topological order).
    gdepth = graph.depth
    level = np.where(
        u_node >= 0, gdepth[np.maximum(u_node, 0)], gdepth[np.maximum(u_parent_node, 0)] + 1
    )
    levels = _by_level(level)
    depth = np.zeros(n_units, dtype=np.int64)
    for us in levels:
        p = u_parent[us]
        depth[us] = np.where(p >= 0, depth[np.maximum(p, 0)] + 1, 0)
    score = own_dl.copy()
    size = own_models.copy()
    for us in reversed(levels):
        p = u_parent[us]
        has = p >= 0
        np.add.at(score, p[has], score[us[has]])
        np.add.at(size, p[has], size[us[has]])

    # 3. Keep the best units. Subtree downloads never grow going down the tree and ties go
    #    to the shallower unit, so every prefix of this ranking is ancestor-closed.
    rank = np.lexsort((np.arange(n_units), depth, -score))

    max_more = max(1, cap // 10)  # "+N more" nodes; the rest share one top-level node

    def select(k: int) -> tuple[np.ndarray, np.ndarray]:
        kept = np.zeros(n_units, dtype=bool)
        kept[rank[:k]] = True
        frontier = ~kept & ((u_parent < 0) | kept[np.maximum(u_parent, 0)])
        return kept, np.flatnonzero(frontier)

    def n_more(frontier: np.ndarray) -> int:
        # Distinct parents (-1: none) by marking them: the search below asks a dozen times,
        # and hashing a frontier of thousands each time cost more than the rest.
        seen = np.zeros(n_units + 1, dtype=bool)
        seen[u_parent[frontier] + 1] = True
        parents = int(np.count_nonzero(seen))
        return parents if parents <= max_more else max_more + 1

    lo, hi = 1, min(cap, n_units)
    best = lo
    while lo <= hi:  # the largest k whose kept units plus "more" nodes fit the cap
        mid = (lo + hi) // 2
        _, fr = select(mid)
        if mid + n_more(fr) <= cap:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    kept, frontier = select(best if n_units else 0)

    # 4. Drawn nodes, in ranking order, then one "+N more" node per parent of hidden units.
    key_of = np.full(n_units, -1, dtype=np.int64)
    kept_rank = rank[kept[rank]]
    key_of[kept_rank] = np.arange(len(kept_rank))
    # The kept units' columns as Python values, taken together rather than one at a time.
    k_parent, k_node = u_parent[kept_rank], u_node[kept_rank]
    parent_key = np.where(k_parent >= 0, key_of[np.maximum(k_parent, 0)], -1).tolist()
    is_stub = (graph.stub[np.maximum(k_node, 0)] & (k_node >= 0)).tolist()
    relation = [_LABELS.get(r, "root") for r in u_rel[kept_rank].tolist()]
    k_edge, k_models = u_edge[kept_rank].tolist(), own_models[kept_rank].tolist()
    k_dl, k_depth = own_dl[kept_rank].tolist(), depth[kept_rank].tolist()
    nodes: list[DrawnNode] = []
    for i, (u, v) in enumerate(zip(kept_rank.tolist(), k_node.tolist(), strict=True)):
        is_group = u >= n_single
        nodes.append(
            DrawnNode(
                key=i,
                kind=GROUP if is_group else (STUB if is_stub[i] else MODEL),
                node=v,
                parent=parent_key[i],
                relation=relation[i],
                edge=k_edge[i],
                models=k_models[i],
                downloads=k_dl[i],
                depth=k_depth[i],
                members=g_members[u - n_single] if is_group else [],
            )
        )
    more_parent = u_parent[frontier]
    m_keys, m_inv = np.unique(more_parent, return_inverse=True)
    m_models = np.bincount(m_inv, weights=size[frontier], minlength=len(m_keys)).astype(int)
    m_dl = np.bincount(m_inv, weights=score[frontier], minlength=len(m_keys)).astype(int)
    order = np.lexsort((m_keys, -m_dl)).tolist()
    entries = [(int(m_keys[j]), int(m_models[j]), int(m_dl[j])) for j in order]
    if len(entries) > max_more:  # the rest, and hidden roots, share one top-level node
        own = [e for e in entries[:max_more] if e[0] >= 0]
        spill = [e for e in entries if e not in own]
        entries = [*own, (-1, sum(e[1] for e in spill), sum(e[2] for e in spill))]
    more_key = np.full(n_units + 1, -1, dtype=np.int64)  # index p + 1 (0: no parent)
    for p, n_models, n_dl in entries:
        more_key[p + 1] = len(nodes)
        nodes.append(
            DrawnNode(
                key=len(nodes),
                kind=MORE,
                node=-1,
                parent=int(key_of[p]) if p >= 0 else -1,
                relation="more",
                edge=-1,
                models=n_models,
                downloads=n_dl,
                depth=int(depth[p]) + 1 if p >= 0 else 0,
            )
        )
    more_key[m_keys[more_key[m_keys + 1] < 0] + 1] = more_key[0]  # spilled parents

    # 5. Where every member is shown (the search box uses this).
    shown = np.full(n_units, -1, dtype=np.int64)
    for us in levels:
        p = u_parent[us]
        via_more = more_key[p + 1]
        inherit = np.where(p >= 0, shown[np.maximum(p, 0)], -1)
        parent_kept = (p < 0) | kept[np.maximum(p, 0)]
        shown[us] = np.where(kept[us], key_of[us], np.where(parent_kept, via_more, inherit))
    where = dict(zip(members.tolist(), shown[m_unit].tolist(), strict=True))

    # 6. Edges: every in-view edge between two drawn models, plus group and "more" links.
    drawn_key = np.full(len(members), -1, dtype=np.int64)  # by place in members
    models = [d for d in nodes if d.node >= 0]
    drawn_key[at(np.array([d.node for d in models], dtype=np.int64))] = [d.key for d in models]
    ck, pk = drawn_key[at(graph.edge_child[e_in])], drawn_key[at(graph.edge_parent[e_in])]
    ok = (ck >= 0) & (pk >= 0)
    drawn_edges = e_in[ok]
    edge_labels = [_LABELS[r] for r in graph.edge_relation[drawn_edges].tolist()]
    edges: list[tuple[int, int, int, str]] = list(
        zip(pk[ok].tolist(), ck[ok].tolist(), drawn_edges.tolist(), edge_labels, strict=True)
    )
    edges += [
        (d.parent, d.key, -1, d.relation)
        for d in nodes
        if d.kind in (GROUP, MORE) and d.parent >= 0
    ]

    by_rel: dict[str, int] = {}
    for d in nodes:
        if d.kind == GROUP:
            by_rel[d.relation] = by_rel.get(d.relation, 0) + d.models
    stats = ViewStats(
        members=len(members),
        stubs=int(graph.stub[members].sum()),
        cap=cap,
        collapse=collapse,
        collapse_min=collapse_min,
        drawn_nodes=len(nodes),
        drawn_models=sum(1 for d in nodes if d.kind in (MODEL, STUB)),
        groups=sum(1 for d in nodes if d.kind == GROUP),
        collapsed_models=sum(by_rel.values()),
        collapsed_by_relation=by_rel,
        more_nodes=sum(1 for d in nodes if d.kind == MORE),
        hidden_models=sum(d.models for d in nodes if d.kind == MORE),
        edges_in_view=len(e_in),
        edges_drawn=sum(1 for e in edges if e[2] >= 0),
        max_depth=int(depth.max()) if n_units else 0,
    )
    return SubgraphView(title=title, nodes=nodes, edges=edges, where=where, stats=stats)
