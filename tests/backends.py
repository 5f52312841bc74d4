"""One set of lineage questions, answered by Python or by Cypher on any engine.

:class:`LineageBackend` is the protocol; :class:`PythonBackend` answers from a
:class:`~hflineage.graph.LineageGraph` with this package's Python queries, and
:class:`CypherBackend` runs the shipped query library (``queries/cypher``) on a
:class:`~hflineage.queries.cypher.library.CypherRunner`: the embedded engine or a Bolt server.
The test suite asks every backend the same questions and compares the answers.
"""

from __future__ import annotations

import json
from typing import Protocol

from hflineage.errors import QueryError
from hflineage.graph import LineageGraph
from hflineage.queries.attribution import AttributionRow, attribute
from hflineage.queries.cypher.bolt import FALKORDB_MAX_REQUEST_BYTES
from hflineage.queries.cypher.library import CypherRunner, library_query
from hflineage.queries.lineage import descendants_of, family_summary, roots_of
from hflineage.queries.series import monthly_series
from hflineage.queries.window import Window

__all__ = ["CypherBackend", "LineageBackend", "PythonBackend"]

_ALL_ROWS = 1_000_000_000  # LIMIT of library queries when every row is wanted


class LineageBackend(Protocol):
    """The questions of the query library. Ids are exact Hub ids."""

    name: str

    def descendants(self, model_id: str) -> list[tuple[str, int]]:
        """(descendant, fewest derivation steps), nearest first, then by id."""
        ...

    def roots(self, model_id: str, policy: str = "split") -> list[tuple[str, float]]:
        """(root, weight) under a merge policy, largest weight first."""
        ...

    def family_downloads(
        self, policy: str = "split", window: Window | None = None
    ) -> list[AttributionRow]:
        """30-day downloads credited to root families (lineage view)."""
        ...

    def country_shares(
        self,
        view: str = "lineage",
        metric: str = "downloads",
        policy: str = "split",
        window: Window | None = None,
    ) -> list[AttributionRow]:
        """A metric credited to countries (of the roots' developers, or of the uploaders)."""
        ...

    def top_derivatives(self, model_id: str, limit: int = 10) -> list[tuple[str, int]]:
        """The most downloaded descendants: (model, downloads), ties by id."""
        ...

    def monthly_uploads(
        self, policy: str = "split", window: Window | None = None
    ) -> dict[tuple[str, str], float]:
        """New models per (creation month, root family), placeholder dates left out."""
        ...

    def family_roots(self, family: str, limit: int = 10) -> list[tuple[str, int, int]]:
        """(root, descendants, downloads incl. the root) of a family, most descendants first."""
        ...


def _window_params(window: Window | None) -> dict[str, object]:
    w = window or Window()
    return {"since": w.since or "", "until": w.until or ""}


class PythonBackend:
    """Answers from the in-memory graph with the package's Python queries."""

    name = "python"

    def __init__(self, graph: LineageGraph) -> None:
        """Wrap a lineage graph."""
        self.graph = graph

    def _levels(self, model_id: str) -> dict[int, int]:
        """Descendant node -> fewest derivation steps (breadth-first over children)."""
        g = self.graph
        start = g.node(model_id)
        distance = {start: 0}
        frontier = [start]
        step = 0
        while frontier:
            step += 1
            nxt = []
            for v in frontier:
                for c in g.children(v).tolist():
                    if c not in distance:
                        distance[c] = step
                        nxt.append(c)
            frontier = nxt
        del distance[start]
        found = set(descendants_of(g, model_id))
        if found != {g.ids[v] for v in distance}:  # two walks over one graph must agree
            raise QueryError(f"descendants of {model_id!r} differ between two walks")
        return distance

    def descendants(self, model_id: str) -> list[tuple[str, int]]:
        """``descendants_of``, with each one's distance, nearest first, then by id."""
        ids = self.graph.ids
        levels = self._levels(model_id)
        return sorted(((ids[v], d) for v, d in levels.items()), key=lambda x: (x[1], x[0]))

    def roots(self, model_id: str, policy: str = "split") -> list[tuple[str, float]]:
        """``roots_of``."""
        return roots_of(self.graph, model_id, policy)

    def family_downloads(
        self, policy: str = "split", window: Window | None = None
    ) -> list[AttributionRow]:
        """``attribute(by="family", metric="downloads")``."""
        return attribute(
            self.graph, by="family", metric="downloads", policy=policy, window=window
        ).rows

    def country_shares(
        self,
        view: str = "lineage",
        metric: str = "downloads",
        policy: str = "split",
        window: Window | None = None,
    ) -> list[AttributionRow]:
        """``attribute(by="country")``."""
        return attribute(
            self.graph, by="country", view=view, metric=metric, policy=policy, window=window
        ).rows

    def top_derivatives(self, model_id: str, limit: int = 10) -> list[tuple[str, int]]:
        """Descendants ranked by 30-day downloads, ties by id."""
        g = self.graph
        ranked = sorted(
            ((g.ids[v], int(g.downloads[v])) for v in self._levels(model_id)),
            key=lambda x: (-x[1], x[0]),
        )
        return ranked[:limit]

    def monthly_uploads(
        self, policy: str = "split", window: Window | None = None
    ) -> dict[tuple[str, str], float]:
        """``monthly_series(by="family", metric="uploads")`` as (month, family) -> uploads."""
        series = monthly_series(
            self.graph, by="family", metric="uploads", policy=policy, window=window, top=1_000_000
        )
        return {
            (month, key): value
            for key, values in zip(series.keys, series.values, strict=True)
            for month, value in zip(series.months, values, strict=True)
            if value
        }

    def family_roots(self, family: str, limit: int = 10) -> list[tuple[str, int, int]]:
        """The roots of ``family_summary``."""
        return family_summary(self.graph, family, top=limit).roots


class CypherBackend:
    """Answers by running the query library on a Cypher runner."""

    def __init__(self, runner: CypherRunner) -> None:
        """Wrap a runner (embedded or Bolt)."""
        self.runner = runner
        self.name = runner.dialect

    def _run(self, name: str, **params: object) -> list[tuple[object, ...]]:
        query = library_query(name)
        return self.runner.run(query.text_for(self.runner.dialect), query.bind(params)).rows

    def descendants(self, model_id: str) -> list[tuple[str, int]]:
        """``descendants.cypher`` (a level-by-level walk on FalkorDB, see the module doc)."""
        if self.runner.dialect == "falkordb":
            levels = self._walk(model_id)
            return sorted(((m, d) for m, (d, _) in levels.items()), key=lambda x: (x[1], x[0]))
        return [(str(m), _int(d)) for m, d in self._run("descendants", model_id=model_id)]

    def _walk(self, model_id: str) -> dict[str, tuple[int, int]]:
        """Descendant -> (distance, downloads), walking ``children.cypher`` level by level.

        FalkorDB's variable-length match enumerates every path (it ran past 60 s on one
        model of the real sample), and its requests must stay small, so ids go in chunks.
        """
        seen: dict[str, tuple[int, int]] = {}
        frontier = [model_id]
        step = 0
        while frontier:
            step += 1
            nxt: list[str] = []
            for chunk in _chunks(frontier, FALKORDB_MAX_REQUEST_BYTES - 1_000):
                for _parent, child, _rel, _src, downloads in self._run("children", ids=chunk):
                    c = str(child)
                    if c not in seen and c != model_id:
                        seen[c] = (step, _int(downloads))
                        nxt.append(c)
            frontier = nxt
        return seen

    def roots(self, model_id: str, policy: str = "split") -> list[tuple[str, float]]:
        """``roots.cypher``."""
        rows = self._run("roots", model_id=model_id, policy=policy)
        return [(str(r[0]), _float(r[1])) for r in rows]

    def family_downloads(
        self, policy: str = "split", window: Window | None = None
    ) -> list[AttributionRow]:
        """``family-downloads.cypher``."""
        rows = self._run(
            "family-downloads", policy=policy, limit=_ALL_ROWS, **_window_params(window)
        )
        return [_credit_row(r) for r in rows]

    def country_shares(
        self,
        view: str = "lineage",
        metric: str = "downloads",
        policy: str = "split",
        window: Window | None = None,
    ) -> list[AttributionRow]:
        """``country-shares.cypher``."""
        rows = self._run(
            "country-shares",
            view=view,
            metric=metric,
            policy=policy,
            limit=_ALL_ROWS,
            **_window_params(window),
        )
        return [_credit_row(r) for r in rows]

    def top_derivatives(self, model_id: str, limit: int = 10) -> list[tuple[str, int]]:
        """``top-derivatives.cypher`` (the children walk on FalkorDB)."""
        if self.runner.dialect == "falkordb":
            levels = self._walk(model_id)
            ranked = sorted(((m, dl) for m, (_, dl) in levels.items()), key=lambda x: (-x[1], x[0]))
            return ranked[:limit]
        rows = self._run("top-derivatives", model_id=model_id, limit=limit)
        return [(str(r[0]), _int(r[1])) for r in rows]

    def monthly_uploads(
        self, policy: str = "split", window: Window | None = None
    ) -> dict[tuple[str, str], float]:
        """``monthly-uploads.cypher``."""
        rows = self._run("monthly-uploads", policy=policy, **_window_params(window))
        return {(str(m), str(f)): _float(u) for m, f, u in rows if u}

    def family_roots(self, family: str, limit: int = 10) -> list[tuple[str, int, int]]:
        """``family-roots.cypher``."""
        rows = self._run("family-roots", family=family, limit=limit)
        return [(str(r[0]), _int(r[1]), _int(r[2])) for r in rows]


def _credit_row(row: tuple[object, ...]) -> AttributionRow:
    key, value, share, models = row
    return AttributionRow(
        key=str(key),
        value=_float(value),
        share=_float(share),
        models=_int(models),
    )


def _chunks(ids: list[str], max_bytes: int) -> list[list[str]]:
    """Split ids into lists whose JSON stays under ``max_bytes``."""
    out: list[list[str]] = []
    cur: list[str] = []
    size = 2
    for i in ids:
        n = len(json.dumps(i, ensure_ascii=False).encode()) + 2
        if cur and size + n > max_bytes:
            out.append(cur)
            cur, size = [], 2
        cur.append(i)
        size += n
    if cur:
        out.append(cur)
    return out


def _int(value: object) -> int:
    if isinstance(value, int | float | str):
        return int(value)
    raise QueryError(f"expected a number from the database, got {value!r}")


def _float(value: object) -> float:
    if isinstance(value, int | float | str):
        return float(value)
    raise QueryError(f"expected a number from the database, got {value!r}")
