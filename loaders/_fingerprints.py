"""64-bit fingerprints of lower-cased ids, computed in numpy without a hash table.

Contract:

* ``id_fingerprints(arr)[i] == id_fingerprint(arr[i])`` for every string of ``arr`` (a
  plain Arrow string array, already lower-cased by the caller); a null's fingerprint is
  that of the empty string.
* Equal strings have equal fingerprints. Different strings collide with probability about
  2**-64: every user of a fingerprint match confirms it on the strings, so a collision can
  cost time, never a wrong answer.
* ``column_fingerprints(col)`` lower-cases a (possibly chunked, possibly dictionary-encoded)
  column and fingerprints it, a slice at a time: its result has one value per row.

The hash reads each string eight bytes at a time as little-endian words (the last word
keeps only the string's own bytes), starting from the length times a constant, mixing in
each word by xor, multiplication and a shift.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hflineage.loaders._arrow import chunks_of, lower_chunks

__all__ = ["column_fingerprints", "id_fingerprint", "id_fingerprints", "maybe_in"]

_MIX = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
#: ``_TAIL[k]`` keeps the low ``k`` bytes of a little-endian word.
_TAIL = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [_MASK64], dtype=np.uint64)
#: Rows fingerprinted at a time by :func:`column_fingerprints` (bounds the scratch memory).
_SLICE_ROWS = 65_536


def id_fingerprint(key: str) -> int:
    """The 64-bit fingerprint of one lower-cased id (the same as :func:`id_fingerprints`).

    >>> id_fingerprint("qwen/qwen2.5-7b") == int(id_fingerprints(pa.array(["qwen/qwen2.5-7b"]))[0])
    True
    """
    raw = key.encode()
    h = (len(raw) * int(_MIX)) & _MASK64
    for k in range(0, len(raw), 8):
        h = ((h ^ int.from_bytes(raw[k : k + 8], "little")) * int(_MIX)) & _MASK64
        h ^= h >> 29
    return h


def id_fingerprints(arr: pa.Array) -> np.ndarray:
    """Fingerprints (``uint64``) of the strings of ``arr``, as :func:`id_fingerprint` gives.

    Millions of ids take a fraction of a second: the rows are ordered by their number of
    words, longest first, so the rows still going at word ``k`` are a prefix of that order,
    worked on in place (no gather and scatter of the rows left at each word).
    """
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    offsets = offsets.astype(np.int64)
    lengths = offsets[1:] - offsets[:-1]
    size = int(offsets[-1] - offsets[0])
    padded = np.zeros(size + 8, dtype=np.uint8)
    if size:
        padded[:size] = np.frombuffer(data_buf, dtype=np.uint8, count=size, offset=int(offsets[0]))
    # Every byte offset read as a little-endian uint64 (unaligned, overlapping: a view).
    words = np.ndarray(shape=(size + 1,), dtype="<u8", buffer=padded.data, strides=(1,))
    n_words = (lengths + 7) // 8
    most = int(n_words.max())
    longest_first = np.argsort(
        np.negative(n_words, dtype=np.int16 if most < 2**15 else np.int64), kind="stable"
    )
    # rows_with[k]: how many rows have at least k words
    rows_with = np.bincount(n_words, minlength=most + 2)[::-1].cumsum()[::-1]
    start = offsets[:-1][longest_first] - offsets[0]
    left = lengths[longest_first]
    h = left.astype(np.uint64) * _MIX
    for k in range(most):
        going, past = int(rows_with[k + 1]), int(rows_with[k + 2])  # rows with word k; with more
        w = words[start[:going] + 8 * k]
        w[past:] &= _TAIL[np.minimum(left[past:going] - 8 * k, 8)]  # a last word: its bytes only
        x = h[:going]
        x ^= w
        x *= _MIX
        x ^= x >> np.uint64(29)
    out = np.empty(n, dtype=np.uint64)
    out[longest_first] = h
    return out


def column_fingerprints(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Fingerprints of a string column's lower-cased values, one per row."""
    out = [np.zeros(0, np.uint64)]
    for chunk in chunks_of(col):
        for lo in range(0, len(chunk), _SLICE_ROWS):
            out.append(id_fingerprints(lower_chunks(chunk.slice(lo, _SLICE_ROWS))[0]))
    return np.concatenate(out)


def maybe_in(values: np.ndarray, value_set: np.ndarray) -> np.ndarray:
    """Positions of the fingerprints in ``values`` that may be in ``value_set``: all that
    are, and a few that are not (those whose low bits are the low bits of a member).

    A table of low bits rules out most values at the cost of one lookup each, before an
    exact lookup of the few left.
    """
    bits = max(16, min(24, (8 * len(value_set)).bit_length()))
    low = np.uint64((1 << bits) - 1)
    mark = np.zeros(1 << bits, dtype=bool)
    mark[(value_set & low).astype(np.intp)] = True
    return np.flatnonzero(mark[(values & low).astype(np.intp)])
