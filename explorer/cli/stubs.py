"""``hf-lineage crawl --resolve-stubs SNAPSHOT --out PATH``: close the graph upwards."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from hflineage.errors import QueryError
from hflineage.explorer.cli.common import load_graph
from hflineage.loaders.hub.client import HubClient
from hflineage.loaders.hub.stubs import resolve_stubs
from hflineage.queries import attribute

__all__ = ["resolve_stub_parents"]


def resolve_stub_parents(
    snapshot: Path, out: Path, client: HubClient, *, max_stubs: int | None = None
) -> None:
    """Ask the Hub about the stubs of ``snapshot``'s graph, those credited most first."""
    if out.suffix == ".parquet" or out.name.endswith(".gz"):
        raise click.UsageError("--resolve-stubs writes JSONL: give --out a .jsonl path")
    graph = load_graph([str(snapshot)])
    stubs = graph.ids_of(np.flatnonzero(graph.stub))
    is_stub = {s.lower() for s in stubs}
    try:
        rows = attribute(graph, by="root").rows
    except QueryError:  # no downloads to rank by: the graph's own order
        rows = []
    credited = [r.key for r in rows if r.key.lower() in is_stub]
    ordered = list(dict.fromkeys([*credited, *stubs]))
    result = resolve_stubs(ordered, client, out, max_stubs=max_stubs)
    click.echo(
        f"asked the Hub about {result.asked:,} of {len(ordered):,} stubs: "
        f"{result.resolved:,} resolved ({result.renamed:,} renamed), "
        f"{result.not_found:,} not found; {result.already_done:,} done before, "
        f"{result.left:,} left; wrote {result.out} (stack it with {snapshot})",
        err=True,
    )
