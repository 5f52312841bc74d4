// Monthly uploads per family: new models per creation month, credited to their roots' families.
//
// $policy  split|full|first = split  how a merge's credit goes to its parents
// $since  string = ""  first month shown (YYYY-MM); "" for no bound
// $until  string = ""  last month shown (YYYY-MM); "" for no bound
//
// Returns: month (YYYY-MM), family, uploads (credited model count; fractional under split).
// Models without a real createdAt (none, or the Hub's 2022-03-02T23:29:04 placeholder for
// old repos) are left out. Stubs are never counted.
// Python: hflineage.queries.monthly_series(by="family", metric="uploads").
MATCH (d:Model)-[h:HAS_ROOT]->(r:Model)
WHERE NOT d.stub AND d.createdAt IS NOT NULL AND d.createdAt <> '2022-03-02T23:29:04'
      AND ($policy <> 'first' OR h.first)
      AND ($since = '' OR left(d.createdAt, 7) >= $since)
      AND ($until = '' OR left(d.createdAt, 7) <= $until)
WITH left(d.createdAt, 7) AS month, r.family AS family,
     CASE $policy WHEN 'split' THEN h.weight ELSE 1.0 END AS w
RETURN month, family, sum(w) AS uploads
ORDER BY month, uploads DESC, family
