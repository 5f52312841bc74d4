// Children of models: the models that name one of the given models as a direct parent.
//
// $ids  list  Hub ids, spelled exactly as stored (e.g. ["Qwen/Qwen2.5-7B"])
//
// Returns: parent, model_id, relation, source (where the declaration came from), downloads.
// Python: LineageGraph.children. Walking this level by level answers descendants
// on servers whose variable-length matches enumerate every path (FalkorDB).
UNWIND $ids AS parent_id
MATCH (p:Model {id: parent_id})<-[e:DERIVED_FROM]-(c:Model)
RETURN p.id AS parent, c.id AS model_id, e.relation AS relation, e.source AS source,
       c.downloads AS downloads
ORDER BY parent, model_id
