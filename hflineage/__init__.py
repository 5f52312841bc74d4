"""hf-lineage: a lineage graph explorer for the Hugging Face Hub.

The code lives in four layers, installed under this namespace:
``hflineage.loaders`` -> ``hflineage.graph`` -> ``hflineage.queries`` -> ``hflineage.explorer``.

The calls a notebook needs are here (imported on first use, so ``import hflineage`` stays
cheap)::

    import hflineage
    graph = hflineage.open_graph("hub-stats.parquet")       # load, build, cache
    hflineage.attribute(graph, by="country").rows[:5]        # who gets the downloads
    hflineage.lineage_of(graph, "Qwen/Qwen2.5-7B")           # one model's lineage
    hflineage.cypher("MATCH (m:Model) RETURN count(m) AS n", graph=graph)  # Arrow table
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "attribute", "cypher", "lineage_of", "open_graph"]

_LAZY = {
    "open_graph": "hflineage.graph.opening",
    "attribute": "hflineage.queries.attribution",
    "lineage_of": "hflineage.queries.lineage",
    "cypher": "hflineage.queries.cypher.call",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hflineage' has no attribute {name!r}")
