"""Author kinds (user or organisation), kept in a sidecar beside a snapshot.

The sidecar of ``hub.parquet`` is ``hub.parquet.authors.jsonl``: one JSON object a line,
``{"author": "<name>", "kind": "user" | "organization" | "missing"}`` (``missing``: the Hub
knows no account of that name, e.g. a deleted or renamed one). ``hf-lineage crawl-authors``
writes it (appending, so an interrupted run resumes); every snapshot loader reads it when
it is there, and the graph counts a ``user`` as International/Online unless the org table
says otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from hflineage.loaders.sidecar import read_pairs, sidecar_path

__all__ = ["KINDS", "author_kinds_path", "read_author_kinds", "write_author_kinds"]

#: The kinds a sidecar may record.
KINDS: tuple[str, ...] = ("user", "organization", "missing")


def author_kinds_path(snapshot: str | os.PathLike[str]) -> Path:
    """The author-kinds sidecar of a snapshot (``<snapshot>.authors.jsonl``)."""
    return sidecar_path(snapshot, ".authors.jsonl")


def read_author_kinds(path: str | os.PathLike[str]) -> tuple[dict[str, str], int]:
    """The kinds a sidecar records (lower-case author -> kind), and its unreadable lines.

    A later line for the same author wins (a re-crawl corrects an earlier answer).
    """
    return read_pairs(path, _kind)


def _kind(obj: dict[str, object]) -> tuple[str, str]:
    author, kind = obj["author"], obj["kind"]
    if not isinstance(author, str) or not author or kind not in KINDS:
        raise ValueError(f"not an author kind: {obj!r}")
    return author, str(kind)


def write_author_kinds(path: str | os.PathLike[str], kinds: Iterable[tuple[str, str]]) -> None:
    """Append ``(author, kind)`` answers to a sidecar, each line flushed as it is written."""
    with open(path, "ab") as fh:
        for author, kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"author kind must be one of {', '.join(KINDS)}, got {kind!r}")
            fh.write(json.dumps({"author": author, "kind": kind}).encode() + b"\n")
            fh.flush()
