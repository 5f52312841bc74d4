"""The Cypher schema (docs/cypher.md) as Arrow tables, ready for any graph database.

One function, :func:`graph_tables`, turns a :class:`~hflineage.graph.LineageGraph` into the
node and relationship tables every backend loads (the embedded engine by ``COPY``, a Bolt
server by batched ``UNWIND ... MERGE``, ``neo4j-admin`` from CSV)::

    (:Model {id, author, downloads, downloadsAllTime, likes, createdAt, pipelineTag,
             libraryName, family, country, developer, stub, nParents, depth})
    (:Model)-[:DERIVED_FROM {relation, source, rank}]->(:Model)     derived -> base
    (:Org {name, country, developer})-[:PUBLISHED]->(:Model)
    (:Model)-[:HAS_ROOT {weight, first}]->(:Model)                  precomputed credit

Additions to the schema's core, all computed on the Python side:

* ``Model.nParents`` (0 marks a root) and ``Model.depth`` (longest derivation chain from a
  root); ``DERIVED_FROM.rank`` is the parent's position in the declared order (0 = first).
* ``HAS_ROOT`` links every model to each root it credits (a root links to itself).
  ``weight`` is its ``split``-policy credit: the sum over derivation paths of the product of
  ``1 / nParents`` along each path. It is precomputed because real lineage makes that sum
  impossible to enumerate in Cypher: on the 4,167-row sample one merge model has about
  7e13 paths to its roots. ``first`` marks the root reached through first-listed parents
  (the ``first`` policy); the ``full`` policy is every ``HAS_ROOT`` edge with weight 1.
* ``Model.family`` is the family of the model's first root; ``Model.country``,
  ``Model.developer`` and ``Model.author`` are those of its own (uploader's) org: the
  author, else the id's namespace; ``developer`` is the organisation behind it
  (``graph/data/developers.csv``; an uncurated namespace is its own developer).
* ``createdAt`` is an ISO string (``2024-05-01T12:00:00``, UTC, null when unknown), the one
  temporal form every backend here can store and return.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph, Relation
from hflineage.graph.keynames import names_arrow
from hflineage.loaders.records import SOURCES

__all__ = [
    "DERIVED_FROM_PROPERTIES",
    "HAS_ROOT_PROPERTIES",
    "MODEL_PROPERTIES",
    "ORG_PROPERTIES",
    "PLACEHOLDER_CREATED_AT_TEXT",
    "RELATIONSHIPS",
    "SCHEMA_VERSION",
    "GraphTables",
    "graph_tables",
]

#: Bumped whenever a label, type or property changes meaning.
SCHEMA_VERSION = 3

#: ``(property, type)`` in table order; types are the embedded engine's names.
MODEL_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("id", "STRING"),
    ("author", "STRING"),
    ("downloads", "INT64"),
    ("downloadsAllTime", "INT64"),
    ("likes", "INT64"),
    ("createdAt", "STRING"),
    ("pipelineTag", "STRING"),
    ("libraryName", "STRING"),
    ("family", "STRING"),
    ("country", "STRING"),
    ("developer", "STRING"),
    ("stub", "BOOLEAN"),
    ("nParents", "INT64"),
    ("depth", "INT64"),
)
ORG_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("name", "STRING"),
    ("country", "STRING"),
    ("developer", "STRING"),
)
DERIVED_FROM_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("relation", "STRING"),
    ("source", "STRING"),
    ("rank", "INT64"),
)
HAS_ROOT_PROPERTIES: tuple[tuple[str, str], ...] = (("weight", "DOUBLE"), ("first", "BOOLEAN"))

#: Relationship type -> (start label, end label, properties).
RELATIONSHIPS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "DERIVED_FROM": ("Model", "Model", DERIVED_FROM_PROPERTIES),
    "PUBLISHED": ("Org", "Model", ()),
    "HAS_ROOT": ("Model", "Model", HAS_ROOT_PROPERTIES),
}

#: The Hub's placeholder ``createdAt`` as stored in ``Model.createdAt``.
PLACEHOLDER_CREATED_AT_TEXT = str(PLACEHOLDER_CREATED_AT)


@dataclass(frozen=True)
class GraphTables:
    """Node and relationship tables of the Cypher schema.

    Relationship tables start with ``from`` and ``to`` (the key of the start and end node:
    ``Model.id`` or ``Org.name``), followed by the relationship's properties.
    """

    models: pa.Table
    orgs: pa.Table
    derived_from: pa.Table
    published: pa.Table
    has_root: pa.Table

    def nodes(self) -> dict[str, pa.Table]:
        """Node tables by label."""
        return {"Model": self.models, "Org": self.orgs}

    def relationships(self) -> dict[str, pa.Table]:
        """Relationship tables by type."""
        return {
            "DERIVED_FROM": self.derived_from,
            "PUBLISHED": self.published,
            "HAS_ROOT": self.has_root,
        }

    def counts(self) -> dict[str, int]:
        """Rows per label and type."""
        return {k: t.num_rows for k, t in {**self.nodes(), **self.relationships()}.items()}

    def fingerprint(self) -> str:
        """A digest of every table's content: equal tables give equal fingerprints."""
        h = hashlib.sha256(f"schema {SCHEMA_VERSION}".encode())
        for name, table in {**self.nodes(), **self.relationships()}.items():
            h.update(f"{name} {table.schema}".encode())
            for batch in table.combine_chunks().to_batches(max_chunksize=1 << 16):
                h.update(memoryview(batch.serialize()))
        return h.hexdigest()[:32]


def _plain_strings(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous ``string`` array (whatever encoding the graph keeps it in)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(pa.string())


def _labels(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    """Plain strings for per-row codes into ``names``."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int64()), names_arrow(names)).cast(
        pa.string()
    )


def _created_text(created: np.ndarray) -> pa.Array:
    """``datetime64[s]`` -> ISO text without zone (UTC), null for NaT."""
    text = np.datetime_as_string(created.astype("datetime64[s]"), unit="s")
    out = pa.array(text, type=pa.string(), mask=np.isnat(created))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _has_root(graph: LineageGraph) -> pa.Table:
    """One row per (model, credited root): split weight and the first-policy flag."""
    n = graph.n
    split = graph.root_sets("split")
    first = graph.root_sets("first").of_node
    of = split.of_node
    single = np.flatnonzero(of < n)
    child = [single]
    root = [of[single]]
    weight = [np.ones(len(single))]
    if split.n_combos:
        combo_nodes = np.flatnonzero(of >= n)
        pos, reps = split.positions(of[combo_nodes] - n)
        child.append(np.repeat(combo_nodes, reps))
        root.append(split.combo_roots[pos])
        weight.append(split.combo_weights[pos])
    c = np.concatenate(child)
    r = np.concatenate(root)
    order = np.lexsort((r, c))
    c, r, w = c[order], r[order], np.concatenate(weight)[order]
    ids = _plain_strings(graph.model_id)
    return pa.table(
        {
            "from": ids.take(pa.array(c)),
            "to": ids.take(pa.array(r)),
            "weight": pa.array(w, pa.float64()),
            "first": pa.array(first[c] == r),
        }
    )


def _ranks(graph: LineageGraph) -> np.ndarray:
    """Each edge's position among its child's parents, in declared order."""
    # Edges of one child keep their declared order in the edge arrays (a stable sort
    # by child keeps it too); the rank is the position within the child's run.
    rank = np.zeros(graph.n_edges, dtype=np.int64)
    order = np.argsort(graph.edge_child, kind="stable")
    sorted_child = graph.edge_child[order]
    starts = np.searchsorted(sorted_child, sorted_child, side="left")
    rank[order] = np.arange(len(order)) - starts
    return rank


def graph_tables(graph: LineageGraph) -> GraphTables:
    """The schema's node and relationship tables for a lineage graph.

    Every model and stub becomes a ``Model``; every org (author, else namespace) an ``Org``
    that ``PUBLISHED`` its models. Strings are passed through unchanged: they are Hub data,
    and every backend receives them as parameters or through its bulk loader, never as
    query text.
    """
    ids = _plain_strings(graph.model_id)
    org_codes, org_names = graph.org_codes
    country_codes, country_names = graph.country_codes
    family_codes, family_names = graph.family_codes
    developer_codes, developer_names = graph.developer_codes
    # An org's country and developer are those of its models (author kinds included).
    first_node = np.zeros(len(org_names), dtype=np.int64)
    first_node[org_codes[::-1]] = np.arange(len(org_codes) - 1, -1, -1)
    models = pa.table(
        {
            "id": ids,
            "author": _labels(org_codes, org_names),
            "downloads": pa.array(graph.downloads, pa.int64()),
            "downloadsAllTime": pa.array(graph.downloads_all_time, pa.int64()),
            "likes": pa.array(graph.likes, pa.int64()),
            "createdAt": _created_text(graph.created_at),
            "pipelineTag": _plain_strings(graph.pipeline_tag),
            "libraryName": _plain_strings(graph.library_name),
            "family": _labels(family_codes, family_names),
            "country": _labels(country_codes, country_names),
            "developer": _labels(developer_codes, developer_names),
            "stub": pa.array(graph.stub.astype(bool)),
            "nParents": pa.array(graph.n_parents, pa.int64()),
            "depth": pa.array(graph.depth, pa.int64()),
        }
    )
    orgs = pa.table(
        {
            "name": names_arrow(org_names),
            "country": _labels(country_codes[first_node], country_names),
            "developer": _labels(developer_codes[first_node], developer_names),
        }
    )
    relation_labels = pa.array([r.label for r in Relation], pa.string())
    derived_from = pa.table(
        {
            "from": ids.take(pa.array(graph.edge_child)),
            "to": ids.take(pa.array(graph.edge_parent)),
            "relation": relation_labels.take(pa.array(graph.edge_relation.astype(np.int64))),
            "source": pa.array(list(SOURCES), pa.string()).take(
                pa.array(graph.edge_source.astype(np.int64))
            ),
            "rank": pa.array(_ranks(graph), pa.int64()),
        }
    )
    published = pa.table({"from": names_arrow(org_names).take(pa.array(org_codes)), "to": ids})
    return GraphTables(
        models=models,
        orgs=orgs,
        derived_from=derived_from,
        published=published,
        has_root=_has_root(graph),
    )
