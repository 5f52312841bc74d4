"""Read queries as data: a spec that renders to Cypher text and an oracle that answers it.

The differential suite (``tests/test_cypher_differential.py``, ``bench/cypher_differential.py``)
asks a database a generated query and compares its rows with what this module computes in
plain Python over the same Arrow tables. The oracle shares no code with the project's query
path: it walks dicts and lists built from the tables, with openCypher (Neo4j) semantics:

* a relationship is used at most once per MATCH pattern (across MATCH and OPTIONAL MATCH
  clauses it may repeat);
* three-valued logic: a comparison with null is null, WHERE keeps only true rows;
* ``count(x)`` skips nulls, ``sum`` of nothing is 0, ``avg``/``min``/``max`` of nothing null,
  ``collect`` skips nulls; a grouping key may be null (one group);
* ORDER BY: ascending puts nulls last, descending first;
* an aggregation without grouping keys over no rows gives one row.

Properties, their types and each label's key are read from the tables' Arrow schemas (the
key is a node table's first column), so the suite follows any rename of the schema.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

# -- the schema, read from the tables -------------------------------------------------------
_KINDS = {"string": "str", "large_string": "str", "int64": "int", "int32": "int",
          "double": "float", "float": "float", "bool": "bool"}  # fmt: skip


@dataclass(frozen=True)
class RelType:
    """A relationship type: its end labels and ``(property, kind)`` pairs."""

    name: str
    start: str
    end: str
    props: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Schema:
    """Labels with their key and properties, relationship types with their ends."""

    labels: Mapping[str, tuple[tuple[str, str], ...]]
    rels: Mapping[str, RelType]

    def key(self, label: str) -> str:
        """The property that identifies a node of ``label`` (its table's first column)."""
        return self.labels[label][0][0]

    def kind(self, owner: str, prop: str) -> str:
        """``str``, ``int``, ``float`` or ``bool`` for a label's or a type's property."""
        props = self.labels[owner] if owner in self.labels else self.rels[owner].props
        return dict(props)[prop]


def _props(schema: pa.Schema, skip: int = 0) -> tuple[tuple[str, str], ...]:
    out = []
    for f in list(schema)[skip:]:
        kind = _KINDS.get(str(f.type))
        if kind is None:
            raise TypeError(f"column {f.name} has type {f.type}; the oracle knows {sorted(_KINDS)}")
        out.append((f.name, kind))
    return tuple(out)


def schema_of(
    nodes: Mapping[str, pa.Table],
    rels: Mapping[str, pa.Table],
    ends: Mapping[str, tuple[str, str]],
) -> Schema:
    """The schema of node tables by label and relationship tables (``from``, ``to``, ...)."""
    return Schema(
        labels={label: _props(t.schema) for label, t in nodes.items()},
        rels={
            name: RelType(name, *ends[name], props=_props(t.schema, skip=2))
            for name, t in rels.items()
        },
    )


# -- the graph as plain Python --------------------------------------------------------------
NodeRef = tuple[str, int]  # (label, row)
EdgeRef = tuple[str, int]  # (type, row)


@dataclass
class Graph:
    """Node and relationship rows as dicts, with adjacency lists per type and direction."""

    schema: Schema
    nodes: dict[str, list[dict[str, Any]]]
    edges: dict[str, list[tuple[NodeRef, NodeRef, dict[str, Any]]]]
    by_key: dict[str, dict[Any, int]] = field(default_factory=dict)
    out: dict[str, dict[NodeRef, list[int]]] = field(default_factory=dict)
    into: dict[str, dict[NodeRef, list[int]]] = field(default_factory=dict)

    @classmethod
    def from_tables(
        cls,
        nodes: Mapping[str, pa.Table],
        rels: Mapping[str, pa.Table],
        ends: Mapping[str, tuple[str, str]],
    ) -> Graph:
        """Read every row of the tables (``to_pylist``: no project code involved)."""
        schema = schema_of(nodes, rels, ends)
        rows = {label: t.to_pylist() for label, t in nodes.items()}
        by_key = {
            label: {r[schema.key(label)]: i for i, r in enumerate(rs)} for label, rs in rows.items()
        }
        edges: dict[str, list[tuple[NodeRef, NodeRef, dict[str, Any]]]] = {}
        out: dict[str, dict[NodeRef, list[int]]] = {}
        into: dict[str, dict[NodeRef, list[int]]] = {}
        for name, t in rels.items():
            rt = schema.rels[name]
            listed = []
            o: dict[NodeRef, list[int]] = defaultdict(list)
            n: dict[NodeRef, list[int]] = defaultdict(list)
            for i, r in enumerate(t.to_pylist()):
                a = (rt.start, by_key[rt.start][r.pop("from")])
                b = (rt.end, by_key[rt.end][r.pop("to")])
                listed.append((a, b, r))
                o[a].append(i)
                n[b].append(i)
            edges[name], out[name], into[name] = listed, dict(o), dict(n)
        return cls(schema, rows, edges, by_key, out, into)

    def prop(self, ref: NodeRef | EdgeRef | None, name: str) -> Any:
        """A property of a node or relationship (null for a null binding)."""
        if ref is None:
            return None
        kind, row = ref
        if kind in self.nodes:
            return self.nodes[kind][row].get(name)
        return self.edges[kind][row][2].get(name)

    def steps(self, rel: str, node: NodeRef, direction: str) -> Iterator[tuple[int, NodeRef]]:
        """``(edge, neighbour)`` along ``rel`` from ``node``: ``out``, ``in`` or ``both``."""
        if direction in ("out", "both"):
            for e in self.out[rel].get(node, ()):
                yield e, self.edges[rel][e][1]
        if direction in ("in", "both"):
            for e in self.into[rel].get(node, ()):
                start = self.edges[rel][e][0]
                if direction == "both" and start == node:
                    continue  # a self-loop matches an undirected hop once (openCypher TCK)
                yield e, start

    def path_counts(self, rel: str, direction: str) -> dict[NodeRef, int]:
        """Paths of length >= 1 from each node along ``rel`` (acyclic ``rel`` only)."""
        memo: dict[NodeRef, int] = {}

        def count(node: NodeRef) -> int:
            stack = [node]
            while stack:
                cur = stack[-1]
                nxt = [v for _, v in self.steps(rel, cur, direction) if v not in memo]
                if nxt:
                    stack.extend(nxt)
                    continue
                stack.pop()
                memo[cur] = sum(1 + memo[v] for _, v in self.steps(rel, cur, direction))
            return memo[node]

        for label in (self.schema.rels[rel].start,):
            for i in range(len(self.nodes[label])):
                count((label, i))
        return memo


# -- query specs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """``(var:Label)``, or ``(var:Label {key: $key_param})`` with the label's key property."""

    var: str
    label: str
    key: str | None = None
    key_param: str | None = None


@dataclass(frozen=True)
class Rel:
    """``-[var:TYPE]->``; ``hops=(1, 2)`` is ``*1..2``, ``(1, None)`` is ``*1..``."""

    var: str | None
    type: str
    direction: str  # out | in | both
    hops: tuple[int, int | None] | None = None
    shortest: bool = False  # ``* SHORTEST 1..``: one path per endpoint (Kuzu-family syntax)


@dataclass(frozen=True)
class Pattern:
    """A chain ``nodes[0] rels[0] nodes[1] ...``."""

    nodes: tuple[Node, ...]
    rels: tuple[Rel, ...] = ()

    def vars(self) -> list[str]:
        return [n.var for n in self.nodes] + [r.var for r in self.rels if r.var]


@dataclass(frozen=True)
class Prop:
    var: str
    name: str


@dataclass(frozen=True)
class Var:
    var: str


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Concat:
    """``left + right`` on strings (null if either is null)."""

    left: Any
    right: Any


@dataclass(frozen=True)
class Cmp:
    op: str  # = <> < <= > >= IN STARTS WITH ENDS WITH CONTAINS
    left: Any
    right: Any


@dataclass(frozen=True)
class IsNull:
    expr: Any
    negated: bool = False


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    expr: Any


@dataclass(frozen=True)
class Agg:
    """An aggregate: ``count(*)`` (no arg), ``count``, ``sum``, ``min``, ``max``, ``avg``,
    ``size_collect`` (``size(collect(x))``)."""

    func: str
    arg: Prop | Var | None = None
    distinct: bool = False
    default: Any = None  # coalesce(agg, default): a workaround for engines that answer null


@dataclass(frozen=True)
class Item:
    expr: Prop | Var | Agg
    alias: str
    kind: str = ""  # the property's kind (str, int, float, bool) for a Prop


@dataclass(frozen=True)
class Query:
    """One read query; ``params`` are its values, ``rerun`` a second set for the same text."""

    match: Pattern
    items: tuple[Item, ...]
    where: Any = None
    optional: Pattern | None = None
    optional_where: Any = None
    distinct: bool = False
    order: tuple[tuple[str, bool], ...] = ()  # (alias, descending)
    order_by_expression: bool = False  # ORDER BY m.x instead of its alias (plain projections)
    null_safe_order: bool = False  # each key as ``k IS NULL, coalesce(k, zero)`` (same order)
    materialize: bool = False  # ``WITH *`` before RETURN (same rows)
    filter_after_with: bool = False  # ``MATCH ... WITH * WHERE ...`` (same rows)
    skip: int | Param | None = None
    limit: int | Param | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    rerun: Mapping[str, Any] | None = None
    tags: frozenset[str] = frozenset()

    def text(self) -> str:
        """The query as Cypher text."""
        return render(self)


# -- rendering ------------------------------------------------------------------------------
def _lit(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if "'" in value or "\\" in value:
            raise ValueError(f"{value!r} must travel as a parameter")
        return f"'{value}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    raise TypeError(f"no literal for {value!r}")


def expr_text(e: Any) -> str:
    """Cypher text of an expression."""
    if isinstance(e, Prop):
        return f"{e.var}.{e.name}"
    if isinstance(e, Var):
        return e.var
    if isinstance(e, Lit):
        return _lit(e.value)
    if isinstance(e, Param):
        return f"${e.name}"
    if isinstance(e, Cmp):
        return f"{expr_text(e.left)} {e.op} {expr_text(e.right)}"
    if isinstance(e, Concat):
        return f"({expr_text(e.left)} + {expr_text(e.right)})"
    if isinstance(e, IsNull):
        return f"{expr_text(e.expr)} IS {'NOT ' if e.negated else ''}NULL"
    if isinstance(e, BoolOp):
        return f"({expr_text(e.left)} {e.op} {expr_text(e.right)})"
    if isinstance(e, Not):
        return f"NOT ({expr_text(e.expr)})"
    if isinstance(e, Agg):
        if e.arg is None:
            text = "count(*)"
        else:
            inner = ("DISTINCT " if e.distinct else "") + expr_text(e.arg)
            text = f"size(collect({inner}))" if e.func == "size_collect" else f"{e.func}({inner})"
        return text if e.default is None else f"coalesce({text}, {_lit(e.default)})"
    raise TypeError(f"not an expression: {e!r}")


def _node_text(n: Node) -> str:
    inner = f"{n.var}:{n.label}"
    if n.key_param:
        inner += f" {{{n.key}: ${n.key_param}}}"
    return f"({inner})"


def _rel_text(r: Rel) -> str:
    body = f"{r.var or ''}:{r.type}"
    if r.hops:
        lo, hi = r.hops
        body += f"*{' SHORTEST ' if r.shortest else ''}{lo}..{'' if hi is None else hi}"
    left, right = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}[r.direction]
    return f"{left}[{body}]{right}"


def pattern_text(p: Pattern) -> str:
    """``(a:L)-[:T]->(b:L)...``."""
    out = _node_text(p.nodes[0])
    for rel, node in zip(p.rels, p.nodes[1:], strict=True):
        out += _rel_text(rel) + _node_text(node)
    return out


def render(q: Query) -> str:
    """Cypher text of ``q``."""
    parts = [f"MATCH {pattern_text(q.match)}"]
    if q.where is not None:
        parts.append(f"{'WITH * ' if q.filter_after_with else ''}WHERE {expr_text(q.where)}")
    if q.optional is not None:
        parts.append(f"OPTIONAL MATCH {pattern_text(q.optional)}")
        if q.optional_where is not None:
            parts.append(f"WHERE {expr_text(q.optional_where)}")
    if q.materialize:
        parts.append("WITH *")
    items = ", ".join(f"{expr_text(i.expr)} AS {i.alias}" for i in q.items)
    parts.append(f"RETURN {'DISTINCT ' if q.distinct else ''}{items}")
    if q.order:
        parts.append("ORDER BY " + ", ".join(_order_keys(q)))
    for word, v in (("SKIP", q.skip), ("LIMIT", q.limit)):
        if v is not None:
            parts.append(f"{word} {expr_text(v) if isinstance(v, Param) else v}")
    return " ".join(parts)


_ZERO = {"str": "", "int": 0, "float": 0.0, "bool": False}


def _order_keys(q: Query) -> list[str]:
    items = {i.alias: i for i in q.items}
    out = []
    for alias, desc in q.order:
        item = items[alias]
        key = expr_text(item.expr) if q.order_by_expression else alias
        way = " DESC" if desc else ""
        if q.null_safe_order and item.kind in _ZERO:
            out += [f"{key} IS NULL{way}", f"coalesce({key}, {_lit(_ZERO[item.kind])}){way}"]
        else:
            out.append(f"{key}{way}")
    return out


# -- the oracle -----------------------------------------------------------------------------
class TooBig(Exception):
    """The pattern has more matches than the oracle's budget (the query is dropped)."""


Binding = dict[str, Any]


@dataclass
class Oracle:
    """Answers :class:`Query` specs over a :class:`Graph`, within a budget of matches."""

    graph: Graph
    budget: int = 200_000
    _paths: dict[tuple[str, str], dict[NodeRef, int]] = field(default_factory=dict)

    # ---- values and predicates
    def value(self, e: Any, b: Binding, params: Mapping[str, Any]) -> Any:
        if isinstance(e, Prop):
            return self.graph.prop(b.get(e.var), e.name)
        if isinstance(e, Var):
            return b.get(e.var)
        if isinstance(e, Lit):
            return e.value
        if isinstance(e, Param):
            return params[e.name]
        if isinstance(e, Concat):
            left, right = self.value(e.left, b, params), self.value(e.right, b, params)
            return None if left is None or right is None else f"{left}{right}"
        return self.truth(e, b, params)

    def truth(self, e: Any, b: Binding, params: Mapping[str, Any]) -> bool | None:
        """Three-valued truth of a predicate."""
        if isinstance(e, BoolOp):
            left, right = self.truth(e.left, b, params), self.truth(e.right, b, params)
            if e.op == "AND":
                if left is False or right is False:
                    return False
                return None if left is None or right is None else True
            if left is True or right is True:
                return True
            return None if left is None or right is None else False
        if isinstance(e, Not):
            inner = self.truth(e.expr, b, params)
            return None if inner is None else not inner
        if isinstance(e, IsNull):
            return (self.value(e.expr, b, params) is None) != e.negated
        if isinstance(e, Cmp):
            return _compare(e.op, self.value(e.left, b, params), self.value(e.right, b, params))
        raise TypeError(f"not a predicate: {e!r}")

    # ---- pattern matching
    def matches(
        self, p: Pattern, params: Mapping[str, Any], seed: Binding | None = None
    ) -> list[Binding]:
        """Every binding of the pattern's variables (relationships used once per match)."""
        g = self.graph
        first = p.nodes[0]
        if seed is not None and first.var in seed:
            start = seed[first.var]
            starts = [] if start is None else [start]
        elif first.key_param is not None:
            row = g.by_key[first.label].get(params[first.key_param])
            starts = [] if row is None else [(first.label, row)]
        else:
            starts = [(first.label, i) for i in range(len(g.nodes[first.label]))]
        out: list[Binding] = []
        for s in starts:
            if not self._fits(first, s, params):
                continue
            base = dict(seed or {})
            base[first.var] = s
            self._extend(p, 0, s, base, frozenset(), params, out)
        return out

    def _fits(self, node: Node, ref: NodeRef, params: Mapping[str, Any]) -> bool:
        if ref[0] != node.label:
            return False
        if node.key_param is None:
            return True
        assert node.key is not None
        return bool(self.graph.prop(ref, node.key) == params[node.key_param])

    def _extend(
        self,
        p: Pattern,
        i: int,
        cur: NodeRef,
        b: Binding,
        used: frozenset[EdgeRef],
        params: Mapping[str, Any],
        out: list[Binding],
    ) -> None:
        if i == len(p.rels):
            out.append(dict(b))
            if len(out) > self.budget:
                raise TooBig(f"more than {self.budget} matches")
            return
        rel, node = p.rels[i], p.nodes[i + 1]
        for nxt, edges in self._hop(rel, cur, used):
            if node.var in b and b[node.var] != nxt:
                continue  # a variable seen earlier in the pattern must be the same node
            if not self._fits(node, nxt, params):
                continue
            fresh = node.var not in b
            b[node.var] = nxt
            if rel.var:
                b[rel.var] = edges[0]
            self._extend(p, i + 1, nxt, b, used | frozenset(edges), params, out)
            if fresh:
                del b[node.var]
            if rel.var:
                del b[rel.var]

    def _hop(
        self, rel: Rel, cur: NodeRef, used: frozenset[EdgeRef]
    ) -> Iterator[tuple[NodeRef, tuple[EdgeRef, ...]]]:
        g = self.graph
        if rel.hops is None:
            for e, nxt in g.steps(rel.type, cur, rel.direction):
                if (rel.type, e) not in used:
                    yield nxt, ((rel.type, e),)
            return
        lo, hi = rel.hops
        if hi is None:  # endpoints only: the generator never asks for path multiplicity
            yield from ((v, ()) for v in self._reachable(rel, cur, lo))
            return
        stack: list[tuple[NodeRef, tuple[EdgeRef, ...]]] = [(cur, ())]
        while stack:
            node, path = stack.pop()
            if lo <= len(path) <= hi and path:
                yield node, path
            if len(path) < hi:
                for e, nxt in g.steps(rel.type, node, rel.direction):
                    ref = (rel.type, e)
                    if ref not in used and ref not in path:
                        stack.append((nxt, (*path, ref)))

    def _reachable(self, rel: Rel, cur: NodeRef, lo: int) -> list[NodeRef]:
        """Nodes at the end of some path of length >= ``lo`` (acyclic relationships).

        Each node keeps the longest length found so far, capped at ``lo`` (longer ones need
        not be told apart), and is expanded again only when that grows.
        """
        longest: dict[NodeRef, int] = {}
        frontier = [(cur, 0)]
        while frontier:
            node, d = frontier.pop()
            for _, nxt in self.graph.steps(rel.type, node, rel.direction):
                nd = min(d + 1, lo)
                if longest.get(nxt, -1) < nd:
                    longest[nxt] = nd
                    frontier.append((nxt, nd))
        return sorted(v for v, d in longest.items() if d >= lo)

    def path_count(self, rel: Rel, start: NodeRef | None) -> int:
        """Paths an engine enumerates for an unbounded hop from ``start`` (None: from all)."""
        key = (rel.type, rel.direction)
        if key not in self._paths:
            self._paths[key] = self.graph.path_counts(rel.type, rel.direction)
        counts = self._paths[key]
        return counts.get(start, 0) if start is not None else sum(counts.values())

    # ---- the whole query
    def answer(self, q: Query, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows Neo4j would return for ``q`` (``params`` default to ``q.params``).

        Raises:
            TooBig: the pattern has more matches than the budget.
        """
        params = q.params if params is None else params
        rows = [b for b in self.matches(q.match, params) if self.truth_or_true(q.where, b, params)]
        if q.optional is not None:
            rows = self._optional(q, rows, params)
        table = self._project(q, rows, params)
        if q.distinct:
            table = list(dict.fromkeys(table))
        if q.order:
            table = _order(q, table)
        skip = _int(q.skip, params)
        limit = _int(q.limit, params)
        table = table[skip or 0 :]
        return table if limit is None else table[:limit]

    def truth_or_true(self, e: Any, b: Binding, params: Mapping[str, Any]) -> bool:
        return e is None or self.truth(e, b, params) is True

    def _optional(self, q: Query, rows: list[Binding], params: Mapping[str, Any]) -> list[Binding]:
        assert q.optional is not None
        new_vars = [v for v in q.optional.vars() if v not in q.match.vars()]
        out: list[Binding] = []
        for b in rows:
            found = [
                m
                for m in self.matches(q.optional, params, seed=b)
                if self.truth_or_true(q.optional_where, m, params)
            ]
            out.extend(found or [{**b, **dict.fromkeys(new_vars)}])
            if len(out) > self.budget:
                raise TooBig(f"more than {self.budget} rows")
        return out

    def _project(
        self, q: Query, rows: list[Binding], params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        aggs = [i for i, it in enumerate(q.items) if isinstance(it.expr, Agg)]
        if not aggs:
            return [tuple(self.value(it.expr, b, params) for it in q.items) for b in rows]
        keys = [i for i in range(len(q.items)) if i not in aggs]
        groups: dict[tuple[Any, ...], list[Binding]] = {}
        for b in rows:
            k = tuple(_hashable(self.value(q.items[i].expr, b, params)) for i in keys)
            groups.setdefault(k, []).append(b)
        if not keys and not groups:
            groups[()] = []
        out = []
        for k, members in groups.items():
            row: list[Any] = [None] * len(q.items)
            for pos, i in enumerate(keys):
                row[i] = k[pos]
            for i in aggs:
                agg = q.items[i].expr
                assert isinstance(agg, Agg)
                value = self._aggregate(agg, members, params)
                row[i] = agg.default if value is None else value
            out.append(tuple(row))
        return out

    def _aggregate(self, a: Agg, rows: list[Binding], params: Mapping[str, Any]) -> Any:
        if a.arg is None:
            return len(rows)
        values = [self.value(a.arg, b, params) for b in rows]
        values = [_hashable(v) for v in values if v is not None]
        if a.distinct:
            values = list(dict.fromkeys(values))
        if a.func in ("count", "size_collect"):
            return len(values)
        if a.func == "sum":
            return math.fsum(values) if any(isinstance(v, float) for v in values) else sum(values)
        if not values:
            return None
        if a.func == "avg":
            return math.fsum(values) / len(values)
        if a.func == "min":
            return min(values)
        if a.func == "max":
            return max(values)
        raise ValueError(f"unknown aggregate {a.func}")


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _int(v: int | Param | None, params: Mapping[str, Any]) -> int | None:
    if isinstance(v, Param):
        return int(params[v.name])
    return v


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if op == "IN":
        if a is None or b is None:
            return None
        if any(_equal(a, x) for x in b):
            return True
        return None if any(x is None for x in b) else False
    if a is None or b is None:
        return None
    if op in ("STARTS WITH", "ENDS WITH", "CONTAINS"):
        if not (isinstance(a, str) and isinstance(b, str)):
            return None
        if op == "STARTS WITH":
            return a.startswith(b)
        return a.endswith(b) if op == "ENDS WITH" else b in a
    if op == "=":
        return _equal(a, b)
    if op == "<>":
        return not _equal(a, b)
    if _family(a) != _family(b):
        return None  # Neo4j: ordering values of different types is null
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _family(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    return "num" if isinstance(v, int | float) else type(v).__name__


def _equal(a: Any, b: Any) -> bool:
    return _family(a) == _family(b) and a == b


def sort_key(v: Any, descending: bool = False) -> tuple[Any, ...]:
    """Neo4j's order of one column's values: nulls last ascending (first descending)."""
    if v is None:
        return (1, 0)
    if isinstance(v, float):
        return (0, float(f"{v:.9g}"))
    return (0, v)


def _order(q: Query, table: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    pos = {it.alias: i for i, it in enumerate(q.items)}
    out = list(table)
    for alias, desc in reversed(q.order):  # stable sorts, last key first
        i = pos[alias]
        out.sort(key=lambda r, i=i: sort_key(r[i]), reverse=desc)
    return out


# -- comparing answers ----------------------------------------------------------------------
def same_value(want: Any, got: Any, rel_tol: float = 1e-9) -> bool:
    """Equal, with floats (and ints against floats) within a relative tolerance."""
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, bool) or isinstance(got, bool):
        return isinstance(want, bool) and isinstance(got, bool) and want == got
    if isinstance(want, int | float) and isinstance(got, int | float):
        if isinstance(want, int) and isinstance(got, int):
            return want == got
        return math.isclose(want, got, rel_tol=rel_tol, abs_tol=1e-12)
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        return len(want) == len(got) and all(
            same_value(w, g, rel_tol) for w, g in zip(want, got, strict=True)
        )
    return bool(want == got)


def _row_key(row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple((type(v).__name__ if v is not None else "", sort_key(v)) for v in row)


def same_rows(want: Sequence[Sequence[Any]], got: Sequence[Sequence[Any]], ordered: bool) -> bool:
    """Same rows (in the same order when ``ordered``), values compared by :func:`same_value`."""
    if len(want) != len(got):
        return False
    if not ordered:
        want, got = sorted(want, key=_row_key), sorted(got, key=_row_key)
    return all(
        len(w) == len(g) and all(same_value(a, b) for a, b in zip(w, g, strict=True))
        for w, g in zip(want, got, strict=True)
    )


def plain(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples (JSON gives lists)."""
    return [tuple(r) for r in rows]
