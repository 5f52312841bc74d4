"""``hf-lineage crawl``: fetch Hub model metadata into a resumable snapshot."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from huggingface_hub import constants

from hflineage.explorer.cli.crawl_progress import StderrProgress
from hflineage.loaders.hub.client import HubClient
from hflineage.loaders.hub.crawl import (
    DEFAULT_MAX_EMPTY_PAGES,
    CrawlResult,
    crawl_family,
    crawl_hub,
    crawl_model,
)

__all__ = ["crawl"]

_EPILOG = """\b
More examples:
  hf-lineage crawl --out hub.parquet
  hf-lineage crawl --out one.jsonl.gz --model meta-llama/Llama-3.1-8B
  HF_ENDPOINT=https://hf-mirror.example hf-lineage crawl --out hub.jsonl.gz

Interrupted (Ctrl-C, kill -9, network down)? Run the same command again: it resumes
from the last page written, using OUT.checkpoint.json and OUT.parts.gz beside the output.
Once a crawl has finished, rerunning it needs --refresh.

Unattended runs: each reply is bounded by --deadline and --max-body-mb; failures are
retried for up to --max-wait per request; a page that still fails stops the crawl
(resumable) unless --skip-failed-pages, which the manifest records. Off a terminal a
progress line goes to stderr every --log-every seconds.
"""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_SECONDS_PER_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class _Duration(click.ParamType[float, str | float]):
    """Seconds, or a number with a unit: ``90``, ``90s``, ``30m``, ``2h``."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float):
            return float(value)
        match = _DURATION.match(str(value))
        if match is None:
            self.fail(f"{value!r} is not a duration; use seconds or e.g. 90s, 30m, 2h", param, ctx)
        return float(match.group(1)) * _SECONDS_PER_UNIT[match.group(2).lower()]


F = TypeVar("F", bound=Callable[..., Any])


def hub_options(fn: F) -> F:
    """``--endpoint`` (env ``HF_ENDPOINT``) and ``--token``: where the Hub is, and who asks."""
    fn = click.option(
        "--token",
        default=None,
        help="Hub token, sent only to --endpoint. Default: your saved token (hf auth login).",
    )(fn)
    return click.option(
        "--endpoint",
        envvar="HF_ENDPOINT",
        default=constants.ENDPOINT,
        show_default=True,
        help="Hub or mirror base URL (env HF_ENDPOINT).",
    )(fn)


@click.command("crawl", epilog=_EPILOG)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Snapshot to write: *.jsonl.gz (API objects) or *.parquet (hub-stats schema).",
)
@hub_options
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
    help="Seconds to wait to connect and for each read before retrying.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=None,
    help="Retries per request on 429, 5xx, timeouts and broken replies. "
    "Default: as many as --max-wait allows.",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    help="Seconds for a whole reply, body included; a slower reply is retried.",
)
@click.option(
    "--max-body-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=128.0,
    show_default=True,
    help="Largest reply accepted, in MiB after decompression.",
)
@click.option(
    "--max-wait",
    type=_Duration(),
    default="30m",
    show_default=True,
    help="Time budget of one request, attempts and waits together (e.g. 90s, 30m, 2h).",
)
@click.option(
    "--max-empty-pages",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_EMPTY_PAGES,
    show_default=True,
    help="Pages in a row without a new model after which a listing is taken to loop.",
)
@click.option(
    "--skip-failed-pages",
    is_flag=True,
    help="Skip a page that keeps failing (its listing ends there) instead of stopping; "
    "the manifest lists each skipped URL and why.",
)
@click.option(
    "--allow-cross-origin",
    is_flag=True,
    help="Follow redirects and next links to other hosts (never with the token). "
    "Default: refused. Recorded in the manifest.",
)
@click.option("--refresh", is_flag=True, help="Crawl again over a finished snapshot.")
@click.option(
    "--log-every",
    type=_Duration(),
    default="60",
    show_default=True,
    help="Seconds between progress lines when stderr is not a terminal.",
)
@click.option("--no-progress", is_flag=True, help="Do not show progress.")
@click.option(
    "--evidence",
    is_flag=True,
    help="Instead of crawling: for models of the existing snapshot --out that declare no "
    "parent, fetch adapter_config.json and config.json into OUT.evidence.jsonl (resumable).",
)
@click.option(
    "--max-models",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="With --evidence: models asked, most downloaded first.",
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
    retries: int | None,
    deadline: float,
    max_body_mb: float,
    max_wait: float,
    max_empty_pages: int,
    skip_failed_pages: bool,
    allow_cross_origin: bool,
    refresh: bool,
    log_every: float,
    stubs_of: Path | None,
    max_stubs: int | None,
    no_progress: bool,
    evidence: bool,
    max_models: int,
) -> None:
    """Crawl model metadata from the Hub: the whole Hub, one family, or single models.

    Whole Hub by default: every model, newest first, about 1,000 per page. Lineage comes
    from the base_model tags and cardData (the list endpoint cannot return baseModels).

    Example: hf-lineage crawl --out qwen.jsonl.gz --family Qwen/Qwen2.5-7B --depth 2

    Repository evidence for inferred lineage: hf-lineage crawl --evidence --out hub.parquet
    """
    if evidence:
        from hflineage.explorer.cli.infer import crawl_evidence

        if roots or model_ids:
            raise click.UsageError("--evidence reads the snapshot --out; drop --family/--model")

        crawl_evidence(out, endpoint=endpoint, token=token, timeout=timeout, limit=max_models)
        return
    if roots and model_ids:
        raise click.UsageError("use --family or --model, not both")
    depth_given = ctx.get_parameter_source("depth") is not click.core.ParameterSource.DEFAULT
    if depth_given and not roots:
        raise click.UsageError("--depth only applies to --family crawls")
    if model_ids and (max_pages is not None or limit != 1000):
        raise click.UsageError("--limit and --max-pages do not apply to --model")
    client = HubClient(
        endpoint,
        token=token,
        timeout=timeout,
        max_retries=retries,
        deadline=deadline,
        max_body=int(max_body_mb * 2**20),
        max_wait=max_wait,
        allow_cross_origin=allow_cross_origin,
    )
    if stubs_of is not None:
        from hflineage.explorer.cli.stubs import resolve_stub_parents

        resolve_stub_parents(stubs_of, out, client, max_stubs=max_stubs)
        return
    progress = StderrProgress(enabled=not no_progress, log_every=log_every)
    try:
        result: CrawlResult
        if model_ids:
            result = crawl_model(
                out,
                client,
                model_ids,
                progress=progress,
                refresh=refresh,
                skip_failed=skip_failed_pages,
            )
        elif roots:
            result = crawl_family(
                out,
                client,
                roots,
                depth=depth,
                page_size=limit,
                max_pages=max_pages,
                progress=progress,
                max_empty_pages=max_empty_pages,
                refresh=refresh,
                skip_failed=skip_failed_pages,
            )
        else:
            result = crawl_hub(
                out,
                client,
                page_size=limit,
                max_pages=max_pages,
                progress=progress,
                max_empty_pages=max_empty_pages,
                refresh=refresh,
                skip_failed=skip_failed_pages,
            )
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
    if result.rejected:
        text += f", {result.rejected:,} malformed records rejected"
    text += f") to {result.out}; manifest {result.manifest.name}"
    if result.skipped:
        text += f" [{result.skipped:,} failed pages skipped: incomplete, see the manifest]"
    elif not result.complete:
        text += " [stopped by --max-pages: incomplete]"
    return text
