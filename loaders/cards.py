"""Model cards: README.md files with YAML front matter (``base_model``, ``base_model_relation``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hflineage.errors import InputError
from hflineage.loaders.ids import InvalidId, normalise_id
from hflineage.loaders.parse import card_declarations, parse_count, parse_time
from hflineage.loaders.records import LoadReport, ModelRecord
from hflineage.loaders.table import ModelTable

__all__ = ["front_matter_block", "load_model_cards", "read_front_matter"]


# The front-matter block as huggingface_hub's card parser finds it (``repocard.REGEX_YAML_BLOCK``):
# blank lines or spaces may come before the opening ``---``; the closing ``---`` is a line of
# its own (trailing spaces or tabs allowed). Copied, not imported: importing the card module
# costs every command its imports.
_YAML_BLOCK = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")


def front_matter_block(text: str) -> str | None:
    """The YAML text between the ``---`` lines, as huggingface_hub reads it (``None``: none).

    >>> front_matter_block("\\n---\\nbase_model: gpt2\\n---\\n# Card")
    'base_model: gpt2'
    """
    match = _YAML_BLOCK.search(text)
    return match.group(2) if match else None


def read_front_matter(text: str) -> dict[str, object] | None:
    """The card's front matter as huggingface_hub's ``metadata_load`` reads it.

    ``{}`` when there is none (or it is empty), ``None`` when it is not YAML or not a mapping
    (huggingface_hub raises on those).
    """
    block = front_matter_block(text)
    if block is None:
        return {}
    import yaml  # only cards with front matter need it (hub-stats cards are JSON)

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return None
    if data is None:
        return {}
    return data if isinstance(data, dict) else None


def _unclosed(text: str) -> bool:
    """Front matter opened but not closed: huggingface_hub reads the card as having none."""
    return text.lstrip().startswith("---") and front_matter_block(text) is None


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def load_model_cards(root: str | os.PathLike[str]) -> tuple[ModelTable, LoadReport]:
    """Load every ``README.md`` under ``root``; the model id is the folder path ``org/name``.

    A card may also state its id with a ``model_id`` (or ``id``) key in the front matter.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError(f"model-card folder {str(base)!r} does not exist", path=str(base))
    report = LoadReport(sources=[str(base)])
    records: list[ModelRecord] = []
    for readme in sorted(base.rglob("README.md")):
        rel = readme.parent.relative_to(base).as_posix()
        where = rel or "README.md"
        report.rows_read += 1
        try:
            text = readme.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            report.reject("card is not UTF-8", where)
            continue
        meta = read_front_matter(text)
        if _unclosed(text):
            report.note("front matter not closed (read as none, as huggingface_hub does)", where)
        if meta is None:
            report.reject("broken YAML front matter", where)
            continue
        raw_id = meta.get("model_id", meta.get("id", rel))
        try:
            model_id = normalise_id(raw_id)
        except InvalidId:
            report.reject("bad id: folder is not org/name", f"{where}: {raw_id!r}")
            continue
        parents, relation = card_declarations(meta, model_id, report)
        records.append(
            ModelRecord(
                model_id=model_id,
                author=model_id.split("/", 1)[0] if "/" in model_id else None,
                created_at=parse_time(meta.get("created_at")),
                downloads=parse_count(meta.get("downloads", 0), "downloads", where, report),
                downloads_all_time=parse_count(
                    meta.get("downloads_all_time", 0), "downloadsAllTime", where, report
                ),
                likes=parse_count(meta.get("likes", 0), "likes", where, report),
                pipeline_tag=_opt_str(meta.get("pipeline_tag")),
                library_name=_opt_str(meta.get("library_name")),
                parents=tuple(parents),
                card_relation=relation,
            )
        )
        report.rows_loaded += 1
    return ModelTable.from_records(records), report
