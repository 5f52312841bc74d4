"""Who builds on whom (uploader country x roots' country) and base vs derivative credit,
checked against a hand-worked Hub, an independent walk over the parents, and the two views
of ``attribute`` that the matrix's rows and columns must add up to."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from conftest import api_model, run_cli

from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.queries import Window, attribute
from hflineage.queries.crossing import base_and_derived, builds_on


def _oracle(graph: LineageGraph, policy: str, values: np.ndarray) -> dict[tuple[str, str], float]:
    """Each model's figure to (its own country, each root's country), walking the parents
    one model at a time: split shares a model among its parents equally at every step, full
    gives every root all of it."""

    @cache
    def roots(v: int) -> tuple[tuple[int, float], ...]:
        parents = graph.parents(v).tolist()
        if not parents:
            return ((v, 1.0),)
        out: dict[int, float] = defaultdict(float)
        for p in parents:
            for r, w in roots(p):
                out[r] += w / len(parents) if policy == "split" else 1.0
        if policy == "full":
            return tuple((r, 1.0) for r in out)
        return tuple(out.items())

    country = graph.country
    cells: dict[tuple[str, str], float] = defaultdict(float)
    for v in range(graph.n):
        if values[v]:
            for r, w in roots(v):
                cells[(str(country[v]), str(country[r]))] += values[v] * w
    return cells


def _cells(graph: LineageGraph, **kw: object) -> dict[tuple[str, str], float]:
    cross = builds_on(graph, top=10_000, **kw)  # type: ignore[arg-type]
    return {
        (row, col): v
        for row, values in zip(cross.rows, cross.values, strict=True)
        for col, v in zip(cross.columns, values, strict=True)
        if v
    }


HAND_BUILT = [
    api_model("Qwen/Qwen2.5-7B", relation=None, downloads=1000),
    api_model("meta-llama/Llama-3.1-8B", relation=None, downloads=900),
    api_model("mistralai/Mistral-7B-v0.1", relation=None, downloads=400),
    # a US company building on a Chinese root, and a Chinese one on a US root
    api_model("google/qwen-tuned", "Qwen/Qwen2.5-7B", downloads=300),
    api_model("Qwen/llama-tuned", "meta-llama/Llama-3.1-8B", downloads=70),
    # a French merge of a Chinese and a US root: split 50/50
    api_model(
        "mistralai/blend",
        "Qwen/Qwen2.5-7B",
        "meta-llama/Llama-3.1-8B",
        relation="merge",
        downloads=200,
    ),
    # a quantization of the merge by an unknown namespace, two steps from the roots
    api_model("nobody-knows/blend-GGUF", "mistralai/blend", relation="quantized", downloads=40),
]


def test_hand_worked_cells(make_graph: Callable[..., LineageGraph]) -> None:
    graph = make_graph(HAND_BUILT)
    cells = _cells(graph)
    assert cells == {
        ("China", "China"): 1000.0,
        ("United States", "United States"): 900.0,
        ("France", "France"): 400.0,
        ("United States", "China"): 300.0,
        ("China", "United States"): 70.0,
        ("France", "China"): 100.0,
        ("France", "United States"): 100.0,
        ("unknown", "China"): 20.0,
        ("unknown", "United States"): 20.0,
    }
    full = _cells(graph, policy="full")
    assert full[("France", "China")] == full[("France", "United States")] == 200.0
    assert full[("unknown", "China")] == 40.0
    uploads = _cells(graph, metric="uploads")
    assert uploads[("United States", "China")] == 1.0
    assert uploads[("France", "China")] == uploads[("France", "United States")] == 0.5


def test_top_folds_the_rest_into_other(make_graph: Callable[..., LineageGraph]) -> None:
    cross = builds_on(make_graph(HAND_BUILT), top=2)
    # uploaders: US 900 + 300, China 1000 + 70; roots: China 1420, US 1090
    assert cross.rows == ["United States", "China", "other"]
    assert cross.columns == ["China", "United States", "other"]
    # other uploaders: France 100 + 100 + 400 and unknown 20 + 20
    assert cross.values[2] == [120.0, 120.0, 400.0]
    assert sum(map(sum, cross.values)) == cross.meta["denominator"] == 2910.0
    assert abs(sum(map(sum, cross.shares)) - 100.0) < 1e-9


def test_base_and_derived_hand_worked(make_graph: Callable[..., LineageGraph]) -> None:
    rows, whole = base_and_derived(make_graph(HAND_BUILT))
    got = {r.country: (r.base, r.derived, r.base_models, r.derived_models) for r in rows}
    assert whole == 2910.0
    assert got["China"] == (1000.0, 300.0 + 100.0 + 20.0, 1, 3)
    assert got["United States"] == (900.0, 70.0 + 100.0 + 20.0, 1, 3)
    assert got["France"] == (400.0, 0.0, 1, 0)
    assert [r.country for r in rows][:3] == ["China", "United States", "France"]


@pytest.mark.parametrize("policy", ["split", "full"])
def test_matches_an_independent_walk(corpus_graph: LineageGraph, policy: str) -> None:
    values = corpus_graph.downloads.astype(np.float64)
    want = _oracle(corpus_graph, policy, values)
    got = _cells(corpus_graph, policy=policy)
    assert got.keys() == {k for k, v in want.items() if v}
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-9), key


@pytest.mark.parametrize("policy", ["split", "full", "first"])
@pytest.mark.parametrize("metric", ["downloads", "uploads"])
def test_rows_and_columns_add_up_to_the_two_views(
    corpus_graph: LineageGraph, policy: str, metric: str
) -> None:
    window = Window(since="2023-01")
    cross = builds_on(corpus_graph, metric=metric, policy=policy, window=window, top=10_000)  # type: ignore[arg-type]
    rows = {k: sum(v) for k, v in zip(cross.rows, cross.values, strict=True)}
    cols = {k: sum(r[j] for r in cross.values) for j, k in enumerate(cross.columns)}
    uploader = attribute(corpus_graph, by="country", view="uploader", metric=metric, window=window)  # type: ignore[arg-type]
    lineage = attribute(
        corpus_graph,
        by="country",
        metric=metric,
        policy=policy,
        window=window,  # type: ignore[arg-type]
    )
    if policy != "full":  # under full a merge counts once for each of its roots
        assert rows == pytest.approx({r.key: r.value for r in uploader.rows if r.value})
    assert cols == pytest.approx({r.key: r.value for r in lineage.rows if r.value})
    assert cross.meta["denominator"] == pytest.approx(lineage.meta["denominator"])


def test_base_and_derived_add_up_to_the_lineage_view(corpus_graph: LineageGraph) -> None:
    rows, whole = base_and_derived(corpus_graph)
    lineage = attribute(corpus_graph, by="country")
    assert {r.country: r.base + r.derived for r in rows} == pytest.approx(
        {r.key: r.value for r in lineage.rows}
    )
    assert whole == pytest.approx(lineage.meta["denominator"])
    roots = corpus_graph.is_root
    assert sum(r.base for r in rows) == pytest.approx(float(corpus_graph.downloads[roots].sum()))


def test_cli_prints_the_same_matrix(small_hub_path: Path) -> None:
    done = run_cli("builds-on", "--snapshot", str(small_hub_path), "--format", "json", "--top", "3")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    graph = build_lineage_graph(*load_snapshot(small_hub_path))
    assert printed == json.loads(json.dumps(builds_on(graph, top=3).as_dict()))
    table = run_cli("builds-on", "--snapshot", str(small_hub_path))
    assert table.returncode == 0 and "uploader" in table.stdout and "China" in table.stdout
    bad = run_cli("builds-on", "--snapshot", str(small_hub_path), "--metric", "stars")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--metric" in bad.stderr


def test_relation_mix_by_family_equals_each_familys_own(corpus_graph: LineageGraph) -> None:
    from hflineage.queries.lineage import family_members, relation_mix
    from hflineage.queries.relation_mix import relation_mix_by_family

    mixes = relation_mix_by_family(corpus_graph)
    assert sum(sum(m.values()) for m in mixes.values()) == corpus_graph.n_edges
    for family, mix in mixes.items():
        assert mix == relation_mix(corpus_graph, family_members(corpus_graph, family)), family
