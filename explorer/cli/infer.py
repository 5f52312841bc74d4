"""``hf-lineage infer``: the inferred parents that ``report --infer`` uses, one per line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from hflineage.explorer.cli.common import emit, snapshot_option
from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE, InferredDeclarations

__all__ = ["crawl_evidence", "infer", "inferred_edges"]

#: The columns of every output format, in order.
COLUMNS = ("model_id", "parent_id", "relation", "rule", "confidence", "bucket", "evidence")


def inferred_edges(snapshots: Sequence[str], min_confidence: float) -> InferredDeclarations:
    """The inferred parents at or above ``min_confidence``, from the same inputs and calls as
    ``report --infer`` (declarations, evidence, :func:`~hflineage.graph.inference.infer_lineage`).
    """
    from hflineage.graph.inference import infer_lineage
    from hflineage.loaders import load_snapshots
    from hflineage.loaders.evidence import load_evidences
    from hflineage.loaders.hubstats import fetch_hub_stats

    inputs = list(snapshots) or [str(fetch_hub_stats())]
    table, _ = load_snapshots(inputs)
    return infer_lineage(table, load_evidences(inputs)).at_least(min_confidence)


@click.command("infer")
@snapshot_option
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_MIN_CONFIDENCE,
    show_default=True,
    help="Lowest confidence listed (report --infer uses the same threshold).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="jsonl and csv: one edge per line.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Rows shown by --format table (the other formats list every edge).",
)
def infer(snapshots: tuple[str, ...], min_confidence: float, fmt: str, top: int) -> None:
    """List inferred parents of models that declare none (docs/inference.md).

    Each edge states the rule that made it, its confidence (the rule's held-out precision
    for that kind of evidence) and the evidence itself. These are exactly the edges that
    report --infer --min-confidence X adds to the graph.

    Example: hf-lineage infer --snapshot hub-stats.parquet --min-confidence 0.9 --format jsonl
    """
    edges = inferred_edges(snapshots, min_confidence)
    rows = edges.as_dicts()
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    by_rule = edges.by_rule()
    summary = ", ".join(f"{rule} {n:,}" for rule, n in by_rule.items()) or "none"
    payload = {
        "edges": rows,
        "meta": {"min_confidence": min_confidence, "count": len(rows), "by_rule": by_rule},
    }
    shown = rows if fmt != "table" else rows[:top]
    footer = f"{len(rows):,} inferred edges at confidence >= {min_confidence:g} ({summary})"
    if len(shown) < len(rows):
        footer += f"; showing {len(shown):,} (--format jsonl lists all)"
    emit(
        fmt,
        payload,
        COLUMNS,
        [tuple(r[c] for c in COLUMNS) for r in shown],
        title="inferred parents",
        footer=footer,
    )


def crawl_evidence(
    snapshot: Path, *, endpoint: str | None, token: str | None, timeout: float, limit: int
) -> None:
    """``crawl --evidence``: repository evidence for the snapshot's models with no parent."""
    from hflineage.loaders import load_snapshot
    from hflineage.loaders.hub.repo_files import (
        fetch_repo_evidence,
        models_to_probe,
        sidecar_of,
    )

    if not snapshot.exists():
        raise click.BadParameter(
            f"{snapshot} does not exist; crawl it first (hf-lineage crawl --out {snapshot})",
            param_hint="--out",
        )
    table, _ = load_snapshot(snapshot)
    targets = models_to_probe(table, limit)
    sidecar = sidecar_of(snapshot)
    counts = fetch_repo_evidence(targets, sidecar, endpoint=endpoint, token=token, timeout=timeout)
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "nothing to ask"
    click.echo(f"{len(targets):,} models without a declared parent: {summary}; wrote {sidecar}",
               err=True)  # fmt: skip
