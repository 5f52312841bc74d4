"""Polite, bounded HTTP for the crawler: one GET with retries, rate limits and a scoped token.

huggingface_hub's ``http_backoff`` retries 429/5xx and network errors, but it sleeps with
``time.sleep`` (tests could not inject the clock), caps nothing on ``Retry-After``, cannot
retry a 200 response whose JSON body is truncated, and its session follows any redirect and
reads any body whole. So :class:`HubClient` runs its own retry loop around single requests on
huggingface_hub's shared session (``get_session``: offline mode, request ids and the user's
client factory still apply) and reuses its helpers for headers (``build_hf_headers``),
rate-limit parsing (``parse_ratelimit_headers``) and errors (``hf_raise_for_status``).

Every reply is bounded: one deadline for the whole reply, a cap on the decoded body, a few
redirects at most (each to the endpoint's origin unless allowed), JSON parsed without trusting
its numbers or its nesting. A failure is either retried within a time budget or ends in one
:class:`PageFailed` line naming the URL and the cause; server text is scrubbed of tokens.
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
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

__all__ = [
    "RETRY_STATUSES",
    "HubClient",
    "HubResponse",
    "OutOfRangeNumber",
    "PageFailed",
    "RetryEvent",
    "origin_of",
    "parse_json",
    "retry_after_seconds",
    "scrub",
]

#: Statuses worth retrying: request timeout, rate limit, and transient server errors.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRY_EXCEPTIONS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: The longest integer literal read as a number: 19 digits hold every 64-bit value.
_MAX_INT_DIGITS = 19
_SECRET_PATTERNS = (
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "hf_***"),  # the shape of a Hub token
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+"), r"\1 ***"),
    (
        re.compile(r"(?i)\b(authorization|token)(\"?\s*[:=]\s*\"?)(?!bearer\b)[^\s\"',;]+"),
        r"\1\2***",
    ),
)


class PageFailed(HubUnavailable):
    """One page could not be fetched or used; the crawl may skip it when told to.

    Attributes:
        url: the page's URL.
        reason: why, in a few words (for the manifest).
    """

    def __init__(self, url: str, reason: str, *, endpoint: str | None = None) -> None:
        super().__init__(f"GET {url} -> {reason}", endpoint=endpoint)
        self.url = url
        self.reason = reason


class _Transient(Exception):
    """A failed attempt worth retrying (its message says why)."""


class OutOfRangeNumber:
    """A JSON number not taken as a value: beyond 64 bits, ``NaN`` or ``Infinity``.

    :func:`parse_json` puts one in place of each, so that the record holding it is rejected on
    its own instead of failing its page (or a later write).
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"OutOfRangeNumber({self.text[:40]!r})"


def _parse_int(text: str) -> int | OutOfRangeNumber:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return OutOfRangeNumber(text)
    return int(text)


def parse_json(body: bytes | str) -> Any:
    """Parse a JSON body, with :class:`OutOfRangeNumber` for numbers too long or not finite.

    >>> parse_json(b'[1, 123456789012345678901234567890, NaN]')[1:]
    [OutOfRangeNumber('123456789012345678901234567890'), OutOfRangeNumber('NaN')]

    Raises:
        ValueError: not JSON (or not UTF-8).
        RecursionError: nested deeper than Python's recursion limit.
    """
    return json.loads(body, parse_int=_parse_int, parse_constant=OutOfRangeNumber)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with tokens and authorization values masked (server text can echo them).

    >>> scrub('echo: "Authorization: Bearer hf_abcdefgh123"')
    'echo: "Authorization: Bearer ***"'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def origin_of(url: str) -> tuple[str, str, int]:
    """Return the origin ``(scheme, host, port)`` of ``url``, with the scheme's default port.

    >>> origin_of("https://huggingface.co/api/models?limit=5")
    ('https', 'huggingface.co', 443)
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: no origin at all
        return "", "", 0
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin shared with nothing
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def _absolute(base: str, link: str) -> str:
    """``link`` made absolute against ``base``; unchanged when it cannot be parsed as a URL
    (:meth:`HubClient.refusal` then refuses it)."""
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def retry_after_seconds(value: str, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP date.

    >>> retry_after_seconds("120", 0.0)
    120.0
    >>> retry_after_seconds("Thu, 01 Jan 1970 00:01:30 GMT", 60.0)
    30.0
    """
    value = value.strip()
    if value.isdigit():
        return float(value)
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


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
    """A parsed JSON response and the absolute URL of its next page, if any.

    Attributes:
        data: the parsed body (see :func:`parse_json`).
        next_url: the ``Link: rel="next"`` URL, made absolute.
        url: the URL that answered (after redirects).
        refused_next: why ``next_url`` must not be followed (another origin or scheme).
        attempts: how many attempts the reply took (1 when nothing was retried).
    """

    data: Any
    next_url: str | None
    url: str
    refused_next: str | None = None
    attempts: int = 1


@dataclass(frozen=True)
class _Reply:
    """A whole reply, its body decoded and bounded."""

    status: int
    headers: httpx2.Headers
    body: bytes
    url: str
    request: httpx2.Request

    def as_response(self) -> httpx2.Response:
        """An ``httpx2.Response`` holding the decoded body (for huggingface_hub's helpers)."""
        headers = [
            (k, v)
            for k, v in self.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx2.Response(
            self.status, headers=headers, content=self.body, request=self.request
        )


class _BodyDecoder:
    """Decodes a ``Content-Encoding`` as the body arrives, never past a size cap."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.strip().lower() or "identity"
        self._zlib: Any = None
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self.encoding != "identity":
            raise ValueError(f"unsupported Content-Encoding {encoding[:40]!r}")

    def feed(self, data: bytes, room: int) -> bytes | None:
        """Decode ``data``; ``None`` when it decodes to more than ``room`` bytes."""
        if self._zlib is None:
            return data if len(data) <= room else None
        try:
            out: bytes = self._zlib.decompress(data, room + 1)
        except zlib.error as exc:
            raise _Transient(f"body is not valid {self.encoding} ({exc})") from exc
        # Short of the limit, zlib consumed all of ``data``; at the limit, the body is too big.
        return out if len(out) <= room else None

    def finish(self) -> None:
        """Check that a compressed body was complete."""
        if self._zlib is not None and not self._zlib.eof:
            raise _Transient(f"{self.encoding} body cut short")


@dataclass
class HubClient:
    """GET JSON from one Hub endpoint, politely and within bounds.

    Args:
        endpoint: the Hub (or mirror) base URL; the token is only ever sent to this origin.
        token: a token, ``None`` for the user's saved token, ``False`` for none (as in
            huggingface_hub's ``build_hf_headers``).
        timeout: seconds to wait for connect and for each read.
        deadline: seconds for a whole reply (connect, redirects, headers and body); a reply
            still incomplete by then is abandoned and retried.
        max_body: the largest decoded body accepted, in bytes.
        max_retries: retries per request after the first attempt; ``None``: as many as
            ``max_wait`` allows.
        max_wait: the time budget of one request in seconds, attempts and waits together;
            when the next wait would go past it, the request fails.
        base_wait: first backoff wait in seconds; doubled on each retry up to ``max_backoff``.
        max_backoff: the longest backoff wait between two attempts.
        max_retry_after: the longest ``Retry-After`` / ``RateLimit`` wait honoured; a longer
            one stops the crawl (resumable) rather than hang for hours.
        max_redirects: redirects followed per request.
        allow_cross_origin: follow redirects and ``next`` links to other http(s) origins
            (never with the token).
        sleep: the sleep function (injected by tests).
        wall_clock: seconds since the epoch, for ``Retry-After`` dates (injected by tests).
        on_retry: called with every failed attempt, for the manifest and the progress line.
    """

    endpoint: str
    token: str | bool | None = None
    timeout: float = 30.0
    deadline: float = 300.0
    max_body: int = 128 * 2**20
    max_retries: int | None = None
    max_wait: float = 1800.0
    base_wait: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 900.0
    max_redirects: int = 5
    allow_cross_origin: bool = False
    sleep: Callable[[float], None] = time.sleep
    wall_clock: Callable[[], float] = time.time
    on_retry: Callable[[RetryEvent], None] | None = None
    #: Origins other than the endpoint's that were fetched (only with ``allow_cross_origin``).
    foreign_origins: set[str] = field(default_factory=set, init=False)
    _pause_before_next: float = field(default=0.0, init=False, repr=False)
    _secrets: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.endpoint = self.endpoint.rstrip("/")
        scheme, host, _ = origin_of(self.endpoint)
        if scheme not in ("http", "https") or not host:
            raise InputError(
                f"endpoint {self.endpoint!r} is not an http(s) URL; "
                "pass an `endpoint` such as https://huggingface.co or a mirror's base URL"
            )
        if isinstance(self.token, str):
            self._secrets.add(self.token)

    def scrub(self, text: str) -> str:
        """``text`` without the token (or anything that looks like one)."""
        return scrub(text, self._secrets)

    def holds_secret(self, text: str) -> bool:
        """Whether ``text`` contains the token itself (patterns alone are no proof here)."""
        return any(secret in text for secret in self._secrets if secret)

    def headers_for(self, url: str) -> dict[str, str]:
        """Headers for a GET of ``url``: the token only if ``url`` is on the endpoint's origin."""
        same_origin = origin_of(url) == origin_of(self.endpoint)
        headers: dict[str, str] = build_hf_headers(
            token=self.token if same_origin else False,
            library_name="hf-lineage",
            library_version=__version__,
        )
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            self._secrets.add(authorization[7:].strip())  # a saved token, scrubbed as well
        # Only the encodings decoded here, incrementally and under the body cap.
        headers["accept-encoding"] = "gzip, deflate"
        return headers

    def refusal(self, url: str) -> str | None:
        """Why ``url`` must not be fetched (not http(s), or another origin), else ``None``."""
        scheme, host, port = origin_of(url)
        if scheme not in ("http", "https") or not host or not url.isprintable():
            return f"a link to {url[:200]!r}, which is not a well-formed http(s) URL (refused)"
        if (scheme, host, port) != origin_of(self.endpoint) and not self.allow_cross_origin:
            return (
                f"a link to another origin, {scheme}://{host}:{port}, not {self.endpoint} "
                "(refused unless cross-origin links are allowed)"
            )
        return None

    def get_json(self, url: str) -> HubResponse:
        """GET ``url`` and parse its JSON body, retrying transient failures.

        Raises:
            PageFailed: the time budget ran out (429, 5xx, network errors, timeouts, bad
                bodies), or the reply cannot be used (a refused or looping redirect, a body
                over the cap, JSON nested too deep).
            HubUnavailable: offline mode, or a rate limit longer than ``max_retry_after``.
            InputError: the Hub refused the request (4xx other than 408/429).
        """
        refused = self.refusal(url)
        if refused is not None:
            raise self._failed(url, refused)
        if self._pause_before_next > 0:
            # The previous response said the rate-limit window is used up: wait it out.
            self.sleep(self._pause_before_next)
            self._pause_before_next = 0.0
        backoff = self.base_wait
        spent = 0.0
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            status: int | None = None
            server_wait: float | None = None
            try:
                reply = self._fetch(url, started)
                status = reply.status
                if status not in RETRY_STATUSES:
                    return self._parsed(url, reply, attempt)
                server_wait = self._server_wait(reply)
                error = f"HTTP {status}{_server_message(reply.as_response())}"
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
            except _Transient as exc:
                error = str(exc)
            except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
                # A URL or header httpx cannot send, a proxy refusing it: retrying cannot help.
                raise self._failed(url, f"{type(exc).__name__}: {exc}") from None
            error = self.scrub(error)
            spent += time.monotonic() - started
            if server_wait is not None and server_wait > self.max_retry_after:
                self._report(RetryEvent(url, attempt, error, status, server_wait))
                raise HubUnavailable(
                    f"GET {url} -> {error}: rate limited for {server_wait:.0f} s; "
                    "wait that long and rerun the same command to resume",
                    endpoint=self.endpoint,
                )
            delay = server_wait if server_wait is not None else backoff
            out_of_retries = self.max_retries is not None and attempt > self.max_retries
            if out_of_retries or spent + delay > self.max_wait:
                self._report(RetryEvent(url, attempt, error, status, 0.0))
                raise self._failed(
                    url,
                    f"{error} after {attempt} attempts over {spent:.0f} s; the Hub at "
                    f"{self.endpoint} is unavailable or rate limiting: wait and rerun the same "
                    "command to resume",
                )
            self._report(RetryEvent(url, attempt, error, status, delay))
            self.sleep(delay)
            spent += delay
            backoff = min(self.max_backoff, backoff * 2)

    def _failed(self, url: str, reason: str) -> PageFailed:
        return PageFailed(url, self.scrub(" ".join(reason.split())), endpoint=self.endpoint)

    def _parsed(self, url: str, reply: _Reply, attempts: int) -> HubResponse:
        """The JSON of a reply that is not retried as such, or the error it stands for."""
        response = reply.as_response()
        self._raise_for_status(response, url)
        if reply.status in _REDIRECT_STATUSES:
            raise self._failed(url, f"HTTP {reply.status} redirect without a Location header")
        try:
            data = parse_json(reply.body)
        except RecursionError:
            raise self._failed(url, "JSON nested too deeply to parse (refused)") from None
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
            # Often a body cut short on the way: worth another attempt.
            raise _Transient(f"malformed JSON body ({str(exc)[:200]})") from exc
        self._note_rate_limit(response)
        next_url = response.links.get("next", {}).get("url")
        refused_next = None
        if next_url is not None:
            next_url = _absolute(reply.url, next_url)
            refused = self.refusal(next_url)
            refused_next = None if refused is None else self.scrub(f"next {refused}")
        return HubResponse(data, next_url, reply.url, refused_next, attempts)

    def _fetch(self, url: str, started: float) -> _Reply:
        """One attempt: GET ``url``, following a few redirects (checked like ``next`` links)."""
        visited = [url]
        current = url
        while True:
            reply = self._fetch_one(current, started)
            location = reply.headers.get("location")
            if reply.status not in _REDIRECT_STATUSES or not location:
                return reply
            target = _absolute(current, location)
            refused = self.refusal(target)
            if refused is not None:
                raise self._failed(url, f"HTTP {reply.status} redirect to {refused}")
            if target in visited:
                raise self._failed(url, f"redirect loop ({current} -> {target})")
            if len(visited) > self.max_redirects:
                raise self._failed(url, f"more than {self.max_redirects} redirects")
            visited.append(target)
            current = target

    def _fetch_one(self, url: str, started: float) -> _Reply:
        """GET ``url`` without following redirects; the reply bounded in time and size.

        A watchdog closes the connection at the deadline: a server that trickles its headers
        a byte at a time would otherwise hold a read open for as long as it keeps sending.
        """
        remaining = self.deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise _Transient(f"no complete reply within the {self.deadline:g} s deadline")
        if origin_of(url) != origin_of(self.endpoint):
            self.foreign_origins.add("{}://{}:{}".format(*origin_of(url)))
        expired = threading.Event()

        def cut_off() -> None:
            expired.set()
            close_session()  # closes the socket under the pending read; a new one follows

        watchdog = threading.Timer(remaining, cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            return self._read_reply(url, started, min(self.timeout, remaining))
        except Exception as exc:
            if expired.is_set() and not isinstance(exc, PageFailed):
                raise _Transient(
                    f"no complete reply within the {self.deadline:g} s deadline"
                ) from exc
            raise
        finally:
            watchdog.cancel()
            # Had it fired already, its close is finished before the next request starts.
            watchdog.join()

    def _read_reply(self, url: str, started: float, timeout: float) -> _Reply:
        """The reply to a GET of ``url``, its body decoded under the cap and the deadline."""
        with get_session().stream(
            "GET",
            url,
            headers=self.headers_for(url),
            timeout=httpx2.Timeout(timeout),
            follow_redirects=False,
        ) as response:
            try:
                decoder = _BodyDecoder(response.headers.get("content-encoding", ""))
            except ValueError as exc:
                raise self._failed(url, str(exc)) from None
            body = bytearray()
            for chunk in response.iter_raw():
                decoded = decoder.feed(chunk, self.max_body - len(body))
                if decoded is None:
                    raise self._failed(
                        url, f"reply body larger than the {self.max_body:,}-byte cap (refused)"
                    )
                body += decoded
                if time.monotonic() - started > self.deadline:
                    raise _Transient(
                        f"reply not complete within the {self.deadline:g} s deadline "
                        f"({len(body):,} bytes so far)"
                    )
            decoder.finish()
            return _Reply(
                response.status_code,
                response.headers,
                bytes(body),
                str(response.url),
                response.request,
            )

    def _report(self, event: RetryEvent) -> None:
        if self.on_retry is not None:
            self.on_retry(event)

    def _note_rate_limit(self, response: httpx2.Response) -> None:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            self._pause_before_next = min(float(info.reset_in_seconds), self.max_retry_after)

    def _server_wait(self, reply: _Reply) -> float | None:
        """Seconds the server asked us to wait (``RateLimit`` on 429, then ``Retry-After``)."""
        if reply.status == 429:
            info = parse_ratelimit_headers(reply.headers)
            if info is not None and info.remaining == 0:
                return float(info.reset_in_seconds)
        return retry_after_seconds(reply.headers.get("retry-after", ""), self.wall_clock())

    def _raise_for_status(self, response: httpx2.Response, url: str) -> None:
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            detail = f" ({exc.server_message.strip()[:300]})" if exc.server_message else ""
            status = response.status_code
            hint = {
                401: "check the `token` or log in with `hf auth login`",
                403: "the token has no access to this resource; check the `token`",
                404: "check the model id and the `endpoint`",
            }.get(status, "check the crawl parameters and the `endpoint`")
            message = " ".join(f"GET {url} -> HTTP {status}{detail}: {hint}".split())
            raise InputError(self.scrub(message)) from exc


def _server_message(response: httpx2.Response) -> str:
    """A short server message, if the error body carries one (never the whole body)."""
    message = response.headers.get("x-error-message")
    if not message:
        try:
            body = parse_json(response.content)
        except (ValueError, RecursionError):
            return ""
        message = body.get("error") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return f" ({' '.join(message.split())[:200]})"
