"""Calibrated confidence of inferred edges: held-out precision per rule and evidence bucket.

Every inferred edge has a rule and an evidence bucket (``repo_suffix`` / ``unique``: the name
minus a quantisation suffix is one known model's name). Its confidence is the precision that
edges of the same rule and bucket reached on held-out data, read from
``graph/data/inference_calibration.csv`` (written by ``python bench/infer_eval.py --fit``).
A bucket measured on fewer than :data:`MIN_SUPPORT` edges keeps the rule's prior, shrunk
toward what was seen.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "CORPUS_CAP",
    "MAX_CONFIDENCE",
    "MIN_SUPPORT",
    "BucketFit",
    "Calibration",
    "default_calibration",
    "fit_calibration",
]

#: Edges a bucket needs before its measured precision replaces the prior outright.
MIN_SUPPORT = 20
#: Within a bucket, a fitting data set weighs at most this many edges.
CORPUS_CAP = 100
#: No name-based edge is stated as certain, however clean its held-out record.
MAX_CONFIDENCE = 0.99
_FIELDS = ("rule", "bucket", "predicted", "correct", "confidence")


@dataclass(frozen=True, slots=True)
class BucketFit:
    """What one (rule, bucket) reached on the fitting data, and the confidence it gets."""

    rule: str
    bucket: str
    predicted: int
    correct: int
    confidence: float


@dataclass(frozen=True)
class Calibration:
    """(rule, bucket) -> fitted confidence; unknown buckets keep their prior."""

    fits: Mapping[tuple[str, str], BucketFit]

    def confidence(self, rule: str, bucket: str, prior: float) -> float:
        """The calibrated confidence of an edge, or ``prior`` when the bucket was not fitted."""
        fit = self.fits.get((rule, bucket))
        return prior if fit is None else fit.confidence

    def write(self, path: Path) -> None:
        """Write the table as CSV (sorted by rule and bucket)."""
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(_FIELDS)
            for key in sorted(self.fits):
                f = self.fits[key]
                w.writerow([f.rule, f.bucket, f.predicted, f.correct, f"{f.confidence:.3f}"])

    @classmethod
    def read(cls, path: Path) -> Calibration:
        """Read a table written by :meth:`write`."""
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return cls(
            {
                (r["rule"], r["bucket"]): BucketFit(
                    r["rule"],
                    r["bucket"],
                    int(r["predicted"]),
                    int(r["correct"]),
                    float(r["confidence"]),
                )
                for r in rows
            }
        )


def fit_calibration(
    outcomes: Iterable[tuple[str, str, bool]],
    priors: Mapping[tuple[str, str], float],
    corpora: Iterable[str] | None = None,
) -> Calibration:
    """Fit confidences from held-out outcomes ``(rule, bucket, correct)``.

    A bucket with ``n`` edges, ``k`` of them right, gets ``(k + p * m) / (n + m)`` with
    ``m = max(0, MIN_SUPPORT - n)`` and ``p`` its prior (0.5 when none): its observed precision
    once it has :data:`MIN_SUPPORT` edges, pulled toward the prior before; at most
    :data:`MAX_CONFIDENCE`.

    ``corpora`` names the data set of each outcome (same order). Within a bucket, a data set
    then weighs at most :data:`CORPUS_CAP` edges, so that the largest one does not decide the
    confidence alone: the fit lands between what each data set saw (the stored counts stay
    the raw ones).

    >>> fit = fit_calibration([("r", "b", True)] * 18 + [("r", "b", False)] * 2, {})
    >>> fit.confidence("r", "b", 0.5)
    0.9
    >>> two = [("r", "b", True)] * 1000 + [("r", "b", False)] * 100
    >>> fit_calibration(two, {}, ["big"] * 1000 + ["small"] * 100).confidence("r", "b", 0.5)
    0.5
    """
    rows = list(outcomes)
    names = [""] * len(rows) if corpora is None else list(corpora)
    if len(names) != len(rows):
        raise ValueError(f"corpora names {len(names)} outcomes, expected {len(rows)}")
    per_set: dict[tuple[str, str], dict[str, list[int]]] = {}
    for (rule, bucket, ok), name in zip(rows, names, strict=True):
        c = per_set.setdefault((rule, bucket), {}).setdefault(name, [0, 0])
        c[0] += 1
        c[1] += int(ok)
    fits = {}
    for (rule, bucket), sets in per_set.items():
        n = sum(c[0] for c in sets.values())
        k = sum(c[1] for c in sets.values())
        weight = {name: min(1.0, CORPUS_CAP / c[0]) for name, c in sets.items()}
        wn = sum(c[0] * weight[name] for name, c in sets.items())
        wk = sum(c[1] * weight[name] for name, c in sets.items())
        p = priors.get((rule, bucket), 0.5)
        m = max(0.0, MIN_SUPPORT - wn)
        conf = min(MAX_CONFIDENCE, (wk + p * m) / (wn + m))
        fits[(rule, bucket)] = BucketFit(rule, bucket, n, k, round(conf, 3))
    return Calibration(fits)


@functools.cache
def default_calibration() -> Calibration:
    """The shipped table (empty when the package carries none)."""
    ref = resources.files("hflineage.graph").joinpath("data/inference_calibration.csv")
    if not ref.is_file():
        return Calibration({})
    with resources.as_file(ref) as path:
        return Calibration.read(path)
