"""One entry point for every snapshot format: chosen by the path's extension or content."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from hflineage.errors import InputError
from hflineage.loaders.authors import author_kinds_path, read_author_kinds
from hflineage.loaders.cards import load_model_cards
from hflineage.loaders.hubstats import load_hub_stats
from hflineage.loaders.jsonl import load_jsonl
from hflineage.loaders.records import LoadReport
from hflineage.loaders.renames import aliases_path, read_aliases
from hflineage.loaders.table import ModelTable

__all__ = ["load_snapshot", "load_snapshots", "snapshot_format"]


def snapshot_format(path: str | os.PathLike[str]) -> str:
    """Return ``parquet``, ``jsonl`` or ``cards`` for a path, or raise :class:`InputError`."""
    p = Path(path)
    if p.is_dir():
        return "cards"
    if not p.exists():
        raise InputError(f"snapshot {str(p)!r} does not exist", path=str(p))
    name = p.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz")):
        return "jsonl"
    with open(p, "rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b" or head[:1] == b"{":
        return "jsonl"
    raise InputError(
        f"snapshot {str(p)!r}: unknown format; expected .parquet (hub-stats), "
        ".jsonl[.gz] (API objects) or a folder of model cards",
        path=str(p),
    )


def load_snapshot(
    path: str | os.PathLike[str], progress: Callable[[int, int], None] | None = None
) -> tuple[ModelTable, LoadReport]:
    """Load one snapshot of any supported format."""
    fmt = snapshot_format(path)
    if fmt == "parquet":
        table, report = load_hub_stats(path, progress=progress)
    elif fmt == "jsonl":
        table, report = load_jsonl(path)
    else:
        table, report = load_model_cards(path)
    _read_sidecar(path, report)
    return table, report


def _read_sidecar(path: str | os.PathLike[str], report: LoadReport) -> None:
    """The snapshot's author kinds and renames, when ``hf-lineage crawl-authors`` or
    ``hf-lineage crawl --resolve-stubs`` wrote them."""
    for sidecar, read, into, what in (
        (author_kinds_path(path), read_author_kinds, report.author_kinds, "author-kind"),
        (aliases_path(path), read_aliases, report.aliases, "renames"),
    ):
        if sidecar.is_file():
            found, bad = read(sidecar)
            into.update(found)
            if bad:
                report.note(f"{what} sidecar line unreadable (ignored)", str(sidecar), bad)


def load_snapshots(
    paths: Sequence[str | os.PathLike[str]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ModelTable, LoadReport]:
    """Load and stack several snapshots; a repeated id keeps its first row (counted)."""
    report = LoadReport()
    tables = []
    for path in paths:
        table, rep = load_snapshot(path, progress)
        tables.append(table)
        report.merge(rep)
    table = ModelTable.concat(tables)
    return table.deduplicate(report), report
