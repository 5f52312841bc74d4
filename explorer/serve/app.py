"""The Starlette app of ``hf-lineage serve``: the page and its JSON API over one graph.

Routes (every answer is JSON except the page; errors are ``{"error": "one line"}``):

* ``GET /``: the explorer page (search, lineage, report, Cypher console);
* ``GET /report``: the static site's report page with its charts, rendered on first use;
* ``GET /api/search?q=TEXT&offset=0&limit=20``: ranked matches of any model id;
* ``GET /api/lineage/{model_id}``: ancestors to the roots, roots with weights, descendants;
* ``GET /api/children/{model_id}?offset=0&limit=20``: children, most downloaded first;
* ``GET /api/model/{model_id}``: one model's details;
* ``GET /api/report?by=country&view=lineage&metric=downloads``: attribution with its meta;
* ``GET /api/builds-on?metric=downloads``: credit by uploader country x roots' country;
* ``POST /api/cypher`` with ``{"query": ..., "params": {...}}``: a read-only Cypher query.
"""

from __future__ import annotations

import html
import json
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from hflineage.errors import LineageError, ModelNotFound, ReadOnlyError
from hflineage.explorer.serve import api
from hflineage.explorer.serve.console import CypherConsole
from hflineage.explorer.serve.page import render_app_page
from hflineage.explorer.serve.search import MAX_LIMIT, MAX_OFFSET, MAX_QUERY, SearchIndex
from hflineage.explorer.site.report import render_report
from hflineage.graph import LineageGraph
from hflineage.queries.periods.weekly import WeeklySeries

__all__ = ["LOOPBACK_HOSTS", "BadRequest", "create_app"]

#: Host names the app answers to when bound to loopback (a guard against DNS rebinding).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_REPORT_CHOICES = {
    "by": ("country", "family", "developer", "org", "root"),
    "view": ("lineage", "uploader"),
    "metric": ("downloads", "downloads_all_time", "uploads", "likes"),
}
_MAX_BODY = 100_000
_META_POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip


class BadRequest(LineageError):
    """A request parameter is missing, malformed or out of range."""


class _Json(JSONResponse):
    """JSON with non-finite numbers as null, so every answer parses in a browser."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_finite(content), ensure_ascii=False, separators=(",", ":")).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _page_policy(page: str) -> str:
    """The policy a rendered page states in its own meta element, sent as a header too."""
    found = _META_POLICY.search(page)
    policy = html.unescape(found.group(1)) if found else "default-src 'none'"
    return policy + "; frame-ancestors 'none'"


def _error(status: int, message: str) -> Response:
    return _Json({"error": message}, status_code=status)


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value}")
    return value


def _choice(request: Request, name: str) -> str:
    allowed = _REPORT_CHOICES[name]
    value = request.query_params.get(name) or allowed[0]
    if value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, got {value[:40]!r}")
    return value


class _SecurityHeaders:
    """Headers on every answer: no sniffing, no referrer, no framing, no caching."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cache-control", b"no-store"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def _closing(console: CypherConsole) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """A lifespan that closes the Cypher database when the server stops."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            console.close()

    return lifespan


def create_app(
    graph: LineageGraph,
    *,
    index: SearchIndex | None = None,
    console: CypherConsole | None = None,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    title: str = "",
    weekly: Sequence[WeeklySeries] = (),
) -> Starlette:
    """The app over ``graph``; the search index is built here unless given.

    ``allowed_hosts`` are the Host header values answered (``["*"]`` for any); ``weekly``:
    download series from the snapshot store, charted on the report page when given.
    """
    started = time.perf_counter()
    index = index or SearchIndex(graph)
    index_seconds = time.perf_counter() - started
    console = console or CypherConsole(graph)
    page_html, page_csp = render_app_page(
        {"models": graph.n, "title": title, "index_seconds": round(index_seconds, 2)}
    )

    def page(request: Request) -> Response:
        policy = page_csp + "; frame-ancestors 'none'"
        return HTMLResponse(page_html, headers={"content-security-policy": policy})

    def search(request: Request) -> Response:
        text = request.query_params.get("q", "")
        if len(text) > MAX_QUERY:
            raise BadRequest(f"q has {len(text)} characters; at most {MAX_QUERY} are accepted")
        if not text.strip():
            raise BadRequest("q is empty; give part of a model id, e.g. q=qwen")
        offset = _int_param(request, "offset", 0, 0, MAX_OFFSET)
        limit = _int_param(request, "limit", 20, 1, MAX_LIMIT)
        return _Json(api.search_payload(graph, index, text, offset, limit))

    def lineage(request: Request) -> Response:
        model_id = request.path_params["model_id"]
        children = _int_param(request, "children", 12, 0, api.MAX_CHILDREN)
        return _Json(api.lineage_payload(graph, model_id, children))

    def children(request: Request) -> Response:
        model_id = request.path_params["model_id"]
        offset = _int_param(request, "offset", 0, 0, 10**9)
        limit = _int_param(request, "limit", 20, 1, api.MAX_CHILDREN)
        return _Json(api.children_payload(graph, model_id, offset, limit))

    def model(request: Request) -> Response:
        node = graph.node(request.path_params["model_id"])
        return _Json(api.node_card(graph, node))

    @lru_cache(maxsize=1)
    def report_html() -> str:
        return render_report(graph, weekly=weekly)

    def report_page(request: Request) -> Response:
        page = report_html()
        return HTMLResponse(page, headers={"content-security-policy": _page_policy(page)})

    @lru_cache(maxsize=32)
    def cached_report(by: str, view: str, metric: str) -> dict[str, Any]:
        return api.report_payload(graph, by, view, metric)

    def report(request: Request) -> Response:
        by, view, metric = (_choice(request, k) for k in ("by", "view", "metric"))
        return _Json(cached_report(by, view, metric))

    @lru_cache(maxsize=8)
    def cached_builds_on(metric: str) -> dict[str, Any]:
        return api.builds_on_payload(graph, metric)

    def builds_on(request: Request) -> Response:
        return _Json(cached_builds_on(_choice(request, "metric")))

    async def cypher(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, 'send the query as JSON: {"query": "MATCH ...", "params": {}}')
        body = await request.body()
        if len(body) > _MAX_BODY:
            raise BadRequest(f"the request body has {len(body):,} bytes; at most {_MAX_BODY:,}")
        try:
            payload = json.loads(body)
        except ValueError:
            raise BadRequest("the request body is not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            raise BadRequest('the body must be {"query": "MATCH ...", "params": {...}}')
        params = payload.get("params") or {}
        if not isinstance(params, dict):
            raise BadRequest(f"params must be a JSON object, got {type(params).__name__}")
        return _Json(await run_in_threadpool(console.run, payload["query"], params))

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(404, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, str(exc.detail))

    async def read_only(request: Request, exc: Exception) -> Response:
        return _error(403, str(exc).splitlines()[0])

    async def bad_request(request: Request, exc: Exception) -> Response:
        return _error(400, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    async def internal(request: Request, exc: Exception) -> Response:
        return _error(500, f"internal error ({type(exc).__name__}); see the server's log")

    routes = [
        Route("/", page),
        Route("/report", report_page),
        Route("/api/search", search),
        Route("/api/lineage/{model_id:path}", lineage),
        Route("/api/children/{model_id:path}", children),
        Route("/api/model/{model_id:path}", model),
        Route("/api/report", report),
        Route("/api/builds-on", builds_on),
        Route("/api/cypher", cypher, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(_SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        ],
        exception_handlers={
            ModelNotFound: not_found,
            ReadOnlyError: read_only,
            LineageError: bad_request,
            HTTPException: http_error,
            Exception: internal,
        },
        lifespan=_closing(console),
    )
    app.state.index_seconds = index_seconds
    return app
