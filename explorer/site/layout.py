"""Tree layouts computed in Python, so the browser draws at once and no two nodes overlap.

Every node comes with a radius: its drawn shape fits in a circle of that radius. Both
layouts keep those circles apart by construction, whatever the sizes:

* ``layered`` (hierarchical): every subtree gets a box with its root at the top centre.
  A node's children boxes are packed left to right into shelves under it; a new shelf
  starts when a row would make the box much wider than tall, so a fan of 700 children
  becomes a block instead of a 30,000 px line. Sibling boxes never overlap and a node sits
  inside its own box, so nodes of different subtrees cannot touch, and a node is above
  everything below it.
* ``radial``: rings by depth. Leaves share the full circle by their width and a parent sits
  at the middle of its children. Each ring is pushed out until neighbours on it are their
  radii apart (a chord, not an arc), and a crowded ring is split into a few staggered
  sub-rings, which keeps the picture small.

Long runs of one-child nodes (a 75-step merge chain) would still snake across the picture;
:func:`find_chains` finds them and :func:`folded_parents` folds each into one node.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hflineage.queries.subgraph import DrawnNode

__all__ = [
    "HIDDEN",
    "LAYOUT_GAP",
    "find_chains",
    "folded_parents",
    "layered_layout",
    "radial_layout",
    "tree_positions",
]

Positions = list[tuple[float, float]]

#: Parent value of a node that is not drawn in a layout (folded into a chain node).
HIDDEN = -2
#: Least distance between the edges of two drawn nodes, in canvas pixels.
LAYOUT_GAP = 8.0
_LEVEL_GAP = 70.0  # between a node and the first shelf of its children (room for the edges)
_SHELF_GAP = 26.0  # between two shelves of the same parent
_RING_GAP = 60.0  # between the outer sub-ring of one depth and the next depth
_ASPECT = 2.0  # a box with several shelves aims at width : height of about 2 : 1
_MIN_ROW = 900.0  # rows narrower than this are never broken into shelves
_MAX_SUBRINGS = 6
_WINDOW = 8  # neighbours checked ahead of each node on a sub-ring
_TURN = 2 * math.pi


def _children(parents: Sequence[int]) -> tuple[list[list[int]], list[int]]:
    """Children of every node (in key order) and the top nodes; hidden nodes are left out."""
    children: list[list[int]] = [[] for _ in parents]
    tops: list[int] = []
    for v, p in enumerate(parents):
        if p == HIDDEN:
            continue
        (children[p] if p >= 0 else tops).append(v)
    return children, tops


def _post_order(children: list[list[int]], tops: list[int]) -> list[int]:
    """Every reachable node after all its descendants (iterative: trees can be deep)."""
    out: list[int] = []
    stack: list[tuple[int, bool]] = [(t, False) for t in reversed(tops)]
    while stack:
        v, done = stack.pop()
        if done:
            out.append(v)
            continue
        stack.append((v, True))
        stack.extend((c, False) for c in reversed(children[v]))
    return out


def _depths(children: list[list[int]], post_order: list[int], n: int) -> list[int]:
    depth = [0] * n
    for v in reversed(post_order):  # parents before children
        for c in children[v]:
            depth[c] = depth[v] + 1
    return depth


def find_chains(parents: Sequence[int], min_fold: int = 3) -> list[list[int]]:
    """Runs of one-child nodes worth folding: the keys to hide, top to bottom.

    A run ``a -> u1 -> ... -> um -> e`` in which ``a`` and every ``ui`` has exactly one child
    folds ``u1 .. um`` (when there are at least ``min_fold`` of them), so ``a`` and ``e``
    stay drawn and show where the chain starts and ends.

    >>> find_chains([-1, 0, 1, 2, 3, 4, 5], min_fold=3)
    [[1, 2, 3, 4]]
    >>> find_chains([-1, 0, 0, 1, 3])
    []
    """
    children, _ = _children(parents)
    chains: list[list[int]] = []
    for a, kids in enumerate(children):
        p = parents[a]
        if len(kids) != 1 or (p >= 0 and len(children[p]) == 1):
            continue  # not the first one-child node of a run
        run: list[int] = []
        u = kids[0]
        while len(children[u]) == 1:
            run.append(u)
            u = children[u][0]
        if len(run) >= min_fold:
            chains.append(run)
    return chains


def folded_parents(parents: Sequence[int], chains: Sequence[Sequence[int]]) -> list[int]:
    """Parents of the nodes followed by one node per chain (keys ``n``, ``n + 1``, ...), with
    every chain folded: the chain node hangs under the chain's top, the node below the chain
    hangs under the chain node, and the folded nodes are :data:`HIDDEN`.

    >>> folded_parents([-1, 0, 1, 2, 3, 4], [[1, 2, 3, 4]])
    [-1, -2, -2, -2, -2, 6, 0]
    """
    out = list(parents)
    for i, run in enumerate(chains):
        key = len(parents) + i
        below = [v for v, p in enumerate(parents) if p == run[-1]]
        for v in run:
            out[v] = HIDDEN
        for v in below:
            out[v] = key
        out.append(parents[run[0]])
    return out


def tree_positions(parents: Sequence[int], radii: Sequence[float], layout: str) -> Positions:
    """Positions of a forest given by ``parents`` (-1 at the tops, :data:`HIDDEN` for nodes
    not drawn, which get ``(0, 0)``) whose node ``v`` needs a circle of ``radii[v]``."""
    if len(parents) != len(radii):
        raise ValueError(f"{len(parents)} parents but {len(radii)} radii")
    if layout == "layered":
        return _layered(parents, radii)
    if layout == "radial":
        return _radial(parents, radii)
    raise ValueError(f"layout must be radial or layered, got {layout!r}")


def _drawn_parents(nodes: Sequence[DrawnNode]) -> list[int]:
    return [d.parent for d in nodes]


def layered_layout(nodes: Sequence[DrawnNode], radii: Sequence[float] | None = None) -> Positions:
    """The layered (hierarchical) positions of a view's drawn nodes (radius 10 by default)."""
    return _layered(_drawn_parents(nodes), radii or [10.0] * len(nodes))


def radial_layout(nodes: Sequence[DrawnNode], radii: Sequence[float] | None = None) -> Positions:
    """The radial positions of a view's drawn nodes (radius 10 by default)."""
    return _radial(_drawn_parents(nodes), radii or [10.0] * len(nodes))


# -- layered ------------------------------------------------------------------------------------
def _shelves(widths: list[float], heights: list[float]) -> list[list[int]]:
    """Split children (indices into ``widths``) into rows no wider than the target width."""
    total = sum(widths)
    area = sum(w * (h + _SHELF_GAP) for w, h in zip(widths, heights, strict=True))
    target = max(max(widths), _MIN_ROW, math.sqrt(_ASPECT * area))
    shelves: list[list[int]] = [[]]
    used = 0.0
    for i, w in enumerate(widths):
        if shelves[-1] and used + w > target and total > target:
            shelves.append([])
            used = 0.0
        shelves[-1].append(i)
        used += w
    return shelves


def _layered(parents: Sequence[int], radii: Sequence[float]) -> Positions:
    n = len(parents)
    children, tops = _children(parents)
    # A virtual node above the tops (radius 0) lets the tops be packed like any children.
    children.append(tops)
    radius = [*radii, 0.0]
    post_order = _post_order(children, [n])  # walked once, used three times
    depth = _depths(children, post_order, n + 1)
    row_radius: dict[int, float] = {}
    for v in range(n + 1):
        row_radius[depth[v]] = max(row_radius.get(depth[v], 0.0), radius[v])
    # Nodes of one depth share a row height, so trees without shelves line up by depth.
    head = [2 * row_radius[depth[v]] for v in range(n + 1)]
    width = [0.0] * (n + 1)
    height = [0.0] * (n + 1)
    offset: list[tuple[float, float]] = [(0.0, 0.0)] * (n + 1)  # box corner in the parent box
    for v in post_order:
        own = 2 * radius[v] + LAYOUT_GAP
        kids = children[v]
        if not kids:
            width[v], height[v] = own, head[v]
            continue
        rows = _shelves([width[c] for c in kids], [height[c] for c in kids])
        row_widths = [sum(width[kids[i]] for i in row) for row in rows]
        width[v] = max(own, *row_widths)
        y = head[v] + _LEVEL_GAP
        for row, row_width in zip(rows, row_widths, strict=True):
            x = (width[v] - row_width) / 2
            for i in row:
                c = kids[i]
                offset[c] = (x, y)
                x += width[c]
            y += max(height[kids[i]] for i in row) + _SHELF_GAP
        height[v] = y - _SHELF_GAP
    out: Positions = [(0.0, 0.0)] * n
    corner = [(0.0, 0.0)] * (n + 1)
    for v in reversed(post_order):  # parents first
        if v < n:
            left, top = corner[parents[v]] if parents[v] >= 0 else corner[n]
            left, top = left + offset[v][0], top + offset[v][1]
            corner[v] = (left, top)
            out[v] = (left + width[v] / 2, top + head[v] / 2)
    return out


# -- radial -------------------------------------------------------------------------------------
def _angles(
    children: list[list[int]], post_order: list[int], radii: Sequence[float]
) -> list[float]:
    """Angle of every node: leaves share the circle by width, parents sit over the middle."""
    n = len(radii)
    slot = [0.0] * n
    used = 0.0
    for v in post_order:
        kids = children[v]
        if kids:
            slot[v] = (slot[kids[0]] + slot[kids[-1]]) / 2
        else:
            w = 2 * radii[v] + LAYOUT_GAP
            slot[v] = used + w / 2
            used += w
    return [2 * math.pi * s / max(used, 1e-9) for s in slot]


def _ring_radius(
    angles: np.ndarray, radii: np.ndarray, base: float, step: float
) -> tuple[float, int]:
    """Radius of the innermost sub-ring and the number of sub-rings for nodes at ``angles``
    (sorted) with ``radii``: the choice with the smallest outer radius in which the chord
    between nodes of one sub-ring is at least the sum of their radii and the gap.

    Pairs up to ``_WINDOW`` places apart on a sub-ring are checked; further apart, the arc
    between two nodes spans eight checked gaps of at least two of the smallest nodes (8 px)
    each, more than two of the largest nodes (46 px) need. The browser test checks the
    drawn result.
    """
    best = (math.inf, 1, base)
    for k in range(1, min(_MAX_SUBRINGS, len(angles)) + 1):
        inner = base
        for j in range(k):
            inner = max(inner, _chord_radius(angles[j::k], radii[j::k]) - j * step)
        outer = inner + (k - 1) * step
        if outer < best[0] - 1e-6:
            best = (outer, k, inner)
    return best[2], best[1]


def _chord_radius(on: np.ndarray, rs: np.ndarray) -> float:
    """Least radius of a circle on which nodes at angles ``on`` (sorted) with radii ``rs``
    are apart from each of the next ``_WINDOW`` nodes (going round) by the sum of their
    radii and the gap, measured along the chord; ``-inf`` for a single node.

    All pairs at once as arrays: a ring holds up to a thousand nodes and is tried with one
    to six sub-rings, which one pair at a time in Python took seconds per site.
    """
    m = len(on)
    ahead = min(_WINDOW, m - 1)
    if ahead < 1:
        return -math.inf
    here = np.arange(m)[:, None]
    there = (here + np.arange(1, ahead + 1)) % m  # the next ``ahead`` nodes of each
    arc = (on[there] - on[here]) % _TURN
    arc = np.minimum(arc, _TURN - arc)
    need = rs[here] + rs[there] + LAYOUT_GAP
    return float((need / (2 * np.sin(np.maximum(arc, 1e-9) / 2))).max())


def _radial(parents: Sequence[int], radii: Sequence[float]) -> Positions:
    n = len(parents)
    children, tops = _children(parents)
    post_order = _post_order(children, tops)  # walked once, used three times
    angle = _angles(children, post_order, radii)
    shift = 0 if len(tops) == 1 else 1  # several tops sit on a ring around an empty centre
    depth = _depths(children, post_order, n)
    rings: dict[int, list[int]] = {}
    for v in post_order:
        rings.setdefault(depth[v] + shift, []).append(v)
    out: Positions = [(0.0, 0.0)] * n
    # The previous ring's outer sub-ring and its largest node (the centre: a single top).
    outer, outer_radius = 0.0, radii[tops[0]] if shift == 0 and tops else 0.0
    for r in range(1, max(rings, default=0) + 1):
        on = sorted(rings.get(r, []), key=lambda v: angle[v])
        if not on:
            continue
        biggest = max(radii[v] for v in on)
        step = 2 * biggest + LAYOUT_GAP
        base = outer + outer_radius + biggest + _RING_GAP
        inner, k = _ring_radius(
            np.array([angle[v] for v in on]), np.array([radii[v] for v in on]), base, step
        )
        for i, v in enumerate(on):
            rho = inner + (i % k) * step
            out[v] = (rho * math.cos(angle[v]), rho * math.sin(angle[v]))
        outer, outer_radius = inner + (k - 1) * step, biggest
    return out
