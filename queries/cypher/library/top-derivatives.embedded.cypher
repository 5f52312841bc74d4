// Top derivatives of a model, embedded engine (Kuzu family): one shortest path per descendant.
MATCH (m:Model {id: $model_id})<-[:DERIVED_FROM* SHORTEST 1..]-(d:Model)
RETURN d.id AS model_id, d.downloads AS downloads, d.author AS author, d.country AS country,
       d.family AS family
ORDER BY downloads DESC, model_id
LIMIT $limit
