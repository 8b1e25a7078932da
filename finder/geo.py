"""Scottish geography as pure functions: councils, postcodes and place names.

Data (open data, see data/geo/SOURCES.md for provenance and licences) is loaded once and cached.
- full postcode -> one council (exact);
- postcode sector or district -> candidate councils with each one's share of postcodes;
- place name -> every council with a place of that name (names repeat: never guess).
Postcodes are normalised (case, spaces) and invalid ones rejected with a reason a person can act on.
"""
from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "geo"

# Postcode areas with Scottish postcodes (Code-Point Open files for Scotland).
SCOTTISH_AREAS = frozenset({"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
                            "TD", "ZE"})
OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
FULL = re.compile(rf"^({OUTWARD}) ?([0-9])([A-Z]{{2}})$")
SECTOR = re.compile(rf"^({OUTWARD}) ([0-9])$")
DISTRICT = re.compile(rf"^({OUTWARD})$")


class PostcodeError(ValueError):
    """A postcode that cannot be used, with a reason to show the person who typed it."""

    def __init__(self, reason: str, code: str = "invalid"):
        super().__init__(reason)
        self.reason = reason
        self.code = code  # a stable key: empty, characters, shape, not-scotland, not-found


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    slug: str
    gaelic_name: str
    hscp: str
    hscp_code: str
    health_board_code: str
    health_board: str


@dataclass(frozen=True)
class PostcodeResult:
    kind: str  # "unit", "sector" or "district"
    normalised: str
    candidates: tuple[tuple[Council, float | None], ...]

    @property
    def exact(self) -> Council | None:
        return self.candidates[0][0] if len(self.candidates) == 1 else None


@dataclass(frozen=True)
class PlaceMatch:
    name: str
    council: Council
    local_type: str
    postcode_district: str


def council_slug(name: str) -> str:
    """'City of Edinburgh' -> 'city-of-edinburgh'; 'Na h-Eileanan Siar' -> 'na-h-eileanan-siar'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", "and")).strip("-")


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation and runs of spaces collapsed (for place names)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("&", " and ").replace("st.", "st ").replace("'", "")
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass
class Geography:
    councils: list[Council]
    by_code: dict[str, Council]
    by_slug: dict[str, Council]
    attribution: list[str]
    units: dict[str, str]
    sectors: dict[str, list[tuple[str, float]]]
    districts: dict[str, list[tuple[str, float]]]
    places: dict[str, list[tuple[str, str, str, str]]]

    def _candidates(self, rows: list[tuple[str, float]]) -> tuple[tuple[Council, float | None], ...]:
        ordered = sorted(rows, key=lambda r: (-r[1], self.by_code[r[0]].name))
        return tuple((self.by_code[code], share) for code, share in ordered)

    def lookup_postcode(self, text: str) -> PostcodeResult:
        normalised = normalise_postcode(text)
        if FULL.match(normalised):
            code = self.units.get(normalised)
            if code:
                return PostcodeResult("unit", normalised, ((self.by_code[code], 1.0),))
            sector = normalised[:-2]
            if sector in self.sectors:
                return PostcodeResult("sector", sector, self._candidates(self.sectors[sector]))
            normalised = normalised.split(" ")[0]
        elif SECTOR.match(normalised):
            if normalised in self.sectors:
                return PostcodeResult("sector", normalised, self._candidates(self.sectors[normalised]))
            normalised = normalised.split(" ")[0]
        if normalised in self.districts:
            return PostcodeResult("district", normalised, self._candidates(self.districts[normalised]))
        raise PostcodeError(f"We could not find {normalised} in Scotland's postcodes", "not-found")

    def lookup_place(self, text: str) -> list[PlaceMatch]:
        """Every council with a place of this name (or Gaelic name), one match per council."""
        rows = self.places.get(fold(text), [])
        seen: dict[str, PlaceMatch] = {}
        for name, code, local_type, district in rows:
            if code not in seen:
                seen[code] = PlaceMatch(name, self.by_code[code], local_type, district)
        return sorted(seen.values(), key=lambda m: m.council.name)


def normalise_postcode(text: str) -> str:
    """Canonical form of a full postcode ('EH1 1AA'), a sector ('EH1 1') or a district ('EH1')."""
    if text is None or not str(text).strip():
        raise PostcodeError("Enter a postcode, for example KA7 1UT", "empty")
    raw = str(text).upper().strip()
    compact = re.sub(r"[\s\-]+", "", raw)
    if not re.fullmatch(r"[A-Z0-9]+", compact):
        raise PostcodeError("A postcode has only letters and numbers, for example KA7 1UT", "characters")
    if len(compact) > 7:
        raise PostcodeError("A postcode has at most 7 letters and numbers, for example KA7 1UT", "shape")
    match = FULL.match(compact)
    if match:
        result = f"{match.group(1)} {match.group(2)}{match.group(3)}"
    elif len(compact) >= 3 and re.fullmatch(rf"{OUTWARD}[0-9]", compact) and " " in raw.strip():
        result = f"{compact[:-1]} {compact[-1]}"
    elif DISTRICT.match(compact):
        result = compact
    elif re.fullmatch(rf"{OUTWARD}[0-9]", compact):
        result = f"{compact[:-1]} {compact[-1]}"
    else:
        raise PostcodeError("That does not look like a postcode. A postcode looks like KA7 1UT", "shape")
    area = re.match(r"[A-Z]+", result).group(0)
    if area not in SCOTTISH_AREAS:
        raise PostcodeError(f"{result} is not a Scottish postcode. This site covers Scotland only", "not-scotland")
    return result


def _read_csv(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _attribution(sources: Path) -> list[str]:
    lines, inside = [], False
    for line in sources.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Attribution"):
            inside = True
            continue
        if inside and line.startswith(("---", "## ")):
            break
        if inside and line.startswith("- "):
            lines.append(line[2:].strip())
        elif inside and line.startswith("  ") and lines:
            lines[-1] += " " + line.strip()
    return lines


@cache
def load_geography(data_dir: Path = DATA_DIR) -> Geography:
    councils = []
    for row in _read_csv(data_dir / "council_areas.csv"):
        councils.append(Council(row["code"], row["name"], council_slug(row["name"]), row["gaelic_name"],
                                row["hscp"], row["hscp_code"], row["health_board_code"], row["health_board"]))
    councils.sort(key=lambda c: c.name)
    by_code = {c.code: c for c in councils}
    with gzip.open(data_dir / "postcode_units_scotland.csv.gz", "rt", encoding="utf-8") as handle:
        units = {row["postcode"]: row["council_code"] for row in csv.DictReader(handle)}
    sectors: dict[str, list[tuple[str, float]]] = {}
    for row in _read_csv(data_dir / "postcode_sectors.csv"):
        sectors.setdefault(row["sector"], []).append((row["council_code"], float(row["share_if_known"])))
    districts: dict[str, list[tuple[str, float]]] = {}
    for row in _read_csv(data_dir / "postcode_districts.csv"):
        districts.setdefault(row["district"], []).append((row["council_code"], float(row["share_if_known"])))
    places: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in _read_csv(data_dir / "settlements.csv"):
        entry = (row["name"], row["council_code"], row["local_type"], row["postcode_district"])
        for name in {row["name"], row["alt_name"]}:
            if name:
                places.setdefault(fold(name), []).append(entry)
    return Geography(councils, by_code, {c.slug: c for c in councils}, _attribution(data_dir / "SOURCES.md"),
                     units, sectors, districts, places)


def lookup_postcode(text: str) -> PostcodeResult:
    return load_geography().lookup_postcode(text)


def lookup_place(text: str) -> list[PlaceMatch]:
    return load_geography().lookup_place(text)
