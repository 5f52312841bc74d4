"""The one palette: fixed colours, reserved China/US hues, one grey for catch-alls, and
colours that stay apart under simulated red-green colour blindness."""

from __future__ import annotations

import itertools
import re

import pytest
from colour_vision import difference

from hflineage.explorer.palette import (
    CATCH_ALL_GREY,
    CHINA,
    COUNTRY_COLOURS,
    FAMILY_COLOURS,
    RELATION_COLOURS,
    RESERVED_DISTANCE,
    UNITED_STATES,
    UNKNOWN_GREY,
    Palette,
    lighter,
    view_colour,
)
from hflineage.explorer.site.page import fmt_pct


def _every_colour() -> set[str]:
    spares = Palette.ranked([f"country {i}" for i in range(40)], [f"family {i}" for i in range(40)])
    return (
        set(COUNTRY_COLOURS.values())
        | set(FAMILY_COLOURS.values())
        | set(spares.countries.values())
        | set(spares.families.values())
        | {c for k, c in RELATION_COLOURS.items() if k not in ("root", "more")}
        | {CATCH_ALL_GREY}
    )


@pytest.mark.parametrize("reserved", [CHINA, UNITED_STATES])
def test_china_and_us_hues_are_theirs_alone(reserved: str) -> None:
    others = _every_colour() - {reserved}
    near = {c: round(difference(c, reserved), 1) for c in others}
    assert min(near.values()) >= RESERVED_DISTANCE, sorted(near.items(), key=lambda kv: kv[1])[:3]


def test_fixed_country_colours_stay_apart_under_colour_blindness() -> None:
    colours = {**COUNTRY_COLOURS, "other": CATCH_ALL_GREY}
    pairs = {
        (a, b): difference(colours[a], colours[b]) for a, b in itertools.combinations(colours, 2)
    }
    worst = min(pairs, key=lambda p: pairs[p])
    assert pairs[worst] >= 12.0, (worst, pairs[worst])
    # the pairs that were confused before
    assert difference(COUNTRY_COLOURS["International/Online"], UNKNOWN_GREY) >= 20.0
    assert difference(COUNTRY_COLOURS["France"], CATCH_ALL_GREY) >= 20.0


def test_fixed_family_colours_stay_apart_under_colour_blindness() -> None:
    pairs = {
        (a, b): difference(FAMILY_COLOURS[a], FAMILY_COLOURS[b])
        for a, b in itertools.combinations(FAMILY_COLOURS, 2)
    }
    worst = min(pairs, key=lambda p: pairs[p])
    assert pairs[worst] >= 11.0, (worst, pairs[worst])


def test_relation_colours_differ() -> None:
    drawn = {k: c for k, c in RELATION_COLOURS.items() if k != "more"}
    for a, b in itertools.combinations(drawn, 2):
        assert difference(drawn[a], drawn[b]) >= 15.0, (a, b)


def test_one_grey_for_every_catch_all_and_unknown_apart() -> None:
    p = Palette.ranked(["China", "Brazil"], ["Qwen", "Yi"])
    assert {
        p.colour(k, kind) for k in ("other", "other keys") for kind in ("country", "family")
    } == {CATCH_ALL_GREY}
    assert p.colour("unknown", "country") == UNKNOWN_GREY != CATCH_ALL_GREY


def test_fixed_colours_do_not_depend_on_rank() -> None:
    a = Palette.ranked(["France", "China"], ["Mistral", "Qwen"])
    b = Palette.ranked(["China", "Brazil", "France"], ["Qwen", "Falcon", "Mistral"])
    for key in ("China", "France", "United States"):
        assert a.colour(key, "country") == b.colour(key, "country") == COUNTRY_COLOURS[key]
    assert a.colour("Qwen", "family") == b.colour("Qwen", "family") == FAMILY_COLOURS["Qwen"]


def test_spare_colours_are_unique_until_they_run_out() -> None:
    names = [f"family {i}" for i in range(25)]
    p = Palette.ranked((), names)
    colours = [p.colour(n, "family") for n in names]
    assert len(set(colours)) == len(colours)
    assert not set(colours) & set(FAMILY_COLOURS.values())


def test_views_differ_by_lightness_only() -> None:
    up = view_colour(CHINA, "uploader")
    assert up == lighter(CHINA) and view_colour(CHINA, "lineage") == CHINA
    assert difference(up, CHINA) >= 20.0


@pytest.mark.parametrize(
    ("value", "text"),
    [(17.123, "17.1%"), (1.0, "1.0%"), (0.999, "1.0%"), (0.5, "0.50%"), (0.04, "0.040%")],
)
def test_percentages_read_the_same_on_both_sides_of_one(value: float, text: str) -> None:
    assert fmt_pct(value) == text


def test_serve_draws_relations_in_the_palette_colours() -> None:
    from importlib.resources import files

    css = files("hflineage.explorer.serve").joinpath("assets/serve.css").read_text()
    for relation, colour in RELATION_COLOURS.items():
        if relation in ("root", "more"):
            continue
        rule = re.search(rf"path\.{relation} {{ stroke: (#[0-9a-f]{{6}}); }}", css)
        assert rule and rule.group(1) == colour, relation
