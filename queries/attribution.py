"""Attribution: credit downstream metrics back to roots, families, orgs and countries.

Two views (README.md, "Attribution rules"): ``lineage`` credits each model's roots'
developers (the study's "derived" view); ``uploader`` credits whoever uploaded the repo (the
"direct" view).
Merge policies: ``split`` divides a model's credit equally among its parents at every step
(so each model's credit sums to 1), ``full`` gives every root full credit, ``first`` follows
the first listed parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypedDict, overload

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.errors import QueryError
from hflineage.graph import LineageGraph, MergePolicy
from hflineage.graph.keynames import names_isin
from hflineage.graph.taxonomy import UNCURATED_DEVELOPER_RULE, UNKNOWN_COUNTRY
from hflineage.loaders._sorting import reaching_top, sorted_unique
from hflineage.queries.choices import (
    LEVELS,
    METRICS,
    Level,
    Metric,
    View,
    as_level,
    as_metric,
    check_choices,
)
from hflineage.queries.concentration import gini, hhi
from hflineage.queries.gaps import WHY_UNKNOWN, level_gaps, metric_gaps, window_gaps
from hflineage.queries.window import Window

pc = lazy_module("pyarrow.compute")

#: Up to this many ranked keys are sorted in Python (a report's usual top rows); more by Arrow.
_FEW_KEYS = 256

__all__ = [
    "LEVELS",
    "METRICS",
    "Attribution",
    "AttributionMeta",
    "AttributionRow",
    "attribute",
    "attribute_values",
    "credit_by_key",
    "level_codes",
    "metric_values",
]


class WindowMeta(TypedDict):
    """The ``createdAt`` window an attribution counted."""

    since: str | None
    until: str | None
    description: str


class ConcentrationMeta(TypedDict):
    """HHI and Gini over every key with credit."""

    hhi: float
    gini: float
    keys: int
    note: str


class RestMeta(TypedDict):
    """The keys left out of the rows shown, summed."""

    keys: int
    value: float
    share: float


class AttributionMeta(TypedDict, total=False):
    """What an attribution computed (``Attribution.meta``, the JSON ``meta``).

    Every attribution states the keys from ``level`` to ``warnings``; the others appear when
    they apply (``developers`` for ``by='developer'``, ``unknown`` for ``by='country'``,
    ``rest`` when rows were cut) or are added by the report that made it (period reports:
    ``period``, ``not_in_graph``, ``first_year``; the CLI: ``store``).
    """

    level: Level
    view: View
    metric: str
    metric_description: str
    policy: str
    window: WindowMeta
    denominator: float
    denominator_description: str
    models_counted: int
    excluded: dict[str, int]
    shares_sum_to: float
    rows_total: int
    concentration: ConcentrationMeta
    validation: dict[str, Any]
    warnings: list[str]
    developers: dict[str, Any]
    unknown: dict[str, Any]
    rest: RestMeta
    period: dict[str, Any]
    not_in_graph: dict[str, object]
    first_year: dict[str, Any]
    store: str


@dataclass(frozen=True, slots=True)
class AttributionRow:
    """One key's credit: ``share`` is in percent of the denominator."""

    key: str
    value: float
    share: float
    models: int


@dataclass
class Attribution:
    """Rows sorted by value (largest first) and the statement of what was computed."""

    rows: list[AttributionRow]
    meta: AttributionMeta = field(default_factory=AttributionMeta)

    def as_dict(self) -> dict[str, object]:
        """The JSON contract: ``rows`` (key, value, share, models) and ``meta``."""
        return {
            "rows": [
                {"key": r.key, "value": r.value, "share": r.share, "models": r.models}
                for r in self.rows
            ],
            "meta": self.meta,
        }

    def top(self, n: int) -> Attribution:
        """The first ``n`` rows; the rest is summed in ``meta['rest']``."""
        if len(self.rows) <= n:
            return self
        rest = self.rows[n:]
        meta = self.meta.copy()
        extra = meta.get("rest", RestMeta(keys=0, value=0.0, share=0.0))
        meta["rest"] = RestMeta(
            keys=len(rest) + extra["keys"],
            value=float(sum(r.value for r in rest)) + extra["value"],
            share=float(sum(r.share for r in rest)) + extra["share"],
        )
        return Attribution(self.rows[:n], meta)


def metric_values(graph: LineageGraph, metric: Metric) -> np.ndarray:
    """Per-node values of a metric (float64)."""
    metric = as_metric(metric)  # an unchecked caller may pass any string
    if metric == "downloads":
        return graph.downloads.astype(np.float64)
    if metric == "downloads_all_time":
        return graph.downloads_all_time.astype(np.float64)
    if metric == "likes":
        return graph.likes.astype(np.float64)
    return (~graph.stub).astype(np.float64)  # uploads: one per model


class _NodeIds(Sequence[str]):
    """Node ids looked up one at a time: no list of every id on the whole Hub."""

    def __init__(self, graph: LineageGraph) -> None:
        self._graph = graph

    def __len__(self) -> int:
        return self._graph.n

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return self._graph.ids_of(range(self._graph.n)[index])
        if not -self._graph.n <= index < self._graph.n:
            raise IndexError(index)
        return self._graph.id_of(index % self._graph.n)

    def take(self, nodes: np.ndarray) -> list[str]:
        """The ids of some nodes, in the order given, looked up in one go."""
        return self._graph.ids_of(nodes)


def level_codes(graph: LineageGraph, level: Level) -> tuple[np.ndarray, Sequence[str]]:
    """Per-node key codes and key names for a level (applied to a root in the lineage view).

    At the root level the keys are the nodes themselves, their ids looked up one at a time
    (no list of every id on the whole Hub).
    """
    level = as_level(level)  # an unchecked caller may pass any string
    if level == "root":
        return np.arange(graph.n, dtype=np.int64), _NodeIds(graph)
    if level == "family":
        return graph.root_family_codes
    if level == "org":
        return graph.org_codes
    if level == "developer":
        return graph.developer_codes
    return graph.country_codes


def _prefix(mask: np.ndarray) -> int | None:
    """The length of ``mask``'s leading run of True when nothing after it is True, else None.

    >>> _prefix(np.array([True, True, False])), _prefix(np.array([True, False, True]))
    (2, None)
    """
    if not len(mask):
        return 0
    end = int(np.argmin(mask))  # the first False, or 0 when there is none
    if mask[end]:
        return len(mask)
    return None if mask[end:].any() else end


def credit_by_key(
    graph: LineageGraph,
    values: np.ndarray,
    mask: np.ndarray,
    codes: np.ndarray | None,
    n_keys: int,
    policy: MergePolicy,
    view: View = "lineage",
) -> tuple[np.ndarray, np.ndarray]:
    """Credit per key code, and the number of models crediting each key.

    Args:
        values: per-node figures; mask: the nodes counted.
        codes: per-node key codes (of a root, in the lineage view), below ``n_keys``;
            ``None``: every node is its own key (the root level; ``n_keys`` is ``graph.n``).
        policy: how a merge's credit goes to its roots (lineage view).
        view: ``lineage`` credits each node's roots' keys; ``uploader`` the node's own.
    """
    if view == "uploader":
        own = np.flatnonzero(mask) if codes is None else codes[mask]
        credit = np.bincount(own, weights=values[mask], minlength=n_keys)
        return credit, np.bincount(own, minlength=n_keys).astype(np.int64)
    rs = graph.root_sets(policy)
    n = graph.n
    size = n + rs.n_combos
    kept = _prefix(mask)
    if kept is not None:  # the common case (all but the stubs, which come last): no copies
        of, counted = rs.of_node[:kept], values[:kept]
    else:
        of, counted = rs.of_node[mask], values[mask]
    s = np.bincount(of, weights=counted, minlength=size)
    c = np.bincount(of, minlength=size)
    if codes is None:  # each node its own key: the sums are the credits (s, c are scratch)
        credit, models = s[:n], c[:n]
    else:
        credit = np.bincount(codes, weights=s[:n], minlength=n_keys)
        models = np.bincount(codes, weights=c[:n], minlength=n_keys).astype(np.int64)
    combo, roots, weights = rs.flat_combos
    if len(combo):
        keys = roots if codes is None else codes[roots]
        _add_by_key(credit, keys, s[n + combo] * weights)
        # A merge counts once for each distinct key among its roots.
        pairs = sorted_unique(combo * n_keys + keys)
        _add_by_key(models, pairs % n_keys, c[n + pairs // n_keys])
    return credit, models


def _add_by_key(total: np.ndarray, keys: np.ndarray, amounts: np.ndarray) -> None:
    """``total += np.bincount(keys, weights=amounts, minlength=len(total))``, touching only
    the keys given.

    Merges reach a few thousand keys; at the root level ``total`` has one key per node, and
    a dense bincount would allocate and add millions of zeros. Each key's amounts are summed
    in the order given, as bincount sums them, so the result is bit for bit the same.
    """
    present = sorted_unique(keys)
    sums = np.bincount(np.searchsorted(present, keys), weights=amounts, minlength=len(present))
    total[present] += sums.astype(total.dtype, copy=False)


def attribute(
    graph: LineageGraph,
    *,
    by: Level = "family",
    view: View = "lineage",
    metric: Metric = "downloads",
    policy: MergePolicy = "split",
    window: Window | None = None,
    top: int | None = None,
) -> Attribution:
    """Credit a metric to keys of a level.

    Args:
        graph: the lineage graph.
        by: ``root``, ``family``, ``org``, ``developer`` or ``country``.
        view: ``lineage`` (credit the roots' developers) or ``uploader``.
        metric: ``downloads`` (30-day), ``downloads_all_time``, ``uploads`` or ``likes``.
        policy: merge policy (``split``, ``full``, ``first``); lineage view only.
        window: models counted, by ``createdAt`` month.
        top: keep only the ``top`` largest rows (the rest is summed in ``meta['rest']``).

    Returns:
        Rows sorted by value; shares in percent of the denominator (the metric summed over
        the counted models). Under ``full`` shares can add up to more than 100.
    """
    view, policy, by = check_choices(view=view, policy=policy, by=by)
    metric = as_metric(metric)
    values = metric_values(graph, metric)
    return attribute_values(
        graph,
        values,
        metric=metric,
        metric_description=METRICS[metric],
        by=by,
        view=view,
        policy=policy,
        window=window,
        top=top,
        warnings=metric_gaps(graph, metric),
    )


def attribute_values(
    graph: LineageGraph,
    values: np.ndarray,
    *,
    metric: str,
    metric_description: str,
    counted: np.ndarray | None = None,
    by: Level = "family",
    view: View = "lineage",
    policy: MergePolicy = "split",
    window: Window | None = None,
    top: int | None = None,
    warnings: Sequence[str] = (),
) -> Attribution:
    """Credit per-node figures to keys of a level, as :func:`attribute` credits a metric.

    For figures that are not one of the graph's own metrics (downloads over a period, in a
    model's first year ...): the same credit, row order, denominator and ``meta``.

    Args:
        values: a figure per node (float64, aligned with the graph's nodes).
        metric, metric_description: what the figures are, for ``meta``.
        counted: the nodes that have a figure (default: every node); a node counts when it
            has one and falls in the window.
        warnings: what the caller found missing in the figures (``meta['warnings']``).
        by, view, policy, window, top: as in :func:`attribute`.
    """
    view, policy, by = check_choices(view=view, policy=policy, by=by)
    if len(values) != graph.n:
        raise QueryError(
            f"values have {len(values)} entries, the graph {graph.n} nodes; "
            "give one figure per node"
        )
    window = window or Window()
    in_window, excluded = window.mask(graph)
    warnings = [*warnings, *window_gaps(graph, window, in_window, excluded)]
    mask = in_window if counted is None else in_window & counted
    codes: np.ndarray | None
    names: Sequence[str]
    if by == "root":  # the keys are the nodes themselves: no codes to work out
        codes, names = None, _NodeIds(graph)
    elif view == "lineage":
        # The key codes (Arrow work, outside the GIL) and the root sets (numpy, and Python
        # for merges) do not depend on each other: they are worked out side by side.
        with ThreadPoolExecutor(max_workers=1) as pool:
            level = pool.submit(level_codes, graph, by)
            graph.root_sets(policy)
            codes, names = level.result()
    else:
        codes, names = level_codes(graph, by)
    credit, models = credit_by_key(graph, values, mask, codes, len(names), policy, view)
    denominator = float(values.sum() if mask.all() else values[mask].sum())
    # Every key with credit has a model crediting it, so the keys with models are all of them.
    nz = np.flatnonzero(models > 0)
    all_values = credit[nz]
    order = _ranked(nz, all_values, names, top)
    rows = _rows(order, names, credit, models, denominator)
    meta: AttributionMeta = {
        "level": by,
        "view": view,
        "metric": metric,
        "metric_description": metric_description,
        "policy": policy if view == "lineage" else "n/a (uploader view)",
        "window": {"since": window.since, "until": window.until, "description": window.describe()},
        "denominator": denominator,
        "denominator_description": f"total {metric} of the {int(mask.sum())} models counted",
        "models_counted": int(mask.sum()),
        "excluded": excluded,
        "shares_sum_to": float(100.0 * all_values.sum() / denominator) if denominator else 0.0,
        "rows_total": len(nz),
        "concentration": ConcentrationMeta(
            hhi=hhi(all_values),
            gini=gini(all_values),
            keys=len(nz),
            note="over every key with credit, not only the rows shown",
        ),
        "validation": graph.validation.as_dict(),
    }
    warnings += level_gaps(by, names, nz)
    meta["warnings"] = warnings
    if by == "developer":
        meta["developers"] = _developer_note(graph, names, nz)
    if by == "country" and UNKNOWN_COUNTRY in names:
        unknown = float(credit[names.index(UNKNOWN_COUNTRY)])
        meta["unknown"] = _unknown_breakdown(graph, values, mask, view, policy, unknown)
    if len(rows) < len(nz):
        in_rest = np.ones(len(nz), dtype=bool)
        in_rest[np.searchsorted(nz, order)] = False  # the rows shown are keys of nz
        rest = float(all_values[in_rest].sum())
        meta["rest"] = RestMeta(
            keys=len(nz) - len(order),
            value=rest,
            share=float(100.0 * rest / denominator) if denominator else 0.0,
        )
    return Attribution(rows, meta)


def _unknown_breakdown(
    graph: LineageGraph,
    values: np.ndarray,
    mask: np.ndarray,
    view: View,
    policy: MergePolicy,
    unknown: float,
) -> dict[str, object]:
    """How much of the ``unknown`` country's credit comes from authors whose kind (user or
    organisation) is not known, from organisations the table lacks, and from accounts the
    Hub no longer has."""
    kinds = len(graph.validation.load.author_kinds)
    out: dict[str, object] = {"value": unknown, "author_kinds_known": kinds}
    if not kinds:  # no sidecar: every unknown author is unclassified
        out.update({WHY_UNKNOWN[1]: unknown, WHY_UNKNOWN[2]: 0.0, WHY_UNKNOWN[3]: 0.0})
        return out
    codes_c, names_c = graph.country_codes
    why = np.where(codes_c == names_c.index(UNKNOWN_COUNTRY), 1, 0).astype(np.int64)
    for code, kind in ((2, "organization"), (3, "missing")):
        named = graph.authors_of_kind(kind)
        if named:
            why[(why > 0) & (graph._org_lookup(named) >= 0)] = code
    credit, _ = credit_by_key(graph, values, mask, why, len(WHY_UNKNOWN), policy, view)
    out.update({name: float(credit[i]) for i, name in enumerate(WHY_UNKNOWN) if i})
    return out


def _developer_note(graph: LineageGraph, names: Sequence[str], nz: np.ndarray) -> dict[str, object]:
    """How ``--by developer`` read the namespaces, and how many keys are not curated."""
    curated = {d.developer for d in graph.taxonomy.developers.values()}
    is_curated = names_isin(names, curated)
    uncurated = int(np.count_nonzero(~is_curated[nz]))
    return {
        "rule": UNCURATED_DEVELOPER_RULE,
        "curated_namespaces": len(graph.taxonomy.developers),
        "keys_from_curated_developers": len(nz) - uncurated,
        "keys_that_are_uncurated_namespaces": uncurated,
    }


def _names_at(names: Sequence[str], keys: np.ndarray) -> list[str]:
    """The names of some key codes, in the order given (node ids are taken in one go)."""
    if isinstance(names, _NodeIds):
        return names.take(keys)
    return [str(names[i]) for i in keys.tolist()]


def _rows(
    order: np.ndarray,
    names: Sequence[str],
    credit: np.ndarray,
    models: np.ndarray,
    denominator: float,
) -> list[AttributionRow]:
    """The rows of the key codes in ``order``: each column is read in one go."""
    value = credit[order]
    share = 100.0 * value / denominator if denominator else np.zeros(len(order))
    return [
        AttributionRow(key=k, value=v, share=s, models=m)
        for k, v, s, m in zip(
            _names_at(names, order),
            value.tolist(),
            share.tolist(),
            models[order].tolist(),
            strict=True,
        )
    ]


def _ranked(
    nz: np.ndarray, nz_credit: np.ndarray, names: Sequence[str], top: int | None
) -> np.ndarray:
    """Key codes ``nz`` (with their credit ``nz_credit``), largest credit first, ties by key
    name; only the first ``top`` if given.

    With ``top``, only the keys whose credit reaches the ``top``-th largest are ranked (a
    partition finds that credit), so their names are the only ones looked up; the order is
    the full ranking's first ``top``. Up to :data:`_FEW_KEYS` keys are sorted in Python,
    more by Arrow, which compares names as UTF-8 bytes: the same order as Python's (by
    code point).
    """
    if top is not None and top <= 0:
        return np.empty(0, dtype=np.int64)
    kept, kept_credit = nz, nz_credit
    if top is not None:
        reach = reaching_top(nz_credit, top)
        kept, kept_credit = nz[reach], nz_credit[reach]
    # Stable sorts: keys of equal credit and name stay in code order.
    if len(kept) <= _FEW_KEYS:  # the usual top rows: no Arrow kernel (nor its import)
        pairs = zip(kept.tolist(), kept_credit.tolist(), _names_at(names, kept), strict=True)
        ordered = sorted(pairs, key=lambda p: (-p[1], p[2]))
        ranked = np.array([code for code, _, _ in ordered], dtype=np.int64)
    else:
        table = pa.table(
            {"credit": kept_credit, "name": pa.array(_names_at(names, kept), pa.string())}
        )
        sort_keys = [("credit", "descending"), ("name", "ascending")]
        ranked = kept[pc.sort_indices(table, sort_keys=sort_keys).to_numpy()]
    return ranked[:top] if top is not None else ranked
