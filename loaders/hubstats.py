"""The hub-stats parquet dump (``cfahlgren1/hub-stats``, ``models.parquet``), read columnar.

Only the needed columns are read, a few row groups at a time on a small thread pool, and
turned into a :class:`ModelTable` with vectorised pyarrow compute (which runs outside the
GIL); Python touches only the few rows whose lineage is stated in the card alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.errors import HubUnavailable, InputError
from hflineage.loaders.hubstats_schema import HUB_STATS_COLUMNS
from hflineage.loaders.ids import HUB_ID, URL_PREFIX
from hflineage.loaders.parse import card_declarations
from hflineage.loaders.records import SOURCES, LoadReport
from hflineage.loaders.table import ModelTable, stable_argsort

pc = lazy_module("pyarrow.compute")

__all__ = ["HUB_STATS_COLUMNS", "HUB_STATS_REPO", "ReadPlan", "fetch_hub_stats", "load_hub_stats"]

HUB_STATS_REPO = "cfahlgren1/hub-stats"
HUB_STATS_FILE = "models.parquet"
_SRC_HUB, _SRC_TAG, _SRC_CARD = (SOURCES.index(s) for s in ("hub", "tag", "card"))
#: Low-cardinality string columns, read dictionary-encoded (a few bytes a row).
_DICTIONARY_COLUMNS = ("pipeline_tag", "library_name")
_DICT_STRING = pa.dictionary(pa.int32(), pa.string())
#: Model columns the loader stacks itself (numpy), with the id fingerprints.
_STACKED = {
    "created_at": np.dtype("datetime64[s]"),
    "last_modified": np.dtype("datetime64[s]"),
    "downloads": np.dtype(np.int64),
    "downloads_all_time": np.dtype(np.int64),
    "likes": np.dtype(np.int64),
    "fingerprints": np.dtype(np.uint64),
}
_NUMBERS = tuple(name for name in _STACKED if name != "fingerprints")


@dataclass(frozen=True)
class ReadPlan:
    """How a file is cut for reading on the loader's threads.

    ``task_rows``: rows a thread reads and parses at a time (whole row groups);
    ``batch_rows``: rows parsed at a time within a task, big enough for vectorised work,
    small enough that their memory is recycled rather than grown; ``whole_group_rows``:
    row groups up to this size are decoded whole, then sliced into batches; larger ones
    stream as record batches. The table loaded is the same whatever the plan.
    """

    task_rows: int = 262_144
    batch_rows: int = 65_536
    whole_group_rows: int = 1_048_576


def fetch_hub_stats(endpoint: str | None = None, token: str | None = None) -> Path:
    """Download (or reuse from the huggingface_hub cache) the hub-stats models dump."""
    try:
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(
            HUB_STATS_REPO,
            HUB_STATS_FILE,
            repo_type="dataset",
            endpoint=endpoint,
            token=token,
        )
    except Exception as exc:  # any network, auth or cache failure means the same to the user
        raise HubUnavailable(
            f"could not fetch {HUB_STATS_REPO}/{HUB_STATS_FILE} from the Hub "
            f"({type(exc).__name__}); pass `snapshots` (local files) to read instead",
            endpoint=endpoint,
        ) from exc
    return Path(path)


def _normalise_ids(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Vectorised :func:`normalise_id`: returns (ids, valid mask).

    Almost every id is already canonical: one regex pass finds the few that are not, and
    only those go through the trimming and prefix stripping.
    """
    valid = pc.fill_null(pc.match_substring_regex(arr, HUB_ID.pattern), False)
    if pc.all(valid).as_py() is not False:
        return arr, valid
    bad = pc.indices_nonzero(pc.invert(valid))
    s = pc.utf8_trim_whitespace(arr.take(bad))
    s = pc.replace_substring_regex(s, URL_PREFIX.pattern.replace("^", "^(?i)", 1), "")
    s = pc.replace_substring_regex(s, r"/(?:tree|blob|resolve)/.*$", "")
    s = pc.utf8_trim(s, characters="/ ")
    fixed_valid = pc.fill_null(pc.match_substring_regex(s, HUB_ID.pattern), False)
    bad_np = np.asarray(bad.to_numpy(), dtype=np.int64)
    out = arr.to_pylist() if len(arr) < 1024 else None
    if out is not None:
        for pos, value in zip(bad_np.tolist(), s.to_pylist(), strict=True):
            out[pos] = value
        ids = pa.array(out, pa.string())
    else:
        # Scatter the repaired strings back: stable positions via a sort on row index.
        order = np.concatenate(
            [np.flatnonzero(np.asarray(valid.to_numpy(zero_copy_only=False))), bad_np]
        )
        merged = pa.concat_arrays(
            [arr.filter(valid), s.cast(arr.type) if s.type != arr.type else s]
        )
        ids = merged.take(pa.array(np.argsort(order, kind="stable")))
    mask = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool).copy()
    mask[bad_np] = np.asarray(fixed_valid.to_numpy(zero_copy_only=False), dtype=bool)
    return ids, pa.array(mask)


def _column(batch: pa.Table, name: str) -> pa.Array:
    """One column as an array: the batch's own chunk (``combine_chunks`` would copy it)."""
    col = batch[name]
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _counts(
    batch: pa.Table, name: str, label: str, ids: list[str] | None, report: LoadReport
) -> np.ndarray:
    if name not in batch.column_names:
        if len(batch):
            report.note(f"{label} missing (read as 0)", "column absent", len(batch))
        return np.zeros(len(batch), dtype=np.int64)
    col = _column(batch, name)
    nulls = col.null_count
    values = np.asarray(pc.fill_null(pc.cast(col, pa.int64(), safe=False), 0).to_numpy())
    if nulls:
        first = int(np.flatnonzero(np.asarray(col.is_null().to_numpy(zero_copy_only=False)))[0])
        report.note(f"{label} missing (read as 0)", ids[first] if ids else str(first), nulls)
    neg = values < 0
    n_neg = int(neg.sum())
    if n_neg:
        first = int(np.flatnonzero(neg)[0])
        report.note(f"{label} negative (read as 0)", ids[first] if ids else str(first), n_neg)
        values = np.where(neg, 0, values)
    return values.astype(np.int64, copy=False)


def _times(batch: pa.Table, name: str) -> np.ndarray:
    if name not in batch.column_names:
        return np.full(len(batch), np.datetime64("NaT"), dtype="datetime64[s]")
    col = _column(batch, name)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = pc.strptime(
            pc.utf8_slice_codeunits(col, 0, 19),
            format="%Y-%m-%dT%H:%M:%S",
            unit="s",
            error_is_null=True,
        )
    if pa.types.is_timestamp(col.type) and col.type.tz is not None:
        col = col.cast(pa.timestamp(col.type.unit))
    col = pc.cast(col, pa.timestamp("s"), safe=False)
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype="datetime64[s]")


def _strings(batch: pa.Table, name: str) -> pa.Array:
    """A string column: ``string``, or ``dictionary<int32, string>`` when read that way."""
    if name not in batch.column_names:
        return pa.nulls(len(batch), pa.string())
    col = _column(batch, name)
    if col.type == pa.string() or col.type == _DICT_STRING:
        return col
    return pc.cast(col, pa.string())


def _scatter(n: int, values: dict[int, str]) -> pa.Array:
    """A string array of ``n`` nulls with ``values`` at their rows (built without a list of n)."""
    if not values:
        return pa.nulls(n, pa.string())
    idx = np.full(n, -1, dtype=np.int64)
    idx[np.fromiter(values, np.int64, len(values))] = np.arange(len(values))
    small = pa.array(list(values.values()), pa.string())
    return small.take(pa.array(idx, mask=idx < 0))


def _mentions(strings: pa.Array, needle: bytes) -> np.ndarray:
    """Which strings contain ``needle`` (a plain substring test), searched in numpy.

    One vectorised pass over the data buffer, then the needle checked at the few candidate
    positions: faster than a per-string search over megabytes of card JSON.
    """
    n = len(strings)
    out = np.zeros(n, dtype=bool)
    if n == 0 or not needle:
        return out
    wide = pa.types.is_large_string(strings.type)
    _, off_buf, data_buf = strings.buffers()
    off = np.frombuffer(
        off_buf,
        dtype=np.int64 if wide else np.int32,
        count=n + 1,
        offset=strings.offset * (8 if wide else 4),
    ).astype(np.int64)
    lo, hi = int(off[0]), int(off[-1])
    if hi - lo < len(needle):
        return out
    data = np.frombuffer(data_buf, dtype=np.uint8, count=hi - lo, offset=lo)
    # Candidate starts from one byte of the needle (punctuation is rarer than letters in
    # text), then the other bytes checked at those positions only.
    k = next((i for i, b in enumerate(needle) if not chr(b).isalnum()), len(needle) // 2)
    cand = np.flatnonzero(data[k : len(data) - len(needle) + k + 1] == needle[k])
    for i, byte in enumerate(needle):
        if i != k and len(cand):
            cand = cand[data[cand + i] == byte]
    # A match belongs to the string it starts in, if it ends there too.
    rows = np.searchsorted(off, cand + lo, side="right") - 1
    inside = cand + lo + len(needle) <= off[rows + 1]
    out[rows[inside]] = True
    if strings.null_count:  # a null's slot in the data buffer, if any, is not a string
        out &= np.asarray(strings.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return out


def _declarations(
    parent_idx: np.ndarray,
    raw_ids: pa.Array,
    rel: pa.Array,
    source: str,
    report: LoadReport,
    model_ids: pa.Array,
) -> tuple[np.ndarray, pa.Array, pa.Array]:
    ids, valid = _normalise_ids(raw_ids)
    ok = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        _note_dropped(report, source, model_ids, parent_idx[bad], raw_ids, bad)
        keep = pa.array(np.flatnonzero(ok))
        return parent_idx[ok], ids.take(keep), rel.take(keep)
    return parent_idx, ids, rel


def _note_dropped(
    report: LoadReport,
    source: str,
    model_ids: pa.Array,
    rows: np.ndarray,
    raw_ids: pa.Array,
    raw_at: np.ndarray,
) -> None:
    """Count parents that are not Hub ids (declared by ``rows``, spelled ``raw_ids[raw_at]``),
    with the first few as examples."""
    reason = f"{source} parent dropped: not a Hub id"
    report.notes[reason] += len(rows)
    shown = slice(0, report.max_examples)
    kids = model_ids.take(pa.array(rows[shown])).to_pylist()
    raws = raw_ids.take(pa.array(raw_at[shown])).to_pylist()
    for k, r in zip(kids, raws, strict=True):
        report._example(reason, f"{k}: {r!r}"[:160])


@dataclass(frozen=True, eq=False)
class _BaseModelTags:
    """The ``base_model:`` tags among a set of tags, parsed once: one entry per such tag."""

    names: pa.Array  #: the tags parsed (a row group's tag dictionary, or the tags themselves)
    is_bm: np.ndarray  #: per tag: a ``base_model:`` tag
    entry: np.ndarray  #: per tag: its entry below (-1: another tag)
    raw: pa.Array  #: per entry: the id as written
    parent: pa.Array  #: per entry: the id, normalised
    relation: pa.Array  #: per entry: the relation stated, or null
    stated: np.ndarray  #: per entry: a relation is stated
    ok: np.ndarray  #: per entry: the id is a Hub id
    key: np.ndarray  #: per entry: the same number for the same lower-cased id


def _base_model_tags(names: pa.Array) -> _BaseModelTags:
    """Parse the ``base_model:[<relation>:]<id>`` tags among ``names`` (strings)."""
    is_bm = _starts_with(names, "base_model:")
    at = np.flatnonzero(is_bm)
    entry = np.full(len(names), -1, dtype=np.int64)
    entry[at] = np.arange(len(at))
    rest = pc.utf8_slice_codeunits(names.take(pa.array(at)), len("base_model:"))
    stated = np.asarray(pc.match_substring(rest, ":").to_numpy(zero_copy_only=False), dtype=bool)
    parts = pc.split_pattern(rest, ":", max_splits=1)
    relation = pc.if_else(
        pa.array(stated), pc.list_element(parts, 0), pa.nulls(len(rest), pa.string())
    )
    # the id: the last of the (one or two) parts
    raw = pc.list_flatten(parts).take(pa.array(np.asarray(parts.offsets.to_numpy())[1:] - 1))
    parent, ok = _normalise_ids(raw)
    key = pc.dictionary_encode(pc.utf8_lower(parent)).indices
    return _BaseModelTags(
        names=names,
        is_bm=is_bm,
        entry=entry,
        raw=raw,
        parent=parent,
        relation=relation,
        stated=stated,
        ok=np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool),
        key=np.asarray(key.to_numpy(), dtype=np.int64),
    )


def _tag_dictionary(batch: pa.Table) -> _BaseModelTags | None:
    """The parsed ``base_model:`` tags of a batch's tag dictionary, when its tags are
    dictionary-encoded (a whole row group's: parsed once for all its slices)."""
    if "tags" not in batch.column_names:
        return None
    col = batch["tags"]
    if col.num_chunks != 1 or not pa.types.is_list(col.type):
        return None
    values = col.chunk(0).values
    if not pa.types.is_dictionary(values.type):
        return None
    return _base_model_tags(values.dictionary)


def _tag_declarations(
    tags: pa.Array,
    report: LoadReport,
    model_ids: pa.Array,
    parsed: _BaseModelTags | None = None,
) -> tuple[np.ndarray, pa.Array, pa.Array] | None:
    """Parents named by ``base_model:[<relation>:]<id>`` tags: (rows, parent ids, relations).

    ``tags`` is a list of strings, or of dictionary-encoded strings (as the loader reads
    it): then each distinct tag is parsed and validated once (``parsed``, when given for
    this dictionary, is not parsed again), and the millions of tag occurrences are handled
    as integer codes. The Hub writes both ``base_model:<id>`` and
    ``base_model:<relation>:<id>``; one declaration per (model, parent) is kept, the first
    with a relation when one is stated.
    """
    flat = pc.list_flatten(tags)
    if not len(flat):
        return None
    if pa.types.is_dictionary(flat.type):
        names = flat.dictionary
        bm = parsed
        if bm is None or len(bm.names) != len(names) or not bm.names.equals(names):
            bm = _base_model_tags(names)
        codes_all = flat.indices
        valid = codes_all.is_valid() if codes_all.null_count else None
        codes_np = codes_all.fill_null(0).to_numpy()
        hit = bm.is_bm[codes_np]
        if valid is not None:
            hit &= np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)
        sel = np.flatnonzero(hit)
        entry = bm.entry[codes_np[sel]]
    else:
        sel = np.flatnonzero(_starts_with(flat, "base_model:"))
        bm = _base_model_tags(flat.take(pa.array(sel)))
        entry = np.arange(len(sel), dtype=np.int64)
    if not len(sel):
        return None
    # the row of each selected tag, from the list offsets (the flattened values start at
    # the first offset when the list array is a slice)
    offsets = np.asarray(tags.offsets.to_numpy(), dtype=np.int64)
    rows = np.searchsorted(offsets, sel + offsets[0], side="right") - 1

    # tags with a relation first within each model, else in tag order
    order = stable_argsort(rows * 2 + (~bm.stated[entry]).astype(np.int64))
    rows, entry = rows[order], entry[order]
    bad = ~bm.ok[entry]
    if bad.any():
        _note_dropped(report, "tag", model_ids, rows[bad], bm.raw, entry[bad])
        rows, entry = rows[~bad], entry[~bad]
    # one declaration per (model, lower-cased parent): the first
    pair = rows * (int(bm.key.max(initial=0)) + 1) + bm.key[entry]
    _, first = np.unique(pair, return_index=True)
    first.sort()
    keep = pa.array(entry[first])
    return rows[first], bm.parent.take(keep), bm.relation.take(keep)


def _starts_with(strings: pa.Array, prefix: str) -> np.ndarray:
    return np.asarray(
        pc.fill_null(pc.starts_with(strings, prefix), False).to_numpy(zero_copy_only=False),
        dtype=bool,
    )


def _batch_table(
    batch: pa.Table, report: LoadReport, where: str, tags: _BaseModelTags | None = None
) -> ModelTable:
    """One batch of rows as a table (``tags``: its tag dictionary, parsed)."""
    n_read = len(batch)
    report.rows_read += n_read
    if "id" not in batch.column_names:
        raise InputError(f"{where}: no 'id' column; is this a hub-stats models parquet?")
    raw = _column(batch, "id")
    if not (pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)):
        raw = pc.cast(raw, pa.string())
    ids, valid = _normalise_ids(raw)
    is_null = np.asarray(raw.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    ok = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool) & ~is_null
    if not ok.all():
        n_null = int(is_null.sum())
        if n_null:
            report.rejected["missing id"] += n_null
            report._example("missing id", where)
        bad = np.flatnonzero(~ok & ~is_null)
        if len(bad):
            report.rejected["bad id: not a Hub id"] += len(bad)
            for r in raw.take(pa.array(bad[: report.max_examples])).to_pylist():
                report._example("bad id: not a Hub id", f"{where}: {r!r}"[:160])
        keep = pa.array(np.flatnonzero(ok))
        batch = batch.take(keep)
        ids = ids.take(keep)
    n = len(batch)
    report.rows_loaded += n

    author = _strings(batch, "author")
    if author.null_count:
        dictionary = author.type == _DICT_STRING
        plain = author.cast(pa.string()) if dictionary else author
        prefix = pc.list_element(pc.split_pattern(ids, "/", max_splits=1), 0)
        has_org = pc.match_substring(ids, "/")
        derived = pc.if_else(has_org, prefix, pa.nulls(n, pa.string()))
        author = pc.coalesce(plain, derived)
        if dictionary:
            author = pc.dictionary_encode(author).cast(_DICT_STRING)

    # hub: baseModels {relation, models: [{_id, id}]}
    d_child: list[np.ndarray] = []
    d_parent: list[pa.Array] = []
    d_rel: list[pa.Array] = []
    d_src: list[np.ndarray] = []
    has_rel = np.zeros(n, dtype=bool)  # rows with a declaration that states its relation

    def declare(child: np.ndarray, parent: pa.Array, rel: pa.Array, source: int) -> None:
        d_child.append(child)
        d_parent.append(parent)
        d_rel.append(rel)
        d_src.append(np.full(len(child), source, dtype=np.int8))
        stated = np.asarray(pc.is_valid(rel).to_numpy(zero_copy_only=False), dtype=bool)
        has_rel[child[stated]] = True

    if "baseModels" in batch.column_names and pa.types.is_struct(
        batch.schema.field("baseModels").type
    ):
        bm = _column(batch, "baseModels")
        models = pc.struct_field(bm, "models")
        relation = pc.struct_field(bm, "relation")
        flat = pc.list_flatten(models)
        if len(flat):
            pidx = np.asarray(pc.list_parent_indices(models).to_numpy(), dtype=np.int64)
            pid = pc.struct_field(flat, "id")
            prel = relation.take(pa.array(pidx))
            declare(*_declarations(pidx, pid, prel, "hub", report, ids), _SRC_HUB)

    # tags: base_model:<relation>:<id> (preferred) and base_model:<id>
    if "tags" in batch.column_names:
        found = _tag_declarations(_column(batch, "tags"), report, ids, tags)
        if found is not None:
            declare(*found, _SRC_TAG)

    # card: parsed only where no better source names a parent with its relation
    card_relation: dict[int, str] = {}
    if "cardData" in batch.column_names:
        card = _column(batch, "cardData")
        if not pa.types.is_string(card.type):
            card = pc.cast(card, pa.string())
        mentions = _mentions(card, b"base_model")
        need = np.flatnonzero(mentions & ~has_rel)
        if len(need):
            texts = card.take(pa.array(need)).to_pylist()
            need_ids = ids.take(pa.array(need)).to_pylist()
            c_child: list[int] = []
            c_parent: list[str] = []
            c_rel: list[str | None] = []
            for row, text, mid in zip(need.tolist(), texts, need_ids, strict=True):
                decls, rel = card_declarations(text, mid, report)
                if rel is not None:
                    card_relation[row] = rel
                for d in decls:
                    c_child.append(row)
                    c_parent.append(d.parent_id)
                    c_rel.append(d.relation)
            declare(
                np.asarray(c_child, dtype=np.int64),
                pa.array(c_parent, pa.string()),
                pa.array(c_rel, pa.string()),
                _SRC_CARD,
            )

    return ModelTable(
        model_id=ids,
        author=author,
        created_at=_times(batch, "createdAt"),
        last_modified=_times(batch, "lastModified"),
        downloads=_counts(batch, "downloads", "downloads", None, report),
        downloads_all_time=_counts(batch, "downloadsAllTime", "downloadsAllTime", None, report),
        likes=_counts(batch, "likes", "likes", None, report),
        pipeline_tag=_strings(batch, "pipeline_tag"),
        library_name=_strings(batch, "library_name"),
        card_relation=_scatter(n, card_relation),
        decl_child=np.concatenate(d_child) if d_child else np.zeros(0, np.int64),
        decl_parent=pa.concat_arrays(d_parent) if d_parent else pa.array([], pa.string()),
        decl_relation=pa.concat_arrays([a.cast(pa.string()) for a in d_rel])
        if d_rel
        else pa.array([], pa.string()),
        decl_source=np.concatenate(d_src) if d_src else np.zeros(0, np.int8),
    )


def load_hub_stats(
    path: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    endpoint: str | None = None,
    token: str | None = None,
    plan: ReadPlan = ReadPlan(),
) -> tuple[ModelTable, LoadReport]:
    """Load a hub-stats ``models.parquet``: a local path, or the Hub's dump when ``None``.

    Args:
        path: local parquet file; ``None`` fetches ``cfahlgren1/hub-stats`` (cached).
        progress: called with (row groups done, row groups total).
        plan: how the file is cut for reading (the default suits the whole Hub).

    Raises:
        InputError: the file is missing or not a hub-stats parquet.
        HubUnavailable: ``path`` is ``None`` and the dump cannot be fetched.
    """
    p = fetch_hub_stats(endpoint, token) if path is None else Path(path)
    if not p.is_file():
        raise InputError(f"snapshot {str(p)!r} does not exist or is not a file", path=str(p))
    import pyarrow.parquet as pq  # here: a command that maps a cached graph never reads parquet

    try:
        pf = pq.ParquetFile(p)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(
            f"snapshot {str(p)!r} is not a readable parquet file ({exc}); "
            "pass a hub-stats models.parquet or a crawl snapshot",
            path=str(p),
        ) from exc
    present = set(pf.schema_arrow.names)
    if "id" not in present:
        raise InputError(
            f"snapshot {str(p)!r} has no 'id' column; expected the hub-stats models schema "
            f"({', '.join(HUB_STATS_COLUMNS)})",
            path=str(p),
        )
    # Only the leaves used: baseModels' ``relation`` and ``models[].id`` (not ``models[]._id``).
    leaves = [pf.schema.column(i).path for i in range(len(pf.schema))]
    columns = [c for c in HUB_STATS_COLUMNS if c in present and c != "baseModels"] + [
        leaf
        for leaf in leaves
        if (leaf == "baseModels" or leaf.startswith("baseModels.")) and not leaf.endswith("._id")
    ]
    dictionary = [
        c
        for c in _DICTIONARY_COLUMNS
        if c in present and pa.types.is_string(pf.schema_arrow.field(c).type)
    ]
    # the hub's relation: one of a few words, taken for every parent a model declares
    base = pf.schema_arrow.field("baseModels").type if "baseModels" in present else None
    if (
        isinstance(base, pa.StructType)
        and base.get_field_index("relation") >= 0
        and pa.types.is_string(base.field("relation").type)
    ):
        dictionary.append("baseModels.relation")
    # the tag strings' leaf ("tags.list.element" as pyarrow writes it)
    field = pf.schema_arrow.field("tags") if "tags" in present else None
    tag_leaf = [
        leaf
        for leaf in leaves
        if field is not None
        and pa.types.is_list(field.type)
        and pa.types.is_string(field.type.value_type)
        and leaf.startswith("tags.")
    ]
    coded = dictionary + tag_leaf if len(tag_leaf) == 1 else []
    report = LoadReport(sources=[str(p)])
    sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
    tasks = _row_group_batches(sizes, plan.task_rows)
    # One thread per core (at most four) reads and parses a task at a time: Arrow's
    # kernels release the GIL. (Three threads on two cores measured slower than two.)
    workers = max(1, min(len(tasks), os.cpu_count() or 1, 4))
    # The numeric columns and id fingerprints are written by the workers straight into
    # whole-file arrays, each task from its first row on (the row counts are in the
    # footer): stacking 40 batches afterwards would copy them on one thread.
    rows = sum(sizes)
    full = {name: np.empty(rows, dtype) for name, dtype in _STACKED.items()}
    starts = np.cumsum([0] + [sum(sizes[g] for g in groups) for groups in tasks]).tolist()

    def parse(
        pos: int, batch: pa.Table, tags: _BaseModelTags | None
    ) -> tuple[ModelTable, LoadReport]:
        part = LoadReport()
        piece = _batch_table(batch, part, p.name, tags)
        # fingerprints computed here, in parallel, for the graph's id matching
        hashes, parent_hashes = piece.fingerprints()
        end = pos + len(piece)
        for name in _NUMBERS:
            column = full[name][pos:end]
            column[:] = getattr(piece, name)
            setattr(piece, name, column)
        full["fingerprints"][pos:end] = hashes
        piece.set_fingerprints(full["fingerprints"][pos:end], parent_hashes)
        return piece, part

    def read_task(task: int) -> list[tuple[int, int, ModelTable, LoadReport]]:
        """Read and parse one task's batches: (first row, rows read, table, report) each."""
        out = []
        pos = starts[task]
        for batch, tags in _batches(p, tasks[task], sizes, columns, (dictionary, coded), plan):
            piece, part = parse(pos, batch, tags)
            out.append((pos, len(batch), piece, part))
            pos += len(batch)
        return out

    tables: list[ModelTable] = []
    spans: list[tuple[int, int]] = []  # (first row, rows kept) of each batch
    rejected = False
    groups_done = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        read = [pool.submit(read_task, task) for task in range(len(tasks))]
        try:
            # Results are taken in file order, so rows, reports and their examples do not
            # depend on timing.
            for task, groups in enumerate(tasks):
                for pos, rows_read, piece, part in read[task].result():
                    tables.append(piece)
                    report.merge(part)
                    spans.append((pos, len(piece)))
                    rejected |= len(piece) != rows_read
                groups_done += len(groups)
                if progress is not None:
                    progress(groups_done, len(sizes))
        finally:  # after an error, tasks not started are dropped
            for future in read:
                future.cancel()
    if rejected:  # rejected rows left gaps at the ends of batches
        keep = np.concatenate(
            [np.zeros(0, np.int64)] + [np.arange(a, a + n, dtype=np.int64) for a, n in spans]
        )
        full = {name: column[keep] for name, column in full.items()}
    table = ModelTable.concat(tables, stacked=full) if tables else ModelTable.empty()
    return table, report


def _batches(
    path: Path,
    groups: list[int],
    sizes: list[int],
    columns: list[str],
    dictionary: tuple[list[str], list[str]],
    plan: ReadPlan,
) -> Iterator[tuple[pa.Table, _BaseModelTags | None]]:
    """The rows of ``groups`` in slices of about ``plan.batch_rows``, each with, when its
    tags are dictionary-encoded, the ``base_model:`` tags of their dictionary, parsed (once
    for all the slices of a row group).

    ``dictionary`` names the columns read dictionary-encoded when streaming, and when
    reading a whole row group.

    A row group of up to ``plan.whole_group_rows`` rows is decoded whole and sliced (no copy), with
    ``tags`` dictionary-encoded: pyarrow's record-batch reader spends more CPU than one
    ``read_row_group`` on the same rows, and cannot return a list column dictionary-encoded
    once the row group's dictionary overflows. Larger row groups stream as record batches
    of plain strings, as does a row group whose tags cannot be read as a dictionary.
    """
    # One reader per task: a ParquetFile is not meant to be shared between threads. The
    # file is memory-mapped: column chunks are decoded from the page cache instead of being
    # copied into fresh buffers first (half the kernel time of a whole-Hub load).
    import pyarrow.parquet as pq  # imported by load_hub_stats already

    plain = pq.ParquetFile(path, read_dictionary=dictionary[0], memory_map=True)
    coded = (
        pq.ParquetFile(path, read_dictionary=dictionary[1], memory_map=True)
        if dictionary[1]
        else plain
    )
    for g in groups:
        whole = None
        if sizes[g] <= plan.whole_group_rows:
            try:
                whole = coded.read_row_group(g, columns=columns, use_threads=False)
            except pa.ArrowNotImplementedError:
                whole = None
        if whole is None:
            for b in plain.iter_batches(
                batch_size=plan.batch_rows, row_groups=[g], columns=columns, use_threads=False
            ):
                yield pa.Table.from_batches([b]), None
            continue
        tags = _tag_dictionary(whole)
        for start in range(0, len(whole), plan.batch_rows):
            yield whole.slice(start, plan.batch_rows), tags


def _row_group_batches(sizes: list[int], target: int) -> list[list[int]]:
    """Consecutive row groups grouped into batches of about ``target`` rows.

    >>> _row_group_batches([100, 100, 300, 50], 200)
    [[0, 1], [2], [3]]
    """
    out: list[list[int]] = []
    cur: list[int] = []
    rows = 0
    for i, size in enumerate(sizes):
        if cur and rows + size > target:
            out.append(cur)
            cur, rows = [], 0
        cur.append(i)
        rows += size
    if cur:
        out.append(cur)
    return out
