// Roots of a family: each root model of the family with its descendants and their downloads.
//
// $family  string  family name, any case (e.g. Qwen, Llama, Mistral)
// $limit  int = 10  how many roots
//
// Returns: root, descendants (models whose first root it is), downloads (30-day, the root's
// included), stub (the root is named as a parent but is not in the data itself).
// Members follow first-listed parents, as the family property does.
// Python: the roots of hflineage.queries.family_summary.
MATCH (d:Model)-[h:HAS_ROOT]->(r:Model)
WHERE h.first AND toLower(r.family) = toLower($family)
WITH r, count(d) - 1 AS descendants, sum(d.downloads) AS downloads
RETURN r.id AS root, descendants, downloads, r.stub AS stub
ORDER BY descendants DESC, root
LIMIT $limit
