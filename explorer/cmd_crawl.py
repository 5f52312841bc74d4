"""``hf-lineage crawl``: fetch Hub model metadata into a resumable snapshot."""

from __future__ import annotations

from pathlib import Path

import click
from huggingface_hub import constants

from hflineage.loaders.crawl import CrawlResult, crawl_family, crawl_hub, crawl_model
from hflineage.loaders.crawl_http import HubClient

__all__ = ["crawl"]

_EPILOG = """\b
More examples:
  hf-lineage crawl --out hub.parquet
  hf-lineage crawl --out one.jsonl.gz --model meta-llama/Llama-3.1-8B
  HF_ENDPOINT=https://hf-mirror.example hf-lineage crawl --out hub.jsonl.gz

Interrupted (Ctrl-C, kill -9, network down)? Run the same command again: it resumes
from the last page written, using OUT.checkpoint.json and OUT.parts.gz beside the output.
"""


@click.command("crawl", epilog=_EPILOG)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Snapshot to write: *.jsonl.gz (API objects) or *.parquet (hub-stats schema).",
)
@click.option(
    "--endpoint",
    envvar="HF_ENDPOINT",
    default=constants.ENDPOINT,
    show_default=True,
    help="Hub or mirror base URL (env HF_ENDPOINT).",
)
@click.option(
    "--token",
    default=None,
    help="Hub token, sent only to --endpoint. Default: your saved token (hf auth login).",
)
@click.option(
    "--family",
    "roots",
    multiple=True,
    metavar="ROOT_ID",
    help="Crawl this model and its descendants (repeat for several roots).",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Generations below the --family roots.",
)
@click.option(
    "--model",
    "model_ids",
    multiple=True,
    metavar="ID",
    help="Fetch just this model, with its resolved baseModels (repeatable).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=1000,
    show_default=True,
    help="Models per page.",
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many pages and write what was fetched (manifest: complete=false).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the Hub before retrying.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=6,
    show_default=True,
    help="Retries per request on 429, 5xx, timeouts and broken responses.",
)
@click.option(
    "--resolve-stubs",
    "stubs_of",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    metavar="SNAPSHOT",
    help="Look up SNAPSHOT's stub parents (renames followed) into --out (JSONL), heaviest "
    "first; stack --out with SNAPSHOT in later commands.",
)
@click.option(
    "--max-stubs",
    type=click.IntRange(min=1),
    default=None,
    help="With --resolve-stubs: ask about at most this many stubs in this run.",
)
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
@click.pass_context
def crawl(
    ctx: click.Context,
    out: Path,
    endpoint: str,
    token: str | None,
    roots: tuple[str, ...],
    depth: int,
    model_ids: tuple[str, ...],
    limit: int,
    max_pages: int | None,
    timeout: float,
    retries: int,
    stubs_of: Path | None,
    max_stubs: int | None,
    no_progress: bool,
) -> None:
    """Crawl model metadata from the Hub: the whole Hub, one family, or single models.

    Whole Hub by default: every model, newest first, about 1,000 per page. Lineage comes
    from the base_model tags and cardData (the list endpoint cannot return baseModels).

    Example: hf-lineage crawl --out qwen.jsonl.gz --family Qwen/Qwen2.5-7B --depth 2
    """
    if roots and model_ids:
        raise click.UsageError("use --family or --model, not both")
    depth_given = ctx.get_parameter_source("depth") is not click.core.ParameterSource.DEFAULT
    if depth_given and not roots:
        raise click.UsageError("--depth only applies to --family crawls")
    if model_ids and (max_pages is not None or limit != 1000):
        raise click.UsageError("--limit and --max-pages do not apply to --model")
    client = HubClient(endpoint, token=token, timeout=timeout, max_retries=retries)
    if stubs_of is not None:
        from hflineage.explorer.cmd_stubs import resolve_stub_parents

        resolve_stub_parents(stubs_of, out, client, max_stubs=max_stubs)
        return
    progress = not no_progress
    try:
        result: CrawlResult
        if model_ids:
            result = crawl_model(out, client, model_ids, progress=progress)
        elif roots:
            result = crawl_family(
                out,
                client,
                roots,
                depth=depth,
                page_size=limit,
                max_pages=max_pages,
                progress=progress,
            )
        else:
            result = crawl_hub(out, client, page_size=limit, max_pages=max_pages, progress=progress)
    except KeyboardInterrupt:
        click.echo("interrupted: run the same command again to resume", err=True)
        raise click.Abort() from None
    click.echo(_summary(result), err=True)


def _summary(result: CrawlResult) -> str:
    """One line: what was written, and whether the crawl is complete."""
    text = f"wrote {result.models:,} models ({result.pages:,} pages"
    if result.duplicates:
        text += f", {result.duplicates:,} repeats dropped"
    if result.runs > 1:
        text += f", resumed {result.runs - 1}x"
    text += f") to {result.out}; manifest {result.manifest.name}"
    if not result.complete:
        text += " [stopped by --max-pages: incomplete]"
    return text
