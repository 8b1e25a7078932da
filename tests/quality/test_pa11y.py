"""pa11y-ci (runners axe and htmlcs, WCAG2AA) over the built site, served on 127.0.0.1: zero errors.

The page list is generated from the build (tests/quality/pages.py), never written by hand:
- every content page (home, standard and Easy Read) in every language;
- the finder, when the build has it: every "where do you live?" page and every other finder page
  (help, "which of these?") in every language and variant; the "who is it for?" page of every
  council in English (each lists that council's own organisations) and one rotating council in
  every other language and variant; the "what do you need?" page once for each `who`; results
  chosen so that in English every council, every `who` and every `need` appears at least once in
  each variant, and in every other language and variant every `who` and `need` at least once;
- the search page in every language, every 404 page, the leaflet list and each kind of leaflet;
- every page of a kind the selection does not know yet (a new feature is tested from day one).
Why a sample and not every finder leaf: pa11y takes about 0.7 s a page (two runners, concurrency
2, two cores). Every finder page in six languages and two variants would take well over an hour;
the results share one template and differ only in data, which the sample covers value by value.
SDS_QUALITY_FULL=1 tests every finder page (for a manual or nightly run).

The config, the results and pa11y's output are kept in reports/pa11y/ (git-ignored).
"""
from __future__ import annotations

import time
from collections import defaultdict

import pytest

from .pages import CONTENT
from .pages import EASY_READ
from .pages import FIND_NEED
from .pages import FIND_RESULT
from .pages import FIND_WHERE
from .pages import FIND_WHO
from .pages import HOME
from .pages import NOT_FOUND
from .pages import SEARCH
from .pages import STANDARD
from .pages import has_finder
from .pages import pa11y_pages
from .tools import PA11Y_SECONDS_PER_PAGE
from .tools import describe_pa11y
from .tools import report_path
from .tools import run_pa11y


def test_page_set_covers_every_template_language_and_variant(built_pages, languages):
    chosen = {p.url for p in pa11y_pages(built_pages)}
    must = [p for p in built_pages if p.kind in (HOME, CONTENT, SEARCH, NOT_FOUND)]
    missing = [p.url for p in must if p.url not in chosen]
    assert not missing, f"pages left out of the pa11y set: {missing[:20]}"
    for lang in languages:
        assert f"/{lang}/" in chosen, f"no home page in {lang}"
    if not has_finder(built_pages):
        return
    sample = [p for p in built_pages if p.url in chosen]
    by_group = defaultdict(list)
    for page in sample:
        by_group[(page.kind, page.lang, page.variant)].append(page)
    everything = defaultdict(set)
    for page in built_pages:
        if page.kind == FIND_RESULT:
            for i, value in enumerate(page.parts):
                everything[(page.lang, page.variant, i)].add(value)
    for lang in languages:
        for variant in (STANDARD, EASY_READ):
            if not any(p.kind == FIND_RESULT and p.lang == lang and p.variant == variant for p in built_pages):
                continue
            assert by_group[(FIND_WHERE, lang, variant)], f"no 'where' page for {lang} {variant}"
            assert by_group[(FIND_WHO, lang, variant)], f"no 'who' page for {lang} {variant}"
            assert by_group[(FIND_NEED, lang, variant)], f"no 'need' page for {lang} {variant}"
            results = by_group[(FIND_RESULT, lang, variant)]
            for i in ((0, 1, 2) if lang == "en" else (1, 2)):
                covered = {p.parts[i] for p in results}
                assert covered == everything[(lang, variant, i)], (
                    f"{lang} {variant}: results sample misses answer(s) "
                    f"{sorted(everything[(lang, variant, i)] - covered)}")


def test_pa11y_finds_no_errors(served_site, built_pages):
    pages = pa11y_pages(built_pages)
    urls = [served_site + p.url for p in pages]
    started = time.perf_counter()
    failures = run_pa11y(urls, report_path("pa11y"))
    seconds = time.perf_counter() - started
    print(f"\npa11y-ci: {len(urls)} pages in {seconds:.0f} s ({seconds / len(urls):.2f} s a page; "
          f"planned {PA11Y_SECONDS_PER_PAGE} s)")
    count = sum(len(v) for v in failures.values())
    if failures:
        pytest.fail(f"pa11y-ci: {count} error(s) on {len(failures)} of {len(urls)} pages "
                    f"(full results in reports/pa11y/):\n{describe_pa11y(failures)}", pytrace=False)
