"""``hf-lineage cypher``, ``db`` and ``neo4j``: Cypher on an embedded database or over Bolt."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hflineage.errors import QueryError, ReadOnlyError
from hflineage.explorer.cli.common import (
    emit,
    format_option,
    load_graph,
    progress_enabled,
    stderr_console,
)
from hflineage.queries.cypher.embedded import DEFAULT_MEMORY, DEFAULT_TIMEOUT
from hflineage.queries.cypher.library import (
    CypherRunner,
    MissingParameter,
    library,
    library_query,
    parse_param_options,
)
from hflineage.queries.cypher.tables import GraphTables, graph_tables

if TYPE_CHECKING:
    from hflineage.queries.cypher.bolt import BoltCypher

__all__ = ["cypher", "db", "neo4j"]

F = TypeVar("F", bound=Callable[..., Any])


def _snapshots_option(required: bool) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        return click.option(
            "--snapshot",
            "snapshots",
            multiple=True,
            required=required,
            type=click.Path(dir_okay=True, path_type=str),
            help="hub-stats .parquet, API .jsonl[.gz] or a folder of model cards (repeatable).",
        )(fn)

    return deco


def bolt_options(fn: F) -> F:
    """``--user``, ``--password-env`` and ``--database`` for a Bolt server."""
    fn = click.option(
        "--database",
        default=None,
        help="Neo4j database name (default: the server's default database).",
    )(fn)
    fn = click.option(
        "--password-env",
        metavar="VAR",
        default="NEO4J_PASSWORD",
        show_default=True,
        help="Environment variable holding the password (never given on the command line).",
    )(fn)
    return click.option("--user", default=None, help="User name; omit for no authentication.")(fn)


def _quiet_driver_logs() -> None:
    """The neo4j driver logs each retry as a warning; the CLI reports one line instead."""
    import logging

    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    logging.getLogger("neo4j").propagate = False


def _password(user: str | None, var: str) -> str | None:
    if not user:
        return None
    value = os.environ.get(var)
    if value is None:
        raise QueryError(f"--user {user} needs a password in the environment variable ${var}")
    return value


def _bolt(
    uri: str,
    user: str | None,
    password_env: str,
    database: str | None,
    write: bool,
    timeout: float | None,
) -> BoltCypher:
    from hflineage.queries.cypher.bolt import BoltCypher

    _quiet_driver_logs()
    return BoltCypher(
        uri,
        user=user,
        password=_password(user, password_env),
        database=database,
        write=write,
        timeout=DEFAULT_TIMEOUT if timeout is None else (timeout or None),
        timeout_required=bool(timeout),
    )


def _tables(snapshots: Sequence[str], infer: bool = False) -> GraphTables:
    return graph_tables(load_graph(snapshots, infer=infer))


# -- cypher -------------------------------------------------------------------------------
def database_options(fn: F) -> F:
    """Where the query runs: ``--db``, ``--snapshot`` or ``--uri`` (with its Bolt options)."""
    fn = bolt_options(fn)
    fn = click.option("--uri", metavar="bolt://HOST:PORT", help="A Bolt server (Neo4j) instead.")(
        fn
    )
    fn = _snapshots_option(required=False)(fn)
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=str),
        help="Embedded database built by hf-lineage db build.",
    )(fn)


def _check_one_database(db_path: str | None, snapshots: Sequence[str], uri: str | None) -> None:
    if sum([bool(db_path), bool(snapshots), bool(uri)]) != 1:
        raise click.UsageError("give exactly one of --db PATH, --snapshot PATH or --uri bolt://...")


def _runner(
    db_path: str | None,
    snapshots: Sequence[str],
    uri: str | None,
    user: str | None,
    password_env: str,
    database: str | None,
    write: bool,
    timeout: float | None,
    memory_gib: float,
) -> CypherRunner:
    """The runner for the chosen database; ``timeout`` None means the default, 0 none."""
    if uri:
        return _bolt(uri, user, password_env, database, write, timeout)
    from hflineage.queries.cypher.embedded import EmbeddedCypher

    timeout = DEFAULT_TIMEOUT if timeout is None else (timeout or None)
    memory = int(memory_gib * 2**30)
    if db_path:
        return EmbeddedCypher(db_path, write=write, timeout=timeout, memory=memory)
    embedded = EmbeddedCypher.from_tables(_tables(snapshots), timeout=timeout, memory=memory)
    embedded.write = write  # an in-memory copy: writes never reach the snapshot
    return embedded


def _resolve_query(query: str) -> tuple[str | None, str]:
    """(library name or None, text) for a QUERY argument: a name, a file, ``-`` or Cypher."""
    if query in library():
        return query, ""
    if query == "-":
        return None, sys.stdin.read()
    if query.endswith(".cypher") and "\n" not in query and Path(query).is_file():
        return None, Path(query).read_text(encoding="utf-8")
    if re.fullmatch(r"[A-Za-z][\w-]*", query):  # one word: a library name, never Cypher
        library_query(query)  # raises with the closest name
    return None, query


def _list_library(fmt: str) -> None:
    rows = [
        (
            q.name,
            q.summary,
            ", ".join(
                f"{p.name}={'|'.join(p.choices) if p.choices else p.type}"
                + ("" if p.required else f" (default {p.default!r})")
                for p in q.params
            )
            or "-",
        )
        for q in library().values()
    ]
    payload = {
        "queries": [
            {
                "name": q.name,
                "summary": q.summary,
                "header": q.header,
                "text": q.text,
                "dialects": sorted(q.variants),
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "choices": list(p.choices),
                        "default": p.default,
                        "required": p.required,
                        "doc": p.doc,
                    }
                    for p in q.params
                ],
            }
            for q in library().values()
        ]
    }
    emit(fmt, payload, ["query", "what it answers", "parameters"], rows, title="query library")


@click.command("cypher")
@click.argument("query", required=False)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A query parameter (repeatable): name=text is a string, name:=json a JSON value. "
    "Library queries convert text to their declared types.",
)
@database_options
@format_option
@click.option("--write", is_flag=True, help="Allow writes (read-only by default).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    help=f"Stop the query after this many seconds (0: no limit; default: {DEFAULT_TIMEOUT:g} "
    "on the embedded engine and Neo4j, where it is the transaction timeout; FalkorDB "
    "cannot apply one and refuses it).",
)
@click.option(
    "--memory",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_MEMORY / 2**30,
    show_default=True,
    help="Memory cap of the embedded engine, in GiB.",
)
@click.option("--list", "list_queries", is_flag=True, help="List the shipped library queries.")
def cypher(
    query: str | None,
    params: tuple[str, ...],
    db_path: str | None,
    snapshots: tuple[str, ...],
    uri: str | None,
    user: str | None,
    password_env: str,
    database: str | None,
    fmt: str,
    write: bool,
    timeout: float | None,
    memory: float,
    list_queries: bool,
) -> None:
    """Run Cypher, or a library query by name, on the lineage graph.

    QUERY is Cypher text, the name of a library query (see --list), a .cypher file or -
    (stdin). Give exactly one of --db, --snapshot (an in-memory database) or --uri.
    Values always travel as $parameters.

    Example: hf-lineage cypher descendants --param model_id=Qwen/Qwen2.5-7B --db hub.db

    Ad hoc: hf-lineage cypher 'MATCH (m:Model {family: $f}) RETURN count(m)' --param f=Qwen
    --snapshot hub-stats.parquet
    """
    if list_queries:
        _list_library(fmt)
        return
    if not query:
        raise click.UsageError("give a QUERY (Cypher text or a library name) or --list")
    _check_one_database(db_path, snapshots, uri)
    name, text = _resolve_query(query)
    raw = parse_param_options(params)
    runner = _runner(db_path, snapshots, uri, user, password_env, database, write, timeout, memory)
    try:
        if name is not None:
            lib = library()[name]
            values: dict[str, object] = lib.bind(raw)
            text = lib.text_for(runner.dialect)
        else:
            values = raw
        result = runner.run(text, values)
    except ReadOnlyError as exc:
        raise ReadOnlyError(f"{exc}; rerun with --write to allow it") from None
    except MissingParameter as exc:
        raise QueryError(f"{exc}; pass --param {exc.parameter}=...") from None
    finally:
        runner.close()
    payload: dict[str, Any] = {
        "columns": result.columns,
        "rows": result.records(),
        "meta": {
            "query": name or "ad hoc",
            "params": values,
            "engine": runner.engine,
            "database": runner.location,
            "rows": len(result.rows),
            "seconds": round(result.elapsed_s, 4),
        },
    }
    footer = (
        f"{len(result.rows):,} rows in {result.elapsed_s:.3f} s "
        f"({runner.engine} at {runner.location})"
    )
    if fmt == "table":
        rows = [tuple(map(_cell, r)) for r in result.rows]
    else:  # CSV: lists, maps, nodes and paths as JSON, never Python's repr
        rows = [tuple(map(_json_cell, r)) for r in result.rows]
    emit(fmt, payload, result.columns, rows, title=name, footer=footer)


def _json_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _cell(value: Any) -> Any:
    """Table cells: floats under 1 (weights, small shares) keep four significant digits."""
    if isinstance(value, float) and abs(value) < 1 and value:
        return f"{value:.4g}"
    return _json_cell(value)


# -- db -----------------------------------------------------------------------------------
@click.group("db")
def db() -> None:
    """Build and inspect the embedded Cypher database (no server needed)."""


@db.command("build")
@_snapshots_option(required=True)
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="Database file to write (replaced atomically if it exists).",
)
@click.option("--infer", is_flag=True, help="Add inferred lineage (docs/inference.md).")
@format_option
def build(snapshots: tuple[str, ...], db_path: str, infer: bool, fmt: str) -> None:
    """Load snapshots into an embedded database with the schema of docs/cypher.md.

    Rebuilding from the same snapshots gives the same database (fingerprint shown).

    Example: hf-lineage db build --snapshot hub-stats.parquet --db hub.db
    """
    from hflineage.queries.cypher.embedded import build_embedded_db

    tables = _tables(snapshots, infer=infer)
    meta = {"snapshots": "; ".join(os.path.basename(s) for s in snapshots), "infer": str(infer)}
    built = build_embedded_db(tables, db_path, meta=meta)
    rows: list[tuple[Any, ...]] = [(k, v) for k, v in built.counts.items()]
    rows += [
        ("file size (MB)", round(built.bytes / 1e6, 1)),
        ("seconds", round(built.seconds, 2)),
        ("fingerprint", built.fingerprint),
    ]
    emit(fmt, built.as_dict(), ["item", "count"], rows, title=f"built {db_path}")


@db.command("info")
@click.option(
    "--db",
    "db_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="Database file built by hf-lineage db build.",
)
@format_option
def info(db_path: str, fmt: str) -> None:
    """What a database holds: schema version, counts, fingerprint, snapshots.

    Example: hf-lineage db info --db hub.db
    """
    from hflineage.queries.cypher.embedded import EmbeddedCypher

    with EmbeddedCypher(db_path) as runner:
        meta = runner.meta()
    if not meta:
        raise QueryError(
            f"{db_path} holds no hf-lineage metadata; rebuild it with hf-lineage db build"
        )
    emit(fmt, meta, ["key", "value"], sorted(meta.items()), title=db_path)


@db.command("schema")
@database_options
@format_option
def schema(
    db_path: str | None,
    snapshots: tuple[str, ...],
    uri: str | None,
    user: str | None,
    password_env: str,
    database: str | None,
    fmt: str,
) -> None:
    """Labels, relationship types, their properties with types, and counts.

    Example: hf-lineage db schema --db hub.db
    """
    from hflineage.queries.cypher.schema import database_schema

    _check_one_database(db_path, snapshots, uri)
    runner = _runner(
        db_path, snapshots, uri, user, password_env, database, False, None, DEFAULT_MEMORY / 2**30
    )
    try:
        entries = database_schema(runner)
    finally:
        runner.close()
    rows = [
        (e.pattern, e.count, ", ".join(f"{n} {t}" for n, t in e.properties) or "-") for e in entries
    ]
    payload = {"engine": runner.engine, "entries": [e.as_dict() for e in entries]}
    emit(fmt, payload, ["pattern", "count", "properties"], rows, title="schema")


# -- neo4j --------------------------------------------------------------------------------
@click.group("neo4j")
def neo4j() -> None:
    """Load the lineage graph into Neo4j (or another Bolt server)."""


@neo4j.command("push")
@_snapshots_option(required=True)
@click.option("--uri", required=True, metavar="bolt://HOST:PORT", help="The Bolt server.")
@bolt_options
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Rows per UNWIND request.",
)
@click.option("--restart", is_flag=True, help="Send everything again, even if already pushed.")
@click.option("--infer", is_flag=True, help="Add inferred lineage (docs/inference.md).")
@format_option
def push(
    snapshots: tuple[str, ...],
    uri: str,
    user: str | None,
    password_env: str,
    database: str | None,
    batch_size: int,
    restart: bool,
    infer: bool,
    fmt: str,
) -> None:
    """Create constraints and indexes, then MERGE every model, org and relationship.

    Idempotent: a rerun changes nothing; an interrupted push resumes where it stopped.
    The password is read from the environment (--password-env), never from an option.

    Example: NEO4J_PASSWORD=... hf-lineage neo4j push --snapshot hub-stats.parquet
    --uri bolt://localhost:7687 --user neo4j
    """
    from hflineage.queries.cypher.bolt_push import push_tables

    tables = _tables(snapshots, infer=infer)
    runner = _bolt(uri, user, password_env, database, True, None)
    with _progress() as tick:
        try:
            report = push_tables(
                runner, tables, batch_size=batch_size, restart=restart, progress=tick
            )
        finally:
            runner.close()
    rows: list[tuple[Any, ...]] = [
        (k, report.rows[k], report.sent.get(k, 0), report.refused.get(k, 0)) for k in report.rows
    ]
    notes = []
    if report.already_complete:
        notes.append("already pushed (same fingerprint): nothing sent; --restart sends again")
    if report.resumed_from:
        notes.append(f"resumed from {report.resumed_from}")
    notes.append(f"{report.batches:,} batches in {report.seconds:.1f} s to {report.server}")
    notes += [f"refused {n:,}: {why}" for why, n in report.refused_reasons.items()]
    notes += [f"  e.g. {e}" for e in report.refused_examples[:5]]
    title = f"push ({report.dialect})"
    columns = ["table", "rows", "sent", "refused"]
    emit(fmt, report.as_dict(), columns, rows, title=title, footer="\n".join(notes))
    if not report.complete:
        raise QueryError(
            f"push incomplete: {sum(report.refused.values()):,} rows refused by "
            f"{report.dialect} (counted above); Neo4j itself accepts them"
        )


class _progress:
    """A rich progress bar on an interactive stderr, fed as ``tick(stage, done, total)``."""

    def __enter__(self) -> Callable[[str, int, int], None]:
        from rich.progress import BarColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            console=stderr_console(),
            disable=not progress_enabled(),
            transient=True,
        )
        self._bar.__enter__()
        tasks: dict[str, Any] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = self._bar.add_task(stage, total=total)
            self._bar.update(tasks[stage], completed=done)

        return tick

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)


@neo4j.command("export-csv")
@_snapshots_option(required=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for the CSV files (created if missing).",
)
@click.option("--infer", is_flag=True, help="Add inferred lineage (docs/inference.md).")
@format_option
def export_csv(snapshots: tuple[str, ...], out: str, infer: bool, fmt: str) -> None:
    """Write CSV files for neo4j-admin database import (the fast path for the whole Hub).

    Example: hf-lineage neo4j export-csv --snapshot hub-stats.parquet --out neo4j-import/
    """
    from hflineage.queries.cypher.neo4j_csv import write_neo4j_csv

    export = write_neo4j_csv(_tables(snapshots, infer=infer), out)
    rows: list[tuple[Any, ...]] = [
        (k, export.rows[k], str(p)) for k, p in {**export.nodes, **export.relationships}.items()
    ]
    footer = f"load with (Neo4j stopped):\n{export.command()}"
    title = f"CSV for neo4j-admin in {out}"
    emit(fmt, export.as_dict(), ["table", "rows", "file"], rows, title=title, footer=footer)
