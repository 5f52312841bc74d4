"""The columnar model table that every loader returns.

Columns are arrays (pyarrow for strings, numpy for numbers and dates) so that the whole Hub
(millions of rows) stays compact; :meth:`ModelTable.records` gives typed rows when wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from hflineage.loaders._arrow import one_array, stack, take_rows
from hflineage.loaders._fingerprints import column_fingerprints, id_fingerprint, id_fingerprints
from hflineage.loaders._idkeys import IdKeys
from hflineage.loaders._sorting import stable_argsort
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


@dataclass(eq=False)
class _IdMatching:
    """What a table's id matching has worked out, kept (tables are not changed once built).

    ``fingerprints``: of the lower-cased model ids and of the declared parents, filled by
    :meth:`ModelTable.fingerprints` or handed over by a loader that computed them while
    reading (:meth:`ModelTable.set_fingerprints`); ``keys``: filled by
    :meth:`ModelTable.id_keys`. Both are carried over by :meth:`ModelTable.take` and
    :meth:`ModelTable.concat` when still valid.
    """

    fingerprints: tuple[np.ndarray, np.ndarray] | None = None
    keys: IdKeys | None = None


@dataclass
class ModelTable:
    """Models (one row each) and their parent declarations (one row each).

    ``decl_child`` indexes rows of the model columns; a child can have declarations from
    several sources, the graph keeps the most trusted one (README.md, "Lineage rules").

    Model string columns may be chunked (``pa.ChunkedArray``, e.g. one chunk per batch
    read) and ``pipeline_tag``/``library_name`` dictionary-encoded; declaration columns are
    contiguous arrays. Tables are treated as immutable: the id matching
    (:meth:`fingerprints`, :meth:`id_keys`) is worked out once and kept.
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
    _ids: _IdMatching = field(default_factory=_IdMatching, init=False, repr=False, compare=False)

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
        columns (numpy) already stacked by the caller (the tables' own values of these
        columns are not read), and ``"fingerprints"``: the model ids' fingerprints, stacked.
        The tables' fingerprints are kept when every table has them.
        """
        if not tables:
            return cls.empty()
        if len(tables) == 1 and not stacked:
            return tables[0]
        stacked = stacked or {}
        offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
        kw: dict[str, Any] = {}
        for f in _COLUMNS:
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
                kw[f.name] = pa.concat_arrays([one_array(p) for p in parts])
            else:
                kw[f.name] = stack(parts)
        out = cls(**kw)
        known = [t._ids.fingerprints for t in tables]
        if all(k is not None for k in known):
            hashes = stacked.get("fingerprints")
            out.set_fingerprints(
                np.concatenate([k[0] for k in known if k]) if hashes is None else hashes,
                np.concatenate([k[1] for k in known if k]),
            )
        return out

    def fingerprints(self) -> tuple[np.ndarray, np.ndarray]:
        """Fingerprints of the lower-cased model ids and of the declared parents (kept).

        The hub-stats loader computes them batch by batch, in parallel, while reading.
        """
        if self._ids.fingerprints is None:
            self.set_fingerprints(
                column_fingerprints(self.model_id), column_fingerprints(self.decl_parent)
            )
        assert self._ids.fingerprints is not None
        return self._ids.fingerprints

    def set_fingerprints(self, model_ids: np.ndarray, parents: np.ndarray) -> None:
        """Keep fingerprints computed elsewhere: ``column_fingerprints`` of ``model_id`` and
        of ``decl_parent``, one per row and per declaration (checked)."""
        if len(model_ids) != len(self) or len(parents) != self.n_declarations:
            raise ValueError(
                f"fingerprints must be one per row and declaration ({len(self)}, "
                f"{self.n_declarations}), got {len(model_ids)} and {len(parents)}"
            )
        self._ids.fingerprints = (model_ids, parents)

    def id_keys(self) -> IdKeys:
        """Parents resolved to rows and repeated ids found, case-insensitively (kept).

        The duplicate check, parent resolution and stub detection all use this one pass.
        """
        if self._ids.keys is None:
            hashes, parent_hashes = self.fingerprints()
            self._ids.keys = IdKeys.encode(self.model_id, self.decl_parent, hashes, parent_hashes)
        return self._ids.keys

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
        known = self._ids.fingerprints
        if known is not None:
            out.set_fingerprints(known[0][rows], known[1][d_rows])
        if self._ids.keys is not None:
            out._ids.keys = self._ids.keys.take(rows, d_rows)
        return out

    def deduplicate(self, report: LoadReport) -> ModelTable:
        """Drop repeated ids (case-insensitive), keeping the first row; count the rest."""
        keys = self.id_keys()
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


#: The table's columns (the fields a table is constructed with).
_COLUMNS = tuple(f for f in fields(ModelTable) if f.init)


def _py_dt(value: np.datetime64) -> datetime | None:
    if np.isnat(value):
        return None
    result = value.astype("datetime64[s]").item()
    assert isinstance(result, datetime)
    return result
