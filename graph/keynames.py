"""A level's key names (orgs, developers ...) held as one Arrow string array.

A graph mapped in from the cache holds every org's and developer's name, about 300,000 at
Hub scale. A report shows twenty of them and ``family`` ten: making every name a Python
string would take about 30 ms of a 0.3 s command, so :class:`KeyNames` reads names one at a
time until a caller asks for many, and only then turns them all into a list (kept).

Contract: a ``KeyNames`` is a read-only ``Sequence[str]`` equal, element for element, to
the list its Arrow array holds; :func:`names_isin` gives what
``[name in wanted for name in names]`` gives, as a numpy bool array.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np
import pyarrow as pa

from hflineage.loaders._sorting import sorted_unique

__all__ = ["KeyNames", "names_arrow", "names_isin"]

#: Names read one at a time before the rest are read at once: the cost of a single read
#: (about 1 us) times this stays well under one whole read (about 100 ns a name).
_ONE_BY_ONE = 1024


class KeyNames(Sequence[str]):
    """Key names in one Arrow string array (no nulls), read as Python strings when asked."""

    def __init__(self, names: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(names, pa.ChunkedArray):  # a file written in one go has one chunk
            names = names.chunk(0) if names.num_chunks == 1 else pa.concat_arrays(names.chunks)
        if not (pa.types.is_string(names.type) or pa.types.is_large_string(names.type)):
            raise TypeError(f"key names must be strings, not {names.type}")
        if names.null_count:
            raise ValueError("key names must not be null")
        self.arrow: pa.Array = names
        self._list: list[str] | None = None
        self._single_reads = 0

    def __len__(self) -> int:
        return len(self.arrow)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        one_by_one = self._list is None and self._single_reads < _ONE_BY_ONE
        if one_by_one and not isinstance(index, slice):
            self._single_reads += 1
            return str(self.arrow[int(index)].as_py())  # IndexError when out of range
        return self.as_list()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_list())

    def __contains__(self, value: object) -> bool:
        return value in self.as_list()

    def index(self, value: object, start: int = 0, stop: int = 2**63 - 1) -> int:
        """Position of the first ``value`` (as ``list.index``)."""
        return self.as_list().index(value, start, stop)  # type: ignore[arg-type]

    def as_list(self) -> list[str]:
        """Every name as a Python string (read once, then kept)."""
        if self._list is None:
            self._list = [str(x) for x in self.arrow.to_pylist()]
        return self._list

    def __repr__(self) -> str:
        return f"KeyNames({len(self)} names)"


def names_arrow(names: Sequence[str]) -> pa.Array:
    """``names`` as an Arrow string array (no copy for :class:`KeyNames`)."""
    if isinstance(names, KeyNames):
        return names.arrow
    return pa.array(list(names), pa.string())


def names_isin(names: Sequence[str], wanted: Iterable[str]) -> np.ndarray:
    """Bool per name: whether it is one of ``wanted`` (a few names, such as the curated
    developers).

    For :class:`KeyNames` no name is made a Python string unless it could match: names are
    first compared by (length in bytes, first byte, last byte), read straight from the
    Arrow buffers, and only the few that match a wanted name's are read and checked.
    """
    wanted = set(wanted)
    if not isinstance(names, KeyNames):
        return np.fromiter(map(wanted.__contains__, names), dtype=bool, count=len(names))
    out = np.zeros(len(names), dtype=bool)
    if not len(names) or not wanted:
        return out
    signatures = sorted_unique(_signatures([w.encode() for w in wanted]))
    found = _byte_signatures(names.arrow)
    at = np.minimum(np.searchsorted(signatures, found), len(signatures) - 1)
    maybe = np.flatnonzero(signatures[at] == found)
    out[maybe] = [names.arrow[i].as_py() in wanted for i in maybe.tolist()]
    return out


def _signatures(words: list[bytes]) -> np.ndarray:
    """(length, first byte, last byte) of each word packed in one int64 (bytes 0 if empty)."""
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    first = np.array([w[0] if w else 0 for w in words], dtype=np.int64)
    last = np.array([w[-1] if w else 0 for w in words], dtype=np.int64)
    return _pack(lengths, first, last)


def _byte_signatures(names: pa.Array) -> np.ndarray:
    """:func:`_signatures` of every string in ``names``, from its offsets and data buffers."""
    _, offsets_buffer, data_buffer = names.buffers()
    wide = pa.types.is_large_string(names.type)
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if wide else np.int32)
    offsets = offsets[names.offset : names.offset + len(names) + 1].astype(np.int64)
    lengths = np.diff(offsets)
    first = last = np.zeros(len(names), dtype=np.int64)
    if data_buffer is not None and len(data_buffer):  # else every name is empty
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        nonempty = lengths > 0
        first = np.where(nonempty, data[np.minimum(offsets[:-1], len(data) - 1)], 0)
        last = np.where(nonempty, data[np.maximum(offsets[1:] - 1, 0)], 0)
    return _pack(lengths, first.astype(np.int64), last.astype(np.int64))


def _pack(lengths: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    packed: np.ndarray = (lengths << 16) | (first << 8) | last
    return packed
