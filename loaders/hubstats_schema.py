"""The hub-stats dump's columns (``cfahlgren1/hub-stats`` models.parquet), written once.

Three readers of one list: the crawler asks the Hub's API for these fields
(:data:`LIST_EXPAND`, :data:`MODEL_EXPAND_COLUMNS`) and writes its parquet in exactly the
dump's schema (:data:`HUB_STATS_SCHEMA`), so that the loader, which reads only the columns
lineage and attribution need (:data:`HUB_STATS_COLUMNS`), reads a crawl as it reads the dump.
Column names are the API's field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

__all__ = [
    "HUB_STATS_COLUMNS",
    "HUB_STATS_FIELDS",
    "HUB_STATS_SCHEMA",
    "LIST_EXPAND",
    "MODEL_EXPAND_COLUMNS",
    "SAFETENSORS_DTYPES",
    "HubStatsField",
]

#: How the Hub's API gives a column: in every object (``id``); when asked with ``expand``
#: of the list and the model endpoints (``list``); only from ``/api/models/{id}`` (``model``:
#: the list endpoint refuses ``expand=baseModels`` with HTTP 400); or not asked (``none``).
ApiRole = Literal["always", "list", "model", "none"]

#: The dtypes of ``safetensors.parameters`` in the hub-stats dump, in its column order.
SAFETENSORS_DTYPES = (
    "BF16", "F32", "F8_E4M3", "U8", "I64", "F8_E8M0", "I8", "I32", "F16", "U32",
    "BOOL", "I16", "U16", "C64", "F64", "miku", "fastllm", "F8_E5M2", "U64", "F6_E2M3",
)  # fmt: skip


@dataclass(frozen=True)
class HubStatsField:
    """One column of the dump: its name and Arrow type, how the API gives it, and whether
    the loader reads it."""

    name: str
    type: pa.DataType
    api: ApiRole
    loaded: bool


_SAFETENSORS = pa.struct(
    [
        ("parameters", pa.struct([(k, pa.int64()) for k in SAFETENSORS_DTYPES])),
        ("total", pa.int64()),
    ]
)
_BASE_MODELS = pa.struct(
    [
        ("relation", pa.string()),
        ("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
    ]
)

#: Every column, in the dump's order.
HUB_STATS_FIELDS: tuple[HubStatsField, ...] = (
    HubStatsField("id", pa.string(), "always", loaded=True),
    HubStatsField("author", pa.string(), "list", loaded=True),
    HubStatsField("createdAt", pa.timestamp("us"), "list", loaded=True),
    HubStatsField("lastModified", pa.timestamp("us"), "list", loaded=True),
    HubStatsField("downloads", pa.int64(), "list", loaded=True),
    HubStatsField("downloadsAllTime", pa.int64(), "list", loaded=True),
    HubStatsField("likes", pa.int64(), "list", loaded=True),
    HubStatsField("trendingScore", pa.float64(), "none", loaded=False),
    HubStatsField("tags", pa.list_(pa.string()), "list", loaded=True),
    HubStatsField("cardData", pa.string(), "list", loaded=True),  # JSON text
    HubStatsField("safetensors", _SAFETENSORS, "list", loaded=False),
    HubStatsField("gguf", pa.string(), "list", loaded=False),  # JSON text
    HubStatsField("baseModels", _BASE_MODELS, "model", loaded=True),
    HubStatsField("pipeline_tag", pa.string(), "list", loaded=True),
    HubStatsField("library_name", pa.string(), "list", loaded=True),
)

#: The dump's Arrow schema (timestamps naive UTC microseconds), as crawls are written.
HUB_STATS_SCHEMA = pa.schema([(f.name, f.type) for f in HUB_STATS_FIELDS])
#: The columns the loader reads.
HUB_STATS_COLUMNS: tuple[str, ...] = tuple(f.name for f in HUB_STATS_FIELDS if f.loaded)
#: Fields asked of the list endpoint.
LIST_EXPAND: tuple[str, ...] = tuple(f.name for f in HUB_STATS_FIELDS if f.api == "list")
#: Dump columns only ``/api/models/{id}`` gives (asked there besides :data:`LIST_EXPAND`).
MODEL_EXPAND_COLUMNS: tuple[str, ...] = tuple(f.name for f in HUB_STATS_FIELDS if f.api == "model")
