"""Checks that read the built files only: links, anchors and assets resolve; weight budgets.

Both read every HTML page once through `index_build` (ids, links, stylesheets, pictures, scripts).
"""
from __future__ import annotations

import gzip
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urljoin
from urllib.parse import urlsplit

from .pages import url_for_file

FIRST_RENDER_BUDGET = 14 * 1024  # bytes gzipped: HTML + the CSS needed for the first render
TOTAL_BUDGET = 60 * 1024  # bytes gzipped: everything a page loads
TEXT_TYPES = {".html", ".css", ".js", ".mjs", ".svg", ".json", ".xml", ".txt", ".webmanifest", ".ico"}


@dataclass
class Reference:
    tag: str
    attr: str
    value: str
    line: int
    rel: str = ""
    media: str = ""


@dataclass
class PageFacts:
    url: str
    ids: set[str] = field(default_factory=set)
    refs: list[Reference] = field(default_factory=list)


class _Parser(HTMLParser):
    URL_ATTRS = {
        "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"),
        "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "video": ("src", "poster"),
        "audio": ("src",), "track": ("src",), "embed": ("src",), "object": ("data",), "form": ("action",),
        "input": ("src", "formaction"), "button": ("formaction",),
    }

    def __init__(self, facts: PageFacts):
        super().__init__(convert_charrefs=True)
        self.facts = facts

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if "id" in attrs:
            self.facts.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.facts.ids.add(attrs["name"])
        for attr in self.URL_ATTRS.get(tag, ()):
            if attr in attrs:
                value = attrs[attr]
                if attr == "srcset":
                    for candidate in value.split(","):
                        if candidate.strip():
                            self.facts.refs.append(Reference(tag, attr, candidate.split()[0], line))
                else:
                    self.facts.refs.append(Reference(tag, attr, value.strip(), line,
                                                     rel=attrs.get("rel", "").lower(),
                                                     media=attrs.get("media", "").lower()))
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\"\s]+)", attrs.get("content", ""), re.I)
            if match:
                self.facts.refs.append(Reference("meta", "refresh", match.group(1), line))

    handle_startendtag = handle_starttag


def read_page(build: Path, path: Path) -> PageFacts:
    facts = PageFacts(url_for_file(build, path))
    parser = _Parser(facts)
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return facts


def page_file(build: Path, url: str) -> Path:
    return build / url.lstrip("/") / "index.html" if url.endswith("/") else build / url.lstrip("/")


def index_build(build: Path) -> dict[str, PageFacts]:
    """Every HTML page of a build, read once: {url: facts}."""
    return {f.url: f for f in (read_page(build, p) for p in sorted(build.rglob("*.html")))}


CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


def css_references(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(text)]


# --- links ---------------------------------------------------------------------------------------
@dataclass
class Target:
    path: str  # URL path inside the site
    fragment: str
    file: Path | None  # the file that answers it, None if nothing does
    problem: str = ""


def resolve(build: Path, page_url: str, value: str, base_url: str) -> Target | None:
    """Where an internal reference lands; None for an external or non-HTTP reference."""
    if base_url and (value == base_url or value.startswith(base_url + "/")):
        value = value[len(base_url):] or "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    absolute = urljoin(page_url, value)
    parts = urlsplit(absolute)
    path = unquote(parts.path) or "/"
    fragment = unquote(parts.fragment)
    normal = posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    if normal.startswith("/..") or ".." in normal.split("/"):
        return Target(path, fragment, None, "points outside the site")
    file = build / normal.lstrip("/")
    if path.endswith("/"):
        file = file / "index.html"
        if not file.is_file():
            return Target(path, fragment, None, "no such page")
    elif file.is_dir():
        return Target(path, fragment, None,
                      f"is a folder: the link needs a trailing slash ({path}/), static hosts would redirect")
    elif not file.is_file():
        return Target(path, fragment, None, "no such file")
    return Target(path, fragment, file)


@dataclass(frozen=True)
class Broken:
    page: str
    line: int | str
    what: str  # "<a href>", "url()", "<loc>" ...
    value: str
    problem: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.what} {self.value!r}: {self.problem}"


@dataclass
class LinkReport:
    broken: list[Broken]
    external: dict[str, list[str]]  # url -> pages that link to it
    checked: int


def check_links(build: Path, pages: dict[str, PageFacts], base_url: str = "") -> LinkReport:
    broken: list[Broken] = []
    external: dict[str, list[str]] = defaultdict(list)
    checked = 0
    ids_by_file = {page_file(build, url): f.ids for url, f in pages.items()}

    def check(source: str, line: int | str, what: str, value: str) -> None:
        nonlocal checked
        if not value or value.startswith(("data:", "javascript:")):
            if value.startswith("javascript:"):
                broken.append(Broken(source, line, what, value, "a javascript: link does nothing without JavaScript"))
            return
        scheme = urlsplit(value).scheme.lower()
        if scheme in ("mailto", "tel", "sms"):
            external[value].append(source)
            return
        target = resolve(build, source if source.startswith("/") else "/", value, base_url)
        if target is None:
            external[value].append(source)
            return
        checked += 1
        if target.problem:
            broken.append(Broken(source, line, what, value, target.problem))
            return
        if target.fragment and target.file is not None and target.file.suffix == ".html":
            target_ids = ids_by_file.get(target.file)
            if target_ids is None:  # an HTML file that index_build did not read (not UTF-8?)
                target_ids = read_page(build, target.file).ids
            if target.fragment not in target_ids:
                broken.append(Broken(source, line, what, value, f"no element with id {target.fragment!r} on {target.path}"))

    for url, facts in pages.items():
        for ref in facts.refs:
            if ref.tag == "link" and ref.rel in ("dns-prefetch", "preconnect"):
                external[ref.value].append(url)
                continue
            check(url, ref.line, f"<{ref.tag} {ref.attr}>", ref.value)
    for css in sorted(build.rglob("*.css")):
        css_url = url_for_file(build, css)
        for value in css_references(css.read_text(encoding="utf-8", errors="replace")):
            check(css_url, "-", "url()", value)
    for sitemap in sorted(build.glob("sitemap*.xml")):
        for value in re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", sitemap.read_text(encoding="utf-8")):
            check(url_for_file(build, sitemap), "-", "<loc>", value)
    robots = build / "robots.txt"
    if robots.is_file():
        for value in re.findall(r"(?im)^sitemap:\s*(\S+)", robots.read_text(encoding="utf-8")):
            check("/robots.txt", "-", "Sitemap:", value)
    return LinkReport(broken, dict(external), checked)


def write_external_report(report: LinkReport, path: Path) -> None:
    lines = ["# External links in the build (not fetched: CI has no internet). url<TAB>pages<TAB>first pages"]
    for url in sorted(report.external):
        pages = sorted(set(report.external[url]))
        lines.append(f"{url}\t{len(pages)}\t{' '.join(pages[:5])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- weight budgets --------------------------------------------------------------------------------
class Weigher:
    """Gzip sizes of a build's files (level 9, as benchmarks/build.py measures), cached."""

    def __init__(self, build: Path):
        self.build = build
        self._sizes: dict[Path, int] = {}

    def size(self, file: Path) -> int:
        if file not in self._sizes:
            data = file.read_bytes()
            if file.suffix.lower() in TEXT_TYPES:
                self._sizes[file] = len(gzip.compress(data, compresslevel=9, mtime=0))
            else:  # pictures and fonts are compressed already; hosts send them as they are
                self._sizes[file] = len(data)
        return self._sizes[file]

    def css_closure(self, file: Path) -> list[Path]:
        """A stylesheet and everything it pulls in: @import and url() files."""
        seen: list[Path] = []
        todo = [file]
        while todo:
            current = todo.pop()
            if current in seen or not current.is_file():
                continue
            seen.append(current)
            if current.suffix == ".css":
                css_url = url_for_file(self.build, current)
                for value in css_references(current.read_text(encoding="utf-8", errors="replace")):
                    target = resolve(self.build, css_url, value, "")
                    if target is not None and target.file is not None:
                        todo.append(target.file)
        return seen


@dataclass
class Weight:
    url: str
    first_render: int
    total: int
    first_parts: list[tuple[str, int]]
    other_parts: list[tuple[str, int]]
    unmeasured: list[str]

    def describe(self, which: str) -> str:
        parts = self.first_parts if which == "first" else self.first_parts + self.other_parts
        return ", ".join(f"{name} {size:,} B" for name, size in parts)


def _first_render_css(ref: Reference) -> bool:
    media = ref.media.replace(" ", "")
    return ref.tag == "link" and "stylesheet" in ref.rel.split() and "alternate" not in ref.rel.split() \
        and media not in ("print",)


def weigh(build: Path, facts: PageFacts, weigher: Weigher) -> Weight:
    html_file = page_file(build, facts.url)
    first = [("HTML", weigher.size(html_file))]
    other: list[tuple[str, int]] = []
    unmeasured: list[str] = []
    counted: set[Path] = {html_file}
    largest_srcset: dict[int, tuple[int, str, Path]] = {}
    for ref in facts.refs:
        loads = (
            _first_render_css(ref)
            or (ref.tag == "link" and set(ref.rel.split()) & {"stylesheet", "icon", "preload", "modulepreload",
                                                               "manifest", "apple-touch-icon"})
            or (ref.tag in ("img", "source", "script", "video", "audio", "embed", "iframe", "input", "object")
                and ref.attr in ("src", "srcset", "poster", "data"))
        )
        if not loads:
            continue
        target = resolve(build, facts.url, ref.value, "")
        if target is None:
            unmeasured.append(ref.value)
            continue
        if target.file is None:
            continue  # the link check reports it
        if ref.attr == "srcset":  # the browser fetches one candidate: count the largest, per line
            size = weigher.size(target.file)
            if ref.line not in largest_srcset or size > largest_srcset[ref.line][0]:
                largest_srcset[ref.line] = (size, ref.value, target.file)
            continue
        files = weigher.css_closure(target.file) if target.file.suffix == ".css" else [target.file]
        for file in files:
            if file in counted:
                continue
            counted.add(file)
            name = url_for_file(build, file)
            if _first_render_css(ref) and file.suffix == ".css":
                first.append((name, weigher.size(file)))
            else:
                other.append((name, weigher.size(file)))
    for size, value, file in largest_srcset.values():
        if file not in counted:
            counted.add(file)
            other.append((url_for_file(build, file), size))
    first_total = sum(s for _, s in first)
    return Weight(facts.url, first_total, first_total + sum(s for _, s in other), first, other, unmeasured)


def group_broken(broken: list[Broken], limit: int = 60) -> str:
    """One line per broken target (most linked first), with how many pages link to it and where."""
    groups: dict[tuple[str, str], list[Broken]] = defaultdict(list)
    for item in broken:
        groups[(item.value, item.problem)].append(item)
    lines = []
    for (value, problem), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        pages = sorted({i.page for i in items})
        first = ", ".join(f"{i.page}:{i.line}" for i in items[:3])
        lines.append(f"{value!r}: {problem} - from {len(pages)} page(s), e.g. {first}")
    more = f"\n... and {len(lines) - limit} more broken targets" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more
