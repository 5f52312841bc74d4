"""Where hf-lineage keeps its files: ``$HF_LINEAGE_HOME``."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

__all__ = ["default_home", "is_uri", "user_cache_dir"]


def default_home() -> str:
    """``$HF_LINEAGE_HOME``, else :func:`user_cache_dir`."""
    return os.environ.get("HF_LINEAGE_HOME") or str(user_cache_dir())


def user_cache_dir() -> Path:
    """``hf-lineage`` in the platform's user cache folder (always a local folder)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hf-lineage"


def is_uri(text: str) -> bool:
    """True for ``scheme://...`` (``s3://``, ``file://``...), False for a plain path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) is not None
