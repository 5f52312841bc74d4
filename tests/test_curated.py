"""The curated org -> country table: every row sourced, no org twice, modalities covered."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from hflineage.graph.taxonomy import INTERNATIONAL, default_taxonomy

DATA = Path(__file__).resolve().parent.parent / "graph" / "data"


def _rows(name: str) -> list[dict[str, str]]:
    lines = [ln for ln in (DATA / name).read_text("utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def test_every_org_row_has_a_country_kind_and_source_and_appears_once() -> None:
    rows = _rows("orgs.csv")
    keys = [r["org"].strip().lower() for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["country"].strip() and r["kind"].strip() and r["source"].strip() for r in rows)
    # individuals are International/Online by rule, never given a country
    assert {r["country"] for r in rows if r["kind"] == "individual"} == {INTERNATIONAL}


def test_orgs_carrying_downloads_outside_llms_are_curated() -> None:
    tax = default_taxonomy()
    for org in ("MIT", "sentence-transformers", "cross-encoder", "answerdotai", "Rostlab"):
        assert tax.country_of(org) != "unknown", org
    assert tax.country_of("mit") == "United States"  # case-insensitive


def test_every_developer_namespace_with_a_country_agrees_within_a_developer() -> None:
    """Namespaces of one developer never sit in two countries (a sign of a wrong row)."""
    tax = default_taxonomy()
    by_dev: dict[str, set[str]] = {}
    for ns, info in tax.developers.items():
        country = tax.country_of(ns)
        if country not in ("unknown", INTERNATIONAL):
            by_dev.setdefault(info.developer, set()).add(country)
    split = {d: c for d, c in by_dev.items() if len(c) > 1}
    assert not split


def test_every_family_rule_compiles_and_matches_case_insensitively() -> None:
    """Rules compile when first matched, so a broken regex in families.csv is caught here."""
    tax = default_taxonomy()
    assert len(tax.rules) > 50
    for rule in tax.rules:
        assert rule.pattern.flags & re.IGNORECASE, rule
    assert tax.family_of("qwen/QWEN2.5-7b-instruct") == tax.family_of("Qwen/Qwen2.5-7B-Instruct")
    assert tax.family_of("Qwen/Qwen2.5-7B-Instruct") == "Qwen"
