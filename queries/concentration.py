"""Concentration of a distribution of credit: HHI and Gini."""

from __future__ import annotations

import numpy as np

__all__ = ["gini", "hhi"]


def hhi(values: np.ndarray | list[float]) -> float:
    """Herfindahl-Hirschman index on shares in percent (0..10,000).

    >>> hhi([50, 50])
    5000.0
    """
    v = np.asarray(values, dtype=np.float64)
    total = v.sum()
    if total <= 0:
        return 0.0
    # The sum of squared shares, 100 * v / total: no array of shares is made.
    return float(np.dot(v, v) * 10_000.0 / (total * total))


def gini(values: np.ndarray | list[float]) -> float:
    """Gini coefficient (0 = equal, towards 1 = concentrated in one key).

    >>> round(gini([1, 1, 1, 1]), 6)
    0.0
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    total = v.sum()
    if n == 0 or total <= 0:
        return 0.0
    cum = np.cumsum(v, out=v)  # in place: ``v`` is this function's own sorted copy
    cum /= total
    return float((n + 1 - 2 * cum.sum()) / n)
