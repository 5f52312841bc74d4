"""The read-only Cypher console behind ``POST /api/cypher``.

One embedded database serves every request, one query at a time (the engine's connection
is not shared across threads). It is a database file built by ``hf-lineage db build``
(opened read-only) or, without one, an in-memory copy of the served graph, loaded on the
first query. Either way every query runs in a read-only transaction under the default
timeout, and values go in as ``$parameters``.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph
from hflineage.queries.cypher.embedded import DEFAULT_TIMEOUT, EmbeddedCypher
from hflineage.queries.cypher.library import library
from hflineage.queries.cypher.tables import graph_tables

__all__ = ["MAX_QUERY_CHARS", "MAX_ROWS", "CypherConsole"]

#: Most rows one answer carries (the rest is counted, not sent).
MAX_ROWS = 1000
#: Longest query text accepted.
MAX_QUERY_CHARS = 20_000


class CypherConsole:
    """Runs one read-only query at a time on the served graph or a database file."""

    def __init__(
        self,
        graph: LineageGraph,
        db: str | Path | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self._graph = graph
        self._db = db
        self.timeout = timeout
        self._runner: EmbeddedCypher | None = None
        self._lock = threading.Lock()

    def _open(self) -> EmbeddedCypher:
        if self._runner is None:
            if self._db is not None:
                self._runner = EmbeddedCypher(self._db, timeout=self.timeout)
            else:
                tables = graph_tables(self._graph)
                self._runner = EmbeddedCypher.from_tables(tables, timeout=self.timeout)
        return self._runner

    def run(self, query: str, params: dict[str, Any]) -> dict[str, Any]:
        """Columns and rows of one query (a library query name is accepted too).

        Raises:
            ReadOnlyError: the query writes.
            QueryError: a bad query, a missing parameter or the timeout.
        """
        if not query.strip():
            raise QueryError("the Cypher query is empty; write a MATCH ... RETURN query")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the Cypher query has {len(query):,} characters; at most "
                f"{MAX_QUERY_CHARS:,} are accepted"
            )
        with self._lock:
            runner = self._open()
            text, values = query, dict(params)
            if query in library():
                named = library()[query]
                values = named.bind(values)
                text = named.text_for(runner.dialect)
            result = runner.run(text, values)
        rows = [[_plain(v) for v in row] for row in result.rows[:MAX_ROWS]]
        return {
            "columns": list(result.columns),
            "rows": rows,
            "row_count": len(result.rows),
            "truncated": len(result.rows) > MAX_ROWS,
            "timeout_seconds": self.timeout,
        }

    def close(self) -> None:
        """Close the database (the next query opens it again)."""
        with self._lock:
            if self._runner is not None:
                self._runner.close()
                self._runner = None


def _plain(value: Any) -> Any:
    """A value JSON can carry: nested lists and maps kept, non-finite floats as null,
    anything else (dates, engine ids) as its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
