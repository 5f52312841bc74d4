"""``hf-lineage cache``: the built graphs kept between commands (see graph/cache.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from hflineage.explorer.cli.common import emit, format_option
from hflineage.graph.cache import GraphCache, cache_dir_from_env

__all__ = ["cache"]


def _cache() -> GraphCache | None:
    """The cache in use, or ``None`` (said on stderr) when it is turned off."""
    where = cache_dir_from_env()
    if where is None:
        click.echo("the graph cache is off (HF_LINEAGE_GRAPH_CACHE=off)", err=True)
        return None
    return GraphCache(where)


@click.group("cache")
def cache() -> None:
    """Built lineage graphs kept between commands.

    The first command on a snapshot stores its graph; later commands on the same, unchanged
    files map it back in instead of loading and building again. Set
    HF_LINEAGE_GRAPH_CACHE to a folder to move the cache, or to "off" to disable it.
    """


@cache.command("info")
@format_option
def info(fmt: str) -> None:
    """List the stored graphs (most recently used first).

    Example: hf-lineage cache info --format json
    """
    store = _cache()
    if store is None:
        return
    rows = [
        (d.name, size, datetime.fromtimestamp(used, UTC).strftime("%Y-%m-%d %H:%M:%S"))
        for d, size, used in store.entries()
    ]
    total = sum(r[1] for r in rows)
    payload = {
        "cache_dir": str(store.root),
        "graphs": [{"key": k, "bytes": b, "last_used_utc": u} for k, b, u in rows],
        "bytes": total,
    }
    emit(
        fmt,
        payload,
        ["key", "bytes", "last used (UTC)"],
        rows,
        title=f"graph cache {store.root}",
        footer=f"{len(rows)} graphs, {total / 1e6:,.1f} MB",
    )


@cache.command("clear")
def clear() -> None:
    """Remove every stored graph (they are rebuilt when next needed).

    Example: hf-lineage cache clear
    """
    store = _cache()
    if store is None:
        return
    click.echo(f"removed {store.clear()} graphs from {store.root}", err=True)
