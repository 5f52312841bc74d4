#!/usr/bin/env python3
"""The lineage report in DuckDB SQL, straight from a hub-stats parquet.

``python bench/peers/duckdb_report.py MODELS.parquet --by country|org|developer|root``

Prints the rows ``hf-lineage report --by LEVEL --format json`` prints (30-day downloads,
lineage view, split merges). The rules are the tool's: parents from the most trusted
source that names any (``baseModels`` > ``base_model:`` tags > the card's JSON
``base_model``), ids repaired and matched case-insensitively, renamed ids through the alias
table, stubs for parents not in the data, self-references and repeated edges dropped,
cycles broken by the tool's rule, and credit divided equally among a merge's parents at
every step. Cycles are found by a topological peel (Kahn's algorithm, one frontier join a
step); root shares are carried down one path step per join from the roots that have
children, and the roots without children (most of the Hub) keep their own downloads.
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
    Aliases,
    edges_to_break,
    namespace_developers,
    org_countries,
    parse_args,
    print_report,
    resolve_renames,
)

_SETUP = f"""
CREATE MACRO is_id(s) AS coalesce(regexp_full_match(s, '{ID_PATTERN}'), false);
CREATE MACRO repaired(s) AS
    trim(regexp_replace(regexp_replace(regexp_replace(s, '^\\s+|\\s+$', '', 'g'),
         '{URL_PREFIX}', '', 'i'), '{TREE_SUFFIX}', ''), '/ ');
"""

#: ``ok`` (the id as written is valid) is computed once; the repair runs on the rest only.
_VALID_ID = "CASE WHEN ok THEN {raw} ELSE repaired({raw}) END"
_VALID_IF = "(ok OR is_id(repaired({raw})))"


#: One scan of the columns the report needs: valid (repaired) ids, the ``base_model:`` tags,
#: ``baseModels``' ids, and the cards that mention ``base_model``. A model's node number is
#: its row in the file.
_READ = f"""
CREATE TABLE models AS
SELECT node, id, lower(id) AS lid, coalesce(author, split_part(id, '/', 1)) AS org,
       created, dl, bm_tags, hub_models, card
FROM (
    SELECT node, {_VALID_ID.format(raw="raw")} AS id, author, created, dl, bm_tags,
           hub_models, card
    FROM (
        SELECT file_row_number AS node, id AS raw, is_id(id) AS ok, author,
               date_trunc('second', CAST(createdAt AS TIMESTAMP)) AS created,
               greatest(coalesce(downloads, 0), 0)::DOUBLE AS dl,
               list_filter(tags, lambda t: starts_with(t, 'base_model:')) AS bm_tags,
               baseModels.models AS hub_models,
               CASE WHEN contains(cardData, 'base_model') THEN cardData END AS card
        FROM read_parquet($path, file_row_number = true)
        WHERE id IS NOT NULL
    )
    WHERE {_VALID_IF.format(raw="raw")}
)
"""

#: A repeated id (case-insensitive) keeps its first row. Repeats are rare, and grouping
#: millions of strings is slow: only ids whose 64-bit hash repeats are compared as strings.
_REPEATS = """
DELETE FROM models m USING (
    SELECT lid, min(node) AS first FROM models
    WHERE hash(lid) IN (SELECT hash(lid) FROM models GROUP BY 1 HAVING count(*) > 1)
    GROUP BY lid HAVING count(*) > 1
) r
WHERE m.lid = r.lid AND m.node > r.first
"""

#: Valid declarations, (child, source, position, id), from baseModels and the tags.
_DECLARATIONS = f"""
CREATE TABLE decl AS
WITH hub AS (
    SELECT node, 0 AS src, unnest(range(len(hub_models))) AS pos,
           unnest(hub_models).id AS raw
    FROM models WHERE len(hub_models) > 0
), tag AS (
    SELECT node, 1 AS src,
           CASE WHEN contains(rest, ':') THEN i ELSE 1000000 + i END AS pos,
           CASE WHEN contains(rest, ':') THEN substr(rest, strpos(rest, ':') + 1)
                ELSE rest END AS raw
    FROM (SELECT node, unnest(range(len(bm_tags))) AS i, substr(unnest(bm_tags), 12) AS rest
          FROM models WHERE len(bm_tags) > 0)
)
SELECT node AS c, src, pos, pid, lower(pid) AS lpid
FROM (SELECT node, src, pos, {_VALID_ID.format(raw="raw")} AS pid
      FROM (SELECT *, is_id(raw) AS ok FROM hub UNION ALL SELECT *, is_id(raw) FROM tag)
      WHERE {_VALID_IF.format(raw="raw")})
"""

#: The card's JSON ``base_model`` (a string or a list), read only for the models with no
#: valid declaration from a more trusted source.
_CARDS = f"""
INSERT INTO decl
WITH rest AS MATERIALIZED (  -- before any JSON is parsed
    SELECT node, card FROM models WHERE card IS NOT NULL AND node NOT IN (SELECT c FROM decl)
), card_base AS (
    SELECT node, json_extract(card, '$.base_model') AS b
    FROM rest WHERE json_valid(card) AND json_type(card) = 'OBJECT'
), card_list AS (
    SELECT node, CASE json_type(b) WHEN 'VARCHAR' THEN [b]
                                   WHEN 'ARRAY' THEN from_json(b, '["JSON"]') END AS items
    FROM card_base WHERE b IS NOT NULL
), card AS (
    SELECT node, 2 AS src, i AS pos, items[i] ->> '$' AS raw
    FROM (SELECT node, items, generate_subscripts(items, 1) AS i
          FROM card_list WHERE len(items) > 0)
    WHERE json_type(items[i]) = 'VARCHAR'
)
SELECT node AS c, src, pos, pid, lower(pid) AS lpid
FROM (SELECT node, src, pos, {_VALID_ID.format(raw="raw")} AS pid
      FROM (SELECT *, is_id(raw) AS ok FROM card)
      WHERE {_VALID_IF.format(raw="raw")})
"""

#: The most trusted source naming any parent, each parent resolved to a model or not.
_CHOSEN = """
CREATE TABLE chosen AS
SELECT d.c, d.src, d.pos, d.pid, d.lpid, m.node AS p
FROM (SELECT * FROM decl QUALIFY src = min(src) OVER (PARTITION BY c)) d
LEFT JOIN models m ON m.lid = d.lpid
"""

#: Stub nodes: parents that name no model, numbered after the file's rows.
_STUBS = """
CREATE TABLE stubs AS
SELECT $rows + row_number() OVER (ORDER BY key) - 1 AS node, key, spelling
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


def _rows_of(con: duckdb.DuckDBPyConnection) -> object:
    def rows_of(lower_ids: list[str]) -> dict[str, int]:
        found = con.execute(
            "SELECT lid, node FROM models WHERE lid IN (SELECT unnest($ids))", {"ids": lower_ids}
        ).fetchall()
        return {str(lid): int(node) for lid, node in found}

    return rows_of


def _renames(con: duckdb.DuckDBPyConnection) -> None:
    """The alias table applied to the distinct parent ids it names that name no model."""
    absent = con.execute(
        "SELECT lpid, arg_min(pid, (c, src, pos)) FROM decl "
        "WHERE regexp_matches(lpid, $named) "
        "AND lpid NOT IN (SELECT lid FROM models WHERE regexp_matches(lid, $named)) "
        "GROUP BY lpid",
        {"named": Aliases.load().pattern()},
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
    """Kahn's algorithm by frontier joins; the cycle rule where it stalls.

    ``waiting(c, k)``: children with ``k`` parents not yet ordered; the frontier is the
    nodes ordered in the last step (first: the parents that have none).
    """
    con.execute("CREATE TABLE waiting AS SELECT c, count(*) AS k FROM edges GROUP BY c")
    con.execute(
        "CREATE TABLE frontier AS SELECT DISTINCT p AS node FROM edges "
        "WHERE p NOT IN (SELECT c FROM waiting)"
    )
    while con.execute("SELECT count(*) FROM waiting").fetchone()[0]:  # type: ignore[index]
        if con.execute("SELECT count(*) FROM frontier").fetchone()[0]:  # type: ignore[index]
            hits = "SELECT e.c, count(*) AS hit FROM edges e JOIN frontier f ON f.node = e.p"
        else:  # stalled: the cycle rule on the edges among the nodes left
            stuck = con.execute(
                """
                SELECT e.eid, e.c, e.p, e.src, n.created, k.lid, coalesce(n.lid, s.key)
                FROM edges e JOIN waiting a ON a.c = e.c JOIN waiting b ON b.c = e.p
                JOIN models k ON k.node = e.c
                LEFT JOIN models n ON n.node = e.p LEFT JOIN stubs s ON s.node = e.p
                """
            ).fetchall()
            con.execute(
                "CREATE OR REPLACE TABLE broken AS SELECT * FROM edges "
                "WHERE eid IN (SELECT unnest($ids))",
                {"ids": edges_to_break(stuck)},
            )
            con.execute("DELETE FROM edges WHERE eid IN (SELECT eid FROM broken)")
            hits = "SELECT c, count(*) AS hit FROM broken"
        con.execute(
            "CREATE OR REPLACE TABLE waiting AS "
            f"SELECT w.c, w.k - coalesce(h.hit, 0) AS k FROM waiting w LEFT JOIN ({hits} "
            "GROUP BY ALL) h ON h.c = w.c"
        )
        con.execute("CREATE OR REPLACE TABLE frontier AS SELECT c AS node FROM waiting WHERE k = 0")
        con.execute("DELETE FROM waiting WHERE k = 0")


def _root_shares(con: duckdb.DuckDBPyConnection) -> None:
    """``shares(node, root, w)`` for every node with parents: each root's share of its
    credit, one path step per join from the roots that have children."""
    con.execute(
        "CREATE TABLE step AS SELECT c, p, 1.0 / count(*) OVER (PARTITION BY c) AS f FROM edges"
    )
    con.execute(
        "CREATE TABLE paths AS SELECT DISTINCT p AS node, p AS root, 1.0::DOUBLE AS w "
        "FROM edges WHERE p NOT IN (SELECT c FROM edges)"
    )
    con.execute("CREATE TABLE shares (node BIGINT, root BIGINT, w DOUBLE)")
    while con.execute("SELECT count(*) FROM paths").fetchone()[0]:  # type: ignore[index]
        con.execute(
            "CREATE OR REPLACE TABLE paths AS SELECT s.c AS node, t.root, sum(t.w * s.f) AS w "
            "FROM step s JOIN paths t ON t.node = s.p GROUP BY ALL"
        )
        con.execute("INSERT INTO shares SELECT * FROM paths")


def _roots(con: duckdb.DuckDBPyConnection, by: str) -> None:
    """``roots(node, key, dl, model)``: every node without parents, with the level's key."""
    if by == "root":
        model_key, stub_key = "id", "spelling"
    else:
        model_key, stub_key = "org", "split_part(spelling, '/', 1)"
    con.execute(
        f"""
        CREATE TABLE roots AS
        SELECT node, {model_key} AS key, dl, true AS model FROM models
        WHERE node NOT IN (SELECT c FROM edges)
        UNION ALL
        SELECT node, {stub_key}, 0, false FROM stubs
        """
    )
    if by in ("root", "org"):
        return
    table = org_countries() if by == "country" else namespace_developers()
    con.execute("CREATE TABLE curated (lorg VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO curated VALUES (?, ?)", list(table.items()))
    fallback = "'unknown'" if by == "country" else "r.key"
    con.execute(
        f"CREATE OR REPLACE TABLE roots AS SELECT r.node, coalesce(c.value, {fallback}) AS key, "
        "r.dl, r.model FROM roots r LEFT JOIN curated c ON c.lorg = lower(r.key)"
    )


#: A root's own downloads (and itself, unless a stub), and its shares of the nodes below.
_CREDIT = """
SELECT key, sum(value), sum(models) FROM (
    SELECT key, sum(dl) AS value, count(*) FILTER (WHERE model) AS models FROM roots GROUP BY key
    UNION ALL
    SELECT key, sum(value), count(*) FROM (  -- a model counts once under each key
        SELECT r.key, s.node, sum(m.dl * s.w) AS value
        FROM shares s JOIN models m ON m.node = s.node JOIN roots r ON r.node = s.root
        GROUP BY r.key, s.node
    ) GROUP BY key
) GROUP BY key
"""


def report(path: str, by: str) -> tuple[list[tuple[str, float, int]], float]:
    """(key, credit, models) rows and the denominator."""
    con = duckdb.connect()
    con.execute(_SETUP)
    con.execute(_READ, {"path": path})
    for sql in (_REPEATS, _DECLARATIONS, _CARDS, _CHOSEN):
        con.execute(sql)
    _renames(con)
    rows = con.execute("SELECT num_rows FROM parquet_file_metadata($p)", {"p": path}).fetchone()
    con.execute(_STUBS, {"rows": rows[0]})  # type: ignore[index]
    con.execute(_EDGES)
    _peel(con)
    _root_shares(con)
    _roots(con, by)
    credit = con.execute(_CREDIT).fetchall()
    total = con.execute("SELECT sum(dl) FROM models").fetchone()[0] or 0.0  # type: ignore[index]
    return [(str(k), float(v), int(m)) for k, v, m in credit], float(total)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "DuckDB peer")
    rows, total = report(args.snapshot, args.by)
    print_report(rows, total, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
