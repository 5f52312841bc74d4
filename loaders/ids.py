"""Hub id normalisation (syntactic part; case-insensitive matching happens in the graph)."""

from __future__ import annotations

import re

__all__ = ["HUB_ID", "URL_PREFIX", "InvalidId", "normalise_id"]

#: A Hub URL before the id (``https://huggingface.co/``, ``hf.co/models/`` ...).
URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:models/)?", re.IGNORECASE
)
# A Hub repo id: an optional namespace and a name; legacy canonical models (gpt2, t5-base)
# have no namespace. Letters, digits, '-', '_', '.'; no leading/trailing '-' or '.'.
_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
#: A whole Hub model id, as :func:`normalise_id` returns it.
HUB_ID = re.compile(rf"^(?:{_PART}/)?{_PART}$")
_TREE_SUFFIX = re.compile(r"/(?:tree|blob|resolve)/.*$")


class InvalidId(ValueError):
    """A string cannot be read as a Hub model id; the message is the reason."""


def normalise_id(raw: object) -> str:
    """Return the canonical spelling of a Hub model id, or raise :class:`InvalidId`.

    Trims whitespace, drops a ``https://huggingface.co/`` prefix, a ``/tree/main`` tail and
    trailing slashes. Case is kept (the graph matches ids case-insensitively).

    >>> normalise_id(" https://huggingface.co/Qwen/Qwen2.5-7B/ ")
    'Qwen/Qwen2.5-7B'
    >>> normalise_id("gpt2")
    'gpt2'
    """
    if not isinstance(raw, str):
        raise InvalidId(f"expected a Hub id string, got {raw!r} ({type(raw).__name__})")
    value = raw.strip()
    if not value:
        raise InvalidId("empty id")
    value = URL_PREFIX.sub("", value)
    value = _TREE_SUFFIX.sub("", value)
    value = value.strip().rstrip("/").lstrip("/")
    if not value:
        raise InvalidId(f"no id left in {raw!r}")
    if not HUB_ID.match(value):
        raise InvalidId(f"not a Hub id: {raw[:80]!r} (expected 'org/name' or 'name')")
    return value
