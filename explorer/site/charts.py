"""Charts as inline SVG, drawn in Python: no chart library, no script, nothing to fetch.

Every label passes through :func:`esc`; every mark carries an SVG ``<title>`` (the browser
shows it on hover) and the ``hfl-mark`` class, and every chart states how many marks it drew
in ``data-marks`` so a test can tell an empty chart from a drawn one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hflineage.explorer.site.page import esc, fmt_compact, fmt_int, fmt_pct

__all__ = [
    "OTHER_COLOUR",
    "PALETTE",
    "Bar",
    "colour_for",
    "legend",
    "render_bars",
    "render_grouped_bars",
    "render_stacked_area",
]

#: A colour-blind-friendly categorical palette (Okabe-Ito first, then Tableau).
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#d55e00",
    "#cc79a7",
    "#56b4e9",
    "#f0e442",
    "#8c564b",
    "#9467bd",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
OTHER_COLOUR = "#c7c7c7"
_FIXED = {"other keys": OTHER_COLOUR, "unknown": "#9e9e9e", "other": "#b0b0b0"}


def colour_for(key: str, index: int) -> str:
    """The colour of the ``index``-th key of a chart (grey for the catch-all keys)."""
    return _FIXED.get(key, PALETTE[index % len(PALETTE)])


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
        f'<li><span class="sw" style="background:{c}"></span>{esc(k)}</li>'
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


def render_bars(
    name: str, bars: Sequence[Bar], label: str, colour: str = PALETTE[0], width: int = 620
) -> str:
    """A horizontal bar chart of shares (longest bar = largest share)."""
    if not bars:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    row, left, right = 22, 190, 70
    height = row * len(bars) + 8
    top = max((b.share for b in bars), default=0.0) or 1.0
    span = width - left - right
    out = []
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = max(1.0, span * b.share / top)
        tip = f"{b.label}: {fmt_pct(b.share)} ({fmt_int(b.value)}){b.note}"
        out.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{esc(_clip(b.label, 28))}</text>'
            f'<rect class="hfl-mark" x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{colour}"><title>{esc(tip)}</title></rect>'
            f'<text x="{left + w + 5:.1f}" y="{y + 15}">{esc(fmt_pct(b.share))}</text>'
        )
    return _svg(name, width, height, len(bars), "".join(out), label)


def render_grouped_bars(
    name: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float], Sequence[float]]],
    label: str,
    width: int = 620,
) -> str:
    """Bars for several series side by side per category.

    ``series`` holds (name, colour, shares in percent, values) per series.
    """
    if not categories:
        return f'<p class="empty" data-chart="{esc(name)}">nothing to chart</p>'
    bar, gap, left, right = 9, 8, 190, 70
    group = bar * len(series) + gap
    height = group * len(categories) + 8
    top = max((max(s[2], default=0.0) for s in series), default=0.0) or 1.0
    span = width - left - right
    out, marks = [], 0
    for i, cat in enumerate(categories):
        y0 = 4 + i * group
        out.append(
            f'<text x="{left - 6}" y="{y0 + group / 2 + 2:.1f}" text-anchor="end">'
            f"{esc(_clip(cat, 28))}</text>"
        )
        for j, (sname, colour, shares, values) in enumerate(series):
            y = y0 + j * bar
            w = max(1.0, span * shares[i] / top)
            tip = f"{cat}, {sname}: {fmt_pct(shares[i])} ({fmt_int(values[i])})"
            out.append(
                f'<rect class="hfl-mark" x="{left}" y="{y}" width="{w:.1f}" height="{bar - 1}" '
                f'fill="{colour}"><title>{esc(tip)}</title></rect>'
                f'<text class="small" x="{left + w + 4:.1f}" y="{y + bar - 1}">'
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
    colours: Sequence[str] | None = None,
    width: int = 760,
) -> str:
    """A 100% stacked area of per-period shares, with the period totals as bars beneath.

    ``colours`` default to :func:`colour_for` of each key.
    """
    colours = list(colours) if colours else [colour_for(k, i) for i, k in enumerate(keys)]
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
            f'<path class="hfl-mark" d="{d}" fill="{colours[k]}" fill-opacity="0.9">'
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
