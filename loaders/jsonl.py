"""JSONL snapshots of Hub API model objects (plain or gzip), as the crawler writes them."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from hflineage.errors import InputError
from hflineage.loaders.parse import parse_api_model
from hflineage.loaders.records import LoadReport, ModelRecord
from hflineage.loaders.table import ModelTable

__all__ = ["iter_jsonl_records", "load_jsonl"]


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def iter_jsonl_records(
    path: str | os.PathLike[str],
    report: LoadReport,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ModelRecord]:
    """Yield one record per valid line; bad lines are rejected and counted in ``report``."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"snapshot {str(p)!r} does not exist or is not a file", path=str(p))
    name = p.name
    lineno = 0
    try:
        with _open(p) as fh:
            for lineno, raw in enumerate(fh, start=1):
                if progress is not None:
                    progress(len(raw))
                if not raw.strip():
                    continue
                report.rows_read += 1
                where = f"{name}:{lineno}"
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    report.reject("line is not UTF-8", where)
                    continue
                try:
                    obj = json.loads(text)
                except ValueError:
                    report.reject("malformed JSON line", where)
                    continue
                rec = parse_api_model(obj, where, report)
                if rec is not None:
                    report.rows_loaded += 1
                    yield rec
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        report.reject(
            "truncated or corrupt gzip stream (rest of file unreadable)", f"{name}:{lineno}"
        )
        raise InputError(
            f"snapshot {str(p)!r}: gzip stream is corrupt after line {lineno} ({exc}); "
            "re-download or re-crawl it",
            path=str(p),
        ) from exc


def load_jsonl(
    path: str | os.PathLike[str], progress: Callable[[int], None] | None = None
) -> tuple[ModelTable, LoadReport]:
    """Load a JSONL(.gz) snapshot of ``/api/models`` objects."""
    report = LoadReport(sources=[str(path)])
    table = ModelTable.from_records(iter_jsonl_records(path, report, progress))
    return table, report
