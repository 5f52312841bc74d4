"""Loaders: Hub metadata sources -> typed, validated model tables.

Every loader returns a :class:`ModelTable` (columnar, snake_case) and a
:class:`LoadReport` that accounts for every input row: loaded, or rejected with a reason.
"""

from typing import TYPE_CHECKING

from hflineage._exports import lazy_exports

if TYPE_CHECKING:
    from hflineage.loaders.cards import load_model_cards
    from hflineage.loaders.hubstats import HUB_STATS_REPO, load_hub_stats
    from hflineage.loaders.jsonl import load_jsonl
    from hflineage.loaders.records import Declaration, LoadReport, ModelRecord
    from hflineage.loaders.snapshot import load_snapshot, load_snapshots
    from hflineage.loaders.table import ModelTable

__all__ = [
    "HUB_STATS_REPO",
    "Declaration",
    "LoadReport",
    "ModelRecord",
    "ModelTable",
    "load_hub_stats",
    "load_jsonl",
    "load_model_cards",
    "load_snapshot",
    "load_snapshots",
]

# Each name's module is imported when the name is first used (``hflineage._exports``).
__getattr__ = lazy_exports(
    __name__,
    {
        "cards": ("load_model_cards",),
        "hubstats": ("HUB_STATS_REPO", "load_hub_stats"),
        "jsonl": ("load_jsonl",),
        "records": ("Declaration", "LoadReport", "ModelRecord"),
        "snapshot": ("load_snapshot", "load_snapshots"),
        "table": ("ModelTable",),
    },
)
