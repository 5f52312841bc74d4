"""Moved and renamed ids resolve to one node (graph/data/aliases.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner
from conftest import api_model, graph_of, write_jsonl

from hflineage.explorer.cli.main import cli
from hflineage.graph.aliases import AliasTable, alias_hits, default_aliases, resolve_absent
from hflineage.loaders.table import column_fingerprints
from hflineage.queries import attribute


def _roots(graph: object) -> set[str]:
    return {r.key for r in attribute(graph, by="root").rows}  # type: ignore[arg-type]


def test_legacy_and_current_spellings_are_one_root_when_neither_is_loaded() -> None:
    g = graph_of(
        [
            api_model("a/ft1", "gpt2", downloads=1),
            api_model("b/ft2", "openai-community/gpt2", downloads=2),
            api_model("c/ft3", "GPT2", downloads=4),
        ]
    )
    assert _roots(g) == {"openai-community/gpt2"}  # the stub takes the current spelling
    assert g.validation.stubs == 1
    assert g.country_of(g.node("openai-community/gpt2")) == "United States"
    v = g.validation.as_dict()
    assert v["aliases"]["declarations_resolved"] == 2  # type: ignore[index]
    assert v["aliases"]["ids_resolved"] == 1  # type: ignore[index]
    assert v["alias_examples"] == ["gpt2 -> openai-community/gpt2"]  # the first spelling


def test_legacy_parent_links_to_the_loaded_current_model() -> None:
    g = graph_of(
        [
            api_model("google-bert/bert-base-uncased", downloads=10),
            api_model("u/ft", "bert-base-uncased", downloads=5),
        ]
    )
    assert g.validation.stubs == 0
    assert list(g.ids_of(g.parents(g.node("u/ft")))) == ["google-bert/bert-base-uncased"]


def test_current_parent_links_to_a_model_loaded_under_its_old_id() -> None:
    g = graph_of([api_model("t5-small", downloads=10), api_model("u/ft", "google-t5/t5-small")])
    assert g.validation.stubs == 0
    assert g.ids_of(g.parents(g.node("u/ft"))) == ["t5-small"]


def test_repo_and_org_renames() -> None:
    g = graph_of(
        [
            api_model("meta-llama/Llama-3.1-8B-Instruct", downloads=1),
            api_model("u/a", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
            api_model("u/b", "meta-llama/Llama-3.1-8B-Instruct"),
            api_model("u/c", "CohereForAI/aya-23-8B"),
            api_model("u/d", "CohereLabs/aya-23-8B"),
        ]
    )
    assert _roots(g) == {"meta-llama/Llama-3.1-8B-Instruct", "CohereLabs/aya-23-8B"}


def test_a_parent_naming_a_loaded_model_is_left_alone() -> None:
    """Both spellings loaded (two repos in the data): nothing is merged."""
    g = graph_of(
        [
            api_model("gpt2"),
            api_model("openai-community/gpt2"),
            api_model("u/a", "gpt2"),
            api_model("u/b", "openai-community/gpt2"),
        ]
    )
    assert g.ids_of(g.parents(g.node("u/a"))) == ["gpt2"]
    assert g.validation.aliased_declarations == 0


def test_lookup_by_an_old_id_finds_the_current_model() -> None:
    g = graph_of([api_model("openai-community/gpt2")])
    assert g.id_of(g.node("gpt2")) == "openai-community/gpt2"
    assert g.id_of(g.node("https://huggingface.co/GPT2")) == "openai-community/gpt2"


def test_resolve_absent_merges_spellings_and_finds_rows() -> None:
    table = AliasTable.of([("old-a", "org/a"), ("oldorg/*", "neworg/*")])
    absent = pa.array(["old-a", "org/a", "oldorg/x", "unrelated/y", "neworg/z"])
    hits = alias_hits(absent, table)
    assert hits.tolist() == [0, 1, 2, 4]
    models = pa.array(["neworg/X", "m/other", "oldorg/z"])
    spelled = pa.array(["old-a", "org/a", "oldorg/x", "NewOrg/z"])
    out = resolve_absent(absent, hits, spelled, models, column_fingerprints(models), table)
    assert out is not None
    assert out.row.tolist() == [-1, -1, 0, -1, 2]  # oldorg/x -> neworg/X; neworg/z -> oldorg/z
    assert out.key[0] == out.key[1] != out.key[3]  # old-a and org/a: one stub
    assert out.spelling == {int(out.key[0]): "org/a"}
    assert sorted(out.renamed.tolist()) == [0, 2, 4]  # org/a itself is already current


def test_no_hit_changes_nothing() -> None:
    table = AliasTable.of([("old-a", "org/a")])
    assert alias_hits(pa.array(["x/y"]), table).tolist() == []
    g = graph_of([api_model("u/a", "someone/base")])
    assert g.validation.aliased_ids == 0 and g.validation.stubs == 1


def test_shipped_table_has_unique_old_ids_and_no_chains() -> None:
    t = default_aliases()
    assert t.size > 70
    assert all(t.current(new) is None for new in t.ids.values())  # one step to the current id
    assert not set(t.orgs) & {v.lower() for v in t.orgs.values()}
    assert t.current("bert-base-uncased") == "google-bert/bert-base-uncased"
    assert t.current("meta-llama/Meta-Llama-3.1-70B") == "meta-llama/Llama-3.1-70B"


def test_validate_counts_aliases(tmp_path: Path) -> None:
    snap = write_jsonl(
        tmp_path / "s.jsonl",
        [api_model("u/a", "roberta-base"), api_model("u/b", "FacebookAI/roberta-base")],
    )
    out = CliRunner().invoke(cli, ["validate", "--snapshot", str(snap), "--format", "json"])
    assert out.exit_code == 0, out.output
    v = json.loads(out.output)
    assert v["aliases"]["declarations_resolved"] == 1
    assert v["stubs"] == 1
    table = CliRunner().invoke(cli, ["validate", "--snapshot", str(snap)])
    assert "aliases: declarations_resolved" in table.output


@pytest.mark.parametrize("n", [1, 3])
def test_many_declarations_of_one_old_id(n: int) -> None:
    g = graph_of([api_model(f"u/ft{i}", "distilgpt2") for i in range(n)])
    assert g.ids_of(np.flatnonzero(g.stub)) == ["distilbert/distilgpt2"]
    assert g.validation.aliased_declarations == n
