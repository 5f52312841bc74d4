"""Latency of ``hf-lineage serve``: search and lineage answers over HTTP at Hub scale.

Starts the real command (``python -m hflineage serve --snapshot PATH --port 0``) in a child
process, waits for its URL, then asks a few hundred questions with a plain HTTP client and
reports the median and 95th percentile of the wall time of each answer (request sent to
body read), by kind of question:

* search for a whole id, for the start of a name, for four letters from inside an id, and for
  text found nowhere (the worst case: one pass over every id);
* the lineage of a random model, and of the models with the most children (the roots of the
  largest families, whose descendants are walked whole).

    python bench/serve_bench.py bench/.data/synth-250000-s0.parquet
    python bench/serve_bench.py --queries 300 --json out.json PATH [PATH ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from hflineage.graph.opening import open_graph


def _start(snapshot: Path, cache: str) -> tuple[subprocess.Popen[str], str, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hflineage", "serve", "--snapshot", str(snapshot), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_LINEAGE_GRAPH_CACHE": cache},
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        proc.kill()
        raise SystemExit(f"serve did not start: {line}{proc.stderr.read()}")
    return proc, found.group(0), time.perf_counter() - started, line.strip()


def _timed(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as res:
        res.read()
        if res.status != 200:
            raise SystemExit(f"{url}: HTTP {res.status}")
    return time.perf_counter() - started


def _summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        "max_ms": round(ms[-1], 1),
    }


def _questions(snapshot: Path, n: int, seed: int, cache: str) -> dict[str, list[str]]:
    ids = pq.read_table(snapshot, columns=["id"]).column("id").to_pylist()
    graph = open_graph(snapshot, cache=cache)  # the server's graph, mapped from the cache
    most_children = np.argsort(-np.bincount(graph.edge_parent, minlength=graph.n))
    top = graph.ids_of(most_children[: max(10, n // 10)])
    rng = np.random.default_rng(seed)
    picked = [ids[i] for i in rng.choice(len(ids), n, replace=False)]

    def inside(model_id: str) -> str:
        start = int(rng.integers(0, max(1, len(model_id) - 4)))
        return model_id[start : start + 4]

    def search(text: str) -> str:
        return "/api/search?q=" + urllib.parse.quote(text)

    return {
        "search: whole id": [search(m) for m in picked],
        "search: start of a name": [search(m.split("/")[-1][:5]) for m in picked],
        "search: 4 letters inside an id": [search(inside(m)) for m in picked],
        "search: text found nowhere": [search(f"zq{k}xj-nowhere") for k in range(n // 4)],
        "lineage: random model": ["/api/lineage/" + urllib.parse.quote(m) for m in picked],
        "lineage: models with the most children": [
            "/api/lineage/" + urllib.parse.quote(m) for m in top
        ],
    }


def bench(snapshot: Path, n: int, seed: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Start the server on ``snapshot`` twice (graph built, then from the cache) and time it."""
    with tempfile.TemporaryDirectory(prefix="serve-bench-cache-") as cache:
        proc, base, first_start, _ = _start(snapshot, cache)
        proc.terminate()
        proc.wait(timeout=60)
        proc, base, cached_start, banner = _start(snapshot, cache)
        log(f"{snapshot.name}: {banner}")
        try:
            results: dict[str, Any] = {
                "snapshot": snapshot.name,
                "banner": banner,
                "start_s_building_graph": round(first_start, 2),
                "start_s_from_cache": round(cached_start, 2),
                "latency": {},
            }
            for kind, paths in _questions(snapshot, n, seed, cache).items():
                _timed(base + paths[0])  # warm-up (first use of lazily built indexes)
                times = [_timed(base + p) for p in paths]
                results["latency"][kind] = _summary(times)
                log(f"  {kind}: {results['latency'][kind]}")
            return results
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def main(argv: list[str] | None = None) -> None:
    """Benchmark each snapshot given; print a table (and write JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("snapshots", nargs="+", type=Path)
    parser.add_argument("--queries", type=int, default=300, help="questions of each kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    runs = [bench(s, args.queries, args.seed, print) for s in args.snapshots]
    for run in runs:
        print(f"\n{run['snapshot']}: start {run['start_s_building_graph']} s (building the "
              f"graph), {run['start_s_from_cache']} s (graph cache)")
        print("| question | n | median ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
        for kind, s in run["latency"].items():
            print(f"| {kind} | {s['n']} | {s['median_ms']} | {s['p95_ms']} | {s['max_ms']} |")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
