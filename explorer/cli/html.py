"""``hf-lineage html`` (the report and its family views) and ``hf-lineage view`` (one subtree)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hflineage.errors import QueryError
from hflineage.explorer.cli.common import (
    chosen,
    load_graph,
    snapshot_option,
    store_option,
    window_of,
    window_options,
)
from hflineage.explorer.site.family import COLOURINGS, LAYOUTS
from hflineage.explorer.site.writer import render_model_view, write_site
from hflineage.graph import LineageGraph
from hflineage.queries import Window
from hflineage.queries.periods.weekly import WeeklySeries

__all__ = ["html", "view", "weekly_series_of"]

F = TypeVar("F", bound=Callable[..., Any])


def _view_options(fn: F) -> F:
    """Options shared by both commands: cap, collapsing, colouring, layout."""
    for opt in reversed(
        [
            click.option(
                "--cap",
                type=click.IntRange(min=10, max=5000),
                default=1000,
                show_default=True,
                help="Most nodes a view draws (count nodes included).",
            ),
            click.option(
                "--collapse/--no-collapse",
                default=True,
                show_default=True,
                help="Collapse quantized and adapter leaves into count nodes.",
            ),
            click.option(
                "--color",
                "colour_by",
                type=click.Choice(COLOURINGS),
                default="country",
                show_default=True,
                help="Initial node colouring (the page has a switch).",
            ),
            click.option(
                "--layout",
                type=click.Choice(LAYOUTS),
                default="radial",
                show_default=True,
                help="Initial layout; layered is the hierarchical view (the page has a switch).",
            ),
        ]
    ):
        fn = opt(fn)
    return fn


@click.command()
@snapshot_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write index.html, family/*.html and root/*.html into.",
)
@window_options
@click.option(
    "--families",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Family views to write (top families by downloads, then by uploads).",
)
@click.option(
    "--roots",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Top roots listed; those outside the written families get their own view.",
)
@click.option(
    "--weekly/--no-weekly",
    default=None,
    help="Chart weekly downloads from the snapshot store (default: when it holds snapshots "
    "of at least two ISO weeks).",
)
@store_option
@_view_options
def html(
    snapshots: tuple[str, ...],
    out: Path,
    weekly: bool | None,
    store_uri: str | None,
    since: str | None,
    until: str | None,
    families: int,
    roots: int,
    cap: int,
    collapse: bool,
    colour_by: str,
    layout: str,
) -> None:
    """Write the HTML report and family views (static, offline pages).

    The report states download shares by country under both views, monthly upload shares
    by family and country, top families and roots, concentration and the validation
    summary. Open OUT/index.html in a browser; nothing is fetched from the network.

    Example: hf-lineage html --snapshot ../shared/data/hub-stats-sample-2026-05.parquet
    --out report/
    """
    window = window_of(since, until)
    graph = load_graph(snapshots)
    series = weekly_series_of(graph, window, store_uri, weekly)
    result = write_site(
        graph,
        out,
        window=window,
        families=families,
        roots=roots,
        cap=cap,
        collapse=collapse,
        colour_by=chosen(colour_by, COLOURINGS, "--color"),
        layout=chosen(layout, LAYOUTS, "--layout"),
        weekly=series,
    )
    largest = result.largest
    click.echo(
        f"wrote {result.index} and {len(result.pages)} views in {result.seconds:.1f}s"
        + (
            f" (largest view: {largest.title}, {largest.members:,} models, "
            f"{largest.drawn:,} nodes drawn)"
            if largest
            else ""
        )
    )


def weekly_series_of(
    graph: LineageGraph, window: Window, store_uri: str | None, wanted: bool | None
) -> list[WeeklySeries]:
    """Weekly series by family and country from the store; [] when it cannot make one.

    With ``--weekly`` a store that cannot make one is an error; by default it is skipped.
    """
    if wanted is False:
        return []
    from hflineage.loaders.store import SnapshotStore
    from hflineage.queries.periods.weekly import weekly_series

    store = SnapshotStore(store_uri)
    days = store.dates()
    weeks = {d.isocalendar()[:2] for d in days}
    if len(weeks) < 2:
        if wanted:
            raise QueryError(
                f"--weekly needs snapshots of at least two ISO weeks in {store.uri}; "
                f"found {len(days)} snapshot(s): add more with hf-lineage snapshot add"
            )
        return []
    return [
        weekly_series(store, graph, by=by, window=window, renames=store.renames())
        for by in ("family", "country")
    ]


@click.command()
@click.argument("model_id")
@snapshot_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write.",
)
@_view_options
def view(
    model_id: str,
    snapshots: tuple[str, ...],
    out: Path,
    cap: int,
    collapse: bool,
    colour_by: str,
    layout: str,
) -> None:
    """Write an offline HTML view of one model and everything derived from it.

    Example: hf-lineage view Qwen/Qwen2.5-7B --snapshot hub-stats.parquet --out qwen.html
    """
    graph = load_graph(snapshots)
    t = time.perf_counter()
    page, sub = render_model_view(
        graph,
        model_id,
        cap=cap,
        collapse=collapse,
        colour_by=chosen(colour_by, COLOURINGS, "--color"),
        layout=chosen(layout, LAYOUTS, "--layout"),
    )
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True)
    out.write_text(page, encoding="utf-8")
    click.echo(
        f"wrote {out}: {len(sub.where):,} models, {len(sub.nodes):,} nodes drawn "
        f"in {time.perf_counter() - t:.1f}s"
    )
