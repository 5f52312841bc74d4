"""Queries: attribution, lineage questions, series and concentration over a LineageGraph."""

from typing import TYPE_CHECKING

from hflineage._exports import lazy_exports

if TYPE_CHECKING:
    from hflineage.queries.attribution import (
        LEVELS,
        METRICS,
        Attribution,
        AttributionRow,
        attribute,
    )
    from hflineage.queries.choices import Level, Metric, View
    from hflineage.queries.concentration import gini, hhi
    from hflineage.queries.lineage import (
        ancestors_of,
        descendants_of,
        family_members,
        family_summary,
        lineage_of,
        relation_mix,
        roots_of,
    )
    from hflineage.queries.series import MonthlySeries, monthly_series
    from hflineage.queries.window import Window

__all__ = [
    "LEVELS",
    "METRICS",
    "Attribution",
    "AttributionRow",
    "Level",
    "Metric",
    "MonthlySeries",
    "View",
    "Window",
    "ancestors_of",
    "attribute",
    "descendants_of",
    "family_members",
    "family_summary",
    "gini",
    "hhi",
    "lineage_of",
    "monthly_series",
    "relation_mix",
    "roots_of",
]

# Each name's module is imported when the name is first used (``hflineage._exports``).
__getattr__ = lazy_exports(
    __name__,
    {
        "attribution": ("LEVELS", "METRICS", "Attribution", "AttributionRow", "attribute"),
        "choices": ("Level", "Metric", "View"),
        "concentration": ("gini", "hhi"),
        "lineage": (
            "ancestors_of",
            "descendants_of",
            "family_members",
            "family_summary",
            "lineage_of",
            "relation_mix",
            "roots_of",
        ),
        "series": ("MonthlySeries", "monthly_series"),
        "window": ("Window",),
    },
)
