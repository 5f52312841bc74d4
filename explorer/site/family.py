"""Family and subtree views: a pyvis (vis-network) graph page that works offline.

pyvis writes the page; this module feeds it escaped data and then makes the page safe to
open anywhere:

* node tooltips are HTML that pyvis puts into ``innerHTML`` (its "tooltip with link" mode,
  which every page here uses because each model links to the Hub), so every value in them
  is escaped with :func:`esc` and every link is built by :func:`hub_url`;
* vis-network is inlined (``cdn_resources="in_line"``) and the Bootstrap links pyvis adds
  in every mode are removed; :func:`check_offline` refuses a page that still points
  anywhere;
* a Content Security Policy allows no network access and only the page's own scripts
  (by hash);
* positions come from :mod:`hflineage.explorer.site.layout` and physics is off, so the
  browser draws at once and stays responsive.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal, get_args

import numpy as np
from pyvis.network import Network

from hflineage.explorer.palette import COUNTRY_COLOURS, RELATION_COLOURS, Palette
from hflineage.explorer.site.layout import layered_layout, radial_layout
from hflineage.explorer.site.page import (
    asset_text,
    csp,
    esc,
    fmt_int,
    hub_url,
    json_for_script,
)
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.queries.subgraph import GROUP, MORE, STUB, DrawnNode, SubgraphView

__all__ = [
    "COLOURINGS",
    "COUNTRY_COLOURS",
    "LAYOUTS",
    "RELATION_COLOURS",
    "ColourBy",
    "Layout",
    "PageError",
    "check_offline",
    "render_subgraph_page",
]

#: How a view colours its nodes at first (the page has a switch).
ColourBy = Literal["country", "relation"]
#: How a view places its nodes at first: radial, or layered (hierarchical).
Layout = Literal["radial", "layered"]
COLOURINGS: tuple[ColourBy, ...] = get_args(ColourBy)
LAYOUTS: tuple[Layout, ...] = get_args(Layout)

LABELLED = 20  # largest models that get a label on the canvas (the rest: hover)
_REMOTE = re.compile(r"""<(link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


class PageError(RuntimeError):
    """pyvis wrote a page this module cannot make safe: a remote resource is left, or the
    template is not the one relied upon (another pyvis version)."""


def _size(downloads: int) -> float:
    return round(min(8.0 + 4.5 * math.log10(1 + max(downloads, 0)), 46.0), 1)


def _created(graph: LineageGraph, v: int) -> str:
    c = graph.created_at[v]
    if np.isnat(c):
        return "unknown"
    if c == PLACEHOLDER_CREATED_AT:
        return "before 2022-03 (the Hub's placeholder date)"
    return str(c)[:10]


def _model_title(graph: LineageGraph, v: int) -> str:
    """Tooltip HTML of one model or stub; every value escaped."""
    mid = graph.ids[v]
    lines = [f"<b>{esc(mid)}</b>"]
    if graph.stub[v]:
        lines.append("<i>stub: named as a parent by other models, not in the data</i>")
    lines.append(f"author: {esc(graph.org[v])} &middot; country: {esc(graph.country[v])}")
    if not graph.stub[v]:
        lines.append(
            f"downloads (30 days): {fmt_int(int(graph.downloads[v]))} &middot; all time: "
            f"{fmt_int(int(graph.downloads_all_time[v]))} &middot; likes: "
            f"{fmt_int(int(graph.likes[v]))}"
        )
        lines.append(f"created: {esc(_created(graph, v))}")
        pipe, lib = graph.pipeline_tag[v].as_py(), graph.library_name[v].as_py()
        if pipe or lib:
            lines.append(f"task: {esc(pipe or '-')} &middot; library: {esc(lib or '-')}")
    pe = graph.parent_edges(v).tolist()
    for e in pe[:4]:
        p = int(graph.edge_parent[e])
        lines.append(
            f"{esc(graph.relation_of(e).label)} of {esc(graph.ids[p])} "
            f"(source: {esc(graph.source_of(e))})"
        )
    if len(pe) > 4:
        lines.append(f"and {len(pe) - 4} more parents")
    if not pe:
        lines.append("root (declares no parent)")
    kids = len(graph.child_edges(v))
    if kids:
        lines.append(f"{fmt_int(kids)} direct children")
    lines.append(
        f'<a href="{esc(hub_url(mid))}" target="_blank" rel="noopener noreferrer">'
        "open on the Hub</a>"
    )
    return "<br>".join(lines)


def _group_title(graph: LineageGraph, d: DrawnNode, parent_id: str) -> str:
    top = ", ".join(
        f"{esc(graph.ids[v])} ({fmt_int(int(graph.downloads[v]))})" for v in d.members[:8]
    )
    more = f" and {d.models - 8} more" if d.models > 8 else ""
    return (
        f"<b>{fmt_int(d.models)} {esc(d.relation)} models</b> of {esc(parent_id)}, "
        "collapsed (leaves: nothing derives from them)<br>"
        f"downloads (30 days): {fmt_int(d.downloads)}<br>largest: {top}{more}<br>"
        "the search box finds each of them<br>"
        f'<a href="{esc(hub_url(parent_id))}" target="_blank" rel="noopener noreferrer">'
        "open the parent on the Hub</a>"
    )


def _more_title(d: DrawnNode, parent_id: str | None, cap: int) -> str:
    where = f"below {esc(parent_id)}" if parent_id else "in further trees of this view"
    return (
        f"<b>{fmt_int(d.models)} more models</b> {where}, not drawn: the page draws at most "
        f"{fmt_int(cap)} nodes, the ones with the most downloads in their subtree first<br>"
        f"their downloads (30 days): {fmt_int(d.downloads)}<br>the search box finds them"
    )


def _country_palette(countries: Sequence[str], palette: Palette) -> dict[str, str]:
    """The colour of every country drawn, most frequent first (the legend's order)."""
    return {c: palette.colour(c, "country") for c, _ in Counter(countries).most_common()}


def _node_country(graph: LineageGraph, d: DrawnNode) -> str:
    if d.node >= 0:
        return str(graph.country[d.node])
    if d.kind == GROUP:
        return str(Counter(graph.country[d.members].tolist()).most_common(1)[0][0])
    return ""


def check_offline(page: str) -> None:
    """Raise :class:`PageError` if a ``<link>`` or ``<script>`` points off the page."""
    m = _REMOTE.search(page)
    if m:
        raise PageError(f"page still loads a remote resource: {page[m.start() : m.end() + 60]!r}")


def _strip_pyvis_chrome(page: str) -> str:
    """Drop pyvis's CDN links (Bootstrap, in every mode) and its empty headings."""
    page = re.sub(r"<link\b[^>]*\bhref\s*=\s*[\"']https?://[^>]*>", "", page, flags=re.I)
    page = re.sub(
        r"<script\b[^>]*\bsrc\s*=\s*[\"']https?://[^>]*>\s*</script>", "", page, flags=re.I
    )
    page = re.sub(r"<center>\s*<h1>\s*</h1>\s*</center>", "", page)
    check_offline(page)
    return page


@cache
def _template_env() -> Any:
    """One Jinja environment for every page: pyvis makes a new one per network, which
    re-parses its template and the inlined vis-network bundle (about 0.07 s) each time."""
    net = Network(cdn_resources="in_line")
    net.templateEnv.get_template(net.path)
    return net.templateEnv


def _pyvis_page(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], n: int) -> str:
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", heading="")
    net.templateEnv = _template_env()
    for nd in nodes:
        net.add_node(nd["id"], **{k: v for k, v in nd.items() if k != "id"})
    for ed in edges:
        extra = {k: v for k, v in ed.items() if k not in ("from", "to")}
        net.add_edge(ed["from"], ed["to"], **extra)
    net.options = {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": n > 300,
            "hideEdgesOnZoom": n > 600,
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "width": 1,
        },
        "nodes": {"font": {"size": 13, "face": "sans-serif", "strokeWidth": 3}},
    }
    return str(net.generate_html())


def render_subgraph_page(
    graph: LineageGraph,
    view: SubgraphView,
    heading: str,
    intro_html: str = "",
    back_href: str | None = None,
    colour_by: ColourBy = "country",
    layout: Layout = "radial",
    palette: Palette | None = None,
) -> str:
    """The HTML page of a family or subtree view.

    Args:
        graph: the lineage graph the view was built from.
        view: what to draw (:func:`~hflineage.queries.subgraph.build_subgraph_view`).
        heading: page heading (escaped here).
        intro_html: extra HTML under the heading (must already be escaped).
        back_href: link back to the report (a relative path of this package's making).
        colour_by: initial colouring, ``country`` or ``relation``.
        layout: initial layout, ``radial`` or ``layered``.
        palette: the site's colours (default: the fixed ones, spare colours by name).
    """
    if colour_by not in COLOURINGS:
        raise ValueError(f"colour_by must be country or relation, got {colour_by!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be radial or layered, got {layout!r}")
    ids = graph.ids
    drawn = view.nodes
    positions = {"radial": radial_layout(drawn), "layered": layered_layout(drawn)}
    countries = [_node_country(graph, d) for d in drawn]
    cpal = _country_palette([c for c in countries if c], palette or Palette())
    colours = {
        "country": [cpal.get(c, RELATION_COLOURS["more"]) for c in countries],
        "relation": [RELATION_COLOURS.get(d.relation, "#8c8c8c") for d in drawn],
    }
    by_dl = sorted(
        (d for d in drawn if d.node >= 0), key=lambda d: (-d.downloads, ids[d.node].lower())
    )
    labelled = {d.key for d in by_dl[:LABELLED]}
    shown = view.where
    cap = view.stats.cap
    vis_nodes: list[dict[str, Any]] = []
    for d in drawn:
        x, y = positions[layout][d.key]
        colour = colours[colour_by][d.key]
        parent = drawn[d.parent].node if d.parent >= 0 else -1
        parent_id = ids[parent] if parent >= 0 else None
        nd: dict[str, Any] = {"id": d.key, "x": round(x, 1), "y": round(y, 1)}
        if d.kind == GROUP:
            nd.update(
                label=f"{fmt_int(d.models)} {d.relation}",
                title=_group_title(graph, d, parent_id or ""),
                shape="square",
                size=_size(d.downloads),
                color=colour,
            )
        elif d.kind == MORE:
            nd.update(
                label=f"+{fmt_int(d.models)} more",
                title=_more_title(d, parent_id, cap),
                shape="box",
                color={"background": "#f2f2f2", "border": "#9e9e9e"},
                font={"size": 14},
            )
        else:
            mid = ids[d.node]
            nd.update(
                label=mid.rsplit("/", 1)[-1] if d.key in labelled else " ",
                font={"size": 30 if d.key in labelled else 13},
                title=_model_title(graph, d.node),
                shape="diamond" if d.kind == STUB else "dot",
                size=_size(d.downloads) if d.kind != STUB else 12,
                color={"background": "#ffffff", "border": colour} if d.kind == STUB else colour,
            )
            if d.kind == STUB:
                nd.update(borderWidth=2, shapeProperties={"borderDashes": [4, 3]})
        vis_nodes.append(nd)
    vis_edges = [
        {
            "from": p,
            "to": c,
            "color": {"color": RELATION_COLOURS.get(rel, "#8c8c8c"), "opacity": 0.55},
            **({"dashes": True} if rel == "more" else {}),
        }
        for p, c, _, rel in view.edges
    ]
    page = _strip_pyvis_chrome(_pyvis_page(vis_nodes, vis_edges, len(drawn)))
    if "popup.innerHTML" not in page:  # pyvis's HTML-tooltip mode: our escaped HTML shows
        raise PageError("pyvis did not switch to HTML tooltips; check the pyvis version")

    dl = graph.downloads
    data = {
        "view": view.title,
        "drawn": len(drawn),
        "colourBy": colour_by,
        "layout": layout,
        "colours": colours,
        "stub": [d.kind == STUB for d in drawn],
        "positions": {k: [[round(x, 1), round(y, 1)] for x, y in v] for k, v in positions.items()},
        "search": [[ids[v], k] for v, k in sorted(shown.items(), key=lambda t: -dl[t[0]])],
        "kinds": [d.kind for d in drawn],
        "labels": [vis_nodes[d.key]["label"] for d in drawn],
    }
    controls_js = asset_text("family.js")
    header = _header_html(heading, intro_html, back_href, view, cpal, colour_by, layout)
    table = _top_table(graph, view)
    scripts = [m.group(1) for m in re.finditer(r"<script[^>]*>(.*?)</script>", page, re.S)]
    scripts.append(controls_js)
    head = (
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp(scripts))}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(heading)}</title>\n"
        f"<style>{asset_text('page.css')}{asset_text('family.css')}</style>\n"
    )
    tail = (
        f"{table}\n"
        f'<script type="application/json" id="hfl-data">{json_for_script(data)}</script>\n'
        f"<script>{controls_js}</script>\n</body>"
    )
    page = _replace_once(page, '<meta charset="utf-8">', '<meta charset="utf-8">\n' + head)
    page = "<!DOCTYPE html>\n" + _replace_once(page, "<html>", '<html lang="en">')
    page = _replace_once(page, "<body>", '<body class="family">\n' + header)
    page = _replace_once(page, "</body>", tail)
    check_offline(page)
    return page


def _replace_once(page: str, marker: str, text: str) -> str:
    """Replace the one ``marker`` of pyvis's template (its layout is relied upon)."""
    if page.count(marker) != 1:
        raise PageError(f"pyvis page has {page.count(marker)} {marker!r}; expected one")
    return page.replace(marker, text)


COLOUR_CHOICES: tuple[tuple[ColourBy, str], ...] = (
    ("country", "country of the developer"),
    ("relation", "relation to its parent"),
)
LAYOUT_CHOICES: tuple[tuple[Layout, str], ...] = (
    ("radial", "radial"),
    ("layered", "hierarchical (layered)"),
)


def _select(element_id: str, choices: Sequence[tuple[str, str]], current: str) -> str:
    options = "".join(
        f'<option value="{esc(v)}"{" selected" if v == current else ""}>{esc(label)}</option>'
        for v, label in choices
    )
    return f'<select id="{esc(element_id)}">{options}</select>'


def _legend(entries: Sequence[tuple[str, str]], cls: str, hidden: bool) -> str:
    items = "".join(
        f'<li><span class="sw" style="background:{c}"></span>{esc(k)}</li>' for k, c in entries
    )
    style = " hidden" if hidden else ""
    return f'<ul class="legend {cls}"{style}>{items}</ul>'


def _header_html(
    heading: str,
    intro_html: str,
    back_href: str | None,
    view: SubgraphView,
    cpal: dict[str, str],
    colour_by: ColourBy,
    layout: Layout,
) -> str:
    s = view.stats
    back = f'<a class="back" href="{esc(back_href)}">&larr; report</a> ' if back_href else ""
    by_rel = s.collapsed_by_relation
    collapsed = ", ".join(f"{fmt_int(v)} {esc(k)}" for k, v in sorted(by_rel.items()))
    notes = [
        f"{fmt_int(s.members)} models in this view ({fmt_int(s.stubs)} stubs); "
        f"drawn: {fmt_int(s.drawn_nodes)} nodes (cap {fmt_int(s.cap)}), "
        f"{fmt_int(s.drawn_models)} of them single models.",
    ]
    if s.groups:
        notes.append(
            f"Collapsed: {fmt_int(s.collapsed_models)} leaf models ({collapsed}) into "
            f"{fmt_int(s.groups)} count nodes (square; siblings of one parent with the "
            f"same relation, at least {s.collapse_min} of them)."
        )
    elif not s.collapse:
        notes.append("Leaves are not collapsed (--no-collapse).")
    if s.more_nodes:
        notes.append(
            f"Beyond the cap: {fmt_int(s.hidden_models)} models are not drawn; "
            f"{fmt_int(s.more_nodes)} \u201c+N more\u201d boxes stand for them under "
            "their nearest drawn ancestor (subtrees with the most downloads are drawn first)."
        )
    if s.edges_in_view != s.edges_drawn:
        notes.append(
            f"Edges: {fmt_int(s.edges_drawn)} of {fmt_int(s.edges_in_view)} "
            "derivation edges between drawn models are drawn (the rest touch collapsed or "
            "hidden models)."
        )
    rel_entries = [(k, v) for k, v in RELATION_COLOURS.items() if k != "more"]
    return f"""<header class="bar">
<div class="titles">{back}<h1>{esc(heading)}</h1>{intro_html}</div>
<form id="hfl-find" class="find" autocomplete="off">
<input id="hfl-search" type="search" list="hfl-ids" placeholder="find a model in this view"
 aria-label="find a model"><datalist id="hfl-ids"></datalist>
<button type="submit">find</button> <span id="hfl-found" class="muted"></span></form>
<div class="controls">
<label>colour by {_select("hfl-colour", COLOUR_CHOICES, colour_by)}</label>
<label>layout {_select("hfl-layout", LAYOUT_CHOICES, layout)}</label>
{_legend(sorted(cpal.items(), key=lambda kv: kv[0].lower()), "by-country", colour_by != "country")}
{_legend(rel_entries, "by-relation", colour_by != "relation")}
</div>
<p class="notes">Node size: 30-day downloads (log). &#9679; model &middot; &#9671; stub
(dashed: a parent named by others but not in the data) &middot; &#9632; count node &middot;
&#9645; +N more. Arrows point from a base model to the models derived from it. Hover a node
for details and its link to the Hub.</p>
<p class="notes">{" ".join(notes)}</p>
</header>
"""


def _top_table(graph: LineageGraph, view: SubgraphView, n: int = 25) -> str:
    members = np.fromiter(view.where.keys(), dtype=np.int64)
    members = members[~graph.stub[members]]
    top = members[np.argsort(-graph.downloads[members], kind="stable")[:n]]
    rows = []
    for v in top.tolist():
        pe = graph.parent_edges(v)
        rel = graph.relation_of(int(pe[0])).label if len(pe) else "root"
        rows.append(
            f'<tr><td><a href="{esc(hub_url(graph.ids[v]))}" rel="noopener noreferrer" '
            f'target="_blank">{esc(graph.ids[v])}</a></td><td>{esc(rel)}</td>'
            f"<td>{esc(graph.country[v])}</td><td class=num>{fmt_int(int(graph.downloads[v]))}</td>"
            f"<td class=num>{fmt_int(int(graph.likes[v]))}</td></tr>"
        )
    return (
        '<section class="toplist"><h2>Most downloaded models in this view</h2>'
        "<table><thead><tr><th>model</th><th>relation</th><th>country</th>"
        "<th>downloads (30 days)</th><th>likes</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )
