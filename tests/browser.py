"""Headless Chromium for the HTML tests, driven over the DevTools protocol on a pipe.

Only the standard library: Chromium is started with ``--remote-debugging-pipe`` (it reads
commands on fd 3 and writes replies on fd 4, NUL-terminated JSON). The network is blocked
twice over: every host name resolves to nothing, and each page's requests are recorded so a
test can assert that only ``file:`` and ``data:`` URLs were asked for.

>>> with Browser() as b:                                   # doctest: +SKIP
...     page = b.open(Path("index.html"))
...     page.evaluate("document.title")
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Browser", "BrowserError", "Page", "chromium_path", "decode_png"]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium failed to start, answered with an error, or timed out."""


def chromium_path() -> str | None:
    """The Chromium binary (``$CHROMIUM`` or ``chromium`` on PATH), or None."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Page:
    """One tab: what it logged, which URLs it requested, and helpers to inspect it."""

    browser: Browser
    session: str
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command to this tab and return its result."""
        return self.browser.send(method, params, session=self.session)

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        """The JSON value of a JavaScript expression (promises are awaited)."""
        res = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
            timeout=timeout,
        )
        if "exceptionDetails" in res:
            raise BrowserError(f"evaluate({expression[:80]!r}) threw: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression!r}")
            time.sleep(0.05)

    def screenshot(
        self, path: Path | None = None, full_page: bool = False, fast: bool = False
    ) -> bytes:
        """A PNG of the viewport (or the whole page); written to ``path`` when given.

        ``fast`` asks Chromium for a quickly encoded PNG (larger, but cheap to decode).
        """
        params: dict[str, Any] = {"format": "png", "optimizeForSpeed": fast}
        if full_page:
            m = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": m["width"], "height": m["height"],
                              "scale": 1}
            params["captureBeyondViewport"] = True
        png = base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])
        if path is not None:
            path.write_bytes(png)
        return png

    def pixels(self) -> np.ndarray:
        """The viewport as an ``(height, width, 4)`` uint8 array."""
        return decode_png(self.screenshot(fast=True))

    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries."""
        out = [
            f"console.{c['type']}: {c['text']}"
            for c in self.console
            if c["type"] in ("error", "warning", "assert")
        ]
        out += [f"exception: {e}" for e in self.exceptions]
        out += [
            f"log {e.get('source')}/{e.get('level')}: {e.get('text')}"
            for e in self.log
            if e.get("level") in ("error", "warning")
        ]
        return out

    def foreign_requests(self) -> list[str]:
        """Requested URLs that are neither ``file:`` nor ``data:`` (should be none)."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]

    def close(self) -> None:
        """Close the tab."""
        target = self.browser.targets.pop(self.session, None)
        if target:
            self.browser.send("Target.closeTarget", {"targetId": target})


class Browser:
    """A headless Chromium process with its own fresh profile; use as a context manager."""

    def __init__(
        self, width: int = 1280, height: int = 900, reachable: tuple[str, ...] = ()
    ) -> None:
        """``reachable``: host names left resolvable (e.g. ``127.0.0.1`` for a local server);
        every other name still resolves to nothing."""
        exe = chromium_path()
        if exe is None:
            raise BrowserError("chromium not found (install Debian's 'chromium' package)")
        self.width, self.height = width, height
        self._profile = tempfile.mkdtemp(prefix="hfl-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def _fds() -> None:  # runs in the child: the pipe must sit on fds 3 and 4
            a, b = os.dup(to_child_r), os.dup(from_child_w)  # never 3 or 4: both are taken
            os.dup2(a, 3)  # dup2 makes the copy inheritable (os.pipe fds are not)
            os.dup2(b, 4)

        flags = [f + "".join(f", EXCLUDE {h}" for h in reachable)
                 if f.startswith("--host-resolver-rules=") else f for f in FLAGS]  # fmt: skip
        self.proc = subprocess.Popen(
            [exe, *flags, f"--user-data-dir={self._profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_fds,
            close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next_id = 0
        self.pages: dict[str, Page] = {}
        self.targets: dict[str, str] = {}
        self.send("Target.setDiscoverTargets", {"discover": True}, timeout=30)

    # -- protocol ---------------------------------------------------------------------------
    def _read_message(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for Chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium exited (code {self.proc.poll()})")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    def _dispatch(self, msg: dict[str, Any]) -> None:
        page = self.pages.get(msg.get("sessionId", ""))
        if page is None:
            return
        method, p = msg["method"], msg.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            page.console.append({"type": p["type"], "text": text})
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            page.exceptions.append(str(d.get("exception", {}).get("description", d["text"])))
        elif method == "Log.entryAdded":
            page.log.append(p["entry"])
        elif method == "Network.requestWillBeSent":
            page.requests.append(p["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            page.dialogs.append(p["message"])
            self._write({"id": self._new_id(), "sessionId": page.session,
                         "method": "Page.handleJavaScriptDialog", "params": {"accept": False}})

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _write(self, msg: dict[str, Any]) -> None:
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._to_child, data)
            data = data[n:]

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Send one command and wait for its reply, dispatching events meanwhile."""
        mid = self._new_id()
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._write(msg)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(max(0.0, deadline - time.monotonic()))
            if reply.get("id") == mid:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self._dispatch(reply)

    def pump(self, seconds: float) -> None:
        """Process events for a while (console messages arriving late)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                msg = self._read_message(left)
            except BrowserError:
                return
            if "method" in msg:
                self._dispatch(msg)

    # -- pages ------------------------------------------------------------------------------
    def _start(self, path: Path | str) -> Page:
        """Open a new tab and start loading ``path`` (a file or a file:/data: URL)."""
        is_url = isinstance(path, str) and path.startswith(("file:", "about:", "data:"))
        url = str(path) if is_url else Path(path).resolve().as_uri()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        self.pages[session] = page
        self.targets[session] = target
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=self.width, height=self.height, deviceScaleFactor=1, mobile=False,
        )
        nav = page.send("Page.navigate", url=url)
        if nav.get("errorText"):
            raise BrowserError(f"cannot open {url}: {nav['errorText']}")
        return page

    @staticmethod
    def _settle(page: Page, wait: str | None, timeout: float) -> None:
        page.wait_for("document.readyState === 'complete'", timeout=timeout)
        if wait:
            page.wait_for(wait, timeout=timeout)

    def open(self, path: Path | str, wait: str | None = None, timeout: float = 60.0) -> Page:
        """Open a file in a new tab, wait for ``load`` (and ``wait``, a JS expression)."""
        page = self._start(path)
        self._settle(page, wait, timeout)
        self.pump(0.2)
        return page

    def open_many(
        self, paths: list[Path], wait: str | None = None, timeout: float = 120.0
    ) -> list[Page]:
        """Open several files in parallel tabs and wait for all of them."""
        pages = [self._start(p) for p in paths]
        for page in pages:
            self._settle(page, wait, timeout)
        self.pump(0.2)
        return pages

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        try:
            self._write({"id": self._new_id(), "method": "Browser.close", "params": {}})
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decode_png(data: bytes) -> np.ndarray:
    """Decode an 8-bit RGB(A), non-interlaced PNG into an ``(height, width, 4)`` uint8 array.

    Rows filtered with None, Sub or Up (all that Chromium writes with ``optimizeForSpeed``)
    are undone with numpy; Average and Paeth rows fall back to a slower loop.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, []
    width = height = ctype = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype})")
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    bpp = 4 if ctype == 6 else 3
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8)
    raw = raw.reshape(height, width * bpp + 1)
    filters, lines = raw[:, 0], raw[:, 1:].astype(np.int64)
    out = np.zeros((height, width * bpp), dtype=np.int64)
    prev = np.zeros(width * bpp, dtype=np.int64)
    for y in range(height):
        f, line = int(filters[y]), lines[y]
        if f == 0:
            cur = line
        elif f == 1:
            cur = np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) & 255
        elif f == 2:
            cur = (line + prev) & 255
        else:
            cur = line.copy()
            for i in range(width * bpp):
                a = int(cur[i - bpp]) if i >= bpp else 0
                b = int(prev[i])
                c = int(prev[i - bpp]) if i >= bpp else 0
                if f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (int(cur[i]) + pred) & 255
        out[y] = cur
        prev = cur
    img = out.astype(np.uint8).reshape(height, width, bpp)
    if bpp == 3:
        img = np.concatenate([img, np.full((height, width, 1), 255, np.uint8)], axis=2)
    return img
