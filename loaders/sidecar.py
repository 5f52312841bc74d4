"""Sidecars: small JSONL files written beside a snapshot, read with it by every loader.

``<snapshot>.authors.jsonl`` holds author kinds (``loaders.authors``), ``<snapshot>
.aliases.jsonl`` renames found by looking stubs up (``loaders.renames``). Both are appended
to line by line, so a line cut short by an interruption is counted and skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["read_pairs", "sidecar_path"]


def sidecar_path(snapshot: str | os.PathLike[str], suffix: str) -> Path:
    """The sidecar of a snapshot (file or folder): its name plus ``suffix``.

    >>> sidecar_path("data/hub.parquet", ".authors.jsonl").name
    'hub.parquet.authors.jsonl'
    """
    p = Path(snapshot)
    return p.with_name(p.name + suffix)


def read_pairs(
    path: str | os.PathLike[str], pair: Callable[[Any], tuple[str, str]]
) -> tuple[dict[str, str], int]:
    """Each line's ``pair(object)`` as lower-case key -> value (a later line wins), and the
    number of lines that are not JSON or that ``pair`` refuses (``ValueError``,
    ``KeyError`` or ``TypeError``)."""
    out: dict[str, str] = {}
    bad = 0
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                key, value = pair(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            out[key.lower()] = value
    return out, bad
