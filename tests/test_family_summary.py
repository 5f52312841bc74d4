"""``family_summary``: hand-built figures, and equality with a plain per-member oracle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import api_model

from hflineage.graph import LineageGraph
from hflineage.queries.lineage import family_members, family_summary

MakeGraph = Callable[..., LineageGraph]


def _oracle(graph: LineageGraph, family: str, top: int) -> dict[str, Any]:
    """Roots, uploader orgs, top models and relations worked out member by member with
    Python counters and sorts."""
    members = family_members(graph, family).tolist()
    first_root = graph.root_sets("first").of_node
    per_root: Counter[int] = Counter()
    root_downloads: Counter[int] = Counter()
    for m in members:
        per_root[int(first_root[m])] += 1
        root_downloads[int(first_root[m])] += int(graph.downloads[m])
    roots = sorted(
        ((graph.id_of(r), c - 1, root_downloads[r]) for r, c in per_root.items()),
        key=lambda row: (-row[1], row[0]),
    )
    orgs = Counter(graph.org_of(m) for m in members)
    by_downloads = sorted(members, key=lambda m: -int(graph.downloads[m]))  # stable
    member_set = set(members)
    relations = Counter(
        graph.relation_of(e).label
        for e in range(graph.n_edges)
        if int(graph.edge_child[e]) in member_set
    )
    return {
        "roots": roots[:top],
        "uploader_orgs": orgs.most_common(top),
        "top_models": [(graph.id_of(m), int(graph.downloads[m])) for m in by_downloads[:top]],
        "relations": dict(relations),
    }


def test_roots_and_uploader_orgs_of_a_hand_built_family(make_graph: MakeGraph) -> None:
    g = make_graph(
        [
            api_model("Qwen/Qwen2.5-7B", relation=None, downloads=100),
            api_model("Qwen/Qwen2-1.5B", relation=None, downloads=50),
            api_model("Qwen/Qwen1.5-0.5B", relation=None, downloads=7),
            # two descendants each for the first two roots: a tie, broken by id
            api_model("zed/q7-a", "Qwen/Qwen2.5-7B", downloads=10),
            api_model("amy/q7-b", "Qwen/Qwen2.5-7B", downloads=1),
            api_model("amy/q15-a", "Qwen/Qwen2-1.5B", downloads=5),
            api_model("zed/q15-b", "amy/q15-a", downloads=2),
            api_model("bob/q05-a", "Qwen/Qwen1.5-0.5B", downloads=3),
        ]
    )
    s = family_summary(g, "qwen", top=2)
    assert s.family == "Qwen" and s.members == 8
    assert s.roots == [("Qwen/Qwen2-1.5B", 2, 57), ("Qwen/Qwen2.5-7B", 2, 111)]
    # Qwen 3, then zed and amy 2 each (zed's first model comes first), then bob 1
    orgs = family_summary(g, "Qwen", top=4).uploader_orgs
    assert orgs == [("Qwen", 3), ("zed", 2), ("amy", 2), ("bob", 1)]
    assert orgs == _oracle(g, "Qwen", 4)["uploader_orgs"]
    assert family_summary(g, "Qwen", top=0).roots == []
    assert family_summary(g, "Qwen", top=0).uploader_orgs == []
    assert s.downloads == 178 and s.top_models[0] == ("Qwen/Qwen2.5-7B", 100)


@pytest.mark.parametrize("top", [1, 3, 10])
def test_family_summary_equals_the_per_member_oracle(corpus_graph: LineageGraph, top: int) -> None:
    codes, names = corpus_graph.family_codes
    sizes = np.bincount(codes, minlength=len(names))
    families = [names[i] for i in np.argsort(-sizes, kind="stable")[:6].tolist() if sizes[i]]
    assert len(families) >= 3
    for family in families:
        got = family_summary(corpus_graph, family, top=top)
        want = _oracle(corpus_graph, family, top)
        assert got.roots == want["roots"], family
        assert got.uploader_orgs == want["uploader_orgs"], family
        assert got.top_models == want["top_models"], family
        assert got.relations == want["relations"], family
