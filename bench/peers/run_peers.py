#!/usr/bin/env python3
"""Time ``hf-lineage report`` against the peers, as whole processes, and check the answers.

``python bench/peers/run_peers.py [--sizes 250000,1000000] [--by country,org] [--rounds 5]``

For each size (a synthetic hub-stats parquet from ``bench/synth_hub.py``, cached in
``--data``) and each level, every round runs, in a rotated order:

* **tool cold**: ``hf-lineage report --by LEVEL --format json`` with an empty graph cache
  (``HF_LINEAGE_GRAPH_CACHE`` set to a fresh folder): load, build, store the graph;
* **tool warm**: the same command on a cache the run primed once (the graph mapped in);
* **duckdb**, **polars**: ``bench/peers/*_report.py`` on the same file.

Wall time, each process's own CPU time (user + system) and peak RSS (``wait4``), and the
1-minute load average just before it started are kept; the table gives medians (the
machine is shared, so single runs are noisy) with the wall range, and tool/peer ratios of
wall and of CPU time (above 1: the tool is faster). The first round's answers are
compared row by row with ``check.py``; a disagreement stops the run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from check import differences  # noqa: E402  (beside this file)

PEERS = ("duckdb", "polars")
RUNS = ("tool cold", "tool warm", *PEERS)


#: One run: wall seconds, peak RSS in MB, CPU seconds (user + system), load average before.
Run = tuple[float, float, float, float]
WALL, MB, CPU, LOAD = range(4)


def _command(cmd: list[str], env: dict[str, str]) -> tuple[Run, str]:
    """Run a command: (its run, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        load = os.getloadavg()[0]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, **env})
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd[:3])} failed: {err.read().strip()[-500:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return (secs, usage.ru_maxrss / 1024, cpu, load), out.read()


def _dataset(data: Path, n: int) -> Path:
    path = data / f"synth-{n}-s0.parquet"
    if not path.is_file():
        data.mkdir(parents=True, exist_ok=True)
        gen = [sys.executable, str(ROOT / "bench" / "synth_hub.py"), "-n", str(n)]
        subprocess.run([*gen, "--seed", "0", "--out", str(path)], check=True, capture_output=True)
    return path


def _commands(path: Path, by: str, warm_cache: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    tool = [
        str(Path(sys.executable).with_name("hf-lineage")),
        *("report", "--snapshot", str(path), "--by", by, "--format", "json"),
    ]
    out = {"tool cold": (tool, {}), "tool warm": (tool, {"HF_LINEAGE_GRAPH_CACHE": warm_cache})}
    for peer in PEERS:
        out[peer] = ([sys.executable, str(HERE / f"{peer}_report.py"), str(path), "--by", by], {})
    return out


def measure(path: Path, by: str, rounds: int) -> dict[str, list[Run]]:
    """Every run of every command, in interleaved rounds."""
    times: dict[str, list[Run]] = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory(prefix="hfl-warm-") as warm:
        cmds = _commands(path, by, warm)
        _command(*cmds["tool warm"])  # primes the warm cache
        for r in range(rounds):
            order = RUNS[r % len(RUNS) :] + RUNS[: r % len(RUNS)]
            answers = {}
            for name in order:
                cmd, env = cmds[name]
                with tempfile.TemporaryDirectory(prefix="hfl-cold-") as cold:
                    if name == "tool cold":
                        env = {"HF_LINEAGE_GRAPH_CACHE": cold}
                    run, stdout = _command(cmd, env)
                times[name].append(run)
                answers[name] = json.loads(stdout)
            if r == 0:
                for peer in PEERS:
                    diffs = differences(answers["tool cold"], answers[peer])
                    if diffs:
                        raise SystemExit(f"{peer} disagrees at {path.name} --by {by}: {diffs[:3]}")
            done = ", ".join(
                f"{k} {times[k][-1][WALL]:.2f}s (cpu {times[k][-1][CPU]:.2f}s, "
                f"load {times[k][-1][LOAD]:.1f})"
                for k in RUNS
            )
            print(f"  {path.name} --by {by} round {r + 1}: {done}", file=sys.stderr)
    return times


def _median(runs: list[Run], at: int) -> float:
    return statistics.median(x[at] for x in runs)


def _markdown(results: list[tuple[int, str, dict[str, list[Run]]]]) -> str:
    head = (
        "| models | --by | tool cold | tool warm | duckdb | polars "
        "| duckdb / tool cold | polars / tool cold | duckdb / tool warm | polars / tool warm |"
    )
    lines = [head, "|" + "---|" * 10]
    for n, by, t in results:

        def cell(name: str, t: dict[str, list[Run]] = t) -> str:
            lo, hi = min(x[WALL] for x in t[name]), max(x[WALL] for x in t[name])
            return (
                f"{_median(t[name], WALL):.2f} s ({lo:.2f}-{hi:.2f}), "
                f"cpu {_median(t[name], CPU):.2f} s, {_median(t[name], MB):,.0f} MB, "
                f"load {_median(t[name], LOAD):.1f}"
            )

        def ratio(peer: str, tool: str, t: dict[str, list[Run]] = t) -> str:
            secs = _median(t[peer], WALL) / _median(t[tool], WALL)
            cpu = _median(t[peer], CPU) / _median(t[tool], CPU)
            mem = _median(t[peer], MB) / _median(t[tool], MB)
            return f"{secs:.2f}x wall, {cpu:.2f}x cpu, {mem:.2f}x memory"

        lines.append(
            f"| {n:,} | {by} | "
            + " | ".join(cell(name) for name in RUNS)
            + " | "
            + " | ".join(ratio(p, tool) for tool in ("tool cold", "tool warm") for p in PEERS)
            + " |"
        )
    return "\n".join(lines)


NOTES = """\
Each peer is what a data engineer would write in an afternoon for the same report, reading
the parquet directly and the tool's curated CSV tables (orgs, developers, aliases) as data:
`bench/peers/duckdb_report.py` (DuckDB SQL: one scan of the needed columns, declarations
unnested, the trust order, id repair, renames and stubs as joins, a topological peel by
Kahn's algorithm in frontier joins with the cycle rule in Python where it stalls, root
shares one path step per join) and `bench/peers/polars_report.py` (Polars: one lazy scan,
the same as DataFrame joins). Both follow the tool's rules at the levels timed here (root, org,
developer, country; 30-day downloads, lineage view, split merges) and their answers are
checked equal to the tool's, row by row (`bench/peers/check.py`: keys, values and shares to
1e-9 relative, model counts exact), in the first round of every row below and in
`tests/test_peers.py`. Ratios are peer wall time, CPU time (user + system, all threads) or
peak memory over the tool's: above 1, the tool is faster (or smaller). *Tool cold* is the
first report on a snapshot (empty graph cache: `HF_LINEAGE_GRAPH_CACHE` set to a fresh
folder); *tool warm* a later one (the graph mapped in from the cache). Every run is a
whole process, started the same way for all.
"""


def _section(table: str, command: str, rounds: int) -> str:
    return (
        "## Against the peers\n\n"
        + NOTES
        + f"\nReproduce: `{command}`. Medians of {rounds} interleaved rounds (each round in a"
        + f" rotated order), range in brackets; {os.cpu_count()} cores shared with other"
        + " benchmarks running at the same time, so single runs vary by up to 2-3x.\n\n"
        + table
        + "\n"
    )


def _replace_section(path: Path, section: str) -> None:
    """Write ``section`` into RESULTS.md in place of an older copy of it (or at the end)."""
    head = section.splitlines()[0]
    old = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    if head in old:
        start = old.index(head)
        end = old.find("\n## ", start + len(head))
        old = old[:start] + (old[end + 1 :] if end >= 0 else "")
    path.write_text(old.rstrip("\n") + "\n\n" + section, "utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="250000,1000000")
    ap.add_argument("--by", default="country,org")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / ".data")
    ap.add_argument("--out", type=Path, help="RESULTS.md to write the section into")
    args = ap.parse_args(argv)
    # byte-compiled once, as an installed wheel is (both sides start Python the same way)
    for folder in ("hflineage", "loaders", "graph", "queries", "explorer"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        path = _dataset(args.data, n)
        for by in args.by.split(","):
            results.append((n, by, measure(path, by, args.rounds)))
    command = "python bench/peers/run_peers.py " + " ".join(
        f"--{k} {v}" for k, v in (("sizes", args.sizes), ("by", args.by), ("rounds", args.rounds))
    )
    section = _section(_markdown(results), command, args.rounds)
    print(section)
    if args.out is not None:
        _replace_section(args.out, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
