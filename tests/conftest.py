"""Shared fixtures: the real sample, small literal graphs, a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hubrows import SMALL_HUB, write_hub_stats

from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import LoadReport, ModelTable, load_snapshot
from hflineage.loaders.parse import parse_api_model

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(
    os.environ.get(
        "HF_LINEAGE_SAMPLE", ROOT.parent / "shared" / "data" / "hub-stats-sample-2026-05.parquet"
    )
)


@pytest.fixture(scope="session", autouse=True)
def graph_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Graphs built by CLI runs are cached in a folder of the test session, not the user's."""
    where = tmp_path_factory.mktemp("graph-cache")
    before = os.environ.get("HF_LINEAGE_GRAPH_CACHE")
    os.environ["HF_LINEAGE_GRAPH_CACHE"] = str(where)
    yield where
    if before is None:
        del os.environ["HF_LINEAGE_GRAPH_CACHE"]
    else:
        os.environ["HF_LINEAGE_GRAPH_CACHE"] = before


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point (``python -m hflineage``) in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "hflineage", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """The real 4,167-row hub-stats sample, for checks of the sample's own figures (they skip
    when ../shared/data is absent; checks of behaviour use generated or hand-built data)."""
    if not SAMPLE.is_file():
        pytest.skip(f"checks the real sample's own figures; no sample at {SAMPLE}")
    return SAMPLE


@pytest.fixture(scope="session")
def sample_graph(sample_path: Path) -> LineageGraph:
    """The lineage graph of the real sample."""
    table, report = load_snapshot(sample_path)
    return build_lineage_graph(table, report)


@pytest.fixture(scope="session")
def synthetic_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated hub-stats file in the dump's schema (``bench/synth_hub.py``, 6,000
    models: merges, stubs, cycles, card-only parents), so tests stand without the sample."""
    out = tmp_path_factory.mktemp("synthetic") / "synth-6000-s7.parquet"
    generator = ROOT / "bench" / "synth_hub.py"
    args = [sys.executable, str(generator), "-n", "6000", "--seed", "7", "--out", str(out)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="session")
def hub_stats_path(synthetic_path: Path) -> Path:
    """One realistic hub-stats file: the real sample when present, else the generated Hub.

    For checks that hold on any Hub data and need one file, not each corpus in turn.
    """
    return SAMPLE if SAMPLE.is_file() else synthetic_path


@pytest.fixture(scope="session")
def small_hub_path(synthetic_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``hubrows.SMALL_HUB`` (11 hand-built models) as a hub-stats parquet file."""
    path = tmp_path_factory.mktemp("small-hub") / "small.parquet"
    return write_hub_stats(path, SMALL_HUB, pq.read_schema(synthetic_path))


#: The corpora behaviour tests run on: the generated one always, the real sample when present.
CORPORA = ["sample", "synthetic"] if SAMPLE.is_file() else ["synthetic"]


@pytest.fixture(scope="session", params=CORPORA)
def corpus_path(request: pytest.FixtureRequest) -> Path:
    """Each test corpus in turn: the real sample (when present) and a generated one.

    For checks of behaviour that must hold on any Hub data, not of the sample's figures.
    """
    name = "sample_path" if request.param == "sample" else "synthetic_path"
    path: Path = request.getfixturevalue(name)
    return path


@pytest.fixture(scope="session")
def corpus_graph(corpus_path: Path) -> LineageGraph:
    """The lineage graph of :func:`corpus_path`."""
    table, report = load_snapshot(corpus_path)
    return build_lineage_graph(table, report)


def api_model(
    model_id: str, *parents: str, relation: str | None = "finetune", **kw: Any
) -> dict[str, Any]:
    """An ``/api/models`` object with Hub-style ``base_model`` tags for ``parents``."""
    tags = [f"base_model:{p}" for p in parents]
    if relation:
        tags += [f"base_model:{relation}:{p}" for p in parents]
    obj: dict[str, Any] = {
        "id": model_id,
        "author": model_id.split("/")[0] if "/" in model_id else None,
        "downloads": 0,
        "downloadsAllTime": 0,
        "likes": 0,
        "createdAt": "2025-01-15T10:00:00.000Z",
        "tags": tags,
    }
    obj.update(kw)
    return obj


def graph_of(objs: Iterable[dict[str, Any]], **build: Any) -> LineageGraph:
    """Build a graph from API-shaped dicts (through the real row parser)."""
    report = LoadReport()
    recs = []
    for i, o in enumerate(objs):
        report.rows_read += 1
        r = parse_api_model(o, f"row {i}", report)
        if r is not None:
            report.rows_loaded += 1
            recs.append(r)
    table = ModelTable.from_records(recs).deduplicate(report)
    return build_lineage_graph(table, report, **build)


@pytest.fixture
def make_graph() -> Callable[..., LineageGraph]:
    """Factory fixture: ``make_graph([api_model(...), ...])``."""
    return graph_of


def write_jsonl(path: Path, objs: Iterable[dict[str, Any] | bytes | str]) -> Path:
    """Write API objects (or raw lines) as JSONL."""
    with open(path, "wb") as fh:
        for o in objs:
            if isinstance(o, bytes):
                fh.write(o.rstrip(b"\n") + b"\n")
            elif isinstance(o, str):
                fh.write(o.encode() + b"\n")
            else:
                fh.write(json.dumps(o).encode() + b"\n")
    return path
