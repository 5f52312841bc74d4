"""Downloads in each model's first year after creation (the study's window).

Each model's ``downloadsAllTime`` is read at the last stored snapshot on or before its first
anniversary (creation + 365 days), at most ``tolerance_days`` earlier, so the figure never
includes downloads from after the first year. Models whose year is not over, that have no
snapshot near the anniversary, or whose ``createdAt`` is missing or the Hub's placeholder
(2022-03-02T23:29:04, "created before 2022-03-03") are left out and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from hflineage.errors import QueryError
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.loaders.table import take_rows
from hflineage.queries.attribution import Attribution, attribute_values
from hflineage.queries.choices import Level, MergePolicy, View
from hflineage.queries.periods.history import (
    SnapshotHistory,
    examples,
    lower_renames,
    read_counts,
    rows_of,
)
from hflineage.queries.window import Window

__all__ = [
    "FIRST_YEAR_STATUSES",
    "FirstYearDownloads",
    "attribute_first_year",
    "first_year_downloads",
]

#: Status of each graph node in the first-year window. Only ``counted`` nodes get credit.
FIRST_YEAR_STATUSES: tuple[str, ...] = (
    "counted",
    "year_not_over",  # the first anniversary is after the newest snapshot
    "no_snapshot_near_anniversary",  # no snapshot within tolerance before the anniversary
    "missing_at_anniversary",  # the snapshot read does not have the model
    "placeholder_created_at",
    "missing_created_at",
    "stub",
)


@dataclass
class FirstYearDownloads:
    """Downloads in each node's first year (aligned with the graph's nodes)."""

    downloads: np.ndarray
    status: np.ndarray
    read_at: list[str | None]
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def counted(self) -> np.ndarray:
        """Nodes with a first-year figure."""
        out: np.ndarray = self.status == 0
        return out


def first_year_downloads(
    history: SnapshotHistory,
    graph: LineageGraph,
    *,
    tolerance_days: int = 7,
    renames: Mapping[str, str] | None = None,
) -> FirstYearDownloads:
    """``downloadsAllTime`` of each model at the snapshot ending its first year.

    The snapshot read is the newest on or before ``createdAt + 365 days``, and no more than
    ``tolerance_days`` before it. Models whose first year is not over, that have no such
    snapshot, or whose ``createdAt`` is the placeholder or missing are left out and counted.
    """
    if tolerance_days < 0:
        raise QueryError(f"tolerance_days must be 0 or more, got {tolerance_days}")
    days = sorted(set(history.dates()))
    if not days:
        raise QueryError(
            "the snapshot store is empty; add snapshots with: hf-lineage snapshot add PATH"
        )
    n = graph.n
    created = graph.created_at
    placeholder = created == PLACEHOLDER_CREATED_AT
    undated = np.isnat(created)
    status = np.full(n, 0, dtype=np.int8)
    anniversary = created.astype("datetime64[D]") + np.timedelta64(365, "D")
    grid = np.array([d.isoformat() for d in days], dtype="datetime64[D]")
    pos = np.searchsorted(grid, anniversary, side="right") - 1
    early = anniversary - grid[np.maximum(pos, 0)]
    near = (pos >= 0) & (early <= np.timedelta64(tolerance_days, "D"))
    not_over = anniversary > grid[-1]
    status[~near] = 2
    status[not_over] = 1
    status[undated] = 5
    status[placeholder] = 4
    status[graph.stub] = 6

    downloads = np.zeros(n, dtype=np.int64)
    read_at: list[str | None] = [None] * n
    reverse: dict[str, list[str]] = {}
    for old, new in lower_renames(renames).items():
        reverse.setdefault(new, []).append(old)
    for p in np.unique(pos[status == 0]).tolist():
        nodes = np.flatnonzero((status == 0) & (pos == p))
        snap = read_counts(history, days[p])
        keys = take_rows(graph.model_id, nodes)
        at = rows_of(keys, snap.ids)
        if reverse:  # not found: look for the model under its former ids
            for k in np.flatnonzero(at < 0).tolist():
                todo, seen = list(reverse.get(str(keys[k]).lower(), [])), set()
                while todo and at[k] < 0:
                    alias = todo.pop()
                    if alias in seen:
                        continue
                    seen.add(alias)
                    hit = rows_of(pa.array([alias], pa.string()), snap.ids)[0]
                    at[k] = hit
                    todo.extend(reverse.get(alias, []))
        found = at >= 0
        downloads[nodes[found]] = snap.total[at[found]]
        status[nodes[~found]] = 3
        for v in nodes[found].tolist():
            read_at[v] = days[p].isoformat()
    models = ~graph.stub
    report = {
        "tolerance_days": tolerance_days,
        "snapshots": [d.isoformat() for d in days],
        "models": {
            FIRST_YEAR_STATUSES[s]: int(((status == s) & models).sum())
            for s in range(len(FIRST_YEAR_STATUSES) - 1)
        },
        "examples": {
            FIRST_YEAR_STATUSES[s]: examples(graph.model_id, np.flatnonzero(status == s))
            for s in (1, 2, 3)
            if (status == s).any()
        },
    }
    return FirstYearDownloads(downloads, status, read_at, report)


def attribute_first_year(
    graph: LineageGraph,
    first_year: FirstYearDownloads,
    *,
    by: Level = "family",
    view: View = "lineage",
    policy: MergePolicy = "split",
    window: Window | None = None,
    top: int | None = None,
) -> Attribution:
    """Credit each model's first-year downloads to keys of a level.

    Exactly :func:`~hflineage.queries.attribution.attribute` over the first-year figures;
    ``meta['first_year']`` says how many models each rule left out.
    """
    if len(first_year.downloads) != graph.n:
        raise QueryError(
            f"first-year figures have {len(first_year.downloads)} nodes, the graph "
            f"{graph.n}; compute them with first_year_downloads on this graph"
        )
    result = attribute_values(
        graph,
        first_year.downloads.astype(np.float64),
        counted=first_year.counted,
        metric="downloads_first_year",
        metric_description="downloads in each model's first year after creation "
        "(downloadsAllTime at the last snapshot on or before createdAt + 365 days, at most "
        f"{first_year.report.get('tolerance_days')} days early)",
        by=by,
        view=view,
        policy=policy,
        window=window,
        top=top,
    )
    result.meta["first_year"] = first_year.report
    return result
