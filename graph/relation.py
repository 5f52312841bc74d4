"""How a model derives from its base."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Relation"]

_ALIASES = {
    "finetune": "finetune",
    "fine-tune": "finetune",
    "finetuned": "finetune",
    "fine_tune": "finetune",
    "adapter": "adapter",
    "adapters": "adapter",
    "lora": "adapter",
    "peft": "adapter",
    "quantized": "quantized",
    "quantization": "quantized",
    "quantised": "quantized",
    "merge": "merge",
    "merged": "merge",
    "merges": "merge",
}


class Relation(IntEnum):
    """The Hub's ``base_model_relation`` values, plus ``unknown`` when nothing states one."""

    FINETUNE = 0
    ADAPTER = 1
    QUANTIZED = 2
    MERGE = 3
    UNKNOWN = 4

    @property
    def label(self) -> str:
        """The lower-case name used in the Hub's metadata and in every output."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | None) -> Relation | None:
        """Read a relation as a source spells it; ``None`` when absent or unrecognised.

        >>> Relation.parse("Fine-Tune")
        <Relation.FINETUNE: 0>
        """
        if not value:
            return None
        key = _ALIASES.get(value.strip().lower())
        return cls[key.upper()] if key else None
