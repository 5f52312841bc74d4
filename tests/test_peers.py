"""The benchmark's peers (bench/peers) give the tool's answers, row by row.

Each peer runs as the benchmark runs it (a whole process on a hub-stats parquet) on the
generated 6,000-model Hub and on a small hand-built file with the awkward cases: a cycle,
merges of merges, stub parents, renamed and moved ids, mixed-case and URL-spelled ids, a
repeated id, a self-reference and parents in every source.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli

PEERS_DIR = Path(__file__).resolve().parents[1] / "bench" / "peers"
PEERS = ("duckdb", "polars")
LEVELS = ("country", "org", "developer", "root")
ALL_ROWS = "1000000"


def _check_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("peers_check", PEERS_DIR / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _check_module()

_BASE_MODELS = pa.struct(
    [
        ("relation", pa.string()),
        ("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
    ]
)


def _model(
    mid: str | None,
    downloads: int | None,
    *,
    author: str | None = None,
    created: str = "2024-01-01",
    hub: list[str] | None = None,
    relation: str | None = "finetune",
    tags: list[str] | None = None,
    card: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    return {
        "id": mid,
        "author": author,
        "createdAt": datetime.fromisoformat(created),
        "downloads": downloads,
        "tags": tags or [],
        "cardData": card if isinstance(card, str) or card is None else json.dumps(card),
        "baseModels": None
        if hub is None
        else {"relation": relation, "models": [{"_id": "x", "id": h} for h in hub]},
    }


def _handmade_rows() -> list[dict[str, Any]]:
    m = _model
    return [
        # roots, one under an org the country table lists, one legacy id with no author
        m("Qwen/Qwen2.5-7B", 1000, author="Qwen", created="2024-09-01"),
        m("openai-community/gpt2", 500, author="openai-community", created="2022-03-02"),
        m("bert-base-uncased", 300, created="2022-03-02"),  # the old id of google-bert/...
        m("meta-llama/Llama-3.1-8B", 800, author="meta-llama", created="2024-07-01"),
        # a repeated id in another case: rejected, the first row is kept
        m("QWEN/qwen2.5-7b", 99999, author="QWEN"),
        # parents spelled in other cases, with a URL, and through every source
        m("alice/qwen-ft", 200, hub=["qwen/QWEN2.5-7b"], tags=["base_model:meta-llama/x"]),
        m(
            "bob/qwen-tag",
            150,
            tags=["base_model:finetune:https://huggingface.co/Qwen/Qwen2.5-7B/"],
        ),
        m("carol/card-only", 40, card={"base_model": " hf.co/qwen/qwen2.5-7B "}),
        m("dave/card-list", 30, card={"base_model": ["alice/qwen-ft", "BOB/Qwen-Tag", 7]}),
        m("erin/tag-beats-card", 20, tags=["base_model:bob/qwen-tag"], card={"base_model": "gpt2"}),
        # renamed and moved ids: the current id's model, the old id's model, one stub
        m("frank/gpt2-ft", 60, card={"base_model": "gpt2"}),
        m("gina/bert-ft", 70, tags=["base_model:google-bert/bert-base-uncased"]),
        m("hank/aya-ft", 80, hub=["CohereForAI/aya-23-8B"]),
        m("ivy/aya-ft2", 90, tags=["base_model:adapter:CohereLabs/aya-23-8b"]),
        m("jill/llama-old-name", 45, hub=["meta-llama/Meta-Llama-3.1-8B"]),
        # a stub parent, and a second spelling of it
        m("kate/stub-child", 25, hub=["Nowhere/Missing-Base"]),
        m("leo/stub-child2", 15, tags=["base_model:nowhere/missing-base"]),
        # merges (split credit), a merge of a merge, a merge whose parents share a root
        m("mia/merge", 400, hub=["alice/qwen-ft", "meta-llama/Llama-3.1-8B"], relation="merge"),
        m("ned/merge2", 120, hub=["mia/merge", "openai-community/gpt2", "kate/stub-child"]),
        m("olga/same-root", 35, hub=["alice/qwen-ft", "bob/qwen-tag"], relation="merge"),
        # a cycle (the tag edge is the less trusted one), and a model below it
        m("pat/cycle-a", 11, author="pat", hub=["quinn/cycle-b"], created="2024-02-01"),
        m("quinn/cycle-b", 13, tags=["base_model:pat/cycle-a"], created="2024-03-01"),
        m("rob/below-cycle", 17, hub=["pat/cycle-a"]),
        # a self-reference, missing and negative downloads, an id repaired from a URL
        m("sam/self", 5, hub=["sam/self", "Qwen/Qwen2.5-7B"]),
        m("tess/no-downloads", None, hub=["Qwen/Qwen2.5-7B"]),
        m("uma/negative", -3, hub=["Qwen/Qwen2.5-7B"]),
        m("https://huggingface.co/vic/url-id", 9, hub=["Qwen/Qwen2.5-7B"]),
        m("not a hub id!", 1000),
    ]


@pytest.fixture(scope="module")
def handmade_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("author", pa.string()),
            ("createdAt", pa.timestamp("us")),
            ("downloads", pa.int64()),
            ("tags", pa.list_(pa.string())),
            ("cardData", pa.string()),
            ("baseModels", _BASE_MODELS),
        ]
    )
    path = tmp_path_factory.mktemp("peers") / "handmade.parquet"
    pq.write_table(pa.Table.from_pylist(_handmade_rows(), schema=schema), path)
    return path


def _tool(path: Path, level: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    done = run_cli(
        "report", "--snapshot", str(path), "--by", level, "--format", "json", *extra,
        env={"HF_LINEAGE_GRAPH_CACHE": "off"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def _peer(peer: str, path: Path, level: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    script = PEERS_DIR / f"{peer}_report.py"
    done = subprocess.run(
        [sys.executable, str(script), str(path), "--by", level, *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_handmade_file_has_every_awkward_case(handmade_path: Path) -> None:
    meta = _tool(handmade_path, "root", ("--top", ALL_ROWS))["meta"]
    v = meta["validation"]
    assert v["cycles_broken"] == 1
    assert v["cycle_edges_removed"][0]["source"] == "tag"
    assert v["stubs"] == 2  # nowhere/missing-base and CohereLabs/aya-23-8B
    assert v["aliases"]["declarations_resolved"] >= 3
    assert v["self_loops_dropped"] == 1
    assert v["lower_trust_declarations_ignored"] >= 2
    assert "duplicate id (the first row is kept)" in v["rejected"]
    rows = {r["key"]: r for r in _tool(handmade_path, "root", ("--top", ALL_ROWS))["rows"]}
    assert "CohereLabs/aya-23-8B" in rows and "Nowhere/Missing-Base" in rows
    assert rows["bert-base-uncased"]["models"] == 2  # itself and gina's moved-id parent


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("level", LEVELS)
def test_peer_equals_tool_on_handmade_file(peer: str, level: str, handmade_path: Path) -> None:
    tool = _tool(handmade_path, level, ("--top", ALL_ROWS))
    assert check.differences(tool, _peer(peer, handmade_path, level, ("--top", ALL_ROWS))) == []


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("level", LEVELS)
def test_peer_equals_tool_on_generated_hub(peer: str, level: str, synthetic_path: Path) -> None:
    tool = _tool(synthetic_path, level, ("--top", ALL_ROWS))
    assert len(tool["rows"]) > 5
    assert check.differences(tool, _peer(peer, synthetic_path, level, ("--top", ALL_ROWS))) == []


@pytest.mark.parametrize("peer", PEERS)
def test_peer_top_rows_and_rest_equal_tool(peer: str, handmade_path: Path) -> None:
    tool = _tool(handmade_path, "org", ("--top", "3"))
    assert "rest" in tool["meta"]
    assert check.differences(tool, _peer(peer, handmade_path, "org", ("--top", "3"))) == []


def test_check_names_every_kind_of_difference() -> None:
    tool = {
        "rows": [
            {"key": "a", "value": 10.0, "share": 50.0, "models": 2},
            {"key": "b", "value": 5.0, "share": 25.0, "models": 1},
        ],
        "meta": {},
    }
    same = json.loads(json.dumps(tool))
    same["rows"][0]["value"] *= 1 + 1e-12
    assert check.differences(tool, same) == []
    off = json.loads(json.dumps(tool))
    off["rows"][0]["value"] = 10.001
    off["rows"][1]["models"] = 3
    off["rows"].append({"key": "c", "value": 1.0, "share": 5.0, "models": 1})
    diffs = check.differences(tool, off)
    assert any("'a': value" in d for d in diffs)
    assert any("'b': models" in d for d in diffs)
    assert any("'c' only in the peer" in d for d in diffs)
    swapped = json.loads(json.dumps(tool))
    swapped["rows"].reverse()
    assert any(d.startswith("order") for d in check.differences(tool, swapped))
