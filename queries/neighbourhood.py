"""The neighbourhood of one model, in graph nodes: ancestors with their edges, descendants
level by level, and children ranked by downloads. What an on-demand lineage view draws.

These answer in node numbers (not ids) so a caller can page, cap and fetch only the ids it
shows; :mod:`hflineage.queries.lineage` answers the same questions in ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hflineage.graph import LineageGraph
from hflineage.graph.lineage import csr_positions

__all__ = [
    "AncestorGraph",
    "ancestor_graph",
    "children_by_downloads",
    "descendant_levels",
    "walk_levels",
]


@dataclass(frozen=True)
class AncestorGraph:
    """A model's ancestors (nearest first) and the edges among them and the model.

    ``edges`` are edge positions (child -> parent) whose both ends are in ``nodes`` or are the
    model itself. ``truncated`` says the walk stopped at the cap before reaching every root.
    """

    nodes: np.ndarray
    edges: np.ndarray
    truncated: bool


def _next_level(
    ptr: np.ndarray, order: np.ndarray, other: np.ndarray, frontier: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Edge positions leaving ``frontier`` and the distinct nodes at their other end."""
    pos, _ = csr_positions(ptr, frontier)
    edges = order[pos]
    ends = np.sort(other[edges])  # a sort and a diff: faster than np.unique on big levels
    return edges, ends[np.concatenate((ends[:1] == ends[:1], ends[1:] != ends[:-1]))]


def ancestor_graph(graph: LineageGraph, node: int, cap: int = 400) -> AncestorGraph:
    """Every ancestor of ``node`` up to the roots (at most ``cap`` of them), with edges."""
    ptr, order = graph._parents_csr
    seen = np.zeros(graph.n, dtype=bool)
    seen[node] = True
    frontier = np.array([node], dtype=np.int64)
    found: list[np.ndarray] = []
    edges: list[np.ndarray] = []
    kept = 0
    truncated = False
    while len(frontier):
        level_edges, parents = _next_level(ptr, order, graph.edge_parent, frontier)
        edges.append(level_edges)
        new = parents[~seen[parents]]
        if kept + len(new) > cap:
            new = new[np.argsort(-graph.downloads[new], kind="stable")[: cap - kept]]
            truncated = True
        seen[new] = True
        found.append(new)
        kept += len(new)
        frontier = new
        if truncated:
            break
    nodes = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    all_edges = np.unique(np.concatenate(edges)) if edges else np.zeros(0, dtype=np.int64)
    inside = seen[graph.edge_child[all_edges]] & seen[graph.edge_parent[all_edges]]
    return AncestorGraph(nodes=nodes, edges=all_edges[inside], truncated=truncated)


def walk_levels(
    graph: LineageGraph, node: int, up: bool, max_depth: int | None = None
) -> list[np.ndarray]:
    """Ancestors (``up``) or descendants of ``node``, grouped by their shortest distance from
    it (level 1 first, each level sorted), at most ``max_depth`` levels."""
    ptr, order = graph._parents_csr if up else graph._children_csr
    other = graph.edge_parent if up else graph.edge_child
    seen = np.zeros(graph.n, dtype=bool)
    seen[node] = True
    frontier = np.array([node], dtype=np.int64)
    levels: list[np.ndarray] = []
    while len(frontier) and (max_depth is None or len(levels) < max_depth):
        _, ends = _next_level(ptr, order, other, frontier)
        new = ends[~seen[ends]]
        if not len(new):
            break
        seen[new] = True
        levels.append(new)
        frontier = new
    return levels


def descendant_levels(graph: LineageGraph, node: int) -> list[np.ndarray]:
    """Descendants of ``node`` grouped by their shortest distance from it (level 1 first)."""
    return walk_levels(graph, node, up=False)


def children_by_downloads(
    graph: LineageGraph, node: int, offset: int = 0, limit: int = 20
) -> tuple[np.ndarray, np.ndarray, int]:
    """One page of a node's children, most downloaded first (ties by node order).

    Returns:
        (children, their edge positions, number of children in all).
    """
    edges = graph.child_edges(node)
    kids = graph.edge_child[edges]
    ranked = np.lexsort((kids, -graph.downloads[kids]))[offset : offset + limit]
    return kids[ranked], edges[ranked], len(kids)
