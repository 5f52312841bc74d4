"""Compressed sparse rows (CSR): the graph's adjacency as two flat integer arrays.

Contract: a CSR of ``n`` nodes over some edges is ``(ptr, order)``: ``ptr`` has ``n + 1``
non-decreasing int64 entries starting at 0, and ``order[ptr[v]:ptr[v + 1]]`` are the
positions of node ``v``'s edges, in their original order. :func:`csr_of` builds one from
the node of every edge; :func:`csr_positions` reads the edges of many nodes at once.
"""

from __future__ import annotations

import numpy as np

from hflineage.loaders._sorting import stable_argsort

__all__ = ["csr_of", "csr_positions", "pointers"]


def pointers(counts: np.ndarray) -> np.ndarray:
    """CSR row pointers from per-node counts."""
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def csr_of(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(pointers, positions): positions grouped by key (a node < ``n``), in order per key."""
    return pointers(np.bincount(keys, minlength=n)), stable_argsort(keys)


def csr_positions(ptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into a CSR ``order``) of every neighbour of ``nodes``, and their counts.

    Positions come grouped by node, in ``nodes`` order: ``lens[i]`` of them for ``nodes[i]``.
    """
    starts, ends = ptr[nodes], ptr[nodes + 1]
    lens = ends - starts
    pos = np.repeat(ends - lens.cumsum(), lens) + np.arange(int(lens.sum()))
    return pos, lens
