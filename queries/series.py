"""Monthly time series: new uploads (or any metric) per month, by family or country."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hflineage.graph import LineageGraph
from hflineage.queries.attribution import level_codes, metric_values
from hflineage.queries.choices import Level, MergePolicy, Metric, View, check_choices
from hflineage.queries.window import Window

__all__ = ["MonthlySeries", "monthly_series", "shares_of_totals"]


@dataclass
class MonthlySeries:
    """``values[k][m]``: credit of key ``keys[k]`` in month ``months[m]``."""

    months: list[str]
    keys: list[str]
    values: list[list[float]]
    totals: list[float]
    meta: dict[str, object] = field(default_factory=dict)

    def shares(self) -> list[list[float]]:
        """Per-month shares in percent of that month's total."""
        return shares_of_totals(self.values, self.totals)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "months": self.months,
            "totals": self.totals,
            "series": [
                {"key": k, "values": v, "shares": s}
                for k, v, s in zip(self.keys, self.values, self.shares(), strict=True)
            ],
            "meta": self.meta,
        }


def shares_of_totals(values: list[list[float]], totals: list[float]) -> list[list[float]]:
    """Each row's values in percent of the column totals (0 where a total is 0).

    >>> shares_of_totals([[1.0, 0.0], [3.0, 0.0]], [4.0, 0.0])
    [[25.0, 0.0], [75.0, 0.0]]
    """
    return [
        [100.0 * v / t if t else 0.0 for v, t in zip(row, totals, strict=True)] for row in values
    ]


def monthly_series(
    graph: LineageGraph,
    *,
    by: Level = "family",
    view: View = "lineage",
    metric: Metric = "uploads",
    policy: MergePolicy = "split",
    window: Window | None = None,
    top: int = 10,
) -> MonthlySeries:
    """Per-month credit of the ``top`` keys (the rest summed as ``other keys``).

    Months come from ``createdAt``; models with the placeholder or no date are left out
    and counted in ``meta['excluded']``.
    """
    view, policy, by = check_choices(view=view, policy=policy, by=by)
    window = window or Window()
    values = metric_values(graph, metric)
    mask, excluded = window.mask(graph, dated_only=True)
    months = graph.month()
    codes, names = level_codes(graph, by)
    sel = np.flatnonzero(mask)
    present, month_of = _month_index(months[sel])
    n_months = len(present)
    if view == "lineage":
        parts = _credits(graph, policy, codes, sel, month_of, values[sel])
    else:
        parts = [(codes[sel], month_of, values[sel])]
    # One bincount over (key, month) cells; with many keys (roots), only the keys present.
    row_keys = np.arange(len(names), dtype=np.int64)
    if len(names) * n_months > 4_000_000:
        row_keys = np.unique(np.concatenate([k for k, _, _ in parts]))
        parts = [(np.searchsorted(row_keys, k), m, w) for k, m, w in parts]
    cells = np.zeros(len(row_keys) * n_months, dtype=np.float64)
    for keys, month_idx, weights in parts:
        cells += np.bincount(keys * n_months + month_idx, weights=weights, minlength=len(cells))
    mat = cells.reshape(len(row_keys), n_months)
    totals = mat.sum(axis=0)
    order = np.argsort(-mat.sum(axis=1), kind="stable")
    keep = [int(i) for i in order[:top] if mat[i].sum() > 0]
    keys_out = [names[int(row_keys[i])] for i in keep]
    rows = [mat[i].tolist() for i in keep]
    rest = np.setdiff1d(np.arange(len(row_keys)), keep)
    if len(rest) and mat[rest].sum() > 0:
        keys_out.append("other keys")
        rows.append(mat[rest].sum(axis=0).tolist())
    return MonthlySeries(
        months=[str(m) for m in present],
        keys=keys_out,
        values=rows,
        totals=totals.tolist(),
        meta={
            "level": by,
            "view": view,
            "metric": metric,
            "policy": policy if view == "lineage" else "n/a (uploader view)",
            "window": window.describe(),
            "excluded": excluded,
        },
    )


def _credits(
    graph: LineageGraph,
    policy: MergePolicy,
    codes: np.ndarray,
    nodes: np.ndarray,
    month_of: np.ndarray,
    values: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Lineage-view credit as (key, month, weight) entries: one per node and root it credits.

    A node crediting one root gives one entry; a merge crediting several gives one per root,
    weighted as the merge policy says.
    """
    rs = graph.root_sets(policy)
    n = graph.n
    of = rs.of_node[nodes]
    merged = np.flatnonzero(of >= n)
    # Every node once, keyed by its root's code; merges weigh nothing here and are
    # added root by root below.
    keys = codes.take(of, mode="clip")
    weights = values.copy()
    weights[merged] = 0.0
    out = [(keys, month_of, weights)]
    if len(merged):
        pos, lens = rs.positions(of[merged] - n)
        out.append(
            (
                codes[rs.combo_roots[pos]],
                np.repeat(month_of[merged], lens),
                rs.combo_weights[pos] * np.repeat(values[merged], lens),
            )
        )
    return out


def _month_index(months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct months (sorted) and each value's position among them."""
    if not len(months):
        return months[:0], np.zeros(0, dtype=np.int64)
    m = months.astype(np.int64)
    lo = int(m.min())
    seen = np.bincount(m - lo)
    present = np.flatnonzero(seen)
    slot = np.cumsum(seen > 0) - 1
    return (present + lo).astype(months.dtype), slot[m - lo]
