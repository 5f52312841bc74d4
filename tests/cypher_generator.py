"""A seeded generator of read queries over the lineage schema, as :mod:`cypher_oracle` specs.

Every query is built from the schema read off the tables (labels, relationship types and
their ends, properties and their types) and from values found in the data, so the same
seed on the same tables gives the same queries, and a renamed property is followed.

Shapes, mixed by weight:

* ``hops``: 1-3 hop chains over every relationship type, either direction (sometimes
  undirected), WHERE on node and relationship properties, plain or DISTINCT projections,
  ORDER BY every returned column (a total order), SKIP/LIMIT as literals or parameters;
* ``agg``: the same patterns aggregated (count, sum, min, max, avg, size(collect)) with 0-2
  grouping keys, DISTINCT inside aggregates;
* ``varlen``: bounded and unbounded variable-length paths, endpoint-only results;
* ``optional``: MATCH then OPTIONAL MATCH with its own WHERE.

A query with parameters sometimes carries a second set of values (``rerun``) to be run on
the same connection after the first, which catches engines that keep a value from the first
run.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cypher_defects import DEFECTS, Defect, defects_for, workaround
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
    TooBig,
    Var,
    same_rows,
)

SHAPES = {"hops": 4, "agg": 4, "varlen": 2, "optional": 2}
_UNSAFE = ("'", "\\")


@dataclass
class _Build:
    """Parameters of the query being built, each with how to draw its value."""

    rng: random.Random
    draws: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def param(self, draw: Callable[[], Any]) -> Param:
        name = f"p{len(self.draws)}"
        self.draws[name] = draw
        return Param(name)

    def values(self) -> dict[str, Any]:
        return {k: d() for k, d in self.draws.items()}


class QueryGenerator:
    """Draws :class:`~cypher_oracle.Query` specs from a seeded random stream."""

    def __init__(self, graph: Graph, seed: int) -> None:
        self.graph = graph
        self.schema = graph.schema
        self.rng = random.Random(seed)
        self.seed = seed
        # Values seen per (label or type, property): what predicates compare against.
        self.values: dict[tuple[str, str], list[Any]] = {}
        for label, rows in graph.nodes.items():
            for prop, _ in self.schema.labels[label]:
                self.values[(label, prop)] = [r[prop] for r in rows]
        for name, edges in graph.edges.items():
            for prop, _ in self.schema.rels[name].props:
                self.values[(name, prop)] = [e[2][prop] for e in edges]

    def __iter__(self) -> Iterator[Query]:
        shapes, weights = zip(*SHAPES.items(), strict=True)
        while True:
            shape = self.rng.choices(shapes, weights)[0]
            b = _Build(self.rng)
            q = getattr(self, f"_{shape}")(b)
            params = b.values()
            rerun = None
            if b.draws and self.rng.random() < 0.3:
                for _ in range(5):
                    rerun = b.values()
                    if rerun != params:
                        break
            yield Query(**{**q, "params": params, "rerun": rerun, "tags": frozenset({shape})})

    def _item(self, expr: Any, alias: str, owners: list[tuple[str, str]]) -> Item:
        """A RETURN item; a property keeps its kind (for null-safe ORDER BY keys)."""
        if not isinstance(expr, Prop):
            return Item(expr, alias)
        owner = dict(owners)[expr.var]
        return Item(expr, alias, self.schema.kind(owner, expr.name))

    # -- patterns -----------------------------------------------------------------------------
    def _steps(self, label: str) -> list[tuple[str, str, str]]:
        """``(type, direction, next label)`` for every way out of a node of ``label``."""
        out = []
        for rt in self.schema.rels.values():
            if rt.start == label:
                out.append((rt.name, "out", rt.end))
            if rt.end == label:
                out.append((rt.name, "in", rt.start))
            if rt.start == rt.end == label and self.rng.random() < 0.15:
                out.append((rt.name, "both", rt.end))
        return out

    def _chain(self, b: _Build, hops: int, names: str = "abcd") -> Pattern:
        labels = sorted(self.schema.labels)
        start = self.rng.choice(labels) if self.rng.random() < 0.25 else _main_label(labels)
        nodes = [Node(names[0], start)]
        rels: list[Rel] = []
        for i in range(hops):
            rtype, direction, nxt = self.rng.choice(self._steps(nodes[-1].label))
            var = f"r{i + 1}" if self.schema.rels[rtype].props or self.rng.random() < 0.3 else None
            rels.append(Rel(var, rtype, direction))
            nodes.append(Node(names[i + 1], nxt))
        if self.rng.random() < 0.35:
            nodes[0] = self._anchor(b, nodes[0], rels[0] if rels else None)
        return Pattern(tuple(nodes), tuple(rels))

    def _anchor(self, b: _Build, node: Node, first: Rel | None) -> Node:
        """``{key: $p}`` on a node, valued with a node that has the first hop (mostly)."""
        key = self.schema.key(node.label)
        keys = self.values[(node.label, key)]
        with_hop = keys
        if first is not None:
            g = self.graph
            with_hop = [
                k
                for i, k in enumerate(keys)
                if next(g.steps(first.type, (node.label, i), first.direction), None)
            ] or keys
        rng = self.rng

        def draw() -> Any:
            roll = rng.random()
            if roll < 0.05:
                return "no/such-node"
            return rng.choice(with_hop if roll < 0.8 else keys)

        return Node(node.var, node.label, key, b.param(draw).name)

    # -- predicates ---------------------------------------------------------------------------
    def _where(self, b: _Build, owners: list[tuple[str, str]], atoms: int) -> Any:
        """A random predicate of ``atoms`` comparisons on ``(var, label or type)`` owners."""
        owners = [(v, o) for v, o in owners if self._props(o)]
        if not owners or atoms == 0:
            return None
        expr: Any = None
        for _ in range(atoms):
            var, owner = self.rng.choice(owners)
            atom = self._atom(b, var, owner)
            if self.rng.random() < 0.12:
                atom = Not(atom)
            expr = (
                atom if expr is None else BoolOp(self.rng.choice(("AND", "AND", "OR")), expr, atom)
            )
        return expr

    def _props(self, owner: str) -> list[tuple[str, str]]:
        if owner in self.schema.labels:
            return list(self.schema.labels[owner])
        return list(self.schema.rels[owner].props)

    def _atom(self, b: _Build, var: str, owner: str) -> Any:
        prop, kind = self.rng.choice(self._props(owner))
        target = Prop(var, prop)
        pool = self.values[(owner, prop)]
        rng = self.rng
        present = [v for v in pool if v is not None]
        if not present or rng.random() < 0.12:
            return IsNull(target, negated=rng.random() < 0.5)
        if kind == "bool":
            return Cmp(rng.choice(("=", "<>")), target, Lit(rng.random() < 0.5))
        ops = {
            "str": ["=", "=", "<>", "IN", "STARTS WITH", "CONTAINS", "ENDS WITH", "<", ">="],
            "int": ["=", "<>", "<", "<=", ">", ">=", "IN"],
            "float": ["<", ">=", ">", "<="],
        }[kind]
        op = rng.choice(ops)

        def one() -> Any:
            v = rng.choice(present)
            if op in ("STARTS WITH", "CONTAINS", "ENDS WITH") and v:
                i = rng.randrange(len(v))
                j = rng.randrange(i, min(len(v), i + 6)) + 1
                v = v[:j] if op == "STARTS WITH" else v[-j:] if op == "ENDS WITH" else v[i:j]
            return v

        if op == "IN":

            def draw() -> Any:
                return sorted({one() for _ in range(rng.randint(1, 4))}, key=str)

        else:
            draw = one
        value = draw()
        if rng.random() < 0.3 or _unsafe(value):
            return Cmp(op, target, b.param(draw))
        return Cmp(op, target, Lit(value))

    # -- shapes -------------------------------------------------------------------------------
    def _owners(self, p: Pattern) -> list[tuple[str, str]]:
        return [(n.var, n.label) for n in p.nodes] + [(r.var, r.type) for r in p.rels if r.var]

    def _columns(self, owners: list[tuple[str, str]], n: int, kinds: tuple[str, ...]) -> list[Prop]:
        choices = [
            Prop(var, prop)
            for var, owner in owners
            for prop, kind in self._props(owner)
            if kind in kinds
        ]
        return self.rng.sample(choices, min(n, len(choices)))

    def _hops(self, b: _Build) -> dict[str, Any]:
        p = self._chain(b, self.rng.choice((1, 1, 2, 2, 3)))
        owners = self._owners(p)
        where = self._where(b, owners, self.rng.choice((0, 1, 1, 2, 3)))
        cols = self._columns(owners, self.rng.randint(1, 3), ("str", "int", "float", "bool"))
        items = tuple(self._item(c, f"c{i}", owners) for i, c in enumerate(cols))
        return {"match": p, "where": where, "items": items,
                "distinct": self.rng.random() < 0.3, **self._paging(b, items)}  # fmt: skip

    def _paging(
        self, b: _Build, items: tuple[Item, ...], keys: int | None = None
    ) -> dict[str, Any]:
        """ORDER BY every returned column (or the grouping keys), maybe SKIP and LIMIT."""
        rng = self.rng
        ordered = items if keys is None else items[:keys]
        if not ordered or rng.random() < 0.3:
            return {}
        order = [(it.alias, rng.random() < 0.3) for it in ordered]
        rng.shuffle(order)
        out: dict[str, Any] = {"order": tuple(order)}
        out["order_by_expression"] = keys is None and rng.random() < 0.3
        if rng.random() < 0.3:
            out["skip"] = (
                b.param(lambda: rng.randint(0, 6)) if rng.random() < 0.5 else rng.randint(1, 5)
            )
        if rng.random() < 0.5:
            out["limit"] = (
                b.param(lambda: rng.randint(1, 12)) if rng.random() < 0.5 else rng.randint(1, 10)
            )
        return out

    def _aggregates(self, owners: list[tuple[str, str]], n: int) -> list[Agg]:
        rng = self.rng
        out: list[Agg] = []
        for _ in range(n):
            func = rng.choice(
                ("count*", "count", "count", "sum", "min", "max", "avg", "size_collect")
            )
            if func == "count*":
                out.append(Agg("count"))
                continue
            if func == "count" and rng.random() < 0.4:
                out.append(Agg("count", Var(rng.choice(owners)[0]), distinct=rng.random() < 0.5))
                continue
            kinds = {"sum": ("int", "float"), "avg": ("int", "float"),
                     "min": ("int", "float", "str"), "max": ("int", "float", "str")}  # fmt: skip
            cols = self._columns(owners, 1, kinds.get(func, ("str", "int", "float", "bool")))
            if cols:
                out.append(Agg(func, cols[0], distinct=rng.random() < 0.3))
        return out or [Agg("count")]

    def _agg(self, b: _Build) -> dict[str, Any]:
        p = self._chain(b, self.rng.choice((1, 1, 2, 2, 3)))
        owners = self._owners(p)
        where = self._where(b, owners, self.rng.choice((0, 1, 1, 2)))
        keys = self._columns(owners, self.rng.choice((0, 1, 1, 2)), ("str", "int", "bool"))
        aggs = self._aggregates(owners, self.rng.randint(1, 3))
        items = tuple(self._item(e, f"c{i}", owners) for i, e in enumerate([*keys, *aggs]))
        paging = self._paging(b, items, keys=len(keys)) if keys else {}
        return {"match": p, "where": where, "items": items, **paging}

    def _varlen(self, b: _Build) -> dict[str, Any]:
        rng = self.rng
        acyclic = sorted(n for n, rt in self.schema.rels.items() if rt.start == rt.end)
        rtype = "DERIVED_FROM" if "DERIVED_FROM" in acyclic else acyclic[0]
        label = self.schema.rels[rtype].start
        hops = rng.choice(((1, 2), (1, 2), (2, 3), (1, None), (1, None), (2, None)))
        rel = Rel(None, rtype, rng.choice(("out", "in")), hops)
        a, z = Node("a", label), Node("b", label)
        if rng.random() < 0.6:
            a = self._anchor(b, a, Rel(None, rtype, rel.direction))
        nodes, rels = [a, z], [rel]
        extra = [(n, d, lab) for n, d, lab in self._steps(label) if n != rtype]
        if extra and rng.random() < 0.3:  # one more hop of another type from the far end
            n, d, lab = rng.choice(extra)
            nodes.append(Node("c", lab))
            rels.append(Rel(None, n, d))
        p = Pattern(tuple(nodes), tuple(rels))
        where = self._where(b, [("b", label)], rng.choice((0, 0, 1, 2)))
        far = nodes[-1]
        far_key = Prop(far.var, self.schema.key(far.label))
        unbounded = hops[1] is None
        roll = rng.random()
        if roll < 0.35:  # endpoints as rows
            items: tuple[Item, ...] = (self._item(far_key, "c0", [(far.var, far.label)]),)
            return {"match": p, "where": where, "items": items, "distinct": True,
                    **self._paging(b, items)}  # fmt: skip
        if roll < 0.6 and not a.key_param:  # per start node
            aggs = [Agg("count", Var(far.var), distinct=True)]
            if not unbounded and rng.random() < 0.5:
                aggs.append(Agg("count"))  # paths, bounded only
            items = (self._item(Prop("a", self.schema.key(label)), "c0", [("a", label)]),
                     *(Item(x, f"c{i + 1}") for i, x in enumerate(aggs)))  # fmt: skip
            return {"match": p, "where": where, "items": items, **self._paging(b, items, keys=1)}
        aggs = [Agg("count", Var(far.var), distinct=True)]
        cols = self._columns([(far.var, far.label)], 1, ("int", "str"))
        if cols:
            aggs.append(Agg(rng.choice(("min", "max")), cols[0]))
            aggs.append(Agg("size_collect", cols[0], distinct=True))
        if not unbounded:
            aggs.append(Agg("count"))
        return {"match": p, "where": where,
                "items": tuple(Item(x, f"c{i}") for i, x in enumerate(aggs))}  # fmt: skip

    def _optional(self, b: _Build) -> dict[str, Any]:
        rng = self.rng
        first = self._chain(b, rng.choice((0, 0, 1)), names="ab")
        owners = self._owners(first)
        where = self._where(b, owners, rng.choice((1, 2)))
        pivot = first.nodes[-1]
        steps = self._steps(pivot.label)
        hops = rng.choice((1, 1, 2))
        nodes, rels = [pivot], []
        for i in range(hops):
            rtype, direction, nxt = rng.choice(steps if i == 0 else self._steps(nodes[-1].label))
            var = f"o{i + 1}" if self.schema.rels[rtype].props else None
            rels.append(Rel(var, rtype, direction))
            nodes.append(Node("xy"[i], nxt))
        opt = Pattern(tuple(nodes), tuple(rels))
        opt_owners = [(o_var, o) for o_var, o in self._owners(opt) if o_var != pivot.var]
        opt_where = self._where(b, opt_owners, rng.choice((0, 1, 1)))
        key = self._item(Prop(pivot.var, self.schema.key(pivot.label)), "c0", owners)
        if rng.random() < 0.5:
            aggs = self._aggregates(opt_owners, rng.randint(1, 2))
            items = (key, *(Item(a, f"c{i + 1}") for i, a in enumerate(aggs)))
            paging = self._paging(b, items, keys=1)
        else:
            cols = self._columns(opt_owners, rng.randint(1, 2), ("str", "int", "float", "bool"))
            items = (key, *(self._item(c, f"c{i + 1}", opt_owners) for i, c in enumerate(cols)))
            paging = self._paging(b, items)
        return {"match": first, "where": where, "optional": opt, "optional_where": opt_where,
                "items": items, **paging}  # fmt: skip


def _main_label(labels: list[str]) -> str:
    """The label most relationship types touch (``Model`` here)."""
    return "Model" if "Model" in labels else labels[0]


def _unsafe(value: Any) -> bool:
    if isinstance(value, str):
        return any(c in value for c in _UNSAFE)
    if isinstance(value, list):
        return any(_unsafe(v) for v in value)
    return False


def features(q: Query) -> frozenset[str]:
    """What a query uses, for the table of known engine defects."""
    out = set(q.tags)
    pats = [q.match, *([q.optional] if q.optional else [])]
    for p in pats:
        for r in p.rels:
            if r.hops:
                out.add("varlen-unbounded" if r.hops[1] is None else "varlen-bounded")
            if r.direction == "both":
                out.add("undirected")
        if len(p.rels) >= 2:
            out.add("multi-hop")
    if isinstance(q.skip, Param):
        out.add("param-skip")
    if isinstance(q.limit, Param):
        out.add("param-limit")
    if q.rerun is not None:
        out.add("rerun")
    for it in q.items:
        if isinstance(it.expr, Agg):
            out.add(f"agg-{it.expr.func}")
    return frozenset(out)


# -- the hand-built input -------------------------------------------------------------------
def literal_models() -> list[dict[str, Any]]:
    """``/api/models`` objects for a small graph with every case the suite should meet.

    Two families of roots with finetunes, adapters and quantizations; merges of two and
    three parents (one across families); stubs (parents not in the data); a 9-deep chain;
    a diamond (two paths to one ancestor); null pipeline tags, library names and dates;
    equal download counts (ties for ORDER BY); names that share prefixes and substrings.
    """
    from conftest import api_model

    m: list[dict[str, Any]] = [
        api_model(
            "meta-llama/Llama-3-8B",
            downloads=900,
            likes=50,
            pipeline_tag="text-generation",
            library_name="transformers",
            createdAt="2024-04-18T00:00:00.000Z",
        ),
        api_model(
            "Qwen/Qwen2.5-7B",
            downloads=900,
            likes=40,
            pipeline_tag="text-generation",
            library_name="transformers",
            createdAt="2024-09-19T00:00:00.000Z",
        ),
        api_model(
            "google/gemma-2-9b",
            downloads=120,
            likes=7,
            pipeline_tag=None,
            library_name="transformers",
            createdAt=None,
        ),
        api_model(
            "alice/llama-ft",
            "meta-llama/Llama-3-8B",
            downloads=30,
            likes=3,
            pipeline_tag="text-generation",
            library_name="transformers",
        ),
        api_model(
            "alice/llama-ft-gguf",
            "alice/llama-ft",
            relation="quantized",
            downloads=30,
            library_name="gguf",
        ),
        api_model(
            "alice/qwen-lora",
            "Qwen/Qwen2.5-7B",
            relation="adapter",
            downloads=5,
            library_name="peft",
        ),
        api_model(
            "bob/llama-qwen-merge",
            "alice/llama-ft",
            "Qwen/Qwen2.5-7B",
            relation="merge",
            downloads=11,
            likes=1,
        ),
        api_model(
            "bob/triple-merge",
            "bob/llama-qwen-merge",
            "google/gemma-2-9b",
            "alice/qwen-lora",
            relation="merge",
            downloads=11,
            likes=1,
        ),
        api_model("bob/triple-merge-ft", "bob/triple-merge", downloads=0),
        # parents that are not in the data: stubs
        api_model("carol/from-stub", "mistralai/Mistral-7B-v0.1", downloads=77, likes=2),
        api_model(
            "carol/from-two-stubs",
            "mistralai/Mistral-7B-v0.1",
            "ghost/unknown-base",
            relation="merge",
            downloads=4,
        ),
        api_model("carol/unknown-rel", "meta-llama/Llama-3-8B", relation=None, downloads=8),
        # a diamond: two paths from the bottom to alice/llama-ft
        api_model("dave/left", "alice/llama-ft", downloads=2),
        api_model("dave/right", "alice/llama-ft", relation="adapter", downloads=2),
        api_model(
            "dave/diamond",
            "dave/left",
            "dave/right",
            relation="merge",
            downloads=2,
            createdAt="2022-03-02T23:29:04.000Z",
        ),
        # card-only lineage and an org-less id
        api_model(
            "erin/card-kid",
            relation=None,
            downloads=9,
            cardData={"base_model": "Qwen/Qwen2.5-7B", "base_model_relation": "finetune"},
        ),
        api_model("loner-model", downloads=1, author=None),
        api_model(
            "Qwen/Qwen2.5-7B-Instruct",
            "Qwen/Qwen2.5-7B",
            downloads=500,
            likes=40,
            pipeline_tag="text-generation",
        ),
    ]
    chain = ["Qwen/Qwen2.5-7B-Instruct", *(f"deep/step-{i}" for i in range(1, 10))]
    for i, (parent, child) in enumerate(itertools.pairwise(chain)):
        rel = ("finetune", "adapter", "quantized")[i % 3]
        m.append(
            api_model(
                child,
                parent,
                relation=rel,
                downloads=100 - 10 * i,
                likes=i % 3,
                pipeline_tag="text-generation" if i % 2 else None,
            )
        )
    return m


# -- running the suite ----------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A query with the oracle's answer for each of its parameter sets."""

    query: Query
    answers: tuple[list[tuple[Any, ...]], ...]

    def runs(self) -> list[tuple[dict[str, Any], list[tuple[Any, ...]]]]:
        sets = [self.query.params, *([self.query.rerun] if self.query.rerun is not None else [])]
        return [(dict(p), a) for p, a in zip(sets, self.answers, strict=True)]


def draw_cases(oracle: Oracle, seed: int, n: int) -> tuple[list[Case], int]:
    """The first ``n`` generated queries the oracle answers within its budget, and how many
    were dropped for exceeding it."""
    cases: list[Case] = []
    dropped = 0
    for q in QueryGenerator(oracle.graph, seed):
        if len(cases) >= n:
            break
        q = _mark_many_paths(oracle, q)
        try:
            answers = [oracle.answer(q)]
            if q.rerun is not None:
                answers.append(oracle.answer(q, q.rerun))
        except TooBig:
            dropped += 1
            continue
        cases.append(Case(q, tuple(answers)))
    return cases, dropped


#: Paths an unbounded variable-length hop may enumerate before a query is tagged ``many-paths``.
MANY_PATHS = 100_000


def _mark_many_paths(oracle: Oracle, q: Query) -> Query:
    """Tag ``many-paths`` a query whose unbounded hop has over MANY_PATHS paths to walk."""
    p = q.match
    if not p.rels or p.rels[0].hops is None or p.rels[0].hops[1] is not None:
        return q
    first = p.nodes[0]
    worst = 0
    for params in (q.params, q.rerun or {}):
        start = None
        if first.key_param:
            if first.key_param not in params:
                continue
            row = oracle.graph.by_key[first.label].get(params[first.key_param])
            if row is None:
                continue
            start = (first.label, row)
        worst = max(worst, oracle.path_count(p.rels[0], start))
    return dataclasses.replace(q, tags=q.tags | {"many-paths"}) if worst > MANY_PATHS else q


@dataclass(frozen=True)
class Verdict:
    """How an engine did on one case: ``agree``, ``excused`` (a listed defect whose
    workaround agreed), or ``wrong``/``error``/``timeout``/``crash``."""

    case: Case
    kind: str
    detail: str = ""
    defect: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind in ("agree", "excused")

    def report(self) -> str:
        q = self.case.query
        lines = [f"[{self.kind}{' ' + self.defect if self.defect else ''}] {q.text()}"]
        for params, want in self.case.runs():
            lines.append(f"  params {params}\n  expected ({len(want)} rows) {want[:10]}")
        lines.append(f"  {self.detail}")
        return "\n".join(lines)


def _first_miss(
    run: Callable[[str, dict[str, Any]], Any], q: Query, runs: list[tuple[dict[str, Any], Any]]
) -> tuple[str, str, float]:
    """Run ``q`` with each parameter set in turn; the first disagreement, or ``agree``."""
    seconds = 0.0
    for params, want in runs:
        ans = run(q.text(), params)
        seconds += ans.seconds
        if ans.kind != "rows":
            return ans.kind, f"params {params}: {ans.message}", seconds
        if not same_rows(want, ans.rows, ordered=bool(q.order)):
            got = ans.rows
            return "wrong", f"params {params}: got ({len(got)} rows) {got[:10]}", seconds
    return "agree", "", seconds


def check_case(
    case: Case,
    run: Callable[[str, dict[str, Any]], Any],
    engine: str,
    oracle: Oracle,
    defects: Iterable[Defect] = DEFECTS,
    run_hangs: bool = True,
) -> Verdict:
    """Compare an engine's answers (``run(text, params) -> cypher_engines.Answer``) with the
    oracle's; a disagreement is excused only by a listed defect whose workaround agrees.

    With ``run_hangs=False`` a query with a listed defect that hangs is not run itself (it
    would only wait for the timeout): its workaround must agree.
    """
    q = case.query
    listed = defects_for(engine, q, defects)
    if not run_hangs and any(d.hangs for d in listed):
        kind, detail, seconds = "timeout", "not run: a listed defect makes it hang", 0.0
    else:
        kind, detail, seconds = _first_miss(run, q, case.runs())
    if kind == "agree":
        return Verdict(case, kind, seconds=seconds)
    if not listed:
        return Verdict(case, kind, detail, seconds=seconds)
    # Each listed defect alone first (to name the one that explains it), then all together.
    combos = [[d] for d in listed] + ([listed] if len(listed) > 1 else [])
    why = ""
    for combo in combos:
        names = "+".join(d.name for d in combo)
        why = _workaround_miss(run, q, combo, oracle)
        if not why:
            return Verdict(case, "excused", detail, defect=names, seconds=seconds)
    return Verdict(case, kind, f"{detail}\n  {why}", seconds=seconds)


def _workaround_miss(
    run: Callable[[str, dict[str, Any]], Any], q: Query, combo: list[Defect], oracle: Oracle
) -> str:
    """Why the workaround for ``combo`` disagrees with the oracle too ('' if it agrees)."""
    names = "+".join(d.name for d in combo)
    rewritten = workaround(q, combo)
    if all(w.text() == q.text() for w in rewritten):
        return f"the workaround for {names} does not change the query"
    for w in rewritten:
        sets = [w.params, *([w.rerun] if w.rerun is not None else [])]
        w_kind, w_detail, _ = _first_miss(run, w, [(dict(p), oracle.answer(w, p)) for p in sets])
        if w_kind != "agree":
            return f"the workaround for {names} fails too ({w_kind}): {w.text()}\n  {w_detail}"
    return ""
