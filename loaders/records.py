"""Typed records: the one shape every loader produces, and the report that accounts for rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["SOURCES", "Declaration", "LoadReport", "ModelRecord"]

#: Where a parent declaration comes from, in order of trust (index = rank, 0 is best).
SOURCES: tuple[str, ...] = ("hub", "tag", "card", "inferred")


@dataclass(frozen=True, slots=True)
class Declaration:
    """One parent as one source states it.

    Attributes:
        parent_id: the parent's id, syntactically normalised (case kept).
        relation: the relation as the source spells it (``finetune`` ...) or ``None``.
        source: one of :data:`SOURCES`.
    """

    parent_id: str
    relation: str | None
    source: str


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One model's metadata, snake_case, validated."""

    model_id: str
    author: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    downloads: int = 0
    downloads_all_time: int = 0
    likes: int = 0
    pipeline_tag: str | None = None
    library_name: str | None = None
    parents: tuple[Declaration, ...] = ()
    #: ``base_model_relation`` from the model card, used when no better source names one.
    card_relation: str | None = None


@dataclass
class LoadReport:
    """Accounts for every input row: loaded, or rejected with a reason.

    ``notes`` counts repairs made on loaded rows (a missing count read as 0, a parent
    declaration that was not an id and was dropped ...): the row is kept, the repair is counted.
    """

    rows_read: int = 0
    rows_loaded: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    #: lower-case author -> ``user`` / ``organization`` / ``missing``, from snapshot sidecars
    #: (``loaders.authors``); empty when no sidecar was read
    author_kinds: dict[str, str] = field(default_factory=dict)
    #: lower-case old id -> current id, from the renames sidecars of resolved stubs
    #: (``loaders.crawl_stubs``); applied like the curated alias table
    aliases: dict[str, str] = field(default_factory=dict)

    max_examples = 5

    def reject(self, reason: str, where: str) -> None:
        """Count one rejected row."""
        self.rejected[reason] += 1
        self._example(reason, where)

    def note(self, reason: str, where: str, n: int = 1) -> None:
        """Count a repair on a loaded row."""
        self.notes[reason] += n
        self._example(reason, where)

    def _example(self, reason: str, where: str) -> None:
        ex = self.examples.setdefault(reason, [])
        if len(ex) < self.max_examples:
            ex.append(where)

    @property
    def rows_rejected(self) -> int:
        """Rows that were read but not loaded."""
        return sum(self.rejected.values())

    def merge(self, other: LoadReport) -> None:
        """Add another report's counts to this one."""
        self.rows_read += other.rows_read
        self.rows_loaded += other.rows_loaded
        self.rejected.update(other.rejected)
        self.notes.update(other.notes)
        for k, v in other.examples.items():
            ex = self.examples.setdefault(k, [])
            ex.extend(v[: max(0, self.max_examples - len(ex))])
        self.sources.extend(other.sources)
        for author, kind in other.author_kinds.items():  # the first snapshot's answer wins
            self.author_kinds.setdefault(author, kind)
        for old, new in other.aliases.items():
            self.aliases.setdefault(old, new)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "sources": list(self.sources),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "rejected": dict(self.rejected.most_common()),
            "notes": dict(self.notes.most_common()),
            "examples": {k: list(v) for k, v in self.examples.items()},
        }
