"""API model objects -> parquet in the hub-stats schema (``cfahlgren1/hub-stats`` models.parquet).

The columns and types are exactly the dump's (:mod:`hflineage.loaders.hubstats_schema`), so
every reader of the dump reads a crawl:
``cardData`` and ``gguf`` are JSON text, timestamps are naive UTC microseconds,
``safetensors.parameters`` is a struct of the dump's dtype columns.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from hflineage.loaders.hubstats_schema import HUB_STATS_SCHEMA, SAFETENSORS_DTYPES

__all__ = ["HUB_STATS_SCHEMA", "SAFETENSORS_DTYPES", "hub_stats_row", "write_parquet"]

_DTYPES = frozenset(SAFETENSORS_DTYPES)
_BATCH_ROWS = 10_000


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


_INT64 = (-(2**63), 2**63 - 1)


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    # Beyond 64 bits no column holds it (the crawler rejects such records before this).
    return int(value) if _INT64[0] <= value <= _INT64[1] else None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _json_text(value: object) -> str | None:
    # json.dumps defaults (", " / ": ", ASCII escapes) are what the hub-stats dump holds.
    return None if value is None else json.dumps(value)


def _safetensors(value: object, dropped: Counter[str]) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    raw = value.get("parameters")
    params = raw if isinstance(raw, dict) else {}
    dropped.update(k for k in params if k not in _DTYPES)
    return {
        "parameters": {k: _int(params.get(k)) for k in SAFETENSORS_DTYPES},
        "total": _int(value.get("total")),
    }


def _base_models(value: object) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    models = value.get("models")
    return {
        "relation": _str(value.get("relation")),
        "models": [
            {"_id": _str(m.get("_id")), "id": _str(m.get("id"))}
            for m in (models if isinstance(models, list) else [])
            if isinstance(m, dict)
        ],
    }


def hub_stats_row(model: dict[str, Any], dropped: Counter[str] | None = None) -> dict[str, Any]:
    """Convert one API model object to a row of :data:`HUB_STATS_SCHEMA`.

    Values of the wrong type or beyond 64 bits become nulls; the JSON snapshot keeps them as
    the Hub sent them.
    Safetensors dtypes that the schema has no column for are counted in ``dropped``.

    >>> hub_stats_row({"id": "gpt2", "cardData": {"license": "mit"}})["cardData"]
    '{"license": "mit"}'
    """
    tags = model.get("tags")
    return {
        "id": _str(model.get("id")),
        "author": _str(model.get("author")),
        "createdAt": _timestamp(model.get("createdAt")),
        "lastModified": _timestamp(model.get("lastModified")),
        "downloads": _int(model.get("downloads")),
        "downloadsAllTime": _int(model.get("downloadsAllTime")),
        "likes": _int(model.get("likes")),
        "trendingScore": _float(model.get("trendingScore")),
        "tags": [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else None,
        "cardData": _json_text(model.get("cardData")),
        "safetensors": _safetensors(
            model.get("safetensors"), Counter() if dropped is None else dropped
        ),
        "gguf": _json_text(model.get("gguf")),
        "baseModels": _base_models(model.get("baseModels")),
        "pipeline_tag": _str(model.get("pipeline_tag")),
        "library_name": _str(model.get("library_name")),
    }


def _batches(
    models: Iterable[dict[str, Any]], dropped: Counter[str]
) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for model in models:
        batch.append(hub_stats_row(model, dropped))
        if len(batch) >= _BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(models: Iterable[dict[str, Any]], sink: IO[bytes]) -> dict[str, int]:
    """Stream ``models`` into ``sink`` as hub-stats parquet.

    Returns:
        How many values of each safetensors dtype without a column were left out.
    """
    rows = 0
    dropped: Counter[str] = Counter()
    with pq.ParquetWriter(sink, HUB_STATS_SCHEMA) as writer:
        for batch in _batches(models, dropped):
            writer.write_table(pa.Table.from_pylist(batch, schema=HUB_STATS_SCHEMA))
            rows += len(batch)
        if rows == 0:
            writer.write_table(HUB_STATS_SCHEMA.empty_table())
    return dict(sorted(dropped.items()))
