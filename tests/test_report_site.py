"""The static site as a reader meets it: every view linked, one colour per country and family
on every page, chart text readable, nothing wider than a phone, the charts of who builds on
whom present and adding up."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, chromium_path

from hflineage.explorer.palette import COUNTRY_COLOURS, FAMILY_COLOURS, lighter, palette_for
from hflineage.explorer.site.attributions import SiteAttributions
from hflineage.explorer.site.report import render_report
from hflineage.explorer.site.writer import SiteResult, write_site
from hflineage.graph import LineageGraph, build_lineage_graph
from hflineage.loaders import load_snapshot
from hflineage.queries import Window, attribute

#: Charts whose keys are countries, and charts whose keys are families.
COUNTRY_CHARTS = re.compile(r"country|builds-on|base-vs-derived")
FAMILY_CHARTS = re.compile(r"family")


@pytest.fixture(scope="module")
def hub_graph(hub_stats_path: Path) -> LineageGraph:
    return build_lineage_graph(*load_snapshot(hub_stats_path))


@pytest.fixture(scope="module")
def site(hub_graph: LineageGraph, tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    return write_site(hub_graph, tmp_path_factory.mktemp("site"))


def _browser(width: int, height: int) -> Iterator[Browser]:
    if chromium_path() is None:
        pytest.skip("headless Chromium not installed (Debian package 'chromium')")
    with Browser(width=width, height=height) as b:
        yield b


@pytest.fixture(scope="module")
def desktop() -> Iterator[Browser]:
    yield from _browser(1440, 1000)


@pytest.fixture(scope="module")
def phone() -> Iterator[Browser]:
    yield from _browser(390, 844)


def _chart_fills(page: str) -> dict[tuple[str, str], set[str]]:
    """(kind, key) -> the fills its marks have, over the charts of one page (lineage view
    marks only: the uploader view is the same colour lightened)."""
    fills: dict[tuple[str, str], set[str]] = defaultdict(set)
    for chart, svg in re.findall(
        r'<svg class="hfl-chart" data-chart="([^"]+)"(.*?)</svg>', page, re.S
    ):
        kind = (
            "country"
            if COUNTRY_CHARTS.search(chart)
            else "family"
            if FAMILY_CHARTS.search(chart)
            else ""
        )
        if not kind:
            continue
        for attrs in re.findall(r"<rect ([^>]*data-key=[^>]*)>", svg) + re.findall(
            r"<path ([^>]*data-key=[^>]*)>", svg
        ):
            key = re.search(r'data-key="([^"]*)"', attrs)
            fill = re.search(r'fill="(#[0-9a-f]{6})"', attrs)
            if (
                not key
                or not fill
                or "uploader view" in attrs
                or ("data-part" in attrs and "derived" in attrs)
            ):
                continue
            fills[(kind, key.group(1))].add(fill.group(1))
    return fills


def test_every_written_view_is_linked_from_the_index(site: SiteResult) -> None:
    index = site.index.read_text()
    linked = {h.split("#")[0] for h in re.findall(r'href="((?:family|root)/[^"]+)"', index)}
    written = {p.path.relative_to(site.index.parent).as_posix() for p in site.pages}
    assert written and written <= linked, sorted(written - linked)


def test_the_two_model_counts_are_labelled(site: SiteResult) -> None:
    index = site.index.read_text()
    assert "models credited" in index
    family_page = next(p for p in site.pages if p.path.parent.name == "family")
    assert "models whose first root</b>" in family_page.path.read_text()


def test_one_colour_per_country_and_family_across_every_chart_and_page(
    site: SiteResult,
) -> None:
    index = site.index.read_text()
    fills = _chart_fills(index)
    assert len([k for k in fills if k[0] == "country"]) >= 5
    assert len([k for k in fills if k[0] == "family"]) >= 5
    for (kind, key), colours in fills.items():
        assert len(colours) == 1, (kind, key, colours)
    # fixed colours are the palette's
    for (kind, key), colours in fills.items():
        table = COUNTRY_COLOURS if kind == "country" else FAMILY_COLOURS
        if key in table:
            assert colours == {table[key]}, (kind, key)
    # the family views' country legends agree with the report
    seen = 0
    for page in site.pages:
        text = page.path.read_text()
        legend = re.search(r'<ul class="legend by-country"[^>]*>(.*?)</ul>', text, re.S)
        assert legend, page.path
        for colour, key in re.findall(
            r'background:(#[0-9a-f]{6})"></span>([^<]+)</li>', legend.group(1)
        ):
            key = key.replace("&amp;", "&")
            if ("country", key) in fills:
                assert fills[("country", key)] == {colour}, (page.path.name, key)
                seen += 1
    assert seen >= len(site.pages)


def test_the_uploader_view_is_the_country_colour_lightened(site: SiteResult) -> None:
    svg = re.search(r'data-chart="country-shares".*?</svg>', site.index.read_text(), re.S)
    assert svg
    marks = re.findall(
        r'data-key="([^"]+)" data-series="(\w+) view"[^>]*fill="(#[0-9a-f]{6})"', svg.group(0)
    )
    by_key: dict[str, dict[str, str]] = defaultdict(dict)
    for key, view, fill in marks:
        by_key[key][view] = fill
    assert by_key["China"]["lineage"] == COUNTRY_COLOURS["China"]
    for key, views in by_key.items():
        assert views["uploader"] == lighter(views["lineage"]), key


def test_matrix_cells_add_up_to_the_whole(site: SiteResult) -> None:
    index = site.index.read_text()
    for metric in ("downloads", "uploads"):
        svg = re.search(rf'data-chart="builds-on-{metric}".*?</svg>', index, re.S)
        assert svg, metric
        assert len(re.findall(r'class="hfl-mark cell"', svg.group(0))) >= 4


def test_chart_text_reads_at_desktop_width(site: SiteResult, desktop: Browser) -> None:
    page = desktop.open(site.index)
    smallest = page.evaluate(
        """(() => {
        let least = 1e9, where = '';
        for (const svg of document.querySelectorAll('svg.hfl-chart')) {
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          for (const t of svg.querySelectorAll('text')) {
            if (!t.textContent.trim()) continue;
            const px = parseFloat(getComputedStyle(t).fontSize) * scale;
            if (px < least) { least = px; where = svg.dataset.chart + ': ' + t.textContent; }
          }
        }
        return [least, where];
      })()"""
    )
    assert smallest[0] >= 10.5, smallest


@pytest.mark.parametrize("which", ["index", "family"])
def test_nothing_scrolls_sideways_on_a_phone(site: SiteResult, phone: Browser, which: str) -> None:
    path = site.index if which == "index" else next(p.path for p in site.pages)
    page = phone.open(path)
    wide = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth, "
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1 && !e.closest('.card, .scroll, table, svg, canvas'))"
        ".slice(0, 3).map(e => e.tagName + '.' + e.className)]"
    )
    assert wide[0] <= wide[1], wide


def test_families_show_their_relation_mix(site: SiteResult, hub_graph: LineageGraph) -> None:
    from hflineage.queries.lineage import family_members, relation_mix

    index = site.index.read_text()
    # the first family with a view (the largest may be "other", which has none)
    row = re.search(r'<tr><td class=num>\d+</td><td><a href="[^"]+">([^<]+)</a>.*?</tr>', index)
    assert row
    mix = relation_mix(hub_graph, family_members(hub_graph, row.group(1)))
    label = ", ".join(f"{c:,} {k}" for k, c in mix.items())
    assert f'aria-label="{label}"' in row.group(0)


def test_shared_attributions_answer_as_attribute_does(hub_graph: LineageGraph) -> None:
    window = Window("2022-01", None)
    asked = SiteAttributions(hub_graph, window)
    first = asked.get("family", metric="uploads")
    assert asked.get("family", metric="uploads") is first  # worked out once
    alone = attribute(hub_graph, by="family", metric="uploads", window=window)
    assert first.rows == alone.rows and first.meta == alone.meta
    top = asked.get("root", top=3)
    assert top.rows == attribute(hub_graph, by="root", window=window, top=3).rows
    assert asked.get("root") is not top and len(asked.get("root").rows) > 3
    assert asked.palette() == palette_for(hub_graph, window)


def test_the_report_refuses_attributions_of_another_window(hub_graph: LineageGraph) -> None:
    other = SiteAttributions(hub_graph, Window("2023-01", None))
    with pytest.raises(ValueError, match="another graph or window"):
        render_report(hub_graph, attributions=other)
