"""The JSON answers of ``hf-lineage serve``: plain dicts built from the graph, no web types.

Every id and Hub string goes out as JSON data; the page puts them into the document as text
only, never as markup.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hflineage.explorer.serve.search import SearchIndex
from hflineage.explorer.site.page import hub_url
from hflineage.graph import LineageGraph
from hflineage.queries import attribute
from hflineage.queries.choices import as_level, as_metric, as_view
from hflineage.queries.lineage import relation_mix
from hflineage.queries.neighbourhood import (
    ancestor_graph,
    children_by_downloads,
    descendant_levels,
)

__all__ = [
    "MAX_ANCESTORS",
    "MAX_CHILDREN",
    "builds_on_payload",
    "children_payload",
    "lineage_payload",
    "report_payload",
    "search_payload",
    "warm_up",
]

#: Most ancestors one lineage answer lists (the most downloaded are kept beyond).
MAX_ANCESTORS = 400
#: Most children one answer lists (page through the rest with offset).
MAX_CHILDREN = 100
#: Most descendants listed among the top ones.
TOP_DESCENDANTS = 10


def _column(values: Any, node: int) -> str | None:
    value = values[node].as_py()
    return None if value is None else str(value)


def warm_up(graph: LineageGraph) -> None:
    """Work out now what the first lineage answer would otherwise wait for: id fingerprints,
    depths, split root sets, families and countries (computed once per graph)."""
    if graph.n:
        graph.root_sets("split")
        node_card(graph, graph.node(graph.id_of(0)))


def node_card(graph: LineageGraph, node: int) -> dict[str, Any]:
    """What the page shows about one node (ids, metrics, family and country)."""
    model_id = graph.id_of(node)
    created = graph.created_at[node]
    return {
        "model_id": model_id,
        "hub_url": hub_url(model_id),
        "stub": bool(graph.stub[node]),
        "author": _column(graph.author, node),
        "pipeline_tag": _column(graph.pipeline_tag, node),
        "library_name": _column(graph.library_name, node),
        "created_at": None if np.isnat(created) else str(created),
        "downloads": int(graph.downloads[node]),
        "downloads_all_time": int(graph.downloads_all_time[node]),
        "likes": int(graph.likes[node]),
        "family": graph.family_of(node),
        "country": graph.country_of(node),
        "depth": int(graph.depth[node]),
        "children": len(graph.child_edges(node)),
        "parents": len(graph.parent_edges(node)),
    }


def _short_card(graph: LineageGraph, node: int) -> dict[str, Any]:
    return {
        "model_id": graph.id_of(node),
        "downloads": int(graph.downloads[node]),
        "stub": bool(graph.stub[node]),
        "depth": int(graph.depth[node]),
        "children": len(graph.child_edges(node)),
    }


def _edge(graph: LineageGraph, edge: int) -> dict[str, Any]:
    return {
        "child": graph.id_of(int(graph.edge_child[edge])),
        "parent": graph.id_of(int(graph.edge_parent[edge])),
        "relation": graph.relation_of(edge).label,
        "source": graph.source_of(edge),
    }


def search_payload(
    graph: LineageGraph, index: SearchIndex, text: str, offset: int, limit: int
) -> dict[str, Any]:
    """``GET /api/search``: one page of ranked matches."""
    page = index.search(text, offset, limit)
    return {
        "query": text,
        "offset": offset,
        "limit": limit,
        "more": page.more,
        "results": [
            {**_short_card(graph, node), "match": match}
            for node, match in zip(page.nodes, page.matches, strict=True)
        ],
    }


def lineage_payload(graph: LineageGraph, model_id: str, children: int = 12) -> dict[str, Any]:
    """``GET /api/lineage/{model_id}``: ancestors to the roots, roots with their split
    weights, a summary of the descendants and the first page of children.

    Raises:
        ModelNotFound: the id is not in the graph.
    """
    node = graph.node(model_id)
    ancestors = ancestor_graph(graph, node, MAX_ANCESTORS)
    levels = descendant_levels(graph, node)
    every = np.concatenate(levels) if levels else np.zeros(0, dtype=np.int64)
    relations = relation_mix(graph, every) if len(every) else {}
    roots = graph.root_sets("split").roots_of(node)
    root_ids = graph.ids_of([r for r, _ in roots])
    top = every[np.lexsort((every, -graph.downloads[every]))[:TOP_DESCENDANTS]]
    return {
        "model": node_card(graph, node),
        "ancestors": {
            "models": [_short_card(graph, int(v)) for v in ancestors.nodes],
            "edges": [_edge(graph, int(e)) for e in ancestors.edges],
            "truncated": ancestors.truncated,
        },
        "roots": sorted(
            ({"model_id": r, "weight": w} for r, (_, w) in zip(root_ids, roots, strict=True)),
            key=lambda x: (-x["weight"], x["model_id"].lower()),
        ),
        "descendants": {
            "total": len(every),
            "downloads": int(graph.downloads[every].sum()),
            "edges_by_relation": relations,  # edges into descendants (a merge has several)
            "by_depth": {str(k + 1): len(level) for k, level in enumerate(levels)},
            "top": [_short_card(graph, int(v)) for v in top],
        },
        "children": _children_page(graph, node, 0, children),
    }


def children_payload(graph: LineageGraph, model_id: str, offset: int, limit: int) -> dict[str, Any]:
    """``GET /api/children/{model_id}``: one page of children, most downloaded first."""
    return _children_page(graph, graph.node(model_id), offset, limit)


def _children_page(graph: LineageGraph, node: int, offset: int, limit: int) -> dict[str, Any]:
    kids, edges, total = children_by_downloads(graph, node, offset, min(limit, MAX_CHILDREN))
    return {
        "model_id": graph.id_of(node),
        "offset": offset,
        "total": total,
        "children": [
            {**_short_card(graph, int(v)), "relation": graph.relation_of(int(e)).label}
            for v, e in zip(kids.tolist(), edges.tolist(), strict=True)
        ],
    }


def report_payload(graph: LineageGraph, by: str, view: str, metric: str) -> dict[str, Any]:
    """``GET /api/report``: attribution rows and their meta (as ``hf-lineage report``)."""
    level, chosen_view, chosen_metric = as_level(by), as_view(view), as_metric(metric)
    attribution = attribute(graph, by=level, view=chosen_view, metric=chosen_metric, top=15)
    shown: dict[str, Any] = attribution.as_dict()
    return shown


def builds_on_payload(graph: LineageGraph, metric: str) -> dict[str, Any]:
    """``GET /api/builds-on``: uploader country x roots' country (as ``hf-lineage builds-on``)."""
    from hflineage.queries.crossing import builds_on

    payload: dict[str, Any] = builds_on(graph, metric=as_metric(metric)).as_dict()
    return payload
