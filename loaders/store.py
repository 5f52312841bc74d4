"""The snapshot store: a dated history of model tables, as partitioned parquet.

Layout under the store root (``$HF_LINEAGE_HOME/snapshots``; a local folder or any URI that
``pyarrow.fs`` understands, such as ``file://`` or ``s3://``)::

    models/date=2026-05-20/part-<token>.parquet   one snapshot's validated rows
    manifests/date=2026-05-20.json                what was added, when, from where
    renames.json                                  old id -> new id, recorded by hand

Rows are stored as the loaders produce them (snake_case, ids validated, parents as a list),
so a stored snapshot is read back without re-parsing model cards. A snapshot exists once its
manifest is written: a crash mid-add leaves an unreferenced part file, never a half snapshot.
Period queries read two columns of two partitions (parquet is columnar, and a partition is a
folder), so a history of many 2M-row snapshots stays fast to scan.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from hflineage._exports import lazy_module
from hflineage.errors import InputError
from hflineage.loaders.home import default_home, is_uri
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.records import LoadReport
from hflineage.loaders.snapshot import load_snapshots, snapshot_format
from hflineage.loaders.table import ModelTable

pc = lazy_module("pyarrow.compute")

__all__ = [
    "COUNT_COLUMNS",
    "STORE_FORMAT",
    "STORE_SCHEMA",
    "SnapshotEntry",
    "SnapshotStore",
    "arrow_to_table",
    "default_home",
    "parse_day",
    "table_to_arrow",
]

#: Version of the on-disk layout; a store written by a newer layout is refused, not misread.
STORE_FORMAT = 1
#: The columns a period query needs.
COUNT_COLUMNS = ("model_id", "created_at", "downloads_all_time")

_DECL = pa.struct([("id", pa.string()), ("relation", pa.string()), ("source", pa.int8())])
STORE_SCHEMA = pa.schema(
    [
        ("model_id", pa.string()),
        ("author", pa.string()),
        ("created_at", pa.timestamp("s")),
        ("last_modified", pa.timestamp("s")),
        ("downloads", pa.int64()),
        ("downloads_all_time", pa.int64()),
        ("likes", pa.int64()),
        ("pipeline_tag", pa.string()),
        ("library_name", pa.string()),
        ("card_relation", pa.string()),
        ("parents", pa.list_(_DECL)),
    ]
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ROW_GROUP = 131_072


def parse_day(value: str | date, option: str = "date") -> date:
    """Read ``YYYY-MM-DD`` as a date, or raise :class:`InputError`.

    >>> parse_day("2026-05-20")
    datetime.date(2026, 5, 20)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not _DAY.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} must be a date written YYYY-MM-DD, got {value!r}") from None


def _resolve(uri: str, filesystem: pafs.FileSystem | None) -> tuple[pafs.FileSystem, str]:
    if filesystem is not None:
        return filesystem, uri.rstrip("/")
    if is_uri(uri):
        try:
            fs, path = pafs.FileSystem.from_uri(uri)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise InputError(
                f"snapshot store {uri!r} cannot be opened ({exc}); use a local folder, a "
                "file:// URI or an object-storage URI pyarrow supports (s3://, gs://)",
                path=uri,
            ) from exc
        return fs, path.rstrip("/")
    return pafs.LocalFileSystem(), str(Path(uri).expanduser().resolve())


@dataclass(frozen=True)
class SnapshotEntry:
    """One stored snapshot, as its manifest records it."""

    day: date
    rows: int
    files: tuple[str, ...]
    source: str
    source_format: str
    added_at: str
    as_of: str | None
    bytes: int
    load: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the manifest's content)."""
        return {
            "format": STORE_FORMAT,
            "date": self.day.isoformat(),
            "rows": self.rows,
            "files": list(self.files),
            "source": self.source,
            "source_format": self.source_format,
            "added_at": self.added_at,
            "as_of": self.as_of,
            "bytes": self.bytes,
            "load": self.load,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> SnapshotEntry:
        """Read a manifest; refuse one written by a newer layout."""
        if d.get("format") != STORE_FORMAT:
            raise InputError(
                f"snapshot manifest {where!r} has store format {d.get('format')!r}, expected "
                f"{STORE_FORMAT}; upgrade hf-lineage or use a new store",
                path=where,
            )
        try:
            return cls(
                day=parse_day(str(d["date"])),
                rows=int(d["rows"]),
                files=tuple(str(f) for f in d["files"]),
                source=str(d.get("source", "")),
                source_format=str(d.get("source_format", "")),
                added_at=str(d.get("added_at", "")),
                as_of=d.get("as_of"),
                bytes=int(d.get("bytes", 0)),
                load=dict(d.get("load") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"snapshot manifest {where!r} is damaged ({exc!r}); remove it and add the "
                "snapshot again",
                path=where,
            ) from exc

    def load_report(self) -> LoadReport:
        """The loader's report from when the snapshot was added."""
        d = self.load
        report = LoadReport(
            rows_read=int(d.get("rows_read", self.rows)),
            rows_loaded=int(d.get("rows_loaded", self.rows)),
            rejected=Counter({str(k): int(v) for k, v in (d.get("rejected") or {}).items()}),
            notes=Counter({str(k): int(v) for k, v in (d.get("notes") or {}).items()}),
            examples={str(k): list(v) for k, v in (d.get("examples") or {}).items()},
            sources=[f"snapshot store {self.day.isoformat()} ({self.source})"],
        )
        return report


def table_to_arrow(table: ModelTable) -> pa.Table:
    """A model table as one arrow table in the store's schema (parents as a list column)."""
    n = len(table)
    order = np.argsort(table.decl_child, kind="stable")
    offsets = np.searchsorted(table.decl_child[order], np.arange(n + 1)).astype(np.int32)
    idx = pa.array(order)
    decls = pa.StructArray.from_arrays(
        [
            table.decl_parent.take(idx).cast(pa.string()),
            table.decl_relation.take(idx).cast(pa.string()),
            pa.array(table.decl_source[order], pa.int8()),
        ],
        fields=list(_DECL),
    )
    parents = pa.ListArray.from_arrays(pa.array(offsets), decls, type=pa.list_(_DECL))
    return pa.Table.from_arrays(
        [
            table.model_id.cast(pa.string()),
            table.author.cast(pa.string()),
            pa.array(table.created_at.astype("datetime64[s]"), pa.timestamp("s")),
            pa.array(table.last_modified.astype("datetime64[s]"), pa.timestamp("s")),
            pa.array(table.downloads, pa.int64()),
            pa.array(table.downloads_all_time, pa.int64()),
            pa.array(table.likes, pa.int64()),
            table.pipeline_tag.cast(pa.string()),
            table.library_name.cast(pa.string()),
            table.card_relation.cast(pa.string()),
            parents,
        ],
        schema=STORE_SCHEMA,
    )


def _ints(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(col, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _times(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype="datetime64[s]")


def _strings(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def arrow_to_table(t: pa.Table) -> ModelTable:
    """The inverse of :func:`table_to_arrow`."""
    parents = _strings(t["parents"])
    flat = pc.list_flatten(parents)
    return ModelTable(
        model_id=_strings(t["model_id"]),
        author=_strings(t["author"]),
        created_at=_times(t["created_at"]),
        last_modified=_times(t["last_modified"]),
        downloads=_ints(t["downloads"]),
        downloads_all_time=_ints(t["downloads_all_time"]),
        likes=_ints(t["likes"]),
        pipeline_tag=_strings(t["pipeline_tag"]),
        library_name=_strings(t["library_name"]),
        card_relation=_strings(t["card_relation"]),
        decl_child=np.asarray(pc.list_parent_indices(parents).to_numpy(), dtype=np.int64),
        decl_parent=pc.struct_field(flat, "id"),
        decl_relation=pc.struct_field(flat, "relation"),
        decl_source=np.asarray(
            pc.struct_field(flat, "source").to_numpy(zero_copy_only=False), dtype=np.int8
        ),
    )


class SnapshotStore:
    """A dated history of snapshots on a local folder or an object-storage URI.

    Args:
        uri: the store root; ``None`` means ``default_home()/snapshots``.
        filesystem: a ``pyarrow.fs.FileSystem`` to use instead of resolving ``uri`` (then
            ``uri`` is a path inside it).
    """

    def __init__(
        self,
        uri: str | os.PathLike[str] | None = None,
        *,
        filesystem: pafs.FileSystem | None = None,
    ) -> None:
        if uri is None:
            home = default_home()
            uri = f"{home.rstrip('/')}/snapshots" if is_uri(home) else str(Path(home, "snapshots"))
        self.uri = str(uri)
        self.fs, self.root = _resolve(self.uri, filesystem)

    def __repr__(self) -> str:
        return f"SnapshotStore({self.uri!r})"

    # -- paths --------------------------------------------------------------------------
    def _models_dir(self, day: date) -> str:
        return f"{self.root}/models/date={day.isoformat()}"

    def _manifest_path(self, day: date) -> str:
        return f"{self.root}/manifests/date={day.isoformat()}.json"

    def _read_json(self, path: str) -> Any:
        with self.fs.open_input_stream(path) as fh:
            data = fh.read()
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                f"store file {path!r} is not valid JSON ({exc}); fix or remove it", path=path
            ) from exc

    def _write_json(self, path: str, payload: Any) -> None:
        """Write to a hidden temp name, then move into place (a rename on local disks)."""
        parent = path.rsplit("/", 1)[0]
        self.fs.create_dir(parent, recursive=True)
        tmp = f"{parent}/.tmp-{secrets.token_hex(6)}.json"
        with self.fs.open_output_stream(tmp) as fh:
            fh.write(json.dumps(payload, indent=1, ensure_ascii=False).encode("utf-8"))
        self.fs.move(tmp, path)

    def _exists(self, path: str) -> bool:
        return bool(self.fs.get_file_info(path).type != pafs.FileType.NotFound)

    # -- listing ------------------------------------------------------------------------
    def entries(self) -> list[SnapshotEntry]:
        """Stored snapshots, oldest first."""
        selector = pafs.FileSelector(f"{self.root}/manifests", allow_not_found=True)
        out = []
        for info in self.fs.get_file_info(selector):
            name = info.base_name
            if info.type != pafs.FileType.File or not name.startswith("date="):
                continue
            if not name.endswith(".json"):
                continue
            out.append(SnapshotEntry.from_dict(self._read_json(info.path), info.path))
        return sorted(out, key=lambda e: e.day)

    def dates(self) -> list[date]:
        """Dates of the stored snapshots, oldest first."""
        return [e.day for e in self.entries()]

    def entry(self, day: date | str) -> SnapshotEntry:
        """The manifest of one snapshot.

        Raises:
            InputError: no snapshot is stored for that date.
        """
        d = parse_day(day)
        path = self._manifest_path(d)
        if not self._exists(path):
            have = ", ".join(x.isoformat() for x in self.dates()) or "none"
            raise InputError(
                f"no snapshot dated {d.isoformat()} in the store {self.uri!r} (stored: {have}); "
                "add one with: hf-lineage snapshot add PATH --date YYYY-MM-DD",
                path=self.uri,
            )
        return SnapshotEntry.from_dict(self._read_json(path), path)

    # -- writing ------------------------------------------------------------------------
    def add(
        self,
        path: str | os.PathLike[str],
        day: date | str | None = None,
        *,
        replace: bool = False,
    ) -> SnapshotEntry:
        """Load a snapshot file (hub-stats parquet, API JSONL, crawl output) and store it.

        Args:
            path: the snapshot to read (any format :func:`load_snapshot` reads).
            day: the snapshot's date; default the newest ``lastModified`` in it.
            replace: overwrite a snapshot already stored for that date.

        Raises:
            InputError: unreadable input, no date, or the date is taken and ``replace`` is off.
        """
        fmt = snapshot_format(path)
        table, report = load_snapshots([path])
        return self.add_table(
            table, report, day, source=str(Path(path).resolve()), source_format=fmt,
            replace=replace,
        )  # fmt: skip

    def add_table(
        self,
        table: ModelTable,
        report: LoadReport,
        day: date | str | None = None,
        *,
        source: str = "",
        source_format: str = "",
        replace: bool = False,
    ) -> SnapshotEntry:
        """Store an already loaded table (ids must be unique: see ``ModelTable.deduplicate``)."""
        lm = table.last_modified[~np.isnat(table.last_modified)]
        as_of = str(lm.max()) if len(lm) else None
        if day is None:
            if as_of is None:
                raise InputError(
                    f"snapshot {source or '(table)'!r} has no lastModified dates to date it "
                    "by; pass `day` as YYYY-MM-DD",
                    path=source or None,
                )
            d = date.fromisoformat(as_of[:10])
        else:
            d = parse_day(day, "`day`")
        previous: SnapshotEntry | None = None
        if self._exists(self._manifest_path(d)):
            if not replace:
                raise InputError(
                    f"the store already has a snapshot dated {d.isoformat()}; pass `replace=True` "
                    "to overwrite it, or another `day` to store this one under that date",
                    path=self.uri,
                )
            previous = self.entry(d)
        folder = self._models_dir(d)
        self.fs.create_dir(folder, recursive=True)
        name = f"part-{secrets.token_hex(8)}.parquet"
        tmp = f"{folder}/.tmp-{name}"
        pq.write_table(
            table_to_arrow(table),
            tmp,
            filesystem=self.fs,
            compression="zstd",
            row_group_size=_ROW_GROUP,
        )
        self.fs.move(tmp, f"{folder}/{name}")
        entry = SnapshotEntry(
            day=d,
            rows=len(table),
            files=(name,),
            source=source,
            source_format=source_format,
            added_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            as_of=as_of,
            bytes=int(self.fs.get_file_info(f"{folder}/{name}").size or 0),
            load=report.as_dict(),
        )
        self._write_json(self._manifest_path(d), entry.as_dict())
        if previous is not None:
            for old in previous.files:
                if old not in entry.files and self._exists(f"{folder}/{old}"):
                    self.fs.delete_file(f"{folder}/{old}")
        return entry

    # -- reading ------------------------------------------------------------------------
    def _files(self, entry: SnapshotEntry) -> list[str]:
        folder = self._models_dir(entry.day)
        return [f"{folder}/{f}" for f in entry.files]

    def read(self, day: date | str, columns: tuple[str, ...] | None = None) -> pa.Table:
        """One snapshot's rows (only ``columns`` when given: parquet reads nothing else)."""
        entry = self.entry(day)
        cols = list(columns) if columns is not None else None
        if cols is not None:
            unknown = [c for c in cols if c not in STORE_SCHEMA.names]
            if unknown:
                raise InputError(
                    f"unknown store column(s) {', '.join(unknown)}; expected some of "
                    f"{', '.join(STORE_SCHEMA.names)}"
                )
        try:
            return ds.dataset(
                self._files(entry), schema=STORE_SCHEMA, filesystem=self.fs, format="parquet"
            ).to_table(columns=cols)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(
                f"stored snapshot {entry.day.isoformat()} in {self.uri!r} is damaged or "
                f"missing ({exc}); add it again with: hf-lineage snapshot add PATH --date "
                f"{entry.day.isoformat()} --replace",
                path=self.uri,
            ) from exc

    def counts(self, day: date | str) -> pa.Table:
        """``model_id``, ``created_at`` and ``downloads_all_time`` of one snapshot."""
        return self.read(day, COUNT_COLUMNS)

    def table(self, day: date | str) -> tuple[ModelTable, LoadReport]:
        """One snapshot as a model table, with the load report recorded when it was added."""
        entry = self.entry(day)
        return arrow_to_table(self.read(entry.day)), entry.load_report()

    def dataset(self) -> ds.Dataset:
        """Every stored snapshot as one pyarrow dataset with a ``date`` partition column.

        Filter on ``date`` to touch only some partitions, e.g.
        ``store.dataset().to_table(columns=["model_id"], filter=ds.field("date") >= "2026-01-01")``.
        """
        files = [f for e in self.entries() for f in self._files(e)]
        return ds.dataset(
            files,
            schema=STORE_SCHEMA.append(pa.field("date", pa.string())),
            filesystem=self.fs,
            format="parquet",
            partitioning=ds.partitioning(pa.schema([("date", pa.string())]), flavor="hive"),
            partition_base_dir=f"{self.root}/models",
        )

    # -- renames ------------------------------------------------------------------------
    def renames(self) -> dict[str, str]:
        """Recorded renames, old id -> new id, as written."""
        path = f"{self.root}/renames.json"
        if not self._exists(path):
            return {}
        data = self._read_json(path)
        items = data.get("renames", []) if isinstance(data, dict) else []
        return {str(r["old"]): str(r["new"]) for r in items if "old" in r and "new" in r}

    def add_rename(self, old: str, new: str) -> dict[str, str]:
        """Record that the repo ``old`` is now ``new`` (period queries then match the two).

        Raises:
            InputError: an id is not a Hub id, or the two are the same model.
        """
        try:
            o, n = normalise_id(old), normalise_id(new)
        except InvalidId as exc:
            raise InputError(f"rename {old!r} -> {new!r}: {exc}") from exc
        if o.lower() == n.lower():
            raise InputError(
                f"rename {old!r} -> {new!r}: ids differ only in case, which already match; "
                "nothing to record"
            )
        current = self.renames()
        current = {k: v for k, v in current.items() if k.lower() != o.lower()}
        current[o] = n
        payload = {"renames": [{"old": k, "new": v} for k, v in sorted(current.items())]}
        self._write_json(f"{self.root}/renames.json", payload)
        return current
