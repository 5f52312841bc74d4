"""Crawl progress on stderr: a live line on a terminal, a periodic log line anywhere else.

On a terminal, a rich progress line shows models, pages, rate and elapsed time, and the retry
in progress (what failed, how long the wait). Off a terminal (a log file, a service), a line
every ``log_every`` seconds gives models, pages, rate and retries, and every wait for a retry
is logged when it starts, so an unattended crawl can be watched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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

from hflineage.loaders.hub.client import RetryEvent

__all__ = ["StderrProgress"]


class _RateColumn(ProgressColumn):
    """Models per second over the last few updates."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("- models/s" if speed is None else f"{speed:,.0f} models/s", style="cyan")


def _retry_text(event: RetryEvent) -> str:
    error = " ".join(event.error.split())[:80]
    if event.wait > 0:
        return f"retry {event.attempt} in {event.wait:,.0f} s ({error})"
    return f"gave up after {event.attempt} attempts ({error})"


class StderrProgress:
    """Shows a crawl's models, pages, rate and retries while it runs; nothing when disabled.

    Args:
        enabled: show anything at all.
        console: where to show it (default: stderr).
        log_every: seconds between log lines when the console is not a terminal.
        clock: monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        console: Console | None = None,
        log_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self.log_every = log_every
        self._console = console
        self._clock = clock
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._log: Console | None = None
        self._description = ""
        self._models = self._pages = self._retries = self._first_models = 0
        self._started = self._last_line = 0.0
        self._waiting = ""

    @contextmanager
    def shown(self, description: str, models: int, pages: int) -> Iterator[None]:
        """Display progress for the duration of the block, starting from the given counts."""
        if not self.enabled:
            yield
            return
        console = self._console or Console(stderr=True)
        self._description = description
        self._models = self._first_models = models
        self._pages = pages
        if not console.is_terminal:
            self._log = console
            self._started = self._last_line = self._clock()
            try:
                yield
            finally:
                self._log = None
                self._write_line(console)
            return
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("[bold]{task.completed:,.0f}[/] models"),
            TextColumn("{task.fields[pages]:,} pages"),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("[yellow]{task.fields[status]}"),
            console=console,
        )
        self._progress = progress
        self._task = progress.add_task(
            description, total=None, completed=models, pages=pages, status=""
        )
        try:
            with progress:
                yield
        finally:
            self._progress = None
            self._task = None

    def update(self, models: int, pages: int) -> None:
        """Set the counts shown (a page was saved, so no wait is in progress)."""
        self._models, self._pages, self._waiting = models, pages, ""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=models, pages=pages, status="")
        if self._log is not None and self._clock() - self._last_line >= self.log_every:
            self._write_line(self._log)

    def retry(self, event: RetryEvent) -> None:
        """Show a failed attempt and the wait before the next one."""
        self._retries += 1
        self._waiting = _retry_text(event)
        if self._progress is not None and self._task is not None:
            # Drawn at once: the wait that follows may be long.
            self._progress.update(self._task, status=self._waiting, refresh=True)
        if self._log is not None:
            self._write_line(self._log)

    def _write_line(self, log: Console) -> None:
        now = self._clock()
        self._last_line = now
        elapsed = now - self._started
        rate = (self._models - self._first_models) / elapsed if elapsed > 0 else 0.0
        line = (
            f"{self._description}: {self._models:,} models, {self._pages:,} pages, "
            f"{rate:,.1f} models/s, {self._retries:,} retries, {elapsed:,.0f} s"
        )
        if self._waiting:
            line += f"; {self._waiting}"
        log.file.write(line + "\n")
        log.file.flush()
