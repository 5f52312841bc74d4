"""Ordering the graph: depths by Kahn's algorithm, cycles by Tarjan's, over edge arrays.

Contract:

* Nodes are ``0 .. n-1``; edges are two int64 arrays, ``child[e] -> parent[e]`` (derived
  to base). Nothing here reads ids except :func:`cycle_breaking_edges`, for its tie-break.
* :class:`KahnOrder` peels the graph from its roots, a wave at a time. Afterwards
  ``depth[v]`` is the longest number of steps from ``v`` up to a root (roots 0), for every
  node not ``unpeeled`` (on a cycle or below one); ``children_csr`` is the CSR
  (``graph._csr``) of every node's child edges. :meth:`KahnOrder.drop_edges` removes
  edges (those that break the cycles), finishes the order and renumbers the edges.
* :func:`cycle_breaking_edges` chooses, deterministically, the edges whose removal leaves
  no cycle, searching only the unpeeled nodes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hflineage.graph._csr import csr_positions, pointers
from hflineage.loaders._sorting import sorted_unique, stable_argsort

__all__ = ["KahnOrder", "cycle_breaking_edges", "strong_components"]


class KahnOrder:
    """Kahn's algorithm over edge arrays: every node's depth, and the nodes it cannot order.

    Runs wave by wave in numpy, touching only nodes that have children. When cycles are
    broken (:meth:`drop_edges`), it resumes from where it stopped instead of starting again.
    """

    def __init__(self, n: int, child: np.ndarray, parent: np.ndarray) -> None:
        self.child = child
        self.parent = parent
        #: edges still in the graph, while :meth:`drop_edges` resumes (None: all of them)
        self.alive: np.ndarray | None = None
        self.n_parents = np.bincount(child, minlength=n)
        #: parents of each node not ordered yet
        self.waiting = self.n_parents.copy()
        n_children = np.bincount(parent, minlength=n)
        self.ptr = pointers(n_children)
        self.order = stable_argsort(parent)
        self.depth = np.zeros(n, dtype=np.int32)
        # one byte a node for the two questions every wave asks of the nodes it readies
        self._has_children = n_children > 0
        self._several_parents = self.n_parents > 1
        self._run(np.flatnonzero((self.waiting == 0) & self._has_children))

    @property
    def unpeeled(self) -> np.ndarray:
        """Nodes Kahn's algorithm cannot order (on a cycle or derived from one)."""
        out: np.ndarray = self.waiting > 0
        return out

    @property
    def children_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """(pointers, edge positions) of every node's child edges."""
        return self.ptr, self.order

    def _run(self, frontier: np.ndarray) -> None:
        """Order the nodes below ``frontier`` (ordered nodes that have children)."""
        # The first run starts from the roots: a node is ready one wave after its deepest
        # parent, so the wave number is its depth. A run resumed after cycle breaking starts
        # from nodes of any depth, and takes the maximum over the parents instead.
        depth_is_wave = self.alive is None
        wave = 0
        while len(frontier):
            pos, _ = csr_positions(self.ptr, frontier)
            if not len(pos):
                return
            edges = self.order[pos]
            if self.alive is not None:
                edges = edges[self.alive[edges]]
            kids = self.child[edges]
            if not depth_is_wave:
                np.maximum.at(self.depth, kids, self.depth[self.parent[edges]] + 1)
            np.subtract.at(self.waiting, kids, 1)
            ready = kids[self.waiting[kids] == 0]
            # A node appears once per parent of it in the wave: only nodes with several
            # parents can repeat (in no particular order, which nothing here depends on).
            several = self._several_parents[ready]
            if several.any():
                ready = np.concatenate([ready[~several], sorted_unique(ready[several])])
            wave += 1
            if depth_is_wave:
                self.depth[ready] = wave
            frontier = ready[self._has_children[ready]]

    def drop_edges(self, keep: np.ndarray) -> None:
        """Remove the edges where ``keep`` is False, finish the order, renumber the edges."""
        stuck = self.unpeeled
        gone = np.flatnonzero(~keep)
        np.subtract.at(self.waiting, self.child[gone], 1)
        np.subtract.at(self.n_parents, self.child[gone], 1)
        self._several_parents = self.n_parents > 1
        # The depth the first run left out: stuck nodes below ordered parents.
        below = np.flatnonzero(stuck[self.child] & ~stuck[self.parent])
        np.maximum.at(self.depth, self.child[below], self.depth[self.parent[below]] + 1)
        self.alive = keep
        ready = np.flatnonzero(stuck & (self.waiting == 0))
        self._run(ready[self._has_children[ready]])
        if self.unpeeled.any():  # cannot happen: every cycle lost an edge
            raise RuntimeError("cycles remain after cycle breaking")
        new_position = np.cumsum(keep) - 1
        self.order = new_position[self.order[keep[self.order]]]
        self.ptr = pointers(np.bincount(self.parent[keep], minlength=len(self.depth)))
        self.child, self.parent, self.alive = self.child[keep], self.parent[keep], None


def cycle_breaking_edges(
    child: np.ndarray,
    parent: np.ndarray,
    source: np.ndarray,
    created: np.ndarray,
    ids: pa.Array,
    unpeeled: np.ndarray,
) -> list[tuple[int, tuple[int, ...]]]:
    """Choose the edges to remove so that no cycle is left, deterministically.

    Kahn's algorithm (:class:`KahnOrder`) has peeled every node that is not on or below a
    cycle; only the few left (``unpeeled``) are searched for strongly connected components.
    In each component one edge is removed, chosen by:
    1. the least trusted source (the highest ``source`` code: card after tag after hub);
    2. the newest parent (a base model cannot be younger than its derivative; unknown dates
       count as newest);
    3. the largest (child id, parent id), compared lower-case.
    Repeat until no cycle is left. Returns (edge position, cycle members) pairs, members in
    order of their lower-case id.
    """
    inside = np.flatnonzero(unpeeled[child] & unpeeled[parent])
    adjacency: dict[int, dict[int, int]] = {}  # node -> {parent: edge position}
    for pos, c, p in zip(
        inside.tolist(), child[inside].tolist(), parent[inside].tolist(), strict=True
    ):
        adjacency.setdefault(c, {})[p] = pos
        adjacency.setdefault(p, {})
    lower = {v: str(ids[v]).lower() for v in adjacency}
    far_future = np.datetime64("9999-12-31", "s")

    def least_wanted(pos: int) -> tuple[int, np.datetime64, str, str]:
        c, p = int(child[pos]), int(parent[pos])
        created_p = created[p]
        return (
            int(source[pos]),
            far_future if np.isnat(created_p) else created_p,
            lower[c],
            lower[p],
        )

    removed: list[tuple[int, tuple[int, ...]]] = []
    while True:
        cycles = [c for c in strong_components(adjacency) if len(c) > 1]
        if not cycles:
            return removed
        for members in sorted(cycles, key=lambda c: min(lower[v] for v in c)):
            on_cycle = set(members)
            edges = [pos for v in members for w, pos in adjacency[v].items() if w in on_cycle]
            worst = max(edges, key=least_wanted)
            removed.append((worst, tuple(sorted(members, key=lambda v: lower[v]))))
            del adjacency[int(child[worst])][int(parent[worst])]


def strong_components(adjacency: dict[int, dict[int, int]]) -> list[list[int]]:
    """Strongly connected components (Tarjan's algorithm, iterative: no recursion limit).

    ``adjacency`` maps every node to its successors (the keys of its inner dict); every
    successor is itself a key.
    """
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    for root in adjacency:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(adjacency[root]))]
        while work:
            v, successors = work[-1]
            for w in successors:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(adjacency[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    component: list[int] = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    out.append(component)
    return out
