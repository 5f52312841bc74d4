from __future__ import annotations

import pytest

from hflineage.loaders.ids import InvalidId, normalise_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B"),
        ("  Qwen/Qwen2.5-7B  ", "Qwen/Qwen2.5-7B"),
        ("https://huggingface.co/Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B"),
        ("http://hf.co/Qwen/Qwen2.5-7B/", "Qwen/Qwen2.5-7B"),
        ("huggingface.co/models/meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B"),
        ("https://huggingface.co/google/gemma-2-9b/tree/main", "google/gemma-2-9b"),
        ("meta-llama/Llama-3.1-8B///", "meta-llama/Llama-3.1-8B"),
        ("gpt2", "gpt2"),
        ("LeroyDyer/_Spydaz_Web_AI", "LeroyDyer/_Spydaz_Web_AI"),
    ],
)
def test_normalise_id_accepts(raw: str, expected: str) -> None:
    assert normalise_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "/", "a/b/c", "has space/model", "org/-bad", 42, None, ["x/y"], "ü/ß", "a" * 200],
)
def test_normalise_id_rejects(raw: object) -> None:
    with pytest.raises(InvalidId):
        normalise_id(raw)
