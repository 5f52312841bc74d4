"""The ``hf-lineage`` command: a thin layer over the library."""

from __future__ import annotations

import sys
import traceback
from typing import Any, NoReturn

import click

from hflineage import __version__
from hflineage.errors import LineageError
from hflineage.explorer.cli.common import (
    chosen,
    emit,
    format_option,
    in_cli_words,
    load_graph,
    metric_option,
    policy_option,
    report_choices,
    snapshot_option,
    window_of,
    window_options,
)
from hflineage.explorer.cli.process import exit_quickly, keep_freed_memory
from hflineage.queries import (
    attribute,
    family_summary,
    lineage_of,
)
from hflineage.queries.choices import LEVELS, METRICS, POLICIES, VIEWS
from hflineage.queries.gaps import gap_notes

__all__ = ["cli", "main", "run"]


#: Commands that live in their own modules, imported only when used (fast start-up).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "builds-on": ("hflineage.explorer.cli.builds_on", "builds_on_command"),
    "cache": ("hflineage.explorer.cli.cache", "cache"),
    "crawl": ("hflineage.explorer.cli.crawl", "crawl"),
    "crawl-authors": ("hflineage.explorer.cli.authors", "crawl_authors"),
    "cypher": ("hflineage.explorer.cli.cypher", "cypher"),
    "db": ("hflineage.explorer.cli.cypher", "db"),
    "neo4j": ("hflineage.explorer.cli.cypher", "neo4j"),
    "html": ("hflineage.explorer.cli.html", "html"),
    "infer": ("hflineage.explorer.cli.infer", "infer"),
    "view": ("hflineage.explorer.cli.html", "view"),
    "snapshot": ("hflineage.explorer.cli.snapshot", "snapshot"),
    "serve": ("hflineage.explorer.cli.serve", "serve"),
}


def _lazy_command(name: str) -> click.Command | None:
    import importlib

    module, attr = LAZY_COMMANDS[name]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
    cmd = getattr(mod, attr, None)
    return cmd if isinstance(cmd, click.Command) else None


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = [n for n in LAZY_COMMANDS if n not in self.commands and _lazy_command(n)]
        return sorted([*self.commands, *lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            cmd = _lazy_command(cmd_name)
            if cmd is not None:
                self.add_command(cmd, cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hf-lineage")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Lineage graph explorer for the Hugging Face Hub.

    Example: hf-lineage report --snapshot hub-stats.parquet --by country
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@snapshot_option
@click.option(
    "--by",
    type=click.Choice(LEVELS),
    default="family",
    show_default=True,
    help="Level credited.",
)
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    default="lineage",
    show_default=True,
    help="lineage: credit the roots' developers; uploader: credit who uploaded each repo.",
)
@metric_option
@policy_option
@window_options
@click.option(
    "--from",
    "date_from",
    metavar="YYYY-MM-DD",
    help="Metric becomes downloads in the period --from..--to, read from the snapshot store.",
)
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="End of the period (see --from).")
@click.option(
    "--first-year",
    is_flag=True,
    help="Metric becomes each model's downloads in its first year, read from the store.",
)
@click.option(
    "--infer",
    is_flag=True,
    help="Give models that declare no parent inferred ones (docs/inference.md); "
    "rows then state the part of each share that comes through inferred edges.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Lowest confidence of an inferred edge used with --infer (default 0.8).",
)
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True)
@format_option
def report(
    snapshots: tuple[str, ...],
    by: str,
    view: str,
    metric: str,
    policy: str,
    since: str | None,
    until: str | None,
    date_from: str | None,
    date_to: str | None,
    first_year: bool,
    infer: bool,
    min_confidence: float | None,
    top: int,
    fmt: str,
) -> None:
    """Attribute a metric to roots, families, orgs, developers or countries.

    Example: hf-lineage report --snapshot ../shared/data/hub-stats-sample-2026-05.parquet
    --by country --view uploader --format json

    Downloads in a period, from the snapshot store (see hf-lineage snapshot):
    hf-lineage report --from 2026-01-01 --to 2026-05-20 --by country

    With inferred lineage: hf-lineage report --snapshot hub-stats.parquet --infer
    """
    level, chosen_view, merge_policy = report_choices(by, view, policy)
    if infer and (date_from or date_to or first_year):
        raise click.UsageError("--infer cannot be combined with --from/--to/--first-year")
    if min_confidence is not None and not infer:
        raise click.UsageError("--min-confidence needs --infer")
    if date_from or date_to or first_year:
        from hflineage.explorer.cli.snapshot import period_report

        period_report(
            snapshots=snapshots, by=level, view=chosen_view, policy=merge_policy, since=since,
            until=until,
            top=top, fmt=fmt, date_from=date_from, date_to=date_to, first_year=first_year,
        )  # fmt: skip
        return
    window = window_of(since, until)
    graph = load_graph(snapshots, infer=infer, min_confidence=min_confidence)
    measured = chosen(metric, tuple(METRICS), "--metric")
    shown = attribute(
        graph,
        by=level,
        view=chosen_view,
        metric=measured,
        policy=merge_policy,
        window=window,
        top=top,
    )
    m = shown.meta
    footer = (
        f"{m['metric_description']}; view {view}; policy {m['policy']}; "
        f"{m['window']['description']}"
        f"\ndenominator: {m['denominator']:,.0f} = {m['denominator_description']}"
        f"\nHHI {m['concentration']['hhi']:,.0f}, Gini {m['concentration']['gini']:.3f} "
        f"over {m['rows_total']:,} keys; rows: {graph.validation.load.rows_loaded:,} loaded, "
        f"{graph.validation.load.rows_rejected:,} rejected; {graph.validation.stubs:,} stubs; "
        f"{len(graph.validation.cycles_broken)} cycles broken"
    )
    footer += "".join(f"\nnote: {note}" for note in gap_notes(m))
    payload: dict[str, Any] = shown.as_dict()
    columns = [by, metric, "share %", "models"]
    rows: list[tuple[Any, ...]] = [(r.key, r.value, r.share, r.models) for r in shown.rows]
    if infer:
        from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE
        from hflineage.queries.inferred_shares import with_inferred_shares

        conf = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
        payload = with_inferred_shares(
            payload, graph, by=level, view=chosen_view, metric=measured, policy=merge_policy,
            window=window, min_confidence=conf,
        )  # fmt: skip
        columns.append("of which inferred %")
        rows = [(*t, r["inferred_share"]) for t, r in zip(rows, payload["rows"], strict=True)]
        footer += "\n" + str(payload["meta"]["inferred"]["description"])
    emit(
        fmt,
        payload,
        columns,
        rows,
        title=f"{metric} by {by} ({view} view)",
        footer=footer,
    )


@cli.command()
@click.argument("model_id")
@snapshot_option
@click.option("--policy", type=click.Choice(POLICIES), default="split")
@format_option
def lineage(model_id: str, snapshots: tuple[str, ...], policy: str, fmt: str) -> None:
    """Ancestors, roots and descendants of one model.

    Example: hf-lineage lineage Qwen/Qwen2.5-7B --snapshot hub-stats.parquet
    """
    graph = load_graph(snapshots)
    s = lineage_of(graph, model_id, chosen(policy, POLICIES, "--policy"))
    rows: list[tuple[Any, ...]] = [
        ("model", s.model_id),
        ("family / org / country", f"{s.family} / {s.org} / {s.country}"),
        ("stub (not in the data)", s.stub),
        ("depth", s.depth),
        (
            "parents",
            ", ".join(f"{p['model_id']} ({p['relation']}, {p['source']})" for p in s.parents)
            or "-",
        ),
        ("ancestors", len(s.ancestors)),
        ("roots", ", ".join(f"{r} ({w:.3g})" for r, w in s.roots)),
        ("children", s.children),
        ("descendants", s.descendants),
        (
            "descendant relations",
            ", ".join(f"{k} {v}" for k, v in s.descendant_relations.items()) or "-",
        ),
        ("descendant downloads (30d)", s.descendant_downloads),
        ("top descendants", ", ".join(f"{m} ({d:,})" for m, d in s.top_descendants[:5]) or "-"),
    ]
    emit(fmt, s.as_dict(), ["field", "value"], rows, title=f"lineage of {s.model_id}")


@cli.command()
@click.argument("name")
@snapshot_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
@format_option
def family(name: str, snapshots: tuple[str, ...], top: int, fmt: str) -> None:
    """Members, roots, depth, relation mix and top models of a family.

    Example: hf-lineage family Qwen --snapshot hub-stats.parquet
    """
    graph = load_graph(snapshots)
    s = family_summary(graph, name, top)
    rows: list[tuple[Any, ...]] = [
        ("members", s.members),
        ("stubs", s.stubs),
        ("max depth", s.max_depth),
        ("downloads (30d)", s.downloads),
        ("downloads (all time)", s.downloads_all_time),
        ("relations", ", ".join(f"{k} {v}" for k, v in s.relations.items()) or "-"),
    ]
    rows += [(f"root {r}", f"{d:,} descendants, {dl:,} downloads") for r, d, dl in s.roots]
    rows += [(f"top {m}", d) for m, d in s.top_models]
    emit(fmt, s.as_dict(), ["field", "value"], rows, title=f"family {s.family}")


@cli.command()
@snapshot_option
@format_option
def validate(snapshots: tuple[str, ...], fmt: str) -> None:
    """The validation report: rows loaded and rejected, stubs, cycles, edge sources.

    Example: hf-lineage validate --snapshot hub-stats.parquet --format json
    """
    graph = load_graph(snapshots)
    v = graph.validation.as_dict()
    rows: list[tuple[Any, ...]] = []
    for k, val in v.items():
        if isinstance(val, dict):
            rows += [(f"{k}: {kk}", vv) for kk, vv in val.items() if k != "examples"]
        elif isinstance(val, list):
            rows.append((k, len(val)))
        else:
            rows.append((k, val))
    emit(fmt, v, ["check", "count"], rows, title="validation")


def main(argv: list[str] | None = None) -> None:
    """Entry point: known errors become one line on stderr and exit code 1."""
    keep_freed_memory()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="hf-lineage", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("hf-lineage: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except LineageError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"hf-lineage: error: {in_cli_words(str(exc))}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("hf-lineage: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


def run() -> NoReturn:
    """The command (after :func:`hflineage.explorer.cli.entry.run`): :func:`main`, then an exit
    that skips the interpreter's teardown (freeing a whole-Hub graph object by object takes
    a tenth of a second the kernel does anyway when the process ends)."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    exit_quickly(code)
