"""Scottish geography as pure functions: councils, postcodes and place names.

The data is open data copied into ``finder/data/geo/`` (provenance and licences in ``SOURCES.md``,
the lines the site must show in ``ATTRIBUTION.txt``). It is loaded once and cached.

- a full postcode gives one council (exact);
- a postcode sector ("EH1 1") or district ("EH1") gives candidate councils, each with its share of
  the postcodes there (shares count postcodes, not people);
- a place name gives every council with a place of that name: names repeat, so never guess.

Postcodes are normalised (case, spaces) and invalid ones are rejected with a reason a person can act on.
"""
from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).resolve().parent / "data" / "geo"

#: Postcode areas that hold Scottish postcodes (the Code-Point Open files for Scotland).
SCOTTISH_AREAS = frozenset({"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
                            "TD", "ZE"})
EXAMPLE = "KA7 1UT"
_OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
_FULL = re.compile(rf"({_OUTWARD})([0-9])([A-Z]{{2}})")
_DISTRICT = re.compile(_OUTWARD)
_SECTOR_COMPACT = re.compile(rf"({_OUTWARD})([0-9])")
_MAX_INPUT = 20  # characters; anything longer cannot be a postcode however it is spaced

PostcodeKind = Literal["unit", "sector", "district"]
# Settlement types from OS Open Names, most significant first (used to order place matches).
PLACE_TYPES = ("City", "Town", "Village", "Suburban Area", "Hamlet", "Other Settlement")


class PostcodeError(ValueError):
    """A postcode that cannot be used, with a ``reason`` to show the person who typed it.

    ``code`` is a stable key for tests and templates: empty, characters, too-long, shape,
    not-scotland or not-found.
    """

    def __init__(self, reason: str, code: str = "shape"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Council:
    """One of Scotland's 32 council areas."""

    code: str  # GSS code, e.g. S12000028
    name: str
    slug: str  # name in lower case, spaces as hyphens: south-ayrshire
    gaelic_name: str
    hscp: str
    hscp_code: str
    health_board_code: str
    health_board: str


@dataclass(frozen=True)
class PostcodeResult:
    """The answer to a postcode lookup.

    ``normalised`` is what the person typed, in canonical form; ``matched`` is the unit, sector or
    district that answered (a unit missing from the data falls back to its sector, then district).
    ``candidates`` are (council, share of that area's postcodes), largest share first.
    """

    kind: PostcodeKind
    normalised: str
    matched: str
    candidates: list[tuple[Council, float | None]] = field(hash=False)

    @property
    def council(self) -> Council | None:
        """The council, when only one is possible."""
        return self.candidates[0][0] if len(self.candidates) == 1 else None

    @property
    def exact(self) -> bool:
        """True when the full postcode itself was found."""
        return self.kind == "unit"

    @property
    def share_outside_scotland(self) -> float:
        """Share of the area's postcodes that are in England (cross-border districts such as TD15)."""
        known = [share for _, share in self.candidates if share is not None]
        return max(0.0, round(1.0 - sum(known), 4)) if known else 0.0


@dataclass(frozen=True)
class PlaceMatch:
    """A settlement with the name looked up, in one council area."""

    name: str
    council: Council
    local_type: str
    postcode_district: str


def council_slug(name: str) -> str:
    """'City of Edinburgh' -> 'city-of-edinburgh'; 'Na h-Eileanan Siar' -> 'na-h-eileanan-siar'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", " and ")).strip("-")


def fold(text: str) -> str:
    """A place name folded for matching: accents removed, lower case, punctuation and spaces collapsed."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def normalise_postcode(text: str) -> str:
    """The canonical form of a full postcode ('EH1 1AA'), a sector ('EH1 1') or a district ('EH1').

    Case and spacing do not matter ('eh11aa', ' EH1  1AA '). Raises PostcodeError with a reason for
    empty input, characters other than letters and numbers, the wrong shape, or an area outside Scotland.
    "EH11" is read as the district EH11; write "EH1 1" for the sector.
    """
    if not isinstance(text, str):
        raise PostcodeError(f"Enter a postcode, for example {EXAMPLE}.", "empty")
    raw = unicodedata.normalize("NFKC", text).strip().upper()
    if not raw:
        raise PostcodeError(f"Enter a postcode, for example {EXAMPLE}.", "empty")
    if len(raw) > _MAX_INPUT:
        raise PostcodeError(f"That is too long for a postcode. A postcode looks like {EXAMPLE}.", "too-long")
    tokens = [t for t in re.split(r"[\s\-]+", raw) if t]
    compact = "".join(tokens)
    if not re.fullmatch(r"[A-Z0-9]+", compact, flags=re.ASCII):
        raise PostcodeError(f"A postcode has only letters and numbers, for example {EXAMPLE}.", "characters")
    if len(compact) > 7:
        raise PostcodeError(f"A postcode has at most 7 letters and numbers, for example {EXAMPLE}.", "too-long")
    if match := _FULL.fullmatch(compact):
        result = f"{match[1]} {match[2]}{match[3]}"
    elif len(tokens) == 2 and _DISTRICT.fullmatch(tokens[0]) and re.fullmatch(r"[0-9]", tokens[1]):
        result = f"{tokens[0]} {tokens[1]}"
    elif _DISTRICT.fullmatch(compact):
        result = compact
    elif len(tokens) == 1 and (match := _SECTOR_COMPACT.fullmatch(compact)):
        result = f"{match[1]} {match[2]}"
    else:
        raise PostcodeError(f"{' '.join(tokens)} does not look like a postcode. "
                            f"A postcode looks like {EXAMPLE}: letters and numbers, a space, "
                            "then a number and two letters.", "shape")
    area = re.match(r"[A-Z]+", result)[0]
    if area not in SCOTTISH_AREAS:
        raise PostcodeError(f"{result} is not a Scottish postcode. This site covers Scotland only: Scottish "
                            f"postcodes start with {', '.join(sorted(SCOTTISH_AREAS))}.", "not-scotland")
    return result


def postcode_kind(normalised: str) -> PostcodeKind:
    """Whether a normalised postcode is a full unit, a sector or a district."""
    if " " not in normalised:
        return "district"
    return "unit" if len(normalised.split(" ")[1]) == 3 else "sector"


@dataclass(eq=False)
class Geography:
    """Councils, postcodes and places for Scotland. Build with ``load_geography()``."""

    councils: list[Council]  # sorted by name
    by_code: dict[str, Council]
    by_slug: dict[str, Council]
    attribution: list[str]
    units: dict[str, str]  # "KA7 1UT" -> council code
    sectors: dict[str, list[tuple[str, float | None]]]  # "KA7 1" -> [(council code, share)]
    districts: dict[str, list[tuple[str, float | None]]]  # "KA7" -> [(council code, share)]
    places: dict[str, list[tuple[str, str, str, str]]]  # folded name -> [(name, code, type, district)]

    def candidates(self, rows: list[tuple[str, float | None]]) -> list[tuple[Council, float | None]]:
        """Council codes with shares -> councils, largest share first (ties by name)."""
        ordered = sorted(rows, key=lambda r: (-(r[1] or 0.0), self.by_code[r[0]].name))
        return [(self.by_code[code], share) for code, share in ordered]

    def lookup_postcode(self, text: str) -> PostcodeResult:
        """Council(s) for a full postcode, sector or district. Raises PostcodeError with a reason."""
        normalised = normalise_postcode(text)
        kind = postcode_kind(normalised)
        outward = normalised.split(" ")[0]
        if kind == "unit" and (code := self.units.get(normalised)):
            return PostcodeResult("unit", normalised, normalised, [(self.by_code[code], 1.0)])
        sector = normalised[:-2] if kind == "unit" else normalised
        if kind != "district" and sector in self.sectors:
            return PostcodeResult("sector", normalised, sector, self.candidates(self.sectors[sector]))
        if outward in self.districts:
            return PostcodeResult("district", normalised, outward, self.candidates(self.districts[outward]))
        raise PostcodeError(f"We could not find {normalised} in Scotland's postcodes. Check it, or search "
                            "for the name of your town or village instead.", "not-found")

    def lookup_place(self, text: str) -> list[PlaceMatch]:
        """Every council with a place of this name (or Gaelic name): one match per council.

        Matching ignores case, accents, punctuation and extra spaces, but is otherwise exact: it never
        guesses. Where a council has several places of the name, the most significant one (City, then
        Town, Village ...) represents it. Ordered by that significance, then council name.
        """
        best: dict[str, PlaceMatch] = {}
        for name, code, local_type, district in self.places.get(fold(text or ""), []):
            match = PlaceMatch(name, self.by_code[code], local_type, district)
            if code not in best or _type_rank(local_type) < _type_rank(best[code].local_type):
                best[code] = match
        return sorted(best.values(), key=lambda m: (_type_rank(m.local_type), m.council.name))


def _type_rank(local_type: str) -> int:
    return PLACE_TYPES.index(local_type) if local_type in PLACE_TYPES else len(PLACE_TYPES)


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _share(value: str) -> float | None:
    return float(value) if value.strip() else None


def attribution_from_sources(sources: Path) -> list[str]:
    """The attribution bullet points from SOURCES.md (each wrapped bullet joined into one line)."""
    lines: list[str] = []
    inside = False
    for line in sources.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Attribution"):
            inside = True
        elif inside and line.startswith(("---", "## ")):
            break
        elif inside and line.startswith("- "):
            lines.append(line[2:].strip())
        elif inside and line.startswith("  ") and line.strip() and lines:
            lines[-1] += " " + line.strip()
    return lines


def read_attribution(data_dir: Path) -> list[str]:
    """The attribution lines the site must show: ATTRIBUTION.txt, else parsed from SOURCES.md."""
    path = data_dir / "ATTRIBUTION.txt"
    if path.is_file():
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    return attribution_from_sources(data_dir / "SOURCES.md")


@cache
def load_geography(data_dir: Path | None = None) -> Geography:
    """Load the geography data (once per folder; cached). ``data_dir`` lets tests use other data."""
    folder = Path(data_dir) if data_dir else DATA_DIR
    councils = sorted((Council(row["code"], row["name"], council_slug(row["name"]), row["gaelic_name"], row["hscp"],
                               row["hscp_code"], row["health_board_code"], row["health_board"])
                       for row in _read_csv(folder / "council_areas.csv")), key=lambda c: c.name)
    with gzip.open(folder / "postcode_units_scotland.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        # 158,000 rows: plain rows and column numbers, three times faster than a dict per row
        rows = csv.reader(handle)
        header = next(rows)
        postcode, council_code = header.index("postcode"), header.index("council_code")
        units = {row[postcode]: row[council_code] for row in rows}
    sectors: dict[str, list[tuple[str, float | None]]] = {}
    for row in _read_csv(folder / "postcode_sectors.csv"):
        sectors.setdefault(row["sector"], []).append((row["council_code"], _share(row["share_if_known"])))
    districts: dict[str, list[tuple[str, float | None]]] = {}
    for row in _read_csv(folder / "postcode_districts.csv"):
        districts.setdefault(row["district"], []).append((row["council_code"], _share(row["share_if_known"])))
    places: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in _read_csv(folder / "settlements.csv"):
        entry = (row["name"], row["council_code"], row["local_type"], row["postcode_district"])
        for key in {fold(row["name"]), fold(row["alt_name"] or "")} - {""}:
            places.setdefault(key, []).append(entry)
    return Geography(councils, {c.code: c for c in councils}, {c.slug: c for c in councils},
                     read_attribution(folder), units, sectors, districts, places)


def lookup_postcode(text: str, geography: Geography | None = None) -> PostcodeResult:
    """Council(s) for a postcode, using the project's geography unless another is given."""
    return (geography or load_geography()).lookup_postcode(text)


def lookup_place(text: str, geography: Geography | None = None) -> list[PlaceMatch]:
    """Every council with a place of this name, using the project's geography unless another is given."""
    return (geography or load_geography()).lookup_place(text)
