"""What an answer cannot say: inputs, windows and levels with missing data.

Attribution calls these: a gap that leaves nothing to answer is a :class:`QueryError`; a
partial one is a warning in ``meta['warnings']``, which :func:`gap_notes` turns into lines
under a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hflineage.errors import QueryError
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.graph.taxonomy import UNKNOWN_COUNTRY
from hflineage.queries.choices import Level, Metric
from hflineage.queries.window import Window

if TYPE_CHECKING:
    from hflineage.queries.attribution import AttributionMeta

__all__ = ["WHY_UNKNOWN", "gap_notes", "level_gaps", "metric_gaps", "window_gaps"]

#: Why a node's country is unknown, as codes (0: its country is known).
WHY_UNKNOWN = ("known", "unclassified authors", "organizations not curated", "missing accounts")

#: The loader's note for a count missing from a row, by metric.
_MISSING_NOTE = {
    "downloads": "downloads missing (read as 0)",
    "downloads_all_time": "downloadsAllTime missing (read as 0)",
    "likes": "likes missing (read as 0)",
}


def metric_gaps(graph: LineageGraph, metric: Metric) -> list[str]:
    """Warnings for a metric some input rows lack; an error when no row states it."""
    note = _MISSING_NOTE.get(metric)
    if note is None:  # uploads: every row is one
        return []
    load = graph.validation.load
    missing = load.notes.get(note, 0)
    # rows read as models, before repeated ids were dropped (the notes count those too)
    rows = load.rows_loaded + load.rejected.get("duplicate id (the first row is kept)", 0)
    if not missing or not rows:
        return []
    field_name = note.split()[0]
    if missing >= rows:
        raise QueryError(
            f"metric {metric!r} is absent from every input row ({field_name} missing in all "
            f"{rows:,}); choose another metric or a snapshot that has it"
        )
    return [f"{field_name} missing in {missing:,} of {rows:,} input rows (read as 0)"]


def window_gaps(
    graph: LineageGraph, window: Window, mask: np.ndarray, excluded: dict[str, int]
) -> list[str]:
    """Warnings for models a window had to leave out; an error when it selects none."""
    if window.is_open:
        if not mask.any():
            raise QueryError("no models to count: the input has no model rows")
        return []
    models = int((~graph.stub).sum())
    undated = excluded["missing_created_at"] + excluded["placeholder_created_at"]
    if not mask.any():
        if models and undated >= models:
            raise QueryError(
                f"the window ({window.describe()}) selects models by createdAt, but none of "
                f"the {models:,} models has a usable one ({excluded['missing_created_at']:,} "
                f"missing, {excluded['placeholder_created_at']:,} the Hub's placeholder)"
            )
        created = graph.created_at
        dated = created[~graph.stub & ~np.isnat(created) & (created != PLACEHOLDER_CREATED_AT)]
        span = f"; createdAt runs from {dated.min()} to {dated.max()}" if len(dated) else ""
        raise QueryError(f"no model falls in the window ({window.describe()}){span}")
    if excluded["missing_created_at"]:
        return [
            f"{excluded['missing_created_at']:,} of {models:,} models have no createdAt and "
            "are left out of the window"
        ]
    return []


def level_gaps(by: Level, names: Sequence[str], credited: np.ndarray) -> list[str]:
    """A warning when every credited key is the level's 'no data' key."""
    empty = {"country": UNKNOWN_COUNTRY, "family": "other"}.get(by)
    if empty is None or not len(credited):
        return []
    if {str(names[i]) for i in credited.tolist()} != {empty}:
        return []
    table = "country table" if by == "country" else "family rules"
    return [f"every key is {empty!r}: no credited model matches the curated {table}"]


def gap_notes(meta: AttributionMeta) -> list[str]:
    """Warnings a table of these rows must carry (what ``meta`` says is missing or unclear)."""
    notes = list(meta.get("warnings", []))
    unknown = meta.get("unknown")
    denominator = meta.get("denominator", 0.0)
    if unknown is not None and unknown["value"] and denominator:
        part = float(unknown[WHY_UNKNOWN[1]])
        notes.append(
            f"unknown holds {100 * float(unknown['value']) / denominator:.3g}% of the "
            f"denominator; {100 * part / denominator:.3g}% is authors whose kind (user or "
            "organisation) is not known"
            + (
                ""
                if unknown["author_kinds_known"]
                else " (no author kinds loaded: run hf-lineage crawl-authors on the snapshot)"
            )
        )
    return notes
