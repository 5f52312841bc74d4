"""Author kinds: crawled from the fake Hub into a sidecar, read back by every loader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import api_model, write_jsonl
from fakehub import FakeHub, Fault, running_fake_hub
from huggingface_hub import HfApi

from hflineage.errors import HubUnavailable
from hflineage.explorer.cli.main import cli
from hflineage.graph import build_lineage_graph
from hflineage.loaders import load_snapshots
from hflineage.loaders.authors import author_kinds_path, read_author_kinds, write_author_kinds
from hflineage.loaders.hub.authors import author_kind, authors_by_weight, crawl_author_kinds
from hflineage.queries import attribute

MODELS = [
    api_model("solo-dev/base", downloads=100),
    api_model("small-lab/base", downloads=10),
    api_model("gone-user/base", downloads=1),
    api_model("solo-dev/ft", "solo-dev/base", downloads=1000),
    api_model("fan/ft", "stub-org/absent", downloads=50),
    api_model("Qwen/Qwen2.5-7B", downloads=5),  # curated: never asked about
]
ACCOUNTS = {"solo-dev": "user", "fan": "user", "small-lab": "org", "stub-org": "org"}


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with running_fake_hub([]) as fake:
        fake.accounts.update(ACCOUNTS)
        yield fake


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "snap.jsonl", MODELS)


def _api(hub: FakeHub) -> HfApi:
    return HfApi(endpoint=hub.url, token=False)


def _table(path: Path) -> object:
    return load_snapshots([path])[0]


def test_authors_by_weight_counts_parent_namespaces_too(snapshot: Path) -> None:
    table, _ = load_snapshots([snapshot])
    assert authors_by_weight(table) == [
        "solo-dev",  # 100 + 1000 + 1000 (its model is a declared parent of a 1000 model)
        "fan",
        "stub-org",  # only a parent's namespace, weighted by its declaring child
        "small-lab",
        "Qwen",
        "gone-user",
    ]


def test_author_kind_asks_the_two_overview_endpoints(hub: FakeHub) -> None:
    api = _api(hub)
    assert author_kind(api, "small-lab") == "organization"
    assert author_kind(api, "solo-dev") == "user"
    assert author_kind(api, "gone-user") == "missing"
    paths = [r.path for r in hub.requests]
    assert paths[:3] == [
        "/api/organizations/small-lab/overview",
        "/api/organizations/solo-dev/overview",
        "/api/users/solo-dev/overview",
    ]


def test_crawl_writes_a_resumable_sidecar(hub: FakeHub, snapshot: Path) -> None:
    table, _ = load_snapshots([snapshot])
    first = crawl_author_kinds(snapshot, table, _api(hub), skip={"qwen"}, max_authors=2)
    assert (first.asked, first.left) == (2, 3)
    asked = len(hub.requests)
    rest = crawl_author_kinds(snapshot, table, _api(hub), skip={"qwen"})
    assert (rest.asked, rest.already_known, rest.left) == (3, 2, 0)
    again = crawl_author_kinds(snapshot, table, _api(hub), skip={"qwen"})
    assert again.asked == 0 and len(hub.requests) > asked
    kinds, bad = read_author_kinds(author_kinds_path(snapshot))
    assert bad == 0
    assert kinds == {
        "solo-dev": "user",
        "fan": "user",
        "stub-org": "organization",
        "small-lab": "organization",
        "gone-user": "missing",
    }
    assert not any("qwen" in r.path.lower() for r in hub.requests)


def test_a_transient_error_is_retried_and_a_lasting_one_stops_the_run(
    hub: FakeHub, snapshot: Path
) -> None:
    table, _ = load_snapshots([snapshot])
    hub.faults.append(Fault("status", status=503, times=2, path="/api/organizations/"))
    waits: list[float] = []
    out = crawl_author_kinds(snapshot, table, _api(hub), max_authors=1, sleep=waits.append)
    assert out.kinds == {"user": 1} and waits == [1.0, 2.0]
    hub.faults.append(Fault("status", status=503, times=10, path="/api/organizations/"))
    with pytest.raises(HubUnavailable, match="HTTP 503"):
        crawl_author_kinds(snapshot, table, _api(hub), retries=2, sleep=waits.append)
    assert len(read_author_kinds(author_kinds_path(snapshot))[0]) == 1  # kept: resumable


def test_names_that_are_not_account_names_are_never_asked(hub: FakeHub, tmp_path: Path) -> None:
    snap = write_jsonl(tmp_path / "s.jsonl", [api_model("ok/a", author="../../etc?x=1")])
    table, _ = load_snapshots([snap])
    out = crawl_author_kinds(snap, table, _api(hub))
    assert out.not_names == 1 and out.asked == 0 and not hub.requests


def test_every_loader_reads_the_sidecar_and_users_count_as_international(
    snapshot: Path,
) -> None:
    write_author_kinds(
        author_kinds_path(snapshot),
        [("solo-dev", "user"), ("fan", "user"), ("small-lab", "organization")],
    )
    with open(author_kinds_path(snapshot), "ab") as fh:
        fh.write(b'{"author": "cut sh')  # an interrupted write
    table, report = load_snapshots([snapshot])
    assert report.author_kinds["solo-dev"] == "user"
    assert report.notes["author-kind sidecar line unreadable (ignored)"] == 1
    graph = build_lineage_graph(table, report)
    countries = {r.key: r.value for r in attribute(graph, by="country").rows}
    assert countries["International/Online"] == 100 + 1000  # solo-dev's root and its child
    assert graph.country_of(graph.node("fan/ft")) == "International/Online"
    unknown = attribute(graph, by="country").meta["unknown"]
    assert unknown == {
        "value": 61.0,
        "author_kinds_known": 3,
        "unclassified authors": 51.0,  # gone-user/base 1 + fan/ft's stub root 50
        "organizations not curated": 10.0,
        "missing accounts": 0.0,
    }


def test_report_table_says_how_much_of_unknown_is_unclassified(snapshot: Path) -> None:
    out = CliRunner().invoke(cli, ["report", "--snapshot", str(snapshot), "--by", "country"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())  # the table's footer wraps at the terminal width
    assert "is authors whose kind (user or organisation) is not known" in text
    payload = json.loads(
        CliRunner()
        .invoke(cli, ["report", "--snapshot", str(snapshot), "--by", "country", "--format", "json"])
        .output
    )
    assert payload["meta"]["unknown"]["unclassified authors"] == payload["meta"]["unknown"]["value"]


def test_cli_crawl_authors(hub: FakeHub, snapshot: Path) -> None:
    out = CliRunner().invoke(
        cli, ["crawl-authors", str(snapshot), "--endpoint", hub.url, "--max-authors", "3"]
    )
    assert out.exit_code == 0, out.output
    assert "asked about 3 authors" in out.output
    assert len(read_author_kinds(author_kinds_path(snapshot))[0]) == 3
