"""The snapshot store and downloads over periods, on histories built from one base Hub.

The base Hub (``base_path``, 3,000 models) is the hand-built rows of :data:`BASE_MODELS`
(the models below and their roots, with the lineage of the real ones), filled up with
generated models; only the hand-built rows change from one snapshot to the next. The
history (dates are the stored snapshot dates; every figure below is by hand):

- 2026-05-20: the base, unchanged (3,000 models, newest lastModified 2026-05-20).
- 2026-05-25: the base with Qwen/Qwen2.5-1.5B-Instruct +600 and FIRST_A +5.
- 2026-05-27: the base with
  Qwen/Qwen2.5-1.5B-Instruct +1000, meta-llama/Llama-3.1-8B-Instruct +500, BAAI/bge-m3 +250,
  openai-community/gpt2 (placeholder createdAt) +400, facebook/opt-125m -100 (a reset),
  distilbert/distilgpt2 deleted, ibm-research/merlinite-7b renamed RENAMED and +300,
  HuggingFaceH4/zephyr-7b-beta re-created on 2026-05-23 with 42 downloads,
  acme/qwen-ft-new created 2026-05-22 with 777 (a copy of a Qwen2.5-7B-Instruct finetune),
  legacy-org/old-model (placeholder createdAt, 5,000, never seen before), FIRST_A +10.
- 2026-06-03: 2026-05-27 with Qwen/Qwen2.5-1.5B-Instruct +2000 more, gpt2 +100, FIRST_B +20.

In every snapshot FIRST_A is dated 2025-05-25, FIRST_B 2025-05-30, LATE 2025-06-10 and EARLY
2025-04-01 (createdAt is a repo's, so it is the same in every snapshot).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import api_model, write_jsonl
from hubrows import hub_stats_row, write_filled_hub

from hflineage.errors import InputError, QueryError
from hflineage.explorer.cli.main import cli
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.loaders.store import COUNT_COLUMNS, SnapshotStore, default_home, parse_day
from hflineage.queries import attribute
from hflineage.queries.periods.downloads import attribute_period, period_bounds, period_downloads
from hflineage.queries.periods.first_year import attribute_first_year, first_year_downloads
from hflineage.queries.periods.weekly import weekly_series

QWEN = "Qwen/Qwen2.5-1.5B-Instruct"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
BGE = "BAAI/bge-m3"
GPT2 = "openai-community/gpt2"
OPT = "facebook/opt-125m"
DELETED = "distilbert/distilgpt2"
OLD_NAME = "ibm-research/merlinite-7b"
RENAMED = "ibm-research/merlinite-7b-v2"
RECREATED = "HuggingFaceH4/zephyr-7b-beta"
NEW = "acme/qwen-ft-new"
NEW_TEMPLATE = "nguyentd/FinancialAdvice-Qwen2.5-7B"
LEGACY = "legacy-org/old-model"
FIRST_A = "Qwen/Qwen2.5-7B-Instruct"
FIRST_B = "ibm-research/merlinite-7b"  # renamed RENAMED on 2026-05-27
LATE = "01-ai/Yi-34B"
EARLY = "HuggingFaceH4/zephyr-7b-alpha"
PLACEHOLDER = datetime(2022, 3, 2, 23, 29, 4)
D0, D1, D2, D3 = date(2026, 5, 20), date(2026, 5, 25), date(2026, 5, 27), date(2026, 6, 3)
RENAMES = {OLD_NAME: RENAMED}

#: The hand-built rows of the base Hub. Totals are downloadsAllTime; three rows have the
#: Hub's placeholder createdAt (gpt2, distilgpt2, bert), the generated filler none.
BASE_MODELS = (
    hub_stats_row("Qwen/Qwen2.5-1.5B", "2024-09-15T12:00:00", downloads_all_time=900_000),
    hub_stats_row(QWEN, "2024-09-17T14:10:00", ["Qwen/Qwen2.5-1.5B"], downloads_all_time=4_000),
    hub_stats_row("Qwen/Qwen2.5-7B", "2024-09-15T12:30:00", downloads_all_time=2_000_000),
    hub_stats_row(
        FIRST_A, "2024-09-16T11:55:40", ["Qwen/Qwen2.5-7B"], downloads_all_time=134_115_567
    ),
    hub_stats_row(NEW_TEMPLATE, "2025-01-10T08:00:00", ["Qwen/Qwen2.5-7B"], downloads_all_time=321),
    hub_stats_row("meta-llama/Llama-3.1-8B", "2024-07-14T08:00:00", downloads_all_time=70_000),
    hub_stats_row(
        LLAMA, "2024-07-18T08:00:00", ["meta-llama/Llama-3.1-8B"], downloads_all_time=80_000
    ),
    hub_stats_row(BGE, "2024-01-27T08:00:00", downloads_all_time=55_000),
    hub_stats_row(GPT2, "2022-03-02T23:29:04", downloads_all_time=1_000_000),
    hub_stats_row(DELETED, "2022-03-02T23:29:04", downloads_all_time=60_000),
    hub_stats_row(
        "google-bert/bert-base-uncased", "2022-03-02T23:29:04", downloads_all_time=2_500_000
    ),
    hub_stats_row(OPT, "2022-05-11T08:00:00", downloads_all_time=160_367_058),
    hub_stats_row("mistralai/Mistral-7B-v0.1", "2023-09-20T13:03:50", downloads_all_time=9_000),
    hub_stats_row(
        OLD_NAME, "2024-02-02T08:00:00", ["mistralai/Mistral-7B-v0.1"], downloads_all_time=163_246
    ),
    hub_stats_row(
        RECREATED,
        "2023-10-26T11:25:49",
        ["mistralai/Mistral-7B-v0.1"],
        downloads_all_time=7_000,
        modified="2026-05-20T18:24:08",
    ),
    hub_stats_row(
        EARLY, "2023-10-09T08:00:00", ["mistralai/Mistral-7B-v0.1"], downloads_all_time=3_000
    ),
    hub_stats_row(LATE, "2023-11-02T08:00:00", downloads_all_time=40_000),
)
BASE_ROWS = 3_000
BASE_PLACEHOLDERS = 3


def _variant(
    raw: pa.Table,
    path: Path,
    *,
    delta: dict[str, int] | None = None,
    drop: Iterable[str] = (),
    rename: dict[str, str] | None = None,
    set_row: dict[str, tuple[datetime, int]] | None = None,
    extra: Iterable[tuple[str, str, datetime, int]] = (),
) -> Path:
    """A modified copy of the base Hub, written with pyarrow.

    ``extra`` rows are ``(template id, new id, createdAt, downloadsAllTime)``: the template's
    lineage and tags with a new id, author, date and total.
    """
    delta = delta or {}
    rename = rename or {}
    set_row = dict(set_row or {})
    created = {FIRST_A: datetime(2025, 5, 25, 10), FIRST_B: datetime(2025, 5, 30)}
    created |= {LATE: datetime(2025, 6, 10), EARLY: datetime(2025, 4, 1)}
    t = raw.filter(pc.invert(pc.is_in(raw["id"], pa.array(list(drop), pa.string()))))
    for template, new_id, when, total in extra:
        row = t.filter(pc.equal(t["id"], template))
        assert row.num_rows == 1, template
        row = row.set_column(0, "id", pa.array([new_id]))
        row = row.set_column(1, "author", pa.array([new_id.split("/")[0]]))
        t = pa.concat_tables([t, row])
        set_row[new_id] = (when, total)
    ids = t["id"].to_pylist()
    totals = t["downloadsAllTime"].to_pylist()
    dates = t["createdAt"].to_pylist()
    for i, mid in enumerate(ids):
        orig = mid
        totals[i] += delta.get(orig, 0)
        if orig in created:
            dates[i] = created[orig]
        if orig in set_row:
            dates[i], totals[i] = set_row[orig]
        ids[i] = rename.get(orig, orig)
    t = t.set_column(t.schema.get_field_index("id"), "id", pa.array(ids, pa.string()))
    col = t.schema.get_field_index("downloadsAllTime")
    t = t.set_column(col, "downloadsAllTime", pa.array(totals, pa.int64()))
    col = t.schema.get_field_index("createdAt")
    t = t.set_column(col, "createdAt", pa.array(dates, t.schema.field("createdAt").type))
    pq.write_table(t, path)
    return path


D2_CHANGES: dict[str, Any] = {
    "delta": {QWEN: 1000, LLAMA: 500, BGE: 250, GPT2: 400, OPT: -100, OLD_NAME: 300, FIRST_A: 10},
    "drop": [DELETED],
    "rename": {OLD_NAME: RENAMED},
    "set_row": {RECREATED: (datetime(2026, 5, 23, 9), 42)},
    "extra": [
        (NEW_TEMPLATE, NEW, datetime(2026, 5, 22, 8), 777),
        (GPT2, LEGACY, PLACEHOLDER, 5000),
    ],
}


@pytest.fixture(scope="module")
def base_path(synthetic_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base Hub: :data:`BASE_MODELS`, then generated models without placeholder dates."""
    path = tmp_path_factory.mktemp("base") / "base.parquet"
    write_filled_hub(
        path, BASE_MODELS, synthetic_path, BASE_ROWS, keep=lambda r: r["createdAt"] != PLACEHOLDER
    )
    newest = pc.max(pq.read_table(path, columns=["lastModified"])["lastModified"]).as_py()
    assert newest == datetime(2026, 5, 20, 18, 24, 8), "the filler must be older than the base"
    return path


@pytest.fixture(scope="module")
def base_graph(base_path: Path) -> LineageGraph:
    """Lineage from the base Hub (the 2026-05-20 snapshot)."""
    return build_lineage_graph(*load_snapshot(base_path))


@pytest.fixture(scope="module")
def history(base_path: Path, tmp_path_factory: pytest.TempPathFactory) -> SnapshotStore:
    """A store with the four snapshots of the module docstring."""
    tmp = tmp_path_factory.mktemp("history")
    raw = pq.read_table(base_path)
    store = SnapshotStore(tmp / "snapshots")
    store.add(_variant(raw, tmp / "d0.parquet"))  # dated by its newest lastModified
    store.add(_variant(raw, tmp / "d1.parquet", delta={QWEN: 600, FIRST_A: 5}), D1)
    store.add(_variant(raw, tmp / "d2.parquet", **D2_CHANGES), D2)
    d3 = dict(D2_CHANGES, delta=dict(D2_CHANGES["delta"]))
    for k, v in {QWEN: 2000, GPT2: 100, FIRST_B: 20}.items():
        d3["delta"][k] = d3["delta"].get(k, 0) + v
    store.add(_variant(raw, tmp / "d3.parquet", **d3), D3)
    return store


@pytest.fixture(scope="module")
def end_graph(history: SnapshotStore) -> LineageGraph:
    """Lineage from the 2026-05-27 snapshot, read back from the store."""
    table, report = history.table(D2)
    return build_lineage_graph(table, report)


def _rows(result: Any) -> dict[str, float]:
    return {r.key: r.value for r in result.rows if r.value}


# -- the store ----------------------------------------------------------------------------
def test_store_dates_by_newest_last_modified_and_round_trips(
    base_path: Path, tmp_path: Path
) -> None:
    store = SnapshotStore(tmp_path / "s")
    entry = store.add(base_path)
    assert entry.day == date(2026, 5, 20) and entry.rows == BASE_ROWS
    assert entry.as_of == "2026-05-20T18:24:08"
    assert [e.day for e in store.entries()] == [date(2026, 5, 20)]
    table, report = store.table("2026-05-20")
    stored = build_lineage_graph(table, report)
    direct = build_lineage_graph(*load_snapshot(base_path))
    for by in ("family", "country"):
        assert attribute(stored, by=by).rows == attribute(direct, by=by).rows
    assert stored.validation.as_dict()["edges_by_source"] == direct.validation.edges_by_source
    assert stored.ids == direct.ids
    assert np.array_equal(stored.created_at.view(np.int64), direct.created_at.view(np.int64))


def test_local_path_and_file_uri_are_the_same_store(base_path: Path, tmp_path: Path) -> None:
    SnapshotStore(tmp_path / "s").add(base_path, "2026-01-01")
    via_uri = SnapshotStore((tmp_path / "s").as_uri())
    assert via_uri.uri.startswith("file://")
    assert via_uri.dates() == [date(2026, 1, 1)]
    via_uri.add(base_path)
    assert SnapshotStore(tmp_path / "s").dates() == [date(2026, 1, 1), date(2026, 5, 20)]
    assert via_uri.counts("2026-05-20").num_rows == BASE_ROWS


def test_store_on_a_non_local_filesystem(base_path: Path) -> None:
    """Only pyarrow.fs calls are used: an in-memory fsspec filesystem stands in for S3."""
    from fsspec.implementations.memory import MemoryFileSystem

    fs = pafs.PyFileSystem(pafs.FSSpecHandler(MemoryFileSystem()))
    root = f"/hf-lineage-test-{os.getpid()}"
    store = SnapshotStore(root, filesystem=fs)
    store.add(base_path)
    store.add_rename("a/b", "a/c")
    again = SnapshotStore(root, filesystem=fs)
    assert again.dates() == [date(2026, 5, 20)]
    assert again.renames() == {"a/b": "a/c"}
    assert again.dataset().count_rows() == BASE_ROWS


def test_same_date_needs_replace_and_replace_leaves_one_file(
    base_path: Path, tmp_path: Path
) -> None:
    store = SnapshotStore(tmp_path / "s")
    store.add(base_path)
    with pytest.raises(InputError, match="`replace=True`"):
        store.add(base_path)
    smaller = _variant(pq.read_table(base_path), tmp_path / "small.parquet", drop=[GPT2])
    entry = store.add(smaller, "2026-05-20", replace=True)
    files = list((tmp_path / "s" / "models" / "date=2026-05-20").iterdir())
    assert [f.name for f in files] == list(entry.files)
    assert store.counts("2026-05-20").num_rows == BASE_ROWS - 1


def test_counts_read_one_partition_and_three_columns(base_path: Path, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "s")
    store.add(base_path, "2026-05-01")
    e = store.add(base_path, "2026-05-20")
    (part,) = (tmp_path / "s" / "models" / "date=2026-05-01").iterdir()
    part.write_bytes(b"not parquet at all")  # a scan that touched it would fail
    counts = store.counts("2026-05-20")
    assert counts.column_names == list(COUNT_COLUMNS)
    assert counts.num_rows == e.rows
    assert (
        pc.sum(counts["downloads_all_time"]).as_py()
        == pc.sum(
            pq.read_table(base_path, columns=["downloadsAllTime"])["downloadsAllTime"]
        ).as_py()
    )
    with pytest.raises(InputError, match=r"2026-05-01 .* is damaged"):
        store.counts("2026-05-01")


def test_dataset_has_a_date_partition_column(history: SnapshotStore) -> None:
    t = history.dataset().to_table(
        columns=["model_id", "date"], filter=ds.field("date") >= "2026-05-27"
    )
    assert sorted(set(t["date"].to_pylist())) == ["2026-05-27", "2026-06-03"]
    assert t.num_rows == 2 * (BASE_ROWS - 1 + 2)


def test_default_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_LINEAGE_HOME", str(tmp_path / "home"))
    assert SnapshotStore().root == str(tmp_path / "home" / "snapshots")
    monkeypatch.setenv("HF_LINEAGE_HOME", "s3://bucket/team")
    assert default_home() == "s3://bucket/team"
    monkeypatch.delenv("HF_LINEAGE_HOME")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        assert default_home() == str(tmp_path / "cache" / "hf-lineage")


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "s")
    with pytest.raises(InputError, match=r"YYYY-MM-DD, got '2026-5-1'"):
        parse_day("2026-5-1")
    with pytest.raises(InputError, match="no snapshot dated 2026-01-01"):
        store.counts("2026-01-01")
    jsonl = write_jsonl(tmp_path / "crawl.jsonl", [api_model("me/a"), api_model("me/b", "me/a")])
    with pytest.raises(InputError, match="pass `day`"):
        store.add(jsonl)
    entry = store.add(jsonl, "2026-02-01")
    assert entry.rows == 2 and entry.source_format == "jsonl"
    manifest = tmp_path / "s" / "manifests" / "date=2026-02-01.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format": 99}))
    with pytest.raises(InputError, match="store format 99"):
        store.entries()
    with pytest.raises(InputError, match="differ only in case"):
        store.add_rename("me/A", "me/a")


# -- periods ------------------------------------------------------------------------------
def test_period_per_model_figures(history: SnapshotStore) -> None:
    p = period_downloads(history, "2026-05-20", "2026-05-27")
    expected = {
        QWEN: (1000, "diffed"),
        LLAMA: (500, "diffed"),
        BGE: (250, "diffed"),
        GPT2: (400, "diffed"),  # placeholder createdAt: an old repo, diffed as usual
        OPT: (0, "decreased"),
        NEW: (777, "created"),
        RECREATED: (42, "recreated"),
        FIRST_A: (10, "diffed"),
        LEGACY: (None, "untracked"),  # placeholder createdAt, not in the start snapshot
        RENAMED: (None, "untracked"),  # no rename recorded
    }
    for mid, (n, status) in expected.items():
        assert (p.downloads_of(mid), p.status_of(mid)) == (n, status), mid
    assert p.total == 1000 + 500 + 250 + 400 + 777 + 42 + 10
    r = p.report
    assert (r["start"], r["end"], r["days"]) == ("2026-05-20", "2026-05-27", 7)
    assert r["decreased"] | {"note": ""} == {
        "models": 1,
        "total_decrease": 100,
        "examples": ["facebook/opt-125m: 160367058 -> 160366958"],
        "note": "",
    }
    assert r["vanished"]["models"] == 2
    assert set(r["vanished"]["examples"]) == {DELETED, OLD_NAME}
    assert r["untracked"]["models"] == 2
    assert r["rename_candidates"] == [
        {
            "old": OLD_NAME,
            "new": RENAMED,
            "created_at": "2025-05-30T00:00:00",
            "command": f"hf-lineage snapshot rename {OLD_NAME} {RENAMED}",
        }
    ]
    # the base's, -1 deleted (distilgpt2), +1 legacy-org
    assert r["placeholder_created_at"] == BASE_PLACEHOLDERS
    with pytest.raises(QueryError, match="not in the end snapshot"):
        p.downloads_of(DELETED)


def test_period_with_a_recorded_rename(history: SnapshotStore) -> None:
    p = period_downloads(history, "2026-05-20", "2026-05-27", renames={OLD_NAME.upper(): RENAMED})
    assert (p.downloads_of(RENAMED), p.status_of(RENAMED)) == (300, "renamed")
    assert p.total == 2979 + 300
    assert p.report["vanished"]["examples"] == [DELETED]
    assert p.report["rename_candidates"] == []


def test_period_attribution_by_family_country_and_org(
    history: SnapshotStore, end_graph: LineageGraph
) -> None:
    p = period_downloads(history, "2026-05-20", "2026-05-27", renames=RENAMES)
    fam = attribute_period(end_graph, p, by="family")
    assert _rows(fam) == {
        "Qwen": 1000 + 777 + 10,  # acme/qwen-ft-new descends from Qwen/Qwen2.5-7B
        "Llama": 500,
        "GPT-2": 400,
        "BGE": 250,
        "Mistral": 300 + 42,  # merlinite and zephyr-7b-beta descend from Mistral-7B-v0.1
    }
    assert fam.meta["denominator"] == 3279
    assert fam.meta["metric"] == "downloads_in_period"
    # -1 deleted, +2 new; legacy-org/old-model is left out
    assert fam.meta["models_counted"] == BASE_ROWS - 1 + 2 - 1
    assert sum(r.share for r in fam.rows) == pytest.approx(100.0)
    country = attribute_period(end_graph, p, by="country")
    assert _rows(country) == {"China": 1787 + 250, "United States": 900, "France": 342}
    org = attribute_period(end_graph, p, by="org", view="uploader")
    assert _rows(org) == {
        "Qwen": 1010,
        "acme": 777,
        "meta-llama": 500,
        "openai-community": 400,
        "ibm-research": 300,
        "BAAI": 250,
        "HuggingFaceH4": 42,
    }
    windowed = attribute_period(end_graph, p, by="family", window=_window("2026-05", None))
    assert _rows(windowed) == {"Qwen": 777, "Mistral": 42}


def _window(since: str | None, until: str | None) -> Any:
    from hflineage.queries import Window

    return Window(since, until)


def test_period_bounds_pick_the_snapshots_on_or_before(history: SnapshotStore) -> None:
    days = history.dates()
    assert days == [D0, D1, D2, D3]
    assert period_bounds(days, "2026-05-21", "2026-05-28") == (D0, D2)
    assert period_bounds(days, None, None) == (D0, D3)
    p = period_downloads(history, "2026-05-20", "2026-05-25")
    assert p.downloads_of(QWEN) == 600 and p.total == 605
    with pytest.raises(QueryError, match="on or before the period's start 2026-05-01"):
        period_bounds(days, "2026-05-01", "2026-05-27")
    with pytest.raises(QueryError, match="falls between two snapshots"):
        period_bounds(days, "2026-05-21", "2026-05-24")
    with pytest.raises(QueryError, match="needs two stored snapshots"):
        period_bounds(days[:1], None, None)
    with pytest.raises(QueryError, match="start 2026-05-27 must be before its end"):
        period_bounds(days, "2026-05-27", "2026-05-20")


def test_small_history_rename_chain_and_zero_length(tmp_path: Path) -> None:
    """Literal API objects: a -> b -> c renamed across one period, plus a case-only rename."""
    store = SnapshotStore(tmp_path / "s")
    t0 = [api_model("org/a", downloadsAllTime=10), api_model("org/Case", downloadsAllTime=5)]
    t1 = [api_model("org/c", downloadsAllTime=15), api_model("org/case", downloadsAllTime=8)]
    store.add(write_jsonl(tmp_path / "0.jsonl", t0), "2026-01-01")
    store.add(write_jsonl(tmp_path / "1.jsonl", t1), "2026-01-08")
    p = period_downloads(store, renames={"org/a": "org/b", "org/b": "org/c"})
    assert (p.downloads_of("org/c"), p.status_of("org/c")) == (5, "renamed")
    assert (p.downloads_of("org/case"), p.status_of("org/case")) == (3, "diffed")
    assert p.report["vanished"]["models"] == 0


def test_weekly_series_by_family(history: SnapshotStore, end_graph: LineageGraph) -> None:
    s = weekly_series(history, end_graph, by="family", renames=RENAMES, top=4)
    assert s.weeks == ["2026-W22", "2026-W23"]
    assert (s.starts, s.ends) == (["2026-05-20", "2026-05-27"], ["2026-05-27", "2026-06-03"])
    series = dict(zip(s.keys, s.values, strict=True))
    assert series["Qwen"] == [1787.0, 2000.0]
    assert series["Llama"] == [500.0, 0.0]
    assert series["GPT-2"] == [400.0, 100.0]
    assert series["Mistral"] == [342.0, 20.0]  # merlinite renamed, zephyr re-created; +20
    assert series["other keys"] == [250.0, 0.0]  # BGE
    assert s.totals == [3279.0, 2120.0]
    assert s.unattributed == [0.0, 0.0]
    assert [i["vanished"] for i in s.meta["intervals"]] == [1, 0]
    assert s.shares()[0][0] == pytest.approx(100 * 1787 / 3279)
    out = s.as_dict()
    assert out["series"][0]["key"] == "Qwen" and json.dumps(out)
    by_country = weekly_series(history, end_graph, by="country", view="uploader", top=10)
    c = dict(zip(by_country.keys, by_country.values, strict=True))
    assert c["China"] == [1010.0 + 250.0, 2000.0]
    with pytest.raises(QueryError, match="at least two ISO weeks"):
        weekly_series(history, end_graph, since="2026-05-21", until="2026-05-31")


def test_weekly_series_counts_models_missing_from_the_graph(
    history: SnapshotStore, base_graph: LineageGraph
) -> None:
    """Lineage from the base Hub: acme/qwen-ft-new is not in it, so not attributed."""
    s = weekly_series(history, base_graph, by="family", until="2026-05-27")
    assert s.unattributed == [777.0]
    assert s.meta["intervals"][0]["not_in_graph"] == 1
    assert s.totals == [2979.0 - 777]  # no rename recorded: merlinite-7b-v2 is left out


def test_first_year_window(history: SnapshotStore, end_graph: LineageGraph) -> None:
    fy = first_year_downloads(history, end_graph, renames=RENAMES)
    status = {mid: fy.status[end_graph.node(mid)] for mid in (FIRST_A, LATE, EARLY, GPT2)}
    assert status == {FIRST_A: 0, LATE: 1, EARLY: 2, GPT2: 4}
    a = end_graph.node(FIRST_A)
    base_total = 134115567
    assert (fy.downloads[a], fy.read_at[a]) == (base_total + 5, "2026-05-25")
    b = end_graph.node(RENAMED)  # FIRST_B: anniversary 2026-05-30, read 3 days early
    assert fy.read_at[b] == "2026-05-27"
    assert fy.downloads[b] == 163246 + 300
    models = fy.report["models"]
    assert sum(models.values()) == BASE_ROWS - 1 + 2
    assert models["placeholder_created_at"] == BASE_PLACEHOLDERS
    res = attribute_first_year(end_graph, fy, by="org", view="uploader")
    assert res.meta["metric"] == "downloads_first_year"
    assert res.meta["denominator"] == float(fy.downloads[fy.counted].sum())
    assert _rows(res)["Qwen"] >= base_total + 5


def test_first_year_reads_the_old_name_before_a_rename(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "s")
    old = api_model("org/old", createdAt="2025-01-03T00:00:00Z", downloadsAllTime=70)
    new = api_model("org/new", createdAt="2025-01-03T00:00:00Z", downloadsAllTime=90)
    store.add(write_jsonl(tmp_path / "0.jsonl", [old]), "2026-01-01")
    store.add(write_jsonl(tmp_path / "1.jsonl", [new]), "2026-02-01")
    table, report = store.table("2026-02-01")
    graph = build_lineage_graph(table, report)
    fy = first_year_downloads(store, graph, renames={"org/old": "org/new"})
    assert (fy.downloads[0], fy.read_at[0]) == (70, "2026-01-01")
    fy = first_year_downloads(store, graph)
    assert fy.status[0] == 3  # missing_at_anniversary without the rename
    assert np.array_equal(fy.downloads, [0])


# -- the command line ---------------------------------------------------------------------
def test_cli_snapshot_add_list_rename(base_path: Path, tmp_path: Path) -> None:
    env = {"HF_LINEAGE_HOME": str(tmp_path / "home")}
    runner = CliRunner()
    res = runner.invoke(cli, ["snapshot", "add", str(base_path)], env=env)
    assert res.exit_code == 0, res.output
    assert f"stored {BASE_ROWS:,} models dated 2026-05-20" in res.output
    res = runner.invoke(cli, ["snapshot", "rename", OLD_NAME, RENAMED], env=env)
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["snapshot", "list", "--format", "json"], env=env)
    out = json.loads(res.output)
    assert out["store"] == str(tmp_path / "home" / "snapshots")
    assert [s["date"] for s in out["snapshots"]] == ["2026-05-20"]
    assert out["renames"] == {OLD_NAME: RENAMED}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hflineage", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def test_cli_report_over_a_period(history: SnapshotStore) -> None:
    env = {"HF_LINEAGE_HOME": str(Path(history.root).parent)}
    p = _run(
        "report", "--from", "2026-05-20", "--to", "2026-05-27", "--by", "country",
        "--format", "json", env=env,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {r["key"]: r["value"] for r in out["rows"] if r["value"]} == {
        "China": 2037.0,
        "United States": 900.0,
        "France": 42.0,
    }
    assert out["meta"]["period"]["rename_candidates"][0]["new"] == RENAMED
    p = _run("report", "--from", "2026-05-21", "--to", "2026-05-27", env=env)
    assert p.returncode == 0, p.stderr
    assert "measured between the stored snapshots 2026-05-20 and 2026-05-27" in p.stdout
    p = _run("report", "--first-year", "--by", "org", "--view", "uploader", "--format", "csv",
             env=env)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "org,first-year downloads,share %,models"


def test_cli_period_errors_are_one_line(tmp_path: Path) -> None:
    env = {"HF_LINEAGE_HOME": str(tmp_path / "empty")}
    p = _run("report", "--from", "2026-01-01", env=env)
    assert p.returncode == 1
    assert "needs two stored snapshots" in p.stderr and p.stderr.strip().count("\n") == 0
    p = _run("report", "--first-year", env=env)
    assert p.returncode == 1 and "store" in p.stderr and "empty" in p.stderr
    p = _run("report", "--from", "2026-1-1", env=env)
    assert p.returncode == 1 and "YYYY-MM-DD" in p.stderr
    crawl = write_jsonl(tmp_path / "crawl.jsonl", [api_model("me/a")])
    p = _run("snapshot", "add", str(crawl), env=env)
    assert p.returncode == 1 and "pass --date" in p.stderr
    p = _run("snapshot", "add", str(crawl), "--date", "2026-01-01", env=env)
    assert p.returncode == 0, p.stderr
    p = _run("snapshot", "add", str(crawl), "--date", "2026-01-01", env=env)
    assert p.returncode == 1 and "--replace" in p.stderr
