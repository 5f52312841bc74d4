"""Ask the Hub whether each author of a snapshot is a user or an organisation.

huggingface_hub's ``HfApi.get_organization_overview`` (``/api/organizations/{name}/overview``)
answers for an organisation and 404s otherwise; ``HfApi.get_user_overview``
(``/api/users/{name}/overview``) answers for a user (its ``type`` says ``user`` or ``org``)
and 404s otherwise. An author neither knows is ``missing`` (deleted or renamed).

Answers are appended to the snapshot's sidecar (``loaders.authors``) one by one, so an
interrupted run resumes where it stopped; a run is bounded by ``max_authors`` and every
request by a few retries. Authors are asked in order of the downloads of their models (and
of the models declaring their models as parents), so a bounded run classifies the authors
that weigh most first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

from hflineage._exports import lazy_module
from hflineage.errors import HubUnavailable
from hflineage.loaders.authors import author_kinds_path, read_author_kinds, write_author_kinds
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.table import ModelTable

pc = lazy_module("pyarrow.compute")

__all__ = ["AuthorCrawl", "author_kind", "authors_by_weight", "crawl_author_kinds"]

#: Statuses worth asking again (as the model crawl retries them).
_RETRY = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class AuthorCrawl:
    """What one run did."""

    out: Path
    asked: int
    kinds: dict[str, int]
    already_known: int
    not_names: int
    left: int


def authors_by_weight(table: ModelTable) -> list[str]:
    """Distinct authors (and namespaces of declared parents), heaviest first.

    An author weighs the downloads of its models; a parent's namespace also weighs the
    downloads of the models that declare it (its models may be stubs, absent from the data).
    Spelled as first seen; ties by name.
    """
    model_ns = pc.list_element(pc.split_pattern(table.model_id, "/", max_splits=1), 0)
    has_ns = pc.match_substring(table.model_id, "/")
    author = pc.coalesce(table.author, pc.if_else(has_ns, model_ns, pa.scalar(None, pa.string())))
    parts = pc.split_pattern(table.decl_parent, "/", max_splits=1)
    parent_has_ns = pc.greater(pc.list_value_length(parts), 1)
    parent_ns = pc.if_else(parent_has_ns, pc.list_element(parts, 0), pa.scalar(None, pa.string()))
    names = pa.concat_arrays(
        [_plain(author).cast(pa.string()), _plain(parent_ns).cast(pa.string())]
    )
    weights = np.concatenate([table.downloads, table.downloads[table.decl_child]]).astype(
        np.float64
    )
    grouped = (
        pa.table({"key": pc.utf8_lower(names), "name": names, "w": weights})
        .filter(pc.is_valid(names))
        .group_by("key", use_threads=False)
        .aggregate([("name", "first"), ("w", "sum")])
        .sort_by([("w_sum", "descending"), ("key", "ascending")])
    )
    return [str(n) for n in grouped.column("name_first").to_pylist()]


def _plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def author_kind(
    api: HfApi, name: str, *, retries: int = 3, sleep: Callable[[float], None] = time.sleep
) -> str:
    """``organization``, ``user`` or ``missing``: what the Hub says ``name`` is.

    Raises:
        HubUnavailable: retries ran out, or offline mode is on.
    """
    org = _ask(lambda: api.get_organization_overview(name), name, retries, sleep)
    if org is not None:
        return "organization"
    user = _ask(lambda: api.get_user_overview(name), name, retries, sleep)
    if user is None:
        return "missing"
    return "organization" if getattr(user, "user_type", None) == "org" else "user"


def _ask(
    call: Callable[[], object], name: str, retries: int, sleep: Callable[[float], None]
) -> object:
    """The answer of one overview call; ``None`` on 404; retried on 429/5xx and timeouts."""
    wait = 1.0
    for attempt in range(retries + 1):
        try:
            return call()
        except OfflineModeIsEnabled as exc:
            raise HubUnavailable(
                "cannot ask the Hub about authors: offline mode is on (HF_HUB_OFFLINE)"
            ) from exc
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status == 404:
                return None
            if status not in _RETRY or attempt == retries:
                raise HubUnavailable(
                    f"author {name!r}: the Hub answered HTTP {status}; rerun later to resume"
                ) from exc
        except OSError as exc:  # network errors and timeouts
            if attempt == retries:
                raise HubUnavailable(f"author {name!r}: {exc}; rerun later to resume") from exc
        sleep(wait)
        wait = min(30.0, wait * 2)
    raise AssertionError("unreachable")  # the loop returns or raises


def crawl_author_kinds(
    snapshot: str | os.PathLike[str],
    table: ModelTable,
    api: HfApi,
    *,
    skip: Collection[str] = (),
    max_authors: int | None = None,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> AuthorCrawl:
    """Classify the snapshot's authors into its sidecar, heaviest first; resumable.

    Args:
        snapshot: the snapshot the table was loaded from (the sidecar goes beside it).
        table: its models.
        api: the client (its endpoint and token).
        skip: lower-case authors not to ask about (e.g. those the org table lists).
        max_authors: ask about at most this many authors in this run.
    """
    out = author_kinds_path(snapshot)
    known = read_author_kinds(out)[0] if out.is_file() else {}
    todo: list[str] = []
    not_names = already = 0
    skip_lower = {s.lower() for s in skip}
    for name in authors_by_weight(table):
        key = name.lower()
        if key in known:
            already += 1
        elif key in skip_lower:
            continue
        elif not _is_name(name):  # never put an untrusted string into a URL path
            not_names += 1
        else:
            todo.append(name)
    batch = todo if max_authors is None else todo[:max_authors]
    counts: dict[str, int] = {}
    for name in batch:
        kind = author_kind(api, name, retries=retries, sleep=sleep)
        write_author_kinds(out, [(name, kind)])
        counts[kind] = counts.get(kind, 0) + 1
    return AuthorCrawl(
        out=out,
        asked=len(batch),
        kinds=counts,
        already_known=already,
        not_names=not_names,
        left=len(todo) - len(batch),
    )


def _is_name(name: str) -> bool:
    """A Hub account name: what ``normalise_id`` accepts as a bare name, unchanged."""
    try:
        return "/" not in name and normalise_id(name) == name
    except InvalidId:
        return False
