"""Hand-built rows of the hub-stats dump, and a crawlable Hub made of them and generated ones.

The rows have the dump's schema (``id, author, createdAt, ... baseModels``) and Hub-style
lineage: ``base_model:<id>`` and ``base_model:<relation>:<id>`` tags, the card's
``base_model`` and (unless told otherwise) the Hub's resolved ``baseModels``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "CRAWL_FAMILIES",
    "CRAWL_HUB_MODELS",
    "SMALL_HUB",
    "hub_stats_row",
    "write_crawl_hub",
    "write_filled_hub",
    "write_hub_stats",
]


def hub_stats_row(
    model_id: str,
    created: str,
    parents: Sequence[str] = (),
    relation: str = "finetune",
    *,
    downloads: int = 0,
    downloads_all_time: int | None = None,
    likes: int = 0,
    modified: str | None = None,
    base_models: bool = True,
) -> dict[str, Any]:
    """One dump row for ``model_id``, created at ``created`` (``"2024-04-18T16:00:00"``),
    derived from ``parents`` by ``relation`` (the Hub's ``baseModels`` too if ``base_models``).

    ``downloads_all_time`` defaults to three times the 30-day ``downloads``, ``modified``
    (lastModified) to ``created``.
    """
    when = datetime.fromisoformat(created)
    card: dict[str, Any] = {"license": "apache-2.0"}
    if parents:
        card["base_model"] = parents[0] if len(parents) == 1 else list(parents)
    resolved = [{"_id": hashlib.sha1(p.encode()).hexdigest()[:24], "id": p} for p in parents]
    return {
        "id": model_id,
        "author": model_id.split("/")[0],
        "createdAt": when,
        "lastModified": datetime.fromisoformat(modified) if modified else when,
        "downloads": downloads,
        "downloadsAllTime": downloads * 3 if downloads_all_time is None else downloads_all_time,
        "likes": likes,
        "trendingScore": 0.0,
        "tags": ["transformers", "safetensors"]
        + [f"base_model:{p}" for p in parents]
        + [f"base_model:{relation}:{p}" for p in parents],
        "cardData": json.dumps(card),
        "safetensors": None,
        "gguf": None,
        "baseModels": {"relation": relation, "models": resolved}
        if parents and base_models
        else None,
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
    }


def write_hub_stats(path: Path, rows: Iterable[dict[str, Any]], schema: pa.Schema) -> Path:
    """Write ``rows`` as a hub-stats parquet file with the dump's ``schema``."""
    pq.write_table(pa.Table.from_pylist(list(rows), schema=schema), path)
    return path


# Two families that share merges, and a few Qwen models, for crawls by family and by model.
# Breadth-first from both roots, the merges are reached twice:
#   depth 1: merger/MistLlama-7B-slerp (child of both roots)                    1 repeat
#   depth 2: + merger/Hermes-blend-7B (of OpenHermes and Hermes-2-Pro) and
#              merger/MistLlama-stack (of MistLlama-7B-slerp and Llama-3-8B-Instruct)  3
#   depth 3: + merger/grand-blend (of Hermes-blend-7B and MistLlama-stack)      4
_MISTRAL, _LLAMA = "mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B"
CRAWL_FAMILIES: tuple[dict[str, Any], ...] = (
    hub_stats_row(_MISTRAL, "2023-09-20T13:03:50", downloads=400_000, likes=3_500),
    hub_stats_row(_LLAMA, "2024-04-17T09:35:00", downloads=600_000, likes=6_000),
    # depth 1 below Mistral: seven children, so a listing of five a page has two pages
    hub_stats_row("mistralai/Mistral-7B-Instruct-v0.1", "2023-09-27T14:31:52", [_MISTRAL]),
    hub_stats_row("HuggingFaceH4/zephyr-7b-beta", "2023-10-26T11:25:49", [_MISTRAL]),
    hub_stats_row("teknium/OpenHermes-2.5-Mistral-7B", "2023-10-29T20:36:39", [_MISTRAL]),
    hub_stats_row("Open-Orca/Mistral-7B-OpenOrca", "2023-09-29T19:18:38", [_MISTRAL]),
    hub_stats_row(
        "cognitivecomputations/dolphin-2.2.1-mistral-7b", "2023-10-30T15:49:21", [_MISTRAL]
    ),
    hub_stats_row("TheBloke/Mistral-7B-v0.1-GGUF", "2023-09-27T16:17:25", [_MISTRAL], "quantized"),
    hub_stats_row(
        "merger/MistLlama-7B-slerp",
        "2024-05-01T08:00:00",
        [_MISTRAL, _LLAMA],
        "merge",
        downloads=120,
    ),
    # depth 1 below Llama 3
    hub_stats_row("meta-llama/Meta-Llama-3-8B-Instruct", "2024-04-17T09:35:12", [_LLAMA]),
    hub_stats_row("NousResearch/Hermes-2-Pro-Llama-3-8B", "2024-04-30T00:07:44", [_LLAMA]),
    hub_stats_row("unsloth/llama-3-8b-bnb-4bit", "2024-04-18T20:05:58", [_LLAMA], "quantized"),
    # depth 2
    hub_stats_row(
        "TheBloke/zephyr-7b-beta-GGUF",
        "2023-10-27T14:56:25",
        ["HuggingFaceH4/zephyr-7b-beta"],
        "quantized",
    ),
    hub_stats_row(
        "mlabonne/NeuralHermes-2.5-Mistral-7B",
        "2023-11-29T15:28:55",
        ["teknium/OpenHermes-2.5-Mistral-7B"],
    ),
    hub_stats_row(
        "mlabonne/Llama-3-8B-Instruct-abliterated",
        "2024-05-08T08:00:00",
        ["meta-llama/Meta-Llama-3-8B-Instruct"],
    ),
    hub_stats_row(
        "merger/Hermes-blend-7B",
        "2024-05-10T08:00:00",
        ["teknium/OpenHermes-2.5-Mistral-7B", "NousResearch/Hermes-2-Pro-Llama-3-8B"],
        "merge",
    ),
    hub_stats_row(
        "merger/MistLlama-stack",
        "2024-05-12T08:00:00",
        ["merger/MistLlama-7B-slerp", "meta-llama/Meta-Llama-3-8B-Instruct"],
        "merge",
    ),
    # depth 3, and one model below it (never reached at depth 3)
    hub_stats_row(
        "TheBloke/NeuralHermes-2.5-Mistral-7B-GGUF",
        "2023-12-01T10:00:00",
        ["mlabonne/NeuralHermes-2.5-Mistral-7B"],
        "quantized",
    ),
    hub_stats_row(
        "merger/grand-blend",
        "2024-05-20T08:00:00",
        ["merger/Hermes-blend-7B", "merger/MistLlama-stack"],
        "merge",
    ),
    hub_stats_row(
        "someone/grand-blend-GGUF", "2024-05-21T08:00:00", ["merger/grand-blend"], "quantized"
    ),
    # Qwen: a model with a (stub) parent and two children, a 72B model, a root with one child
    hub_stats_row(
        "Qwen/Qwen2.5-7B-Instruct",
        "2024-09-16T11:55:40",
        ["Qwen/Qwen2.5-7B"],
        downloads=2_000_000,
        likes=700,
    ),
    hub_stats_row(
        "bartowski/Qwen2.5-7B-Instruct-GGUF",
        "2024-09-18T20:14:40",
        ["Qwen/Qwen2.5-7B-Instruct"],
        "quantized",
    ),
    hub_stats_row(
        "acme/qwen2.5-7b-instruct-lora",
        "2024-10-02T09:00:00",
        ["Qwen/Qwen2.5-7B-Instruct"],
        "adapter",
    ),
    hub_stats_row("Qwen/Qwen2-72B-Instruct", "2024-05-28T03:48:49", ["Qwen/Qwen2-72B"]),
    hub_stats_row("Qwen/Qwen1.5-MoE-A2.7B", "2024-03-14T12:46:26"),
    hub_stats_row("Qwen/Qwen1.5-MoE-A2.7B-Chat", "2024-03-14T12:47:34", ["Qwen/Qwen1.5-MoE-A2.7B"]),
)

#: A small Hub: 11 models, no stubs. 30-day downloads credited to root orgs (split):
#: Qwen 1000 + 500 + 200/2 = 1600, meta-llama 900 + 300 + 200/2 = 1300, mistralai 400 + 50,
#: google 250, microsoft 120, deepseek-ai 80, dave 10; 3,810 in all.
SMALL_HUB = (
    hub_stats_row("Qwen/Qwen2.5-7B", "2024-09-15T12:00:00", downloads=1000),
    hub_stats_row("alice/qwen-ft", "2024-10-01T12:00:00", ["Qwen/Qwen2.5-7B"], downloads=500),
    hub_stats_row("meta-llama/Llama-3.1-8B", "2024-07-14T08:00:00", downloads=900),
    hub_stats_row("bob/llama-ft", "2024-08-01", ["meta-llama/Llama-3.1-8B"], downloads=300),
    hub_stats_row(
        "carol/merge",
        "2024-11-01T08:00:00",
        ["Qwen/Qwen2.5-7B", "meta-llama/Llama-3.1-8B"],
        "merge",
        downloads=200,
    ),
    hub_stats_row("mistralai/Mistral-7B-v0.1", "2023-09-20T13:03:50", downloads=400),
    hub_stats_row(
        "ibm-research/merlinite-7b", "2024-02-02", ["mistralai/Mistral-7B-v0.1"], downloads=50
    ),
    hub_stats_row("google/gemma-2-9b", "2024-06-24T08:00:00", downloads=250),
    hub_stats_row("microsoft/phi-2", "2023-12-13T08:00:00", downloads=120),
    hub_stats_row("deepseek-ai/DeepSeek-V3", "2024-12-26T08:00:00", downloads=80),
    hub_stats_row("dave/lonely", "2025-01-02T08:00:00", downloads=10),
)

#: Models on the crawlable Hub: 9 pages of 500, 42 pages of 100.
CRAWL_HUB_MODELS = 4_167


def write_crawl_hub(path: Path, generated: Path) -> Path:
    """A hub-stats file of :data:`CRAWL_HUB_MODELS` models: :data:`CRAWL_FAMILIES`, filled up
    with rows of the ``generated`` dump (see :func:`write_filled_hub`)."""
    return write_filled_hub(path, CRAWL_FAMILIES, generated, CRAWL_HUB_MODELS)


def write_filled_hub(
    path: Path,
    hand_built: Sequence[dict[str, Any]],
    generated: Path,
    total: int,
    *,
    keep: Callable[[dict[str, Any]], bool] = lambda row: True,
) -> Path:
    """A hub-stats file of ``total`` models: the ``hand_built`` rows first, then the first
    rows of the ``generated`` dump that do not touch them and that ``keep`` accepts.

    A generated row that mentions a hand-built id or parent in any spelling (its own id, a
    tag, the card) is left out, so the hand-built rows' lineage and children are exactly
    the hand-built ones.
    """
    table = pq.read_table(generated)
    names = {str(r["id"]).lower() for r in hand_built}
    mentioned = names | {p.lower() for r in hand_built for p in _parents(r)}
    filler: list[dict[str, Any]] = []
    wanted = total - len(hand_built)
    for row in table.to_pylist():
        text = json.dumps([row["id"], row["tags"], row["cardData"]]).lower()
        if keep(row) and not any(m in text for m in mentioned):
            filler.append(row)
            if len(filler) == wanted:
                break
    assert len(filler) == wanted, f"the generated dump is too small to fill {total} models"
    return write_hub_stats(path, [*hand_built, *filler], table.schema)


def _parents(row: dict[str, Any]) -> list[str]:
    prefix = "base_model:"
    return [t[len(prefix) :] for t in row["tags"] if t.startswith(prefix) and t.count(":") == 1]
