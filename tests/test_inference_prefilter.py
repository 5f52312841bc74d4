"""The vectorised pre-filters and shortcuts of the inference rules change no proposal.

``InferenceContext(exhaustive=True)`` scans every target row in every rule and takes no
shortcut (the per-row algorithm the rules are specified by); the default context skips rows
that columnar pre-filters rule out. Both must propose exactly the same parents, buckets and
priors, on the generated re-upload corpus, the hand-written list of real Hub ids and a
generated Hub, with declarations hidden fold by fold as the held-out evaluation hides them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hub_reuploads import load_hub_reuploads
from inference_corpus import generate_reupload_corpus

from hflineage.graph.inference import RULES, InferenceContext, Proposal, infer_lineage
from hflineage.loaders import load_snapshot
from hflineage.loaders.evidence import load_evidence
from hflineage.loaders.table import ModelTable

#: The rules with a pre-filter or shortcut; the others scan as before.
FILTERED = ("namespace_extension", "mirror", "base_name_in_repo", "repo_suffix")


def _proposals(
    table: ModelTable, path: Path, targets: np.ndarray, exhaustive: bool
) -> list[Proposal]:
    ctx = InferenceContext(table, load_evidence(path).aligned_to(table.model_id), targets)
    ctx.exhaustive = exhaustive
    found = [p for rule in RULES.values() for p in rule(ctx)]
    return sorted(found, key=lambda p: (p.child, p.rule, p.parent_id, p.bucket, p.evidence))


def _folds(n: int) -> list[np.ndarray]:
    """Every third row hidden, in three shifts."""
    rows = np.arange(n)
    return [rows[rows % 3 == k] for k in range(3)]


def _check_same(path: Path) -> Counter[str]:
    table, _ = load_snapshot(path)
    fired: Counter[str] = Counter()
    for targets in _folds(len(table)):
        fast = _proposals(table, path, targets, exhaustive=False)
        slow = _proposals(table, path, targets, exhaustive=True)
        assert fast == slow
        fired.update(p.rule for p in fast)
    return fired


@pytest.mark.parametrize("seed", [1, 2])
def test_prefilters_change_nothing_on_generated_reuploads(tmp_path: Path, seed: int) -> None:
    corpus = generate_reupload_corpus(seed=seed)
    path = tmp_path / "reuploads.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in corpus.models), encoding="utf-8")
    fired = _check_same(path)
    assert fired["repo_suffix"] > 50 and fired["mirror"] > 5, fired


def test_prefilters_change_nothing_on_the_hand_written_hub_list(tmp_path: Path) -> None:
    hub = load_hub_reuploads()
    path = tmp_path / "hub.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in hub.models), encoding="utf-8")
    fired = _check_same(path)
    for rule in ("repo_suffix", "org_name_id", "converter_prefix", "mirror"):
        assert fired[rule] > 0, f"{rule} never fired: the comparison would prove nothing"


def test_prefilters_change_nothing_on_a_generated_hub(synthetic_path: Path) -> None:
    fired = _check_same(synthetic_path)
    for rule in FILTERED:
        assert fired[rule] > 0, f"{rule} never fired: the comparison would prove nothing"


def test_infer_lineage_is_deterministic_across_runs(synthetic_path: Path) -> None:
    """Memoised candidate data (authority, dates) live per context: a second run agrees."""
    table, _ = load_snapshot(synthetic_path)
    ev = load_evidence(synthetic_path)
    a, b = infer_lineage(table, ev), infer_lineage(table, ev)
    assert a.as_dicts() == b.as_dicts() and len(a) > 0
