"""One palette for every chart, page and view: a key keeps its colour wherever it appears.

Colours are fixed per key, never assigned by rank within a chart, so Qwen or France look the
same on the report, on a family view and in ``serve``:

* **Countries.** China and the United States have the two reserved hues (vermillion and blue);
  no other key of any kind is drawn within a colour difference of
  :data:`RESERVED_DISTANCE` of them, under normal vision or simulated red-green colour
  blindness. The countries with the most models on the Hub have fixed colours, chosen so
  that every pair stays apart under the same simulations; other countries take the spare
  colours.
* **Families.** The largest families have fixed colours (none near the reserved hues); the
  rest take the spare colours.
* **Catch-alls.** ``other``, ``other keys`` and the families no rule matched share one light
  grey; ``unknown`` is a dark grey, so it differs from the catch-all and from
  International/Online by lightness as well as hue.
* **Views** (lineage, uploader) keep the key's hue and differ by lightness: the uploader view
  is the key's colour mixed with white.

Keys without a fixed colour get spare colours in order of size, once per graph
(:meth:`Palette.ranked`), so one graph's report, views and ``serve`` agree and no two keys
share a colour until the spares run out.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hflineage.graph import LineageGraph
from hflineage.queries import Attribution, Window, attribute

__all__ = [
    "CATCH_ALL",
    "CATCH_ALL_GREY",
    "CHINA",
    "COUNTRY_COLOURS",
    "FAMILY_COLOURS",
    "RELATION_COLOURS",
    "RESERVED_DISTANCE",
    "UNITED_STATES",
    "UNKNOWN_GREY",
    "KeyKind",
    "Palette",
    "lighter",
    "palette_for",
    "ranked_palette",
    "view_colour",
]

#: What a key names: the colour tables differ (a family and a country may share a name).
KeyKind = Literal["country", "family", "other"]

CHINA = "#d55e00"  # vermillion (Okabe-Ito)
UNITED_STATES = "#0072b2"  # blue (Okabe-Ito)
CATCH_ALL_GREY = "#c8c8c8"
UNKNOWN_GREY = "#404040"
#: The least colour difference (CIE76, under normal, protan and deutan vision) between the
#: reserved China/US hues and any other colour of the palette.
RESERVED_DISTANCE = 20.0

#: Keys that collect what is not named: one grey for all of them.
CATCH_ALL = frozenset({"other", "other keys", "other families", "rest"})

COUNTRY_COLOURS: dict[str, str] = {
    "China": CHINA,
    "United States": UNITED_STATES,
    "International/Online": "#009e73",
    "unknown": UNKNOWN_GREY,
    "France": "#f0e442",
    "Germany": "#ddcc77",
    "United Kingdom": "#785ef0",
    "Canada": "#56b4e9",
    "United Arab Emirates": "#332288",
    "Japan": "#cc79a7",
    "South Korea": "#aa7744",
    "India": "#8c564b",
    "Russia": "#88ccee",
    "Israel": "#b3a369",
}

FAMILY_COLOURS: dict[str, str] = {
    "Qwen": "#cc79a7",
    "Llama": "#ffb000",
    "DeepSeek": "#4b0092",
    "Gemma": "#aa7744",
    "Mistral": "#785ef0",
    "Phi": "#ddcc77",
    "GPT-2": "#88ccee",
    "BERT": "#8c564b",
    "Stable Diffusion": "#cc6677",
    "FLUX": "#56b4e9",
    "Whisper": "#b3a369",
    "sentence-transformers": "#f0e442",
}

#: Colours for keys without a fixed one (picked by a hash of the name): none near the
#: reserved hues or the greys.
_SPARE = (
    "#cc79a7",
    "#ffb000",
    "#4b0092",
    "#aa7744",
    "#785ef0",
    "#ddcc77",
    "#88ccee",
    "#8c564b",
    "#cc6677",
    "#56b4e9",
    "#b3a369",
    "#f0e442",
    "#44aa99",
    "#332288",
    "#e1be6a",
)

#: Spare colours whose lighter versions come near the reserved US blue for colour-blind eyes.
_BLUISH = frozenset({"#4b0092", "#332288", "#785ef0"})

#: Relations of a derivation edge (and ``root``/``more`` for the nodes of a tree view).
RELATION_COLOURS: dict[str, str] = {
    "root": "#222222",
    "finetune": "#332288",
    "adapter": "#785ef0",
    "quantized": "#ffb000",
    "merge": "#aa7744",
    "unknown": "#8c8c8c",
    "more": "#e0e0e0",
}


def lighter(colour: str, amount: float = 0.55) -> str:
    """``colour`` mixed with white (``amount`` of white, 0 to 1)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def view_colour(colour: str, view: str) -> str:
    """A key's colour in a view: the lineage view as is, the uploader view lighter."""
    return lighter(colour) if view == "uploader" else colour


def _hashed(key: str) -> str:
    """A spare colour picked by a stable hash of the key (when no other is left)."""
    return _SPARE[zlib.crc32(key.encode()) % len(_SPARE)]


def _assign(fixed: dict[str, str], ranked: Iterable[str]) -> dict[str, str]:
    """Fixed colours first, then the spare colours in rank order, each used once; when they
    run out, lighter versions of them; past those, a colour picked by a hash of the name."""
    out = dict(fixed)
    lighters = [lighter(c, amount) for amount in (0.45, 0.7) for c in _SPARE if c not in _BLUISH]
    free = [c for c in dict.fromkeys([*_SPARE, *lighters]) if c not in set(fixed.values())]
    for key in ranked:
        if key in out or key in CATCH_ALL:
            continue
        out[key] = free.pop(0) if free else _hashed(key)
    return out


@dataclass(frozen=True)
class Palette:
    """The colour of every country and family of one graph, for all its charts and pages.

    Keys without a fixed colour get the spare colours in the order given (largest first),
    so within one graph no two keys share a colour until the spares run out.
    """

    countries: dict[str, str] = field(default_factory=lambda: dict(COUNTRY_COLOURS))
    families: dict[str, str] = field(default_factory=lambda: dict(FAMILY_COLOURS))

    @classmethod
    def ranked(cls, countries: Iterable[str] = (), families: Iterable[str] = ()) -> Palette:
        """A palette for keys given largest first (fixed colours kept)."""
        return cls(_assign(COUNTRY_COLOURS, countries), _assign(FAMILY_COLOURS, families))

    def colour(self, key: str, kind: KeyKind = "other") -> str:
        """The colour of a key of a kind (grey for catch-alls and ``unknown``)."""
        if key in CATCH_ALL:
            return CATCH_ALL_GREY
        if kind == "country":
            table = self.countries
        elif kind == "family":
            table = self.families
        elif key == "unknown":
            return UNKNOWN_GREY
        else:
            return _hashed(key)
        return table.get(key) or _hashed(key)

    def colours(self, keys: Sequence[str], kind: KeyKind = "other") -> list[str]:
        """The colours of the keys of one chart."""
        return [self.colour(k, kind) for k in keys]


def palette_for(graph: LineageGraph, window: Window | None = None) -> Palette:
    """The palette of one graph: spare colours go to its countries and families by 30-day
    downloads (lineage view, then uploader view for countries), largest first."""
    return ranked_palette(
        [
            attribute(graph, by="country", view=view, window=window)
            for view in ("lineage", "uploader")
        ],
        attribute(graph, by="family", window=window),
    )


def ranked_palette(countries: Sequence[Attribution], families: Attribution) -> Palette:
    """The palette whose spare colours go to countries in the order of the rankings given
    (a country keeps its first place) and to families in the order of ``families``."""
    keys = [r.key for ranking in countries for r in ranking.rows]
    return Palette.ranked(dict.fromkeys(keys), [r.key for r in families.rows])
