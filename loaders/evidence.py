"""Evidence for undeclared lineage: the metadata that inference reads besides declarations.

What each snapshot format carries:

- hub-stats parquet: ``tags`` (architecture and format tags), ``gguf`` (JSON text: ``total``,
  ``architecture``, rarely ``general.base_model.*``), ``safetensors.total`` and
  ``library_name``. ``cardData`` holds card *metadata* only (the YAML front matter as JSON), no
  prose, so card-text evidence does not exist there.
- API JSONL: the same fields as objects.
- model-card folders: the card prose (README.md after the front matter) and
  ``adapter_config.json`` (``base_model_name_or_path``) next to it.

Parent declarations (``base_model:*`` tags, ``cardData.base_model``, ``baseModels``) are never
evidence: they are read by the declaration loaders, and keeping them out is what lets the
held-out evaluation hide them.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hflineage._exports import lazy_module
from hflineage.errors import InputError
from hflineage.loaders.cards import read_front_matter
from hflineage.loaders.hub.repo_files import load_repo_evidence, sidecar_of
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.jsonl import _open
from hflineage.loaders.snapshot import snapshot_format

pc = lazy_module("pyarrow.compute")

__all__ = [
    "ARCHITECTURES",
    "FORMAT_TAGS",
    "EvidenceReport",
    "ModelEvidence",
    "load_evidence",
    "load_evidences",
]

#: Transformers ``model_type`` / GGUF ``general.architecture`` names recognised in tags.
ARCHITECTURES: frozenset[str] = frozenset(
    [
        "llama", "llama4", "mistral", "mistral3", "mixtral", "qwen", "qwen2", "qwen2_moe",
        "qwen2_vl", "qwen2_5_vl", "qwen3", "qwen3_moe", "qwen3_next", "gemma", "gemma2", "gemma3",
        "gemma3n", "gemma3_text", "phi", "phi3", "phimoe", "phi4mm", "gpt2", "gpt_neox", "gptj",
        "gpt_neo", "gpt_bigcode", "gpt_oss", "falcon", "falcon_h1", "stablelm", "starcoder2",
        "deepseek", "deepseek_v2", "deepseek_v3", "cohere", "cohere2", "internlm", "internlm2",
        "baichuan", "chatglm", "glm", "glm4", "glm4_moe", "olmo", "olmo2", "olmoe", "t5", "mt5",
        "bert", "roberta", "xlm-roberta", "deberta-v2", "bloom", "opt", "mpt", "granite",
        "granitemoe", "exaone", "minicpm", "jamba", "nemotron", "dbrx", "arcee", "ernie4_5",
        "hunyuan", "smollm3", "seed_oss",
    ]
)  # fmt: skip

#: Tags and library names that say "this repo is a quantised or converted copy".
FORMAT_TAGS: frozenset[str] = frozenset(
    [
        "gguf", "ggml", "awq", "gptq", "exl2", "exl3", "mlx", "onnx", "openvino", "4-bit",
        "8-bit", "bitsandbytes", "fp8", "compressed-tensors", "autoround", "hqq", "llamafile",
    ]
)  # fmt: skip

_PARQUET_COLUMNS = ("id", "tags", "gguf", "safetensors", "library_name")
_GGUF_ARCH = r'"architecture"\s*:\s*"(?P<v>[A-Za-z0-9_\-]{1,40})"'
_GGUF_TOTAL = r'"total"\s*:\s*(?P<v>[0-9]{1,16})'
_GGUF_BASE_KEY = re.compile(r"^general\.base_model\.(\d+)\.(repo_url|organization|name)$")
_MAX_PROSE = 20_000  # characters of card prose kept: the lineage sentence is near the top


@dataclass
class EvidenceReport:
    """Counts of evidence rows read and of values that could not be used (and why)."""

    rows: int = 0
    notes: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {"rows": self.rows, "notes": dict(self.notes.most_common())}


@dataclass
class ModelEvidence:
    """Per-model evidence columns (one row per model) plus GGUF-stated parents (one per row).

    Numbers are ``-1`` when absent; strings are null when absent.
    """

    model_id: pa.Array
    gguf_architecture: pa.Array
    model_type: pa.Array
    format_tag: pa.Array
    library_name: pa.Array
    gguf_total: np.ndarray
    safetensors_total: np.ndarray
    card_text: pa.Array
    adapter_base: pa.Array
    #: ``config.json`` ``_name_or_path`` (fetched by ``crawl --evidence``; see repo_evidence.py)
    config_base: pa.Array
    gguf_child: np.ndarray
    gguf_parent: pa.Array
    report: EvidenceReport = field(default_factory=EvidenceReport)

    def __len__(self) -> int:
        return len(self.model_id)

    @classmethod
    def empty(cls) -> ModelEvidence:
        """Evidence for no models."""
        return cls.from_rows([])

    @classmethod
    def from_rows(
        cls, rows: Iterable[dict[str, Any]], report: EvidenceReport | None = None
    ) -> ModelEvidence:
        """Build from dicts with the column names as keys (missing keys read as absent)."""
        rows = list(rows)
        child: list[int] = []
        parent: list[str] = []
        for i, r in enumerate(rows):
            for p in r.get("gguf_parents") or ():
                child.append(i)
                parent.append(p)

        def strings(name: str) -> pa.Array:
            return pa.array([r.get(name) for r in rows], pa.string())

        def ints(name: str) -> np.ndarray:
            return np.array(
                [(-1 if r.get(name) is None else int(r[name])) for r in rows], dtype=np.int64
            )

        return cls(
            model_id=strings("model_id"),
            gguf_architecture=strings("gguf_architecture"),
            model_type=strings("model_type"),
            format_tag=strings("format_tag"),
            library_name=strings("library_name"),
            gguf_total=ints("gguf_total"),
            safetensors_total=ints("safetensors_total"),
            card_text=strings("card_text"),
            adapter_base=strings("adapter_base"),
            config_base=strings("config_base"),
            gguf_child=np.array(child, dtype=np.int64),
            gguf_parent=pa.array(parent, pa.string()),
            report=report or EvidenceReport(rows=len(rows)),
        )

    @classmethod
    def concat(cls, parts: Sequence[ModelEvidence]) -> ModelEvidence:
        """Stack evidence tables (GGUF parents are re-indexed)."""
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
        kw: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "report":
                rep = EvidenceReport()
                for p in parts:
                    rep.rows += p.report.rows
                    rep.notes.update(p.report.notes)
                kw["report"] = rep
                continue
            vals = [getattr(p, f.name) for p in parts]
            if f.name == "gguf_child":
                kw[f.name] = np.concatenate(
                    [v + o for v, o in zip(vals, offsets, strict=True)]
                ).astype(np.int64)
            elif isinstance(vals[0], np.ndarray):
                kw[f.name] = np.concatenate(vals)
            else:
                kw[f.name] = pa.concat_arrays(vals)
        return cls(**kw)

    def aligned_to(self, model_ids: pa.Array) -> ModelEvidence:
        """Evidence reordered to the given ids (case-insensitive); unknown ids get no evidence.

        When an id repeats in the evidence, its first row is used.
        """
        mine = pc.utf8_lower(self.model_id)
        pos = pc.index_in(pc.utf8_lower(model_ids), value_set=mine)
        rows = np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        have = rows >= 0
        idx = pa.array(rows, mask=~have)
        new_of_old = np.full(len(self), -1, dtype=np.int64)
        new_of_old[rows[have]] = np.flatnonzero(have)
        keep = new_of_old[self.gguf_child] >= 0 if len(self.gguf_child) else np.zeros(0, bool)
        return ModelEvidence(
            model_id=pa.array(model_ids.to_pylist(), pa.string()),
            gguf_architecture=self.gguf_architecture.take(idx),
            model_type=self.model_type.take(idx),
            format_tag=self.format_tag.take(idx),
            library_name=self.library_name.take(idx),
            gguf_total=np.where(have, self.gguf_total[np.maximum(rows, 0)], -1)
            if len(self)
            else np.full(len(rows), -1, np.int64),
            safetensors_total=np.where(have, self.safetensors_total[np.maximum(rows, 0)], -1)
            if len(self)
            else np.full(len(rows), -1, np.int64),
            card_text=self.card_text.take(idx),
            adapter_base=self.adapter_base.take(idx),
            config_base=self.config_base.take(idx),
            gguf_child=new_of_old[self.gguf_child[keep]],
            gguf_parent=self.gguf_parent.filter(pa.array(keep)),
            report=self.report,
        )


# -- hub-stats parquet ---------------------------------------------------------------------
def _first_tag_in(tags: pa.Array, vocab: frozenset[str], n: int) -> pa.Array:
    """Per row, the first tag (lower-cased) that is in ``vocab``; null when none."""
    out: list[str | None] = [None] * n
    if len(tags) == 0:
        return pa.array(out, pa.string())
    flat = pc.utf8_lower(pc.list_flatten(tags))
    parent = np.asarray(pc.list_parent_indices(tags).to_numpy(), dtype=np.int64)
    hit = np.asarray(
        pc.fill_null(pc.is_in(flat, value_set=pa.array(sorted(vocab))), False).to_numpy(
            zero_copy_only=False
        ),
        dtype=bool,
    )
    sel = np.flatnonzero(hit)
    if len(sel) == 0:
        return pa.array(out, pa.string())
    rows = parent[sel]
    uniq, first = np.unique(rows, return_index=True)
    vals = flat.take(pa.array(sel[first])).to_pylist()
    for r, v in zip(uniq.tolist(), vals, strict=True):
        out[r] = v
    return pa.array(out, pa.string())


def _int_or_missing(arr: pa.Array) -> np.ndarray:
    return np.asarray(
        pc.fill_null(pc.cast(arr, pa.int64(), safe=False), -1).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )


def _gguf_parents(meta: Any) -> list[str]:
    """Parent ids stated by GGUF ``general.base_model.N.*`` keys (flat or nested)."""
    if not isinstance(meta, dict):
        return []
    flat: dict[str, Any] = {k: v for k, v in meta.items() if isinstance(k, str)}
    general = meta.get("general")
    if isinstance(general, dict) and isinstance(general.get("base_model"), list):
        for i, bm in enumerate(general["base_model"]):
            if isinstance(bm, dict):
                for k, v in bm.items():
                    flat[f"general.base_model.{i}.{k}"] = v
    slots: dict[int, dict[str, str]] = {}
    for key, value in flat.items():
        m = _GGUF_BASE_KEY.match(key)
        if m and isinstance(value, str) and value.strip():
            slots.setdefault(int(m.group(1)), {})[m.group(2)] = value.strip()
    out: list[str] = []
    for i in sorted(slots):
        s = slots[i]
        raw = s.get("repo_url")
        if raw is None and "organization" in s and "name" in s:
            raw = f"{s['organization']}/{s['name']}"
        if raw is None:
            continue
        try:
            out.append(normalise_id(raw))
        except InvalidId:
            continue
    return out


def _parquet_batch(batch: pa.Table, report: EvidenceReport) -> ModelEvidence:
    n = len(batch)
    report.rows += n

    def col(name: str) -> pa.Array | None:
        return batch[name].combine_chunks() if name in batch.column_names else None

    ids = col("id")
    ids = pa.nulls(n, pa.string()) if ids is None else pc.cast(ids, pa.string())
    tags = col("tags")
    if tags is not None and pa.types.is_list(tags.type):
        model_type = _first_tag_in(tags, ARCHITECTURES, n)
        format_tag = _first_tag_in(tags, FORMAT_TAGS, n)
    else:
        model_type = format_tag = pa.nulls(n, pa.string())
    library = col("library_name")
    library = pa.nulls(n, pa.string()) if library is None else pc.cast(library, pa.string())
    st = col("safetensors")
    if st is not None and pa.types.is_struct(st.type) and st.type.get_field_index("total") >= 0:
        st_total = _int_or_missing(pc.struct_field(st, "total"))
    else:
        st_total = np.full(n, -1, np.int64)

    gguf = col("gguf")
    child: list[int] = []
    parent: list[str] = []
    if gguf is not None and (pa.types.is_string(gguf.type) or pa.types.is_large_string(gguf.type)):
        arch = pc.struct_field(pc.extract_regex(gguf, _GGUF_ARCH), "v") if len(gguf) else gguf
        arch = pc.utf8_lower(arch)
        total = pc.struct_field(pc.extract_regex(gguf, _GGUF_TOTAL), "v") if len(gguf) else gguf
        g_total = _int_or_missing(total)
        # Only the rare rows that mention a base model are parsed as JSON.
        mention = np.flatnonzero(
            np.asarray(
                pc.fill_null(pc.match_substring(gguf, "general.base_model"), False).to_numpy(
                    zero_copy_only=False
                ),
                dtype=bool,
            )
        )
        for row, text in zip(
            mention.tolist(), gguf.take(pa.array(mention)).to_pylist(), strict=True
        ):
            try:
                meta = json.loads(text)
            except ValueError:
                report.notes["gguf JSON unreadable (ignored)"] += 1
                continue
            for p in _gguf_parents(meta):
                child.append(row)
                parent.append(p)
        unreadable = int(pc.sum(pc.and_(pc.is_valid(gguf), pc.is_null(arch))).as_py() or 0)
        if unreadable:
            report.notes["gguf without an architecture"] += unreadable
    else:
        arch = pa.nulls(n, pa.string())
        g_total = np.full(n, -1, np.int64)

    return ModelEvidence(
        model_id=ids,
        gguf_architecture=arch,
        model_type=model_type,
        format_tag=format_tag,
        library_name=library,
        gguf_total=g_total,
        safetensors_total=st_total,
        card_text=pa.nulls(n, pa.string()),
        adapter_base=pa.nulls(n, pa.string()),
        config_base=pa.nulls(n, pa.string()),
        gguf_child=np.array(child, dtype=np.int64),
        gguf_parent=pa.array(parent, pa.string()),
        report=EvidenceReport(),
    )


def _load_parquet(path: Path) -> ModelEvidence:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"snapshot {str(path)!r} is not a readable parquet file ({exc})") from exc
    present = set(pf.schema_arrow.names)
    if "id" not in present:
        raise InputError(
            f"snapshot {str(path)!r} has no 'id' column; expected the hub-stats models schema",
            path=str(path),
        )
    columns = [c for c in _PARQUET_COLUMNS if c in present]
    report = EvidenceReport()
    parts = [
        _parquet_batch(pa.Table.from_batches([b]), report)
        for b in pf.iter_batches(batch_size=262_144, columns=columns)
    ]
    ev = ModelEvidence.concat(parts) if parts else ModelEvidence.empty()
    ev.report = report
    return ev


# -- API JSONL ------------------------------------------------------------------------------
def _tag_in(tags: object, vocab: frozenset[str]) -> str | None:
    if not isinstance(tags, list):
        return None
    for t in tags:
        if isinstance(t, str) and t.lower() in vocab:
            return t.lower()
    return None


def _api_row(obj: dict[str, Any], report: EvidenceReport) -> dict[str, Any]:
    gguf = obj.get("gguf")
    if isinstance(gguf, str):
        try:
            gguf = json.loads(gguf)
        except ValueError:
            report.notes["gguf JSON unreadable (ignored)"] += 1
            gguf = None
    gguf = gguf if isinstance(gguf, dict) else {}
    st = obj.get("safetensors")
    st_total = st.get("total") if isinstance(st, dict) else None
    arch = gguf.get("architecture")
    g_total = gguf.get("total")
    lib = obj.get("library_name")
    return {
        "model_id": obj.get("id", obj.get("modelId")),
        "gguf_architecture": arch.lower() if isinstance(arch, str) else None,
        "model_type": _tag_in(obj.get("tags"), ARCHITECTURES),
        "format_tag": _tag_in(obj.get("tags"), FORMAT_TAGS),
        "library_name": lib if isinstance(lib, str) else None,
        "gguf_total": g_total if isinstance(g_total, int) and g_total >= 0 else None,
        "safetensors_total": st_total if isinstance(st_total, int) and st_total >= 0 else None,
        "gguf_parents": _gguf_parents(gguf),
    }


def _load_jsonl(path: Path) -> ModelEvidence:
    report = EvidenceReport()
    rows: list[dict[str, Any]] = []
    with _open(path) as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                continue  # counted by the declaration loader
            if isinstance(obj, dict) and isinstance(obj.get("id", obj.get("modelId")), str):
                report.rows += 1
                rows.append(_api_row(obj, report))
    return ModelEvidence.from_rows(rows, report)


# -- model-card folders ---------------------------------------------------------------------
def card_prose(text: str) -> str:
    """The card text after the YAML front matter (the whole text when there is none)."""
    if text.startswith("---"):
        lines = text.splitlines()
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return "\n".join(lines[i + 1 :])[:_MAX_PROSE]
    return text[:_MAX_PROSE]


def _adapter_base(folder: Path, where: str, report: EvidenceReport) -> str | None:
    cfg = folder / "adapter_config.json"
    if not cfg.is_file():
        return None
    try:
        data = json.loads(cfg.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        report.notes["adapter_config.json unreadable (ignored)"] += 1
        return None
    raw = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    if not isinstance(raw, str) or not raw.strip():
        report.notes["adapter_config.json without base_model_name_or_path"] += 1
        return None
    return raw.strip()


def _load_cards(root: Path) -> ModelEvidence:
    report = EvidenceReport()
    rows: list[dict[str, Any]] = []
    for readme in sorted(root.rglob("README.md")):
        rel = readme.parent.relative_to(root).as_posix()
        try:
            text = readme.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # rejected by the card loader
        meta = read_front_matter(text)
        if meta is None:
            continue
        raw_id = meta.get("model_id", meta.get("id", rel))
        try:
            model_id = normalise_id(raw_id)
        except InvalidId:
            continue
        report.rows += 1
        lib = meta.get("library_name")
        tags = meta.get("tags")
        rows.append(
            {
                "model_id": model_id,
                "model_type": _tag_in(tags, ARCHITECTURES),
                "format_tag": _tag_in(tags, FORMAT_TAGS),
                "library_name": lib if isinstance(lib, str) else None,
                "card_text": card_prose(text) or None,
                "adapter_base": _adapter_base(readme.parent, rel, report),
            }
        )
    return ModelEvidence.from_rows(rows, report)


# -- entry points ---------------------------------------------------------------------------
def load_evidence(path: str | os.PathLike[str]) -> ModelEvidence:
    """Read the inference evidence of one snapshot (any supported format).

    Raises:
        InputError: the snapshot cannot be read.
    """
    p = Path(path)
    fmt = snapshot_format(p)
    if fmt == "parquet":
        evidence = _load_parquet(p)
    elif fmt == "jsonl":
        evidence = _load_jsonl(p)
    else:
        evidence = _load_cards(p)
    sidecar = sidecar_of(p)
    return _with_repo_evidence(evidence, sidecar) if sidecar.is_file() else evidence


def _with_repo_evidence(evidence: ModelEvidence, sidecar: Path) -> ModelEvidence:
    """Evidence completed with what ``crawl --evidence`` read from the repositories."""
    fetched = ModelEvidence.from_rows(load_repo_evidence(sidecar)).aligned_to(evidence.model_id)
    evidence.report.notes["models with repository evidence"] += int(
        pc.sum(pc.is_valid(pc.coalesce(fetched.adapter_base, fetched.config_base))).as_py() or 0
    )
    return replace(
        evidence,
        adapter_base=pc.coalesce(evidence.adapter_base, fetched.adapter_base),
        config_base=pc.coalesce(evidence.config_base, fetched.config_base),
    )


def load_evidences(paths: Sequence[str | os.PathLike[str]]) -> ModelEvidence:
    """Read and stack the evidence of several snapshots (align it to a table before use)."""
    return ModelEvidence.concat([load_evidence(p) for p in paths])
