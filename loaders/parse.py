"""Row-wise parsing of Hub model objects (API JSON, card front matter) into records.

Every field is checked; a bad value is repaired and counted in the report, or the row is
rejected with a reason. Nothing is dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.records import Declaration, LoadReport, ModelRecord

__all__ = [
    "card_declarations",
    "parse_api_model",
    "parse_count",
    "parse_time",
    "tag_declarations",
]

#: Parents beyond this many in one declaration are dropped and counted (real merges have <100).
MAX_PARENTS = 256


def parse_time(value: object) -> datetime | None:
    """Read an ISO 8601 timestamp (``2024-03-02T03:51:35.000Z``) as naive UTC, or ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


_MAX_COUNT = 2**63 - 1


def parse_count(value: object, name: str, where: str, report: LoadReport) -> int:
    """Read a non-negative count; missing or bad values become 0 and are counted."""
    if value is None:
        report.note(f"{name} missing (read as 0)", where)
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        report.note(f"{name} not a number (read as 0)", f"{where}: {value!r}"[:120])
        return 0
    if value != value or value in (float("inf"), float("-inf")):
        report.note(f"{name} not a number (read as 0)", where)
        return 0
    if value < 0:
        report.note(f"{name} negative (read as 0)", f"{where}: {value!r}")
        return 0
    if value > _MAX_COUNT:  # no int64 column holds it (a broken or hostile source)
        report.note(f"{name} beyond 64 bits (read as 0)", f"{where}: {str(value)[:40]}")
        return 0
    return int(value)


def _add(
    out: list[Declaration],
    seen: set[str],
    raw: object,
    relation: str | None,
    source: str,
    where: str,
    report: LoadReport,
) -> None:
    try:
        pid = normalise_id(raw)
    except InvalidId as exc:
        report.note(f"{source} parent dropped: {_reason(exc)}", f"{where}: {raw!r}"[:160])
        return
    key = pid.lower()
    if key in seen:
        return
    if len(seen) >= MAX_PARENTS:
        report.note(f"{source} parents beyond {MAX_PARENTS} dropped", where)
        return
    seen.add(key)
    out.append(Declaration(pid, relation, source))


def _reason(exc: InvalidId) -> str:
    msg = str(exc)
    if msg.startswith("expected a Hub id string"):
        return "not a string"
    if msg == "empty id" or msg.startswith("no id left"):
        return "empty"
    return "not a Hub id"


def tag_declarations(tags: object, where: str, report: LoadReport) -> list[Declaration]:
    """Parents from the Hub's ``base_model:<relation>:<id>`` / ``base_model:<id>`` tags."""
    if not isinstance(tags, list | tuple):
        return []
    with_rel: list[tuple[str, str]] = []
    plain: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:") :]
        if ":" in rest:
            rel, _, pid = rest.partition(":")
            with_rel.append((rel, pid))
        else:
            plain.append(rest)
    out: list[Declaration] = []
    seen: set[str] = set()
    for rel, pid in with_rel:
        _add(out, seen, pid, rel or None, "tag", where, report)
    for pid in plain:
        _add(out, seen, pid, None, "tag", where, report)
    return out


def hub_declarations(base_models: object, where: str, report: LoadReport) -> list[Declaration]:
    """Parents from the Hub's resolved ``baseModels`` object."""
    if not isinstance(base_models, Mapping):
        return []
    rel = base_models.get("relation")
    rel = rel if isinstance(rel, str) and rel else None
    models = base_models.get("models")
    out: list[Declaration] = []
    seen: set[str] = set()
    if isinstance(models, list):
        for m in models:
            pid = m.get("id") if isinstance(m, Mapping) else m
            _add(out, seen, pid, rel, "hub", where, report)
    return out


def _card_text(text: str, where: str, report: LoadReport) -> object:
    """Card data given as text: JSON (hub-stats), else YAML (as huggingface_hub writes it).

    ``None`` (counted) when it is neither.
    """
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        pass
    import yaml  # only card data that is not JSON needs it

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, Mapping):
        report.note("cardData is neither a JSON nor a YAML mapping (ignored)", where)
        return None
    return data


def card_declarations(
    card: object, where: str, report: LoadReport
) -> tuple[list[Declaration], str | None]:
    """Parents and relation from card data (``base_model`` str or list)."""
    if isinstance(card, str):
        card = _card_text(card, where, report)
        if card is None:
            return [], None
    if not isinstance(card, Mapping):
        return [], None
    rel_raw = card.get("base_model_relation")
    relation = rel_raw.strip() if isinstance(rel_raw, str) and rel_raw.strip() else None
    if rel_raw is not None and relation is None:
        report.note("card base_model_relation not a string (ignored)", f"{where}: {rel_raw!r}")
    base = card.get("base_model")
    out: list[Declaration] = []
    seen: set[str] = set()
    if base is None:
        return out, relation
    if isinstance(base, str):
        _add(out, seen, base, relation, "card", where, report)
    elif isinstance(base, list):
        for item in base:
            _add(out, seen, item, relation, "card", where, report)
    else:
        report.note(
            "card base_model dropped: not a string or list",
            f"model {where}: base_model must be a Hub id or a list of ids, "
            f"got {base!r} ({type(base).__name__})"[:200],
        )
    return out, relation


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_api_model(obj: Any, where: str, report: LoadReport) -> ModelRecord | None:
    """Turn one ``/api/models`` object into a record, or reject it (counted)."""
    if not isinstance(obj, Mapping):
        report.reject("not a JSON object", where)
        return None
    raw_id = obj.get("id", obj.get("modelId"))
    if raw_id is None:
        report.reject("missing id", where)
        return None
    try:
        model_id = normalise_id(raw_id)
    except InvalidId as exc:
        report.reject(f"bad id: {_reason(exc)}", f"{where}: {raw_id!r}"[:160])
        return None
    where = f"{where} {model_id}"
    parents = hub_declarations(obj.get("baseModels"), where, report)
    parents += tag_declarations(obj.get("tags"), where, report)
    card_relation: str | None = None
    # The card is read only where no better source names a parent with its relation
    # (the same rule as the hub-stats reader, so both count the same declarations).
    if not any(d.relation for d in parents):
        card_parents, card_relation = card_declarations(obj.get("cardData"), where, report)
        parents += card_parents
    author = _opt_str(obj.get("author"))
    if author is None and "/" in model_id:
        author = model_id.split("/", 1)[0]
    created = parse_time(obj.get("createdAt"))
    if obj.get("createdAt") is not None and created is None:
        report.note("createdAt not a timestamp (read as missing)", where)
    return ModelRecord(
        model_id=model_id,
        author=author,
        created_at=created,
        last_modified=parse_time(obj.get("lastModified")),
        downloads=parse_count(obj.get("downloads"), "downloads", where, report),
        # an absent count is counted as missing, so a metric no row states is an error later
        downloads_all_time=parse_count(
            obj.get("downloadsAllTime", obj.get("downloads_all_time")),
            "downloadsAllTime",
            where,
            report,
        ),
        likes=parse_count(obj.get("likes"), "likes", where, report),
        pipeline_tag=_opt_str(obj.get("pipeline_tag")),
        library_name=_opt_str(obj.get("library_name")),
        parents=tuple(parents),
        card_relation=card_relation,
    )
