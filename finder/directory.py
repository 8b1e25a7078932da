"""The local support directory: organisations by council area, every entry sourced and dated.

Data: data/directory/*.yml (see data/directory/README.md). `load_directory()` validates everything
and raises `DirectoryError` listing every problem as `file:line: message. Fix: ...`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

from .geo import Geography
from .geo import load_geography

DATA_DIR = Path(__file__).resolve().parent / "data" / "directory"
Kind = Literal["independent-support", "advocacy", "carers-centre", "council-first-contact",
               "payroll-and-pa-support", "national-helpline", "information", "complaints", "bsl", "advice"]
KINDS: tuple[str, ...] = Kind.__args__
# Kinds every council should have locally; where one is missing, gaps.yml must say so.
LOCAL_KINDS = ("council-first-contact", "independent-support", "advocacy", "carers-centre")
PHONE = re.compile(r"^0\d{2,4}(?: ?\d{3,4}){1,2}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
SCOTLAND = "scotland"


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value:
        raise ValueError(f"{value!r} is not a full web address (https://...)")
    return value


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: str = Field(min_length=2)
    kind: Kind
    areas: list[str] = Field(min_length=1)
    website: str | None = None
    phone: str | None = None
    textphone: str | None = None
    email: str | None = None
    address: str | None = None
    sources: list[str] = Field(min_length=1)
    last_checked: date
    notes: str = ""

    _website = field_validator("website")(lambda cls, v: v if v is None else _url(v))
    _sources = field_validator("sources")(lambda cls, v: [_url(u) for u in v])

    @field_validator("phone", "textphone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(str(value)):
            raise ValueError(f"{value!r} is not a UK phone number written like 0131 510 9410")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @property
    def national(self) -> bool:
        return self.areas == [SCOTLAND]


class Gap(BaseModel):
    """No local organisation of this kind is known for this council: say so, and where to go instead."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    council: str
    kind: Kind
    fallback: str
    note: str = ""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}. Fix: {self.fix}"


class DirectoryError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Directory:
    entries: list[Entry]
    gaps: list[Gap]
    geography: Geography

    def by_id(self, entry_id: str) -> Entry:
        return next(e for e in self.entries if e.id == entry_id)

    def local(self, code: str) -> list[Entry]:
        return [e for e in self.entries if code in e.areas]

    def national(self) -> list[Entry]:
        return [e for e in self.entries if e.national]

    def for_council(self, code: str) -> list[Entry]:
        """Local entries for the council, then national ones."""
        return self.local(code) + self.national()

    def by_kind(self, code: str, kind: str) -> list[Entry]:
        local = [e for e in self.local(code) if e.kind == kind]
        return local or [e for e in self.national() if e.kind == kind]

    def gaps_for(self, code: str) -> list[Gap]:
        return [g for g in self.gaps if g.council == code]

    def fallback(self, code: str, kind: str) -> Entry | None:
        gap = next((g for g in self.gaps_for(code) if g.kind == kind), None)
        return self.by_id(gap.fallback) if gap else None

    def stale(self, today: date, months: int = 12) -> list[Entry]:
        limit = today - timedelta(days=round(months * 365.25 / 12))
        return [e for e in self.entries if e.last_checked < limit]

    def contacts(self) -> set[str]:
        return {str(v) for e in self.entries for v in (e.phone, e.textphone, e.email) if v}


def _line_map(node) -> list[tuple[int, dict[str, int]]]:
    """For a YAML sequence of mappings: each item's line and each key's line (1-based)."""
    out = []
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            keys = {}
            if isinstance(item, yaml.MappingNode):
                keys = {k.value: k.start_mark.line + 1 for k, _ in item.value}
            out.append((item.start_mark.line + 1, keys))
    return out


def load_directory(path: Path | None = None, geography: Geography | None = None,
                   today: date | None = None) -> Directory:
    return _load(Path(path or DATA_DIR), geography or load_geography(), today or date.today())


@cache
def _cached_default() -> Directory:
    return _load(DATA_DIR, load_geography(), date.today())


def default_directory() -> Directory:
    return _cached_default()


def _load(folder: Path, geography: Geography, today: date) -> Directory:
    problems: list[Problem] = []
    entries: list[Entry] = []
    gaps: list[Gap] = []
    entry_lines: dict[str, tuple[str, int]] = {}
    gap_lines: list[tuple[str, int]] = []
    for path in sorted(folder.glob("*.yml")):
        name = f"finder/data/directory/{path.name}" if folder == DATA_DIR else str(path)
        try:
            text = path.read_text(encoding="utf-8")
            node = yaml.compose(text)
            data = yaml.safe_load(text)
        except UnicodeDecodeError:
            problems.append(Problem(name, 1, "the file is not UTF-8", "save it as UTF-8"))
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(name, mark.line + 1 if mark else 1, f"not valid YAML ({getattr(exc, 'problem', exc)})",
                                    "check the indentation and quoting on that line"))
            continue
        is_gaps = path.stem == "gaps"
        if not isinstance(data, list):
            problems.append(Problem(name, 1, "expected a list of entries ('- id: ...')", "see finder/data/directory/README.md"))
            continue
        for (line, keys), item in zip(_line_map(node), data):
            model = Gap if is_gaps else Entry
            try:
                record = model.model_validate(item)
            except ValidationError as exc:
                for err in exc.errors():
                    key = str(err["loc"][0]) if err["loc"] else ""
                    if err["type"] == "missing":
                        message, fix = f"missing key {key!r}", f"add '{key}:'" + (
                            " with the URL(s) the details come from" if key == "sources" else "")
                    elif err["type"] == "extra_forbidden":
                        message, fix = f"unknown key {key!r}", "remove it or correct the spelling; keys: " + ", ".join(model.model_fields)
                    elif err["type"] == "literal_error":
                        message, fix = f"unknown kind {item.get('kind')!r}", "use one of: " + ", ".join(KINDS)
                    else:
                        message, fix = f"{key}: {err['msg']}", {
                            "last_checked": "write the date as YYYY-MM-DD",
                            "phone": "write a UK number like 0131 510 9410", "textphone": "write a UK number like 0131 510 9410",
                            "email": "write an address like name@example.org", "website": "write the full address with https://",
                            "sources": "list the full addresses (https://...) the details come from"}.get(key, "see finder/data/directory/README.md")
                    problems.append(Problem(name, keys.get(key, line), message, fix))
                continue
            if is_gaps:
                gaps.append(record)
                gap_lines.append((name, line))
                continue
            if record.id in entry_lines:
                first = entry_lines[record.id]
                problems.append(Problem(name, line, f"duplicate organisation {record.id!r} (also at {first[0]}:{first[1]})",
                                        "merge the two entries: list every council area in one entry's 'areas'"))
                continue
            twin = next((e for e in entries if e.name == record.name and e.website == record.website), None)
            if twin:
                problems.append(Problem(name, line, f"duplicate organisation {record.name!r} (same name and website as {twin.id!r})",
                                        "merge the two entries"))
                continue
            entry_lines[record.id] = (name, line)
            for code in record.areas:
                if code != SCOTLAND and code not in geography.by_code:
                    problems.append(Problem(name, keys.get("areas", line), f"unknown council code {code!r}",
                                            "use a GSS code from finder/data/geo/council_areas.csv (e.g. S12000028) or 'scotland'"))
            if SCOTLAND in record.areas and len(record.areas) > 1:
                problems.append(Problem(name, keys.get("areas", line), "'scotland' together with council codes",
                                        "use either [scotland] or a list of council codes"))
            if record.last_checked > today:
                problems.append(Problem(name, keys.get("last_checked", line), f"last_checked {record.last_checked} is in the future",
                                        "use the date the entry was actually checked"))
            entries.append(record)
    ids = {e.id for e in entries}
    covered = {(code, e.kind) for e in entries for code in e.areas}
    declared = set()
    for gap, (name, line) in zip(gaps, gap_lines):
        declared.add((gap.council, gap.kind))
        if gap.council not in geography.by_code:
            problems.append(Problem(name, line, f"unknown council code {gap.council!r}", "use a GSS code from council_areas.csv"))
        if gap.fallback not in ids:
            problems.append(Problem(name, line, f"fallback {gap.fallback!r} is not a directory entry", "use the id of a national entry"))
        if (gap.council, gap.kind) in covered:
            problems.append(Problem(name, line, f"a gap for {gap.kind} in {gap.council}, but a local entry covers it",
                                    "remove the gap record"))
    if problems:
        raise DirectoryError(problems)  # coverage is only meaningful once every file has loaded
    gaps_file = "finder/data/directory/gaps.yml" if folder == DATA_DIR else str(folder / "gaps.yml")
    for council in geography.councils:
        for kind in LOCAL_KINDS:
            if (council.code, kind) not in covered and (council.code, kind) not in declared:
                what = "no council-first-contact entry" if kind == "council-first-contact" else f"no {kind} entry"
                problems.append(Problem(gaps_file, 1, f"{council.name} ({council.code}) has {what} and no gap record",
                                        f"add a local entry, or a gap record naming the national fallback: "
                                        f"'- {{council: {council.code}, kind: {kind}, fallback: <national id>}}'"))
    if problems:
        raise DirectoryError(problems)
    return Directory(entries, gaps, geography)


def directory_report(directory: Directory, today: date | None = None) -> str:
    today = today or date.today()
    geography = directory.geography
    lines = [f"{'council':<22} {'oldest check':<12} local / falls back to national"]
    totals = {kind: 0 for kind in LOCAL_KINDS}
    stale = {e.id for e in directory.stale(today)}
    for council in geography.councils:
        local = directory.local(council.code)
        kinds = sorted({e.kind for e in local})
        for kind in LOCAL_KINDS:
            if kind in kinds:
                totals[kind] += 1
        fallback = sorted(g.kind for g in directory.gaps_for(council.code))
        oldest = min((e.last_checked for e in local), default=None)
        lines.append(f"{council.name:<22} {str(oldest or '-'):<12} local: {', '.join(kinds) or 'none'}")
        lines.append(f"{'':<35} national fallback: {', '.join(fallback) or 'none'}")
        for entry in local:
            if entry.id in stale:
                lines.append(f"    older than 12 months: {entry.name} (checked {entry.last_checked})")
    n = len(geography.councils)
    lines.append("")
    for kind in LOCAL_KINDS:
        lines.append(f"{kind}: {totals[kind]} of {n} councils have a known local entry; {n - totals[kind]} fall back to national")
    lines.append(f"entries: {len(directory.entries)} ({len(directory.national())} national); "
                 f"older than 12 months: {len(stale)}")
    return "\n".join(lines)
