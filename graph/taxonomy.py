"""Curated families (rules on root org and name) and org -> country, shipped as CSV files."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

__all__ = [
    "INTERNATIONAL",
    "OTHER_FAMILY",
    "UNCURATED_DEVELOPER_RULE",
    "UNKNOWN_COUNTRY",
    "DeveloperInfo",
    "FamilyRule",
    "OrgInfo",
    "Taxonomy",
    "default_taxonomy",
]

UNKNOWN_COUNTRY = "unknown"
INTERNATIONAL = "International/Online"
OTHER_FAMILY = "other"
#: What ``--by developer`` does with a namespace the developer table does not list.
UNCURATED_DEVELOPER_RULE = (
    "a namespace with no curated developer is its own developer (nothing is hidden)"
)


@dataclass(frozen=True, slots=True)
class FamilyRule:
    """``org`` (case-insensitive, ``*`` any, empty for legacy ids) + a name regex -> family.

    The regex (case-insensitive) is compiled when first matched: a command that asks only
    for an org's country should not pay for compiling every family's rules.
    """

    family: str
    org: str
    name_pattern: str
    priority: int

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled name regex."""
        return _compiled(self.name_pattern)


@cache
def _compiled(name_pattern: str) -> re.Pattern[str]:
    return re.compile(name_pattern, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OrgInfo:
    """A developer org's country, kind and the source of that fact."""

    org: str
    country: str
    kind: str
    source: str


@dataclass(frozen=True, slots=True)
class DeveloperInfo:
    """The organisation behind a Hub namespace, and the source of that fact."""

    namespace: str
    developer: str
    source: str


class Taxonomy:
    """Classifies model ids into families, orgs into countries and developers."""

    def __init__(
        self,
        rules: list[FamilyRule],
        orgs: dict[str, OrgInfo],
        developers: dict[str, DeveloperInfo] | None = None,
    ) -> None:
        self.rules = sorted(rules, key=lambda r: r.priority)
        self.orgs = orgs
        #: lower-case namespace -> its developer
        self.developers = developers or {}
        self._by_org: dict[str, list[FamilyRule]] = {}
        self._any: list[FamilyRule] = []
        for r in self.rules:
            if r.org == "*":
                self._any.append(r)
            else:
                self._by_org.setdefault(r.org.lower(), []).append(r)

    @property
    def families(self) -> list[str]:
        """Every family name the rules know, sorted."""
        return sorted({r.family for r in self.rules})

    def family_of(self, model_id: str) -> str:
        """The family of a (root) model id, or :data:`OTHER_FAMILY`.

        >>> default_taxonomy().family_of("Qwen/Qwen2.5-7B-Instruct")
        'Qwen'
        """
        org, _, name = model_id.rpartition("/")
        candidates = self._by_org.get(org.lower(), [])
        best: FamilyRule | None = None
        for r in (*candidates, *self._any):
            if r.pattern.search(name) and (best is None or r.priority < best.priority):
                best = r
        return best.family if best else OTHER_FAMILY

    def ruled_orgs(self) -> frozenset[str]:
        """Lower-case orgs that have family rules (``""`` stands for ids with no namespace)."""
        return frozenset(self._by_org)

    def has_wildcard_rules(self) -> bool:
        """True when a rule applies to any org (then every root must be checked)."""
        return bool(self._any)

    def country_of(self, org: str | None) -> str:
        """The country of a developer org; :data:`UNKNOWN_COUNTRY` when not curated."""
        if not org:
            return UNKNOWN_COUNTRY
        info = self.orgs.get(org.lower())
        return info.country if info else UNKNOWN_COUNTRY

    def developer_of(self, org: str | None) -> str:
        """The organisation behind a namespace: the curated developer, else the namespace.

        >>> tax = default_taxonomy()
        >>> tax.developer_of("google-bert"), tax.developer_of("someone-uncurated")
        ('Google', 'someone-uncurated')
        """
        if not org:
            return UNKNOWN_COUNTRY
        info = self.developers.get(org.lower())
        return info.developer if info else org


def _rows(name: str) -> list[dict[str, str]]:
    # the package's own files (importlib.resources would cost every command ~10 ms of imports)
    text = (Path(__file__).parent / "data" / name).read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The curated taxonomy shipped with the package (``graph/data/*.csv``)."""
    rules = [
        FamilyRule(
            family=r["family"].strip(),
            org=r["org"].strip(),
            name_pattern=r["name_pattern"].strip() or ".*",
            priority=int(r.get("priority") or 100),
        )
        for r in _rows("families.csv")
    ]
    orgs = {
        r["org"].strip().lower(): OrgInfo(
            org=r["org"].strip(),
            country=r["country"].strip(),
            kind=r.get("kind", "").strip(),
            source=r.get("source", "").strip(),
        )
        for r in _rows("orgs.csv")
    }
    developers = {
        r["namespace"].strip().lower(): DeveloperInfo(
            namespace=r["namespace"].strip(),
            developer=r["developer"].strip(),
            source=r.get("source", "").strip(),
        )
        for r in _rows("developers.csv")
    }
    return Taxonomy(rules, orgs, developers)
