"""One exception hierarchy for every layer.

Messages name the thing, show the bad value, say what was expected and how to fix it. A
parameter the caller can change is named in backticks as Python spells it (`refresh=True`,
`endpoint`); the CLI shows its own flag in its place (``explorer/cli/common.py``).
"""

from __future__ import annotations


class LineageError(Exception):
    """Base class of every error hf-lineage raises on purpose."""


class InputError(LineageError):
    """An input file or value cannot be read as Hub metadata.

    Attributes:
        path: the file concerned, if any.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ModelNotFound(LineageError):
    """A model id is not in the graph."""

    def __init__(self, model_id: str) -> None:
        super().__init__(
            f"model {model_id!r} is not in the graph; check the id or load a snapshot that has it"
        )
        self.model_id = model_id


class HubUnavailable(LineageError):
    """The Hub (or the configured endpoint) could not be reached."""

    def __init__(self, message: str, *, endpoint: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint


class QueryError(LineageError):
    """A query (Cypher or Python) was malformed or refused."""


class ReadOnlyError(QueryError):
    """A query would write to a database opened for reading only."""
