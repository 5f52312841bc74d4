"""The renames sidecar of a snapshot: ids the Hub answered under another (current) id.

``hf-lineage crawl --resolve-stubs`` writes ``<out>.aliases.jsonl`` beside its snapshot,
one ``{"old_id": ..., "new_id": ...}`` a line; every snapshot loader reads it and the graph
applies it like the curated alias table (``graph/data/aliases.csv``).
"""

from __future__ import annotations

import os
from pathlib import Path

from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.sidecar import read_pairs, sidecar_path

__all__ = ["aliases_path", "read_aliases"]


def aliases_path(snapshot: str | os.PathLike[str]) -> Path:
    """The renames sidecar of a snapshot (``<snapshot>.aliases.jsonl``)."""
    return sidecar_path(snapshot, ".aliases.jsonl")


def read_aliases(path: str | os.PathLike[str]) -> tuple[dict[str, str], int]:
    """Renames a sidecar records (lower-case old id -> current id), and unreadable lines."""
    return read_pairs(path, _rename)


def _rename(obj: dict[str, object]) -> tuple[str, str]:
    try:
        return normalise_id(obj["old_id"]), normalise_id(obj["new_id"])
    except InvalidId as exc:
        raise ValueError(str(exc)) from exc
