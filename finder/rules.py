"""The finder's flow as data plus pure functions: questions, allowed answers, the next node, and
which signposts a result shows for (council, who, need).

The flow is fixed: council -> who -> need -> result (the URL names every answer, so a result can be
shared, printed and cached). The policy is data, in data/rules.yml: the answers each question allows
(with conditions), each need's ordered list of signposts, and what each signpost points to
(directory kinds, directory entries, content pages) with a wording key. Wording lives in the site's
templates, never here. `load_rules()` validates the file and raises `RulesError` listing every
problem as `file:line: message. Fix: ...`; `check_rules()` cross-checks it against the geography and
the directory (unknown councils or entries, a result with no local signpost and no stated fallback).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from pathlib import Path

import yaml

from . import yamlio
from .directory import KINDS
from .directory import Directory
from .directory import Entry
from .directory import Gap
from .directory import Problem
from .geo import Geography

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.yml"
# The questions, in order. Each question's answers come from rules.yml, except the council's
# (every council area in the geography). After the last question comes the result.
QUESTIONS = ("council", "who", "need")
RESULT = "result"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = ("questions", "results", "signposts")
SIGNPOST_KEYS = ("id", "kinds", "entries", "pages", "when", "wording")
# What a condition may test: only answers given before the thing it guards.
CONDITION_KEYS = {"who": ("council",), "need": ("council", "who"), "signpost": ("council", "who")}


class RulesError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Condition:
    """Answers a thing applies to; None means any answer."""

    who: frozenset[str] | None = None
    council: frozenset[str] | None = None

    def matches(self, council: str | None = None, who: str | None = None) -> bool:
        if self.council is not None and council not in self.council:
            return False
        if self.who is not None and who not in self.who:
            return False
        return True


ALWAYS = Condition()


@dataclass(frozen=True)
class Answer:
    id: str
    when: Condition = ALWAYS
    line: int = 0


@dataclass(frozen=True)
class Signpost:
    id: str
    wording: str
    kinds: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    when: Condition = ALWAYS
    line: int = 0


@dataclass(frozen=True)
class Rules:
    answers: dict[str, tuple[Answer, ...]]  # "who" and "need"
    results: dict[str, tuple[str, ...]]  # need -> signpost ids, in order
    signposts: dict[str, Signpost]
    file: str = "finder/data/rules.yml"
    result_lines: dict[str, int] = field(default_factory=dict)


# --- the flow: pure functions ----------------------------------------------------------------
def next_node(node: str) -> str:
    """The node after `node` ("council" -> "who" -> "need" -> "result")."""
    if node not in QUESTIONS:
        raise KeyError(f"unknown node {node!r}")
    i = QUESTIONS.index(node)
    return QUESTIONS[i + 1] if i + 1 < len(QUESTIONS) else RESULT


def answers(rules: Rules, node: str, council: str | None = None, who: str | None = None) -> tuple[str, ...]:
    """The answers question `node` offers after the earlier answers (not for "council")."""
    return tuple(a.id for a in rules.answers[node] if a.when.matches(council, who))


def applies(rules: Rules, council: str, who: str, need: str | None = None) -> bool:
    """Whether this combination of answers is offered (pages for others are not built: 404)."""
    if who not in answers(rules, "who", council):
        return False
    return need is None or need in answers(rules, "need", council, who)


def signposts_for(rules: Rules, council: str, who: str, need: str) -> list[Signpost]:
    """The signposts a result shows, in order (empty if the combination is not offered)."""
    if not applies(rules, council, who, need):
        return []
    chosen = (rules.signposts[s] for s in rules.results[need])
    return [s for s in chosen if s.when.matches(council, who)]


def combinations(rules: Rules, councils: list[str]) -> Iterator[tuple[str, str, str]]:
    """Every (council, who, need) a person can reach, in flow order."""
    for council in councils:
        for who in answers(rules, "who", council):
            for need in answers(rules, "need", council, who):
                yield council, who, need


# --- a result's next steps, with organisations from the directory -----------------------------
@dataclass(frozen=True)
class Found:
    """One organisation on a result page, and why it is there."""

    entry: Entry
    status: str  # "local" (in the council's area), "national", or "fallback" (no local one known)
    gap: Gap | None = None
    repeat: bool = False  # already shown by an earlier step on the same page


@dataclass(frozen=True)
class Step:
    signpost: Signpost
    found: tuple[Found, ...]
    pages: tuple[str, ...]

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(f.gap for f in self.found if f.gap is not None)

    @property
    def is_local(self) -> bool:
        """True if this step names a local organisation or an explicitly stated fallback."""
        return any(f.status in ("local", "fallback") for f in self.found)


def organisations(directory: Directory, council: str, signpost: Signpost) -> list[Found]:
    """What a signpost names for a council: local entries of each kind, else the recorded gap's
    fallback, else national entries of that kind; then any named entries."""
    out: list[Found] = []
    for kind in signpost.kinds:
        local = [e for e in directory.local(council) if e.kind == kind]
        if local:
            out += [Found(e, "local") for e in local]
            continue
        gap = next((g for g in directory.gaps(council) if g.kind == kind), None)
        if gap is not None:
            out.append(Found(directory.by_id(gap.fallback), "fallback", gap))
            continue
        out += [Found(e, "national") for e in directory.national() if e.kind == kind]
    for entry_id in signpost.entries:
        entry = directory.by_id(entry_id)
        out.append(Found(entry, "national" if entry.national else "local"))
    return out


def next_steps(rules: Rules, directory: Directory, council: str, who: str, need: str) -> list[Step]:
    """The ordered steps of a result page. An organisation named twice is marked as a repeat."""
    steps, seen = [], set()
    for signpost in signposts_for(rules, council, who, need):
        found = []
        for item in organisations(directory, council, signpost):
            if any(f.entry.id == item.entry.id for f in found):
                continue
            repeat = item.entry.id in seen
            seen.add(item.entry.id)
            found.append(Found(item.entry, item.status, item.gap, repeat) if repeat else item)
        steps.append(Step(signpost, tuple(found), signpost.pages))
    return steps


# --- loading and validation --------------------------------------------------------------------
def _line_index(node, path=(), out=None) -> dict[tuple, int]:
    """Map every key/index path in a composed YAML document to its 1-based line."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (key.value,)] = key.start_mark.line + 1
            _line_index(value, path + (key.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = item.start_mark.line + 1
            _line_index(item, path + (i,), out)
    return out


class _Checker:
    def __init__(self, name: str, lines: dict[tuple, int]):
        self.name, self.lines, self.problems = name, lines, []

    def line(self, *path) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def add(self, path: tuple, message: str, fix: str) -> None:
        self.problems.append(Problem(self.name, self.line(*path), message, fix))


def _expected(values) -> str:
    return "expected one of: " + ", ".join(repr(v) for v in values)


def _condition(check: _Checker, path: tuple, raw, guards: str, known: dict[str, tuple[str, ...]]) -> Condition:
    if raw is None:
        return ALWAYS
    if not isinstance(raw, dict) or not raw:
        check.add(path, "'when' must map a question to a list of answers", "write e.g. when: {who: [my-child]}")
        return ALWAYS
    allowed = CONDITION_KEYS[guards]
    values: dict[str, frozenset[str] | None] = {"who": None, "council": None}
    for key, items in raw.items():
        if key not in allowed:
            what = "unknown node" if key not in QUESTIONS else "a condition on a later or the same question"
            check.add(path + (key,), f"{what} {key!r} in 'when'", _expected(allowed))
            continue
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            check.add(path + (key,), f"'when: {key}' must be a non-empty list", f"write e.g. {key}: [...]")
            continue
        if key == "who":
            for item in items:
                if item not in known["who"]:
                    check.add(path + (key,), f"unknown answer {item!r} for 'who'", _expected(known["who"]))
        values[key] = frozenset(items)
    return Condition(who=values["who"], council=values["council"])


def _answers(check: _Checker, node: str, raw, known) -> tuple[Answer, ...]:
    path = ("questions", node, "answers")
    if not isinstance(raw, list) or not raw:
        check.add(path, f"question {node!r} has no answers", "list its answers under 'answers:'")
        return ()
    out, ids = [], set()
    for i, item in enumerate(raw):
        if isinstance(item, str):
            answer_id, when = item, None
        elif isinstance(item, dict):
            extra = set(item) - {"id", "when"}
            for key in sorted(extra):
                check.add(path + (i, key), f"unknown key {key!r} in an answer", _expected(("id", "when")))
            answer_id, when = item.get("id"), item.get("when")
        else:
            answer_id, when = None, None
        if not isinstance(answer_id, str) or not SLUG.match(answer_id):
            check.add(path + (i,), f"answer {answer_id!r} is not a valid id",
                      "use lower-case words joined by hyphens, e.g. employ-a-pa")
            continue
        if answer_id in ids:
            check.add(path + (i,), f"answer {answer_id!r} is listed twice", "remove one")
            continue
        ids.add(answer_id)
        out.append(Answer(answer_id, _condition(check, path + (i, "when"), when, node, known), check.line(*path, i)))
    return tuple(out)


def _signpost(check: _Checker, i: int, raw, known) -> Signpost | None:
    path = ("signposts", i)
    if not isinstance(raw, dict):
        check.add(path, "a signpost must be a mapping", "start it with '- id: ...'")
        return None
    for key in raw:
        if key not in SIGNPOST_KEYS:
            check.add(path + (key,), f"unknown key {key!r} in a signpost", _expected(SIGNPOST_KEYS))
    signpost_id = raw.get("id")
    if not isinstance(signpost_id, str) or not SLUG.match(signpost_id):
        check.add(path + ("id",), f"signpost id {signpost_id!r} is missing or not valid",
                  "give it an id of lower-case words joined by hyphens")
        return None
    wording = raw.get("wording")
    if not isinstance(wording, str) or not SLUG.match(wording):
        check.add(path + ("wording",), f"signpost {signpost_id!r} has no valid 'wording' key",
                  "add 'wording: <key>' and write its text in site/templates/finder/wording.html")
        wording = signpost_id
    lists = {}
    for key in ("kinds", "entries", "pages"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            check.add(path + (key,), f"'{key}' must be a list", f"write e.g. {key}: [...]")
            value = []
        lists[key] = tuple(value)
    for kind in lists["kinds"]:
        if kind not in KINDS:
            check.add(path + ("kinds",), f"unknown directory kind {kind!r}", _expected(KINDS))
    for slug in lists["pages"]:
        if not SLUG.match(slug):
            check.add(path + ("pages",), f"{slug!r} is not a page slug", "use the page's file name without .md")
    if not any(lists.values()):
        check.add(path, f"signpost {signpost_id!r} points to nothing",
                  "give it 'kinds', 'entries' or 'pages' (or more than one)")
    when = _condition(check, path + ("when",), raw.get("when"), "signpost", known)
    return Signpost(signpost_id, wording, lists["kinds"], lists["entries"], lists["pages"], when, check.line(*path))


def parse_rules(text: str, name: str = "finder/data/rules.yml") -> Rules:
    """Validate the rules text on its own (structure, names, reachability); raise RulesError."""
    try:
        node, data = yamlio.node_and_data(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RulesError([Problem(name, mark.line + 1 if mark else 1, f"not valid YAML ({getattr(exc, 'problem', exc)})",
                                  "check the indentation and quoting on that line")]) from exc
    check = _Checker(name, _line_index(node))
    if not isinstance(data, dict):
        raise RulesError([Problem(name, 1, "expected a mapping with questions, results and signposts",
                                  "see the comment at the top of finder/data/rules.yml")])
    for key in data:
        if key not in TOP_KEYS:
            check.add((key,), f"unknown key {key!r}", _expected(TOP_KEYS))
    for key in TOP_KEYS:
        if key not in data:
            check.add((), f"missing {key!r}", f"add a '{key}:' section")

    questions = data.get("questions") or {}
    answers_: dict[str, tuple[Answer, ...]] = {"who": (), "need": ()}
    if isinstance(questions, dict):
        for key in questions:
            if key not in ("who", "need"):
                why = "the council's answers come from the geography" if key == "council" else "unknown node"
                check.add(("questions", key), f"{why}: {key!r}", _expected(("who", "need")))
        for node_name in ("who", "need"):
            raw = questions.get(node_name)
            if not isinstance(raw, dict) or set(raw) != {"answers"}:
                check.add(("questions", node_name), f"question {node_name!r} must have exactly one key, 'answers'",
                          f"write '{node_name}:' then 'answers: [...]'")
                raw = raw if isinstance(raw, dict) else {}
            known = {"who": tuple(a.id for a in answers_["who"])}
            answers_[node_name] = _answers(check, node_name, raw.get("answers"), known)
    known = {"who": tuple(a.id for a in answers_["who"])}

    signposts: dict[str, Signpost] = {}
    raw_signposts = data.get("signposts") or []
    if not isinstance(raw_signposts, list):
        check.add(("signposts",), "'signposts' must be a list", "start each one with '- id: ...'")
        raw_signposts = []
    for i, raw in enumerate(raw_signposts):
        signpost = _signpost(check, i, raw, known)
        if signpost is None:
            continue
        if signpost.id in signposts:
            check.add(("signposts", i, "id"), f"signpost {signpost.id!r} is defined twice "
                      f"(also at line {signposts[signpost.id].line})", "rename or remove one")
            continue
        signposts[signpost.id] = signpost

    results: dict[str, tuple[str, ...]] = {}
    result_lines: dict[str, int] = {}
    raw_results = data.get("results") or {}
    need_ids = [a.id for a in answers_["need"]]
    if isinstance(raw_results, dict):
        for need, ids in raw_results.items():
            if need not in need_ids:
                check.add(("results", need), f"unknown node {need!r} in results", _expected(need_ids))
                continue
            result_lines[need] = check.line("results", need)
            if not isinstance(ids, list) or not ids:
                check.add(("results", need), f"the result for {need!r} lists no signposts", "list signpost ids: [a, b]")
                continue
            for j, signpost_id in enumerate(ids):
                if signpost_id not in signposts:
                    check.add(("results", need, j), f"unknown signpost {signpost_id!r} in the result for {need!r}",
                              "define it under 'signposts:' or correct the spelling")
                elif ids.index(signpost_id) != j:
                    check.add(("results", need, j), f"signpost {signpost_id!r} is listed twice for {need!r}", "remove one")
            results[need] = tuple(dict.fromkeys(s for s in ids if s in signposts))
    else:
        check.add(("results",), "'results' must map each need to a list of signposts", "write 'need-id: [signpost, ...]'")
    for need in need_ids:
        if need not in raw_results:
            check.add(("questions", "need"), f"need {need!r} has no result (a dead end)",
                      f"add '{need}: [...]' under 'results:'")

    rules = Rules(answers_, results, signposts, name, result_lines)
    if not check.problems:
        _check_reachable(rules, check)
    if check.problems:
        raise RulesError(check.problems)
    return rules


def _check_reachable(rules: Rules, check: _Checker) -> None:
    """Every answer can be chosen and every signpost can be shown by some path through the flow
    (councils aside: council conditions are checked against the geography in check_rules)."""
    whos = [a.id for a in rules.answers["who"]]
    for answer in rules.answers["need"]:
        if answer.when.who is not None and not (answer.when.who & set(whos)):
            check.problems.append(Problem(rules.file, answer.line, f"need {answer.id!r} can never be reached: "
                                          "no answer to 'who' allows it", "widen its 'when'"))
    listed = {s for ids in rules.results.values() for s in ids}
    for signpost in rules.signposts.values():
        if signpost.id not in listed:
            check.problems.append(Problem(rules.file, signpost.line, f"signpost {signpost.id!r} is in no result, so it "
                                          "is never shown", "list it under 'results:' or remove it"))
            continue
        reachable_whos = {w for need, ids in rules.results.items() if signpost.id in ids
                          for a in rules.answers["need"] if a.id == need
                          for w in whos if a.when.who is None or w in a.when.who}
        if signpost.when.who is not None and not (signpost.when.who & reachable_whos):
            check.problems.append(Problem(rules.file, signpost.line, f"signpost {signpost.id!r} can never fire: its "
                                          f"'when: who' {sorted(signpost.when.who)} matches no one who reaches the "
                                          "results that list it", "change its 'when' or the results that list it"))


def check_rules(rules: Rules, geography: Geography, directory: Directory) -> list[Problem]:
    """Cross-check the rules against the geography and the directory."""
    problems: list[Problem] = []
    ids = {e.id for e in directory.entries}
    codes = [c.code for c in geography.councils]

    def add(line: int, message: str, fix: str) -> None:
        problems.append(Problem(rules.file, line, message, fix))

    things = [(a.id, a.when, a.line) for node in ("who", "need") for a in rules.answers[node]]
    things += [(s.id, s.when, s.line) for s in rules.signposts.values()]
    for name, when, line in things:
        if when.council is not None:
            unknown = sorted(when.council - set(codes))
            for code in unknown:
                add(line, f"{name!r}: unknown council code {code!r} in 'when'",
                    "use a GSS code from finder/data/geo/council_areas.csv, e.g. S12000028")
    for signpost in rules.signposts.values():
        for entry_id in signpost.entries:
            if entry_id not in ids:
                add(signpost.line, f"signpost {signpost.id!r}: {entry_id!r} is not a directory entry",
                    "use the id of an entry in finder/data/directory/")
    if problems:
        return problems
    reached = {node: set() for node in ("who", "need")}
    shown: set[str] = set()
    for council, who, need in combinations(rules, codes):
        reached["who"].add(who)
        reached["need"].add(need)
        shown.update(s.id for s in signposts_for(rules, council, who, need))
    for node in ("who", "need"):
        for answer in rules.answers[node]:
            if answer.id not in reached[node]:
                add(answer.line, f"answer {answer.id!r} to {node!r} can never be reached in any council",
                    "check its 'when'")
    for signpost in rules.signposts.values():
        if signpost.id not in shown:
            add(signpost.line, f"signpost {signpost.id!r} can never fire in any council",
                "check its 'when: council' and 'when: who'")
    empty: dict[tuple[str, str], list[str]] = {}
    for council, who, need in combinations(rules, codes):
        steps = next_steps(rules, directory, council, who, need)
        for step in steps:
            if not step.found and not step.pages:
                empty.setdefault((step.signpost.id, "shows nothing"), []).append(council)
        if not any(step.is_local for step in steps):
            name = geography.by_code[council].name
            add(rules.result_lines.get(need, 1), f"the result for {need!r} (who: {who}) in {name} names no local "
                f"organisation and no stated fallback", "add a signpost with kinds such as [council-first-contact] "
                "or [independent-support], or record the gap and its national fallback in finder/data/directory/")
    for (signpost_id, _), councils in empty.items():
        names = ", ".join(geography.by_code[c].name for c in sorted(set(councils))[:5])
        add(rules.signposts[signpost_id].line, f"signpost {signpost_id!r} shows nothing in {names}",
            "add a directory entry or gap record for its kinds, or give it pages")
    return problems


def load_rules(path: Path | None = None, geography: Geography | None = None,
               directory: Directory | None = None) -> Rules:
    """Read and validate rules.yml; with a geography and a directory, cross-check them too."""
    path = Path(path or RULES_FILE)
    name = "finder/data/rules.yml" if path == RULES_FILE else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError([Problem(name, 1, f"cannot read the file ({exc})", "check it exists and is UTF-8")]) from exc
    rules = parse_rules(text, name)
    if geography is not None and directory is not None:
        problems = check_rules(rules, geography, directory)
        if problems:
            raise RulesError(problems)
    return rules


@cache
def default_rules() -> Rules:
    """The project's rules, validated against the real geography and directory (cached)."""
    from .directory import default_directory
    from .geo import load_geography

    return load_rules(RULES_FILE, load_geography(), default_directory())
