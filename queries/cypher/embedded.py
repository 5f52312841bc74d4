"""Cypher without a server: the schema in an embedded database of the Kuzu family.

Engine: LadybugDB (PyPI ``ladybug``, the maintained fork of Kuzu), pinned to 0.22.0 and
chosen on correctness by the differential suite (``tests/test_cypher_differential.py``,
``bench/cypher_differential.md``): no release of the family answers every generated query as
Neo4j does, and 0.22.0 has the fewest defects, each of which the query rewrite below removes
(RyuGraph 25.9.2 and Kuzu 0.11.3 also give wrong aggregates after a DISTINCT aggregate and
wrong rows when ordering by text with nulls, which no rewrite removes). RyuGraph and Kuzu
share the Python API and can be chosen with ``engine=``. A database is one file (plus
``<file>.wal`` while open for writing) and a small ``<file>.meta.json`` beside it with the
build facts, kept outside the graph so ``MATCH (n)`` sees models and orgs only.

What every connection here does, so a user's query is answered as Neo4j would answer it:

* queries are rewritten from Neo4j's spelling (:mod:`hflineage.queries.cypher.dialect`):
  0-based list indexes and ``substring``, ``labels()`` as a list, renamed functions, and
  unnamed variable-length patterns with de-duplicated ends run as one path per end pair;
* variable-length patterns (``*1..``) would silently stop at depth 30: the limit is raised
  to the deepest chain of the data before the first query (the setting is fixed when a
  statement is prepared, so it must come first);
* reads run in a read-only transaction, so the engine itself refuses any write;
* a timeout (:data:`DEFAULT_TIMEOUT`) and a memory cap (:data:`DEFAULT_MEMORY`) bound
  every query.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.errors import InputError, QueryError, ReadOnlyError
from hflineage.queries.cypher.dialect import check_name_case, null_safe_order, to_embedded
from hflineage.queries.cypher.library import (
    ClosingRunner,
    CypherResult,
    check_parameters,
    first_line,
    timed_result,
)
from hflineage.queries.cypher.tables import (
    MODEL_PROPERTIES,
    ORG_PROPERTIES,
    RELATIONSHIPS,
    SCHEMA_VERSION,
    GraphTables,
)

pc = lazy_module("pyarrow.compute")

__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MEMORY",
    "DEFAULT_TIMEOUT",
    "ENGINES",
    "EmbeddedBuild",
    "EmbeddedCypher",
    "build_embedded_db",
    "ddl",
    "meta_path",
    "read_meta",
]

#: Python packages of the Kuzu family this module can drive (same API, different names).
ENGINES: tuple[str, ...] = ("ladybug", "ryugraph", "kuzu")
DEFAULT_ENGINE = "ladybug"
#: Longest ``*1..`` expansion allowed (the engine's own default is a silent 30).
DEFAULT_MAX_DEPTH = 1000
#: Seconds a query may run unless the caller says otherwise.
DEFAULT_TIMEOUT = 60.0
#: Bytes of memory the engine may use for one database (its buffer pool).
DEFAULT_MEMORY = 4 << 30


def _engine(name: str) -> Any:
    if name not in ENGINES:
        raise QueryError(f"unknown embedded engine {name!r}; choose one of {', '.join(ENGINES)}")
    try:
        return __import__(name)
    except ImportError as exc:
        raise QueryError(
            f"the embedded Cypher engine needs the {name} package: pip install {name}"
        ) from exc


def meta_path(db_path: str | Path) -> Path:
    """The build facts kept beside a database file."""
    return Path(f"{db_path}.meta.json")


def ddl() -> list[str]:
    """``CREATE`` statements of the schema, in the embedded engine's DDL."""

    def cols(props: tuple[tuple[str, str], ...]) -> str:
        return ", ".join(f"{name} {kind}" for name, kind in props)

    out = [
        f"CREATE NODE TABLE Model({cols(MODEL_PROPERTIES)}, PRIMARY KEY(id))",
        f"CREATE NODE TABLE Org({cols(ORG_PROPERTIES)}, PRIMARY KEY(name))",
    ]
    for rel, (start, end, props) in RELATIONSHIPS.items():
        extra = f", {cols(props)}" if props else ""
        out.append(f"CREATE REL TABLE {rel}(FROM {start} TO {end}{extra})")
    return out


@dataclass(frozen=True)
class EmbeddedBuild:
    """What :func:`build_embedded_db` wrote."""

    path: Path
    counts: dict[str, int]
    fingerprint: str
    seconds: float
    bytes: int
    engine: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "path": str(self.path),
            "engine": self.engine,
            "counts": self.counts,
            "fingerprint": self.fingerprint,
            "seconds": round(self.seconds, 3),
            "bytes": self.bytes,
        }


def _remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}.wal"), Path(f"{path}.shadow"), meta_path(path)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def build_embedded_db(
    tables: GraphTables,
    path: str | Path,
    *,
    meta: Mapping[str, str] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> EmbeddedBuild:
    """Write the schema and bulk-load ``tables`` into a new database file at ``path``.

    The database is built beside ``path`` and moved over it only when complete, so a
    rebuild is idempotent and an interrupted one leaves the old database intact.

    Raises:
        InputError: ``path`` is a directory or its folder does not exist.
    """
    module = _engine(engine)
    target = Path(path)
    if target.is_dir():
        raise InputError(
            f"database path {target} is a directory; give a file path", path=str(target)
        )
    if not target.parent.is_dir():
        raise InputError(f"folder {target.parent} does not exist; create it first")
    started = time.perf_counter()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # the engine creates the file itself
    try:
        db = module.Database(str(tmp))
        try:
            conn = module.Connection(db)
            try:
                _load(conn, tables)
            except RuntimeError as exc:
                raise QueryError(
                    f"building {target} failed, the old database is unchanged: {first_line(exc)}"
                ) from None
            conn.close()
        finally:
            db.close()
        fingerprint = tables.fingerprint()
        facts = {
            "schema_version": str(SCHEMA_VERSION),
            "engine": engine,
            "engine_version": str(getattr(module, "__version__", "")),
            "fingerprint": fingerprint,
            "max_depth": str(_max_depth(tables.models)),
            **{f"count.{k}": str(v) for k, v in tables.counts().items()},
            **dict(meta or {}),
        }
        _remove_db(target)
        os.replace(tmp, target)
        if Path(f"{tmp}.wal").exists():  # normally checkpointed away on close
            os.replace(f"{tmp}.wal", f"{target}.wal")
        _write_meta(target, facts)
    except BaseException:
        _remove_db(tmp)
        raise
    return EmbeddedBuild(
        path=target,
        counts=tables.counts(),
        fingerprint=fingerprint,
        seconds=time.perf_counter() - started,
        bytes=target.stat().st_size,
        engine=engine,
    )


def _write_meta(target: Path, facts: Mapping[str, str]) -> None:
    where = meta_path(target)
    tmp = where.with_name(where.name + ".tmp")
    tmp.write_text(json.dumps(dict(facts), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, where)


def read_meta(db_path: str | Path) -> dict[str, str]:
    """The build facts of a database (empty if its ``.meta.json`` is missing or unreadable)."""
    try:
        facts = json.loads(meta_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in facts.items()} if isinstance(facts, dict) else {}


def _load(conn: Any, tables: GraphTables) -> None:
    """Create the schema and bulk-load every table (``COPY ... FROM`` an Arrow table)."""
    for stmt in ddl():
        conn.execute(stmt)
    for label, table in tables.nodes().items():
        conn.execute(f"COPY {label} FROM $t", {"t": table})
    for rel, table in tables.relationships().items():
        if table.num_rows:
            conn.execute(f"COPY {rel} FROM $t", {"t": table})


def _max_depth(models: pa.Table) -> int:
    depth = models.column("depth")
    return int(pc.max(depth).as_py() or 0) if len(depth) else 0


#: Labels, relationship types and properties, for "did you mean" hints.
_SCHEMA_NAMES: tuple[str, ...] = (
    "Model",
    "Org",
    *RELATIONSHIPS,
    *(name for name, _ in MODEL_PROPERTIES),
    *(name for name, _ in ORG_PROPERTIES),
    *(name for _, _, props in RELATIONSHIPS.values() for name, _ in props),
)
#: Properties holding text, whose null values the engine must not be asked to order.
_TEXT_PROPERTIES = frozenset(
    name
    for props in (MODEL_PROPERTIES, ORG_PROPERTIES, *(p for _, _, p in RELATIONSHIPS.values()))
    for name, kind in props
    if kind == "STRING"
)
_UNKNOWN_NAME = re.compile(
    r"Table (?P<table>\w+) does not exist|Cannot find property (?P<prop>\w+) for"
)


class EmbeddedCypher(ClosingRunner):
    """A :class:`~hflineage.queries.cypher.library.CypherRunner` over an embedded database.

    Queries are written as for Neo4j (see the module doc). Read-only unless ``write=True``:
    every read runs in a read-only transaction, so the engine refuses writes itself; a
    database file is also opened read-only.
    """

    dialect = "embedded"

    def __init__(
        self,
        path: str | Path | None,
        *,
        write: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_depth: int = DEFAULT_MAX_DEPTH,
        memory: int = DEFAULT_MEMORY,
        engine: str | None = None,
    ) -> None:
        """Open a database file, or an empty in-memory one with ``path=None``.

        ``timeout`` is in seconds (``None`` or 0: none); ``memory`` caps the engine's
        buffer pool in bytes. ``engine`` defaults to the one that built the file.

        Raises:
            InputError: no database at ``path`` (build one with ``hf-lineage db build``).
            QueryError: the engine cannot open it (locked, a newer storage version, ...).
        """
        self.write = write
        self.location = str(path) if path is not None else ":memory:"
        if path is not None and not Path(path).is_file():
            raise InputError(
                f"no database at {path}; build one with: hf-lineage db build --snapshot "
                f"SNAPSHOT --db {path}",
                path=str(path),
            )
        self._meta = read_meta(path) if path is not None else {}
        self.engine = engine or self._meta.get("engine", DEFAULT_ENGINE)
        module = _engine(self.engine)
        self.memory = memory
        try:
            where = ":memory:" if path is None else str(path)
            self._db = module.Database(
                where, buffer_pool_size=memory, read_only=path is not None and not write
            )
            self._conn = module.Connection(self._db)
        except RuntimeError as exc:
            raise QueryError(
                f"cannot open {self.location} with {self.engine}: {_one_line(str(exc))}; "
                "a database built by another engine or version needs rebuilding: "
                "hf-lineage db build"
            ) from None
        # Must run before any other statement on this connection (see the module doc).
        self.max_depth = 0
        self._set_max_depth(max_depth)
        self._set_max_depth(int(self._meta.get("max_depth", 0)) + 1)
        self._set_timeout(timeout)

    @classmethod
    def from_tables(
        cls,
        tables: GraphTables,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        memory: int = DEFAULT_MEMORY,
        engine: str = DEFAULT_ENGINE,
    ) -> EmbeddedCypher:
        """A read-only in-memory database loaded with ``tables`` (``--snapshot`` runs, tests)."""
        runner = cls(None, write=True, timeout=None, memory=memory, engine=engine)
        _load(runner._conn, tables)
        runner._set_max_depth(_max_depth(tables.models) + 1)
        runner.write = False
        runner._set_timeout(timeout)
        return runner

    def _set_timeout(self, seconds: float | None) -> None:
        """Stop every later query after ``seconds`` (``None`` or 0: never)."""
        self.timeout = seconds
        self._conn.set_query_timeout(max(1, round(seconds * 1000)) if seconds else 0)

    def _set_max_depth(self, depth: int) -> None:
        """Raise the variable-length depth limit (never lowers it)."""
        if depth > self.max_depth:
            self.max_depth = depth
            self._conn.execute(f"CALL var_length_extend_max_depth={int(depth)}")

    def meta(self) -> dict[str, str]:
        """The build facts stored beside the database (schema version, counts, sources)."""
        return dict(self._meta)

    def translate(self, query: str) -> str:
        """The engine's spelling of a query written for Neo4j (see the module doc)."""
        check_name_case(query, _SCHEMA_NAMES)
        return null_safe_order(to_embedded(query), _TEXT_PROPERTIES)

    def run(self, query: str, params: Mapping[str, object] | None = None) -> CypherResult:
        """Run one query written for Neo4j (all rows).

        Raises:
            QueryError: a syntax or semantic error, a refused write, the timeout, the
                memory cap, or a construct that would answer differently from Neo4j.
        """
        check_parameters(query, params or {})
        text = self.translate(query)
        started = time.perf_counter()
        try:
            if not self.write:
                self._conn.execute("BEGIN TRANSACTION READ ONLY")
            try:
                res = self._conn.execute(text, dict(params or {}))
                if isinstance(res, list):
                    raise QueryError("give one Cypher statement at a time (found several)")
                columns = res.get_column_names()
                rows = res.get_all()
            finally:
                if not self.write:
                    with contextlib.suppress(RuntimeError):  # already ended by an error
                        self._conn.execute("ROLLBACK")
        except RuntimeError as exc:
            raise self._error(exc, query) from None
        return timed_result(columns, rows, started)

    def _error(self, exc: RuntimeError, query: str) -> QueryError:
        msg = _one_line(str(exc)) or type(exc).__name__
        if msg.startswith("Interrupted"):
            hint = ""
            if "*" in query:
                hint = (
                    "; a variable-length pattern enumerates every path through the merges: "
                    "return only its end nodes de-duplicated (RETURN DISTINCT ... or "
                    "count(DISTINCT ...)) with no relationship or path variable, and it runs "
                    "as one path per end node; for roots use the HAS_ROOT relationship"
                )
            return QueryError(f"query stopped by the {self.timeout:g} s timeout{hint}")
        if "buffer pool" in msg.lower() or "Unable to allocate memory" in msg:
            return QueryError(
                f"the query needs more than the {self.memory / 2**30:g} GiB memory cap; "
                "narrow it (a LIMIT, fewer hops, DISTINCT ends) or raise the cap"
            )
        if "read-only" in msg:
            return ReadOnlyError(f"the query writes and the database is read-only: {msg}")
        hint = _did_you_mean(msg)
        if msg.startswith("Parser exception"):
            return QueryError(f"Cypher syntax error: {msg.removeprefix('Parser exception: ')}")
        return QueryError(f"Cypher error: {msg}{hint}")

    def close(self) -> None:
        """Close the connection and the database."""
        with contextlib.suppress(Exception):
            self._conn.close()
        with contextlib.suppress(Exception):
            self._db.close()


def _one_line(message: str) -> str:
    """The engine's whole message on one line, without its echo of the query and caret."""
    lines = [ln.strip() for ln in message.splitlines()]
    kept = [
        ln
        for ln in lines
        if ln and set(ln) != {"^"} and not (ln.startswith('"') and ln.endswith('"'))
    ]
    return " ".join(kept)


def _did_you_mean(message: str) -> str:
    m = _UNKNOWN_NAME.search(message)
    if not m:
        return ""
    name = m.group("table") or m.group("prop") or ""
    close = difflib.get_close_matches(name, _SCHEMA_NAMES, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in _SCHEMA_NAMES}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f" (did you mean {close[0]}?)" if close else ""
