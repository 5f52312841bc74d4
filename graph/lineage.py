"""The lineage graph: models as integer nodes, edges derived -> base, in flat arrays.

Arrays keep the whole Hub (millions of models) fast and compact; :meth:`to_networkx` gives a
networkx view of any part a user asks for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.errors import ModelNotFound, QueryError
from hflineage.graph._csr import csr_of, csr_positions, pointers
from hflineage.graph._order import KahnOrder
from hflineage.graph._orgs import OrgKeys, lower_authors, org_keys
from hflineage.graph.keynames import KeyNames
from hflineage.graph.relation import Relation
from hflineage.graph.taxonomy import (
    INTERNATIONAL,
    OTHER_FAMILY,
    UNKNOWN_COUNTRY,
    Taxonomy,
    default_taxonomy,
)
from hflineage.loaders._arrow import chunks_of, take_rows
from hflineage.loaders._fingerprints import column_fingerprints, id_fingerprint
from hflineage.loaders.records import SOURCES

pc = lazy_module("pyarrow.compute")

#: Up to this many ids are read one by one (a few microseconds each) rather than taken.
_FEW_IDS = 256

if TYPE_CHECKING:
    import networkx as nx

    from hflineage.graph.validation import ValidationReport

__all__ = [
    "PLACEHOLDER_CREATED_AT",
    "GraphIndexes",
    "LineageGraph",
    "MergePolicy",
    "RootSets",
    "csr_positions",
]

#: ``createdAt`` the Hub gives repos older than its creation-date records.
PLACEHOLDER_CREATED_AT = np.datetime64("2022-03-02T23:29:04", "s")

MergePolicy = Literal["split", "full", "first"]
#: (code of every node, names): how the graph keeps a per-node label such as its country.
Codes = tuple[np.ndarray, Sequence[str]]


@dataclass(frozen=True, eq=False)
class RootSets:
    """Which roots each model credits, and with what weight, under one merge policy.

    ``of_node[i]`` is a root-set id: ids below ``n`` mean "that root alone, weight 1";
    id ``n + j`` means combo ``j``: roots ``combo_roots[combo_ptr[j]:combo_ptr[j + 1]]``
    (ascending) with the weights at the same positions of ``combo_weights``. Merges have
    combos.
    """

    n: int
    of_node: np.ndarray
    combo_ptr: np.ndarray
    combo_roots: np.ndarray
    combo_weights: np.ndarray

    @property
    def n_combos(self) -> int:
        return len(self.combo_ptr) - 1

    def roots_of(self, node: int) -> list[tuple[int, float]]:
        """(root, weight) pairs credited by one node."""
        rs = int(self.of_node[node])
        if rs < self.n:
            return [(rs, 1.0)]
        a, b = self.combo_ptr[rs - self.n], self.combo_ptr[rs - self.n + 1]
        return list(
            zip(self.combo_roots[a:b].tolist(), self.combo_weights[a:b].tolist(), strict=True)
        )

    @cached_property
    def flat_combos(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every combo's roots in one array: (combo of each entry, root, weight)."""
        sizes = np.diff(self.combo_ptr)
        return (
            np.repeat(np.arange(self.n_combos, dtype=np.int64), sizes),
            self.combo_roots,
            self.combo_weights,
        )

    def positions(self, combos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions (into ``combo_roots``) of the entries of ``combos``, and their counts."""
        return csr_positions(self.combo_ptr, combos)


def _months(times: np.ndarray) -> np.ndarray:
    """``datetime64[s]`` to ``datetime64[M]``, through a lookup table of the days spanned.

    Much faster than numpy's calendar conversion of every value.
    """
    days = times.astype("datetime64[D]")
    known = ~np.isnat(days)
    out = np.full(len(times), np.datetime64("NaT"), dtype="datetime64[M]")
    if known.any():
        d = days[known].astype(np.int64)
        lo = int(d.min())
        table = np.arange(lo, int(d.max()) + 1).astype("datetime64[D]").astype("datetime64[M]")
        out[known] = table[d - lo]
    return out


def curated_orgs(tax: Taxonomy) -> list[str]:
    """The orgs a country is curated for (the rule of ``Taxonomy.country_of``)."""
    return [k for k in tax.orgs if k]


@dataclass(eq=False)
class GraphIndexes:
    """What a graph derives from its arrays, kept once worked out.

    A field left ``None`` (or empty) is worked out by the graph when first needed; arrays
    are not changed once filled. Whoever builds the arrays may hand over what it computed
    anyway (``graph.indexes = GraphIndexes(...)``, right after constructing the graph):
    the builder gives the structure and the id fingerprints, the graph cache the structure.
    What is handed over must be what the graph would compute.
    """

    # -- structure (the builder and the cache) -------------------------------------------
    #: number of parents of every node
    n_parents: np.ndarray | None = None
    #: CSR (``graph._csr``) of every node's child edges
    children_csr: tuple[np.ndarray, np.ndarray] | None = None
    #: CSR of every node's parent edges
    parents_csr: tuple[np.ndarray, np.ndarray] | None = None
    #: longest number of derivation steps from any root
    depth: np.ndarray | None = None
    # -- id matching (the builder) and org matching ---------------------------------------
    #: fingerprint of every node's lower-case id (``loaders._fingerprints``)
    id_hashes: np.ndarray | None = None
    #: every node's lower-case org (``graph._orgs``)
    org_keys: OrgKeys | None = None
    #: where every node's org is in a list of orgs, per list (read-only arrays)
    org_lookups: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)
    # -- answers kept once asked (the graph alone) -----------------------------------------
    #: every id as a Python string
    id_list: list[str] | None = None
    #: root sets per merge policy
    root_sets: dict[MergePolicy, RootSets] = field(default_factory=dict)
    #: ``createdAt`` truncated to months
    month: np.ndarray | None = None
    #: whole-graph labels; the per-node lookups (``org_of`` ...) use them once they exist
    org_codes: Codes | None = None
    country_codes: Codes | None = None
    developer_codes: Codes | None = None
    root_family_codes: Codes | None = None
    family_codes: Codes | None = None

    def in_memory(self, name: str) -> bool:
        """Whether the index ``name`` is at hand now, without reading or working it out.

        A per-node lookup uses a whole-graph index only then: loading one to answer for a
        single node would cost more than the node's own answer.
        """
        return getattr(self, name) is not None


@dataclass(eq=False)
class LineageGraph:
    """Models and their derivation edges. Build it with :func:`build_lineage_graph`.

    String columns are pyarrow arrays, possibly chunked (one chunk per batch read, nothing
    copied); numbers are numpy arrays indexed by node.
    """

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
    #: derived indexes (a new graph, even one made with ``dataclasses.replace``, starts empty)
    indexes: GraphIndexes = field(
        default_factory=GraphIndexes, init=False, repr=False, compare=False
    )

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

    @property
    def ids(self) -> list[str]:
        """Node ids as Python strings (index = node).

        Builds a list of every id (slow on the whole Hub): prefer :meth:`id_of` and
        :meth:`ids_of` for the few nodes an answer needs.
        """
        if self.indexes.id_list is None:
            self.indexes.id_list = [str(x) for x in self.model_id.to_pylist()]
        return self.indexes.id_list

    def id_of(self, node: int) -> str:
        """The id of one node."""
        return str(self.model_id[int(node)].as_py())

    def ids_of(self, nodes: np.ndarray | Iterable[int]) -> list[str]:
        """The ids of some nodes, in the order given."""
        idx = np.asarray(nodes if isinstance(nodes, np.ndarray) else list(nodes), np.int64)
        if self.indexes.id_list is not None:
            ids = self.indexes.id_list
            return [ids[i] for i in idx.tolist()]
        if len(idx) <= _FEW_IDS:
            # One at a time: Arrow's take imports pyarrow.compute (about 70 ms), more than
            # a one-model command spends reading the few ids it shows.
            return [self.id_of(i) for i in idx.tolist()]
        return [str(x) for x in take_rows(self.model_id, idx).to_pylist()]

    @property
    def _id_hashes(self) -> np.ndarray:
        """Fingerprint of every node's lower-case id (``loaders._fingerprints``)."""
        if self.indexes.id_hashes is None:
            self.indexes.id_hashes = column_fingerprints(self.model_id)
        return self.indexes.id_hashes

    def node(self, model_id: str) -> int:
        """The node of a model id (case-insensitive, URL prefix allowed, moved ids followed).

        The id's fingerprint is compared with every node's (a few milliseconds on the whole
        Hub, no index to build), then confirmed on the id itself.

        Raises:
            ModelNotFound: the id is not in the graph.
        """
        from hflineage.graph.aliases import default_aliases
        from hflineage.loaders.ids import InvalidId, normalise_id

        try:
            spelled = normalise_id(model_id)
        except InvalidId:
            raise ModelNotFound(str(model_id)) from None
        aliases = default_aliases()
        # the id as given, else its current id, else an old one (graph/data/aliases.csv)
        for key in (spelled, aliases.current(spelled), *aliases.former(spelled)):
            if key is None:
                continue
            key = key.lower()
            for v in np.flatnonzero(self._id_hashes == np.uint64(id_fingerprint(key))).tolist():
                if str(self.model_id[v].as_py()).lower() == key:
                    return int(v)
        raise ModelNotFound(model_id)

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
        if self.indexes.parents_csr is not None:
            return self.indexes.parents_csr
        child = self.edge_child
        if self._edges_in_child_order:  # as built: the order is the identity
            ptr = pointers(np.bincount(child, minlength=self.n))
            return ptr, np.arange(len(child), dtype=np.int64)
        return csr_of(child, self.n)

    @cached_property
    def _edges_in_child_order(self) -> bool:
        """Whether the edges come sorted by child, as the builder and the cache keep them."""
        child = self.edge_child
        return bool(len(child)) and bool((child[1:] >= child[:-1]).all())

    @property
    def _children_csr(self) -> tuple[np.ndarray, np.ndarray]:
        if self.indexes.children_csr is None:
            self.indexes.children_csr = csr_of(self.edge_parent, self.n)
        return self.indexes.children_csr

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

    @property
    def n_parents(self) -> np.ndarray:
        """Number of parents of every node."""
        if self.indexes.n_parents is None:
            self.indexes.n_parents = np.bincount(self.edge_child, minlength=self.n)
        return self.indexes.n_parents

    @cached_property
    def is_root(self) -> np.ndarray:
        """True for nodes with no parent (stubs included)."""
        out: np.ndarray = self.n_parents == 0
        return out

    @property
    def depth(self) -> np.ndarray:
        """Longest number of derivation steps from any root (roots are 0)."""
        if self.indexes.depth is None:
            order = KahnOrder(self.n, self.edge_child, self.edge_parent)
            stuck = int(order.unpeeled.sum())
            if stuck:  # cannot happen after cycle breaking; guard against misuse
                raise RuntimeError(
                    f"graph has {stuck} nodes on cycles; build it with build_lineage_graph"
                )
            if self.indexes.children_csr is None:  # worked out on the way
                self.indexes.children_csr = order.children_csr
            self.indexes.depth = order.depth
        return self.indexes.depth

    @cached_property
    def levels(self) -> list[np.ndarray]:
        """Nodes grouped by depth: every parent sits in an earlier level than its children.

        Each level lists its nodes in increasing order.
        """
        depth = self.depth
        if not len(depth):
            return []
        rest = np.flatnonzero(depth > 0)
        d = depth[rest]
        top = int(d.max()) if len(d) else 0
        # Small integers sort by radix (linear time) when stable sorting is asked for.
        by_level = rest[np.argsort(d.astype(np.int16) if top < 2**15 else d, kind="stable")]
        ptr = np.zeros(top + 1, dtype=np.int64)
        np.cumsum(np.bincount(d, minlength=top + 1)[1:], out=ptr[1:])
        return [np.flatnonzero(depth == 0)] + [by_level[ptr[k] : ptr[k + 1]] for k in range(top)]

    # -- roots and attribution support ----------------------------------------------------
    def root_sets(self, policy: MergePolicy = "split") -> RootSets:
        """Which roots every node credits under a merge policy (kept per policy).

        Raises:
            QueryError: ``policy`` is not ``split``, ``full`` or ``first``.
        """
        known = self.indexes.root_sets
        if policy not in known:
            known[policy] = self._compute_root_sets(policy)
        return known[policy]

    def _compute_root_sets(self, policy: MergePolicy) -> RootSets:
        if policy not in ("split", "full", "first"):
            raise QueryError(f"policy must be split, full or first, got {policy!r}")
        n = self.n
        rs = np.arange(n, dtype=np.int64)
        ptr, order = self._parents_csr
        first_parent = np.full(n, -1, dtype=np.int64)
        has = self.n_parents > 0
        child = self.edge_child
        if self._edges_in_child_order:
            # Each child's first edge is where the child changes, found over the edges
            # instead of over every node.
            first = np.flatnonzero(np.concatenate(([True], child[1:] != child[:-1])))
            first_parent[child[first]] = self.edge_parent[first]
        else:
            first_parent[has] = self.edge_parent[order[ptr[:-1][has]]]
        intern: dict[tuple[tuple[int, ...], tuple[float, ...]], int] = {}
        single = self.n_parents == 1 if policy != "first" else has
        split = policy == "split"
        # Every combo's roots and weights, end to end (``c_ptr[j]:c_ptr[j+1]`` is combo j).
        c_ptr = [np.zeros(1, dtype=np.int64)]
        c_roots = [np.zeros(0, dtype=np.int64)]
        c_weights = [np.zeros(0, dtype=np.float64)]
        for nodes in self.levels[1:]:
            s = nodes[single[nodes]]
            rs[s] = rs[first_parent[s]]
            merges = nodes[~single[nodes]]
            if not len(merges):
                continue
            # Parents sit in earlier levels: their root sets are final, read them at once.
            pos, lens = csr_positions(ptr, merges)
            sets = rs[self.edge_parent[order[pos]]]
            # Each parent's (root, weight) pairs, in parent order then combo order.
            ptrs = np.concatenate(c_ptr)
            flat_roots, flat_weights = np.concatenate(c_roots), np.concatenate(c_weights)
            in_combo = np.flatnonzero(sets >= n)
            sizes = np.ones(len(sets), dtype=np.int64)
            sizes[in_combo] = np.diff(ptrs)[sets[in_combo] - n]
            entry = np.repeat(np.arange(len(sets)), sizes)
            roots = sets[entry]
            pair_w = np.ones(len(entry), dtype=np.float64)
            expanded = np.flatnonzero(roots >= n)
            if len(expanded):
                at, _ = csr_positions(ptrs, sets[in_combo] - n)
                roots[expanded] = flat_roots[at]
                pair_w[expanded] = flat_weights[at]
            merge = np.repeat(np.arange(len(merges)), lens)[entry]
            # (merge, root) cells, roots ascending within a merge; split sums the weights
            # in the same order as one pass over the pairs would.
            cells, cell = np.unique(merge * n + roots, return_inverse=True)
            if split:
                weights = np.bincount(
                    cell, weights=pair_w * (1.0 / lens)[merge], minlength=len(cells)
                )
            else:
                weights = np.ones(len(cells), dtype=np.float64)
            cell_roots = cells % n
            bounds = np.searchsorted(cells // n, np.arange(len(merges) + 1))
            first = bounds[:-1]
            alone = (np.diff(bounds) == 1) & (np.abs(weights[first] - 1.0) < 1e-12)
            rs[merges[alone]] = cell_roots[first[alone]]
            # The others share a combo when their roots and weights are the same.
            roots_list, weights_list = cell_roots.tolist(), weights.tolist()
            bounds_list = bounds.tolist()
            new: list[int] = []  # the merges that make new combos, in combo order
            for i in np.flatnonzero(~alone).tolist():
                a, b = bounds_list[i], bounds_list[i + 1]
                sig = (tuple(roots_list[a:b]), tuple(weights_list[a:b]))
                count = len(intern)
                j = intern.setdefault(sig, count)
                if j == count:
                    new.append(i)
                rs[merges[i]] = n + j
            if new:
                at, sizes = csr_positions(bounds, np.array(new, dtype=np.int64))
                c_ptr.append(c_ptr[-1][-1] + np.cumsum(sizes))
                c_roots.append(cell_roots[at])
                c_weights.append(weights[at])
        return RootSets(
            n=n,
            of_node=rs,
            combo_ptr=np.concatenate(c_ptr),
            combo_roots=np.concatenate(c_roots),
            combo_weights=np.concatenate(c_weights),
        )

    @cached_property
    def _orgs(self) -> tuple[np.ndarray, pa.Array]:
        """Org code of every node, and the org names (a pyarrow string array)."""
        chunks = [
            c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c
            for c in chunks_of(self.author)
        ]
        enc = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.string()))
        names = enc.chunks[0].dictionary if enc.num_chunks else pa.array([], pa.string())
        codes = np.concatenate(
            [np.zeros(0, np.int64)]
            + [
                np.asarray(
                    pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64
                )
                for c in enc.chunks
            ]
        )
        missing = np.flatnonzero(codes < 0)
        if len(missing):  # no author: the id's namespace (a legacy id is its own org)
            prefix = pc.list_element(
                pc.split_pattern(take_rows(self.model_id, missing), "/", max_splits=1), 0
            )
            codes[missing] = len(names) + np.arange(len(missing))
            if isinstance(prefix, pa.ChunkedArray):
                prefix = prefix.combine_chunks()
            names = pa.concat_arrays([names, prefix.cast(pa.string())])
        # One code per distinct name, and only names some node uses.
        enc = pc.dictionary_encode(names)
        codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)[codes]
        names = enc.dictionary
        used = np.bincount(codes, minlength=len(names)) > 0
        if not used.all():
            codes = (np.cumsum(used) - 1)[codes]
            names = names.filter(pa.array(used))
        return codes, names

    @property
    def org_codes(self) -> Codes:
        """Developer org of every node as (codes, names): the author, else the id's namespace.

        Legacy ids with no namespace (``gpt2``) and no author are their own org.
        """
        if self.indexes.org_codes is None:
            codes, names = self._orgs
            self.indexes.org_codes = codes, KeyNames(names)
        return self.indexes.org_codes

    @cached_property
    def org(self) -> np.ndarray:
        """Developer org of every node (object array of str)."""
        codes, names = self.org_codes
        return np.array(list(names), dtype=object)[codes] if len(names) else np.empty(0, object)

    def _org_lookup(self, value_set: list[str]) -> np.ndarray:
        """For every node, where its lower-case org is in ``value_set`` (-1: not there).

        The org is the author, else the id's namespace, as in :attr:`org_codes`; only a
        small set is hashed, so this is fast without encoding every org. Kept per set
        (read-only).
        """
        known = self.indexes.org_lookups
        key = tuple(value_set)
        if key not in known:
            found = self._org_keys.positions_in(value_set)
            found.flags.writeable = False
            known[key] = found
        return known[key]

    @property
    def _org_keys(self) -> OrgKeys:
        """Every node's lower-case org (``graph._orgs``)."""
        if self.indexes.org_keys is None:
            self.indexes.org_keys = org_keys(lower_authors(self.author), self.model_id)
        return self.indexes.org_keys

    @property
    def country_codes(self) -> Codes:
        """Country of every node's org as (codes, names); ``unknown`` when not curated."""
        if self.indexes.country_codes is None:
            self.indexes.country_codes = self._country_codes()
        return self.indexes.country_codes

    def _country_codes(self) -> Codes:
        tax = self.taxonomy
        curated = curated_orgs(tax)
        countries = [tax.orgs[k].country for k in curated]
        users = self.authors_of_kind("user")
        uniq = sorted(set(countries) | {UNKNOWN_COUNTRY} | ({INTERNATIONAL} if users else set()))
        pos = {c: i for i, c in enumerate(uniq)}
        lut = np.array([pos[c] for c in countries] + [pos[UNKNOWN_COUNTRY]], dtype=np.int64)
        at = self._org_lookup(curated)
        codes = lut[np.where(at < 0, len(curated), at)]
        if users:  # a user the org table does not list: International/Online, by rule
            codes[(at < 0) & (self._org_lookup(users) >= 0)] = pos[INTERNATIONAL]
        # Keep only the countries that occur, in sorted order.
        present = np.zeros(len(uniq), dtype=bool)
        present[codes] = True
        renumber = np.cumsum(present) - 1
        names = [c for c, keep in zip(uniq, present.tolist(), strict=True) if keep]
        return renumber[codes], names

    @property
    def developer_codes(self) -> Codes:
        """The organisation behind every node's namespace as (codes, names).

        A namespace the developer table lists takes its developer (``google-bert`` ->
        Google); any other is its own developer, so nothing is hidden
        (``graph.taxonomy.UNCURATED_DEVELOPER_RULE``). Worked out on the distinct orgs,
        not per node.
        """
        if self.indexes.developer_codes is None:
            self.indexes.developer_codes = self._developer_codes()
        return self.indexes.developer_codes

    def _developer_codes(self) -> Codes:
        codes, orgs = self._orgs
        tax = self.taxonomy
        curated = sorted(tax.developers)
        at = pc.index_in(pc.utf8_lower(orgs), value_set=pa.array(curated, pa.string()))
        named = pa.array([tax.developers[k].developer for k in curated], pa.string())
        developer = pc.if_else(pc.is_valid(at), named.take(at), orgs)
        enc = pc.dictionary_encode(developer)
        lut = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        return lut[codes], KeyNames(enc.dictionary)

    def developer_of(self, node: int) -> str:
        """The developer of one node (the value a ``developer`` Model property holds)."""
        if self.indexes.in_memory("developer_codes"):
            codes, names = self.developer_codes
            return names[int(codes[node])]
        return self.taxonomy.developer_of(self.org_of(node))

    def authors_of_kind(self, kind: str) -> list[str]:
        """Lower-case authors the snapshots' sidecars give this kind and the org table does
        not list (``user``, ``organization`` or ``missing``; see ``loaders.authors``)."""
        kinds = self.validation.load.author_kinds
        orgs = self.taxonomy.orgs
        return sorted(a for a, k in kinds.items() if k == kind and a not in orgs)

    @cached_property
    def country(self) -> np.ndarray:
        """Country of every node's org (object array of str)."""
        codes, names = self.country_codes
        return np.array(list(names), dtype=object)[codes] if len(names) else np.empty(0, object)

    @property
    def root_family_codes(self) -> Codes:
        """Family of every root as (codes, names); non-roots get the code of ``other``.

        Only roots whose org has family rules (or that have no namespace) run the regexes,
        so this stays fast with millions of roots.
        """
        if self.indexes.root_family_codes is None:
            self.indexes.root_family_codes = self._root_family_codes()
        return self.indexes.root_family_codes

    def _root_family_codes(self) -> Codes:
        tax = self.taxonomy
        names = [OTHER_FAMILY, *[f for f in tax.families if f != OTHER_FAMILY]]
        pos = {f: i for i, f in enumerate(names)}
        codes = np.zeros(self.n, dtype=np.int64)
        ruled_node = self._org_lookup(sorted(tax.ruled_orgs())) >= 0
        no_ns = ~np.asarray(
            pc.match_substring(self.model_id, "/").to_numpy(zero_copy_only=False), dtype=bool
        )
        cand = np.flatnonzero(self.is_root & (ruled_node | no_ns))
        if tax.has_wildcard_rules():
            cand = np.flatnonzero(self.is_root)
        ids = take_rows(self.model_id, cand)
        for i, mid in zip(cand.tolist(), ids.to_pylist(), strict=True):
            codes[i] = pos[tax.family_of(str(mid))]
        return codes, names

    @property
    def family_codes(self) -> Codes:
        """Family of every node (its first root's family) as (codes, names)."""
        if self.indexes.family_codes is None:
            codes, names = self.root_family_codes
            self.indexes.family_codes = codes[self.root_sets("first").of_node], names
        return self.indexes.family_codes

    @cached_property
    def family(self) -> np.ndarray:
        """Family of every node (object array of str)."""
        codes, names = self.family_codes
        out: np.ndarray = np.array(list(names), dtype=object)[codes]
        return out

    # -- per-node facts -----------------------------------------------------------------
    def org_of(self, node: int) -> str:
        """The developer org of one node: its author, else its id's namespace."""
        if self.indexes.in_memory("org_codes"):
            codes, names = self.org_codes
            return names[int(codes[node])]
        author = self.author[int(node)].as_py()
        return str(author) if author is not None else self.id_of(node).split("/", 1)[0]

    def country_of(self, node: int) -> str:
        """The country of one node's org (``unknown`` when not curated)."""
        if self.indexes.in_memory("country_codes"):
            codes, names = self.country_codes
            return names[int(codes[node])]
        org = self.org_of(node)
        country = self.taxonomy.country_of(org)
        kind = self.validation.load.author_kinds.get(org.lower())
        if country == UNKNOWN_COUNTRY and kind == "user":
            return INTERNATIONAL
        return country

    def family_of(self, node: int) -> str:
        """The family of one node: its first root's (as :attr:`family_codes` says).

        Answers from the whole-graph codes when they exist, else follows first parents up
        to the root (a few steps) and classifies that root alone.
        """
        if self.indexes.family_codes is not None:
            codes, names = self.indexes.family_codes
            return names[int(codes[node])]
        ptr, order = self._parents_csr
        v = int(node)
        while ptr[v + 1] > ptr[v]:
            v = int(self.edge_parent[order[ptr[v]]])
        if self.indexes.root_family_codes is not None:
            codes, names = self.indexes.root_family_codes
            return names[int(codes[v])]
        tax = self.taxonomy
        mid = self.id_of(v)
        ruled = self.org_of(v).lower() in tax.ruled_orgs()
        if tax.has_wildcard_rules() or ruled or "/" not in mid:
            return tax.family_of(mid)
        return OTHER_FAMILY

    def relation_of(self, edge: int) -> Relation:
        """The relation of an edge."""
        return Relation(int(self.edge_relation[edge]))

    def source_of(self, edge: int) -> str:
        """Where an edge's parent declaration came from."""
        return SOURCES[int(self.edge_source[edge])]

    def month(self) -> np.ndarray:
        """``createdAt`` truncated to months (NaT where unknown); computed once."""
        if self.indexes.month is None:
            self.indexes.month = _months(self.created_at)
        return self.indexes.month

    # -- views --------------------------------------------------------------------------
    def to_networkx(self, nodes: Iterable[int] | None = None) -> nx.DiGraph:
        """A networkx DiGraph (edges derived -> base) of all nodes or of the given ones.

        Node attributes follow the Cypher schema (docs/cypher.md); edge attributes are
        ``relation`` and ``source``.
        """
        import networkx as nx

        g = nx.DiGraph()
        if nodes is None:
            sel = np.arange(self.n)
            e_sel = np.arange(self.n_edges)
        else:
            sel = np.unique(np.fromiter(nodes, dtype=np.int64))
            mask = np.zeros(self.n, dtype=bool)
            mask[sel] = True
            e_sel = np.flatnonzero(mask[self.edge_child] & mask[self.edge_parent])
        ids = self.ids_of(sel)
        name = dict(zip(sel.tolist(), ids, strict=True))
        org_codes, orgs = self.org_codes
        fam_codes, families = self.family_codes
        cty_codes, countries = self.country_codes
        dev_codes, developers = self.developer_codes
        created = self.created_at
        for i, mid in zip(sel.tolist(), ids, strict=True):
            g.add_node(
                mid,
                author=orgs[org_codes[i]],
                downloads=int(self.downloads[i]),
                downloads_all_time=int(self.downloads_all_time[i]),
                likes=int(self.likes[i]),
                created_at=None if np.isnat(created[i]) else str(created[i]),
                family=families[fam_codes[i]],
                country=countries[cty_codes[i]],
                developer=developers[dev_codes[i]],
                stub=bool(self.stub[i]),
            )
        for e in e_sel.tolist():
            g.add_edge(
                name[int(self.edge_child[e])],
                name[int(self.edge_parent[e])],
                relation=self.relation_of(e).label,
                source=self.source_of(e),
            )
        return g
