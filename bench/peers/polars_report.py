#!/usr/bin/env python3
"""The lineage report in Polars, straight from a hub-stats parquet.

``python bench/peers/polars_report.py MODELS.parquet --by country|org|developer|root``

Prints the rows ``hf-lineage report --by LEVEL --format json`` prints (30-day downloads,
lineage view, split merges), by the tool's rules (see ``duckdb_report.py``): a lazy scan of
the needed columns, declarations exploded and resolved with joins, a topological peel by
iterative joins (cycles broken by the tool's rule where it stalls), and root shares carried
down one path step per join.
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
    """Valid ids, a repeated id (case-insensitive) keeping its first row."""
    scan = pl.scan_parquet(path).select(
        "id",
        "author",
        "createdAt",
        "downloads",
        "cardData",
        pl.col("tags").list.eval(pl.element().filter(pl.element().str.starts_with("base_model:"))),
        pl.col("baseModels")
        .struct.field("models")
        .list.eval(pl.element().struct.field("id"))
        .alias("hub"),
    )
    return (
        scan.filter(pl.col("id").is_not_null())
        .with_columns(_norm_id(pl.col("id")).alias("id"))
        .filter(_is_id(pl.col("id")))
        .with_columns(pl.col("id").str.to_lowercase().alias("lid"))
        .filter(pl.col("lid").is_first_distinct())
        .with_row_index("node")
        .with_columns(
            pl.col("node").cast(pl.Int64),
            pl.coalesce("author", pl.col("id").str.split("/").list.first()).alias("org"),
            pl.col("createdAt").cast(pl.Datetime("us")).dt.truncate("1s").alias("created"),
            pl.col("downloads").fill_null(0).clip(lower_bound=0).cast(pl.Float64).alias("dl"),
        )
        .collect()
    )


def _exploded(models: pl.DataFrame, column: str, src: int) -> pl.DataFrame:
    """(child, source, position, id as declared) for every entry of a list column."""
    return (
        models.select("node", column)
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


def _tags(models: pl.DataFrame) -> pl.DataFrame:
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


def _card_parents(text: str | None) -> list[str]:
    """The card's ``base_model`` (a string or a list of strings): JSON, else YAML."""
    if not text or "base_model" not in text:
        return []
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
    """Valid declarations of every source; cards are read only for models without others."""
    better = pl.concat([_exploded(models, "hub", 0), _tags(models)])
    better = _valid(better)
    rest = models.join(better.select(pl.col("c").alias("node")).unique(), on="node", how="anti")
    cards = rest.filter(pl.col("cardData").str.contains("base_model", literal=True)).select(
        "node",
        pl.col("cardData")
        .map_elements(_card_parents, return_dtype=pl.List(pl.String))
        .alias("card"),
    )
    return pl.concat([better, _valid(_exploded(cards, "card", 2))])


def _valid(decl: pl.DataFrame) -> pl.DataFrame:
    return (
        decl.filter(pl.col("raw").is_not_null())
        .with_columns(_norm_id(pl.col("raw")).alias("pid"))
        .filter(_is_id(pl.col("pid")))
        .with_columns(pl.col("pid").str.to_lowercase().alias("lpid"))
        .drop("raw")
    )


def _renamed(models: pl.DataFrame, decl: pl.DataFrame) -> pl.DataFrame:
    """The alias table applied to the distinct parent ids that name no model."""
    absent = (
        decl.join(models.select(pl.col("lid").alias("lpid")), on="lpid", how="anti")
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
    """(nodes, edges): models then stubs; edges from each child's most trusted source."""
    decl = _declarations(models)
    best = decl.group_by("c").agg(pl.col("src").min())
    chosen = decl.join(best, on=["c", "src"]).join(
        models.select(pl.col("lid").alias("lpid"), pl.col("node").alias("p")),
        on="lpid",
        how="left",
    )
    renamed = _renamed(models, decl)
    chosen = chosen.join(renamed, on="lpid", how="left").with_columns(
        pl.coalesce("p", "row").alias("p"), pl.coalesce("stub_key", "lpid").alias("key")
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
    nodes = pl.concat(
        [
            models.select("node", "id", "lid", "org", "created", "dl", pl.lit(False).alias("stub")),
            stubs.select(
                "node",
                "id",
                pl.col("key").alias("lid"),
                pl.col("id").str.split("/").list.first().alias("org"),
                pl.lit(None, pl.Datetime("us")).alias("created"),
                pl.lit(0.0).alias("dl"),
                pl.lit(True).alias("stub"),
            ),
        ]
    )
    return nodes, edges


def _without_cycles(nodes: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Edges left once the cycle rule has run where a topological peel stalls."""
    done = nodes.join(edges.select(pl.col("c").alias("node")), on="node", how="anti")["node"]
    waiting = edges.select(pl.col("c").alias("node")).unique()
    while len(waiting):
        pending = waiting.join(edges, left_on="node", right_on="c", how="left")
        ready = (
            pending.with_columns(pl.col("p").is_in(done.implode()).alias("ok"))
            .group_by("node")
            .agg((pl.col("ok") | pl.col("p").is_null()).all())
            .filter(pl.col("ok"))["node"]
        )
        if len(ready):
            done = pl.concat([done, ready])
            waiting = waiting.filter(~pl.col("node").is_in(ready.implode()))
            continue
        inside = waiting["node"].implode()
        stuck = (
            edges.filter(pl.col("c").is_in(inside) & pl.col("p").is_in(inside))
            .join(nodes.select(pl.col("node").alias("c"), pl.col("lid").alias("lc")), on="c")
            .join(nodes.select(pl.col("node").alias("p"), "created", "lid"), on="p")
            .select("eid", "c", "p", "src", "created", "lc", "lid")
        )
        broken = edges_to_break(stuck.iter_rows())
        edges = edges.filter(~pl.col("eid").is_in(broken))
    return edges


def _root_shares(nodes: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """(node, root, w): each root's share of a node's credit, one path step per join."""
    step = edges.join(edges.group_by("c").agg(pl.len().alias("k")), on="c").select(
        "c", "p", (1.0 / pl.col("k")).alias("f")
    )
    paths = nodes.join(edges.select(pl.col("c").alias("node")), on="node", how="anti").select(
        "node", pl.col("node").alias("root"), pl.lit(1.0).alias("w")
    )
    parts = [paths]
    while len(paths):
        paths = (
            step.join(paths, left_on="p", right_on="node")
            .group_by("c", "root")
            .agg((pl.col("w") * pl.col("f")).sum())
            .rename({"c": "node"})
        )
        parts.append(paths)
    return pl.concat(parts).group_by("node", "root").agg(pl.col("w").sum())


def _keys(nodes: pl.DataFrame, by: str) -> pl.DataFrame:
    """(node, key): the level's key of every node (applied to roots)."""
    if by == "root":
        return nodes.select("node", pl.col("id").alias("key"))
    if by == "org":
        return nodes.select("node", pl.col("org").alias("key"))
    table = org_countries() if by == "country" else namespace_developers()
    curated = pl.DataFrame({"lorg": list(table), "value": list(table.values())})
    fallback = pl.lit("unknown") if by == "country" else pl.col("org")
    return (
        nodes.with_columns(pl.col("org").str.to_lowercase().alias("lorg"))
        .join(curated, on="lorg", how="left")
        .select("node", pl.coalesce("value", fallback).alias("key"))
    )


def report(path: str, by: str) -> tuple[list[tuple[str, float, int]], float]:
    """(key, credit, models) rows and the denominator."""
    models = _models(path)
    nodes, edges = _graph(models)
    edges = _without_cycles(nodes, edges)
    shares = _root_shares(nodes, edges)
    counted = nodes.filter(~pl.col("stub")).select("node", "dl")
    credit = (
        shares.join(counted, on="node")
        .join(_keys(nodes, by).rename({"node": "root"}), on="root")
        .group_by("key")
        .agg((pl.col("dl") * pl.col("w")).sum().alias("value"), pl.col("node").n_unique())
    )
    return list(credit.iter_rows()), float(counted["dl"].sum())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, "Polars peer")
    rows, total = report(args.snapshot, args.by)
    print_report(rows, total, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
