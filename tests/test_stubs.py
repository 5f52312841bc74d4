"""crawl --resolve-stubs: stub parents looked up through the (fake) Hub, renames followed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import api_model, write_jsonl
from fakehub import FakeHub, running_fake_hub

from hflineage.explorer.cli.main import cli
from hflineage.graph import build_lineage_graph
from hflineage.loaders import load_snapshots
from hflineage.loaders.hub.client import HubClient
from hflineage.loaders.hub.stubs import resolve_stubs
from hflineage.loaders.renames import aliases_path, read_aliases

HUB_MODELS = [
    api_model("new-org/base", "root-org/root", downloads=5, _id="0001"),
    api_model("kept/base", downloads=7, _id="0002"),
]


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with running_fake_hub(HUB_MODELS) as fake:
        fake.renamed["old-org/base"] = "new-org/base"
        yield fake


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "snap.jsonl",
        [
            api_model("u/a", "old-org/base", downloads=100),
            api_model("u/b", "kept/base", downloads=10),
            api_model("u/c", "gone/x", downloads=1),
        ],
    )


def _crawl(hub: FakeHub, snapshot: Path, out: Path) -> str:
    result = CliRunner().invoke(
        cli,
        ["crawl", "--resolve-stubs", str(snapshot), "--out", str(out), "--endpoint", hub.url],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_stubs_resolve_and_the_graph_closes_upwards(
    hub: FakeHub, snapshot: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stubs.jsonl"
    said = _crawl(hub, snapshot, out)
    assert "asked the Hub about 3 of 3 stubs: 2 resolved (1 renamed), 1 not found" in said
    assert read_aliases(aliases_path(out)) == ({"old-org/base": "new-org/base"}, 0)
    table, report = load_snapshots([snapshot, out])
    graph = build_lineage_graph(table, report)
    a = graph.node("u/a")
    assert graph.ids_of(graph.parents(a)) == ["new-org/base"]
    assert not graph.stub[graph.node("new-org/base")]
    grand = graph.parents(graph.node("new-org/base"))
    assert graph.ids_of(grand) == ["root-org/root"] and graph.stub[grand[0]]
    assert graph.validation.as_dict()["aliases"]["renames_from_snapshots"] == 1  # type: ignore[index]
    # a rerun asks nothing again
    asked = len(hub.requests)
    assert "asked the Hub about 0 of 3 stubs" in _crawl(hub, snapshot, out)
    assert len(hub.requests) == asked


def test_a_bounded_run_resumes(hub: FakeHub, tmp_path: Path) -> None:
    client = HubClient(hub.url, token=False)
    out = tmp_path / "s.jsonl"
    first = resolve_stubs(["old-org/base", "gone/x", "kept/base"], client, out, max_stubs=1)
    assert (first.asked, first.resolved, first.renamed, first.left) == (1, 1, 1, 2)
    rest = resolve_stubs(["old-org/base", "gone/x", "kept/base"], client, out)
    assert (rest.asked, rest.already_done, rest.not_found, rest.left) == (2, 1, 1, 0)
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == ["new-org/base", "kept/base"]


def test_resolve_stubs_refuses_a_parquet_out(hub: FakeHub, snapshot: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "crawl",
            "--resolve-stubs",
            str(snapshot),
            "--out",
            str(tmp_path / "x.parquet"),
            "--endpoint",
            hub.url,
        ],
    )
    assert result.exit_code != 0 and "JSONL" in result.output


def test_stubs_of_a_snapshot_without_downloads_are_still_asked(
    hub: FakeHub, tmp_path: Path
) -> None:
    snap = write_jsonl(tmp_path / "bare.jsonl", [{"id": "u/a", "tags": ["base_model:kept/base"]}])
    said = _crawl(hub, snap, tmp_path / "out.jsonl")
    assert "asked the Hub about 1 of 1 stubs: 1 resolved (0 renamed)" in said
