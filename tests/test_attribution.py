from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import CORPORA, api_model

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.queries import Window, attribute, gini, hhi, monthly_series

MakeGraph = Callable[..., LineageGraph]


@pytest.fixture
def diamond(make_graph: MakeGraph) -> LineageGraph:
    """Two roots, a merge of both, a finetune of the merge; downloads are distinct powers of 10."""
    return make_graph(
        [
            api_model("qwen/base", downloads=1, likes=1, createdAt="2024-01-05T00:00:00Z"),
            api_model("meta-llama/base", downloads=10, createdAt="2024-02-05T00:00:00Z"),
            api_model("u1/ft", "qwen/base", downloads=100, createdAt="2024-03-05T00:00:00Z"),
            api_model(
                "u2/merge",
                "u1/ft",
                "meta-llama/base",
                relation="merge",
                downloads=1000,
                createdAt="2024-04-05T00:00:00Z",
            ),
            api_model("u3/ft", "u2/merge", downloads=10000, createdAt="2024-05-05T00:00:00Z"),
        ]
    )


def _values(a: object) -> dict[str, float]:
    return {r.key: r.value for r in a.rows}  # type: ignore[attr-defined]


def test_split_policy_credits_every_model_exactly_once(diamond: LineageGraph) -> None:
    a = attribute(diamond, by="root", policy="split")
    v = _values(a)
    assert v["qwen/base"] == pytest.approx(1 + 100 + 500 + 5000)
    assert v["meta-llama/base"] == pytest.approx(10 + 500 + 5000)
    assert sum(v.values()) == pytest.approx(a.meta["denominator"])
    assert a.meta["shares_sum_to"] == pytest.approx(100.0)
    assert {r.key: r.models for r in a.rows} == {"qwen/base": 4, "meta-llama/base": 3}


def test_full_and_first_policies(diamond: LineageGraph) -> None:
    full = _values(attribute(diamond, by="root", policy="full"))
    assert full == {"qwen/base": 11101, "meta-llama/base": 11010}
    first = _values(attribute(diamond, by="root", policy="first"))
    assert first == {"qwen/base": 11101, "meta-llama/base": 10}


def test_uploader_view_credits_the_uploader(diamond: LineageGraph) -> None:
    v = _values(attribute(diamond, by="org", view="uploader"))
    assert v == {"u3": 10000, "u2": 1000, "u1": 100, "meta-llama": 10, "qwen": 1}
    with pytest.raises(QueryError, match="lineage view"):
        attribute(diamond, by="family", view="uploader")


def test_metrics_and_windows(diamond: LineageGraph) -> None:
    up = attribute(diamond, by="root", metric="uploads", window=Window("2024-03", "2024-04"))
    v = _values(up)
    assert v == {"qwen/base": pytest.approx(1.5), "meta-llama/base": pytest.approx(0.5)}
    assert up.meta["models_counted"] == 2
    likes = _values(attribute(diamond, by="root", metric="likes"))
    assert likes == {"qwen/base": 1, "meta-llama/base": 0}
    with pytest.raises(QueryError, match="YYYY-MM"):
        Window("2024-13")
    with pytest.raises(QueryError, match="after"):
        Window("2024-05", "2024-01")


def test_window_excludes_placeholder_and_reports_it(make_graph: MakeGraph) -> None:
    g = make_graph(
        [
            api_model("a/old", downloads=5, createdAt="2022-03-02T23:29:04.000Z"),
            api_model("a/new", downloads=7, createdAt="2022-03-20T00:00:00.000Z"),
        ]
    )
    a = attribute(g, by="root", window=Window("2022-01", "2022-12"))
    assert _values(a) == {"a/new": 7}
    assert a.meta["excluded"] == {"placeholder_created_at": 1, "missing_created_at": 0}


def test_stub_roots_get_credit_but_no_uploads(make_graph: MakeGraph) -> None:
    g = make_graph([api_model("x/ft", "ghost/base", downloads=3)])
    assert _values(attribute(g, by="root")) == {"ghost/base": 3}
    up = attribute(g, by="root", metric="uploads")
    assert _values(up) == {"ghost/base": 1} and up.meta["denominator"] == 1


def test_monthly_series(diamond: LineageGraph) -> None:
    s = monthly_series(diamond, by="root", metric="uploads")
    assert s.months == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    got = dict(zip(s.keys, s.values, strict=True))
    assert got["qwen/base"] == pytest.approx([1, 0, 1, 0.5, 0.5])
    assert got["meta-llama/base"] == pytest.approx([0, 1, 0, 0.5, 0.5])
    assert s.totals == pytest.approx([1, 1, 1, 1, 1])


def test_concentration() -> None:
    assert hhi([100]) == 10000
    assert hhi([25, 25, 25, 25]) == pytest.approx(2500)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([]) == 0.0


def test_concentration_matches_the_definitions() -> None:
    """HHI as the sum of squared percent shares; Gini as the mean absolute difference over
    twice the mean, pair by pair: with many zeros (as most roots have), negatives, ties."""
    rng = np.random.default_rng(11)
    cases = [
        np.where(rng.random(400) < 0.6, 0.0, rng.pareto(1.2, 400)),
        rng.integers(0, 3, 300).astype(float),
        np.concatenate([rng.normal(5, 3, 200), np.zeros(50)]),  # some negatives
        np.array([0.0, 0.0, 7.0]),
        np.array([4.0]),
    ]
    for v in cases:
        shares = 100 * v / v.sum()
        assert hhi(v) == pytest.approx(float((shares**2).sum()), rel=1e-12)
        mean_difference = np.abs(v[:, None] - v[None, :]).sum() / len(v) ** 2
        assert gini(v) == pytest.approx(mean_difference / (2 * v.mean()), rel=1e-9, abs=1e-12)


def _independent_parents(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each row's parents (lower-cased) by the documented trust order, from scratch."""
    parents: dict[str, list[str]] = {}
    for r in rows:
        ps: list[str] = []
        bm = r["baseModels"]
        if bm and bm.get("models"):
            ps = [m["id"] for m in bm["models"]]
        else:
            rel_tags = [
                t.split(":", 2)[2]
                for t in r["tags"] or []
                if t.count(":") == 2 and t.startswith("base_model:")
            ]
            plain = [
                t.split(":", 1)[1]
                for t in r["tags"] or []
                if t.count(":") == 1 and t.startswith("base_model:")
            ]
            ps = rel_tags + [p for p in plain if p.lower() not in {x.lower() for x in rel_tags}]
            if not ps and r["cardData"]:
                card = json.loads(r["cardData"])
                b = card.get("base_model")
                ps = [b] if isinstance(b, str) else [x for x in b or [] if isinstance(x, str)]
        seen: list[str] = []
        for p in ps:
            key = p.strip().rstrip("/").lower()
            if key != r["id"].lower() and key not in seen:
                seen.append(key)
        parents[r["id"].lower()] = seen
    return parents


def _independent_org_shares(path: Path) -> dict[str, float]:
    """The README's attribution rules written again from scratch, row by row, for cross-checking
    (on data without cycles: breaking them is left to the graph's own tests)."""
    rows = pq.read_table(
        path, columns=["id", "author", "downloads", "tags", "cardData", "baseModels"]
    ).to_pylist()
    by_lower = {r["id"].lower(): r for r in rows}
    parents = _independent_parents(rows)

    @cache
    def credit(m: str) -> tuple[tuple[str, float], ...]:
        ps = parents.get(m, [])
        if not ps:
            return ((m, 1.0),)
        acc: dict[str, float] = defaultdict(float)
        for p in ps:
            for root, w in credit(p):
                acc[root] += w / len(ps)
        return tuple(acc.items())

    total = sum(r["downloads"] for r in rows)
    out: dict[str, float] = defaultdict(float)
    for r in rows:
        for root, w in credit(r["id"].lower()):
            row = by_lower.get(root)
            org = row["author"] if row else root.split("/")[0]
            out[org.lower()] += 100.0 * r["downloads"] * w / total
    return dict(out)


@pytest.fixture(scope="module")
def acyclic_path(synthetic_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated Hub without the models on its lineage cycles (found with networkx)."""
    table = pq.read_table(synthetic_path)
    parents = _independent_parents(
        table.select(["id", "tags", "cardData", "baseModels"]).to_pylist()
    )
    edges = nx.DiGraph((child, p) for child, ps in parents.items() for p in ps)
    on_cycles = {
        v for part in nx.strongly_connected_components(edges) if len(part) > 1 for v in part
    }
    assert on_cycles  # the generator writes a few cycles; without them this checks nothing new
    keep = pa.array([m.lower() not in on_cycles for m in table.column("id").to_pylist()])
    path = tmp_path_factory.mktemp("acyclic") / "acyclic.parquet"
    pq.write_table(table.filter(keep), path)
    return path


@pytest.fixture(scope="module", params=CORPORA)
def acyclic_corpus_path(request: pytest.FixtureRequest) -> Path:
    """The real sample (when present; it has no cycles) and the acyclic generated Hub."""
    path: Path = request.getfixturevalue(
        "sample_path" if request.param == "sample" else "acyclic_path"
    )
    return path


def test_org_shares_match_an_independent_computation(acyclic_corpus_path: Path) -> None:
    expected = _independent_org_shares(acyclic_corpus_path)
    graph = build_lineage_graph(*load_snapshot(acyclic_corpus_path))
    got: dict[str, float] = defaultdict(float)
    for r in attribute(graph, by="org").rows:
        got[r.key.lower()] += r.share
    keys = {k for k, v in expected.items() if v > 1e-9} | {k for k, v in got.items() if v > 1e-9}
    for k in keys:
        assert got.get(k, 0.0) == pytest.approx(expected.get(k, 0.0), abs=1e-9), k
    assert sum(got.values()) == pytest.approx(100.0)


@pytest.mark.parametrize("policy", ["split", "first"])
@pytest.mark.parametrize("level", ["root", "family", "org", "developer", "country"])
def test_credit_conserves_the_denominator(
    corpus_graph: LineageGraph, policy: str, level: str
) -> None:
    for metric in ("downloads", "uploads"):
        a = attribute(corpus_graph, by=level, metric=metric, policy=policy)
        assert sum(r.value for r in a.rows) == pytest.approx(a.meta["denominator"], rel=1e-9)


def test_full_policy_gives_at_least_split(corpus_graph: LineageGraph) -> None:
    split = _values(attribute(corpus_graph, by="root", policy="split"))
    full = _values(attribute(corpus_graph, by="root", policy="full"))
    assert all(full[k] >= v - 1e-6 for k, v in split.items())
    assert sum(full.values()) > sum(split.values())
    assert np.isclose(sum(split.values()), attribute(corpus_graph, by="root").meta["denominator"])
