"""``--by developer``: namespaces grouped into the organisation behind them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import api_model, graph_of, write_jsonl

from hflineage.explorer.cli.main import cli
from hflineage.graph import LineageGraph
from hflineage.graph.taxonomy import (
    UNCURATED_DEVELOPER_RULE,
    DeveloperInfo,
    Taxonomy,
    default_taxonomy,
)
from hflineage.queries import attribute

DATA = Path(__file__).resolve().parent.parent / "graph" / "data" / "developers.csv"


@pytest.fixture
def spread() -> LineageGraph:
    """Google, Meta and OpenAI roots spread over their namespaces, with finetunes."""
    return graph_of(
        [
            api_model("google/gemma-2b", downloads=1),
            api_model("google-bert/bert-base-uncased", downloads=10),
            api_model("google-t5/t5-small", downloads=100),
            api_model("facebook/opt-125m", downloads=1_000),
            api_model("FacebookAI/roberta-base", downloads=10_000),
            api_model("meta-llama/Llama-3.1-8B", downloads=100_000),
            api_model("openai/whisper-tiny", downloads=1_000_000),
            api_model("openai-community/gpt2", downloads=10_000_000),
            api_model("solo/tiny-model", downloads=7),
            api_model("u1/bert-ft", "google-bert/bert-base-uncased", downloads=20),
            api_model("u2/gpt2-ft", "openai-community/gpt2", downloads=30),
        ]
    )


def _values(graph: LineageGraph, **kw: str) -> dict[str, float]:
    return {r.key: r.value for r in attribute(graph, by="developer", **kw).rows}


def test_developer_gives_one_row_per_organisation(spread: LineageGraph) -> None:
    assert _values(spread) == {
        "OpenAI": 11_000_030,
        "Meta": 111_000,
        "Google": 131,
        "solo": 7,  # not curated: the namespace is its own developer
    }


def test_developer_in_the_uploader_view_credits_uploaders(spread: LineageGraph) -> None:
    got = _values(spread, view="uploader")
    assert got["Google"] == 111
    assert got["u1"] == 20 and got["u2"] == 30  # finetuners credited as themselves


def test_org_level_still_gives_namespaces(spread: LineageGraph) -> None:
    orgs = {r.key for r in attribute(spread, by="org").rows}
    assert {"google", "google-bert", "google-t5", "openai-community"} <= orgs


def test_meta_states_the_rule_and_the_uncurated_keys(spread: LineageGraph) -> None:
    meta = attribute(spread, by="developer").meta
    note = meta["developers"]
    assert isinstance(note, dict)
    assert note["rule"] == UNCURATED_DEVELOPER_RULE
    assert note["keys_from_curated_developers"] == 3
    assert note["keys_that_are_uncurated_namespaces"] == 1
    assert "developers" not in attribute(spread, by="org").meta


def test_developer_per_node_for_other_front_ends(spread: LineageGraph) -> None:
    node = spread.node("u2/gpt2-ft")
    assert spread.developer_of(node) == "u2"
    assert spread.developer_of(spread.node("openai-community/gpt2")) == "OpenAI"
    assert spread.to_networkx().nodes["google-t5/t5-small"]["developer"] == "Google"
    _ = spread.developer_codes  # the same answer once the whole-graph codes exist
    assert spread.developer_of(spread.node("google-t5/t5-small")) == "Google"


def test_namespace_matching_is_case_insensitive() -> None:
    tax = Taxonomy([], {}, {"acme": DeveloperInfo("Acme", "Acme Corp", "acme.example")})
    g = graph_of([api_model("ACME/a", downloads=2), api_model("acme/b", downloads=3)])
    g.taxonomy_override = tax
    assert _values(g) == {"Acme Corp": 5}


def test_developer_table_rows_are_sourced_and_unique() -> None:
    lines = [ln for ln in DATA.read_text("utf-8").splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    spaces = [r["namespace"].lower() for r in rows]
    assert len(spaces) == len(set(spaces))
    assert all(r["source"].strip() and r["developer"].strip() for r in rows)
    assert len(default_taxonomy().developers) == len(rows)


def test_cli_report_by_developer(tmp_path: Path) -> None:
    snap = write_jsonl(
        tmp_path / "s.jsonl",
        [
            api_model("google/a", downloads=5),
            api_model("google-bert/b", downloads=6),
            api_model("x/c", "google/a", downloads=1),
        ],
    )
    out = CliRunner().invoke(
        cli, ["report", "--snapshot", str(snap), "--by", "developer", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert [(r["key"], r["value"]) for r in payload["rows"]] == [("Google", 12.0)]
    assert payload["meta"]["level"] == "developer"
