"""A built lineage graph kept on disk between commands, memory-mapped back in.

Loading a whole-Hub snapshot and building its graph takes seconds, most of it decoding
parquet; the graph itself is a few flat arrays. The first command on a snapshot stores them
(Arrow IPC for strings, ``.npy`` for numbers) under a key made of each input file's path,
size and modification time and of the loader and graph code; later commands map them in
without copying and skip loading and building. A changed file, a different set of inputs or
new code gives a new key, so a stale graph is never used; an unreadable entry is removed and
the graph rebuilt.

Layout: ``<cache dir>/<key>/`` with ``strings.arrow`` (ids, authors, lower-case authors, each
as a run of record batches, their counts in ``meta.pickle``),
``categories.arrow`` (pipeline tags and libraries, dictionary-encoded), one ``<name>.npy``
per array and ``meta.pickle`` (the validation report; the folder is the user's own cache,
read by nobody else). Entries are written to a temporary folder and renamed into place, so
readers never see half an entry; the least recently used entries beyond :data:`KEEP` are
removed.

What later commands work out from a mapped graph and would otherwise work out again every
time (every node's id fingerprint, org, developer, country and family, the root sets of a
merge policy) is kept too, in ``derived/<name>/`` of the same entry, so it goes with the
graph: when a command that found or stored its graph here ends, the indexes it worked out
that the entry lacks are written there (each folder renamed into place), and the next
command maps them in. The first command's build works out the id fingerprints on the way,
so a later one-model command finds them kept. The curated tables they come from are part
of the key.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from hflineage._exports import lazy_module
from hflineage.graph._kept import DERIVED, KeptIndexes, mapped, write_kept
from hflineage.graph.lineage import GraphIndexes, LineageGraph
from hflineage.loaders._arrow import chunks_of, plain_strings
from hflineage.loaders.authors import author_kinds_path
from hflineage.loaders.home import default_home, is_uri, user_cache_dir
from hflineage.loaders.renames import aliases_path

pc = lazy_module("pyarrow.compute")

__all__ = ["KEEP", "GraphCache", "cache_dir_from_env"]

#: Bumped whenever the stored layout changes.
FORMAT = 3
#: Graphs kept (least recently used removed beyond this).
KEEP = 3
#: Age after which a temporary folder of an interrupted store is removed.
STALE_SECONDS = 3600
_ENV = "HF_LINEAGE_GRAPH_CACHE"
_DICT_STRING = pa.dictionary(pa.int32(), pa.string())
_OFF = {"", "0", "off", "no", "false", "none"}

#: The adjacency: the CSR (``graph._csr``) of every node's parent and child edges.
_STRUCTURE = ("parents_ptr", "parents_order", "children_ptr", "children_order")
#: Numeric arrays stored, by attribute (the depth index included). The id fingerprints and the
#: lower-cased authors are not stored: a command that needs them computes them in a few tens
#: of milliseconds, which costs less than writing 60 MB more with every first report.
_ARRAYS = (
    "stub",
    "created_at",
    "downloads",
    "downloads_all_time",
    "likes",
    "edge_child",
    "edge_parent",
    "edge_relation",
    "edge_source",
    "depth",
)
#: The columns of ``strings.arrow``, in order.
_STRING_COLUMNS = ("model_id", "author")
#: Low-cardinality string columns, stored dictionary-encoded.
_CATEGORIES = ("pipeline_tag", "library_name")


def cache_dir_from_env() -> Path | None:
    """Where graphs are cached: ``$HF_LINEAGE_GRAPH_CACHE`` (``off`` disables it), else
    ``$HF_LINEAGE_HOME/graphs`` when that is a local folder, else ``graphs`` in the
    platform's user cache folder."""
    env = os.environ.get(_ENV)
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env)
    home = default_home()
    if is_uri(home):
        if not home.startswith("file://"):
            return user_cache_dir() / "graphs"
        home = home.removeprefix("file://")
    return Path(home) / "graphs"


@functools.cache
def _code_digest() -> str:
    """Digest of the loader and graph code and the alias table: a graph built by other code
    or other renames is not reused."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for folder in (here, here.parent / "loaders"):
        for f in sorted(folder.glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    # Renames change which node a parent names; the curated tables give every node's
    # country, developer and family, which the entry keeps once worked out.
    for table in ("aliases.csv", "orgs.csv", "developers.csv", "families.csv"):
        h.update((here / "data" / table).read_bytes())
    return h.hexdigest()


@dataclass
class GraphCache:
    """Graphs stored under ``root``; :meth:`get_or_build` is the one entry point."""

    root: Path
    #: What happened on the last call: ``hit``, ``stored``, ``rebuilt (<why>)``,
    #: ``not stored (<why>)``, ``off (<why>)`` (``storing`` while a background store runs).
    last: str = ""
    _pending: threading.Thread | None = field(default=None, repr=False)
    _keeper: weakref.finalize[[Path, GraphIndexes], LineageGraph] | None = field(
        default=None, repr=False
    )

    def key(self, inputs: Sequence[str | os.PathLike[str]]) -> str | None:
        """The key of a graph built from these files (``None``: some input is not a file)."""
        parts: list[object] = [FORMAT, _code_digest()]
        for p in inputs:
            path = Path(p).resolve()
            if not path.is_file():  # folders of cards change without their mtime changing
                return None
            st = path.stat()
            parts.append([str(path), st.st_size, st.st_mtime_ns])
            for side in (author_kinds_path(path), aliases_path(path)):  # its sidecars too
                if side.is_file():
                    st = side.stat()
                    parts.append([str(side), st.st_size, st.st_mtime_ns])
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    def get_or_build(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        build: Callable[[], LineageGraph],
        *,
        background: bool = False,
    ) -> LineageGraph:
        """The graph of ``inputs`` from the cache, else ``build()`` and store it.

        With ``background``, the graph is returned at once and stored by a thread while the
        caller goes on (the interpreter waits for it before exiting; :meth:`wait` joins it).
        """
        key = self.key(inputs)
        if key is None:
            self.last = "off (an input is not a regular file)"
            return build()
        entry = self.root / key
        why = ""
        if entry.is_dir():
            try:
                graph = _read(entry)
            except Exception as exc:  # a damaged entry: drop it and rebuild
                shutil.rmtree(entry, ignore_errors=True)
                why = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            else:
                os.utime(entry)
                self.last = "hit"
                self._keep_derived_at_exit(entry, graph)
                return graph
        graph = build()
        self.last = "storing"
        # Runs after the store: the interpreter joins the storing thread before exit hooks.
        self._keep_derived_at_exit(entry, graph)
        done = f"rebuilt (unreadable cache entry removed: {why})" if why else "stored"
        if background:
            self._pending = threading.Thread(
                target=self._store_noting, args=(entry, graph, done), name="graph-cache-store"
            )
            self._pending.start()
        else:
            self._store_noting(entry, graph, done)
        return graph

    def _keep_derived_at_exit(self, entry: Path, graph: LineageGraph) -> None:
        """Have the indexes the process works out from ``graph`` kept in ``entry`` once the
        graph is dropped, or at exit (a finalizer: nothing keeps the graph alive)."""
        self._keeper = weakref.finalize(graph, _keep_derived, entry, graph.indexes)

    def keep_derived(self) -> list[str]:
        """Keep now what was worked out from the last graph found or stored here (see the
        module docstring); returns the names of the indexes written (none while a store
        started in the background has not finished)."""
        written: list[str] | None = self._keeper() if self._keeper is not None else None
        return written or []

    def wait(self) -> None:
        """Wait for a store started in the background, if any."""
        if self._pending is not None:
            self._pending.join()
            self._pending = None

    def _store_noting(self, entry: Path, graph: LineageGraph, done: str) -> None:
        try:
            self._store(entry, graph)
        except Exception as exc:  # a full or read-only disk only costs the next command time
            self.last = f"not stored ({type(exc).__name__}: {exc})".splitlines()[0][:200]
        else:
            self.last = done

    def entries(self) -> list[tuple[Path, int, float]]:
        """(folder, bytes, last used) of every stored graph, most recently used first."""
        if not self.root.is_dir():
            return []
        out = []
        for d in self.root.iterdir():
            if d.is_dir() and not d.name.startswith("."):
                size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
                out.append((d, size, d.stat().st_mtime))
        return sorted(out, key=lambda e: -e[2])

    def clear(self) -> int:
        """Remove every stored graph; returns how many."""
        gone = self.entries()
        for d, _, _ in gone:
            shutil.rmtree(d, ignore_errors=True)
        return len(gone)

    def _store(self, entry: Path, graph: LineageGraph) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Folders left by a store that was killed midway (an hour is far beyond any store).
        for d in self.root.glob(".*"):
            with contextlib.suppress(OSError):
                if d.is_dir() and time.time() - d.stat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(d, ignore_errors=True)
        tmp = self.root / f".{entry.name}.{os.getpid()}.{time.monotonic_ns()}"
        tmp.mkdir()
        try:
            _write(tmp, graph)
            try:
                tmp.rename(entry)
            except OSError:
                if not entry.is_dir():  # not a concurrent writer winning the race
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for d, _, _ in self.entries()[KEEP:]:
            shutil.rmtree(d, ignore_errors=True)


def _keep_derived(entry: Path, indexes: GraphIndexes) -> list[str]:
    """Write the indexes the entry lacks; never raises (the cache only saves time)."""
    try:
        return write_kept(entry / DERIVED, indexes)
    except Exception:  # a full or read-only disk, an entry evicted meanwhile
        return []


def _categories(arr: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """A string column as dictionary chunks (``dictionary<int32, string>``)."""
    out = [
        c if pa.types.is_dictionary(c.type) else pc.dictionary_encode(c.cast(pa.string()))
        for c in chunks_of(arr)
    ]
    return pa.chunked_array(
        [c.cast(_DICT_STRING) for c in out] or [pa.array([], _DICT_STRING)], _DICT_STRING
    )


def _write(folder: Path, graph: LineageGraph) -> None:
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", np.ascontiguousarray(getattr(graph, name)))
    # The adjacency's pointers are stored rather than counted again: counting touches every
    # node, which is most of the work of a command that asks about one model.
    for kind, (ptr, order) in (("parents", graph._parents_csr), ("children", graph._children_csr)):
        np.save(folder / f"{kind}_ptr.npy", ptr)
        np.save(folder / f"{kind}_order.npy", order)
    columns = {name: plain_strings(getattr(graph, name)) for name in _STRING_COLUMNS}
    # Each column's chunks (one per batch read, plus the stubs) are written as they are, one
    # record batch each, columns one after another: stacking them first would copy them.
    chunks = []
    with ipc.new_file(folder / "strings.arrow", pa.schema([("v", pa.string())])) as w:
        for name in _STRING_COLUMNS:
            parts = [c for c in columns[name].chunks if len(c)] or [pa.array([], pa.string())]
            for c in parts:
                w.write_batch(pa.record_batch([c], names=["v"]))
            chunks.append(len(parts))
    cats = pa.table({name: _categories(getattr(graph, name)) for name in _CATEGORIES})
    with ipc.new_file(folder / "categories.arrow", cats.schema) as w:
        w.write_table(cats.unify_dictionaries().combine_chunks())
    meta = {"validation": graph.validation, "n": graph.n, "string_chunks": chunks}
    with open(folder / "meta.pickle", "wb") as fh:
        pickle.dump(meta, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _read(folder: Path) -> LineageGraph:
    with open(folder / "meta.pickle", "rb") as fh:
        meta = pickle.load(fh)
    n = int(meta["n"])
    arrays = {name: mapped(folder / f"{name}.npy") for name in _ARRAYS}
    structure = {name: mapped(folder / f"{name}.npy") for name in _STRUCTURE}
    reader = ipc.open_file(pa.memory_map(str(folder / "strings.arrow")))
    chunks = [int(k) for k in meta["string_chunks"]]
    if len(chunks) != len(_STRING_COLUMNS) or reader.num_record_batches != sum(chunks):
        raise ValueError(f"strings.arrow holds {reader.num_record_batches} record batches")
    strings: dict[str, pa.Array | pa.ChunkedArray] = {}
    first = 0
    for name, k in zip(_STRING_COLUMNS, chunks, strict=True):
        parts = [reader.get_batch(i).column(0) for i in range(first, first + k)]
        strings[name] = pa.chunked_array(parts, pa.string())
        first += k
    cats = ipc.open_file(pa.memory_map(str(folder / "categories.arrow"))).read_all()
    for name in _CATEGORIES:
        strings[name] = cats.column(name)  # mapped as it is: combining chunks would copy
    for name in (*_STRING_COLUMNS, *_CATEGORIES):
        if len(strings[name]) != n:
            raise ValueError(f"{name} has {len(strings[name])} values, expected {n}")
    for name in ("stub", "created_at", "downloads", "depth"):
        if len(arrays[name]) != n:
            raise ValueError(f"{name} has {len(arrays[name])} values, expected {n}")
    for kind in ("parents", "children"):
        ptr, order = structure[f"{kind}_ptr"], structure[f"{kind}_order"]
        if len(ptr) != n + 1 or len(order) != len(arrays["edge_child"]):
            raise ValueError(f"the {kind} CSR does not fit {n} nodes and their edges")
    graph = LineageGraph(
        model_id=strings["model_id"],
        author=strings["author"],
        stub=arrays["stub"],
        created_at=arrays["created_at"],
        downloads=arrays["downloads"],
        downloads_all_time=arrays["downloads_all_time"],
        likes=arrays["likes"],
        pipeline_tag=strings["pipeline_tag"],
        library_name=strings["library_name"],
        edge_child=arrays["edge_child"],
        edge_parent=arrays["edge_parent"],
        edge_relation=arrays["edge_relation"],
        edge_source=arrays["edge_source"],
        validation=meta["validation"],
    )
    graph.indexes = KeptIndexes(
        folder / DERIVED,
        n,
        parents_csr=(structure["parents_ptr"], structure["parents_order"]),
        children_csr=(structure["children_ptr"], structure["children_order"]),
        depth=arrays["depth"],
    )
    return graph
