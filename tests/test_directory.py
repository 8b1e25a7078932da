"""The local support directory: schema, validation errors (file, line, fix), queries, report and real data."""
from __future__ import annotations

import csv
import gzip
import shutil
from datetime import date
from pathlib import Path

import pytest

from finder.directory import CLOSED
from finder.directory import KINDS
from finder.directory import LOCAL_KINDS
from finder.directory import DirectoryError
from finder.directory import default_directory
from finder.directory import directory_report
from finder.directory import load_directory
from finder.directory import months_before
from finder.geo import DATA_DIR as GEO_DIR
from finder.geo import load_geography

FIXTURE = Path(__file__).parent / "fixtures" / "directory"
TODAY = date(2026, 11, 22)
AYRSHIRE = {"S12000021", "S12000028"}


# --- fixtures: a two-council geography and a copy of the small valid directory ---------------------------

@pytest.fixture(scope="session")
def small_geo(tmp_path_factory) -> Path:
    """The real geography files cut down to North and South Ayrshire."""
    folder = tmp_path_factory.mktemp("geo")
    for name, key in (("council_areas.csv", "code"), ("postcode_districts.csv", "council_code"),
                      ("postcode_sectors.csv", "council_code"), ("settlements.csv", "council_code")):
        with (GEO_DIR / name).open(encoding="utf-8", newline="") as src, \
                (folder / name).open("w", encoding="utf-8", newline="") as dst:
            reader = csv.DictReader(src)
            writer = csv.DictWriter(dst, reader.fieldnames)
            writer.writeheader()
            writer.writerows(row for row in reader if row[key] in AYRSHIRE)
    with gzip.open(GEO_DIR / "postcode_units_scotland.csv.gz", "rt", encoding="utf-8") as src, \
            gzip.open(folder / "postcode_units_scotland.csv.gz", "wt", encoding="utf-8") as dst:
        dst.write(src.readline())
        dst.writelines(line for line in src if line.rstrip().split(",")[1] in AYRSHIRE)
    shutil.copy(GEO_DIR / "ATTRIBUTION.txt", folder / "ATTRIBUTION.txt")
    return folder


@pytest.fixture
def geo(small_geo):
    return load_geography(small_geo)


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "directory"
    shutil.copytree(FIXTURE, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> Path:
    """Replace one exact piece of text in a fixture file (it must occur exactly once)."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found {nth} time(s) in {path}"
    return hits[nth - 1]


def problems(folder: Path, geography, today: date = TODAY) -> list[str]:
    with pytest.raises(DirectoryError) as caught:
        load_directory(folder, geography, today)
    text = str(caught.value)
    assert text.splitlines() == [str(p) for p in caught.value.problems]
    return text.splitlines()


def expect(lines: list[str], path: Path, line: int, *fragments: str) -> str:
    """Exactly one problem is at path:line and mentions every fragment; it has a fix."""
    prefix = f"{path}:{line}: "
    hits = [problem for problem in lines if problem.startswith(prefix) and all(f in problem for f in fragments)]
    assert len(hits) == 1, f"expected a problem at {prefix} with {fragments}; got:\n" + "\n".join(lines)
    assert ". Fix: " in hits[0] and hits[0].split(". Fix: ")[1].strip()
    return hits[0]


# --- the valid fixture --------------------------------------------------------------------------------------

def test_fixture_loads_and_queries(data, geo):
    directory = load_directory(data, geo, TODAY)
    assert {e.id for e in directory.entries} == {
        "care-information-scotland", "scottish-independent-advocacy-alliance", "sds-handbook",
        "example-ayrshire-network", "example-south-ayrshire-council", "example-south-carers",
        "example-north-ayrshire-council"}
    # council files give their entries the council as area
    assert directory.by_id("example-south-carers").areas == ["S12000028"]
    south = [e.id for e in directory.for_council("S12000028")]
    assert south[:3] == ["example-ayrshire-network", "example-south-ayrshire-council", "example-south-carers"]
    assert set(south[3:]) == {"care-information-scotland", "scottish-independent-advocacy-alliance", "sds-handbook"}
    assert "example-north-ayrshire-council" not in south
    assert [e.id for e in directory.by_kind("S12000028", "advocacy")] == ["scottish-independent-advocacy-alliance"]
    assert [e.id for e in directory.by_kind("S12000021", "council-first-contact")] == ["example-north-ayrshire-council"]
    assert [(g.kind, g.fallback) for g in directory.gaps("S12000021")] == [
        ("advocacy", "scottish-independent-advocacy-alliance"), ("carers-centre", "care-information-scotland")]
    assert directory.fallback("S12000021", "carers-centre").id == "care-information-scotland"
    assert directory.fallback("S12000028", "carers-centre") is None  # a local entry covers it
    assert directory.contacts() >= {"0800 011 3200", "enquiry@siaa.org.uk", "0141 496 0003"}


def test_stale_uses_calendar_months(data, geo):
    directory = load_directory(data, geo, TODAY)
    assert [e.id for e in directory.stale(TODAY)] == ["sds-handbook"]  # checked 2025-06-01
    assert directory.stale(date(2026, 6, 1)) == []  # exactly 12 months: not yet stale
    assert [e.id for e in directory.stale(date(2026, 6, 2))] == ["sds-handbook"]
    assert {e.id for e in directory.stale(TODAY, months=1)} == {"sds-handbook", "example-south-ayrshire-council",
                                                               "example-south-carers"}
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 31), 13) == date(2023, 2, 28)


def test_report_per_council_and_totals(data, geo):
    directory = load_directory(data, geo, TODAY)
    report = directory_report(directory, geo, TODAY)
    assert "North Ayrshire (S12000021): oldest check 2026-11-01" in report
    assert ("  local: council-first-contact (example-north-ayrshire-council); "
            "independent-support (example-ayrshire-network)") in report
    assert ("  falls back to national: advocacy -> scottish-independent-advocacy-alliance; "
            "carers-centre -> care-information-scotland") in report
    assert "South Ayrshire (S12000028): oldest check 2026-09-15" in report
    assert "  council-first-contact: 2 known locally, 0 fall back to national" in report
    assert "  advocacy: 0 known locally, 2 fall back to national" in report
    assert "  carers-centre: 1 known locally, 1 fall back to national" in report
    assert "older than 12 months (national): The SDS Handbook (checked 2025-06-01)" in report
    later = directory_report(directory, geo, date(2027, 10, 2))
    assert "  older than 12 months: Example South Carers (checked 2026-09-15)" in later
    assert "Example North Ayrshire" not in later.split("older than 12 months")[-1]
    # older callers pass (directory, today)
    assert directory_report(directory, TODAY) == report


# --- every validation error, from a small bad fixture, with file and line ------------------------------------

def test_malformed_yaml(data, geo):
    path = edit(data, "councils/south-ayrshire.yml", "    kind: carers-centre\n", "    kind: carers-centre\n   bad: [\n")
    lines = problems(data, geo)
    expect(lines, path, line_of(path, "bad: ["), "not valid YAML")


def test_not_a_list(data, geo):
    path = data / "extra.yml"
    path.write_text("id: lonely\nname: Not in a list\n", encoding="utf-8")
    expect(problems(data, geo), path, 1, "expected a list of entries")


def test_empty_council_file(data, geo):
    path = data / "councils" / "north-ayrshire.yml"
    path.write_text("# nothing here yet\n", encoding="utf-8")
    expect(problems(data, geo), path, 1, "expected a council file ('council:', 'entries:' and 'gaps:')")


def test_unknown_key_suggests_the_right_one(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "    textphone:", "    textfone:")
    expect(problems(data, geo), path, line_of(path, "textfone:"), "unknown key 'textfone'", "did you mean 'textphone'")


def test_repeated_key(data, geo):
    path = edit(data, "regional.yml", "  phone: 0141 496 0001\n", "  phone: 0141 496 0001\n  phone: 0141 496 0009\n")
    expect(problems(data, geo), path, line_of(path, "0141 496 0009"), "the key 'phone' appears twice")


def test_unknown_council_code(data, geo):
    path = edit(data, "regional.yml", "    - S12000021  # North Ayrshire", "    - S12000099")
    lines = problems(data, geo)
    expect(lines, path, line_of(path, "S12000099"), "unknown council code 'S12000099'")
    # the entry no longer covers North Ayrshire, which is reported; South Ayrshire is not judged on a broken entry
    assert any("North Ayrshire has no independent-support entry" in line for line in lines)
    assert not any("South Ayrshire has no" in line for line in lines)


def test_unknown_council_in_council_file(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "council: S12000021", "council: S12000121")
    expect(problems(data, geo), path, line_of(path, "council:"), "unknown council code 'S12000121'", "North Ayrshire is S12000021")


def test_council_file_named_for_another_council(data, geo):
    (data / "councils" / "north-ayrshire.yml").rename(data / "councils" / "ayrshire-north.yml")
    path = data / "councils" / "ayrshire-north.yml"
    expect(problems(data, geo), path, line_of(path, "council:"), "this file is for North Ayrshire", "rename it to north-ayrshire.yml")


def test_scotland_mixed_with_council_codes(data, geo):
    path = edit(data, "regional.yml", "    - S12000021  # North Ayrshire", "    - scotland")
    expect(problems(data, geo), path, line_of(path, "  areas:"), "'scotland' is listed together with council codes")


def test_unknown_kind(data, geo):
    path = edit(data, "councils/south-ayrshire.yml", "kind: carers-centre", "kind: carers-center")
    line = expect(problems(data, geo), path, line_of(path, "carers-center"), "unknown kind 'carers-center'")
    assert "did you mean 'carers-centre'" in line and "independent-support" in line


def test_malformed_website(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "website: https://north.example.org/social-work",
                "website: north.example.org/social-work")
    expect(problems(data, geo), path, line_of(path, "website:"), "is not a full web address", "https://")


def test_missing_website_key(data, geo):
    path = edit(data, "councils/south-ayrshire.yml", "    website: null\n", "")
    expect(problems(data, geo), path, line_of(path, "id: example-south-carers"), "'website' is missing",
           "website: null")


def test_malformed_source_url_points_at_the_item(data, geo):
    path = edit(data, "national.yml", "    - https://handbook.scot/article/an-introduction-to-self-directed-support/",
                "    - https://handbook.scot/\n    - handbook dot scot")
    expect(problems(data, geo), path, line_of(path, "handbook dot scot"), "sources: 'handbook dot scot' is not a full")


@pytest.mark.parametrize("phone", ["0131 510 94", "+44 131 510 9410", "0131-510-9410", "phone them", "1131 510 9410",
                                   "0131 510 94100 1"])
def test_malformed_phone(data, geo, phone):
    path = edit(data, "regional.yml", "phone: 0141 496 0001", f"phone: '{phone}'")
    expect(problems(data, geo), path, line_of(path, "phone:"), "is not a UK phone number", "0131 510 9410")


def test_phone_written_as_a_number(data, geo):
    path = edit(data, "regional.yml", "phone: 0141 496 0001", "phone: 1414960001")
    expect(problems(data, geo), path, line_of(path, "phone:"), "phone 1414960001 is a number, not text")


def test_malformed_textphone(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "textphone: 0141 496 0003", "textphone: 0141 496")
    expect(problems(data, geo), path, line_of(path, "textphone:"), "textphone: '0141 496' is not a UK phone number")


@pytest.mark.parametrize("email", ["sds.south.example.org", "sds@south", "sds @south.example.org"])
def test_malformed_email(data, geo, email):
    path = edit(data, "councils/south-ayrshire.yml", "email: sds@south.example.org", f"email: '{email}'")
    expect(problems(data, geo), path, line_of(path, "email:"), "is not an email address")


def test_missing_sources(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "    sources:\n      - https://north.example.org/social-work\n", "")
    expect(problems(data, geo), path, line_of(path, "id: example-north-ayrshire-council"),
           "no source: 'sources' is missing", "web address")


def test_empty_sources(data, geo):
    path = edit(data, "regional.yml", "  sources:\n    - https://ayrshire.example.org/about\n", "  sources: []\n")
    expect(problems(data, geo), path, line_of(path, "sources: []"), "no source: 'sources' is empty")


def test_missing_last_checked(data, geo):
    path = edit(data, "councils/south-ayrshire.yml", "    last_checked: 2026-10-01\n", "")
    expect(problems(data, geo), path, line_of(path, "id: example-south-ayrshire-council"),
           "'last_checked' is missing", "YYYY-MM-DD")


@pytest.mark.parametrize("value", ["1/10/2026", "1759276800", "2026-10-01 09:30:00", "yes"])
def test_malformed_last_checked(data, geo, value):
    path = edit(data, "councils/south-ayrshire.yml", "last_checked: 2026-10-01", f"last_checked: {value}")
    expect(problems(data, geo), path, line_of(path, f"last_checked: {value}"), "is not a date", "YYYY-MM-DD")


def test_future_last_checked(data, geo):
    path = edit(data, "regional.yml", "last_checked: 2026-11-01", "last_checked: 2026-11-23")
    expect(problems(data, geo), path, line_of(path, "last_checked:"), "2026-11-23 is in the future (today is 2026-11-22)")
    load_directory(data, geo, date(2026, 11, 23))  # fine once that day comes


def test_duplicate_id(data, geo):
    path = data / "wider.yml"  # loaded after regional.yml (files are read in name order)
    path.write_text((data / "regional.yml").read_text(encoding="utf-8").replace("Example Ayrshire Network", "Another"),
                    encoding="utf-8")
    line = expect(problems(data, geo), path, line_of(path, "id: example-ayrshire-network"),
                  "duplicate organisation: the id 'example-ayrshire-network'")
    assert f"{data / 'regional.yml'}:{line_of(data / 'regional.yml', 'id: example-ayrshire-network')}" in line


def test_duplicate_name_and_website(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "  - id: example-north-ayrshire-council\n"
                "    name: Example North Ayrshire Council social work\n"
                "    kind: council-first-contact\n"
                "    website: https://north.example.org/social-work\n",
                "  - id: example-north-ayrshire-council\n"
                "    name: Example North Ayrshire Council social work\n"
                "    kind: council-first-contact\n"
                "    website: https://north.example.org/social-work\n"
                "    textphone: 0141 496 0003\n"
                "    sources: [https://north.example.org/social-work]\n"
                "    last_checked: 2026-11-20\n"
                "  - id: example-north-again\n"
                "    name: example north ayrshire council social work\n"
                "    kind: council-first-contact\n"
                "    website: https://www.north.example.org/social-work/\n")
    expect(problems(data, geo), path, line_of(path, "name: example north"),
           "duplicate organisation: 'example north ayrshire council social work' with the same website",
           "(id 'example-north-ayrshire-council')")


def test_closed_organisation(data, geo):
    path = edit(data, "regional.yml", "name: Example Ayrshire Network",
                "name: Scottish Personal Assistant Employers Network")
    expect(problems(data, geo), path, line_of(path, "id: example-ayrshire-network"), "has closed", "never list")


def test_council_without_first_contact(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "kind: council-first-contact", "kind: payroll-and-pa-support")
    expect(problems(data, geo), path, line_of(path, "council:"), "North Ayrshire has no council-first-contact entry and no gap record")


def test_council_without_a_file(data, geo):
    (data / "councils" / "north-ayrshire.yml").unlink()
    expect(problems(data, geo), data / "councils" / "north-ayrshire.yml", 1,
           "there is no file for North Ayrshire (S12000021), so it has no council-first-contact entry")


def test_missing_gap_record(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "  - kind: advocacy\n    fallback: scottish-independent-advocacy-alliance\n"
                "    note: No local advocacy organisation is in our sources.\n", "")
    expect(problems(data, geo), path, line_of(path, "council:"), "North Ayrshire has no advocacy entry and no gap record", "fallback")


def test_gap_with_unknown_fallback(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "fallback: care-information-scotland",
                "fallback: care-info-scotland")
    expect(problems(data, geo), path, line_of(path, "care-info-scotland"), "'care-info-scotland' is not a directory entry",
           "did you mean 'care-information-scotland'")


def test_gap_fallback_must_be_national(data, geo):
    path = edit(data, "councils/north-ayrshire.yml", "fallback: care-information-scotland",
                "fallback: example-ayrshire-network")
    expect(problems(data, geo), path, line_of(path, "fallback: example-ayrshire-network"), "is not a national entry")


def test_gap_that_a_local_entry_fills(data, geo):
    path = edit(data, "councils/south-ayrshire.yml", "  - kind: advocacy\n",
                "  - kind: carers-centre\n    fallback: care-information-scotland\n"
                "    note: No local carers' service is in our sources.\n  - kind: advocacy\n")
    expect(problems(data, geo), path, line_of(path, "- kind: carers-centre"), "a local carers-centre entry covers this")


def test_every_problem_is_reported_at_once(data, geo):
    south = edit(data, "councils/south-ayrshire.yml", "kind: carers-centre", "kind: carers")
    edit(data, "councils/south-ayrshire.yml", "email: sds@south.example.org", "email: nobody")
    north = edit(data, "councils/north-ayrshire.yml", "last_checked: 2026-11-20", "last_checked: 2027-01-01")
    regional = edit(data, "regional.yml", "website: https://ayrshire.example.org/", "website: ftp://ayrshire")
    lines = problems(data, geo)
    assert len(lines) == 4, "\n".join(lines)
    expect(lines, south, line_of(south, "kind: carers"), "unknown kind")
    expect(lines, south, line_of(south, "email: nobody"), "not an email address")
    expect(lines, north, line_of(north, "2027-01-01"), "in the future")
    expect(lines, regional, line_of(regional, "ftp://"), "not a full web address")
    assert lines == sorted(lines, key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


# --- the project's real directory -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return load_directory()


def test_real_directory_is_valid_and_covers_every_council(real):
    geography = load_geography()
    assert len(geography.councils) == 32
    for council in geography.councils:
        local_kinds = {e.kind for e in real.local(council.code)}
        gap_kinds = {g.kind for g in real.gaps(council.code)}
        for kind in LOCAL_KINDS:
            assert (kind in local_kinds) != (kind in gap_kinds), (council.name, kind)
        for gap in real.gaps(council.code):
            assert real.by_id(gap.fallback).national and gap.note
    assert default_directory() is default_directory()


def test_real_directory_national_services(real):
    national = {e.id: e for e in real.national()}
    assert {"care-information-scotland", "scottish-independent-advocacy-alliance", "self-directed-support-scotland",
            "sds-handbook", "pa-employer-handbook", "pa-network-scotland", "contactscotland-bsl",
            "scottish-public-services-ombudsman", "carers-trust-scotland", "citizens-advice-scotland"} <= set(national)
    assert national["care-information-scotland"].phone == "0800 011 3200"
    assert national["scottish-public-services-ombudsman"].phone == "0800 377 7330"
    assert national["scottish-independent-advocacy-alliance"].email == "enquiry@siaa.org.uk"
    assert national["contactscotland-bsl"].kind == "bsl" and national["contactscotland-bsl"].website is None
    assert {e.kind for e in real.entries} <= set(KINDS)


def test_real_directory_never_lists_spaen(real):
    for entry in real.entries:
        text = " ".join(str(v) for v in (entry.id, entry.name, entry.website, entry.phone, entry.email)).lower()
        assert not any(marker in text for marker in CLOSED), entry.id
        assert "01698 250280" not in text and "spaen.co.uk" not in text


def test_real_last_checked_matches_the_evidence_date(real):
    assert {e.last_checked for e in real.entries} == {TODAY}
