#!/usr/bin/env python3
"""The lineage report in DuckDB SQL, straight from a hub-stats parquet.

``python bench/peers/duckdb_report.py MODELS.parquet --by country|org|developer|root``

Prints the rows ``hf-lineage report --by LEVEL --format json`` prints (30-day downloads,
lineage view, split merges). The rules are the tool's: parents from the most trusted
source that names any (``baseModels`` > ``base_model:`` tags > the card's JSON
``base_model``), ids repaired and matched case-insensitively, renamed ids through the alias
table, stubs for parents not in the data, self-references and repeated edges dropped,
cycles broken by the tool's rule, and credit divided equally among a merge's parents at
every step. Levels are ordered by a peel of the graph (iterative joins); each level's root
shares come from its parents' in one join.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peerlib import (
    ID_PATTERN,
    TREE_SUFFIX,
    URL_PREFIX,
    edges_to_break,
    namespace_developers,
    org_countries,
    parse_args,
    print_report,
    resolve_renames,
)

_SETUP = f"""
CREATE MACRO norm_id(s) AS CASE
    WHEN regexp_full_match(s, '{ID_PATTERN}') THEN s
    ELSE trim(regexp_replace(regexp_replace(regexp_replace(s, '^\\s+|\\s+$', '', 'g'),
              '{URL_PREFIX}', '', 'i'), '{TREE_SUFFIX}', ''), '/ ')
END;
CREATE MACRO is_id(s) AS coalesce(regexp_full_match(s, '{ID_PATTERN}'), false);
"""

#: Only the columns the report needs; base_model tags and cards that mention base_model.
_READ = """
CREATE TABLE src AS
SELECT file_row_number AS rn, norm_id(id) AS id, author,
       date_trunc('second', CAST(createdAt AS TIMESTAMP)) AS created,
       greatest(coalesce(downloads, 0), 0)::DOUBLE AS dl,
       list_filter(tags, lambda t: starts_with(t, 'base_model:')) AS bm_tags,
       baseModels.models AS hub_models,
       CASE WHEN contains(cardData, 'base_model') THEN cardData END AS card
FROM read_parquet($path, file_row_number = true)
WHERE id IS NOT NULL
"""

#: Valid ids; a repeated id (case-insensitive) keeps its first row. A model's node number
#: is its row in the file (rows are never reordered, so "first" keeps its meaning).
_MODELS = """
CREATE TABLE models AS
SELECT rn AS node, id, lower(id) AS lid, coalesce(author, split_part(id, '/', 1)) AS org,
       created, dl, bm_tags, hub_models, card
FROM src
WHERE is_id(id) AND rn NOT IN (
    SELECT rn FROM (SELECT rn, row_number() OVER (PARTITION BY lower(id) ORDER BY rn) AS k
                    FROM src WHERE is_id(id))
    WHERE k > 1
)
"""

#: Every declared parent: (child, source, position in its list, id as declared).
_DECLARATIONS = """
CREATE TABLE decl AS
WITH hub AS (
    SELECT node, 0 AS src, i AS pos, hub_models[i].id AS raw
    FROM (SELECT node, hub_models, generate_subscripts(hub_models, 1) AS i
          FROM models WHERE len(hub_models) > 0)
), tag AS (
    SELECT node, 1 AS src,
           CASE WHEN contains(rest, ':') THEN i ELSE 1000000 + i END AS pos,
           CASE WHEN contains(rest, ':') THEN substr(rest, strpos(rest, ':') + 1)
                ELSE rest END AS raw
    FROM (SELECT node, i, substr(bm_tags[i], 12) AS rest
          FROM (SELECT node, bm_tags, generate_subscripts(bm_tags, 1) AS i
                FROM models WHERE len(bm_tags) > 0))
), card_base AS (
    SELECT node, json_extract(card, '$.base_model') AS b
    FROM models
    WHERE card IS NOT NULL AND json_valid(card) AND json_type(card) = 'OBJECT'
), card_list AS (
    SELECT node, CASE json_type(b) WHEN 'VARCHAR' THEN [b]
                                   WHEN 'ARRAY' THEN from_json(b, '["JSON"]') END AS items
    FROM card_base WHERE b IS NOT NULL
), card AS (
    SELECT node, 2 AS src, i AS pos, items[i] ->> '$' AS raw
    FROM (SELECT node, items, generate_subscripts(items, 1) AS i
          FROM card_list WHERE len(items) > 0)
    WHERE json_type(items[i]) = 'VARCHAR'
), every AS (
    SELECT * FROM hub UNION ALL SELECT * FROM tag UNION ALL SELECT * FROM card
)
SELECT node AS c, src, pos, pid, lower(pid) AS lpid
FROM (SELECT *, norm_id(raw) AS pid FROM every WHERE raw IS NOT NULL)
WHERE is_id(pid)
"""

#: The most trusted source naming any parent, each parent resolved to a model or not.
_CHOSEN = """
CREATE TABLE chosen AS
SELECT d.c, d.src, d.pos, d.pid, d.lpid, m.node AS p
FROM decl d
JOIN (SELECT c, min(src) AS best FROM decl GROUP BY c) b ON b.c = d.c AND b.best = d.src
LEFT JOIN models m ON m.lid = d.lpid
"""

#: Stub nodes: parents that name no model, numbered after the models.
_STUBS = """
CREATE TABLE stubs AS
SELECT (SELECT coalesce(max(rn), 0) + 1 FROM src) + row_number() OVER (ORDER BY key) - 1
           AS node,
       key, spelling
FROM (
    SELECT coalesce(r.stub_key, c.lpid) AS key,
           coalesce(max(r.stub_spelling), arg_min(c.pid, (c.c, c.pos))) AS spelling
    FROM chosen c LEFT JOIN renamed r ON r.lpid = c.lpid
    WHERE c.p IS NULL AND r.row IS NULL
    GROUP BY 1
)
"""

#: Edges: self-references and repeated (child, parent) pairs dropped (the first is kept).
_EDGES = """
CREATE TABLE edges AS
SELECT row_number() OVER () AS eid, c, p, src FROM (
    SELECT c.c, coalesce(c.p, r.row, s.node) AS p, min(c.src) AS src
    FROM chosen c
    LEFT JOIN renamed r ON r.lpid = c.lpid
    LEFT JOIN stubs s ON s.key = coalesce(r.stub_key, c.lpid)
    GROUP BY 1, 2
) WHERE c <> p
"""

#: Every node (models, then stubs) with what the levels need.
_NODES = """
CREATE TABLE nodes AS
SELECT node, id, lid, org, created, dl, false AS stub FROM models
UNION ALL
SELECT node, spelling, key, split_part(spelling, '/', 1), NULL, 0, true FROM stubs
"""


def _rows_of(con: duckdb.DuckDBPyConnection) -> object:
    def rows_of(lower_ids: list[str]) -> dict[str, int]:
        found = con.execute(
            "SELECT lid, node FROM models WHERE lid IN (SELECT unnest($ids))", {"ids": lower_ids}
        ).fetchall()
        return {str(lid): int(node) for lid, node in found}

    return rows_of


def _renames(con: duckdb.DuckDBPyConnection) -> None:
    """The alias table applied to the distinct parent ids that name no model."""
    absent = con.execute(
        "SELECT lpid, arg_min(pid, (c, src, pos)) FROM decl "
        "WHERE lpid NOT IN (SELECT lid FROM models) GROUP BY lpid"
    ).fetchall()
    renamed = resolve_renames(dict(absent), _rows_of(con))  # type: ignore[arg-type]
    con.execute(
        "CREATE TABLE renamed (lpid VARCHAR, row BIGINT, stub_key VARCHAR, stub_spelling VARCHAR)"
    )
    if renamed:
        con.executemany(
            "INSERT INTO renamed VALUES (?, ?, ?, ?)",
            [(k, r.row, r.stub_key, r.stub_spelling) for k, r in renamed.items()],
        )


def _peel(con: duckdb.DuckDBPyConnection) -> None:
    """Topological levels by iterative joins; cycles broken when the peel stalls.

    ``level(node, d)``: nodes without parents are level 0 (also those that lose their last
    parent to the cycle rule); a node gets level k once every parent has a level below k.
    """
    con.execute(
        "CREATE TABLE level AS SELECT node, 0 AS d FROM nodes "
        "WHERE node NOT IN (SELECT c FROM edges)"
    )
    con.execute("CREATE TABLE waiting AS SELECT DISTINCT c AS node FROM edges")
    d = 0
    while True:
        d += 1
        added = con.execute(
            """
            INSERT INTO level
            SELECT w.node, CASE WHEN count(e.c) = 0 THEN 0 ELSE $d END
            FROM waiting w LEFT JOIN edges e ON e.c = w.node
            LEFT JOIN level l ON l.node = e.p
            GROUP BY w.node HAVING count(l.node) = count(e.c)
            """,
            {"d": d},
        ).fetchone()
        if added and added[0]:
            con.execute("DELETE FROM waiting WHERE node IN (SELECT node FROM level)")
            continue
        if not con.execute("SELECT count(*) FROM waiting").fetchone()[0]:  # type: ignore[index]
            return
        stuck = con.execute(
            """
            SELECT e.eid, e.c, e.p, e.src, n.created, k.lid, n.lid
            FROM edges e JOIN waiting a ON a.node = e.c JOIN waiting b ON b.node = e.p
            JOIN nodes k ON k.node = e.c JOIN nodes n ON n.node = e.p
            """
        ).fetchall()
        broken = edges_to_break(stuck)
        con.execute("DELETE FROM edges WHERE eid IN (SELECT unnest($ids))", {"ids": broken})
        d -= 1  # the stalled level is tried again


def _root_shares(con: duckdb.DuckDBPyConnection) -> None:
    """``shares(node, root, w)``: each root's share of a node's credit, level by level."""
    con.execute(
        "CREATE TABLE shares AS SELECT node, node AS root, 1.0::DOUBLE AS w FROM level WHERE d = 0"
    )
    con.execute("CREATE TABLE n_parents AS SELECT c, count(*) AS k FROM edges GROUP BY c")
    top = con.execute("SELECT max(d) FROM level").fetchone()[0] or 0  # type: ignore[index]
    for d in range(1, top + 1):
        con.execute(
            """
            INSERT INTO shares
            SELECT e.c, s.root, sum(s.w / k.k)
            FROM level l JOIN edges e ON e.c = l.node JOIN n_parents k ON k.c = e.c
            JOIN shares s ON s.node = e.p
            WHERE l.d = $d GROUP BY e.c, s.root
            """,
            {"d": d},
        )


def _keys(con: duckdb.DuckDBPyConnection, by: str) -> None:
    """``key(node, key)``: the level's key of every node (applied to roots)."""
    if by == "root":
        con.execute("CREATE TABLE key AS SELECT node, id AS key FROM nodes")
        return
    if by == "org":
        con.execute("CREATE TABLE key AS SELECT node, org AS key FROM nodes")
        return
    table = org_countries() if by == "country" else namespace_developers()
    con.execute("CREATE TABLE curated (lorg VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO curated VALUES (?, ?)", list(table.items()))
    fallback = "'unknown'" if by == "country" else "n.org"
    con.execute(
        f"CREATE TABLE key AS SELECT n.node, coalesce(c.value, {fallback}) AS key "
        "FROM nodes n LEFT JOIN curated c ON c.lorg = lower(n.org)"
    )


_CREDIT = """
SELECT k.key, sum(n.dl * s.w), count(DISTINCT s.node)
FROM shares s JOIN nodes n ON n.node = s.node JOIN key k ON k.node = s.root
WHERE NOT n.stub
GROUP BY k.key
"""


def report(path: str, by: str) -> tuple[list[tuple[str, float, int]], float]:
    """(key, credit, models) rows and the denominator."""
    con = duckdb.connect()
    con.execute(_SETUP)
    con.execute(_READ, {"path": path})
    for sql in (_MODELS, _DECLARATIONS, _CHOSEN):
        con.execute(sql)
    _renames(con)
    for sql in (_STUBS, _EDGES, _NODES):
        con.execute(sql)
    _peel(con)
    _root_shares(con)
    _keys(con, by)
    rows = con.execute(_CREDIT).fetchall()
    total = con.execute("SELECT sum(dl) FROM models").fetchone()[0] or 0.0  # type: ignore[index]
    return [(str(k), float(v), int(m)) for k, v, m in rows], float(total)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "DuckDB peer")
    rows, total = report(args.snapshot, args.by)
    print_report(rows, total, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
