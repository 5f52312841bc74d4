"""A fake Hugging Face Hub API on 127.0.0.1, serving model records, with injectable faults.

It answers the two endpoints the crawler uses, the way the real Hub does:

- ``GET /api/models``: ``sort``, ``direction``, ``limit`` (max 1000), ``filter`` (repeatable:
  tags such as ``base_model:<id>`` and ``base_model:<relation>:<id>``), ``search``, ``author``,
  ``expand`` / ``expand[]`` (``baseModels`` refused with HTTP 400, as on the real list
  endpoint), keyset pagination with an opaque ``cursor`` in an absolute ``Link: <...>;
  rel="next"`` header;
- ``GET /api/models/{id}``: one model, ``expand`` including ``baseModels`` and
  ``childrenModelCount``; 404 with ``X-Error-Code: RepoNotFound`` for unknown ids; an id
  of :attr:`FakeHub.renamed` answers with the model under its new id;
- ``GET /api/users/{name}/overview`` and ``GET /api/organizations/{name}/overview``: the
  accounts of :attr:`FakeHub.accounts` (404 for any other name), for the author-kind crawl.

The data are the rows of a hub-stats parquet file (by default the real sample,
``hub-stats-sample-2026-05.parquet``; the tests pass hand-built and generated ones), turned
back into API objects (``cardData``/``gguf`` parsed, timestamps as
``2024-03-02T03:51:35.000Z``).

Faults (:class:`Fault`) are queued per test: an HTTP status (429 with ``Retry-After`` or
``RateLimit``, 5xx bursts), a connection reset mid-body, truncated JSON, a response slower than
the client's timeout, a page that repeats models of the previous page, and SIGKILL of the
client process before, during or after a response. Every request is recorded.

Hostile modes stand for a broken or malicious server: a ``next`` link to the page itself,
empty pages that link onwards forever, redirects (loops, other origins, ``file://``), a
``next`` link anywhere, a raw body (bad gzip, a gzip bomb, JSON nested 100,000 deep), raw
records spliced into a list page, a body or headers trickled a byte at a time, and an error
message that echoes the request's ``Authorization`` header.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pyarrow.parquet as pq

__all__ = [
    "SAMPLE_PARQUET",
    "FakeHub",
    "Fault",
    "RecordedRequest",
    "api_models_from_parquet",
    "running_fake_hub",
]

SAMPLE_PARQUET = Path(
    os.environ.get(
        "HF_LINEAGE_SAMPLE",
        Path(__file__).resolve().parent.parent.parent
        / "shared"
        / "data"
        / "hub-stats-sample-2026-05.parquet",
    )
)

#: Fields the list endpoint can expand (the real one refuses ``baseModels``).
LIST_FIELDS = (
    "author",
    "cardData",
    "createdAt",
    "downloads",
    "downloadsAllTime",
    "gguf",
    "lastModified",
    "library_name",
    "likes",
    "pipeline_tag",
    "safetensors",
    "tags",
    "trendingScore",
)
MODEL_FIELDS = (*LIST_FIELDS, "baseModels", "childrenModelCount")
_DEFAULT_LIST_FIELDS = (
    "likes",
    "trendingScore",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
)
_SORTS = {"createdAt", "lastModified", "downloads", "likes", "trendingScore", "id"}


def _iso_ms(value: datetime | None) -> str | None:
    """``datetime(2024, 3, 2, 3, 51, 35)`` -> ``"2024-03-02T03:51:35.000Z"`` (the Hub's form)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _object_id(model_id: str) -> str:
    return hashlib.sha1(model_id.encode()).hexdigest()[:24]


def api_models_from_parquet(path: Path = SAMPLE_PARQUET) -> list[dict[str, Any]]:
    """Read hub-stats rows back into API model objects (absent values are left out)."""
    models = []
    for row in pq.read_table(path).to_pylist():
        obj: dict[str, Any] = {"_id": _object_id(row["id"]), "id": row["id"]}
        safetensors = row["safetensors"]
        if safetensors is not None:
            params = {k: v for k, v in safetensors["parameters"].items() if v is not None}
            safetensors = {"parameters": params, "total": safetensors["total"]}
        values = {
            "author": row["author"],
            "cardData": None if row["cardData"] is None else json.loads(row["cardData"]),
            "createdAt": _iso_ms(row["createdAt"]),
            "downloads": row["downloads"],
            "downloadsAllTime": row["downloadsAllTime"],
            "gguf": None if row["gguf"] is None else json.loads(row["gguf"]),
            "lastModified": _iso_ms(row["lastModified"]),
            "library_name": row["library_name"],
            "likes": row["likes"],
            "pipeline_tag": row["pipeline_tag"],
            "safetensors": safetensors,
            "tags": row["tags"],
            "trendingScore": row["trendingScore"],
            "baseModels": row["baseModels"],
        }
        obj.update({k: v for k, v in values.items() if v is not None})
        models.append(obj)
    return models


FaultKind = Literal[
    "status",
    "headers",
    "reset",
    "truncate",
    "slow",
    "repeat",
    "kill",
    "selflink",
    "endless",
    "redirect",
    "next",
    "body",
    "inject",
    "trickle",
    "stall",
    "echo",
]


@dataclass
class Fault:
    """One misbehaviour of the fake Hub.

    Attributes:
        kind: ``status`` (answer ``status`` with ``headers``), ``headers`` (the normal answer
            with extra ``headers``, e.g. ``RateLimit``), ``reset`` (half the body, then
            a TCP reset), ``truncate`` (a 200 whose JSON is cut short), ``slow`` (answer after
            ``delay`` seconds), ``repeat`` (a list page that starts ``count`` models early, so
            it repeats the end of the previous page), ``kill`` (SIGKILL the process
            :attr:`FakeHub.client_pid` at ``phase`` ``before`` / ``mid`` / ``after`` the
            response, ``delay`` seconds after that point). Hostile: ``selflink`` (the normal
            page, its ``next`` link pointing to itself), ``endless`` (an empty page linking to
            a new cursor), ``redirect`` (``status`` redirect to ``location``; to itself when
            empty), ``next`` (the normal page with ``next`` = ``location``), ``body`` (200
            with the raw ``body`` and ``headers``), ``inject`` (the normal list page with the
            raw JSON ``records`` appended), ``trickle`` (the normal answer, one byte every
            ``delay`` seconds), ``stall`` (a status line, then header bytes one every
            ``delay`` seconds, never ending), ``echo`` (``status`` whose message echoes the
            request's ``Authorization`` header).
        at: fire on this request number (1-based, all requests counted) and the following
            ``times - 1``; ``None`` fires on the next ``times`` matching requests.
        times: how many requests it spoils.
        path: only requests whose path starts with this.
    """

    kind: FaultKind
    at: int | None = None
    times: int = 1
    path: str = "/api/models"
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    count: int = 5
    phase: Literal["before", "mid", "after"] = "before"
    location: str = ""
    body: bytes = b""
    records: list[str] = field(default_factory=list)
    fired: int = 0

    def matches(self, number: int, path: str) -> bool:
        """Whether this fault spoils request ``number`` for ``path`` (and count it)."""
        if self.fired >= self.times or not path.startswith(self.path):
            return False
        if self.at is not None and not self.at <= number < self.at + self.times:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the fake Hub saw it (header names lower-cased)."""

    number: int
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, message: str, code: str | None = None) -> _Answer:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return _Answer(status, json.dumps({"error": message}).encode(), headers)


def _encode_cursor(key: tuple[Any, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, model_id = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return (value, str(model_id))


class FakeHub:
    """The fake Hub's data, faults and request log; :meth:`serve` runs it on 127.0.0.1.

    Args:
        models: API model objects (default: the 4,167 real models of the sample parquet).
        link_base: base URL written into ``Link`` headers (default: this server's own URL;
            set it to another server to test where the token goes).
    """

    def __init__(
        self, models: list[dict[str, Any]] | None = None, link_base: str | None = None
    ) -> None:
        self.models = api_models_from_parquet() if models is None else models
        self.by_id = {m["id"].lower(): m for m in self.models}
        self.by_tag: dict[str, list[dict[str, Any]]] = {}
        for model in self.models:
            for tag in dict.fromkeys(model.get("tags", ())):
                self.by_tag.setdefault(tag, []).append(model)
        self.link_base = link_base
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.client_pid: int | None = None
        self.url = ""
        self._lock = threading.Lock()
        self._previous_page_start: dict[str, int] = {}
        #: Repository files served at ``/{datasets/}<repo>/resolve/<rev>/<path>``.
        self.files: dict[str, bytes] = {}
        #: Accounts served at ``/api/users/<name>/overview`` and
        #: ``/api/organizations/<name>/overview``: name -> ``user`` or ``org``.
        self.accounts: dict[str, str] = {}
        #: Ids the Hub moved: ``/api/models/<old>`` answers the model under its new id.
        self.renamed: dict[str, str] = {}

    # -- answers ------------------------------------------------------------------------------

    def add_file(self, repo_path: str, data: bytes) -> None:
        """Serve ``data`` at ``/<repo_path>`` under any revision, e.g.
        ``datasets/cfahlgren1/hub-stats/models.parquet``."""
        self.files[repo_path] = data

    def _file(self, path: str) -> _Answer | None:
        """A ``resolve`` URL: the file with the headers huggingface_hub reads (or ``None``)."""
        if "/resolve/" not in path:
            return None
        repo, _, rest = unquote(path.lstrip("/")).partition("/resolve/")
        _rev, _, filename = rest.partition("/")
        data = self.files.get(f"{repo}/{filename}")
        if data is None:
            return _error(404, "Entry not found", "EntryNotFound")
        digest = hashlib.sha256(data).hexdigest()
        return _Answer(
            200,
            data,
            {
                "ETag": f'"{digest}"',
                "X-Repo-Commit": hashlib.sha1(repo.encode()).hexdigest(),
                "Content-Type": "application/octet-stream",
            },
        )

    def answer(self, path: str, query: dict[str, list[str]]) -> _Answer:
        """The normal (fault-free) answer to ``GET path?query``."""
        served = self._file(path)
        if served is not None:
            return served
        if path == "/api/models":
            return self._list(query)
        if path.startswith("/api/models/"):
            return self._one(unquote(path[len("/api/models/") :]), query)
        account = self._account(path)
        if account is not None:
            return account
        return _error(404, "Not Found")

    def _account(self, path: str) -> _Answer | None:
        """A user's or an organisation's overview, as the Hub's two endpoints give them."""
        for prefix, kind in (("/api/users/", "user"), ("/api/organizations/", "org")):
            if path.startswith(prefix) and path.endswith("/overview"):
                name = unquote(path[len(prefix) : -len("/overview")])
                if self.accounts.get(name) != kind:
                    return _error(404, f"{kind} {name!r} not found")
                body = {"user": name} if kind == "user" else {"name": name}
                body.update({"fullname": name, "type": kind, "avatarUrl": ""})
                return _Answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
        return None

    def _fields(self, query: dict[str, list[str]], allowed: tuple[str, ...]) -> list[str] | _Answer:
        expand = query.get("expand", []) + query.get("expand[]", [])
        for name in expand:
            if name not in allowed:
                return _error(400, f'"expand" value {name!r} is not allowed here')
        return expand

    def _list(self, query: dict[str, list[str]]) -> _Answer:
        fields = self._fields(query, LIST_FIELDS)
        if isinstance(fields, _Answer):
            return fields
        sort = query.get("sort", ["id"])[0]
        if sort not in _SORTS:
            return _error(400, f'"sort" must be one of {sorted(_SORTS)}')
        try:
            direction = int(query.get("direction", ["-1"])[0])
            limit = min(int(query.get("limit", ["1000"])[0]), 1000)
        except ValueError:
            return _error(400, '"direction" and "limit" must be integers')
        if limit < 1:
            return _error(400, '"limit" must be positive')
        filters = query.get("filter", [])
        search = query.get("search", [""])[0].lower()
        author = query.get("author", [""])[0].lower()
        candidates = self.by_tag.get(filters[0], []) if filters else self.models
        matched = [
            m
            for m in candidates
            if all(f in m.get("tags", ()) for f in filters[1:])
            and search in m["id"].lower()
            and (not author or str(m.get("author", "")).lower() == author)
        ]

        def key(m: dict[str, Any]) -> tuple[Any, str]:
            value = m["id"] if sort == "id" else m.get(sort)
            return (value if value is not None else 0, m["id"])

        matched.sort(key=key, reverse=direction < 0)
        start = 0
        if "cursor" in query:
            after = _decode_cursor(query["cursor"][0])
            if after is None:
                return _error(400, "invalid cursor")
            # Keyset pagination: the page starts right after the cursor's (value, id).
            while start < len(matched) and (
                key(matched[start]) >= after if direction < 0 else key(matched[start]) <= after
            ):
                start += 1
        with self._lock:
            for fault in self.faults:
                if (
                    fault.kind == "repeat"
                    and start > 0
                    and fault.matches(len(self.requests), "/api/models")
                ):
                    start = max(0, start - fault.count)
                    break
        page = matched[start : start + limit]
        shown = fields or list(_DEFAULT_LIST_FIELDS)
        body = [self._shape(m, shown, default=not fields) for m in page]
        headers = {}
        if page and start + len(page) < len(matched):
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
            params.append(("cursor", _encode_cursor(key(page[-1]))))
            base = self.link_base or self.url
            headers["Link"] = f'<{base}/api/models?{urlencode(params)}>; rel="next"'
        return _Answer(200, json.dumps(body).encode(), headers)

    def _one(self, model_id: str, query: dict[str, list[str]]) -> _Answer:
        fields = self._fields(query, MODEL_FIELDS)
        if isinstance(fields, _Answer):
            return fields
        model_id = self.renamed.get(model_id.lower(), model_id)
        model = self.by_id.get(model_id.lower())
        if model is None:
            return _error(404, "Repository not found", "RepoNotFound")
        shown = fields or [f for f in MODEL_FIELDS if f != "childrenModelCount"]
        return _Answer(200, json.dumps(self._shape(model, shown, default=not fields)).encode())

    def _shape(self, model: dict[str, Any], fields: list[str], *, default: bool) -> dict[str, Any]:
        obj: dict[str, Any] = {"_id": model["_id"], "id": model["id"]}
        for name in fields:
            if name == "childrenModelCount":
                obj[name] = len(self.by_tag.get(f"base_model:{model['id']}", ()))
            elif name in model:
                obj[name] = model[name]
        if default:
            obj.update({"private": False, "modelId": model["id"]})
        return obj

    # -- faults and log -----------------------------------------------------------------------

    def record(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> Fault | None:
        """Log one request; return the fault that spoils it, if any."""
        with self._lock:
            number = len(self.requests) + 1
            self.requests.append(RecordedRequest(number, path, query, headers))
            for fault in self.faults:
                if fault.kind != "repeat" and fault.matches(number, path):
                    return fault
        return None

    def kill_client(self) -> None:
        """SIGKILL the client process under test."""
        if self.client_pid is not None:
            os.kill(self.client_pid, signal.SIGKILL)

    @contextmanager
    def serve(self) -> Iterator[FakeHub]:
        """Run the server in a thread on a free port of 127.0.0.1; stop it on exit."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.hub = self  # type: ignore[attr-defined]
        server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        hub: FakeHub = self.server.hub  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = hub.record(parts.path, query, headers)
        if fault is not None and fault.kind == "stall":
            self._stall(fault.delay)
            return
        hostile = None if fault is None else self._hostile(hub, fault, query, headers)
        if hostile is not None:
            self._send(hostile, trickle=fault.delay if fault and fault.kind == "trickle" else 0.0)
            return
        if fault is not None and fault.kind == "status":
            answer = _error(fault.status, f"fake fault {fault.status}")
            answer.headers.update(fault.headers)
            self._send(answer)
            return
        if fault is not None and fault.kind == "kill" and fault.phase == "before":
            time.sleep(fault.delay)
            hub.kill_client()
            self.close_connection = True
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        answer = hub.answer(parts.path, query)
        if fault is not None and fault.kind == "headers":
            answer.headers.update(fault.headers)
        if fault is None or fault.kind in ("slow", "headers"):
            self._send(answer)
        elif fault.kind == "truncate":
            answer.body = answer.body[: max(1, len(answer.body) // 2)]
            self._send(answer)
        elif fault.kind == "reset":
            self._send(answer, cut=True)
            self._reset()
        elif fault.kind == "kill" and fault.phase == "mid":
            self._send(answer, cut=True)
            time.sleep(fault.delay)
            hub.kill_client()
            self._reset()
        elif fault.kind == "kill":
            self._send(answer)
            time.sleep(fault.delay)
            hub.kill_client()

    def _hostile(
        self, hub: FakeHub, fault: Fault, query: dict[str, list[str]], headers: dict[str, str]
    ) -> _Answer | None:
        """The answer of a hostile fault, or ``None`` for the other kinds."""
        parts = urlsplit(self.path)
        here = f"{hub.url}{self.path}"
        if fault.kind == "redirect":
            return _Answer(
                fault.status if 300 <= fault.status < 400 else 302,
                b"",
                {"Location": fault.location or here},
            )
        if fault.kind == "endless":
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
            params.append(("cursor", f"endless-{len(hub.requests)}"))
            link = f'<{hub.url}{parts.path}?{urlencode(params)}>; rel="next"'
            return _Answer(200, b"[]", {"Link": link})
        if fault.kind == "body":
            return _Answer(200, fault.body, dict(fault.headers))
        if fault.kind == "echo":
            message = f"denied: you sent Authorization: {headers.get('authorization', '')}"
            answer = _error(fault.status, message)
            answer.body = json.dumps({"error": message, "headers": headers}).encode()
            return answer
        if fault.kind not in ("selflink", "next", "inject", "trickle"):
            return None
        answer = hub.answer(parts.path, query)
        if fault.kind == "selflink":
            answer.headers["Link"] = f'<{here}>; rel="next"'
        elif fault.kind == "next":
            answer.headers["Link"] = f'<{fault.location}>; rel="next"'
        elif fault.kind == "inject":
            extra = ",".join(fault.records).encode()
            inner = answer.body.strip()[1:-1].strip()
            answer.body = b"[" + inner + (b"," if inner else b"") + extra + b"]"
        return answer

    def _stall(self, delay: float) -> None:
        """A status line, then one header byte every ``delay`` seconds until the client leaves."""
        self.close_connection = True
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Stall: ")
            for _ in range(100_000):
                self.wfile.flush()
                time.sleep(delay)
                self.wfile.write(b"z")
        except OSError:
            pass

    def do_HEAD(self) -> None:
        hub: FakeHub = self.server.hub  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        hub.record(parts.path, parse_qs(parts.query), headers)
        answer = hub.answer(parts.path, parse_qs(parts.query))
        self._send(answer, head=True)

    def _send(
        self, answer: _Answer, *, cut: bool = False, head: bool = False, trickle: float = 0.0
    ) -> None:
        """Write the answer; with ``cut``, announce the whole body but send half of it; with
        ``trickle``, send the body one byte every ``trickle`` seconds."""
        try:
            self.send_response(answer.status)
            if "Content-Type" not in answer.headers:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if trickle:
                self.wfile.flush()
                for i in range(len(answer.body)):
                    time.sleep(trickle)
                    self.wfile.write(answer.body[i : i + 1])
                    self.wfile.flush()
            elif not head:
                self.wfile.write(answer.body[: len(answer.body) // 2] if cut else answer.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        """Abort the connection with a TCP reset (SO_LINGER 0), as a dropped link would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


@contextmanager
def running_fake_hub(
    models: list[dict[str, Any]] | None = None, link_base: str | None = None
) -> Iterator[FakeHub]:
    """Start a :class:`FakeHub` for the duration of the block."""
    hub = FakeHub(models, link_base)
    with hub.serve():
        yield hub
