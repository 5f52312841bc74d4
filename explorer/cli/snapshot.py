"""``hf-lineage snapshot``: keep a dated history of snapshots; period reports read it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from hflineage.errors import QueryError
from hflineage.explorer.cli.common import (
    emit,
    format_option,
    load_graph,
    store_option,
    window_of,
)
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders.store import SnapshotStore, parse_day
from hflineage.queries import Attribution
from hflineage.queries.choices import Level, MergePolicy, View
from hflineage.queries.gaps import gap_notes
from hflineage.queries.periods.downloads import attribute_period, period_bounds, period_downloads
from hflineage.queries.periods.first_year import attribute_first_year, first_year_downloads

__all__ = ["period_report", "snapshot"]

F = TypeVar("F", bound=Callable[..., Any])


@click.group("snapshot")
def snapshot() -> None:
    """Keep a dated history of Hub snapshots, for downloads over periods.

    Periods are then reported with: hf-lineage report --from DATE --to DATE
    """


@snapshot.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=True, path_type=str))
@click.option(
    "--date",
    "day",
    metavar="YYYY-MM-DD",
    default=None,
    help="The snapshot's date. Default: the newest lastModified in it.",
)
@click.option("--replace", is_flag=True, help="Overwrite a snapshot stored for the same date.")
@store_option
def add(path: str, day: str | None, replace: bool, store_uri: str | None) -> None:
    """Store a hub-stats parquet or a crawl (JSONL or parquet) under its date.

    Example: hf-lineage snapshot add models.parquet --date 2026-05-20
    """
    store = SnapshotStore(store_uri)
    entry = store.add(path, day.strip() if day else None, replace=replace)
    load = entry.load
    rejected = int(load.get("rows_rejected", 0))
    click.echo(
        f"stored {entry.rows:,} models dated {entry.day.isoformat()} "
        f"({entry.bytes / 1e6:,.1f} MB; {rejected:,} rows rejected) in {store.uri}",
        err=True,
    )


@snapshot.command("list")
@store_option
@format_option
def list_(store_uri: str | None, fmt: str) -> None:
    """The stored snapshots: date, models, size, source.

    Example: hf-lineage snapshot list --format json
    """
    store = SnapshotStore(store_uri)
    entries = store.entries()
    renames = store.renames()
    payload = {
        "store": store.uri,
        "snapshots": [e.as_dict() for e in entries],
        "renames": renames,
    }
    rows = [
        (e.day.isoformat(), e.rows, f"{e.bytes / 1e6:,.1f}", e.source_format, e.source)
        for e in entries
    ]
    footer = f"store: {store.uri}; {len(entries)} snapshots; {len(renames)} renames recorded"
    if not entries:
        footer += "\nadd one with: hf-lineage snapshot add PATH [--date YYYY-MM-DD]"
    emit(
        fmt,
        payload,
        ["date", "models", "MB", "format", "source"],
        rows,
        title="snapshots",
        footer=footer,
    )


@snapshot.command("rename")
@click.argument("old")
@click.argument("new")
@store_option
def rename(old: str, new: str, store_uri: str | None) -> None:
    """Record that repo OLD was renamed NEW, so periods match the two.

    Without a record a rename is a vanished id plus a new id created before the period
    (left out); period reports list likely pairs with the command to record them.

    Example: hf-lineage snapshot rename acme/old-name acme/new-name
    """
    store = SnapshotStore(store_uri)
    current = store.add_rename(old, new)
    click.echo(f"recorded {old} -> {new}; {len(current)} renames in {store.uri}", err=True)


def _graph(store: SnapshotStore, snapshots: Sequence[str], day: Any) -> LineageGraph:
    """The lineage: from --snapshot when given, else from the stored snapshot of ``day``."""
    if snapshots:
        return load_graph(snapshots)
    table, report = store.table(day)
    return build_lineage_graph(table, report)


def period_report(
    *,
    snapshots: Sequence[str],
    by: Level,
    view: View,
    policy: MergePolicy,
    since: str | None,
    until: str | None,
    top: int,
    fmt: str,
    date_from: str | None,
    date_to: str | None,
    first_year: bool,
    store_uri: str | None = None,
) -> None:
    """``report`` over the store: downloads in a period, or in each model's first year."""
    if first_year and (date_from or date_to):
        raise click.UsageError("--first-year is its own window; drop --from/--to")
    store = SnapshotStore(store_uri)
    window = window_of(since, until)
    # the period's dates, read here so that an error names the flags
    day_from = parse_day(date_from, "--from") if date_from else None
    day_to = parse_day(date_to, "--to") if date_to else None
    result: Attribution
    if first_year:
        days = store.dates()
        if not days:
            raise QueryError(
                f"the snapshot store {store.uri!r} is empty; add snapshots with: "
                "hf-lineage snapshot add PATH [--date YYYY-MM-DD]"
            )
        graph = _graph(store, snapshots, days[-1])
        fy = first_year_downloads(store, graph, renames=store.renames())
        result = attribute_first_year(
            graph, fy, by=by, view=view, policy=policy, window=window, top=top
        )
        counts = fy.report["models"]
        note = (
            f"left out: year not over {counts['year_not_over']:,}, no snapshot near the "
            f"anniversary {counts['no_snapshot_near_anniversary']:,}, placeholder createdAt "
            f"{counts['placeholder_created_at']:,}, missing createdAt "
            f"{counts['missing_created_at']:,}"
        )
        metric = "first-year downloads"
    else:
        start, end = period_bounds(store.dates(), day_from, day_to)
        graph = _graph(store, snapshots, end)
        period = period_downloads(store, start, end, renames=store.renames())
        result = attribute_period(
            graph, period, by=by, view=view, policy=policy, window=window, top=top
        )
        r = period.report
        note = (
            f"totals that went down (credited 0): {r['decreased']['models']:,}; vanished "
            f"(no credit): {r['vanished']['models']:,}; untracked (left out): "
            f"{r['untracked']['models']:,}; likely renames: {len(r['rename_candidates']):,} "
            "(details: --format json)"
        )
        requested = (date_from or start.isoformat(), date_to or end.isoformat())
        if requested != (start.isoformat(), end.isoformat()):
            note += (
                f"\nrequested {requested[0]} to {requested[1]}; measured between the stored "
                f"snapshots {start.isoformat()} and {end.isoformat()}"
            )
        metric = "downloads in period"
    result.meta["store"] = store.uri
    m = result.meta
    footer = (
        f"{m['metric_description']}; view {view}; policy {m['policy']}; "
        f"{window.describe()}"
        f"\ndenominator: {m['denominator']:,.0f} = {m['denominator_description']}"
        f"\n{note}"
    )
    footer += "".join(f"\nnote: {line}" for line in gap_notes(m))
    emit(
        fmt,
        result.as_dict(),
        [by, metric, "share %", "models"],
        [(row.key, row.value, row.share, row.models) for row in result.rows],
        title=f"{metric} by {by} ({view} view)",
        footer=footer,
    )
