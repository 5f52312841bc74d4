"""Downloads over time, read from a history of stored snapshots and attributed like a metric.

- :mod:`~hflineage.queries.periods.downloads`: downloads between two snapshots (the rules
  for created, re-created, reset, vanished and renamed models) and their attribution;
- :mod:`~hflineage.queries.periods.first_year`: each model's downloads in its first year;
- :mod:`~hflineage.queries.periods.weekly`: downloads per ISO week for the top keys;
- :mod:`~hflineage.queries.periods.history`: what they read from a snapshot store, and how
  they match ids (as the graph builder does).

Attribution over these figures is :func:`hflineage.queries.attribution.attribute_values`:
the same credit, row order and ``meta`` as a report of one snapshot's metric.
"""

from hflineage.queries.periods.downloads import (
    PERIOD_STATUSES,
    PeriodDownloads,
    attribute_period,
    period_bounds,
    period_downloads,
)
from hflineage.queries.periods.first_year import (
    FIRST_YEAR_STATUSES,
    FirstYearDownloads,
    attribute_first_year,
    first_year_downloads,
)
from hflineage.queries.periods.history import SnapshotHistory
from hflineage.queries.periods.weekly import WeeklySeries, weekly_series

__all__ = [
    "FIRST_YEAR_STATUSES",
    "PERIOD_STATUSES",
    "FirstYearDownloads",
    "PeriodDownloads",
    "SnapshotHistory",
    "WeeklySeries",
    "attribute_first_year",
    "attribute_period",
    "first_year_downloads",
    "period_bounds",
    "period_downloads",
    "weekly_series",
]
