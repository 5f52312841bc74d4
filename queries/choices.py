"""The choices a report takes: level, view, metric and merge policy.

Each is a ``Literal`` type whose values are listed once (``LEVELS`` ... are read from the
type), and an ``as_*`` check turns an untyped string (a notebook's argument, a CLI flag
already validated by click) into the type, or raises :class:`QueryError` naming the
parameter, the bad value and the values allowed.
"""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

from hflineage.errors import QueryError
from hflineage.graph import MergePolicy

__all__ = [
    "LEVELS",
    "LINEAGE_LEVELS",
    "METRICS",
    "POLICIES",
    "VIEWS",
    "Level",
    "MergePolicy",
    "Metric",
    "View",
    "as_level",
    "as_metric",
    "as_policy",
    "as_view",
    "check_choices",
]

#: What a report credits: a model's root, its family, org (Hub namespace), developer
#: (the organisation behind one or more namespaces) or country.
Level = Literal["root", "family", "org", "developer", "country"]
#: ``lineage`` credits each model's roots; ``uploader`` whoever uploaded the repo.
View = Literal["lineage", "uploader"]
#: The per-model figure credited.
Metric = Literal["downloads", "downloads_all_time", "uploads", "likes"]

LEVELS: tuple[Level, ...] = get_args(Level)
VIEWS: tuple[View, ...] = get_args(View)
POLICIES: tuple[MergePolicy, ...] = get_args(MergePolicy)
METRICS: dict[Metric, str] = {
    "downloads": "downloads in the last 30 days (Hub 'downloads')",
    "downloads_all_time": "downloads since the repo was created (Hub 'downloadsAllTime')",
    "uploads": "number of models (repos) uploaded",
    "likes": "likes",
}
#: Levels that exist only through lineage (a root, and the family of a root).
LINEAGE_LEVELS: tuple[Level, ...] = ("root", "family")

_T = TypeVar("_T", bound=str)


def _one_of(name: str, value: object, allowed: tuple[_T, ...]) -> _T:
    if not isinstance(value, str) or value not in allowed:
        raise QueryError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def as_level(value: object) -> Level:
    """``value`` as a :data:`Level` (the ``by`` parameter).

    >>> as_level("country")
    'country'
    """
    return _one_of("by", value, LEVELS)


def as_view(value: object) -> View:
    """``value`` as a :data:`View`."""
    return _one_of("view", value, VIEWS)


def as_metric(value: object) -> Metric:
    """``value`` as a :data:`Metric`."""
    return _one_of("metric", value, tuple(METRICS))


def as_policy(value: object) -> MergePolicy:
    """``value`` as a merge policy (``split``, ``full``, ``first``)."""
    return _one_of("policy", value, POLICIES)


def check_choices(*, view: object, policy: object, by: object) -> tuple[View, MergePolicy, Level]:
    """The three choices, checked each and together (roots and families need lineage).

    Raises:
        QueryError: a value is not allowed, or ``by`` is a lineage level in the uploader view.
    """
    checked = as_view(view), as_policy(policy), as_level(by)
    if checked[0] == "uploader" and checked[2] in LINEAGE_LEVELS:
        raise QueryError(
            f"by={by!r} needs the lineage view (roots and families are lineage ideas); "
            "use view='lineage', or by 'org', 'developer' or 'country' with view='uploader'"
        )
    return checked
