"""The CLI's tables as plain aligned text: a title, a header, a rule, one line per row.

A table here is a few dozen short rows. Drawing them with rich costs about 60 ms of imports
and 20 ms of rendering, a quarter of a warm ``family`` or ``lineage`` command; plain text
needs neither, and reads no markup from the cells (rich styles a Hub string's ``[bold]``).

Contract: the first column is left-aligned and the others right-aligned, each as wide as
its widest cell in terminal cells (East Asian wide characters count two); control
characters in a cell are shown escaped (``\\x1b``), so Hub strings cannot drive the
terminal. Lines are not wrapped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["render_table"]

_GAP = "  "


def render_table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None
) -> str:
    """The table as text, one line per row, ending with a newline."""
    header = [_printable(c) for c in columns]
    body = [[_printable(v) for v in row] for row in rows]
    widths = [_width(h) for h in header]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _width(cell))
    lines = [title] if title else []
    lines.append(_line(header, widths))
    lines.append(_GAP.join("─" * w for w in widths))
    lines.extend(_line(row, widths) for row in body)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - _width(cell))
        out.append(cell + pad if i == 0 else pad + cell)
    return _GAP.join(out)


def _printable(text: str) -> str:
    """``text`` with control characters (newlines, escape sequences ...) shown escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _width(text: str) -> int:
    """Terminal cells ``text`` takes: two for wide East Asian characters, else one."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
