#!/usr/bin/env python3
"""The whole differential Cypher suite: generated queries, a Python oracle, several engines.

``python bench/cypher_differential.py [--seeds 1 2 3] [--queries 300] [--inputs literal sample]
[--engine NAME[=PYTHON] ...] [--timeout 5] [--json OUT]``

For each input (the hand-built literal graph of the tests; the real sample when
``../shared/data`` has it) and seed, the generator of ``tests/cypher_generator.py`` draws
``--queries`` read queries, the oracle of ``tests/cypher_oracle.py`` answers them, and every
engine answers them too, each in a worker process (``tests/cypher_engines.py``) with a
per-query timeout, so a hang or a crash is counted, not fatal. Verdicts per engine:

* ``agree``: the engine's rows are the oracle's (every parameter set, in order when ordered);
* ``excused``: a defect listed for that engine in ``tests/cypher_defects.py`` applies and
  its workaround agrees (counted per defect);
* ``wrong``, ``error``, ``timeout``, ``crash``: everything else, each case printed.

Engines: ``project`` (the project's own runner, the default), ``falkordb`` (a throw-away
FalkorDB server over Bolt, through the project's Bolt runner) or a module of the Kuzu family
(``ladybug``, ``kuzu``, ``ryugraph``) run by another interpreter, e.g.
``--engine ladybug=/tmp/eng/v0.22.0/bin/python --engine kuzu=/tmp/eng/kuzu/bin/python``.
The worker loads the tables into a bare database of that engine (the schema from the
tables' Arrow types), so versions can be compared on correctness before one is pinned.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

SAMPLE = ROOT.parent / "shared" / "data" / "hub-stats-sample-2026-05.parquet"
KINDS = ("agree", "excused", "wrong", "error", "timeout", "crash")


def _tables(name: str) -> Any:
    from hflineage.queries.cypher.tables import graph_tables

    if name == "literal":
        from conftest import graph_of
        from cypher_generator import literal_models

        return graph_tables(graph_of(literal_models()))
    from hflineage.graph import build_lineage_graph
    from hflineage.loaders import load_snapshot

    table, report = load_snapshot(SAMPLE)
    return graph_tables(build_lineage_graph(table, report))


def _engine_label(engine: Any) -> str:
    """The defects table's key: ``hf-lineage`` for the project's runner, else the engine's
    name and version (``project (ladybug 0.22.0)`` is judged as ``hf-lineage``)."""
    from cypher_defects import PROJECT

    if str(engine.version).startswith("project"):
        return PROJECT  # judged strictly: the project's rewrite must remove engine defects
    return str(engine.version).split("(", 1)[-1].rstrip(")")


def run_suite(args: argparse.Namespace) -> dict[str, Any]:
    """Every (input, seed) against every engine; the counts and the failing cases."""
    from cypher_engines import EngineProcess, FalkorDBEngine, write_tables
    from cypher_generator import check_case, draw_cases
    from cypher_oracle import Graph, Oracle

    from hflineage.queries.cypher.tables import RELATIONSHIPS

    ends = {name: (start, end) for name, (start, end, _) in RELATIONSHIPS.items()}
    inputs = [i for i in args.inputs if i != "sample" or SAMPLE.is_file()]
    skipped = sorted(set(args.inputs) - set(inputs))
    results: dict[str, Any] = {"engines": {}, "inputs": {}, "skipped_inputs": skipped}
    work = Path(tempfile.mkdtemp(prefix="cypher-differential-"))
    for name in inputs:
        tables = _tables(name)
        oracle = Oracle(
            Graph.from_tables(tables.nodes(), tables.relationships(), ends), budget=args.budget
        )
        started = time.perf_counter()
        suites = {seed: draw_cases(oracle, seed, args.queries) for seed in args.seeds}
        results["inputs"][name] = {
            "queries": sum(len(c) for c, _ in suites.values()),
            "dropped_over_budget": sum(d for _, d in suites.values()),
            "oracle_s": round(time.perf_counter() - started, 1),
            "counts": tables.counts(),
        }
        folder = write_tables(tables.nodes(), tables.relationships(), ends, work / name)
        for spec in args.engine:
            module, _, python = spec.partition("=")
            engine: Any
            if module == "falkordb":
                engine = FalkorDBEngine(tables, timeout=args.timeout)
            else:
                engine = EngineProcess(folder, module, python or sys.executable, args.timeout)
                engine.start()
            with engine:
                label = _engine_label(engine)
                entry = results["engines"].setdefault(
                    f"{engine.version} on {name}",
                    {"counts": collections.Counter(), "excused": collections.Counter(),
                     "failures": [], "seconds": 0.0, "restarts": 0},
                )  # fmt: skip
                for seed, (cases, _) in suites.items():
                    for case in cases:
                        v = check_case(case, engine.run, label, oracle, run_hangs=args.run_hangs)
                        entry["counts"][v.kind] += 1
                        entry["seconds"] += v.seconds
                        if v.kind == "excused":
                            for defect in v.defect.split("+"):
                                entry["excused"][defect] += 1
                        elif not v.ok:
                            entry["failures"].append(
                                {"input": name, "seed": seed, "kind": v.kind,
                                 "report": v.report()[:3000]}
                            )  # fmt: skip
                entry["restarts"] += engine.restarts
                print(f"{name:8} {engine.version:26} {dict(entry['counts'])}", flush=True)
    return results


def summary(results: dict[str, Any]) -> str:
    """A Markdown table of verdicts per engine, then the defects each one needed."""
    lines = ["| engine on input | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    for label, e in results["engines"].items():
        lines.append(f"| {label} | " + " | ".join(str(e["counts"].get(k, 0)) for k in KINDS) + " |")
    lines.append("")
    for label, e in results["engines"].items():
        used = ", ".join(f"{k} {v}" for k, v in sorted(e["excused"].items())) or "none"
        lines.append(f"* {label}: excused by {used}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--queries", type=int, default=300, help="per seed and input")
    parser.add_argument("--inputs", nargs="+", default=["literal", "sample"])
    parser.add_argument(
        "--engine",
        action="append",
        default=None,
        help="MODULE[=PYTHON]: project (default), ladybug, kuzu, ryugraph",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per query")
    parser.add_argument("--budget", type=int, default=20_000, help="oracle matches per query")
    parser.add_argument(
        "--skip-hangs",
        dest="run_hangs",
        action="store_false",
        help="do not run queries a listed defect makes hang (only their workaround)",
    )
    parser.add_argument("--json", type=Path, help="write counts and failing cases here")
    args = parser.parse_args(argv)
    args.engine = args.engine or ["project"]
    results = run_suite(args)
    print(summary(results))
    for label, e in results["engines"].items():
        for f in e["failures"][:30]:
            print(f"\n--- {label} {f['input']} seed {f['seed']}\n{f['report']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    failed = sum(len(e["failures"]) for e in results["engines"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
