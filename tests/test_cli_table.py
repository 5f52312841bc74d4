"""The CLI's plain text tables: aligned columns, untrusted cells shown as they are."""

from __future__ import annotations

from hflineage.explorer.cli.table import render_table


def test_columns_align_first_left_others_right() -> None:
    text = render_table(
        ["model", "downloads"], [["Qwen/Qwen3-8B", "1,234"], ["a/b", "56"]], title="top"
    )
    assert text == (
        "top\n"
        "model          downloads\n"
        "─────────────  ─────────\n"
        "Qwen/Qwen3-8B      1,234\n"
        "a/b                   56\n"
    )


def test_wide_characters_take_two_cells() -> None:
    lines = render_table(["org", "n"], [["日本語", "1"], ["abcdef", "22"]]).splitlines()
    assert lines[2] == "日本語   1"  # six cells wide, as "abcdef"
    assert lines[3] == "abcdef  22"


def test_hub_strings_cannot_style_or_drive_the_terminal() -> None:
    rows = [["[bold red]x[/]", "1"], ["evil\x1b[2J\nline", "2"]]
    text = render_table(["model", "n"], rows)
    assert "[bold red]x[/]" in text  # no markup is read
    assert "\x1b" not in text and "evil\\x1b[2J\\nline" in text
    assert len(text.splitlines()) == 4  # the newline in a cell did not start a line


def test_a_table_without_rows_or_title_still_has_its_header() -> None:
    assert render_table(["a", "bb"], []) == "a  bb\n─  ──\n"
