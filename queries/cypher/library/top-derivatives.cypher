// Top derivatives of a model: its most downloaded descendants (30-day downloads).
//
// $model_id  string  the Hub id, spelled exactly as stored
// $limit  int = 10  how many rows
//
// Returns: model_id, downloads, author, country (the uploader's), family.
// Ties in downloads are ordered by id.
// Python: the top_descendants of hflineage.queries.lineage_of.
// The embedded engine uses top-derivatives.ladybug.cypher (see descendants.cypher for why);
// on FalkorDB the Bolt backend walks children.cypher instead.
MATCH (m:Model {id: $model_id})<-[:DERIVED_FROM*1..]-(d:Model)
WITH DISTINCT d
RETURN d.id AS model_id, d.downloads AS downloads, d.author AS author, d.country AS country,
       d.family AS family
ORDER BY downloads DESC, model_id
LIMIT $limit
