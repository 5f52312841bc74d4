"""Arrow helpers shared by the loaders and the graph: chunks, takes and lower-casing.

Contract:

* Inputs are string columns as ``pa.Array`` or ``pa.ChunkedArray`` (the loaders keep one
  chunk per batch read, so a whole-Hub column has dozens of chunks), possibly
  dictionary-encoded (``dictionary<int32, string>``).
* No helper copies string data unless its docstring says so: a chunked column is walked a
  chunk at a time instead of being stacked into one buffer first.
* Values and their order are kept: every helper returns, for row ``i`` of its input, the
  value of row ``i`` (lower-cased by the ``lower_*`` helpers), nulls as nulls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.loaders._sorting import stable_argsort

pc = lazy_module("pyarrow.compute")

__all__ = [
    "chunks_of",
    "lower_chunk",
    "lower_chunks",
    "one_array",
    "plain_strings",
    "stack",
    "take_rows",
]


def chunks_of(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """The chunks of a column (a plain array is its own single chunk)."""
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def one_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (copies only when ``arr`` is chunked)."""
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def plain_strings(arr: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """A string column as chunks of plain ``string`` (dictionary chunks are decoded)."""
    return pa.chunked_array(
        [c.cast(pa.string()) if c.type != pa.string() else c for c in chunks_of(arr)],
        pa.string(),
    )


def stack(parts: Sequence[pa.Array | pa.ChunkedArray]) -> pa.ChunkedArray:
    """Parts as one chunked array: no copy, unless plain and dictionary chunks are mixed
    (then every chunk is decoded to plain strings)."""
    chunks = [c for p in parts for c in chunks_of(p)]
    if len({c.type for c in chunks}) > 1:
        chunks = [c.cast(pa.string()) for c in chunks]
    return pa.chunked_array(chunks, type=chunks[0].type)


def take_rows(arr: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``arr.take(rows)`` as one array; a chunked ``arr`` is taken from chunk by chunk.

    (Arrow's take on a chunked array may first stack every chunk: a copy of the whole
    column, where only the rows asked for are needed.)
    """
    if not isinstance(arr, pa.ChunkedArray) or arr.num_chunks <= 1:
        return one_array(arr.take(_indices(rows)))
    rows = np.asarray(rows, dtype=np.int64)
    order = stable_argsort(rows)
    ordered = rows[order]
    bounds = np.cumsum([0] + [len(c) for c in arr.chunks])
    cut = np.searchsorted(ordered, bounds)
    parts = [
        chunk.take(_indices(ordered[cut[i] : cut[i + 1]] - bounds[i]))
        for i, chunk in enumerate(arr.chunks)
        if cut[i + 1] > cut[i]
    ]
    stacked = pa.concat_arrays(parts) if parts else pa.array([], arr.type)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return stacked.take(_indices(back))


def _indices(rows: np.ndarray) -> pa.Array:
    """Row numbers as an Arrow int64 array sharing their memory.

    (``pa.array`` on a numpy array imports numpy's masked arrays to check for one: about
    25 ms of a short command, such as one model's lineage from the graph cache.)
    """
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(rows), [None, pa.py_buffer(rows)])


def lower_chunks(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """Lower-cased chunks of a string column (plain ``string`` chunks, one per input chunk)."""
    return [
        lower_chunk(c if c.type == pa.string() else c.cast(pa.string())) for c in chunks_of(arr)
    ]


def lower_chunk(arr: pa.Array) -> pa.Array:
    """``pc.utf8_lower`` of a plain string array, through the faster ``ascii_lower`` when
    the text is ASCII (every valid Hub id is); the result is the same either way."""
    _, off_buf, data_buf = arr.buffers()
    if data_buf is None or len(arr) == 0:
        return pc.utf8_lower(arr)
    off = np.frombuffer(off_buf, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    lo, hi = int(off[0]), int(off[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8, count=hi - lo, offset=lo)
    if hi == lo or int(data.max()) < 0x80:
        return pc.ascii_lower(arr)
    return pc.utf8_lower(arr)
