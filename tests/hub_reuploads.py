"""Real Hub ids written by hand (``tests/data/hub_reuploads.csv``) as an evaluation corpus.

A second list in the same format, ``tests/data/hub_reuploads_heldout.csv``, was written
later without reading the rules or the first list's rows, and is never used to tune them:
pass its path (:data:`HUB_REUPLOADS_HELDOUT`) to :func:`load_hub_reuploads`.

The generated corpus (:mod:`inference_corpus`) and the rules were written by the same hands;
this file lists real model ids as the Hub spells them (re-uploads by the quantisers and
converters that make them, the bases they point to with the Hub's renames, and traps whose
truth is no parent), each with the parent the Hub carries for it. :func:`load_hub_reuploads`
turns it into ``/api/models`` objects the real loaders read, the way the Hub would give them:

- every listed model with its ``createdAt`` and 30-day downloads from the file, its declared
  parent as ``base_model`` tags (relation included);
- for a model with ``declared_by`` = ``n``, ``n`` further models that declare it as their
  parent (``community-<k>/tune-of-<row>``): the stand-in for the Hub's finetunes that make a
  base a base. They are never held out.

The ``expect`` column says what the rules must do with a row (see the file's header).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from inference_eval import InferenceEvaluation, Outcome, evaluate_inference

from hflineage.loaders import ModelTable, load_snapshot
from hflineage.loaders.evidence import load_evidence

__all__ = [
    "HUB_REUPLOADS",
    "HUB_REUPLOADS_HELDOUT",
    "HubReuploads",
    "HubRow",
    "HubSnapshot",
    "evaluate_hub_list",
    "load_hub_reuploads",
    "write_hub_snapshot",
]

HUB_REUPLOADS = Path(__file__).resolve().parent / "data" / "hub_reuploads.csv"
#: The second, held-out list: same format, never used to write or tune the rules.
HUB_REUPLOADS_HELDOUT = HUB_REUPLOADS.with_name("hub_reuploads_heldout.csv")
#: Rows held out in the evaluation: re-uploads, known misses, declared finetunes, traps.
HELD_OUT = frozenset({"recover", "miss", "finetune", "trap"})
_EXPECT = HELD_OUT | {"base", "context"}


@dataclass(frozen=True, slots=True)
class HubRow:
    """One listed model: its declared parent (``""``: none) and what the rules must do."""

    model_id: str
    declared_parent: str
    relation: str
    created: str
    downloads: int
    declared_by: int
    expect: str
    pattern: str
    note: str


@dataclass
class HubReuploads:
    """API objects, the listed rows, and the ids whose truth is "no parent"."""

    rows: list[HubRow]
    models: list[dict[str, Any]] = field(default_factory=list)

    @property
    def no_parent(self) -> list[str]:
        """Traps: listed models that declare nothing, so any inferred parent is wrong."""
        return [r.model_id for r in self.rows if r.expect == "trap"]

    @property
    def held_out(self) -> list[str]:
        """Ids of the rows the evaluation holds out (never the stand-in declarers)."""
        return [r.model_id for r in self.rows if r.expect in HELD_OUT]


def _read(path: Path) -> list[HubRow]:
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    rows = []
    for i, raw in enumerate(csv.DictReader(lines)):
        row = HubRow(
            model_id=raw["model_id"].strip(),
            declared_parent=raw["declared_parent"].strip(),
            relation=raw["relation"].strip(),
            created=raw["created"].strip(),
            downloads=int(raw["downloads"]),
            declared_by=int(raw["declared_by"] or 0),
            expect=raw["expect"].strip(),
            pattern=raw["pattern"].strip(),
            note=raw["note"].strip(),
        )
        if row.expect not in _EXPECT:
            raise ValueError(f"{path.name} row {i + 2}: expect {row.expect!r}, not in {_EXPECT}")
        if (row.expect in {"recover", "miss", "finetune"}) != bool(row.declared_parent):
            raise ValueError(
                f"{path.name} row {i + 2}: {row.model_id} expect {row.expect!r} "
                f"with declared parent {row.declared_parent!r}"
            )
        rows.append(row)
    return rows


def _api(model_id: str, created: str, downloads: int, parent: str, relation: str) -> dict[str, Any]:
    tags = []
    if parent:
        tags.append(f"base_model:{parent}")
        if relation:
            tags.append(f"base_model:{relation}:{parent}")
    return {
        "id": model_id,
        "author": model_id.split("/")[0],
        "downloads": downloads,
        "downloadsAllTime": downloads * 10,
        "likes": downloads // 1000,
        "createdAt": f"{created}T12:00:00.000Z",
        "tags": tags,
    }


def load_hub_reuploads(path: Path = HUB_REUPLOADS) -> HubReuploads:
    """The listed models of the list at ``path``, and the stand-in declarers, as
    ``/api/models`` objects.

    >>> corpus = load_hub_reuploads()
    >>> len(corpus.rows) >= 300, "openai-community/gpt2-large" in corpus.no_parent
    (True, True)
    >>> "google/vit-base-patch16-224-in21k" in load_hub_reuploads(HUB_REUPLOADS_HELDOUT).no_parent
    True
    """
    rows = _read(path)
    out = HubReuploads(rows)
    for r in rows:
        out.models.append(_api(r.model_id, r.created, r.downloads, r.declared_parent, r.relation))
    for i, r in enumerate(rows):
        year, month, _ = r.created.split("-")
        later = f"{int(year) + 1}-{month}-01"  # a tune comes after its base
        for k in range(r.declared_by):
            tune = f"community-{k}/tune-of-{i}"
            out.models.append(_api(tune, later, 10, r.model_id, "finetune"))
    return out


@dataclass
class HubSnapshot:
    """A list written as an API snapshot and read back by the real loader."""

    hub: HubReuploads
    path: Path
    table: ModelTable
    #: rows of ``table`` whose declarations are hidden in the evaluation (ascending)
    held_out_rows: np.ndarray


def write_hub_snapshot(csv_path: Path, folder: Path) -> HubSnapshot:
    """The list at ``csv_path`` as an API snapshot in ``folder`` (named after the list)."""
    hub = load_hub_reuploads(csv_path)
    path = folder / f"{csv_path.stem}.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in hub.models), encoding="utf-8")
    table, _ = load_snapshot(path)
    row_of = {str(m).lower(): i for i, m in enumerate(table.model_id.to_pylist())}
    rows = np.array(sorted(row_of[m.lower()] for m in hub.held_out), dtype=np.int64)
    return HubSnapshot(hub, path, table, rows)


def evaluate_hub_list(
    path: Path, folder: Path
) -> tuple[HubReuploads, dict[str, Outcome], InferenceEvaluation]:
    """The list at ``path`` written as an API snapshot in ``folder`` and evaluated as
    ``bench/infer_eval.py`` does (its held-out rows hidden fold by fold): the list, each
    held-out model's outcome by lower-case id, and the evaluation."""
    snap = write_hub_snapshot(path, folder)
    ev = evaluate_inference(
        snap.table,
        load_evidence(snap.path),
        no_parent=snap.hub.no_parent,
        held_out_rows=snap.held_out_rows,
    )
    ids = [str(m).lower() for m in snap.table.model_id.to_pylist()]
    return snap.hub, {ids[o.child]: o for o in ev.outcomes}, ev
