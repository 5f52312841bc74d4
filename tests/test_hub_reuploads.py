"""Name inference on real Hub ids written by hand (``tests/data/hub_reuploads.csv``).

The list holds re-uploads by the orgs that make them, the bases they point to (with the
Hub's renames), and traps whose truth is no parent. Declarations are hidden fold by fold as
in the held-out evaluation (:func:`inference_eval.evaluate_inference`); each row's ``expect``
says what inference must do with it.
"""

from __future__ import annotations

import pytest
from hub_reuploads import (
    HELD_OUT,
    HUB_REUPLOADS,
    HubReuploads,
    evaluate_hub_list,
    load_hub_reuploads,
)
from inference_eval import InferenceEvaluation, Outcome

from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE

Evaluated = tuple[HubReuploads, dict[str, Outcome], InferenceEvaluation]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    return evaluate_hub_list(HUB_REUPLOADS, tmp_path_factory.mktemp("hub"))


def _edge(got: dict[str, Outcome], model_id: str) -> Outcome | None:
    """The inferred edge of a model at the default threshold, if any."""
    o = got.get(model_id.lower())
    return o if o is not None and o.confidence >= DEFAULT_MIN_CONFIDENCE - 1e-9 else None


def test_the_list_is_large_unique_and_names_its_parents() -> None:
    hub = load_hub_reuploads()
    ids = [r.model_id.lower() for r in hub.rows]
    assert len(ids) >= 300 and len(set(ids)) == len(ids)
    known = set(ids) | {r.declared_parent.lower() for r in hub.rows if r.expect != "recover"}
    absent = [r.model_id for r in hub.rows if r.expect == "recover"
              and r.declared_parent.lower() not in known]  # fmt: skip
    assert absent == [], "a re-upload to recover needs its parent listed or declared"
    assert {r.expect for r in hub.rows} >= HELD_OUT
    unexplained = [r.model_id for r in hub.rows if r.expect == "miss" and not r.note]
    assert unexplained == [], "every known miss says why"


def test_every_listed_reupload_is_recovered(evaluated: Evaluated) -> None:
    hub, got, _ = evaluated
    missed = []
    for r in hub.rows:
        if r.expect != "recover":
            continue
        o = _edge(got, r.model_id)
        if o is None or o.parent != r.declared_parent.lower():
            missed.append((r.model_id, r.declared_parent, o))
    assert missed == []


def test_no_trap_gets_an_edge(evaluated: Evaluated) -> None:
    hub, got, _ = evaluated
    edges = [(r.model_id, _edge(got, r.model_id)) for r in hub.rows if r.expect == "trap"]
    assert [e for e in edges if e[1] is not None] == []


def test_misses_and_finetunes_get_no_wrong_edge(evaluated: Evaluated) -> None:
    hub, got, _ = evaluated
    wrong = []
    for r in hub.rows:
        o = _edge(got, r.model_id)
        if r.expect in ("miss", "finetune") and o and o.parent != r.declared_parent.lower():
            wrong.append((r.model_id, r.declared_parent, o))
    assert wrong == []


def test_precision_and_recall_on_the_list(evaluated: Evaluated) -> None:
    hub, _, ev = evaluated
    (overall,) = [r for r in ev.at(DEFAULT_MIN_CONFIDENCE) if r.rule == "overall"]
    assert overall.precision is not None and overall.precision >= 0.99, overall
    counts = ev.meta["recall_by_declared_relation"][f"{DEFAULT_MIN_CONFIDENCE:g}"]  # type: ignore[index]
    quantized = counts["quantized"]
    assert quantized["correct"] >= 0.9 * quantized["edges"], quantized
    to_recover = sum(r.expect == "recover" for r in hub.rows)
    assert overall.correct >= to_recover  # every re-upload, plus finetunes named right
