"""Charts as inline SVG, drawn in Python: no chart library, no script, nothing to fetch.

Every label passes through :func:`esc`; every mark carries an SVG ``<title>`` (the browser
shows it on hover) and the ``hfl-mark`` class, and every chart states how many marks it drew
in ``data-marks`` so a test can tell an empty chart from a drawn one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hflineage.explorer.palette import lighter
from hflineage.explorer.site.page import esc, fmt_compact, fmt_int, fmt_pct

__all__ = [
    "Bar",
    "legend",
    "render_bars",
    "render_grouped_bars",
    "render_heatmap",
    "render_mix_bar",
    "render_split_bars",
    "render_stacked_area",
]


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: ``share`` (percent) sets its length; ``note`` goes in the hover text."""

    label: str
    share: float
    value: float
    note: str = ""


def legend(keys: Sequence[str], colours: Sequence[str]) -> str:
    """An HTML legend (swatch and escaped key) for a chart."""
    items = "".join(
        f'<li data-key="{esc(k)}"><span class="sw" style="background:{c}"></span>{esc(k)}</li>'
        for k, c in zip(keys, colours, strict=True)
    )
    return f'<ul class="legend">{items}</ul>'


def _svg(name: str, width: int, height: int, marks: int, inner: str, label: str) -> str:
    return (
        f'<svg class="hfl-chart" data-chart="{esc(name)}" data-marks="{marks}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg">{inner}</svg>'
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _per_item(colours: str | Sequence[str], n: int) -> list[str]:
    return [colours] * n if isinstance(colours, str) else list(colours)


def render_bars(
    name: str, bars: Sequence[Bar], label: str, colours: str | Sequence[str], width: int = 620
) -> str:
    """A horizontal bar chart of shares (longest bar = largest share).

    ``colours``: one for every bar, or one per bar (the key's own, from the palette).
    """
    fills = _per_item(colours, len(bars))
    if not bars:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    row, left, right = 24, 210, 74
    height = row * len(bars) + 8
    top = max((b.share for b in bars), default=0.0) or 1.0
    span = width - left - right
    out = []
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = max(1.0, span * b.share / top)
        tip = f"{b.label}: {fmt_pct(b.share)} ({fmt_int(b.value)}){b.note}"
        out.append(
            f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{esc(_clip(b.label, 24))}</text>'
            f'<rect class="hfl-mark" data-key="{esc(b.label)}" x="{left}" y="{y + 3}" '
            f'width="{w:.1f}" height="{row - 6}" fill="{fills[i]}"><title>{esc(tip)}</title></rect>'
            f'<text x="{left + w + 5:.1f}" y="{y + 17}">{esc(fmt_pct(b.share))}</text>'
        )
    return _svg(name, width, height, len(bars), "".join(out), label)


def render_grouped_bars(
    name: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str | Sequence[str], Sequence[float], Sequence[float]]],
    label: str,
    width: int = 620,
) -> str:
    """Bars for several series side by side per category.

    ``series`` holds (name, colours, shares in percent, values) per series; colours are one
    for the series or one per category (the category's own colour, a view told apart by
    lightness).
    """
    if not categories:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    bar, gap, left, right = 14, 10, 210, 74
    group = bar * len(series) + gap
    height = group * len(categories) + 8
    top = max((max(s[2], default=0.0) for s in series), default=0.0) or 1.0
    span = width - left - right
    out, marks = [], 0
    for i, cat in enumerate(categories):
        y0 = 4 + i * group
        out.append(
            f'<text x="{left - 6}" y="{y0 + group / 2 + 2:.1f}" text-anchor="end">'
            f"{esc(_clip(cat, 24))}</text>"
        )
        for j, (sname, colours, shares, values) in enumerate(series):
            colour = _per_item(colours, len(categories))[i]
            y = y0 + j * bar
            w = max(1.0, span * shares[i] / top)
            tip = f"{cat}, {sname}: {fmt_pct(shares[i])} ({fmt_int(values[i])})"
            out.append(
                f'<rect class="hfl-mark" data-key="{esc(cat)}" data-series="{esc(sname)}" '
                f'x="{left}" y="{y}" width="{w:.1f}" height="{bar - 1}" fill="{colour}">'
                f"<title>{esc(tip)}</title></rect>"
                f'<text class="small" x="{left + w + 4:.1f}" y="{y + bar - 2}">'
                f"{esc(fmt_pct(shares[i]))}</text>"
            )
            marks += 1
    return _svg(name, width, height, marks, "".join(out), label)


def render_stacked_area(
    name: str,
    months: Sequence[str],
    keys: Sequence[str],
    shares: Sequence[Sequence[float]],
    totals: Sequence[float],
    label: str,
    unit: str,
    colours: Sequence[str],
    width: int = 640,
) -> str:
    """A 100% stacked area of per-period shares (one colour per key), with the period totals
    as bars beneath."""
    if not months or not keys:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    left, right, top, area_h, gap, strip_h = 44, 10, 8, 220, 26, 44
    height = top + area_h + gap + strip_h + 18
    n = len(months)
    step = (width - left - right) / max(n - 1, 1)

    def x(i: int) -> float:
        return left + i * step if n > 1 else left + (width - left - right) / 2

    def y(p: float) -> float:
        return top + area_h * (1 - p / 100.0)

    out = []
    for t in (0, 25, 50, 75, 100):
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(t):.1f}" '
            f'y2="{y(t):.1f}"/><text class="small" x="{left - 4}" y="{y(t) + 4:.1f}" '
            f'text-anchor="end">{t}%</text>'
        )
    lower = [0.0] * n
    marks = 0
    for k, key in enumerate(keys):
        upper = [lower[i] + shares[k][i] for i in range(n)]
        if n == 1:
            pts_u = [(x(0) - 20, y(upper[0])), (x(0) + 20, y(upper[0]))]
            pts_l = [(x(0) + 20, y(lower[0])), (x(0) - 20, y(lower[0]))]
        else:
            pts_u = [(x(i), y(upper[i])) for i in range(n)]
            pts_l = [(x(i), y(lower[i])) for i in reversed(range(n))]
        d = "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in pts_u + pts_l) + " Z"
        avg = sum(shares[k]) / n
        out.append(
            f'<path class="hfl-mark" data-key="{esc(key)}" d="{d}" fill="{colours[k]}" '
            'fill-opacity="0.9">'
            f"<title>{esc(key)}: {esc(fmt_pct(avg))} on average per month</title></path>"
        )
        marks += 1
        lower = upper
    # One transparent column per month: its hover text lists that month's shares.
    for i, m in enumerate(months):
        parts = sorted(((shares[k][i], keys[k]) for k in range(len(keys))), key=lambda t: -t[0])
        tip = f"{m}: {fmt_int(totals[i])} {unit}; " + ", ".join(
            f"{k} {fmt_pct(s)}" for s, k in parts if s > 0
        )
        w = step if n > 1 else 40.0
        out.append(
            f'<rect class="hover" x="{x(i) - w / 2:.1f}" y="{top}" width="{w:.1f}" '
            f'height="{area_h}"><title>{esc(tip)}</title></rect>'
        )
    # Totals beneath, so thin months (few uploads, jumpy shares) are visible as such.
    base = top + area_h + gap + strip_h
    tmax = max(totals) if totals else 0.0
    bw = max(1.0, min(step * 0.8, 14.0))
    for i, tot in enumerate(totals):
        h = strip_h * (tot / tmax) if tmax else 0.0
        out.append(
            f'<rect class="total" x="{x(i) - bw / 2:.1f}" y="{base - h:.1f}" width="{bw:.1f}" '
            f'height="{h:.1f}"><title>{esc(months[i])}: {esc(fmt_int(tot))} {esc(unit)}'
            "</title></rect>"
        )
    out.append(
        f'<text class="small" x="{left - 4}" y="{base - strip_h + 8}" text-anchor="end">'
        f"{esc(fmt_compact(tmax))}</text>"
        f'<text class="small" x="{width - right}" y="{top + area_h + 16}" text-anchor="end">'
        f"{esc(unit)} per {'quarter' if months and '-Q' in months[0] else 'month'} (bars)</text>"
    )
    # Ticks: every period when there are few, else the first period of each year.
    for i, m in enumerate(months):
        if n <= 12 or i == 0 or m[:4] != months[i - 1][:4]:
            out.append(
                f'<text class="small" x="{x(i):.1f}" y="{height - 4}" text-anchor="middle">'
                f"{esc(m if n <= 12 or i == 0 else m[:4])}</text>"
            )
    return _svg(name, width, height, marks, "".join(out), label)


#: The ramp of a heatmap, from no value (white) to the largest (dark violet): one hue that
#: is none of the key colours, so a cell's darkness never reads as a country.
_HEAT_LOW, _HEAT_HIGH = (255, 255, 255), (63, 42, 122)


def _heat(fraction: float) -> str:
    mix = [round(lo + (hi - lo) * fraction) for lo, hi in zip(_HEAT_LOW, _HEAT_HIGH, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def render_heatmap(
    name: str,
    rows: Sequence[str],
    columns: Sequence[str],
    shares: Sequence[Sequence[float]],
    values: Sequence[Sequence[float]],
    label: str,
    row_title: str,
    column_title: str,
    row_colours: Sequence[str],
    column_colours: Sequence[str],
) -> str:
    """A matrix of shares (percent of the whole) as shaded cells, each labelled.

    Rows and columns carry their key's colour as a swatch beside the name; a cell's shade
    grows with its share (square root, so small cells stay visible), its text states it.
    """
    if not rows or not columns:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    cell_w, cell_h, left, top = 76, 28, 190, 104
    width = left + cell_w * len(columns) + 10
    height = top + cell_h * len(rows) + 8
    peak = max((max(r, default=0.0) for r in shares), default=0.0) or 1.0
    out = [
        f'<text class="small" x="{left + cell_w * len(columns) / 2:.0f}" y="12" '
        f'text-anchor="middle">{esc(column_title)}</text>',
        f'<text class="small" x="4" y="{top - 6}">{esc(row_title)} &#8595;</text>',
    ]
    for j, col in enumerate(columns):
        x = left + j * cell_w + cell_w / 2
        out.append(
            f'<rect data-key="{esc(col)}" x="{x - 5:.1f}" y="{top - 14}" width="10" height="8" '
            f'fill="{column_colours[j]}"/><text x="{x:.1f}" y="{top - 20}" '
            f'transform="rotate(-35 {x:.1f} {top - 20})">{esc(_clip(col, 16))}</text>'
        )
    marks = 0
    for i, row in enumerate(rows):
        y = top + i * cell_h
        out.append(
            f'<rect data-key="{esc(row)}" x="{left - 14}" y="{y + 9}" width="8" height="8" '
            f'fill="{row_colours[i]}"/><text x="{left - 18}" y="{y + 17}" '
            f'text-anchor="end">{esc(_clip(row, 22))}</text>'
        )
        for j, col in enumerate(columns):
            share = shares[i][j]
            fraction = (share / peak) ** 0.5 if share > 0 else 0.0
            ink = "#ffffff" if fraction > 0.55 else "#1d1d1f"
            text = fmt_pct(share) if share else ""
            tight = ' class="tight"' if len(text) > 6 else ""
            tip = (
                f"{row_title} {row}, {column_title} {col}: {fmt_pct(share)} "
                f"({fmt_int(values[i][j])})"
            )
            out.append(
                f'<rect class="hfl-mark cell" data-row="{esc(row)}" data-column="{esc(col)}" '
                f'x="{left + j * cell_w}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{_heat(fraction)}"><title>{esc(tip)}</title></rect>'
                f'<text x="{left + j * cell_w + (cell_w - 2) / 2:.1f}" y="{y + 17}" '
                f'text-anchor="middle" fill="{ink}"{tight}>'
                f"{esc(text)}</text>"
            )
            marks += 1
    return _svg(name, width, height, marks, "".join(out), label)


def render_split_bars(
    name: str,
    categories: Sequence[str],
    parts: tuple[Sequence[float], Sequence[float]],
    part_names: tuple[str, str],
    colours: Sequence[str],
    label: str,
    width: int = 620,
) -> str:
    """One bar per category in two parts: the first solid in the category's colour, the
    second hatched in it (told apart by pattern, so the colour keeps meaning the category).

    ``parts`` are shares in percent of one whole; each bar's length is their sum.
    """
    if not categories:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    row, left, right = 26, 210, 74
    height = row * len(categories) + 8
    totals = [a + b for a, b in zip(*parts, strict=True)]
    top = max(totals, default=0.0) or 1.0
    span = width - left - right
    defs, out, marks = [], [], 0
    for i, cat in enumerate(categories):
        y = 4 + i * row
        first, second = parts[0][i], parts[1][i]
        w1, w2 = span * first / top, span * second / top
        defs.append(
            f'<pattern id="{esc(name)}-hatch-{i}" width="5" height="5" '
            f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="5" height="5" fill="{lighter(colours[i], 0.75)}"/>'
            f'<rect width="2.2" height="5" fill="{colours[i]}"/></pattern>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 18}" text-anchor="end">{esc(_clip(cat, 24))}</text>'
        )
        for j, (x, w, fill) in enumerate(
            ((left, w1, colours[i]), (left + w1, w2, f"url(#{esc(name)}-hatch-{i})"))
        ):
            share = (first, second)[j]
            tip = f"{cat}, {part_names[j]}: {fmt_pct(share)} of the whole"
            out.append(
                f'<rect class="hfl-mark" data-key="{esc(cat)}" data-part="{esc(part_names[j])}" '
                f'x="{x:.1f}" y="{y + 3}" width="{max(w, 0.0):.1f}" height="{row - 6}" '
                f'fill="{fill}" stroke="{colours[i]}" stroke-width="0.8">'
                f"<title>{esc(tip)}</title></rect>"
            )
            marks += 1
        out.append(
            f'<text x="{left + w1 + w2 + 5:.1f}" y="{y + 18}">{esc(fmt_pct(totals[i]))}</text>'
        )
    inner = f"<defs>{''.join(defs)}</defs>" + "".join(out)
    return _svg(name, width, height, marks, inner, label)


def render_mix_bar(counts: Mapping[str, int], colours: Mapping[str, str], width: int = 120) -> str:
    """A one-line bar of counts by kind (a family's relation mix), each part in its kind's
    colour, the counts in the hover text and the label."""
    total = sum(counts.values())
    if not total:
        return '<span class="muted">none</span>'
    parts, x = [], 0.0
    for kind, count in counts.items():
        w = width * count / total
        fill = colours.get(kind, "#8c8c8c")
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="10" fill="{fill}">'
            f"<title>{esc(kind)}: {fmt_int(count)}</title></rect>"
        )
        x += w
    label = ", ".join(f"{fmt_int(c)} {k}" for k, c in counts.items())
    return (
        f'<svg class="mix" viewBox="0 0 {width} 10" width="{width}" height="10" role="img" '
        f'aria-label="{esc(label)}">{"".join(parts)}</svg>'
    )
