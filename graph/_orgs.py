"""Every node's org, matched case-insensitively against small sets of orgs, without encoding
every org of the Hub.

Contract: a node's org is its author, else the namespace of its id (a legacy id with no
namespace is its own org). :func:`org_keys` lower-cases them once (:class:`OrgKeys`);
:meth:`OrgKeys.positions_in` answers, for every node, where its lower-case org is in a
given list of lower-case orgs (-1: not there), as an int32 array indexed by node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from hflineage._exports import lazy_module
from hflineage.loaders._arrow import chunks_of, lower_chunk, take_rows

pc = lazy_module("pyarrow.compute")

__all__ = ["OrgKeys", "lower_authors", "org_keys"]


@dataclass(frozen=True, eq=False)
class OrgKeys:
    """The lower-case org of every node, as it is cheapest to keep.

    ``authors`` are the lower-cased author chunks (node order, null where a node has no
    author); ``authorless`` the nodes with no author; ``namespaces`` the lower-cased id
    namespaces of those nodes, in the same order.
    """

    authors: list[pa.Array]
    authorless: np.ndarray
    namespaces: pa.Array

    def positions_in(self, orgs: list[str]) -> np.ndarray:
        """For every node, where its lower-case org is in ``orgs`` (-1: not there)."""
        value_set = pa.array(orgs, pa.string())
        pos = np.concatenate(
            [np.zeros(0, np.int32)]
            + [_int32(pc.fill_null(pc.index_in(c, value_set=value_set), -1)) for c in self.authors]
        )
        if len(self.authorless):
            found = pc.index_in(self.namespaces, value_set=value_set)
            pos[self.authorless] = _int32(pc.fill_null(found, -1))
        return pos


def lower_authors(author: pa.Array | pa.ChunkedArray) -> tuple[list[pa.Array], np.ndarray]:
    """Lower-cased author chunks (plain strings), and the rows with no author."""
    chunks: list[pa.Array] = []
    absent: list[np.ndarray] = [np.zeros(0, bool)]
    for chunk in chunks_of(author):
        plain = chunk.cast(pa.string()) if chunk.type != pa.string() else chunk
        chunks.append(lower_chunk(plain))
        absent.append(np.asarray(plain.is_null().to_numpy(zero_copy_only=False), bool))
    return chunks, np.flatnonzero(np.concatenate(absent))


def org_keys(
    lowered: tuple[list[pa.Array], np.ndarray], model_id: pa.Array | pa.ChunkedArray
) -> OrgKeys:
    """The org keys of nodes with these ids, from their :func:`lower_authors`."""
    chunks, authorless = lowered
    namespace = pc.list_element(
        pc.split_pattern(take_rows(model_id, authorless), "/", max_splits=1), 0
    )
    return OrgKeys(chunks, authorless, pc.utf8_lower(namespace))


def _int32(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Positions from ``index_in`` (int32 already: no copy)."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.int32)
