"""Languages: fallback, honest translation status, right-to-left, the switcher and alternates, and the
finder end to end in every configured language (issue: six-language site)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sds_site.config import load_config
from sds_site.content import load_content
from sds_site.i18n import report

CONFIG = load_config()
RTL = {lang.code for lang in CONFIG.languages if lang.dir == "rtl"}
OTHERS = CONFIG.language_codes[1:]


def page_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def translate(project: Path, lang: str, slug: str, source_hash: str, status: str = "machine") -> None:
    english = (project / "content" / f"{slug}.md").read_text(encoding="utf-8")
    head, body = english.split("---\n", 2)[1:]
    head += f"translation:\n  source_hash: \"{source_hash}\"\n  status: {status}\n"
    target = project / "content" / lang / f"{slug}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"---\n{head}---\n{body}", encoding="utf-8")


def english_hash(project: Path, slug: str) -> str:
    content = load_content(project / "content", CONFIG.language_codes, None, project)
    return content.pages[("en", "standard", slug)].content_hash


# --- fallback and status, on the small test project ----------------------------------------------
@pytest.mark.parametrize("lang", OTHERS or ["none"])
@pytest.mark.parametrize("url", ["/{lang}/the-four-options/", "/{lang}/easy-read/the-four-options/"])
def test_an_untranslated_page_is_english_inside_the_language_with_a_notice(client, lang, url):
    if lang == "none":
        pytest.skip("English only")
    html = page_html(client, url.format(lang=lang))
    assert re.search(rf'<html[^>]* lang="{lang}"', html)
    assert re.search(r'<div class="c-prose" lang="en" dir="ltr">', html), "the English block is marked lang=en"
    assert re.search(r'<h1 lang="en"', html)
    assert 'class="c-notice"' in html  # the notice itself is in the interface language (gettext)


@pytest.mark.parametrize("status", ["machine", "reviewed"])
def test_translation_status_is_shown_honestly(project, make_app, status):
    lang = OTHERS[0] if OTHERS else pytest.skip("English only")
    translate(project, lang, "the-four-options", english_hash(project, "the-four-options"), status)
    html = page_html(make_app().test_client(), f"/{lang}/the-four-options/")
    assert 'lang="en" dir="ltr">' not in html.split("<main", 1)[1].split("c-prose", 1)[1][:30]
    notices = re.findall(r'<div class="c-notice[^"]*">(.*?)</div>', html, re.S)
    if status == "machine":
        assert len(notices) == 1 and 'href="/en/the-four-options/"' in notices[0]
    else:
        assert notices == []


def test_a_stale_translation_is_reported_warned_and_flagged_on_the_page(project, make_app):
    lang = OTHERS[0] if OTHERS else pytest.skip("English only")
    translate(project, lang, "the-four-options", "000000000000")
    app = make_app()
    state = app.extensions["sds"]
    assert any(f"content/{lang}/the-four-options.md" in w and "changed since it was translated" in w
               for w in state.warnings)
    html = page_html(app.test_client(), f"/{lang}/the-four-options/")
    assert 'class="c-notice c-notice--warning"' in html
    text = report(state.content, project / "translations", CONFIG.language_codes)
    row = next(line for line in text.splitlines() if line.startswith(lang + " "))
    assert row.split()[-2:] == ["1", str(len([p for p in state.content.pages.values()
                                             if p.lang == "en"]) - 1)], row  # 1 stale, the rest missing


# --- the whole built site --------------------------------------------------------------------------
class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.html: dict = {}
        self.alternates: dict[str, str] = {}
        self.switcher: list[dict] = []
        self.in_switcher = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html = a
        elif tag == "link" and a.get("rel") == "alternate" and "hreflang" in a:
            self.alternates[a["hreflang"]] = a.get("href", "")
        elif tag == "a" and a.get("hreflang") and a.get("lang") == a.get("hreflang"):
            self.switcher.append(a)


def built_html(real_build: Path):
    for path in sorted(real_build.rglob("index.html")):
        parts = path.relative_to(real_build).parts
        if len(parts) > 1 and parts[0] in CONFIG.language_codes:
            yield parts[0], path


def test_every_page_in_every_language_has_the_right_lang_and_dir(real_build):
    counts = dict.fromkeys(CONFIG.language_codes, 0)
    wrong = []
    for lang, path in built_html(real_build):
        head = re.search(r"<html[^>]*>", path.read_text(encoding="utf-8")[:600]).group(0)
        expected = "rtl" if lang in RTL else "ltr"
        if f'lang="{lang}"' not in head or f'dir="{expected}"' not in head:
            wrong.append(f"{path.relative_to(real_build)}: {head}")
        counts[lang] += 1
    assert not wrong, "\n".join(wrong[:20])
    assert all(counts.values()), counts
    assert len(set(counts.values())) == 1, f"every language builds the same pages: {counts}"


def test_alternates_and_switcher_name_every_language(real_build):
    base = "http://127.0.0.1:8000"
    for url in ["en/", "en/the-four-options/", "en/easy-read/carers/", "en/find/fife/myself/"]:
        for lang in CONFIG.language_codes:
            parser = Head()
            parser.feed((real_build / url.replace("en/", f"{lang}/", 1) / "index.html").read_text(encoding="utf-8"))
            switch = {a["hreflang"] for a in parser.switcher}
            assert switch == set(CONFIG.language_codes) - {lang}, (lang, url, switch)
            assert set(parser.alternates) == {*CONFIG.language_codes, "x-default"}, (lang, url)
            assert all(href.startswith(base + "/") for href in parser.alternates.values())
            assert parser.alternates["x-default"] == parser.alternates["en"]


def test_the_finder_completes_in_every_language(real_build):
    """Follow the finder's own links from the first question to a result, in each language."""
    for lang in CONFIG.language_codes:
        path = f"/{lang}/find/"
        for step in ("council", "who", "need"):
            html = (real_build / path.strip("/") / "index.html").read_text(encoding="utf-8")
            links = re.findall(rf'href="(/{lang}/find/[a-z0-9-]+/(?:[a-z0-9-]+/)*)"', html)
            onward = [link for link in links if link.count("/") == path.count("/") + 1 and link.startswith(path)]
            assert onward, f"{path}: no link to the next question ({step})"
            path = next((link for link in onward if "highland" in link), onward[0])
        html = (real_build / path.strip("/") / "index.html").read_text(encoding="utf-8")
        assert re.search(rf'<html[^>]* lang="{lang}"', html)
        assert "Highland" in html, f"{path}: the result names no local organisation"
        if lang != "en":
            english = (real_build / path.replace(f"/{lang}/", "/en/", 1).strip("/") / "index.html").read_text(encoding="utf-8")
            h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
            assert h1 != re.search(r"<h1[^>]*>(.*?)</h1>", english, re.S).group(1), f"{path}: heading not translated"
