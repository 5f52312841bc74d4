"""The attributions a site shows, each worked out once for all its pages.

The site writer picks families and roots to draw, the palette ranks countries and families
for their spare colours, and the report charts the same rankings: families by downloads
were credited three times and countries twice. Each attribution sums credit over every
node (about 0.1 s at 2.5M models), so the pages share one set.
"""

from __future__ import annotations

from hflineage.explorer.palette import Palette, ranked_palette
from hflineage.graph import LineageGraph
from hflineage.queries import Attribution, Window, attribute
from hflineage.queries.choices import Level, Metric, View

__all__ = ["SiteAttributions"]


class SiteAttributions:
    """:func:`~hflineage.queries.attribute` of one graph and window, each call made once.

    The answers are shared: whoever asks must not change them.
    """

    def __init__(self, graph: LineageGraph, window: Window | None = None) -> None:
        self.graph = graph
        self.window = window or Window()
        self._done: dict[tuple[Level, View, Metric, int | None], Attribution] = {}

    def get(
        self,
        by: Level,
        *,
        view: View = "lineage",
        metric: Metric = "downloads",
        top: int | None = None,
    ) -> Attribution:
        """``attribute(graph, by=by, view=view, metric=metric, window=window, top=top)``."""
        key = (by, view, metric, top)
        if key not in self._done:
            self._done[key] = attribute(
                self.graph, by=by, view=view, metric=metric, window=self.window, top=top
            )
        return self._done[key]

    def palette(self) -> Palette:
        """The graph's palette, as :func:`~hflineage.explorer.palette.palette_for` makes it."""
        return ranked_palette(
            [self.get("country"), self.get("country", view="uploader")], self.get("family")
        )
