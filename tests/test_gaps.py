"""Gaps in the input are said out loud: errors or warnings, never a silent empty answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import api_model, graph_of, write_jsonl

from hflineage.errors import QueryError
from hflineage.explorer.cli.main import cli
from hflineage.queries import Window, attribute


def _undated(model_id: str, *parents: str, **kw: object) -> dict[str, object]:
    obj = api_model(model_id, *parents, **kw)
    del obj["createdAt"]
    return obj


def test_a_window_over_rows_without_creation_dates_is_an_error() -> None:
    g = graph_of([_undated("a/x", downloads=3), _undated("b/y", downloads=4)])
    with pytest.raises(QueryError, match="none of the 2 models has a usable one"):
        attribute(g, by="org", window=Window("2024-01", None))


def test_a_window_that_selects_nothing_says_where_the_dates_are() -> None:
    g = graph_of([api_model("a/x", createdAt="2024-05-01T00:00:00Z")])
    with pytest.raises(QueryError, match="createdAt runs from 2024-05-01"):
        attribute(g, by="org", window=Window("2030-01", None))


def test_undated_rows_left_out_of_a_window_are_a_warning() -> None:
    g = graph_of([api_model("a/x", downloads=3), _undated("b/y", downloads=4)])
    a = attribute(g, by="org", window=Window("2024-01", None))
    assert [r.key for r in a.rows] == ["a"]
    assert a.meta["warnings"] == ["1 of 2 models have no createdAt and are left out of the window"]


def test_a_metric_absent_from_every_row_is_an_error_and_partly_absent_a_warning() -> None:
    bare = [{"id": "a/x", "createdAt": "2025-01-01T00:00:00Z"}, {"id": "b/y"}]
    with pytest.raises(QueryError, match="'downloads_all_time' is absent from every input row"):
        attribute(graph_of(bare), by="org", metric="downloads_all_time")
    partly = graph_of([api_model("a/x", downloadsAllTime=2), {"id": "b/y", "downloads": 1}])
    a = attribute(partly, by="org", metric="downloads_all_time")
    assert a.meta["warnings"] == ["downloadsAllTime missing in 1 of 2 input rows (read as 0)"]
    assert attribute(graph_of(bare), by="org", metric="uploads").rows  # always there


def test_a_level_with_no_data_warns() -> None:
    g = graph_of([api_model("nobody-curated/x", downloads=1)])
    assert attribute(g, by="family").meta["warnings"] == [
        "every key is 'other': no credited model matches the curated family rules"
    ]
    assert attribute(g, by="country").meta["warnings"] == [
        "every key is 'unknown': no credited model matches the curated country table"
    ]
    assert attribute(g, by="org").meta["warnings"] == []


def test_cli_window_error_is_one_line_and_warnings_reach_the_table(tmp_path: Path) -> None:
    snap = write_jsonl(tmp_path / "s.jsonl", [_undated("a/x", downloads=3)])
    out = CliRunner().invoke(cli, ["report", "--snapshot", str(snap), "--since", "2024-01"])
    assert out.exit_code != 0
    assert isinstance(out.exception, QueryError)
    mixed = write_jsonl(tmp_path / "m.jsonl", [api_model("a/x"), _undated("b/y")])
    ok = CliRunner().invoke(cli, ["report", "--snapshot", str(mixed), "--since", "2024-01"])
    assert ok.exit_code == 0, ok.output
    assert "1 of 2 models have no createdAt" in " ".join(ok.output.split())


def test_a_dropped_duplicate_says_what_it_declared(tmp_path: Path) -> None:
    snap = write_jsonl(
        tmp_path / "s.jsonl",
        [
            api_model("u/m", "org/kept-parent", downloads=7),
            api_model("U/M", "org/dropped-parent", downloads=9),
        ],
    )
    out = CliRunner().invoke(cli, ["validate", "--snapshot", str(snap), "--format", "json"])
    v = json.loads(out.output)
    (example,) = v["examples"]["duplicate id (the first row is kept)"]
    assert "dropped row 1 (org/dropped-parent; 9 downloads)" in example
    assert "kept row 0 (org/kept-parent; 7 downloads)" in example


def test_unknown_relation_strings_are_counted() -> None:
    g = graph_of(
        [
            api_model("u/a", "org/p", relation="distilled"),
            api_model("u/b", "org/p", relation="distilled"),
            api_model("u/c", "org/p", relation="finetune"),
        ]
    )
    v = g.validation.as_dict()
    assert v["unknown_relation_strings"] == 2
    assert v["unknown_relation_examples"] == {"distilled": 2}
    assert v["edges_by_relation"]["unknown"] == 2  # type: ignore[index]


def test_the_span_of_dates_leaves_the_placeholder_out() -> None:
    g = graph_of(
        [
            api_model("a/x", createdAt="2022-03-02T23:29:04.000Z"),
            api_model("b/y", createdAt="2024-05-01T00:00:00Z"),
        ]
    )
    with pytest.raises(QueryError, match="runs from 2024-05-01T00:00:00 to 2024-05-01T00:00:00"):
        attribute(g, by="org", window=Window("2030-01", None))
