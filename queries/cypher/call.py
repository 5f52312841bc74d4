"""Cypher from Python: one call that opens a database, runs a query and closes it.

>>> import hflineage                                                    # doctest: +SKIP
>>> hflineage.cypher("MATCH (m:Model {family: $f}) RETURN count(m) AS n",
...                  db="hub.db", f="Qwen").to_pandas()                  # doctest: +SKIP

The query is written as for Neo4j (``docs/cypher.md`` lists what the embedded engine
rewrites or refuses); values go in as ``$parameters``; a library query can be named
instead of written (``hflineage.cypher("roots", db=..., model_id=...)``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from hflineage.errors import QueryError
from hflineage.queries.cypher.embedded import DEFAULT_TIMEOUT, EmbeddedCypher
from hflineage.queries.cypher.library import CypherResult, CypherRunner, library
from hflineage.queries.cypher.tables import graph_tables

if TYPE_CHECKING:
    from hflineage.graph import LineageGraph

__all__ = ["cypher", "result_table"]


def cypher(
    query: str,
    *,
    db: str | os.PathLike[str] | None = None,
    graph: LineageGraph | None = None,
    snapshots: str | Sequence[str] = (),
    uri: str | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **params: Any,
) -> pa.Table:
    """Run one read-only Cypher query and return its rows as an Arrow table.

    Give exactly one of ``db`` (a file built by ``hf-lineage db build``), ``graph`` (a
    :class:`~hflineage.graph.LineageGraph`, loaded into an in-memory database), ``snapshots``
    (opened with :func:`hflineage.open_graph`) or ``uri`` (a Bolt server such as Neo4j).
    ``query`` is Cypher text or the name of a library query; ``params`` are its
    ``$parameters``. ``.to_pandas()`` on the result gives a DataFrame (pandas installed).

    Raises:
        QueryError: a bad query, a refused write, the timeout, or not exactly one source.
    """
    sources = [db is not None, graph is not None, bool(snapshots), uri is not None]
    if sum(sources) != 1:
        raise QueryError("give exactly one of db=, graph=, snapshots= or uri=")
    runner = _runner(db, graph, snapshots, uri, auth, timeout)
    try:
        text, values = query, dict(params)
        if query in library():
            lib = library()[query]
            values = lib.bind(values)
            text = lib.text_for(runner.dialect)
        return result_table(runner.run(text, values))
    finally:
        runner.close()


def _runner(
    db: str | os.PathLike[str] | None,
    graph: LineageGraph | None,
    snapshots: str | Sequence[str],
    uri: str | None,
    auth: tuple[str, str] | None,
    timeout: float | None,
) -> CypherRunner:
    if db is not None:
        return EmbeddedCypher(Path(db), timeout=timeout)
    if uri is not None:
        from hflineage.queries.cypher.bolt import BoltCypher

        user, password = auth if auth else (None, None)
        return BoltCypher(uri, user=user, password=password, timeout=timeout)
    if graph is None:
        from hflineage.graph.opening import open_graph

        graph = open_graph(snapshots)
    return EmbeddedCypher.from_tables(graph_tables(graph), timeout=timeout)


def result_table(result: CypherResult) -> pa.Table:
    """A query's rows as an Arrow table, one column per returned column.

    Column types are inferred from the values (nodes, relationships and maps become
    structs, lists become lists); a column whose values mix types is kept as JSON text.
    """
    if len(set(result.columns)) != len(result.columns):
        raise QueryError(f"the query returns the same column name twice: {result.columns}")
    columns: dict[str, pa.Array] = {}
    for k, name in enumerate(result.columns):
        values = [row[k] for row in result.rows]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[name] = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False) for v in values],
                pa.string(),
            )
    return pa.table(columns)
