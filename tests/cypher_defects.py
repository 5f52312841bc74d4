"""Known engine defects: the one place a disagreement with the oracle may be excused.

Each :class:`Defect` names the engine versions it was measured on, the feature of a query that
triggers it (a predicate on the spec), why the answer differs from Neo4j's, a minimal query
that shows it, and a workaround: the same question written so that the engine answers it
right. A differential check excuses a disagreement only when a listed defect of that engine
applies to the query **and** the workaround, run on the same engine, agrees with the oracle;
anything else fails.

Engine names are what :class:`cypher_engines.EngineProcess` reports: ``ladybug 0.20.4``,
``kuzu 0.11.3``, ``ryugraph 25.9.2``, ``falkordb``...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cypher_oracle import (
    Agg,
    BoolOp,
    Cmp,
    Concat,
    Item,
    Lit,
    Node,
    Not,
    Param,
    Pattern,
    Prop,
    Query,
    Rel,
    Var,
)

#: The project's own runner: its query rewrite must remove the engine's defects; a defect
#: listed for it is one it refuses with a message naming the workaround.
PROJECT = "hf-lineage"
KUZU_FAMILY = ("ladybug 0.20.4", "ladybug 0.21.2", "ladybug 0.22.0", "kuzu 0.11.3",
               "ryugraph 25.9.2")  # fmt: skip
BEFORE_LADYBUG_021 = ("ladybug 0.20.4", "kuzu 0.11.3", "ryugraph 25.9.2")
BEFORE_LADYBUG_022 = (*BEFORE_LADYBUG_021, "ladybug 0.21.2")
LADYBUG_021_ON = ("ladybug 0.21.2", "ladybug 0.22.0")


@dataclass(frozen=True)
class Defect:
    """An engine's known wrong answer for a class of queries, and how to avoid it."""

    name: str
    engines: tuple[str, ...]
    reason: str
    example: str
    applies: Callable[[Query], bool]
    workaround: Callable[[Query], list[Query]]
    hangs: bool = False  # the query runs into the timeout: a check may run the workaround only

    def covers(self, engine: str, q: Query) -> bool:
        return any(engine.startswith(e) for e in self.engines) and self.applies(q)


# -- relationship uniqueness ----------------------------------------------------------------
def _repeatable_pairs(p: Pattern | None) -> list[tuple[int, int]]:
    """Pairs of single hops of one type in a pattern (one edge could serve both)."""
    rels = p.rels if p is not None else ()
    return [
        (i, j)
        for i in range(len(rels))
        for j in range(i + 1, len(rels))
        if rels[i].type == rels[j].type and rels[i].hops is None and rels[j].hops is None
    ]


def _reuses(q: Query) -> bool:
    return bool(_repeatable_pairs(q.match) or _repeatable_pairs(q.optional))


def _with_distinct_edges(p: Pattern, where: Any, prefix: str) -> tuple[Pattern, Any]:
    rels = [
        r if r.var else dataclasses.replace(r, var=f"{prefix}{i}") for i, r in enumerate(p.rels)
    ]
    for i, j in _repeatable_pairs(p):
        a, b = rels[i].var, rels[j].var
        assert a and b
        cond = Cmp("<>", Var(a), Var(b))
        where = cond if where is None else BoolOp("AND", where, cond)
    return dataclasses.replace(p, rels=tuple(rels)), where


def _distinct_edges(q: Query) -> list[Query]:
    """Name the hops and add ``r_i <> r_j`` for each pair of one type, in each pattern."""
    match, where = _with_distinct_edges(q.match, q.where, "w")
    out = dataclasses.replace(q, match=match, where=where)
    if q.optional is not None:
        optional, opt_where = _with_distinct_edges(q.optional, q.optional_where, "v")
        out = dataclasses.replace(out, optional=optional, optional_where=opt_where)
    return [out]


# -- aggregates -----------------------------------------------------------------------------
def _empty_aggregates(q: Query) -> bool:
    return any(isinstance(i.expr, Agg) and i.expr.func in ("sum", "size_collect") for i in q.items)


def _coalesce_zero(q: Query) -> list[Query]:
    items = tuple(
        Item(dataclasses.replace(i.expr, default=0), i.alias)
        if isinstance(i.expr, Agg) and i.expr.func in ("sum", "size_collect")
        else i
        for i in q.items
    )
    return [dataclasses.replace(q, items=items)]


def _after_distinct_aggregate(q: Query) -> bool:
    """A grouped RETURN with an aggregate listed after a DISTINCT one."""
    seen_distinct = False
    grouped = any(not isinstance(i.expr, Agg) for i in q.items)
    for i in q.items:
        if isinstance(i.expr, Agg):
            if seen_distinct and grouped:
                return True
            seen_distinct |= i.expr.distinct
    return False


def _distinct_aggregates_last(q: Query) -> list[Query]:
    def late(i: Item) -> bool:
        return isinstance(i.expr, Agg) and i.expr.distinct

    items = tuple([i for i in q.items if not late(i)] + [i for i in q.items if late(i)])
    return [dataclasses.replace(q, items=items)]


# -- ORDER BY, SKIP, LIMIT ------------------------------------------------------------------
def _ordered_by_expression_after_distinct(q: Query) -> bool:
    return q.distinct and q.order_by_expression and bool(q.order)


def _order_by_alias(q: Query) -> list[Query]:
    return [dataclasses.replace(q, order_by_expression=False)]


def _paged_by_parameter_twice(q: Query) -> bool:
    return q.rerun is not None and (isinstance(q.skip, Param) or isinstance(q.limit, Param))


def _literal_paging(q: Query) -> list[Query]:
    """The query once per parameter set, SKIP and LIMIT written as numbers."""
    out = []
    for params in (q.params, q.rerun):
        assert params is not None
        values = dict(params)
        paging = {}
        for word in ("skip", "limit"):
            v = getattr(q, word)
            if isinstance(v, Param):
                paging[word] = int(values.pop(v.name))
        out.append(dataclasses.replace(q, params=values, rerun=None, **paging))
    return out


def _ordered_by_text(q: Query) -> bool:
    kinds = {i.alias: i.kind for i in q.items}
    return any(kinds[a] == "str" for a, _ in q.order)


def _null_safe_order(q: Query) -> list[Query]:
    return [dataclasses.replace(q, null_safe_order=True)]


# -- variable length ------------------------------------------------------------------------
def _one_path_per_endpoint(q: Query) -> list[Query]:
    """``*k..`` (endpoints only) as ``k - 1`` single hops then ``* SHORTEST 1..``."""
    nodes, rels = [q.match.nodes[0]], []
    for i, (rel, node) in enumerate(zip(q.match.rels, q.match.nodes[1:], strict=True)):
        if rel.hops is not None and rel.hops[1] is None:
            label = nodes[-1].label
            for k in range(rel.hops[0] - 1):
                rels.append(Rel(None, rel.type, rel.direction))
                nodes.append(Node(f"s{i}_{k}", label))
            rel = dataclasses.replace(rel, hops=(1, None), shortest=True)
        rels.append(rel)
        nodes.append(node)
    match = Pattern(tuple(nodes), tuple(rels))
    return [dataclasses.replace(q, match=match)]


# -- undirected hops -------------------------------------------------------------------------
def _undirected(q: Query) -> bool:
    return any(r.direction == "both" for p in (q.match, q.optional) if p for r in p.rels)


def _split_pattern(p: Pattern, where: Any) -> list[tuple[Pattern, Any]]:
    """The first undirected hop as ``->``, and as ``<-`` between two different nodes."""
    i = next(i for i, r in enumerate(p.rels) if r.direction == "both")
    out = []
    for direction in ("out", "in"):
        rels = list(p.rels)
        rels[i] = dataclasses.replace(rels[i], direction=direction)
        cond = where
        if direction == "in":  # a self-loop was matched by the "out" half already
            differ = Cmp("<>", Var(p.nodes[i].var), Var(p.nodes[i + 1].var))
            cond = differ if where is None else BoolOp("AND", where, differ)
        out.append((dataclasses.replace(p, rels=tuple(rels)), cond))
    return out


def _split_undirected(q: Query) -> list[Query]:
    """One query per direction of an undirected hop (to be combined with UNION ALL)."""
    if any(r.direction == "both" for r in q.match.rels):
        return [
            dataclasses.replace(q, match=m, where=w) for m, w in _split_pattern(q.match, q.where)
        ]
    assert q.optional is not None
    return [
        dataclasses.replace(q, optional=m, optional_where=w)
        for m, w in _split_pattern(q.optional, q.optional_where)
    ]


# -- ladybug 0.21 and later ---------------------------------------------------------------------
def _filtered_multi_hop(q: Query) -> bool:
    return q.where is not None and len(q.match.rels) >= 2


def _filter_after_with(q: Query) -> list[Query]:
    return [dataclasses.replace(q, filter_after_with=True)]


def _optional_after_key_lookup(q: Query) -> bool:
    return q.optional is not None and q.match.nodes[0].key_param is not None


def _key_lookup_in_where(q: Query) -> list[Query]:
    """``MATCH (a:L {key: $p})`` as ``MATCH (a:L) WHERE a.key = $p`` (and ``a`` bare in the
    OPTIONAL MATCH)."""
    first = q.match.nodes[0]
    assert first.key and first.key_param and q.optional is not None
    lookup = Cmp("=", Prop(first.var, first.key), Param(first.key_param))
    where = lookup if q.where is None else BoolOp("AND", lookup, q.where)
    bare = dataclasses.replace(first, key=None, key_param=None)
    match = dataclasses.replace(q.match, nodes=(bare, *q.match.nodes[1:]))
    pivot = q.optional.nodes[0]
    if pivot.key_param is not None:
        pivot = dataclasses.replace(pivot, key=None, key_param=None)
    optional = dataclasses.replace(q.optional, nodes=(pivot, *q.optional.nodes[1:]))
    return [dataclasses.replace(q, match=match, where=where, optional=optional)]


# -- FalkorDB ---------------------------------------------------------------------------------
def _multi_hop(q: Query) -> bool:
    return max(len(p.rels) for p in (q.match, q.optional) if p is not None) >= 2


def _materialized(q: Query) -> list[Query]:
    return [dataclasses.replace(q, materialize=True)]


_ORDERING = ("<", "<=", ">", ">=")


def _text_value(e: Any, params: Mapping[str, Any]) -> bool:
    if isinstance(e, Lit):
        return isinstance(e.value, str)
    return isinstance(e, Param) and isinstance(params.get(e.name), str)


def _text_ordering(e: Any, params: Mapping[str, Any]) -> bool:
    """A predicate that orders a property against a string somewhere inside."""
    if isinstance(e, Cmp):
        return e.op in _ORDERING and isinstance(e.left, Prop) and _text_value(e.right, params)
    if isinstance(e, BoolOp):
        return _text_ordering(e.left, params) or _text_ordering(e.right, params)
    return isinstance(e, Not) and _text_ordering(e.expr, params)


def _compares_text_order(q: Query) -> bool:
    sets = [q.params, *([q.rerun] if q.rerun is not None else [])]
    return any(_text_ordering(w, p) for w in (q.where, q.optional_where) for p in sets)


def _as_expression(e: Any, params: Mapping[str, Any]) -> Any:
    """``m.p < 'x'`` as ``m.p + '' < 'x'`` (the same value, no longer a bare property)."""
    if isinstance(e, Cmp) and _text_ordering(e, params):
        return Cmp(e.op, Concat(e.left, Lit("")), e.right)
    if isinstance(e, BoolOp):
        return BoolOp(e.op, _as_expression(e.left, params), _as_expression(e.right, params))
    if isinstance(e, Not):
        return Not(_as_expression(e.expr, params))
    return e


def _text_order_on_expressions(q: Query) -> list[Query]:
    return [
        dataclasses.replace(
            q,
            where=_as_expression(q.where, q.params),
            optional_where=_as_expression(q.optional_where, q.params),
        )
    ]


DEFECTS: tuple[Defect, ...] = (
    Defect(
        name="relationship-reused",
        engines=(*KUZU_FAMILY, "falkordb"),
        reason="a pattern may use one relationship twice (walk semantics); openCypher forbids "
        "it within a MATCH, so two hops of one type give extra rows",
        example="MATCH (a:Model)<-[:PUBLISHED]-(o:Org)-[:PUBLISHED]->(c:Model) "
        "RETURN a.id, c.id  // includes a = c through the same edge",
        applies=_reuses,
        workaround=_distinct_edges,
    ),
    Defect(
        name="undirected-self-loop-twice",
        engines=(*KUZU_FAMILY, PROJECT),
        reason="an undirected hop matches a self-loop twice (openCypher: once); HAS_ROOT "
        "links every root to itself",
        example="MATCH (a:Model)-[r:HAS_ROOT]-(a) RETURN count(*)  // twice the roots",
        applies=_undirected,
        workaround=_split_undirected,
    ),
    Defect(
        name="empty-aggregate-null",
        engines=KUZU_FAMILY,
        reason="sum() of no values is null (Neo4j: 0); size(collect()) of none is null "
        "before ladybug 0.22 (Neo4j: 0)",
        example="MATCH (m:Model) WHERE m.id = 'none' RETURN sum(m.likes), size(collect(m.id))",
        applies=_empty_aggregates,
        workaround=_coalesce_zero,
    ),
    Defect(
        name="aggregate-after-distinct-aggregate",
        engines=BEFORE_LADYBUG_021,
        reason="in a grouped RETURN, an aggregate listed after a DISTINCT aggregate is wrong "
        "(count() gives 0) or crashes the process (collect())",
        example="MATCH (m:Model) RETURN m.depth, count(DISTINCT m.downloads), count(m.likes)",
        applies=_after_distinct_aggregate,
        workaround=_distinct_aggregates_last,
    ),
    Defect(
        name="order-by-expression-after-distinct",
        engines=BEFORE_LADYBUG_022,
        reason="RETURN DISTINCT m.x AS x ORDER BY m.x is refused ('Variable m is not in "
        "scope'); Neo4j accepts a projected expression",
        example="MATCH (m:Model) RETURN DISTINCT m.family AS f ORDER BY m.family",
        applies=_ordered_by_expression_after_distinct,
        workaround=_order_by_alias,
    ),
    Defect(
        name="paging-parameter-bound-once",
        engines=("ladybug 0.20.4",),
        reason="SKIP $s / LIMIT $l keep the value of the first run of a prepared statement "
        "on the connection",
        example="MATCH (m:Model) RETURN m.id ORDER BY m.id LIMIT $l  // l=1, then l=3",
        applies=_paged_by_parameter_twice,
        workaround=_literal_paging,
    ),
    Defect(
        name="order-by-null-text-key",
        engines=BEFORE_LADYBUG_022,
        reason="ORDER BY a text column that holds nulls leaves the null rows unordered by "
        "the keys after it, and with LIMIT can return wrong rows, different from one process "
        "to the next (nulls seem compared by stale bytes)",
        example="MATCH (a:Model)-[r:HAS_ROOT]->(b:Model) WHERE r.first OR a.author <> 'x' "
        "OPTIONAL MATCH (b)-[:DERIVED_FROM]->(x:Model) WHERE x.author < 'K' "
        "RETURN b.id AS i, x.family AS f ORDER BY f, i LIMIT 2",
        applies=_ordered_by_text,
        workaround=_null_safe_order,
    ),
    Defect(
        name="variable-length-enumerates-paths",
        engines=KUZU_FAMILY,
        reason="an unbounded variable-length pattern walks every path even when only its "
        "endpoints are returned; through merges that is billions of paths (a timeout)",
        example="MATCH (a:Model)<-[:DERIVED_FROM*1..]-(b:Model) RETURN count(DISTINCT b)",
        applies=lambda q: "many-paths" in q.tags,
        workaround=_one_path_per_endpoint,
        hangs=True,
    ),
    Defect(
        name="where-on-multi-hop-ignored",
        engines=LADYBUG_021_ON,
        reason="a WHERE right after a MATCH of two or more hops keeps rows that fail it "
        "(the regression of issue 15: finetune rows with adapter and merge among them)",
        example="MATCH (o:Org)-[:PUBLISHED]->(m:Model)-[e:DERIVED_FROM]->(p:Model) WHERE "
        "e.relation = 'finetune' AND p.family = 'Llama' RETURN e.relation, count(*)",
        applies=_filtered_multi_hop,
        workaround=_filter_after_with,
    ),
    Defect(
        name="optional-after-key-lookup-nulls-variable",
        engines=("ladybug 0.21.2",),
        reason="after MATCH (a:Model {id: $id}), an OPTIONAL MATCH that finds nothing "
        "returns a itself as null",
        example="MATCH (a:Model {id: 'x'}) OPTIONAL MATCH (a)<-[:DERIVED_FROM]-(c:Model) "
        "RETURN a.id, c.id  // a.id null for a model without children",
        applies=_optional_after_key_lookup,
        workaround=_key_lookup_in_where,
    ),
    Defect(
        name="multi-hop-drops-rows",
        engines=("falkordb",),
        reason="a RETURN right after a MATCH of two or more hops loses rows when it does not "
        "use every variable of the pattern: count(*), count(r1) and count(r2) differ, and "
        "RETURN a.x gives fewer rows than RETURN a.x, c.x",
        example="MATCH (a:Model)-[:DERIVED_FROM]->(b:Model)-[r:HAS_ROOT]->(c:Model) "
        "RETURN count(*)  // count(r) is right",
        applies=_multi_hop,
        workaround=_materialized,
    ),
    Defect(
        name="text-property-ordering-wrong",
        engines=("falkordb",),
        reason="comparing a text property with <, <=, >, >= against a string keeps rows "
        "that fail it and drops rows that pass (literal against literal is right)",
        example="MATCH (m:Model) WHERE m.id < 'carol/from-stub' RETURN m.id  // carol/* kept",
        applies=_compares_text_order,
        workaround=_text_order_on_expressions,
    ),
)


def defects_for(engine: str, q: Query, table: Iterable[Defect] = DEFECTS) -> list[Defect]:
    """The listed defects of ``engine`` that apply to ``q``."""
    return [d for d in table if d.covers(engine, q)]


def workaround(q: Query, defects: Iterable[Defect]) -> list[Query]:
    """``q`` rewritten around every one of ``defects`` (in table order; may become several
    queries, e.g. one per parameter set)."""
    queries = [q]
    for d in defects:
        queries = [w for x in queries for w in d.workaround(x)]
    return queries
