"""Report choices: the library names its parameters, the CLI its flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import pytest
from click.testing import CliRunner
from conftest import api_model, write_jsonl

from hflineage.errors import QueryError
from hflineage.explorer.cli.main import cli
from hflineage.graph import LineageGraph
from hflineage.queries import Window, attribute, lineage_of, monthly_series
from hflineage.queries.choices import (
    LEVELS,
    METRICS,
    POLICIES,
    VIEWS,
    Level,
    Metric,
    View,
    as_level,
    as_metric,
    as_policy,
    as_view,
    check_choices,
)


@pytest.fixture
def graph(make_graph: Callable[..., LineageGraph]) -> LineageGraph:
    return make_graph([api_model("acme/base", downloads=10), api_model("bob/ft", "acme/base")])


def test_the_values_are_the_types() -> None:
    assert LEVELS == get_args(Level) == ("root", "family", "org", "developer", "country")
    assert get_args(View) == VIEWS and get_args(Metric) == tuple(METRICS)
    assert POLICIES == ("split", "full", "first")
    assert (as_level("org"), as_view("uploader"), as_metric("likes"), as_policy("full")) == (
        "org",
        "uploader",
        "likes",
        "full",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "planet"}, "by must be one of root, family, org, developer, country, got 'planet'"),
        ({"view": "sideways"}, "view must be one of lineage, uploader, got 'sideways'"),
        ({"policy": "most"}, "policy must be one of split, full, first, got 'most'"),
        ({"metric": "stars"}, "metric must be one of downloads, downloads_all_time, uploads"),
        ({"by": "root", "view": "uploader"}, "by='root' needs the lineage view"),
    ],
)
def test_library_errors_name_parameters_not_flags(
    graph: LineageGraph, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        attribute(graph, **kwargs)
    assert message in str(caught.value)
    assert "--" not in str(caught.value)


def test_other_queries_check_their_choices_the_same_way(graph: LineageGraph) -> None:
    with pytest.raises(QueryError, match=r"^policy must be one of split, full, first"):
        lineage_of(graph, "bob/ft", "most")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match=r"^by must be one of"):
        monthly_series(graph, by="planet")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match=r"^since must be a month written YYYY-MM"):
        Window("2025-13")
    with pytest.raises(QueryError, match=r"^since 2025-05 is after until 2025-01"):
        Window("2025-05", "2025-01")
    with pytest.raises(QueryError, match=r"^--since 2025-05 is after --until 2025-01"):
        Window.named("2025-05", "2025-01", ("--since", "--until"))
    with pytest.raises(QueryError, match="lineage view"):
        check_choices(view="uploader", policy="split", by="family")


def test_the_cli_says_its_flags(tmp_path: Any) -> None:
    snap = write_jsonl(tmp_path / "s.jsonl", [api_model("acme/base", downloads=10)])
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(
            cli, ["report", "--snapshot", str(snap), *args], env={"HF_LINEAGE_HOME": str(tmp_path)}
        )

    out = run("--by", "root", "--view", "uploader")
    assert out.exit_code == 2
    assert "--by root needs the lineage view" in out.output and "--view lineage" in out.output
    out = run("--since", "2025-99")
    assert out.exit_code == 1 and "--since must be a month written YYYY-MM" in str(out.exception)
    out = run("--since", "2025-05", "--until", "2025-01")
    assert "--since 2025-05 is after --until 2025-01" in str(out.exception)
    out = run("--from", "2026-1-1")
    assert "--from must be a date written YYYY-MM-DD" in str(out.exception)
    out = run("--by", "org", "--view", "uploader", "--format", "csv")
    assert out.exit_code == 0 and out.output.splitlines()[1].startswith("acme,")
