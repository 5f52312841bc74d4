"""Shared pieces of the HTML pages: escaping, the page shell and its security policy.

Every string that comes from the Hub (ids, authors, tags, library names, rejected rows) is
untrusted. It reaches a page only through :func:`esc` (HTML text and attributes),
:func:`json_for_script` (data in a ``<script type="application/json">`` block) or
:func:`hub_url` (links, always to ``https://huggingface.co/``). Pages also carry a Content
Security Policy that allows no network access at all and only the scripts whose SHA-256 the
page lists, so even a missed escape could neither run an injected script nor send anything.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import urllib.parse
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "HUB",
    "asset_text",
    "csp",
    "esc",
    "fmt_compact",
    "fmt_int",
    "fmt_pct",
    "hub_url",
    "json_for_script",
    "render_page",
    "script_hash",
    "slugify",
]

HUB = "https://huggingface.co/"
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute.

    >>> esc('"><img src=x onerror=alert(1)>')
    '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def json_for_script(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left.

    >>> json_for_script({"id": "</script><script>"})
    '{"id":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # One pass per character (no replacement holds another unsafe one): pages carry megabytes
    # of JSON with hundreds of thousands of "&" and "<", which a regex callback took a
    # second to rewrite.
    for unsafe, escaped in _JSON_ESCAPES.items():
        text = text.replace(unsafe, escaped)
    return text


def hub_url(model_id: str) -> str:
    """The model's page on the Hub; the id is percent-encoded, so the scheme is always https.

    >>> hub_url("Qwen/Qwen2.5-7B")
    'https://huggingface.co/Qwen/Qwen2.5-7B'
    >>> hub_url("javascript:alert(1)")
    'https://huggingface.co/javascript%3Aalert%281%29'
    """
    return HUB + urllib.parse.quote(model_id, safe="/-_.~")


def slugify(name: str, taken: set[str] | None = None, max_len: int = 60) -> str:
    """A file-name-safe slug (``[a-z0-9-]``), unique within ``taken`` (which it updates).

    >>> slugify("GPT-NeoX/GPT-J")
    'gpt-neox-gpt-j'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    """
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:max_len].strip("-") or "item"
    slug = base
    if taken is not None:
        i = 2
        while slug in taken:
            slug = f"{base}-{i}"
            i += 1
        taken.add(slug)
    return slug


def fmt_int(value: float | int) -> str:
    """A count with thousands separators.

    >>> fmt_int(1234567.4)
    '1,234,567'
    """
    return f"{round(value):,}"


def fmt_compact(value: float) -> str:
    """A count in at most four characters or so.

    >>> fmt_compact(612), fmt_compact(250_013_840), fmt_compact(1_450)
    ('612', '250M', '1.4k')
    """
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            v = value / div
            return f"{v:.1f}{suffix}" if v < 10 else f"{v:.0f}{suffix}"
    return f"{value:.0f}"


def fmt_pct(value: float) -> str:
    """A share in percent with a precision that suits its size.

    One decimal from 1% up; two significant digits below, trailing zeros kept, so a share
    just under 1 reads "1.0%" like one just over it, never "1%".

    >>> fmt_pct(17.123), fmt_pct(1.0), fmt_pct(0.999), fmt_pct(0.5), fmt_pct(0.04)
    ('17.1%', '1.0%', '1.0%', '0.50%', '0.040%')
    >>> fmt_pct(0.00002), fmt_pct(0)
    ('<0.001%', '0%')
    """
    if value == 0 or not math.isfinite(value):
        return "0%"
    if abs(value) < 0.001:
        return "<0.001%"
    return f"{value:.1f}%" if abs(value) >= 1 else f"{value:#.2g}%"


@cache
def asset_text(name: str) -> str:
    """A file shipped in ``hflineage.explorer.site/assets``."""
    return (resources.files("hflineage.explorer.site") / "assets" / name).read_text("utf-8")


def script_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def csp(scripts: Iterable[str] = (), own_files: bool = False) -> str:
    """The pages' Content Security Policy: no network, only the listed inline scripts;
    ``own_files`` also allows scripts and styles from the page's own origin (shared assets;
    under ``file://`` Chromium counts local files as that origin)."""
    sources = [*(["'self'"] if own_files else []), *(script_hash(s) for s in scripts)]
    return (
        "default-src 'none'; "
        f"script-src {' '.join(sources) or chr(39) + 'none' + chr(39)}; "
        f"style-src {chr(39) + 'self' + chr(39) + ' ' if own_files else ''}'unsafe-inline'; "
        "img-src data:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def render_page(
    title: str,
    body: str,
    scripts: Iterable[str] = (),
    data: dict[str, Any] | None = None,
    css: str = "",
) -> str:
    """A complete offline page: CSP first, shared style, body, data block, then scripts.

    ``title`` is escaped here; ``body`` must already be escaped HTML; ``scripts`` are trusted
    JavaScript sources (each allowed by its hash); ``data`` goes in a JSON block with id
    ``hfl-data``.
    """
    scripts = list(scripts)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp(scripts))}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{esc(title)}</title>\n<style>{asset_text('page.css')}{css}</style>\n",
        "</head>\n<body>\n",
        body,
    ]
    if data is not None:
        parts.append(
            f'\n<script type="application/json" id="hfl-data">{json_for_script(data)}</script>'
        )
    parts += [f"\n<script>{s}</script>" for s in scripts]
    parts.append("\n</body>\n</html>\n")
    return "".join(parts)
