from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import api_model, write_jsonl
from conftest import run_cli as run
from hubrows import SMALL_HUB

from hflineage.explorer.cli.main import cli, main


def test_report_json_contract(small_hub_path: Path) -> None:
    p = run(
        "report", "--snapshot", str(small_hub_path), "--by", "org", "--format", "json", "--top",
        "5",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) == {"rows", "meta"}
    assert len(out["rows"]) == 5
    for r in out["rows"]:
        assert set(r) == {"key", "value", "share", "models"}
    got = [(r["key"], r["value"]) for r in out["rows"]]  # worked out in hubrows.SMALL_HUB
    assert got == [
        ("Qwen", 1600), ("meta-llama", 1300), ("mistralai", 450), ("google", 250),
        ("microsoft", 120),
    ]  # fmt: skip
    assert out["rows"][0]["share"] == pytest.approx(100 * 1600 / 3810)
    m = out["meta"]
    for k in ("view", "metric", "policy", "window", "denominator", "validation"):
        assert k in m
    assert (m["view"], m["metric"], m["policy"]) == ("lineage", "downloads", "split")
    assert m["denominator"] == 3810
    assert m["validation"]["rows_loaded"] == len(SMALL_HUB)
    assert m["rows_total"] == 7
    assert m["rest"]["keys"] == m["rows_total"] - 5
    assert sum(r["share"] for r in out["rows"]) + m["rest"]["share"] == pytest.approx(100.0)


def test_the_real_sample_reports_its_known_figures(sample_path: Path) -> None:
    """The sample's own figures: Qwen leads by org; 4,167 rows and 957 stub parents."""
    p = run("report", "--snapshot", str(sample_path), "--by", "org", "--format", "json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["rows"][0]["key"] == "Qwen"
    v = out["meta"]["validation"]
    assert (v["rows_loaded"], v["stubs"], v["placeholder_created_at"]) == (4167, 957, 9)


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_report_other_formats(hub_stats_path: Path, fmt: str) -> None:
    p = run(
        "report",
        "--snapshot",
        str(hub_stats_path),
        "--by",
        "country",
        "--view",
        "uploader",
        "--format",
        fmt,
    )
    assert p.returncode == 0, p.stderr
    if fmt == "csv":
        header = p.stdout.splitlines()[0]
        assert header == "country,downloads,share %,models"
    else:
        assert "denominator" in p.stdout


def test_lineage_and_family_commands(small_hub_path: Path) -> None:
    p = run(
        "lineage", "ibm-research/merlinite-7b", "--snapshot", str(small_hub_path), "--format",
        "json",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["parents"] == [
        {"model_id": "mistralai/Mistral-7B-v0.1", "relation": "finetune", "source": "hub"}
    ]
    assert out["roots"] == [{"model_id": "mistralai/Mistral-7B-v0.1", "weight": 1.0}]
    p = run("family", "Qwen", "--snapshot", str(small_hub_path), "--format", "json")
    assert p.returncode == 0, p.stderr
    fam = json.loads(p.stdout)
    assert fam["family"] == "Qwen" and fam["members"] == 3  # the root, a finetune, a merge


def test_errors_are_one_line_and_exit_1(hub_stats_path: Path, tmp_path: Path) -> None:
    p = run("lineage", "nobody/nothing", "--snapshot", str(hub_stats_path))
    assert p.returncode == 1
    assert p.stderr.strip().count("\n") == 0 and "not in the graph" in p.stderr
    p = run("report", "--snapshot", str(tmp_path / "missing.parquet"))
    assert p.returncode == 1 and "does not exist" in p.stderr and "Traceback" not in p.stderr
    p = run("--debug", "report", "--snapshot", str(tmp_path / "missing.parquet"))
    assert p.returncode == 1 and "Traceback" in p.stderr
    p = run("report", "--snapshot", str(hub_stats_path), "--since", "2025-99")
    assert p.returncode == 1 and "YYYY-MM" in p.stderr


def test_no_snapshot_offline_says_to_pass_snapshot(tmp_path: Path) -> None:
    p = run("report", env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    assert p.returncode == 1
    assert "--snapshot" in p.stderr and p.stderr.strip().count("\n") == 0


def test_small_jsonl_end_to_end(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            api_model("Qwen/Qwen2.5-7B", downloads=100),
            api_model("me/ft", "Qwen/Qwen2.5-7B", downloads=50),
            "{broken",
        ],
    )
    runner = CliRunner()
    res = runner.invoke(
        cli, ["report", "--snapshot", str(path), "--by", "family", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["rows"][0] == {"key": "Qwen", "value": 150.0, "share": 100.0, "models": 2}
    assert out["meta"]["validation"]["rejected"] == {"malformed JSON line": 1}


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        out.append((prefix + name, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, prefix + name + " ")
    return out


def test_optional_commands_are_registered() -> None:
    names = {n for n, _ in _commands(cli)}
    assert {"report", "lineage", "family", "validate", "crawl", "snapshot"} <= names


@pytest.mark.parametrize(("name", "cmd"), _commands(cli))
def test_every_command_has_help_and_an_example(name: str, cmd: click.Command) -> None:
    assert cmd.help and cmd.help.strip(), name
    if not isinstance(cmd, click.Group):
        assert "Example:" in cmd.help, f"{name} help has no example"
    res = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert res.exit_code == 0


def test_main_entry_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lineage", "x/y", "--snapshot", "/does/not/exist"])
    assert exc.value.code == 1
    assert "hf-lineage: error:" in capsys.readouterr().err


def test_report_without_snapshot_fetches_the_hub_dump_through_huggingface_hub(
    hub_stats_path: Path, tmp_path: Path
) -> None:
    from fakehub import running_fake_hub

    with running_fake_hub(models=[]) as hub:
        hub.add_file("datasets/cfahlgren1/hub-stats/models.parquet", hub_stats_path.read_bytes())
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "0"}
        p = run("report", "--by", "org", "--format", "json", "--top", "3", env=env)
        assert p.returncode == 0, p.stderr
        direct = run(
            "report",
            "--snapshot",
            str(hub_stats_path),
            "--by",
            "org",
            "--format",
            "json",
            "--top",
            "3",
        )
        assert json.loads(p.stdout)["rows"] == json.loads(direct.stdout)["rows"]
        assert any("/resolve/" in r.path for r in hub.requests)
        # second run: served from the huggingface_hub cache, even offline
        env["HF_HUB_OFFLINE"] = "1"
        p2 = run("report", "--by", "org", "--format", "json", "--top", "3", env=env)
        assert p2.returncode == 0, p2.stderr
        assert json.loads(p2.stdout)["rows"] == json.loads(p.stdout)["rows"]


_QUICK_EXIT = """
import sys
from hflineage.explorer.cli.process import exit_quickly, skip_teardown_at_exit
skip_teardown_at_exit()
import atexit, threading, time
from concurrent.futures import ThreadPoolExecutor
out = sys.argv[1]
def note(line, open=open, out=out):  # builtins and globals are gone at teardown
    with open(out, "a") as fh:
        fh.write(line + "\\n")
def late():
    time.sleep(0.3)
    note("thread")
class FreedAtTeardown:
    def __del__(self, note=note):
        note("teardown")
kept = FreedAtTeardown()
threading.Thread(target=late).start()
pool = ThreadPoolExecutor(1)  # left running, as a command might
pool.submit(time.sleep, 0.1)
atexit.register(lambda: print("atexit", end=""))
print("buffered ", end="")
if sys.argv[3] == "quick":
    exit_quickly(int(sys.argv[2]))
sys.exit(int(sys.argv[2]))
"""


@pytest.mark.parametrize("code", [0, 3])
@pytest.mark.parametrize("how", ["quick", "normal"])
def test_a_quick_exit_skips_only_the_teardown(tmp_path: Path, code: int, how: str) -> None:
    """Threads are waited for, pools shut, atexit handlers run and output flushed either way;
    only the quick exit skips freeing the objects left (no ``__del__`` at teardown)."""
    marker = tmp_path / "marker"
    res = subprocess.run(
        [sys.executable, "-c", _QUICK_EXIT, str(marker), str(code), how],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == code, res.stderr
    assert res.stdout == "buffered atexit"
    freed = ["teardown"] if how == "normal" else []
    assert marker.read_text().splitlines() == ["thread", *freed]


def test_the_command_exit_codes_and_messages(tmp_path: Path) -> None:
    """The console script's exit path: usage errors, known errors and success."""
    run = [sys.executable, "-m", "hflineage"]
    bad = subprocess.run([*run, "nonsense"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "No such command" in bad.stderr
    missing = subprocess.run(
        [*run, "lineage", "x/y", "--snapshot", str(tmp_path / "nope.parquet")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("hf-lineage: error:") and missing.stdout == ""
    ok = subprocess.run([*run, "--version"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip()


def test_library_messages_name_parameters_and_the_cli_shows_its_flags(tmp_path: Path) -> None:
    from hflineage.errors import InputError
    from hflineage.explorer.cli.common import in_cli_words
    from hflineage.loaders.store import SnapshotStore

    assert in_cli_words("pass `refresh=True`; check the `endpoint` and `hf auth login`") == (
        "pass --refresh; check the --endpoint and `hf auth login`"
    )
    snapshot = tmp_path / "hub.jsonl"
    snapshot.write_text('{"id": "acme/m", "downloads": 1}\n')
    with pytest.raises(InputError) as caught:
        SnapshotStore(str(tmp_path / "store")).add(snapshot, day="2026-13-01")
    assert "--" not in str(caught.value) and "`day`" in str(caught.value)
