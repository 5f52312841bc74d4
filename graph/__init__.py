"""Graph: the derivation graph of models, with roots, families, orgs and countries."""

from typing import TYPE_CHECKING

from hflineage._exports import lazy_exports

if TYPE_CHECKING:
    from hflineage.graph.build import build_lineage_graph
    from hflineage.graph.lineage import (
        PLACEHOLDER_CREATED_AT,
        LineageGraph,
        MergePolicy,
        RootSets,
    )
    from hflineage.graph.relation import Relation
    from hflineage.graph.taxonomy import (
        INTERNATIONAL,
        OTHER_FAMILY,
        UNKNOWN_COUNTRY,
        Taxonomy,
        default_taxonomy,
    )
    from hflineage.graph.validation import BrokenEdge, ValidationReport

__all__ = [
    "INTERNATIONAL",
    "OTHER_FAMILY",
    "PLACEHOLDER_CREATED_AT",
    "UNKNOWN_COUNTRY",
    "BrokenEdge",
    "LineageGraph",
    "MergePolicy",
    "Relation",
    "RootSets",
    "Taxonomy",
    "ValidationReport",
    "build_lineage_graph",
    "default_taxonomy",
]

# Each name's module is imported when the name is first used (``hflineage._exports``).
__getattr__ = lazy_exports(
    __name__,
    {
        "build": ("build_lineage_graph",),
        "lineage": ("PLACEHOLDER_CREATED_AT", "LineageGraph", "MergePolicy", "RootSets"),
        "relation": ("Relation",),
        "validation": ("BrokenEdge", "ValidationReport"),
        "taxonomy": (
            "INTERNATIONAL",
            "OTHER_FAMILY",
            "UNKNOWN_COUNTRY",
            "Taxonomy",
            "default_taxonomy",
        ),
    },
)
