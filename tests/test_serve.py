"""``hf-lineage serve``: the real server on a free port of 127.0.0.1, driven over HTTP with a
real client and in headless Chromium."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from browser import Browser, Page, chromium_path
from conftest import api_model, write_jsonl

from hflineage.errors import QueryError, ReadOnlyError
from hflineage.explorer.cli.serve import bind_socket, is_loopback
from hflineage.explorer.serve.app import create_app
from hflineage.explorer.serve.console import CypherConsole
from hflineage.explorer.serve.search import SearchIndex
from hflineage.explorer.site.page import esc, script_hash
from hflineage.graph import LineageGraph
from hflineage.graph.opening import open_graph
from hflineage.queries.cypher.embedded import build_embedded_db
from hflineage.queries.cypher.tables import graph_tables

P_SCRIPT = "<script>window.__xss='script';document.title='XSS'</script>"
P_IMG = "\"><img src=x onerror=\"window.__xss='img';document.title='XSS'\">"
P_SVG = "<svg/onload=window.__xss='svg'>"
NO_FRAMES = "; frame-ancestors 'none'"

needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium not installed (Debian package 'chromium'; .ci/run installs it)",
)


# -- a hand-built Hub ---------------------------------------------------------------------------
def _hand_records() -> list[dict[str, Any] | str]:
    """Two roots, a merge, a stub parent, 30 quantizations of one model, ids for the search
    ranks, and Hub strings that would run as script if a page put them in as markup."""
    objs: list[dict[str, Any] | str] = [
        api_model("acme/base", relation=None, downloads=1000),
        api_model("org2/Other-Root", relation=None, downloads=700),
        api_model("acme/base-ft", "acme/base", downloads=500),
        api_model("carol/merge", "acme/base-ft", "org2/Other-Root", relation="merge",
                  downloads=40),
        api_model("zed/ghost-child", "ghost/missing-parent", downloads=3),
        api_model("alice/evil", "acme/base", author=P_IMG, pipeline_tag=P_SCRIPT,
                  library_name=P_SVG, downloads=7),
        # search ranks for "lama": exact, id prefix, name prefix, substring
        api_model("lama", relation=None, downloads=1),
        api_model("lama-org/x", relation=None, downloads=5),
        api_model("LaMa-lab/y", relation=None, downloads=50),
        api_model("a/lama-7b", relation=None, downloads=10),
        api_model("b/Lama-2", relation=None, downloads=100),
        api_model("c/ollama-x", relation=None, downloads=1000),
        api_model("d/xlama", relation=None, downloads=3),
        json.dumps({"id": P_SCRIPT}),  # rejected as an id, listed in the report's notes
    ]
    objs += [
        api_model(f"q{i}/base-ft-q{i}", "acme/base-ft", relation="quantized", downloads=10 + i)
        for i in range(30)
    ]
    return objs


@pytest.fixture(scope="module")
def hand_graph(tmp_path_factory: pytest.TempPathFactory) -> LineageGraph:
    snap = write_jsonl(tmp_path_factory.mktemp("hand") / "hand.jsonl", _hand_records())
    return open_graph(snap)


@dataclass
class Server:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


def _start(graph: LineageGraph) -> Server:
    """The app on a free port of 127.0.0.1, served by uvicorn in a thread."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(graph), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    return Server(f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread)


def _stop(s: Server) -> None:
    s.server.should_exit = True
    s.thread.join(timeout=30)


@pytest.fixture(scope="module")
def hand_server(hand_graph: LineageGraph) -> Iterator[Server]:
    s = _start(hand_graph)
    yield s
    _stop(s)


def _request(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def get(url: str) -> tuple[int, Any]:
    status, _, body = _request(url)
    assert b"Traceback" not in body
    return status, json.loads(body)


def post_cypher(base: str, query: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
    body = json.dumps({"query": query, "params": params or {}}).encode()
    status, _, raw = _request(f"{base}/api/cypher", body, {"Content-Type": "application/json"})
    assert b"Traceback" not in raw
    return status, json.loads(raw)


def _one_line_error(answer: Any) -> str:
    assert set(answer) == {"error"}
    message = str(answer["error"])
    assert message and "\n" not in message
    return message


# -- search -------------------------------------------------------------------------------------
def test_search_ranks_exact_then_prefixes_then_substring(hand_server: Server) -> None:
    status, page = get(f"{hand_server.url}/api/search?q=LAMA")
    assert status == 200
    ids = [r["model_id"] for r in page["results"]]
    assert ids == ["lama", "LaMa-lab/y", "lama-org/x", "b/Lama-2", "a/lama-7b", "c/ollama-x",
                   "d/xlama"]  # fmt: skip
    assert [r["match"] for r in page["results"]] == [
        "exact", "id prefix", "id prefix", "name prefix", "name prefix", "substring",
        "substring",
    ]  # fmt: skip
    assert page["more"] is False


def test_search_pages_with_offset_and_limit(hand_server: Server) -> None:
    _, first = get(f"{hand_server.url}/api/search?q=lama&limit=3")
    _, second = get(f"{hand_server.url}/api/search?q=lama&limit=3&offset=3")
    _, last = get(f"{hand_server.url}/api/search?q=lama&limit=3&offset=6")
    pages = [[r["model_id"] for r in p["results"]] for p in (first, second, last)]
    assert pages == [["lama", "LaMa-lab/y", "lama-org/x"], ["b/Lama-2", "a/lama-7b",
                     "c/ollama-x"], ["d/xlama"]]  # fmt: skip
    assert [p["more"] for p in (first, second, last)] == [True, True, False]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("q=" + "a" * 201, "at most 200"),
        ("q=%20", "q is empty"),
        ("q=lama&limit=0", "limit must be between 1 and 100"),
        ("q=lama&limit=101", "limit must be between"),
        ("q=lama&offset=-1", "offset must be between"),
        ("q=lama&offset=x", "offset must be a whole number"),
    ],
)
def test_search_refuses_bad_parameters(hand_server: Server, query: str, needle: str) -> None:
    status, answer = get(f"{hand_server.url}/api/search?{query}")
    assert status == 400
    assert needle in _one_line_error(answer)


def _ranked_by_scan(graph: LineageGraph, text: str) -> list[int]:
    """Every match of ``text`` in rank order, by a plain scan of every id (the oracle)."""
    key = text.lower()
    ranked = []
    for node, model_id in enumerate(graph.ids):
        low = model_id.lower()
        name = low.split("/", 1)[1] if "/" in low else None
        if low == key:
            rank = 0
        elif low.startswith(key):
            rank = 1
        elif name is not None and name.startswith(key):
            rank = 2
        elif key in low:
            rank = 3
        else:
            continue
        ranked.append((rank, -int(graph.downloads[node]), node))
    return [node for _, _, node in sorted(ranked)]


def test_search_index_agrees_with_a_plain_scan(synthetic_path: Path) -> None:
    graph = open_graph(synthetic_path)
    index = SearchIndex(graph)
    ids = graph.ids
    rng = np.random.default_rng(3)
    texts = ["qwen", "Qwen/Qwen2.5-7B-Instruct", "gguf", "-7b", "zzz-not-there", "a", "/"]
    for node in rng.choice(graph.n, 25, replace=False).tolist():
        model_id = ids[node]
        start = int(rng.integers(0, max(1, len(model_id) - 3)))
        texts += [model_id, model_id[start : start + 4], model_id.split("/")[-1][:5]]
    for text in texts:
        expected = _ranked_by_scan(graph, text)
        for offset, limit in ((0, 20), (20, 20), (0, 100)):
            page = index.search(text, offset, limit)
            assert page.nodes == expected[offset : offset + limit], text
            assert page.more == (len(expected) > offset + limit), text


# -- lineage and children -----------------------------------------------------------------------
def test_lineage_lists_ancestors_roots_and_descendants(hand_server: Server) -> None:
    status, merge = get(f"{hand_server.url}/api/lineage/CAROL/Merge")  # any case, with a slash
    assert status == 200
    assert merge["model"]["model_id"] == "carol/merge"
    assert {m["model_id"] for m in merge["ancestors"]["models"]} == {
        "acme/base-ft", "acme/base", "org2/Other-Root"}  # fmt: skip
    assert {(e["child"], e["parent"], e["relation"]) for e in merge["ancestors"]["edges"]} == {
        ("carol/merge", "acme/base-ft", "merge"),
        ("carol/merge", "org2/Other-Root", "merge"),
        ("acme/base-ft", "acme/base", "finetune"),
    }
    assert merge["roots"] == [{"model_id": "acme/base", "weight": 0.5},
                              {"model_id": "org2/Other-Root", "weight": 0.5}]  # fmt: skip
    assert merge["descendants"]["total"] == 0

    _, base = get(f"{hand_server.url}/api/lineage/acme/base")
    d = base["descendants"]
    assert d["total"] == 1 + 1 + 1 + 30  # base-ft, alice/evil, the merge, the quantizations
    assert d["by_depth"] == {"1": 2, "2": 31}
    assert d["edges_by_relation"] == {"finetune": 2, "merge": 2, "quantized": 30}
    assert d["downloads"] == 500 + 7 + 40 + sum(10 + i for i in range(30))
    assert [t["model_id"] for t in d["top"][:2]] == ["acme/base-ft", "carol/merge"]
    assert base["children"]["total"] == 2 and base["ancestors"]["models"] == []

    _, stub = get(f"{hand_server.url}/api/lineage/zed/ghost-child")
    assert stub["ancestors"]["models"][0]["stub"] is True
    assert stub["roots"] == [{"model_id": "ghost/missing-parent", "weight": 1.0}]


def test_unknown_ids_are_404_with_one_line(hand_server: Server) -> None:
    for path in ("lineage", "children", "model"):
        status, answer = get(f"{hand_server.url}/api/{path}/nobody/no-such-model")
        assert status == 404
        assert "'nobody/no-such-model' is not in the graph" in _one_line_error(answer)
    status, answer = get(f"{hand_server.url}/api/nothing-here")
    assert status == 404 and _one_line_error(answer)


def test_children_come_in_pages_most_downloaded_first(hand_server: Server) -> None:
    pages = [get(f"{hand_server.url}/api/children/acme/base-ft?offset={o}&limit=12")[1]
             for o in (0, 12, 24)]  # fmt: skip
    kids = [c for p in pages for c in p["children"]]
    assert [p["total"] for p in pages] == [31, 31, 31]
    assert len(kids) == 31 and len({c["model_id"] for c in kids}) == 31
    downloads = [c["downloads"] for c in kids]
    assert downloads == sorted(downloads, reverse=True)
    assert kids[0]["model_id"] == "carol/merge" and kids[0]["relation"] == "merge"
    status, answer = get(f"{hand_server.url}/api/children/acme/base-ft?limit=1000")
    assert status == 400 and "limit" in _one_line_error(answer)


# -- report, Cypher, page -----------------------------------------------------------------------
def test_report_states_its_meta_and_refuses_unknown_levels(hand_server: Server) -> None:
    status, report = get(f"{hand_server.url}/api/report?by=family&metric=uploads")
    assert status == 200
    assert report["meta"]["level"] == "family" and report["meta"]["metric"] == "uploads"
    assert sum(r["models"] for r in report["rows"]) + report["meta"].get("rest", {}).get(
        "models", 0) == report["meta"]["models_counted"]  # fmt: skip
    status, answer = get(f"{hand_server.url}/api/report?by=planet")
    assert status == 400 and "by must be one of" in _one_line_error(answer)


def test_full_report_page_is_the_static_report_with_its_policy(hand_server: Server) -> None:
    status, headers, raw = _request(f"{hand_server.url}/report")
    page = raw.decode()
    assert status == 200 and "<h1>hf-lineage report</h1>" in page
    policy = headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; script-src 'none'")
    assert f'content="{esc(policy.removesuffix(NO_FRAMES))}"' in page  # the same policy
    assert "&lt;script&gt;" in page and P_SCRIPT not in page  # the rejected id, as text


def test_cypher_console_reads_with_parameters_and_refuses_writes(hand_server: Server) -> None:
    query = "MATCH (m:Model) WHERE m.id STARTS WITH $prefix RETURN m.id AS id ORDER BY id"
    status, answer = post_cypher(hand_server.url, query, {"prefix": "acme/"})
    assert status == 200
    assert answer["columns"] == ["id"] and answer["rows"] == [["acme/base"], ["acme/base-ft"]]
    status, answer = post_cypher(hand_server.url, "CREATE (m:Model {id: 'x/y'}) RETURN m")
    assert status == 403 and "read-only" in _one_line_error(answer)
    _, answer = post_cypher(hand_server.url, "MATCH (m:Model) RETURN count(m) AS n")
    assert answer["rows"] == [[len(_hand_records()) - 1 + 1]]  # the rejected row out, a stub in
    status, answer = post_cypher(hand_server.url, "MATCH (m:Model RETURN m")
    assert status == 400 and "syntax" in _one_line_error(answer)
    status, answer = post_cypher(hand_server.url, "MATCH (m:Model {id: $id}) RETURN m")
    assert status == 400 and "id" in _one_line_error(answer)
    status, _, raw = _request(f"{hand_server.url}/api/cypher", b"MATCH (m) RETURN m",
                              {"Content-Type": "text/plain"})  # fmt: skip
    assert status == 415 and "JSON" in _one_line_error(json.loads(raw))


def test_cypher_console_on_a_built_database(hand_graph: LineageGraph, tmp_path: Path) -> None:
    db = tmp_path / "hand.db"
    build_embedded_db(graph_tables(hand_graph), db)
    console = CypherConsole(hand_graph, db)
    try:
        answer = console.run("MATCH (m:Model {id: $id})-[:HAS_ROOT]->(r:Model) RETURN r.id AS "
                             "root ORDER BY root", {"id": "carol/merge"})  # fmt: skip
        assert answer["rows"] == [["acme/base"], ["org2/Other-Root"]]
        with pytest.raises(ReadOnlyError):
            console.run("MATCH (m:Model) SET m.likes = 1", {})
        with pytest.raises(QueryError, match="empty"):
            console.run("  ", {})
    finally:
        console.close()


def test_page_has_a_strict_policy_and_answers_only_local_host_names(hand_server: Server) -> None:
    status, headers, raw = _request(f"{hand_server.url}/")
    page = raw.decode()
    assert status == 200
    policy = headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1 and script_hash(scripts[0]) in policy
    assert not re.search(r"(src|href)=\"?(https?:)?//", page)  # nothing fetched from anywhere
    assert headers["x-content-type-options"] == "nosniff"
    status, _, raw = _request(f"{hand_server.url}/api/search?q=a", headers={"Host": "evil.test"})
    assert status == 400  # a DNS-rebound name is not answered


def test_loopback_is_the_default_and_other_hosts_need_a_flag(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    done = subprocess.run(
        [sys.executable, "-m", "hflineage", "serve", "--host", "0.0.0.0", "--snapshot",
         str(tmp_path / "none.jsonl")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "--allow-remote" in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "hflineage", "serve", "--db", str(tmp_path / "missing.db"),
         "--snapshot", str(tmp_path / "none.jsonl")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "no database at" in done.stderr
    assert "hf-lineage db build" in done.stderr and "Traceback" not in done.stderr


def test_cli_serves_the_generated_hub(synthetic_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hflineage", "serve", "--snapshot", str(synthetic_path),
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line + (proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[operator]
        base = found.group(0).rstrip("/")
        status, page = get(f"{base}/api/search?q=qwen&limit=5")
        assert status == 200 and len(page["results"]) == 5
        top = page["results"][0]["model_id"]
        status, lineage = get(f"{base}/api/lineage/{top}")
        assert status == 200 and lineage["model"]["model_id"] == top
        assert lineage["descendants"]["total"] >= lineage["children"]["total"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- in the browser -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if chromium_path() is None:
        pytest.skip("headless Chromium not installed (Debian package 'chromium')")
    with Browser(1280, 900, reachable=("127.0.0.1",)) as b:
        yield b


def _open(browser: Browser, url: str, ready: str = "!!window.hflServe") -> Page:
    """A new tab on ``url``, once loaded and ``ready`` (a JavaScript expression) holds."""
    page = browser.open("about:blank")
    page.requests.clear()
    page.send("Page.navigate", url=url)
    page.wait_for(f"document.readyState === 'complete' && {ready}")
    return page


NODE_BOXES = """Array.from(document.querySelectorAll('#tree g.node rect')).map(function (r) {
  var b = r.getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom, r.parentNode.getAttribute('data-key')]; })"""


def _assert_no_overlap(page: Page) -> int:
    boxes = page.evaluate(NODE_BOXES)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, f"{a[4]} overlaps {b[4]}"
    return len(boxes)


def _assert_local_and_clean(page: Page, base: str, refused: tuple[int, ...] = ()) -> None:
    """No errors but the refusals asked for (``refused``: HTTP statuses), and no request to
    anywhere but the server."""
    page.browser.pump(0.2)
    expected = tuple(f"the server responded with a status of {code}" for code in refused)
    assert [e for e in page.errors() if not any(x in e for x in expected)] == []
    assert page.requests and all(u.startswith(base + "/") or u.startswith("data:")
                                 for u in page.requests), page.requests  # fmt: skip


def _press(page: Page, key: str) -> None:
    """A real key press on the focused element (Enter or a letter)."""
    text = "\r" if key == "Enter" else key
    code = 13 if key == "Enter" else ord(key.upper())
    page.send("Input.dispatchKeyEvent", type="keyDown", key=key, text=text,
              windowsVirtualKeyCode=code)  # fmt: skip
    page.send("Input.dispatchKeyEvent", type="keyUp", key=key, windowsVirtualKeyCode=code)


@needs_chromium
def test_page_searches_opens_a_lineage_and_expands_on_click(
    hand_server: Server, browser: Browser
) -> None:
    page = _open(browser, hand_server.url + "/")
    page.evaluate("document.getElementById('q').value = 'base-ft';"
                  "document.querySelector('#search-form button').click()")  # fmt: skip
    page.wait_for("document.querySelectorAll('#results li button').length > 0")
    first = page.evaluate("document.querySelector('#results li button').textContent")
    assert first == "acme/base-ft"
    page.evaluate("document.querySelector('#results li button').click()")
    page.wait_for("document.querySelectorAll('#tree g.node').length > 3")
    keys = page.evaluate("Array.from(document.querySelectorAll('#tree g.node'))"
                         ".map(function (g) { return g.getAttribute('data-key'); })")
    assert {"acme/base", "acme/base-ft", "carol/merge", "more:acme/base-ft"} <= set(keys)
    assert len(keys) == 2 + 12 + 1  # ancestor, the model, a page of children, "+N more"
    _assert_no_overlap(page)
    # "+19 more" by keyboard: focus it and press Enter
    page.evaluate("document.querySelector('g[data-key=\"more:acme/base-ft\"]').focus()")
    _press(page, "Enter")
    page.wait_for("document.querySelectorAll('#tree g.node').length === 2 + 24 + 1")
    # expand a child by its key, then re-root on it from the details panel
    page.evaluate("document.querySelector('g[data-key=\"carol/merge\"]').focus()")
    _press(page, "Enter")
    page.wait_for("document.querySelector('#details h3') && "
                  "document.querySelector('#details h3').textContent === 'carol/merge'")
    page.evaluate("document.getElementById('reroot').click()")
    page.wait_for("window.hflServe.state().center === 'carol/merge'")
    page.wait_for("document.querySelectorAll('#tree g.node').length === 4")
    assert _assert_no_overlap(page) == 4
    page.evaluate("document.querySelector('g[data-key=\"acme/base\"]').focus()")
    _press(page, "e")
    page.wait_for("document.querySelectorAll('#tree g.node').length === 5")  # + alice/evil
    _assert_no_overlap(page)
    assert "#model=carol%2Fmerge" in page.evaluate("location.href")
    _assert_local_and_clean(page, hand_server.url)
    page.close()


@needs_chromium
def test_page_report_and_cypher_console(hand_server: Server, browser: Browser) -> None:
    page = _open(browser, hand_server.url + "/")
    page.wait_for("document.querySelectorAll('#report tbody tr').length > 0")
    page.evaluate("""document.getElementById('cypher-params').value = '{"prefix": "acme/"}';
        document.querySelector('#cypher-form button').click()""")
    page.wait_for("document.querySelectorAll('#cypher-result tbody tr').length === 2")
    cells = page.evaluate("Array.from(document.querySelectorAll('#cypher-result tbody td'))"
                          ".map(function (td) { return td.textContent; })")
    assert cells == ["acme/base", "1000", "acme/base-ft", "500"]
    page.evaluate("document.getElementById('cypher-query').value = "
                  "'CREATE (m:Model {id: $prefix})';"
                  "document.querySelector('#cypher-form button').click()")  # fmt: skip
    page.wait_for("document.getElementById('cypher-status').className === 'error'")
    assert "read-only" in page.evaluate("document.getElementById('cypher-status').textContent")
    _assert_local_and_clean(page, hand_server.url, refused=(403,))
    page.close()


@needs_chromium
def test_hub_strings_are_shown_as_text_never_run(hand_server: Server, browser: Browser) -> None:
    page = _open(browser, hand_server.url + "/#model=alice%2Fevil")
    page.wait_for("document.querySelector('#details dl') !== null")
    page.wait_for("document.querySelectorAll('#report-notes li').length > 0")
    details = page.evaluate("document.getElementById('details').textContent")
    assert P_IMG in details and P_SCRIPT in details and P_SVG in details
    assert P_SCRIPT in page.evaluate("document.getElementById('report-notes').textContent")
    browser.pump(0.3)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.title") == "hf-lineage serve"
    assert page.evaluate("document.querySelectorAll('img, iframe, object, svg svg').length") == 0
    assert page.evaluate("""Array.from(document.querySelectorAll('a[href]')).every(function (a) {
        return (a.protocol === 'https:' && a.host === 'huggingface.co')
          || (a.origin === location.origin && a.pathname === '/report'); })""")
    assert page.dialogs == []
    _assert_local_and_clean(page, hand_server.url)
    page.close()
    report = _open(browser, hand_server.url + "/report", ready="!!document.querySelector('h1')")
    assert P_SCRIPT in report.evaluate("document.body.textContent")
    assert report.evaluate("typeof window.__xss") == "undefined"
    _assert_local_and_clean(report, hand_server.url)
    report.close()


@needs_chromium
def test_page_draws_a_large_generated_family_without_overlaps(
    synthetic_path: Path, browser: Browser
) -> None:
    graph = open_graph(synthetic_path)
    busiest = int(np.argmax(np.bincount(graph.edge_parent, minlength=graph.n)))
    server = _start(graph)
    try:
        page = _open(browser, f"{server.url}/#model={graph.id_of(busiest)}")
        page.wait_for("document.querySelectorAll('#tree g.node').length > 10")
        state = "window.hflServe.state()"
        expandable = page.evaluate(f"""{state}.order.filter(function (k) {{
            var n = {state}.nodes[k]; return n.kind === 'model' && n.card.children > 0
              && k !== {state}.center; }})""")
        for key in expandable[:3]:
            before = page.evaluate("document.querySelectorAll('#tree g.node').length")
            page.evaluate(f"window.hflServe.expand({json.dumps(key)})")
            page.wait_for(f"document.querySelectorAll('#tree g.node').length > {before}")
        assert _assert_no_overlap(page) > 12
        _assert_local_and_clean(page, server.url)
        page.close()
    finally:
        _stop(server)


def test_builds_on_answers_the_matrix_of_the_report(hand_server: Server) -> None:
    status, cross = get(f"{hand_server.url}/api/builds-on?metric=uploads")
    assert status == 200 and cross["meta"]["metric"] == "uploads"
    total = sum(map(sum, cross["values"]))
    assert total == cross["meta"]["denominator"] == cross["meta"]["models_counted"]
    status, answer = get(f"{hand_server.url}/api/builds-on?metric=stars")
    assert status == 400 and "metric must be one of" in _one_line_error(answer)
