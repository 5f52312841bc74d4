"""What a Cypher database holds: labels, relationship types, their properties and counts.

Backs ``hf-lineage db schema``. The embedded engine is asked for its own catalogue (so the
answer is what the file really holds); a Bolt server is asked for its counts, and its
properties are those every backend is loaded with (``hflineage.queries.cypher.tables``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hflineage.queries.cypher.library import CypherRunner
from hflineage.queries.cypher.tables import MODEL_PROPERTIES, ORG_PROPERTIES, RELATIONSHIPS

__all__ = ["SchemaEntry", "database_schema"]

#: The embedded engine's type names, as Neo4j's documentation names them.
_NEO4J_TYPES = {
    "STRING": "STRING",
    "INT64": "INTEGER",
    "DOUBLE": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "BOOL": "BOOLEAN",
    "TIMESTAMP": "LOCAL DATETIME",
}


@dataclass(frozen=True)
class SchemaEntry:
    """One label or relationship type with its properties and how many there are."""

    kind: str  # "node" or "relationship"
    name: str
    count: int
    properties: tuple[tuple[str, str], ...]  # (name, type) in Neo4j's type names
    pattern: str  # how to match it, e.g. (:Model)-[:DERIVED_FROM]->(:Model)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "name": self.name,
            "pattern": self.pattern,
            "count": self.count,
            "properties": {n: t for n, t in self.properties},
        }


def database_schema(runner: CypherRunner) -> list[SchemaEntry]:
    """Every label and relationship type of the database, with properties and counts."""
    declared = _declared_properties(runner)
    out: list[SchemaEntry] = []
    for label in ("Model", "Org"):
        (count,) = runner.run(f"MATCH (n:{label}) RETURN count(n)").rows[0]
        out.append(SchemaEntry("node", label, int(count), declared[label], f"(:{label})"))
    for rel, (start, end, _) in RELATIONSHIPS.items():
        (count,) = runner.run(f"MATCH ()-[r:{rel}]->() RETURN count(r)").rows[0]
        pattern = f"(:{start})-[:{rel}]->(:{end})"
        out.append(SchemaEntry("relationship", rel, int(count), declared[rel], pattern))
    return out


def _declared_properties(runner: CypherRunner) -> dict[str, tuple[tuple[str, str], ...]]:
    documented = {
        "Model": MODEL_PROPERTIES,
        "Org": ORG_PROPERTIES,
        **{rel: props for rel, (_, _, props) in RELATIONSHIPS.items()},
    }
    if runner.dialect == "embedded":
        documented = {
            name: tuple(
                (str(prop), str(kind))
                for _, prop, kind, *_ in runner.run(f"CALL table_info('{name}') RETURN *").rows
            )
            for name in documented
        }
    return {
        name: tuple((prop, _NEO4J_TYPES.get(kind, kind)) for prop, kind in props)
        for name, props in documented.items()
    }
