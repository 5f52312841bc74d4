"""Which API model objects the crawler keeps: a record is written whole or rejected with a reason.

A Hub reply is untrusted text. One bad record (an id with a newline or a path in it, a lone
surrogate in a card, a count beyond 64 bits, a field of the wrong type) must not fail its page,
the checkpoint or the final write, so each record is checked on its own before it is kept.
"""

from __future__ import annotations

import math
from typing import Any

from hflineage.loaders.hub.client import OutOfRangeNumber
from hflineage.loaders.ids import InvalidId, normalise_id

__all__ = ["MAX_DEPTH", "rejection_reason"]

#: Deepest nesting kept in a record (cards are a few levels deep; the JSON writers recurse).
MAX_DEPTH = 100
_INT64 = (-(2**63), 2**63 - 1)
_STRING_FIELDS = ("author", "createdAt", "lastModified", "library_name", "pipeline_tag", "_id")
_COUNT_FIELDS = ("downloads", "downloadsAllTime", "likes", "childrenModelCount")
_OBJECT_FIELDS = ("cardData", "safetensors", "gguf", "baseModels")


def _type_name(value: object) -> str:
    return type(value).__name__


def _id_problem(model_id: object) -> str | None:
    if not isinstance(model_id, str):
        return f"id is {_type_name(model_id)}, not a string"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in model_id):
        return "id holds control characters"
    try:
        if normalise_id(model_id) == model_id:
            return None
    except InvalidId:
        pass
    return "id is not a Hub id ('org/name' or 'name', no paths)"


def _field_problem(model: dict[str, Any]) -> str | None:
    """A top-level field of the wrong type (``None`` is allowed: the Hub sends nulls)."""
    for name in _STRING_FIELDS:
        value = model.get(name)
        if value is not None and not isinstance(value, str):
            return f"{name} is {_type_name(value)}, not a string"
    for name in _COUNT_FIELDS:
        value = model.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{name} is {_type_name(value)}, not an integer"
    for name in _OBJECT_FIELDS:
        value = model.get(name)
        if value is not None and not isinstance(value, dict):
            return f"{name} is {_type_name(value)}, not an object"
    tags = model.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        return "tags is not a list of strings"
    return None


def _value_problem(model: dict[str, Any]) -> str | None:
    """A value anywhere in the record that no writer can take (walked without recursion)."""
    stack: list[tuple[str, object, int]] = [("", model, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels at {path[:80]}"
        if isinstance(value, str):
            if not value.isascii() and _has_lone_surrogate(value):
                return f"lone surrogate in a string at {path[:80] or 'top'}"
        elif isinstance(value, OutOfRangeNumber):
            return f"number {value.text[:30]} at {path[:80]} is out of range"
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not _INT64[0] <= value <= _INT64[1]:
                return f"integer at {path[:80]} is beyond 64 bits"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return f"number at {path[:80]} is not finite"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not key.isascii() and _has_lone_surrogate(key):
                    return f"lone surrogate in a key at {path[:80] or 'top'}"
                stack.append((f"{path}.{key}" if path else key, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))
        else:
            return f"value of type {_type_name(value)} at {path[:80]}"
    return None


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def rejection_reason(model: object) -> str | None:
    """Why ``model`` (one parsed API object) cannot be kept, or ``None`` when it can.

    >>> rejection_reason({"id": "acme/model", "downloads": 3})
    >>> rejection_reason({"id": "acme/bad\\nid"})
    'id holds control characters'
    >>> rejection_reason({"id": "acme/m", "likes": 2**64})
    'integer at likes is beyond 64 bits'
    """
    if not isinstance(model, dict):
        return f"record is {_type_name(model)}, not an object"
    return _id_problem(model.get("id")) or _value_problem(model) or _field_problem(model)
