"""Search: analysis per language, query bounds, the search page, the JSON API and the static index."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sds_site import create_app
from sds_site.build import build
from sds_site.config import Language
from sds_site.config import load_config
from sds_site.search import search_service
from sds_site.search.index import DATA_FILE
from sds_site.search.index import load_language_data
from sds_site.search.index import make_analysis
from sds_site.search.index import surfaces
from sds_site.search.query import MAX_EXPANSIONS
from sds_site.search.query import MAX_WORDS
from sds_site.search.query import distance
from sds_site.search.query import parse
from sds_site.search.query import resolve
from sds_site.search.static_index import META
from sds_site.search.static_index import StaticSearcher

from conftest import PROJECT_DIR
from conftest import SITE_FIXTURE

SEARCH_JS = PROJECT_DIR / "site" / "static" / "js" / "search.js"


# --- analysis ---------------------------------------------------------------------------------------
def test_words_are_lower_cased_folded_and_keep_inner_apostrophes():
    assert surfaces("Won't PA's Gàidhlig ZŁOŻYĆ café") == ["wont", "pas", "gaidhlig", "zlozyc", "cafe"]
    assert surfaces("Ukrainian п’ять and п'ять") == ["ukrainian", "пять", "and", "пять"]


def test_single_letters_are_dropped_but_digits_kept():
    assert surfaces("a b Option 1 x 2") == ["option", "1", "2"]


def test_arabic_and_urdu_letter_forms_are_unified():
    with_marks, plain = "اَلدَّفْعُ الْمُبَاشِرُ", "الدفع المباشر"
    assert surfaces(with_marks) == surfaces(plain) == ["الدفع", "المباشر"]
    assert surfaces("أحمد") == surfaces("احمد")  # alef with hamza
    assert surfaces("ادائیگی") == surfaces("ادائيگي")  # Urdu and Arabic yeh
    assert surfaces("کیئرر") == surfaces("كيئرر")  # Urdu and Arabic kaf
    assert surfaces("صفحہ ١٢ ۳") == ["صفحه", "12", "3"]  # heh forms; Arabic-Indic digits


def test_very_long_words_are_ignored():
    assert surfaces("x" * 41 + " fine") == ["fine"]


def test_english_is_stemmed_other_languages_are_not():
    data = load_language_data()
    en = make_analysis("en", data)
    assert en.term("payments") == en.term("payment") == "payment"
    assert en.term("caring") == en.term("care")
    assert en.term("the") is None and en.term("my") is None
    for lang in ("gd", "pl", "uk", "ur", "ar"):
        analysis = make_analysis(lang, data)
        assert analysis.stem is None, lang
    assert make_analysis("pl", data).term("platnosci") == "platnosci"
    assert make_analysis("ar", data).term("المدفوعات") == "المدفوعات"
    assert make_analysis("pl", data).term("nie") is None  # stop words from synonyms.yml


def test_search_data_loads_for_every_planned_language():
    data = load_language_data(DATA_FILE)
    assert {"en", "gd", "pl", "uk", "ur", "ar"} <= set(data)
    assert len(data["en"].synonyms) >= 20
    assert all(group.words and group.means for lang in data.values() for group in lang.synonyms)


def test_malformed_search_data_names_the_problem(tmp_path):
    from sds_site.search.index import SearchDataError

    bad = tmp_path / "synonyms.yml"
    bad.write_text("en:\n  synonyms:\n    - words: direct payment\n      means: option 1\n", encoding="utf-8")
    with pytest.raises(SearchDataError, match=r"en.synonyms\[0\].words must be a list"):
        load_language_data(bad)


# --- query bounds ----------------------------------------------------------------------------------
def test_queries_are_cut_to_a_bounded_number_of_words():
    words, truncated = parse(" ".join(f"word{i}" for i in range(50)))
    assert len(words) == MAX_WORDS and truncated
    words, truncated = parse("a" * 10_000)
    assert words == [] and truncated


def test_operators_and_punctuation_are_just_words():
    words, _ = parse('title:"direct payment" AND (PA OR -carer) http://x.org/a*b')
    assert [w.surface for w in words] == ["title", "direct", "payment", "and", "pa", "or", "carer", "http", "org"]


def test_distance_counts_a_swap_as_one_edit():
    assert distance("reveiw", "review", 2) == 1
    assert distance("complane", "complain", 2) == 2
    assert distance("payment", "pavement", 1) == 2  # over the limit: limit + 1


@pytest.fixture(scope="module")
def english_index(real_app):
    return search_service(real_app).index("en")


def test_a_wildcard_stands_for_a_bounded_number_of_known_words(english_index):
    resolved = resolve("pa*", english_index, english_index.synonyms)
    expanded = [s for s, ts in english_index.bucket("pa") if ts and s.startswith("pa")][:MAX_EXPANSIONS]
    assert len(expanded) == MAX_EXPANSIONS
    assert set(resolved.weights) >= {t for s in expanded for t in english_index.lookup(s)}
    assert parse("1*")[0][0].wildcard is False  # one character is too short to expand
    assert resolve("*", english_index, english_index.synonyms).empty


def test_unknown_word_forms_and_misspellings_find_known_words(english_index):
    resolved = resolve("budgeting", english_index, english_index.synonyms)
    assert "budget" in resolved.weights and not resolved.corrections  # a suffix rule, not a correction
    resolved = resolve("dirct paymnet", english_index, english_index.synonyms)
    assert resolved.suggestion == "direct payment"
    assert resolve("xqzv", english_index, english_index.synonyms).empty


def test_every_synonym_leads_to_words_the_site_uses(english_index):
    assert english_index.unknown_synonym_words() == []


# --- the search page and the JSON API (live) -----------------------------------------------------
def html_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def result_links(html: str) -> list[str]:
    """The result titles' links (not the empty <template> search.js copies)."""
    return re.findall(r'<h2 class="c-result__title"><a href="([^"]+)"', html[:html.index("<template")])


def test_search_page_lists_every_page_by_topic_without_a_query(client, app):
    html = html_of(client, "/en/search/")
    az = html[html.index('id="a-z"'):]
    state = app.extensions["sds"]
    for slug in state.content.slugs():
        if slug != "index":
            assert f'href="/en/{slug}/"' in az, slug
    assert 'href="/en/easy-read/the-four-options/"' in az
    assert html.count("<h1") == 1
    assert re.search(r'<p class="c-search-status" id="search-status" role="status"></p>', html)
    assert '<noscript>' in html and 'src="/static/js/search.js?v=' in html


def test_search_page_points_search_js_at_the_served_index(client):
    html = html_of(client, "/en/search/")
    folder = re.search(r'data-index="(/en/search/index/[0-9a-f]{12}/)"', html).group(1)
    meta = client.get(folder + META)
    assert meta.status_code == 200 and meta.mimetype == "application/json"
    shards = meta.get_json()["n"]
    assert client.get(f"{folder}{shards - 1}.json").status_code == 200
    assert client.get(f"{folder}{shards}.json").status_code == 404
    assert client.get("/en/search/index/000000000000/meta.json").status_code == 404
    assert client.get(folder + "..%2fsecret.json").status_code in (400, 404)


def test_live_results_are_ranked_and_highlighted(real_app):
    html = html_of(real_app.test_client(), "/en/search/?q=direct+payments")
    assert result_links(html)[0] == "/en/option-1-direct-payment/"
    assert "<mark>direct</mark> <mark>payment" in html
    assert re.search(r'role="status">Pages found: \d+</p>', html)
    assert 'href="/en/easy-read/option-1-direct-payment/">Easy Read version</a>' in html
    assert 'id="a-z"' not in html, "results, not the A-Z"


def test_did_you_mean_offers_the_corrected_query(real_app):
    html = html_of(real_app.test_client(), "/en/search/?q=dirct+paymnet")
    assert 'Did you mean <a href="?q=direct%20payment">direct payment</a>?' in html
    assert "/en/option-1-direct-payment/" in html


def test_easy_read_filter_shows_only_easy_read_pages(real_app):
    html = html_of(real_app.test_client(), "/en/search/?q=money&variant=easy-read")
    links = result_links(html)
    assert links and all(link.startswith("/en/easy-read/") for link in links)
    assert 'id="search-er" name="variant" value="easy-read" checked' in html


def test_no_results_offer_the_a_to_z_and_the_finder(real_app):
    html = html_of(real_app.test_client(), "/en/search/?q=xqzvw+blorft")
    none = html[html.index('id="search-none"'):]
    assert none.startswith('id="search-none">'), "shown, not hidden"
    assert '<a class="c-choice" href="/en/find/">' in none
    assert 'id="a-z"' in html and 'href="/en/your-budget/"' in html
    assert 'Pages found' not in html[html.index('role="status"'):html.index('role="status"') + 40]


def test_json_api_returns_the_same_ranking(real_app):
    client = real_app.test_client()
    response = client.get("/en/search.json?q=PA+wages&limit=3")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["query"] == "PA wages" and body["lang"] == "en" and len(body["results"]) == 3
    item = body["results"][0]
    assert set(item) == {"url", "path", "title", "snippet", "snippet_html", "variant", "language"}
    assert item["url"] == "http://127.0.0.1:8000" + item["path"]
    assert "<" not in item["snippet"] and "<mark>" in item["snippet_html"]
    html = html_of(client, "/en/search/?q=PA+wages")
    pages = result_links(html)
    assert [r["path"] for r in body["results"]] == pages[:3]
    assert client.get("/en/search.json").get_json()["results"] == []
    assert len(client.get("/en/search.json?q=support&limit=1000").get_json()["results"]) <= 50
    assert client.get("/en/search.json?q=support&limit=nonsense").status_code == 200


def test_unknown_language_is_a_404(client):
    assert client.get("/xx/search/").status_code == 404
    assert client.get("/xx/search.json?q=x").status_code == 404


# --- other languages: translations and English fallback pages -------------------------------------
POLISH_PAGE = """---
title: Cztery opcje
summary: Cztery sposoby organizacji wsparcia.
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

Dostajesz pieniądze na opiekę.
"""


@pytest.fixture
def polish_app(project: Path):
    english = (project / "content" / "the-four-options.md").read_bytes()
    import hashlib

    (project / "content" / "pl").mkdir()
    (project / "content" / "pl" / "the-four-options.md").write_text(
        POLISH_PAGE.format(hash=hashlib.sha256(english).hexdigest()[:12]), encoding="utf-8")
    config = load_config()
    config = config.model_copy(update={"languages": [*config.languages, Language(code="pl", name="Polski")]})
    return create_app(config, project_dir=project, testing=True)


def test_translated_pages_are_indexed_in_their_language_and_the_rest_fall_back(polish_app):
    index = search_service(polish_app).index("pl")
    by_key = {(d.variant, d.slug): d for d in index.docs}
    assert by_key[("standard", "the-four-options")].fallback is False
    assert by_key[("standard", "the-four-options")].title == "Cztery opcje"
    assert by_key[("standard", "index")].fallback is True
    client = polish_app.test_client()
    body = client.get("/pl/search.json?q=platnosc+bezposrednia").get_json()  # typed without accents
    assert body["results"][0]["path"] == "/pl/the-four-options/"
    assert body["results"][0]["language"] == "pl"
    body = client.get("/pl/search.json?q=council+assessment").get_json()  # English words: fallback page
    assert body["results"][0]["path"] == "/pl/" and body["results"][0]["language"] == "en"
    html = html_of(client, "/pl/search/?q=council+assessment")
    assert '<a href="/pl/" lang="en" dir="ltr">Test home</a>' in html
    assert '<span class="c-tag">In English</span>' in html


# --- the static build ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-build")
    project = root / "project"
    shutil.copytree(SITE_FIXTURE, project)
    app = create_app(load_config(overrides={"base_url": "https://sds.example.org"}), project_dir=project)
    build(app, root / "out", jobs=1)
    return app, root / "out"


def test_build_writes_the_static_index_the_page_points_to(fixture_build):
    app, out = fixture_build
    html = (out / "en" / "search" / "index.html").read_text(encoding="utf-8")
    folder = out / re.search(r'data-index="/(en/search/index/[0-9a-f]{12})/"', html).group(1)
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    assert sorted(p.name for p in folder.iterdir()) == sorted([META] + [f"{n}.json" for n in range(meta["n"])])
    assert [d[0] for d in meta["docs"]] == [d.path for d in search_service(app).index("en").docs]
    live = app.extensions["sds_search"].static_files("en")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == live, "the build and the live server agree"
    assert 'id="a-z"' in html and "the-four-options" in html


def test_static_search_answers_from_the_built_files(fixture_build):
    app, out = fixture_build
    folder = next((out / "en" / "search" / "index").iterdir())
    searcher = StaticSearcher(folder)
    ranked, resolved = searcher.search("direct payment")
    assert searcher.docs[ranked[0][0]][0] == "/en/the-four-options/"
    assert set(searcher.loaded) <= {META} | {f"{n}.json" for n in range(searcher.shards)}
    assert len(searcher.loaded) < searcher.shards + 1 or searcher.shards <= 3


def test_search_js_stays_within_its_budget():
    assert len(gzip.compress(SEARCH_JS.read_bytes(), 9)) <= 5 * 1024


# --- search.js analyses text as Python does -------------------------------------------------------
PARITY_TEXTS = [
    "Direct Payments", "PA's wages", "won't listen", "ZŁOŻYĆ skargę", "Gàidhlig: pàigheadh dìreach",
    "п'ять прямі виплати", "اَلدَّفْعُ الْمُبَاشِرُ ١٢", "براہِ راست ادائیگی ۳", "İstanbul ΟΔΟΣ", "ﬁne ½ Ǆ",
    "emoji 😀 and 𝐁old", "pay* a* *", "title:\"x\" AND (y OR -z)", "x" * 45 + " ok", "Straße æon Œuvre",
    " ".join(f"w{i}" for i in range(14)), "a" * 250,
]


def test_search_js_parses_queries_exactly_as_python(tmp_path):
    node = shutil.which("node")
    if not node:
        pytest.fail("Node.js is not installed: apt-get install nodejs (scripts/test-all does)", pytrace=False)
    source = SEARCH_JS.read_text(encoding="utf-8")
    analysis = source[source.index("  // --- analysis"):source.index("  // Optimal string alignment")]
    harness = tmp_path / "parity.js"
    harness.write_text(analysis + "\nconst texts = " + json.dumps(PARITY_TEXTS) + ";\n"
                       "console.log(JSON.stringify(texts.map(t => parse(t))));\n", encoding="utf-8")
    result = subprocess.run([node, str(harness)], capture_output=True, text=True, timeout=60, check=True)
    from_js = json.loads(result.stdout)
    for text, (words, cut) in zip(PARITY_TEXTS, from_js):
        expected, truncated = parse(text)
        assert [[w.surface, w.wildcard] for w in expected] == words, text
        assert truncated == cut, text


def test_live_answers_are_remembered_but_bounded(real_app, monkeypatch):
    from sds_site.search import index as search_index
    from sds_site.views.search import search_service

    service = search_service(real_app)
    monkeypatch.setattr(search_index, "RESULT_CACHE", 2)
    first = service.search("en", "direct payment")
    assert service.search("en", "direct payment") is first  # the same query again: not searched again
    assert service.search("en", "direct payment", easy_read_only=True) is not first
    service.search("en", "respite")
    service.search("en", "advocacy")
    assert len(service._results) == 2 and service.search("en", "direct payment") is not first
