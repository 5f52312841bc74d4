"""Downloads in a period, read from a history of snapshots, attributed like any metric.

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

"First year after creation" reads each model's ``downloadsAllTime`` at the last snapshot on
or before its first anniversary (creation + 365 days), at most ``tolerance_days`` earlier,
so it never includes downloads from after the first year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.errors import QueryError
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.loaders.store import parse_day
from hflineage.loaders.table import take_rows
from hflineage.queries.attribution import (
    Attribution,
    AttributionRow,
    _check,
    credit_by_key,
    level_codes,
)
from hflineage.queries.window import Window

__all__ = [
    "FIRST_YEAR_STATUSES",
    "PERIOD_STATUSES",
    "FirstYearDownloads",
    "PeriodDownloads",
    "SnapshotHistory",
    "WeeklySeries",
    "attribute_first_year",
    "attribute_period",
    "first_year_downloads",
    "period_bounds",
    "period_downloads",
    "weekly_series",
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
_MAX_EXAMPLES = 5
_MAX_RENAME_CANDIDATES = 20


class SnapshotHistory(Protocol):
    """What period queries need from a snapshot store (``loaders.store.SnapshotStore``)."""

    def dates(self) -> list[date]:
        """Stored snapshot dates, oldest first."""
        ...

    def counts(self, day: date) -> pa.Table:
        """``model_id``, ``created_at``, ``downloads_all_time`` of one snapshot."""
        ...


# -- one snapshot's counts ------------------------------------------------------------------
@dataclass(frozen=True)
class _Snap:
    day: date
    ids: pa.Array
    lower: pa.Array
    created: np.ndarray
    total: np.ndarray


def _arr(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _snap(history: SnapshotHistory, day: date) -> _Snap:
    t = history.counts(day)
    ids = _arr(t["model_id"]).cast(pa.string())
    created = t["created_at"]
    if created.type != pa.timestamp("s"):
        created = pc.cast(created, pa.timestamp("s"), safe=False)
    return _Snap(
        day=day,
        ids=ids,
        lower=pc.utf8_lower(ids),
        created=np.asarray(created.to_numpy(zero_copy_only=False), dtype="datetime64[s]"),
        total=np.asarray(
            pc.fill_null(t["downloads_all_time"], 0).to_numpy(zero_copy_only=False), np.int64
        ),
    )


def _positions(keys: pa.Array, value_set: pa.Array) -> np.ndarray:
    """Index of each key in ``value_set`` (first occurrence), -1 where absent."""
    idx = pc.fill_null(pc.index_in(keys, value_set=value_set), -1)
    return np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)


def _lower_map(renames: Mapping[str, str] | None) -> dict[str, str]:
    return {k.strip().lower(): v.strip().lower() for k, v in (renames or {}).items()}


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
    lo_req = parse_day(since, "--from") if since is not None else None
    hi_req = parse_day(until, "--to") if until is not None else None
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
        raise QueryError(f"--from {lo.isoformat()} must be before --to {hi.isoformat()}")
    before_lo = [d for d in have if d <= lo]
    if not before_lo:
        raise QueryError(
            f"no stored snapshot on or before --from {lo.isoformat()} (stored: {listing}); "
            "pick a later --from or add an older snapshot"
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
        pos = _positions(pa.array([model_id.lower()]), pc.utf8_lower(self.model_id))
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


def _examples(ids: pa.Array, rows: np.ndarray, fmt: Any = None) -> list[str]:
    sel = rows[:_MAX_EXAMPLES]
    names = [str(x) for x in take_rows(ids, sel).to_pylist()]
    return names if fmt is None else [fmt(n, int(r)) for n, r in zip(names, sel, strict=True)]


def _compare(a: _Snap, b: _Snap, renames: Mapping[str, str] | None) -> PeriodDownloads:
    """The per-model rules between two loaded snapshots."""
    ren = _lower_map(renames)
    a_key = a.lower
    renamed_rows = np.zeros(0, dtype=np.int64)
    ignored: list[str] = []
    if ren:
        names = sorted(set(ren) | set(ren.values()))
        in_a = dict(zip(names, (_positions(pa.array(names), a.lower) >= 0).tolist(), strict=True))
        in_b = dict(zip(names, (_positions(pa.array(names), b.lower) >= 0).tolist(), strict=True))
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
            pos = _positions(pa.array(olds), a.lower)
            mask = np.zeros(len(a.lower), dtype=bool)
            mask[pos] = True
            order = np.argsort(pos)
            a_key = pc.replace_with_mask(
                a.lower, pa.array(mask), pa.array([news[i] for i in order], pa.string())
            )
            renamed_rows = _positions(pa.array(news), b.lower)

    idx = _positions(b.lower, a_key)
    in_start = idx >= 0
    safe = np.where(in_start, idx, 0)
    a_created = (
        a.created[safe] if len(a.created) else np.full(len(b.lower), np.datetime64("NaT", "s"))
    )
    a_total = a.total[safe] if len(a.total) else np.zeros(len(b.lower), np.int64)
    both_dated = in_start & ~np.isnat(b.created) & ~np.isnat(a_created)
    recreated = both_dated & (b.created > np.where(both_dated, a_created, b.created))
    start_midnight = np.datetime64(a.day.isoformat(), "s")
    created_in = ~in_start & ~np.isnat(b.created) & (b.created >= start_midnight)
    untracked = ~in_start & ~created_in
    diff = b.total - a_total
    decreased = in_start & ~recreated & (diff < 0)

    status = np.full(len(b.lower), _DIFFED, dtype=np.int8)
    status[renamed_rows] = _RENAMED
    status[created_in] = _CREATED
    status[recreated] = _RECREATED
    status[decreased] = _DECREASED
    status[untracked] = _UNTRACKED
    downloads = np.where(in_start & ~recreated, np.maximum(diff, 0), b.total)
    downloads = np.where(untracked, 0, downloads).astype(np.int64)

    matched = np.zeros(len(a.lower), dtype=bool)
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
        "models_start": len(a.lower),
        "models_end": len(b.lower),
        "downloads": int(downloads[~untracked].sum()),
        "counted": {PERIOD_STATUSES[s]: int((status == s).sum()) for s in range(_UNTRACKED)},
        "decreased": {
            "models": len(dec),
            "total_decrease": int(-diff[dec].sum()),
            "examples": _examples(b.ids, dec, lambda n, r: f"{n}: {a_total[r]} -> {b.total[r]}"),
            "note": "the all-time total went down (a reset or a re-created repo): credited 0",
        },
        "recreated": {
            "models": len(rec),
            "examples": _examples(b.ids, rec),
            "note": "same id with a later createdAt: counted from zero",
        },
        "vanished": {
            "models": len(vanished),
            "downloads_all_time_at_start": int(a.total[vanished].sum()),
            "examples": _examples(a.ids, vanished),
            "note": "in the start snapshot only (deleted, private or renamed): no credit",
        },
        "untracked": {
            "models": len(unt),
            "downloads_all_time_at_end": int(b.total[unt].sum()),
            "examples": _examples(b.ids, unt),
            "note": "not in the start snapshot but created before the period (or undated): "
            "left out; record a rename if it is one",
        },
        "rename_candidates": _rename_candidates(a, b, vanished, unt),
        "renames_ignored": ignored,
        "placeholder_created_at": int(placeholder.sum()),
    }
    return PeriodDownloads(a.day, b.day, b.ids, downloads, status, report)


def _rename_candidates(
    a: _Snap, b: _Snap, vanished: np.ndarray, untracked: np.ndarray
) -> list[dict[str, Any]]:
    """Vanished and untracked ids that share one exact, real ``createdAt``: likely renames."""
    if not len(vanished) or not len(untracked):
        return []

    def unique_dated(snap: _Snap, rows: np.ndarray) -> dict[int, int]:
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
    period = _compare(_snap(history, start), _snap(history, end), renames)
    period.report["requested"] = {
        "from": None if since is None else parse_day(since, "--from").isoformat(),
        "to": None if until is None else parse_day(until, "--to").isoformat(),
    }
    return period


# -- attribution --------------------------------------------------------------------------
def _node_values(
    graph: LineageGraph, ids: pa.Array, values: np.ndarray, counted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Per-row figures onto graph nodes; rows the graph lacks are counted, not credited."""
    pos = _positions(pc.utf8_lower(graph.model_id), pc.utf8_lower(ids))
    ok = (pos >= 0) & ~graph.stub
    node_vals = np.zeros(graph.n, dtype=np.float64)
    node_vals[ok] = values[pos[ok]]
    node_counted = np.zeros(graph.n, dtype=bool)
    node_counted[ok] = counted[pos[ok]]
    in_graph = np.zeros(len(ids), dtype=bool)
    in_graph[pos[ok]] = True
    missing = np.flatnonzero(counted & ~in_graph)
    info = {
        "models": len(missing),
        "downloads": int(values[missing].sum()),
        "examples": _examples(ids, missing),
        "note": "counted in the period but absent from the lineage graph: not attributed",
    }
    return node_vals, node_counted, info


def _credit(
    graph: LineageGraph, values: np.ndarray, mask: np.ndarray, by: str, view: str, policy: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    codes, names = level_codes(graph, by)
    if view == "lineage":
        credit, models = credit_by_key(graph, values, mask, codes, len(names), policy)  # type: ignore[arg-type]
    else:
        credit = np.bincount(codes[mask], weights=values[mask], minlength=len(names))
        models = np.bincount(codes[mask], minlength=len(names)).astype(np.int64)
    return credit, models, names


def _attribution(
    graph: LineageGraph,
    values: np.ndarray,
    counted: np.ndarray,
    *,
    by: str,
    view: str,
    policy: str,
    window: Window | None,
    metric: str,
    description: str,
    extra: dict[str, Any],
) -> Attribution:
    _check(view, policy, by)
    window = window or Window()
    win_mask, excluded = window.mask(graph)
    mask = win_mask & counted
    credit, models, names = _credit(graph, values, mask, by, view, policy)
    denominator = float(values[mask].sum())
    nz = np.flatnonzero((credit > 0) | (models > 0))
    order = nz[np.argsort(-credit[nz], kind="stable")]
    rows = [
        AttributionRow(
            key=names[i],
            value=float(credit[i]),
            share=float(100.0 * credit[i] / denominator) if denominator else 0.0,
            models=int(models[i]),
        )
        for i in order.tolist()
    ]
    meta: dict[str, Any] = {
        "level": by,
        "view": view,
        "metric": metric,
        "metric_description": description,
        "policy": policy if view == "lineage" else "n/a (uploader view)",
        "window": {"since": window.since, "until": window.until, "description": window.describe()},
        "denominator": denominator,
        "denominator_description": f"total {metric} of the {int(mask.sum())} models counted",
        "models_counted": int(mask.sum()),
        "excluded": excluded,
        "shares_sum_to": float(sum(r.share for r in rows)),
        **extra,
        "validation": graph.validation.as_dict(),
    }
    return Attribution(rows, meta)


def attribute_period(
    graph: LineageGraph,
    period: PeriodDownloads,
    *,
    by: str = "family",
    view: str = "lineage",
    policy: str = "split",
    window: Window | None = None,
) -> Attribution:
    """Credit downloads in a period to roots, families, orgs or countries.

    Same levels, views, policies and ``createdAt`` window as :func:`attribute`; the graph
    gives the lineage (normally the end snapshot's). ``meta['period']`` is the period report.
    """
    values, counted, missing = _node_values(
        graph, period.model_id, period.downloads, period.counted
    )
    description = (
        f"downloads from snapshot {period.start.isoformat()} to snapshot "
        f"{period.end.isoformat()} ({(period.end - period.start).days} days): difference of "
        "downloadsAllTime"
    )
    return _attribution(
        graph,
        values,
        counted,
        by=by,
        view=view,
        policy=policy,
        window=window,
        metric="downloads_in_period",
        description=description,
        extra={"period": period.report, "not_in_graph": missing},
    )


# -- first year after creation --------------------------------------------------------------
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
    lower_nodes = pc.utf8_lower(graph.model_id)
    reverse: dict[str, list[str]] = {}
    for old, new in _lower_map(renames).items():
        reverse.setdefault(new, []).append(old)
    for p in np.unique(pos[status == 0]).tolist():
        nodes = np.flatnonzero((status == 0) & (pos == p))
        snap = _snap(history, days[p])
        keys = lower_nodes.take(pa.array(nodes))
        at = _positions(keys, snap.lower)
        if reverse:
            for k in np.flatnonzero(at < 0).tolist():
                todo, seen = list(reverse.get(str(keys[k]), [])), set()
                while todo and at[k] < 0:
                    alias = todo.pop()
                    if alias in seen:
                        continue
                    seen.add(alias)
                    hit = _positions(pa.array([alias]), snap.lower)[0]
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
            FIRST_YEAR_STATUSES[s]: _examples(graph.model_id, np.flatnonzero(status == s))
            for s in (1, 2, 3)
            if (status == s).any()
        },
    }
    return FirstYearDownloads(downloads, status, read_at, report)


def attribute_first_year(
    graph: LineageGraph,
    first_year: FirstYearDownloads,
    *,
    by: str = "family",
    view: str = "lineage",
    policy: str = "split",
    window: Window | None = None,
) -> Attribution:
    """Credit each model's first-year downloads (the study's window) to keys of a level."""
    if len(first_year.downloads) != graph.n:
        raise QueryError(
            f"first-year figures have {len(first_year.downloads)} nodes, the graph "
            f"{graph.n}; compute them with first_year_downloads on this graph"
        )
    return _attribution(
        graph,
        first_year.downloads.astype(np.float64),
        first_year.counted,
        by=by,
        view=view,
        policy=policy,
        window=window,
        metric="downloads_first_year",
        description="downloads in each model's first year after creation (downloadsAllTime "
        f"at the last snapshot on or before createdAt + 365 days, at most "
        f"{first_year.report.get('tolerance_days')} days early)",
        extra={"first_year": first_year.report},
    )


# -- weekly series --------------------------------------------------------------------------
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
        return [
            [100.0 * v / t if t else 0.0 for v, t in zip(row, self.totals, strict=True)]
            for row in self.values
        ]

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
    by: str = "family",
    view: str = "lineage",
    policy: str = "split",
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
    _check(view, policy, by)
    lo = parse_day(since, "--from") if since is not None else None
    hi = parse_day(until, "--to") if until is not None else None
    days = [d for d in history.dates() if (lo is None or d >= lo) and (hi is None or d <= hi)]
    ends = _week_ends(days)
    if len(ends) < 2:
        raise QueryError(
            f"a weekly series needs snapshots in at least two ISO weeks; found "
            f"{len(ends)} in the range ({', '.join(d.isoformat() for d in days) or 'none'})"
        )
    window = window or Window()
    win_mask, excluded = window.mask(graph)
    _codes, names = level_codes(graph, by)
    per: list[np.ndarray] = []
    totals: list[float] = []
    unattributed: list[float] = []
    intervals: list[dict[str, Any]] = []
    prev = _snap(history, ends[0])
    for day in ends[1:]:
        cur = _snap(history, day)
        period = _compare(prev, cur, renames)
        values, counted, missing = _node_values(
            graph, period.model_id, period.downloads, period.counted
        )
        mask = win_mask & counted
        credit, _, _ = _credit(graph, values, mask, by, view, policy)
        per.append(credit)
        totals.append(float(values[mask].sum()))
        unattributed.append(float(missing["downloads"]))
        r = period.report
        intervals.append(
            {
                "start": r["start"],
                "end": r["end"],
                "decreased": r["decreased"]["models"],
                "vanished": r["vanished"]["models"],
                "untracked": r["untracked"]["models"],
                "not_in_graph": missing["models"],
            }
        )
        prev = cur
    mat = np.stack(per, axis=1) if per else np.zeros((len(names), 0))
    order = np.argsort(-mat.sum(axis=1), kind="stable")
    keep = [int(i) for i in order[:top] if mat[i].sum() > 0]
    keys = [names[i] for i in keep]
    rows = [mat[i].tolist() for i in keep]
    rest = np.setdiff1d(np.arange(len(names)), keep)
    if len(rest) and mat[rest].sum() > 0:
        keys.append("other keys")
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
