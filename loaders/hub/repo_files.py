"""Evidence read from the model repositories: ``adapter_config.json`` and ``config.json``.

``hf-lineage crawl --evidence --snapshot S`` asks the Hub, for the models of ``S`` that declare
no parent (most downloaded first, at most ``--max-models``), for two small files through
huggingface_hub:

- ``adapter_config.json``: ``base_model_name_or_path``, the model a PEFT adapter was trained on;
- ``config.json``: ``_name_or_path``, what transformers loaded before saving (often the base
  of a finetune, sometimes a local path or the model itself: weaker evidence).

One JSON line per model is appended to the *sidecar* ``S.evidence.jsonl`` (``{"id", "status",
"adapter_base", "config_base", "notes"}``) and flushed, so an interrupted run loses at most the
model in flight and the next run skips every model already answered (resumable). A file larger
than :data:`MAX_FILE_BYTES` is not downloaded; a model whose files failed (network, 5xx) is
written with status ``error`` and asked again next run. :func:`load_repo_evidence` reads the
sidecar; :func:`~hflineage.loaders.evidence.load_evidence` uses it whenever it exists next to the
snapshot, so ``infer`` and ``report --infer`` see the same evidence.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.table import ModelTable

__all__ = [
    "EVIDENCE_SUFFIX",
    "MAX_FILE_BYTES",
    "fetch_repo_evidence",
    "load_repo_evidence",
    "models_to_probe",
    "sidecar_of",
]

#: The sidecar of snapshot ``S`` is ``S`` + this suffix.
EVIDENCE_SUFFIX = ".evidence.jsonl"
#: Config files above this size are not downloaded (real ones are a few kB).
MAX_FILE_BYTES = 256_000
_FILES = (("adapter_config.json", "base_model_name_or_path", "adapter_base"),
          ("config.json", "_name_or_path", "config_base"))  # fmt: skip
_FINAL = ("ok", "absent")


def sidecar_of(snapshot: str | os.PathLike[str]) -> Path:
    """Where the repository evidence of a snapshot lives: ``<snapshot>.evidence.jsonl``."""
    p = Path(snapshot)
    return p.with_name(p.name.rstrip("/") + EVIDENCE_SUFFIX)


def models_to_probe(table: ModelTable, max_models: int) -> list[str]:
    """Ids of the models that declare no parent, most downloaded first (ties: table order)."""
    declared = np.zeros(len(table), dtype=bool)
    declared[table.decl_child] = True
    rows = np.flatnonzero(~declared)
    top = rows[np.argsort(-table.downloads[rows], kind="stable")[:max_models]]
    return [str(x) for x in table.model_id.take(pa.array(top)).to_pylist()]


def _answered(sidecar: Path) -> set[str]:
    """Lower-case ids the sidecar already answers for good (ok or absent)."""
    done: set[str] = set()
    if not sidecar.is_file():
        return done
    for obj in _lines(sidecar):
        if obj.get("status") in _FINAL:
            done.add(str(obj["id"]).lower())
    return done


def _lines(sidecar: Path) -> Iterable[dict[str, Any]]:
    with open(sidecar, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                obj = json.loads(line)
            except ValueError:
                continue  # a line cut by a kill: that model is asked again
            if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                yield obj


class _TooLarge(Exception):
    pass


def _read_json(model_id: str, filename: str, endpoint: str | None, token: str | None,
               timeout: float, cache: Path) -> dict[str, Any] | None:  # fmt: skip
    """A repository's JSON file, ``None`` when the repo or the file does not exist."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

    url = hf_hub_url(model_id, filename, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, token=token, timeout=timeout)
        if meta.size is not None and meta.size > MAX_FILE_BYTES:
            raise _TooLarge(filename)
        path = hf_hub_download(
            model_id, filename, endpoint=endpoint, token=token, cache_dir=cache,
            etag_timeout=timeout,
        )  # fmt: skip
    except (EntryNotFoundError, RepositoryNotFoundError):
        return None
    data = Path(path).read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise _TooLarge(filename)
    obj = json.loads(data.decode("utf-8"))
    return obj if isinstance(obj, dict) else None


def _probe(model_id: str, endpoint: str | None, token: str | None, timeout: float,
           cache: Path) -> dict[str, Any]:  # fmt: skip
    """The sidecar line for one model: ``ok`` (a value found), ``absent`` or ``error``."""
    row: dict[str, Any] = {"id": model_id, "notes": []}
    failed = False
    for filename, key, column in _FILES:
        try:
            obj = _read_json(model_id, filename, endpoint, token, timeout, cache)
        except _TooLarge:
            row["notes"].append(f"{filename} larger than {MAX_FILE_BYTES} bytes")
            continue
        except (UnicodeDecodeError, ValueError):
            row["notes"].append(f"{filename} is not JSON")
            continue
        except Exception as exc:  # network, HTTP 5xx, timeouts: asked again next run
            failed = True
            row["notes"].append(f"{filename}: {type(exc).__name__}")
            continue
        value = obj.get(key) if obj is not None else None
        if isinstance(value, str) and value.strip():
            row[column] = value.strip()[:300]
    found = any(column in row for _, _, column in _FILES)
    row["status"] = "error" if failed else ("ok" if found else "absent")
    return row


def fetch_repo_evidence(
    model_ids: Sequence[str],
    sidecar: Path,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    timeout: float = 30.0,
) -> Counter[str]:
    """Ask the Hub for the repository evidence of ``model_ids``, appending to ``sidecar``.

    Models the sidecar already answers are skipped. Returns counts by outcome (``ok``,
    ``absent``, ``error``, ``already answered``).
    """
    counts: Counter[str] = Counter()
    done = _answered(sidecar)
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache, open(sidecar, "a", encoding="utf-8") as fh:
        for model_id in model_ids:
            if model_id.lower() in done:
                counts["already answered"] += 1
                continue
            row = _probe(model_id, endpoint, token, timeout, Path(cache))
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            counts[row["status"]] += 1
            done.add(model_id.lower())
    return counts


def _hub_id(value: object) -> str | None:
    """A Hub id from a config value; ``None`` for local paths and anything else."""
    if not isinstance(value, str) or value.startswith((".", "/", "~")) or "\\" in value:
        return None
    try:
        return normalise_id(value)
    except InvalidId:
        return None


def load_repo_evidence(sidecar: Path) -> list[dict[str, str | None]]:
    """Evidence rows (``model_id``, ``adapter_base``, ``config_base``) from a sidecar.

    The last answer for an id wins (a later run may have filled an earlier error); values that
    are local paths or not Hub ids are dropped.
    """
    latest: dict[str, dict[str, Any]] = {}
    for obj in _lines(sidecar):
        latest[str(obj["id"]).lower()] = obj
    rows = []
    for obj in latest.values():
        row: dict[str, str | None] = {"model_id": str(obj["id"])}
        for _, _, column in _FILES:
            row[column] = _hub_id(obj.get(column))
        if row["adapter_base"] or row["config_base"]:
            rows.append(row)
    return rows
