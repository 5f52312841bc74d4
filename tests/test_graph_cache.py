"""The graph cache: a stored graph answers like a freshly built one, and never goes stale."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from hflineage.explorer.cli.main import cli
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.graph.cache import KEEP, GraphCache, cache_dir_from_env
from hflineage.loaders import load_snapshots
from hflineage.queries import (
    Window,
    ancestors_of,
    attribute,
    descendants_of,
    lineage_of,
    monthly_series,
    roots_of,
)

ARRAYS = (
    "stub",
    "created_at",
    "downloads",
    "downloads_all_time",
    "likes",
    "edge_child",
    "edge_parent",
    "edge_relation",
    "edge_source",
    "n_parents",
    "depth",
    "is_root",
)


class Builds:
    """A build function that counts its calls."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.calls = 0

    def __call__(self) -> LineageGraph:
        self.calls += 1
        table, report = load_snapshots(self.paths)
        return build_lineage_graph(table, report)


@pytest.fixture(scope="module")
def hub_stats_graph(hub_stats_path: Path) -> LineageGraph:
    """The graph built straight from the hub-stats file, without a cache."""
    return build_lineage_graph(*load_snapshots([hub_stats_path]))


@pytest.fixture
def sample_copy(hub_stats_path: Path, tmp_path: Path) -> Path:
    """A copy of the hub-stats file (the real sample, or the generated Hub without it)."""
    dst = tmp_path / "snap.parquet"
    shutil.copy2(hub_stats_path, dst)
    return dst


def test_cached_graph_answers_like_the_built_one(
    sample_copy: Path, hub_stats_graph: LineageGraph, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "c")
    build = Builds([sample_copy])
    cache.get_or_build([sample_copy], build)
    assert cache.last == "stored"
    g = cache.get_or_build([sample_copy], build)
    assert (cache.last, build.calls) == ("hit", 1)
    ref = hub_stats_graph
    assert g.n == ref.n and g.n_edges == ref.n_edges
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(g, name), getattr(ref, name), err_msg=name)
    assert g.ids == ref.ids
    assert g.author.to_pylist() == ref.author.to_pylist()
    assert g.pipeline_tag.to_pylist() == ref.pipeline_tag.to_pylist()
    assert g.library_name.to_pylist() == ref.library_name.to_pylist()
    assert all(np.array_equal(g.child_edges(v), ref.child_edges(v)) for v in range(g.n))
    assert g.validation.as_dict() == ref.validation.as_dict()
    assert g.org.tolist() == ref.org.tolist()
    assert g.country.tolist() == ref.country.tolist()
    assert g.family.tolist() == ref.family.tolist()
    for by in ("root", "family", "org", "developer", "country"):
        for policy in ("split", "full", "first"):
            a = attribute(g, by=by, policy=policy, top=None).as_dict()
            b = attribute(ref, by=by, policy=policy, top=None).as_dict()
            assert a == b, (by, policy)
    assert attribute(g, by="country", view="uploader").as_dict() == (
        attribute(ref, by="country", view="uploader").as_dict()
    )
    window = Window("2024-01", None)
    for metric in ("uploads", "downloads"):
        a_s = monthly_series(g, by="country", metric=metric, window=window)
        b_s = monthly_series(ref, by="country", metric=metric, window=window)
        assert (a_s.months, a_s.keys, a_s.values, a_s.meta) == (
            b_s.months, b_s.keys, b_s.values, b_s.meta
        )  # fmt: skip
    deep = ref.id_of(int(np.argmax(ref.depth)))
    assert lineage_of(g, deep) == lineage_of(ref, deep)
    assert ancestors_of(g, deep) == ancestors_of(ref, deep)
    assert roots_of(g, deep, "split") == roots_of(ref, deep, "split")
    top_root = ref.id_of(int(np.argmax(np.bincount(ref.edge_parent, minlength=ref.n))))
    assert descendants_of(g, top_root) == descendants_of(ref, top_root)
    assert g.node(top_root.upper()) == ref.node(top_root.upper())


def test_background_store(sample_copy: Path, hub_stats_graph: LineageGraph, tmp_path: Path) -> None:
    cache = GraphCache(tmp_path / "c")
    build = Builds([sample_copy])
    g = cache.get_or_build([sample_copy], build, background=True)
    assert (
        attribute(g, by="country").as_dict() == attribute(hub_stats_graph, by="country").as_dict()
    )
    cache.wait()
    assert cache.last == "stored"
    cache.get_or_build([sample_copy], build, background=True)
    assert (cache.last, build.calls) == ("hit", 1)


def test_cached_arrays_can_be_changed_without_touching_the_cache(
    sample_copy: Path, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "c")
    build = Builds([sample_copy])
    cache.get_or_build([sample_copy], build)
    g = cache.get_or_build([sample_copy], build)
    before = int(g.downloads[0])
    g.downloads[0] = before + 12345  # copy-on-write: this process only
    again = cache.get_or_build([sample_copy], build)
    assert int(again.downloads[0]) == before and build.calls == 1


def test_changed_or_different_inputs_rebuild(sample_copy: Path, tmp_path: Path) -> None:
    cache = GraphCache(tmp_path / "c")
    build = Builds([sample_copy])
    k1 = cache.key([sample_copy])
    cache.get_or_build([sample_copy], build)
    st = sample_copy.stat()
    os.utime(sample_copy, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache.key([sample_copy]) != k1
    cache.get_or_build([sample_copy], build)
    assert (cache.last, build.calls) == ("stored", 2)
    other = tmp_path / "other.parquet"
    shutil.copy2(sample_copy, other)
    assert cache.key([sample_copy, other]) not in (cache.key([sample_copy]), None)
    assert cache.key([other, sample_copy]) != cache.key([sample_copy, other])
    assert cache.key([tmp_path]) is None  # a folder of cards is never cached


@pytest.mark.parametrize(
    "damage", ["truncate-strings", "drop-array", "garbage-meta", "wrong-length"]
)
def test_damaged_entries_are_removed_and_rebuilt(
    damage: str, sample_copy: Path, hub_stats_graph: LineageGraph, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "c")
    build = Builds([sample_copy])
    cache.get_or_build([sample_copy], build)
    entry = cache.root / str(cache.key([sample_copy]))
    if damage == "truncate-strings":
        f = entry / "strings.arrow"
        f.write_bytes(f.read_bytes()[:1000])
    elif damage == "drop-array":
        (entry / "depth.npy").unlink()
    elif damage == "garbage-meta":
        (entry / "meta.pickle").write_bytes(b"not a pickle")
    else:
        np.save(entry / "downloads.npy", np.zeros(3, np.int64))
    g = cache.get_or_build([sample_copy], build)
    assert cache.last.startswith("rebuilt (unreadable cache entry removed"), cache.last
    assert build.calls == 2
    assert np.array_equal(g.downloads, hub_stats_graph.downloads)
    cache.get_or_build([sample_copy], build)
    assert (cache.last, build.calls) == ("hit", 2)


def test_least_recently_used_entries_are_evicted(hub_stats_path: Path, tmp_path: Path) -> None:
    cache = GraphCache(tmp_path / "c")
    copies = []
    for i in range(KEEP + 2):
        dst = tmp_path / f"s{i}.parquet"
        shutil.copy2(hub_stats_path, dst)
        copies.append(dst)
        cache.get_or_build([dst], Builds([dst]))
        os.utime(cache.root / str(cache.key([dst])), (1e9 + i, 1e9 + i))
    kept = {d.name for d, _, _ in cache.entries()}
    assert len(kept) == KEEP
    assert kept == {str(cache.key([c])) for c in copies[-KEEP:]}
    assert cache.clear() == KEEP and cache.entries() == []


def test_folders_of_interrupted_stores_are_cleaned_up(sample_copy: Path, tmp_path: Path) -> None:
    cache = GraphCache(tmp_path / "c")
    old = cache.root / ".deadbeef.123.456"
    fresh = cache.root / ".cafe.789.1"
    for d in (old, fresh):
        d.mkdir(parents=True)
        (d / "strings.arrow").write_bytes(b"partial")
    os.utime(old, (1e9, 1e9))
    cache.get_or_build([sample_copy], Builds([sample_copy]))
    assert not old.exists() and fresh.exists()  # a store still running elsewhere is left alone
    assert [d.name for d, _, _ in cache.entries()] == [cache.key([sample_copy])]


def test_a_second_writer_of_the_same_graph_leaves_one_entry(
    sample_copy: Path, tmp_path: Path
) -> None:
    first, second = GraphCache(tmp_path / "c"), GraphCache(tmp_path / "c")
    g = first.get_or_build([sample_copy], Builds([sample_copy]))
    entry = first.root / str(first.key([sample_copy]))
    second._store(entry, g)  # lost the race: the rename finds the entry already there
    assert [d for d in first.root.iterdir()] == [entry]
    assert second.get_or_build([sample_copy], Builds([sample_copy])).n == g.n
    assert second.last == "hit"


def test_unwritable_cache_still_answers(sample_copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    cache = GraphCache(blocker / "c")
    g = cache.get_or_build([sample_copy], Builds([sample_copy]))
    assert cache.last.startswith("not stored") and g.n > 0


def test_cache_location_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_LINEAGE_GRAPH_CACHE", "off")
    assert cache_dir_from_env() is None
    monkeypatch.setenv("HF_LINEAGE_GRAPH_CACHE", str(tmp_path / "g"))
    assert cache_dir_from_env() == tmp_path / "g"
    monkeypatch.delenv("HF_LINEAGE_GRAPH_CACHE")
    monkeypatch.setenv("HF_LINEAGE_HOME", str(tmp_path / "home"))
    assert cache_dir_from_env() == tmp_path / "home" / "graphs"
    monkeypatch.setenv("HF_LINEAGE_HOME", "s3://bucket/team")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir_from_env() == tmp_path / "xdg" / "hf-lineage" / "graphs"


def test_cli_report_is_the_same_from_the_cache(sample_copy: Path, tmp_path: Path) -> None:
    where = tmp_path / "cli-cache"
    env = {"HF_LINEAGE_GRAPH_CACHE": str(where)}
    runner = CliRunner()
    args = ["report", "--snapshot", str(sample_copy), "--by", "country", "--format", "json"]
    first = runner.invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert len(list(where.iterdir())) == 1
    second = runner.invoke(cli, args, env=env)
    assert second.exit_code == 0 and json.loads(second.output) == json.loads(first.output)
    off = runner.invoke(cli, args, env={"HF_LINEAGE_GRAPH_CACHE": "off"})
    assert json.loads(off.output) == json.loads(first.output)
    snap = ["--snapshot", str(sample_copy), "--format", "json"]
    for other in (["validate"], ["lineage", "Qwen/Qwen2.5-7B-Instruct"], ["family", "Qwen"]):
        cached = runner.invoke(cli, [*other, *snap], env=env)
        fresh = runner.invoke(cli, [*other, *snap], env={"HF_LINEAGE_GRAPH_CACHE": "off"})
        assert cached.exit_code == 0 and fresh.exit_code == 0, (other, cached.output)
        assert json.loads(cached.output) == json.loads(fresh.output), other
    info = runner.invoke(cli, ["cache", "info", "--format", "json"], env=env)
    assert info.exit_code == 0
    listed = json.loads(info.output)
    assert len(listed["graphs"]) == 1 and listed["bytes"] > 0
    cleared = runner.invoke(cli, ["cache", "clear"], env=env)
    assert cleared.exit_code == 0 and "removed 1 graphs" in cleared.output
    assert not [d for d in where.iterdir() if not d.name.startswith(".")]
