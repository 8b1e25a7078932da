"""Measuring search quality against a labelled query set (tests/search_queries.yml).

Shared by tests/test_search_quality.py and benchmarks/search.py so both count a hit the same way:
a query hits when one of its expected pages is among the first three results shown; a result shows a
page and, unless the Easy Read filter is on, its twin (search shows a page's two versions as one
result). An expected "easy-read/<slug>" must be the Easy Read version itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..content import EASY_READ
from ..content import STANDARD

# The languages the site is planned in (site.toml lists those that are live).
PLANNED_LANGUAGES = [("en", "English", "ltr"), ("gd", "Gàidhlig", "ltr"), ("pl", "Polski", "ltr"),
                     ("uk", "Українська", "ltr"), ("ur", "اردو", "rtl"), ("ar", "العربية", "rtl")]


@dataclass(frozen=True)
class LabelledQuery:
    q: str
    top: tuple[str, ...]
    kind: str
    lang: str = "en"
    easy_read: bool = False
    held_out: bool = False

    def expected(self) -> set[tuple[str | None, str]]:
        """(variant or None for either, slug) pairs."""
        out = set()
        for item in self.top:
            if item.startswith("easy-read/"):
                out.add((EASY_READ, item.removeprefix("easy-read/")))
            else:
                out.add((None, item))
        return out


def load_queries(path: Path) -> list[LabelledQuery]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [LabelledQuery(str(item["q"]), tuple(item["top"]), item["kind"], item.get("lang", "en"),
                          bool(item.get("easy_read", False)), bool(item.get("held_out", False)))
            for item in raw]


def shown(results: list[tuple[str, str, str | None]]) -> list[set[tuple[str, str]]]:
    """Per result, the (variant, slug) pairs it shows, from (variant, slug, twin variant or None)."""
    out = []
    for variant, slug, twin in results:
        pages = {(variant, slug)}
        if twin:
            pages.add((twin, slug))
        out.append(pages)
    return out


def rank_of(query: LabelledQuery, results: list[tuple[str, str, str | None]]) -> int | None:
    """1-based position of the first result showing an expected page, or None."""
    for i, pages in enumerate(shown(results), start=1):
        for variant, slug in pages:
            for want_variant, want_slug in query.expected():
                if slug == want_slug and (want_variant is None or want_variant == variant):
                    return i
    return None


def existing(query: LabelledQuery, slugs: set[str]) -> bool:
    """Whether any expected page exists (content is still being written)."""
    return any(slug in slugs for _, slug in query.expected())


def planned_config(config):
    """`config` with every planned language switched on (pages not translated fall back to English)."""
    from ..config import Language

    return config.model_copy(update={"languages": [Language(code=c, name=n, dir=d) for c, n, d in PLANNED_LANGUAGES]})


def twin_variant(variant: str) -> str:
    return STANDARD if variant == EASY_READ else EASY_READ
