"""Security headers and caching: on every live response, and in the host configuration the build ships
(`_headers` for Netlify/Cloudflare-style hosts, `nginx.conf` for nginx, checked against a real nginx)."""
from __future__ import annotations

import os
import re
import threading
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sds_site import security
from sds_site.security import CookieError
from sds_site.security import SECURITY_HEADERS

LIVE_URLS = [
    "/", "/en/", "/en/easy-read/", "/en/the-four-options/", "/en/easy-read/the-four-options/",
    "/404.html", "/en/404.html", "/sitemap.xml", "/robots.txt", "/favicon.svg", "/favicon.ico",
    "/static/css/site.css", "/en/no-such-page/", "/xx/", "/en", "/%2e%2e/site.toml", "/en/?q=x",
]


def csp(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} appears twice"
            directives[words[0]] = words[1:]
    return directives


def assert_secure(headers, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{where}: {name} is {headers.get(name)!r}"
    assert "Set-Cookie" not in headers, f"{where} sets a cookie"
    assert headers.get("Cache-Control"), f"{where} has no Cache-Control"


# --- the policy itself ---------------------------------------------------------------------------------
def test_csp_is_strict_and_allows_only_what_the_site_uses():
    policy = csp(security.CONTENT_SECURITY_POLICY)
    assert policy == {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    flat = security.CONTENT_SECURITY_POLICY
    for weak in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "*", "data:", "http:", "https:", "blob:"):
        assert weak not in flat


def test_other_headers_meet_the_observatory_grades():
    hsts = SECURITY_HEADERS["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin")
    assert SECURITY_HEADERS["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(item.strip().split("=", 1) for item in SECURITY_HEADERS["Permissions-Policy"].split(","))
    assert set(features.values()) == {"()"}, "every listed feature is turned off"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "autoplay"):
        assert feature in features


@pytest.mark.parametrize("path, query, status, expected", [
    ("/static/css/site.css", "v=0123456789", 200, security.IMMUTABLE),
    ("/static/css/site.css", "", 200, security.STATIC_UNHASHED),
    ("/static/css/site.css", "v=<script>", 200, security.STATIC_UNHASHED),
    ("/en/", "", 200, security.PAGE),
    ("/en/search/", "q=direct+payment", 200, security.NO_STORE),
    ("/en/find/", "postcode=KA7+1AA", 200, security.NO_STORE),
    ("/data/directory.json", "", 200, security.DATA),
    ("/en/nothing/", "", 404, security.NO_STORE),
    ("/en/", "", 500, security.NO_STORE),
])
def test_cache_rules(path, query, status, expected):
    assert security.cache_control(path, query, status) == expected


# --- live responses ------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", LIVE_URLS)
def test_every_live_response_has_the_headers(client, url):
    response = client.get(url)
    assert_secure(response.headers, url)


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "POST", "PUT", "DELETE", "TRACE"])
def test_every_method_gets_the_headers(client, method):
    response = client.open("/en/", method=method)
    assert_secure(response.headers, f"{method} /en/")


def test_hashed_assets_are_immutable_and_pages_short_lived(app, client):
    state = app.extensions["sds"]
    hashed = state.asset_url("css/site.css")
    assert client.get(hashed).headers["Cache-Control"] == security.IMMUTABLE
    stale = hashed.split("?v=")[0] + "?v=0000000000"
    assert client.get(stale).headers["Cache-Control"] == security.STATIC_UNHASHED, \
        "an old hash must not pin today's file for a year"
    page = client.get("/en/the-four-options/")
    assert page.headers["Cache-Control"] == security.PAGE
    max_age = int(re.search(r"max-age=(\d+)", page.headers["Cache-Control"]).group(1))
    assert max_age <= 600


def test_a_page_that_tries_to_set_a_cookie_fails_in_tests_and_loses_it_in_production(make_app):
    app = make_app()

    @app.route("/en/cookie-test/")
    def cookie_test():
        from flask import make_response

        response = make_response("hello")
        response.set_cookie("tracking", "1")
        return response

    with pytest.raises(CookieError):
        app.test_client().get("/en/cookie-test/")
    app.testing = False
    response = app.test_client().get("/en/cookie-test/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_flask_session_can_never_become_a_cookie(app):
    from flask import session

    with app.test_request_context("/en/"):
        assert app.secret_key is None
        with pytest.raises(RuntimeError):
            session["x"] = 1


def test_redirects_stay_on_the_site_whatever_the_host_header(client):
    response = client.get("/en", headers={"Host": "evil.example"})
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/en/"


def test_the_wsgi_safety_net_secures_answers_made_outside_flask():
    def bare_app(environ, start_response):
        start_response("500 Internal Server Error", [("Content-Type", "text/plain"), ("Set-Cookie", "a=b")])
        return [b"oops"]

    from werkzeug.test import Client

    response = Client(security.SecureHeaders(bare_app)).get("/en/")
    assert_secure(response.headers, "bare WSGI answer")
    assert response.headers["Cache-Control"] == security.NO_STORE


# --- the host configuration written into the build -----------------------------------------------------
def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"a rule must start with a path: {line!r}"
            rules.append((line.strip(), []))
        else:
            name, _, value = line.strip().partition(":")
            assert value, f"a header line needs a value: {line!r}"
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def rule_matches(pattern: str, path: str) -> bool:
    """Netlify / Cloudflare Pages matching: a trailing * matches the rest, else the exact path."""
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def url_of(build: Path, file: Path) -> str:
    rel = file.relative_to(build).as_posix()
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel.removesuffix("index.html")
    return "/" + rel


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory) -> Path:
    from conftest import SITE_FIXTURE

    from sds_site import create_app
    from sds_site.build import build
    from sds_site.config import load_config

    root = tmp_path_factory.mktemp("secbuild")
    project = root / "project"
    shutil.copytree(SITE_FIXTURE, project)
    (project / "translations").mkdir(exist_ok=True)
    app = create_app(load_config(overrides={"base_url": "https://sds.example.org"}), project_dir=project)
    out = root / "build"
    build(app, out, jobs=1)
    return out


def test_headers_file_gives_every_built_file_the_policy_and_one_cache_rule(fixture_build):
    rules = parse_headers_file((fixture_build / "_headers").read_text(encoding="utf-8"))
    files = [p for p in fixture_build.rglob("*") if p.is_file() and p.name not in ("_headers", "nginx.conf")]
    assert len(files) > 50
    for file in files:
        url = url_of(fixture_build, file)
        headers: dict[str, list[str]] = {}
        for pattern, pairs in rules:
            if rule_matches(pattern, url):
                for name, value in pairs:
                    headers.setdefault(name, []).append(value)
        for name, value in SECURITY_HEADERS.items():
            assert headers.get(name) == [value], f"{url}: {name} is {headers.get(name)}"
        assert len(headers.get("Cache-Control", [])) == 1, \
            f"{url}: Cache-Control rules {headers.get('Cache-Control')} (hosts would join them)"
        cache = headers["Cache-Control"][0]
        if url.endswith(("/", ".html")):
            assert cache == security.PAGE, url
        if url.startswith("/static/css/") or url.startswith("/static/pictures/"):
            assert cache == security.IMMUTABLE, url
        if url.startswith("/data/"):
            assert headers.get("Access-Control-Allow-Origin") == ["*"]


def test_a_static_folder_linked_without_a_hash_is_not_immutable(tmp_path):
    (tmp_path / "static" / "partner").mkdir(parents=True)
    (tmp_path / "static" / "css").mkdir()
    (tmp_path / "static" / "partner" / "logo.svg").write_text("<svg/>")
    (tmp_path / "static" / "css" / "site.css").write_text("body{}")
    (tmp_path / "index.html").write_text('<link rel="stylesheet" href="/static/css/site.css?v=abcdef1234">'
                                         '<img src="/static/partner/logo.svg" alt="">')
    rules = dict(security.static_cache_rules(tmp_path))
    assert rules == {"/static/css/*": security.IMMUTABLE, "/static/partner/*": security.STATIC_UNHASHED}


def test_host_config_is_written_after_every_other_build_step(make_app, tmp_path):
    from sds_site.build import build

    app = make_app()
    state = app.extensions["sds"]

    def late_writer(staging: Path) -> None:  # a feature registered after sds_site.security
        (staging / "late").mkdir()
        (staging / "late" / "file.json").write_text("{}")

    state.post_build.append(late_writer)
    out = tmp_path / "out"
    build(app, out, jobs=1)
    assert "/late/*" in (out / "_headers").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, method: str = "GET"):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def nginx_site(fixture_build, tmp_path_factory):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.fail("nginx is not installed: apt-get install nginx-light (scripts/test-all does)", pytrace=False)
    prefix = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    mime = "/etc/nginx/mime.types"
    conf = prefix / "nginx.conf"
    temp = " ".join(f"{name}_temp_path {prefix};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(f"""daemon off;
master_process off;
error_log {prefix}/error.log;
pid {prefix}/nginx.pid;
events {{}}
http {{
  include {mime};
  access_log off;
  {temp}
  server {{
    listen 127.0.0.1:{port};
    root {fixture_build};
    include {fixture_build}/nginx.conf;
  }}
}}
""")
    check = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(prefix)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("url, status, cache", [
    ("/en/", 200, security.PAGE),
    ("/en/the-four-options/", 200, security.PAGE),
    ("/static/css/site.css?v=0123456789", 200, security.IMMUTABLE),
    ("/static/css/site.css", 200, security.STATIC_UNHASHED),
    ("/data/directory.json", 200, security.DATA),
    ("/en/no-such-page/", 404, security.NO_STORE),
    ("/no-such-page", 404, security.NO_STORE),
    ("/nginx.conf", 404, security.NO_STORE),
    ("/_headers", 404, security.NO_STORE),
])
def test_nginx_snippet_serves_the_same_policy(nginx_site, url, status, cache):
    code, headers, body = fetch(nginx_site + url)
    assert code == status
    assert_secure(headers, f"nginx {url}")
    assert headers["Cache-Control"] == cache
    if status == 404:
        assert b"<h1>" in body, "the site's own 404 page"


def test_nginx_refuses_other_methods_with_the_headers(nginx_site):
    code, headers, _ = fetch(nginx_site + "/en/", method="POST")
    assert code == 405
    assert_secure(headers, "nginx POST")


# --- in a real browser: the policy blocks nothing the real site uses ---------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-quic"]
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def live_real_site(real_build):
    """The real site served live, with the real build for its data files, as production serves it."""
    from waitress.server import create_server

    from sds_site import create_app
    from sds_site.config import PROJECT_DIR
    from sds_site.config import load_config
    from sds_site.serve import production_app

    app = create_app(load_config(overrides={"base_url": "http://127.0.0.1:8000"}), project_dir=PROJECT_DIR)
    server = create_server(production_app(app, real_build), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", app
    server.close()


@pytest.mark.browser
def test_chromium_reports_no_policy_violation_or_console_error(live_real_site):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (scripts/test-all does)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    from sds_site.build import planned_urls

    base, app = live_real_site
    urls = planned_urls(app)
    wanted = [r"/en/", r"/en/[a-z0-9-]+/", r"/en/easy-read/[a-z0-9-]+/", r"/en/find/", r"/en/find/[^/]+/",
              r"/en/find/[^/]+/[^/]+/[^/]+/", r"/en/search/", r"/leaflets/.+/a4/", r"/en/open-data/"]
    sample = []
    for pattern in wanted:
        match = next((u for u in urls if re.fullmatch(pattern, u)), None)
        if match:
            sample.append(match)
    assert len(sample) >= 4, sample
    problems: list[str] = []
    failures: list[BaseException] = []

    def drive() -> None:
        try:
            _drive_browser(sync_playwright, base, sample, problems)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's own thread
            failures.append(exc)

    # Playwright's sync API refuses to run in a thread with an asyncio loop (pytest-playwright's tests
    # leave one running), so it gets a thread of its own.
    worker = threading.Thread(target=drive)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]
    assert not problems, "\n".join(problems)


def a_postcode() -> str:
    import gzip

    from sds_site.config import PROJECT_DIR

    units = PROJECT_DIR / "finder" / "data" / "geo" / "postcode_units_scotland.csv.gz"
    with gzip.open(units, "rt", encoding="utf-8") as handle:
        next(handle)
        return next(handle).split(",")[0]


def _drive_browser(sync_playwright, base: str, sample: list[str], problems: list[str]) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda m: problems.append(f"{page.url}: console {m.type}: {m.text}")
                if m.type == "error" else None)
        for url in sample:
            page.goto(base + url)
            page.wait_for_load_state("load")
            problems.extend(f"{url}: CSP blocked {v}" for v in page.evaluate("window.__csp"))
        # The finder's script looks a postcode up in the build's data files (connect-src 'self').
        page.goto(base + "/en/find/")
        if page.locator("#postcode").count():
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.fill("#postcode", a_postcode())
            page.locator("form[data-field=postcode] button[type=submit]").click()
            page.wait_for_url(re.compile(r".*/en/find/[a-z-]+/$"), timeout=10_000)
            assert any("/data/postcodes/" in u for u in requested), "the script fetched the postcode shard"
            assert not any("/find/lookup/" in u for u in requested), "the script, not the server, answered"
            problems.extend(f"finder lookup: CSP blocked {v}" for v in page.evaluate("window.__csp"))
        browser.close()
