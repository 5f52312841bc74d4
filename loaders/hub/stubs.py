"""Look stub parents up through the Hub API, so the graph closes upwards.

A stub is a parent that some model names but the snapshot lacks. ``/api/models/{id}``
answers an id the Hub moved or renamed with the model under its current id, so each answer
gives the stub's own metadata and parents (``baseModels``, tags, card data) and, when the id
differs, a rename. Answers are appended to a JSONL snapshot (stack it with the original);
renames go to its sidecar ``<out>.aliases.jsonl`` (``{"old_id": ..., "new_id": ...}`` a
line), which every loader reads and the graph applies like the curated alias table. A rerun
skips the stubs already answered.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hflineage.errors import InputError
from hflineage.loaders.hub.client import HubClient
from hflineage.loaders.hub.crawl import MODEL_EXPAND, model_url
from hflineage.loaders.renames import aliases_path

__all__ = ["StubResolution", "resolve_stubs"]


@dataclass(frozen=True)
class StubResolution:
    """What one run did: stubs asked, found (of which renamed), not found, left."""

    out: Path
    asked: int
    resolved: int
    renamed: int
    not_found: int
    already_done: int
    left: int


def _done(out: Path) -> set[str]:
    """Stubs a previous run answered (found or not), from the progress file."""
    log = out.with_name(out.name + ".asked")
    if not log.is_file():
        return set()
    return {line.strip().lower() for line in log.read_text("utf-8").splitlines() if line.strip()}


def resolve_stubs(
    stub_ids: Sequence[str],
    client: HubClient,
    out: str | os.PathLike[str],
    *,
    max_stubs: int | None = None,
) -> StubResolution:
    """Ask the Hub about each stub; write what it answers to ``out`` (JSONL, appended).

    Raises:
        HubUnavailable: retries ran out (what was answered is kept: rerun to resume).
        InputError: the Hub refused a request for another reason than a missing model.
    """
    target = Path(out)
    done = _done(target)
    todo = [s for s in dict.fromkeys(stub_ids) if s.lower() not in done]
    batch = todo if max_stubs is None else todo[:max_stubs]
    resolved = renamed = not_found = 0
    log = target.with_name(target.name + ".asked")
    with (
        open(target, "ab") as models,
        open(aliases_path(target), "ab") as names,
        open(log, "a", encoding="utf-8") as asked,
    ):
        for stub in batch:
            obj = _model(client, stub)
            if obj is None:
                not_found += 1
            else:
                resolved += 1
                models.write(json.dumps(obj).encode() + b"\n")
                models.flush()
                current = str(obj.get("id", stub))
                if current.lower() != stub.lower():
                    renamed += 1
                    names.write(json.dumps({"old_id": stub, "new_id": current}).encode() + b"\n")
                    names.flush()
            asked.write(stub + "\n")
            asked.flush()
    return StubResolution(
        out=target,
        asked=len(batch),
        resolved=resolved,
        renamed=renamed,
        not_found=not_found,
        already_done=len(dict.fromkeys(stub_ids)) - len(todo),
        left=len(todo) - len(batch),
    )


def _model(client: HubClient, model_id: str) -> dict[str, object] | None:
    """The Hub's object for an id (``None`` when it has no such model)."""
    try:
        data = client.get_json(model_url(client.endpoint, model_id, MODEL_EXPAND)).data
    except InputError as exc:
        response = getattr(exc.__cause__, "response", None)
        if getattr(response, "status_code", None) in (401, 404):  # gone, or private/gated
            return None
        raise
    return data if isinstance(data, dict) and isinstance(data.get("id"), str) else None
