"""Cards read as huggingface_hub reads them: front matter and YAML-string card data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from huggingface_hub.repocard import metadata_load

from hflineage.loaders import LoadReport
from hflineage.loaders.cards import load_model_cards, read_front_matter
from hflineage.loaders.parse import card_declarations, parse_api_model

CASES = {
    "plain": "---\nbase_model: org/a\n---\n# Card\n",
    "blank line first": "\n---\nbase_model: org/a\n---\n# Card\n",
    "blank lines and spaces first": "\n\n   \n---\nbase_model: [org/a, org/b]\n---\n",
    "crlf": "---\r\nbase_model: org/a\r\n---\r\nbody",
    "closing with trailing spaces": "---\nbase_model: org/a\n---   \nbody",
    "closing at end of file": "---\nbase_model: org/a\n---",
    "indented closing is not a closing": "---\nbase_model: org/a\n  ---\nbody\n---\n",
    "no front matter": "# Card\nbase_model: org/a\n",
    "unclosed": "---\nbase_model: org/a\n# Card\n",
    "four dashes": "----\nbase_model: org/a\n---\n",
    "empty block": "---\n\n---\nbody",
    "text before": "intro\n---\nbase_model: org/a\n---\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_front_matter_equals_huggingface_hub(name: str, tmp_path: Path) -> None:
    text = CASES[name]
    path = tmp_path / "README.md"
    path.write_bytes(text.encode())
    try:
        theirs = metadata_load(path) or {}
    except yaml.YAMLError:  # huggingface_hub raises; the loader rejects the card (counted)
        theirs = None
    assert read_front_matter(text) == theirs


def test_a_card_with_a_blank_line_before_its_front_matter_is_read(tmp_path: Path) -> None:
    card = tmp_path / "u" / "ft" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text("\n---\nbase_model: Qwen/Qwen2.5-7B\nbase_model_relation: adapter\n---\n")
    table, report = load_model_cards(tmp_path)
    assert table.decl_parent.to_pylist() == ["Qwen/Qwen2.5-7B"]
    assert table.card_relation.to_pylist() == ["adapter"]
    assert report.rows_loaded == 1


def test_an_unclosed_front_matter_is_read_as_none_and_counted(tmp_path: Path) -> None:
    card = tmp_path / "u" / "ft" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text("---\nbase_model: Qwen/Qwen2.5-7B\n# never closed\n")
    table, report = load_model_cards(tmp_path)
    assert len(table) == 1 and table.n_declarations == 0
    assert report.notes["front matter not closed (read as none, as huggingface_hub does)"] == 1


def test_card_data_as_a_yaml_string_is_parsed() -> None:
    report = LoadReport()
    yaml_text = "base_model:\n- org/a\n- org/b\nbase_model_relation: merge\nlicense: mit\n"
    decls, relation = card_declarations(yaml_text, "u/m", report)
    assert [d.parent_id for d in decls] == ["org/a", "org/b"] and relation == "merge"
    assert not report.notes
    rec = parse_api_model({"id": "u/m", "cardData": "base_model: org/a"}, "row 0", report)
    assert rec is not None and [d.parent_id for d in rec.parents] == ["org/a"]


def test_card_data_as_json_string_still_works_and_junk_is_counted() -> None:
    report = LoadReport()
    decls, _ = card_declarations('{"base_model": "org/a"}', "u/m", report)
    assert [d.parent_id for d in decls] == ["org/a"]
    assert card_declarations("base_model: [unclosed", "u/m", report) == ([], None)
    assert card_declarations("just a sentence", "u/m", report) == ([], None)
    assert report.notes["cardData is neither a JSON nor a YAML mapping (ignored)"] == 2
