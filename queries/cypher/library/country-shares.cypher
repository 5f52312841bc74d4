// Country shares: a metric credited to the countries of the roots' developers (lineage view)
// or of the uploaders (uploader view).
//
// $view  lineage|uploader = lineage  whose country gets the credit
// $metric  downloads|downloads_all_time|uploads|likes = downloads  downloads is the 30-day count
// $policy  split|full|first = split  how a merge's credit goes to its parents (lineage view)
// $since  string = ""  first creation month counted (YYYY-MM); "" for no bound
// $until  string = ""  last creation month counted (YYYY-MM); "" for no bound
// $limit  int = 1000  how many countries, largest first
//
// Returns: country, value, share (percent of the metric over all counted models), models.
// Countries come from the curated org table: individuals and communities are
// International/Online, orgs not in the table are unknown. Stubs are never counted; with a
// month bound, models without a real createdAt are left out.
// Python: hflineage.queries.attribute(by="country").
MATCH (d:Model)-[h:HAS_ROOT]->(r:Model)
WHERE NOT d.stub AND (h.first OR ($view = 'lineage' AND $policy <> 'first'))
      AND (($since = '' AND $until = '') OR (d.createdAt IS NOT NULL
      AND d.createdAt <> '2022-03-02T23:29:04'
      AND ($since = '' OR left(d.createdAt, 7) >= $since)
      AND ($until = '' OR left(d.createdAt, 7) <= $until)))
WITH d, CASE $view WHEN 'uploader' THEN d.country ELSE r.country END AS country,
     CASE WHEN $view = 'lineage' AND $policy = 'split' THEN h.weight ELSE 1.0 END AS w
WITH country, d, w * CASE $metric WHEN 'downloads' THEN d.downloads
                                 WHEN 'downloads_all_time' THEN d.downloadsAllTime
                                 WHEN 'likes' THEN d.likes ELSE 1 END AS credit
WITH country, sum(credit) AS value, count(DISTINCT d) AS models
// The denominator comes last: carried through the join above it would cost more than the join.
WITH collect({country: country, value: value, models: models}) AS rows
MATCH (t:Model)
WHERE NOT t.stub AND (($since = '' AND $until = '') OR (t.createdAt IS NOT NULL
      AND t.createdAt <> '2022-03-02T23:29:04'
      AND ($since = '' OR left(t.createdAt, 7) >= $since)
      AND ($until = '' OR left(t.createdAt, 7) <= $until)))
WITH rows, sum(CASE $metric WHEN 'downloads' THEN 1.0 * t.downloads
                            WHEN 'downloads_all_time' THEN 1.0 * t.downloadsAllTime
                            WHEN 'likes' THEN 1.0 * t.likes ELSE 1.0 END) AS total
UNWIND rows AS row
RETURN row.country AS country, row.value AS value,
       CASE WHEN total = 0 THEN 0.0 ELSE 100.0 * row.value / total END AS share,
       row.models AS models
ORDER BY value DESC, country
LIMIT $limit
