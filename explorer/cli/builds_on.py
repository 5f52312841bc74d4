"""``hf-lineage builds-on``: who builds on whom, by uploader country and roots' country."""

from __future__ import annotations

import click

from hflineage.explorer.cli.common import (
    chosen,
    emit,
    format_option,
    load_graph,
    metric_option,
    policy_option,
    snapshot_option,
    window_of,
    window_options,
)
from hflineage.explorer.site.page import fmt_pct
from hflineage.queries.choices import METRICS, POLICIES

__all__ = ["builds_on_command"]


@click.command("builds-on")
@snapshot_option
@metric_option
@policy_option
@click.option(
    "--top",
    type=click.IntRange(1, 200),
    default=8,
    show_default=True,
    help="Countries on each axis; the rest are summed as 'other'.",
)
@window_options
@format_option
def builds_on_command(
    snapshots: tuple[str, ...],
    metric: str,
    policy: str,
    top: int,
    since: str | None,
    until: str | None,
    fmt: str,
) -> None:
    """Credit by the uploader's country (rows) and the country of the roots built on
    (columns): the diagonal is countries building on their own models.

    Rows sum to the uploader view of `report --by country`, columns to its lineage view.

    Example: hf-lineage builds-on --snapshot hub-stats.parquet --metric uploads
    """
    from hflineage.queries.crossing import builds_on

    window = window_of(since, until)
    graph = load_graph(snapshots)
    cross = builds_on(
        graph,
        metric=chosen(metric, tuple(METRICS), "--metric"),
        policy=chosen(policy, POLICIES, "--policy"),
        window=window,
        top=top,
    )
    shares = cross.shares
    if fmt == "csv":
        rows = [
            [row, col, cross.values[i][j], shares[i][j]]
            for i, row in enumerate(cross.rows)
            for j, col in enumerate(cross.columns)
        ]
        emit(fmt, cross.as_dict(), ["uploader_country", "root_country", metric, "share"], rows)
        return
    table = [
        [row, *(fmt_pct(s) if s else "-" for s in shares[i])] for i, row in enumerate(cross.rows)
    ]
    m = cross.meta
    emit(
        fmt,
        cross.as_dict(),
        ["uploader \\ roots", *cross.columns],
        table,
        title=f"{m['metric_description']}: uploader's country (rows) x roots' country (columns)",
        footer=(
            f"merge policy {m['policy']}; {m['window']}; shares of {m['denominator']:,.0f} = "
            f"{m['denominator_description']}"
        ),
    )
