"""Push the schema to a Bolt server (Neo4j) in batches: idempotent and resumable.

Order: constraints and indexes, then ``Model``, ``Org``, ``DERIVED_FROM``, ``PUBLISHED`` and
``HAS_ROOT`` rows, each batch one ``UNWIND $rows AS row MERGE ...`` in its own write
transaction. ``MERGE`` on the node keys makes re-sending any batch harmless, so a rerun
changes nothing. A marker node ``(:HfLineagePush {key: 'hf-lineage'})`` records the
fingerprint of the data, the stage and the row offset reached, updated in the same
transaction as each batch: an interrupted push resumes where it stopped, and a complete one
is not sent again unless asked (``restart=True``).

On FalkorDB (tested here in place of Neo4j), rows with a string value it cannot carry
(a ``'``; see :mod:`hflineage.queries.cypher.bolt`) or too large for one request are not
sent; neither are relationships that touch them. They are counted and reported, never
dropped silently, and the push says it is incomplete.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from hflineage.queries.cypher.bolt import (
    FALKORDB_MAX_REQUEST_BYTES,
    BoltCypher,
    encode_float,
    falkordb_refusal,
    request_bytes,
)
from hflineage.queries.cypher.tables import (
    MODEL_PROPERTIES,
    ORG_PROPERTIES,
    RELATIONSHIPS,
    GraphTables,
)

__all__ = ["MARKER_KEY", "PushReport", "merge_query", "push_tables", "schema_statements"]

MARKER_KEY = "hf-lineage"
_KEYS = {"Model": "id", "Org": "name"}
_STAGES = ("Model", "Org", "DERIVED_FROM", "PUBLISHED", "HAS_ROOT")
_INDEXED = {"Model": ("id", "family", "country", "author"), "Org": ("name",)}

Progress = Callable[[str, int, int], None]


def _properties(stage: str) -> tuple[tuple[str, str], ...]:
    if stage == "Model":
        return MODEL_PROPERTIES
    if stage == "Org":
        return ORG_PROPERTIES
    return RELATIONSHIPS[stage][2]


def merge_query(stage: str, dialect: str = "cypher") -> str:
    """The ``UNWIND $rows ... MERGE`` statement of one label or relationship type.

    On FalkorDB, DOUBLE properties arrive as ``[mantissa, exponent]`` pairs
    (:func:`~hflineage.queries.cypher.bolt.encode_float`) and are decoded here.
    """

    def value(prop: str, kind: str) -> str:
        if kind == "DOUBLE" and dialect == "falkordb":
            return f"row.{prop}[0] * 2.0 ^ row.{prop}[1]"
        return f"row.{prop}"

    if stage in _KEYS:
        key = _KEYS[stage]
        sets = ", ".join(f"n.{p} = {value(p, kind)}" for p, kind in _properties(stage) if p != key)
        return f"UNWIND $rows AS row MERGE (n:{stage} {{{key}: row.{key}}}) SET {sets}"
    start, end, props = RELATIONSHIPS[stage]
    sets = ", ".join(f"e.{p} = {value(p, kind)}" for p, kind in props)
    return (
        f"UNWIND $rows AS row MATCH (a:{start} {{{_KEYS[start]}: row.from}}) "
        f"MATCH (b:{end} {{{_KEYS[end]}: row.to}}) MERGE (a)-[e:{stage}]->(b)"
        + (f" SET {sets}" if sets else "")
    )


def _encoder(stage: str, dialect: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Row -> row as sent (FalkorDB: floats as exact integer pairs); None if not encodable."""
    doubles = [p for p, kind in _properties(stage) if kind == "DOUBLE"]
    if dialect != "falkordb" or not doubles:
        return lambda row: row

    def encode(row: dict[str, Any]) -> dict[str, Any] | None:
        out = dict(row)
        for p in doubles:
            if out[p] is not None:
                pair = encode_float(float(out[p]))
                if pair is None:
                    return None
                out[p] = pair
        return out

    return encode


def _falkordb_indexes() -> list[tuple[str, str]]:
    pairs = [(label, p) for label, props in _INDEXED.items() for p in props]
    return [*pairs, ("HfLineagePush", "key")]


def schema_statements(dialect: str) -> list[str]:
    """Constraints and indexes for a server (FalkorDB: exact-match indexes only)."""
    if dialect == "falkordb":
        return [f"CREATE INDEX FOR (n:{label}) ON (n.{p})" for label, p in _falkordb_indexes()]
    out = [
        f"CREATE CONSTRAINT hf_{label.lower()}_{key} IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
        for label, key in _KEYS.items()
    ]
    out.append(
        "CREATE CONSTRAINT hf_push_key IF NOT EXISTS FOR (n:HfLineagePush) REQUIRE n.key IS UNIQUE"
    )
    out += [
        f"CREATE INDEX hf_{label.lower()}_{p} IF NOT EXISTS FOR (n:{label}) ON (n.{p})"
        for label, props in _INDEXED.items()
        for p in props
        if p != _KEYS[label]
    ]
    return out


@dataclass
class PushReport:
    """What a push sent, skipped and refused."""

    server: str
    dialect: str
    fingerprint: str
    rows: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    refused_reasons: Counter[str] = field(default_factory=Counter)
    refused_examples: list[str] = field(default_factory=list)
    schema: list[str] = field(default_factory=list)
    resumed_from: str | None = None
    already_complete: bool = False
    batches: int = 0
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every row reached the server."""
        return not any(self.refused.values())

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (no credentials: the server is given without them)."""
        return {
            "server": self.server,
            "dialect": self.dialect,
            "fingerprint": self.fingerprint,
            "rows": self.rows,
            "sent": self.sent,
            "refused": self.refused,
            "refused_reasons": dict(self.refused_reasons),
            "refused_examples": self.refused_examples,
            "complete": self.complete,
            "schema": self.schema,
            "resumed_from": self.resumed_from,
            "already_complete": self.already_complete,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
        }


def _refusals(tables: GraphTables, dialect: str, report: PushReport) -> dict[str, set[int]]:
    """Row positions each stage must not send, with reasons and examples recorded."""
    skip: dict[str, set[int]] = {s: set() for s in _STAGES}
    if dialect != "falkordb":
        return skip
    tabs = {**tables.nodes(), **tables.relationships()}
    bad_keys: dict[str, set[str]] = {"Model": set(), "Org": set()}
    for stage in _STAGES:
        table = tabs[stage]
        query = merge_query(stage, dialect)
        encode = _encoder(stage, dialect)
        rel = RELATIONSHIPS.get(stage)
        for i, raw in enumerate(_rows(table)):
            row = encode(raw)
            reason = "has a number FalkorDB cannot carry" if row is None else None
            row = row or raw
            reason = reason or falkordb_refusal(row)
            if (
                reason is None
                and request_bytes(query, {"rows": [row]}) > FALKORDB_MAX_REQUEST_BYTES
            ):
                reason = "too large for one FalkorDB request (about 4 KB)"
            if reason is None and rel is not None:
                start, end, _ = rel
                if row["from"] in bad_keys[start] or row["to"] in bad_keys[end]:
                    reason = "an end node was refused"
            if reason is None:
                continue
            skip[stage].add(i)
            report.refused_reasons[reason] += 1
            if stage in _KEYS:
                bad_keys[stage].add(str(row[_KEYS[stage]]))
            if len(report.refused_examples) < 10:
                what = row.get(_KEYS.get(stage, "from"))
                report.refused_examples.append(f"{stage} {what!r}: {reason}")
    return skip


def _rows(table: pa.Table, start: int = 0, chunk: int = 20_000) -> Iterator[dict[str, Any]]:
    for off in range(start, table.num_rows, chunk):
        yield from table.slice(off, chunk).to_pylist()


def _batches(
    table: pa.Table,
    start: int,
    skip: set[int],
    batch_size: int,
    max_bytes: int | None,
    query: str,
    encode: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(offset after the batch, rows) from row ``start`` on, refused rows left out."""
    batch: list[dict[str, Any]] = []
    size = len(query.encode()) + 20
    for i, raw in enumerate(_rows(table, start), start=start):
        row = None if i in skip else encode(raw)
        if row is None:
            continue
        n = len(json.dumps(row, ensure_ascii=False, default=str).encode()) + 2 if max_bytes else 0
        if batch and (len(batch) >= batch_size or (max_bytes and size + n > max_bytes)):
            yield i, batch
            batch, size = [], len(query.encode()) + 20
        batch.append(row)
        size += n
    if batch or start < table.num_rows:
        yield table.num_rows, batch


def push_tables(
    runner: BoltCypher,
    tables: GraphTables,
    *,
    batch_size: int = 1_000,
    restart: bool = False,
    progress: Progress | None = None,
) -> PushReport:
    """Create constraints/indexes and MERGE every row; resume an interrupted push.

    Args:
        runner: a Bolt runner opened with ``write=True``.
        tables: the schema's tables (:func:`~hflineage.queries.cypher.tables.graph_tables`).
        batch_size: rows per ``UNWIND`` request (FalkorDB also caps a request's bytes).
        restart: send everything even if the marker says this data is already there.
        progress: called as ``progress(stage, rows_done, rows_total)``.
    """
    started = time.perf_counter()
    fingerprint = tables.fingerprint()
    report = PushReport(server=runner.location, dialect=runner.dialect, fingerprint=fingerprint)
    tabs = {**tables.nodes(), **tables.relationships()}
    report.rows = {s: tabs[s].num_rows for s in _STAGES}
    report.sent = {s: 0 for s in _STAGES}
    skip = _refusals(tables, runner.dialect, report)
    report.refused = {s: len(skip[s]) for s in _STAGES}
    report.schema = _ensure_schema(runner)
    marker = _read_marker(runner)
    stage_at, offset_at = _STAGES[0], 0
    if marker and marker.get("fingerprint") == fingerprint and not restart:
        if marker.get("done"):
            report.already_complete = True
            report.seconds = time.perf_counter() - started
            return report
        if marker.get("stage") in _STAGES:
            stage_at, offset_at = str(marker["stage"]), int(marker.get("offset") or 0)
            report.resumed_from = f"{stage_at} row {offset_at:,}"
    max_bytes = FALKORDB_MAX_REQUEST_BYTES if runner.dialect == "falkordb" else None
    for stage in _STAGES[_STAGES.index(stage_at) :]:
        start = offset_at if stage == stage_at else 0
        query = merge_query(stage, runner.dialect)
        encode = _encoder(stage, runner.dialect)
        table = tabs[stage]
        sent = 0
        batches = _batches(table, start, skip[stage], batch_size, max_bytes, query, encode)
        for offset, batch in batches:
            _write_batch(runner, query, batch, fingerprint, stage, offset)
            sent += len(batch)
            report.batches += 1
            if progress:
                progress(stage, offset, table.num_rows)
        report.sent[stage] = sent
    _write_marker(runner, fingerprint, _STAGES[-1], tabs[_STAGES[-1]].num_rows, done=True)
    report.seconds = time.perf_counter() - started
    return report


def _ensure_schema(runner: BoltCypher) -> list[str]:
    """Create what is missing (FalkorDB has no IF NOT EXISTS: its index list is read first)."""
    statements = schema_statements(runner.dialect)
    if runner.dialect == "falkordb":
        listed = runner.run("CALL db.indexes() YIELD label, properties RETURN label, properties")
        existing = {
            (str(label), str(prop))
            for label, props in listed.rows
            for prop in (props if isinstance(props, list) else [])
        }
        statements = [
            stmt
            for stmt, pair in zip(statements, _falkordb_indexes(), strict=True)
            if pair not in existing
        ]
    for stmt in statements:
        runner.run(stmt)
    return statements


def _read_marker(runner: BoltCypher) -> dict[str, Any] | None:
    rows = runner.run(
        "MATCH (p:HfLineagePush {key: $key}) "
        "RETURN p.fingerprint AS fingerprint, p.stage AS stage, p.offset AS offset, p.done AS done",
        {"key": MARKER_KEY},
    ).records()
    return rows[0] if rows else None


_MARKER_SET = (
    "MERGE (p:HfLineagePush {key: $key}) "
    "SET p.fingerprint = $fingerprint, p.stage = $stage, p.offset = $offset, p.done = $done"
)


def _write_marker(
    runner: BoltCypher, fingerprint: str, stage: str, offset: int, done: bool
) -> None:
    runner.run(
        _MARKER_SET,
        {
            "key": MARKER_KEY,
            "fingerprint": fingerprint,
            "stage": stage,
            "offset": offset,
            "done": done,
        },
    )


def _write_batch(
    runner: BoltCypher,
    query: str,
    rows: list[dict[str, Any]],
    fingerprint: str,
    stage: str,
    offset: int,
) -> None:
    """One write transaction: the batch, then the marker (atomic on Neo4j)."""
    marker = {
        "key": MARKER_KEY,
        "fingerprint": fingerprint,
        "stage": stage,
        "offset": offset,
        "done": False,
    }

    def work(tx: Any) -> None:
        if rows:
            tx.run(query, {"rows": rows}).consume()
        tx.run(_MARKER_SET, marker).consume()

    with runner.session() as session:
        session.execute_write(work)
