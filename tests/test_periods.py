"""Period reports agree with the plain report where they must, on a hand-built history.

Two snapshots of the same models: on 2026-01-08 every ``downloadsAllTime`` is 0, on
2026-01-15 it is the figure below. Downloads in that period are then each model's
all-time total, and every model was created on 2025-01-15, so its first year ends on
2026-01-15 too: the period report, the first-year report and ``attribute`` with
``downloads_all_time`` must give the same rows, in the same order, with the same meta.

Credit (split): the roots ``zeta/base`` and ``alpha/base`` get 100 each (zeta listed first,
so ties must be broken by name), ``ghost/base`` (a stub) 30; ``beta/base`` 0 (no credit, but
one model).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import api_model, write_jsonl

from hflineage.explorer.cli.main import cli
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders.store import SnapshotStore
from hflineage.queries import Window, attribute
from hflineage.queries.attribution import Attribution
from hflineage.queries.periods.downloads import attribute_period, period_downloads
from hflineage.queries.periods.first_year import attribute_first_year, first_year_downloads
from hflineage.queries.periods.weekly import weekly_series

START, END = "2026-01-08", "2026-01-15"
TOTALS = {
    "zeta/base": 75,
    "alpha/base": 35,
    "alpha/ft": 40,
    "mix/merge": 50,  # a merge of zeta and alpha: 25 each under split, 50 each under full
    "ghost-user/ft": 30,  # its parent is not in the data: a stub root
    "beta/base": 0,
}
PARENTS = {
    "alpha/ft": ("alpha/base",),
    "mix/merge": ("zeta/base", "alpha/base"),
    "ghost-user/ft": ("ghost/base",),
}
#: (view, level) pairs a report accepts
CHOICES = [
    (view, by)
    for view in ("lineage", "uploader")
    for by in ("root", "family", "org", "developer", "country")
    if view == "lineage" or by not in ("root", "family")
]


def _models(with_totals: bool) -> list[dict[str, Any]]:
    return [
        api_model(
            mid,
            *PARENTS.get(mid, ()),
            relation="merge" if mid == "mix/merge" else "finetune",
            downloadsAllTime=total if with_totals else 0,
        )
        for mid, total in TOTALS.items()
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SnapshotStore:
    tmp = tmp_path_factory.mktemp("periods")
    s = SnapshotStore(tmp / "home" / "snapshots")
    s.add(write_jsonl(tmp / "start.jsonl", _models(False)), START)
    s.add(write_jsonl(tmp / "end.jsonl", _models(True)), END)
    return s


@pytest.fixture(scope="module")
def graph(store: SnapshotStore) -> LineageGraph:
    return build_lineage_graph(*store.table(END))


def _same(period: Attribution, plain: Attribution) -> None:
    assert period.rows == plain.rows
    for key in (
        "level",
        "view",
        "policy",
        "window",
        "denominator",
        "models_counted",
        "excluded",
        "shares_sum_to",
        "rows_total",
        "concentration",
        "warnings",
        "rest",
        "unknown",
        "developers",
    ):
        assert period.meta.get(key) == plain.meta.get(key), key


def test_ties_are_broken_by_name(store: SnapshotStore, graph: LineageGraph) -> None:
    assert graph.ids.index("zeta/base") < graph.ids.index("alpha/base")  # node order differs
    p = period_downloads(store, START, END)
    rows = attribute_period(graph, p, by="root").rows
    assert [(r.key, r.value) for r in rows] == [
        ("alpha/base", 100.0),
        ("zeta/base", 100.0),
        ("ghost/base", 30.0),
        ("beta/base", 0.0),
    ]
    full = attribute_period(graph, p, by="root", policy="full").rows
    assert [r.key for r in full[:2]] == ["alpha/base", "zeta/base"]
    assert full[0].value == full[1].value == 125.0


@pytest.mark.parametrize("policy", ["split", "full", "first"])
@pytest.mark.parametrize(("view", "by"), CHOICES)
def test_a_period_from_zero_is_the_all_time_report(
    store: SnapshotStore, graph: LineageGraph, view: str, by: str, policy: str
) -> None:
    p = period_downloads(store, START, END)
    assert p.total == sum(TOTALS.values())
    plain = attribute(graph, by=by, view=view, policy=policy, metric="downloads_all_time")
    _same(attribute_period(graph, p, by=by, view=view, policy=policy), plain)
    fy = first_year_downloads(store, graph)
    _same(attribute_first_year(graph, fy, by=by, view=view, policy=policy), plain)


def test_top_and_window_agree(store: SnapshotStore, graph: LineageGraph) -> None:
    p = period_downloads(store, START, END)
    for window in (Window(), Window("2025-01", "2025-01"), Window("2024-01", "2025-02")):
        plain = attribute(graph, by="root", metric="downloads_all_time", window=window, top=1)
        period = attribute_period(graph, p, by="root", window=window, top=1)
        _same(period, plain)
        assert period.meta["rest"]["keys"] == 3
        if window.is_open:
            assert period.meta["rest"]["value"] == 130.0


def test_weekly_series_ranks_keys_like_the_report(
    store: SnapshotStore, graph: LineageGraph
) -> None:
    s = weekly_series(store, graph, by="root", top=2)
    assert s.keys == ["alpha/base", "zeta/base", "other keys"]
    assert s.values == [[100.0], [100.0], [30.0]]


def test_cli_period_report_equals_the_plain_report(store: SnapshotStore, tmp_path: Path) -> None:
    env = {"HF_LINEAGE_HOME": str(Path(store.root).parent)}
    end = write_jsonl(tmp_path / "end.jsonl", _models(True))
    runner = CliRunner()
    plain = runner.invoke(
        cli,
        ["report", "--snapshot", str(end), "--by", "root", "--metric", "downloads_all_time",
         "--top", "2", "--format", "json"],
        env=env,
    )  # fmt: skip
    period = runner.invoke(
        cli,
        ["report", "--from", START, "--to", END, "--by", "root", "--top", "2", "--format",
         "json"],
        env=env,
    )  # fmt: skip
    assert plain.exit_code == 0, plain.output
    assert period.exit_code == 0, period.output
    a, b = json.loads(plain.output), json.loads(period.output)
    assert a["rows"] == b["rows"]
    assert [r["key"] for r in b["rows"]] == ["alpha/base", "zeta/base"]
    assert a["meta"]["concentration"] == b["meta"]["concentration"]
    assert a["meta"]["rest"] == b["meta"]["rest"]
