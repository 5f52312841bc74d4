"""The columnar fast path against a plain networkx path, on the real sample (or a generated
Hub without it) and a 50k synthetic Hub.

The plain path shares nothing with the fast one but :func:`normalise_id` (the syntactic id rule)
and the curated taxonomy: it parses rows in Python, picks parents by the documented trust order,
matches ids case-insensitively with a dict, breaks cycles with networkx by the documented rule,
and credits roots in networkx topological order.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hflineage.graph import LineageGraph, build_lineage_graph, default_taxonomy
from hflineage.loaders import LoadReport, ModelTable, load_snapshot, load_snapshots
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.table import IdKeys, id_fingerprint, id_fingerprints
from hflineage.queries import (
    Window,
    ancestors_of,
    attribute,
    descendants_of,
    lineage_of,
    monthly_series,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("hub", "tag", "card")
FAR_FUTURE = datetime(9999, 12, 31)


# -- the plain path ---------------------------------------------------------------------------
@dataclass
class Plain:
    """The lineage graph as networkx sees it: nodes are lower-case ids, edges derived -> base."""

    g: nx.DiGraph = field(default_factory=nx.DiGraph)
    spelling: dict[str, str] = field(default_factory=dict)
    author: dict[str, str | None] = field(default_factory=dict)
    downloads: dict[str, int] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)  # declared order
    stubs: set[str] = field(default_factory=set)


def _ids(raw: object) -> Iterator[str]:
    """Valid parent ids, normalised; invalid ones are skipped."""
    for value in raw if isinstance(raw, list) else [raw]:
        try:
            yield normalise_id(value)
        except InvalidId:
            continue


def _declared(row: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The most trusted source that names valid parents, and those parents in order."""
    base = row.get("baseModels") or {}
    hub = list(_ids([m.get("id") for m in base.get("models") or []]))
    with_rel: list[str] = []
    plain: list[str] = []
    for tag in row.get("tags") or []:
        if tag.startswith("base_model:"):
            rest = tag[len("base_model:") :]
            (with_rel if ":" in rest else plain).append(rest.partition(":")[2] or rest)
    tag_ids = list(_ids(with_rel)) + list(_ids(plain))
    card: list[str] = []
    text = row.get("cardData")
    if text and "base_model" in text:
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        if isinstance(data, dict) and isinstance(data.get("base_model"), str | list):
            card = list(_ids(data["base_model"]))
    for source, found in zip(SOURCES, (hub, tag_ids, card), strict=True):
        if found:
            unique = list(dict.fromkeys(p.lower() for p in found))
            spelled = {p.lower(): p for p in reversed(found)}
            return source, [spelled[k] for k in unique]
    return None


def plain_graph(path: Path) -> Plain:
    """Parse a hub-stats parquet row by row and build the networkx graph by the rules."""
    rows = pq.read_table(
        path, columns=["id", "author", "createdAt", "downloads", "tags", "cardData", "baseModels"]
    ).to_pylist()
    out = Plain()
    created: dict[str, datetime] = {}
    decls: list[tuple[str, str, list[str]]] = []
    for row in rows:
        try:
            mid = normalise_id(row["id"])
        except InvalidId:
            continue
        key = mid.lower()
        if key in out.spelling:  # a repeated id keeps its first row
            continue
        out.spelling[key] = mid
        author = row.get("author")
        out.author[key] = (
            author if author is not None else (mid.split("/")[0] if "/" in mid else None)
        )
        out.downloads[key] = max(int(row.get("downloads") or 0), 0)
        created[key] = row.get("createdAt") or FAR_FUTURE
        found = _declared(row)
        if found:
            decls.append((key, found[0], found[1]))
    out.g.add_nodes_from(out.spelling)
    for key, source, parents in decls:
        kept = []
        for p in parents:
            pk = p.lower()
            if pk == key:
                continue  # self-loop
            if pk not in out.spelling:
                out.spelling[pk] = p
                out.stubs.add(pk)
                out.author[pk] = p.split("/")[0] if "/" in p else None
                out.downloads[pk] = 0
            kept.append(pk)
            out.g.add_edge(key, pk, source=SOURCES.index(source))
        out.parents[key] = kept
    # Break cycles: in each strongly connected component drop the least trusted edge, then
    # the one with the newest parent, then the largest (child, parent).
    while True:
        comps = [c for c in nx.strongly_connected_components(out.g) if len(c) > 1]
        if not comps:
            break
        for comp in sorted(comps, key=min):
            edges = out.g.subgraph(comp).edges(data="source")
            c, p, _ = max(edges, key=lambda e: (e[2], created.get(e[1], FAR_FUTURE), e[0], e[1]))
            out.g.remove_edge(c, p)
            out.parents[c].remove(p)
    return out


def plain_credit(plain: Plain, policy: str) -> dict[str, dict[str, float]]:
    """Roots (and weights) every model credits, in networkx topological order."""
    credit: dict[str, dict[str, float]] = {}
    for v in reversed(list(nx.topological_sort(plain.g))):  # bases before derivatives
        parents = plain.parents.get(v) or []
        if not parents:
            credit[v] = {v: 1.0}
        elif policy == "first":
            credit[v] = credit[parents[0]]
        else:
            acc: dict[str, float] = defaultdict(float)
            for p in parents:
                for r, w in credit[p].items():
                    acc[r] = acc[r] + w / len(parents) if policy == "split" else 1.0
            credit[v] = dict(acc)
    return credit


def plain_attribution(
    plain: Plain, by: str, policy: str, metric: str
) -> dict[str, tuple[float, int]]:
    """key -> (credit, models) over every model (stubs are not models)."""
    tax = default_taxonomy()

    def key_of(root: str) -> str:
        author = plain.author[root]
        org = author if author is not None else plain.spelling[root]
        if by == "root":
            return plain.spelling[root]
        if by == "org":
            return org
        if by == "country":
            return tax.country_of(org)
        return tax.family_of(plain.spelling[root])

    value: dict[str, float] = defaultdict(float)
    models: dict[str, int] = defaultdict(int)
    for v, roots in plain_credit(plain, policy).items():
        if v in plain.stubs:
            continue
        m = plain.downloads[v] if metric == "downloads" else 1
        keys: set[str] = set()
        for r, w in roots.items():
            k = key_of(r)
            value[k] += m * w
            keys.add(k)
        for k in keys:
            models[k] += 1
    return {k: (value[k], models[k]) for k in models}


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synth_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 50,000-model synthetic Hub written by bench/synth_hub.py."""
    out = tmp_path_factory.mktemp("synth") / "synth-50k.parquet"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "synth_hub.py"), "-n", "50000", "--out", str(out),
         "--seed", "7"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module", params=["sample-or-synth-6k", "synth-50k"])
def both(request: pytest.FixtureRequest, synth_path: Path) -> tuple[Path, LineageGraph, Plain]:
    """(path, fast graph, plain networkx graph) for the real sample (the generated 6,000-model
    Hub without it) and the 50,000-model synthetic Hub."""
    if request.param == "sample-or-synth-6k":
        path: Path = request.getfixturevalue("hub_stats_path")
    else:
        path = synth_path
    graph = build_lineage_graph(*load_snapshots([path]))
    return path, graph, plain_graph(path)


# -- fast path == plain path -------------------------------------------------------------------
def test_same_graph(both: tuple[Path, LineageGraph, Plain]) -> None:
    _, graph, plain = both
    ids = graph.ids_of(range(graph.n))
    assert sorted(m.lower() for m in ids) == sorted(plain.spelling)
    assert {ids[i] for i in np.flatnonzero(graph.stub)} == {plain.spelling[s] for s in plain.stubs}
    edges = {
        (ids[c].lower(), ids[p].lower())
        for c, p in zip(graph.edge_child.tolist(), graph.edge_parent.tolist(), strict=True)
    }
    assert edges == set(plain.g.edges)


def test_depth_is_the_longest_path_from_a_root(both: tuple[Path, LineageGraph, Plain]) -> None:
    path, graph, plain = both
    if path.name.startswith("synth"):  # depths below broken cycles are checked too
        assert graph.validation.cycles_broken
    depth: dict[str, int] = {}
    for v in reversed(list(nx.topological_sort(plain.g))):  # edges run child -> parent
        depth[v] = max((depth[p] + 1 for p in plain.g.successors(v)), default=0)
    ids = [m.lower() for m in graph.ids_of(range(graph.n))]
    assert graph.depth.tolist() == [depth.get(m, 0) for m in ids]


@pytest.mark.parametrize("policy", ["split", "full", "first"])
@pytest.mark.parametrize("by", ["root", "family", "org", "country"])
def test_attribution_matches_networkx(
    both: tuple[Path, LineageGraph, Plain], by: str, policy: str
) -> None:
    _, graph, plain = both
    for metric in ("downloads", "uploads"):
        fast = attribute(graph, by=by, policy=policy, metric=metric)
        got = {r.key: (r.value, r.models) for r in fast.rows}
        want = plain_attribution(plain, by, policy, metric)
        assert got.keys() == want.keys()
        for k, (value, models) in want.items():
            assert got[k][1] == models, (k, metric)
            assert got[k][0] == pytest.approx(value, rel=1e-9, abs=1e-6), (k, metric)


def test_descendants_and_ancestors_match_networkx(both: tuple[Path, LineageGraph, Plain]) -> None:
    _, graph, plain = both
    rng = random.Random(3)
    # Edges go derived -> base: networkx descendants are our ancestors, and the reverse.
    busy = sorted(plain.g.nodes, key=lambda v: -plain.g.in_degree(v))[:5]
    sample = busy + rng.sample(sorted(plain.g.nodes), 200)
    for v in sample:
        mid = plain.spelling[v]
        assert {m.lower() for m in descendants_of(graph, mid)} == nx.ancestors(plain.g, v)
        assert {m.lower() for m in ancestors_of(graph, mid.upper())} == nx.descendants(plain.g, v)
    deepest = graph.id_of(int(np.argmax(graph.depth)))
    summary = lineage_of(graph, deepest)
    assert summary.depth == nx.dag_longest_path_length(
        plain.g.subgraph(nx.descendants(plain.g, deepest.lower()) | {deepest.lower()})
    )
    assert summary.descendants == len(nx.ancestors(plain.g, deepest.lower()))


def test_to_networkx_view_matches(both: tuple[Path, LineageGraph, Plain]) -> None:
    _, graph, plain = both
    v = graph.node(max(plain.g.nodes, key=plain.g.in_degree))
    part = np.concatenate([[v], graph.children(v), graph.parents(v)])
    view = graph.to_networkx(part.tolist())
    nodes = {m.lower() for m in view}
    assert len(nodes) == len(set(part.tolist()))
    assert {(c.lower(), p.lower()) for c, p in view.edges} == set(plain.g.subgraph(nodes).edges)
    for m, data in view.nodes(data=True):
        assert data["downloads"] == plain.downloads[m.lower()]
        assert data["stub"] == (m.lower() in plain.stubs)


def test_monthly_series_agrees_with_windowed_attribution(
    both: tuple[Path, LineageGraph, Plain],
) -> None:
    _, graph, _ = both
    series = monthly_series(graph, by="country", metric="downloads", policy="split", top=50)
    for m in series.months[-3:]:
        shown = attribute(graph, by="country", window=Window(m, m), policy="split")
        got = {
            k: v[series.months.index(m)] for k, v in zip(series.keys, series.values, strict=True)
        }
        for row in shown.rows:
            assert got.get(row.key, 0.0) == pytest.approx(row.value, rel=1e-9, abs=1e-6)


# -- the id fingerprints behind the fast path --------------------------------------------------
def test_fingerprints_are_one_function_in_numpy_and_python() -> None:
    ids = ["a", "qwen/qwen2.5-7b", "x" * 96 + "/" + "y" * 96, "gpt2", "ab/cdefghij"]
    arr = pa.array(ids)
    assert id_fingerprints(arr).tolist() == [id_fingerprint(s) for s in ids]
    assert id_fingerprints(arr.slice(1, 3)).tolist() == [id_fingerprint(s) for s in ids[1:4]]
    assert len(set(id_fingerprints(arr).tolist())) == len(ids)


def test_fingerprints_agree_for_every_length_and_order() -> None:
    """Rows of every word count (0 to 25 words, a full or a partial last word), mixed and in
    slices: the columnar function works longest rows first, then puts them back in order."""
    rng = random.Random(7)
    lengths = [0, 1, 7, 8, 9, 15, 16, 17, 24, 63, 64, 65, 193, 200]
    ids: list[str | None] = [
        "".join(rng.choice("abXY/-_.09") for _ in range(rng.choice(lengths))) for _ in range(500)
    ]
    ids[3] = None
    arr = pa.array(ids, pa.string())
    for part in (arr, arr.slice(1), arr.slice(37, 200), arr.slice(499)):
        want = [0 if s is None else id_fingerprint(s) for s in part.to_pylist()]
        assert id_fingerprints(part).tolist() == want


def test_parent_matching_is_exact_even_when_fingerprints_collide() -> None:
    ids = pa.array(["a/one", "b/two", "C/Three", "a/one-x"])
    parents = pa.array(["c/three", "A/ONE", "z/none", "b/TWO"])
    colliding = np.zeros(4, dtype=np.uint64)  # every id has the same fingerprint
    keys = IdKeys.encode(ids, parents, colliding, np.zeros(4, dtype=np.uint64))
    assert keys.parent_row.tolist() == [2, 0, -1, 1]
    assert keys.distinct
    dup = IdKeys.encode(
        pa.array(["a/x", "A/X", "b/y"]),
        pa.array(["a/X"]),
        np.zeros(3, np.uint64),
        np.zeros(1, np.uint64),
    )
    assert not dup.distinct
    assert dup.first_row is not None and dup.first_row.tolist() == [0, 0, 2]
    assert dup.parent_row.tolist() == [0]


def test_a_graph_is_right_even_when_every_fingerprint_collides() -> None:
    from hflineage.loaders import Declaration, ModelRecord

    def rec(mid: str, *parents: str) -> ModelRecord:
        return ModelRecord(mid, parents=tuple(Declaration(p, "finetune", "hub") for p in parents))

    records = [rec("a/one"), rec("b/two", "A/ONE"), rec("c/three", "z/none", "b/two")]
    table = ModelTable.from_records(records)
    # Every id and parent shares one fingerprint: a match on fingerprints alone would
    # name row 0 for all three parents; the strings set them right.
    table.set_fingerprints(np.zeros(3, np.uint64), np.zeros(3, np.uint64))
    graph = build_lineage_graph(table)
    edges = {
        (graph.id_of(int(c)), graph.id_of(int(p)))
        for c, p in zip(graph.edge_child, graph.edge_parent, strict=True)
    }
    assert edges == {("b/two", "a/one"), ("c/three", "z/none"), ("c/three", "b/two")}
    assert graph.validation.stubs == 1 and graph.validation.self_loops == 0
    assert table.id_keys().parent_row.tolist() == [0, -1, 1]


def test_stub_rows_follow_the_loaded_rows_in_every_graph_of_a_table(hub_stats_path: Path) -> None:
    """Graphs of one table with different stubs each get their own stub rows (zero counts,
    no date) after the loaded rows, which stay the table's values."""
    table, report = load_snapshot(hub_stats_path)
    n = len(table)
    loaded = {name: getattr(table, name).copy() for name in ("downloads", "likes", "created_at")}
    graphs = [
        build_lineage_graph(table, report, sources=sources)
        for sources in (("hub", "tag", "card"), ("card",), ("hub", "tag", "card"))
    ]
    assert graphs[0].validation.stubs != graphs[1].validation.stubs
    for g in graphs:
        assert g.n - n == g.validation.stubs > 0
        for name in ("downloads", "downloads_all_time", "likes", "created_at"):
            column = getattr(g, name)
            assert len(column) == g.n
            assert np.array_equal(column[:n].view(np.int64), getattr(table, name).view(np.int64))
        assert not g.downloads[n:].any() and not g.likes[n:].any()
        assert np.isnat(g.created_at[n:]).all()
    for name, values in loaded.items():  # building wrote nothing into the table
        assert np.array_equal(getattr(table, name).view(np.int64), values.view(np.int64))
    plain = ModelTable.from_records(table.records())
    assert np.array_equal(build_lineage_graph(plain, report).downloads, graphs[0].downloads)


def test_repeated_ids_in_a_parquet_keep_their_first_row(tmp_path: Path) -> None:
    path = tmp_path / "dup.parquet"
    pq.write_table(
        pa.table(
            {
                "id": ["Org/Base", "x/ft", "org/BASE", "y/ft"],
                "author": ["Org", "x", "org", "y"],
                "downloads": [1, 2, 3, 4],
                "tags": [[], ["base_model:org/base"], [], ["base_model:finetune:ORG/base"]],
            }
        ),
        path,
    )
    table, report = load_snapshots([path])
    assert report.rejected["duplicate id (the first row is kept)"] == 1
    graph = build_lineage_graph(table, report)
    assert graph.n == 3 and not graph.stub.any()
    assert sorted(descendants_of(graph, "ORG/base")) == ["x/ft", "y/ft"]
    assert graph.id_of(graph.node("org/base")) == "Org/Base"


def test_graph_lookups_without_a_list_of_every_id(hub_stats_path: Path) -> None:
    graph = build_lineage_graph(*load_snapshot(hub_stats_path))
    v = int(np.argmax(graph.depth))
    mid = graph.id_of(v)
    assert graph.node(mid.swapcase()) == v
    assert graph.node(f"https://huggingface.co/{mid}/") == v
    assert graph.ids_of([v, 0]) == [mid, graph.id_of(0)]
    assert descendants_of(graph, graph.id_of(int(graph.edge_parent[0])))
    assert graph.indexes.id_list is None  # nothing above needed the list of every id
    assert graph.ids[v] == mid


def test_many_batches_on_threads_give_the_same_table(
    hub_stats_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hflineage.loaders import hubstats

    table, report = load_snapshot(hub_stats_path)
    out = tmp_path / "many.parquet"
    pq.write_table(pq.read_table(hub_stats_path), out, row_group_size=97)
    # Small tasks and batches: dozens of them, read on the thread pool.
    plan = hubstats.ReadPlan(task_rows=500, batch_rows=128)
    table2, report2 = hubstats.load_hub_stats(out, plan=plan)
    assert report2.as_dict() | {"sources": []} == report.as_dict() | {"sources": []}
    assert table2.model_id.to_pylist() == table.model_id.to_pylist()
    assert table2.author.to_pylist() == table.author.to_pylist()
    assert table2.pipeline_tag.to_pylist() == table.pipeline_tag.to_pylist()
    assert _declarations(table2) == _declarations(table)
    assert np.array_equal(table2.downloads, table.downloads)
    assert np.array_equal(table2.fingerprints()[0], table.fingerprints()[0])
    g1, g2 = build_lineage_graph(table, report), build_lineage_graph(table2, report2)
    for by in ("org", "country", "family"):
        assert attribute(g1, by=by).as_dict() == attribute(g2, by=by).as_dict()


def _declarations(t: ModelTable) -> list[tuple[int, int, str, str | None]]:
    # Batches list their sources one after the other: compare per (child, source).
    order = np.lexsort((t.decl_source, t.decl_child))
    idx = pa.array(order)
    return list(
        zip(
            t.decl_child[order].tolist(),
            t.decl_source[order].tolist(),
            t.decl_parent.take(idx).to_pylist(),
            t.decl_relation.take(idx).to_pylist(),
            strict=True,
        )
    )


def test_tags_read_whole_streamed_or_refused_as_a_dictionary_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole row groups (tags dictionary-encoded), record batches, and the fallback when
    a row group's tags cannot be read as a dictionary give the same table and report."""
    from hflineage.loaders import hubstats

    rng = random.Random(7)
    parents = ["org/base", "Org/Base", "other/root", "gpt2", "https://huggingface.co/org/base"]
    odd = ["base_model:", "base_model:adapter:", "base_model:bad id", "base_model:x:y:z"]
    ids, tags = [], []
    for i in range(3000):
        ids.append(f"u{i % 37}/m{i}")
        row: list[str | None] | None = [f"license:l{i % 5}", "transformers"]
        for _ in range(rng.choice([0, 0, 1, 2])):
            p = rng.choice(parents)
            rel = rng.choice(["finetune", "adapter", "quantized", "merge"])
            row = (row or []) + rng.choice(
                [
                    [f"base_model:{p}"],
                    [f"base_model:{rel}:{p}"],
                    [f"base_model:{p}", f"base_model:{rel}:{p.upper()}"],
                ]
            )
        if i % 97 == 0:
            row = (row or []) + [rng.choice(odd), None]
        if i % 211 == 0:
            row = None
        tags.append(row)
    path = tmp_path / "tags.parquet"
    pq.write_table(
        pa.table({"id": ids, "tags": pa.array(tags, pa.list_(pa.string()))}),
        path,
        row_group_size=700,
        dictionary_pagesize_limit=256,  # tags' dictionary overflows into plain pages
    )
    whole, report = hubstats.load_hub_stats(path, plan=hubstats.ReadPlan(batch_rows=256))
    assert report.notes["tag parent dropped: not a Hub id"] > 0
    assert len(whole.decl_child) > 1000
    streamed, report2 = hubstats.load_hub_stats(
        path, plan=hubstats.ReadPlan(batch_rows=256, whole_group_rows=0)
    )
    read_row_group = pq.ParquetFile.read_row_group
    refused: list[int] = []

    def refuse(self: pq.ParquetFile, i: int, **kwargs: Any) -> pa.Table:
        table = read_row_group(self, i, **kwargs)
        if i % 2 and pa.types.is_dictionary(table["tags"].type.value_type):
            refused.append(i)
            raise pa.ArrowNotImplementedError("Nested data conversions not implemented")
        return table

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", refuse)
    mixed, report3 = hubstats.load_hub_stats(
        path, plan=hubstats.ReadPlan(batch_rows=256, whole_group_rows=10_000)
    )
    assert refused == list(range(1, 5, 2))
    for other, rep in ((streamed, report2), (mixed, report3)):
        assert rep.as_dict() == report.as_dict()
        assert _declarations(other) == _declarations(whole)
        assert other.model_id.to_pylist() == whole.model_id.to_pylist()
    # the tags forms in the input are all found
    assert {r for r in whole.decl_relation.to_pylist()} == {
        None,
        "finetune",
        "adapter",
        "quantized",
        "merge",
    }


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("failing", [0, 5, 11])
def test_an_error_in_any_batch_stops_the_load_with_that_error(
    hub_stats_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing: int,
    streamed: bool,
) -> None:
    import threading

    from hflineage.loaders import hubstats

    out = tmp_path / "many.parquet"
    pq.write_table(pq.read_table(hub_stats_path), out, row_group_size=300)
    plan = hubstats.ReadPlan(
        task_rows=600,
        batch_rows=128,
        whole_group_rows=0 if streamed else 1_000_000,  # streamed: record batches
    )
    parse = hubstats._batch_table
    seen = [0]
    lock = threading.Lock()

    def fail_once(batch: pa.Table, report: LoadReport, where: str, tags: Any = None) -> ModelTable:
        with lock:
            seen[0] += 1
            mine = seen[0] - 1
        if mine == failing:
            raise ValueError(f"batch {mine} is broken")
        return parse(batch, report, where, tags)

    monkeypatch.setattr(hubstats, "_batch_table", fail_once)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            hubstats.load_hub_stats(out, plan=plan)
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the load hung"
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError)
    assert str(outcome[0]) == f"batch {failing} is broken"


def test_load_report_accounts_for_every_row(both: tuple[Path, LineageGraph, Plain]) -> None:
    path, graph, _ = both
    load: LoadReport = graph.validation.load
    assert load.rows_read == pq.ParquetFile(path).metadata.num_rows
    assert load.rows_loaded + load.rows_rejected == load.rows_read


def test_card_mentions_are_found_within_each_string() -> None:
    from hflineage.loaders.hubstats import _mentions

    cards = pa.array(
        ["", None, "x base_model y", "base_", "model", '{"base_model": 1}', "base_mode"]
    )
    expected = [False, False, True, False, False, True, False]
    assert _mentions(cards, b"base_model").tolist() == expected
    assert _mentions(cards.slice(2, 4), b"base_model").tolist() == expected[2:6]
    assert _mentions(cards.cast(pa.large_string()), b"base_model").tolist() == expected


def test_card_mentions_agree_with_arrow_substring_search() -> None:
    import pyarrow.compute as pc

    from hflineage.loaders.hubstats import _mentions

    rng = random.Random(5)
    alphabet = 'base_mdl xy"'
    for needle in (b"base_model", b"e_m", b"ab", b"_"):
        for _ in range(200):
            values = [
                None
                if rng.random() < 0.1
                else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                for _ in range(rng.randint(0, 40))
            ]
            arr = pa.array(values, pa.string()).slice(rng.randint(0, len(values)))
            found = pc.fill_null(pc.match_substring(arr, needle.decode()), False)
            expected = np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
            assert np.array_equal(_mentions(arr, needle), expected), (needle, values)


def test_facts_of_one_node_match_the_whole_graph_codes(
    both: tuple[Path, LineageGraph, Plain],
) -> None:
    path, _, _ = both
    fresh = build_lineage_graph(*load_snapshots([path]))
    rng = random.Random(11)
    nodes = rng.sample(range(fresh.n), 300)
    nodes += [*np.flatnonzero(fresh.stub)[:20].tolist(), int(np.argmax(fresh.depth))]
    one_by_one = [(fresh.org_of(v), fresh.country_of(v), fresh.family_of(v)) for v in nodes]
    worked_out = fresh.indexes
    assert worked_out.org_codes is worked_out.country_codes is worked_out.family_codes is None
    org_codes, orgs = fresh.org_codes
    country_codes, countries = fresh.country_codes
    family_codes, families = fresh.family_codes
    assert one_by_one == [
        (orgs[org_codes[v]], countries[country_codes[v]], families[family_codes[v]]) for v in nodes
    ]


@pytest.mark.parametrize("task_rows", [500, 1_000_000])
def test_rejected_rows_across_tasks_leave_no_gaps(
    hub_stats_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, task_rows: int
) -> None:
    """Workers write numbers into whole-file arrays; rejected rows must not leave holes."""
    from hflineage.loaders import hubstats

    raw = pq.read_table(hub_stats_path)
    ids = raw.column("id").to_pylist()
    bad = set(range(5, len(ids), 211)) | {len(ids) - 1}  # in many batches and tasks
    for i in bad:
        ids[i] = None if i % 2 else "not an id!"
    raw = raw.set_column(raw.schema.get_field_index("id"), "id", pa.array(ids, pa.string()))
    out = tmp_path / "gaps.parquet"
    pq.write_table(raw, out, row_group_size=97)
    plan = hubstats.ReadPlan(task_rows=task_rows, batch_rows=128)
    table, report = hubstats.load_hub_stats(out, plan=plan)

    keep = np.array([i not in bad for i in range(len(ids))])
    assert report.rows_read == len(ids) and report.rows_loaded == int(keep.sum())
    assert table.model_id.to_pylist() == [m for m, k in zip(ids, keep, strict=True) if k]
    for name, column in (
        ("downloads", "downloads"),
        ("downloads_all_time", "downloadsAllTime"),
        ("likes", "likes"),
    ):
        expected = np.asarray(raw.column(column).fill_null(0).to_numpy())[keep]
        assert np.array_equal(getattr(table, name), np.maximum(expected, 0)), name
    created = raw.column("createdAt").cast(pa.timestamp("s")).to_numpy()[keep]
    assert np.array_equal(table.created_at, created.astype("datetime64[s]"))
    hashes, parent_hashes = table.fingerprints()
    assert np.array_equal(
        hashes, id_fingerprints(pa.array([m.lower() for m in table.model_id.to_pylist()]))
    )
    assert np.array_equal(
        parent_hashes,
        id_fingerprints(pa.array([p.lower() for p in table.decl_parent.to_pylist()])),
    )
    assert int(table.decl_child.max()) < len(table)


def test_take_rows_from_chunks_equals_take() -> None:
    from hflineage.loaders.table import take_rows

    chunks = [
        pa.array([f"m{i}-{j}" for j in range(k)], pa.string())
        for i, k in enumerate([3, 0, 5, 1, 4])
    ]
    col = pa.chunked_array(chunks, pa.string())
    rng = np.random.default_rng(7)
    for rows in (
        np.array([], np.int64),
        np.array([12]),
        np.array([0, 12, 3, 3, 7, 0]),
        rng.integers(0, len(col), 200),
    ):
        assert take_rows(col, rows).to_pylist() == col.take(pa.array(rows, pa.int64())).to_pylist()
    plain = pa.array(["a", None, "c"])
    assert take_rows(plain, np.array([2, 1, 2])).to_pylist() == ["c", None, "c"]


def test_stable_argsort_is_numpys_stable_argsort() -> None:
    from hflineage.loaders.table import stable_argsort

    rng = np.random.default_rng(3)
    cases = [
        np.array([], np.int64),
        np.array([4]),
        rng.integers(0, 6, 5000),  # many ties
        rng.integers(0, 2**40, 5000),
        rng.integers(-3, 3, 100),  # negative keys: numpy's own sort
        rng.integers(0, 9, 100).astype(np.int8),
        np.array([2**62, 0, 2**62, 1], np.int64),  # keys too large to combine
        rng.random(50),
        np.concatenate([np.sort(rng.integers(0, 50, 3000)) for _ in range(3)]),  # sorted runs
        np.sort(rng.integers(0, 2**40, 5000)),
    ]
    for keys in cases:
        assert np.array_equal(stable_argsort(keys), np.argsort(keys, kind="stable"))


def test_reaching_top_keeps_every_tie_of_the_kth_largest() -> None:
    from hflineage.loaders._sorting import reaching_top

    rng = np.random.default_rng(5)
    cases = [
        np.array([], np.int64),
        np.array([7]),
        rng.integers(0, 4, 300),  # many ties
        rng.random(300),
        np.array([3, 1, 3, 3, 2]),
        # Long enough for the sampled floor: spread, mostly zeros (the floor is 0, so every
        # value is partitioned), the largest values all off the sample or all on it.
        rng.random(5000),
        np.where(rng.random(5000) < 0.9, 0.0, rng.random(5000)),
        np.where(np.arange(5000) % 64 == 0, 0, np.arange(5000)),
        np.where(np.arange(5000) % 64 == 0, np.arange(5000), 0),  # the floor is the cut
    ]
    for values in cases:
        for top in (-1, 0, 1, 2, 3, 10, 77, len(values), len(values) + 5):
            got = reaching_top(values, top)
            if top < 1:
                want: list[int] = []
            else:  # a plain sort: the top-th largest value, then every position reaching it
                cut = sorted(values.tolist(), reverse=True)[: min(top, len(values))]
                want = [i for i, v in enumerate(values.tolist()) if cut and v >= cut[-1]]
            assert got.tolist() == want, (values[:10], top)


def test_lower_casing_takes_the_ascii_path_only_for_ascii() -> None:
    import pyarrow.compute as pc

    from hflineage.loaders._arrow import lower_chunk

    arrays = [
        pa.array(["Qwen/Qwen2.5-7B", None, "", "GPT2"]),
        pa.array(["ÉCOLE/Modèle", "ascii/OK", None]),
        pa.array(["x", "ÀB", "Cd"]).slice(2),  # the non-ASCII value lies outside the slice
        pa.array(["ÀB", "Cd"]).slice(0, 1),
        pa.array([], pa.string()),
        pa.array([None, None], pa.string()),
    ]
    for arr in arrays:
        assert lower_chunk(arr).equals(pc.utf8_lower(arr)), arr


_REUSE = """
import os, resource, sys, threading
import numpy as np
from hflineage.explorer.cli.process import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "on" else False
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def churn():
    a = np.ones(20_000_000 // 8)
    del a
if sys.argv[2] == "thread":  # freed by another thread
    t = threading.Thread(target=churn)
    t.start()
    t.join()
else:
    churn()
before = faults()
b = np.ones(20_000_000 // 8)
print(tuned, faults() - before)
"""


@pytest.mark.parametrize("freed_by", ["main", "thread"])
@pytest.mark.parametrize("mode", ["on", "off", "user"])
def test_freed_arrays_are_reused_without_page_faults(mode: str, freed_by: str) -> None:
    """A 20 MB array freed (by the main thread or another) and allocated again: fresh pages
    (about 4,900 faults) unless the allocator keeps freed memory for every thread; a user's
    own glibc setting is left alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["NUMPY_MADVISE_HUGEPAGE"] = "0"
    if mode == "user":
        env["MALLOC_ARENA_MAX" if freed_by == "thread" else "MALLOC_TRIM_THRESHOLD_"] = "131072"
    out = subprocess.run(
        [sys.executable, "-c", _REUSE, "off" if mode == "off" else "on", freed_by],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    tuned, faults = out[0] == "True", int(out[1])
    assert tuned == (mode == "on")
    assert (faults < 500) if tuned else (faults > 4000)


def test_the_command_sets_allocator_defaults_a_user_can_override() -> None:
    keys = ("NUMPY_MADVISE_HUGEPAGE", "MIMALLOC_PURGE_DELAY", "OPENBLAS_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k not in keys}
    show = f"print([os.environ.get(k) for k in {keys!r}])"
    imported = f"import os, hflineage, hflineage.explorer.cli.main; {show}"
    out = subprocess.run([sys.executable, "-c", imported], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "[None, None, None]"  # importing the CLI changes nothing
    # The quick exit's handler must be the earliest one (it ends the process after the
    # others), so it is registered before the handler that shows the settings at exit.
    command = (
        "from hflineage.explorer.cli.process import skip_teardown_at_exit; "
        "skip_teardown_at_exit(); "
        f"import os, sys, atexit; atexit.register(lambda: {show}); "
        "sys.argv = ['hf-lineage', '--version']; "
        "from hflineage.explorer.cli.entry import run; run()"
    )
    run = [sys.executable, "-c", command]
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['0', '1000', '1']"
    env["MIMALLOC_PURGE_DELAY"] = "10"
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['0', '10', '1']"


def test_the_low_bits_filter_keeps_every_member() -> None:
    """The duplicate check looks up only rows whose fingerprint's low bits are a parent's:
    every member passes (and few others), whatever the set's size."""
    from hflineage.loaders._fingerprints import maybe_in

    rng = np.random.default_rng(3)
    for size in (0, 1, 1000, 300_000):
        members = rng.integers(0, 2**63, size, dtype=np.int64).view(np.uint64)
        others = rng.integers(0, 2**63, 200_000, dtype=np.int64).view(np.uint64)
        values = np.concatenate([others, members[: size // 2], others[:10]])
        kept = maybe_in(values, members)
        truly = np.flatnonzero(np.isin(values, members))
        assert np.isin(truly, kept).all()
        assert len(kept) - len(truly) <= 0.2 * len(values)
