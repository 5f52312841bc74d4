"""One hub-stats schema: the crawler's expand fields, its parquet and the loader's columns agree."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import api_model
from fakehub import LIST_FIELDS, MODEL_FIELDS, Fault, running_fake_hub

from hflineage.errors import HubUnavailable
from hflineage.loaders.hub.checkpoint import CrawlStore
from hflineage.loaders.hub.client import HubClient
from hflineage.loaders.hub.crawl import LIST_EXPAND, MODEL_EXPAND, crawl_hub
from hflineage.loaders.hub.parquet import HUB_STATS_SCHEMA, hub_stats_row, write_parquet
from hflineage.loaders.hubstats import HUB_STATS_COLUMNS, load_hub_stats
from hflineage.loaders.hubstats_schema import HUB_STATS_FIELDS, MODEL_EXPAND_COLUMNS


def test_the_three_spellings_come_from_one_list() -> None:
    names = [f.name for f in HUB_STATS_FIELDS]
    assert HUB_STATS_SCHEMA.names == names
    assert len(set(names)) == len(names)
    # the loader reads dump columns, in the dump's order
    assert list(HUB_STATS_COLUMNS) == [n for n in names if n in HUB_STATS_COLUMNS]
    assert {"id", "tags", "cardData", "baseModels", "downloadsAllTime"} <= set(HUB_STATS_COLUMNS)
    # the crawler asks for every column it can get (not id: every object has it)
    assert set(LIST_EXPAND) | set(MODEL_EXPAND_COLUMNS) | {"id", "trendingScore"} == set(names)
    assert MODEL_EXPAND[: len(LIST_EXPAND)] == LIST_EXPAND
    assert "baseModels" in MODEL_EXPAND and "baseModels" not in LIST_EXPAND
    # a crawl's row has exactly the schema's columns
    assert list(hub_stats_row({"id": "me/a"})) == names


def test_the_fake_hub_accepts_what_the_crawler_asks() -> None:
    assert set(LIST_EXPAND) <= set(LIST_FIELDS)
    assert set(MODEL_EXPAND) <= set(MODEL_FIELDS)
    assert not set(MODEL_EXPAND_COLUMNS) & set(LIST_FIELDS)  # the list endpoint refuses them


def test_the_loader_reads_what_the_crawler_writes(tmp_path: Path) -> None:
    models = [
        api_model("acme/base", downloadsAllTime=70, downloads=7),
        api_model(
            "bob/ft",
            downloadsAllTime=30,
            baseModels={"relation": "finetune", "models": [{"_id": "x", "id": "acme/base"}]},
            cardData={"license": "mit"},
        ),
    ]
    sink = io.BytesIO()
    write_parquet(models, sink)
    path = tmp_path / "crawl.parquet"
    path.write_bytes(sink.getvalue())
    assert pq.read_schema(path).equals(HUB_STATS_SCHEMA, check_metadata=False)
    table, report = load_hub_stats(path)
    assert report.rows_loaded == 2
    assert table.model_id.to_pylist() == ["acme/base", "bob/ft"]
    assert table.downloads_all_time.tolist() == [70, 30]
    hub_parents = [
        (d.parent_id, d.relation) for d in list(table.records())[1].parents if d.source == "hub"
    ]
    assert hub_parents == [("acme/base", "finetune")]  # baseModels, read by the loader


def test_a_checkpoint_with_expand_in_another_order_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checkpoints written when the fields were asked in another order still resume."""
    models: list[dict[str, Any]] = [
        api_model(f"org/m{i}", _id=f"{i:024x}", createdAt=f"2025-01-{i + 1:02d}T00:00:00.000Z")
        for i in range(9)
    ]
    out = tmp_path / "hub.jsonl.gz"
    with running_fake_hub(models) as hub:
        hub.faults.append(Fault("status", at=2, times=3, status=503))
        client = HubClient(hub.url, max_retries=2, sleep=lambda _s: None)
        with pytest.raises(HubUnavailable):
            crawl_hub(out, client, page_size=3)
        store = CrawlStore(out)
        state = json.loads(store.checkpoint.read_text())
        assert state["models"] == 3
        state["identity"]["expand"] = list(reversed(state["identity"]["expand"]))
        store.save_checkpoint(state)
        result = crawl_hub(out, client, page_size=3)
    assert (result.runs, result.models, result.complete) == (2, 9, True)
