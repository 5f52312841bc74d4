"""Windows by ``createdAt``: month ranges, with the Hub's placeholder date handled openly."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from hflineage.errors import QueryError
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph

__all__ = ["Window", "parse_month"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, option: str = "month") -> np.datetime64:
    """Read ``YYYY-MM`` as a month, or raise :class:`QueryError` calling it ``option``."""
    m = _MONTH.match(value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise QueryError(f"{option} must be a month written YYYY-MM, got {value!r}")
    return np.datetime64(f"{m.group(1)}-{m.group(2)}", "M")


@dataclass(frozen=True)
class Window:
    """Models created in [since, until] (months, inclusive); open ends allowed."""

    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        _check_bounds(self.since, self.until, ("since", "until"))

    @classmethod
    def named(cls, since: str | None, until: str | None, names: tuple[str, str]) -> Window:
        """A window whose errors call its bounds by the caller's ``names`` (a CLI's flags).

        >>> Window.named("2025-01", None, ("--since", "--until")).describe()
        'models created from 2025-01 to the newest model (months inclusive)'
        """
        _check_bounds(since, until, names)
        return cls(since, until)

    @property
    def is_open(self) -> bool:
        """True when no bound is set (every model counts)."""
        return not self.since and not self.until

    def describe(self) -> str:
        """A human-readable statement of the window."""
        if self.is_open:
            return "all models (no createdAt window)"
        lo = self.since or "the start"
        hi = self.until or "the newest model"
        return f"models created from {lo} to {hi} (months inclusive)"

    def mask(
        self, graph: LineageGraph, *, dated_only: bool = False
    ) -> tuple[np.ndarray, dict[str, int]]:
        """Which nodes count, and how many were left out for an unusable ``createdAt``.

        Stubs never count (they are parents named by other models, not rows of the data).
        With a window set (or ``dated_only``, for per-month questions), models with the
        placeholder ``createdAt`` (repos older than the Hub's records) or no ``createdAt``
        are left out and counted.
        """
        mask = ~graph.stub
        excluded = {"placeholder_created_at": 0, "missing_created_at": 0}
        if self.is_open and not dated_only:
            return mask, excluded
        created = graph.created_at
        placeholder = created == PLACEHOLDER_CREATED_AT
        missing = np.isnat(created)
        excluded["placeholder_created_at"] = int((placeholder & mask).sum())
        excluded["missing_created_at"] = int((missing & mask).sum())
        mask &= ~placeholder & ~missing
        if self.is_open:  # dated_only: no month to compare (a calendar cast of every node)
            return mask, excluded
        months = graph.month()  # computed once per graph
        if self.since:
            mask &= months >= parse_month(self.since, "since")
        if self.until:
            mask &= months <= parse_month(self.until, "until")
        return mask, excluded


def _check_bounds(since: str | None, until: str | None, names: tuple[str, str]) -> None:
    lo = parse_month(since, names[0]) if since else None
    hi = parse_month(until, names[1]) if until else None
    if lo is not None and hi is not None and lo > hi:
        raise QueryError(f"{names[0]} {since} is after {names[1]} {until}; swap them")
