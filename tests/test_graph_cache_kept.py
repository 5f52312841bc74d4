"""The graph cache keeps what commands work out from a mapped graph (orgs, developers,
countries, root families, root sets), and a later command answers the same from it."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.graph.cache import GraphCache
from hflineage.loaders import load_snapshots
from hflineage.queries import attribute

LEVELS = ("root", "family", "org", "developer", "country")
KEPT = {
    "id_hashes",
    "org_codes",
    "developer_codes",
    "country_codes",
    "root_family_codes",
    "family_codes",
    "root_sets_split",
    "root_sets_full",
    "root_sets_first",
}


@pytest.fixture
def snapshot(hub_stats_path: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "snap.parquet"
    shutil.copy2(hub_stats_path, dst)
    return dst


@pytest.fixture(scope="module")
def built(hub_stats_path: Path) -> LineageGraph:
    return build_lineage_graph(*load_snapshots([hub_stats_path]))


def _never() -> LineageGraph:
    raise AssertionError("the graph should come from the cache")


def _answers(graph: LineageGraph) -> dict[tuple[str, str], list[object]]:
    out: dict[tuple[str, str], list[object]] = {}
    for by in LEVELS:
        for policy in ("split", "full", "first"):
            out[by, policy] = attribute(graph, by=by, policy=policy, top=50).rows  # type: ignore[arg-type]
    out["family of nodes", ""] = graph.family[:500].tolist()
    out["org of nodes", ""] = graph.org[:500].tolist()
    out["nodes of ids", ""] = [graph.node(graph.id_of(v)) for v in range(0, graph.n, 97)]
    return out


def _cached(snapshot: Path, cache: GraphCache) -> LineageGraph:
    cache.get_or_build([snapshot], lambda: build_lineage_graph(*load_snapshots([snapshot])))
    return cache.get_or_build([snapshot], _never)


def _kept_names(cache_dir: Path) -> set[str]:
    """The kept indexes of the one entry in ``cache_dir``."""
    (entry,) = [d for d in cache_dir.iterdir() if d.is_dir() and not d.name.startswith(".")]
    derived = entry / "derived"
    return {d.name for d in derived.iterdir()} if derived.is_dir() else set()


def test_worked_out_indexes_are_kept_and_answer_the_same(
    snapshot: Path, built: LineageGraph, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "c")
    g = _cached(snapshot, cache)
    from_build = _kept_names(tmp_path / "c")
    assert "id_hashes" in from_build  # worked out by the build, kept when it was dropped
    expected = _answers(built)
    assert _answers(g) == expected
    assert set(cache.keep_derived()) == KEPT - from_build
    assert _kept_names(tmp_path / "c") == KEPT
    assert cache.keep_derived() == []  # kept once

    again = cache.get_or_build([snapshot], _never)
    assert again.indexes.org_codes is not None  # read from the entry, not worked out
    assert _answers(again) == expected
    assert cache.keep_derived() == []
    for policy in ("split", "full", "first"):
        kept, fresh = again.root_sets(policy), built.root_sets(policy)  # type: ignore[arg-type]
        assert np.array_equal(kept.of_node, fresh.of_node)
        assert np.array_equal(kept.combo_weights, fresh.combo_weights)


def test_a_dropped_graph_keeps_what_was_worked_out(snapshot: Path, tmp_path: Path) -> None:
    cache = GraphCache(tmp_path / "c")
    g = _cached(snapshot, cache)
    attribute(g, by="org")
    del g
    gc.collect()
    assert _kept_names(cache.root) == {"id_hashes", "org_codes", "root_sets_split"}


@pytest.mark.parametrize("damage", ["float-codes", "wrong-length", "garbage-names"])
def test_damaged_kept_indexes_are_worked_out_again(
    damage: str, snapshot: Path, built: LineageGraph, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "c")
    _answers(_cached(snapshot, cache))
    cache.keep_derived()
    kept = cache.root / str(cache.key([snapshot])) / "derived" / "org_codes"
    codes = np.load(kept / "codes.npy")
    if damage == "float-codes":
        np.save(kept / "codes.npy", codes.astype(np.float64))
    elif damage == "wrong-length":
        np.save(kept / "codes.npy", codes[:-1])
    else:
        (kept / "names.arrow").write_bytes(b"not arrow")
    g = cache.get_or_build([snapshot], _never)
    assert _answers(g) == _answers(built)
    assert cache.keep_derived() == ["org_codes"]  # removed, worked out, kept again
    assert np.array_equal(np.load(kept / "codes.npy"), codes)


def test_one_node_is_answered_without_reading_whole_graph_indexes(
    snapshot: Path, built: LineageGraph, tmp_path: Path
) -> None:
    """Per-node lookups on a mapped graph answer from the node alone until a whole-graph
    index is in memory, and the two ways agree; the adjacency comes from the entry."""
    cache = GraphCache(tmp_path / "c")
    g = _cached(snapshot, cache)
    _answers(g)  # work the indexes out
    cache.keep_derived()
    again = cache.get_or_build([snapshot], _never)
    nodes = list(range(0, again.n, 101))
    alone = [(again.org_of(v), again.country_of(v), again.developer_of(v)) for v in nodes]
    for name in ("org_codes", "country_codes", "developer_codes"):
        assert not again.indexes.in_memory(name), name
    for v in nodes[:40]:
        assert np.array_equal(again.parents(v), built.parents(v))
        assert np.array_equal(again.children(v), built.children(v))
    _ = again.org_codes, again.country_codes, again.developer_codes  # now read from the entry
    assert all(again.indexes.in_memory(n) for n in ("org_codes", "country_codes"))
    from_codes = [(again.org_of(v), again.country_of(v), again.developer_of(v)) for v in nodes]
    assert alone == from_codes
    fresh = [(built.org_of(v), built.country_of(v), built.developer_of(v)) for v in nodes]
    assert from_codes == fresh


_PROBE = """
import json, sys
from hflineage.explorer.cli.entry import run
sys.argv = ["hf-lineage", *json.loads(sys.argv[1])]
try:
    run()
except SystemExit as stop:
    assert not stop.code, stop.code
heavy = ["pyarrow.compute", "pyarrow.parquet", "hflineage.graph.build"]
print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)
"""


def test_one_model_commands_on_a_cached_graph_import_no_loader_nor_kernels(
    snapshot: Path, built: LineageGraph, tmp_path: Path
) -> None:
    """``lineage`` and ``family`` answered from a cached graph import neither the loaders,
    the builder, nor ``pyarrow.compute`` (about 50 ms of such a command, kernels unused),
    for the largest family and its root. (A model with hundreds of roots takes their ids
    with Arrow, which imports it.)"""
    env = {**os.environ, "HF_LINEAGE_GRAPH_CACHE": str(tmp_path / "graphs")}
    snap = ["--snapshot", str(snapshot)]
    for first in (["report", *snap, "--by", "family"], ["report", *snap, "--by", "org"]):
        subprocess.run([sys.executable, "-m", "hflineage", *first], env=env, check=True)
    largest_root = int(np.bincount(built.root_sets("first").of_node).argmax())
    model, family = built.id_of(largest_root), built.family_of(largest_root)
    for command in (["lineage", *snap, model], ["family", *snap, family]):
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, json.dumps(command)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert command[-1] in done.stdout
        assert json.loads(done.stderr.strip().splitlines()[-1]) == [], command
