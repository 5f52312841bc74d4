#!/usr/bin/env python3
"""Whole-Hub benchmarks: every stage of hf-lineage against a floor and a naive baseline.

``python bench/run.py [--sizes 250000,1000000,2500000] [--out bench/RESULTS.md]``

For each size it writes (once, cached under ``bench/.data``) a synthetic hub-stats parquet
with ``bench/synth_hub.py`` and measures, each in a fresh process so peak memory is its own:

* **floor**: reading just the needed columns with pyarrow;
* **stages**: load, graph build, roots and families, attribution by country under each merge
  policy, the monthly upload series, lineage of one model and descendants of the largest
  family's root (wall time; peak RSS so far after each stage);
* **report**: the end-to-end ``hf-lineage report --by country --format json`` command;
* **naive**: read the columns, build a networkx DiGraph of everything and sum descendants'
  downloads per root with ``nx.descendants`` (the obvious implementation).

Ratios are taken between numbers measured in the same run, so they hold on another machine
even when absolute seconds do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"


def _peak_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Collects (stage, seconds, peak MB) rows."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def run(self, stage: str, fn: Any, *args: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args, **kw)
        self.rows.append(
            {"stage": stage, "seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}
        )
        return out


# -- workers (each runs in its own process) ----------------------------------------------


def worker_floor(path: str) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from hflineage.loaders.hubstats import HUB_STATS_COLUMNS

    t = time.perf_counter()
    table = pq.read_table(path, columns=list(HUB_STATS_COLUMNS))
    secs = time.perf_counter() - t
    return {"seconds": secs, "peak_mb": _peak_mb(), "rows": table.num_rows}


def worker_stages(path: str) -> dict[str, Any]:
    import numpy as np

    from hflineage.graph import build_lineage_graph
    from hflineage.loaders import load_snapshot
    from hflineage.queries import Window, attribute, descendants_of, lineage_of, monthly_series

    tm = Timer()
    table, report = tm.run("load", load_snapshot, path)
    graph = tm.run("graph build", build_lineage_graph, table, report)
    del table

    def roots_and_families() -> None:
        graph.root_sets("split")
        _ = graph.root_family_codes, graph.country_codes, graph.family_codes

    tm.run("roots and families", roots_and_families)
    for policy in ("split", "full", "first"):
        tm.run(
            f"attribution by country ({policy})",
            attribute,
            graph,
            by="country",
            policy=policy,
            top=20,
        )
    tm.run(
        "monthly upload series by family",
        monthly_series,
        graph,
        by="family",
        metric="uploads",
        window=Window("2023-01", None),
    )
    # Largest family root (most descendants) and a deepest model.
    first = graph.root_sets("first").of_node
    sizes = np.bincount(first, minlength=graph.n)
    big_root = graph.ids[int(np.argmax(sizes))]
    deep = graph.ids[int(np.argmax(graph.depth))]
    desc = tm.run("descendants of the largest family root", descendants_of, graph, big_root)
    tm.run("lineage of one model (deepest)", lineage_of, graph, deep)
    return {
        "stages": tm.rows,
        "models": graph.validation.models,
        "edges": graph.n_edges,
        "largest_family_root": big_root,
        "largest_family_descendants": len(desc),
        "deepest_model": deep,
        "max_depth": int(graph.depth.max()),
        "cycles_broken": len(graph.validation.cycles_broken),
    }


def worker_naive(path: str) -> dict[str, Any]:
    """The obvious implementation: networkx over everything, nx.descendants per root."""
    import networkx as nx

    from hflineage.graph import build_lineage_graph
    from hflineage.loaders import load_snapshot

    graph = build_lineage_graph(*load_snapshot(path))  # parsing is not what is compared
    ids = graph.ids
    child, parent = graph.edge_child.tolist(), graph.edge_parent.tolist()
    downloads = graph.downloads.tolist()
    base = _peak_mb()
    t = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from((ids[i], {"downloads": downloads[i]}) for i in range(len(ids)))
    g.add_edges_from((ids[p], ids[c]) for c, p in zip(child, parent, strict=True))
    t_build = time.perf_counter() - t
    roots = [v for v, d in g.in_degree() if d == 0]
    totals: dict[str, int] = {}
    node_dl = nx.get_node_attributes(g, "downloads")
    for r in roots:
        totals[r] = node_dl[r] + sum(node_dl[d] for d in nx.descendants(g, r))
    secs = time.perf_counter() - t
    return {
        "seconds": secs,
        "build_seconds": t_build,
        "peak_mb": _peak_mb(),
        "peak_mb_before": base,
        "roots": len(roots),
    }


def worker_report(path: str) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("hf-lineage")
    cmd = [str(exe), "report", "--snapshot", path, "--by", "country", "--format", "json"]
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    secs = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"report failed: {res.stderr.strip()}")
    out = json.loads(res.stdout)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": secs, "peak_mb": peak, "top": out["rows"][0]}


WORKERS = {
    "floor": worker_floor,
    "stages": worker_stages,
    "naive": worker_naive,
    "report": worker_report,
}


def _spawn(worker: str, path: Path, timeout: float) -> dict[str, Any]:
    res = subprocess.run(
        [sys.executable, __file__, "--worker", worker, "--input", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if res.returncode != 0:
        raise SystemExit(f"worker {worker} failed on {path}:\n{res.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return result


def _dataset(n: int, seed: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"synth-{n}-s{seed}.parquet"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "synth_hub.py"), "-n", str(n), "--out", str(path),
             "--seed", str(seed)],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return path


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _markdown(results: list[dict[str, Any]], command: str) -> str:
    lines = [
        "## Whole-Hub scale (synthetic hub-stats, `bench/synth_hub.py`)",
        "",
        f"Machine: {_machine()}.",
        f"Reproduce: `{command}` (about 10 minutes; inputs cached in `bench/.data`).",
        "",
        "| stage | " + " | ".join(f"{r['n']:,} models" for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    stage_names = [s["stage"] for s in results[0]["stages"]["stages"]]
    for i, name in enumerate(stage_names):
        cells = [f"{r['stages']['stages'][i]['seconds']:.2f} s" for r in results]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(
        "| peak memory, all stages in one process | "
        + " | ".join(f"{r['stages']['stages'][-1]['peak_mb']:,.0f} MB" for r in results)
        + " |"
    )
    lines.append(
        "| **floor**: pyarrow reads the needed columns | "
        + " | ".join(
            f"{r['floor']['seconds']:.2f} s, {r['floor']['peak_mb']:,.0f} MB" for r in results
        )
        + " |"
    )
    lines.append(
        "| **end-to-end** `hf-lineage report --by country` | "
        + " | ".join(
            f"{r['report']['seconds']:.2f} s, {r['report']['peak_mb']:,.0f} MB" for r in results
        )
        + " |"
    )
    lines.append(
        "| **naive**: networkx DiGraph + `nx.descendants` per root (after parsing) | "
        + " | ".join(
            f"{r['naive']['seconds']:.2f} s, {r['naive']['peak_mb']:,.0f} MB"
            if r.get("naive")
            else "not run"
            for r in results
        )
        + " |"
    )
    lines += [
        "",
        "Ratios (same run):",
        "",
        "| ratio | " + " | ".join(f"{r['n']:,}" for r in results) + " |",
        "|---|" + "---:|" * len(results),
        "| end-to-end report / floor (target <= 3) | "
        + " | ".join(f"{r['report']['seconds'] / r['floor']['seconds']:.2f}x" for r in results)
        + " |",
        "| naive (floor read + networkx) / end-to-end report (target >= 20) | "
        + " | ".join(
            f"{(r['naive']['seconds'] + r['floor']['seconds']) / r['report']['seconds']:.1f}x"
            if r.get("naive")
            else "not run"
            for r in results
        )
        + " |",
        "| seconds per million models, end-to-end | "
        + " | ".join(f"{r['report']['seconds'] / r['n'] * 1e6:.2f}" for r in results)
        + " |",
        "",
        "Facts of the inputs: "
        + "; ".join(
            f"{r['n']:,}: {r['stages']['edges']:,} edges, largest family "
            f"{r['stages']['largest_family_descendants']:,} descendants of "
            f"`{r['stages']['largest_family_root']}`, depth {r['stages']['max_depth']}, "
            f"{r['stages']['cycles_broken']} cycles broken"
            for r in results
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="250000,1000000,2500000")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--naive-max", type=int, default=2_500_000, help="largest size for naive")
    p.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--json", type=Path, default=HERE / "results-scale.json")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--input", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.input)))
        return 0
    results = []
    for n in [int(x) for x in args.sizes.split(",")]:
        path = _dataset(n, args.seed)
        r: dict[str, Any] = {"n": n}
        for w in ("floor", "stages", "report"):
            print(f"{n:,}: {w} ...", file=sys.stderr, flush=True)
            r[w] = _spawn(w, path, timeout=1800)
        if n <= args.naive_max:
            print(f"{n:,}: naive ...", file=sys.stderr, flush=True)
            r["naive"] = _spawn("naive", path, timeout=3600)
        results.append(r)
        print(json.dumps(r, indent=1), file=sys.stderr)
    args.json.write_text(json.dumps(results, indent=1))
    command = "python bench/run.py" + (
        f" --sizes {args.sizes}" if args.sizes != "250000,1000000,2500000" else ""
    )
    section = _markdown(results, command)
    _replace_section(args.out, section)
    print(section)
    return 0


def _replace_section(path: Path, section: str) -> None:
    """Write ``section`` into RESULTS.md, replacing an older copy of it."""
    head = section.splitlines()[0]
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if head in old:
        start = old.index(head)
        nxt = old.find("\n## ", start + len(head))
        old = old[:start] + (old[nxt + 1 :] if nxt >= 0 else "")
    path.write_text(old.rstrip("\n") + "\n\n" + section)


if __name__ == "__main__":
    sys.exit(main())
