"""The shipped Cypher query library and what every Cypher backend shares.

Each ``queries/cypher/<name>.cypher`` file holds one parametrized query. Its header comment
starts with a one-line summary and declares the parameters, one a line::

    // $model_id  string  the Hub id, spelled exactly as stored
    // $policy  split|full|first = split  how a merge's credit goes to its parents

(type ``string``, ``int``, ``float``, ``bool``, ``list`` or a ``|``-separated choice, then an
optional ``= default``). ``<name>.<dialect>.cypher`` is the same query spelled for one engine
(``embedded``, ``falkordb``) where the openCypher form would be wrong or far too slow there.

Values always reach a database as ``$parameters``, never pasted into query text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from types import TracebackType
from typing import Any, Protocol, Self

from hflineage.errors import QueryError, ReadOnlyError

__all__ = [
    "DIALECTS",
    "CypherResult",
    "CypherRunner",
    "LibraryQuery",
    "MissingParameter",
    "Param",
    "check_parameters",
    "library",
    "library_query",
    "parse_param_options",
    "plain_value",
    "query_parameters",
    "write_clauses",
]

#: Engines with their own spelling of some library queries; ``cypher`` is openCypher (Neo4j).
DIALECTS: tuple[str, ...] = ("cypher", "embedded", "falkordb")

_PARAM_LINE = re.compile(
    r"^//\s+\$(?P<name>\w+)\s+(?P<type>[\w|]+)(?:\s+=\s+(?P<default>\"[^\"]*\"|\S+))?\s*(?P<doc>.*)$"
)
_SCALAR_TYPES = ("string", "int", "float", "bool", "list")


class MissingParameter(QueryError):
    """A query needs a ``$parameter`` that was given no value.

    Attributes:
        parameter: the parameter's name (without ``$``).
    """

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Param:
    """A declared query parameter: name, type (or choices), default and description."""

    name: str
    type: str
    choices: tuple[str, ...] = ()
    default: object = None
    required: bool = True
    doc: str = ""

    def convert(self, value: object, query: str) -> object:
        """Check ``value`` (or convert a CLI string) against the declared type.

        Raises:
            QueryError: the value does not fit.
        """
        where = f"query {query!r}: parameter ${self.name}"
        if self.choices:
            if value not in self.choices:
                raise QueryError(f"{where} must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        if self.type == "string":
            if not isinstance(value, str):
                raise QueryError(f"{where} must be a string, got {value!r}")
            return value
        if self.type in ("int", "float"):
            kind = int if self.type == "int" else float
            ok = (int,) if kind is int else (int, float)
            if isinstance(value, ok) and not isinstance(value, bool):
                return kind(value)
            if isinstance(value, str):
                try:
                    return kind(value)
                except ValueError:
                    pass
            raise QueryError(
                f"{where} must be {'an integer' if kind is int else 'a number'}, got {value!r}"
            )
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise QueryError(f"{where} must be true or false, got {value!r}")
        if isinstance(value, str):
            text = value
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = [v.strip() for v in text.split(",") if v.strip()]
        if not isinstance(value, list):
            raise QueryError(f"{where} must be a list, got {value!r}")
        return value


@dataclass(frozen=True)
class LibraryQuery:
    """One query of the shipped library."""

    name: str
    summary: str
    header: str
    text: str
    params: tuple[Param, ...]
    variants: Mapping[str, str] = field(default_factory=dict)

    def text_for(self, dialect: str) -> str:
        """The query text for an engine: its own spelling if the library has one."""
        return self.variants.get(dialect, self.text)

    def bind(self, values: Mapping[str, object]) -> dict[str, object]:
        """Parameters for a run: declared defaults filled in, every value type-checked.

        Raises:
            QueryError: an unknown parameter, a missing one, or a value of the wrong type.
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join('$' + u for u in unknown)}; "
                f"it takes {', '.join('$' + p for p in known) or 'none'}"
            )
        out: dict[str, object] = {}
        for p in self.params:
            if p.name in values:
                out[p.name] = p.convert(values[p.name], self.name)
            elif p.required:
                raise MissingParameter(
                    f"query {self.name!r} needs the parameter ${p.name} ({p.doc or p.type})",
                    p.name,
                )
            else:
                out[p.name] = p.default
        return out


def _parse_param(line: str) -> Param | None:
    m = _PARAM_LINE.match(line.strip())
    if not m:
        return None
    kind = m["type"]
    choices = tuple(kind.split("|")) if "|" in kind else ()
    if not choices and kind not in _SCALAR_TYPES:
        return None
    raw = m["default"]
    default: object = None
    if raw is not None:
        default = json.loads(raw) if raw.startswith('"') else raw
        if kind == "int":
            default = int(raw)
        elif kind == "float":
            default = float(raw)
        elif kind == "bool":
            default = raw == "true"
    return Param(
        name=m["name"],
        type="choice" if choices else kind,
        choices=choices,
        default=default,
        required=raw is None,
        doc=m["doc"].strip(),
    )


def _split_header(source: str) -> tuple[str, str]:
    lines = source.splitlines()
    i = 0
    while i < len(lines) and (lines[i].startswith("//") or not lines[i].strip()):
        i += 1
    return "\n".join(lines[:i]).strip(), "\n".join(lines[i:]).strip()


@cache
def library() -> dict[str, LibraryQuery]:
    """Every shipped query by name (read once from the installed package)."""
    folder = resources.files("hflineage.queries.cypher").joinpath("library")
    files = {f.name: f.read_text(encoding="utf-8") for f in folder.iterdir() if f.is_file()}
    out: dict[str, LibraryQuery] = {}
    for fname in sorted(files):
        parts = fname.split(".")
        if len(parts) != 2 or parts[1] != "cypher":
            continue
        name = parts[0]
        header, text = _split_header(files[fname])
        comment = [ln.removeprefix("//").strip() for ln in header.splitlines()]
        params = tuple(p for ln in header.splitlines() if (p := _parse_param(ln)))
        variants = {
            d: _split_header(files[f"{name}.{d}.cypher"])[1]
            for d in DIALECTS
            if f"{name}.{d}.cypher" in files
        }
        out[name] = LibraryQuery(
            name=name,
            summary=comment[0] if comment else name,
            header="\n".join(comment),
            text=text,
            params=params,
            variants=variants,
        )
    return out


def library_query(name: str) -> LibraryQuery:
    """One library query by name.

    Raises:
        QueryError: no such query.
    """
    try:
        return library()[name]
    except KeyError:
        close = difflib.get_close_matches(name, library(), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise QueryError(
            f"no library query {name!r}; {hint}known: {', '.join(sorted(library()))}"
        ) from None


# -- results --------------------------------------------------------------------------------
@dataclass
class CypherResult:
    """Columns and rows of one query, values converted to plain Python (see plain_value)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    elapsed_s: float = 0.0

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column."""
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


class CypherRunner(Protocol):
    """Runs Cypher text with parameters on one database (embedded or over Bolt)."""

    #: ``embedded``, ``falkordb`` or ``cypher`` (any other openCypher server, e.g. Neo4j).
    dialect: str
    #: The engine answering (``ladybug``, ``falkordb``, ...), for messages and metadata.
    engine: str
    #: Where the database is, for messages (never with credentials).
    location: str

    def run(self, query: str, params: Mapping[str, object] | None = None) -> CypherResult:
        """Run one query and return all its rows."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def timed_result(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], started: float
) -> CypherResult:
    """A :class:`CypherResult` with values made plain and the time since ``started``."""
    plain = [tuple(plain_value(v) for v in r) for r in rows]
    return CypherResult(list(columns), plain, time.perf_counter() - started)


def plain_value(value: Any) -> Any:
    """JSON-ready Python for a database value.

    Integral ``Decimal`` sums (the embedded engine's INT128) become ``int``; nodes become
    dicts of their properties with ``_labels``, relationships with ``_type`` (null
    properties left out, as Neo4j stores none); temporal values become ISO strings.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        if "_LABEL" in value and ("_ID" in value or "_SRC" in value):  # embedded node or rel
            label = str(value["_LABEL"])
            head: dict[str, Any] = {"_type": label} if "_SRC" in value else {"_labels": [label]}
            return head | _properties(
                (k, v) for k, v in value.items() if k not in ("_ID", "_SRC", "_DST", "_LABEL")
            )
        if "_nodes" in value and "_rels" in value:  # embedded path
            return {
                "nodes": [plain_value(n) for n in value["_nodes"]],
                "relationships": [plain_value(r) for r in value["_rels"]],
            }
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    labels = getattr(value, "labels", None)
    if labels is not None and hasattr(value, "items"):  # neo4j Node
        return {"_labels": sorted(labels)} | _properties(value.items())
    rel_type = getattr(value, "type", None)
    if isinstance(rel_type, str) and hasattr(value, "items"):  # neo4j Relationship
        return {"_type": rel_type} | _properties(value.items())
    if hasattr(value, "nodes") and hasattr(value, "relationships"):  # neo4j Path
        return {
            "nodes": [plain_value(n) for n in value.nodes],
            "relationships": [plain_value(r) for r in value.relationships],
        }
    iso = getattr(value, "iso_format", None)  # neo4j temporal types
    if callable(iso):
        return str(iso())
    return str(value)


def _properties(items: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    return {str(k): plain_value(v) for k, v in items if v is not None}


# -- read-only guard ------------------------------------------------------------------------
_WRITE_WORDS = frozenset(
    {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "COPY",
     "INSTALL", "ATTACH", "EXPORT", "IMPORT", "FOREACH", "LOAD"}
)  # fmt: skip
_TOKENS = re.compile(
    r"""(?P<skip>//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)"""
    r"""|(?P<word>(?<![\w.$])[A-Za-z_]\w*(?!\s*:[^:]))""",
    re.DOTALL,
)


def write_clauses(query: str) -> list[str]:
    """Clauses in ``query`` that write or load data (upper-cased, in order of appearance).

    Strings, comments, escaped names, property keys (``m.set``), map keys (``{set: 1}``)
    and parameters are ignored, so ``MATCH (m {id: 'CREATE'})`` reads. ``LOAD`` counts
    because it reads files of the machine running the database. Procedure calls (``CALL``)
    are not judged here: read transactions and read-only databases refuse those that write.

    >>> write_clauses("MATCH (m:Model) SET m.x = 1 RETURN m")
    ['SET']
    >>> write_clauses("MATCH (m:Model {id: 'a CREATE b'}) RETURN m.set // DELETE")
    []
    >>> write_clauses("MATCH (m) WITH m.id AS set RETURN count(set) AS merge")
    []
    """
    words = [m.group("word") for m in _TOKENS.finditer(query) if m.group("word")]
    # A name given with AS (``count(*) AS merge``, ``WITH m.id AS set``) is a variable
    # wherever it appears, not a clause.
    aliases = {words[k + 1] for k in range(len(words) - 1) if words[k].upper() == "AS"}
    return [w.upper() for w in words if w.upper() in _WRITE_WORDS and w not in aliases]


_PARAMS = re.compile(
    r"""(?P<skip>//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)"""
    r"""|\$(?P<name>\w+|`[^`]+`)""",
    re.DOTALL,
)


def query_parameters(query: str) -> set[str]:
    """The ``$parameters`` a query uses (not counting text inside strings and comments).

    >>> sorted(query_parameters("MATCH (m {id: $id}) WHERE m.x = '$no' RETURN $limit"))
    ['id', 'limit']
    """
    return {m.group("name").strip("`") for m in _PARAMS.finditer(query) if m.group("name")}


def check_parameters(query: str, params: Mapping[str, object]) -> None:
    """Every ``$parameter`` of the query has a value, and every value is used.

    Engines differ here (the embedded one reads a missing parameter as null and returns
    nothing), so the check is made before any of them sees the query.

    Raises:
        QueryError: naming the missing or unused parameters.
    """
    used = query_parameters(query)
    missing = sorted(used - set(params))
    if missing:
        raise MissingParameter(
            f"the query uses {', '.join('$' + m for m in missing)} but no value was given",
            missing[0],
        )
    unused = sorted(set(params) - used)
    if unused:
        raise QueryError(f"parameter {', '.join('$' + u for u in unused)} is not used by the query")


def refuse_writes(query: str) -> None:
    """Raise :class:`ReadOnlyError` if the query has a write clause.

    For servers that cannot be asked for a read-only transaction; the embedded engine
    judges writes itself.

    Raises:
        ReadOnlyError: naming the clauses.
    """
    clauses = write_clauses(query)
    if clauses:
        raise ReadOnlyError(
            f"the query writes or loads data ({', '.join(dict.fromkeys(clauses))}) and the "
            "database is opened read-only"
        )


# -- CLI parameters -------------------------------------------------------------------------
def parse_param_options(items: Iterable[str]) -> dict[str, object]:
    """``--param`` values: ``name=text`` is a string, ``name:=json`` a JSON value.

    >>> parse_param_options(["model_id=Qwen/Qwen2.5-7B", "limit:=5"])
    {'model_id': 'Qwen/Qwen2.5-7B', 'limit': 5}

    Raises:
        QueryError: an item without ``=`` or with invalid JSON.
    """
    out: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.rstrip(":"):
            raise QueryError(f"--param must be name=value or name:=json, got {item!r}")
        if name.endswith(":"):
            try:
                out[name[:-1]] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise QueryError(f"--param {name[:-1]}: invalid JSON {value!r} ({exc})") from None
        else:
            out[name] = value
    return out


class ClosingRunner:
    """Context-manager plumbing shared by the Cypher runners: ``with`` closes them."""

    def close(self) -> None:
        """Release the runner's resources."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def first_line(exc: object) -> str:
    """The first line of an engine's error message (its class name if it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
