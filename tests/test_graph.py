from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from conftest import api_model

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph, Relation
from hflineage.queries import ancestors_of, descendants_of, roots_of

MakeGraph = Callable[..., LineageGraph]


def _edges(g: LineageGraph) -> set[tuple[str, str, str, str]]:
    return {
        (g.ids[int(c)], g.ids[int(p)], Relation(int(r)).label, g.source_of(i))
        for i, (c, p, r) in enumerate(
            zip(g.edge_child, g.edge_parent, g.edge_relation, strict=True)
        )
    }


def test_trust_order_hub_over_tags_over_card(make_graph: MakeGraph) -> None:
    g = make_graph(
        [
            api_model("a/base"),
            api_model("b/other"),
            api_model("c/card-only"),
            # hub's resolved view wins over tags and card
            api_model(
                "x/one",
                "b/other",
                baseModels={"relation": "adapter", "models": [{"id": "a/base"}]},
                cardData={"base_model": "c/card-only"},
            ),
            # tags win over card
            api_model("x/two", "a/base", relation="quantized", cardData={"base_model": "b/other"}),
            # card alone
            api_model(
                "x/three",
                relation=None,
                cardData={"base_model": ["a/base", "b/other"], "base_model_relation": "merge"},
            ),
        ]
    )
    e = _edges(g)
    assert ("x/one", "a/base", "adapter", "hub") in e
    assert ("x/two", "a/base", "quantized", "tag") in e
    assert ("x/three", "a/base", "merge", "card") in e
    assert ("x/three", "b/other", "merge", "card") in e
    assert len(e) == 4
    assert g.validation.lower_trust_declarations_ignored > 0


def test_relation_falls_back_across_sources(make_graph: MakeGraph) -> None:
    g = make_graph(
        [
            api_model("a/base"),
            # tag without relation; card states it
            api_model(
                "x/kid",
                "a/base",
                relation=None,
                cardData={"base_model": "a/base", "base_model_relation": "adapter"},
            ),
            api_model("x/unk", "a/base", relation=None),
        ]
    )
    e = _edges(g)
    assert ("x/kid", "a/base", "adapter", "tag") in e
    assert ("x/unk", "a/base", "unknown", "tag") in e


def test_ids_match_case_insensitively_and_missing_parents_become_stubs(
    make_graph: MakeGraph,
) -> None:
    g = make_graph(
        [
            api_model("Meta-Llama/Llama-3-8B"),
            api_model(
                "x/ft",
                relation=None,
                cardData={"base_model": "https://huggingface.co/meta-llama/llama-3-8b/"},
            ),
            api_model("x/ft2", "Ghost/Missing-7B"),
            api_model("x/ft3", "ghost/missing-7b"),
        ]
    )
    assert ("x/ft", "Meta-Llama/Llama-3-8B", "unknown", "card") in _edges(g)
    assert g.validation.stubs == 1
    stub = g.node("GHOST/missing-7B")
    assert g.stub[stub]
    assert g.ids[stub] == "Ghost/Missing-7B"  # first spelling kept
    assert sorted(descendants_of(g, "ghost/missing-7b")) == ["x/ft2", "x/ft3"]
    assert roots_of(g, "x/ft3") == [("Ghost/Missing-7B", 1.0)]


def test_an_unknown_merge_policy_is_a_query_error_naming_the_parameter(
    make_graph: MakeGraph,
) -> None:
    g = make_graph([api_model("a/m"), api_model("a/n", "a/m")])
    with pytest.raises(QueryError, match=r"^policy must be split, full or first, got 'half'$"):
        g.root_sets("half")  # type: ignore[arg-type]
    assert g.root_sets("first").roots_of(g.node("a/n")) == [(g.node("a/m"), 1.0)]


def test_self_loops_dropped_and_counted(make_graph: MakeGraph) -> None:
    g = make_graph([api_model("a/m", "a/m"), api_model("a/n", "A/N", "a/m")])
    assert g.validation.self_loops == 2
    assert _edges(g) == {("a/n", "a/m", "finetune", "tag")}


def test_cycles_of_any_length_are_broken_deterministically(make_graph: MakeGraph) -> None:
    objs = [api_model("c/a", "c/b"), api_model("c/b", "c/a")]  # 2-cycle
    objs += [api_model(f"r/m{i}", f"r/m{(i + 1) % 50}") for i in range(50)]  # 50-cycle
    objs += [api_model("t/x", "t/y"), api_model("t/y", "t/z"), api_model("t/z", "t/x")]
    objs += [api_model("t/below", "t/x")]  # hangs off a cycle
    g = make_graph(objs)
    assert len(g.validation.cycles_broken) == 3
    # acyclic now: every node has a depth and a root
    assert len(np.concatenate(g.levels)) == g.n
    rs = g.root_sets("split")
    for v in range(g.n):
        for r, _ in rs.roots_of(v):
            assert g.is_root[r]
    # deterministic: same input in another order gives the same broken edges
    g2 = make_graph(list(reversed(objs)))
    key = lambda b: (b.child, b.parent)  # noqa: E731
    assert sorted(map(key, g.validation.cycles_broken)) == sorted(
        map(key, g2.validation.cycles_broken)
    )


def test_cycle_rule_prefers_dropping_card_edges_and_newest_parent(make_graph: MakeGraph) -> None:
    g = make_graph(
        [
            api_model(
                "o/old",
                relation=None,
                createdAt="2023-01-01T00:00:00Z",
                cardData={"base_model": "o/new"},
            ),
            api_model("o/new", "o/old", createdAt="2024-01-01T00:00:00Z"),
        ]
    )
    (b,) = g.validation.cycles_broken
    assert (b.child, b.parent, b.source) == ("o/old", "o/new", "card")
    g = make_graph(
        [
            api_model("o/old", "o/new", createdAt="2023-01-01T00:00:00Z"),
            api_model("o/new", "o/old", createdAt="2024-01-01T00:00:00Z"),
        ]
    )
    (b,) = g.validation.cycles_broken
    assert (b.child, b.parent) == ("o/old", "o/new")  # the newer model cannot be the base


def test_merge_with_dozens_of_parents(make_graph: MakeGraph) -> None:
    parents = [f"p/m{i}" for i in range(60)]
    g = make_graph(
        [*(api_model(p) for p in parents), api_model("x/merge", *parents, relation="merge")]
    )
    roots = roots_of(g, "x/merge")
    assert len(roots) == 60
    assert abs(sum(w for _, w in roots) - 1.0) < 1e-9
    assert set(ancestors_of(g, "x/merge")) == set(parents)


def test_depth_and_to_networkx(make_graph: MakeGraph) -> None:
    g = make_graph(
        [
            api_model("a/r"),
            api_model("a/c1", "a/r"),
            api_model("a/c2", "a/c1", relation="quantized"),
        ]
    )
    assert g.depth[g.node("a/c2")] == 2
    nxg = g.to_networkx()
    assert set(nxg.edges) == {("a/c1", "a/r"), ("a/c2", "a/c1")}
    assert nxg.edges["a/c2", "a/c1"]["relation"] == "quantized"
    assert nxg.nodes["a/r"]["stub"] is False


def test_depth_below_a_broken_cycle_counts_every_parent(make_graph: MakeGraph) -> None:
    """A cycle hangs below a deep chain: after the cycle is broken, depths are the longest
    paths from a root, through parents ordered before and after the break alike."""
    import networkx as nx

    g = make_graph(
        [
            api_model("r/root"),
            api_model("r/d1", "r/root"),
            api_model("r/d2", "r/d1"),
            api_model("c/a", "c/b", "r/d2"),
            api_model("c/b", "c/a", "r/root"),
            api_model("c/below", "c/b", "r/d1"),
        ]
    )
    assert len(g.validation.cycles_broken) == 1
    nxg = g.to_networkx()  # edges run child -> parent
    want = {v: 0 for v in nxg}
    for v in reversed(list(nx.topological_sort(nxg))):
        want[v] = max((want[p] + 1 for p in nxg.successors(v)), default=0)
    assert {v: int(g.depth[g.node(v)]) for v in nxg} == want
    assert want["c/a"] >= 3 or want["c/b"] >= 4


def test_sample_graph_matches_documented_counts(sample_graph: LineageGraph) -> None:
    # ../shared/data/README.md: 2,650 models declare parents; 1,123 with several parents
    kids = np.unique(sample_graph.edge_child)
    assert len(kids) == 2650
    assert int((sample_graph.n_parents > 1).sum()) == 1123
    v = sample_graph.validation
    assert v.load.rows_loaded == 4167 and v.load.rows_rejected == 0
    assert v.placeholder_created_at > 0
    assert v.stubs > 0


def test_countries_worked_out_for_the_whole_graph_equal_the_per_node_answer(
    corpus_graph: LineageGraph,
) -> None:
    """Countries are looked up for every node at once (orgs matched in bulk against the
    curated ones); a fresh graph of the same arrays, asked node by node, agrees."""
    import dataclasses

    g = corpus_graph
    fresh = dataclasses.replace(g)  # the same arrays, nothing worked out yet
    nodes = range(g.n)
    per_node = [fresh.country_of(i) for i in nodes]
    assert per_node == [g.country[i] for i in nodes]
    assert sum(c not in ("unknown", "International/Online") for c in per_node) > 100
    orgs = [fresh.org_of(i) for i in nodes]
    assert orgs == [g.org[i] for i in nodes]


def test_root_sets_do_not_depend_on_edges_being_in_child_order(
    corpus_graph: LineageGraph,
) -> None:
    """Built graphs keep edges in child order (first parents are found over the edges); a
    graph whose edges are not (each child's edges apart, still in their order) gets the same
    root sets."""
    import dataclasses

    g = corpus_graph
    child = g.edge_child
    starts = np.flatnonzero(np.concatenate(([True], child[1:] != child[:-1])))
    rest = np.setdiff1d(np.arange(len(child)), starts)
    perm = np.concatenate([starts[::-1], rest])  # first edges (children reversed), then rest
    assert not (child[perm][1:] >= child[perm][:-1]).all()
    h = dataclasses.replace(
        g,
        edge_child=g.edge_child[perm],
        edge_parent=g.edge_parent[perm],
        edge_relation=g.edge_relation[perm],
        edge_source=g.edge_source[perm],
    )
    for policy in ("split", "full", "first"):
        a, b = g.root_sets(policy), h.root_sets(policy)
        assert np.array_equal(a.of_node, b.of_node), policy
        assert np.array_equal(a.combo_roots, b.combo_roots), policy
        assert np.allclose(a.combo_weights, b.combo_weights), policy
