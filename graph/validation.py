"""What a graph build did with the loaded rows: the validation report every command can
print, kept with a cached graph (so reading it back needs this module, not the builder)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hflineage.graph.aliases import default_aliases
from hflineage.loaders.records import LoadReport

__all__ = ["BrokenEdge", "ValidationReport"]


@dataclass(frozen=True, slots=True)
class BrokenEdge:
    """An edge removed to break a cycle, and the cycle's members."""

    child: str
    parent: str
    source: str
    cycle: tuple[str, ...]


@dataclass
class ValidationReport:
    """What the graph build did with the loaded rows."""

    load: LoadReport
    models: int = 0
    stubs: int = 0
    roots: int = 0
    edges: int = 0
    self_loops: int = 0
    duplicate_edges: int = 0
    lower_trust_declarations_ignored: int = 0
    cycles_broken: list[BrokenEdge] = field(default_factory=list)
    edges_by_source: Counter[str] = field(default_factory=Counter)
    edges_by_relation: Counter[str] = field(default_factory=Counter)
    relation_from: Counter[str] = field(default_factory=Counter)
    placeholder_created_at: int = 0
    max_depth: int = 0
    #: declared parents resolved through the alias table, the distinct ids, and examples
    aliased_declarations: int = 0
    aliased_ids: int = 0
    alias_examples: list[str] = field(default_factory=list)
    #: relation strings that name no relation (read as none stated), with their counts
    unknown_relations: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (the ``validation`` block of every report)."""
        load = self.load.as_dict()
        return {
            "rows_read": load["rows_read"],
            "rows_loaded": load["rows_loaded"],
            "rows_rejected": load["rows_rejected"],
            "rejected": load["rejected"],
            "repairs": load["notes"],
            "examples": load["examples"],
            "models": self.models,
            "stubs": self.stubs,
            "roots": self.roots,
            "edges": self.edges,
            "self_loops_dropped": self.self_loops,
            "duplicate_edges_dropped": self.duplicate_edges,
            "lower_trust_declarations_ignored": self.lower_trust_declarations_ignored,
            "cycles_broken": len(self.cycles_broken),
            "cycle_edges_removed": [
                {"child": b.child, "parent": b.parent, "source": b.source, "cycle": list(b.cycle)}
                for b in self.cycles_broken
            ],
            "edges_by_source": dict(self.edges_by_source.most_common()),
            "edges_by_relation": dict(self.edges_by_relation.most_common()),
            "relation_from": dict(self.relation_from.most_common()),
            "placeholder_created_at": self.placeholder_created_at,
            "max_depth": self.max_depth,
            "aliases": {
                "declarations_resolved": self.aliased_declarations,
                "ids_resolved": self.aliased_ids,
                "table_rows": default_aliases().size,
                "renames_from_snapshots": len(self.load.aliases),
            },
            "alias_examples": self.alias_examples,
            "author_kinds": dict(Counter(self.load.author_kinds.values()).most_common()),
            "unknown_relation_strings": sum(self.unknown_relations.values()),
            "unknown_relation_examples": dict(self.unknown_relations.most_common(10)),
        }
