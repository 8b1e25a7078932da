"""The first question, "Where do you live?", answered by a postcode or a place name.

`resolve_where()` turns what a person typed into one council, a short list to choose from (a
postcode district on a boundary, a place name found in two councils: never a guess), or an error
with a stable code the site turns into words. `write_place_shards()` writes the place names as
small JSON files so the static site's script can do the same lookup without a server (the postcode
shards come from finder.opendata).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .geo import Council
from .geo import Geography
from .geo import PostcodeError

MAX_PLACE_LENGTH = 60
# Error codes (the site words each one): from finder.geo's PostcodeError.code, plus place errors.
POSTCODE_ERRORS = ("empty", "characters", "too-long", "shape", "not-scotland", "not-found")
PLACE_ERRORS = ("place-empty", "place-too-long", "place-not-found")


@dataclass(frozen=True)
class Choice:
    council: Council
    share: float | None = None  # share of the postcode area's addresses, where known
    place: str = ""  # the place's name as written in the data


@dataclass(frozen=True)
class Where:
    status: str  # "found", "choose" or "error"
    field: str  # "postcode" or "place": the box the answer came from
    query: str  # the postcode as normalised, or the place as typed (trimmed)
    choices: tuple[Choice, ...] = ()
    error: str = ""
    kind: str = ""  # unit, sector, district or place

    @property
    def council(self) -> Council | None:
        return self.choices[0].council if self.status == "found" else None


def resolve_postcode(geography: Geography, text: str) -> Where:
    raw = (text or "").strip()
    try:
        result = geography.lookup_postcode(raw)
    except PostcodeError as exc:
        return Where("error", "postcode", raw[:20], error=exc.code)
    choices = tuple(Choice(council, share) for council, share in result.candidates)
    status = "found" if len(choices) == 1 else "choose"
    return Where(status, "postcode", result.normalised, choices, kind=result.kind)


def resolve_place(geography: Geography, text: str) -> Where:
    raw = " ".join((text or "").split())
    if not raw:
        return Where("error", "place", "", error="place-empty")
    if len(raw) > MAX_PLACE_LENGTH:
        return Where("error", "place", raw[:MAX_PLACE_LENGTH], error="place-too-long")
    matches = geography.lookup_place(raw)
    if not matches:
        return Where("error", "place", raw, error="place-not-found")
    choices = tuple(Choice(m.council, None, m.name) for m in matches)
    return Where("found" if len(choices) == 1 else "choose", "place", raw, choices, kind="place")


def resolve_where(geography: Geography, postcode: str | None = None, place: str | None = None) -> Where | None:
    """Resolve whichever box was sent (the postcode if both were); None if neither was."""
    if postcode is not None:
        return resolve_postcode(geography, postcode)
    if place is not None:
        return resolve_place(geography, place)
    return None


def place_key(folded: str) -> str:
    """The shard a folded place name lives in: its first two letters or digits."""
    return folded.replace(" ", "")[:2]


def place_shards(geography: Geography) -> dict[str, dict[str, list[list[str]]]]:
    """{shard key: {folded name: [[council slug, place name], ...]}}, one row per council,
    councils in name order (the same answers as Geography.lookup_place)."""
    shards: dict[str, dict[str, list[list[str]]]] = {}
    for folded in sorted(geography.places):
        if not folded:
            continue
        matches = geography.lookup_place(folded)
        rows = [[m.council.slug, m.name] for m in matches]
        shards.setdefault(place_key(folded), {})[folded] = rows
    return shards


def write_place_shards(out_dir: Path, geography: Geography) -> list[Path]:
    folder = Path(out_dir) / "data" / "places"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key, names in sorted(place_shards(geography).items()):
        path = folder / f"{key}.json"
        path.write_text(json.dumps(names, ensure_ascii=False, sort_keys=True, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    return written
