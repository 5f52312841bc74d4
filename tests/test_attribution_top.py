"""``attribute(top=k)``: the first ``k`` rows of the full ranking, ties broken by key name."""

from __future__ import annotations

import pytest
from hubrows import hub_stats_row, write_hub_stats

from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.loaders.hubstats_schema import HUB_STATS_SCHEMA
from hflineage.queries import attribute, attribution
from hflineage.queries.choices import LEVELS, LINEAGE_LEVELS, METRICS

_DAY = "2024-03-01T00:00:00"

# Rows are written so that the file's order (the nodes' codes) is not the names' order, and
# many keys tie: equal downloads under different names, likes mostly zero, one upload each.
_ROWS = (
    hub_stats_row("zeta-lab/solo", _DAY, downloads=50, likes=2),
    hub_stats_row("meta-llama/Llama-3-8B", _DAY, downloads=50, likes=2),
    hub_stats_row("Qwen/Qwen2-7B", _DAY, downloads=50),
    hub_stats_row("mistralai/Mistral-7B-v0.1", _DAY, downloads=7),
    hub_stats_row("google/gemma-2b", _DAY, downloads=7),
    hub_stats_row("beta-user/ft-a", _DAY, ["meta-llama/Llama-3-8B"], downloads=7),
    hub_stats_row("alpha-user/ft-b", _DAY, ["Qwen/Qwen2-7B"], downloads=7),
    hub_stats_row(
        "merger/blend",
        _DAY,
        ["meta-llama/Llama-3-8B", "Qwen/Qwen2-7B"],
        relation="merge",
        downloads=14,
    ),
    hub_stats_row("quant/blend-GGUF", _DAY, ["merger/blend"], relation="quantized", downloads=2),
    hub_stats_row("c-user/zero", _DAY),
    hub_stats_row("b-user/zero", _DAY),
    hub_stats_row("a-user/zero", _DAY),
    hub_stats_row("d-user/stubchild", _DAY, ["nobody-here/missing-base"], downloads=3),
    hub_stats_row("Z-caps/upper", _DAY, downloads=3),
    hub_stats_row("e-user/three", _DAY, downloads=3),
)


@pytest.fixture(scope="module")
def tied(tmp_path_factory: pytest.TempPathFactory) -> LineageGraph:
    path = write_hub_stats(
        tmp_path_factory.mktemp("tied") / "tied.parquet", _ROWS, HUB_STATS_SCHEMA
    )
    table, report = load_snapshot(path)
    return build_lineage_graph(table, report)


@pytest.fixture(params=["python", "arrow"])
def sorter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Ranks are sorted in Python up to ``_FEW_KEYS`` keys, by Arrow beyond: both ways."""
    if request.param == "arrow":
        monkeypatch.setattr(attribution, "_FEW_KEYS", 0)
    return str(request.param)


@pytest.mark.parametrize("metric", sorted(METRICS))
@pytest.mark.parametrize(
    ("level", "view"),
    [(level, "lineage") for level in LEVELS]
    + [(level, "uploader") for level in LEVELS if level not in LINEAGE_LEVELS],
)
def test_top_rows_are_the_first_rows_of_the_full_ranking(
    tied: LineageGraph, level: str, metric: str, view: str, sorter: str
) -> None:
    full = attribute(tied, by=level, metric=metric, view=view)  # type: ignore[arg-type]
    rows = full.rows
    assert rows == sorted(rows, key=lambda r: (-r.value, r.key))
    assert len({r.key for r in rows}) == len(rows)
    for k in range(len(rows) + 2):
        cut = attribute(tied, by=level, metric=metric, view=view, top=k)  # type: ignore[arg-type]
        assert cut.rows == rows[:k]
        assert cut.meta["rows_total"] == full.meta["rows_total"]
        assert cut.meta["concentration"] == full.meta["concentration"]
        if k < len(rows):
            rest = cut.meta["rest"]
            assert rest["keys"] == len(rows) - k
            assert rest["value"] == pytest.approx(sum(r.value for r in rows[k:]))
            assert rest["share"] == pytest.approx(sum(r.share for r in rows[k:]))
        else:
            assert "rest" not in cut.meta


def test_ties_are_broken_by_name_not_by_file_order(tied: LineageGraph, sorter: str) -> None:
    rows = attribute(tied, by="root").rows
    keys = [r.key for r in rows]
    # Equal credit: names in code-point order (upper case first), whatever the file order.
    assert keys.index("a-user/zero") < keys.index("b-user/zero") < keys.index("c-user/zero")
    assert keys.index("Z-caps/upper") < keys.index("e-user/three")
    assert [r.key for r in attribute(tied, by="root", top=2).rows] == keys[:2]
    assert attribute(tied, by="root", metric="uploads", top=0).rows == []
