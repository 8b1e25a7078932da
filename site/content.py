"""Content: find, read, validate and parse every Markdown page, reporting every problem at once.

Layout (a page's twin or translation is a path swap):
    content/<slug>.md                        standard English
    content/easy-read/<slug>.md              Easy Read English
    content/<lang>/<slug>.md                 standard translation
    content/<lang>/easy-read/<slug>.md       Easy Read translation
Every problem becomes an `Issue` naming the file, the line, what is wrong and the fix; `load_content`
raises `ContentError` with all of them, so the build stops before anything is written.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from markdown_it.token import Token
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

from finder import yamlio

from .markdown import PICTURE_PREFIX
from .markdown import make_parser
from .markdown import text_blocks
from .markdown import walk_inline

STANDARD = "standard"
EASY_READ = "easy-read"
VARIANTS = (STANDARD, EASY_READ)
SECTIONS = ("home", "understanding", "journey", "who", "help", "pa", "reference")
HOME = "index"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXTENSIONS = (".md", ".markdown")
# Parts of the site that are not Markdown pages but may be linked from content as `/route/`.
SITE_ROUTES = ("find", "search", "data")
IGNORED_FILES = ("README.md",)


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    line: int
    message: str
    fix: str = ""

    def __str__(self) -> str:
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.file}:{self.line}: {self.message}.{fix}"


class ContentError(Exception):
    """One or more content files are wrong; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(set(issues))
        super().__init__("\n".join(str(i) for i in self.issues))


class Translation(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    source_hash: str = Field(pattern=r"^[0-9a-f]{12}$")
    status: Literal["machine", "reviewed"]


class FrontMatter(BaseModel):
    """The keys a page may have. Unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=160)
    section: Literal["home", "understanding", "journey", "who", "help", "pa", "reference"]
    order: int = Field(ge=0)
    updated: date
    sources: list[str] = Field(min_length=1)
    no_easy_read: str | None = Field(default=None, min_length=3)
    translation: Translation | None = None

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
                raise ValueError(f"{url!r} is not a full web address (http:// or https://)")
        return value


FIXES = {
    "missing": "add the key (see content/README.md for every key and an example)",
    "extra_forbidden": "remove the key or correct its spelling; allowed keys: "
    + ", ".join(FrontMatter.model_fields),
    "date_type": "write the date as YYYY-MM-DD, e.g. 2026-11-22",
    "literal_error": "use one of the values listed",
    "string_too_long": "shorten it",
}


@dataclass
class Page:
    """One parsed Markdown file."""

    slug: str
    lang: str
    variant: str
    path: Path  # relative to the project (for messages)
    meta: FrontMatter
    body: str
    body_line: int  # file line of the body's first line
    tokens: list[Token] = field(repr=False)
    raw: bytes = field(repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.lang, self.variant, self.slug)

    @cached_property
    def content_hash(self) -> str:
        """Hash of the page's text, recorded by translations to notice when the source changes."""
        return hashlib.sha256(self.raw).hexdigest()[:12]

    @cached_property
    def heading_ids(self) -> list[str]:
        return [t.attrGet("id") for t in self.tokens if t.type == "heading_open"]

    @cached_property
    def headings(self) -> list[tuple[int, str, str]]:
        """(level, id, text) of every heading."""
        out = []
        for i, token in enumerate(self.tokens):
            if token.type == "heading_open":
                out.append((int(token.tag[1]), token.attrGet("id"), self.tokens[i + 1].content))
        return out

    @cached_property
    def blocks(self) -> list[tuple[int, str, str]]:
        return text_blocks(self.tokens, self.body_line)

    @cached_property
    def plain_text(self) -> str:
        return "\n".join(text for _, _, text in self.blocks)


def _front_matter_lines(node: yaml.Node | None) -> dict[str, int]:
    """Map each top-level front-matter key to its 0-based line inside the YAML."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _classify(rel: Path, languages: list[str]) -> tuple[str, str] | Issue:
    """Language and variant from a path under content/, or an Issue."""
    parts = rel.parts[:-1]
    lang, variant = "en", STANDARD
    if parts and parts[0] != EASY_READ:
        if parts[0] not in languages or parts[0] == "en":
            return Issue(
                str(rel), 1, f"unknown language folder {parts[0]!r}",
                f"use one of the configured languages {', '.join(l for l in languages if l != 'en')} "
                "(English pages sit directly in content/), or add the language to site/site.toml",
            )
        lang, parts = parts[0], parts[1:]
    if parts and parts[0] == EASY_READ:
        variant, parts = EASY_READ, parts[1:]
    if parts:
        return Issue(str(rel), 1, f"unexpected folder {'/'.join(parts)!r}",
                     "pages live in content/, content/easy-read/ or content/<lang>/[easy-read/]")
    return lang, variant


class ContentLoader:
    """Reads every page under a content folder into a `Content` store, collecting issues."""

    def __init__(self, root: Path, languages: list[str], pictures: set[str] | None = None,
                 project_root: Path | None = None, overlays: list[Path] = ()):
        self.root = Path(root)
        # Folders whose pages add to or replace the root's (a partnership's own pages), first wins.
        self.roots = [Path(o) for o in overlays] + [self.root]
        self.languages = languages
        self.pictures = pictures
        self.project_root = project_root or self.root.parent
        self.parser = make_parser()
        self.issues: list[Issue] = []

    def _name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.project_root))
        except ValueError:
            return str(path)

    def load(self) -> "Content":
        pages: dict[tuple[str, str, str], Page] = {}
        claimed: dict[tuple[str, str, str], Path] = {}
        for root in self.roots:
            self._load_root(root, pages, claimed, replaced=set(claimed))
        content = Content(pages, self.languages)
        # Pages that exist but failed to load: don't report their twins or links to them as well.
        self.failed = set(claimed) - set(pages)
        self._check_twins(content)
        self._check_links(content)
        if self.issues:
            raise ContentError(self.issues)
        return content

    def _load_root(self, root: Path, pages: dict, claimed: dict, replaced: set) -> None:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix not in EXTENSIONS:
                continue
            rel = path.relative_to(root)
            if rel.as_posix() in IGNORED_FILES:
                continue
            name = self._name(path)
            where = _classify(rel, self.languages)
            if isinstance(where, Issue):
                self.issues.append(Issue(name, where.line, where.message, where.fix))
                continue
            lang, variant = where
            slug = path.stem.lower()
            if not SLUG.match(slug):
                self.issues.append(Issue(name, 1, f"file name {path.name!r} is not a valid page name",
                                         "use lower-case letters, digits and hyphens, e.g. your-budget.md"))
                continue
            key = (lang, variant, slug)
            if key in replaced:
                continue  # an overlay (partner) page replaces this default page
            if key in claimed:
                self.issues.append(Issue(
                    name, 1, f"two files claim the page {slug!r}: {self._name(claimed[key])} and {name}",
                    "delete or rename one of them"))
                continue
            claimed[key] = path
            page = self._read(path, name, slug, lang, variant)
            if page:
                pages[key] = page

    def _read(self, path: Path, name: str, slug: str, lang: str, variant: str) -> Page | None:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.issues.append(Issue(name, line, f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x})",
                                     "save the file as UTF-8 in your editor"))
            return None
        if text.startswith("\ufeff"):
            text = text[1:]
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            self.issues.append(Issue(name, 1, "the file does not start with front matter",
                                     "start the file with a line '---', the keys, then another '---'"))
            return None
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            self.issues.append(Issue(name, 1, "the front matter is not closed",
                                     "add a line '---' after the last front-matter key"))
            return None
        yaml_text = "\n".join(lines[1:end])
        try:
            node, data = yamlio.node_and_data(yaml_text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 2) if mark else 2
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.issues.append(Issue(name, line, f"the front matter is not valid YAML ({problem})",
                                     "check the indentation and quoting on that line; "
                                     "put a value containing ': ' in quotes"))
            return None
        if not isinstance(data, dict):
            self.issues.append(Issue(name, 2, "the front matter is not a set of 'key: value' lines",
                                     "write one 'key: value' per line"))
            return None
        key_lines = _front_matter_lines(node)
        try:
            meta = FrontMatter.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                key = str(err["loc"][0]) if err["loc"] else ""
                line = key_lines.get(key, end - 1) + 2 if key in key_lines else end + 1
                what = ".".join(str(p) for p in err["loc"])
                message = {"missing": f"the key {what!r} is missing",
                           "extra_forbidden": f"unknown key {what!r}"}.get(
                    err["type"], f"{what}: {err['msg']} (got {err.get('input')!r})")
                self.issues.append(Issue(name, line, message, FIXES.get(err["type"], "see content/README.md")))
            return None
        body = "\n".join(lines[end + 1:])
        body_line = end + 2
        tokens = self.parser.parse(body, {})
        return Page(slug, lang, variant, Path(name), meta, body, body_line, tokens, raw)

    def _check_twins(self, content: "Content") -> None:
        for (lang, variant, slug), page in content.pages.items():
            if lang != "en":
                if ("en", variant, slug) not in content.pages and ("en", variant, slug) not in self.failed:
                    self.issues.append(Issue(str(page.path), 1, f"translation of a page that does not exist: {slug!r}",
                                             f"add the English page content/{'easy-read/' if variant == EASY_READ else ''}{slug}.md "
                                             "or remove this file"))
                continue
            twin = ("en", EASY_READ if variant == STANDARD else STANDARD, slug)
            if twin in self.failed:
                continue
            if variant == STANDARD:
                has_twin = twin in content.pages
                if not has_twin and not page.meta.no_easy_read:
                    self.issues.append(Issue(
                        str(page.path), 1, f"no Easy Read version of {slug!r}",
                        f"write content/easy-read/{slug}.md, or add 'no_easy_read: \"the reason\"' to the front matter"))
                if has_twin and page.meta.no_easy_read:
                    self.issues.append(Issue(str(page.path), 1, "'no_easy_read' is set but an Easy Read version exists",
                                             "remove the 'no_easy_read' key"))
            elif twin not in content.pages:
                self.issues.append(Issue(str(page.path), 1, f"Easy Read page with no standard page: {slug!r}",
                                         f"write content/{slug}.md, or move this file"))
            if page.meta.translation:
                self.issues.append(Issue(str(page.path), 2, "an English page has a 'translation' key",
                                         "remove it: only translated pages record their source"))

    def _check_links(self, content: "Content") -> None:
        for page in content.pages.values():
            for token in page.tokens:
                picture = token.meta.get("picture") if token.type == "paragraph_open" else None
                if picture:
                    self._check_picture(page, PICTURE_PREFIX + picture["name"], picture["alt"],
                                        page.body_line + token.map[0])
            for child, line in walk_inline(page.tokens, page.body_line):
                if child.type == "link_open":
                    problem = content.check_link(page, child.attrGet("href") or "", self.failed)
                    if problem:
                        self.issues.append(Issue(str(page.path), line, problem[0], problem[1]))
                elif child.type == "image":
                    self._check_picture(page, child.attrGet("src") or "", child.content, line)

    def _check_picture(self, page: Page, src: str, alt: str, line: int) -> None:
        name = str(page.path)
        if not src.startswith(PICTURE_PREFIX):
            self.issues.append(Issue(name, line, f"image {src!r} is not a site picture",
                                     "use ![what it shows](pic:NAME) with a name from "
                                     "site/static/pictures/pictures.yml"))
        elif self.pictures is not None and src[len(PICTURE_PREFIX):] not in self.pictures:
            self.issues.append(Issue(name, line, f"unknown picture {src[len(PICTURE_PREFIX):]!r}",
                                     "use a name listed in site/static/pictures/pictures.yml, or add the picture there"))
        elif not alt.strip():
            self.issues.append(Issue(name, line, "picture with no text alternative",
                                     "write what the picture shows between the brackets: ![A telephone](pic:phone)"))


@dataclass(frozen=True)
class Target:
    """Where a content link points: a page (variant, slug, anchor) or a site route."""

    variant: str | None
    slug: str | None
    anchor: str
    route: str | None = None


def parse_link(href: str, from_variant: str) -> Target | None:
    """Interpret an internal link written in content; None for external links."""
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        return None
    if href.startswith("/"):
        return Target(None, None, parts.fragment, route=parts.path.strip("/") + ("/" if parts.path.strip("/") else ""))
    path = parts.path
    if not path:
        return Target(from_variant, "", parts.fragment)  # same page anchor
    variant = from_variant
    if path.startswith("../") and from_variant == EASY_READ:
        variant, path = STANDARD, path[3:]
    elif path.startswith("easy-read/") and from_variant == STANDARD:
        variant, path = EASY_READ, path[len("easy-read/"):]
    slug = path[:-3] if path.endswith(".md") else None
    return Target(variant, slug, parts.fragment)


class Content:
    """All pages, keyed by (lang, variant, slug), with helpers for lookup and link checking."""

    def __init__(self, pages: dict[tuple[str, str, str], Page], languages: list[str]):
        self.pages = pages
        self.languages = languages

    def get(self, lang: str, variant: str, slug: str) -> tuple[Page, bool] | None:
        """The page in `lang`, or its English original; the flag says whether it fell back."""
        page = self.pages.get((lang, variant, slug))
        if page:
            return page, False
        page = self.pages.get(("en", variant, slug))
        return (page, True) if page else None

    def slugs(self, variant: str = STANDARD) -> list[str]:
        return sorted(s for (l, v, s) in self.pages if l == "en" and v == variant)

    def by_section(self, variant: str = STANDARD) -> dict[str, list[Page]]:
        """English pages of a variant grouped by section, each section in page order."""
        out: dict[str, list[Page]] = {s: [] for s in SECTIONS}
        for (lang, v, _), page in self.pages.items():
            if lang == "en" and v == variant:
                out[page.meta.section].append(page)
        for pages in out.values():
            pages.sort(key=lambda p: (p.meta.order, p.slug))
        return out

    def check_link(self, page: Page, href: str, failed: set = frozenset()) -> tuple[str, str] | None:
        """None if the link is fine, else (problem, fix)."""
        if href.startswith(("mailto:", "tel:")):
            return None
        target = parse_link(href, page.variant)
        if target is None:
            scheme = urlsplit(href).scheme
            if scheme not in ("http", "https"):
                return (f"link {href!r} uses an unsupported scheme", "use https://, mailto: or tel:")
            return None
        if target.route is not None:
            first = target.route.split("/")[0]
            if first not in SITE_ROUTES:
                return (f"link {href!r} is not a page of the site",
                        f"link to a page file (other-page.md) or one of: {', '.join('/' + r + '/' for r in SITE_ROUTES)}")
            return None
        if target.slug is None:
            return (f"link {href!r} does not point to a page file",
                    "link to the page's file name ending in .md, e.g. [the four options](the-four-options.md)")
        slug = target.slug or page.slug
        found = self.get(page.lang, target.variant, slug)
        if not found and ("en", target.variant, slug) in failed:
            return None
        if not found:
            where = "easy-read/" if target.variant == EASY_READ else ""
            return (f"broken link: there is no page content/{where}{slug}.md",
                    "correct the file name, or write the page")
        if target.anchor and target.anchor not in found[0].heading_ids:
            ids = ", ".join(found[0].heading_ids[:12])
            return (f"broken link: {slug}.md has no heading with the id {target.anchor!r}",
                    f"use one of its heading ids: {ids}")
        return None


def load_content(root: Path, languages: list[str], pictures: set[str] | None = None,
                 project_root: Path | None = None, overlays: list[Path] = ()) -> Content:
    return ContentLoader(root, languages, pictures, project_root, overlays).load()
