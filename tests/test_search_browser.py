"""search.js in a real browser (Debian's Chromium), on static builds served as a static host serves them.

It must answer exactly as its Python twin (static_index.StaticSearcher, which the quality tests hold to
Whoosh's ranking), announce results through the status region, stay usable from the keyboard, fetch
only the index files a query needs, and leave the page usable without JavaScript.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sds_site import create_app
from sds_site.build import build
from sds_site.config import load_config
from sds_site.search.evaluate import load_queries
from sds_site.search.evaluate import planned_config
from sds_site.search.static_index import META
from sds_site.search.static_index import StaticSearcher

from conftest import SITE_FIXTURE

pytestmark = pytest.mark.browser

QUERIES = load_queries(Path(__file__).with_name("search_queries.yml"))


@pytest.fixture(scope="module")
def chromium(browser):
    """pytest-playwright's session browser (Debian's Chromium, see tests/conftest.py)."""
    return browser


def serve_folder(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def index_folder(build_dir: Path, lang: str) -> Path:
    html = (build_dir / lang / "search" / "index.html").read_text(encoding="utf-8")
    return build_dir / re.search(r'data-index="/([^"]+)/"', html).group(1)


def js_search(page, text: str, easy_read: bool = False) -> list[str]:
    """Type a query, press Enter, wait for the announcement; the result and twin links, in order."""
    page.set_checked("#search-er", easy_read)
    page.evaluate("document.getElementById('search-status').textContent = ''")
    page.fill("#search-q", text)
    page.press("#search-q", "Enter")
    page.wait_for_function("/\\d/.test(document.getElementById('search-status').textContent)", timeout=10_000)
    return page.eval_on_selector_all("#search-list > li", """items => items.map(li =>
        [...li.querySelectorAll('a')].map(a => new URL(a.href).pathname).join(' '))""")


def python_search(searcher: StaticSearcher, text: str, easy_read: bool = False) -> list[str]:
    ranked, _ = searcher.search(text, easy_read)
    out = []
    for n, _ in ranked[:10]:
        path, _, _, _, _, twin = searcher.docs[n]
        out.append(path if easy_read or twin < 0 else f"{path} {searcher.docs[twin][0]}")
    return out


# --- the real site ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_page(chromium, served_site):
    page = chromium.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served_site + "/en/search/")
    yield page, errors
    page.close()


def test_search_js_answers_as_python_on_the_real_site(real_page, real_build):
    page, errors = real_page
    searcher = StaticSearcher(index_folder(real_build, "en"))
    english = [q for q in QUERIES if q.lang == "en"]
    assert len(english) >= 40
    for query in english:
        assert js_search(page, query.q, query.easy_read) == python_search(searcher, query.q, query.easy_read), query.q
    assert not errors


def test_search_js_fetches_only_the_index_files_a_query_needs(chromium, served_site, real_build):
    page = chromium.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(urlsplit(r.url).path) if "/search/index/" in r.url else None)
    page.goto(served_site + "/en/search/")
    assert fetched == [], "nothing is fetched before a search"
    js_search(page, "direct payments")
    searcher = StaticSearcher(index_folder(real_build, "en"))
    searcher.search("direct payments")
    assert sorted(Path(p).name for p in fetched) == sorted(searcher.loaded)
    assert len(fetched) < 6 and META in fetched[0]
    before = len(fetched)
    js_search(page, "direct payment")
    assert len(fetched) == before, "a similar query reuses what was fetched"
    page.close()


def test_results_are_announced_and_keyboard_usable(real_page):
    page, _ = real_page
    js_search(page, "respite")
    assert page.get_attribute("#search-status", "role") == "status"
    assert re.fullmatch(r"Pages found: \d+", page.text_content("#search-status"))
    assert page.evaluate("document.activeElement.id") == "search-q", "focus stays in the search box"
    first = page.eval_on_selector("#search-list a", "a => a.href")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.href || ''") == first:
            break
    else:
        pytest.fail("the first result cannot be reached with the Tab key")
    assert "q=respite" in page.url, "the address holds the query (shareable, back button)"


def test_did_you_mean_and_no_results_in_the_browser(real_page):
    page, _ = real_page
    js_search(page, "dirct paymnet")
    assert page.is_visible("#search-did")
    page.click("#search-did a")
    page.wait_for_function("document.getElementById('search-q').value === 'direct payment'")
    page.wait_for_function("!document.getElementById('search-did').textContent.includes('dirct') || "
                           "document.getElementById('search-did').hidden")
    js_search(page, "xqzvw blorft")
    assert page.is_visible("#search-none") and page.text_content("#search-status") == "Pages found: 0"
    assert page.is_visible("#a-z") and page.is_visible("#search-none a[href='/en/find/']")


def test_an_address_with_a_query_is_answered_on_load(chromium, served_site, real_build):
    page = chromium.new_page()
    page.goto(served_site + "/en/search/?q=PA+wages&variant=easy-read")
    page.wait_for_function("/\\d/.test(document.getElementById('search-status').textContent)")
    assert page.input_value("#search-q") == "PA wages" and page.is_checked("#search-er")
    shown = page.eval_on_selector_all("#search-list > li h2 a", "links => links.map(a => new URL(a.href).pathname)")
    expected = python_search(StaticSearcher(index_folder(real_build, "en")), "PA wages", easy_read=True)
    assert shown == expected and all(path.startswith("/en/easy-read/") for path in shown)
    page.close()


def test_without_javascript_every_page_is_listed(chromium, served_site, real_build):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + "/en/search/?q=direct+payments")
    assert page.is_visible("#a-z")
    assert page.locator("#a-z a").count() >= 2 * 25
    assert page.is_visible("noscript p") or "use the list of every page" in page.content()
    context.close()


# --- other languages: a small build with every planned language and one real translation -------------
POLISH = """---
title: Cztery opcje
summary: Cztery sposoby organizacji wsparcia, w tym płatność bezpośrednia.
section: understanding
order: 30
updated: 2026-11-01
sources:
  - https://www.legislation.gov.uk/asp/2013/1/contents
translation:
  source_hash: {hash}
  status: machine
---
## Opcja 1: płatność bezpośrednia

Dostajesz pieniądze i sam organizujesz opiekę. Możesz zatrudnić asystenta osobistego.
"""
OTHER_LANGUAGE_QUERIES = {
    "pl": ["płatność bezpośrednia", "platnosc bezposrednia", "asystent osobisty", "skarga", "direct payment",
           "PŁATNOŚĆ", "opieka*", "zatrudnic asystenta"],
    "gd": ["pàigheadh dìreach", "paigheadh direach", "gearan", "measadh"],
    "uk": ["прямі виплати", "скарга", "п'ять", "оцінка потреб"],
    "ur": ["براہِ راست ادائیگی", "براہ راست ادائیگی", "شکایت", "جائزہ"],
    "ar": ["مدفوعات مباشرة", "مُدفوعات مُباشِرة", "شكوى", "تقييم"],
}


@pytest.fixture(scope="module")
def planned_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-languages")
    project = root / "project"
    shutil.copytree(SITE_FIXTURE, project)
    english = (project / "content" / "the-four-options.md").read_bytes()
    (project / "content" / "pl").mkdir()
    (project / "content" / "pl" / "the-four-options.md").write_text(
        POLISH.format(hash=hashlib.sha256(english).hexdigest()[:12]), encoding="utf-8")
    app = create_app(planned_config(load_config()), project_dir=project)
    build(app, root / "out", jobs=1)
    server, base = serve_folder(root / "out")
    yield root / "out", base
    server.shutdown()


def test_search_js_answers_as_python_in_every_language(chromium, planned_build):
    out, base = planned_build
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for lang, texts in OTHER_LANGUAGE_QUERIES.items():
        page.goto(f"{base}/{lang}/search/")
        searcher = StaticSearcher(index_folder(out, lang))
        for text in texts:
            assert js_search(page, text) == python_search(searcher, text), f"{lang}: {text}"
    page.goto(f"{base}/pl/search/")
    assert js_search(page, "platnosc bezposrednia")[0].startswith("/pl/the-four-options/")
    assert page.get_attribute("#search-list a", "lang") is None, "the Polish page is in Polish"
    js_search(page, "council")
    assert page.get_attribute("#search-list a", "lang") == "en", "an English page is marked as English"
    assert not errors
    page.close()
