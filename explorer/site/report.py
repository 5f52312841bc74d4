"""The report page: headline shares, monthly shares, top families and roots, concentration,
and the validation summary, as one offline HTML file with inline SVG charts.

Every figure states what it counts: metric, view, merge policy, window and denominator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from hflineage import __version__
from hflineage.explorer.palette import (
    RELATION_COLOURS,
    KeyKind,
    Palette,
    lighter,
    view_colour,
)
from hflineage.explorer.site.attributions import SiteAttributions
from hflineage.explorer.site.charts import (
    Bar,
    legend,
    render_bars,
    render_grouped_bars,
    render_mix_bar,
    render_stacked_area,
)
from hflineage.explorer.site.crossing import render_building_section
from hflineage.explorer.site.page import esc, fmt_int, fmt_pct, hub_url, render_page
from hflineage.graph import OTHER_FAMILY, LineageGraph
from hflineage.queries import Attribution, MonthlySeries, Window
from hflineage.queries import monthly_series as _monthly_series
from hflineage.queries.choices import Level, View
from hflineage.queries.periods.weekly import WeeklySeries
from hflineage.queries.relation_mix import relation_mix_by_family

__all__ = ["ReportLinks", "render_report", "render_weekly_section"]

#: The swatches of the view legend: one neutral colour, dark for lineage, light for uploader
#: (every chart draws a key in its own colour, the uploader view lighter).
_VIEW_SWATCH = "#555555"


@dataclass
class ReportLinks:
    """Relative links from the report to the view pages written beside it."""

    families: dict[str, str] = field(default_factory=dict)  # family name -> href
    roots: dict[str, str] = field(default_factory=dict)  # root model id -> href


def _continuous(
    series: MonthlySeries, min_share: float = 0.02, quarters: bool = False
) -> tuple[MonthlySeries, str]:
    """Put every month on the axis (so it is time, not an index) and drop sparse early ones.

    Leading months that together hold less than ``min_share`` of the total would only add
    noise; the returned note says what was left out. With ``quarters``, months are summed
    into quarters (``2024-Q1``).
    """
    if not series.months:
        return series, ""
    months = np.arange(
        np.datetime64(series.months[0], "M"), np.datetime64(series.months[-1], "M") + 1
    )
    names = [str(m) for m in months]
    if quarters:
        names = [f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}" for m in names]
    buckets = list(dict.fromkeys(names))
    pos = {b: i for i, b in enumerate(buckets)}
    idx = [pos[names[int(np.datetime64(m, "M") - months[0])]] for m in series.months]

    def spread(row: Sequence[float]) -> list[float]:
        out = [0.0] * len(buckets)
        for i, v in zip(idx, row, strict=True):
            out[i] += v
        return out

    totals = spread(series.totals)
    cum, start, whole = 0.0, 0, sum(totals)
    for i, t in enumerate(totals):
        if cum + t >= min_share * whole:
            start = i
            break
        cum += t
    note = ""
    if start:
        unit = "quarters" if quarters else "months"
        note = (
            f"Starts at {buckets[start]}: the {start} {unit} before hold "
            f"{fmt_int(cum)} {series.meta.get('metric')} in all."
        )
    return (
        MonthlySeries(
            months=buckets[start:],
            keys=series.keys,
            values=[spread(r)[start:] for r in series.values],
            totals=totals[start:],
            meta=series.meta,
        ),
        note,
    )


def _area_chart(
    name: str,
    series: MonthlySeries,
    unit: str,
    palette: Palette,
    kind: KeyKind,
    quarters: bool = False,
) -> str:
    series, note = _continuous(series, quarters=quarters)
    colours = palette.colours(series.keys, kind)
    svg = render_stacked_area(
        name,
        series.months,
        series.keys,
        series.shares(),
        series.totals,
        label=f"share of {unit} by {series.meta.get('level')}",
        unit=unit,
        colours=colours,
    )
    notes = f'<p class="notes">{esc(note)}</p>' if note else ""
    return svg + legend(series.keys, colours) + notes


def _statement(att: Attribution) -> str:
    """The sentence that says what an attribution counted, and its denominator."""
    m = att.meta
    window, denominator = m["window"], m["denominator"]
    assert isinstance(window, dict) and isinstance(denominator, int | float)
    return (
        f"{esc(m['metric_description'])}; {esc(m['view'])} view; merge policy "
        f"{esc(m['policy'])}; {esc(window['description'])}. Denominator: "
        f"{fmt_int(denominator)} = {esc(m['denominator_description'])}."
    )


def _headline(asked: SiteAttributions, n: int, palette: Palette) -> str:
    lin = asked.get("country", view="lineage", metric="downloads")
    up = asked.get("country", view="uploader", metric="downloads")
    lin_rows = {r.key: r for r in lin.rows}
    up_rows = {r.key: r for r in up.rows}
    keys = [r.key for r in lin.rows[:n]]
    keys += [r.key for r in up.rows[:n] if r.key not in keys]
    chart = render_grouped_bars(
        "country-shares",
        keys,
        [
            (
                f"{view} view",
                [view_colour(palette.colour(k, "country"), view) for k in keys],
                [rows[k].share if k in rows else 0.0 for k in keys],
                [rows[k].value if k in rows else 0.0 for k in keys],
            )
            for view, rows in (("lineage", lin_rows), ("uploader", up_rows))
        ],
        label="share of 30-day downloads by country, lineage and uploader views",
    )
    body = []
    for r in lin.rows:
        u = up_rows.get(r.key)
        body.append(
            f"<tr><td>{esc(r.key)}</td><td class=num>{fmt_pct(r.share)}</td>"
            f"<td class=num>{fmt_int(r.value)}</td><td class=num>{fmt_int(r.models)}</td>"
            f"<td class=num>{fmt_pct(u.share) if u else '-'}</td>"
            f"<td class=num>{fmt_int(u.value) if u else '-'}</td>"
            f"<td class=num>{fmt_int(u.models) if u else '-'}</td></tr>"
        )
    for r in up.rows:
        if r.key not in lin_rows:
            body.append(
                f"<tr><td>{esc(r.key)}</td><td class=num>-</td><td class=num>-</td>"
                f"<td class=num>-</td><td class=num>{fmt_pct(r.share)}</td>"
                f"<td class=num>{fmt_int(r.value)}</td><td class=num>{fmt_int(r.models)}</td></tr>"
            )
    top_lin, top_up = lin.rows[:3], up.rows[:3]
    stats = "".join(
        f'<span class="stat"><b>{fmt_pct(r.share)}</b>{esc(r.key)} ({esc(view)})</span>'
        for view, rows in (("lineage", top_lin), ("uploader", top_up))
        for r in rows
    )
    views = legend(
        [
            "lineage view: credit the developers of each model's roots",
            "uploader view: credit whoever uploaded the repo",
        ],
        [_VIEW_SWATCH, lighter(_VIEW_SWATCH)],
    )
    return f"""<section id="headline">
<h2>Who the downloads flow to: share of 30-day downloads by country</h2>
<p>{stats}</p>
<div class="grid-wide"><div class="card">{chart}
{views}
<p class="notes">Lineage view: {_statement(lin)}<br>Uploader view: {_statement(up)}<br>
Countries come from a curated org table; individuals and communities count as
International/Online; an org not in the table stays <code>unknown</code>.</p>
</div><div class="card"><table id="country-table"><thead><tr><th rowspan=2>country</th>
<th colspan=3 class=num>lineage view</th><th colspan=3 class=num>uploader view</th></tr>
<tr><th class=num>share</th><th class=num>downloads</th><th class=num>models</th>
<th class=num>share</th><th class=num>downloads</th><th class=num>models</th></tr></thead>
<tbody>{"".join(body)}</tbody></table></div></div></section>
"""


def _monthly(graph: LineageGraph, window: Window, top: int, palette: Palette) -> str:
    fam = _monthly_series(graph, by="family", metric="uploads", window=window, top=top)
    cty = _monthly_series(graph, by="country", metric="uploads", window=window, top=top)
    cty_up = _monthly_series(
        graph, by="country", view="uploader", metric="uploads", window=window, top=top
    )
    dl = _monthly_series(graph, by="family", metric="downloads", window=window, top=top)
    excluded = fam.meta.get("excluded", {})
    assert isinstance(excluded, dict)
    charts = [
        (
            "by family (lineage view)",
            _area_chart("uploads-by-family", fam, "uploads", palette, "family"),
        ),
        (
            "by country (lineage view)",
            _area_chart("uploads-by-country", cty, "uploads", palette, "country"),
        ),
        (
            "by country (uploader view)",
            _area_chart("uploads-by-country-uploader", cty_up, "uploads", palette, "country"),
        ),
        (
            "30-day downloads of the models created each quarter, by family",
            _area_chart(
                "downloads-by-family-month", dl, "downloads", palette, "family", quarters=True
            ),
        ),
    ]
    return f"""<section id="monthly"><h2>Month by month: new uploads and their downloads</h2>
<p class="notes">Share of the models created each month (by <code>createdAt</code>), credited
to the family or country of their roots (lineage view, merge policy split) or of their
uploader. Grey bars underneath: the number of models that month; months with few models
swing widely. Left out: {fmt_int(excluded.get("placeholder_created_at", 0))} models with the
Hub's placeholder date 2022-03-02T23:29:04 and {fmt_int(excluded.get("missing_created_at", 0))}
without a date.</p>
<div class="grid2">
{"".join(f'<div class="card"><h3>{h}</h3>{chart}</div>' for h, chart in charts)}
</div></section>
"""


def render_weekly_section(weekly: Sequence[WeeklySeries], palette: Palette) -> str:
    """Weekly downloads (from the snapshot store) by family and country, as stacked shares.

    Each interval runs between the newest snapshots of two ISO weeks; its downloads are the
    differences of ``downloadsAllTime`` (see ``hf-lineage snapshot``).
    """
    if not weekly:
        return ""
    cards = []
    for ws in weekly:
        level = str(ws.meta.get("level", ""))
        kind: KeyKind = "country" if level == "country" else "family"
        colours = palette.colours(ws.keys, kind)
        svg = render_stacked_area(
            f"weekly-downloads-by-{level}",
            ws.weeks,
            ws.keys,
            ws.shares(),
            ws.totals,
            label=f"share of weekly downloads by {level}",
            unit="downloads",
            colours=colours,
        )
        span = f"{ws.starts[0]} to {ws.ends[-1]}" if ws.starts else ""
        cards.append(
            f'<div class="card"><h3>by {esc(level)} ({esc(str(ws.meta.get("view", "")))}'
            f" view), {esc(span)}</h3>{svg}{legend(ws.keys, colours)}</div>"
        )
    return f"""<section id="weekly"><h2>Week by week: downloads from the snapshot history</h2>
<p class="notes">Downloads in each interval between stored snapshots (the difference of
<code>downloadsAllTime</code>; models created inside an interval count from zero; totals that
went down are reported by <code>hf-lineage report --from/--to</code>, never counted as
negative), credited through the lineage graph (merge policy split).</p>
<div class="grid2">{"".join(cards)}</div></section>
"""


def _ordered_mix(mix: Mapping[str, int]) -> dict[str, int]:
    """A relation mix in the legend's order."""
    return {k: mix[k] for k in RELATION_COLOURS if k in mix}


def _families(
    asked: SiteAttributions, links: ReportLinks, n: int, palette: Palette
) -> tuple[str, Attribution]:
    graph = asked.graph
    dl = asked.get("family", metric="downloads")
    up = asked.get("family", metric="uploads")
    uploads = {r.key: r for r in up.rows}
    shown = dl.rows[:n]
    bars = [Bar(r.key, r.share, r.value, f"; {fmt_int(r.models)} models credited") for r in shown]
    chart = render_bars(
        "downloads-by-family",
        bars,
        "share of 30-day downloads by family",
        palette.colours([b.label for b in bars], "family"),
    )
    # Every family with a view gets a row, also one chosen for its uploads.
    ranks = {r.key: i for i, r in enumerate(dl.rows, 1)}
    shown += [r for r in dl.rows[n:] if r.key in links.families]
    mixes = relation_mix_by_family(graph)
    rows = []
    for r in shown:
        i = ranks[r.key]
        mix = _ordered_mix(mixes.get(r.key, {}))
        href = links.families.get(r.key)
        name = f'<a href="{esc(href)}">{esc(r.key)}</a>' if href else esc(r.key)
        u = uploads.get(r.key)
        rows.append(
            f"<tr><td class=num>{i}</td><td>{name}</td><td class=num>{fmt_pct(r.share)}</td>"
            f"<td class=num>{fmt_int(r.value)}</td><td class=num>{fmt_int(r.models)}</td>"
            f"<td class=num>{fmt_pct(u.share) if u else '-'}</td>"
            f"<td>{render_mix_bar(mix, RELATION_COLOURS)}</td></tr>"
        )
    relations_legend = legend(
        [k for k in RELATION_COLOURS if k not in ("root", "more")],
        [c for k, c in RELATION_COLOURS.items() if k not in ("root", "more")],
    )
    html = f"""<section id="families"><h2>Top families</h2>
<div class="grid2"><div class="card">{chart}</div><div class="card">
<table id="family-table"><thead><tr><th class=num>#</th><th>family</th>
<th class=num>downloads share</th>
<th class=num>downloads</th><th class=num>models credited</th><th class=num>uploads share</th>
<th>derived by</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>{relations_legend}</div></div>
<p class="notes">{_statement(dl)} <code>{esc(OTHER_FAMILY)}</code> collects roots that match
no curated family rule. Family names link to their family view; a family shown for its
uploads alone is listed after the top {fmt_int(n)}. <b>Models credited</b> counts every model
whose roots include one of the family's (a merge of two families counts in both); a family
view draws the models whose <em>first</em> root is the family's, so its count can be
smaller.</p></section>
"""
    return html, dl


def _roots(asked: SiteAttributions, links: ReportLinks, n: int) -> str:
    graph = asked.graph
    att = asked.get("root", metric="downloads", top=n)
    fam_codes, fam_names = graph.root_family_codes
    rows = []
    for i, r in enumerate(att.rows, 1):
        v = graph.node(r.key)
        family = fam_names[int(fam_codes[v])]
        href = links.roots.get(r.key)
        view = f'<a href="{esc(href)}">view</a>' if href else ""
        fam_href = links.families.get(family)
        fam = f'<a href="{esc(fam_href)}">{esc(family)}</a>' if fam_href else esc(family)
        stub = " <span class=muted>(stub)</span>" if graph.stub[v] else ""
        rows.append(
            f'<tr><td class=num>{i}</td><td><a href="{esc(hub_url(r.key))}" target="_blank" '
            f'rel="noopener noreferrer">{esc(r.key)}</a>{stub}</td><td>{view}</td><td>{fam}</td>'
            f"<td>{esc(graph.country[v])}</td><td class=num>{fmt_pct(r.share)}</td>"
            f"<td class=num>{fmt_int(r.value)}</td><td class=num>{fmt_int(r.models)}</td></tr>"
        )
    return f"""<section id="roots"><h2>Top roots</h2>
<table id="root-table"><thead><tr><th class=num>#</th><th>root model</th><th>view</th>
<th>family</th>
<th>country</th><th class=num>downloads share</th><th class=num>downloads</th>
<th class=num>models</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
<p class="notes">{_statement(att)} A root's credit includes its own downloads. Stubs are
parents named by other models but absent from the data; they still get credit.</p></section>
"""


def _concentration(asked: SiteAttributions) -> str:
    rows = []
    pairs: tuple[tuple[Level, View], ...] = (
        ("root", "lineage"),
        ("family", "lineage"),
        ("org", "lineage"),
        ("country", "lineage"),
        ("org", "uploader"),
        ("country", "uploader"),
    )
    for level, view in pairs:
        att = asked.get(level, view=view, metric="downloads", top=5)
        spread = att.meta["concentration"]  # over every key with credit
        top1 = att.rows[0].share if att.rows else 0.0
        top5 = sum(r.share for r in att.rows)
        rows.append(
            f"<tr><td>{level}</td><td>{view}</td><td class=num>{fmt_int(spread['keys'])}</td>"
            f"<td class=num>{fmt_int(spread['hhi'])}</td><td class=num>{spread['gini']:.3f}</td>"
            f"<td class=num>{fmt_pct(top1)}</td><td class=num>{fmt_pct(top5)}</td></tr>"
        )
    return f"""<section id="concentration"><h2>Concentration of 30-day downloads</h2>
<table id="concentration-table"><thead><tr><th>level</th><th>view</th><th class=num>keys</th>
<th class=num>HHI</th><th class=num>Gini</th><th class=num>top 1</th><th class=num>top 5</th></tr>
</thead><tbody>{"".join(rows)}</tbody></table>
<p class="notes">HHI: sum of squared shares in percent (0 to 10,000; above 2,500 is usually
called highly concentrated). Gini: 0 when every key gets the same, towards 1 when one key
gets everything. Merge policy split.</p></section>
"""


def _kv_rows(items: Mapping[str, object]) -> str:
    return "".join(
        f"<tr><td>{esc(k)}</td><td class=num>"
        f"{esc(fmt_int(v) if isinstance(v, int | float) else v)}</td></tr>"
        for k, v in items.items()
    )


def _validation(graph: LineageGraph) -> str:
    v = graph.validation.as_dict()
    main = {
        "rows read": v["rows_read"],
        "rows loaded": v["rows_loaded"],
        "rows rejected": v["rows_rejected"],
        "models": v["models"],
        "stub nodes (parents not in the data)": v["stubs"],
        "roots": v["roots"],
        "edges": v["edges"],
        "self-references dropped": v["self_loops_dropped"],
        "repeated edges dropped": v["duplicate_edges_dropped"],
        "lower-trust parent declarations ignored": v["lower_trust_declarations_ignored"],
        "cycles broken": v["cycles_broken"],
        "placeholder createdAt (2022-03-02T23:29:04)": v["placeholder_created_at"],
        "longest derivation chain (depth)": v["max_depth"],
    }
    rejected = v["rejected"]
    repairs = v["repairs"]
    examples = v["examples"]
    by_source = v["edges_by_source"]
    by_rel = v["edges_by_relation"]
    cycles = v["cycle_edges_removed"]
    assert isinstance(rejected, dict) and isinstance(repairs, dict)
    assert isinstance(examples, dict) and isinstance(cycles, list)
    assert isinstance(by_source, dict) and isinstance(by_rel, dict)

    def reasons(counts: dict[str, int]) -> str:
        if not counts:
            return "<p class=muted>none</p>"
        return (
            "<table><tbody>"
            + "".join(
                f"<tr><td>{esc(k)}</td><td class=num>{fmt_int(c)}</td><td class=muted>"
                + esc("; ".join(str(x) for x in examples.get(k, [])[:3]))
                + "</td></tr>"
                for k, c in counts.items()
            )
            + "</tbody></table>"
        )

    cyc = "".join(
        f"<li>{esc(c['child'])} &rarr; {esc(c['parent'])} ({esc(c['source'])}), cycle of "
        f"{len(c['cycle'])}</li>"
        for c in cycles[:10]
    )
    more = f"<li>and {len(cycles) - 10} more</li>" if len(cycles) > 10 else ""
    cycles_html = f"<ul>{cyc}{more}</ul>" if cyc else "<p class=muted>none</p>"
    return f"""<section id="validation"><h2>Validation</h2>
<div class="grid2"><div class="card">
<table id="validation-table"><tbody>{_kv_rows(main)}</tbody></table></div>
<div class="card"><h3>edges by source</h3><table><tbody>{_kv_rows(by_source)}</tbody></table>
<h3>edges by relation</h3><table><tbody>{_kv_rows(by_rel)}</tbody></table></div></div>
<h3>rejected rows</h3>{reasons(rejected)}<h3>repairs on loaded rows</h3>{reasons(repairs)}
<h3>edges removed to break cycles</h3>{cycles_html}
</section>
"""


def render_report(
    graph: LineageGraph,
    *,
    window: Window | None = None,
    links: ReportLinks | None = None,
    top: int = 15,
    series_top: int = 8,
    pages_note: str = "",
    weekly: Sequence[WeeklySeries] = (),
    palette: Palette | None = None,
    attributions: SiteAttributions | None = None,
) -> str:
    """The report page as one HTML string (no script, no external resource).

    Args:
        graph: the lineage graph.
        window: models counted, by ``createdAt`` month (all by default).
        links: relative hrefs of the family and root views written beside the report.
        top: rows in the top families and top roots tables.
        series_top: keys in the monthly charts (the rest are summed as ``other keys``).
        pages_note: escaped HTML describing the view pages (limits, timings).
        weekly: weekly download series from the snapshot store, charted when given.
        palette: the colours of countries and families (default: the graph's own, as
            :func:`~hflineage.explorer.palette.palette_for` makes it).
        attributions: the attributions of ``graph`` and ``window`` already worked out for
            the site's other pages (default: the report works out its own).
    """
    window = window or Window()
    links = links or ReportLinks()
    val = graph.validation
    sources = ", ".join(os.path.basename(s) for s in val.load.sources) or "the loaded snapshots"
    asked = attributions or SiteAttributions(graph, window)
    if asked.graph is not graph or asked.window != window:
        raise ValueError("attributions are of another graph or window than the report's")
    palette = palette or asked.palette()
    families_html, _ = _families(asked, links, top, palette)
    intro = f"""<h1>hf-lineage report</h1>
<p class="muted">{fmt_int(val.models)} models from {esc(sources)}; {fmt_int(val.stubs)} stubs,
{fmt_int(val.edges)} derivation edges, {fmt_int(val.roots)} roots. Window: {esc(window.describe())}.
Downloads are the Hub's 30-day counts. Made with hf-lineage {esc(__version__)}.</p>
<nav class="notes"><a href="#headline">countries</a> &middot;
<a href="#building">who builds on whom</a> &middot; <a href="#monthly">monthly</a>
&middot; <a href="#families">families</a> &middot; <a href="#roots">roots</a> &middot;
<a href="#concentration">concentration</a> &middot; <a href="#validation">validation</a></nav>
"""
    body = (
        "<main>"
        + intro
        + _headline(asked, 10, palette)
        + render_building_section(graph, window, palette)
        + _monthly(graph, window, series_top, palette)
        + render_weekly_section(weekly, palette)
        + families_html
        + _roots(asked, links, max(top, len(links.roots)))
        + _concentration(asked)
        + _validation(graph)
        + (
            f'<section id="pages"><h2>About the views</h2>{pages_note}</section>'
            if pages_note
            else ""
        )
        + "</main>"
    )
    return render_page("hf-lineage report", body)
