"""The columnar model table that every loader returns.

Columns are arrays (pyarrow for strings, numpy for numbers and dates) so that the whole Hub
(millions of rows) stays compact; :meth:`ModelTable.records` gives typed rows when wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.loaders.records import SOURCES, Declaration, LoadReport, ModelRecord

__all__ = [
    "IdKeys",
    "ModelTable",
    "column_fingerprints",
    "id_fingerprint",
    "id_fingerprints",
    "stable_argsort",
    "take_rows",
]

_NAT = np.datetime64("NaT", "s")


def _dt64(value: datetime | None) -> np.datetime64:
    if value is None:
        return _NAT
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(value, "s")


_MIX = np.uint64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1
#: ``_TAIL[k]`` keeps the low ``k`` bytes of a little-endian word.
_TAIL = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [_MASK64], dtype=np.uint64)


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
    """64-bit fingerprints of strings (``uint64``): equal strings, equal fingerprints.

    Computed eight bytes at a time in numpy, so millions of ids take a fraction of a
    second and no hash table; different strings collide with probability about 2**-64,
    and every use checks the strings when fingerprints match.
    """
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    _, off_buf, data_buf = arr.buffers()
    off = np.frombuffer(off_buf, dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    off = off.astype(np.int64)
    lens = off[1:] - off[:-1]
    size = int(off[-1] - off[0])
    padded = np.zeros(size + 8, dtype=np.uint8)
    if size:
        padded[:size] = np.frombuffer(data_buf, dtype=np.uint8, count=size, offset=int(off[0]))
    # Every byte offset read as a little-endian uint64 (unaligned, overlapping: a view).
    words = np.ndarray(shape=(size + 1,), dtype="<u8", buffer=padded.data, strides=(1,))
    # Rows ordered by their number of words, longest first: the rows still going at word k
    # are then a prefix, worked on in place (no gather and scatter of the rows left).
    nwords = (lens + 7) // 8
    most = int(nwords.max())
    order = np.argsort(
        np.negative(nwords, dtype=np.int16 if most < 2**15 else np.int64), kind="stable"
    )
    going = np.bincount(nwords, minlength=most + 2)[::-1].cumsum()[::-1]  # rows with >= k words
    start = off[:-1][order] - off[0]
    left = lens[order]
    h = left.astype(np.uint64) * _MIX
    for k in range(most):
        rows, full = int(going[k + 1]), int(going[k + 2])  # rows with a word k; with more
        w = words[start[:rows] + 8 * k]
        w[full:] &= _TAIL[np.minimum(left[full:rows] - 8 * k, 8)]  # the last word: its bytes
        x = h[:rows]
        x ^= w
        x *= _MIX
        x ^= x >> np.uint64(29)
    out = np.empty(n, dtype=np.uint64)
    out[order] = h
    return out


def column_fingerprints(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Fingerprints of a string column's lower-cased values, a slice at a time."""
    out = [np.zeros(0, np.uint64)]
    for chunk in _chunks(col):
        for lo in range(0, len(chunk), 65_536):
            out.append(id_fingerprints(_lower(chunk.slice(lo, 65_536))[0]))
    return np.concatenate(out)


@dataclass(frozen=True, eq=False)
class IdKeys:
    """Case-insensitive matching of model ids and declared parents, without a string hash table.

    ``hashes[i]`` fingerprints model row ``i`` (lower-cased id, :func:`id_fingerprints`);
    ``parent_row[j]`` is the model row declaration ``j`` names (-1: none, a stub);
    ``first_row[i]`` is the first row with the same id as row ``i`` (``None`` when no id
    repeats). Fingerprint matches are confirmed on the strings: at once, or, for keys
    encoded with ``confirm=False``, by :meth:`confirmed`, which a caller can run on another
    thread while it works with the fingerprint matches (they are wrong only if two ids
    share a fingerprint, and :meth:`confirmed` then returns corrected keys).
    """

    hashes: np.ndarray
    parent_row: np.ndarray
    first_row: np.ndarray | None
    #: what :meth:`confirmed` needs, and its result once known
    _check: dict[str, Any] = field(default_factory=dict, repr=False)

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
        *,
        confirm: bool = True,
    ) -> IdKeys:
        """Resolve every parent to its model row, and find repeated ids.

        Args:
            model_id: model ids; parent_id: declared parents (both case kept).
            hashes, parent_hashes: their fingerprints, when already computed.
            confirm: check the parent matches on the strings now (else: :meth:`confirmed`).
        """
        if hashes is None:
            hashes = column_fingerprints(model_id)
        if parent_hashes is None:
            parent_hashes = column_fingerprints(parent_id)
        n = len(hashes)
        # Each distinct parent fingerprint -> the first row that has it (hash lookups
        # against the few distinct parents, not a table of every id). The declarations'
        # lookups run on another core while the repeated ids are found here.
        ordered_parents = np.sort(parent_hashes)
        distinct = np.ones(len(ordered_parents), dtype=bool)
        distinct[1:] = ordered_parents[1:] != ordered_parents[:-1]
        uniq_np = ordered_parents[distinct]
        uniq = pa.array(uniq_np)
        with ThreadPoolExecutor(max_workers=1) as pool:
            lookups = pool.submit(_index_in, parent_hashes, uniq)
            first_row: np.ndarray | None = None
            ordered = np.sort(hashes)
            repeated = ordered[1:][ordered[1:] == ordered[:-1]]
            if len(repeated):  # group the rows that share a fingerprint by their actual id
                cand = np.flatnonzero(np.isin(hashes, repeated))
                seen: dict[str, int] = {}
                first = np.arange(n, dtype=np.int64)
                keys = _lower(model_id.take(pa.array(cand)))
                for row, key in zip(cand.tolist(), _pylist(keys), strict=True):
                    first[row] = seen.setdefault(key, row)
                if (first[cand] != cand).any():
                    first_row = first
            # Only rows whose fingerprint's low bits are some parent's are looked up: a
            # table of those bits rules out most rows (parents are a small share of ids).
            rows = _maybe_in(hashes, uniq_np)
            at = _index_in(hashes[rows], uniq)
            code = lookups.result()
        named_rows = at >= 0
        at, rows = at[named_rows], rows[named_rows]

        parent_row = np.full(len(parent_hashes), -1, dtype=np.int64)
        if n and len(parent_hashes):
            row_of = np.full(len(uniq), n, dtype=np.int64)
            np.minimum.at(row_of, at, rows)
            row_of[row_of == n] = -1
            if first_row is not None:
                named = row_of >= 0
                row_of[named] = first_row[row_of[named]]
            parent_row = row_of[code]
            out = cls(hashes, parent_row, first_row)
            out._check["args"] = (code, row_of, model_id, parent_id, parent_hashes)
            return out.confirmed() if confirm else out
        return cls(hashes, parent_row, first_row)

    def confirmed(self) -> IdKeys:
        """These keys with every parent match checked on the strings (``self`` when all hold).

        Safe to call from another thread; the result is kept.
        """
        if "result" not in self._check:
            fixes: dict[int, int] = {}
            if "args" in self._check:
                code, row_of, model_id, parent_id, parent_hashes = self._check["args"]
                fixes = _confirm(
                    self.parent_row, code, row_of, model_id, parent_id, self.hashes, parent_hashes
                )
            if not fixes:
                self._check["result"] = self
            else:
                parent_row = self.parent_row.copy()
                parent_row[list(fixes)] = list(fixes.values())
                self._check["result"] = IdKeys(self.hashes, parent_row, self.first_row)
        result = self._check["result"]
        assert isinstance(result, IdKeys)
        return result

    def take(self, rows: np.ndarray, declarations: np.ndarray) -> IdKeys | None:
        """The keys of a selection of rows (sorted, unique) and declarations, if still valid.

        Valid when no selected declaration names a row that was left out as a repeat of
        another id (``None`` otherwise: compute them again).
        """
        n = len(self.hashes)
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[rows] = np.arange(len(rows))
        parent_row = self.confirmed().parent_row[declarations]
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


def _pylist(arr: pa.Array | pa.ChunkedArray | list[pa.Array]) -> list[str]:
    if isinstance(arr, list):
        return [str(x) for a in arr for x in a.to_pylist()]
    return [str(x) for x in arr.to_pylist()]


def _maybe_in(values: np.ndarray, value_set: np.ndarray) -> np.ndarray:
    """Positions of the ``values`` that may be in ``value_set`` (all that are, and a few
    that are not): those whose low bits are the low bits of a member (fingerprints)."""
    bits = max(16, min(24, (8 * len(value_set)).bit_length()))
    low = np.uint64((1 << bits) - 1)
    mark = np.zeros(1 << bits, dtype=bool)
    mark[(value_set & low).astype(np.intp)] = True
    return np.flatnonzero(mark[(values & low).astype(np.intp)])


def _index_in(values: np.ndarray, value_set: pa.Array) -> np.ndarray:
    """Position of each value in ``value_set`` (-1 when absent)."""
    idx = pc.index_in(pa.array(values), value_set=value_set)
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _confirm(
    parent_row: np.ndarray,
    code: np.ndarray,
    row_of: np.ndarray,
    model_id: pa.Array | pa.ChunkedArray,
    parent_id: pa.Array,
    hashes: np.ndarray,
    parent_hashes: np.ndarray,
) -> dict[int, int]:
    """Check fingerprint matches on the strings themselves; settle mismatches exactly.

    ``code[j]`` numbers declaration ``j``'s fingerprint, ``row_of[c]`` is the row found for
    fingerprint ``c``. Strings are compared as spelled, then lower-cased where they differ.
    Returns the declarations whose match was wrong, with their right row (-1: none).
    """
    if not (parent_row >= 0).any():
        return {}
    found = np.flatnonzero(row_of >= 0)
    slot = np.full(len(row_of), -1, dtype=np.int64)
    slot[found] = np.arange(len(found))
    names = take_rows(model_id, row_of[found])
    # The id each declaration was matched to (null where none was), against the parent as
    # declared: compared in place, without taking the matched declarations' strings out.
    at = slot[code]
    lhs = names.take(pa.array(at, mask=at < 0))
    rhs = _plain(parent_id)
    # Most parents are spelled exactly as the id; only the others are lower-cased.
    same = np.asarray(
        pc.fill_null(pc.equal(lhs, rhs), True).to_numpy(zero_copy_only=False), dtype=bool
    )
    rest = np.flatnonzero(~same)
    if len(rest):
        idx = pa.array(rest)
        lower = pc.equal(_lower(lhs.take(idx))[0], _lower(rhs.take(idx))[0])
        same[rest] = np.asarray(lower.to_numpy(zero_copy_only=False), dtype=bool)
    bad = np.flatnonzero(~same)
    fixes: dict[int, int] = {}
    for j in bad.tolist():  # two different ids with one fingerprint: compare the strings
        key = str(parent_id[j]).lower()
        cand = np.flatnonzero(hashes == parent_hashes[j])
        keys = _pylist(_lower(model_id.take(pa.array(cand))))
        fixes[j] = next((r for r, k in zip(cand.tolist(), keys, strict=True) if k == key), -1)
    return fixes


def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")``, several times faster for non-negative integers.

    Numpy sorts 64-bit integers stably with a merge sort (timsort), which is fast only on
    keys already in a few sorted runs; otherwise ``key * n + position`` makes every key
    distinct, so the much faster unstable sort gives the same order.
    """
    n = len(keys)
    if n > 1 and keys.dtype.kind in "iu":
        if np.count_nonzero(keys[1:] < keys[:-1]) * 64 < n:  # a few sorted runs
            runs: np.ndarray = np.argsort(keys, kind="stable")
            return runs
        lo, hi = int(keys.min()), int(keys.max())
        if lo >= 0 and hi < (2**62) // n:
            out: np.ndarray = np.argsort(keys.astype(np.int64) * n + np.arange(n, dtype=np.int64))
            return out
    return np.argsort(keys, kind="stable")


def take_rows(arr: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``arr.take(rows)`` as one array; a chunked ``arr`` is taken from chunk by chunk.

    (A chunked take may first stack every chunk: a copy of the whole column.)
    """
    if not isinstance(arr, pa.ChunkedArray) or arr.num_chunks <= 1:
        return _plain(arr.take(pa.array(rows, pa.int64())))
    rows = np.asarray(rows, dtype=np.int64)
    order = stable_argsort(rows)
    ordered = rows[order]
    bounds = np.cumsum([0] + [len(c) for c in arr.chunks])
    cut = np.searchsorted(ordered, bounds)
    parts = [
        chunk.take(pa.array(ordered[cut[i] : cut[i + 1]] - bounds[i]))
        for i, chunk in enumerate(arr.chunks)
        if cut[i + 1] > cut[i]
    ]
    stacked = pa.concat_arrays(parts) if parts else pa.array([], arr.type)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return stacked.take(pa.array(back))


def _chunks(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def _plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (copies only when ``arr`` is chunked)."""
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _stack(parts: Sequence[pa.Array | pa.ChunkedArray]) -> pa.ChunkedArray:
    """Parts as one chunked array: no copy, unless plain and dictionary chunks are mixed."""
    chunks = [c for p in parts for c in _chunks(p)]
    if len({c.type for c in chunks}) > 1:
        chunks = [c.cast(pa.string()) for c in chunks]
    return pa.chunked_array(chunks, type=chunks[0].type)


def _lower(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    """Lower-cased chunks of a string column."""
    return [_lower_chunk(c if c.type == pa.string() else c.cast(pa.string())) for c in _chunks(arr)]


def _lower_chunk(arr: pa.Array) -> pa.Array:
    """``utf8_lower``; ASCII text (every valid Hub id) goes through the faster ``ascii_lower``."""
    _, off_buf, data_buf = arr.buffers()
    if data_buf is None or len(arr) == 0:
        return pc.utf8_lower(arr)
    off = np.frombuffer(off_buf, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
    lo, hi = int(off[0]), int(off[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8, count=hi - lo, offset=lo)
    if hi == lo or int(data.max()) < 0x80:
        return pc.ascii_lower(arr)
    return pc.utf8_lower(arr)


@dataclass
class ModelTable:
    """Models (one row each) and their parent declarations (one row each).

    ``decl_child`` indexes rows of the model columns; a child can have declarations from
    several sources, the graph keeps the most trusted one (see DESIGN.md).

    Model string columns may be chunked (``pa.ChunkedArray``, e.g. one chunk per batch
    read) and ``pipeline_tag``/``library_name`` dictionary-encoded; declaration columns are
    contiguous arrays. Tables are treated as immutable: derived facts such as
    :meth:`id_keys` are cached.
    """

    model_id: pa.Array
    author: pa.Array
    created_at: np.ndarray
    last_modified: np.ndarray
    downloads: np.ndarray
    downloads_all_time: np.ndarray
    likes: np.ndarray
    pipeline_tag: pa.Array
    library_name: pa.Array
    card_relation: pa.Array
    decl_child: np.ndarray
    decl_parent: pa.Array
    decl_relation: pa.Array
    decl_source: np.ndarray

    def __len__(self) -> int:
        return len(self.model_id)

    @property
    def n_declarations(self) -> int:
        """Number of parent declarations (all sources)."""
        return len(self.decl_child)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def empty(cls) -> ModelTable:
        """A table with no rows."""
        return cls.from_records([])

    @classmethod
    def from_records(cls, records: Iterable[ModelRecord]) -> ModelTable:
        """Build a table from typed records (row-wise loaders use this)."""
        recs = list(records)
        d_child: list[int] = []
        d_parent: list[str] = []
        d_rel: list[str | None] = []
        d_src: list[int] = []
        for i, r in enumerate(recs):
            for d in r.parents:
                d_child.append(i)
                d_parent.append(d.parent_id)
                d_rel.append(d.relation)
                d_src.append(SOURCES.index(d.source))
        return cls(
            model_id=pa.array([r.model_id for r in recs], pa.string()),
            author=pa.array([r.author for r in recs], pa.string()),
            created_at=np.array([_dt64(r.created_at) for r in recs], dtype="datetime64[s]"),
            last_modified=np.array([_dt64(r.last_modified) for r in recs], dtype="datetime64[s]"),
            downloads=np.array([r.downloads for r in recs], dtype=np.int64),
            downloads_all_time=np.array([r.downloads_all_time for r in recs], dtype=np.int64),
            likes=np.array([r.likes for r in recs], dtype=np.int64),
            pipeline_tag=pa.array([r.pipeline_tag for r in recs], pa.string()),
            library_name=pa.array([r.library_name for r in recs], pa.string()),
            card_relation=pa.array([r.card_relation for r in recs], pa.string()),
            decl_child=np.array(d_child, dtype=np.int64),
            decl_parent=pa.array(d_parent, pa.string()),
            decl_relation=pa.array(d_rel, pa.string()),
            decl_source=np.array(d_src, dtype=np.int8),
        )

    @classmethod
    def concat(
        cls, tables: Sequence[ModelTable], stacked: dict[str, np.ndarray] | None = None
    ) -> ModelTable:
        """Stack tables (rows keep their order; declarations are re-indexed).

        Model string columns are stacked as chunked arrays, without copying; a mix of plain
        and dictionary-encoded chunks is stacked as plain strings. ``stacked`` holds model
        columns (numpy) already stacked by the caller, and ``"fingerprints"``: the id
        fingerprints, stacked; the tables' own values of these columns are not read.
        """
        if not tables:
            return cls.empty()
        if len(tables) == 1 and not stacked:
            return tables[0]
        stacked = stacked or {}
        offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
        kw: dict[str, object] = {}
        for f in fields(cls):
            if f.name in stacked:
                kw[f.name] = stacked[f.name]
                continue
            parts = [getattr(t, f.name) for t in tables]
            if f.name == "decl_child":
                kw[f.name] = np.concatenate(
                    [p + off for p, off in zip(parts, offsets, strict=True)]
                ).astype(np.int64)
            elif isinstance(parts[0], np.ndarray):
                kw[f.name] = np.concatenate(parts)
            elif f.name.startswith("decl_"):
                kw[f.name] = pa.concat_arrays([_plain(p) for p in parts])
            else:
                kw[f.name] = _stack(parts)
        out = cls(**kw)  # type: ignore[arg-type]
        known = [t.__dict__.get("_fingerprints") for t in tables]
        if all(k is not None for k in known):
            hashes = stacked.get("fingerprints")
            out.__dict__["_fingerprints"] = (
                np.concatenate([k[0] for k in known]) if hashes is None else hashes,  # type: ignore[index]
                np.concatenate([k[1] for k in known]),  # type: ignore[index]
            )
        return out

    def fingerprints(self) -> tuple[np.ndarray, np.ndarray]:
        """Fingerprints of the lower-cased model ids and declared parents (cached).

        Loaders compute them batch by batch, in parallel, while reading.
        """
        cached = self.__dict__.get("_fingerprints")
        if cached is None:
            cached = (
                column_fingerprints(self.model_id),
                column_fingerprints(self.decl_parent),
            )
            self.__dict__["_fingerprints"] = cached
        out: tuple[np.ndarray, np.ndarray] = cached
        return out

    def id_keys(self, *, confirmed: bool = True) -> IdKeys:
        """Parents resolved to rows and repeated ids found, case-insensitively (cached).

        The duplicate check, parent resolution and stub detection all use this one pass.
        With ``confirmed=False`` the parent matches may not be checked on the strings yet
        (see :meth:`IdKeys.confirmed`).
        """
        cached = self.__dict__.get("_id_keys")
        if not isinstance(cached, IdKeys):
            hashes, parent_hashes = self.fingerprints()
            cached = IdKeys.encode(
                self.model_id, self.decl_parent, hashes, parent_hashes, confirm=False
            )
            self.__dict__["_id_keys"] = cached
        return cached.confirmed() if confirmed else cached

    # -- selection ----------------------------------------------------------------------
    def take(self, rows: np.ndarray) -> ModelTable:
        """Keep the given row indices (sorted, unique), with their declarations."""
        rows = np.asarray(rows, dtype=np.int64)
        new_index = np.full(len(self), -1, dtype=np.int64)
        new_index[rows] = np.arange(len(rows))
        keep_d = new_index[self.decl_child] >= 0
        idx = pa.array(rows)
        d_rows = np.flatnonzero(keep_d)
        didx = pa.array(d_rows)
        out = ModelTable(
            model_id=self.model_id.take(idx),
            author=self.author.take(idx),
            created_at=self.created_at[rows],
            last_modified=self.last_modified[rows],
            downloads=self.downloads[rows],
            downloads_all_time=self.downloads_all_time[rows],
            likes=self.likes[rows],
            pipeline_tag=self.pipeline_tag.take(idx),
            library_name=self.library_name.take(idx),
            card_relation=self.card_relation.take(idx),
            decl_child=new_index[self.decl_child[keep_d]],
            decl_parent=self.decl_parent.take(didx),
            decl_relation=self.decl_relation.take(didx),
            decl_source=self.decl_source[keep_d],
        )
        known = self.__dict__.get("_fingerprints")
        if known is not None:
            out.__dict__["_fingerprints"] = (known[0][rows], known[1][d_rows])
        keys = self.__dict__.get("_id_keys")
        if isinstance(keys, IdKeys):
            kept = keys.take(rows, d_rows)
            if kept is not None:
                out.__dict__["_id_keys"] = kept
        return out

    def deduplicate(self, report: LoadReport) -> ModelTable:
        """Drop repeated ids (case-insensitive), keeping the first row; count the rest."""
        keys = self.id_keys(confirmed=False)
        if keys.distinct:
            return self
        first_row = keys.first_row
        assert first_row is not None
        keep = np.flatnonzero(first_row == np.arange(len(self)))
        dropped = np.setdiff1d(np.arange(len(self)), keep)
        report.rejected["duplicate id (the first row is kept)"] += len(dropped)
        report.rows_loaded -= len(dropped)
        for row in dropped[: report.max_examples].tolist():
            report._example("duplicate id (the first row is kept)", self._dropped(row, first_row))
        return self.take(keep)

    def _dropped(self, row: int, first_row: np.ndarray) -> str:
        """What a dropped repeat declared, beside the row kept for its id."""

        def said(r: int) -> str:
            parents = self.decl_parent.take(pa.array(np.flatnonzero(self.decl_child == r)))
            named = ", ".join(dict.fromkeys(str(p) for p in parents.to_pylist())) or "no parent"
            return f"{named}; {int(self.downloads[r]):,} downloads"

        kept = int(first_row[row])
        return (
            f"{self.model_id[row].as_py()}: dropped row {row} ({said(row)}), "
            f"kept row {kept} ({said(kept)})"
        )

    # -- rows ---------------------------------------------------------------------------
    def records(self) -> Iterator[ModelRecord]:
        """Yield the rows as typed records."""
        order = stable_argsort(self.decl_child)
        starts = np.searchsorted(self.decl_child[order], np.arange(len(self) + 1))
        parents = self.decl_parent.to_pylist()
        rels = self.decl_relation.to_pylist()
        cols = {
            name: getattr(self, name).to_pylist()
            for name in (
                "model_id",
                "author",
                "pipeline_tag",
                "library_name",
                "card_relation",
            )
        }
        for i in range(len(self)):
            decls = tuple(
                Declaration(parents[j], rels[j], SOURCES[int(self.decl_source[j])])
                for j in order[starts[i] : starts[i + 1]]
            )
            yield ModelRecord(
                model_id=cols["model_id"][i],
                author=cols["author"][i],
                created_at=_py_dt(self.created_at[i]),
                last_modified=_py_dt(self.last_modified[i]),
                downloads=int(self.downloads[i]),
                downloads_all_time=int(self.downloads_all_time[i]),
                likes=int(self.likes[i]),
                pipeline_tag=cols["pipeline_tag"][i],
                library_name=cols["library_name"][i],
                parents=decls,
                card_relation=cols["card_relation"][i],
            )


def _py_dt(value: np.datetime64) -> datetime | None:
    if np.isnat(value):
        return None
    result = value.astype("datetime64[s]").item()
    assert isinstance(result, datetime)
    return result
