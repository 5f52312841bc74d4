"""Search over every model id: prefix and substring, case-insensitive, ranked.

Ranks, best first: the id itself, ids starting with the text, names (the part after ``/``)
starting with the text, then ids containing it; within a rank, more downloads first.

Built once at start-up (a few seconds at 2.5M models), then each search is

* two binary searches in the lower-case ids and names sorted (prefix ranks: a contiguous
  range each, ranked by downloads with a partial sort);
* for the substring rank, ``bytes.find`` over every lower-case id laid end to end in
  download order, stopping as soon as the page is full (popular text stops early). Rare
  text would need a pass over all ~85 MB at 2.5M models, so the text is cut into blocks of
  16 KiB, each with a bitmap of the (hashed) four-byte sequences it holds: only blocks
  holding every sequence of the searched text are read (text found nowhere: about a
  millisecond; text made only of common pieces still reads a third of the blocks or more).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.graph import LineageGraph
from hflineage.loaders._sorting import reaching_top

pc = lazy_module("pyarrow.compute")

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "MAX_QUERY", "SearchIndex", "SearchPage"]

#: Longest search text accepted (Hub ids are at most 96 characters).
MAX_QUERY = 200
#: Most results in one page, and the deepest page start.
MAX_LIMIT = 100
MAX_OFFSET = 10_000

EXACT, ID_PREFIX, NAME_PREFIX, SUBSTRING = "exact", "id prefix", "name prefix", "substring"


#: Bytes per block of the substring filter; buckets of hashed four-byte sequences.
_BLOCK = 1 << 14
_BUCKETS = 1 << 16
#: A block's bitmap also covers this many bytes of the next block, so a match that starts in
#: a block is found from that block alone (the longest query is 4 bytes per character).
_OVERLAP = 4 * MAX_QUERY


_GRAM = 4


def _gram_buckets(data: np.ndarray) -> np.ndarray:
    """The hashed bucket of the four bytes starting at each position but the last three."""
    b = data.astype(np.uint32)
    key = (b[:-3] << 24) | (b[1:-2] << 16) | (b[2:-1] << 8) | b[3:]
    out: np.ndarray = ((key * np.uint32(2654435761)) >> np.uint32(16)) & np.uint32(_BUCKETS - 1)
    return out


def _block_bitmaps(text: bytes) -> np.ndarray:
    """One bitmap per block: which buckets of four-byte sequences occur in it (or in the
    first :data:`_OVERLAP` bytes after it)."""
    data = np.frombuffer(text, dtype=np.uint8)
    n_blocks = max(1, -(-len(data) // _BLOCK))
    bits = np.zeros((n_blocks, _BUCKETS // 8), dtype=np.uint8)
    per_pass = 128  # blocks at a time, to bound the memory of the boolean table below
    for first in range(0, n_blocks, per_pass):
        last = min(n_blocks, first + per_pass)
        lo = first * _BLOCK
        part = data[lo : last * _BLOCK + _OVERLAP + _GRAM - 1]
        if len(part) < _GRAM:
            continue
        buckets = _gram_buckets(part)
        pos = np.arange(lo, lo + len(buckets))
        block = pos // _BLOCK
        seen = np.zeros((last - first, _BUCKETS), dtype=bool)
        own = block < last
        seen[block[own] - first, buckets[own]] = True
        back = (pos % _BLOCK < _OVERLAP) & (block > first)  # also the previous block's
        seen[block[back] - 1 - first, buckets[back]] = True
        bits[first:last] = np.packbits(seen, axis=1, bitorder="little")
    return bits


@dataclass(frozen=True)
class SearchPage:
    """One page of results: graph nodes with the rank each matched by."""

    nodes: list[int]
    matches: list[str]
    more: bool


class _SortedColumn:
    """Lower-case strings sorted, with the node each came from, for prefix ranges."""

    def __init__(self, values: pa.Array, nodes: np.ndarray) -> None:
        order = pc.sort_indices(values).to_numpy()
        self.values = values.take(pa.array(order))
        self.nodes = nodes[order]

    def _first(self, key: str, prefix_only: bool) -> int:
        """First position whose value is above ``key`` (``>=`` unless ``prefix_only``,
        where values that start with ``key`` count as equal to it)."""
        lo, hi = 0, len(self.values)
        cut = len(key)
        while lo < hi:
            mid = (lo + hi) // 2
            value = self.values[mid].as_py()
            below = value[:cut] <= key if prefix_only else value < key
            if below:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def starting_with(self, key: str) -> np.ndarray:
        """Nodes whose value starts with ``key``."""
        found: np.ndarray = self.nodes[self._first(key, False) : self._first(key, True)]
        return found

    def equal_to(self, key: str) -> np.ndarray:
        """Nodes whose value is ``key``."""
        lo = self._first(key, False)
        hi = lo
        while hi < len(self.values) and self.values[hi].as_py() == key:
            hi += 1
        found: np.ndarray = self.nodes[lo:hi]
        return found


class SearchIndex:
    """Every model id of a graph, ready for :meth:`search`."""

    def __init__(self, graph: LineageGraph) -> None:
        ids = graph.model_id
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        lower = pc.utf8_lower(ids.cast(pa.large_string()))
        nodes = np.arange(graph.n, dtype=np.int64)
        self.downloads = np.asarray(graph.downloads, dtype=np.int64)
        self._ids = _SortedColumn(lower, nodes)
        with_org = np.asarray(pc.match_substring(lower, "/").to_numpy(zero_copy_only=False))
        names = pc.replace_substring_regex(
            lower.filter(pa.array(with_org)), pattern="^[^/]*/", replacement="", max_replacements=1
        )
        self._names = _SortedColumn(names, nodes[with_org])
        # Substring rank: ids laid end to end, most downloaded first.
        self._by_downloads = np.argsort(-self.downloads, kind="stable")
        ranked = lower.take(pa.array(self._by_downloads))
        offsets_buf, data_buf = ranked.buffers()[1:3]
        self._offsets = np.frombuffer(offsets_buf, dtype=np.int64)[: len(ranked) + 1]
        self._text = b"" if data_buf is None else data_buf.to_pybytes()[: int(self._offsets[-1])]
        self._blocks = _block_bitmaps(self._text)

    def __len__(self) -> int:
        return len(self._by_downloads)

    def search(self, text: str, offset: int = 0, limit: int = 20) -> SearchPage:
        """The page ``[offset, offset + limit)`` of the ranked matches of ``text``.

        ``text`` is stripped and compared lower-case; the caller bounds its length,
        ``offset`` and ``limit`` (see :data:`MAX_QUERY`, :data:`MAX_OFFSET`, :data:`MAX_LIMIT`).
        """
        key = text.strip().lower()
        need = offset + limit + 1  # one more than the page tells whether there is a next one
        if not key:
            return SearchPage([], [], False)
        taken: list[np.ndarray] = []
        labels: list[str] = []
        count = 0
        for label, found in (
            (EXACT, self._ids.equal_to(key)),
            (ID_PREFIX, self._ids.starting_with(key)),
            (NAME_PREFIX, self._names.starting_with(key)),
        ):
            best = self._best(self._without(found, taken), need - count)
            taken.append(best)
            labels += [label] * len(best)
            count += len(best)
            if count >= need:
                break
        if count < need:
            rest = self._containing(key.encode("utf-8"), need - count, taken)
            taken.append(rest)
            labels += [SUBSTRING] * len(rest)
            count += len(rest)
        nodes = np.concatenate(taken)
        return SearchPage(
            nodes=nodes[offset : offset + limit].tolist(),
            matches=labels[offset : offset + limit],
            more=count > offset + limit,
        )

    @staticmethod
    def _without(found: np.ndarray, taken: list[np.ndarray]) -> np.ndarray:
        if not taken or not len(found):
            return found
        return found[~np.isin(found, np.concatenate(taken))]

    def _best(self, found: np.ndarray, k: int) -> np.ndarray:
        """The ``k`` most downloaded of ``found``, most downloaded first (ties by node)."""
        if k <= 0 or not len(found):
            return found[:0]
        found = found[reaching_top(self.downloads[found], k)]  # ties of the k-th kept
        kept: np.ndarray = found[np.lexsort((found, -self.downloads[found]))[:k]]
        return kept

    def _candidate_blocks(self, key: bytes) -> np.ndarray:
        """Blocks that may hold ``key`` (every block for text under four bytes)."""
        n_blocks = len(self._blocks)
        if len(key) < _GRAM:
            return np.arange(n_blocks)
        buckets = np.unique(_gram_buckets(np.frombuffer(key, dtype=np.uint8)))
        present = self._blocks[:, buckets >> 3] >> (buckets & 7).astype(np.uint8)
        return np.flatnonzero((present & 1).all(axis=1))

    def _containing(self, key: bytes, k: int, taken: list[np.ndarray]) -> np.ndarray:
        """Up to ``k`` nodes whose id contains ``key``, in download order, not in ``taken``."""
        skip = set(np.concatenate(taken).tolist()) if taken else set()
        text, offsets, by_downloads = self._text, self._offsets, self._by_downloads
        out: list[int] = []
        resume = 0  # matches before this position are counted already
        for block in self._candidate_blocks(key).tolist():
            start = max(resume, block * _BLOCK)
            stop = min(len(text), (block + 1) * _BLOCK + len(key) - 1)  # matches start inside
            at = text.find(key, start, stop)
            while at != -1:
                row = int(np.searchsorted(offsets, at, side="right")) - 1
                end = int(offsets[row + 1])
                if at + len(key) <= end:  # not a match straddling two ids
                    node = int(by_downloads[row])
                    if node not in skip:
                        out.append(node)
                        if len(out) == k:
                            return np.array(out, dtype=np.int64)
                    resume = end
                else:
                    resume = at + 1
                at = text.find(key, resume, stop) if resume < stop else -1
        return np.array(out, dtype=np.int64)
