"""What is in a build, read from the build itself: every HTML page, classified by the URL contract.

The quality gates choose their pages from this, never from a hand-written list, so a new page, a new
language or the finder's pages are tested as soon as the build writes them.

URL contract (see site/state.py and the finder issue):
    /<lang>/                          home                /<lang>/easy-read/          Easy Read home
    /<lang>/<slug>/                   content page        /<lang>/easy-read/<slug>/   Easy Read page
    /<lang>/[easy-read/]find/                             finder: where do you live?
    /<lang>/[easy-read/]find/<council>/                   finder: who is the support for?
    /<lang>/[easy-read/]find/<council>/<who>/             finder: what do you need?
    /<lang>/[easy-read/]find/<council>/<who>/<need>/      finder: your next steps (a result)
    /<lang>/search/   /404.html   /<lang>/404.html   /leaflets/...   /q/<code>/ (short addresses)
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

STANDARD, EASY_READ = "standard", "easy-read"

# Kinds of page
HOME, CONTENT = "home", "content"
FIND_WHERE, FIND_WHO, FIND_NEED, FIND_RESULT, FIND_OTHER = (
    "find-where", "find-who", "find-need", "find-result", "find-other")
SEARCH, NOT_FOUND, LEAFLET_INDEX, LEAFLET, REDIRECT, OTHER = (
    "search", "not-found", "leaflet-index", "leaflet", "redirect", "other")
FINDER_QUESTIONS = (FIND_WHERE, FIND_WHO, FIND_NEED)

_REFRESH = re.compile(rb"<meta\s+http-equiv=[\"']?refresh", re.I)

# Set SDS_QUALITY_FULL=1 to put every finder page (not a sample) through pa11y and vnu: about
# 0.7 s a page, so only for a nightly or a manual run.
FULL = os.environ.get("SDS_QUALITY_FULL") == "1"


@dataclass(frozen=True)
class BuiltPage:
    url: str  # the path a browser asks for, e.g. "/en/find/fife/"
    file: Path
    kind: str
    lang: str | None = None
    variant: str | None = None
    parts: tuple[str, ...] = field(default=())  # finder answers: (council, who, need)

    def __str__(self) -> str:
        return self.url


def url_for_file(build: Path, path: Path) -> str:
    rel = path.relative_to(build).as_posix()
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def classify(url: str, file: Path, languages: set[str], councils: set[str]) -> BuiltPage:
    if file.is_file() and _REFRESH.search(file.read_bytes()[:4096]):
        return BuiltPage(url, file, REDIRECT)
    segments = [s for s in url.split("/") if s]
    if url == "/404.html":
        return BuiltPage(url, file, NOT_FOUND, "en")
    if not segments:
        return BuiltPage(url, file, OTHER)
    first, rest = segments[0], segments[1:]
    if first == "leaflets":
        return BuiltPage(url, file, LEAFLET_INDEX if not rest else LEAFLET, "en", parts=tuple(rest))
    if first not in languages:
        return BuiltPage(url, file, OTHER)
    lang = first
    if rest == ["404.html"]:
        return BuiltPage(url, file, NOT_FOUND, lang)
    variant = STANDARD
    if rest[:1] == [EASY_READ]:
        variant, rest = EASY_READ, rest[1:]
    if not rest:
        return BuiltPage(url, file, HOME, lang, variant)
    if rest[0] == "find":
        answers = tuple(rest[1:])
        if not answers:
            kind = FIND_WHERE
        elif answers[0] in councils and len(answers) <= 3:
            kind = (FIND_WHO, FIND_NEED, FIND_RESULT)[len(answers) - 1]
        else:
            kind = FIND_OTHER  # help pages, "which of these?" pages and anything new: all tested
        return BuiltPage(url, file, kind, lang, variant, answers)
    if rest[0] == "search":
        return BuiltPage(url, file, SEARCH, lang, variant)
    if len(rest) == 1 and not rest[0].endswith(".html") and rest[0] != "open-data":
        return BuiltPage(url, file, CONTENT, lang, variant)
    return BuiltPage(url, file, OTHER, lang, variant)


def discover(build: Path, languages: Iterable[str], councils: Iterable[str] = ()) -> list[BuiltPage]:
    """Every HTML page in the build, classified, in a stable order."""
    languages, councils = set(languages), set(councils)
    pages = [classify(url_for_file(build, p), p, languages, councils) for p in build.rglob("*.html")]
    return sorted(pages, key=lambda p: p.url)


def council_slugs() -> list[str]:
    from finder.geo import load_geography

    return [c.slug for c in load_geography().councils]


def has_finder(pages: Iterable[BuiltPage]) -> bool:
    return any(p.kind == FIND_WHERE and p.lang == "en" and p.variant == STANDARD for p in pages)


# --- choosing pages ------------------------------------------------------------------------------
def _rotated(items: list, offset: int) -> list:
    if not items:
        return items
    offset %= len(items)
    return items[offset:] + items[:offset]


def cover(pages: list[BuiltPage], dimensions: tuple[int, ...], offset: int = 0) -> list[BuiltPage]:
    """A small, deterministic set of finder pages in which every value of each chosen answer
    (0 = council, 1 = who, 2 = need) appears at least once: greedy set cover. `offset` rotates the
    tie-break order so that different languages and variants test different combinations."""
    ordered = _rotated(sorted(pages, key=lambda p: p.parts), offset)
    wanted = {(d, p.parts[d]) for p in ordered for d in dimensions if d < len(p.parts)}
    chosen: list[BuiltPage] = []
    while wanted:
        best, gain = None, 0
        for page in ordered:
            g = len({(d, page.parts[d]) for d in dimensions if d < len(page.parts)} & wanted)
            if g > gain:
                best, gain = page, g
        assert best is not None
        chosen.append(best)
        wanted -= {(d, best.parts[d]) for d in dimensions if d < len(best.parts)}
    return sorted(chosen, key=lambda p: p.url)


def finder_sample(pages: list[BuiltPage], primary_lang: str = "en") -> list[BuiltPage]:
    """Finder pages for the gates (see the module docstring of test_pa11y for the reasoning):
    - every "where do you live?" and every other finder page (help, "which of these?"), every
      language and variant;
    - "who is it for?": every council in the primary language's standard variant (each shows that
      council's own organisations); one council (rotating) in every other language and variant;
    - "what do you need?": each `who` once in every language and variant (councils rotating);
    - results: in the primary language, every council, who and need at least once in each variant;
      in every other language and variant, every who and need at least once.
    """
    if FULL:
        return [p for p in pages if p.kind in (*FINDER_QUESTIONS, FIND_RESULT, FIND_OTHER)]
    groups: dict[tuple[str, str], dict[str, list[BuiltPage]]] = defaultdict(lambda: defaultdict(list))
    for page in pages:
        if page.kind in (*FINDER_QUESTIONS, FIND_RESULT, FIND_OTHER):
            groups[(page.lang, page.variant)][page.kind].append(page)
    chosen: list[BuiltPage] = []
    for index, key in enumerate(sorted(groups)):
        lang, variant = key
        kinds = groups[key]
        primary = lang == primary_lang
        chosen += kinds[FIND_WHERE] + kinds[FIND_OTHER]
        if primary and variant == STANDARD:
            chosen += kinds[FIND_WHO]
        else:
            chosen += _rotated(sorted(kinds[FIND_WHO], key=lambda p: p.url), index * 5)[:1]
        chosen += cover(kinds[FIND_NEED], (1,), offset=index * 7)
        chosen += cover(kinds[FIND_RESULT], (0, 1, 2) if primary else (1, 2), offset=index * 11)
    return chosen


def leaflet_sample(pages: list[BuiltPage]) -> list[BuiltPage]:
    """The leaflet list, and each kind of leaflet (home, Easy Read, PA, one council) in each size:
    every council's leaflet is the same template with a different name."""
    chosen = [p for p in pages if p.kind == LEAFLET_INDEX]
    leaflets = [p for p in pages if p.kind == LEAFLET]
    councils = sorted(p.parts[0] for p in leaflets if re.fullmatch(r"c\d\d", p.parts[0]))
    for page in leaflets:
        code = page.parts[0]
        if re.fullmatch(r"c\d\d", code) and code != councils[0]:
            continue
        chosen.append(page)
    return chosen


def pa11y_pages(pages: list[BuiltPage]) -> list[BuiltPage]:
    """The page set for pa11y-ci (and the Nu Html Checker): every content page in every language and
    variant, the finder sample, search, every 404 page, the leaflet sample, and every page of a kind
    this module does not know yet (so a new feature is tested until someone chooses a sample)."""
    chosen = [p for p in pages if p.kind in (HOME, CONTENT, SEARCH, NOT_FOUND, OTHER)]
    chosen += finder_sample(pages)
    chosen += leaflet_sample(pages)
    seen: dict[str, BuiltPage] = {}
    for page in chosen:
        seen.setdefault(page.url, page)
    return sorted(seen.values(), key=lambda p: p.url)


def vnu_pages(pages: list[BuiltPage]) -> list[BuiltPage]:
    """The pa11y set plus the redirect pages (/ and the /q/ short addresses), which a browser leaves
    at once and pa11y therefore cannot test: one of each template."""
    redirects = [p for p in pages if p.kind == REDIRECT]
    sample = [p for p in redirects if p.url == "/"] + [p for p in redirects if p.url != "/"][:1]
    return sorted({p.url: p for p in pa11y_pages(pages) + sample}.values(), key=lambda p: p.url)


def longest(pages: Iterable[BuiltPage]) -> BuiltPage | None:
    pages = list(pages)
    return max(pages, key=lambda p: (p.file.stat().st_size, p.url)) if pages else None


def browser_pages(pages: list[BuiltPage], rtl_languages: Iterable[str] = ()) -> list[BuiltPage]:
    """One page of every template for the real-browser checks, in English and in the first
    right-to-left language (when one is configured). Where a template has many pages, the largest
    (the most content, so the most likely to overflow or crowd) is taken."""
    chosen: list[BuiltPage] = []
    rtl = sorted(rtl_languages)[:1]
    for lang in ["en", *rtl]:
        mine = [p for p in pages if p.lang == lang]
        for kind in (HOME, CONTENT, SEARCH, FIND_WHERE, FIND_WHO, FIND_NEED, FIND_RESULT, FIND_OTHER):
            for variant in (STANDARD, EASY_READ):
                page = longest(p for p in mine if p.kind == kind and p.variant == variant)
                if page is not None:
                    chosen.append(page)
        page = next((p for p in mine if p.kind == NOT_FOUND), None)
        if page is not None:
            chosen.append(page)
        if lang == "en":
            chosen += [p for p in mine if p.kind == OTHER][:1]  # the open data page
    chosen += [p for p in pages if p.kind == LEAFLET_INDEX]
    return sorted({p.url: p for p in chosen}.values(), key=lambda p: p.url)
