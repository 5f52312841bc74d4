"""``hf-lineage crawl-authors``: record whether each author of a snapshot is a user or an org."""

from __future__ import annotations

from pathlib import Path

import click
from huggingface_hub import HfApi

from hflineage.explorer.cli.crawl import hub_options
from hflineage.graph.taxonomy import default_taxonomy
from hflineage.loaders.hub.authors import crawl_author_kinds
from hflineage.loaders.snapshot import load_snapshot

__all__ = ["crawl_authors"]


@click.command("crawl-authors")
@click.argument("snapshot", type=click.Path(exists=True, path_type=Path))
@hub_options
@click.option(
    "--max-authors",
    type=click.IntRange(min=1),
    default=None,
    help="Ask about at most this many authors in this run (the heaviest first).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Retries per request on 429, 5xx and network errors.",
)
def crawl_authors(
    snapshot: Path, endpoint: str, token: str | None, max_authors: int | None, retries: int
) -> None:
    """Ask the Hub whether each author of SNAPSHOT is a user or an organisation.

    Answers go to SNAPSHOT.authors.jsonl beside it, which every later command on SNAPSHOT
    reads: a user the org table does not list counts as International/Online. Authors the
    org table lists are not asked about. Interrupted? Run it again: it resumes.

    Example: hf-lineage crawl-authors hub.parquet --max-authors 2000
    """
    table, _ = load_snapshot(snapshot)
    api = HfApi(endpoint=endpoint, token=token)
    result = crawl_author_kinds(
        snapshot,
        table,
        api,
        skip=default_taxonomy().orgs,
        max_authors=max_authors,
        retries=retries,
    )
    kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(result.kinds.items())) or "none"
    click.echo(
        f"asked about {result.asked:,} authors ({kinds}); {result.already_known:,} known "
        f"before; {result.left:,} left; {result.not_names:,} not account names; "
        f"written to {result.out}",
        err=True,
    )
