"""The columnar model table that every loader returns.

Columns are arrays (pyarrow for strings, numpy for numbers and dates) so that the whole Hub
(millions of rows) stays compact; :meth:`ModelTable.records` gives typed rows when wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hflineage.loaders.records import SOURCES, Declaration, LoadReport, ModelRecord

__all__ = ["ModelTable"]

_NAT = np.datetime64("NaT", "s")


def _dt64(value: datetime | None) -> np.datetime64:
    if value is None:
        return _NAT
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(value, "s")


@dataclass
class ModelTable:
    """Models (one row each) and their parent declarations (one row each).

    ``decl_child`` indexes rows of the model columns; a child can have declarations from
    several sources, the graph keeps the most trusted one (see DESIGN.md).
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
    def concat(cls, tables: Sequence[ModelTable]) -> ModelTable:
        """Stack tables (rows keep their order; declarations are re-indexed)."""
        if not tables:
            return cls.empty()
        if len(tables) == 1:
            return tables[0]
        offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
        kw: dict[str, object] = {}
        for f in fields(cls):
            parts = [getattr(t, f.name) for t in tables]
            if f.name == "decl_child":
                kw[f.name] = np.concatenate(
                    [p + off for p, off in zip(parts, offsets, strict=True)]
                ).astype(np.int64)
            elif isinstance(parts[0], np.ndarray):
                kw[f.name] = np.concatenate(parts)
            else:
                kw[f.name] = pa.concat_arrays(parts)
        return cls(**kw)  # type: ignore[arg-type]

    # -- selection ----------------------------------------------------------------------
    def take(self, rows: np.ndarray) -> ModelTable:
        """Keep the given row indices (sorted, unique), with their declarations."""
        rows = np.asarray(rows, dtype=np.int64)
        new_index = np.full(len(self), -1, dtype=np.int64)
        new_index[rows] = np.arange(len(rows))
        keep_d = new_index[self.decl_child] >= 0
        idx = pa.array(rows)
        didx = pa.array(np.flatnonzero(keep_d))
        return ModelTable(
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

    def deduplicate(self, report: LoadReport) -> ModelTable:
        """Drop repeated ids (case-insensitive), keeping the first row; count the rest."""
        lower = pc.utf8_lower(self.model_id)
        if len(pc.unique(lower)) == len(self):
            return self
        # Hash aggregation in Arrow: the first row of every lower-case id.
        grouped = (
            pa.table({"k": lower, "i": pa.array(np.arange(len(self), dtype=np.int64))})
            .group_by("k", use_threads=False)
            .aggregate([("i", "min")])
        )
        first = np.asarray(grouped["i_min"].to_numpy(), dtype=np.int64)
        keep = np.sort(first)
        dropped = np.setdiff1d(np.arange(len(self)), keep)
        ids = self.model_id.take(pa.array(dropped[: report.max_examples])).to_pylist()
        report.rejected["duplicate id (the first row is kept)"] += len(dropped)
        report.rows_loaded -= len(dropped)
        for mid in ids:
            report._example("duplicate id (the first row is kept)", str(mid))
        return self.take(keep)

    # -- rows ---------------------------------------------------------------------------
    def records(self) -> Iterator[ModelRecord]:
        """Yield the rows as typed records."""
        order = np.argsort(self.decl_child, kind="stable")
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
