"""Family and subtree views: a vis-network graph page that works offline.

The page is one HTML file with the graph's data in a JSON block; vis-network (as shipped
with pyvis) and the controls (``assets/family.js``) draw it. They are either inlined, so the
page stands alone, or written once per site by :func:`write_view_assets` and loaded from
there; either way:

* node details are HTML that the controls put into ``innerHTML`` (tooltip and details
  panel, because each model links to the Hub), so every value in them is escaped with
  :func:`esc` and every link is built by :func:`hub_url`;
* :func:`check_offline` refuses a page that points anywhere off the machine;
* a Content Security Policy allows no network access, no inline script but the page's own
  (by hash) and, with shared assets, only scripts from the page's own files;
* positions come from :mod:`hflineage.explorer.site.layout` (no two nodes overlap) and
  physics is off, so the browser draws at once and stays responsive.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from hflineage.explorer.palette import COUNTRY_COLOURS, RELATION_COLOURS, Palette
from hflineage.explorer.site.layout import HIDDEN, find_chains, folded_parents, tree_positions
from hflineage.explorer.site.page import (
    asset_text,
    csp,
    esc,
    fmt_int,
    hub_url,
    json_for_script,
)
from hflineage.graph import PLACEHOLDER_CREATED_AT, LineageGraph
from hflineage.loaders.table import take_rows
from hflineage.queries.subgraph import GROUP, MODEL, MORE, STUB, DrawnNode, SubgraphView

__all__ = [
    "COLOURINGS",
    "COUNTRY_COLOURS",
    "LAYOUTS",
    "RELATION_COLOURS",
    "VIEW_ASSETS",
    "ColourBy",
    "Layout",
    "PageError",
    "check_offline",
    "render_subgraph_page",
    "write_view_assets",
]

#: How a view colours its nodes at first (the page has a switch).
ColourBy = Literal["country", "relation"]
#: How a view places its nodes at first: radial, or layered (hierarchical).
Layout = Literal["radial", "layered"]
COLOURINGS: tuple[ColourBy, ...] = get_args(ColourBy)
LAYOUTS: tuple[Layout, ...] = get_args(Layout)

LABELLED = 60  # most downloaded models that get a label
#: Label font (canvas px) by download rank: (ranks below, size). Big enough for the first
#: tier to read at fit zoom; on screen no label grows past ``maxVisible``.
LABEL_TIERS = ((8, 96), (24, 52), (LABELLED, 26))
CHAIN_FOLD = 3  # runs of at least this many one-child models fold into a chain node
_PLACEHOLDER_TEXT = "before 2022-03 (the Hub's placeholder date)"
VIS_VERSION = "vis-9.1.2"
VIS_JS, CONTROLS_JS, CONTROLS_CSS = "vis-network.min.js", "family.js", "family.css"
#: The files a site writes once for all its views.
VIEW_ASSETS = (VIS_JS, CONTROLS_JS, CONTROLS_CSS)
_REMOTE = re.compile(r"""<(link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


class PageError(RuntimeError):
    """A page would load a resource from off the machine."""


def _size(downloads: int) -> float:
    return round(min(8.0 + 4.5 * math.log10(1 + max(downloads, 0)), 46.0), 1)


def _created_texts(created: np.ndarray) -> list[str]:
    """How a tooltip states each ``createdAt``: its day, or why there is none."""
    days = [text[:10] for text in np.datetime_as_string(created)]
    placeholder = (created == PLACEHOLDER_CREATED_AT).tolist()
    missing = np.isnat(created).tolist()
    return [
        "unknown" if gone else _PLACEHOLDER_TEXT if old else day
        for day, old, gone in zip(days, placeholder, missing, strict=True)
    ]


class _ViewIds:
    """The ids of a view's members, taken from the id column together, and of any other
    node one at a time: a site needs a few hundred thousand ids of its views, where the
    list of every id would cost a second at Hub scale."""

    def __init__(self, graph: LineageGraph, members: np.ndarray) -> None:
        self._graph = graph
        #: the id of ``members[i]``
        self.of_members = graph.ids_of(members)
        self._known = dict(zip(members.tolist(), self.of_members, strict=True))

    def __getitem__(self, node: int) -> str:
        known = self._known.get(node)
        return known if known is not None else self._graph.id_of(node)


def _model_titles(graph: LineageGraph, ids: _ViewIds, nodes: Sequence[int]) -> list[str]:
    """Tooltip HTML of models and stubs; every value escaped.

    The columns are taken for all the nodes together: read one value at a time from Arrow
    and numpy, they were most of a view's time.
    """
    rows = np.asarray(nodes, dtype=np.int64)
    stub = graph.stub[rows].tolist()
    country = graph.country[rows].tolist()
    downloads = graph.downloads[rows].tolist()
    all_time = graph.downloads_all_time[rows].tolist()
    likes = graph.likes[rows].tolist()
    created = _created_texts(graph.created_at[rows])
    pipeline = take_rows(graph.pipeline_tag, rows).to_pylist()
    library = take_rows(graph.library_name, rows).to_pylist()
    titles = []
    for i, v in enumerate(rows.tolist()):
        mid = ids[v]
        lines = [f"<b>{esc(mid)}</b>"]
        if stub[i]:
            lines.append("<i>stub: named as a parent by other models, not in the data</i>")
        lines.append(f"author: {esc(graph.org_of(v))} &middot; country: {esc(country[i])}")
        if not stub[i]:
            lines.append(
                f"downloads (30 days): {fmt_int(int(downloads[i]))} &middot; all time: "
                f"{fmt_int(int(all_time[i]))} &middot; likes: {fmt_int(int(likes[i]))}"
            )
            lines.append(f"created: {esc(created[i])}")
            pipe, lib = pipeline[i], library[i]
            if pipe or lib:
                lines.append(f"task: {esc(pipe or '-')} &middot; library: {esc(lib or '-')}")
        lines += _parent_lines(graph, ids, v)
        kids = len(graph.child_edges(v))
        if kids:
            lines.append(f"{fmt_int(kids)} direct children")
        lines.append(
            f'<a href="{esc(hub_url(mid))}" target="_blank" rel="noopener noreferrer">'
            "open on the Hub</a>"
        )
        titles.append("<br>".join(lines))
    return titles


def _parent_lines(graph: LineageGraph, ids: _ViewIds, v: int) -> list[str]:
    """A tooltip's lines on a node's parents: the first four, and how many more."""
    pe = graph.parent_edges(v).tolist()
    lines = [
        f"{esc(graph.relation_of(e).label)} of {esc(ids[int(graph.edge_parent[e])])} "
        f"(source: {esc(graph.source_of(e))})"
        for e in pe[:4]
    ]
    if len(pe) > 4:
        lines.append(f"and {len(pe) - 4} more parents")
    if not pe:
        lines.append("root (declares no parent)")
    return lines


def _group_title(graph: LineageGraph, ids: _ViewIds, d: DrawnNode, parent_id: str) -> str:
    top = ", ".join(f"{esc(ids[v])} ({fmt_int(int(graph.downloads[v]))})" for v in d.members[:8])
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


def _vis_network_js() -> str:
    """vis-network as shipped with pyvis (its licence header included).

    The file is found without importing pyvis, whose import (jinja2, networkx) alone took
    a tenth of the html command at Hub scale.
    """
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise PageError("pyvis (which ships vis-network) is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    return (package / "templates" / "lib" / VIS_VERSION / VIS_JS).read_text("utf-8")


def _asset(name: str) -> str:
    return _vis_network_js() if name == VIS_JS else asset_text(name)


def write_view_assets(directory: Path) -> list[Path]:
    """Write the files every view page shares (vis-network, the controls and their style)
    into ``directory``, once for a whole site; pages refer to them with ``assets=``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in VIEW_ASSETS:
        path = directory / name
        path.write_text(_asset(name), encoding="utf-8")
        written.append(path)
    return written


def _box_radius(label: str, font_size: float) -> float:
    """Half the diagonal of a vis-network box holding ``label`` (5 px margins): a generous
    estimate of the width of sans-serif text, so the layout leaves room for the real box."""
    width = 0.62 * font_size * len(label) + 14
    height = 1.45 * font_size + 12
    return round(math.hypot(width, height) / 2, 1)


def _radius(nd: dict[str, Any]) -> float:
    """Radius of the circle around a vis node's drawn shape (what the layout keeps apart)."""
    if nd["shape"] == "box":
        return _box_radius(nd["label"], nd["font"]["size"])
    size = float(nd.get("value", nd.get("size", 12)))
    return size * math.sqrt(2) if nd["shape"] == "square" else size


def _label_sizes(ids: _ViewIds, drawn: Sequence[DrawnNode]) -> dict[int, int]:
    """Label font (canvas px) of the most downloaded models; the rest get no label.

    vis-network hides a label smaller than ``drawThreshold`` on screen, so at fit zoom only
    the first tier shows and the others appear as one zooms in.
    """
    by_dl = sorted(
        (d for d in drawn if d.node >= 0), key=lambda d: (-d.downloads, ids[d.node].lower())
    )
    sizes = {}
    for rank, d in enumerate(by_dl[:LABELLED]):
        sizes[d.key] = next(font for top, font in LABEL_TIERS if rank < top)
    return sizes


def _vis_nodes(
    graph: LineageGraph, ids: _ViewIds, view: SubgraphView, colour: Sequence[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """vis-network nodes (no positions yet) and their details HTML, one per drawn node."""
    drawn = view.nodes
    label_size = _label_sizes(ids, drawn)
    models = [d.node for d in drawn if d.kind in (MODEL, STUB)]
    model_titles = dict(zip(models, _model_titles(graph, ids, models), strict=True))
    cap = view.stats.cap
    nodes: list[dict[str, Any]] = []
    titles: list[str] = []
    for d in drawn:
        parent = drawn[d.parent].node if d.parent >= 0 else -1
        parent_id = ids[parent] if parent >= 0 else None
        nd: dict[str, Any] = {"id": d.key}
        if d.kind == GROUP:
            nd.update(
                label=f"{fmt_int(d.models)} {d.relation}",
                shape="square",
                value=_size(d.downloads),
                color=colour[d.key],
            )
            titles.append(_group_title(graph, ids, d, parent_id or ""))
        elif d.kind == MORE:
            nd.update(
                label=f"+{fmt_int(d.models)} more",
                shape="box",
                color={"background": "#f2f2f2", "border": "#9e9e9e"},
                font={"size": 14},
            )
            titles.append(_more_title(d, parent_id, cap))
        else:
            nd.update(
                shape="diamond" if d.kind == STUB else "dot",
                value=_size(d.downloads) if d.kind != STUB else 12.0,
                color=(
                    {"background": "#ffffff", "border": colour[d.key]}
                    if d.kind == STUB
                    else colour[d.key]
                ),
            )
            if d.key in label_size:
                nd.update(label=ids[d.node].rsplit("/", 1)[-1], font={"size": label_size[d.key]})
            if d.kind == STUB:
                nd.update(borderWidth=2, shapeProperties={"borderDashes": [4, 3]})
            titles.append(model_titles[d.node])
        nodes.append(nd)
    return nodes, titles


def _chain_title(ids: _ViewIds, view: SubgraphView, run: Sequence[int]) -> str:
    first, last = view.nodes[run[0]], view.nodes[run[-1]]
    dl = sum(view.nodes[k].downloads for k in run)
    return (
        f"<b>chain of {fmt_int(len(run))} models</b>, folded: each has exactly one child "
        f"here<br>from {esc(ids[first.node])}<br>to {esc(ids[last.node])}<br>"
        f"downloads (30 days): {fmt_int(dl)}<br>unfold it to see every model"
    )


def _chain_nodes(
    ids: _ViewIds, view: SubgraphView, chains: Sequence[Sequence[int]]
) -> tuple[list[dict[str, Any]], list[str]]:
    nodes, titles = [], []
    for i, run in enumerate(chains):
        nodes.append(
            {
                "id": len(view.nodes) + i,
                "label": f"\u22ef chain of {fmt_int(len(run))}",
                "shape": "box",
                "font": {"size": 14},
                "color": {"background": "#fff8e1", "border": "#8d6e00"},
                "borderWidth": 2,
            }
        )
        titles.append(_chain_title(ids, view, run))
    return nodes, titles


def _foldable(view: SubgraphView) -> list[list[int]]:
    """Chains of single models (never count or "+N more" nodes) to fold."""
    chains = find_chains([d.parent for d in view.nodes], min_fold=CHAIN_FOLD)
    return [run for run in chains if all(view.nodes[k].node >= 0 for k in run)]


def _positions(
    parents: Sequence[int], radii: Sequence[float], chains: Sequence[Sequence[int]]
) -> dict[str, dict[str, list[list[float]]]]:
    """Positions of every node (chain nodes included) per layout, chains folded and not.

    A node that is not drawn in one state takes the place of what stands for it (folded
    models: their chain node; a chain node when unfolded: its first model), so switching
    never makes nodes fly in from elsewhere.
    """
    n = len(parents)
    unfolded = [*parents, *([HIDDEN] * len(chains))]
    folded = folded_parents(parents, chains)
    out: dict[str, dict[str, list[list[float]]]] = {}
    for layout in LAYOUTS:
        states: dict[str, list[list[float]]] = {}
        for state, tree in (("folded", folded), ("unfolded", unfolded)):
            pos = tree_positions(tree, radii, layout)
            for i, run in enumerate(chains):
                for k in run if state == "folded" else [n + i]:
                    pos[k] = pos[n + i] if state == "folded" else pos[run[0]]
            states[state] = [[round(x, 1), round(y, 1)] for x, y in pos]
        out[layout] = states
    return out


#: A label's box in canvas px: left, top, right, bottom.
Box = tuple[float, float, float, float]


def _label_box(x: float, y: float, radius: float, text: str, font: int) -> Box:
    """Where vis-network draws a dot's label: centred under the dot. Generous, like
    :func:`_box_radius`, so boxes found apart here are apart on the canvas."""
    half = (0.62 * font * len(text) + 6) / 2
    top = y + radius  # vis-network hangs the text about half a line below the disc
    return (x - half, top, x + half, top + 1.75 * font + 4)


def _set_label(nd: dict[str, Any], font: int) -> None:
    """Show a node's label at ``font`` px, or hide it (0); the name stays in ``data.labels``."""
    if font:
        nd["font"] = {"size": font}
    else:
        nd["label"] = ""


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_fonts(
    nodes: Sequence[dict[str, Any]], positions: dict[str, dict[str, list[list[float]]]]
) -> dict[str, dict[str, list[list[int]]]]:
    """The label font of every labelled model in each layout and folding state, so that no
    two labels overlap: most downloaded first, a label that would cover one already placed
    drops to the next smaller tier, and is left off (its name stays in the details and the
    search) when even the smallest would. As ``[[node key, font], ...]``; font 0 = no label.
    """
    labelled = [nd for nd in nodes if nd.get("label") and nd["shape"] in ("dot", "diamond")]
    labelled.sort(key=lambda nd: -int(nd["font"]["size"]))  # tier order is rank order
    tiers = [font for _, font in LABEL_TIERS]
    out: dict[str, dict[str, list[list[int]]]] = {}
    for layout, states in positions.items():
        out[layout] = {}
        for state, pos in states.items():
            placed = [  # count nodes always show their label (the default 13 px font)
                _label_box(pos[nd["id"]][0], pos[nd["id"]][1], _radius(nd), nd["label"], 13)
                for nd in nodes
                if nd["shape"] == "square" and nd.get("label")
            ]
            fonts = []
            for nd in labelled:
                x, y = pos[nd["id"]]
                chosen = 0
                for font in (f for f in tiers if f <= nd["font"]["size"]):
                    box = _label_box(x, y, _radius(nd), nd["label"], font)
                    if not any(_overlaps(box, other) for other in placed):
                        placed.append(box)
                        chosen = font
                        break
                fonts.append([nd["id"], chosen])
            out[layout][state] = fonts
    return out


def _vis_options(nodes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    values = [nd["value"] for nd in nodes if "value" in nd] or [12.0]
    n = len(nodes)
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": n > 300,
            "hideEdgesOnZoom": n > 600,
            "multiselect": False,
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "width": 1,
        },
        "nodes": {
            "font": {"size": 13, "face": "sans-serif", "strokeWidth": 3},
            # With scaling.min/max equal to the smallest and largest value, a node's size is
            # its value. Labels keep their tiered font (enabled: False) but vis-network still
            # hides those under drawThreshold px on screen, so small ones vanish zoomed out.
            "scaling": {
                "min": min(values),
                "max": max(values),
                "label": {
                    "enabled": False,
                    "maxVisible": 22,
                    "drawThreshold": 9,
                },
            },
        },
    }


def _edges(view: SubgraphView, chains: Sequence[Sequence[int]]) -> list[dict[str, Any]]:
    """Derivation edges, then each chain node's edge in and out."""
    n = len(view.nodes)
    rel_of = {d.key: d.relation for d in view.nodes}
    links = [(p, c, rel) for p, c, _, rel in view.edges]
    for i, run in enumerate(chains):
        below = [d.key for d in view.nodes if d.parent == run[-1]]
        links.append((view.nodes[run[0]].parent, n + i, rel_of[run[0]]))
        links += [(n + i, b, rel_of[b]) for b in below]
    return [
        {
            "id": i,
            "from": p,
            "to": c,
            "color": {"color": RELATION_COLOURS.get(rel, "#8c8c8c"), "opacity": 0.55},
            **({"dashes": True} if rel == "more" else {}),
        }
        for i, (p, c, rel) in enumerate(links)
    ]


def render_subgraph_page(
    graph: LineageGraph,
    view: SubgraphView,
    heading: str,
    intro_html: str = "",
    back_href: str | None = None,
    colour_by: ColourBy = "country",
    layout: Layout = "radial",
    palette: Palette | None = None,
    assets: str | None = None,
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
        assets: relative URL of a folder holding :func:`write_view_assets`' files (ending
            in ``/``); without it the page inlines them and stands alone.
    """
    if colour_by not in COLOURINGS:
        raise ValueError(f"colour_by must be country or relation, got {colour_by!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be radial or layered, got {layout!r}")
    drawn = view.nodes
    members = np.fromiter(view.where, dtype=np.int64, count=len(view.where))
    ids = _ViewIds(graph, members)
    countries = [_node_country(graph, d) for d in drawn]
    cpal = _country_palette([c for c in countries if c], palette or Palette())
    colours = {
        "country": [cpal.get(c, RELATION_COLOURS["more"]) for c in countries],
        "relation": [RELATION_COLOURS.get(d.relation, "#8c8c8c") for d in drawn],
    }
    vis_nodes, titles = _vis_nodes(graph, ids, view, colours[colour_by])
    chains = _foldable(view)
    chain_nodes, chain_titles = _chain_nodes(ids, view, chains)
    vis_nodes += chain_nodes
    titles += chain_titles
    parents = [d.parent for d in drawn]
    positions = _positions(parents, [_radius(nd) for nd in vis_nodes], chains)
    folded = set().union(*chains) if chains else set()
    label_fonts = _label_fonts(vis_nodes, positions)
    names = [nd.get("label", "") for nd in vis_nodes]
    first_fonts = {key: font for key, font in label_fonts[layout]["folded"]}
    for nd in vis_nodes:
        x, y = positions[layout]["folded"][nd["id"]]
        nd.update(x=x, y=y, hidden=nd["id"] in folded)
        if nd["id"] in first_fonts:
            _set_label(nd, first_fonts[nd["id"]])
    data = {
        "view": view.title,
        "drawn": len(drawn),
        "colourBy": colour_by,
        "layout": layout,
        "colours": colours,
        "stub": [d.kind == STUB for d in drawn],
        "positions": positions,
        "parents": {
            "folded": folded_parents(parents, chains),
            "unfolded": [*parents, *([HIDDEN] * len(chains))],
        },
        "chains": chains,
        "search": _search_entries(graph, ids, view, members),
        "kinds": [d.kind for d in drawn] + ["chain"] * len(chains),
        "labels": names,
        "labelFonts": label_fonts,
        "titles": titles,
        "vis": {
            "nodes": vis_nodes,
            "edges": _edges(view, chains),
            "options": _vis_options(vis_nodes),
        },
    }
    header = _header_html(heading, intro_html, back_href, view, cpal, colour_by, layout, chains)
    page = _page_html(heading, header, _top_table(graph, ids, members), data, assets)
    check_offline(page)
    return page


def _search_entries(
    graph: LineageGraph, ids: _ViewIds, view: SubgraphView, members: np.ndarray
) -> list[tuple[str, int]]:
    """``(id, drawn key)`` of every member (``view.where``'s keys, in order), most
    downloaded first (ties: view order)."""
    order = np.argsort(-graph.downloads[members], kind="stable").tolist()
    names, shown = ids.of_members, list(view.where.values())
    return [(names[i], shown[i]) for i in order]


def _page_html(
    heading: str, header: str, table: str, data: dict[str, Any], assets: str | None
) -> str:
    """The page shell: the graph's data in a JSON block, the scripts inline or shared."""
    if assets is None:
        scripts = [_asset(VIS_JS), asset_text(CONTROLS_JS)]
        policy = csp(scripts)
        style = asset_text(CONTROLS_CSS)
        tags = "".join(f"<script>{s}</script>\n" for s in scripts)
        links = ""
    else:
        policy = csp(own_files=True)
        style = ""
        tags = "".join(
            f'<script src="{esc(assets + name)}"></script>\n' for name in (VIS_JS, CONTROLS_JS)
        )
        links = f'<link rel="stylesheet" href="{esc(assets + CONTROLS_CSS)}">\n'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(heading)}</title>\n"
        f"<style>{asset_text('page.css')}{style}</style>\n{links}"
        '</head>\n<body class="family">\n'
        f"{header}"
        '<div class="card"><div id="mynetwork" tabindex="0" role="application" '
        'aria-label="lineage graph: arrow keys move from node to node, Enter shows the '
        'details, Escape closes them" aria-describedby="hfl-keys"></div>\n'
        '<div class="popup" hidden></div>\n'
        '<aside id="hfl-details" class="details" hidden aria-live="polite">'
        '<button type="button" id="hfl-close" class="close" aria-label="close the details">'
        '&times;</button><div id="hfl-details-body"></div><p class="actions">'
        '<button type="button" id="hfl-focus">make this the root</button> '
        '<button type="button" id="hfl-unfold" hidden>unfold chains</button> '
        '<button type="button" id="hfl-all" hidden>show the whole view</button></p>'
        "</aside></div>\n"
        f"{table}\n"
        f'<script type="application/json" id="hfl-data">{json_for_script(data)}</script>\n'
        f"{tags}</body>\n</html>\n"
    )


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
    chains: Sequence[Sequence[int]],
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
    if chains:
        folded = sum(len(c) for c in chains)
        notes.append(
            f"Chains: {fmt_int(folded)} models in {fmt_int(len(chains))} runs of one-child "
            f"models (at least {CHAIN_FOLD}) are folded into \u201cchain of N\u201d boxes; "
            "untick \u201cfold chains\u201d or click a chain to unfold them."
        )
    rel_entries = [(k, v) for k, v in RELATION_COLOURS.items() if k != "more"]
    fold = (
        '<label><input type="checkbox" id="hfl-fold" checked> fold chains</label>' if chains else ""
    )
    return f"""<header class="bar">
<div class="titles">{back}<h1>{esc(heading)}</h1>{intro_html}</div>
<form id="hfl-find" class="find" autocomplete="off">
<input id="hfl-search" type="search" list="hfl-ids" placeholder="find a model in this view"
 aria-label="find a model"><datalist id="hfl-ids"></datalist>
<button type="submit">find</button>
<button type="button" id="hfl-prev" aria-label="previous match" disabled>&#9650;</button>
<button type="button" id="hfl-next" aria-label="next match" disabled>&#9660;</button>
<span id="hfl-found" class="muted" aria-live="polite"></span></form>
<div class="controls">
<label>colour by {_select("hfl-colour", COLOUR_CHOICES, colour_by)}</label>
<label>layout {_select("hfl-layout", LAYOUT_CHOICES, layout)}</label>
{fold}
</div>
<div class="legends">
<div><span class="lh">node colour</span>
{_legend(sorted(cpal.items(), key=lambda kv: kv[0].lower()), "by-country", colour_by != "country")}
{_legend(rel_entries, "by-relation", colour_by != "relation")}</div>
<div><span class="lh">edge: relation of the child</span>{_edge_legend()}</div>
<div><span class="lh">node size: 30-day downloads</span>{_size_legend()}</div>
<div><span class="lh">shape</span><ul class="legend">
<li>&#9679; model</li><li>&#9671; stub (dashed: named as a parent, not in the data)</li>
<li>&#9632; count node (collapsed leaves)</li><li>&#9645; +N more / chain of N</li></ul></div>
</div>
<p class="notes" id="hfl-keys">Arrows point from a base model to the models derived from
it. Click or tap a node for its details and its link to the Hub; with the graph focused,
the arrow keys move from node to node, Enter opens the details and Escape closes them.
Labels grow with the node; zoom in to see the smaller ones.</p>
<p class="notes">{" ".join(notes)}</p>
</header>
"""


def _edge_legend() -> str:
    items = "".join(
        f'<li><span class="ln" style="border-top-color:{c}"></span>{esc(k)}</li>'
        for k, c in RELATION_COLOURS.items()
        if k not in ("root", "more")
    )
    dashed = (
        f'<li><span class="ln dashed" style="border-top-color:{RELATION_COLOURS["more"]}">'
        "</span>to +N more</li>"
    )
    return f'<ul class="legend edges">{items}{dashed}</ul>'


def _size_legend() -> str:
    """Discs for a few download counts, drawn at half their size at 100% zoom."""
    items = "".join(
        f'<li><span class="disc" style="width:{_size(d):.0f}px;height:{_size(d):.0f}px">'
        f"</span>{esc(label)}</li>"
        for d, label in ((0, "0"), (1_000, "1k"), (100_000, "100k"), (10_000_000, "10M"))
    )
    return f'<ul class="legend sizes">{items}<li class="muted">(half size at 100% zoom)</li></ul>'


def _top_table(graph: LineageGraph, ids: _ViewIds, members: np.ndarray, n: int = 25) -> str:
    members = members[~graph.stub[members]]
    top = members[np.argsort(-graph.downloads[members], kind="stable")[:n]]
    rows = []
    for v in top.tolist():
        pe = graph.parent_edges(v)
        rel = graph.relation_of(int(pe[0])).label if len(pe) else "root"
        rows.append(
            f'<tr><td><a href="{esc(hub_url(ids[v]))}" rel="noopener noreferrer" '
            f'target="_blank">{esc(ids[v])}</a></td><td>{esc(rel)}</td>'
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
