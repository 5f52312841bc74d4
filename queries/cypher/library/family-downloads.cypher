// Family downloads: 30-day downloads of every model credited to the families of its roots.
//
// $policy  split|full|first = split  how a merge's credit goes to its parents
// $since  string = ""  first creation month counted (YYYY-MM); "" for no bound
// $until  string = ""  last creation month counted (YYYY-MM); "" for no bound
// $limit  int = 1000  how many families, largest first
//
// Returns: family, downloads, share (percent of all counted downloads), models (crediting).
// Counted: every model in the data (stubs are credited, never counted). With a month bound,
// models without a real createdAt (none, or the Hub's 2022-03-02T23:29:04 placeholder)
// are left out. Under full, shares can add up to more than 100.
// Python: hflineage.queries.attribute(by="family", metric="downloads", view="lineage").
MATCH (d:Model)-[h:HAS_ROOT]->(r:Model)
WHERE NOT d.stub AND ($policy <> 'first' OR h.first) AND (($since = '' AND $until = '')
      OR (d.createdAt IS NOT NULL AND d.createdAt <> '2022-03-02T23:29:04'
      AND ($since = '' OR left(d.createdAt, 7) >= $since)
      AND ($until = '' OR left(d.createdAt, 7) <= $until)))
WITH r.family AS family, d, CASE $policy WHEN 'split' THEN h.weight ELSE 1.0 END AS w
WITH family, sum(w * d.downloads) AS downloads, count(DISTINCT d) AS models
// The denominator comes last: carried through the join above it would cost more than the join.
WITH collect({family: family, downloads: downloads, models: models}) AS rows
MATCH (t:Model)
WHERE NOT t.stub AND (($since = '' AND $until = '') OR (t.createdAt IS NOT NULL
      AND t.createdAt <> '2022-03-02T23:29:04'
      AND ($since = '' OR left(t.createdAt, 7) >= $since)
      AND ($until = '' OR left(t.createdAt, 7) <= $until)))
WITH rows, sum(1.0 * t.downloads) AS total
UNWIND rows AS row
RETURN row.family AS family, row.downloads AS downloads,
       CASE WHEN total = 0 THEN 0.0 ELSE 100.0 * row.downloads / total END AS share,
       row.models AS models
ORDER BY downloads DESC, family
LIMIT $limit
