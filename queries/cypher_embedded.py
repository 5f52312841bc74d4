"""Cypher without a server: the schema in an embedded LadybugDB database.

LadybugDB (PyPI ``ladybug``, the maintained fork of Kuzu) was chosen by measurement; see
``bench/RESULTS.md``. A database is one file (plus ``<file>.wal`` while open for writing).

Two of its defaults would give wrong answers on real lineage, and every connection made
here sets them before its first query:

* variable-length patterns (``*1..``) silently stop at depth 30 unless
  ``var_length_extend_max_depth`` is raised (the real sample is 75 levels deep);
* the setting is fixed when a statement is prepared and prepared statements are cached per
  connection, so it must come first on every connection.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hflineage.errors import InputError, QueryError
from hflineage.queries.cypherlib import (
    ClosingRunner,
    CypherResult,
    check_parameters,
    first_line,
    refuse_writes,
    timed_result,
)
from hflineage.queries.graphdb import (
    MODEL_PROPERTIES,
    ORG_PROPERTIES,
    RELATIONSHIPS,
    SCHEMA_VERSION,
    GraphTables,
)

__all__ = ["DEFAULT_MAX_DEPTH", "EmbeddedBuild", "EmbeddedCypher", "build_embedded_db", "ddl"]

#: Longest ``*1..`` expansion allowed (the engine's own default is a silent 30).
DEFAULT_MAX_DEPTH = 1000
_META = "HfLineageMeta"


def _ladybug() -> Any:
    try:
        import ladybug
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise QueryError(
            "the embedded Cypher engine needs the ladybug package: pip install 'ladybug>=0.22'"
        ) from exc
    return ladybug


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
    out.append(f"CREATE NODE TABLE {_META}(key STRING, value STRING, PRIMARY KEY(key))")
    return out


@dataclass(frozen=True)
class EmbeddedBuild:
    """What :func:`build_embedded_db` wrote."""

    path: Path
    counts: dict[str, int]
    fingerprint: str
    seconds: float
    bytes: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "path": str(self.path),
            "counts": self.counts,
            "fingerprint": self.fingerprint,
            "seconds": round(self.seconds, 3),
            "bytes": self.bytes,
        }


def _remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}.wal"), Path(f"{path}.shadow")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def build_embedded_db(
    tables: GraphTables, path: str | Path, *, meta: Mapping[str, str] | None = None
) -> EmbeddedBuild:
    """Write the schema and bulk-load ``tables`` into a new database file at ``path``.

    The database is built beside ``path`` and moved over it only when complete, so a
    rebuild is idempotent and an interrupted one leaves the old database intact.

    Raises:
        InputError: ``path`` is a directory or its folder does not exist.
    """
    lb = _ladybug()
    target = Path(path)
    if target.is_dir():
        raise InputError(f"--db {target} is a directory; give a file path", path=str(target))
    if not target.parent.is_dir():
        raise InputError(f"folder {target.parent} does not exist; create it first")
    started = time.perf_counter()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # the engine creates the file itself
    try:
        db = lb.Database(str(tmp))
        try:
            conn = lb.Connection(db)
            try:
                _load(conn, tables)
            except RuntimeError as exc:
                raise QueryError(
                    f"building {target} failed, the old database is unchanged: {first_line(exc)}"
                ) from None
            fingerprint = tables.fingerprint()
            rows = {
                "schema_version": str(SCHEMA_VERSION),
                "fingerprint": fingerprint,
                "max_depth": str(_max_depth(tables.models)),
                **{f"count.{k}": str(v) for k, v in tables.counts().items()},
                **dict(meta or {}),
            }
            conn.execute(
                f"COPY {_META} FROM $t",
                {"t": pa.table({"key": list(rows), "value": list(rows.values())})},
            )
            conn.close()
        finally:
            db.close()
        _remove_db(target)
        os.replace(tmp, target)
        if Path(f"{tmp}.wal").exists():  # normally checkpointed away on close
            os.replace(f"{tmp}.wal", f"{target}.wal")
    except BaseException:
        _remove_db(tmp)
        raise
    return EmbeddedBuild(
        path=target,
        counts=tables.counts(),
        fingerprint=fingerprint,
        seconds=time.perf_counter() - started,
        bytes=target.stat().st_size,
    )


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


class EmbeddedCypher(ClosingRunner):
    """A :class:`~hflineage.queries.cypherlib.CypherRunner` over an embedded database.

    Read-only unless ``write=True``: the file is opened read-only (the engine refuses
    writes) and write clauses are refused before the engine sees them.
    """

    dialect = "ladybug"

    def __init__(
        self,
        path: str | Path | None,
        *,
        write: bool = False,
        timeout: float | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        """Open a database file, or an empty in-memory one with ``path=None``.

        Raises:
            InputError: no database at ``path`` (build one with ``hf-lineage db build``).
            QueryError: the engine cannot open it (locked, a newer storage version, ...).
        """
        lb = _ladybug()
        self.write = write
        self.location = str(path) if path is not None else ":memory:"
        if path is not None and not Path(path).is_file():
            raise InputError(
                f"no database at {path}; build one with: hf-lineage db build --snapshot "
                f"SNAPSHOT --db {path}",
                path=str(path),
            )
        try:
            if path is None:
                self._db = lb.Database(":memory:")
            else:
                self._db = lb.Database(str(path), read_only=not write)
            self._conn = lb.Connection(self._db)
        except RuntimeError as exc:
            raise QueryError(f"cannot open {self.location}: {first_line(exc)}") from None
        # Must run before any other statement on this connection (see the module doc).
        self.max_depth = 0
        self._set_max_depth(max_depth)
        self._set_max_depth(self._stored_max_depth() + 1)
        if timeout:
            self._conn.set_query_timeout(max(1, round(timeout * 1000)))
        self.timeout = timeout

    @classmethod
    def from_tables(cls, tables: GraphTables, *, timeout: float | None = None) -> EmbeddedCypher:
        """An in-memory database loaded with ``tables`` (for ``--snapshot`` runs and tests)."""
        runner = cls(None, write=True, timeout=None)
        _load(runner._conn, tables)
        runner._set_max_depth(_max_depth(tables.models) + 1)
        runner.write = False
        if timeout:
            runner._conn.set_query_timeout(max(1, round(timeout * 1000)))
        runner.timeout = timeout
        return runner

    def _set_max_depth(self, depth: int) -> None:
        """Raise the variable-length depth limit (never lowers it)."""
        if depth > self.max_depth:
            self.max_depth = depth
            self._conn.execute(f"CALL var_length_extend_max_depth={int(depth)}")

    def _stored_max_depth(self) -> int:
        try:
            res = self._conn.execute(f"MATCH (k:{_META}) WHERE k.key = 'max_depth' RETURN k.value")
            rows = res.get_all()
        except RuntimeError:
            return 0
        return int(rows[0][0]) if rows else 0

    def meta(self) -> dict[str, str]:
        """The build facts stored in the database (schema version, counts, sources)."""
        try:
            rows = self._conn.execute(f"MATCH (k:{_META}) RETURN k.key, k.value").get_all()
        except RuntimeError:
            return {}
        return {str(k): str(v) for k, v in rows}

    def run(self, query: str, params: Mapping[str, object] | None = None) -> CypherResult:
        """Run one query (all rows).

        Raises:
            QueryError: a syntax or semantic error, a refused write, or the timeout.
        """
        if not self.write:
            refuse_writes(query)
        check_parameters(query, params or {})
        started = time.perf_counter()
        try:
            res = self._conn.execute(query, dict(params or {}))
            if isinstance(res, list):
                raise QueryError("give one Cypher statement at a time (found several)")
            columns = res.get_column_names()
            rows = res.get_all()
        except RuntimeError as exc:
            raise self._error(exc) from None
        return timed_result(columns, rows, started)

    def _error(self, exc: RuntimeError) -> QueryError:
        msg = first_line(exc)
        if msg.startswith("Interrupted"):
            return QueryError(f"query stopped by the {self.timeout:g} s timeout (--timeout)")
        if "read-only" in msg:
            return QueryError(
                "the query writes and the database is opened read-only; rerun with --write"
            )
        if msg.startswith("Parser exception"):
            return QueryError(f"Cypher syntax error: {msg.removeprefix('Parser exception: ')}")
        return QueryError(f"Cypher error: {msg}")

    def close(self) -> None:
        """Close the connection and the database."""
        with contextlib.suppress(Exception):
            self._conn.close()
        with contextlib.suppress(Exception):
            self._db.close()
