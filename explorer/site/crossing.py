"""The report's "who builds on whom" section: uploader country x roots' country, and how much
of each country's credit its own base models earn rather than the models built on them."""

from __future__ import annotations

from hflineage.explorer.palette import Palette
from hflineage.explorer.site.charts import legend, render_heatmap, render_split_bars
from hflineage.explorer.site.page import esc, fmt_int, fmt_pct
from hflineage.graph import LineageGraph
from hflineage.queries import Window
from hflineage.queries.choices import Metric
from hflineage.queries.crossing import BaseAndDerived, CrossCredit, base_and_derived, builds_on

__all__ = ["render_building_section"]

#: Countries on each axis of the matrix (the rest are summed as ``other``).
MATRIX_TOP = 8
#: Countries in the base vs derivative chart.
SPLIT_TOP = 10


def _matrix_card(graph: LineageGraph, window: Window, metric: Metric, palette: Palette) -> str:
    cross: CrossCredit = builds_on(graph, metric=metric, window=window, top=MATRIX_TOP)
    unit = "30-day downloads" if metric == "downloads" else "new models"
    chart = render_heatmap(
        f"builds-on-{metric}",
        cross.rows,
        cross.columns,
        cross.shares,
        cross.values,
        label=f"share of {unit} by uploader country and roots' country",
        row_title="uploader's country",
        column_title="country of the roots built on",
        row_colours=palette.colours(cross.rows, "country"),
        column_colours=palette.colours(cross.columns, "country"),
    )
    m = cross.meta
    return (
        f'<div class="card"><h3>{esc(unit)}</h3>{chart}'
        f'<p class="notes">{esc(m["metric_description"])}; merge policy {esc(m["policy"])}; '
        f"{esc(m['window'])}. Denominator: {fmt_int(m['denominator'])} = "
        f"{esc(m['denominator_description'])}. Cells add up to 100%; a row sums to the "
        f"uploader view, a column to the lineage view.</p></div>"
    )


def _split_card(graph: LineageGraph, window: Window, palette: Palette) -> str:
    rows, whole = base_and_derived(graph, window=window)
    shown = rows[:SPLIT_TOP]
    keys = [r.country for r in shown]
    colours = palette.colours(keys, "country")

    def share(value: float) -> float:
        return 100.0 * value / whole if whole else 0.0

    chart = render_split_bars(
        "base-vs-derived",
        keys,
        ([share(r.base) for r in shown], [share(r.derived) for r in shown]),
        ("its own base models", "models derived from them"),
        colours,
        label="share of 30-day downloads credited to each country: base models vs derivatives",
    )

    def row(r: BaseAndDerived) -> str:
        total = r.base + r.derived
        from_derived = 100.0 * r.derived / total if total else 0.0
        return (
            f"<tr><td>{esc(r.country)}</td><td class=num>{fmt_int(r.base)}</td>"
            f"<td class=num>{fmt_int(r.derived)}</td><td class=num>{fmt_pct(share(total))}</td>"
            f"<td class=num>{fmt_pct(from_derived)}</td><td class=num>{fmt_int(r.base_models)}"
            f"</td><td class=num>{fmt_int(r.derived_models)}</td></tr>"
        )

    body = "".join(row(r) for r in shown)
    swatches = legend(
        ["solid: the country's base models (roots)", "hatched: models derived from them"],
        ["#555555", "#cccccc"],
    )
    return f"""<div class="card"><h3>Base models vs derivatives, by country of the roots</h3>
{chart}{swatches}
<div class="scroll"><table id="base-derived-table"><thead><tr><th>country</th>
<th class=num>base downloads</th><th class=num>derivative downloads</th>
<th class=num>share of all</th><th class=num>from derivatives</th><th class=num>base models</th>
<th class=num>derivatives</th></tr>
</thead><tbody>{body}</tbody></table></div>
<p class="notes">Lineage view, merge policy split: a root's own 30-day downloads are its
country's base figure; every model derived from it passes its downloads up to the country of
its roots. Denominator: {fmt_int(whole)} downloads of every model counted.</p></div>"""


def render_building_section(graph: LineageGraph, window: Window, palette: Palette) -> str:
    """The section: two matrices (downloads, uploads) and the base vs derivative split."""
    return f"""<section id="building"><h2>Who builds on whom</h2>
<p class="notes">Each model's figure, credited at once to the country of whoever uploaded
it (rows) and to the country of the roots it derives from (columns). The diagonal is
countries building on their own models; off it, one country's uploaders building on
another's.</p>
{_matrix_card(graph, window, "downloads", palette)}
{_matrix_card(graph, window, "uploads", palette)}
{_split_card(graph, window, palette)}
</section>
"""
