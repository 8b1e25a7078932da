"""Privacy: no page makes a third-party request, nothing in the build needs `unsafe-inline` (so the
Content-Security-Policy blocks nothing the site relies on), no cookies, and the privacy page says so.

Runs over the real site, frozen once (`real_build`): every page, stylesheet, script and picture."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Attributes that make the browser fetch something when the page loads.
FETCHING = {
    ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"), ("script", "src"),
    ("iframe", "src"), ("frame", "src"), ("embed", "src"), ("object", "data"), ("audio", "src"),
    ("video", "src"), ("video", "poster"), ("track", "src"), ("input", "src"), ("image", "href"),
    ("use", "href"), ("image", "xlink:href"), ("use", "xlink:href"), ("body", "background"),
}
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "prefetch", "modulepreload",
                 "manifest", "dns-prefetch", "preconnect", "mask-icon", "prerender"}
DATA_BLOCKS = {"application/json", "application/ld+json", "importmap-never"}  # not executed: CSP allows them


def is_external(url: str) -> bool:
    url = url.strip()
    parts = urlsplit(url)
    return bool(parts.netloc) or url.startswith("//") or parts.scheme not in ("", "mailto", "tel")


def srcset_urls(value: str) -> list[str]:
    return [item.strip().split()[0] for item in value.split(",") if item.strip()]


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script: str | None = None
        self._script_text = ""

    def _problem(self, text: str) -> None:
        self.problems.append(f"line {self.getpos()[0]}: {text}")

    def handle_starttag(self, tag, attrs):
        attrs_list = attrs
        attrs = dict(attrs)
        for name, value in attrs_list:
            if name == "style":
                self._problem(f'<{tag} style="{value}">: a style attribute (CSP style-src blocks it)')
            if name.startswith("on"):
                self._problem(f"<{tag} {name}=...>: an inline event handler (CSP script-src blocks it)")
            if value and value.strip().lower().startswith("javascript:"):
                self._problem(f"<{tag} {name}={value!r}>: a javascript: URL")
            if (tag, name) in FETCHING and value:
                urls = srcset_urls(value) if name == "srcset" else [value]
                for url in urls:
                    if is_external(url):
                        self._problem(f"<{tag} {name}={url!r}>: loads from another site")
                    elif url.strip().startswith("data:"):
                        self._problem(f"<{tag} {name}=data:...>: a data: URL (CSP img-src blocks it)")
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHING_RELS and is_external(attrs.get("href") or ""):
                self._problem(f"<link rel={attrs.get('rel')!r} href={attrs.get('href')!r}>: loads from another site")
        if tag == "style":
            self._problem("<style> element: inline CSS (CSP style-src blocks it)")
        if tag == "script":
            kind = (attrs.get("type") or "").lower()
            if not attrs.get("src") and kind not in DATA_BLOCKS:
                self._in_script = kind or "text/javascript"
                self._script_text = ""
        if tag == "form" and attrs.get("action") and is_external(attrs["action"]):
            self._problem(f"<form action={attrs['action']!r}>: sends answers to another site")
        if tag == "base":
            self._problem("<base>: base-uri 'none' blocks it")
        if tag == "meta":
            equiv = (attrs.get("http-equiv") or "").lower()
            if equiv == "set-cookie":
                self._problem("<meta http-equiv=set-cookie>: sets a cookie")
            if equiv == "refresh" and is_external((attrs.get("content") or "").partition("url=")[2]):
                self._problem("<meta http-equiv=refresh> to another site")

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self._problem(f"inline <script> ({self._in_script}): CSP script-src blocks it")
            self._in_script = None


CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I | re.S)


def css_problems(css: str) -> list[str]:
    problems = []
    for match in CSS_URL.finditer(css):
        url = (match.group(2) or match.group(4) or "").strip()
        if is_external(url):
            problems.append(f"{url}: loads from another site")
        elif url.startswith("data:"):
            problems.append(f"{url[:30]}...: a data: URL (CSP img-src blocks it)")
    return problems


SVG_REF = re.compile(r"""(?:xlink:)?href\s*=\s*["']([^"']+)["']|url\(\s*['"]?([^'")]+)""", re.I)
JS_TRACKING = re.compile(r"document\.cookie|navigator\.sendBeacon|new\s+WebSocket|new\s+EventSource|"
                         r"""(?:fetch|open|import)\(\s*['"`](?:https?:)?//""", re.I)


def files(build: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in build.rglob("*") if p.suffix in suffixes and p.is_file())


def test_the_build_has_pages_to_check(real_build):
    assert len(files(real_build, ".html")) >= 10
    assert files(real_build, ".css")


def test_no_page_loads_anything_from_another_site_or_needs_inline_code(real_build):
    problems = []
    for page in files(real_build, ".html"):
        audit = PageAudit()
        audit.feed(page.read_text(encoding="utf-8"))
        audit.close()
        problems += [f"/{page.relative_to(real_build)} {problem}" for problem in audit.problems]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])


def test_stylesheets_load_nothing_from_another_site(real_build):
    problems = []
    for sheet in files(real_build, ".css"):
        problems += [f"/{sheet.relative_to(real_build)}: {p}" for p in css_problems(sheet.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


def test_pictures_load_nothing_and_run_nothing(real_build):
    problems = []
    for svg in files(real_build, ".svg"):
        text = svg.read_text(encoding="utf-8", errors="replace")
        if re.search(r"<script|\son\w+\s*=", text, re.I):
            problems.append(f"/{svg.relative_to(real_build)}: a script in a picture")
        for match in SVG_REF.finditer(text):
            url = match.group(1) or match.group(2)
            if is_external(url) and not url.startswith("http://www.w3.org/"):
                problems.append(f"/{svg.relative_to(real_build)}: {url}")
    assert not problems, "\n".join(problems)


def test_scripts_set_no_cookies_and_call_no_other_site(real_build):
    problems = []
    for script in files(real_build, ".js", ".mjs"):
        for match in JS_TRACKING.finditer(script.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"/{script.relative_to(real_build)}: {match.group(0)!r}")
    assert not problems, "\n".join(problems)


def test_the_auditors_catch_what_they_look_for():
    audit = PageAudit()
    audit.feed('<link rel="stylesheet" href="https://cdn.example/x.css"><script>alert(1)</script>'
               '<p style="color:red" onclick="x()">a</p><img src="//tracker.example/p.gif" alt="">'
               '<img srcset="/a.png 1x, https://cdn.example/b.png 2x" alt=""><style>p{}</style>'
               '<script type="application/ld+json">{}</script><script src="/static/js/x.js"></script>'
               '<a href="https://www.gov.scot/">an ordinary link is fine</a>'
               '<meta http-equiv="set-cookie" content="a=b">')
    audit.close()
    found = "\n".join(audit.problems)
    for expected in ("cdn.example/x.css", "inline <script>", "style attribute", "onclick", "tracker.example",
                     "cdn.example/b.png", "<style>", "set-cookie"):
        assert expected in found, expected
    assert len(audit.problems) == 8, found
    assert css_problems("a{background:url(https://x.example/a.png)} @import 'https://f.example/c.css';"
                        "b{background:url('/static/pictures/ok.svg')}") == [
        "https://x.example/a.png: loads from another site", "https://f.example/c.css: loads from another site"]
    assert JS_TRACKING.search("document.cookie = 'a=1'") and JS_TRACKING.search("fetch('https://x.example/')")
    assert not JS_TRACKING.search("fetch('/data/postcodes/KA7.json')")


def test_no_live_page_sets_a_cookie(real_app, real_build):
    """Every page the build wrote, asked of the live app: not one Set-Cookie."""
    client = real_app.test_client()
    pages = files(real_build, ".html")
    step = max(1, len(pages) // 300)  # an even sample of at most ~300 pages keeps this quick
    for page in pages[::step]:
        rel = page.relative_to(real_build).as_posix()
        url = "/" + (rel.removesuffix("index.html") if rel.endswith("index.html") else rel)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def privacy_page(real_build) -> str:
    page = real_build / "en" / "privacy" / "index.html"
    if not page.is_file():
        pytest.fail("the build has no /en/privacy/ page: the site must say how it treats privacy")
    return _text(page.read_text(encoding="utf-8"))


def test_privacy_page_says_there_are_no_cookies_or_tracking(privacy_page):
    text = privacy_page.lower()
    assert re.search(r"(does not|doesn't|do not|no)\b[^.]{0,40}\bcookies", text), "it must say: no cookies"
    assert re.search(r"(does not|do not|no)\b[^.]{0,60}\b(track|analytics)", text), "it must say: no tracking"


def test_privacy_page_names_no_tracking_service(privacy_page):
    for service in ("Google Analytics", "Google Tag Manager", "Matomo", "Plausible", "Hotjar", "Facebook Pixel",
                    "Cloudflare Web Analytics", "consent banner"):
        assert service.lower() not in privacy_page.lower(), f"the privacy page mentions {service}"
