#!/usr/bin/env python3
"""Compare a peer's report with the tool's, row by row.

``python bench/peers/check.py TOOL.json PEER.json`` exits 1 and names the first few
differences when the two disagree: the same keys, each key's value to 1e-9 relative, its
share to 1e-9 relative (percentage points below 1e-12 are equal), the same model counts.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

REL = 1e-9


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def differences(tool: dict[str, Any], peer: dict[str, Any]) -> list[str]:
    """Every way ``peer``'s rows differ from ``tool``'s (empty when they agree)."""
    mine = {r["key"]: r for r in tool["rows"]}
    theirs = {r["key"]: r for r in peer["rows"]}
    out = [f"key {k!r} only in the tool's report" for k in sorted(mine.keys() - theirs.keys())]
    out += [f"key {k!r} only in the peer's report" for k in sorted(theirs.keys() - mine.keys())]
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = mine[key], theirs[key]
        for field in ("value", "share"):
            if not _close(float(a[field]), float(b[field])):
                out.append(f"{key!r}: {field} {a[field]!r} (tool) != {b[field]!r} (peer)")
        if int(a["models"]) != int(b["models"]):
            out.append(f"{key!r}: models {a['models']} (tool) != {b['models']} (peer)")
    # the order: by value, largest first (ties and values equal to 1e-9 may swap)
    order = [r["key"] for r in peer["rows"] if r["key"] in mine]
    for first, second in itertools.pairwise(order):
        v1, v2 = float(mine[first]["value"]), float(mine[second]["value"])
        if v1 < v2 and not _close(v1, v2):
            out.append(f"order: {first!r} before {second!r} but its value is smaller")
            break
    out += _rest_differences(tool["meta"].get("rest"), peer["meta"].get("rest"))
    return out


def _rest_differences(mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> list[str]:
    """The rows not shown, summed: the same number of keys and the same total."""
    if mine is None or theirs is None:
        return [] if mine is theirs else [f"rest: {mine!r} (tool) != {theirs!r} (peer)"]
    out = []
    if int(mine["keys"]) != int(theirs["keys"]):
        out.append(f"rest: {mine['keys']} keys (tool) != {theirs['keys']} (peer)")
    if not _close(float(mine["value"]), float(theirs["value"])):
        out.append(f"rest: value {mine['value']!r} (tool) != {theirs['value']!r} (peer)")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check.py TOOL.json PEER.json", file=sys.stderr)
        return 2
    tool, peer = (json.loads(Path(p).read_text("utf-8")) for p in argv)
    diffs = differences(tool, peer)
    for line in diffs[:20]:
        print(line)
    n = len(tool["rows"])
    print(f"{'EQUAL' if not diffs else 'DIFFERENT'}: {n} rows (tool), {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
