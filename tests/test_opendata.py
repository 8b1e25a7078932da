"""Open data: directory JSON/CSV, per-council files and the postcode shards the static finder reads."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from finder.directory import load_directory
from finder.geo import load_geography
from finder.opendata import CSV_FIELDS
from finder.opendata import SCHEMA_VERSION
from finder.opendata import build_shards
from finder.opendata import lookup_in_shard
from finder.opendata import shard_stats
from finder.opendata import write_open_data

BASE = "https://sds.example.org"


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def directory():
    return load_directory()


@pytest.fixture(scope="module")
def out(tmp_path_factory, geo, directory) -> Path:
    folder = tmp_path_factory.mktemp("open") / "build"
    write_open_data(folder, geo, directory, BASE + "/")
    return folder


@pytest.fixture(scope="module")
def shards(out) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "data" / "postcodes").glob("*.json")}


def test_output_is_deterministic(tmp_path, geo, directory, out):
    paths = write_open_data(tmp_path, geo, directory, BASE)
    assert paths == sorted(paths) and len(paths) == 1 + 1 + 32 + len(geo.districts)
    again = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    now = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert again == now


def test_directory_json(out, geo, directory):
    data = json.loads((out / "data" / "directory.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["attribution"] == geo.attribution and "geography" in data["licence"] and data["licence"]["directory"]
    assert data["source"] == f"{BASE}/data/directory.json"
    assert [e["id"] for e in data["entries"]] == sorted(e.id for e in directory.entries)
    assert len(data["gaps"]) == len(directory.gap_records)
    assert {g["kind"] for g in data["gaps"]} <= set(data["kinds"])
    assert len(data["councils"]) == 32
    cis = next(e for e in data["entries"] if e["id"] == "care-information-scotland")
    assert cis["phone"] == "0800 011 3200" and cis["last_checked"] == "2026-11-22" and cis["areas"] == ["scotland"]
    assert "textphone" not in cis  # empty optional fields are left out
    for entry in data["entries"]:
        assert entry["sources"] and entry["last_checked"]


def test_directory_csv(out, directory):
    with (out / "data" / "directory.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == CSV_FIELDS
    assert len(rows) == len(directory.entries)
    ailn = next(r for r in rows if r["id"] == "ayrshire-independent-living-network")
    assert ailn["areas"] == "S12000008 S12000021 S12000028" and ailn["sources"].startswith("https://")
    gcil = next(r for r in rows if r["id"] == "gcil-inclusive-living-support")
    assert (gcil["phone"], gcil["textphone"], gcil["email"]) == ("0141 550 4455", "0141 554 6482", "gcil@gcil.org.uk")


def test_council_files(out, geo, directory):
    files = sorted(p.stem for p in (out / "data" / "councils").glob("*.json"))
    assert files == sorted(c.slug for c in geo.councils)
    data = json.loads((out / "data" / "councils" / "south-ayrshire.json").read_text(encoding="utf-8"))
    assert data["council"]["code"] == "S12000028" and data["council"]["name"] == "South Ayrshire"
    assert {e["id"] for e in data["entries"]} == {e.id for e in directory.local("S12000028")}
    assert {e["id"] for e in data["national"]} == {e.id for e in directory.national()}
    assert {(g["kind"], g["fallback"]) for g in data["gaps"]} == {(g.kind, g.fallback) for g in directory.gaps("S12000028")}
    stirling = json.loads((out / "data" / "councils" / "stirling.json").read_text(encoding="utf-8"))
    assert stirling["entries"] == [] and len(stirling["gaps"]) == 4


def test_one_compact_shard_per_district(out, geo):
    folder = out / "data" / "postcodes"
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(geo.districts)
    text = (folder / "G69.json").read_text(encoding="utf-8")
    shard = json.loads(text)
    assert text == json.dumps(shard, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert not any(c.isspace() for c in text)
    assert set(shard) == {"v", "d", "s", "u"}
    assert [slug for slug, _ in shard["d"]] == ["north-lanarkshire", "glasgow-city", "east-dunbartonshire"]
    assert shard["s"]["7"] == [["glasgow-city", 0.6494], ["north-lanarkshire", 0.3506]]
    assert shard["s"]["1"] == [["glasgow-city", 1.0]]
    assert not any(inward.startswith("1") for inward in shard["u"])  # sector G69 1 is not split
    assert {shard["u"][inward[-3:]] for inward in (u.split(" ")[1] for u in geo.units if u.startswith("G69 7"))} == {
        "glasgow-city", "north-lanarkshire"}
    single = json.loads((folder / "KA7.json").read_text(encoding="utf-8"))
    assert single["d"] == [["south-ayrshire", 1.0]] and single["u"] == {}


def test_every_postcode_resolves_from_its_shard_as_the_python_lookup_does(geo, shards):
    slug = {c.code: c.slug for c in geo.councils}
    for unit, code in geo.units.items():
        level, candidates = lookup_in_shard(shards[unit.split(" ")[0]], unit)
        assert candidates == [(slug[code], 1.0)], unit
        whole = geo.sectors[unit[:-2]] == [(code, 1.0)]
        assert level == ("sector" if whole else "unit"), unit
    rng = random.Random(4)
    for district in sorted(geo.districts):
        shard = shards[district]
        queries = [district] + [f"{district} {d}" for d in "0123456789"]
        queries += [f"{district} {rng.randint(0, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDZ')}"
                    for _ in range(3)]
        for query in queries:
            expected = geo.lookup_postcode(query)
            level, candidates = lookup_in_shard(shard, query)
            assert candidates == [(c.slug, share) for c, share in expected.candidates], query
            if expected.kind != "unit":
                assert level == expected.kind, query


def test_shards_are_small(out):
    stats = shard_stats(out)
    assert stats.count == 455
    # most districts lie in one council and need no unit list; the largest lists units on a boundary
    assert stats.max_bytes < 32_000 and stats.median_bytes < 500
    assert stats.total_bytes == sum(p.stat().st_size for p in (out / "data" / "postcodes").glob("*.json"))
    assert (out / "data" / "postcodes" / f"{stats.largest}.json").stat().st_size == stats.max_bytes


def test_shard_units_only_where_a_sector_is_split(geo):
    slugs = {c.slug for c in geo.councils}
    for district, shard in build_shards(geo).items():
        for rows in [shard["d"], *shard["s"].values()]:
            assert rows and {slug for slug, _ in rows} <= slugs, district
            assert [share for _, share in rows] == sorted((share for _, share in rows), reverse=True), district
        for inward, slug in shard["u"].items():
            sector = shard["s"][inward[0]]
            assert (len(sector) > 1 or sector[0][1] < 1) and slug in {s for s, _ in sector}, (district, inward)
