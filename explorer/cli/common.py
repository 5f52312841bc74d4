"""Shared CLI plumbing: option decorators, loading with progress, output formats."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hflineage.explorer.cli.table import render_table
from hflineage.graph import LineageGraph
from hflineage.graph.opening import open_graph
from hflineage.queries import Window
from hflineage.queries.choices import (
    LEVELS,
    LINEAGE_LEVELS,
    METRICS,
    POLICIES,
    VIEWS,
    Level,
    MergePolicy,
    View,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "FLAG_OF_PARAMETER",
    "chosen",
    "emit",
    "format_option",
    "in_cli_words",
    "load_graph",
    "report_choices",
    "snapshot_option",
    "stderr_console",
    "store_option",
    "window_of",
    "window_options",
]

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=str)


@functools.cache
def stderr_console() -> Console:
    """The rich console on stderr (rich is imported only by a command that draws)."""
    from rich.console import Console

    return Console(stderr=True)


def snapshot_option(fn: F) -> F:
    """``--snapshot PATH`` (repeatable); none means the Hub's hub-stats dump."""
    return click.option(
        "--snapshot",
        "snapshots",
        multiple=True,
        type=click.Path(dir_okay=True, path_type=str),
        help="hub-stats .parquet, API .jsonl[.gz] or a folder of model cards (repeatable). "
        "Default: the Hub's cfahlgren1/hub-stats dump, fetched and cached.",
    )(fn)


def store_option(fn: F) -> F:
    """``--store URI``: the snapshot store (default ``$HF_LINEAGE_HOME/snapshots``)."""
    return click.option(
        "--store",
        "store_uri",
        metavar="URI",
        default=None,
        help="Snapshot store: a folder, file:// or s3:// URI. "
        "Default: $HF_LINEAGE_HOME/snapshots (HF_LINEAGE_HOME defaults to a user cache folder).",
    )(fn)


def window_options(fn: F) -> F:
    """``--since YYYY-MM`` and ``--until YYYY-MM``: the createdAt window."""
    fn = click.option(
        "--until", metavar="YYYY-MM", help="Only models created in or before this month."
    )(fn)
    return click.option(
        "--since", metavar="YYYY-MM", help="Only models created in or after this month."
    )(fn)


def window_of(since: str | None, until: str | None) -> Window:
    """The ``--since``/``--until`` window (errors name the flags)."""
    return Window.named(since, until, ("--since", "--until"))


def format_option(fn: F) -> F:
    """``--format table|json|csv``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv"]),
        default="table",
        show_default=True,
        help="Output format.",
    )(fn)


def metric_option(fn: F) -> F:
    """``--metric downloads|downloads_all_time|uploads|likes``."""
    return click.option(
        "--metric",
        type=click.Choice(tuple(METRICS)),
        default="downloads",
        show_default=True,
        help="downloads is the Hub's 30-day count.",
    )(fn)


def policy_option(fn: F) -> F:
    """``--policy split|full|first``."""
    return click.option(
        "--policy",
        type=click.Choice(POLICIES),
        default="split",
        show_default=True,
        help="How a merge's credit goes to its parents.",
    )(fn)


def chosen(value: str, allowed: tuple[C, ...], flag: str) -> C:
    """A ``click.Choice`` value as the library's ``Literal`` type (a checked conversion)."""
    for choice in allowed:
        if choice == value:
            return choice
    raise click.BadParameter(f"must be one of {', '.join(allowed)}, got {value!r}", param_hint=flag)


def report_choices(by: str, view: str, policy: str) -> tuple[Level, View, MergePolicy]:
    """``--by``, ``--view`` and ``--policy`` as the library's types, checked together."""
    level = chosen(by, LEVELS, "--by")
    if view == "uploader" and level in LINEAGE_LEVELS:
        raise click.UsageError(
            f"--by {by} needs the lineage view (roots and families are lineage ideas); "
            "use --view lineage, or --by org/developer/country with --view uploader"
        )
    return level, chosen(view, VIEWS, "--view"), chosen(policy, POLICIES, "--policy")


def progress_enabled() -> bool:
    """Progress bars only on an interactive terminal."""
    return sys.stderr.isatty()


def load_graph(
    snapshots: Sequence[str], *, infer: bool = False, min_confidence: float | None = None
) -> LineageGraph:
    """:func:`hflineage.open_graph` with a progress bar on an interactive terminal."""
    if not progress_enabled():
        return open_graph(snapshots, infer=infer, min_confidence=min_confidence)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} row groups"),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        def loaded() -> None:
            bar.update(task, description="building graph")

        return open_graph(
            snapshots,
            infer=infer,
            min_confidence=min_confidence,
            progress=tick,
            on_loaded=loaded,
        )


def emit(
    fmt: str,
    payload: dict[str, Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    footer: str | None = None,
) -> None:
    """Print JSON (the payload), CSV (the rows) or a plain text table (the rows)."""
    if fmt == "json":
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
        return
    cells = [[_cell(v) for v in r] for r in rows]
    click.echo(render_table(columns, cells, title=title), nl=False)
    if footer:
        click.echo(footer)


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


#: How library messages name a parameter (in backticks, as Python), and the CLI's flag for it.
FLAG_OF_PARAMETER = {
    "`refresh=True`": "--refresh",
    "`skip_failed=True`": "--skip-failed-pages",
    "`replace=True`": "--replace",
    "`endpoint`": "--endpoint",
    "`token`": "--token",
    "`snapshots`": "--snapshot PATH",
    "`day`": "--date",
}


def in_cli_words(message: str) -> str:
    """A library message with the parameters it names shown as this command's flags."""
    for parameter, flag in FLAG_OF_PARAMETER.items():
        message = message.replace(parameter, flag)
    return message
