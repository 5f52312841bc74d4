"""What the peer reports share: the curated tables read as data, the id pattern, the rename
rule, the cycle rule on the few edges left on cycles, and the output.

The peers (``duckdb_report.py``, ``polars_report.py``) are written the way a data engineer
would write the report against the hub-stats dump in an afternoon: the bulk work in the
engine, plain Python for the handful of renamed ids and cyclic edges. They read the tool's
curated CSV files (``graph/data``) as data and nothing else of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import networkx as nx

DATA = Path(__file__).resolve().parents[2] / "graph" / "data"
LEVELS = ("root", "org", "developer", "country")
UNKNOWN_COUNTRY = "unknown"

#: A Hub repo id: an optional namespace and a name (RE2 and Python alike).
_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
ID_PATTERN = rf"^(?:{_PART}/)?{_PART}$"
URL_PREFIX = r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:models/)?"
TREE_SUFFIX = r"/(?:tree|blob|resolve)/.*$"
#: Parent sources, most trusted first (their position is the source code).
SOURCES = ("hub", "tag", "card")


def _rows(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def org_countries() -> dict[str, str]:
    """Lower-case org -> country (``graph/data/orgs.csv``)."""
    return {r["org"].strip().lower(): r["country"].strip() for r in _rows("orgs.csv")}


def namespace_developers() -> dict[str, str]:
    """Lower-case namespace -> developer (``graph/data/developers.csv``)."""
    return {r["namespace"].strip().lower(): r["developer"].strip() for r in _rows("developers.csv")}


@dataclass(frozen=True)
class Aliases:
    """Old id -> current id and old org -> current org (``graph/data/aliases.csv``)."""

    ids: dict[str, str]
    orgs: dict[str, str]

    @classmethod
    def load(cls) -> Aliases:
        ids: dict[str, str] = {}
        orgs: dict[str, str] = {}
        for r in _rows("aliases.csv"):
            old, new = r["old_id"].strip(), r["new_id"].strip()
            if old.endswith("/*") and new.endswith("/*"):
                orgs[old[:-2].lower()] = new[:-2]
            else:
                ids[old.lower()] = new
        return cls(ids, orgs)

    def named_ids(self) -> set[str]:
        """Lower-case ids the table names, old or current (``names`` without the orgs)."""
        return set(self.ids) | {v.lower() for v in self.ids.values()}

    def named_orgs(self) -> set[str]:
        """Lower-case orgs the table names, old or current."""
        return set(self.orgs) | {v.lower() for v in self.orgs.values()}

    def pattern(self) -> str:
        """A regex (RE2 and Rust alike) matching the lower-case ids ``names`` accepts."""
        ids = "|".join(re.escape(i) for i in sorted(self.named_ids()))
        orgs = "|".join(re.escape(o) for o in sorted(self.named_orgs()))
        return f"^(?:{ids})$|^(?:{orgs})/"

    def names(self, lower_id: str) -> bool:
        """The table names this id, as an old or a current one."""
        if lower_id in self.named_ids():
            return True
        org, sep, _ = lower_id.partition("/")
        return bool(sep) and org in self.named_orgs()

    def current(self, model_id: str) -> str | None:
        new = self.ids.get(model_id.lower())
        if new is not None:
            return new
        org, sep, name = model_id.partition("/")
        new_org = self.orgs.get(org.lower()) if sep else None
        return f"{new_org}/{name}" if new_org else None

    def former(self, model_id: str) -> str | None:
        key = model_id.lower()
        old = [o for o, n in self.ids.items() if n.lower() == key]
        org, sep, name = model_id.partition("/")
        if sep:
            old += [f"{o}/{name}" for o, n in self.orgs.items() if n.lower() == org.lower()]
        return old[0] if old else None


@dataclass(frozen=True)
class Renamed:
    """Where a parent id that names no model goes: a model row, or a stub (key, spelling)."""

    row: int | None
    stub_key: str
    stub_spelling: str | None  # None: the stub keeps its first declared spelling


def resolve_renames(
    absent: dict[str, str], rows_of: Callable[[list[str]], dict[str, int]]
) -> dict[str, Renamed]:
    """The rename rule for parent ids that name no model (``absent``: lower id -> first
    spelling). ``rows_of`` maps lower-case ids to model rows (those that are models).

    A parent resolves to the current id's model, else to the old id's model when the
    parent is spelled with the current id, else to one stub spelled as the current id.
    """
    aliases = Aliases.load()
    hits = {low: spelled for low, spelled in absent.items() if aliases.names(low)}
    current = {low: aliases.current(s) or s for low, s in hits.items()}
    former = {low: aliases.former(s) for low, s in hits.items()}
    wanted = [c.lower() for c in current.values()] + [f.lower() for f in former.values() if f]
    rows = rows_of(sorted(set(wanted)))
    out: dict[str, Renamed] = {}
    for low, spelled in hits.items():
        cur, old = current[low], former[low]
        if cur.lower() in rows:
            out[low] = Renamed(rows[cur.lower()], cur.lower(), None)
        elif old is not None and old.lower() in rows:
            out[low] = Renamed(rows[old.lower()], old.lower(), None)
        elif cur != spelled:
            out[low] = Renamed(None, cur.lower(), cur)
    return out


def edges_to_break(
    edges: Iterable[tuple[int, int, int, int, datetime | None, str, str]],
) -> list[int]:
    """The cycle rule: in every strongly connected component remove one edge, the one from
    the least trusted source, then with the newest parent (unknown dates newest), then the
    largest (child id, parent id) lower-cased; until no cycle is left.

    ``edges``: (edge id, child, parent, source code, parent's createdAt, child lower id,
    parent lower id) for the edges among the nodes a topological peel could not order.
    """
    far = datetime(9999, 12, 31)
    graph = nx.DiGraph()
    for eid, c, p, src, created, lc, lp in edges:
        graph.add_edge(c, p, eid=eid, key=(src, created or far, lc, lp))
    removed: list[int] = []
    while True:
        comps = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
        if not comps:
            return removed
        for comp in comps:
            inside = graph.subgraph(comp).edges(data=True)
            c, p, data = max(inside, key=lambda e: e[2]["key"])
            removed.append(data["eid"])
            graph.remove_edge(c, p)


def parse_args(argv: list[str] | None, what: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=f"{what}: 30-day downloads credited to roots")
    ap.add_argument("snapshot", help="a hub-stats models.parquet")
    ap.add_argument("--by", choices=LEVELS, default="country")
    ap.add_argument("--top", type=int, default=20, help="rows shown (the rest summed in meta)")
    return ap.parse_args(argv)


def print_report(credit: Iterable[tuple[str, float, int]], denominator: float, top: int) -> None:
    """Rows as ``hf-lineage report --format json`` prints them: largest first, ties by key,
    the first ``top`` shown and the rest summed in ``meta.rest``."""
    rows = sorted(
        ((k, float(v), int(m)) for k, v, m in credit if v > 0 or m > 0),
        key=lambda r: (-r[1], r[0]),
    )

    def share(v: float) -> float:
        return 100.0 * v / denominator if denominator else 0.0

    meta: dict[str, object] = {"denominator": denominator, "rows_total": len(rows)}
    if len(rows) > top:
        rest = sum(v for _, v, _ in rows[top:])
        meta["rest"] = {"keys": len(rows) - top, "value": rest, "share": share(rest)}
    out = {
        "rows": [{"key": k, "value": v, "share": share(v), "models": m} for k, v, m in rows[:top]],
        "meta": meta,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
