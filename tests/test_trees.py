"""Legible family trees: layouts without overlaps, folded chains, details by click, tap and
keyboard, search through every match, legends, and the site's shared assets."""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import Browser, Page, chromium_path
from conftest import api_model, graph_of

from hflineage.explorer.site.family import VIEW_ASSETS, render_subgraph_page, write_view_assets
from hflineage.explorer.site.layout import (
    HIDDEN,
    find_chains,
    folded_parents,
    tree_positions,
)
from hflineage.explorer.site.writer import render_model_view, write_site
from hflineage.graph import LineageGraph
from hflineage.queries import family_members
from hflineage.queries.subgraph import build_subgraph_view

RENDERED = "document.body.dataset.rendered === '1'"
CHAIN = 75

needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium not installed (Debian package 'chromium'; .ci/run installs it)",
)


# -- hand-built families ----------------------------------------------------------------------
def _big_family() -> list[dict[str, Any]]:
    """Two Qwen roots, 360 finetunes with downloads over seven orders of magnitude (discs of
    every size side by side), grandchildren, and quantized leaves collapsed into count nodes."""
    roots = ["Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-14B"]
    objs = [api_model(r, relation=None, downloads=50_000_000) for r in roots]
    for i in range(360):
        ft = f"user{i}/qwen-ft-{i}"
        objs.append(api_model(ft, roots[i % 7 == 0], downloads=10 ** (i % 8) + i))
        if i % 9 == 0:
            objs += [
                api_model(f"kid{i}/ft-{i}-child{j}", ft, downloads=10 ** (j % 6)) for j in range(6)
            ]
        if i % 5 == 0:
            objs += [
                api_model(f"q{i}/ft-{i}-q{j}", ft, relation="quantized", downloads=j)
                for j in range(4)
            ]
    return objs


def _deep_chain() -> list[dict[str, Any]]:
    """A 75-step merge chain under Mistral (each merge also names the root), with a fan
    half-way down and a few finetunes at the end."""
    root = "mistralai/Mistral-7B-v0.1"
    objs = [api_model(root, relation=None, downloads=9_000_000)]
    prev = root
    for i in range(CHAIN):
        m = f"merger/chain-{i:02d}"
        objs.append(api_model(m, prev, root, relation="merge", downloads=10 ** (i % 6)))
        if i == 30:
            objs += [api_model(f"fan/mid-{j}", m, downloads=100 * j) for j in range(5)]
        prev = m
    objs += [api_model(f"tail/end-{j}", prev, downloads=10**j) for j in range(4)]
    return objs


@pytest.fixture(scope="module")
def big() -> LineageGraph:
    return graph_of(_big_family())


@pytest.fixture(scope="module")
def chain() -> LineageGraph:
    return graph_of(_deep_chain())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if chromium_path() is None:
        pytest.skip("headless Chromium not installed (Debian package 'chromium')")
    with Browser(width=1440, height=1000) as b:
        yield b


@pytest.fixture(scope="module")
def pages(
    big: LineageGraph, chain: LineageGraph, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The big family as a site page (shared assets), the chain as a standalone page."""
    out = tmp_path_factory.mktemp("trees")
    write_view_assets(out / "assets")
    (out / "family").mkdir()
    view = build_subgraph_view(big, family_members(big, "Qwen"), "Qwen")
    html = render_subgraph_page(big, view, "Qwen family", assets="../assets/")
    (out / "family" / "qwen.html").write_text(html)
    capped = build_subgraph_view(big, family_members(big, "Qwen"), "Qwen", cap=60)
    html = render_subgraph_page(big, capped, "Qwen family", assets="../assets/")
    (out / "family" / "capped.html").write_text(html)
    standalone, _ = render_model_view(chain, "mistralai/Mistral-7B-v0.1", layout="layered")
    (out / "chain.html").write_text(standalone)
    return {
        "big": out / "family" / "qwen.html",
        "capped": out / "family" / "capped.html",
        "chain": out / "chain.html",
    }


# -- layouts in Python ------------------------------------------------------------------------
def _overlaps(parents: list[int], radii: list[float], layout: str) -> int:
    pos = tree_positions(parents, radii, layout)
    shown = [v for v, p in enumerate(parents) if p != HIDDEN]
    xy = np.array([pos[v] for v in shown])
    r = np.array([radii[v] for v in shown])
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    close = dist < (r[:, None] + r[None, :] - 1e-6)
    np.fill_diagonal(close, False)
    return int(close.sum()) // 2


@pytest.mark.parametrize("layout", ["radial", "layered"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_layouts_keep_random_trees_of_any_size_apart(layout: str, seed: int) -> None:
    rng = random.Random(seed)
    parents = [-1] * rng.randint(1, 4)
    for _ in range(600):
        parents.append(
            rng.randrange(len(parents))
            if rng.random() < 0.4
            else rng.randrange(min(len(parents), 12))
        )
    radii = [rng.choice([8.0, 12.0, 25.0, 46.0, 65.0]) for _ in parents]
    assert _overlaps(parents, radii, layout) == 0


def test_a_wide_fan_is_a_block_not_a_line() -> None:
    parents = [-1] + [0] * 700
    radii = [46.0] + [8.0 + (i % 5) * 9 for i in range(700)]
    for layout in ("radial", "layered"):
        assert _overlaps(parents, radii, layout) == 0
        xy = np.array(tree_positions(parents, radii, layout))
        w, h = np.ptp(xy[:, 0]), np.ptp(xy[:, 1])
        assert 1 / 3 < w / h < 3, (layout, w, h)
        assert w < 6000, (layout, w)  # one row of 700 such discs would be ~35,000 px


def test_chains_are_found_and_folded() -> None:
    parents = [-1, *range(CHAIN)]  # a straight line of 76 nodes
    parents += [CHAIN, CHAIN, 10]  # two leaves at the end, a side branch at node 10
    chains = find_chains(parents)
    # 0 and 11 (the first one-child node after the branch) stay drawn as the chains' tops
    assert chains == [list(range(1, 10)), list(range(12, CHAIN))]
    folded = folded_parents(parents, chains)
    n = len(parents)
    assert folded[n : n + 2] == [0, 11]  # each chain node hangs under its chain's top
    assert folded[10] == n and folded[CHAIN + 1] == folded[CHAIN + 2] == CHAIN
    assert sum(p == HIDDEN for p in folded) == 9 + CHAIN - 12
    assert folded[CHAIN] == n + 1  # the node below the chain, drawn
    radii = [10.0] * len(folded)
    for layout in ("radial", "layered"):
        xy = np.array(tree_positions(folded, radii, layout))
        shown = [v for v, p in enumerate(folded) if p != HIDDEN]
        span = np.ptp(xy[shown], axis=0)
        assert max(span) < 1500, (layout, span)  # unfolded, the chain is ~76 rows deep
    assert find_chains([-1, 0, 1, 2]) == []  # too short to fold


def test_bad_layout_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="layout must be radial or layered, got 'spiral'"):
        tree_positions([-1], [10.0], "spiral")
    with pytest.raises(ValueError, match="2 parents but 1 radii"):
        tree_positions([-1, 0], [10.0], "radial")


# -- in the browser -----------------------------------------------------------------------------
OVERLAPS = """(function () {
  var ids = nodes.getIds({filter: function (n) { return !n.hidden; }});
  var pos = network.getPositions(ids);
  var c = ids.map(function (id) {
    var n = network.body.nodes[id], s = n.shape, r;
    if (n.options.shape === 'box') r = Math.hypot(s.width, s.height) / 2;
    else if (n.options.shape === 'square') r = n.options.size * Math.SQRT2;
    else r = n.options.size;
    return {id: id, x: pos[id].x, y: pos[id].y, r: r};
  });
  var bad = [];
  for (var i = 0; i < c.length; i++) for (var j = i + 1; j < c.length; j++) {
    if (Math.hypot(c[i].x - c[j].x, c[i].y - c[j].y) < c[i].r + c[j].r - 0.01)
      bad.push([c[i].id, c[j].id]);
  }
  var xs = c.map(function (a) { return a.x; }), ys = c.map(function (a) { return a.y; });
  var rs = c.map(function (a) { return a.r; });
  return {drawn: c.length, overlaps: bad.slice(0, 5), count: bad.length,
          width: Math.max.apply(null, xs) - Math.min.apply(null, xs),
          height: Math.max.apply(null, ys) - Math.min.apply(null, ys),
          biggest: Math.max.apply(null, rs)};
})()"""


def _choose(page: Page, select: str, value: str) -> None:
    page.evaluate(
        f"(function(){{var s=document.getElementById({json.dumps(select)}); "
        f"s.value={json.dumps(value)}; s.dispatchEvent(new Event('change'))}})()"
    )


def _clean(page: Page) -> None:
    assert page.errors() == []
    assert page.foreign_requests() == []
    assert page.console == []  # nothing logged, on hover or otherwise


@needs_chromium
@pytest.mark.parametrize("which", ["big", "chain"])
def test_no_two_drawn_nodes_overlap(which: str, pages: dict[str, Path], browser: Browser) -> None:
    page = browser.open(pages[which], wait=RENDERED)
    states = ["folded", "unfolded"] if which == "chain" else ["folded"]
    for fold in states:
        if fold == "unfolded":
            page.evaluate("document.getElementById('hfl-fold').click()")
            assert page.evaluate("document.body.dataset.fold") == "unfolded"
        for layout in ("radial", "layered"):
            _choose(page, "hfl-layout", layout)
            got = page.evaluate(OVERLAPS)
            assert got["count"] == 0, (which, fold, layout, got)
            assert got["drawn"] >= 15 and got["biggest"] > 30  # real sizes were read
            if fold == "folded":
                ratio = got["width"] / got["height"]
                assert 1 / 3 < ratio < 3, (which, layout, got)
    _clean(page)
    page.close()


@needs_chromium
def test_deep_chain_folds_and_unfolds(pages: dict[str, Path], browser: Browser) -> None:
    page = browser.open(pages["chain"], wait=RENDERED)
    data = _data(page)
    assert [len(c) for c in data["chains"]] == [30, 42]  # split by the fan at step 30
    visible = "nodes.get({filter: function (n) { return !n.hidden; }}).length"
    folded_count = page.evaluate(visible)
    assert folded_count == data["drawn"] - 72 + 2
    _find(page, "merger/chain-50")  # inside the second chain
    found = page.evaluate("document.getElementById('hfl-found').textContent")
    assert "1 of 1" in found and "folded" in found and "chain of 42" in found
    chain_key = data["drawn"] + 1
    assert page.evaluate("network.getSelectedNodes()") == [chain_key]
    _open_by_click(page, chain_key)
    assert "chain of 42 models" in page.evaluate("document.getElementById('hfl-details').innerText")
    page.evaluate("document.getElementById('hfl-unfold').click()")
    assert page.evaluate("document.body.dataset.fold") == "unfolded"
    assert page.evaluate(visible) == data["drawn"]
    _find(page, "merger/chain-50")
    key = next(k for mid, k in data["search"] if mid == "merger/chain-50")
    assert page.evaluate("network.getSelectedNodes()") == [key]
    _clean(page)
    page.close()


def _find(page: Page, text: str) -> None:
    page.evaluate(
        f"(function(){{document.getElementById('hfl-search').value = {json.dumps(text)};"
        "document.getElementById('hfl-find').requestSubmit()})()"
    )


def _spot(page: Page, key: int) -> tuple[float, float]:
    """Centre a node at 100% zoom; its position in the viewport."""
    x, y = page.evaluate(f"""(function () {{
        var pos = network.getPositions([{key}])[{key}];
        network.moveTo({{scale: 1.0, position: pos, animation: false}});
        var p = network.canvasToDOM(pos);
        var r = document.getElementById('mynetwork').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    return float(x), float(y)


def _open_by_click(page: Page, key: int) -> None:
    x, y = _spot(page, key)
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        page.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    page.wait_for(f"document.body.dataset.details === '{key}'", timeout=10)


def _data(page: Page) -> dict[str, Any]:
    """The page's JSON data block."""
    data: dict[str, Any] = json.loads(
        page.evaluate("document.getElementById('hfl-data').textContent")
    )
    return data


def _key(page: Page, key: str, code: int) -> None:
    for kind in ("rawKeyDown", "keyUp"):
        page.send(
            "Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code
        )


DETAILS = "document.getElementById('hfl-details')"


@needs_chromium
def test_details_open_by_click_tap_and_keyboard(
    pages: dict[str, Path], big: LineageGraph, browser: Browser
) -> None:
    page = browser.open(pages["big"], wait=RENDERED)
    data = _data(page)
    key = next(k for mid, k in data["search"] if mid == "user9/qwen-ft-9")
    assert page.evaluate(f"{DETAILS}.hidden") is True

    _open_by_click(page, key)  # mouse
    text = page.evaluate(f"{DETAILS}.innerText")
    assert "user9/qwen-ft-9" in text and "finetune of Qwen/Qwen2.5-7B" in text
    assert "downloads (30 days)" in text and "country:" in text
    link = page.evaluate(f"{DETAILS}.querySelector('a').href")
    assert link == "https://huggingface.co/user9/qwen-ft-9"
    _key(page, "Escape", 27)
    assert page.evaluate(f"{DETAILS}.hidden") is True

    x, y = _spot(page, key)  # touch
    page.send("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
    page.send("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
    page.wait_for(f"document.body.dataset.details === '{key}'", timeout=10)
    page.evaluate("document.getElementById('hfl-close').click()")
    assert page.evaluate(f"{DETAILS}.hidden") is True

    page.evaluate("document.getElementById('mynetwork').focus()")  # keyboard
    assert page.evaluate("document.activeElement.id") == "mynetwork"
    assert not data["chains"]  # every node is drawn, so the walk goes key by key
    _key(page, "ArrowRight", 39)  # from the node last opened
    _key(page, "ArrowRight", 39)
    assert page.evaluate("network.getSelectedNodes()") == [key + 2]
    _key(page, "ArrowLeft", 37)
    assert page.evaluate("network.getSelectedNodes()") == [key + 1]
    _key(page, "Enter", 13)
    assert page.evaluate("document.body.dataset.details") == str(key + 1)
    shown_id = next(mid for mid, k in data["search"] if k == key + 1)
    assert shown_id in page.evaluate(f"{DETAILS}.innerText")
    _key(page, "Escape", 27)
    assert page.evaluate(f"{DETAILS}.hidden") is True

    x, y = _spot(page, key + 3)  # hovering shows the tooltip and logs nothing
    page.send("Input.dispatchMouseEvent", type="mouseMoved", x=5, y=5)
    page.send("Input.dispatchMouseEvent", type="mouseMoved", x=x + 1, y=y + 1)
    page.wait_for("!document.querySelector('div.popup').hidden", timeout=10)
    browser.pump(0.3)
    _clean(page)
    page.close()


@needs_chromium
def test_search_walks_every_match_and_a_node_becomes_the_root(
    pages: dict[str, Path], big: LineageGraph, browser: Browser
) -> None:
    page = browser.open(pages["big"], wait=RENDERED)
    data = _data(page)
    wanted = [mid for mid, _ in data["search"] if "-child" in mid]
    assert len(wanted) == 40 * 6
    found = "document.getElementById('hfl-found').textContent"
    _find(page, "-child")
    assert page.evaluate(found).startswith(f"1 of {len(wanted)}: {wanted[0]}")
    page.evaluate("document.getElementById('hfl-next').click()")
    assert page.evaluate(found).startswith(f"2 of {len(wanted)}: {wanted[1]}")
    for _ in range(2):
        page.evaluate("document.getElementById('hfl-prev').click()")
    assert page.evaluate(found).startswith(f"{len(wanted)} of {len(wanted)}: {wanted[-1]}")
    key = next(k for mid, k in data["search"] if mid == wanted[-1])
    assert page.evaluate("network.getSelectedNodes()") == [key]

    # "make this the root": only the subtree of user0/qwen-ft-0 stays drawn
    top = next(k for mid, k in data["search"] if mid == "user0/qwen-ft-0")
    subtree = {k for k, p in enumerate(data["parents"]["folded"]) if p == top} | {top}
    _open_by_click(page, top)
    page.evaluate("document.getElementById('hfl-focus').click()")
    shown = page.evaluate("nodes.getIds({filter: function (n) { return !n.hidden; }})")
    assert set(shown) == subtree and len(subtree) == 1 + 6 + 1  # children and a count node
    assert page.evaluate("document.getElementById('hfl-all').hidden") is False
    page.evaluate("document.getElementById('hfl-all').click()")
    assert page.evaluate("nodes.get({filter: function (n) { return !n.hidden; }}).length") == len(
        data["vis"]["nodes"]
    )
    _clean(page)
    page.close()


@needs_chromium
@pytest.mark.parametrize(("kind", "which"), [("group", "big"), ("more", "capped")])
def test_count_and_more_nodes_open_into_their_models(
    kind: str, which: str, pages: dict[str, Path], browser: Browser
) -> None:
    page = browser.open(pages[which], wait=RENDERED)
    data = _data(page)
    key = max(
        (k for k, kd in enumerate(data["kinds"]) if kd == kind),
        key=lambda k: sum(1 for _, shown in data["search"] if shown == k),
    )
    members = [mid for mid, shown in data["search"] if shown == key]
    assert len(members) >= 2
    _open_by_click(page, key)
    listed = page.evaluate(
        f"Array.from({DETAILS}.querySelectorAll('details.members li a')).map(function (a) {{"
        "return [a.textContent, a.href]; })"
    )
    assert [mid for mid, _ in listed] == members[:300]
    assert all(href == f"https://huggingface.co/{mid}" for mid, href in listed)
    assert page.evaluate(f"{DETAILS}.querySelector('details.members summary').textContent") == (
        f"list the {len(members)} models, most downloaded first"
    )
    _clean(page)
    page.close()


@needs_chromium
def test_labels_scale_with_zoom_and_thin_out(pages: dict[str, Path], browser: Browser) -> None:
    page = browser.open(pages["big"], wait=RENDERED)
    shown = """(function (scale) {
        network.moveTo({scale: scale, animation: false}); network.redraw();
        var n = 0, sizes = [];
        network.body.nodeIndices.forEach(function (id) {
          var node = network.body.nodes[id];
          if (!node.options.label || node.options.hidden) return;
          sizes.push(node.labelModule.fontOptions.size);
          if (node.labelModule.fontOptions.size * scale >= 9) n++;  // vis drawThreshold
        });
        return [n, Math.min.apply(null, sizes), Math.max.apply(null, sizes)]; })"""
    fit = page.evaluate(
        "(function () { network.fit({animation: false}); return network.getScale(); })()"
    )
    far, low, high = page.evaluate(f"{shown}({fit})")
    near, _, _ = page.evaluate(f"{shown}(1.0)")
    assert high > 2 * low  # label sizes follow the node's importance
    assert 0 < far < near / 2, (fit, far, near)  # zoomed out, only the big ones show
    options = json.loads(page.evaluate("document.getElementById('hfl-data').textContent"))
    label = options["vis"]["options"]["nodes"]["scaling"]["label"]
    assert label["drawThreshold"] > 0 and label["maxVisible"] < 40
    _clean(page)
    page.close()


LABEL_BOXES = """(function () {
  // every label drawn (none under the size threshold, every node on screen), so each
  // label's box is measured where vis-network puts it
  network.setOptions({nodes: {scaling: {label: {drawThreshold: 0, maxVisible: 1000}}}});
  network.fit({animation: false}); network.redraw();
  var boxes = [];
  network.body.nodeIndices.forEach(function (id) {
    var node = network.body.nodes[id];
    if (!node.options.label || node.options.hidden || node.options.shape === 'box') return;
    var s = node.labelModule.size;
    boxes.push({id: id, l: s.left, t: s.top, r: s.left + s.width, b: s.top + s.height,
                font: node.labelModule.fontOptions.size, text: node.options.label});
  });
  var bad = [];
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i], b = boxes[j];
    if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) bad.push([a.text, b.text]);
  }
  return {labels: boxes.length, overlaps: bad.slice(0, 5), count: bad.length,
          widest: Math.max.apply(null, boxes.map(function (x) { return x.r - x.l; }))};
})()"""


@needs_chromium
@pytest.mark.parametrize("which", ["big", "chain"])
def test_no_two_labels_overlap_in_any_layout(
    which: str, pages: dict[str, Path], browser: Browser
) -> None:
    page = browser.open(pages[which], wait=RENDERED)
    for fold in ["folded", "unfolded"] if which == "chain" else ["folded"]:
        if fold == "unfolded":
            page.evaluate("document.getElementById('hfl-fold').click()")
        for layout in ("radial", "layered"):
            _choose(page, "hfl-layout", layout)
            got = page.evaluate(LABEL_BOXES)
            assert got["count"] == 0, (which, fold, layout, got)
            assert got["labels"] >= 4 and got["widest"] > 50, got  # real boxes were read
    _clean(page)
    page.close()


def test_label_placement_leaves_off_what_would_cover_another() -> None:
    from hflineage.explorer.site.family import _label_fonts

    # three big labels on top of each other, one far away
    nodes = [
        {"id": i, "label": f"model-{i}", "shape": "dot", "value": 10.0, "font": {"size": 96}}
        for i in range(4)
    ]
    spots = [[0.0, 0.0], [5.0, 0.0], [0.0, 3.0], [5000.0, 0.0]]
    fonts = _label_fonts(nodes, {"radial": {"folded": spots}})["radial"]["folded"]
    assert fonts == [[0, 96], [1, 0], [2, 0], [3, 96]]


def test_legends_name_colours_edges_sizes_and_shapes(pages: dict[str, Path]) -> None:
    html = pages["big"].read_text()
    for rel in ("finetune", "adapter", "quantized", "merge"):
        assert re.search(
            rf'<span class="ln" style="border-top-color:#[0-9a-f]{{6}}"></span>{rel}', html
        ), rel
    assert 'class="legend sizes"' in html and html.count('class="disc"') == 4
    assert "count node" in html and "by-country" in html and "by-relation" in html


def test_a_site_writes_its_shared_assets_once(big: LineageGraph, tmp_path: Path) -> None:
    site = write_site(big, tmp_path / "site", families=3, roots=3)
    assets = sorted(p.name for p in (tmp_path / "site" / "assets").iterdir())
    assert assets == sorted(VIEW_ASSETS)
    for info in site.pages:
        html = info.path.read_text()
        assert "browser-based visualization library" not in html  # vis-network, not inlined
        assert html.count('<script src="../assets/') == 2
    vis = (tmp_path / "site" / "assets" / "vis-network.min.js").read_text()
    assert vis.startswith("/**\n * vis-network") and "@license" in vis[:2000]


@needs_chromium
def test_a_site_opens_offline_from_files(
    big: LineageGraph, tmp_path: Path, browser: Browser
) -> None:
    site = write_site(big, tmp_path / "site", families=2, roots=2)
    page = browser.open(site.pages[0].path, wait=RENDERED)
    assert page.evaluate("location.protocol") == "file:"
    assert {u.rsplit("/", 2)[-2] for u in page.requests if u.endswith(".js")} == {"assets"}
    assert (
        page.evaluate("getComputedStyle(document.getElementById('hfl-details')).position")
        == "absolute"
    )  # family.css came from assets/ too
    _clean(page)
    page.close()


def test_layout_sizes_shrink_for_a_wide_family(big: LineageGraph) -> None:
    view = build_subgraph_view(big, family_members(big, "Qwen"), "Qwen")
    html = render_subgraph_page(big, view, "Qwen family")
    data = json.loads(
        re.search(r'id="hfl-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    )
    for layout in ("radial", "layered"):
        xy = np.array(data["positions"][layout]["folded"])
        w, h = np.ptp(xy[:, 0]), np.ptp(xy[:, 1])
        assert max(w, h) < 8000 and 1 / 3 < w / h < 3, (layout, w, h)
    assert math.isclose(len(data["vis"]["nodes"]), len(view.nodes))
