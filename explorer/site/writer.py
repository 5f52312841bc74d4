"""Write the report and its views to a directory: ``index.html``, ``family/<slug>.html`` for
the top families and ``root/<slug>.html`` for top roots outside those families.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hflineage.explorer.palette import Palette, palette_for
from hflineage.explorer.site.attributions import SiteAttributions
from hflineage.explorer.site.family import (
    ColourBy,
    Layout,
    render_subgraph_page,
    write_view_assets,
)
from hflineage.explorer.site.page import esc, fmt_int, slugify
from hflineage.explorer.site.report import ReportLinks, render_report
from hflineage.graph import OTHER_FAMILY, LineageGraph
from hflineage.queries import Window, family_members
from hflineage.queries.lineage import relation_mix
from hflineage.queries.periods.weekly import WeeklySeries
from hflineage.queries.subgraph import SubgraphView, build_subgraph_view

__all__ = ["ASSETS", "PageInfo", "SiteResult", "render_model_view", "write_site"]

ASSETS = "assets"  # folder of the files every view page shares


@dataclass(frozen=True, slots=True)
class PageInfo:
    """One written view page and what it draws."""

    path: Path
    title: str
    members: int
    drawn: int
    seconds: float


@dataclass
class SiteResult:
    """What :func:`write_site` wrote and how long it took."""

    index: Path
    pages: list[PageInfo] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def largest(self) -> PageInfo | None:
        """The view of the most models (the one the report and the command name)."""
        return max(self.pages, key=lambda p: (p.members, p.drawn), default=None)


def subtree_members(graph: LineageGraph, node: int) -> np.ndarray:
    """A node and all its descendants."""
    seen = {node}
    frontier = [node]
    while frontier:
        nxt = []
        for v in frontier:
            for c in graph.children(v).tolist():
                if c not in seen:
                    seen.add(c)
                    nxt.append(c)
        frontier = nxt
    return np.array(sorted(seen), dtype=np.int64)


def _family_intro(graph: LineageGraph, members: np.ndarray, name: str) -> str:
    roots = members[graph.is_root[members]]
    top = roots[np.argsort(-graph.downloads[roots], kind="stable")[:6]]
    dl = int(graph.downloads[members].sum())
    mix = ", ".join(f"{fmt_int(c)} {k}" for k, c in relation_mix(graph, members).items())
    return (
        f'<p class="muted"><b>{fmt_int(len(members))} models whose first root</b> belongs to '
        f"the curated family <b>{esc(name)}</b>: {fmt_int(len(roots))} roots (e.g. "
        + ", ".join(esc(mid) for mid in graph.ids_of(top))
        + f"), {fmt_int(dl)} downloads in 30 days. The report's “models credited” "
        "also counts models of other families that merge one of these roots in."
        + (f" Derivation edges into its models, by relation: {esc(mix)}." if mix else "")
        + "</p>"
    )


def render_model_view(
    graph: LineageGraph,
    model_id: str,
    *,
    cap: int = 1000,
    collapse: bool = True,
    colour_by: ColourBy = "country",
    layout: Layout = "radial",
    back_href: str | None = None,
    palette: Palette | None = None,
    assets: str | None = None,
) -> tuple[str, SubgraphView]:
    """The page of one model and everything derived from it; ``assets`` as for
    :func:`~hflineage.explorer.site.family.render_subgraph_page` (default: a standalone page).

    Raises:
        ModelNotFound: the model is not in the graph.
    """
    v = graph.node(model_id)
    members = subtree_members(graph, v)
    mid = graph.id_of(v)
    view = build_subgraph_view(graph, members, mid, cap=cap, collapse=collapse)
    pe = graph.parent_edges(v).tolist()
    parents = ", ".join(
        f"{esc(graph.relation_of(e).label)} of {esc(graph.id_of(graph.edge_parent[e]))}"
        for e in pe[:5]
    )
    intro = (
        f'<p class="muted">{esc(mid)} and the {fmt_int(len(members) - 1)} models derived '
        f"from it; family {esc(graph.family[v])}, developer {esc(graph.org_of(v))} "
        f"({esc(graph.country[v])})."
        + (f" It is itself a {parents}." if parents else " It is a root.")
        + "</p>"
    )
    page = render_subgraph_page(
        graph,
        view,
        f"{mid}: subtree",
        intro,
        back_href,
        colour_by=colour_by,
        layout=layout,
        palette=palette or palette_for(graph),
        assets=assets,
    )
    return page, view


def write_site(
    graph: LineageGraph,
    out: Path,
    *,
    window: Window | None = None,
    families: int = 20,
    roots: int = 20,
    cap: int = 1000,
    collapse: bool = True,
    colour_by: ColourBy = "country",
    layout: Layout = "radial",
    weekly: Sequence[WeeklySeries] = (),
) -> SiteResult:
    """Write the report and its family and root views under ``out``.

    ``weekly``: download series from the snapshot store, charted on the report when given.
    """
    t0 = time.perf_counter()
    window = window or Window()
    out.mkdir(parents=True, exist_ok=True)
    links = ReportLinks()
    asked = SiteAttributions(graph, window)  # one set for the choices below and the report
    palette = asked.palette()  # one for the report and every view
    result = SiteResult(index=out / "index.html")

    by_dl = asked.get("family", metric="downloads").rows
    by_up = asked.get("family", metric="uploads").rows
    chosen: list[str] = []
    for rows, n in ((by_dl, families), (by_up, max(1, families // 2))):
        picked = 0
        for r in rows:
            if picked >= n:
                break
            if r.key == OTHER_FAMILY:
                continue
            picked += 1
            if r.key not in chosen:
                chosen.append(r.key)
    if families <= 0:
        chosen = []

    taken: set[str] = set()
    (out / "family").mkdir(exist_ok=True)
    write_view_assets(out / ASSETS)  # shared by every view page, written once
    shared = f"../{ASSETS}/"
    for name in chosen:
        t = time.perf_counter()
        members = family_members(graph, name)
        if not len(members):
            continue
        slug = slugify(name, taken)
        view = build_subgraph_view(graph, members, name, cap=cap, collapse=collapse)
        page = render_subgraph_page(
            graph,
            view,
            f"{name} family",
            _family_intro(graph, members, name),
            "../index.html",
            colour_by=colour_by,
            layout=layout,
            palette=palette,
            assets=shared,
        )
        path = out / "family" / f"{slug}.html"
        path.write_text(page, encoding="utf-8")
        links.families[name] = f"family/{slug}.html"
        result.pages.append(
            PageInfo(path, name, len(members), len(view.nodes), time.perf_counter() - t)
        )

    fam_codes, fam_names = graph.root_family_codes
    root_rows = asked.get("root", metric="downloads", top=roots).rows
    root_taken: set[str] = set()
    for r in root_rows:
        v = graph.node(r.key)
        root_id = graph.id_of(v)
        family = fam_names[int(fam_codes[v])]
        if family in links.families:
            anchor = urllib.parse.quote(root_id, safe="/")
            links.roots[r.key] = f"{links.families[family]}#{anchor}"
            continue
        t = time.perf_counter()
        (out / "root").mkdir(exist_ok=True)
        slug = slugify(root_id, root_taken, max_len=80)
        page, view = render_model_view(
            graph,
            root_id,
            cap=cap,
            collapse=collapse,
            colour_by=colour_by,
            layout=layout,
            back_href="../index.html",
            palette=palette,
            assets=shared,
        )
        path = out / "root" / f"{slug}.html"
        path.write_text(page, encoding="utf-8")
        links.roots[r.key] = f"root/{slug}.html"
        result.pages.append(
            PageInfo(path, root_id, len(view.where), len(view.nodes), time.perf_counter() - t)
        )

    biggest = result.largest
    note = (
        f"<p>{fmt_int(len(links.families))} family views and "
        f"{fmt_int(len(result.pages) - len(links.families))} root views, each drawing at most "
        f"{fmt_int(cap)} nodes; quantized and adapter leaves "
        + ("are collapsed into count nodes" if collapse else "are not collapsed")
        + "."
        + (
            f" The largest view, {esc(biggest.title)}, has {fmt_int(biggest.members)} models "
            f"and draws {fmt_int(biggest.drawn)} nodes."
            if biggest
            else ""
        )
        + (
            " The views show every model of a family or subtree; the window applies to the "
            "figures on this page only."
            if not window.is_open
            else ""
        )
        + "</p>"
    )
    result.index.write_text(
        render_report(
            graph,
            window=window,
            links=links,
            pages_note=note,
            weekly=weekly,
            palette=palette,
            attributions=asked,
        ),
        encoding="utf-8",
    )
    result.seconds = time.perf_counter() - t0
    return result
