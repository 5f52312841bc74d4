"""What period queries read from a snapshot history, and how they match ids.

Ids are matched the way the graph builder matches a declared parent to a model: exactly,
case-insensitively, through the model table's id keys (``loaders.table.IdKeys``). Between
two snapshots, and between a snapshot and the lineage graph, that is the only matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.graph import LineageGraph
from hflineage.loaders.table import IdKeys, take_rows

pc = lazy_module("pyarrow.compute")

__all__ = [
    "GraphFigures",
    "SnapshotCounts",
    "SnapshotHistory",
    "examples",
    "lower_renames",
    "on_graph",
    "read_counts",
    "rows_of",
]

_MAX_EXAMPLES = 5


class SnapshotHistory(Protocol):
    """What period queries need from a snapshot store (``loaders.store.SnapshotStore``)."""

    def dates(self) -> list[date]:
        """Stored snapshot dates, oldest first."""
        ...

    def counts(self, day: date) -> pa.Table:
        """``model_id``, ``created_at``, ``downloads_all_time`` of one snapshot."""
        ...


@dataclass(frozen=True)
class SnapshotCounts:
    """One snapshot's ids (as spelled), ``createdAt`` and ``downloadsAllTime`` per row."""

    day: date
    ids: pa.Array
    created: np.ndarray
    total: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def read_counts(history: SnapshotHistory, day: date) -> SnapshotCounts:
    """The counts of the snapshot stored for ``day``."""
    t = history.counts(day)
    col = t["model_id"]
    ids = (col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col).cast(pa.string())
    created = t["created_at"]
    if created.type != pa.timestamp("s"):
        created = pc.cast(created, pa.timestamp("s"), safe=False)
    return SnapshotCounts(
        day=day,
        ids=ids,
        created=np.asarray(created.to_numpy(zero_copy_only=False), dtype="datetime64[s]"),
        total=np.asarray(
            pc.fill_null(t["downloads_all_time"], 0).to_numpy(zero_copy_only=False), np.int64
        ),
    )


def rows_of(wanted: pa.Array | pa.ChunkedArray, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For every id of ``wanted``, the first row of ``ids`` with that id (-1: none).

    Case-insensitive and exact (``IdKeys``: fingerprints propose, strings decide).
    """
    if not len(wanted):
        return np.zeros(0, dtype=np.int64)
    found: np.ndarray = IdKeys.encode(ids, wanted).parent_row
    return found


def lower_renames(renames: Mapping[str, str] | None) -> dict[str, str]:
    """A rename map (old id -> new id) with both ids trimmed and lower-cased."""
    return {k.strip().lower(): v.strip().lower() for k, v in (renames or {}).items()}


def examples(
    ids: pa.Array | pa.ChunkedArray,
    rows: np.ndarray,
    fmt: Callable[[str, int], str] | None = None,
) -> list[str]:
    """The ids of the first few ``rows`` (for a report), optionally formatted with their row."""
    sel = rows[:_MAX_EXAMPLES]
    names = [str(x) for x in take_rows(ids, sel).to_pylist()]
    return names if fmt is None else [fmt(n, int(r)) for n, r in zip(names, sel, strict=True)]


@dataclass(frozen=True)
class GraphFigures:
    """Per-row figures moved onto the graph's nodes, and what could not be."""

    values: np.ndarray
    counted: np.ndarray
    missing_rows: np.ndarray
    missing_total: int

    def not_in_graph(self, ids: pa.Array) -> dict[str, object]:
        """The report of the rows the graph lacks."""
        return {
            "models": len(self.missing_rows),
            "downloads": self.missing_total,
            "examples": examples(ids, self.missing_rows),
            "note": "counted in the period but absent from the lineage graph: not attributed",
        }


def on_graph(
    graph: LineageGraph, ids: pa.Array, values: np.ndarray, counted: np.ndarray
) -> GraphFigures:
    """Per-row figures onto graph nodes; rows the graph lacks are counted, not credited.

    A node takes the figure of the first row with its id; stubs (parents named by other
    models, not rows of the data) take none.
    """
    row = rows_of(graph.model_id, ids)
    ok = (row >= 0) & ~graph.stub
    node_values = np.zeros(graph.n, dtype=np.float64)
    node_values[ok] = values[row[ok]]
    node_counted = np.zeros(graph.n, dtype=bool)
    node_counted[ok] = counted[row[ok]]
    in_graph = np.zeros(len(ids), dtype=bool)
    in_graph[row[ok]] = True
    missing = np.flatnonzero(counted & ~in_graph)
    return GraphFigures(node_values, node_counted, missing, int(values[missing].sum()))
