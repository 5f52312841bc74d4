"""Indexes of a cached graph that commands work out, kept beside it (private to the cache).

Contract:

- :class:`KeptIndexes` is the ``GraphIndexes`` of a graph mapped from a cache entry. Every
  node's id fingerprint, org, developer, country, root family and family (``(codes,
  names)``) and the root sets of each merge policy that an earlier command kept in
  ``<entry>/derived/<field>/`` are read when the graph first asks for them (arrays
  memory-mapped, names as a list), so a command pays only for what it uses. A kept folder
  that does not fit the graph (an unreadable file, a wrong length or type) is removed and
  the index worked out again, as it would be without a cache. Values are not scanned, as
  the entry's own arrays are not: each folder is written whole or not at all.
- :func:`write_kept` writes the kept fields a process worked out that ``derived/`` lacks,
  each as a folder written under a temporary name and renamed into place, so a reader sees a
  whole index or none. It never overwrites: what is there came from the same graph and code
  (the entry's key covers the code and the curated tables).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from hflineage.graph.keynames import KeyNames, names_arrow
from hflineage.graph.lineage import Codes, GraphIndexes, MergePolicy, RootSets

__all__ = ["DERIVED", "KeptIndexes", "mapped", "write_kept"]

#: The folder of an entry holding the kept indexes.
DERIVED = "derived"
#: ``GraphIndexes`` fields holding (codes of every node, names) that an entry keeps.
_CODES = (
    "org_codes",
    "developer_codes",
    "country_codes",
    "root_family_codes",
    "family_codes",
)
_ROOT_SET_ARRAYS = ("of_node", "combo_ptr", "combo_roots", "combo_weights")
_POLICIES: tuple[MergePolicy, ...] = ("split", "full", "first")
T = TypeVar("T")


def mapped(path: Path) -> np.ndarray:
    """A stored array, memory-mapped copy-on-write, as a plain ndarray.

    Nothing is read until used, and callers may still write. The plain view (its buffer is
    the map) keeps numpy's fast paths: a ``np.memmap`` indexes through Python code, about a
    microsecond for every element read one at a time.
    """
    out: np.ndarray = np.load(path, mmap_mode="c").view(np.ndarray)
    return out


class _ReadWhenAsked(Generic[T]):
    """A field of :class:`KeptIndexes`: read from the entry by ``read(folder, n)`` when
    first asked and nothing has been set."""

    def __init__(self, read: Callable[[Path, int], T]) -> None:
        self.read = read

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: KeptIndexes | None, owner: type | None = None) -> T | None:
        if obj is None:
            return None  # the class attribute: no value (as the dataclass default)
        value: T | None = obj.__dict__.get(self.name)
        if value is None and self.name not in obj.asked:
            obj.asked.add(self.name)
            value = obj.__dict__[self.name] = _read_or_drop(
                obj.folder / self.name, obj.n, self.read
            )
        return value

    def __set__(self, obj: KeptIndexes, value: T | None) -> None:
        obj.__dict__[self.name] = value


def _read_values(folder: Path, n: int) -> np.ndarray:
    values = mapped(folder / "values.npy")
    if len(values) != n:
        raise ValueError(f"{folder.name}: {len(values)} values for {n} nodes")
    return values


def _read_codes(folder: Path, n: int) -> Codes:
    codes = mapped(folder / "codes.npy")
    reader = ipc.open_file(pa.memory_map(str(folder / "names.arrow")))
    names = KeyNames(reader.read_all().column(0))  # read by name when asked
    if len(codes) != n or codes.dtype.kind != "i" or (n and not names):
        raise ValueError(f"{folder.name}: codes do not fit {n} nodes and {len(names)} names")
    return codes, names


def _read_root_sets(folder: Path, n: int) -> RootSets:
    a = {name: mapped(folder / f"{name}.npy") for name in _ROOT_SET_ARRAYS}
    ptr = a["combo_ptr"]
    entries = {len(a["combo_roots"]), len(a["combo_weights"])}
    if len(a["of_node"]) != n or not len(ptr) or entries != {int(ptr[-1])}:
        raise ValueError(f"{folder.name}: arrays do not fit {n} nodes")
    return RootSets(n=n, **a)


class KeptIndexes(GraphIndexes):
    """``GraphIndexes`` of a graph mapped from a cache entry, with its kept indexes."""

    id_hashes = _ReadWhenAsked(_read_values)
    org_codes = _ReadWhenAsked(_read_codes)
    developer_codes = _ReadWhenAsked(_read_codes)
    country_codes = _ReadWhenAsked(_read_codes)
    root_family_codes = _ReadWhenAsked(_read_codes)
    family_codes = _ReadWhenAsked(_read_codes)

    def in_memory(self, name: str) -> bool:
        """Whether ``name`` was read or set (asking for a kept index would read it)."""
        return self.__dict__.get(name) is not None

    def __init__(self, folder: Path, n: int, **handed: Any) -> None:
        self.folder, self.n, self.asked = folder, n, set[str]()
        super().__init__(**handed)
        for policy in _POLICIES:  # memory maps only (no data read): opened up front
            rs = _read_or_drop(folder / f"root_sets_{policy}", n, _read_root_sets)
            if rs is not None:
                self.root_sets[policy] = rs


def _read_or_drop(folder: Path, n: int, read: Callable[[Path, int], T]) -> T | None:
    """``read(folder, n)``; None when nothing is kept there, or when what is kept is
    damaged (then removed, to be worked out and kept again)."""
    if not folder.is_dir():
        return None
    try:
        return read(folder, n)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _files(indexes: GraphIndexes, kept: set[str]) -> dict[str, dict[str, np.ndarray | pa.Array]]:
    """The indexes worked out in ``indexes`` and not among ``kept`` (folder names): folder
    name -> file stem -> array. A kept one is not even asked for (that would read it)."""
    out: dict[str, dict[str, np.ndarray | pa.Array]] = {}
    hashes = None if "id_hashes" in kept else indexes.id_hashes
    if hashes is not None:
        out["id_hashes"] = {"values": hashes}
    for name in _CODES:
        codes: Codes | None = None if name in kept else getattr(indexes, name)
        if codes is not None:
            out[name] = {"codes": codes[0], "names": names_arrow(codes[1])}
    for policy, rs in indexes.root_sets.items():
        out[f"root_sets_{policy}"] = {a: getattr(rs, a) for a in _ROOT_SET_ARRAYS}
    return {name: files for name, files in out.items() if name not in kept}


def write_kept(folder: Path, indexes: GraphIndexes) -> list[str]:
    """Write the kept indexes worked out in ``indexes`` that ``folder`` lacks; their names.

    ``folder`` is an entry's ``derived/``; nothing is written if the entry is gone.
    """
    if not folder.parent.is_dir():
        return []
    kept = {d.name for d in folder.iterdir() if d.is_dir()} if folder.is_dir() else set()
    written = []
    for name, files in _files(indexes, kept).items():
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.{time.monotonic_ns()}"
        tmp.mkdir()
        try:
            for stem, arr in files.items():
                if isinstance(arr, pa.Array):
                    with ipc.new_file(tmp / f"{stem}.arrow", pa.schema([("v", arr.type)])) as w:
                        w.write_batch(pa.record_batch([arr], names=["v"]))
                else:
                    np.save(tmp / f"{stem}.npy", np.ascontiguousarray(arr))
            try:
                tmp.rename(folder / name)
            except OSError:
                if not (folder / name).is_dir():  # not another process winning the race
                    raise
            else:
                written.append(name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return written
