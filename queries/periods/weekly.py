"""Downloads per ISO week credited to the top keys: one period per pair of snapshots.

Each ISO week is represented by its newest stored snapshot; consecutive ones bound the
intervals, and every interval follows the period rules of
:mod:`hflineage.queries.periods.downloads`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph
from hflineage.loaders.store import parse_day
from hflineage.queries.attribution import credit_by_key, level_codes
from hflineage.queries.choices import Level, MergePolicy, View, check_choices
from hflineage.queries.periods.downloads import compare_snapshots
from hflineage.queries.periods.history import SnapshotHistory, on_graph, read_counts
from hflineage.queries.series import shares_of_totals
from hflineage.queries.window import Window

__all__ = ["WeeklySeries", "weekly_series"]

#: The row that sums every key below the top ones.
OTHER_KEYS = "other keys"


@dataclass
class WeeklySeries:
    """``values[k][w]``: downloads credited to ``keys[k]`` in interval ``w``.

    Interval ``w`` runs from snapshot ``starts[w]`` to snapshot ``ends[w]`` and is labelled
    with the ISO week of its end (``weeks[w]``, e.g. ``2026-W20``); ``totals`` are the counted
    downloads of each interval (the share denominators), ``unattributed`` the part of them
    from models missing from the lineage graph.
    """

    weeks: list[str]
    starts: list[str]
    ends: list[str]
    keys: list[str]
    values: list[list[float]]
    totals: list[float]
    unattributed: list[float]
    meta: dict[str, Any] = field(default_factory=dict)

    def shares(self) -> list[list[float]]:
        """Per-interval shares in percent of that interval's total."""
        return shares_of_totals(self.values, self.totals)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for charts."""
        return {
            "weeks": self.weeks,
            "starts": self.starts,
            "ends": self.ends,
            "totals": self.totals,
            "unattributed": self.unattributed,
            "series": [
                {"key": k, "values": v, "shares": s}
                for k, v, s in zip(self.keys, self.values, self.shares(), strict=True)
            ],
            "meta": self.meta,
        }


def _week_ends(days: Sequence[date]) -> list[date]:
    """The newest snapshot of every ISO week that has one."""
    last: dict[tuple[int, int], date] = {}
    for d in sorted(days):
        iso = d.isocalendar()
        last[(iso.year, iso.week)] = d
    return sorted(last.values())


def weekly_series(
    history: SnapshotHistory,
    graph: LineageGraph,
    *,
    by: Level = "family",
    view: View = "lineage",
    policy: MergePolicy = "split",
    since: date | str | None = None,
    until: date | str | None = None,
    renames: Mapping[str, str] | None = None,
    window: Window | None = None,
    top: int = 10,
) -> WeeklySeries:
    """Downloads per week credited to the ``top`` keys (the rest summed as ``other keys``).

    Each ISO week is represented by its newest snapshot; consecutive ones bound the
    intervals (a week with no snapshot widens the next interval: ``starts``/``ends`` say so).
    Every interval follows the period rules; ``meta['intervals']`` has their anomalies.
    """
    view, policy, by = check_choices(view=view, policy=policy, by=by)
    lo = parse_day(since, "since") if since is not None else None
    hi = parse_day(until, "until") if until is not None else None
    days = [d for d in history.dates() if (lo is None or d >= lo) and (hi is None or d <= hi)]
    ends = _week_ends(days)
    if len(ends) < 2:
        raise QueryError(
            f"a weekly series needs snapshots in at least two ISO weeks; found "
            f"{len(ends)} in the range ({', '.join(d.isoformat() for d in days) or 'none'})"
        )
    window = window or Window()
    win_mask, excluded = window.mask(graph)
    codes, names = level_codes(graph, by)
    per: list[np.ndarray] = []
    totals: list[float] = []
    unattributed: list[float] = []
    intervals: list[dict[str, Any]] = []
    prev = read_counts(history, ends[0])
    for day in ends[1:]:
        cur = read_counts(history, day)
        period = compare_snapshots(prev, cur, renames)
        figures = on_graph(graph, period.model_id, period.downloads, period.counted)
        mask = win_mask & figures.counted
        credit, _ = credit_by_key(graph, figures.values, mask, codes, len(names), policy, view)
        per.append(credit)
        totals.append(float(figures.values[mask].sum()))
        unattributed.append(float(figures.missing_total))
        r = period.report
        intervals.append(
            {
                "start": r["start"],
                "end": r["end"],
                "decreased": r["decreased"]["models"],
                "vanished": r["vanished"]["models"],
                "untracked": r["untracked"]["models"],
                "not_in_graph": len(figures.missing_rows),
            }
        )
        prev = cur
    mat = np.stack(per, axis=1) if per else np.zeros((len(names), 0))
    # the largest totals first, ties by key name (as attribute orders its rows)
    total = mat.sum(axis=1)
    credited = np.flatnonzero(total > 0).tolist()
    keep = sorted(credited, key=lambda i: (-total[i], names[i]))[:top]
    keys = [names[i] for i in keep]
    rows = [mat[i].tolist() for i in keep]
    rest = np.setdiff1d(np.arange(len(names)), keep)
    if len(rest) and mat[rest].sum() > 0:
        keys.append(OTHER_KEYS)
        rows.append(mat[rest].sum(axis=0).tolist())
    return WeeklySeries(
        weeks=[f"{d.isocalendar().year}-W{d.isocalendar().week:02d}" for d in ends[1:]],
        starts=[d.isoformat() for d in ends[:-1]],
        ends=[d.isoformat() for d in ends[1:]],
        keys=keys,
        values=rows,
        totals=totals,
        unattributed=unattributed,
        meta={
            "level": by,
            "view": view,
            "metric": "downloads_in_period",
            "policy": policy if view == "lineage" else "n/a (uploader view)",
            "window": window.describe(),
            "excluded": excluded,
            "intervals": intervals,
        },
    )
