"""Loaders: Hub metadata sources -> typed, validated model tables.

Every loader returns a :class:`ModelTable` (columnar, snake_case) and a
:class:`LoadReport` that accounts for every input row: loaded, or rejected with a reason.
"""

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
