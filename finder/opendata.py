"""Open data written with every build: the directory as JSON and CSV, one file per council, and
small postcode shards so the static finder downloads only what one lookup needs.

Output is deterministic (sorted keys and rows, no timestamps): two builds are byte-identical.
"""
from __future__ import annotations

import csv
import io
import json
import statistics
from pathlib import Path

from .directory import Directory
from .geo import Geography

SCHEMA_VERSION = 1
LICENCE = ("Directory: compiled by this project from the public pages listed in each entry's sources; "
           "reuse freely, with a link back. Geography: Open Government Licence v3.0.")


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _entry(entry) -> dict:
    return {k: (str(v) if k == "last_checked" else v)
            for k, v in entry.model_dump().items() if v not in (None, "", [])}


def write_open_data(out_dir: Path, geography: Geography, directory: Directory, base_url: str) -> list[Path]:
    data = Path(out_dir) / "data"
    (data / "councils").mkdir(parents=True, exist_ok=True)
    (data / "postcodes").mkdir(parents=True, exist_ok=True)
    written = []

    def write(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        written.append(path)

    entries = sorted(directory.entries, key=lambda e: e.id)
    gaps = sorted((g.model_dump() for g in directory.gaps), key=lambda g: (g["council"], g["kind"]))
    councils = [{"code": c.code, "name": c.name, "slug": c.slug, "hscp": c.hscp, "health_board": c.health_board}
                for c in geography.councils]
    write(data / "directory.json", _dump({
        "schema_version": SCHEMA_VERSION, "licence": LICENCE, "attribution": geography.attribution,
        "source": f"{base_url}/data/directory.json", "councils": councils,
        "entries": [_entry(e) for e in entries], "gaps": gaps}))
    buffer = io.StringIO()
    fields = ["id", "name", "kind", "areas", "website", "phone", "textphone", "email", "address", "sources",
              "last_checked", "notes"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for e in entries:
        row = _entry(e)
        row["areas"] = " ".join(e.areas)
        row["sources"] = " ".join(e.sources)
        writer.writerow({k: row.get(k, "") for k in fields})
    write(data / "directory.csv", buffer.getvalue())
    for council in geography.councils:
        write(data / "councils" / f"{council.slug}.json", _dump({
            "schema_version": SCHEMA_VERSION, "licence": LICENCE, "council": council.__dict__,
            "entries": [_entry(e) for e in directory.local(council.code)],
            "national": [e.id for e in directory.national()],
            "gaps": [g.model_dump() for g in directory.gaps_for(council.code)]}))
    # Postcode shards: one per district. Councils as slugs; units grouped by sector suffix.
    slug = {c.code: c.slug for c in geography.councils}
    by_district: dict[str, dict] = {}
    for district, rows in geography.districts.items():
        by_district[district] = {"d": [[slug[c], s] for c, s in sorted(rows, key=lambda r: -r[1])], "s": {}, "u": {}}
    for sector, rows in geography.sectors.items():
        district = sector.split(" ")[0]
        if district in by_district:
            by_district[district]["s"][sector.split(" ")[1]] = [[slug[c], s] for c, s in sorted(rows, key=lambda r: -r[1])]
    for unit, code in geography.units.items():
        district, inward = unit.split(" ")
        if district in by_district:
            by_district[district]["u"][inward] = slug[code]
    for district, shard in by_district.items():
        # Most districts are in one council: then units need not be listed at all.
        if len({c for c, _ in shard["d"]}) == 1:
            shard["u"] = {}
        else:
            # Keep only units whose sector is split between councils.
            shard["u"] = {k: v for k, v in shard["u"].items() if len(shard["s"].get(k[0], [])) > 1}
        write(data / "postcodes" / f"{district}.json", _dump(shard))
    return written


def shard_stats(out_dir: Path) -> tuple[int, int, float]:
    """(number of shards, max bytes, median bytes) of the postcode shards in a build."""
    sizes = [p.stat().st_size for p in (Path(out_dir) / "data" / "postcodes").glob("*.json")]
    return len(sizes), max(sizes), statistics.median(sizes)
