"""Geography lookups: councils, postcode normalisation and lookup, place names."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from finder.geo import DATA_DIR
from finder.geo import SCOTTISH_AREAS
from finder.geo import PostcodeError
from finder.geo import attribution_from_sources
from finder.geo import council_slug
from finder.geo import load_geography
from finder.geo import lookup_place
from finder.geo import lookup_postcode
from finder.geo import normalise_postcode

CANONICAL = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?(?: [0-9](?:[A-Z]{2})?)?")


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def shares(result) -> list[tuple[str, float | None]]:
    return [(council.name, share) for council, share in result.candidates]


# --- councils ----------------------------------------------------------------------------------------------

def test_councils(geo):
    assert len(geo.councils) == 32
    assert [c.name for c in geo.councils] == sorted(c.name for c in geo.councils)
    assert set(geo.by_code) == {c.code for c in geo.councils} and len(geo.by_slug) == 32
    south = geo.by_slug["south-ayrshire"]
    assert (south.code, south.name, south.health_board) == ("S12000028", "South Ayrshire", "NHS Ayrshire and Arran")
    assert geo.by_code["S12000013"].gaelic_name == "Na h-Eileanan Siar"
    assert geo.by_code["S12000005"].hscp_code == geo.by_code["S12000030"].hscp_code == "S37000005"
    for slug in ("city-of-edinburgh", "na-h-eileanan-siar", "perth-and-kinross", "dumfries-and-galloway",
                 "south-ayrshire", "orkney-islands"):
        assert slug in geo.by_slug
    assert council_slug("Perth & Kinross") == "perth-and-kinross"


def test_loaded_once(geo):
    assert load_geography() is geo


def test_attribution_matches_sources(geo):
    assert geo.attribution == attribution_from_sources(DATA_DIR / "SOURCES.md")
    assert len(geo.attribution) == 4
    assert any("Royal Mail" in line for line in geo.attribution)
    assert any("Open Government Licence v3.0" in line for line in geo.attribution)


# --- normalisation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("KA7 1UT", "KA7 1UT"), ("ka71ut", "KA7 1UT"), ("  ka7   1ut ", "KA7 1UT"), ("Ka7\t1Ut", "KA7 1UT"),
    ("eh11aa", "EH1 1AA"), ("EH111AA", "EH11 1AA"), ("g1 1aa", "G1 1AA"), ("ka7-1ut", "KA7 1UT"),
    ("ＫＡ７ １ＵＴ", "KA7 1UT"),  # full-width characters from some phone keyboards
    ("EH1", "EH1"), ("eh11", "EH11"), ("EH 11", "EH11"),  # districts
    ("EH1 1", "EH1 1"), ("eh11 1", "EH11 1"), ("G111", "G11 1"),  # sectors
])
def test_normalise(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize("text, code, fragment", [
    ("", "empty", "Enter a postcode"),
    ("   ", "empty", "Enter a postcode"),
    ("KA7 1UT!", "characters", "only letters and numbers"),
    ("KA7 1ÜT", "characters", "only letters and numbers"),
    ("KA77 1UTT", "too-long", "at most 7"),
    ("x" * 50, "too-long", "too long"),
    ("12345", "shape", "does not look like a postcode"),
    ("KA7 1U", "shape", "does not look like a postcode"),
    ("KA", "shape", "does not look like a postcode"),
    ("KA7 1UT 1", "shape", "does not look like a postcode"),
    ("SW1A 1AA", "not-scotland", "SW1A 1AA is not a Scottish postcode"),
    ("CA1 1AA", "not-scotland", "not a Scottish postcode"),  # Carlisle, just over the border
    ("GL1", "not-scotland", "not a Scottish postcode"),  # GL is not G
])
def test_invalid_postcodes_have_reasons(text, code, fragment):
    with pytest.raises(PostcodeError) as caught:
        normalise_postcode(text)
    assert caught.value.code == code
    assert fragment in caught.value.reason and str(caught.value) == caught.value.reason
    assert isinstance(caught.value, ValueError)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_normalise_only_raises_postcode_error(text):
    try:
        result = normalise_postcode(text)
    except PostcodeError as exc:
        assert exc.reason and exc.code in {"empty", "characters", "too-long", "shape", "not-scotland"}
    else:
        assert CANONICAL.fullmatch(result)
        assert re.match(r"[A-Z]+", result)[0] in SCOTTISH_AREAS
        assert normalise_postcode(result) == result  # idempotent


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(load_geography().units)), st.data())
def test_any_spacing_and_case_of_a_real_postcode_finds_it(postcode, data):
    compact = postcode.replace(" ", "")
    cut = data.draw(st.integers(0, len(compact)))
    spaces = data.draw(st.sampled_from(["", " ", "  ", "\t", " \u00a0"]))
    typed = "".join(c.lower() if data.draw(st.booleans()) else c for c in compact[:cut] + spaces + compact[cut:])
    result = lookup_postcode(typed)
    assert (result.kind, result.normalised) == ("unit", postcode)


# --- postcode lookup ---------------------------------------------------------------------------------------

def test_full_postcode_gives_exactly_one_council(geo):
    result = lookup_postcode("ka7 1ut")
    assert (result.kind, result.normalised, result.matched) == ("unit", "KA7 1UT", "KA7 1UT")
    assert shares(result) == [("South Ayrshire", 1.0)]
    assert result.exact and result.council is geo.by_slug["south-ayrshire"]
    assert lookup_postcode("ZE1 0AA").council.name == "Shetland Islands"
    assert lookup_postcode("EH1 1YZ").council.name == "City of Edinburgh"


def test_units_either_side_of_a_boundary_in_one_sector(geo):
    """G69 7 is split between Glasgow and North Lanarkshire; each full postcode is exact."""
    units = sorted(u for u in geo.units if u.startswith("G69 7"))
    councils = {lookup_postcode(u).council.name for u in units}
    assert councils == {"Glasgow City", "North Lanarkshire"}


def test_sector_across_a_boundary_has_shares(geo):
    result = lookup_postcode("g69 7")
    assert (result.kind, result.normalised, result.matched) == ("sector", "G69 7", "G69 7")
    assert shares(result) == [("Glasgow City", 0.6494), ("North Lanarkshire", 0.3506)]
    assert result.council is None and not result.exact


def test_district_across_a_boundary_has_shares():
    assert shares(lookup_postcode("FK10")) == [("Clackmannanshire", 0.8798), ("Fife", 0.1202)]
    assert shares(lookup_postcode("ab12")) == [("Aberdeen City", 0.6994), ("Aberdeenshire", 0.3006)]
    result = lookup_postcode("G69")
    assert [name for name, _ in shares(result)] == ["North Lanarkshire", "Glasgow City", "East Dunbartonshire"]
    assert [share for _, share in shares(result)] == sorted((s for _, s in shares(result)), reverse=True)


def test_cross_border_district_reports_the_english_share():
    result = lookup_postcode("TD15")
    assert shares(result) == [("Scottish Borders", 0.0573)]
    assert result.share_outside_scotland == pytest.approx(0.9427)
    assert lookup_postcode("KA7").share_outside_scotland == 0.0


def test_unknown_unit_falls_back_to_sector_then_district():
    sector = lookup_postcode("EH1 1ZZ")  # well-formed, not a real postcode
    assert (sector.kind, sector.normalised, sector.matched) == ("sector", "EH1 1ZZ", "EH1 1")
    assert shares(sector) == [("City of Edinburgh", 1.0)] and not sector.exact
    district = lookup_postcode("G11 1AA")  # G11 has no sector 1
    assert (district.kind, district.matched) == ("district", "G11")
    assert lookup_postcode("G11 1").kind == "district"


@pytest.mark.parametrize("text", ["EH0 1AA", "KW99", "ZE9 1", "AB1 1AA"])
def test_scottish_looking_postcode_not_in_the_data(text):
    with pytest.raises(PostcodeError) as caught:
        lookup_postcode(text)
    assert caught.value.code == "not-found" and "could not find" in caught.value.reason


def test_lookup_rejects_invalid_and_english_postcodes():
    with pytest.raises(PostcodeError, match="not a Scottish postcode"):
        lookup_postcode("NE1 1AA")
    with pytest.raises(PostcodeError, match="Enter a postcode"):
        lookup_postcode("")


# --- place names -------------------------------------------------------------------------------------------

def test_repeated_place_name_returns_every_council_never_a_guess():
    matches = lookup_place("Newton")
    councils = [m.council.name for m in matches]
    assert len(councils) == len(set(councils)) == 7  # one per council, though Highland has three Newtons
    assert {"West Lothian", "South Lanarkshire", "Highland", "Moray", "Scottish Borders"} <= set(councils)
    assert matches[0].local_type == "Village"  # most significant first
    assert all(m.name == "Newton" and m.postcode_district for m in matches)


def test_place_names_ignore_case_accents_and_spaces():
    assert [m.council.name for m in lookup_place("  FORT   william ")] == ["Highland"]
    assert lookup_place("Dùn Obhainn") == lookup_place("dun obhainn") == lookup_place("Dunoon")
    assert [(m.name, m.council.name) for m in lookup_place("Dunoon")] == [("Dunoon", "Argyll and Bute")]


def test_place_names_match_gaelic_names():
    assert [(m.name, m.council.name, m.local_type) for m in lookup_place("Inbhir Nis")] == [
        ("Inverness", "Highland", "City")]
    assert [m.council.slug for m in lookup_place("Steòrnabhagh")] == ["na-h-eileanan-siar"]


def test_place_names_are_exact_not_fuzzy():
    assert lookup_place("Ayr")[0].council.name == "South Ayrshire"
    assert lookup_place("Ay") == [] and lookup_place("Ayrr") == [] and lookup_place("") == []
    assert {m.council.name for m in lookup_place("dalry")} == {"North Ayrshire", "City of Edinburgh"}
