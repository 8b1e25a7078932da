"""Right-to-left and script rendering in a real browser (Debian's Chromium through Playwright).

For each right-to-left language: the home page and a finder result at 390 px wide, screenshot kept in
reports/screenshots/, no sideways scrolling, and the reading order really runs right to left (the
heading starts at the right edge, the breadcrumb or question's back link sits on the right, the Easy
Read picture column is on the right). For every language, the text of the main heading is drawn with
a system font that has the script's letters (Chromium's own record of the fonts it used), never a
fallback box.
"""
from __future__ import annotations

import pytest

from .browser_checks import horizontal_overflow
from .tools import report_path

pytestmark = pytest.mark.browser

RESULT = "find/highland/someone-i-care-for/carer-support/"
# Fonts that draw each script: the family names Chromium reports for the heading's text.
ARABIC_SCRIPT = ("Noto Naskh Arabic", "Noto Sans Arabic", "Noto Nastaliq Urdu", "DejaVu Sans")
LATIN_OR_CYRILLIC = ("Noto Sans", "DejaVu Sans", "Liberation Sans")


def fonts_for(text: str) -> tuple[str, ...]:
    return ARABIC_SCRIPT if any("\u0600" <= ch <= "\u06ff" for ch in text) else LATIN_OR_CYRILLIC


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=1)
    yield context.new_page()
    context.close()


def box(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "el => { const r = el.getBoundingClientRect(); "
                                           "return {left: r.left, right: r.right, width: r.width}; }")


@pytest.mark.parametrize("path", ["", RESULT, "easy-read/the-four-options/"])
def test_right_to_left_pages_mirror_and_fit_a_phone(served_site, phone, rtl_languages, path):
    if not rtl_languages:
        pytest.skip("no right-to-left language is configured")
    for lang in rtl_languages:
        url = f"{served_site}/{lang}/{path}"
        phone.goto(url, wait_until="load")
        name = f"rtl-{lang}-{path.strip('/').replace('/', '-') or 'home'}.png"
        shot = report_path("screenshots") / name
        shot.parent.mkdir(exist_ok=True)
        phone.screenshot(path=str(shot), full_page=True)
        assert phone.evaluate("document.documentElement.dir") == "rtl", url
        assert phone.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl", url
        assert horizontal_overflow(phone) == [], url
        width = phone.evaluate("document.documentElement.clientWidth")
        heading = phone.evaluate("""() => { const h = document.querySelector('main h1');
            const range = document.createRange(); range.selectNodeContents(h);
            const r = range.getBoundingClientRect(); return {left: r.left, right: r.right}; }""")
        main = box(phone, "main")
        if phone.eval_on_selector("main h1", "h => h.closest('[lang]').lang") == lang:
            # The heading's text hugs the right edge of the content column.
            assert abs(heading["right"] - main["right"]) <= 2, (url, heading, main)
        else:  # an untranslated page: its English heading stays left to right inside the page
            assert abs(heading["left"] - main["left"]) <= 2, (url, heading, main)
        if path.startswith("easy-read/") and phone.query_selector("main .c-idea__picture"):
            picture = box(phone, "main .c-idea__picture")
            text = box(phone, "main .c-idea__text")
            if phone.eval_on_selector("main .c-idea__picture", "el => el.closest('[dir]').dir") == "rtl":
                assert picture["left"] > text["left"], f"{url}: the picture column should be on the right"
            else:  # an untranslated page: its English text keeps the picture on the left
                assert picture["left"] < text["left"], f"{url}: English text keeps the picture on the left"
        if path == RESULT:
            back = box(phone, "a.c-back")
            assert back["right"] > width / 2 and back["left"] > 0, f"{url}: the back link should be on the right"


@pytest.mark.parametrize("path", ["", RESULT])
def test_every_language_is_drawn_with_a_font_that_has_its_letters(served_site, phone, languages, path):
    problems = []
    for lang in languages:
        phone.goto(f"{served_site}/{lang}/{path}", wait_until="load")
        session = phone.context.new_cdp_session(phone)
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument")["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": "main h1"})["nodeId"]
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        families = {f["familyName"] for f in fonts if f["glyphCount"] > 0}
        expected = fonts_for(phone.inner_text("main h1"))
        if not families:
            problems.append(f"{lang}/{path}: no font drew the heading")
        elif not families & set(expected):
            problems.append(f"{lang}/{path}: heading drawn with {sorted(families)}, none of {expected}")
        session.detach()
    assert not problems, "\n".join(problems)
