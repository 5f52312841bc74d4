"""Neo4j's Cypher on the embedded engine: each difference rewritten to Neo4j's answer or
refused with what to write instead, reachability that answers, safety and messages.

Expected values are Neo4j's documented answers (Cypher manual, functions and lists), not
what the engine happens to return.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import api_model, graph_of
from conftest import run_cli as cli

import hflineage
from hflineage.errors import QueryError, ReadOnlyError
from hflineage.graph import LineageGraph, Relation
from hflineage.queries import ancestors_of, descendants_of
from hflineage.queries.cypher.dialect import to_embedded
from hflineage.queries.cypher.embedded import DEFAULT_TIMEOUT, EmbeddedCypher, build_embedded_db
from hflineage.queries.cypher.tables import graph_tables

LAYERS = 40  # a ladder of merges: 2**40 paths from the top to the bottom


def ladder() -> LineageGraph:
    """Two models a layer, each merging both of the layer above: paths double each layer."""
    objs = [api_model("lab/base")]
    above = ["lab/base"]
    for k in range(LAYERS):
        here = [f"lab/l{k:02d}-{side}" for side in "ab"]
        objs += [api_model(m, *above, relation="merge") for m in here]
        above = here
    objs.append(api_model("lab/tip", *above, relation="merge"))
    return graph_of(objs)


@pytest.fixture(scope="module")
def ladder_graph() -> LineageGraph:
    return ladder()


@pytest.fixture(scope="module")
def engine(ladder_graph: LineageGraph) -> Iterator[EmbeddedCypher]:
    with EmbeddedCypher.from_tables(graph_tables(ladder_graph), timeout=20) as runner:
        yield runner


def value(runner: EmbeddedCypher, query: str, **params: object) -> object:
    (row,) = runner.run(query, params).rows
    return row[0]


@pytest.mark.parametrize(
    ("query", "neo4j"),
    [
        ("RETURN [10, 20, 30][1]", 20),
        ("RETURN [10, 20, 30][0]", 10),
        ("RETURN [10, 20, 30][-1]", 30),
        ("RETURN [10, 20, 30, 40][1..3]", [20, 30]),
        ("RETURN [10, 20, 30, 40][..2]", [10, 20]),
        ("RETURN [10, 20, 30, 40][2..]", [30, 40]),
        ("RETURN substring('abcdef', 1, 2)", "bc"),
        ("RETURN substring('abcdef', 2)", "cdef"),
        ("RETURN toInteger('42')", 42),
        ("RETURN toFloat('2.5')", 2.5),
        ("RETURN toString(7)", "7"),
        ("RETURN split('a,b,c', ',')", ["a", "b", "c"]),
        ("RETURN split('a,b,c', ',')[1]", "b"),
        ("RETURN [x IN [1, 2, 3] WHERE x > 1 | x * 10]", [20, 30]),
        ("RETURN [x IN [1, 2, 3] | x * 2]", [2, 4, 6]),
        ("RETURN [x IN [1, 2, 3] WHERE x <> 2]", [1, 3]),
        ("MATCH (m:Model {id: 'lab/base'}) RETURN labels(m)", ["Model"]),
        ("MATCH (m:Model {id: 'lab/base'}) RETURN labels(m)[0]", "Model"),
        ("MATCH (m:Model {id: 'lab/base'}) RETURN size(labels(m))", 1),
        (
            "MATCH (:Model {id: 'lab/tip'})-[e]->() WITH DISTINCT type(e) AS t "
            "RETURN t ORDER BY t LIMIT 1",
            "DERIVED_FROM",
        ),
        ("MATCH (m:Model {id: 'lab/base'}) RETURN m.id AS i ORDER BY i", "lab/base"),
        ("RETURN 'x[0]' + substring('ab', 0, 1)", "x[0]a"),  # strings are left alone
    ],
)
def test_neo4j_answers(engine: EmbeddedCypher, query: str, neo4j: object) -> None:
    assert value(engine, query) == neo4j


def test_index_from_a_parameter_counts_from_zero(engine: EmbeddedCypher) -> None:
    for i, neo4j in [(0, "a"), (2, "c"), (-1, "c"), (-3, "a")]:
        assert value(engine, "RETURN ['a', 'b', 'c'][$i]", i=i) == neo4j


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("MATCH (m:Model) RETURN id(m) LIMIT 1", "m.id"),
        ("MATCH (m:Model) RETURN elementId(m) LIMIT 1", "m.id"),
        ("RETURN head([1, 2])", "list[0]"),
        ("RETURN last([1, 2])", "list[-1]"),
        ("RETURN datetime('2024-01-01T00:00:00')", "ISO-8601 text"),
        ("RETURN date('2024-01-01')", "left(m.createdAt, 10)"),
        ("RETURN [1, 2, 3][-2..]", "negative bound"),
    ],
)
def test_differences_without_an_exact_counterpart_are_refused(
    engine: EmbeddedCypher, query: str, hint: str
) -> None:
    with pytest.raises(QueryError, match="not supported here") as err:
        engine.run(query)
    assert hint in str(err.value)


def test_shortest_path_is_neo4j_shortest_path(
    engine: EmbeddedCypher, ladder_graph: LineageGraph
) -> None:
    query = (
        "MATCH (a:Model {id: 'lab/tip'}), (b:Model {id: 'lab/base'}) "
        "MATCH p = shortestPath((a)-[:DERIVED_FROM*]->(b)) RETURN length(p)"
    )
    assert value(engine, query) == LAYERS + 1
    rewritten = to_embedded(query)
    assert "shortestPath" not in rewritten and "SHORTEST 1.." in rewritten


def test_reachability_answers_through_exponentially_many_paths(
    engine: EmbeddedCypher, ladder_graph: LineageGraph
) -> None:
    started = time.perf_counter()
    down = "MATCH (d:Model)-[:DERIVED_FROM*1..]->(r:Model {id: $id}) RETURN count(DISTINCT d)"
    assert value(engine, down, id="lab/base") == len(descendants_of(ladder_graph, "lab/base"))
    up = "MATCH (:Model {id: $id})-[:DERIVED_FROM*]->(a:Model) RETURN DISTINCT a.id AS id"
    got = {r[0] for r in engine.run(up, {"id": "lab/tip"}).rows}
    assert got == set(ancestors_of(ladder_graph, "lab/tip"))
    bounded = (
        "MATCH (d:Model)-[:DERIVED_FROM*..3]->(r:Model {id: $id}) WITH DISTINCT d RETURN count(*)"
    )
    assert value(engine, bounded, id="lab/base") == 6  # three layers of two
    assert time.perf_counter() - started < 5  # 2**40 paths: only the ends are visited


def test_multiplicity_is_kept_when_the_query_can_see_it() -> None:
    # count(d) counts paths in Neo4j: not rewritten, so it stays exact (on a small graph).
    diamond = graph_of(
        [
            api_model("o/base"),
            api_model("o/left", "o/base"),
            api_model("o/right", "o/base"),
            api_model("o/tip", "o/left", "o/right", relation="merge"),
        ]
    )
    with EmbeddedCypher.from_tables(graph_tables(diamond)) as runner:
        paths = "MATCH (d:Model)-[:DERIVED_FROM*1..]->(:Model {id: 'o/base'}) RETURN count(d)"
        assert "SHORTEST" not in to_embedded(paths)
        assert value(runner, paths) == 4  # left, right and tip twice
        ends = paths.replace("count(d)", "count(DISTINCT d)")
        assert value(runner, ends) == 3
        named = "MATCH p = (:Model {id: 'o/tip'})-[:DERIVED_FROM*]->(:Model) RETURN count(p)"
        assert "SHORTEST" not in to_embedded(named) and value(runner, named) == 4


def test_path_enumeration_stops_at_the_timeout_and_says_what_to_write(
    ladder_graph: LineageGraph,
) -> None:
    with EmbeddedCypher.from_tables(graph_tables(ladder_graph), timeout=0.5) as runner:
        started = time.perf_counter()
        with pytest.raises(QueryError, match=r"0.5 s timeout.*count\(DISTINCT"):
            runner.run("MATCH (d)-[:DERIVED_FROM*]->(:Model {id: 'lab/base'}) RETURN count(d)")
        assert time.perf_counter() - started < 10


def test_reads_are_read_only_by_the_engine(ladder_graph: LineageGraph, tmp_path: Path) -> None:
    with EmbeddedCypher.from_tables(graph_tables(ladder_graph)) as runner:
        with pytest.raises(ReadOnlyError, match="read-only"):
            runner.run("CREATE (:Model {id: 'x/y'})")
        with pytest.raises(ReadOnlyError):
            runner.run("MATCH (m:Model {id: 'lab/base'}) SET m.likes = 1")
        # the failed write left a usable connection that still refuses writes
        assert value(runner, "MATCH (m:Model) WHERE m.likes = 1 RETURN count(*)") == 0
        with pytest.raises(ReadOnlyError):
            runner.run("MATCH (m:Model) DETACH DELETE m")
        assert value(runner, "MATCH (m:Model) RETURN count(*) AS merge") == ladder_graph.n
    path = tmp_path / "l.db"
    build_embedded_db(graph_tables(ladder_graph), path)
    with EmbeddedCypher(path, write=True) as writer:
        writer.run("MATCH (m:Model {id: 'lab/base'}) SET m.likes = 7")
    with EmbeddedCypher(path) as reader:
        assert value(reader, "MATCH (m:Model {id: 'lab/base'}) RETURN m.likes") == 7


def test_only_models_and_orgs_are_nodes(ladder_graph: LineageGraph, tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    build_embedded_db(graph_tables(ladder_graph), path)
    orgs = len(set(graph_tables(ladder_graph).orgs.column("name").to_pylist()))
    with EmbeddedCypher(path) as runner:
        assert value(runner, "MATCH (n) RETURN count(n)") == ladder_graph.n + orgs
        assert runner.meta()["count.Model"] == str(ladder_graph.n)


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("MATCH (m:Mdoel) RETURN m", "did you mean Model?"),
        ("MATCH (m:Model) RETURN m.downloadsAlltime", "did you mean downloadsAllTime?"),
        ("MATCH (m:model) RETURN count(m)", "did you mean Model?"),
        ("MATCH (:Model)-[e:derived_from]->() RETURN count(e)", "did you mean DERIVED_FROM?"),
        ("MATCH (m:Model) RETURN m.created_at", "did you mean createdAt?"),
        ("MATCH ()-[e:DERIVED_FORM]->() RETURN e", "did you mean DERIVED_FROM?"),
    ],
)
def test_unknown_names_suggest_the_schema(
    engine: EmbeddedCypher, query: str, suggestion: str
) -> None:
    with pytest.raises(QueryError) as err:
        engine.run(query)
    assert suggestion in str(err.value) and "\n" not in str(err.value)


def test_names_in_strings_and_map_values_are_not_judged(engine: EmbeddedCypher) -> None:
    model = "lab/base"
    query = "WITH $model AS model MATCH (m:Model {id: model}) RETURN m.id + ':model'"
    assert value(engine, query, model=model) == "lab/base:model"


def test_whole_engine_message_on_one_line(engine: EmbeddedCypher) -> None:
    with pytest.raises(QueryError) as err:
        engine.run("RETURN round(2.5)")
    assert "Expected" in str(err.value) and "\n" not in str(err.value)


def test_notebook_call_returns_arrow(ladder_graph: LineageGraph, tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    build_embedded_db(graph_tables(ladder_graph), path)
    table = hflineage.cypher(
        "MATCH (m:Model) WHERE m.id STARTS WITH $p RETURN m.id AS id, labels(m) AS labels "
        "ORDER BY id LIMIT 2",
        db=path,
        p="lab/l00",
    )
    assert table.column_names == ["id", "labels"]
    assert table.to_pylist() == [
        {"id": "lab/l00-a", "labels": ["Model"]},
        {"id": "lab/l00-b", "labels": ["Model"]},
    ]
    roots = hflineage.cypher("roots", graph=ladder_graph, model_id="lab/tip")
    assert roots.column("root").to_pylist() == ["lab/base"]
    with pytest.raises(QueryError, match="exactly one of"):
        hflineage.cypher("RETURN 1", db=path, graph=ladder_graph)


def test_front_door_is_lazy_and_complete() -> None:
    assert set(hflineage.__all__) >= {"open_graph", "attribute", "lineage_of", "cypher"}
    for name in hflineage.__all__:
        assert getattr(hflineage, name) is not None
    with pytest.raises(AttributeError):
        _ = hflineage.no_such_thing


# -- whole corpora (the real sample when present, a generated Hub) ------------------------
@pytest.fixture(scope="module")
def corpus_engine(corpus_graph: LineageGraph) -> Iterator[EmbeddedCypher]:
    with EmbeddedCypher.from_tables(graph_tables(corpus_graph)) as runner:
        yield runner


def test_filtered_three_hop_count_is_right_on_every_run(
    corpus_engine: EmbeddedCypher, corpus_graph: LineageGraph
) -> None:
    query = (
        "MATCH (o:Org)-[:PUBLISHED]->(m:Model)-[e:DERIVED_FROM]->(p:Model) "
        "WHERE e.relation = 'finetune' AND p.family = 'Llama' "
        "RETURN e.relation AS rel, count(*) AS n ORDER BY rel"
    )
    g = corpus_graph  # the same count from the graph's arrays (313 on the real sample)
    finetune = g.edge_relation == Relation.FINETUNE
    llama_parent = g.family[g.edge_parent] == "Llama"
    expected = int((finetune & llama_parent & ~g.stub[g.edge_child]).sum())
    assert expected > 0
    for _ in range(5):
        assert corpus_engine.run(query).rows == [("finetune", expected)]


def test_reachability_answers_for_every_root(
    corpus_engine: EmbeddedCypher, corpus_graph: LineageGraph
) -> None:
    query = "MATCH (d:Model)-[:DERIVED_FROM*1..]->(r:Model {id: $id}) RETURN count(DISTINCT d)"
    roots = np.flatnonzero(corpus_graph.n_parents == 0)
    slowest = 0.0
    for node in roots.tolist():
        root = corpus_graph.ids[node]
        started = time.perf_counter()
        got = value(corpus_engine, query, id=root)
        slowest = max(slowest, time.perf_counter() - started)
        assert got == len(descendants_of(corpus_graph, root)), root
    assert slowest < 1.0


def test_limit_parameters_are_bound_on_every_run(corpus_engine: EmbeddedCypher) -> None:
    query = "MATCH (m:Model) RETURN m.id ORDER BY m.id SKIP $skip LIMIT $limit"
    for skip, limit in itertools.product((0, 5), (3, 7)):
        rows = corpus_engine.run(query, {"skip": skip, "limit": limit}).rows
        assert len(rows) == limit
        first = corpus_engine.run(query, {"skip": 0, "limit": skip + limit}).rows
        assert rows == first[skip:]


# -- the command line ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def ladder_db(ladder_graph: LineageGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "ladder.db"
    build_embedded_db(graph_tables(ladder_graph), path)
    return path


def test_db_schema_lists_labels_types_properties_and_counts(
    ladder_db: Path, ladder_graph: LineageGraph
) -> None:
    p = cli("db", "schema", "--db", str(ladder_db), "--format", "json")
    assert p.returncode == 0, p.stderr
    entries = {e["name"]: e for e in json.loads(p.stdout)["entries"]}
    assert set(entries) == {"Model", "Org", "DERIVED_FROM", "PUBLISHED", "HAS_ROOT"}
    assert entries["Model"]["count"] == ladder_graph.n
    assert entries["DERIVED_FROM"]["count"] == ladder_graph.n_edges
    assert entries["Model"]["properties"]["downloadsAllTime"] == "INTEGER"
    assert entries["HAS_ROOT"]["properties"] == {"weight": "FLOAT", "first": "BOOLEAN"}
    assert entries["DERIVED_FROM"]["pattern"] == "(:Model)-[:DERIVED_FROM]->(:Model)"


def test_csv_writes_lists_and_maps_as_json(ladder_db: Path) -> None:
    query = "MATCH (m:Model {id: 'lab/base'}) RETURN labels(m) AS l, {id: m.id} AS m"
    p = cli("cypher", query, "--db", str(ladder_db), "--format", "csv")
    assert p.returncode == 0, p.stderr
    header, row = list(csv.reader(io.StringIO(p.stdout)))
    assert header == ["l", "m"]
    assert [json.loads(cell) for cell in row] == [["Model"], {"id": "lab/base"}]


def test_help_states_the_default_timeout_and_memory_cap() -> None:
    p = cli("cypher", "--help")
    assert p.returncode == 0
    text = " ".join(p.stdout.split())
    assert f"default: {DEFAULT_TIMEOUT:g}" in text and "GiB" in text


def test_cli_refused_write_names_the_switch(ladder_db: Path) -> None:
    p = cli("cypher", "MATCH (m:Model) DETACH DELETE m", "--db", str(ladder_db))
    assert p.returncode == 1 and "rerun with --write" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_a_mistyped_library_name_suggests_the_closest(ladder_db: Path) -> None:
    p = cli("cypher", "family-download", "--db", str(ladder_db))
    assert p.returncode == 1
    assert "did you mean family-downloads?" in p.stderr


def test_reachability_with_a_lower_bound_answers_and_keeps_its_meaning(
    engine: EmbeddedCypher, ladder_graph: LineageGraph
) -> None:
    # Ends at least two hops above the tip: every model but the tip and its two parents.
    query = "MATCH (:Model {id: 'lab/tip'})-[:DERIVED_FROM*2..]->(a:Model) RETURN count(DISTINCT a)"
    started = time.perf_counter()
    assert value(engine, query) == len(ancestors_of(ladder_graph, "lab/tip")) - 2
    bounded = query.replace("*2..", "*2..3")
    assert value(engine, bounded) == 4  # two layers of two
    assert time.perf_counter() - started < 5
