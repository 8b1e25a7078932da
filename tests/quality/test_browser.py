"""Real-browser checks with Debian's Chromium (Playwright), at 320x568 and 390x844 (phones, with
touch and the mobile viewport rules on).

Pages: one of every template, in English and in the first right-to-left language when the site has
one (pages.browser_pages: home, content and Easy Read pages, search, each finder step, 404, open
data, leaflet list; the largest page of each template). Each test runs its check over all of them
and lists every problem at once, page by page.

- no horizontal scrolling, and text at 200% (the reader's font size doubled) still reflows;
- every link, button and form control at least 24x24 CSS px (WCAG 2.2 2.5.8, with its inline and
  spacing exceptions); those under the project's 44x44 target are listed in
  reports/targets-under-44-<viewport>.txt;
- a visible focus indicator on every Tab stop, never entirely hidden by other content (2.4.7,
  2.4.11), every focusable element reachable; the skip link works;
- forced colours (Windows High Contrast) keep focus indicators and control edges; with
  prefers-reduced-motion nothing moves; no console errors, script errors or failed requests;
- the finder can be completed with the keyboard alone, and with JavaScript turned off.
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from .browser_checks import VIEWPORTS
from .browser_checks import focus_walk
from .browser_checks import forced_colours
from .browser_checks import horizontal_overflow
from .browser_checks import reduced_motion
from .browser_checks import skip_link
from .browser_checks import start_from_top
from .browser_checks import target_sizes
from .browser_checks import text_zoom_reflows
from .pages import EASY_READ
from .pages import FIND_RESULT
from .pages import STANDARD
from .pages import browser_pages
from .pages import has_finder
from .tools import report_path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chosen(built_pages, rtl_languages):
    pages = browser_pages(built_pages, rtl_languages)
    assert len(pages) >= 4, f"too few pages for the browser checks: {[p.url for p in pages]}"
    return pages


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


def new_context(browser, viewport: str, **options):
    return browser.new_context(viewport=VIEWPORTS[viewport], is_mobile=True, has_touch=True,
                               device_scale_factor=1, **options)


def run_checks(context, base: str, pages, checks: dict[str, Callable]) -> dict[str, dict[str, list[str]]]:
    """Load each page once and run every check on it, in order (a check that changes the page, like
    the text zoom, goes last). Returns {check: {url: problems}} for pages with problems; console
    errors, script errors and failed requests seen while loading and checking go under "console"."""
    results: dict[str, dict[str, list[str]]] = {name: {} for name in [*checks, "console"]}
    current = {"url": ""}

    def console(text: str) -> None:
        results["console"].setdefault(current["url"], []).append(text)

    tab = context.new_page()
    tab.on("console", lambda m: console(f"console {m.type}: {m.text}") if m.type in ("error", "assert") else None)
    tab.on("pageerror", lambda e: console(f"script error: {e}"))
    tab.on("requestfailed", lambda r: console(f"request failed: {r.url} ({r.failure})"))
    tab.on("response", lambda r: console(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    for built in pages:
        current["url"] = built.url
        tab.goto(base + built.url, wait_until="load")
        for name, check in checks.items():
            if tab.url.split("#")[0] != base + built.url:  # a check followed a link: come back
                tab.goto(base + built.url, wait_until="load")
            try:
                found = check(tab)
            except Exception as exc:  # a check that cannot run on a page is a problem on that page
                found = [f"the check could not run: {type(exc).__name__}: {exc}"]
            if found:
                results[name][built.url] = found
    return results


@pytest.fixture(scope="module")
def normal(browser, served_site, chosen, viewport):
    """Every check in normal colours at this viewport, one page load for all of them."""
    small: list[str] = []
    totals = {"targets": 0, "inline": 0}

    def targets(page):
        report = target_sizes(page)
        small.extend(f"{urlsplit(page.url).path}\t{item}" for item in report.under_good)
        totals["targets"] += report.total
        totals["inline"] += report.inline
        return report.failing

    context = new_context(browser, viewport, bypass_csp=True)  # the zoom is a style the test adds
    try:
        results = run_checks(context, served_site, chosen, {
            "overflow": horizontal_overflow,
            "targets": targets,
            "focus": lambda page: focus_walk(page).problems,
            "skip": skip_link,
            "zoom": text_zoom_reflows,  # last: it changes the page
        })
    finally:
        context.close()
    report_path(f"targets-under-44-{viewport}.txt").write_text(
        f"# Targets under 44x44 CSS px at {viewport} (the project's target; 24x24 is the WCAG 2.2 AA minimum)\n"
        + "\n".join(small) + "\n", encoding="utf-8")
    print(f"\ntargets @ {viewport}: {totals['targets']} checked on {len(chosen)} pages, {totals['inline']} links "
          f"inside sentences (exempt), {len(small)} under 44x44 (reports/targets-under-44-{viewport}.txt)")
    return results


def describe(problems: dict[str, list[str]], viewport: str) -> str:
    lines = []
    for url, items in sorted(problems.items()):
        lines += [f"{url} @ {viewport}: {item}" for item in items[:15]]
        if len(items) > 15:
            lines.append(f"{url} @ {viewport}: ... and {len(items) - 15} more")
    return "\n".join(lines)


def assert_none(problems: dict[str, list[str]], viewport: str, what: str) -> None:
    tool = [p for items in problems.values() for p in items if p.startswith("TOOL:")]
    assert not tool, f"the browser did not emulate what the test needs: {tool[0]}"
    count = sum(len(v) for v in problems.values())
    if problems:
        pytest.fail(f"{what}: {count} problem(s) on {len(problems)} page(s)\n{describe(problems, viewport)}",
                    pytrace=False)


def test_no_horizontal_scrolling(normal, viewport):
    assert_none(normal["overflow"], viewport, "sideways scrolling (WCAG 1.4.10)")


def test_text_at_200_percent_still_reflows(normal, viewport):
    assert_none(normal["zoom"], viewport, "text at 200% (WCAG 1.4.4, 1.4.10)")


def test_targets_are_at_least_24px(normal, viewport):
    assert_none(normal["targets"], viewport, "targets under 24x24 CSS px (WCAG 2.5.8)")


def test_focus_is_visible_and_never_hidden(normal, viewport):
    assert_none(normal["focus"], viewport, "focus (WCAG 2.4.7, 2.4.11, 2.1.1)")


def test_skip_link_moves_to_the_main_content(normal, viewport):
    assert_none(normal["skip"], viewport, "skip link (WCAG 2.4.1)")


def test_no_console_errors(normal, viewport):
    assert_none(normal["console"], viewport, "console errors and failed requests")


def test_forced_colours_keep_focus_and_controls_visible(browser, served_site, chosen, viewport):
    context = new_context(browser, viewport, forced_colors="active")
    try:
        results = run_checks(context, served_site, chosen, {
            "forced": lambda page: forced_colours(page) + focus_walk(page).problems})
    finally:
        context.close()
    assert_none(results["forced"], viewport, "forced colours")


def test_reduced_motion_is_respected(browser, served_site, chosen, viewport):
    context = new_context(browser, viewport, reduced_motion="reduce")
    try:
        results = run_checks(context, served_site, chosen, {"motion": reduced_motion})
    finally:
        context.close()
    assert_none(results["motion"], viewport, "prefers-reduced-motion")


# --- the finder ------------------------------------------------------------------------------------
NEXT_LINK_JS = r"""
(current) => {
  const a = document.activeElement;
  if (!a || a.tagName !== 'A' || !a.closest('main')) return null;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(current) || url.pathname === current) return null;
  const rest = url.pathname.slice(current.length).split('/').filter(Boolean);
  return rest.length === 1 ? url.pathname : null;
}
"""
FOCUS_KIND_JS = r"""
() => { const el = document.activeElement; if (!el || !el.closest('main')) return null;
        if (el.matches('input[type=radio]')) return 'radio';
        if (el.matches('button[type=submit], button:not([type]), input[type=submit]')) return 'submit';
        return null; }
"""


def keyboard_step(page, max_tabs: int = 250) -> str:
    """On a finder question, answer it with the keyboard only: Tab to the first answer (a link one
    level deeper, or a radio button and the form's button) and press Enter. Returns the new path."""
    current = urlsplit(page.url).path
    start_from_top(page)
    radio_chosen = False
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        target = page.evaluate(NEXT_LINK_JS, current)
        if target:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return urlsplit(page.url).path
        kind = page.evaluate(FOCUS_KIND_JS)
        if kind == "radio" and not radio_chosen:
            page.keyboard.press("Space")
            radio_chosen = True
        elif kind == "submit" and radio_chosen:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return urlsplit(page.url).path
        if page.evaluate("() => !document.activeElement || document.activeElement === document.body"):
            break
    raise AssertionError(f"{current}: no answer to this question can be reached and chosen with the Tab key")


def finder_journey(browser, base: str, viewport: str, start: str, javascript: bool, by_url: dict) -> str:
    context = new_context(browser, viewport, java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(base + start, wait_until="load")
        path = start
        for _ in range(3):  # where -> who -> need -> result
            path = keyboard_step(page)
        landed = by_url.get(path)
        assert landed is not None and landed.kind == FIND_RESULT, (
            f"after three answers from {start} the keyboard reached {path}, not a result page in the build")
        assert page.locator("main h1").count() == 1, f"{path}: the result page has no single <h1>"
        assert page.locator("main a[href]").count() >= 2, f"{path}: the result page has no signposts"
        return path
    finally:
        context.close()


@pytest.fixture(scope="module")
def finder_starts(built_pages, rtl_languages):
    if not has_finder(built_pages):
        pytest.skip("the finder is not in the build yet (no /en/find/ page); this test runs, and must pass, "
                    "as soon as it is")
    starts = []
    for lang in ["en", *sorted(rtl_languages)[:1]]:
        for variant in (STANDARD, EASY_READ):
            start = f"/{lang}/find/" if variant == STANDARD else f"/{lang}/easy-read/find/"
            if any(p.url == start for p in built_pages):
                starts.append(start)
    assert "/en/find/" in starts
    return starts


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_finder_can_be_completed_with_the_keyboard_alone(browser, served_site, viewport, finder_starts, javascript,
                                                         built_pages):
    by_url = {p.url: p for p in built_pages}
    reached = [finder_journey(browser, served_site, viewport, start, javascript, by_url) for start in finder_starts]
    assert len(reached) == len(finder_starts)
