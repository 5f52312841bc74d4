"""The ``hf-lineage`` command: a thin layer over the library."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click
from hflineage.explorer.common import emit, format_option, load_graph, snapshot_option
from hflineage.queries import (
    Window,
    attribute,
    family_summary,
    gini,
    hhi,
    lineage_of,
)

from hflineage import __version__
from hflineage.errors import LineageError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    type=click.Choice(["root", "family", "org", "country"]),
    default="family",
    show_default=True,
    help="Level credited.",
)
@click.option(
    "--view",
    type=click.Choice(["lineage", "uploader"]),
    default="lineage",
    show_default=True,
    help="lineage: credit the roots' developers; uploader: credit who uploaded each repo.",
)
@click.option(
    "--metric",
    type=click.Choice(["downloads", "downloads_all_time", "uploads", "likes"]),
    default="downloads",
    show_default=True,
    help="downloads is the Hub's 30-day count.",
)
@click.option(
    "--policy",
    type=click.Choice(["split", "full", "first"]),
    default="split",
    show_default=True,
    help="How a merge's credit goes to its parents.",
)
@click.option("--since", metavar="YYYY-MM", help="Only models created in or after this month.")
@click.option("--until", metavar="YYYY-MM", help="Only models created in or before this month.")
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
    top: int,
    fmt: str,
) -> None:
    """Attribute a metric to roots, families, orgs or countries.

    Example: hf-lineage report --snapshot ../shared/data/hub-stats-sample-2026-05.parquet
    --by country --view uploader --format json
    """
    window = Window(since, until)
    graph = load_graph(snapshots)
    result = attribute(graph, by=by, view=view, metric=metric, policy=policy, window=window)
    values = [r.value for r in result.rows]
    result.meta["concentration"] = {"hhi": hhi(values), "gini": gini(values), "keys": len(values)}
    shown = result.top(top)
    m = shown.meta
    footer = (
        f"{m['metric_description']}; view {view}; policy {m['policy']}; "
        f"{m['window']['description']}"  # type: ignore[index]
        f"\ndenominator: {m['denominator']:,.0f} = {m['denominator_description']}"
        f"\nHHI {m['concentration']['hhi']:,.0f}, Gini {m['concentration']['gini']:.3f} "  # type: ignore[index]
        f"over {len(values)} keys; rows: {graph.validation.load.rows_loaded:,} loaded, "
        f"{graph.validation.load.rows_rejected:,} rejected; {graph.validation.stubs:,} stubs; "
        f"{len(graph.validation.cycles_broken)} cycles broken"
    )
    emit(
        fmt,
        shown.as_dict(),
        [by, metric, "share %", "models"],
        [(r.key, r.value, r.share, r.models) for r in shown.rows],
        title=f"{metric} by {by} ({view} view)",
        footer=footer,
    )


@cli.command()
@click.argument("model_id")
@snapshot_option
@click.option("--policy", type=click.Choice(["split", "full", "first"]), default="split")
@format_option
def lineage(model_id: str, snapshots: tuple[str, ...], policy: str, fmt: str) -> None:
    """Ancestors, roots and descendants of one model.

    Example: hf-lineage lineage Qwen/Qwen2.5-7B --snapshot hub-stats.parquet
    """
    graph = load_graph(snapshots)
    s = lineage_of(graph, model_id, policy)
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


def _register_optional() -> None:
    """Commands that live in their own modules."""
    import importlib

    for module, name in (
        ("hflineage.explorer.cmd_crawl", "crawl"),
        ("hflineage.explorer.cmd_cypher", "cypher"),
        ("hflineage.explorer.cmd_cypher", "db"),
        ("hflineage.explorer.cmd_cypher", "neo4j"),
        ("hflineage.explorer.cmd_html", "html"),
        ("hflineage.explorer.cmd_html", "view"),
        ("hflineage.explorer.cmd_snapshot", "snapshot"),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        cmd = getattr(mod, name, None)
        if isinstance(cmd, click.Command):
            cli.add_command(cmd, name)


_register_optional()


def main(argv: list[str] | None = None) -> None:
    """Entry point: known errors become one line on stderr and exit code 1."""
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
        click.echo(f"hf-lineage: error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("hf-lineage: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
