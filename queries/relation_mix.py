"""How each family's models derive from their parents: the relation mix the Hub shows in a
model tree (finetunes, adapters, quantizations, merges), for every family at once."""

from __future__ import annotations

import numpy as np

from hflineage.graph import LineageGraph
from hflineage.graph.relation import Relation

__all__ = ["relation_mix_by_family"]


def relation_mix_by_family(graph: LineageGraph) -> dict[str, dict[str, int]]:
    """Derivation edges by relation, per family of the edge's child (its first root's family,
    as a family view draws it); families without edges are left out."""
    codes, names = graph.family_codes
    kinds = len(Relation)
    counts = np.bincount(
        codes[graph.edge_child].astype(np.int64) * kinds + graph.edge_relation.astype(np.int64),
        minlength=len(names) * kinds,
    ).reshape(len(names), kinds)
    return {
        str(names[f]): {Relation(r).label: int(counts[f, r]) for r in range(kinds) if counts[f, r]}
        for f in np.flatnonzero(counts.sum(axis=1)).tolist()
    }
