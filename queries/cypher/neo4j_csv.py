"""CSV files for ``neo4j-admin database import``: the whole Hub into Neo4j in one offline pass.

Batched ``MERGE`` over Bolt (``hf-lineage neo4j push``) suits updates; a first load of
millions of models is far faster with Neo4j's offline importer. One file per label and per
relationship type, with typed headers (``id:ID(Model)``, ``downloads:long``,
``:START_ID(Model)``, ``:END_ID(Model)``, ``:LABEL``, ``:TYPE``). Node ids live in two ID
spaces (``Model``, ``Org``) so a model and an org may share a name. Strings are quoted, with
quotes doubled; a missing value is an empty unquoted field (no property), an empty string
is ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from hflineage.errors import InputError
from hflineage.queries.cypher.tables import (
    MODEL_PROPERTIES,
    ORG_PROPERTIES,
    RELATIONSHIPS,
    GraphTables,
)

__all__ = ["CsvExport", "write_neo4j_csv"]

_TYPES = {"STRING": "", "INT64": ":long", "DOUBLE": ":double", "BOOLEAN": ":boolean"}
_KEYS = {"Model": "id", "Org": "name"}


@dataclass(frozen=True)
class CsvExport:
    """The files written and the import command that loads them."""

    folder: Path
    nodes: dict[str, Path]
    relationships: dict[str, Path]
    rows: dict[str, int]

    def command(self, database: str = "neo4j") -> str:
        """The ``neo4j-admin`` command line (Neo4j 5) that imports these files."""
        args = [f"--nodes={p}" for p in self.nodes.values()]
        args += [f"--relationships={p}" for p in self.relationships.values()]
        return (
            "neo4j-admin database import full --overwrite-destination --multiline-fields=true "
            + " ".join(args)
            + f" {database}"
        )

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "folder": str(self.folder),
            "nodes": {k: str(v) for k, v in self.nodes.items()},
            "relationships": {k: str(v) for k, v in self.relationships.items()},
            "rows": self.rows,
            "command": self.command(),
        }


def _header(name: str, kind: str) -> str:
    return f"{name}{_TYPES[kind]}"


def _write(table: pa.Table, header: list[str], path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(header) + "\n").encode())
        if table.num_rows:
            pacsv.write_csv(
                table,
                sink,
                pacsv.WriteOptions(include_header=False, quoting_style="needed"),
            )


def write_neo4j_csv(tables: GraphTables, folder: str | Path) -> CsvExport:
    """Write one CSV per label and relationship type into ``folder`` (created if needed).

    Raises:
        InputError: ``folder`` exists and is not a directory.
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for label, table, props in (
        ("Model", tables.models, MODEL_PROPERTIES),
        ("Org", tables.orgs, ORG_PROPERTIES),
    ):
        header = [
            f"{p}:ID({label})" if p == _KEYS[label] else _header(p, kind) for p, kind in props
        ]
        labelled = table.select([p for p, _ in props]).append_column(
            ":LABEL", pa.repeat(pa.scalar(label, pa.string()), table.num_rows)
        )
        path = out / f"{label.lower()}s.csv"
        _write(labelled, [*header, ":LABEL"], path)
        nodes[label] = path
        rows[label] = table.num_rows
    relationships: dict[str, Path] = {}
    for rel, table in tables.relationships().items():
        start, end, props = RELATIONSHIPS[rel]
        header = [f":START_ID({start})", f":END_ID({end})"]
        header += [_header(p, kind) for p, kind in props]
        typed = table.select(["from", "to", *[p for p, _ in props]]).append_column(
            ":TYPE", pa.repeat(pa.scalar(rel, pa.string()), table.num_rows)
        )
        path = out / f"{rel.lower()}.csv"
        _write(typed, [*header, ":TYPE"], path)
        relationships[rel] = path
        rows[rel] = table.num_rows
    return CsvExport(folder=out, nodes=nodes, relationships=relationships, rows=rows)
