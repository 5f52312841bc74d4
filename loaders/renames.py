"""The renames sidecar of a snapshot: ids the Hub answered under another (current) id.

``hf-lineage crawl --resolve-stubs`` writes ``<out>.aliases.jsonl`` beside its snapshot,
one ``{"old_id": ..., "new_id": ...}`` a line; every snapshot loader reads it and the graph
applies it like the curated alias table (``graph/data/aliases.csv``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hflineage.loaders.ids import InvalidId, normalise_id

__all__ = ["aliases_path", "read_aliases"]


def aliases_path(snapshot: str | os.PathLike[str]) -> Path:
    """The renames sidecar of a snapshot.

    >>> aliases_path("stubs.jsonl").name
    'stubs.jsonl.aliases.jsonl'
    """
    p = Path(snapshot)
    return p.with_name(p.name + ".aliases.jsonl")


def read_aliases(path: str | os.PathLike[str]) -> tuple[dict[str, str], int]:
    """Renames a sidecar records (lower-case old id -> current id), and unreadable lines."""
    out: dict[str, str] = {}
    bad = 0
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                old, new = normalise_id(obj["old_id"]), normalise_id(obj["new_id"])
            except (ValueError, KeyError, TypeError, InvalidId):
                bad += 1
                continue
            out[old.lower()] = new
    return out, bad
