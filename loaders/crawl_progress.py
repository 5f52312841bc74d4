"""A rich progress line for crawls: models, pages, rate and elapsed time, on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

__all__ = ["CrawlProgress"]


class _RateColumn(ProgressColumn):
    """Models per second over the last few updates."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("- models/s" if speed is None else f"{speed:,.0f} models/s", style="cyan")


class CrawlProgress:
    """Shows models and pages while a crawl runs; does nothing when disabled."""

    def __init__(self, *, enabled: bool = True, console: Console | None = None) -> None:
        self.enabled = enabled
        self._console = console
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @contextmanager
    def shown(self, description: str, models: int, pages: int) -> Iterator[None]:
        """Display the bar for the duration of the block, starting from the given counts."""
        if not self.enabled:
            yield
            return
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("[bold]{task.completed:,.0f}[/] models"),
            TextColumn("{task.fields[pages]:,} pages"),
            _RateColumn(),
            TimeElapsedColumn(),
            console=self._console or Console(stderr=True),
        )
        self._progress = progress
        self._task = progress.add_task(description, total=None, completed=models, pages=pages)
        try:
            with progress:
                yield
        finally:
            self._progress = None
            self._task = None

    def update(self, models: int, pages: int) -> None:
        """Set the counts shown (no-op when hidden)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=models, pages=pages)
