"""The library's front door: snapshots in, a :class:`LineageGraph` out.

``open_graph`` is what notebooks, the CLI, the pages and the server call: it loads the
snapshots (or the Hub's hub-stats dump), builds the lineage graph and keeps it in the graph
cache, so the next call on the same files maps it back in instead of building again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from os import PathLike
from pathlib import Path

from hflineage.graph.cache import GraphCache, cache_dir_from_env
from hflineage.graph.lineage import LineageGraph

__all__ = ["Progress", "open_graph"]

#: Called with (row groups read, row groups in all) while snapshots load.
Progress = Callable[[int, int], None]


def open_graph(
    snapshots: str | PathLike[str] | Sequence[str | PathLike[str]] = (),
    *,
    infer: bool = False,
    min_confidence: float | None = None,
    cache: bool | str | PathLike[str] = True,
    progress: Progress | None = None,
    on_loaded: Callable[[], None] | None = None,
) -> LineageGraph:
    """Load snapshots and build (or map from the cache) their lineage graph.

    Args:
        snapshots: hub-stats ``.parquet`` files, API ``.jsonl[.gz]`` snapshots or folders
            of model cards; none means the Hub's ``cfahlgren1/hub-stats`` dump (fetched
            and kept under ``$HF_LINEAGE_HOME``).
        infer: add inferred parents for models that declare none (``docs/inference.md``);
            declared parents always win. Inferred graphs are not cached.
        min_confidence: the lowest confidence of an inferred edge kept.
        cache: ``True`` for the graph cache of ``HF_LINEAGE_GRAPH_CACHE`` (default
            ``$HF_LINEAGE_HOME/graphs``), a folder for another one, ``False`` for none.
        progress: called with (row groups read, row groups in all) while loading.
        on_loaded: called once loading is done and building starts.

    Raises:
        InputError: a snapshot cannot be read.
        HubUnavailable: no snapshot was given and the Hub dump cannot be fetched.

    Example::

        import hflineage
        graph = hflineage.open_graph("hub-stats.parquet")
        hflineage.attribute(graph, by="country").rows[:3]
    """
    if isinstance(snapshots, str | PathLike):
        snapshots = [snapshots]
    inputs = [str(s) for s in snapshots] or [str(_hub_stats_dump())]

    def build() -> LineageGraph:
        # Imported here: a graph found in the cache needs neither loaders nor builder.
        from hflineage.graph.build import build_lineage_graph
        from hflineage.loaders.snapshot import load_snapshots

        table, report = load_snapshots(inputs, progress=progress)
        if on_loaded is not None:
            on_loaded()
        if not infer:
            return build_lineage_graph(table, report)
        from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE, build_inferred_graph
        from hflineage.loaders.evidence import load_evidences

        conf = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
        return build_inferred_graph(table, report, load_evidences(inputs), min_confidence=conf)[0]

    where = _cache_folder(cache)
    if where is None or infer:  # inferred graphs depend on a threshold: not cached
        return build()
    return GraphCache(where).get_or_build(inputs, build, background=True)


def _hub_stats_dump() -> Path:
    from hflineage.loaders.hubstats import fetch_hub_stats

    return fetch_hub_stats()


def _cache_folder(cache: bool | str | PathLike[str]) -> Path | None:
    if cache is True:
        return cache_dir_from_env()
    if cache is False:
        return None
    return Path(cache)
