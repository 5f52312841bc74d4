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

from typing import TYPE_CHECKING

from hflineage._exports import lazy_exports

if TYPE_CHECKING:
    from hflineage.graph.opening import open_graph
    from hflineage.queries.attribution import attribute
    from hflineage.queries.cypher.call import cypher
    from hflineage.queries.lineage import lineage_of

__version__ = "0.1.0"

__all__ = ["__version__", "attribute", "cypher", "lineage_of", "open_graph"]

__getattr__ = lazy_exports(
    __name__,
    {
        "graph.opening": ("open_graph",),
        "queries.attribution": ("attribute",),
        "queries.lineage": ("lineage_of",),
        "queries.cypher.call": ("cypher",),
    },
)
