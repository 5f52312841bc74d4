"""The HTML report and family views: content, safety, and rendering in headless Chromium."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import Browser, Page, chromium_path, decode_png
from click.testing import CliRunner
from conftest import api_model, write_jsonl

from hflineage.explorer.cli.main import cli
from hflineage.explorer.site.family import PageError, check_offline, render_subgraph_page
from hflineage.explorer.site.layout import layered_layout, radial_layout
from hflineage.explorer.site.page import (
    csp,
    esc,
    hub_url,
    json_for_script,
    script_hash,
    slugify,
)
from hflineage.explorer.site.writer import SiteResult, render_model_view, write_site
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.queries import family_members
from hflineage.queries.subgraph import GROUP, MORE, build_subgraph_view

RENDERED = "document.body.dataset.rendered === '1'"
CANVAS_PIXELS = """(function () {
  var c = document.querySelector('#mynetwork canvas');
  var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  var n = 0;
  for (var i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})()"""

needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium not installed (Debian package 'chromium'; .ci/run installs it)",
)


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hub_graph(hub_stats_path: Path) -> LineageGraph:
    """The graph of the real sample (of the generated Hub without it)."""
    return build_lineage_graph(*load_snapshot(hub_stats_path))


@pytest.fixture(scope="module")
def site(hub_graph: LineageGraph, tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    """The report and views of :func:`hub_graph`, written once."""
    return write_site(hub_graph, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium (fresh profile, no network) for the module."""
    if chromium_path() is None:
        pytest.skip("headless Chromium not installed (Debian package 'chromium')")
    with Browser() as b:
        yield b


def _fan(root: str, n_ft: int, n_quant: int, n_adapt: int) -> list[dict[str, Any]]:
    """A root with ``n_ft`` finetunes, each with quantized and adapter leaves."""
    objs = [api_model(root, relation=None, downloads=10**6)]
    for i in range(n_ft):
        ft = f"user{i}/ft-{i}"
        objs.append(api_model(ft, root, downloads=1000 + i))
        objs += [
            api_model(f"q{i}/ft-{i}-q{j}", ft, relation="quantized", downloads=j)
            for j in range(n_quant)
        ]
        objs += [
            api_model(f"a{i}/ft-{i}-lora{j}", ft, relation="adapter", downloads=j)
            for j in range(n_adapt)
        ]
    return objs


# -- escaping and helpers ---------------------------------------------------------------------
def test_docstring_examples() -> None:
    import hflineage.explorer.site.page as common

    result = doctest.testmod(common)
    assert result.attempted >= 8 and result.failed == 0


def test_escaping_helpers_neutralise_payloads() -> None:
    assert esc('"><img src=x onerror=alert(1)>') == "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert esc("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    js = json_for_script({"a": "</script><script>alert(1)</script>", "b": "\u2028&"})
    assert "<" not in js and ">" not in js and "&" not in js and "\u2028" not in js
    assert json.loads(js) == {"a": "</script><script>alert(1)</script>", "b": "\u2028&"}
    for bad in ("javascript:alert(1)", "JaVaScRiPt:x", "//evil.example/x", "data:text/html,x"):
        assert hub_url(bad).startswith("https://huggingface.co/")
        assert ":" not in hub_url(bad)[len("https://") :]


def test_slugs_are_file_safe_and_unique() -> None:
    taken: set[str] = set()
    names = ("Qwen", "qwen", "../../x", "GPT-NeoX/GPT-J", "", "NVIDIA (other)")
    slugs = [slugify(n, taken) for n in names]
    assert slugs == ["qwen", "qwen-2", "x", "gpt-neox-gpt-j", "item", "nvidia-other"]
    assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)


def test_csp_lists_exactly_the_given_scripts() -> None:
    policy = csp(["console.log(1)"])
    assert script_hash("console.log(1)") in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "default-src 'none'" in policy and "connect-src" not in policy
    assert "script-src 'none'" in csp([])


def test_check_offline_refuses_remote_resources() -> None:
    check_offline('<script>var u = "https://x";</script><link rel="stylesheet" href="a.css">')
    for bad in (
        '<script src="https://cdn.example/x.js"></script>',
        "<link href='//cdn.example/x.css' rel=stylesheet>",
        '<link\n  href="http://x/y.css"\n  rel="stylesheet" />',
    ):
        with pytest.raises(PageError):
            check_offline(bad)


# -- what a view draws ------------------------------------------------------------------------
def test_leaves_collapse_into_count_nodes(make_graph: Callable[..., LineageGraph]) -> None:
    solo = api_model("solo/q", "Qwen/Qwen2.5-7B", relation="quantized")
    g = make_graph([*_fan("Qwen/Qwen2.5-7B", 3, 5, 2), solo])
    members = family_members(g, "Qwen")
    view = build_subgraph_view(g, members, "Qwen", cap=100)
    groups = [d for d in view.nodes if d.kind == GROUP]
    # 3 finetunes x (quantized, adapter); the lone quantization of the root stays a model.
    got = sorted((g.ids[view.nodes[d.parent].node], d.relation, d.models) for d in groups)
    assert got == [
        (f"user{i}/ft-{i}", rel, n)
        for i in range(3)
        for rel, n in (("adapter", 2), ("quantized", 5))
    ]
    assert any(d.node == g.node("solo/q") for d in view.nodes)
    assert view.stats.collapsed_models == 21 and view.stats.drawn_nodes == 1 + 3 + 6 + 1
    # Every member is findable: a collapsed leaf points at its count node.
    assert set(view.where) == set(members.tolist())
    q = view.where[g.node("q1/ft-1-q4")]
    assert view.nodes[q].kind == GROUP and view.nodes[q].relation == "quantized"
    assert view.nodes[q].members[0] == g.node("q1/ft-1-q4")  # largest downloads first
    flat = build_subgraph_view(g, members, "Qwen", cap=100, collapse=False)
    assert flat.stats.groups == 0 and flat.stats.drawn_nodes == len(members)


def test_cap_keeps_the_biggest_subtrees_and_counts_the_rest(
    make_graph: Callable[..., LineageGraph],
) -> None:
    g = make_graph(_fan("Qwen/Qwen2.5-7B", 60, 3, 0))
    members = family_members(g, "Qwen")
    view = build_subgraph_view(g, members, "Qwen", cap=30)
    kinds = [d.kind for d in view.nodes]
    assert len(view.nodes) <= 30 and MORE in kinds
    for d in view.nodes:  # ancestor-closed: every drawn node hangs under a drawn node
        assert d.parent < d.key
    drawn_fts = {g.ids[d.node] for d in view.nodes if d.kind == "model" and d.depth == 1}
    best = {f"user{i}/ft-{i}" for i in range(59, 59 - len(drawn_fts), -1)}
    assert drawn_fts == best  # finetunes with the most downloads first
    shown = sum(d.models for d in view.nodes)
    assert shown == len(members) == view.stats.members
    assert view.stats.hidden_models == sum(d.models for d in view.nodes if d.kind == MORE)
    hidden = g.node("user0/ft-0")
    assert view.nodes[view.where[hidden]].kind == MORE


def test_layouts_put_children_beyond_their_parents(
    make_graph: Callable[..., LineageGraph],
) -> None:
    g = make_graph(_fan("Qwen/Qwen2.5-7B", 4, 2, 0))
    view = build_subgraph_view(g, family_members(g, "Qwen"), "Qwen", collapse=False)
    lay, rad = layered_layout(view.nodes), radial_layout(view.nodes)
    assert rad[0] == (0.0, 0.0)  # one root: the centre
    for d in view.nodes:
        if d.parent >= 0:
            assert lay[d.key][1] > lay[d.parent][1]
            assert np.hypot(*rad[d.key]) > np.hypot(*rad[d.parent])
    assert len({(round(x), round(y)) for x, y in lay}) == len(view.nodes)


def test_a_model_without_edges_gets_a_page(make_graph: Callable[..., LineageGraph]) -> None:
    g = make_graph([api_model("solo/model", relation=None, downloads=3)])
    view = build_subgraph_view(g, np.array([0]), "solo/model")
    assert [d.kind for d in view.nodes] == ["model"] and view.where == {0: 0}
    assert "solo/model" in render_subgraph_page(g, view, "solo/model")


# -- pages (no browser) -----------------------------------------------------------------------
def test_site_files_and_report_contents(site: SiteResult, hub_graph: LineageGraph) -> None:
    index = site.index.read_text()
    assert site.seconds < 15
    for section in ("headline", "monthly", "families", "roots", "concentration", "validation"):
        assert f'id="{section}"' in index
    assert "Denominator:" in index and "merge policy split" in index
    assert "lineage view" in index and "uploader view" in index
    assert f"{hub_graph.validation.models:,}" in index
    assert len(re.findall(r'class="hfl-chart" data-chart="[^"]+" data-marks="[1-9]', index)) == 9
    links = set(re.findall(r'href="(family/[^"#]+)"', index))
    assert "family/qwen.html" in links
    for link in links:
        assert (site.index.parent / link).is_file(), link
    assert {p.path.parent.name for p in site.pages} <= {"family", "root"}
    assert len(site.pages) >= 10
    for page in [site.index, *(p.path for p in site.pages)]:
        text = page.read_text()
        check_offline(text)
        assert "cdn.jsdelivr" not in text and "bootstrap" not in text.lower()
        assert text.index("Content-Security-Policy") < text.find("<script") % len(text)


def test_family_page_scripts_are_exactly_the_allowed_ones(
    site: SiteResult, hub_graph: LineageGraph
) -> None:
    """Site pages load the shared vis-network and controls from ../assets/ (no inline script,
    ``script-src 'self'``); a standalone page inlines them, each allowed by its hash."""
    page = next(p.path for p in site.pages if p.title == "Qwen").read_text()
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert policy
    script_src = policy.group(1).replace("&#x27;", "'").split("script-src ")[1].split(";")[0]
    assert script_src == "'self'"
    tags = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    code = [(attrs, body) for attrs, body in tags if "application/json" not in attrs]
    assert [body for _, body in code] == ["", ""]
    srcs = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in code]  # type: ignore[union-attr]
    assert srcs == ["../assets/vis-network.min.js", "../assets/family.js"]
    for src in srcs:
        assert (site.index.parent / "family" / src).resolve().is_file()

    qwen = hub_graph.ids[int(family_members(hub_graph, "Qwen")[0])]
    standalone, _ = render_model_view(hub_graph, qwen)
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', standalone)
    assert policy
    allowed = set(re.findall(r"'sha256-[^']+'", policy.group(1).replace("&#x27;", "'")))
    scripts = [
        body
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", standalone, re.S)
        if "application/json" not in attrs
    ]
    assert len(scripts) == 2  # vis-network and the controls, inlined
    assert {script_hash(s) for s in scripts} == allowed
    assert "'self'" not in policy.group(1).replace("&#x27;", "'")


def test_cli_html_and_view(hub_stats_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        cli,
        ["html", "--snapshot", str(hub_stats_path), "--out", str(tmp_path / "r"), "--families", "3",
         "--roots", "5", "--cap", "50"],
    )
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and (tmp_path / "r" / "index.html").is_file()
    assert len(list((tmp_path / "r" / "family").glob("*.html"))) >= 3
    out = tmp_path / "v" / "qwen.html"
    res = runner.invoke(
        cli, ["view", "Qwen/Qwen2.5-7B-Instruct", "--snapshot", str(hub_stats_path),
              "--out", str(out), "--color", "relation", "--layout", "layered"],
    )
    assert res.exit_code == 0, res.output
    assert '"colourBy":"relation"' in out.read_text()
    p = subprocess.run(
        [sys.executable, "-m", "hflineage", "view", "nobody/nothing", "--snapshot",
         str(hub_stats_path), "--out", str(tmp_path / "x.html")],
        capture_output=True, text=True, timeout=300,
    )
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "not in the graph" in p.stderr


# -- in the browser ---------------------------------------------------------------------------
def _find(page: Page, text: str) -> None:
    """Type into the search box and submit it."""
    page.evaluate(
        f"(function(){{document.getElementById('hfl-search').value = {json.dumps(text)};"
        "document.getElementById('hfl-find').requestSubmit()})()"
    )


def _clean(page: Page) -> None:
    assert page.errors() == []
    assert page.foreign_requests() == []
    assert page.dialogs == []


@needs_chromium
def test_report_renders_its_charts(site: SiteResult, browser: Browser) -> None:
    page = browser.open(site.index)
    charts = page.evaluate(
        """Array.from(document.querySelectorAll('svg.hfl-chart')).map(function (s) {
             var r = s.getBoundingClientRect();
             return {name: s.dataset.chart, marks: +s.dataset.marks,
                     drawn: s.querySelectorAll('.hfl-mark').length,
                     x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height};
           })"""
    )
    assert {c["name"] for c in charts} == {
        "country-shares", "uploads-by-family", "uploads-by-country",
        "uploads-by-country-uploader", "downloads-by-family-month", "downloads-by-family",
        "builds-on-downloads", "builds-on-uploads", "base-vs-derived",
    }
    img = decode_png(page.screenshot(full_page=True, fast=True))
    for c in charts:
        assert c["marks"] == c["drawn"] > 0 and c["w"] > 200 and c["h"] > 100, c
        box = img[int(c["y"]) : int(c["y"] + c["h"]), int(c["x"]) : int(c["x"] + c["w"]), :3]
        ink = (box.max(axis=2).astype(int) - box.min(axis=2)) > 60  # saturated = a coloured mark
        # a heatmap's darkest cell is one of many; the others may be pale
        assert ink.mean() > (0.004 if c["name"].startswith("builds-on") else 0.01), (
            c["name"],
            ink.mean(),
        )
    rows = page.evaluate("document.querySelectorAll('#country-table tbody tr').length")
    assert rows >= 10
    _clean(page)
    page.close()


@needs_chromium
def test_every_view_renders_offline(
    site: SiteResult, hub_graph: LineageGraph, browser: Browser
) -> None:
    pages = browser.open_many([p.path for p in site.pages], wait=RENDERED)
    try:
        for info, page in zip(site.pages, pages, strict=True):
            data = json.loads(page.evaluate("document.getElementById('hfl-data').textContent"))
            # one more vis node per folded chain ("chain of N"), drawn instead of its models
            assert page.evaluate("nodes.length") == info.drawn + len(data["chains"])
            assert page.evaluate("+document.body.dataset.drawnNodes") == info.drawn
            assert data["drawn"] == info.drawn and len(data["search"]) == info.members
            assert page.evaluate(CANVAS_PIXELS) > 200, info.title
            _clean(page)
    finally:
        for page in pages:
            page.close()
    qwen = next(p for p in site.pages if p.title == "Qwen")
    view = build_subgraph_view(hub_graph, family_members(hub_graph, "Qwen"), "Qwen")
    assert qwen.drawn == len(view.nodes) and qwen.members == len(view.where)


@needs_chromium
def test_controls_switch_colour_layout_and_find_models(
    site: SiteResult, browser: Browser
) -> None:
    largest = max(site.pages, key=lambda p: p.drawn)
    page = browser.open(largest.path, wait=RENDERED)
    colour0 = page.evaluate("JSON.stringify(nodes.get(0).color)")
    page.evaluate("(function(){var s=document.getElementById('hfl-colour'); s.value='relation';"
                  "s.dispatchEvent(new Event('change'))})()")
    assert page.evaluate("document.body.dataset.colourBy") == "relation"
    assert page.evaluate("JSON.stringify(nodes.get(0).color)") != colour0
    assert page.evaluate("document.querySelector('ul.by-relation').hidden") is False
    pos0 = page.evaluate("JSON.stringify(network.getPositions([5]))")
    t = time.perf_counter()
    page.evaluate("(function(){var s=document.getElementById('hfl-layout'); s.value='layered';"
                  "s.dispatchEvent(new Event('change'))})()")
    assert time.perf_counter() - t < 5  # stays responsive on the largest view
    assert page.evaluate("JSON.stringify(network.getPositions([5]))") != pos0
    data = json.loads(page.evaluate("document.getElementById('hfl-data').textContent"))
    wanted, key = data["search"][len(data["search"]) // 2]
    _find(page, wanted.upper())
    assert page.evaluate("document.body.dataset.found") == wanted
    assert page.evaluate("network.getSelectedNodes()") == [key]
    _find(page, "no/such-model-here")
    assert "no model" in page.evaluate("document.getElementById('hfl-found').textContent")
    _clean(page)
    page.close()


@needs_chromium
def test_a_large_family_is_collapsed_capped_and_responsive(
    make_graph: Callable[..., LineageGraph], browser: Browser, tmp_path: Path
) -> None:
    g = make_graph(_fan("Qwen/Qwen2.5-7B", 400, 12, 3))  # 6,401 models
    members = family_members(g, "Qwen")
    t = time.perf_counter()
    view = build_subgraph_view(g, members, "Qwen", cap=500)
    html = render_subgraph_page(g, view, "Qwen family")
    build_s = time.perf_counter() - t
    assert build_s < 10
    s = view.stats
    assert len(view.nodes) <= 500 and s.groups > 0 and s.more_nodes > 0
    assert s.drawn_models + s.collapsed_models + s.hidden_models == len(members)
    assert "not drawn" in html and "Collapsed:" in html
    path = tmp_path / "big.html"
    path.write_text(html)
    page = browser.open(path, wait=RENDERED)
    assert page.evaluate("nodes.length") == len(view.nodes)
    ms = page.evaluate("""(function () {
        var t = performance.now();
        var done = new Promise(function (res) {
          network.once('afterDrawing', function () { res(performance.now() - t); }); });
        network.redraw();
        return done; })()""")
    assert ms < 1500
    leaf = "q7/ft-7-q3"
    _find(page, leaf)
    assert page.evaluate("document.body.dataset.found") == leaf
    assert "inside" in page.evaluate("document.getElementById('hfl-found').textContent")
    _clean(page)
    page.close()


# -- untrusted strings in a real browser ------------------------------------------------------
P_SCRIPT = "<script>window.__xss='script';document.title='XSS'</script>"
P_IMG = "\"><img src=x onerror=\"window.__xss='img';document.title='XSS'\">"
P_JS = "javascript:window.__xss='js'//"
P_SVG = "<svg/onload=window.__xss='svg'>"
PAYLOADS = (P_SCRIPT, P_IMG, P_JS, P_SVG)


def _xss_records() -> list[dict[str, Any] | str]:
    root = "Qwen/Qwen2.5-7B"
    return [
        api_model(root, relation=None, pipeline_tag=P_IMG, library_name=P_JS, downloads=500),
        api_model("alice/qwen-ft", root, author=P_IMG, pipeline_tag=P_SCRIPT, library_name=P_SVG,
                  downloads=300, cardData={"base_model": P_JS, "license": P_SCRIPT}),
        api_model("bob/qwen-ft-q1", "alice/qwen-ft", relation="quantized", author=P_JS),
        api_model("bob/qwen-ft-q2", "alice/qwen-ft", relation="quantized", author=P_SVG),
        api_model("carol/merge", "alice/qwen-ft", root, relation="merge", author=P_SCRIPT,
                  downloads=20),
        api_model("dave/bad-parents", relation=None,
                  tags=[f"base_model:{P_IMG}", f"base_model:finetune:{P_JS}"]),
        api_model("erin/bad-count", root, downloads=P_IMG, likes=P_SCRIPT),
        json.dumps({"id": P_SCRIPT}),
        json.dumps({"id": P_IMG, "author": P_IMG}),
        json.dumps({"id": P_JS}),
    ]


def _hover_all(page: Page) -> list[str]:
    """Hover every node with the real mouse; return the text of every tooltip shown.

    A MutationObserver records each tooltip the moment pyvis fills it, so the test does not
    race pyvis's own hide timer.
    """
    page.evaluate("""(function () {
        window.__tips = [];
        var p = document.querySelector('div.popup');
        new MutationObserver(function () { if (p.textContent) __tips.push(p.textContent); })
          .observe(p, {childList: true, subtree: true, characterData: true}); })()""")
    for nid in page.evaluate("nodes.getIds()"):
        corner, spot = page.evaluate(f"""(function () {{
            var pos = network.getPositions([{nid}])[{nid}];
            network.moveTo({{scale: 1.0, position: pos, animation: false}});
            var p = network.canvasToDOM(pos);
            var r = document.getElementById('mynetwork').getBoundingClientRect();
            return [[r.left + 3, r.top + 3], [r.left + p.x, r.top + p.y]]; }})()""")
        page.send("Input.dispatchMouseEvent", type="mouseMoved", x=corner[0], y=corner[1])
        seen = page.evaluate("__tips.length")
        page.send("Input.dispatchMouseEvent", type="mouseMoved", x=spot[0], y=spot[1])
        page.wait_for(f"__tips.length > {seen}", timeout=20)
    tips: list[str] = page.evaluate("__tips")
    return tips


def _assert_inert(page: Page, title: str) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.title") == title
    assert page.evaluate("document.querySelectorAll('img, svg[onload], iframe, object').length") \
        == 0
    assert page.evaluate("""Array.from(document.querySelectorAll('a[href]')).filter(function (a) {
        return a.protocol !== 'https:' && a.protocol !== 'file:'; }).length""") == 0
    assert page.evaluate("""Array.from(document.scripts).filter(function (s) {
        return !s.type && s.textContent.indexOf('__xss') >= 0; }).length""") == 0
    assert page.dialogs == []


def _without_csp(src: Path, dst: Path, replace: tuple[str, str] | None = None) -> Path:
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", src.read_text())
    if replace:
        assert replace[0] in text
        text = text.replace(replace[0], replace[1], 1)
    dst.write_text(text)
    return dst


@needs_chromium
def test_hub_strings_never_execute(tmp_path: Path, browser: Browser) -> None:
    snap = write_jsonl(tmp_path / "evil.jsonl", _xss_records())
    runner = CliRunner()
    out = tmp_path / "site"
    res = runner.invoke(cli, ["html", "--snapshot", str(snap), "--out", str(out)])
    assert res.exit_code == 0, res.output
    view = tmp_path / "view.html"
    res = runner.invoke(cli, ["view", "alice/qwen-ft", "--snapshot", str(snap), "--out",
                              str(view), "--no-collapse"])
    assert res.exit_code == 0, res.output
    index_text = out.joinpath("index.html").read_text()
    assert "&lt;script&gt;" in index_text  # the rejected ids are shown, as text
    views = sorted(out.glob("*/*.html"))
    assert out / "family" / "qwen.html" in views and len(views) >= 2  # + dave's root view

    for path, graph_page in [(out / "index.html", False)] + [(v, True) for v in [*views, view]]:
        # beside the original: site pages load their scripts from ../assets/
        for variant in (path, _without_csp(path, path.with_name(f"nocsp-{path.name}"))):
            page = browser.open(variant, wait=RENDERED if graph_page else None)
            title = page.evaluate("document.title")
            assert "XSS" not in title
            if not graph_page:
                body = page.evaluate("document.body.textContent")
                assert P_SCRIPT in body and P_JS in body  # rejected rows, shown as text
            elif path.stem != "dave-bad-parents":  # dave's tooltip has no payload
                texts = " ".join(_hover_all(page))
                for p in PAYLOADS:  # shown literally, as text
                    assert p in texts, p
            browser.pump(0.3)
            _assert_inert(page, title)
            _clean(page)
            page.close()


@needs_chromium
def test_the_xss_check_catches_an_unescaped_tooltip(tmp_path: Path, browser: Browser) -> None:
    """Control: the same page with one tooltip left unescaped and no CSP does run code."""
    snap = write_jsonl(tmp_path / "evil.jsonl", _xss_records())
    view = tmp_path / "view.html"
    res = CliRunner().invoke(cli, ["view", "alice/qwen-ft", "--snapshot", str(snap), "--out",
                                   str(view)])
    assert res.exit_code == 0, res.output
    escaped = json_for_script(esc(P_IMG))[1:-1]
    raw = json_for_script(P_IMG)[1:-1]
    bad = _without_csp(view, tmp_path / "bad.html", (escaped, raw))
    page = browser.open(bad, wait=RENDERED)
    _hover_all(page)
    page.wait_for("window.__xss === 'img'", timeout=10)


def test_report_charts_weekly_downloads_from_the_snapshot_store(
    hub_stats_path: Path, tmp_path: Path, browser: Browser
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pq.read_table(hub_stats_path)
    ids = raw["id"].to_pylist()
    store = tmp_path / "store"
    qwen = ids.index("Qwen/Qwen2.5-7B-Instruct")
    for day, bump in (("2026-05-20", 0), ("2026-05-27", 1000), ("2026-06-03", 3000)):
        totals = raw["downloadsAllTime"].to_pylist()
        totals[qwen] += bump
        col = raw.schema.get_field_index("downloadsAllTime")
        path = tmp_path / f"{day}.parquet"
        pq.write_table(raw.set_column(col, "downloadsAllTime", pa.array(totals, pa.int64())), path)
        args = ["snapshot", "add", str(path), "--date", day, "--store", str(store)]
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, res.output
    out = tmp_path / "site"
    res = CliRunner().invoke(
        cli,
        ["html", "--snapshot", str(hub_stats_path), "--out", str(out), "--families", "1",
         "--roots", "0", "--store", str(store), "--weekly"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    page = browser.open(out / "index.html")
    charts = page.evaluate(
        """Array.from(document.querySelectorAll('svg.hfl-chart')).map(function (s) {
             return {name: s.dataset.chart, marks: +s.dataset.marks,
                     drawn: s.querySelectorAll('.hfl-mark').length}; })"""
    )
    weekly = {c["name"]: c for c in charts if c["name"].startswith("weekly-")}
    assert set(weekly) == {"weekly-downloads-by-family", "weekly-downloads-by-country"}
    assert all(c["marks"] == c["drawn"] > 0 for c in weekly.values())
    text = page.evaluate("document.getElementById('weekly').innerText")
    assert "Qwen" in text and "China" in text
    _clean(page)
    page.close()
    # serve's report charts the same weeks from the same store
    proc = subprocess.Popen(
        [sys.executable, "-m", "hflineage", "serve", "--snapshot", str(hub_stats_path),
         "--store", str(store), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        found = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
        assert found
        with urllib.request.urlopen(f"{found.group(0)}/report", timeout=60) as answer:
            served = answer.read().decode()
        assert 'data-chart="weekly-downloads-by-country"' in served
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # without snapshots of two weeks, --weekly is a one-line error
    res = CliRunner().invoke(
        cli, ["html", "--snapshot", str(hub_stats_path), "--out", str(out), "--weekly",
              "--store", str(tmp_path / "empty")],
    )  # fmt: skip
    assert res.exit_code != 0 and "two ISO weeks" in str(res.exception or res.output)
