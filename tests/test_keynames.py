"""Key names held as one Arrow array: the same sequence as the plain list, and the same
membership answers as Python's ``in``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from hflineage.graph.keynames import KeyNames, names_arrow, names_isin

NAMES = ["Qwen", "", "Meta", "Mxta", "MetaX", "Méta", "a", "ab", "b", "Qwen", "日本語", "Q"]


def _arrays(names: list[str]) -> list[pa.Array | pa.ChunkedArray]:
    """The same names as a plain, a large, a sliced and a chunked Arrow array."""
    padded = pa.array(["pad", *names, "pad"], pa.string())
    return [
        pa.array(names, pa.string()),
        pa.array(names, pa.large_string()),
        padded.slice(1, len(names)),
        pa.chunked_array([pa.array(names[:3], pa.string()), pa.array(names[3:], pa.string())]),
    ]


@pytest.mark.parametrize("array", _arrays(NAMES), ids=["plain", "large", "sliced", "chunked"])
def test_key_names_read_as_the_list_does(array: pa.Array) -> None:
    names = KeyNames(array)
    assert len(names) == len(NAMES)
    assert [names[i] for i in range(len(NAMES))] == NAMES  # one at a time
    assert names[-1] == NAMES[-1] and names[np.int64(2)] == "Meta"
    assert list(names[2:5]) == NAMES[2:5]
    assert list(names) == NAMES and names.as_list() == NAMES
    assert "Meta" in names and "meta" not in names
    assert names.index("Qwen") == 0 and names.index("Qwen", 1) == 9
    with pytest.raises(IndexError):
        names[len(NAMES)]
    assert names_arrow(names).to_pylist() == NAMES


def test_many_single_reads_give_the_same_names() -> None:
    many = [f"org-{i}" for i in range(5000)]
    names = KeyNames(pa.array(many))
    assert [names[i] for i in range(0, 5000, 2)] + [names[i] for i in range(1, 5000, 2)] == (
        many[::2] + many[1::2]
    )


def test_key_names_refuse_what_is_not_a_name() -> None:
    with pytest.raises(TypeError):
        KeyNames(pa.array([1, 2]))
    with pytest.raises(ValueError):
        KeyNames(pa.array(["a", None]))


@pytest.mark.parametrize(
    "wanted",
    [
        {"Meta"},  # "Mxta" has its length, first and last byte
        {"Qwen", "", "Méta", "日本語"},
        {"MetaX", "Q", "zz", "missing"},
        set(),
    ],
)
def test_names_isin_answers_as_python_in(wanted: set[str]) -> None:
    expected = [name in wanted for name in NAMES]
    for array in _arrays(NAMES):
        assert names_isin(KeyNames(array), wanted).tolist() == expected
    assert names_isin(NAMES, wanted).tolist() == expected  # a plain list


def test_names_isin_on_random_names() -> None:
    rng = np.random.default_rng(3)
    letters = np.array(list("abcé"))
    names = ["".join(rng.choice(letters, rng.integers(0, 5))) for _ in range(3000)]
    wanted = set(names[:40]) | {"zzz", "é"}
    got = names_isin(KeyNames(pa.array(names)), wanted)
    assert got.tolist() == [name in wanted for name in names]
    assert not names_isin(KeyNames(pa.array([""] * 5)), {"a"}).any()
    assert names_isin(KeyNames(pa.array([""] * 5)), {""}).all()
