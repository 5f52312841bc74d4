// Descendants of a model, embedded engine (Kuzu family): one shortest path per descendant.
// Plain *1.. enumerates every path (about 1.4e13 below one model of the real sample).
MATCH p = (m:Model {id: $model_id})<-[:DERIVED_FROM* SHORTEST 1..]-(d:Model)
RETURN d.id AS model_id, length(p) AS distance
ORDER BY distance, model_id
