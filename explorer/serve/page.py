"""The explorer page of ``hf-lineage serve``: the static pages' shell, escaping and CSP.

The page holds no Hub string: it fetches JSON from the app and puts every value into the
document as text. Its script and style are inline, the script allowed by its hash exactly as
on the static pages; the only addition to their policy is ``connect-src 'self'``, so the page
may ask its own server and nothing else.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from hflineage.explorer.site.page import asset_text, csp, esc, json_for_script

__all__ = ["render_app_page", "serve_asset"]

_BODY = """
<header class="bar">
  <h1>hf-lineage</h1>
  <p id="status">{models} models and stubs; search built in {index_seconds} s</p>
</header>
<main>
<section id="search-panel" aria-labelledby="search-title">
  <h2 id="search-title">Search</h2>
  <form id="search-form" role="search">
    <label for="q">Model id or part of it</label>
    <input id="q" name="q" type="search" autocomplete="off" spellcheck="false" maxlength="200"
      placeholder="e.g. qwen2.5-7b">
    <button type="submit">Search</button>
  </form>
  <p id="search-status" role="status"></p>
  <ol id="results"></ol>
  <div class="pager">
    <button type="button" id="prev" disabled>Previous</button>
    <span id="page-info"></span>
    <button type="button" id="next" disabled>Next</button>
  </div>
</section>
<section id="lineage-panel" aria-labelledby="lineage-title">
  <h2 id="lineage-title">Lineage</h2>
  <p id="lineage-status" role="status">Search for a model and choose it to see its lineage.</p>
  <div id="lineage-summary"></div>
  <p class="legend" id="legend">Edges: <span class="rel finetune">finetune</span>
    <span class="rel adapter">adapter</span> <span class="rel quantized">quantized</span>
    <span class="rel merge">merge</span> <span class="rel unknown">unknown</span>.
    Ancestors above, descendants below. Choose a node (click, or Tab then Enter) for its
    details; <kbd>e</kbd> expands its children, <kbd>r</kbd> shows its own lineage.</p>
  <div id="tree-wrap"><svg id="tree" role="group" aria-label="lineage graph"
    xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg></div>
  <aside id="details" aria-live="polite"></aside>
</section>
<section id="report-panel" aria-labelledby="report-title">
  <h2 id="report-title">Report</h2>
  <p><a href="/report">The full report with its charts</a> (built on first use: a few
    seconds at Hub scale).</p>
  <form id="report-form">
    <label for="report-by">Credit by</label>
    <select id="report-by"><option value="country">country</option>
      <option value="family">family</option><option value="developer">developer</option>
    </select>
    <label for="report-view">view</label>
    <select id="report-view"><option value="lineage">lineage</option>
      <option value="uploader">uploader</option></select>
  </form>
  <table id="report"><thead><tr><th scope="col">key</th><th scope="col">share</th>
    <th scope="col">value</th><th scope="col">models</th></tr></thead><tbody></tbody></table>
  <p id="report-meta"></p>
  <ul id="report-notes"></ul>
</section>
<section id="cypher-panel" aria-labelledby="cypher-title">
  <h2 id="cypher-title">Cypher (read-only)</h2>
  <form id="cypher-form">
    <label for="cypher-query">Query (written as for Neo4j; values as $parameters)</label>
    <textarea id="cypher-query" rows="4" spellcheck="false">MATCH (m:Model)
WHERE m.id STARTS WITH $prefix
RETURN m.id AS id, m.downloads AS downloads ORDER BY downloads DESC LIMIT 10</textarea>
    <label for="cypher-params">Parameters (JSON object)</label>
    <textarea id="cypher-params" rows="2" spellcheck="false">{{"prefix": "Qwen/"}}</textarea>
    <button type="submit">Run</button>
  </form>
  <p id="cypher-status" role="status"></p>
  <div id="cypher-result"></div>
</section>
</main>
"""


@cache
def serve_asset(name: str) -> str:
    """A file shipped in ``hflineage.explorer.serve/assets``."""
    return (resources.files("hflineage.explorer.serve") / "assets" / name).read_text("utf-8")


def render_app_page(facts: dict[str, Any]) -> tuple[str, str]:
    """The page and its Content Security Policy (also sent as a header by the app)."""
    script = serve_asset("serve.js")
    policy = csp([script]) + "; connect-src 'self'"
    body = _BODY.format(
        models=esc(f"{int(facts['models']):,}"), index_seconds=esc(facts["index_seconds"])
    )
    title = "hf-lineage serve" + (f": {facts['title']}" if facts.get("title") else "")
    page = "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">\n',
            '<meta name="referrer" content="no-referrer">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{esc(title)}</title>\n",
            f"<style>{asset_text('page.css')}{serve_asset('serve.css')}</style>\n",
            "</head>\n<body>\n",
            body,
            f'\n<script type="application/json" id="hfl-data">{json_for_script(facts)}</script>',
            f"\n<script>{script}</script>\n</body>\n</html>\n",
        ]
    )
    return page, policy
