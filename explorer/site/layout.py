"""Tree layouts computed in Python, so the browser draws at once instead of simulating.

Both layouts place the leaves of the drawn spanning tree in depth-first order (largest
subtree first) and put every inner node over the middle of its leaves: ``layered`` in rows
by depth (the hierarchical view), ``radial`` on rings around the root(s).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hflineage.queries.subgraph import DrawnNode

__all__ = ["layered_layout", "leaf_slots", "radial_layout"]

Positions = list[tuple[float, float]]


def leaf_slots(nodes: Sequence[DrawnNode]) -> tuple[list[float], list[int], int]:
    """Horizontal slot of every node, its ring (depth below a shared top), and slot count.

    Leaves take consecutive slots in depth-first order; a parent sits at the middle of its
    first and last child.
    """
    n = len(nodes)
    children: list[list[int]] = [[] for _ in range(n)]
    tops: list[int] = []
    for d in nodes:
        (children[d.parent] if d.parent >= 0 else tops).append(d.key)
    slot = [0.0] * n
    ring = [0] * n
    next_slot = 0
    # Iterative post-order walk (trees can be thousands deep in principle).
    stack: list[tuple[int, int, bool]] = [(t, 0, False) for t in reversed(tops)]
    while stack:
        v, r, done = stack.pop()
        if done:
            kids = children[v]
            slot[v] = (slot[kids[0]] + slot[kids[-1]]) / 2
            continue
        ring[v] = r
        if not children[v]:
            slot[v] = float(next_slot)
            next_slot += 1
            continue
        stack.append((v, r, True))
        stack.extend((c, r + 1, False) for c in reversed(children[v]))
    return slot, ring, max(next_slot, 1)


def layered_layout(nodes: Sequence[DrawnNode], dx: float = 46.0, dy: float = 170.0) -> Positions:
    """Rows by depth, leaves side by side (the hierarchical view).

    Rows are spread further apart when the tree is much wider than deep, so the picture
    keeps an aspect ratio of about 2:1 instead of becoming a flat line.
    """
    slot, ring, slots = leaf_slots(nodes)
    rows = max(ring, default=0) + 1
    dy = max(dy, slots * dx / (2.0 * rows))
    return [(s * dx, r * dy) for s, r in zip(slot, ring, strict=True)]


def radial_layout(
    nodes: Sequence[DrawnNode], spacing: float = 18.0, min_step: float = 90.0
) -> Positions:
    """Rings around the root: depth picks the ring, leaf order sets the angle.

    Each ring is at least ``min_step`` outside the previous one and large enough for its
    nodes to sit ``spacing`` apart if they were spread evenly.
    """
    slot, ring, slots = leaf_slots(nodes)
    tops = sum(1 for d in nodes if d.parent < 0)
    shift = 0 if tops == 1 else 1  # several roots sit on a ring around an empty centre
    rings = [r + shift for r in ring]
    counts = [0] * (max(rings, default=0) + 1)
    for r in rings:
        counts[r] += 1
    radius = [0.0] * len(counts)
    for k in range(1, len(counts)):
        radius[k] = max(radius[k - 1] + min_step, counts[k] * spacing / (2 * math.pi))
    out: Positions = []
    for s, r in zip(slot, rings, strict=True):
        angle = 2 * math.pi * (s + 0.5) / slots
        out.append((radius[r] * math.cos(angle), radius[r] * math.sin(angle)))
    return out
