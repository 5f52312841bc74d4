"""The crawler against a local fake Hub, under faults.

The fake Hub serves 4,167 models: hand-built families (``hubrows.CRAWL_FAMILIES``) and
generated ones; crawls must also reproduce the real sample when it is present.

No test sleeps for real: the client's sleep is a list that records the waits.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fakehub import (
    SAMPLE_PARQUET,
    FakeHub,
    Fault,
    FaultKind,
    api_models_from_parquet,
    running_fake_hub,
)
from hubrows import CRAWL_HUB_MODELS, write_crawl_hub

from hflineage.errors import HubUnavailable, InputError
from hflineage.explorer.cli import crawl_progress
from hflineage.explorer.cli.crawl import crawl
from hflineage.explorer.cli.crawl_progress import StderrProgress
from hflineage.loaders.hub import checkpoint as crawl_store
from hflineage.loaders.hub import client as crawl_http
from hflineage.loaders.hub import crawl as crawl_module
from hflineage.loaders.hub import parquet as crawl_parquet
from hflineage.loaders.hub import records as crawl_records
from hflineage.loaders.hub.checkpoint import CrawlStore
from hflineage.loaders.hub.client import HubClient, PageFailed
from hflineage.loaders.hub.crawl import LIST_EXPAND, crawl_family, crawl_hub, crawl_model
from hflineage.loaders.hub.parquet import HUB_STATS_SCHEMA

TOKEN = "hf_test_token_do_not_leak"
PAGE = 500  # 9 pages over the 4,167 models of the crawlable Hub


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl_hub_path(synthetic_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crawlable Hub as a hub-stats file: hand-built families and generated models."""
    path = write_crawl_hub(tmp_path_factory.mktemp("crawl-hub") / "hub.parquet", synthetic_path)
    assert pq.read_metadata(path).num_rows == CRAWL_HUB_MODELS
    return path


@pytest.fixture(scope="module")
def hub_models(crawl_hub_path: Path) -> list[dict[str, Any]]:
    """The crawlable Hub as API model objects (what the fake Hub serves)."""
    return api_models_from_parquet(crawl_hub_path)


#: The hub-stats files a crawl must reproduce: the crawlable Hub, and the real sample when
#: it is present (its real quirks; nothing is skipped without it).
SOURCES = ["crawl-hub", *(["sample"] if SAMPLE_PARQUET.is_file() else [])]


@pytest.fixture(params=SOURCES)
def source_path(request: pytest.FixtureRequest) -> Path:
    """Each hub-stats file of :data:`SOURCES` in turn."""
    path: Path = request.getfixturevalue(
        "crawl_hub_path" if request.param == "crawl-hub" else "sample_path"
    )
    return path


@pytest.fixture
def source_client(source_path: Path) -> Iterator[HubClient]:
    """A client of a fake Hub that serves :func:`source_path`."""
    with running_fake_hub(api_models_from_parquet(source_path)) as fake:
        yield HubClient(fake.url, token=TOKEN)


@pytest.fixture
def hub(hub_models: list[dict[str, Any]]) -> Iterator[FakeHub]:
    """A fresh fake Hub (no faults, empty request log) on a free local port."""
    with running_fake_hub(hub_models) as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for, in order (nothing really sleeps)."""
    return []


@pytest.fixture
def client(hub: FakeHub, sleeps: list[float]) -> HubClient:
    """A client of the fake Hub with a recording sleep and a short timeout."""
    return HubClient(hub.url, token=TOKEN, timeout=5.0, max_retries=4, sleep=sleeps.append)


class FakeClock:
    """A wall clock that advances one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 5, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(scope="module")
def baseline(hub_models: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of one uninterrupted, fault-free whole-Hub crawl."""
    out = tmp_path_factory.mktemp("baseline") / "hub.jsonl.gz"
    with running_fake_hub(hub_models) as fake:
        crawl_hub(out, HubClient(fake.url, token=TOKEN), page_size=PAGE)
    return out.read_bytes()


def read_snapshot(path: Path) -> list[dict[str, Any]]:
    """The API objects of a ``.jsonl.gz`` snapshot, in order."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def manifest_of(path: Path) -> dict[str, Any]:
    """The manifest written beside ``path``."""
    result: dict[str, Any] = json.loads(path.with_name(path.name + ".manifest.json").read_text())
    return result


def crawl_files_left(out: Path) -> list[str]:
    """Checkpoint, parts or temp files still beside ``out``."""
    ends = (".parts.gz", ".tmp", ".lock", ".checkpoint.json")
    return sorted(p.name for p in out.parent.iterdir() if p.name.endswith(ends))


def expected_hub_order(models: list[dict[str, Any]]) -> list[str]:
    """Ids newest first, ties by id descending (the fake Hub's ``sort=createdAt``)."""
    return [m["id"] for m in sorted(models, key=lambda m: (m["createdAt"], m["id"]), reverse=True)]


# -- the fake Hub behaves like the Hub --------------------------------------------------------


def test_fake_hub_paginates_and_refuses_like_the_hub(hub: FakeHub) -> None:
    with httpx2.Client() as http:
        r = http.get(f"{hub.url}/api/models", params={"limit": 3, "expand[]": "baseModels"})
        assert r.status_code == 400
        r = http.get(
            f"{hub.url}/api/models",
            params=[("sort", "createdAt"), ("limit", "2"), ("expand", "createdAt")],
        )
        first = r.json()
        assert [set(m) for m in first] == [{"_id", "id", "createdAt"}] * 2
        assert first[0]["createdAt"].endswith(".000Z")
        next_url = r.links["next"]["url"]
        assert next_url.startswith(hub.url + "/api/models?") and "cursor=" in next_url
        second = http.get(next_url).json()
        assert first[1]["createdAt"] >= second[0]["createdAt"]
        assert {m["id"] for m in first}.isdisjoint(m["id"] for m in second)
        expand = {"expand": ["baseModels", "childrenModelCount"]}
        r = http.get(f"{hub.url}/api/models/HuggingFaceH4/zephyr-7b-beta", params=expand)
        assert r.json()["baseModels"]["models"][0]["id"] == "mistralai/Mistral-7B-v0.1"
        assert r.json()["childrenModelCount"] == 1  # TheBloke/zephyr-7b-beta-GGUF
        assert isinstance(r.json()["childrenModelCount"], int)
        r = http.get(f"{hub.url}/api/models/nobody/nothing")
        assert (r.status_code, r.headers["x-error-code"]) == (404, "RepoNotFound")
        r = http.get(
            f"{hub.url}/api/models",
            params={"filter": "base_model:finetune:mistralai/Mistral-7B-v0.1"},
        )
        assert r.json() and all(
            "base_model:finetune:mistralai/Mistral-7B-v0.1" in m["tags"] for m in r.json()
        )
        r = http.get(f"{hub.url}/api/models", params={"author": "qwen", "search": "72b"})
        assert r.json() and all(
            m["id"].startswith("Qwen/") and "72b" in m["id"].lower() for m in r.json()
        )


# -- whole Hub --------------------------------------------------------------------------------


def test_whole_hub_crawl_has_every_model_once_in_hub_order(
    tmp_path: Path, client: HubClient, hub: FakeHub, hub_models: list[dict[str, Any]]
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    result = crawl_hub(out, client, page_size=PAGE, clock=FakeClock())
    got = read_snapshot(out)
    assert [m["id"] for m in got] == expected_hub_order(hub_models)
    assert (result.models, result.pages, result.complete) == (4167, 9, True)
    by_id = {m["id"]: m for m in hub_models}
    served = by_id["HuggingFaceH4/zephyr-7b-beta"]
    crawled = next(m for m in got if m["id"] == served["id"])
    assert crawled == {k: v for k, v in served.items() if k in ("_id", "id", *LIST_EXPAND)}
    first = hub.requests[0].query
    assert first["sort"] == ["createdAt"] and first["direction"] == ["-1"]
    assert first["limit"] == [str(PAGE)] and first["expand"] == list(LIST_EXPAND)
    manifest = manifest_of(out)
    assert manifest["endpoint"] == hub.url and manifest["mode"] == "hub"
    assert (manifest["pages"], manifest["models"], manifest["errors_total"]) == (9, 4167, 0)
    assert manifest["started_at"] == "2026-05-23T12:00:01.000Z"
    assert manifest["parameters"]["expand"] == list(LIST_EXPAND)
    assert crawl_files_left(out) == []


def test_snapshot_is_reproducible_and_independent_of_page_size(
    tmp_path: Path, client: HubClient, baseline: bytes
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, client, page_size=1000)
    assert out.read_bytes() == baseline


def test_parquet_has_the_hub_stats_schema_and_the_served_values(
    tmp_path: Path, source_client: HubClient, source_path: Path
) -> None:
    client = source_client
    out = tmp_path / "hub.parquet"
    crawl_hub(out, client, page_size=1000)
    served = pq.read_table(source_path)
    crawled = pq.read_table(out)
    assert crawled.schema.equals(served.schema, check_metadata=False)
    assert HUB_STATS_SCHEMA.equals(served.schema, check_metadata=False)
    # The list endpoint has no trendingScore (not asked) nor baseModels (refused).
    same = [c for c in served.column_names if c not in ("trendingScore", "baseModels")]
    want = sorted(served.select(same).to_pylist(), key=lambda r: r["id"])
    got = sorted(crawled.select(same).to_pylist(), key=lambda r: r["id"])
    assert got == want
    assert crawled.column("baseModels").null_count == crawled.num_rows
    again = tmp_path / "again.parquet"
    crawl_hub(again, client, page_size=PAGE)
    assert again.read_bytes() == out.read_bytes()


def test_max_pages_writes_an_incomplete_snapshot(tmp_path: Path, client: HubClient) -> None:
    out = tmp_path / "hub.jsonl.gz"
    result = crawl_hub(out, client, page_size=100, max_pages=3)
    assert (result.models, result.pages, result.complete) == (300, 3, False)
    assert len(read_snapshot(out)) == 300
    manifest = manifest_of(out)
    assert (manifest["complete"], manifest["stopped_by"]) == (False, "max_pages")


# -- faults -----------------------------------------------------------------------------------

FAULTS = {
    "429 Retry-After": (Fault("status", at=3, status=429, headers={"Retry-After": "7"}), [7.0]),
    "429 RateLimit": (
        Fault(
            "status",
            at=2,
            status=429,
            headers={
                "RateLimit": '"api";r=0;t=42',
                "RateLimit-Policy": '"fixed";"api";q=500;w=300',
            },
        ),
        [42.0],
    ),
    "503 burst": (Fault("status", at=4, times=3, status=503), [1.0, 2.0, 4.0]),
    "500 burst": (Fault("status", at=1, times=2, status=500), [1.0, 2.0]),
    "reset mid-body": (Fault("reset", at=5), [1.0]),
    "truncated JSON": (Fault("truncate", at=2), [1.0]),
    "slow response": (Fault("slow", at=6, delay=6.0), [1.0]),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_transient_faults_are_retried_and_lose_nothing(
    name: str,
    tmp_path: Path,
    hub: FakeHub,
    client: HubClient,
    sleeps: list[float],
    baseline: bytes,
) -> None:
    fault, waits = FAULTS[name]
    hub.faults.append(fault)
    if fault.kind == "slow":
        client.timeout = 2.5  # well above a normal page, well below the slow one
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, client, page_size=PAGE)
    assert fault.fired == fault.times
    assert sleeps == waits
    assert out.read_bytes() == baseline
    errors = manifest_of(out)["errors"]
    assert len(errors) == len(waits)
    assert [e["wait"] for e in errors] == waits


def test_fault_errors_are_described_in_the_manifest(
    tmp_path: Path, hub: FakeHub, client: HubClient
) -> None:
    hub.faults += [Fault("truncate", at=2), Fault("status", at=3, status=503), Fault("reset", at=4)]
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, client, page_size=PAGE)
    errors = manifest_of(out)["errors"]
    assert "malformed JSON" in errors[0]["error"]
    assert (errors[1]["status"], errors[1]["error"]) == (503, "HTTP 503 (fake fault 503)")
    assert "Protocol" in errors[2]["error"] or "Read" in errors[2]["error"]
    assert all(e["url"].startswith(hub.url + "/api/models?") for e in errors)


def test_repeated_models_are_written_once(
    tmp_path: Path, hub: FakeHub, client: HubClient, baseline: bytes
) -> None:
    hub.faults.append(Fault("repeat", count=37))
    out = tmp_path / "hub.jsonl.gz"
    result = crawl_hub(out, client, page_size=PAGE)
    assert hub.faults[0].fired == 1
    assert result.duplicates == 37
    assert manifest_of(out)["duplicates_dropped"] == 37
    assert out.read_bytes() == baseline


def test_retries_run_out_with_one_line_error_and_the_crawl_resumes(
    tmp_path: Path, hub: FakeHub, client: HubClient, sleeps: list[float], baseline: bytes
) -> None:
    hub.faults.append(Fault("status", at=4, times=5, status=503))
    out = tmp_path / "hub.jsonl.gz"
    with pytest.raises(HubUnavailable) as caught:
        crawl_hub(out, client, page_size=PAGE)
    message = str(caught.value)
    assert "\n" not in message
    assert "HTTP 503" in message and "after 5 attempts" in message
    assert f"{hub.url}/api/models?" in message and "rerun the same command" in message
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert not out.exists()
    assert json.loads(CrawlStore(out).checkpoint.read_text())["pages"] == 3
    result = crawl_hub(out, client, page_size=PAGE)
    assert (result.runs, result.pages) == (2, 9)
    assert out.read_bytes() == baseline
    assert manifest_of(out)["errors_total"] == 5


def test_backoff_is_capped_by_max_wait(tmp_path: Path, hub: FakeHub, sleeps: list[float]) -> None:
    hub.faults.append(Fault("status", times=6, status=502))
    client = HubClient(hub.url, token=TOKEN, max_retries=6, max_backoff=5.0, sleep=sleeps.append)
    crawl_hub(tmp_path / "hub.jsonl.gz", client, page_size=PAGE)
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_a_long_rate_limit_stops_instead_of_hanging(
    tmp_path: Path, hub: FakeHub, client: HubClient, sleeps: list[float]
) -> None:
    hub.faults.append(Fault("status", status=429, headers={"Retry-After": "86400"}))
    with pytest.raises(HubUnavailable, match=r"rate limited for 86400 s; wait that long"):
        crawl_hub(tmp_path / "hub.jsonl.gz", client, page_size=PAGE)
    assert sleeps == []


def test_a_used_up_rate_limit_window_pauses_the_next_request(
    tmp_path: Path, hub: FakeHub, client: HubClient, sleeps: list[float], baseline: bytes
) -> None:
    hub.faults.append(Fault("headers", at=2, headers={"RateLimit": '"api";r=0;t=30'}))
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, client, page_size=PAGE)
    assert sleeps == [30.0]
    assert out.read_bytes() == baseline


def test_cross_origin_links_are_refused_by_default_and_never_get_the_token(
    tmp_path: Path, hub_models: list[dict[str, Any]], baseline: bytes
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    with (
        running_fake_hub(hub_models) as foreign,
        running_fake_hub(hub_models, link_base=foreign.url) as home,
    ):
        client = HubClient(home.url, token=TOKEN)
        with pytest.raises(PageFailed) as caught:
            crawl_hub(out, client, page_size=PAGE)
        assert foreign.requests == []
        checkpoint = CrawlStore(out).checkpoint.read_text()
        # Allowed on the rerun: the crawl resumes at the page whose link was refused.
        client.allow_cross_origin = True
        crawl_hub(out, client, page_size=PAGE)
    message = str(caught.value)
    assert "\n" not in message and "another origin" in message and foreign.url[7:] in message
    assert foreign.url not in checkpoint
    assert out.read_bytes() == baseline
    manifest = manifest_of(out)
    assert manifest["cross_origin"] == {"allowed": True, "origins_fetched": [foreign.url]}
    assert [r.headers.get("authorization") for r in home.requests] == [f"Bearer {TOKEN}"] * 2
    assert len(foreign.requests) == 8
    assert all("authorization" not in r.headers for r in foreign.requests)
    assert all(TOKEN not in json.dumps(r.query) for r in foreign.requests)


def test_offline_mode_is_a_clear_error(
    tmp_path: Path, client: HubClient, hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(HubUnavailable, match=r"offline mode is on \(HF_HUB_OFFLINE\)"):
        crawl_hub(tmp_path / "hub.jsonl.gz", client)
    assert hub.requests == []


def test_refused_requests_are_input_errors(tmp_path: Path, client: HubClient) -> None:
    with pytest.raises(InputError) as caught:
        crawl_model(tmp_path / "m.jsonl.gz", client, ["nobody/no-such-model"])
    message = str(caught.value)
    assert "\n" not in message
    assert (
        "HTTP 404" in message
        and "nobody/no-such-model" in message
        and "check the model id" in message
    )


# -- a hostile Hub ---------------------------------------------------------------------------
# Each case ends within a bounded time (measured below, nothing really sleeps between
# attempts) with one line naming the URL and the cause, or with counted rejections.

SMALL = 10  # models per page on the small Hub: 6 pages over 60 models


@pytest.fixture
def small_hub(hub_models: list[dict[str, Any]]) -> Iterator[FakeHub]:
    """A fake Hub of its 60 newest models (6 pages of 10), for quick hostile runs."""
    newest = sorted(hub_models, key=lambda m: (m["createdAt"], m["id"]), reverse=True)[:60]
    with running_fake_hub(newest) as fake:
        yield fake


@pytest.fixture
def small_client(small_hub: FakeHub, sleeps: list[float]) -> HubClient:
    """A client of the small Hub: recording sleep, short bounds."""
    return HubClient(small_hub.url, token=TOKEN, timeout=2.0, deadline=2.0, sleep=sleeps.append)


def clean_crawl(hub: FakeHub, out: Path) -> bytes:
    """The bytes of an uninterrupted crawl of ``hub`` without its faults.

    The faults are kept for the next crawl, and the request log is cleared so that their
    request numbers count from it.
    """
    faults, hub.faults = hub.faults, []
    try:
        crawl_hub(out, HubClient(hub.url, token=TOKEN), page_size=SMALL)
    finally:
        hub.faults = faults
        hub.requests.clear()
    return out.read_bytes()


def one_line_failure(call: Callable[[], object], bound: float) -> tuple[str, float]:
    """Run ``call``; it must raise a one-line PageFailed within ``bound`` seconds."""
    started = time.monotonic()
    with pytest.raises(PageFailed) as caught:
        call()
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert "\n" not in message and message.startswith("GET http")
    assert elapsed < bound, f"took {elapsed:.2f} s"
    return message, elapsed


def test_a_next_link_to_itself_stops_with_a_resumable_checkpoint(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    clean = clean_crawl(small_hub, tmp_path / "clean.jsonl.gz")
    small_hub.faults.append(Fault("selflink", at=3))
    out = tmp_path / "hub.jsonl.gz"
    message, _ = one_line_failure(
        lambda: crawl_hub(out, small_client, page_size=SMALL), 5.0
    )
    assert "was already fetched in this listing" in message and "`skip_failed=True`" in message
    assert len(small_hub.requests) == 3  # not a single request more
    state = json.loads(CrawlStore(out).checkpoint.read_text())
    assert (state["pages"], state["models"]) == (3, 30)
    result = crawl_hub(out, small_client, page_size=SMALL)
    assert (result.runs, result.complete) == (2, True)
    assert out.read_bytes() == clean


def test_a_looping_listing_can_be_skipped_and_is_recorded(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    small_hub.faults.append(Fault("selflink", at=3))
    out = tmp_path / "hub.jsonl.gz"
    result = crawl_hub(out, small_client, page_size=SMALL, skip_failed=True)
    assert (result.models, result.skipped, result.complete) == (30, 1, False)
    manifest = manifest_of(out)
    assert manifest["complete"] is False
    (skipped,) = manifest["skipped"]
    assert "already fetched" in skipped["reason"] and skipped["url"].startswith(small_hub.url)
    counts = [manifest[k] for k in ("pages_fetched", "pages_saved", "pages_skipped")]
    assert counts == [3, 3, 1]


def test_empty_pages_that_link_onwards_stop_after_a_bound(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    small_hub.faults.append(Fault("endless", at=2, times=10_000))
    out = tmp_path / "hub.jsonl.gz"
    message, _ = one_line_failure(
        lambda: crawl_hub(out, small_client, page_size=SMALL, max_empty_pages=4),
        5.0,
    )
    assert "4 pages in a row brought no new model" in message
    assert len(small_hub.requests) == 5  # the first page, then four empty ones
    assert json.loads(CrawlStore(out).checkpoint.read_text())["models"] == 10


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Fault("redirect", at=2, times=50), "redirect loop"),
        (Fault("redirect", at=2, location="file:///etc/passwd"), "not a well-formed http(s) URL"),
        (Fault("redirect", at=2, location="http://127.0.0.2:9/api/models"), "another origin"),
        (Fault("next", at=2, location="file:///etc/passwd"), "not a well-formed http(s) URL"),
        (Fault("next", at=2, location="ftp://127.0.0.1/x"), "not a well-formed http(s) URL"),
        (Fault("next", at=2, location="http://[::1"), "not a well-formed http(s) URL"),
        (Fault("redirect", at=2, location="/api/models?\x01"), "not a well-formed http(s) URL"),
        (Fault("body", at=2, body=b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        (
            Fault(
                "body", at=2, body=gzip.compress(b" " * 2**25), headers={"Content-Encoding": "gzip"}
            ),
            "larger than the 4,194,304-byte cap",
        ),
        (Fault("body", at=2, body=b"[]", headers={"Content-Encoding": "br"}), "unsupported"),
    ],
    ids=[
        "redirect loop",
        "redirect to file",
        "redirect away",
        "next to file",
        "next to ftp",
        "next unparsable",
        "redirect with a control character",
        "100,000 deep",
        "gzip bomb",
        "unknown encoding",
    ],
)
def test_unusable_replies_end_in_one_line_without_retries(
    tmp_path: Path,
    small_hub: FakeHub,
    small_client: HubClient,
    sleeps: list[float],
    fault: Fault,
    cause: str,
) -> None:
    small_hub.faults.append(fault)
    small_client.max_body = 4 * 2**20
    out = tmp_path / "hub.jsonl.gz"
    message, _ = one_line_failure(
        lambda: crawl_hub(out, small_client, page_size=SMALL), 5.0
    )
    assert cause in message
    assert sleeps == []  # nothing worth retrying
    checkpoint = CrawlStore(out).checkpoint.read_text()
    assert "file:" not in checkpoint and "ftp:" not in checkpoint and "127.0.0.2" not in checkpoint
    # A refused next link fails after its page is saved; the checkpoint points at that page.
    assert json.loads(checkpoint)["models"] == (20 if fault.kind == "next" else 10)
    assert len(small_hub.requests) <= 2 + 6  # page 1, page 2 and at most 5 redirects


def test_a_body_that_is_not_gzip_is_retried_then_reported(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient, sleeps: list[float]
) -> None:
    bad = {"Content-Encoding": "gzip"}
    small_hub.faults.append(Fault("body", at=2, body=b"not gzip at all", headers=bad))
    clean = clean_crawl(small_hub, tmp_path / "clean.jsonl.gz")
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, small_client, page_size=SMALL)
    assert sleeps == [1.0] and out.read_bytes() == clean
    assert "not valid gzip" in manifest_of(out)["errors"][0]["error"]
    small_hub.faults.append(Fault("body", times=10_000, body=b"\x1f\x8b\x08garbage", headers=bad))
    small_client.max_wait = 100.0
    again = tmp_path / "again.jsonl.gz"
    message, _ = one_line_failure(
        lambda: crawl_hub(again, small_client, page_size=SMALL), 10.0
    )
    assert "not valid gzip" in message and "after 7 attempts" in message
    assert sleeps[1:] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]  # 63 s; 64 more would pass 100


@pytest.mark.parametrize("kind", ["trickle", "stall"], ids=["body trickled", "headers trickled"])
def test_a_trickling_reply_is_cut_at_the_deadline(
    tmp_path: Path,
    small_hub: FakeHub,
    small_client: HubClient,
    sleeps: list[float],
    kind: FaultKind,
) -> None:
    clean = clean_crawl(small_hub, tmp_path / "clean.jsonl.gz")
    small_hub.faults.append(Fault(kind, at=2, delay=0.01))
    small_client.deadline = 1.0
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, small_client, page_size=SMALL)
    assert sleeps == [1.0] and out.read_bytes() == clean
    assert "1 s deadline" in manifest_of(out)["errors"][0]["error"]
    # For good: one line once the attempts fill the time budget (1 s + 1 s wait + 1 s, and
    # the next wait would pass 3 s), in about two deadlines of real time.
    small_hub.faults.append(Fault(kind, times=10_000, delay=0.01))
    small_client.max_wait = 3.0
    message, elapsed = one_line_failure(
        lambda: crawl_hub(
            tmp_path / "again.jsonl.gz", small_client, page_size=SMALL
        ),
        2 * 1.0 + 3.0,
    )
    # The watchdog or the body loop may notice the deadline first (the latter says how
    # many bytes had come), so only the bound and the attempt count are pinned.
    assert re.search(
        r"within the 1 s deadline( \([\d,]+ bytes so far\))? after 2 attempts", message
    )
    assert elapsed >= 2 * 1.0


def test_malformed_records_are_rejected_one_by_one(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    records = {
        '{"id": "acme/new\\nline"}': "control characters",
        '{"id": "acme/tab\\there"}': "control characters",
        '{"id": "../../etc/passwd"}': "not a Hub id",
        '{"id": "acme/a/b"}': "not a Hub id",
        '{"id": 42}': "not a string",
        '"just a string"': "not an object",
        '{"id": "acme/surrogate", "cardData": {"x": ["\\udfff"]}}': "lone surrogate",
        '{"id": "acme/key", "cardData": {"\\ud800": 1}}': "lone surrogate in a key",
        '{"id": "acme/big", "downloads": 123456789012345678901234567890}': "out of range",
        '{"id": "acme/big64", "likes": 9999999999999999999}': "beyond 64 bits",
        '{"id": "acme/nan", "safetensors": {"total": NaN}}': "out of range",
        '{"id": "acme/inf", "trendingScore": 1e400}': "not finite",
        '{"id": "acme/type", "downloads": "12"}': "not an integer",
        '{"id": "acme/tags", "tags": [1, 2]}': "not a list of strings",
        '{"id": "acme/card", "cardData": "text"}': "not an object",
        '{"id": "acme/deep", "cardData": ' + "[" * 150 + "]" * 150 + "}": "nested deeper",
        f'{{"id": "acme/leak", "cardData": {{"note": "{TOKEN}"}}}}': "access token",
    }
    small_hub.faults.append(Fault("inject", at=2, records=list(records)))
    for name in ("hub.jsonl.gz", "hub.parquet"):
        clean = clean_crawl(small_hub, tmp_path / f"clean-{name}")
        out = tmp_path / name
        small_hub.faults[0].fired = 0
        result = crawl_hub(out, small_client, page_size=SMALL)
        assert (result.models, result.rejected, result.complete) == (60, len(records), True)
        assert out.read_bytes() == clean
        manifest = manifest_of(out)
        reasons = [r["reason"] for r in manifest["rejections"]]
        assert len(reasons) == len(records)
        for got, want in zip(reasons, records.values(), strict=True):
            assert want in got
        assert manifest["models_rejected"] == len(records)
        assert TOKEN not in json.dumps(manifest)


def test_retry_after_as_an_http_date_is_honoured(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient, sleeps: list[float]
) -> None:
    now = datetime(2026, 10, 21, 7, 26, 30, tzinfo=UTC).timestamp()
    small_client.wall_clock = lambda: now
    when = "Wed, 21 Oct 2026 07:28:00 GMT"
    small_hub.faults.append(Fault("status", at=2, status=503, headers={"Retry-After": when}))
    crawl_hub(tmp_path / "hub.jsonl.gz", small_client, page_size=SMALL)
    assert sleeps == [90.0]


def test_the_default_retry_budget_rides_out_a_five_minute_outage(
    tmp_path: Path, small_hub: FakeHub, sleeps: list[float]
) -> None:
    small_hub.faults.append(Fault("status", at=2, times=10, status=503))
    client = HubClient(small_hub.url, token=TOKEN, sleep=sleeps.append)
    out = tmp_path / "hub.jsonl.gz"
    result = crawl_hub(out, client, page_size=SMALL)
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0]  # 303 s
    assert (result.models, result.complete) == (60, True)
    manifest = manifest_of(out)
    counts = [manifest[k] for k in ("pages_fetched", "pages_saved", "pages_retried")]
    assert counts == [6, 6, 1] and manifest["errors_total"] == 10


def test_a_persistently_failing_family_page_is_skipped_only_when_asked(
    tmp_path: Path, client: HubClient, hub: FakeHub
) -> None:
    roots = ["mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B"]
    client.max_wait = 10.0
    # The first children page of the first root fails for good.
    hub.faults.append(Fault("status", at=3, times=10_000, status=500))
    hub.faults[0].path = "/api/models"
    out = tmp_path / "family.jsonl.gz"
    with pytest.raises(PageFailed, match=r"HTTP 500 .* after \d+ attempts"):
        crawl_family(out, client, roots, depth=1, page_size=1000)
    hub.faults[0].times = hub.faults[0].fired + 4  # still failing for this run's attempts
    result = crawl_family(
        out, client, roots, depth=1, page_size=1000, skip_failed=True
    )
    assert (result.skipped, result.complete) == (1, False)
    manifest = manifest_of(out)
    (skipped,) = manifest["skipped"]
    assert "base_model%3Amistralai%2FMistral-7B-v0.1" in skipped["url"]
    assert "HTTP 500" in skipped["reason"]
    ids = {m["id"] for m in read_snapshot(out)}
    assert "meta-llama/Meta-Llama-3-8B" in ids and len(ids) > 2  # the other root's children


def test_a_token_echoed_by_the_server_is_written_nowhere(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    small_hub.faults.append(Fault("echo", at=2, times=3, status=503))
    out = tmp_path / "hub.jsonl.gz"
    with pytest.MonkeyPatch.context() as patch:
        kill_at_checkpoint(patch, 4)  # die at page 3, the echoes of page 2 checkpointed
        with pytest.raises(Killed):
            crawl_hub(out, small_client, page_size=SMALL)
    checkpoint = CrawlStore(out).checkpoint.read_text()
    assert "denied: you sent Authorization: Bearer ***" in checkpoint
    assert TOKEN not in checkpoint
    crawl_hub(out, small_client, page_size=SMALL)
    assert TOKEN not in out.with_name(out.name + ".manifest.json").read_text()
    small_hub.faults.append(Fault("echo", status=400))
    with pytest.raises(InputError) as caught:
        crawl_hub(tmp_path / "again.jsonl.gz", small_client, page_size=SMALL)
    assert TOKEN not in str(caught.value) and "Bearer ***" in str(caught.value)


def test_a_finished_crawl_is_not_redone_without_refresh(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, small_client, page_size=SMALL)
    first = out.read_bytes()
    requests = len(small_hub.requests)
    with pytest.raises(InputError, match=r"already holds a finished crawl \(finished at 20"):
        crawl_hub(out, small_client, page_size=SMALL)
    assert len(small_hub.requests) == requests and out.read_bytes() == first
    result = crawl_hub(out, small_client, page_size=SMALL, refresh=True)
    assert result.runs == 1 and out.read_bytes() == first


def test_a_hostile_reply_is_one_line_on_the_command_line(
    tmp_path: Path, small_hub: FakeHub
) -> None:
    small_hub.faults.append(Fault("next", at=2, location="file:///etc/passwd"))
    out = tmp_path / "hub.jsonl.gz"
    argv = [sys.executable, "-m", "hflineage", "crawl", "--out", str(out), "--no-progress"]
    argv += ["--endpoint", small_hub.url, "--token", TOKEN, "--limit", str(SMALL)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HF_HOME"] = str(tmp_path / "hf-home")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"hf-lineage: error: GET {small_hub.url}/api/models?")
    assert "'file:///etc/passwd', which is not a well-formed http(s) URL (refused)" in line
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr
    # The rerun refetches page 2, still with that link: skipped, the crawl ends there.
    small_hub.faults.append(
        Fault("next", at=len(small_hub.requests) + 1, location="file:///etc/passwd")
    )
    skipped = subprocess.run(
        [*argv, "--skip-failed-pages"], env=env, capture_output=True, text=True, timeout=60
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "wrote 20 models" in skipped.stderr and "1 failed pages skipped" in skipped.stderr
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "pass --refresh to crawl again" in again.stderr.lower()


class StepClock:
    """Monotonic seconds that advance ``step`` per reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_off_a_terminal_progress_is_a_log_line_with_retries_and_waits(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    from io import StringIO

    from rich.console import Console

    small_hub.faults.append(Fault("status", at=3, times=2, status=503))
    log = StringIO()
    progress = StderrProgress(
        console=Console(file=log, force_terminal=False), log_every=25.0, clock=StepClock(10.0)
    )
    out = tmp_path / "hub.jsonl.gz"
    crawl_hub(out, small_client, page_size=SMALL, progress=progress)
    lines = log.getvalue().splitlines()
    # The clock reads 10 s later at each look: a line for each retry as it starts, then one
    # when 25 s have passed since the last line, and a last one at the end.
    assert lines == [
        "crawling the Hub: 20 models, 2 pages, 0.7 models/s, 1 retries, 30 s; "
        "retry 1 in 1 s (HTTP 503 (fake fault 503))",
        "crawling the Hub: 20 models, 2 pages, 0.5 models/s, 2 retries, 40 s; "
        "retry 2 in 2 s (HTTP 503 (fake fault 503))",
        "crawling the Hub: 50 models, 5 pages, 0.6 models/s, 2 retries, 80 s",
        "crawling the Hub: 60 models, 6 pages, 0.6 models/s, 2 retries, 100 s",
    ]


def test_on_a_terminal_progress_shows_the_retry_in_progress(
    tmp_path: Path, small_hub: FakeHub, small_client: HubClient
) -> None:
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    progress = StderrProgress(console=Console(file=buffer, width=200, force_terminal=True))
    small_hub.faults.append(Fault("status", at=2, status=429, headers={"Retry-After": "16"}))
    crawl_hub(tmp_path / "hub.jsonl.gz", small_client, page_size=SMALL, progress=progress)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())  # without the styles
    assert "retry 1 in 16 s (HTTP 429 (fake fault 429))" in text
    assert "60 models 6 pages" in text


@pytest.mark.parametrize(
    ("value", "seconds"), [("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0)]
)
def test_durations_are_read_with_units(value: str, seconds: float) -> None:
    from hflineage.explorer.cli import crawl as cmd_crawl

    assert cmd_crawl._Duration().convert(value, None, None) == seconds


def test_a_bad_duration_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        crawl, ["--out", str(tmp_path / "x.jsonl.gz"), "--max-wait", "soon"]
    )
    assert result.exit_code == 2 and "'soon' is not a duration" in result.output


def test_loaders_count_numbers_beyond_64_bits_instead_of_failing(tmp_path: Path) -> None:
    from hflineage.loaders.snapshot import load_snapshot

    rows = [
        '{"id": "acme/huge", "downloads": 1180591620717411303424, "tags": []}',
        '{"id": "acme/huge-float", "downloadsAllTime": 1e30, "likes": 1e400, "tags": []}',
        '{"id": "acme/fine", "downloads": 5, "tags": []}',
        '{"id": "acme/digits", "downloads": 1' + "0" * 5000 + "}",
    ]
    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode()))
    table, report = load_snapshot(path)
    assert (report.rows_loaded, sum(report.rejected.values())) == (3, 1)
    assert report.notes["downloads beyond 64 bits (read as 0)"] == 1
    assert report.notes["downloadsAllTime beyond 64 bits (read as 0)"] == 1
    assert report.notes["likes not a number (read as 0)"] == 1
    assert report.rejected["malformed JSON line"] == 1
    assert sorted(int(d) for d in table.downloads) == [0, 0, 5]
    row = crawl_parquet.hub_stats_row({"id": "acme/m", "downloads": 2**64, "likes": -(2**63)})
    assert (row["downloads"], row["likes"]) == (None, -(2**63))


def test_a_looping_family_listing_is_skipped_and_the_next_node_crawled(
    tmp_path: Path, client: HubClient, hub: FakeHub, hub_models: list[dict[str, Any]]
) -> None:
    roots = ["mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B"]
    hub.faults.append(Fault("selflink", at=3))  # the first children page of the first root
    out = tmp_path / "family.jsonl.gz"
    with pytest.raises(PageFailed, match="already fetched in this listing"):
        crawl_family(out, client, roots, depth=1, page_size=5)
    hub.faults.append(Fault("selflink", at=len(hub.requests) + 1))  # the same page, rerun
    result = crawl_family(
        out, client, roots, depth=1, page_size=5, skip_failed=True
    )
    assert (result.skipped, result.complete, result.runs) == (1, False, 2)
    ids = [m["id"] for m in read_snapshot(out)]
    first_children = [i for i in ids[2:] if i in descendants_by_tags(hub_models, roots[:1], 1)]
    assert len(first_children) == 5  # the first page only
    assert set(ids) >= descendants_by_tags(hub_models, roots[1:], 1)


def test_a_failing_model_is_skipped_only_when_asked(
    tmp_path: Path, client: HubClient, hub: FakeHub
) -> None:
    good, bad = "Qwen/Qwen2.5-7B-Instruct", "mistralai/Mistral-7B-v0.1"
    deep = b"[" * 100_000 + b"]" * 100_000
    hub.faults.append(Fault("body", path=f"/api/models/{bad}", times=2, body=deep))
    out = tmp_path / "models.jsonl.gz"
    with pytest.raises(PageFailed, match="nested too deeply"):
        crawl_model(out, client, [bad, good])
    assert crawl_files_left(out) == []
    result = crawl_model(out, client, [bad, good], skip_failed=True)
    assert (result.models, result.skipped, result.complete) == (1, 1, False)
    assert [m["id"] for m in read_snapshot(out)] == [good]
    (skipped,) = manifest_of(out)["skipped"]
    assert "Mistral-7B-v0.1" in skipped["url"] and "nested too deeply" in skipped["reason"]


# -- resuming after a kill --------------------------------------------------------------------


class Killed(BaseException):
    """Stands for SIGKILL: escapes every ``except Exception``."""


def kill_at_checkpoint(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Make the n-th checkpoint save die, after the parts it vouches for are on disk."""
    calls = {"n": 0}
    save = CrawlStore.save_checkpoint

    def dying_save(self: CrawlStore, state: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] >= n:
            raise Killed
        save(self, state)

    monkeypatch.setattr(CrawlStore, "save_checkpoint", dying_save)


def test_kill_between_parts_and_checkpoint_resumes_exactly(
    tmp_path: Path, client: HubClient, baseline: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    with monkeypatch.context() as patch:
        kill_at_checkpoint(patch, 4)
        with pytest.raises(Killed):
            crawl_hub(out, client, page_size=PAGE)
    store = CrawlStore(out)
    committed = json.loads(store.checkpoint.read_text())["parts_bytes"]
    assert store.parts.stat().st_size > committed  # page 3 written, not checkpointed
    with open(store.parts, "ab") as fh:
        fh.write(b'0\ttorn/write\t{"id": "torn/wr')  # and a torn line after it
    result = crawl_hub(out, client, page_size=PAGE)
    assert (result.runs, result.duplicates, result.models) == (2, 0, 4167)
    assert out.read_bytes() == baseline
    assert crawl_files_left(out) == []


def test_kill_after_the_snapshot_but_before_clean_up_is_finished_on_rerun(
    tmp_path: Path,
    client: HubClient,
    hub: FakeHub,
    baseline: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "hub.jsonl.gz"

    def dying_clean_up(self: CrawlStore) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(CrawlStore, "clean_up", dying_clean_up)
        with pytest.raises(Killed):
            crawl_hub(out, client, page_size=PAGE)
    requests = len(hub.requests)
    crawl_hub(out, client, page_size=PAGE)
    assert len(hub.requests) == requests  # nothing refetched
    assert out.read_bytes() == baseline
    assert crawl_files_left(out) == []


def test_a_checkpoint_of_another_crawl_is_refused(tmp_path: Path, client: HubClient) -> None:
    out = tmp_path / "hub.jsonl.gz"
    with pytest.raises(Killed), pytest.MonkeyPatch.context() as patch:
        kill_at_checkpoint(patch, 3)  # the start, page 1, then dies at page 2
        crawl_hub(out, client, page_size=PAGE)
    with pytest.raises(InputError, match="belongs to another crawl"):
        crawl_hub(out, client, page_size=100)


def test_two_crawls_never_write_one_output(tmp_path: Path, client: HubClient) -> None:
    import fcntl

    out = tmp_path / "hub.jsonl.gz"
    with open(CrawlStore(out).lock_path, "wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(InputError, match="another crawl is writing"):
            crawl_hub(out, client, page_size=PAGE)
    assert crawl_hub(out, client, page_size=PAGE).models == 4167


def test_temp_files_of_a_killed_run_are_removed(
    tmp_path: Path, client: HubClient, baseline: bytes
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    stale = [
        tmp_path / ".hub.jsonl.gz.123.dead.tmp",
        tmp_path / ".hub.jsonl.gz.checkpoint.json.123.dead.tmp",
    ]
    for path in stale:
        path.write_bytes(b"half written")
    crawl_hub(out, client, page_size=PAGE)
    assert not any(p.exists() for p in stale)
    assert out.read_bytes() == baseline


def test_the_main_cli_has_the_crawl_command() -> None:
    import click

    from hflineage.explorer.cli.main import cli

    # Commands in their own modules are loaded when asked for.
    assert cli.get_command(click.Context(cli), "crawl") is crawl


def test_killed_three_times_at_random_points_resumes_to_identical_snapshot(
    tmp_path: Path, hub: FakeHub, baseline: bytes
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    argv = [sys.executable, "-m", "hflineage", "crawl", "--out", str(out), "--no-progress"]
    argv += ["--endpoint", hub.url, "--token", TOKEN, "--limit", "100"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HF_HOME"] = str(tmp_path / "hf-home")
    seed = int(os.environ.get("HF_LINEAGE_KILL_SEED", "20260523"))
    rng = random.Random(seed)
    for _ in range(3):
        # 42 pages; at most 3 x 12 requests are spent before the kills, so each one lands.
        hub.faults.append(
            Fault(
                "kill",
                at=len(hub.requests) + rng.randint(1, 12),
                phase=rng.choice(["before", "mid", "after"]),
                delay=rng.uniform(0, 0.02),
            )
        )
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        hub.client_pid = proc.pid
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, f"seed {seed}: {err.decode()[-500:]}"
        assert not out.exists()
        assert CrawlStore(out).checkpoint.exists()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "wrote 4,167 models" in done.stderr and "resumed 3x" in done.stderr
    assert out.read_bytes() == baseline, f"seed {seed}"
    assert manifest_of(out)["runs"] == 4
    assert crawl_files_left(out) == []


# -- the crawl feeds `report` ----------------------------------------------------------------


def same_figures(a: object, b: object) -> bool:
    """Equal JSON values, floats equal to 1e-9 relative."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_figures(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_figures(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("crawl.jsonl.gz", []),
        ("crawl.parquet", ["--by", "country", "--view", "uploader"]),
        ("crawl.jsonl.gz", ["--by", "org", "--metric", "uploads", "--policy", "full"]),
    ],
)
def test_report_on_a_crawl_gives_the_figures_of_the_served_file(
    tmp_path: Path, source_client: HubClient, source_path: Path, name: str, options: list[str]
) -> None:
    from hflineage.explorer.cli.main import cli

    out = tmp_path / name
    crawl_hub(out, source_client, page_size=1000)

    def report(snapshot: Path) -> dict[str, Any]:
        args = ["report", "--snapshot", str(snapshot), "--format", "json", "--top", "100000"]
        args += options
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer

    crawled, served = report(out), report(source_path)
    assert len(served["rows"]) > 5
    # Provenance differs by design: the list endpoint has no baseModels, so edges come from
    # the Hub's base_model tags instead; the graph and every figure are the same (up to the
    # order in which fractional credits are summed).
    got, want = crawled["meta"].pop("validation"), served["meta"].pop("validation")
    assert same_figures(crawled["meta"], served["meta"])
    # All rows, compared by key: the order of tied rows is not part of the figures.
    by_key = {r["key"]: r for r in crawled["rows"]}
    assert same_figures(by_key, {r["key"]: r for r in served["rows"]})
    for key in ("models", "stubs", "roots", "edges", "edges_by_relation", "max_depth"):
        assert got[key] == want[key], key


# -- family and single models -----------------------------------------------------------------


def descendants_by_tags(models: list[dict[str, Any]], roots: list[str], depth: int) -> set[str]:
    """The expected families, straight from the served models' ``base_model:<id>`` tags."""
    found, frontier = set(roots), list(roots)
    for _ in range(depth):
        tags = {f"base_model:{m}" for m in frontier}
        frontier = [m["id"] for m in models if tags & set(m["tags"]) and m["id"] not in found]
        found.update(frontier)
    return found


# Repeats: merges reached from two parents (worked out in hubrows.CRAWL_FAMILIES).
@pytest.mark.parametrize(("depth", "repeats"), [(0, 0), (1, 1), (2, 3), (3, 4)])
def test_family_crawl_walks_base_model_children_to_a_depth(
    tmp_path: Path,
    client: HubClient,
    hub: FakeHub,
    hub_models: list[dict[str, Any]],
    depth: int,
    repeats: int,
) -> None:
    # Two families that share merges: those are reached twice and must be written once.
    roots = ["mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B"]
    out = tmp_path / "family.jsonl.gz"
    result = crawl_family(out, client, roots, depth=depth, page_size=5)
    ids = [m["id"] for m in read_snapshot(out)]
    assert len(ids) == len(set(ids)) == result.models
    assert set(ids) == descendants_by_tags(hub_models, roots, depth)
    assert ids[:2] == roots
    assert result.duplicates == repeats
    filters = [r.query["filter"] for r in hub.requests if "filter" in r.query]
    assert all(len(f) == 1 and f[0].startswith("base_model:") for f in filters)
    assert manifest_of(out)["parameters"]["depth"] == depth


def test_family_crawl_resumes_identically(
    tmp_path: Path, client: HubClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots = ["mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B"]
    whole = tmp_path / "whole.jsonl.gz"
    crawl_family(whole, client, roots, depth=2, page_size=4)
    out = tmp_path / "family.jsonl.gz"
    for n in (2, 5, 9):
        with monkeypatch.context() as patch:
            kill_at_checkpoint(patch, n)
            with pytest.raises(Killed):
                crawl_family(out, client, roots, depth=2, page_size=4)
    result = crawl_family(out, client, roots, depth=2, page_size=4)
    assert result.runs == 4
    assert out.read_bytes() == whole.read_bytes()


def test_family_root_must_exist_and_a_typo_can_be_fixed(tmp_path: Path, client: HubClient) -> None:
    out = tmp_path / "f.jsonl.gz"
    with pytest.raises(InputError, match="HTTP 404"):
        crawl_family(out, client, ["mistralai/Mistral-7B-v0.l"])
    assert crawl_files_left(out) == []
    result = crawl_family(out, client, ["mistralai/Mistral-7B-v0.1"], depth=1)
    assert result.models > 1


def test_model_crawl_keeps_base_models_and_children_count(
    tmp_path: Path, client: HubClient, hub: FakeHub, hub_models: list[dict[str, Any]]
) -> None:
    out = tmp_path / "one.jsonl.gz"
    model_id = "Qwen/Qwen2.5-7B-Instruct"
    crawl_model(out, client, [model_id.lower()])
    (got,) = read_snapshot(out)
    assert got["id"] == model_id
    children = [m for m in hub_models if f"base_model:{model_id}" in m["tags"]]
    assert got["childrenModelCount"] == len(children) > 0
    assert got["baseModels"] == next(m for m in hub_models if m["id"] == model_id)["baseModels"]
    assert set(hub.requests[0].query["expand"]) >= {"baseModels", "childrenModelCount"}


# -- CLI and small parts ----------------------------------------------------------------------


def test_cli_crawls_with_hf_endpoint_and_reports_one_line(
    tmp_path: Path, hub: FakeHub, baseline: bytes
) -> None:
    out = tmp_path / "hub.jsonl.gz"
    result = CliRunner().invoke(
        crawl,
        ["--out", str(out), "--token", TOKEN, "--limit", str(PAGE), "--no-progress"],
        env={"HF_ENDPOINT": hub.url},
    )
    assert result.exit_code == 0, result.output
    assert f"wrote 4,167 models (9 pages) to {out}" in result.output
    assert out.read_bytes() == baseline


def test_cli_family_and_model_modes(tmp_path: Path, hub: FakeHub) -> None:
    runner = CliRunner()
    base = ["--endpoint", hub.url, "--token", TOKEN, "--no-progress"]
    family = tmp_path / "family.parquet"
    result = runner.invoke(
        crawl,
        [
            *base,
            "--out",
            str(family),
            "--family",
            "mistralai/Mistral-7B-v0.1",
            "--family",
            "Qwen/Qwen1.5-MoE-A2.7B",
            "--depth",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(family).num_rows == manifest_of(family)["models"] > 2
    one = tmp_path / "one.jsonl.gz"
    result = runner.invoke(crawl, [*base, "--out", str(one), "--model", "Qwen/Qwen1.5-MoE-A2.7B"])
    assert result.exit_code == 0, result.output
    assert [m["id"] for m in read_snapshot(one)] == ["Qwen/Qwen1.5-MoE-A2.7B"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--family", "a/b", "--model", "c/d"], "use --family or --model, not both"),
        (["--depth", "2"], "--depth only applies to --family"),
        (["--model", "a/b", "--max-pages", "2"], "do not apply to --model"),
        (["--limit", "5000"], "5000 is not in the range 1<=x<=1000"),
    ],
)
def test_cli_rejects_contradictory_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(crawl, ["--out", str(tmp_path / "x.jsonl.gz"), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_help_has_examples() -> None:
    result = CliRunner().invoke(crawl, ["--help"])
    assert result.exit_code == 0
    assert "hf-lineage crawl --out hub.parquet" in result.output
    assert "--family" in result.output and "resumes" in result.output


def test_cli_lets_lineage_errors_through_for_the_main_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(crawl, ["--out", str(tmp_path / "x.csv"), "--no-progress"])
    assert isinstance(result.exception, InputError)
    assert "name it *.jsonl.gz or *.parquet" in str(result.exception)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, p: crawl_hub(p / "x.json", c), "unknown snapshot format"),
        (lambda c, p: crawl_hub(p / "no" / "x.jsonl.gz", c), "does not exist; create it"),
        (lambda c, p: crawl_hub(p / "x.parquet", c, page_size=0), "between 1 and 1000"),
        (lambda c, p: crawl_hub(p / "x.parquet", c, max_pages=0), "at least 1"),
        (lambda c, p: crawl_family(p / "x.parquet", c, [" "]), "at least one root"),
        (lambda c, p: crawl_model(p / "x.parquet", c, []), "no model id given"),
        (lambda c, p: HubClient("ftp://example.org"), "not an http(s) URL"),
    ],
)
def test_bad_parameters_are_input_errors(
    tmp_path: Path, call: Callable[[HubClient, Path], object], message: str
) -> None:
    client = HubClient("http://127.0.0.1:9", token=False)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(client, tmp_path)


def test_headers_carry_the_token_only_to_the_endpoint_origin() -> None:
    client = HubClient("https://hub.example:443/", token=TOKEN)
    assert (
        client.headers_for("https://hub.example/api/models")["authorization"] == f"Bearer {TOKEN}"
    )
    for foreign in (
        "https://cdn.example/api/models",
        "http://hub.example/api/models",
        "https://hub.example:8443/api/models",
    ):
        assert "authorization" not in client.headers_for(foreign)


def test_progress_line_shows_models_pages_and_rate() -> None:
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    progress = StderrProgress(console=Console(file=buffer, width=120, force_terminal=True))
    with progress.shown("crawling the Hub", 0, 0):
        progress.update(4167, 9)
    text = buffer.getvalue()
    assert "4,167" in text and "models" in text and "9 pages" in text and "models/s" in text
    silent = StderrProgress(enabled=False)
    with silent.shown("x", 0, 0):
        silent.update(1, 1)


@pytest.mark.parametrize("module", [crawl_http, crawl_records, crawl_store, crawl_parquet])
def test_the_examples_in_docstrings_hold(module: Any) -> None:
    import doctest

    assert doctest.testmod(module).failed == 0


def test_tokens_and_authorization_values_are_scrubbed() -> None:
    token = "hf_" + "Ab1" * 12
    text = f'sent {token}; "Authorization": "Bearer xyz"; token=abc; own: {TOKEN}'
    assert crawl_http.scrub(text, [TOKEN]) == (
        'sent hf_***; "Authorization": "Bearer ***"; token=***; own: ***'
    )
    assert crawl_http.scrub("model someone/hf_tokenizer") == "model someone/hf_tokenizer"


@pytest.mark.parametrize(
    "module",
    [crawl_module, crawl_http, crawl_parquet, crawl_progress, crawl_records, crawl_store],
)
def test_public_names_exist(module: Any) -> None:
    for name in module.__all__:
        assert hasattr(module, name), name
