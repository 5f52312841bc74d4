"""Crawl the Hub's model metadata into a snapshot: the whole Hub, one family, or some models.

The snapshot holds API model objects exactly as ``/api/models`` returns them, one per model,
in the order the Hub listed them (first sighting wins when the Hub's sort shifts and a model
comes back on a later page). Crawls of the whole Hub and of a family are resumable: rerun the
same call after an interruption (even ``kill -9``) and it continues from the last page written;
the result is byte-identical to an uninterrupted crawl of the same responses.

A hostile or broken server cannot make a crawl loop or die on one record: a ``next`` link
already fetched in the same listing, or ``max_empty_pages`` pages in a row without a new model,
end the crawl with one line and a resumable checkpoint; a record that cannot be written whole
is rejected and counted; a page that keeps failing ends the crawl, or with ``skip_failed`` is
recorded in the manifest and the crawl goes on where it can.

>>> from hflineage.loaders.hub.client import HubClient
>>> client = HubClient("https://huggingface.co")  # doctest: +SKIP
>>> crawl_hub("hub.jsonl.gz", client)  # doctest: +SKIP
CrawlResult(out=PosixPath('hub.jsonl.gz'), models=2214563, pages=2215, ...)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from hflineage import __version__
from hflineage.errors import InputError
from hflineage.loaders.hub.checkpoint import CHECKPOINT_VERSION, CrawlStore, PartLine, dump_model
from hflineage.loaders.hub.client import HubClient, HubResponse, PageFailed, RetryEvent
from hflineage.loaders.hub.records import rejection_reason
from hflineage.loaders.hubstats_schema import LIST_EXPAND, MODEL_EXPAND_COLUMNS

__all__ = [
    "LIST_EXPAND",
    "MODEL_EXPAND",
    "CrawlOptions",
    "CrawlProgress",
    "CrawlResult",
    "crawl_family",
    "crawl_hub",
    "crawl_model",
    "model_url",
]

#: Fields asked of ``/api/models/{id}``: the list fields plus the Hub's resolved lineage.
MODEL_EXPAND = (*LIST_EXPAND, *MODEL_EXPAND_COLUMNS, "childrenModelCount")

_MAX_ERRORS_KEPT = 100
#: Pages in a row without a new model after which a listing is taken to loop.
DEFAULT_MAX_EMPTY_PAGES = 10
#: Checkpoint fields added after its first version (an older checkpoint resumes with these).
_LATER_FIELDS: dict[str, Any] = {
    "pages_saved": 0,
    "pages_skipped": 0,
    "pages_retried": 0,
    "skipped": [],
    "rejected": 0,
    "rejections": [],
    "foreign_origins": [],
}
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class CrawlResult:
    """What a crawl wrote.

    Attributes:
        out: the snapshot path.
        manifest: the manifest path (``<out>.manifest.json``).
        models: models in the snapshot (each exactly once).
        pages: HTTP pages fetched over all runs of this crawl.
        duplicates: repeated sightings dropped (the Hub's order shifted during the crawl).
        runs: 1 for an uninterrupted crawl, more when it was resumed.
        complete: ``False`` when ``max_pages`` stopped the crawl early or a page was skipped.
        skipped: pages given up (``skip_failed``); the manifest says which and why.
        rejected: records rejected (the manifest gives the first reasons).
    """

    out: Path
    manifest: Path
    models: int
    pages: int
    duplicates: int
    runs: int
    complete: bool
    skipped: int = 0
    rejected: int = 0


class CrawlProgress(Protocol):
    """What a crawl tells whoever shows its progress (the CLI draws it on stderr)."""

    def shown(self, description: str, models: int, pages: int) -> AbstractContextManager[None]:
        """Show progress for the duration of the block, starting from these counts."""
        ...

    def update(self, models: int, pages: int) -> None:
        """A page was saved: the counts so far."""
        ...

    def retry(self, event: RetryEvent) -> None:
        """An attempt failed; ``event.wait`` seconds pass before the next one (0: giving up)."""
        ...


class _Silent:
    """Progress that shows nothing (the default of the library calls)."""

    def shown(self, description: str, models: int, pages: int) -> AbstractContextManager[None]:
        return nullcontext()

    def update(self, models: int, pages: int) -> None:
        pass

    def retry(self, event: RetryEvent) -> None:
        pass


_SILENT = _Silent()


@dataclass(frozen=True)
class CrawlOptions:
    """How a crawl runs, beyond what it fetches (not part of its identity: a rerun may change them).

    Attributes:
        max_pages: stop after this many pages in all and write what was fetched.
        progress: told of the counts and of every retry while the crawl runs (silent if None).
        refresh: crawl again over a finished snapshot (replaced when the new crawl finishes).
        skip_failed: skip a page that keeps failing (its listing ends there) instead of
            stopping; the manifest records each skipped URL and why.
        max_empty_pages: pages in a row without a new model after which a listing is taken to
            loop.
    """

    max_pages: int | None = None
    progress: CrawlProgress | None = None
    refresh: bool = False
    skip_failed: bool = False
    max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES


def _list_url(endpoint: str, page_size: int, direction: int, filters: Sequence[str] = ()) -> str:
    params: list[tuple[str, str | int]] = [("filter", f) for f in filters]
    params += [("sort", "createdAt"), ("direction", direction), ("limit", page_size)]
    params += [("expand", field) for field in LIST_EXPAND]
    return f"{endpoint}/api/models?{urlencode(params)}"


def model_url(endpoint: str, model_id: str, expand: Sequence[str]) -> str:
    """The ``/api/models/{id}`` URL asking for the ``expand`` fields."""
    query = urlencode([("expand", field) for field in expand])
    return f"{endpoint}/api/models/{quote(model_id, safe='/')}?{query}"


def _check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= 1000:
        raise InputError(f"page size must be between 1 and 1000 (the Hub's limit), got {page_size}")


class _Crawl:
    """One resumable crawl: its store, checkpoint state, seen ids, errors and progress."""

    def __init__(
        self,
        out: str | os.PathLike[str],
        client: HubClient,
        identity: dict[str, Any],
        *,
        options: CrawlOptions,
        clock: Clock,
    ) -> None:
        if options.max_pages is not None and options.max_pages < 1:
            raise InputError(f"max_pages must be at least 1, got {options.max_pages}")
        if options.max_empty_pages < 1:
            raise InputError(f"max_empty_pages must be at least 1, got {options.max_empty_pages}")
        self.store = CrawlStore(Path(out))
        self.client = client
        self.identity = identity
        self.options = options
        self.max_pages = options.max_pages
        self.clock = clock
        self.progress = options.progress or _SILENT
        self.seen: set[str] = set()
        # Family crawls only: (depth, model_id) in the order written, i.e. the BFS queue.
        self.nodes: list[tuple[int, str]] = []
        self.state: dict[str, Any] = {}
        # The listing being paged through (this run only): URLs fetched, pages with nothing new.
        self.listing: set[str] = set()
        self.pages_without_new = 0

    def __enter__(self) -> _Crawl:
        """Lock the output, then start the crawl or resume it from its checkpoint."""
        self.store.lock()
        try:
            self.store.remove_stale_temps()
            self.state = self._start()
            # Saved at once, so every run (even one killed before its first page) is counted.
            self.store.save_checkpoint(self.state)
        except BaseException:
            self.store.unlock()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.store.unlock()

    def _start(self) -> dict[str, Any]:
        state: dict[str, Any] | None = self.store.load_checkpoint()
        same = state is not None and _same_crawl(state.get("identity"), self.identity)
        if state is not None and not same and not state["models"]:
            state = None  # another crawl that wrote nothing: nothing to lose by starting over
        if state is not None:
            if not same:
                raise InputError(
                    f"{self.store.checkpoint.name} belongs to another crawl "
                    f"({state.get('identity')!r}); rerun that command to finish it, or delete "
                    f"{self.store.checkpoint.name} and {self.store.parts.name} to start this one",
                    path=str(self.store.checkpoint),
                )
            self.store.truncate_parts(int(state["parts_bytes"]))
            family = self.identity["mode"] == "family"
            for part in self.store.iter_parts(with_json=False):
                self.seen.add(part.model_id.lower())
                if family:
                    self.nodes.append((part.depth, part.model_id))
            state["runs"] = int(state["runs"]) + 1
            for name, default in _LATER_FIELDS.items():
                state.setdefault(name, type(default)())
            return state
        if self.store.out.exists() and not self.options.refresh:
            raise InputError(
                f"{str(self.store.out)!r} already holds a finished crawl"
                f"{self._finished_when()}; nothing to resume. Pass `refresh=True` to crawl again "
                "(the snapshot is replaced only when the new crawl finishes)",
                path=str(self.store.out),
            )
        self.store.reset_parts()
        return {
            "version": CHECKPOINT_VERSION,
            "identity": self.identity,
            "started_at": _iso(self.clock()),
            "runs": 1,
            "pages": 0,
            "models": 0,
            "duplicates": 0,
            "parts_bytes": 0,
            "cursor": 0,
            "next_url": None,
            "done": False,
            "stopped_by": None,
            "errors_total": 0,
            "errors": [],
            **{name: type(default)() for name, default in _LATER_FIELDS.items()},
        }

    def _finished_when(self) -> str:
        """`` (finished at ...)`` from the manifest beside the output, if it says."""
        try:
            finished = json.loads(self.store.manifest.read_text(encoding="utf-8"))["finished_at"]
        except (OSError, ValueError, KeyError, TypeError):
            return ""
        return f" (finished at {str(finished)[:40]})"

    # -- bookkeeping --------------------------------------------------------------------------

    def record_error(self, event: RetryEvent) -> None:
        """Keep a failed attempt for the manifest (the first ones in full, then a count)."""
        self.state["errors_total"] += 1
        if len(self.state["errors"]) < _MAX_ERRORS_KEPT:
            self.state["errors"].append(
                {
                    "at": _iso(self.clock()),
                    "url": self.client.scrub(event.url),
                    "attempt": event.attempt,
                    "status": event.status,
                    "error": self.client.scrub(event.error)[:300],
                    "wait": event.wait,
                }
            )
        self.progress.retry(event)

    def record_rejection(self, url: str, model: object, reason: str) -> None:
        """Count a record that cannot be kept (the first ones with their reason)."""
        self.state["rejected"] += 1
        if len(self.state["rejections"]) < _MAX_ERRORS_KEPT:
            model_id = model.get("id") if isinstance(model, dict) else None
            shown = ascii(model_id)[:120] if model_id is not None else ascii(model)[:120]
            self.state["rejections"].append(
                {
                    "url": self.client.scrub(url),
                    "id": self.client.scrub(shown),
                    "reason": self.client.scrub(reason),
                }
            )

    def skip(self, url: str, reason: str) -> None:
        """Give up a page (``skip_failed``): record it and end its listing."""
        self.state["pages_skipped"] += 1
        if len(self.state["skipped"]) < _MAX_ERRORS_KEPT:
            self.state["skipped"].append(
                {
                    "at": _iso(self.clock()),
                    "url": self.client.scrub(url),
                    "reason": self.client.scrub(reason),
                }
            )
        self.end_listing()

    def end_listing(self) -> None:
        """Forget the listing paged through so far (the next one starts afresh)."""
        self.listing.clear()
        self.pages_without_new = 0

    def page_budget_left(self) -> bool:
        """Whether ``max_pages`` allows another page; if not, mark the crawl stopped."""
        if self.max_pages is None or self.state["pages"] < self.max_pages:
            return True
        self.state["stopped_by"] = "max_pages"
        return False

    def fetch(self, url: str, *, listing: bool = True) -> HubResponse | None:
        """GET one page (with retries) and count it.

        Returns:
            The response, or ``None`` when the page failed and ``skip_failed`` skipped it.

        Raises:
            PageFailed: the page failed (without ``skip_failed``).
        """
        try:
            response = self.client.get_json(url)
            if listing and not isinstance(response.data, list):
                raise PageFailed(
                    url,
                    f"returned {type(response.data).__name__}, not a list of models; "
                    "is the `endpoint` a Hub API?",
                    endpoint=self.client.endpoint,
                )
        except PageFailed as exc:
            self._note_foreign_origins()
            if not self.options.skip_failed:
                raise
            self.skip(exc.url, exc.reason)
            return None
        self._note_foreign_origins()
        self.state["pages"] += 1
        self.state["pages_retried"] += response.attempts > 1
        self.listing.update((url, response.url))
        return response

    def _note_foreign_origins(self) -> None:
        known = set(self.state["foreign_origins"])
        if not self.client.foreign_origins <= known:
            self.state["foreign_origins"] = sorted(known | self.client.foreign_origins)

    def keep(self, models: list[Any], depth: int, url: str, *, pages: int = 1) -> list[str]:
        """Append unseen, valid models to the parts file; return the ids kept, in order.

        Invalid records are rejected and counted. The caller updates the rest of the state,
        then :meth:`commit` saves the checkpoint.
        """
        lines: list[PartLine] = []
        for model in models:
            reason = rejection_reason(model)
            if reason is None and self.client.holds_secret(json_text := dump_model(model)):
                reason = "holds an access token"
            if reason is not None:
                self.record_rejection(url, model, reason)
                continue
            model_id = model["id"]
            key = model_id.lower()
            if key in self.seen:
                self.state["duplicates"] += 1
                continue
            self.seen.add(key)
            if self.identity["mode"] == "family":
                self.nodes.append((depth, model_id))
            lines.append(PartLine(depth, model_id, json_text))
        if lines:
            self.state["parts_bytes"] = self.store.append_parts(lines)
            self.state["models"] += len(lines)
        self.state["pages_saved"] += pages
        return [p.model_id for p in lines]

    def follow(self, response: HubResponse, new_models: int) -> str | None:
        """The next page of the listing, or ``None`` at its end (or when it is skipped).

        Raises:
            PageFailed: the ``next`` link is refused, was already fetched in this listing, or
                ``max_empty_pages`` pages in a row brought nothing new (without ``skip_failed``).
        """
        next_url = response.next_url
        if next_url is None:
            self.end_listing()
            return None
        self.pages_without_new = 0 if new_models else self.pages_without_new + 1
        problem = response.refused_next
        if problem is None and next_url in self.listing:
            problem = f"next link {next_url} was already fetched in this listing (it loops)"
        if problem is None and self.pages_without_new >= self.options.max_empty_pages:
            problem = (
                f"{self.pages_without_new} pages in a row brought no new model "
                "(the listing does not advance)"
            )
        if problem is None:
            return next_url
        if self.options.skip_failed:
            self.skip(response.url, problem)
            return None
        raise PageFailed(
            response.url,
            f"{problem}; rerun the same command to retry, or skip the rest of this listing "
            "with `skip_failed=True`",
            endpoint=self.client.endpoint,
        )

    def commit(self) -> None:
        """Save the checkpoint (after the parts it vouches for are on disk)."""
        self.store.save_checkpoint(self.state)
        self.progress.update(self.state["models"], self.state["pages"])

    @contextmanager
    def running(self, description: str) -> Iterator[None]:
        """Show progress and route retry events into the state while the crawl runs."""
        previous = self.client.on_retry
        self.client.on_retry = self.record_error
        try:
            with self.progress.shown(description, self.state["models"], self.state["pages"]):
                yield
        except BaseException as exc:
            if self.identity["mode"] == "model" or (
                isinstance(exc, InputError) and not self.state["models"]
            ):
                # Nothing worth resuming (a refused first request, or a few single models).
                self.store.clean_up()
            else:
                # The parts file is consistent with the last checkpoint; keep the errors too.
                self.store.save_checkpoint(self.state)
            raise
        finally:
            self.client.on_retry = previous

    def finish(self, mode: str, parameters: dict[str, Any]) -> CrawlResult:
        """Write the snapshot and manifest from the parts, then remove the crawl files."""
        if not self.state["done"]:
            self.state["done"] = True
            self.store.save_checkpoint(self.state)
        dropped = self.store.write_snapshot()
        state = self.state
        complete = state["stopped_by"] is None and not state["pages_skipped"]
        manifest = {
            "tool": "hf-lineage",
            "version": __version__,
            "endpoint": self.client.endpoint,
            "mode": mode,
            "parameters": parameters,
            "output": self.store.out.name,
            "format": self.store.format,
            "started_at": state["started_at"],
            "finished_at": _iso(self.clock()),
            "runs": state["runs"],
            "pages": state["pages"],
            "pages_fetched": state["pages"],
            "pages_saved": state["pages_saved"],
            "pages_skipped": state["pages_skipped"],
            "pages_retried": state["pages_retried"],
            "models": state["models"],
            "models_rejected": state["rejected"],
            "duplicates_dropped": state["duplicates"],
            "complete": complete,
            "stopped_by": state["stopped_by"],
            "cross_origin": {
                "allowed": self.client.allow_cross_origin,
                "origins_fetched": state["foreign_origins"],
            },
            "skipped": state["skipped"],
            "rejections": state["rejections"],
            "errors_total": state["errors_total"],
            "errors": state["errors"],
        }
        if dropped:
            manifest["parquet_safetensors_dtypes_dropped"] = dropped
        self.store.write_manifest(manifest)
        self.store.clean_up()
        return CrawlResult(
            out=self.store.out,
            manifest=self.store.manifest,
            models=state["models"],
            pages=state["pages"],
            duplicates=state["duplicates"],
            runs=state["runs"],
            complete=complete,
            skipped=state["pages_skipped"],
            rejected=state["rejected"],
        )


def crawl_hub(
    out: str | os.PathLike[str],
    client: HubClient,
    *,
    page_size: int = 1000,
    direction: int = -1,
    max_pages: int | None = None,
    progress: CrawlProgress | None = None,
    clock: Clock = _utcnow,
    refresh: bool = False,
    skip_failed: bool = False,
    max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES,
) -> CrawlResult:
    """Crawl every model of the Hub, sorted by creation date, into the snapshot ``out``.

    Args:
        out: ``*.jsonl.gz`` or ``*.parquet``; the checkpoint and parts live beside it.
        client: the endpoint, token and retry policy.
        page_size: models per page (1..1000).
        direction: ``-1`` newest first (the Hub's default), ``1`` oldest first.
        max_pages: stop after this many pages in all and write what was fetched.
        progress: told of the counts and of every retry while the crawl runs (silent if None).
        clock: the wall clock for the manifest (injected by tests).
        refresh, skip_failed, max_empty_pages: see :class:`CrawlOptions`.

    Raises:
        HubUnavailable: retries ran out or a page cannot be used (:class:`PageFailed`);
            rerun the same call to resume.
        InputError: bad parameters, a refused request, a finished snapshot without
            ``refresh``, or a checkpoint of another crawl.
    """
    _check_page_size(page_size)
    if direction not in (-1, 1):
        raise InputError(
            f"direction must be -1 (newest first) or 1 (oldest first), got {direction}"
        )
    identity = {
        "mode": "hub",
        "endpoint": client.endpoint,
        "sort": "createdAt",
        "direction": direction,
        "limit": page_size,
        "expand": list(LIST_EXPAND),
    }
    settings = CrawlOptions(max_pages, progress, refresh, skip_failed, max_empty_pages)
    with _Crawl(out, client, identity, options=settings, clock=clock) as crawl:
        state = crawl.state
        with crawl.running("crawling the Hub"):
            while not state["done"]:
                if not crawl.page_budget_left():
                    break
                url = state["next_url"] or _list_url(client.endpoint, page_size, direction)
                response = crawl.fetch(url)
                # A skipped page ends the crawl: keyset pagination has no way past it.
                next_url = None
                if response is not None:
                    kept = crawl.keep(response.data, 0, response.url)
                    next_url = crawl.follow(response, len(kept))
                state["next_url"] = next_url
                state["done"] = next_url is None
                crawl.commit()
        return crawl.finish("hub", {**_public(identity), "max_pages": max_pages})


def crawl_family(
    out: str | os.PathLike[str],
    client: HubClient,
    roots: Sequence[str],
    *,
    depth: int = 3,
    page_size: int = 1000,
    max_pages: int | None = None,
    progress: CrawlProgress | None = None,
    clock: Clock = _utcnow,
    refresh: bool = False,
    skip_failed: bool = False,
    max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES,
) -> CrawlResult:
    """Crawl the roots and their descendants, breadth-first, down to ``depth`` generations.

    Children of a model are the Hub's answer to ``filter=base_model:<id>`` (every relation).
    A model reached from two parents (a merge) is written once, where it was first reached.

    Args:
        out: ``*.jsonl.gz`` or ``*.parquet``.
        client: the endpoint, token and retry policy.
        roots: the models to start from (their own records are included).
        depth: generations below the roots (1 = direct children only).
        page_size: models per page (1..1000).
        max_pages: stop after this many pages in all and write what was fetched.
        progress: told of the counts and of every retry while the crawl runs (silent if None).
        clock: the wall clock for the manifest (injected by tests).
        refresh, skip_failed, max_empty_pages: see :class:`CrawlOptions`.

    Raises:
        HubUnavailable: retries ran out or a page cannot be used (:class:`PageFailed`);
            rerun the same call to resume.
        InputError: a root does not exist, bad parameters, a finished snapshot without
            ``refresh``, or another crawl's checkpoint.
    """
    _check_page_size(page_size)
    root_ids = list(dict.fromkeys(r.strip() for r in roots if r.strip()))
    if not root_ids:
        raise InputError(f"a family crawl needs at least one root model id, got {list(roots)!r}")
    if depth < 0:
        raise InputError(f"depth must be 0 or more generations, got {depth}")
    identity = {
        "mode": "family",
        "endpoint": client.endpoint,
        "roots": root_ids,
        "depth": depth,
        "sort": "createdAt",
        "direction": -1,
        "limit": page_size,
        "expand": list(LIST_EXPAND),
    }
    settings = CrawlOptions(max_pages, progress, refresh, skip_failed, max_empty_pages)
    with _Crawl(out, client, identity, options=settings, clock=clock) as crawl:
        state = crawl.state
        with crawl.running("crawling families"):
            # Roots first: one request each, checkpointed together (the cursor stays at 0).
            if not crawl.nodes and not state["done"]:
                answers = [
                    crawl.fetch(model_url(client.endpoint, r, LIST_EXPAND), listing=False)
                    for r in root_ids
                ]
                found = [a.data for a in answers if a is not None]
                crawl.keep(found, 0, client.endpoint, pages=len(found))
                crawl.commit()
            while not state["done"]:
                cursor = state["cursor"]
                if cursor >= len(crawl.nodes) or crawl.nodes[cursor][0] >= depth:
                    # Breadth-first: depths never decrease, so nothing below is left to expand.
                    state["done"] = True
                    crawl.commit()
                    break
                if not crawl.page_budget_left():
                    break
                node_depth, model_id = crawl.nodes[cursor]
                url = state["next_url"] or _list_url(
                    client.endpoint, page_size, -1, [f"base_model:{model_id}"]
                )
                response = crawl.fetch(url)
                next_url = None  # a skipped page ends this node's listing
                if response is not None:
                    kept = crawl.keep(response.data, node_depth + 1, response.url)
                    next_url = crawl.follow(response, len(kept))
                state["next_url"] = next_url
                if next_url is None:
                    state["cursor"] = cursor + 1
                crawl.commit()
        return crawl.finish("family", {**_public(identity), "max_pages": max_pages})


def crawl_model(
    out: str | os.PathLike[str],
    client: HubClient,
    model_ids: Sequence[str],
    *,
    progress: CrawlProgress | None = None,
    clock: Clock = _utcnow,
    refresh: bool = False,
    skip_failed: bool = False,
) -> CrawlResult:
    """Fetch one or more models with ``/api/models/{id}`` into the snapshot ``out``.

    This is the request of ``HfApi.model_info(id, expand=[...])``, kept as raw JSON so the
    snapshot holds the Hub's objects unchanged; it adds ``baseModels`` (the Hub's resolved
    parents) and ``childrenModelCount``, which the list endpoint cannot give.

    ``refresh`` and ``skip_failed``: see :class:`CrawlOptions`.

    Raises:
        InputError: a model does not exist (HTTP 404), no id was given, or a finished
            snapshot without ``refresh``.
        HubUnavailable: retries ran out or a reply cannot be used (:class:`PageFailed`).
    """
    ids = list(dict.fromkeys(m.strip() for m in model_ids if m.strip()))
    if not ids:
        raise InputError(f"no model id given to crawl, got {list(model_ids)!r}")
    identity = {
        "mode": "model",
        "endpoint": client.endpoint,
        "models": ids,
        "expand": list(MODEL_EXPAND),
    }
    settings = CrawlOptions(progress=progress, refresh=refresh, skip_failed=skip_failed)
    with _Crawl(out, client, identity, options=settings, clock=clock) as crawl:
        state = crawl.state
        with crawl.running("fetching models"):
            for model_id in ids[state["cursor"] :]:
                url = model_url(client.endpoint, model_id, MODEL_EXPAND)
                response = crawl.fetch(url, listing=False)
                if response is not None:
                    crawl.keep([response.data], 0, response.url)
                state["cursor"] += 1
                crawl.commit()
        return crawl.finish("model", _public(identity))


def _same_crawl(saved: object, identity: dict[str, Any]) -> bool:
    """Whether a checkpoint's identity is this crawl's (the ``expand`` fields in any order:
    checkpoints written before the fields followed the dump's column order still resume)."""
    if not isinstance(saved, dict):
        return False

    def fields(ident: dict[str, Any]) -> dict[str, Any]:
        expand = ident.get("expand")
        return {**ident, "expand": sorted(expand) if isinstance(expand, list) else expand}

    return fields(saved) == fields(identity)


def _public(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity without the fields the manifest has at its top level."""
    return {k: v for k, v in identity.items() if k not in ("mode", "endpoint")}
