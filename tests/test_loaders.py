from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import api_model, write_jsonl

from hflineage.errors import InputError
from hflineage.graph import build_lineage_graph
from hflineage.loaders import load_jsonl, load_model_cards, load_snapshot, load_snapshots
from hflineage.queries import attribute


def test_jsonl_adversarial_rows_are_each_loaded_or_rejected(tmp_path: Path) -> None:
    lines: list[object] = [
        api_model("good/base", downloads=10),
        api_model("good/ft", "good/base", downloads=5),
        api_model("GOOD/FT", downloads=99),  # duplicate id, other case
        api_model("bad/wrong-type", relation=None, cardData={"base_model": 42}),
        api_model("bad/empty", relation=None, cardData={"base_model": ""}),
        api_model(
            "bad/url", relation=None, cardData={"base_model": "https://huggingface.co/good/base/"}
        ),
        api_model("bad/noorg", relation=None, cardData={"base_model": "gpt2"}),
        api_model("bad/trailing", relation=None, cardData={"base_model": "good/base///"}),
        api_model("bad/case", relation=None, cardData={"base_model": "Good/Base"}),
        api_model("bad/self", "bad/self"),
        api_model("bad/neg", downloads=-5, likes=None),
        {"id": "bad/missing-counts"},
        api_model(
            "bad/list-junk",
            relation=None,
            cardData={"base_model": ["good/base", None, {"x": 1}, "  "]},
        ),
        "{this is not json",
        b"\xff\xfe not utf-8 \x80",
        "[1, 2, 3]",
        {"no_id": True},
        {"id": "not an id!"},
        api_model(
            "bad/rel", relation=None, cardData={"base_model": "good/base", "base_model_relation": 7}
        ),
        api_model("m/many", *[f"p/x{i}" for i in range(40)], relation="merge"),
    ]
    path = write_jsonl(tmp_path / "snap.jsonl", lines)
    table, report = load_snapshots([path])
    rej = report.rejected
    assert report.rows_read == len(lines)
    assert report.rows_loaded + report.rows_rejected == report.rows_read
    assert rej["duplicate id (the first row is kept)"] == 1
    assert rej["malformed JSON line"] == 1
    assert rej["line is not UTF-8"] == 1
    assert rej["not a JSON object"] == 1
    assert rej["missing id"] == 1
    assert rej["bad id: not a Hub id"] == 1
    notes = report.notes
    assert notes["card parent dropped: not a string"] == 2  # None, {"x": 1}
    assert notes["card base_model dropped: not a string or list"] == 1  # 42
    assert notes["card parent dropped: empty"] == 2
    assert notes["downloads negative (read as 0)"] == 1
    assert notes["likes missing (read as 0)"] == 2  # likes=None, and bad/missing-counts
    assert notes["downloadsAllTime missing (read as 0)"] == 1  # bad/missing-counts
    assert notes["downloads missing (read as 0)"] == 1
    assert notes["card base_model_relation not a string (ignored)"] == 1
    assert any(
        "base_model must be a Hub id or a list of ids, got 42 (int)" in e
        for e in report.examples["card base_model dropped: not a string or list"]
    )
    g = build_lineage_graph(table, report)
    ids = set(g.ids)
    assert "GOOD/FT" not in ids and "good/ft" in ids
    par = {g.ids[int(c)]: g.ids[int(p)] for c, p in zip(g.edge_child, g.edge_parent, strict=True)}
    for kid in ("bad/url", "bad/trailing", "bad/case", "bad/list-junk"):
        assert par[kid] == "good/base"
    # a legacy id: its stub is spelled as the id the Hub moved it to (graph/data/aliases.csv)
    assert par["bad/noorg"] == "openai-community/gpt2" and g.stub[g.node("gpt2")]
    assert g.validation.self_loops == 1
    assert g.n_parents[g.node("m/many")] == 40


def test_gzip_jsonl_and_truncated_gzip(tmp_path: Path) -> None:
    objs = [api_model(f"o/m{i}", downloads=i) for i in range(200)]
    data = b"".join(json.dumps(o).encode() + b"\n" for o in objs)
    good = tmp_path / "s.jsonl.gz"
    good.write_bytes(gzip.compress(data))
    table, report = load_jsonl(good)
    assert len(table) == 200 and report.rows_rejected == 0
    bad = tmp_path / "t.jsonl.gz"
    bad.write_bytes(gzip.compress(data)[:-40])
    with pytest.raises(InputError, match="corrupt"):
        load_jsonl(bad)


def test_model_cards_folder(tmp_path: Path) -> None:
    def card(path: str, text: str | bytes) -> None:
        p = tmp_path / path / "README.md"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())

    card("meta-llama/Llama-3-8B", "---\nlicense: llama3\n---\n# Llama\n")
    card("me/ft", "---\nbase_model: meta-llama/Llama-3-8B\nbase_model_relation: adapter\n---\n")
    card("me/merge", "---\nbase_model:\n- meta-llama/Llama-3-8B\n- me/ft\n---\n")
    card("me/broken", "---\nbase_model: [unclosed\n---\n")
    card("me/latin1", b"---\nbase_model: x/y\n---\n\xe9\xe9")
    card("me/wrong", "---\nbase_model: 42\n---\n")
    card("me/nofront", "# just text\n")
    table, report = load_model_cards(tmp_path)
    assert report.rows_read == 7 and report.rows_loaded == 5
    assert report.rejected == {"broken YAML front matter": 1, "card is not UTF-8": 1}
    assert report.notes["card base_model dropped: not a string or list"] == 1
    g = build_lineage_graph(table, report)
    e = {
        (g.ids[int(c)], g.ids[int(p)], g.relation_of(i).label)
        for i, (c, p) in enumerate(zip(g.edge_child, g.edge_parent, strict=True))
    }
    assert e == {
        ("me/ft", "meta-llama/Llama-3-8B", "adapter"),
        ("me/merge", "meta-llama/Llama-3-8B", "unknown"),
        ("me/merge", "me/ft", "unknown"),
    }


def _hub_stats_as_api_objects(path: Path) -> list[dict[str, object]]:
    rows = pq.read_table(path).to_pylist()
    out = []
    for r in rows:
        obj = {k: v for k, v in r.items() if k not in ("safetensors", "trendingScore")}
        for k in ("createdAt", "lastModified"):
            obj[k] = r[k].strftime("%Y-%m-%dT%H:%M:%S.000Z") if r[k] else None
        obj["cardData"] = json.loads(r["cardData"]) if r["cardData"] else None
        obj["gguf"] = json.loads(r["gguf"]) if r["gguf"] else None
        if not r["baseModels"]:
            obj.pop("baseModels")
        out.append(obj)
    return out


def test_jsonl_and_parquet_snapshots_give_the_same_answers(
    corpus_path: Path, tmp_path: Path
) -> None:
    objs = _hub_stats_as_api_objects(corpus_path)
    path = write_jsonl(tmp_path / "corpus.jsonl", objs)
    g1 = build_lineage_graph(*load_snapshot(corpus_path))
    g2 = build_lineage_graph(*load_snapshot(path))
    assert g1.ids == g2.ids
    assert g1.validation.edges_by_source == g2.validation.edges_by_source
    for by in ("org", "family", "country"):
        a1 = attribute(g1, by=by).as_dict()["rows"]
        a2 = attribute(g2, by=by).as_dict()["rows"]
        assert a1 == a2


def test_parquet_with_bad_rows(tmp_path: Path) -> None:
    t = pa.table(
        {
            "id": ["a/x", None, "bad id", "a/y", "A/X"],
            "author": ["a", None, None, None, "a"],
            "downloads": pa.array([1, 2, 3, -4, 5], pa.int64()),
            "tags": [["base_model:finetune:a/y"], [], [], ["base_model:adapter:"], []],
        }
    )
    path = tmp_path / "p.parquet"
    pq.write_table(t, path)
    table, report = load_snapshots([path])
    assert report.rows_read == 5 and report.rows_loaded == 2
    assert report.rejected == {
        "missing id": 1,
        "bad id: not a Hub id": 1,
        "duplicate id (the first row is kept)": 1,
    }
    assert report.notes["downloads negative (read as 0)"] == 1
    assert report.notes["tag parent dropped: not a Hub id"] == 1
    g = build_lineage_graph(table, report)
    assert g.org[g.node("a/y")] == "a"  # author derived from the id


def test_base_model_tags_one_declaration_per_parent(tmp_path: Path) -> None:
    rows = {
        "a/one": ["base_model:org/base", "license:mit", "base_model:finetune:Org/Base"],
        "a/two": ["base_model:adapter:a/b", "base_model:c/d", "base_model:quantized:c/d"],
        "a/three": ["base_model:A/B", "base_model:a/b"],
        "a/four": ["base_model:org/base/", None],
        # the text after the first colon is the relation: a URL is not read as an id
        "a/five": ["base_model:bad id", "base_model:merge:", "base_model:https://hf.co/x/y"],
        "a/six": None,
    }
    path = tmp_path / "tags.parquet"
    pq.write_table(
        pa.table({"id": list(rows), "tags": pa.array(list(rows.values()), pa.list_(pa.string()))}),
        path,
    )
    table, report = load_snapshots([path])
    got = {r.model_id: [(d.parent_id, d.relation) for d in r.parents] for r in table.records()}
    assert got == {
        "a/one": [("Org/Base", "finetune")],  # the declaration with a relation wins
        "a/two": [("a/b", "adapter"), ("c/d", "quantized")],
        "a/three": [("A/B", None)],  # the first spelling
        "a/four": [("org/base", None)],
        "a/five": [],
        "a/six": [],
    }
    assert report.notes["tag parent dropped: not a Hub id"] == 3
    assert sorted(report.examples["tag parent dropped: not a Hub id"]) == [
        "a/five: ''",
        "a/five: '//hf.co/x/y'",
        "a/five: 'bad id'",
    ]


def test_not_a_snapshot(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("hello")
    with pytest.raises(InputError, match="unknown format"):
        load_snapshot(p)
    p2 = tmp_path / "x.parquet"
    p2.write_text("not parquet")
    with pytest.raises(InputError, match="not a readable parquet"):
        load_snapshot(p2)


@pytest.mark.parametrize("n_good", [3, 5000])
def test_vectorised_id_normalisation_matches_the_row_rule(n_good: int) -> None:
    from hflineage.loaders.hubstats import _normalise_ids
    from hflineage.loaders.ids import InvalidId, normalise_id

    raw = [f"org/m{i}" for i in range(n_good)]
    raw[1:1] = [" https://huggingface.co/x/y/ ", None, "bad id", "Q/r///", "hf.co/a/b/tree/main"]
    ids, valid = _normalise_ids(pa.array(raw, pa.string()))
    for r, got, ok in zip(raw, ids.to_pylist(), valid.to_pylist(), strict=True):
        try:
            expected = normalise_id(r)
        except InvalidId:
            assert not ok, r
        else:
            assert ok and got == expected, r
