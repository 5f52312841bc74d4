"""The package installs under one namespace, with its data files, from a real wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import hflineage.explorer
import hflineage.graph
import hflineage.loaders
import hflineage.queries

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "module", [hflineage.loaders, hflineage.graph, hflineage.queries, hflineage.explorer]
)
def test_public_all_is_importable(module: object) -> None:
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{module.__name__}.{name} is in __all__ but missing"


def test_wheel_installs_only_the_hflineage_namespace(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = tmp_path.glob("hf_lineage-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"hflineage"}
    for needed in (
        "hflineage/graph/data/families.csv",
        "hflineage/graph/data/orgs.csv",
        "hflineage/graph/data/developers.csv",
        "hflineage/graph/data/aliases.csv",
        "hflineage/loaders/hubstats.py",
        "hflineage/queries/attribution.py",
        "hflineage/explorer/cli/main.py",
        "hflineage/explorer/serve/assets/serve.js",
        "hflineage/py.typed",
    ):
        assert needed in names, needed
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    entry_points = zipfile.ZipFile(wheel).read(entry).decode()
    assert "hf-lineage = hflineage.explorer.cli.entry:run" in entry_points
