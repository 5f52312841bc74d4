"""Name inference on the held-out list of real Hub ids (``tests/data/hub_reuploads_heldout.csv``).

The list was written without reading the rules or the first list's rows and is never used to
tune them, so these are the aggregate targets on data the rules have not seen: precision at
the default threshold, declared-quantized re-uploads recovered, and no edge for a model whose
truth is no parent. Declarations are hidden fold by fold as in the held-out evaluation
(:func:`inference_eval.evaluate_inference`), with the shipped calibration, as
``bench/infer_eval.py`` reports it.
"""

from __future__ import annotations

import pytest
from hub_reuploads import (
    HELD_OUT,
    HUB_REUPLOADS_HELDOUT,
    HubReuploads,
    evaluate_hub_list,
    load_hub_reuploads,
)
from inference_eval import InferenceEvaluation, Outcome

from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE

Evaluated = tuple[HubReuploads, dict[str, Outcome], InferenceEvaluation]

MIN_PRECISION = 0.95
MIN_QUANTIZED_RECALL = 0.70


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    return evaluate_hub_list(HUB_REUPLOADS_HELDOUT, tmp_path_factory.mktemp("hub-heldout"))


def test_the_heldout_list_is_large_unique_and_names_its_parents() -> None:
    hub = load_hub_reuploads(HUB_REUPLOADS_HELDOUT)
    ids = [r.model_id.lower() for r in hub.rows]
    assert 300 <= len(ids) <= 450 and len(set(ids)) == len(ids)
    listed = set(ids)
    parents = [(r.model_id, r.declared_parent.lower()) for r in hub.rows if r.declared_parent]
    absent = [m for m, p in parents if p not in listed]
    assert absent == [], "every declared parent is itself a listed row"
    assert {r.expect for r in hub.rows} >= HELD_OUT
    unexplained = [r.model_id for r in hub.rows if r.expect == "miss" and not r.note]
    assert unexplained == [], "every known miss says why"


def test_precision_at_the_default_threshold(evaluated: Evaluated) -> None:
    _, _, ev = evaluated
    (overall,) = [r for r in ev.at(DEFAULT_MIN_CONFIDENCE) if r.rule == "overall"]
    assert overall.precision is not None and overall.precision >= MIN_PRECISION, overall


def test_declared_quantized_reuploads_are_recovered(evaluated: Evaluated) -> None:
    _, _, ev = evaluated
    counts = ev.meta["recall_by_declared_relation"][f"{DEFAULT_MIN_CONFIDENCE:g}"]  # type: ignore[index]
    quantized = counts["quantized"]
    assert quantized["correct"] >= MIN_QUANTIZED_RECALL * quantized["edges"], quantized


def test_no_trap_gets_an_edge(evaluated: Evaluated) -> None:
    hub, got, _ = evaluated
    edges = []
    for r in hub.rows:
        o = got.get(r.model_id.lower())
        if r.expect == "trap" and o is not None and o.confidence >= DEFAULT_MIN_CONFIDENCE - 1e-9:
            edges.append((r.model_id, o))
    assert edges == []
