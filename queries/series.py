"""Monthly time series: new uploads (or any metric) per month, by family or country."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.queries.attribution import _check, credit_by_key, level_codes, metric_values
from hflineage.queries.window import Window

__all__ = ["MonthlySeries", "monthly_series"]


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
        return [
            [100.0 * v / t if t else 0.0 for v, t in zip(row, self.totals, strict=True)]
            for row in self.values
        ]

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


def monthly_series(
    graph: LineageGraph,
    *,
    by: str = "family",
    view: str = "lineage",
    metric: str = "uploads",
    policy: str = "split",
    window: Window | None = None,
    top: int = 10,
) -> MonthlySeries:
    """Per-month credit of the ``top`` keys (the rest summed as ``other keys``).

    Months come from ``createdAt``; models with the placeholder or no date are left out
    and counted in ``meta['excluded']``.
    """
    _check(view, policy, by)
    window = window or Window()
    values = metric_values(graph, metric)
    mask, excluded = window.mask(graph)
    created = graph.created_at
    placeholder = created == PLACEHOLDER_CREATED_AT
    missing = np.isnat(created)
    if window.is_open:
        excluded = {
            "placeholder_created_at": int((placeholder & mask).sum()),
            "missing_created_at": int((missing & mask).sum()),
        }
        mask = mask & ~placeholder & ~missing
    months = created.astype("datetime64[M]")
    codes, names = level_codes(graph, by)
    present = np.unique(months[mask])
    per_month: list[np.ndarray] = []
    for m in present:
        mm = mask & (months == m)
        if view == "lineage":
            credit, _ = credit_by_key(graph, values, mm, codes, len(names), policy)  # type: ignore[arg-type]
        else:
            credit = np.bincount(codes[mm], weights=values[mm], minlength=len(names))
        per_month.append(credit)
    mat = np.stack(per_month, axis=1) if per_month else np.zeros((len(names), 0))
    totals = mat.sum(axis=0)
    order = np.argsort(-mat.sum(axis=1), kind="stable")
    keep = [int(i) for i in order[:top] if mat[i].sum() > 0]
    keys = [names[i] for i in keep]
    rows = [mat[i].tolist() for i in keep]
    rest = np.setdiff1d(np.arange(len(names)), keep)
    if len(rest) and mat[rest].sum() > 0:
        keys.append("other keys")
        rows.append(mat[rest].sum(axis=0).tolist())
    return MonthlySeries(
        months=[str(m) for m in present],
        keys=keys,
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
