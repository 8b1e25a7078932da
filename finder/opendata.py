"""Open data written with every build, and the postcode shards the static finder reads.

- ``data/directory.json``: the whole directory (schema-versioned, with licence and attribution);
- ``data/directory.csv``: the entries as a spreadsheet;
- ``data/councils/<slug>.json``: one council with its local entries, the national ones and its gaps;
- ``data/postcodes/<district>.json``: one small file per postcode district, so a phone downloads only
  what one lookup needs (format in ``SHARD_FORMAT``; ``lookup_in_shard`` is the reference reader).

Output is deterministic (sorted keys and rows, no timestamps but the data's own dates): two builds
from the same data are byte-identical.
"""
from __future__ import annotations

import csv
import io
import json
import statistics
from pathlib import Path
from typing import Any
from typing import NamedTuple

from .directory import KIND_LABELS
from .directory import Directory
from .directory import Entry
from .directory import Gap
from .geo import Council
from .geo import Geography
from .geo import normalise_postcode
from .geo import postcode_kind

SCHEMA_VERSION = 1
SHARD_VERSION = 1
LICENCE = {
    "directory": "Compiled by this project from the public pages listed in each entry's sources; reuse freely, "
                 "with a link back.",
    "geography": "Open Government Licence v3.0 and OS OpenData terms; see the attribution lines.",
}
NOTICE = ("Contact details come from copies of public pages of varying age. Each entry lists its sources and the "
          "date it was last checked against them; check before relying on a detail.")
CSV_FIELDS = ["id", "name", "kind", "areas", "website", "phone", "textphone", "email", "address", "sources",
              "last_checked", "notes"]
SHARD_FORMAT = """\
data/postcodes/<district>.json, e.g. G69.json (compact JSON, no whitespace; councils as slugs, which
are also the finder's page names: /<lang>/find/<slug>/):
  v  format version (1)
  d  the district's candidates: [[council slug, share of the district's postcodes], ...], largest first
  s  its sectors by their digit: {"7": [[council slug, share], ...], ...}, largest share first
  u  units -> council slug, keyed by the inward code: {"7AB": "glasgow-city", ...}; only units in
     sectors split between councils or partly in England: in any other sector every unit is in the
     sector's one council, with share 1.0
Lookup (as finder.geo.lookup_postcode): a full postcode listed in u -> that council; otherwise its
sector's candidates, else the district's. Shares count postcodes, not people; they add up to less
than 1 where part of the district is in England (e.g. TD15).
"""


class ShardStats(NamedTuple):
    """Sizes of the postcode shards in a build."""

    count: int
    max_bytes: int
    median_bytes: float
    total_bytes: int
    largest: str  # the district with the largest shard


def _json(data: Any, compact: bool = False) -> str:
    if compact:
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def entry_record(entry: Entry) -> dict[str, Any]:
    """An entry as open data: every field, dates as YYYY-MM-DD, empty optional fields left out."""
    data = entry.model_dump(mode="json")
    return {k: v for k, v in data.items() if v not in (None, "")}


def gap_record(gap: Gap) -> dict[str, Any]:
    return gap.model_dump(mode="json")


def council_record(council: Council) -> dict[str, Any]:
    return {"code": council.code, "name": council.name, "slug": council.slug, "gaelic_name": council.gaelic_name,
            "hscp": council.hscp, "hscp_code": council.hscp_code, "health_board": council.health_board,
            "health_board_code": council.health_board_code}


def directory_csv(entries: list[Entry]) -> str:
    """The entries as CSV: areas and sources space-separated."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = entry_record(entry)
        row["areas"] = " ".join(entry.areas)
        row["sources"] = " ".join(entry.sources)
        writer.writerow({k: row.get(k, "") for k in CSV_FIELDS})
    return buffer.getvalue()


def build_shards(geography: Geography) -> dict[str, dict[str, Any]]:
    """Postcode lookup shards, one per district (see SHARD_FORMAT)."""
    slug = {c.code: c.slug for c in geography.councils}

    def rows(candidates: list[tuple[str, float | None]]) -> list[list[Any]]:
        return [[council.slug, share] for council, share in geography.candidates(candidates)]

    shards: dict[str, dict[str, Any]] = {
        district: {"v": SHARD_VERSION, "d": rows(candidates), "s": {}, "u": {}}
        for district, candidates in geography.districts.items()}
    for sector, candidates in geography.sectors.items():
        district, digit = sector.split(" ")
        shards[district]["s"][digit] = rows(candidates)
    for unit, code in geography.units.items():
        district, inward = unit.split(" ")
        if not _whole(geography.sectors[unit[:-2]]):
            shards[district]["u"][inward] = slug[code]
    return shards


def _whole(candidates: list[tuple[str, float | None]]) -> bool:
    """True if a sector lies wholly in one council (not split, not partly in England)."""
    return len(candidates) == 1 and candidates[0][1] == 1.0


def lookup_in_shard(shard: dict[str, Any], text: str) -> tuple[str, list[tuple[str, float | None]]]:
    """Reference reader for a shard (what the finder's script does): (level, [(council slug, share)]).

    The level is "unit" for a unit listed in the shard, else "sector" or "district"; a unit in a
    sector wholly in one council is answered by its sector: that council, share 1.0.
    """
    normalised = normalise_postcode(text)
    kind = postcode_kind(normalised)
    inward = normalised.split(" ")[1] if kind != "district" else ""
    if kind == "unit" and inward in shard["u"]:
        return "unit", [(shard["u"][inward], 1.0)]
    if inward and inward[0] in shard["s"]:
        return "sector", [(slug, share) for slug, share in shard["s"][inward[0]]]
    return "district", [(slug, share) for slug, share in shard["d"]]


def write_open_data(out_dir: Path, geography: Geography, directory: Directory, base_url: str) -> list[Path]:
    """Write the open data files under ``out_dir/data``; returns the paths written, sorted."""
    data = Path(out_dir) / "data"
    for folder in (data, data / "councils", data / "postcodes"):
        folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)

    base = base_url.rstrip("/")
    entries = sorted(directory.entries, key=lambda e: e.id)
    gaps = sorted(directory.gap_records, key=lambda g: (g.council, g.kind))
    national = [entry_record(e) for e in entries if e.national]
    head = {"schema_version": SCHEMA_VERSION, "licence": LICENCE, "attribution": geography.attribution,
            "notice": NOTICE}
    write(data / "directory.json", _json({
        **head, "source": f"{base}/data/directory.json", "kinds": KIND_LABELS,
        "councils": [council_record(c) for c in geography.councils],
        "entries": [entry_record(e) for e in entries], "gaps": [gap_record(g) for g in gaps]}))
    write(data / "directory.csv", directory_csv(entries))
    for council in geography.councils:
        write(data / "councils" / f"{council.slug}.json", _json({
            **head, "source": f"{base}/data/councils/{council.slug}.json", "council": council_record(council),
            "entries": [entry_record(e) for e in entries if council.code in e.areas],
            "national": national,
            "gaps": [gap_record(g) for g in gaps if g.council == council.code]}))
    for district, shard in sorted(build_shards(geography).items()):
        write(data / "postcodes" / f"{district}.json", _json(shard, compact=True))
    return sorted(written)


def shard_stats(out_dir: Path) -> ShardStats:
    """Count, largest and median size (bytes) of the postcode shards written under ``out_dir``."""
    sizes = {p.stem: p.stat().st_size for p in (Path(out_dir) / "data" / "postcodes").glob("*.json")}
    if not sizes:
        return ShardStats(0, 0, 0.0, 0, "")
    largest = max(sizes, key=lambda k: (sizes[k], k))
    return ShardStats(len(sizes), sizes[largest], statistics.median(sizes.values()), sum(sizes.values()), largest)
