#!/usr/bin/env python3
"""The lineage report in Polars, straight from a hub-stats parquet.

``python bench/peers/polars_report.py MODELS.parquet --by country|org|developer|root``

Prints the rows ``hf-lineage report --by LEVEL --format json`` prints (30-day downloads,
lineage view, split merges), by the tool's rules (see ``duckdb_report.py``): one lazy scan
of the needed columns (ids repaired, repeated ids dropped, declarations cut to the
``base_model`` ones), declarations exploded and resolved with joins, a topological peel by
frontier joins (Kahn's algorithm; the cycle rule where it stalls), and root shares carried
down one path step per join from the roots that have children. Roots without children, the
bulk of the Hub, are credited with their own downloads without a join.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import yaml

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


def _norm_id(col: pl.Expr) -> pl.Expr:
    """Ids repaired: whitespace, a Hub URL prefix, a ``/tree/...`` tail and slashes dropped."""
    fixed = (
        col.str.strip_chars()
        .str.replace(f"(?i){URL_PREFIX}", "")
        .str.replace(TREE_SUFFIX, "")
        .str.strip_chars("/ ")
    )
    return pl.when(col.str.contains(ID_PATTERN)).then(col).otherwise(fixed)


def _is_id(col: pl.Expr) -> pl.Expr:
    return col.str.contains(ID_PATTERN).fill_null(False)


def _models(path: str) -> pl.DataFrame:
    """Valid ids, a repeated id (case-insensitive) keeping its first row; only the columns
    the report needs, the tags cut to ``base_model:`` ones and the cards that name one."""
    scanned = (
        pl.scan_parquet(path)
        .select(
            _norm_id(pl.col("id")).alias("id"),
            "author",
            "createdAt",
            "downloads",
            pl.col("tags").list.filter(pl.element().str.starts_with("base_model:")),
            pl.col("baseModels")
            .struct.field("models")
            .list.eval(pl.element().struct.field("id"))
            .alias("hub"),
            pl.when(pl.col("cardData").str.contains("base_model", literal=True))
            .then(pl.col("cardData"))
            .alias("card"),
        )
        .filter(_is_id(pl.col("id")))
        .with_columns(pl.col("id").str.to_lowercase().alias("lid"))
        .collect()
    )
    # Repeated ids are rare, and hashing strings for is_first_distinct is slow: when the
    # ids' 64-bit hashes are all distinct, so are the ids.
    if scanned["lid"].hash().n_unique() < len(scanned):
        scanned = scanned.filter(pl.col("lid").is_first_distinct())
    return scanned.with_row_index("node").select(
        pl.col("node").cast(pl.Int64),
        "id",
        "lid",
        pl.coalesce("author", pl.col("id").str.split("/").list.first()).alias("org"),
        pl.col("createdAt").cast(pl.Datetime("us")).dt.truncate("1s").alias("created"),
        pl.col("downloads").fill_null(0).clip(lower_bound=0).cast(pl.Float64).alias("dl"),
        "tags",
        "hub",
        "card",
    )


def _exploded(lists: pl.LazyFrame, column: str, src: int) -> pl.LazyFrame:
    """(child, source, position, id as declared) for every entry of a list column."""
    return (
        lists.select("node", column)
        .filter(pl.col(column).list.len() > 0)
        .with_columns(pl.int_ranges(0, pl.col(column).list.len()).alias("pos"))
        .explode(column, "pos")
        .select(
            pl.col("node").alias("c"),
            pl.lit(src, pl.Int8).alias("src"),
            pl.col("pos").cast(pl.Int64),
            pl.col(column).alias("raw"),
        )
    )


def _tags(models: pl.LazyFrame) -> pl.LazyFrame:
    """``base_model:<relation>:<id>`` tags first, then ``base_model:<id>``, in tag order."""
    tags = _exploded(models, "tags", 1).with_columns(pl.col("raw").str.slice(len("base_model:")))
    stated = pl.col("raw").str.contains(":", literal=True)
    return tags.with_columns(
        pl.when(stated).then(pl.col("pos")).otherwise(pl.col("pos") + 1_000_000).alias("pos"),
        pl.when(stated)
        .then(pl.col("raw").str.splitn(":", 2).struct.field("field_1"))
        .otherwise(pl.col("raw"))
        .alias("raw"),
    )


def _card_parents(text: str) -> list[str]:
    """The card's ``base_model`` (a string or a list of strings): JSON, else YAML."""
    try:
        card = json.loads(text)
    except ValueError:
        try:
            card = yaml.safe_load(text)
        except yaml.YAMLError:
            return []
    base = card.get("base_model") if isinstance(card, Mapping) else None
    items = [base] if isinstance(base, str) else base if isinstance(base, list) else []
    return [b for b in items if isinstance(b, str)]


def _declarations(models: pl.DataFrame) -> pl.DataFrame:
    """Valid declarations of every source. Cards are parsed (in Python: a ``base_model``
    may be a string or a list, JSON or YAML) only for the few models with no valid
    declaration from a more trusted source."""
    lazy = models.lazy()
    better = _valid(pl.concat([_exploded(lazy, "hub", 0), _tags(lazy)])).collect()
    rest = (
        lazy.filter(pl.col("card").is_not_null())
        .join(better.lazy().select(pl.col("c").alias("node")), on="node", how="anti")
        .select("node", "card")
        .collect()
    )
    cards = pl.DataFrame(
        {"node": rest["node"], "card": [_card_parents(t) for t in rest["card"]]},
        schema={"node": pl.Int64, "card": pl.List(pl.String)},
    )
    return pl.concat([better, _valid(_exploded(cards.lazy(), "card", 2)).collect()])


def _valid(decl: pl.LazyFrame) -> pl.LazyFrame:
    return (
        decl.filter(pl.col("raw").is_not_null())
        .with_columns(_norm_id(pl.col("raw")).alias("pid"))
        .filter(_is_id(pl.col("pid")))
        .with_columns(pl.col("pid").str.to_lowercase().alias("lpid"))
        .drop("raw")
    )


def _renamed(models: pl.DataFrame, decl: pl.DataFrame) -> pl.DataFrame:
    """The alias table applied to the distinct parent ids it names that name no model."""
    hits = decl.filter(pl.col("lpid").str.contains(Aliases.load().pattern()))
    present = models.filter(pl.col("lid").is_in(hits["lpid"].unique().implode()))["lid"]
    absent = (
        hits.filter(~pl.col("lpid").is_in(present.implode()))
        .sort("c", "src", "pos")
        .group_by("lpid", maintain_order=True)
        .agg(pl.col("pid").first())
    )
    lookup = models.select("lid", "node")

    def rows_of(lower_ids: list[str]) -> dict[str, int]:
        found = lookup.filter(pl.col("lid").is_in(lower_ids))
        return dict(zip(found["lid"].to_list(), found["node"].to_list(), strict=True))

    renamed = resolve_renames(dict(absent.iter_rows()), rows_of)
    return pl.DataFrame(
        {
            "lpid": list(renamed),
            "row": [r.row for r in renamed.values()],
            "stub_key": [r.stub_key for r in renamed.values()],
            "stub_spelling": [r.stub_spelling for r in renamed.values()],
        },
        schema={"lpid": pl.String, "row": pl.Int64, "stub_key": pl.String,
                "stub_spelling": pl.String},
    )  # fmt: skip


def _graph(models: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(stubs, edges): stubs numbered after the models; edges from each child's most
    trusted source, self-references and repeated edges dropped."""
    decl = _declarations(models)
    renamed = _renamed(models, decl)
    chosen = (
        decl.lazy()
        .filter(pl.col("src") == pl.col("src").min().over("c"))
        .join(
            models.lazy().select(pl.col("lid").alias("lpid"), pl.col("node").alias("p")),
            on="lpid",
            how="left",
        )
        .join(renamed.lazy(), on="lpid", how="left")
        .with_columns(
            pl.coalesce("p", "row").alias("p"), pl.coalesce("stub_key", "lpid").alias("key")
        )
        .collect()
    )
    stubs = (
        chosen.filter(pl.col("p").is_null())
        .sort("c", "pos")
        .group_by("key")
        .agg(pl.coalesce(pl.col("stub_spelling").max(), pl.col("pid").first()).alias("id"))
        .sort("key")
        .with_row_index("node", offset=len(models))
        .with_columns(pl.col("node").cast(pl.Int64))
    )
    edges = (
        chosen.join(stubs.select("key", pl.col("node").alias("stub")), on="key", how="left")
        .select("c", pl.coalesce("p", "stub").alias("p"), "src")
        .filter(pl.col("c") != pl.col("p"))
        .unique(["c", "p"])
        .with_row_index("eid")
    )
    return stubs, edges


def _without_cycles(models: pl.DataFrame, stubs: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Edges left once the cycle rule has run where a topological peel stalls.

    Kahn's algorithm by frontier joins: a child is ordered once its last parent is; the
    nodes left when the frontier empties are on or below a cycle."""
    left = edges.group_by("c").agg(pl.len().alias("k"))  # parents not yet ordered
    frontier = edges.select(pl.col("p").alias("node")).unique().join(
        left.select(pl.col("c").alias("node")), on="node", how="anti"
    )
    while len(left):
        if len(frontier):
            hits = (
                edges.join(frontier, left_on="p", right_on="node", how="semi")
                .group_by("c")
                .agg(pl.len().alias("hit"))
            )
        else:  # stalled: the cycle rule on the edges among the nodes left
            inside = left["c"].implode()
            stuck = (
                edges.filter(pl.col("c").is_in(inside) & pl.col("p").is_in(inside))
                .join(models.select(pl.col("node").alias("c"), pl.col("lid").alias("lc")), on="c")
                .join(_created_lid(models, stubs), on="p")
                .select("eid", "c", "p", "src", "created", "lc", "lid")
            )
            broken = edges.filter(pl.col("eid").is_in(edges_to_break(stuck.iter_rows())))
            edges = edges.join(broken, on="eid", how="anti")
            hits = broken.group_by("c").agg(pl.len().alias("hit"))
        left = left.join(hits, on="c", how="left").with_columns(
            pl.col("k") - pl.col("hit").fill_null(0)
        )
        frontier = left.filter(pl.col("k") == 0).select(pl.col("c").alias("node"))
        left = left.filter(pl.col("k") > 0).drop("hit")
    return edges


def _created_lid(models: pl.DataFrame, stubs: pl.DataFrame) -> pl.DataFrame:
    """(p, created, lid) of every node a parent can be (stubs have no date)."""
    return pl.concat(
        [
            models.select(pl.col("node").alias("p"), "created", "lid"),
            stubs.select(
                pl.col("node").alias("p"),
                pl.lit(None, pl.Datetime("us")).alias("created"),
                pl.col("key").alias("lid"),
            ),
        ]
    )


def _root_shares(edges: pl.DataFrame) -> pl.DataFrame:
    """(node, root, w) for every node with parents: each root's share of its credit, one
    path step per join from the roots that have children."""
    step = edges.join(edges.group_by("c").agg(pl.len().alias("k")), on="c").select(
        "c", "p", (1.0 / pl.col("k")).alias("f")
    )
    paths = (
        edges.select(pl.col("p").alias("node"))
        .unique()
        .join(edges.select(pl.col("c").alias("node")), on="node", how="anti")
        .select("node", pl.col("node").alias("root"), pl.lit(1.0).alias("w"))
    )
    parts = []
    while len(paths):
        paths = (
            step.join(paths, left_on="p", right_on="node")
            .group_by("c", "root")
            .agg((pl.col("w") * pl.col("f")).sum())
            .rename({"c": "node"})
        )
        parts.append(paths)
    return pl.concat(parts).group_by("node", "root").agg(pl.col("w").sum())


def _keyed(roots: pl.DataFrame, by: str) -> pl.DataFrame:
    """``roots`` (node, id, org, ...) with the level's ``key``."""
    if by == "root":
        return roots.with_columns(pl.col("id").alias("key"))
    if by == "org":
        return roots.with_columns(pl.col("org").alias("key"))
    table = org_countries() if by == "country" else namespace_developers()
    curated = pl.DataFrame({"lorg": list(table), "value": list(table.values())})
    fallback = pl.lit("unknown") if by == "country" else pl.col("org")
    return (
        roots.with_columns(pl.col("org").str.to_lowercase().alias("lorg"))
        .join(curated, on="lorg", how="left")
        .with_columns(pl.coalesce("value", fallback).alias("key"))
    )


def report(path: str, by: str) -> tuple[list[tuple[str, float, int]], float]:
    """(key, credit, models) rows and the denominator."""
    models = _models(path)
    stubs, edges = _graph(models)
    edges = _without_cycles(models, stubs, edges)
    shares = _root_shares(edges)
    stub_roots = stubs.select(
        "node", "id", pl.col("id").str.split("/").list.first().alias("org"), dl=pl.lit(0.0)
    )
    roots = _keyed(
        pl.concat(
            [
                models.join(edges.select(pl.col("c").alias("node")), on="node", how="anti")
                .select("node", "id", "org", "dl"),
                stub_roots,
            ]
        ),
        by,
    )  # fmt: skip
    own = roots.group_by("key").agg(  # a root's own downloads, and itself unless a stub
        pl.col("dl").sum().alias("value"), (pl.col("node") < len(models)).sum().alias("models")
    )
    below = (
        shares.join(models.select("node", "dl"), on="node")
        .join(roots.select(pl.col("node").alias("root"), "key"), on="root")
        .group_by("key", "node")  # a model counts once under each key
        .agg((pl.col("dl") * pl.col("w")).sum().alias("value"))
        .group_by("key")
        .agg(pl.col("value").sum(), pl.len().alias("models"))
    )
    credit = (
        pl.concat([own, below.cast({"models": pl.UInt32})])
        .group_by("key")
        .agg(pl.col("value").sum(), pl.col("models").sum())
    )
    return list(credit.iter_rows()), float(models["dl"].sum())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "Polars peer")
    rows, total = report(args.snapshot, args.by)
    print_report(rows, total, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
