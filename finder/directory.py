"""The local support directory: organisations by council area, every entry sourced and dated.

The data is YAML under ``finder/data/directory/`` (layout and rules in its README.md):

- ``national.yml`` and other top-level ``*.yml`` files: lists of entries with explicit ``areas``
  (``[scotland]`` for national services, several council codes for regional organisations);
- ``councils/<slug>.yml``: one file per council area, with that council's ``entries`` and its
  ``gaps`` (kinds with no known local organisation, each naming the national fallback).

``load_directory()`` validates everything and raises ``DirectoryError`` listing every problem as
``file:line: message. Fix: ...``.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import Literal
from typing import get_args
from urllib.parse import urlsplit

import yaml
from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

from . import yamlio
from .geo import Geography
from .geo import load_geography

DATA_DIR = Path(__file__).resolve().parent / "data" / "directory"
COUNCILS_DIR = "councils"
SCOTLAND = "scotland"

Kind = Literal["council-first-contact", "independent-support", "advocacy", "carers-centre", "payroll-and-pa-support",
               "national-helpline", "information", "advice", "complaints", "bsl"]
KINDS: tuple[str, ...] = get_args(Kind)
KIND_LABELS: dict[str, str] = {
    "council-first-contact": "council social work or Self-directed Support contact",
    "independent-support": "independent support organisation",
    "advocacy": "independent advocacy",
    "carers-centre": "carers' service",
    "payroll-and-pa-support": "help for Personal Assistant employers",
    "national-helpline": "national helpline",
    "information": "information",
    "advice": "advice",
    "complaints": "complaints",
    "bsl": "British Sign Language",
}
#: Kinds every council should have locally. Where one is missing, the council's file must say so
#: in ``gaps`` and name the national fallback.
LOCAL_KINDS: tuple[str, ...] = ("council-first-contact", "independent-support", "advocacy", "carers-centre")

#: Organisations known to have closed: never list them as current (matched on name, website or email).
CLOSED: dict[str, str] = {
    "spaen": "the Scottish Personal Assistant Employers Network (SPAEN) closed after its funding ended on "
             "30 September 2022 (https://www.spaen.co.uk/news/spaen-to-close/)",
    "scottish personal assistant employers network": "SPAEN closed in 2022 "
                                                     "(https://www.spaen.co.uk/news/spaen-to-close/)",
}

_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_PHONE = re.compile(r"0\d{2,5}(?: \d{2,6}){0,3}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_EXAMPLE = "0131 510 9410"


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or re.search(r"\s", value):
        raise ValueError(f"{value!r} is not a full web address")
    return value


def check_phone(value: str) -> str:
    """A UK phone number in national format with single spaces: 0, then 10 or 11 digits in all."""
    digits = value.replace(" ", "")
    if not (_PHONE.fullmatch(value) and digits.isdigit() and len(digits) in (10, 11)):
        raise ValueError(f"{value!r} is not a UK phone number")
    return value


class Entry(BaseModel):
    """One organisation or service in the directory."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=2)
    kind: Kind
    areas: list[str] = Field(min_length=1)
    website: str | None  # required key: write `website: null` when no source shows one
    phone: str | None = None
    textphone: str | None = None
    email: str | None = None
    address: str | None = None
    sources: list[Annotated[str, AfterValidator(_check_url)]] = Field(min_length=1)
    last_checked: date
    notes: str = ""

    @field_validator("last_checked", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, (int, float)):  # pydantic would read a number as a timestamp
            raise ValueError(f"{value!r} is not a date")
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        return value if value is None else _check_url(value)

    @field_validator("phone", "textphone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return value if value is None else check_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @property
    def national(self) -> bool:
        """True for services open to everyone in Scotland (areas: [scotland])."""
        return self.areas == [SCOTLAND]


class Gap(BaseModel):
    """No local organisation of this kind is known for this council: say so, and where to go instead."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    council: str
    kind: Kind
    fallback: str  # id of a national entry
    note: str = Field(min_length=10)


class _CouncilFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    council: str
    entries: list[Any] = []
    gaps: list[Any] = []


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, located in a file, with a fix a person can follow."""

    file: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}. Fix: {self.fix}"


class DirectoryError(Exception):
    """Every problem found in the directory data (not just the first)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class Directory:
    """The validated directory, with the queries the finder and the reports use."""

    entries: list[Entry]
    gap_records: list[Gap]
    geography: Geography
    _by_id: dict[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def by_id(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    def local(self, code: str) -> list[Entry]:
        """Entries that name this council in their areas."""
        return [e for e in self.entries if code in e.areas]

    def national(self) -> list[Entry]:
        """Entries for everyone in Scotland."""
        return [e for e in self.entries if e.national]

    def for_council(self, code: str) -> list[Entry]:
        """Everything that serves people in this council area: local entries, then national ones."""
        return self.local(code) + self.national()

    def by_kind(self, code: str, kind: str) -> list[Entry]:
        """Entries of one kind for this council: local ones first, then national ones of that kind."""
        return [e for e in self.for_council(code) if e.kind == kind]

    def gaps(self, code: str) -> list[Gap]:
        """The kinds with no known local organisation in this council, each naming its fallback."""
        return [g for g in self.gap_records if g.council == code]

    def fallback(self, code: str, kind: str) -> Entry | None:
        """The national entry to use where this council has no local organisation of this kind."""
        gap = next((g for g in self.gaps(code) if g.kind == kind), None)
        return self.get(gap.fallback) if gap else None

    def stale(self, today: date, months: int = 12) -> list[Entry]:
        """Entries last checked more than ``months`` calendar months before ``today``."""
        limit = months_before(today, months)
        return [e for e in self.entries if e.last_checked < limit]

    def contacts(self) -> set[str]:
        """Every phone number, textphone number and email address in the directory."""
        return {v for e in self.entries for v in (e.phone, e.textphone, e.email) if v}


# --- loading and validation -------------------------------------------------------------------------------

def _display(path: Path, root: Path) -> str:
    """How a file is named in problems: relative to the project for the real data."""
    if root == DATA_DIR:
        return f"finder/data/directory/{path.relative_to(root).as_posix()}"
    return str(path)


def _line(node: yaml.Node | None, loc: Iterable[Any]) -> int:
    """The 1-based line of the deepest node along ``loc`` (keys and list indexes) that exists."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _duplicate_keys(node: yaml.Node | None, display: str) -> Iterable[Problem]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                yield Problem(display, key.start_mark.line + 1, f"the key '{key.value}' appears twice here",
                              "keep one of them (YAML would silently use the last)")
            seen.add(key.value)
            yield from _duplicate_keys(value, display)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, display)


def _parse(path: Path, display: str) -> tuple[yaml.Node | None, Any] | Problem:
    """The YAML node tree (for line numbers) and the data, from one parse; or the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return Problem(display, 1, "the file is not UTF-8 text", "save it as UTF-8")
    try:
        node, data = yamlio.node_and_data(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Problem(display, mark.line + 1 if mark else 1, f"this is not valid YAML ({what})",
                       "check the indentation, colons and quoting on this line and the one above")
    return node, data


_FIXES = {
    "sources": "list the full web address (https://...) of every page the details come from",
    "last_checked": "write the date you checked the entry against its sources, as YYYY-MM-DD",
    "website": "write the organisation's own full web address (https://...) from a source, "
               "or 'website: null' if no source shows one",
    "phone": f"write a UK number in national format with spaces, like {_PHONE_EXAMPLE}",
    "textphone": f"write a UK number in national format with spaces, like {_PHONE_EXAMPLE}",
    "email": "write an address like name@example.org, exactly as the source shows it",
    "id": "use lower-case letters, numbers and single hyphens, e.g. carers-of-west-lothian",
    "areas": "list council codes from finder/data/geo/council_areas.csv (e.g. S12000028), or [scotland]",
    "fallback": "use the id of an entry in national.yml",
    "note": "say in a sentence that no local organisation is known and where to go instead",
}


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _pydantic_problems(exc: ValidationError, model: type[BaseModel], item: Any, node: yaml.Node | None,
                       base: tuple[Any, ...], display: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = str(loc[0]) if loc else ""
        line = _line(node, base + loc)
        value = item.get(key) if isinstance(item, dict) else None
        kind = err["type"]
        if not isinstance(item, dict) and model is _CouncilFile:
            message, fix = "expected a council file ('council:', 'entries:' and 'gaps:')", \
                "see finder/data/directory/README.md"
        elif not isinstance(item, dict):
            message, fix = "expected an entry (keys and values), not a single value", \
                "write the entry as 'key: value' lines; see finder/data/directory/README.md"
        elif kind == "missing":
            message = f"'{key}' is missing" if key != "sources" else "no source: 'sources' is missing"
            fix = (f"add '{key}:' - " + _FIXES[key]) if key in _FIXES else f"add '{key}:'"
        elif kind == "extra_forbidden":
            allowed = [k for k in model.model_fields if k != "council" or model is not Gap]
            message = f"unknown key '{key}'{_suggest(key, allowed)}"
            fix = "remove it or correct the spelling; the keys are: " + ", ".join(allowed)
        elif kind == "literal_error":
            message = f"unknown kind {value!r}{_suggest(str(value), KINDS)}"
            fix = "use one of: " + ", ".join(KINDS)
        elif kind == "too_short" and key == "sources":
            message, fix = "no source: 'sources' is empty", _FIXES["sources"]
        elif key == "last_checked":
            message = f"last_checked {value!r} is not a date"
            fix = _FIXES["last_checked"]
        elif kind == "value_error":
            message = f"{key}: {err['ctx']['error']}"
            fix = _FIXES.get(key, "see finder/data/directory/README.md")
        elif kind == "string_type" and key in ("phone", "textphone"):
            message = f"{key} {value!r} is a number, not text"
            fix = _FIXES[key]
        else:
            message = f"{key}: {err['msg'].lower()}" if key else err["msg"].lower()
            fix = _FIXES.get(key, "see finder/data/directory/README.md")
        problems.append(Problem(display, line, message, fix))
    return problems


@dataclass
class _Loaded:
    """Everything read so far, with where it came from."""

    entries: list[tuple[Entry, str, yaml.Node | None, tuple[Any, ...]]] = field(default_factory=list)
    gaps: list[tuple[Gap, str, yaml.Node | None, tuple[Any, ...]]] = field(default_factory=list)
    council_files: dict[str, tuple[str, int]] = field(default_factory=dict)  # code -> (file, line)
    uncertain: set[str] = field(default_factory=set)  # councils whose coverage cannot be judged
    problems: list[Problem] = field(default_factory=list)


def _entry_items(loaded: _Loaded, items: Any, node: yaml.Node | None, base: tuple[Any, ...], display: str,
                 council: str | None) -> None:
    if not isinstance(items, list):
        loaded.problems.append(Problem(display, _line(node, base), "expected a list of entries ('- id: ...')",
                                       "see finder/data/directory/README.md"))
        loaded.uncertain.add(council or "*")
        return
    for index, item in enumerate(items):
        where = base + (index,)
        if council and isinstance(item, dict) and "areas" not in item:
            item = {**item, "areas": [council]}
        try:
            entry = Entry.model_validate(item)
        except ValidationError as exc:
            loaded.problems.extend(_pydantic_problems(exc, Entry, item, node, where, display))
            areas = item.get("areas") if isinstance(item, dict) else None
            if council:
                loaded.uncertain.add(council)
            elif isinstance(areas, list) and all(isinstance(a, str) for a in areas):
                loaded.uncertain.update(areas)
            else:
                loaded.uncertain.add("*")
            continue
        if council and council not in entry.areas:
            loaded.problems.append(Problem(display, _line(node, where + ("areas",)),
                                           f"an entry in this council's file does not cover the council ({council})",
                                           "add the council's code to 'areas', or move the entry to regional.yml"))
        loaded.entries.append((entry, display, node, where))


def _gap_items(loaded: _Loaded, items: Any, node: yaml.Node | None, display: str, council: str) -> None:
    if not isinstance(items, list):
        loaded.problems.append(Problem(display, _line(node, ("gaps",)), "'gaps' should be a list",
                                       "write each gap as '- kind: ...' with fallback and note"))
        loaded.uncertain.add(council)
        return
    for index, item in enumerate(items):
        where = ("gaps", index)
        data = {**item, "council": council} if isinstance(item, dict) else item
        try:
            gap = Gap.model_validate(data)
        except ValidationError as exc:
            loaded.problems.extend(_pydantic_problems(exc, Gap, data, node, where, display))
            loaded.uncertain.add(council)
            continue
        loaded.gaps.append((gap, display, node, where))


def _council_file(loaded: _Loaded, path: Path, display: str, geography: Geography) -> None:
    slug_council = geography.by_slug.get(path.stem)
    parsed = _parse(path, display)
    if isinstance(parsed, Problem):
        loaded.problems.append(parsed)
        loaded.uncertain.add(slug_council.code if slug_council else "*")
        return
    node, data = parsed
    loaded.problems.extend(_duplicate_keys(node, display))
    try:
        head = _CouncilFile.model_validate(data)
    except ValidationError as exc:
        loaded.problems.extend(_pydantic_problems(exc, _CouncilFile, data, node, (), display))
        loaded.uncertain.add(slug_council.code if slug_council else "*")
        return
    council = geography.by_code.get(head.council)
    if council is None:
        loaded.problems.append(Problem(display, _line(node, ("council",)), f"unknown council code {head.council!r}",
                                       "use the council's GSS code from finder/data/geo/council_areas.csv"
                                       + (f" ({slug_council.name} is {slug_council.code})" if slug_council else "")))
        loaded.uncertain.add(slug_council.code if slug_council else "*")
        return
    if path.stem != council.slug:
        loaded.problems.append(Problem(display, _line(node, ("council",)),
                                       f"this file is for {council.name} but is named {path.name}",
                                       f"rename it to {council.slug}.yml"))
    if council.code in loaded.council_files:
        first = loaded.council_files[council.code]
        loaded.problems.append(Problem(display, _line(node, ("council",)),
                                       f"a second file for {council.name} (the first is {first[0]}:{first[1]})",
                                       "merge the two files into one"))
        return
    loaded.council_files[council.code] = (display, _line(node, ("council",)))
    _entry_items(loaded, head.entries, node, ("entries",), display, council.code)
    _gap_items(loaded, head.gaps, node, display, council.code)


def _norm_web(url: str | None) -> str:
    return (url or "").lower().rstrip("/").removeprefix("https://").removeprefix("http://").removeprefix("www.")


def _check_entries(loaded: _Loaded, geography: Geography, today: date) -> list[Entry]:
    """Cross-entry checks: duplicates, council codes, dates, closed organisations."""
    kept: list[Entry] = []
    first_id: dict[str, tuple[str, int]] = {}
    first_name: dict[tuple[str, str], tuple[str, int, str]] = {}
    for entry, display, node, where in loaded.entries:
        line = _line(node, where + ("id",))
        problems = []
        if entry.id in first_id:
            other = first_id[entry.id]
            problems.append(Problem(display, line, f"duplicate organisation: the id '{entry.id}' is also used at "
                                                   f"{other[0]}:{other[1]}",
                                    "merge the two entries (list every council area in one entry's 'areas'), "
                                    "or give this one a different id"))
        twin = (entry.name.casefold().strip(), _norm_web(entry.website))
        if twin in first_name and first_name[twin][2] != entry.id:
            other = first_name[twin]
            problems.append(Problem(display, _line(node, where + ("name",)),
                                    f"duplicate organisation: '{entry.name}' with the same website is also at "
                                    f"{other[0]}:{other[1]} (id '{other[2]}')",
                                    "merge the two entries: list every council area in one entry's 'areas'"))
        for index, code in enumerate(entry.areas):
            if code != SCOTLAND and code not in geography.by_code:
                problems.append(Problem(display, _line(node, where + ("areas", index)),
                                        f"unknown council code {code!r}{_suggest(code, geography.by_code)}",
                                        _FIXES["areas"]))
        if SCOTLAND in entry.areas and len(entry.areas) > 1:
            problems.append(Problem(display, _line(node, where + ("areas",)),
                                    "'scotland' is listed together with council codes",
                                    "use either [scotland] for a national service or a list of council codes"))
        if entry.last_checked > today:
            problems.append(Problem(display, _line(node, where + ("last_checked",)),
                                    f"last_checked {entry.last_checked} is in the future (today is {today})",
                                    "use the date the entry was actually checked against its sources"))
        haystack = " ".join([entry.name, entry.id, entry.website or "", entry.email or ""]).casefold()
        for marker, why in CLOSED.items():
            if marker in haystack:
                problems.append(Problem(display, line, f"'{entry.name}' has closed: {why}",
                                        "remove the entry; never list a closed organisation as current"))
                break
        first_id.setdefault(entry.id, (display, line))
        first_name.setdefault(twin, (display, _line(node, where + ("name",)), entry.id))
        if problems:
            loaded.problems.extend(problems)
            loaded.uncertain.update(entry.areas)
        else:
            kept.append(entry)
    return kept


def _check_gaps(loaded: _Loaded, entries: list[Entry]) -> list[Gap]:
    national = {e.id for e, *_ in loaded.entries if e.national}  # an invalid one is reported on its own
    all_ids = {e.id for e, *_ in loaded.entries}
    covered = {(code, e.kind) for e in entries for code in e.areas}
    kept: list[Gap] = []
    seen: set[tuple[str, str]] = set()
    for gap, display, node, where in loaded.gaps:
        problems = []
        if gap.fallback not in national:
            reason = "is not a national entry" if gap.fallback in all_ids else "is not a directory entry"
            problems.append(Problem(display, _line(node, where + ("fallback",)),
                                    f"the fallback '{gap.fallback}' {reason}{_suggest(gap.fallback, national)}",
                                    _FIXES["fallback"]))
        if (gap.council, gap.kind) in covered:
            problems.append(Problem(display, _line(node, where + ("kind",)),
                                    f"a gap for {gap.kind}, but a local {gap.kind} entry covers this council",
                                    "remove the gap record (the local entry fills it)"))
        if (gap.council, gap.kind) in seen:
            problems.append(Problem(display, _line(node, where + ("kind",)), f"a second gap for {gap.kind}",
                                    "keep one gap record per kind"))
        seen.add((gap.council, gap.kind))
        if problems:
            loaded.problems.extend(problems)
            loaded.uncertain.add(gap.council)
        else:
            kept.append(gap)
    return kept


def _check_coverage(loaded: _Loaded, entries: list[Entry], gaps: list[Gap], geography: Geography,
                    root: Path) -> None:
    """Every council has a file, and every local kind is either covered or declared a gap."""
    if "*" in loaded.uncertain:
        return
    covered = {(code, e.kind) for e in entries for code in e.areas}
    declared = {(g.council, g.kind) for g in gaps}
    for council in geography.councils:
        if council.code in loaded.uncertain:
            continue
        if council.code not in loaded.council_files:
            path = root / COUNCILS_DIR / f"{council.slug}.yml"
            loaded.problems.append(Problem(_display(path, root), 1, f"there is no file for {council.name} "
                                           f"({council.code}), so it has no council-first-contact entry",
                                           f"create it with 'council: {council.code}', its entries and its gaps "
                                           "(see finder/data/directory/README.md)"))
            continue
        display, line = loaded.council_files[council.code]
        for kind in LOCAL_KINDS:
            if (council.code, kind) in covered or (council.code, kind) in declared:
                continue
            loaded.problems.append(Problem(display, line, f"{council.name} has no {kind} entry and no gap record for it",
                                           f"add a sourced local {kind} entry, or under 'gaps:' add "
                                           f"'- {{kind: {kind}, fallback: <national id>, note: ...}}' "
                                           "saying none is known and where to go instead"))


def load_directory(path: Path | None = None, geography: Geography | None = None,
                   today: date | None = None) -> Directory:
    """Load and validate the directory. Raises DirectoryError listing every problem found.

    ``path`` is the data folder (default: the project's); ``today`` (default: date.today()) is the
    date ``last_checked`` may not be after.
    """
    root = Path(path) if path else DATA_DIR
    geography = geography or load_geography()
    today = today or date.today()
    loaded = _Loaded()
    if not root.is_dir():
        raise DirectoryError([Problem(str(root), 1, "the directory data folder does not exist",
                                      "pass the folder that holds national.yml and councils/")])
    for file in sorted(root.glob("*.yml")):
        display = _display(file, root)
        parsed = _parse(file, display)
        if isinstance(parsed, Problem):
            loaded.problems.append(parsed)
            loaded.uncertain.add("*")
            continue
        node, data = parsed
        loaded.problems.extend(_duplicate_keys(node, display))
        _entry_items(loaded, data, node, (), display, None)
    for file in sorted((root / COUNCILS_DIR).glob("*.yml")):
        _council_file(loaded, file, _display(file, root), geography)
    entries = _check_entries(loaded, geography, today)
    gaps = _check_gaps(loaded, entries)
    _check_coverage(loaded, entries, gaps, geography, root)
    if loaded.problems:
        raise DirectoryError(loaded.problems)
    return Directory(entries, gaps, geography)


@cache
def default_directory() -> Directory:
    """The project's directory, loaded once (validated against today's date at first use)."""
    return load_directory()


# --- report -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CouncilCoverage:
    """Which local kinds a council has, and which fall back to national services."""

    council_name: str
    code: str
    local: dict[str, list[str]]  # kind -> entry ids
    fallback: dict[str, str]  # kind -> national entry id
    oldest_check: date | None
    stale: list[str]  # ids of local entries older than 12 months


def _kind_order(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def coverage(directory: Directory, geography: Geography, today: date, months: int = 12) -> list[CouncilCoverage]:
    """Per council: local kinds, national fallbacks, oldest check and stale local entries."""
    stale = {e.id for e in directory.stale(today, months)}
    rows = []
    for council in geography.councils:
        local = directory.local(council.code)
        kinds: dict[str, list[str]] = {}
        for entry in sorted(local, key=lambda e: _kind_order(e.kind)):
            kinds.setdefault(entry.kind, []).append(entry.id)
        rows.append(CouncilCoverage(
            council.name, council.code, kinds,
            {g.kind: g.fallback for g in sorted(directory.gaps(council.code), key=lambda g: _kind_order(g.kind))},
            min((e.last_checked for e in local), default=None),
            [e.id for e in local if e.id in stale]))
    return rows


def directory_report(directory: Directory, geography: Geography | date | None = None,
                     today: date | None = None) -> str:
    """Plain-text report: per council, local kinds, national fallbacks, oldest check, stale entries; totals.

    (``directory_report(directory, today)`` is also accepted, for older callers.)
    """
    if isinstance(geography, date):
        geography, today = None, geography
    geography = geography or directory.geography
    today = today or date.today()
    rows = coverage(directory, geography, today)
    lines = [f"Local support directory report ({today}; entries older than 12 months are marked)", ""]
    for row in rows:
        lines.append(f"{row.council_name} ({row.code}): oldest check {row.oldest_check or '-'}")
        local = "; ".join(f"{kind} ({', '.join(ids)})" for kind, ids in row.local.items())
        lines.append(f"  local: {local or 'none'}")
        fallback = "; ".join(f"{kind} -> {fid}" for kind, fid in row.fallback.items())
        lines.append(f"  falls back to national: {fallback or 'none'}")
        for entry_id in row.stale:
            entry = directory.by_id(entry_id)
            lines.append(f"  older than 12 months: {entry.name} (checked {entry.last_checked})")
    n = len(rows)
    stale = directory.stale(today)
    lines += ["", f"Totals ({n} council areas)"]
    for kind in LOCAL_KINDS:
        have = sum(1 for row in rows if kind in row.local)
        lines.append(f"  {kind}: {have} known locally, {n - have} fall back to national")
    complete = sum(1 for row in rows if all(kind in row.local for kind in LOCAL_KINDS))
    lines.append(f"  councils with every kind known locally: {complete}")
    national = directory.national()
    oldest = min((e.last_checked for e in directory.entries), default=None)
    lines.append(f"  entries: {len(directory.entries)} ({len(directory.entries) - len(national)} local or "
                 f"regional, {len(national)} national); gap records: {len(directory.gap_records)}")
    lines.append(f"  oldest check: {oldest or '-'}; entries older than 12 months: {len(stale)}")
    for entry in stale:
        if entry.national:
            lines.append(f"  older than 12 months (national): {entry.name} (checked {entry.last_checked})")
    return "\n".join(lines)
