"""Downloads in a period, read from two snapshots of a history, attributed like any metric.

The Hub publishes a rolling 30-day count and an all-time total per model. Downloads in a
period are the difference of ``downloadsAllTime`` between the two stored snapshots that bound
it, per model, matched by id (case-insensitively). The rules, each counted in the report:

- in both snapshots: end total minus start total;
- not in the start snapshot and created on or after its date: counts from zero;
- re-created (same id, a later ``createdAt`` than in the start snapshot): counts from zero;
- a total that went down (a reset, a re-created repo dated like the old one): credited 0,
  never negative, and listed;
- in the start snapshot but not in the end one (deleted, made private or renamed): its
  downloads in the period are unknown, so it gets no credit and is listed;
- renamed: matched only through an explicit rename map (old id -> new id, recorded with
  ``hf-lineage snapshot rename``). Without it a rename is a vanished id plus an id that
  appears with a ``createdAt`` before the period; such an id is left out (its downloads before
  the period are unknown) and pairs that share an exact ``createdAt`` are listed as likely
  renames;
- the placeholder ``createdAt`` (2022-03-02T23:29:04, repos older than the Hub's records)
  means "created before 2022-03-03": such repos are never "created in the period", and the
  first-year window leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.errors import QueryError
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.loaders.store import parse_day
from hflineage.queries.attribution import Attribution, attribute_values
from hflineage.queries.choices import Level, MergePolicy, View
from hflineage.queries.periods.history import (
    SnapshotCounts,
    SnapshotHistory,
    examples,
    lower_renames,
    on_graph,
    read_counts,
    rows_of,
)
from hflineage.queries.window import Window

pc = lazy_module("pyarrow.compute")

__all__ = [
    "PERIOD_STATUSES",
    "PeriodDownloads",
    "attribute_period",
    "compare_snapshots",
    "period_bounds",
    "period_downloads",
]

#: Status of each end-snapshot model in a period. Only ``untracked`` is left out.
PERIOD_STATUSES: tuple[str, ...] = (
    "diffed",  # in both snapshots: end - start
    "renamed",  # matched to its old id through the rename map: end - start
    "created",  # created in the period: counts from zero
    "recreated",  # same id, later createdAt: counts from zero
    "decreased",  # the total went down: credited 0
    "untracked",  # absent from the start snapshot yet created before the period: left out
)
_DIFFED, _RENAMED, _CREATED, _RECREATED, _DECREASED, _UNTRACKED = range(6)

_MAX_RENAME_CANDIDATES = 20


# -- the period ---------------------------------------------------------------------------
def period_bounds(
    dates: Sequence[date], since: date | str | None, until: date | str | None
) -> tuple[date, date]:
    """The stored snapshots that bound a period.

    The start is the newest snapshot on or before ``since`` (default: the oldest snapshot);
    the end is the newest on or before ``until`` (default: the newest snapshot). Reports
    state the snapshot dates actually used.

    Raises:
        QueryError: fewer than two snapshots bound the period.
    """
    lo_req = parse_day(since, "since") if since is not None else None
    hi_req = parse_day(until, "until") if until is not None else None
    have = sorted(set(dates))
    listing = ", ".join(d.isoformat() for d in have) or "none"
    if len(have) < 2:
        raise QueryError(
            f"a period needs two stored snapshots, the store has {len(have)} ({listing}); "
            "add more with: hf-lineage snapshot add PATH --date YYYY-MM-DD"
        )
    lo = lo_req or have[0]
    hi = hi_req or have[-1]
    if lo >= hi:
        raise QueryError(
            f"the period's start {lo.isoformat()} must be before its end {hi.isoformat()}"
        )
    before_lo = [d for d in have if d <= lo]
    if not before_lo:
        raise QueryError(
            f"no stored snapshot on or before the period's start {lo.isoformat()} "
            f"(stored: {listing}); pick a later start or add an older snapshot"
        )
    start = before_lo[-1]
    end = [d for d in have if d <= hi][-1]
    if end <= start:
        raise QueryError(
            f"the period {lo.isoformat()} to {hi.isoformat()} falls between two snapshots "
            f"(stored: {listing}); widen it so that a snapshot lies after {start.isoformat()}"
        )
    return start, end


@dataclass
class PeriodDownloads:
    """Downloads in a period per model of the end snapshot (see the module's rules)."""

    start: date
    end: date
    model_id: pa.Array
    downloads: np.ndarray
    status: np.ndarray
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def counted(self) -> np.ndarray:
        """Which rows are credited (everything but ``untracked``)."""
        out: np.ndarray = self.status != _UNTRACKED
        return out

    @property
    def total(self) -> int:
        """Downloads in the period over the counted models."""
        return int(self.downloads[self.counted].sum())

    def _row(self, model_id: str) -> int:
        pos = rows_of(pa.array([model_id], pa.string()), self.model_id)
        if pos[0] < 0:
            raise QueryError(
                f"model {model_id!r} is not in the end snapshot {self.end.isoformat()}"
            )
        return int(pos[0])

    def downloads_of(self, model_id: str) -> int | None:
        """One model's downloads in the period; ``None`` when it is left out (untracked)."""
        row = self._row(model_id)
        return None if self.status[row] == _UNTRACKED else int(self.downloads[row])

    def status_of(self, model_id: str) -> str:
        """How one model's figure was obtained (one of :data:`PERIOD_STATUSES`)."""
        return PERIOD_STATUSES[int(self.status[self._row(model_id)])]


def compare_snapshots(
    a: SnapshotCounts, b: SnapshotCounts, renames: Mapping[str, str] | None
) -> PeriodDownloads:
    """The per-model rules (see the module) between two loaded snapshots, ``a`` the older."""
    ren = lower_renames(renames)
    a_key = a.ids
    renamed_rows = np.zeros(0, dtype=np.int64)
    ignored: list[str] = []
    if ren:
        names = sorted(set(ren) | set(ren.values()))
        named = pa.array(names, pa.string())
        in_a = dict(zip(names, (rows_of(named, a.ids) >= 0).tolist(), strict=True))
        in_b = dict(zip(names, (rows_of(named, b.ids) >= 0).tolist(), strict=True))
        olds: list[str] = []
        news: list[str] = []
        for old in ren:
            if not in_a[old] or in_b[old]:
                continue  # not a rename in this period
            new, seen = ren[old], {old}
            while not in_b.get(new, False) and new in ren and new not in seen:
                seen.add(new)
                new = ren[new]
            if not in_b.get(new, False):
                continue  # renamed to an id that is gone too: stays vanished
            if in_a.get(new, False):
                ignored.append(f"{old} -> {new}: both ids are in the start snapshot")
                continue
            olds.append(old)
            news.append(new)
        if olds:
            # the start snapshot's rows as if already renamed
            pos = rows_of(pa.array(olds, pa.string()), a.ids)
            mask = np.zeros(len(a), dtype=bool)
            mask[pos] = True
            order = np.argsort(pos)
            a_key = pc.replace_with_mask(
                a.ids, pa.array(mask), pa.array([news[i] for i in order], pa.string())
            )
            renamed_rows = rows_of(pa.array(news, pa.string()), b.ids)

    idx = rows_of(b.ids, a_key)
    in_start = idx >= 0
    safe = np.where(in_start, idx, 0)
    a_created = a.created[safe] if len(a.created) else np.full(len(b), np.datetime64("NaT", "s"))
    a_total = a.total[safe] if len(a.total) else np.zeros(len(b), np.int64)
    both_dated = in_start & ~np.isnat(b.created) & ~np.isnat(a_created)
    recreated = both_dated & (b.created > np.where(both_dated, a_created, b.created))
    start_midnight = np.datetime64(a.day.isoformat(), "s")
    created_in = ~in_start & ~np.isnat(b.created) & (b.created >= start_midnight)
    untracked = ~in_start & ~created_in
    diff = b.total - a_total
    decreased = in_start & ~recreated & (diff < 0)

    status = np.full(len(b), _DIFFED, dtype=np.int8)
    status[renamed_rows] = _RENAMED
    status[created_in] = _CREATED
    status[recreated] = _RECREATED
    status[decreased] = _DECREASED
    status[untracked] = _UNTRACKED
    downloads = np.where(in_start & ~recreated, np.maximum(diff, 0), b.total)
    downloads = np.where(untracked, 0, downloads).astype(np.int64)

    matched = np.zeros(len(a), dtype=bool)
    matched[idx[in_start]] = True
    vanished = np.flatnonzero(~matched)
    unt = np.flatnonzero(untracked)
    dec = np.flatnonzero(decreased)
    rec = np.flatnonzero(recreated)
    placeholder = b.created == PLACEHOLDER_CREATED_AT

    report: dict[str, Any] = {
        "start": a.day.isoformat(),
        "end": b.day.isoformat(),
        "days": (b.day - a.day).days,
        "models_start": len(a),
        "models_end": len(b),
        "downloads": int(downloads[~untracked].sum()),
        "counted": {PERIOD_STATUSES[s]: int((status == s).sum()) for s in range(_UNTRACKED)},
        "decreased": {
            "models": len(dec),
            "total_decrease": int(-diff[dec].sum()),
            "examples": examples(b.ids, dec, lambda n, r: f"{n}: {a_total[r]} -> {b.total[r]}"),
            "note": "the all-time total went down (a reset or a re-created repo): credited 0",
        },
        "recreated": {
            "models": len(rec),
            "examples": examples(b.ids, rec),
            "note": "same id with a later createdAt: counted from zero",
        },
        "vanished": {
            "models": len(vanished),
            "downloads_all_time_at_start": int(a.total[vanished].sum()),
            "examples": examples(a.ids, vanished),
            "note": "in the start snapshot only (deleted, private or renamed): no credit",
        },
        "untracked": {
            "models": len(unt),
            "downloads_all_time_at_end": int(b.total[unt].sum()),
            "examples": examples(b.ids, unt),
            "note": "not in the start snapshot but created before the period (or undated): "
            "left out; record a rename if it is one",
        },
        "rename_candidates": _rename_candidates(a, b, vanished, unt),
        "renames_ignored": ignored,
        "placeholder_created_at": int(placeholder.sum()),
    }
    return PeriodDownloads(a.day, b.day, b.ids, downloads, status, report)


def _rename_candidates(
    a: SnapshotCounts, b: SnapshotCounts, vanished: np.ndarray, untracked: np.ndarray
) -> list[dict[str, Any]]:
    """Vanished and untracked ids that share one exact, real ``createdAt``: likely renames."""
    if not len(vanished) or not len(untracked):
        return []

    def unique_dated(snap: SnapshotCounts, rows: np.ndarray) -> dict[int, int]:
        c = snap.created[rows]
        ok = ~np.isnat(c) & (c != PLACEHOLDER_CREATED_AT)
        secs = c.astype("datetime64[s]").view(np.int64)
        vals, counts = np.unique(secs[ok], return_counts=True)
        once = set(vals[counts == 1].tolist())
        return {int(secs[i]): int(rows[i]) for i in np.flatnonzero(ok) if int(secs[i]) in once}

    old = unique_dated(a, vanished)
    new = unique_dated(b, untracked)
    out: list[dict[str, Any]] = []
    for when in sorted(set(old) & set(new)):
        i, j = old[when], new[when]
        if b.total[j] < a.total[i]:
            continue
        old_id, new_id = str(a.ids[i]), str(b.ids[j])
        out.append(
            {
                "old": old_id,
                "new": new_id,
                "created_at": str(np.datetime64(when, "s")),
                "command": f"hf-lineage snapshot rename {old_id} {new_id}",
            }
        )
        if len(out) >= _MAX_RENAME_CANDIDATES:
            break
    return out


def period_downloads(
    history: SnapshotHistory,
    since: date | str | None = None,
    until: date | str | None = None,
    *,
    renames: Mapping[str, str] | None = None,
) -> PeriodDownloads:
    """Downloads per model between the snapshots that bound ``[since, until]``.

    Args:
        history: the snapshot store.
        since: period start (``YYYY-MM-DD``); default the oldest snapshot.
        until: period end; default the newest snapshot.
        renames: old id -> new id (e.g. ``store.renames()``).

    Returns:
        Figures per model of the end snapshot, with ``report`` saying what each rule did.
    """
    start, end = period_bounds(history.dates(), since, until)
    period = compare_snapshots(read_counts(history, start), read_counts(history, end), renames)
    period.report["requested"] = {
        "from": None if since is None else parse_day(since, "since").isoformat(),
        "to": None if until is None else parse_day(until, "until").isoformat(),
    }
    return period


def attribute_period(
    graph: LineageGraph,
    period: PeriodDownloads,
    *,
    by: Level = "family",
    view: View = "lineage",
    policy: MergePolicy = "split",
    window: Window | None = None,
    top: int | None = None,
) -> Attribution:
    """Credit downloads in a period to roots, families, orgs, developers or countries.

    Exactly :func:`~hflineage.queries.attribution.attribute` (levels, views, policies,
    ``createdAt`` window, row order, ``meta``) over the period's figures; the graph gives the
    lineage (normally the end snapshot's). ``meta['period']`` is the period report,
    ``meta['not_in_graph']`` the counted models the graph lacks (not attributed).
    """
    figures = on_graph(graph, period.model_id, period.downloads, period.counted)
    description = (
        f"downloads from snapshot {period.start.isoformat()} to snapshot "
        f"{period.end.isoformat()} ({(period.end - period.start).days} days): difference of "
        "downloadsAllTime"
    )
    result = attribute_values(
        graph,
        figures.values,
        counted=figures.counted,
        metric="downloads_in_period",
        metric_description=description,
        by=by,
        view=view,
        policy=policy,
        window=window,
        top=top,
    )
    result.meta["period"] = period.report
    result.meta["not_in_graph"] = figures.not_in_graph(period.model_id)
    return result
