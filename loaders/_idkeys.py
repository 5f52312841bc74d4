"""Case-insensitive matching of model ids and declared parents, without a string hash table.

Contract of :meth:`IdKeys.encode` (inputs: the model ids and the declared parent ids, as
spelled, and optionally their :func:`column_fingerprints`):

* ``hashes[i]`` is the fingerprint of model row ``i``'s lower-cased id;
* ``first_row[i]`` is the first row whose id equals row ``i``'s, case-insensitively, or
  ``first_row`` is ``None`` when no id repeats;
* ``parent_row[j]`` is the first model row whose id equals declaration ``j``'s parent,
  case-insensitively, or -1 when no row has it (the parent becomes a stub).

Every match is exact: fingerprints only propose candidates, and the strings decide. Ids
are matched as the loaders normalised them (no trimming or prefix stripping here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.loaders._arrow import lower_chunks, one_array, take_rows
from hflineage.loaders._fingerprints import column_fingerprints, maybe_in

pc = lazy_module("pyarrow.compute")

__all__ = ["IdKeys"]


@dataclass(frozen=True, eq=False)
class IdKeys:
    """Model rows matched to declared parents, and repeated ids (see the module's contract)."""

    hashes: np.ndarray
    parent_row: np.ndarray
    first_row: np.ndarray | None

    @property
    def distinct(self) -> bool:
        """True when no two model rows share an id."""
        return self.first_row is None

    @classmethod
    def encode(
        cls,
        model_id: pa.Array | pa.ChunkedArray,
        parent_id: pa.Array,
        hashes: np.ndarray | None = None,
        parent_hashes: np.ndarray | None = None,
    ) -> IdKeys:
        """Resolve every parent to its model row, and find repeated ids.

        Args:
            model_id: model ids (case kept).
            parent_id: declared parents (case kept).
            hashes, parent_hashes: their fingerprints, when already computed.
        """
        if hashes is None:
            hashes = column_fingerprints(model_id)
        if parent_hashes is None:
            parent_hashes = column_fingerprints(parent_id)
        first_row = _first_rows(model_id, hashes)
        parent_row = np.full(len(parent_hashes), -1, dtype=np.int64)
        if len(hashes) and len(parent_hashes):
            parent_row = _parent_rows(model_id, parent_id, hashes, parent_hashes, first_row)
        return cls(hashes, parent_row, first_row)

    def take(self, rows: np.ndarray, declarations: np.ndarray) -> IdKeys | None:
        """The keys of a selection of rows (sorted, unique) and declarations, if still valid.

        Valid when no selected declaration names a row that was left out as a repeat of
        another id (``None`` otherwise: encode them again).
        """
        new_index = np.full(len(self.hashes), -1, dtype=np.int64)
        new_index[rows] = np.arange(len(rows))
        parent_row = self.parent_row[declarations]
        named = parent_row >= 0
        parent_row[named] = new_index[parent_row[named]]
        if (parent_row[named] < 0).any():
            return None
        first_row: np.ndarray | None = None
        if self.first_row is not None:
            first_row = new_index[self.first_row[rows]]
            if (first_row < 0).any():
                return None
            if (first_row == np.arange(len(rows))).all():
                first_row = None
        return IdKeys(self.hashes[rows], parent_row, first_row)


def _first_rows(model_id: pa.Array | pa.ChunkedArray, hashes: np.ndarray) -> np.ndarray | None:
    """For every row, the first row with the same lower-cased id (``None``: ids are distinct).

    Only rows whose fingerprint repeats are compared, on their strings.
    """
    ordered = np.sort(hashes)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(repeated):
        return None
    candidates = np.flatnonzero(np.isin(hashes, repeated))
    first = np.arange(len(hashes), dtype=np.int64)
    seen: dict[str, int] = {}
    for row, key in zip(
        candidates.tolist(), _lower_list(take_rows(model_id, candidates)), strict=True
    ):
        first[row] = seen.setdefault(key, row)
    return first if (first[candidates] != candidates).any() else None


def _parent_rows(
    model_id: pa.Array | pa.ChunkedArray,
    parent_id: pa.Array,
    hashes: np.ndarray,
    parent_hashes: np.ndarray,
    first_row: np.ndarray | None,
) -> np.ndarray:
    """The model row of every declared parent (-1: none), matched exactly."""
    # Each distinct parent fingerprint -> the first row that has it: lookups against the
    # few distinct parents, not a table of every id. Only rows whose fingerprint's low bits
    # are some parent's are looked up (parents are a small share of ids).
    distinct_parents = np.unique(parent_hashes)
    value_set = pa.array(distinct_parents)
    code = _index_in(parent_hashes, value_set)  # declaration -> its distinct fingerprint
    rows = maybe_in(hashes, distinct_parents)
    at = _index_in(hashes[rows], value_set)
    rows, at = rows[at >= 0], at[at >= 0]
    n = len(hashes)
    row_of = np.full(len(distinct_parents), n, dtype=np.int64)
    np.minimum.at(row_of, at, rows)
    row_of[row_of == n] = -1
    if first_row is not None:  # a repeated id stands for its first row
        named = row_of >= 0
        row_of[named] = first_row[row_of[named]]
    parent_row: np.ndarray = row_of[code]
    for j in _mismatches(parent_row, code, row_of, model_id, parent_id).tolist():
        parent_row[j] = _row_by_string(model_id, parent_id, hashes, parent_hashes, j)
    return parent_row


def _mismatches(
    parent_row: np.ndarray,
    code: np.ndarray,
    row_of: np.ndarray,
    model_id: pa.Array | pa.ChunkedArray,
    parent_id: pa.Array,
) -> np.ndarray:
    """Declarations matched by fingerprint to a row whose id is another string.

    ``code[j]`` numbers declaration ``j``'s fingerprint; ``row_of[c]`` is the row found for
    fingerprint ``c``. Strings are compared as spelled, then lower-cased where they differ
    (most parents are spelled exactly as the id).
    """
    if not (parent_row >= 0).any():
        return np.zeros(0, dtype=np.int64)
    found = np.flatnonzero(row_of >= 0)
    slot = np.full(len(row_of), -1, dtype=np.int64)
    slot[found] = np.arange(len(found))
    matched_ids = take_rows(model_id, row_of[found])
    # The id each declaration was matched to (null where none was), against the parent as
    # declared: compared in place, without taking the matched declarations' strings out.
    at = slot[code]
    lhs = matched_ids.take(pa.array(at, mask=at < 0))
    rhs = one_array(parent_id)
    same = np.asarray(
        pc.fill_null(pc.equal(lhs, rhs), True).to_numpy(zero_copy_only=False), dtype=bool
    )
    differ = np.flatnonzero(~same)
    if len(differ):
        idx = pa.array(differ)
        lower = pc.equal(lower_chunks(lhs.take(idx))[0], lower_chunks(rhs.take(idx))[0])
        same[differ] = np.asarray(lower.to_numpy(zero_copy_only=False), dtype=bool)
    bad: np.ndarray = np.flatnonzero(~same)
    return bad


def _row_by_string(
    model_id: pa.Array | pa.ChunkedArray,
    parent_id: pa.Array,
    hashes: np.ndarray,
    parent_hashes: np.ndarray,
    j: int,
) -> int:
    """Two different ids share a fingerprint: find declaration ``j``'s row by its string."""
    key = str(parent_id[j]).lower()
    candidates = np.flatnonzero(hashes == parent_hashes[j])
    keys = _lower_list(take_rows(model_id, candidates))
    return next((r for r, k in zip(candidates.tolist(), keys, strict=True) if k == key), -1)


def _index_in(values: np.ndarray, value_set: pa.Array) -> np.ndarray:
    """Position of each value in ``value_set`` (-1 when absent)."""
    idx = pc.index_in(pa.array(values), value_set=value_set)
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _lower_list(arr: pa.Array) -> list[str]:
    return [str(x) for chunk in lower_chunks(arr) for x in chunk.to_pylist()]
