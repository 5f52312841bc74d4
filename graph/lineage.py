"""The lineage graph: models as integer nodes, edges derived -> base, in flat arrays.

Arrays keep the whole Hub (millions of models) fast and compact; :meth:`to_networkx` gives a
networkx view of any part a user asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.errors import ModelNotFound
from hflineage.graph.relation import Relation
from hflineage.graph.taxonomy import OTHER_FAMILY, Taxonomy, default_taxonomy
from hflineage.loaders.records import SOURCES

if TYPE_CHECKING:
    from hflineage.graph.build import ValidationReport

__all__ = ["LineageGraph", "MergePolicy", "RootSets"]

MergePolicy = Literal["split", "full", "first"]


@dataclass(frozen=True)
class RootSets:
    """Which roots each model credits, and with what weight, under one merge policy.

    ``of_node[i]`` is a root-set id: ids below ``n`` mean "that root alone, weight 1";
    id ``n + j`` means ``combos[j]`` (arrays of roots and weights), used for merges.
    """

    n: int
    of_node: np.ndarray
    combos: list[tuple[np.ndarray, np.ndarray]]

    def roots_of(self, node: int) -> list[tuple[int, float]]:
        """(root, weight) pairs credited by one node."""
        rs = int(self.of_node[node])
        if rs < self.n:
            return [(rs, 1.0)]
        roots, weights = self.combos[rs - self.n]
        return list(zip(roots.tolist(), weights.tolist(), strict=True))


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    ptr = np.searchsorted(keys[order], np.arange(n + 1))
    return ptr, order


@dataclass(eq=False)
class LineageGraph:
    """Models and their derivation edges. Build it with :func:`build_lineage_graph`."""

    model_id: pa.Array
    author: pa.Array
    stub: np.ndarray
    created_at: np.ndarray
    downloads: np.ndarray
    downloads_all_time: np.ndarray
    likes: np.ndarray
    pipeline_tag: pa.Array
    library_name: pa.Array
    edge_child: np.ndarray
    edge_parent: np.ndarray
    edge_relation: np.ndarray
    edge_source: np.ndarray
    validation: ValidationReport
    taxonomy_override: Taxonomy | None = None

    @property
    def taxonomy(self) -> Taxonomy:
        """The family and country tables in use (the shipped ones unless overridden)."""
        return self.taxonomy_override or default_taxonomy()

    # -- size and lookups -----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of nodes (models and stubs)."""
        return len(self.model_id)

    @property
    def n_edges(self) -> int:
        """Number of derivation edges."""
        return len(self.edge_child)

    @cached_property
    def ids(self) -> list[str]:
        """Node ids as Python strings (index = node)."""
        return [str(x) for x in self.model_id.to_pylist()]

    @cached_property
    def _index(self) -> dict[str, int]:
        return {mid.lower(): i for i, mid in enumerate(self.ids)}

    def node(self, model_id: str) -> int:
        """The node of a model id (case-insensitive, URL prefix allowed).

        Raises:
            ModelNotFound: the id is not in the graph.
        """
        from hflineage.loaders.ids import InvalidId, normalise_id

        try:
            key = normalise_id(model_id).lower()
        except InvalidId:
            raise ModelNotFound(str(model_id)) from None
        try:
            return self._index[key]
        except KeyError:
            raise ModelNotFound(model_id) from None

    def __contains__(self, model_id: object) -> bool:
        if not isinstance(model_id, str):
            return False
        try:
            self.node(model_id)
        except ModelNotFound:
            return False
        return True

    # -- adjacency ------------------------------------------------------------------------
    @cached_property
    def _parents_csr(self) -> tuple[np.ndarray, np.ndarray]:
        return _csr(self.edge_child, self.n)

    @cached_property
    def _children_csr(self) -> tuple[np.ndarray, np.ndarray]:
        return _csr(self.edge_parent, self.n)

    def parent_edges(self, node: int) -> np.ndarray:
        """Edge positions from a node to its parents, in declared order."""
        ptr, order = self._parents_csr
        out: np.ndarray = order[ptr[node] : ptr[node + 1]]
        return out

    def child_edges(self, node: int) -> np.ndarray:
        """Edge positions from a node's children to it."""
        ptr, order = self._children_csr
        out: np.ndarray = order[ptr[node] : ptr[node + 1]]
        return out

    def parents(self, node: int) -> np.ndarray:
        """Direct parents of a node, in declared order."""
        out: np.ndarray = self.edge_parent[self.parent_edges(node)]
        return out

    def children(self, node: int) -> np.ndarray:
        """Direct children of a node."""
        out: np.ndarray = self.edge_child[self.child_edges(node)]
        return out

    @cached_property
    def n_parents(self) -> np.ndarray:
        """Number of parents of every node."""
        return np.bincount(self.edge_child, minlength=self.n)

    @cached_property
    def is_root(self) -> np.ndarray:
        """True for nodes with no parent (stubs included)."""
        out: np.ndarray = self.n_parents == 0
        return out

    @cached_property
    def depth(self) -> np.ndarray:
        """Longest number of derivation steps from any root (roots are 0)."""
        depth = np.zeros(self.n, dtype=np.int32)
        for level, nodes in enumerate(self.levels):
            depth[nodes] = level
        return depth

    @cached_property
    def levels(self) -> list[np.ndarray]:
        """Nodes grouped by depth: every parent sits in an earlier level than its children."""
        n = self.n
        remaining = self.n_parents.copy()
        ptr, order = self._children_csr
        frontier = np.flatnonzero(remaining == 0)
        out: list[np.ndarray] = []
        seen = 0
        while len(frontier):
            out.append(frontier)
            seen += len(frontier)
            starts, ends = ptr[frontier], ptr[frontier + 1]
            lens = ends - starts
            total = int(lens.sum())
            if total == 0:
                break
            pos = np.repeat(ends - lens.cumsum(), lens) + np.arange(total)
            kids = self.edge_child[order[pos]]
            np.subtract.at(remaining, kids, 1)
            frontier = np.unique(kids[remaining[kids] == 0])
        if seen != n:  # cannot happen after cycle breaking; guard against misuse
            raise RuntimeError(
                f"graph has {n - seen} nodes on cycles; build it with build_lineage_graph"
            )
        return out

    # -- roots and attribution support ----------------------------------------------------
    def root_sets(self, policy: MergePolicy = "split") -> RootSets:
        """Which roots every node credits under a merge policy (cached per policy)."""
        cache: dict[str, RootSets] = self.__dict__.setdefault("_root_sets", {})
        if policy not in cache:
            cache[policy] = self._compute_root_sets(policy)
        return cache[policy]

    def _compute_root_sets(self, policy: MergePolicy) -> RootSets:
        if policy not in ("split", "full", "first"):
            raise ValueError(f"merge policy must be split, full or first, got {policy!r}")
        n = self.n
        rs = np.arange(n, dtype=np.int64)
        ptr, order = self._parents_csr
        first_parent = np.full(n, -1, dtype=np.int64)
        has = self.n_parents > 0
        first_parent[has] = self.edge_parent[order[ptr[:-1][has]]]
        combos: list[tuple[np.ndarray, np.ndarray]] = []
        intern: dict[tuple[tuple[int, ...], tuple[float, ...]], int] = {}
        single = self.n_parents == 1 if policy != "first" else has
        for nodes in self.levels[1:]:
            s = nodes[single[nodes]]
            rs[s] = rs[first_parent[s]]
            for v in nodes[~single[nodes]].tolist():
                acc: dict[int, float] = {}
                pars = self.edge_parent[order[ptr[v] : ptr[v + 1]]].tolist()
                share = 1.0 / len(pars)
                for p in pars:
                    prs = int(rs[p])
                    if prs < n:
                        pairs: Iterable[tuple[int, float]] = ((prs, 1.0),)
                    else:
                        r_arr, w_arr = combos[prs - n]
                        pairs = zip(r_arr.tolist(), w_arr.tolist(), strict=True)
                    for r, w in pairs:
                        if policy == "split":
                            acc[r] = acc.get(r, 0.0) + w * share
                        else:
                            acc[r] = 1.0
                keys = tuple(sorted(acc))
                if len(keys) == 1 and abs(acc[keys[0]] - 1.0) < 1e-12:
                    rs[v] = keys[0]
                    continue
                weights = tuple(acc[k] for k in keys)
                sig = (keys, weights)
                j = intern.get(sig)
                if j is None:
                    j = len(combos)
                    intern[sig] = j
                    combos.append((np.array(keys, np.int64), np.array(weights, np.float64)))
                rs[v] = n + j
        return RootSets(n=n, of_node=rs, combos=combos)

    @cached_property
    def org_codes(self) -> tuple[np.ndarray, list[str]]:
        """Developer org of every node as (codes, names): the author, else the id's namespace.

        Legacy ids with no namespace (``gpt2``) and no author are their own org.
        """
        ids = self.model_id
        prefix = pc.list_element(pc.split_pattern(ids, "/", max_splits=1), 0)
        orgs = pc.coalesce(self.author, prefix)
        enc = (
            pc.dictionary_encode(orgs).combine_chunks()
            if isinstance(orgs, pa.ChunkedArray)
            else pc.dictionary_encode(orgs)
        )
        return (
            np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
            [str(x) for x in enc.dictionary.to_pylist()],
        )

    @cached_property
    def org(self) -> np.ndarray:
        """Developer org of every node (object array of str)."""
        codes, names = self.org_codes
        return np.array(names, dtype=object)[codes] if len(names) else np.empty(0, object)

    @cached_property
    def country_codes(self) -> tuple[np.ndarray, list[str]]:
        """Country of every node's org as (codes, names); ``unknown`` when not curated."""
        codes, names = self.org_codes
        countries = [self.taxonomy.country_of(o) for o in names]
        uniq = sorted(set(countries))
        pos = {c: i for i, c in enumerate(uniq)}
        mapping = np.array([pos[c] for c in countries], dtype=np.int64)
        return (mapping[codes] if len(codes) else codes), uniq

    @cached_property
    def country(self) -> np.ndarray:
        """Country of every node's org (object array of str)."""
        codes, names = self.country_codes
        return np.array(names, dtype=object)[codes] if len(names) else np.empty(0, object)

    @cached_property
    def root_family_codes(self) -> tuple[np.ndarray, list[str]]:
        """Family of every root as (codes, names); non-roots get the code of ``other``.

        Only roots whose org has family rules (or that have no namespace) run the regexes,
        so this stays fast with millions of roots.
        """
        tax = self.taxonomy
        names = [OTHER_FAMILY, *[f for f in tax.families if f != OTHER_FAMILY]]
        pos = {f: i for i, f in enumerate(names)}
        codes = np.zeros(self.n, dtype=np.int64)
        org_codes, org_names = self.org_codes
        ruled = tax.ruled_orgs()
        has_rules = (
            np.array([o.lower() in ruled for o in org_names], dtype=bool)
            if org_names
            else np.zeros(0, bool)
        )
        no_ns = ~np.asarray(
            pc.match_substring(self.model_id, "/").to_numpy(zero_copy_only=False), dtype=bool
        )
        ruled_node = has_rules[org_codes] if len(org_codes) else np.zeros(self.n, bool)
        cand = np.flatnonzero(self.is_root & (ruled_node | no_ns))
        if tax.has_wildcard_rules():
            cand = np.flatnonzero(self.is_root)
        ids = self.model_id
        for i, mid in zip(cand.tolist(), ids.take(pa.array(cand)).to_pylist(), strict=True):
            codes[i] = pos[tax.family_of(str(mid))]
        return codes, names

    @cached_property
    def family_codes(self) -> tuple[np.ndarray, list[str]]:
        """Family of every node (its first root's family) as (codes, names)."""
        codes, names = self.root_family_codes
        return codes[self.root_sets("first").of_node], names

    @cached_property
    def family(self) -> np.ndarray:
        """Family of every node (object array of str)."""
        codes, names = self.family_codes
        out: np.ndarray = np.array(names, dtype=object)[codes]
        return out

    # -- per-node facts -----------------------------------------------------------------
    def relation_of(self, edge: int) -> Relation:
        """The relation of an edge."""
        return Relation(int(self.edge_relation[edge]))

    def source_of(self, edge: int) -> str:
        """Where an edge's parent declaration came from."""
        return SOURCES[int(self.edge_source[edge])]

    def month(self) -> np.ndarray:
        """``createdAt`` truncated to months (NaT where unknown)."""
        return self.created_at.astype("datetime64[M]")

    # -- views --------------------------------------------------------------------------
    def to_networkx(self, nodes: Iterable[int] | None = None) -> nx.DiGraph:
        """A networkx DiGraph (edges derived -> base) of all nodes or of the given ones.

        Node attributes follow the Cypher schema of DESIGN.md; edge attributes are
        ``relation`` and ``source``.
        """
        g = nx.DiGraph()
        if nodes is None:
            sel = np.arange(self.n)
            e_sel = np.arange(self.n_edges)
        else:
            sel = np.unique(np.fromiter(nodes, dtype=np.int64))
            mask = np.zeros(self.n, dtype=bool)
            mask[sel] = True
            e_sel = np.flatnonzero(mask[self.edge_child] & mask[self.edge_parent])
        ids = self.ids
        family = self.family
        country = self.country
        created = self.created_at
        for i in sel.tolist():
            g.add_node(
                ids[i],
                author=self.org[i],
                downloads=int(self.downloads[i]),
                downloads_all_time=int(self.downloads_all_time[i]),
                likes=int(self.likes[i]),
                created_at=None if np.isnat(created[i]) else str(created[i]),
                family=family[i],
                country=country[i],
                stub=bool(self.stub[i]),
            )
        for e in e_sel.tolist():
            g.add_edge(
                ids[int(self.edge_child[e])],
                ids[int(self.edge_parent[e])],
                relation=self.relation_of(e).label,
                source=self.source_of(e),
            )
        return g
