"""Who builds on whom: credit by the uploader's country and the roots' country at once, and
how much of a country's credit comes from its own base models rather than derivatives.

:func:`builds_on` crosses the two views of :func:`~hflineage.queries.attribute`: each counted
model's figure goes to the cell (its uploader's country, its roots' country), split among
its roots by the merge policy. Row sums are the uploader view by country, column sums the
lineage view, and the cells say, for example, how many of the downloads of models uploaded
by US accounts are of models built on Chinese roots.

:func:`base_and_derived` splits each country's lineage credit into what its roots earn
themselves and what models derived from them earn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hflineage.graph import LineageGraph, MergePolicy
from hflineage.queries.attribution import credit_by_key, metric_values
from hflineage.queries.choices import METRICS, Metric, as_metric, as_policy
from hflineage.queries.window import Window

__all__ = ["BaseAndDerived", "CrossCredit", "base_and_derived", "builds_on"]

#: The row or column that sums the keys not shown.
OTHER = "other"


@dataclass
class CrossCredit:
    """Credit per (uploader country, root country): ``values[i][j]`` for ``rows[i]`` (the
    uploader's country) and ``columns[j]`` (the roots' country); shares in percent of
    ``meta['denominator']``."""

    rows: list[str]
    columns: list[str]
    values: list[list[float]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def shares(self) -> list[list[float]]:
        whole = float(self.meta.get("denominator") or 0.0)
        return [[100.0 * v / whole if whole else 0.0 for v in row] for row in self.values]

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract: ``rows``, ``columns``, ``values``, ``shares`` and ``meta``."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "values": self.values,
            "shares": self.shares,
            "meta": self.meta,
        }


def _cross_matrix(
    graph: LineageGraph,
    values: np.ndarray,
    mask: np.ndarray,
    codes: np.ndarray,
    n_keys: int,
    policy: MergePolicy,
) -> np.ndarray:
    """``out[u, r]``: the figures of the counted models whose own key is ``u``, credited to
    their roots' keys ``r`` (the kernel; every node's key in ``codes``, below ``n_keys``)."""
    counted = np.flatnonzero(mask & (values != 0))
    rs = graph.root_sets(policy)
    n = graph.n
    of = rs.of_node[counted]
    own = codes[counted]
    figure = values[counted]
    single = of < n
    out = np.bincount(
        own[single] * n_keys + codes[of[single]], weights=figure[single], minlength=n_keys**2
    ).reshape(n_keys, n_keys)
    if single.all():
        return out
    # Merges: sum each combo's figures per uploader key, then share them among its roots.
    combo_of = of[~single] - n
    used, local = np.unique(combo_of, return_inverse=True)
    per_combo = np.bincount(
        local * n_keys + own[~single], weights=figure[~single], minlength=len(used) * n_keys
    ).reshape(len(used), n_keys)
    combo, roots, weights = rs.flat_combos
    keep = np.isin(combo, used)
    at = np.searchsorted(used, combo[keep])
    credit = per_combo[at] * weights[keep][:, None]  # (entries, uploader keys)
    by_root = np.zeros((n_keys, n_keys))
    np.add.at(by_root, codes[roots[keep]], credit)
    return out + by_root.T


def _counted(
    graph: LineageGraph, metric: Metric, window: Window
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Each node's figure, the nodes the window counts, and what it left out."""
    mask, excluded = window.mask(graph)
    return metric_values(graph, metric), mask, excluded


def _top_keys(totals: np.ndarray, names: list[str], n: int) -> list[int]:
    """Codes of the ``n`` largest keys (ties by name), largest first."""
    nz = [int(i) for i in np.flatnonzero(totals)]
    nz.sort(key=lambda i: (-totals[i], names[i]))
    return nz[:n]


def _fold(matrix: np.ndarray, keep: list[int], axis: int) -> tuple[np.ndarray, bool]:
    """The kept rows (or columns) in order, and one summing the rest when it is not empty."""
    taken = np.take(matrix, keep, axis=axis)
    rest = np.ones(matrix.shape[axis], dtype=bool)
    rest[keep] = False
    left = np.take(matrix, np.flatnonzero(rest), axis=axis).sum(axis=axis, keepdims=True)
    if not left.any():
        return taken, False
    return np.concatenate([taken, left], axis=axis), True


def builds_on(
    graph: LineageGraph,
    *,
    metric: Metric = "downloads",
    policy: MergePolicy = "split",
    window: Window | None = None,
    top: int = 8,
) -> CrossCredit:
    """Credit of a metric by uploader country (rows) and roots' country (columns).

    Args:
        metric: ``downloads`` (30-day), ``downloads_all_time``, ``uploads`` or ``likes``.
        policy: how a merge's credit is shared among its roots.
        window: models counted, by ``createdAt`` month.
        top: countries shown on each axis, largest first; the rest sum to ``other``.
    """
    policy, metric, window = as_policy(policy), as_metric(metric), window or Window()
    values, mask, excluded = _counted(graph, metric, window)
    codes, names_seq = graph.country_codes
    names = list(names_seq)
    matrix = _cross_matrix(graph, values, mask, codes, len(names), policy)
    row_keys = _top_keys(matrix.sum(axis=1), names, top)
    col_keys = _top_keys(matrix.sum(axis=0), names, top)
    shown, more_rows = _fold(matrix, row_keys, axis=0)
    shown, more_cols = _fold(shown, col_keys, axis=1)
    denominator = float(values[mask].sum())
    return CrossCredit(
        rows=[names[i] for i in row_keys] + ([OTHER] if more_rows else []),
        columns=[names[i] for i in col_keys] + ([OTHER] if more_cols else []),
        values=shown.tolist(),
        meta={
            "metric": metric,
            "metric_description": METRICS[metric],
            "policy": policy,
            "window": window.describe(),
            "denominator": denominator,
            "denominator_description": f"total {metric} of the {int(mask.sum())} models counted",
            "models_counted": int(mask.sum()),
            "excluded": excluded,
            "rows_are": "the uploader's country (uploader view)",
            "columns_are": "the roots' country (lineage view)",
            "cells_sum_to": float(matrix.sum()),
        },
    )


@dataclass(frozen=True, slots=True)
class BaseAndDerived:
    """One country's lineage credit: earned by its roots themselves, and by models derived
    from them (``base + derived`` is the country's credit in :func:`attribute`)."""

    country: str
    base: float
    derived: float
    base_models: int
    derived_models: int


def base_and_derived(
    graph: LineageGraph,
    *,
    metric: Metric = "downloads",
    policy: MergePolicy = "split",
    window: Window | None = None,
) -> tuple[list[BaseAndDerived], float]:
    """Each country's lineage credit split into its base models' own and its derivatives',
    largest total first (ties by name), and the denominator (the metric over the models
    counted)."""
    policy, metric, window = as_policy(policy), as_metric(metric), window or Window()
    values, mask, _ = _counted(graph, metric, window)
    codes, names = graph.country_codes
    n_keys = len(names)
    base, base_models = credit_by_key(
        graph, values, mask & graph.is_root, codes, n_keys, policy, "lineage"
    )
    derived, derived_models = credit_by_key(
        graph, values, mask & ~graph.is_root, codes, n_keys, policy, "lineage"
    )
    total = base + derived
    with_models = np.flatnonzero(total + base_models + derived_models).tolist()
    order = sorted(with_models, key=lambda i: (-total[i], names[i]))
    rows = [
        BaseAndDerived(
            country=str(names[i]),
            base=float(base[i]),
            derived=float(derived[i]),
            base_models=int(base_models[i]),
            derived_models=int(derived_models[i]),
        )
        for i in order
    ]
    return rows, float(values[mask].sum())
