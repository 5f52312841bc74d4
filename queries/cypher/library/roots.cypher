// Roots of a model: the root models it credits, with their weight under a merge policy.
//
// $model_id  string  the Hub id, spelled exactly as stored
// $policy  split|full|first = split  how a merge's credit goes to its parents
//
// Returns: root, weight, family, country (of the root's developer).
// split: weights sum to 1 (credit divides equally among parents at every step);
// full: every root gets 1; first: only the root reached through first-listed parents.
// The split weights are the precomputed HAS_ROOT.weight (see docs/cypher.md).
// Python: hflineage.queries.roots_of.
MATCH (m:Model {id: $model_id})-[h:HAS_ROOT]->(r:Model)
WHERE $policy <> 'first' OR h.first
RETURN r.id AS root, CASE $policy WHEN 'split' THEN h.weight ELSE 1.0 END AS weight,
       r.family AS family, r.country AS country
ORDER BY weight DESC, root
