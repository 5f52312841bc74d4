"""Polite HTTP for the crawler: one GET with retries, rate limits and a scoped token.

huggingface_hub's ``http_backoff`` retries 429/5xx and network errors, but it sleeps with
``time.sleep`` (tests could not inject the clock), caps nothing on ``Retry-After`` and cannot
retry a 200 response whose JSON body is truncated. So :class:`HubClient` runs its own bounded
retry loop around single requests on huggingface_hub's shared session (``get_session``: offline
mode, request ids and the user's client factory still apply) and reuses its helpers for headers
(``build_hf_headers``), rate-limit parsing (``parse_ratelimit_headers``) and errors
(``hf_raise_for_status``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx2
from huggingface_hub import close_session, get_session, hf_raise_for_status
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

# huggingface_hub.utils builds its __all__ at run time, so mypy sees no explicit re-export.
from huggingface_hub.utils import (  # type: ignore[attr-defined]
    build_hf_headers,
    parse_ratelimit_headers,
)

from hflineage import __version__
from hflineage.errors import HubUnavailable, InputError

__all__ = ["RETRY_STATUSES", "HubClient", "HubResponse", "RetryEvent", "origin_of"]

#: Statuses worth retrying: request timeout, rate limit, and transient server errors.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_RETRY_EXCEPTIONS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
_DEFAULT_PORTS = {"http": 80, "https": 443}

Params = Mapping[str, str | int | Sequence[str]]


def origin_of(url: str) -> tuple[str, str, int]:
    """Return the origin ``(scheme, host, port)`` of ``url``, with the scheme's default port.

    >>> origin_of("https://huggingface.co/api/models?limit=5")
    ('https', 'huggingface.co', 443)
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)


@dataclass(frozen=True)
class RetryEvent:
    """One failed attempt that was retried (or that ended the retries)."""

    url: str
    attempt: int
    error: str
    status: int | None = None
    wait: float = 0.0


@dataclass(frozen=True)
class HubResponse:
    """A parsed JSON response and the absolute URL of its next page, if any."""

    data: Any
    next_url: str | None
    url: str


@dataclass
class HubClient:
    """GET JSON from one Hub endpoint, politely.

    Args:
        endpoint: the Hub (or mirror) base URL; the token is only ever sent to this origin.
        token: a token, ``None`` for the user's saved token, ``False`` for none (as in
            huggingface_hub's ``build_hf_headers``).
        timeout: seconds to wait for connect and each read.
        max_retries: retries per request after the first attempt (429, 5xx, network errors,
            timeouts, truncated JSON).
        base_wait: first backoff wait in seconds; doubled on each retry up to ``max_wait``.
        max_wait: the longest backoff wait between two attempts.
        max_retry_after: the longest ``Retry-After`` / ``RateLimit`` wait honoured; a longer
            one stops the crawl (resumable) rather than hang for hours.
        sleep: the sleep function (injected by tests).
        on_retry: called with every failed attempt, for the manifest.
    """

    endpoint: str
    token: str | bool | None = None
    timeout: float = 30.0
    max_retries: int = 6
    base_wait: float = 1.0
    max_wait: float = 60.0
    max_retry_after: float = 900.0
    sleep: Callable[[float], None] = time.sleep
    on_retry: Callable[[RetryEvent], None] | None = None
    _pause_before_next: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.endpoint = self.endpoint.rstrip("/")
        scheme, host, _ = origin_of(self.endpoint)
        if scheme not in ("http", "https") or not host:
            raise InputError(
                f"endpoint {self.endpoint!r} is not an http(s) URL; "
                "pass --endpoint https://huggingface.co or a mirror's base URL"
            )

    def headers_for(self, url: str) -> dict[str, str]:
        """Headers for a GET of ``url``: the token only if ``url`` is on the endpoint's origin."""
        same_origin = origin_of(url) == origin_of(self.endpoint)
        return build_hf_headers(
            token=self.token if same_origin else False,
            library_name="hf-lineage",
            library_version=__version__,
        )

    def get_json(self, url: str, params: Params | None = None) -> HubResponse:
        """GET ``url`` and parse its JSON body, retrying transient failures.

        Raises:
            HubUnavailable: retries ran out (429, 5xx, network errors, timeouts, bad JSON).
            InputError: the Hub refused the request (4xx other than 408/429).
        """
        if self._pause_before_next > 0:
            # The previous response said the rate-limit window is used up: wait it out.
            self.sleep(self._pause_before_next)
            self._pause_before_next = 0.0
        wait = self.base_wait
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            server_wait: float | None = None
            try:
                response = get_session().get(
                    url, params=params, headers=self.headers_for(url), timeout=self.timeout
                )
                status = response.status_code
                if status in RETRY_STATUSES:
                    server_wait = _server_wait(response)
                    error = f"HTTP {status}{_server_message(response)}"
                else:
                    self._raise_for_status(response, url)
                    data = json.loads(response.content)
                    self._note_rate_limit(response)
                    next_url = response.links.get("next", {}).get("url")
                    if next_url is not None:
                        next_url = urljoin(str(response.url), next_url)
                    return HubResponse(data=data, next_url=next_url, url=str(response.url))
            except OfflineModeIsEnabled as exc:
                raise HubUnavailable(
                    f"cannot crawl {self.endpoint}: offline mode is on (HF_HUB_OFFLINE); "
                    "unset it and rerun",
                    endpoint=self.endpoint,
                ) from exc
            except _RETRY_EXCEPTIONS as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if isinstance(exc, httpx2.ConnectError):
                    close_session()  # as http_backoff does: a fresh client after SSL/DNS trouble
            except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
                error = f"malformed JSON body ({exc})"
            if server_wait is not None and server_wait > self.max_retry_after:
                self._report(RetryEvent(url, attempt, error, status, server_wait))
                raise HubUnavailable(
                    f"GET {url} -> {error}: rate limited for {server_wait:.0f} s; "
                    "wait that long and rerun the same command to resume",
                    endpoint=self.endpoint,
                )
            if attempt > self.max_retries:
                self._report(RetryEvent(url, attempt, error, status, 0.0))
                raise HubUnavailable(
                    f"GET {url} -> {error} after {attempt} attempts; the Hub at "
                    f"{self.endpoint} is unavailable or rate limiting: wait and rerun the same "
                    "command to resume",
                    endpoint=self.endpoint,
                )
            delay = server_wait if server_wait is not None else wait
            self._report(RetryEvent(url, attempt, error, status, delay))
            self.sleep(delay)
            wait = min(self.max_wait, wait * 2)

    def _report(self, event: RetryEvent) -> None:
        if self.on_retry is not None:
            self.on_retry(event)

    def _note_rate_limit(self, response: httpx2.Response) -> None:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            self._pause_before_next = min(float(info.reset_in_seconds), self.max_retry_after)

    def _raise_for_status(self, response: httpx2.Response, url: str) -> None:
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            detail = f" ({exc.server_message.strip()})" if exc.server_message else ""
            status = response.status_code
            hint = {
                401: "check --token or log in with `hf auth login`",
                403: "the token has no access to this resource; check --token",
                404: "check the model id and --endpoint",
            }.get(status, "check the crawl parameters and --endpoint")
            raise InputError(f"GET {url} -> HTTP {status}{detail}: {hint}") from exc


def _server_wait(response: httpx2.Response) -> float | None:
    """Seconds the server asked us to wait (``RateLimit`` on 429, then ``Retry-After``)."""
    if response.status_code == 429:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            return float(info.reset_in_seconds)
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    return None


def _server_message(response: httpx2.Response) -> str:
    """A short server message, if the error body carries one (never the whole body)."""
    message = response.headers.get("x-error-message")
    if not message:
        try:
            body = json.loads(response.content)
        except ValueError:
            return ""
        message = body.get("error") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return f" ({' '.join(message.split())[:200]})"
