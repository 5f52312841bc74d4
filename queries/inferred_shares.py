"""Inferred credit in reports: how much of each row reaches its key through inferred edges.

``report --infer`` adds inferred parents (:mod:`hflineage.graph.inference`) to the declared
ones; these functions say, per row and overall, how much of the attribution depends on them.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from hflineage.graph import LineageGraph
from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE
from hflineage.loaders.records import SOURCES
from hflineage.queries.attribution import credit_by_key, level_codes, metric_values
from hflineage.queries.choices import Level, MergePolicy, Metric, View, check_choices
from hflineage.queries.window import Window

__all__ = ["inferred_credit", "with_inferred_shares"]

_INFERRED = SOURCES.index("inferred")


def inferred_credit(
    graph: LineageGraph,
    *,
    by: Level,
    view: View,
    metric: Metric,
    policy: MergePolicy,
    window: Window | None = None,
) -> tuple[dict[str, float], float]:
    """Credit per key that flows through at least one inferred edge, and its total.

    A model's credit counts as inferred when any edge on its way to its roots is inferred
    (under ``split`` a merge with one inferred parent counts whole: an upper bound). In the
    uploader view lineage plays no part, so nothing is inferred.
    """
    view, policy, by = check_choices(view=view, policy=policy, by=by)
    window = window or Window()
    values = metric_values(graph, metric)
    mask, _ = window.mask(graph)
    if view != "lineage" or not (graph.edge_source == _INFERRED).any():
        return {}, 0.0
    dep = np.zeros(graph.n, dtype=bool)
    dep[graph.edge_child[graph.edge_source == _INFERRED]] = True
    # Propagate level by level: a parent always sits in an earlier level than its child.
    level = graph.depth[graph.edge_child]
    order = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[order], np.arange(1, int(level.max(initial=0)) + 2))
    for lo, hi in pairwise(bounds.tolist()):
        e = order[lo:hi]
        np.logical_or.at(dep, graph.edge_child[e], dep[graph.edge_parent[e]])
    codes, names = level_codes(graph, by)
    sel = mask & dep
    credit, _ = credit_by_key(graph, values, sel, codes, len(names), policy)
    out = {names[i]: float(credit[i]) for i in np.flatnonzero(credit > 0).tolist()}
    return out, float(values[sel].sum())


def with_inferred_shares(
    payload: dict[str, Any],
    graph: LineageGraph,
    *,
    by: Level,
    view: View,
    metric: Metric,
    policy: MergePolicy,
    window: Window | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> dict[str, Any]:
    """An attribution payload (``Attribution.as_dict()``) with inferred credit stated.

    Every row gains ``inferred_share`` (percentage points of the denominator: the part of the
    row's ``share`` that reaches it through inferred edges) and ``meta`` gains ``inferred``.
    """
    meta = dict(payload.get("meta", {}))
    credit, total = inferred_credit(
        graph, by=by, view=view, metric=metric, policy=policy, window=window
    )
    denominator = float(meta.get("denominator", 0.0) or 0.0)
    scale = 100.0 / denominator if denominator else 0.0
    rows = []
    for row in payload.get("rows", []):
        r = dict(row)
        r["inferred_share"] = credit.get(str(r["key"]), 0.0) * scale
        rows.append(r)
    n_edges = int((graph.edge_source == _INFERRED).sum())
    meta["inferred"] = {
        "min_confidence": min_confidence,
        "edges": n_edges,
        "models_with_inferred_parents": len(
            np.unique(graph.edge_child[graph.edge_source == _INFERRED])
        ),
        "value": total,
        "share_of_denominator": total * scale,
        "description": (
            f"inferred lineage (confidence >= {min_confidence:g}): {n_edges:,} edges; "
            f"{total * scale:.2f}% of the denominator reaches its key through an inferred edge"
            if view == "lineage"
            else "inferred lineage is loaded but the uploader view does not use lineage"
        ),
    }
    return {**payload, "rows": rows, "meta": meta}
