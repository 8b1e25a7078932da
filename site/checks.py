"""Content rules that keep the writing plain, Easy Read truly easy, and every contact detail sourced.

Each rule reports an `Issue` with the file and line. Thresholds are configuration (`site/site.toml`,
[readability.*] and [checks]); the defaults follow the plain English and Easy Read guidance.
Readability scores are English measures, so they apply to English pages only.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .content import EASY_READ
from .content import Content
from .content import Issue
from .content import STANDARD
from .content import Page

SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z0-9\"'“‘(])")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z](?:s\b|\b)")
PHONE = re.compile(r"(?<![\d])(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
EXPANSION = re.compile(r"\(([A-Z][A-Z0-9]*[A-Z])s?\)")


@dataclass(frozen=True)
class Figures:
    """Readability figures for one page (for reports and the closing note)."""

    path: str
    variant: str
    sentences: int
    words: int
    reading_ease: float
    longest: int

    @property
    def mean_sentence_words(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def sentences(text: str, easy_read: bool) -> list[tuple[int, str]]:
    """Split a block into (line offset within the block, sentence).

    Standard text may wrap a sentence over lines; in Easy Read every line is its own sentence.
    """
    chunks = [(i, line) for i, line in enumerate(text.split("\n"))] if easy_read else [(0, text)]
    out = []
    for base, chunk in chunks:
        start = 0
        bounds = [m.start() for m in SENTENCE_END.finditer(chunk)] + [len(chunk)]
        for end in bounds:
            part = chunk[start:end].strip()
            if WORD.search(part):
                out.append((base + chunk.count("\n", 0, start), " ".join(part.split())))
            start = end
    return out


def word_count(sentence: str) -> int:
    return len(WORD.findall(sentence))


def readable_text(page: Page) -> str:
    """The running text a reader reads: paragraphs and list items, one sentence per line."""
    lines = []
    for _, kind, text in page.blocks:
        if kind == "heading":
            continue
        for _, sentence in sentences(text, page.variant == EASY_READ):
            lines.append(sentence if sentence.endswith((".", "!", "?", ":")) else sentence + ".")
    return "\n".join(lines)


def figures(page: Page) -> Figures:
    import textstat

    text = readable_text(page)
    counts = [word_count(s) for s in text.split("\n") if s]
    ease = textstat.flesch_reading_ease(text) if text else 100.0
    return Figures(str(page.path), page.variant, len(counts), sum(counts), ease, max(counts, default=0))


def readability_report(content: Content) -> str:
    """Per variant of the English pages: mean sentence length, mean reading ease, the hardest page."""
    lines = [f"{'variant':<10}{'pages':>6}{'mean words/sentence':>21}{'mean reading ease':>19}"
             f"{'longest sentence':>18}  hardest page (reading ease)"]
    for variant in (STANDARD, EASY_READ):
        pages = [figures(p) for p in content.pages.values() if p.lang == "en" and p.variant == variant]
        pages = [f for f in pages if f.sentences]
        if not pages:
            continue
        words = sum(f.words for f in pages) / sum(f.sentences for f in pages)
        ease = sum(f.reading_ease for f in pages) / len(pages)
        worst = min(pages, key=lambda f: f.reading_ease)
        lines.append(f"{variant:<10}{len(pages):>6}{words:>21.1f}{ease:>19.1f}{max(f.longest for f in pages):>18}"
                     f"  {worst.path} ({worst.reading_ease:.1f})")
    return "\n".join(lines)


class ContentChecker:
    """Runs every content rule over the English pages and collects issues."""

    def __init__(self, content: Content, limits: dict, allowed_acronyms: Iterable[str] = (),
                 known_contacts: set[str] | None = None):
        self.content = content
        self.limits = limits
        self.allowed = set(allowed_acronyms)
        self.known_contacts = known_contacts
        self.issues: list[Issue] = []

    def run(self) -> list[Issue]:
        glossary = self.content.pages.get(("en", "standard", "glossary"))
        glossary_text = glossary.plain_text if glossary else ""
        for page in self.content.pages.values():
            self.check_contacts(page)
            if page.lang != "en":
                continue
            self.check_sentences(page)
            self.check_reading_ease(page)
            if page.variant == EASY_READ:
                self.check_pictures(page)
                self.check_no_acronyms(page)
            else:
                self.check_acronyms_defined(page, glossary_text)
        return self.issues

    def add(self, page: Page, line: int, message: str, fix: str) -> None:
        self.issues.append(Issue(str(page.path), line, message, fix))

    def check_sentences(self, page: Page) -> None:
        limit = self.limits[page.variant].max_sentence_words
        for line, kind, text in page.blocks:
            if kind == "heading":
                continue
            for offset, sentence in sentences(text, page.variant == EASY_READ):
                words = word_count(sentence)
                if words > limit:
                    self.add(page, line + offset, f"a sentence of {words} words (the limit is {limit}): "
                             f"{sentence[:60]!r}", "split it into shorter sentences")

    def check_reading_ease(self, page: Page) -> None:
        minimum = self.limits[page.variant].min_reading_ease
        result = figures(page)
        if result.sentences and result.reading_ease < minimum:
            self.add(page, page.body_line, f"reading ease {result.reading_ease:.0f} is under {minimum:.0f}",
                     "use shorter sentences and shorter, everyday words")

    def check_pictures(self, page: Page) -> None:
        depth = 0
        for token in page.tokens:
            if token.type.endswith("_open") and token.type.startswith(("bullet_list", "ordered_list")):
                depth += 1
            elif token.type.endswith("_close") and token.type.startswith(("bullet_list", "ordered_list")):
                depth -= 1
            elif token.type == "paragraph_open" and not depth and not token.meta.get("picture"):
                self.add(page, page.body_line + token.map[0], "an Easy Read paragraph without a picture",
                         "start the paragraph with a picture: ![what it shows](pic:NAME)")

    def check_no_acronyms(self, page: Page) -> None:
        for line, _, text in page.blocks + [(page.body_line - 1, "title", page.meta.title)]:
            for offset, row in enumerate(text.split("\n")):
                for match in ACRONYM.finditer(row):
                    if match.group(0).rstrip("s") not in self.allowed:
                        self.add(page, line + offset, f"initials {match.group(0)!r} in Easy Read",
                                 "write the words in full (for example 'Personal Assistant', not 'PA')")

    def check_acronyms_defined(self, page: Page, glossary_text: str) -> None:
        expanded = set(EXPANSION.findall(page.plain_text)) | set(EXPANSION.findall(glossary_text))
        for line, _, text in page.blocks:
            for offset, row in enumerate(text.split("\n")):
                for match in ACRONYM.finditer(row):
                    word = match.group(0).rstrip("s") if match.group(0).endswith("s") else match.group(0)
                    if word not in self.allowed and word not in expanded:
                        self.add(page, line + offset, f"{word!r} is not explained on the page or in the glossary",
                                 f"write it in full the first time, with the initials after it: 'words ({word})', "
                                 "or define it in the glossary")

    def check_contacts(self, page: Page) -> None:
        if self.known_contacts is None:
            return
        for line, _, text in page.blocks:
            for offset, row in enumerate(text.split("\n")):
                for match in list(PHONE.finditer(row)) + list(EMAIL.finditer(row)):
                    found = match.group(0).strip()
                    if normalise_contact(found) not in self.known_contacts:
                        self.add(page, line + offset, f"{found!r} is not in the directory data",
                                 "only give phone numbers and emails that a source shows: add the contact, with "
                                 "its source, to the directory (finder/data/directory/) or remove it")


def normalise_contact(value: str) -> str:
    value = value.strip().lower()
    if "@" in value:
        return value
    digits = re.sub(r"\D", "", value)
    return "0" + digits[2:] if digits.startswith("44") else digits


def check_content(content: Content, limits: dict, allowed_acronyms: Iterable[str] = (),
                  known_contacts: set[str] | None = None) -> list[Issue]:
    return ContentChecker(content, limits, allowed_acronyms, known_contacts).run()
