// Descendants of a model: every model derived from it, directly or through other models.
//
// $model_id  string  the Hub id, spelled exactly as stored (e.g. Qwen/Qwen2.5-7B)
//
// Returns one row per descendant: model_id, distance (fewest derivation steps; 1 = a child).
// Python: hflineage.queries.descendants_of gives the same models, nearest first.
// openCypher as Neo4j runs it: DISTINCT endpoints let Neo4j expand without enumerating
// paths, then shortestPath measures each one. The embedded engine uses
// descendants.embedded.cypher; FalkorDB enumerates every path here (billions on real merge
// trees), so the Bolt backend walks children.cypher level by level there instead.
MATCH (m:Model {id: $model_id})<-[:DERIVED_FROM*1..]-(d:Model)
WITH DISTINCT m, d
MATCH p = shortestPath((d)-[:DERIVED_FROM*1..]->(m))
RETURN d.id AS model_id, length(p) AS distance
ORDER BY distance, model_id
