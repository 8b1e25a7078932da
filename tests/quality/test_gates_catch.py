"""The gates catch what they are for: each check runs over a deliberately broken page and must
report it, and over a good page and must not (so a gate that can never fail, or always fails, shows
up here). The pages are written into a temporary folder and served like the real build.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest

from .browser_checks import VIEWPORTS
from .browser_checks import focus_walk
from .browser_checks import forced_colours
from .browser_checks import horizontal_overflow
from .browser_checks import reduced_motion
from .browser_checks import skip_link
from .browser_checks import target_sizes
from .browser_checks import text_zoom_reflows
from .pages import OTHER
from .pages import discover
from .pages import pa11y_pages
from .static_checks import FIRST_RENDER_BUDGET
from .static_checks import TOTAL_BUDGET
from .static_checks import Weigher
from .static_checks import check_links
from .static_checks import index_build
from .static_checks import weigh
from .tools import run_pa11y
from .tools import run_vnu
from .tools import serve

CSS = """
body { font: 1.1875rem/1.5 sans-serif; color: #0b0c0c; background: #fff; margin: 0; }
main { display: block; padding: 0 1rem; }
main:focus { outline: none; }
a { color: #1d4f91; }
:focus-visible { outline: 3px solid #0b0c0c; background: #fd0; }
.skip { position: absolute; left: -9999px; top: 0; padding: .75rem 1rem; }
.skip:focus { left: 0; }
nav a, button { display: inline-block; min-height: 44px; min-width: 44px; padding: .5rem; }
button { font: inherit; border: 2px solid #0b0c0c; background: #fff; }
"""


def page(title: str, body: str, head: str = "", skip: bool = True) -> str:
    skip_link_html = '<a class="skip" href="#main">Skip to main content</a>' if skip else ""
    return f"""<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/site.css">
{head}
</head>
<body>
{skip_link_html}
<nav aria-label="Main"><a href="/en/">Home</a> <a href="/en/good/">Good page</a></nav>
<main id="main" tabindex="-1">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


GOOD = page("A good page", """
<p>Self-directed Support means you choose how your social care is arranged. Read
<a href="/en/good/#more">more about it</a> below.</p>
<img src="/static/picture.svg" alt="A person choosing between four options" width="64" height="64">
<h2 id="more">More</h2>
<p><button type="button">Show more</button></p>
""")

BROKEN = {
    "en/index.html": GOOD,
    "en/good/index.html": GOOD,
    "en/missing-alt/index.html": page("Missing alt", '<p>A picture:</p><img src="/static/picture.svg" width="64" height="64">'),
    "en/low-contrast/index.html": page("Low contrast", '<p class="pale">This text is pale grey on white.</p>',
                                       head='<style>.pale { color: #c4c4c4; }</style>'),
    "en/tiny-target/index.html": page("Tiny targets", '<p><button class="tiny" type="button">a</button>'
                                      '<button class="tiny" type="button">b</button></p>',
                                      head='<style>button.tiny { min-height: 0; min-width: 0; width: 16px; height: 16px; '
                                           'padding: 0; font-size: 10px; }</style>'),
    "en/broken-link/index.html": page("Broken links", '<p><a href="/en/no-such-page/">A missing page</a>, '
                                      '<a href="/en/good/#no-such-id">a missing anchor</a>, '
                                      '<a href="/en/good">a folder without its slash</a> and '
                                      '<img src="/static/missing.png" alt="a missing picture">.</p>'),
    "en/over-budget/index.html": page("Over budget", "<p>" + os.urandom(16000).hex() + "</p>"
                                      + '<img src="/static/big.png" alt="A large picture">'),
    "en/no-focus-style/index.html": page("No focus style", '<p><a class="plain" href="/en/good/">A link</a></p>',
                                         head='<style>a.plain:focus, a.plain:focus-visible { outline: none; background: none; }</style>'),
    "en/hidden-focus/index.html": page("Focus hidden", '<p>Text</p><div class="bar">A fixed bar</div>'
                                       '<p class="low"><a href="/en/good/">Covered link</a></p>',
                                       head='<style>.bar { position: fixed; bottom: 0; left: 0; right: 0; height: 120px; '
                                            'background: #fff; border-top: 1px solid; z-index: 5; } '
                                            '.low { position: fixed; bottom: 20px; left: 1rem; margin: 0; }</style>'),
    "en/wide/index.html": page("Too wide", '<div class="wide">A box of fixed width</div>',
                               head='<style>.wide { width: 600px; border: 1px solid; }</style>'),
    "en/px-text/index.html": page("Text in px", '<p class="px">This text does not grow</p>',
                                  head='<style>.px, main h1 { font-size: 16px; }</style>'),
    "en/moving/index.html": page("Moving", '<p class="spin">Spinning text</p>',
                                 head='<style>@keyframes spin { to { transform: rotate(360deg); } } '
                                      '.spin { animation: spin 2s linear infinite; }</style>'),
    "en/background-focus/index.html": page("Focus shown by background only", '<p><a class="bg" href="/en/good/">A link</a></p>',
                                           head='<style>a.bg:focus-visible { outline: none; }</style>'),
    "elsewhere/index.html": GOOD,  # a kind of page the selection does not know
    "en/borderless/index.html": page("No button edge", '<p><button class="flat" type="button">Continue</button></p>',
                                     head='<style>button.flat { border: 0; background: #00703c; color: #fff; }</style>'),
    "en/no-skip/index.html": page("No skip link", "<p>No way past the navigation.</p>", skip=False),
    "en/invalid/index.html": page("Invalid", '<p id="twice">One</p><p id="twice">Two</p><ul><p>not a list item</p></ul>'),
}


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("broken-site")
    for name, html in BROKEN.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    static = root / "static"
    static.mkdir()
    (static / "site.css").write_text(CSS, encoding="utf-8")
    (static / "picture.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">'
                                        '<circle cx="4" cy="4" r="3"/></svg>', encoding="utf-8")
    (static / "big.png").write_bytes(os.urandom(70 * 1024))  # incompressible, like a photo
    return root


@pytest.fixture(scope="module")
def served_broken(broken_site):
    with serve(broken_site) as base:
        yield base


# --- static gates ----------------------------------------------------------------------------------
def test_link_check_catches_broken_links_anchors_folders_and_assets(broken_site):
    report = check_links(broken_site, index_build(broken_site))
    found = {(b.page, b.value) for b in report.broken}
    assert found == {
        ("/en/broken-link/", "/en/no-such-page/"),
        ("/en/broken-link/", "/en/good/#no-such-id"),
        ("/en/broken-link/", "/en/good"),
        ("/en/broken-link/", "/static/missing.png"),
    }, found
    assert report.checked > 20


def test_budget_catches_an_over_budget_page(broken_site):
    weigher = Weigher(broken_site)
    weights = {f.url: weigh(broken_site, f, weigher) for f in index_build(broken_site).values()}
    over_first = {url for url, w in weights.items() if w.first_render > FIRST_RENDER_BUDGET}
    over_total = {url for url, w in weights.items() if w.total > TOTAL_BUDGET}
    assert over_first == {"/en/over-budget/"}
    assert over_total == {"/en/over-budget/"}
    good = weights["/en/good/"]
    assert [name for name, _ in good.first_parts] == ["HTML", "/static/site.css"]
    assert [name for name, _ in good.other_parts] == ["/static/picture.svg"]


def test_vnu_catches_invalid_html_and_a_missing_alt(broken_site):
    files = {name: broken_site / name for name in ("en/good/index.html", "en/invalid/index.html",
                                                   "en/missing-alt/index.html")}
    messages = run_vnu(list(files.values()))
    names = {f.resolve(): name for name, f in files.items()}
    errors = [(names.get(Path(unquote(urlsplit(m["url"]).path)).resolve()), m["message"])
              for m in messages if m.get("type") == "error"]
    assert {name for name, _ in errors} == {"en/invalid/index.html", "en/missing-alt/index.html"}, errors
    assert any("Duplicate ID" in message for _, message in errors), errors


# --- pa11y ----------------------------------------------------------------------------------------
@pytest.mark.browser
def test_pa11y_catches_a_missing_alt_and_low_contrast(broken_site, served_broken, tmp_path):
    urls = [served_broken + u for u in ("/en/good/", "/en/missing-alt/", "/en/low-contrast/")]
    failures = run_pa11y(urls, tmp_path, name="gates")
    assert set(failures) == {served_broken + "/en/missing-alt/", served_broken + "/en/low-contrast/"}, failures
    codes = " ".join(i.get("code", "") for i in failures[served_broken + "/en/low-contrast/"])
    assert "contrast" in codes.lower()


def test_page_set_keeps_pages_of_unknown_kinds(broken_site):
    # a page the selection does not know is tested, never silently dropped
    pages = discover(broken_site, ["en"])
    assert [p.kind for p in pages if p.url == "/elsewhere/"] == [OTHER]
    assert {p.url for p in pa11y_pages(pages)} == {p.url for p in pages}


# --- browser checks ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tab(browser):
    context = browser.new_context(viewport=VIEWPORTS["320x568"], is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def run(tab, base: str, path: str, check):
    tab.goto(base + path)
    return check(tab)


@pytest.mark.browser
def test_overflow_check_catches_a_wide_box(tab, served_broken):
    assert run(tab, served_broken, "/en/good/", horizontal_overflow) == []
    problems = run(tab, served_broken, "/en/wide/", horizontal_overflow)
    assert len(problems) == 1 and "div.wide" in problems[0]


@pytest.mark.browser
def test_zoom_check_catches_text_sized_in_px(tab, served_broken):
    assert run(tab, served_broken, "/en/good/", text_zoom_reflows) == []
    problems = run(tab, served_broken, "/en/px-text/", text_zoom_reflows)
    assert any("does not scale" in p for p in problems), problems


@pytest.mark.browser
def test_target_check_catches_tiny_targets(tab, served_broken):
    assert run(tab, served_broken, "/en/good/", target_sizes).failing == []
    report = run(tab, served_broken, "/en/tiny-target/", target_sizes)
    assert len(report.failing) == 2 and all("16x16" in f for f in report.failing), report.failing
    # the link inside a sentence on the good page is exempt, and counted
    assert run(tab, served_broken, "/en/good/", target_sizes).inline == 1


@pytest.mark.browser
def test_focus_check_catches_a_missing_indicator_and_a_hidden_element(tab, served_broken):
    assert run(tab, served_broken, "/en/good/", focus_walk).problems == []
    assert run(tab, served_broken, "/en/background-focus/", focus_walk).problems == []  # fine in normal colours
    problems = run(tab, served_broken, "/en/no-focus-style/", focus_walk).problems
    assert problems == ['a.plain[href="/en/good/"] "A link": no visible focus indicator (nothing changes when it is focused)']
    problems = run(tab, served_broken, "/en/hidden-focus/", focus_walk).problems
    assert any("Covered link" in p and "hidden behind" in p for p in problems), problems


@pytest.mark.browser
def test_skip_link_check_catches_a_page_without_one(tab, served_broken):
    assert run(tab, served_broken, "/en/good/", skip_link) == []
    assert run(tab, served_broken, "/en/no-skip/", skip_link) == ["the first Tab stop is not a skip link to the main content"]


@pytest.mark.browser
def test_motion_check_catches_an_animation(browser, served_broken):
    context = browser.new_context(reduced_motion="reduce")
    try:
        tab = context.new_page()
        assert run(tab, served_broken, "/en/good/", reduced_motion) == []
        problems = run(tab, served_broken, "/en/moving/", reduced_motion)
        assert any("animation spin" in p for p in problems), problems
    finally:
        context.close()


@pytest.mark.browser
def test_forced_colours_check_catches_a_borderless_button_and_background_only_focus(browser, served_broken):
    context = browser.new_context(forced_colors="active")
    try:
        tab = context.new_page()
        assert run(tab, served_broken, "/en/good/", forced_colours) == []
        assert run(tab, served_broken, "/en/good/", focus_walk).problems == []
        problems = run(tab, served_broken, "/en/borderless/", forced_colours)
        assert len(problems) == 1 and "button.flat" in problems[0], problems
        # a focus style made of a background colour alone disappears in forced colours
        problems = run(tab, served_broken, "/en/background-focus/", focus_walk).problems
        assert problems == ['a.bg[href="/en/good/"] "A link": no visible focus indicator (nothing changes when it is focused)']
    finally:
        context.close()
