"""Ids the Hub moved or renamed, resolved to one node (``graph/data/aliases.csv``).

Real cards still name ``gpt2`` or ``meta-llama/Meta-Llama-3.1-8B-Instruct``; the Hub serves
those as ``openai-community/gpt2`` and ``meta-llama/Llama-3.1-8B-Instruct``. Without the table
each spelling would be a root of its own.

The rule, for a declared parent that names no model in the data (it would become a stub):

1. the table's current id, when that id is a model in the data;
2. else the old id, when the parent is spelled with the current id and the data holds the
   model under its old id (an older snapshot);
3. else one stub under the current id, shared by every spelling.

A parent that names a model in the data is left alone. Rows ``org/*`` rename a whole org.
The work is on the distinct parent ids that name no model (a small set), never per row.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.loaders.table import id_fingerprints, take_rows

pc = lazy_module("pyarrow.compute")

__all__ = ["AliasTable", "Resolution", "alias_hits", "default_aliases", "resolve_absent"]


@dataclass(frozen=True)
class AliasTable:
    """Old id -> current id, and old org -> current org (keys lower-case)."""

    ids: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> AliasTable:
        """From ``(old, new)`` pairs; ``org/*`` pairs rename an org."""
        ids: dict[str, str] = {}
        orgs: dict[str, str] = {}
        for old, new in pairs:
            if old.endswith("/*") and new.endswith("/*"):
                orgs[old[:-2].lower()] = new[:-2]
            else:
                ids[old.lower()] = new
        return cls(ids, orgs)

    def with_ids(self, extra: dict[str, str]) -> AliasTable:
        """This table and more old -> current ids (the table's own rows win)."""
        if not extra:
            return self
        return AliasTable({**{k.lower(): v for k, v in extra.items()}, **self.ids}, self.orgs)

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(self.ids) + len(self.orgs)

    def current(self, model_id: str) -> str | None:
        """The current id of an old one (``None`` when the table does not rename it).

        >>> default_aliases().current("gpt2")
        'openai-community/gpt2'
        """
        new = self.ids.get(model_id.lower())
        if new is not None:
            return new
        org, sep, name = model_id.partition("/")
        new_org = self.orgs.get(org.lower()) if sep else None
        return f"{new_org}/{name}" if new_org else None

    def former(self, model_id: str) -> list[str]:
        """Old ids the table renames to ``model_id`` (exact-id rows, then org rows)."""
        key = model_id.lower()
        out = [old for old, new in self.ids.items() if new.lower() == key]
        org, sep, name = model_id.partition("/")
        if sep:
            out += [f"{old}/{name}" for old, new in self.orgs.items() if new.lower() == org.lower()]
        return out


@lru_cache(maxsize=1)
def default_aliases() -> AliasTable:
    """The curated table shipped with the package (``graph/data/aliases.csv``)."""
    text = (Path(__file__).parent / "data" / "aliases.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return AliasTable.of([(r["old_id"].strip(), r["new_id"].strip()) for r in rows])


@dataclass(frozen=True)
class Resolution:
    """What the table did with the distinct parent ids that name no model.

    ``row[k]``: the model row entry ``k`` of the input now names (-1: still no model);
    ``key[k]``: its entry in ``names`` (the lower-case stub ids after merging spellings);
    ``spelling``: entry of ``names`` -> the current id's spelling (the stub keeps it);
    ``renamed``: the input entries the table applied to; ``examples``: ``old -> new``.
    """

    row: np.ndarray
    key: np.ndarray
    names: pa.Array
    spelling: dict[int, str]
    renamed: np.ndarray
    examples: list[str]


def resolve_absent(
    absent_lower: pa.Array,
    hits: np.ndarray,
    spelled: pa.Array,
    model_id: pa.Array | pa.ChunkedArray,
    hashes: np.ndarray,
    aliases: AliasTable,
    max_examples: int = 5,
) -> Resolution | None:
    """Apply the alias rule to distinct lower-case parent ids that name no model.

    Args:
        absent_lower: the distinct ids (lower-case).
        hits: the entries the table names (:func:`alias_hits`); ``spelled``: one declared
            spelling of each hit.
        model_id, hashes: the model ids and their fingerprints (to find current ids).
        aliases: the table.

    Returns ``None`` when the table changes nothing.
    """
    spellings = [str(s) for s in spelled.to_pylist()]
    current = [aliases.current(s) or s for s in spellings]
    former = [next(iter(aliases.former(s)), None) for s in spellings]
    wanted = current + [f or "" for f in former]
    rows = _rows_of(wanted, model_id, hashes)
    row = np.full(len(absent_lower), -1, dtype=np.int64)
    target = absent_lower.to_pylist()
    spelling: dict[str, str] = {}
    examples: list[str] = []
    applied: list[int] = []
    for i, k in enumerate(hits.tolist()):
        at_current, at_former = int(rows[i]), int(rows[len(hits) + i])
        if at_current >= 0:
            row[k], new = at_current, current[i]
        elif former[i] is not None and at_former >= 0:
            row[k], new = at_former, str(former[i])
        elif current[i] != spellings[i]:
            target[k] = current[i].lower()
            spelling[current[i].lower()] = new = current[i]
        else:  # a current id whose old spelling is not in the data either: as declared
            continue
        applied.append(k)
        if len(examples) < max_examples:
            examples.append(f"{spellings[i]} -> {new}")
    if not applied:
        return None
    enc = pc.dictionary_encode(pa.array(target, pa.string()))
    names = enc.dictionary
    key = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    lookup = {str(n): j for j, n in enumerate(names.to_pylist())}
    return Resolution(
        row=row,
        key=key,
        names=names,
        spelling={lookup[k]: v for k, v in spelling.items()},
        renamed=np.asarray(applied, dtype=np.int64),
        examples=examples,
    )


def alias_hits(lower: pa.Array, aliases: AliasTable) -> np.ndarray:
    """Entries of ``lower`` (lower-case ids) the table names, as old or as current id."""
    ids = set(aliases.ids) | {v.lower() for v in aliases.ids.values()}
    found = pc.is_in(lower, value_set=pa.array(sorted(ids), pa.string()))
    hit = np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)
    orgs = set(aliases.orgs) | {v.lower() for v in aliases.orgs.values()}
    if orgs:  # one pass of a regex on the org, not a split of every id
        pattern = "^(?:" + "|".join(re.escape(o) for o in sorted(orgs)) + ")/"
        in_org = pc.match_substring_regex(lower, pattern)
        hit |= np.asarray(pc.fill_null(in_org, False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.flatnonzero(hit)


def _rows_of(
    wanted: list[str], model_id: pa.Array | pa.ChunkedArray, hashes: np.ndarray
) -> np.ndarray:
    """The model row of each wanted id, case-insensitively (-1: not a model; ``""``: none)."""
    lower = [w.lower() for w in wanted]
    fps = id_fingerprints(pa.array(lower, pa.string()))
    # Rows whose fingerprint's low 16 bits are some wanted id's (one gather over the whole
    # Hub, ~10 ms for 2.5M ids, no hash table), then the exact fingerprints.
    mark = np.zeros(1 << 16, dtype=bool)
    mark[fps.astype(np.uint16)] = True  # the cast keeps the low 16 bits
    near = np.flatnonzero(mark[hashes.astype(np.uint16)])
    rows = near[np.isin(hashes[near], fps)]
    out = np.full(len(wanted), -1, dtype=np.int64)
    if not len(rows):
        return out
    # A fingerprint match is confirmed on the id itself; the first row of an id wins.
    by_id: dict[str, int] = {}
    for key, r in zip(_lower_ids(take_rows(model_id, rows)), rows.tolist(), strict=True):
        by_id.setdefault(key, int(r))
    for j, key in enumerate(lower):
        if key:
            out[j] = by_id.get(key, -1)
    return out


def _lower_ids(ids: pa.Array) -> list[str]:
    return [str(s).lower() for s in ids.to_pylist()]
