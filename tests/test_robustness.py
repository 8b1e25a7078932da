"""Bad input gets a normal page, never a 5xx: through Flask's test client, through waitress with raw
bytes on the wire, and a property-based test (hypothesis) over random paths and query strings."""
from __future__ import annotations

import re
import socket
import threading
from urllib.parse import quote
from urllib.parse import unquote_to_bytes
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

from sds_site.robustness import MAX_PATH_BYTES
from sds_site.robustness import MAX_QUERY_BYTES
from sds_site.robustness import bad_path

H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def assert_normal_page(response, status: int) -> str:
    assert response.status_code == status, f"{response.status_code} for {response.request.path}"
    html = response.get_data(as_text=True)
    assert len(H1.findall(html)) == 1, "a normal page with one <h1>"
    assert 'class="c-skip"' in html, "the site's own layout, not a bare server error"
    assert response.headers.get("Content-Security-Policy")
    return html


# --- named cases ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/../", "/%2e%2e/", "/%2E%2E/site.toml", "/en/%2e%2e/%2e%2e/etc/passwd", "/static/../site.toml",
    "/static/%2e%2e/site.toml", "/en/./", "/en/%00/", "/en/x%00.html", "/en/%0d%0aSet-Cookie:%20a=b/",
    "/en/..%5c..%5csite.toml",
], ids=lambda value: value[:40])
def test_traversal_and_control_characters_get_400(client, path):
    html = assert_normal_page(client.get(path), 400)
    assert "SITE_TOML" not in html and "[site]" not in html


@pytest.mark.parametrize("raw", ["/../", "/en/\x00/", "/\xff/", "/en/\xc3(/", "/a\\b/"])
def test_bad_path_classifies(raw):
    assert bad_path(raw) == 400


def test_good_paths_pass():
    assert bad_path("/en/the-four-options/") is None
    assert bad_path("/uk/" + "Україна".encode().decode("latin-1") + "/") is None
    assert bad_path("/en/..well/") is None, "dots inside a segment are not traversal"


def test_invalid_utf8_in_the_path_gets_400(client):
    response = client.get("/", environ_overrides={"PATH_INFO": "/en/\xff\xfe/"})
    assert_normal_page(response, 400)


def test_invalid_utf8_in_the_query_gets_a_page(client):
    response = client.get("/en/", query_string="q=%ff%fe%00")
    assert response.status_code == 200


def test_over_long_paths_and_queries_get_414(client):
    assert_normal_page(client.get("/en/" + "a" * MAX_PATH_BYTES + "/"), 414)
    assert_normal_page(client.get("/en/", query_string="q=" + "a" * MAX_QUERY_BYTES), 414)
    assert client.get("/en/", query_string="q=" + "a" * 10_000).status_code == 200, \
        "a 10,000-character query is search's to bound, not a 414"


@pytest.mark.parametrize("path", ["/xx/", "/xx/the-four-options/", "/en/no-such-page/",
                                  "/en/easy-read/no-such-page/", "/en/find/nowhere/", "/no/such/thing/",
                                  "/en/index/"])
def test_unknown_pages_languages_and_councils_get_the_404_page(client, path):
    html = assert_normal_page(client.get(path), 404)
    assert "Page not found" in html


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"])
def test_wrong_methods_get_the_405_page(client, method):
    response = client.open("/en/the-four-options/", method=method)
    assert_normal_page(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


def test_head_matches_get_without_a_body(client):
    get = client.get("/en/the-four-options/")
    head = client.head("/en/the-four-options/")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["Content-Security-Policy"] == get.headers["Content-Security-Policy"]


def test_options_lists_the_methods(client):
    response = client.options("/en/the-four-options/")
    assert response.status_code == 200
    assert {"GET", "HEAD", "OPTIONS"} <= set(response.headers["Allow"].split(", "))


def test_over_large_request_bodies_get_a_page(client):
    response = client.post("/en/", data=b"x" * 100_000, content_type="application/octet-stream")
    assert response.status_code in (405, 413)


# --- the visitor's language ----------------------------------------------------------------------------
@pytest.fixture
def bilingual_app(project):
    from sds_site import create_app
    from sds_site.config import Language
    from sds_site.config import load_config

    po = project / "translations" / "pl" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: pl\\n"\n\n'
                  'msgid "Page not found"\nmsgstr "Nie znaleziono strony"\n\n'
                  'msgid "Sorry, this page cannot do that"\nmsgstr "Przepraszamy, ta strona nie może tego zrobić"\n',
                  encoding="utf-8")
    config = load_config()
    config = config.model_copy(update={"languages": [*config.languages, Language(code="pl", name="Polski")]})
    return create_app(config, project_dir=project, testing=True)


def test_404_in_the_language_of_the_path(bilingual_app):
    html = assert_normal_page(bilingual_app.test_client().get("/pl/no-such-page/"), 404)
    assert '<html lang="pl"' in html and "Nie znaleziono strony" in html


def test_404_without_a_language_follows_the_browser(bilingual_app):
    client = bilingual_app.test_client()
    response = client.get("/no/such/thing/", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})
    html = assert_normal_page(response, 404)
    assert '<html lang="pl"' in html and "Nie znaleziono strony" in html
    assert "Accept-Language" in response.headers["Vary"]
    english = client.get("/no/such/thing/", headers={"Accept-Language": "fr, de;q=0.5"})
    assert '<html lang="en"' in english.get_data(as_text=True)
    broken = client.get("/no/such/thing/", headers={"Accept-Language": ";;q=x,,=="})
    assert broken.status_code == 404


def test_405_in_the_language_of_the_path(bilingual_app):
    html = assert_normal_page(bilingual_app.test_client().post("/pl/"), 405)
    assert "Przepraszamy" in html


# --- files that only the build writes, served live -------------------------------------------------------
@pytest.fixture
def app_with_build(app, tmp_path):
    build = tmp_path / "build"
    (build / "data" / "councils").mkdir(parents=True)
    (build / "data" / "councils" / "fife.json").write_text('{"name": "Fife"}')
    (build / "en" / "search").mkdir(parents=True)
    (build / "en" / "search" / "shard-ab.json").write_text("[]")
    (build / "en" / "index.html").write_text("STALE BUILT PAGE")
    (build / "_headers").write_text("secret-ish")
    (build / "nginx.conf").write_text("server")
    (build / ".hidden").write_text("hidden")
    app.config["SDS_BUILD_DIR"] = str(build)
    return app


def test_build_only_files_are_served_live(app_with_build):
    client = app_with_build.test_client()
    response = client.get("/data/councils/fife.json")
    assert response.status_code == 200
    assert response.json == {"name": "Fife"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Security-Policy"]
    assert client.get("/en/search/shard-ab.json").status_code == 200
    assert client.head("/data/councils/fife.json").status_code == 200


def test_the_build_never_shadows_live_pages_or_leaks_hidden_files(app_with_build):
    client = app_with_build.test_client()
    assert "STALE" not in client.get("/en/").get_data(as_text=True)
    for path in ("/_headers", "/nginx.conf", "/.hidden", "/data/", "/data/councils/nowhere.json"):
        assert client.get(path).status_code in (308, 404), path
    assert client.get("/data/%2e%2e/%2e%2e/etc/passwd").status_code == 400
    assert client.post("/data/councils/fife.json").status_code in (404, 405)


# --- raw bytes through waitress, as production serves them ---------------------------------------------
@pytest.fixture(scope="module")
def waitress_url(tmp_path_factory):
    from waitress.server import create_server

    from conftest import SITE_FIXTURE
    import shutil

    from sds_site import create_app
    from sds_site.config import load_config
    from sds_site.serve import production_app

    project = tmp_path_factory.mktemp("raw") / "project"
    shutil.copytree(SITE_FIXTURE, project)
    (project / "translations").mkdir(exist_ok=True)
    app = create_app(load_config(), project_dir=project)
    server = create_server(production_app(app, None), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield ("127.0.0.1", server.effective_port)
    server.close()


def raw_request(address, request_line: bytes, headers: bytes = b"") -> tuple[int, bytes, bytes]:
    with socket.create_connection(address, timeout=10) as conn:
        conn.sendall(request_line + b"\r\nHost: localhost\r\nConnection: close\r\n" + headers + b"\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head, body


@pytest.mark.parametrize("line, expected", [
    (b"GET /en/%ff/ HTTP/1.1", 400),
    (b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1", 400),
    (b"GET /static/..%2fsite.toml HTTP/1.1", 400),
    (b"GET /static/%2e%2e%2f%2e%2e%2fsite.toml HTTP/1.1", 400),
    (b"GET /en/%00/ HTTP/1.1", 400),
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1", 414),
    (b"GET /en/?q=" + b"b" * 20000 + b" HTTP/1.1", 414),
    (b"GET /en/?q=%ff%fe%00%22* HTTP/1.1", 200),
    (b"BREW /en/ HTTP/1.1", 405),
    (b"DELETE /en/ HTTP/1.1", 405),
    (b"GET /xx/ HTTP/1.1", 404),
    (b"GET http://localhost/en/ HTTP/1.1", 200),
], ids=lambda value: value[:40].decode("latin-1") if isinstance(value, bytes) else str(value))
def test_raw_requests_through_waitress(waitress_url, line, expected):
    status, head, body = raw_request(waitress_url, line)
    assert status == expected, head[:300]
    assert b"Content-Security-Policy:" in head
    assert b"<h1" in body or status == 200


def test_raw_non_ascii_bytes_are_refused_by_waitress_itself(waitress_url):
    # Browsers percent-encode; raw bytes never reach the app: waitress answers a short 400 of its own.
    status, _, _ = raw_request(waitress_url, b"GET /en/\xff\xfe/ HTTP/1.1")
    assert status == 400


def test_odd_requests_through_waitress_are_never_5xx(waitress_url):
    for line, headers in [
        (b"OPTIONS * HTTP/1.1", b""),
        (b"GET /en/ HTTP/1.1", b"Accept-Language: ;;;==,,q=x\r\n"),
        (b"GET /en/ HTTP/1.1", b"Range: bytes=5-1\r\n"),
        (b"GET /en/ HTTP/1.0", b""),
        (b"HEAD /en/ HTTP/1.1", b""),
        (b"GET //evil.example/ HTTP/1.1", b""),
        (b"GET /en/?a=1&a=2&&&==&q HTTP/1.1", b""),
    ]:
        status, head, _ = raw_request(waitress_url, line, headers)
        assert status < 500, (line, head[:200])
        location = re.search(rb"Location: (\S+)", head)
        assert not location or location.group(1).startswith(b"/") and not location.group(1).startswith(b"//")


def test_head_through_waitress_has_no_body(waitress_url):
    status, head, body = raw_request(waitress_url, b"HEAD /en/ HTTP/1.1")
    assert status == 200 and body == b""


# --- the property: random paths and query strings, zero 5xx --------------------------------------------
TOKENS = ["en", "gd", "pl", "uk", "ur", "ar", "xx", "easy-read", "find", "search", "search.json", "static",
          "css", "site.css", "data", "councils", "postcodes", "fife.json", "q", "qr", "leaflets", "a4",
          "open-data", "404.html", "sitemap.xml", "robots.txt", "index.html", "the-four-options", "index",
          "south-ayrshire", "na-h-eileanan-siar", "myself", "someone-i-care-for", "my-child", "employ-a-pa",
          "carer-support", "c28", "home", "..", ".", "%2e%2e", "%2E", "%00", "%ff", "%c0%af", "%2f", "%5c",
          "", "~", "*", "%25"]
segment = st.one_of(
    st.sampled_from(TOKENS),
    st.text(min_size=1, max_size=20).map(lambda s: quote(s, safe="")),
    st.binary(min_size=1, max_size=6).map(lambda b: "".join(f"%{byte:02x}" for byte in b)),
)
paths = st.builds(lambda parts, slash: "/" + "/".join(parts) + ("/" if slash else ""),
                  st.lists(segment, min_size=0, max_size=6), st.booleans())
QUERY_KEYS = ["q", "postcode", "place", "v", "variant", "easy_read", "page", "lang", "council", "who", "need"]
query_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["*", "a*", "http:", '"unbalanced', "(((", "AND OR NOT", "KA7 1AA", "ka71aa", "EH1",
                     "ZE", "Ayr", "Newton", "😀", "اردو", "Україна", "direct payment~2", "\u202e", ""]),
)
queries = st.one_of(
    st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=8)), query_text),
             max_size=4).map(urlencode),
    st.binary(max_size=40).map(lambda b: "q=" + "".join(f"%{byte:02x}" for byte in b)),
)
methods = st.sampled_from(["GET", "GET", "GET", "HEAD", "OPTIONS", "POST"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=paths, query=queries, method=methods)
def test_random_requests_never_get_a_server_error(real_app, path, query, method):
    """Every feature of the real site (pages, finder, search, leaflets, data) under random input."""
    # Build the environ as a WSGI server would (PATH_INFO is the percent-decoded path as latin-1):
    # the test client would read a path starting with // as a host name, which a server never does.
    environ = EnvironBuilder(path="/", method=method, query_string=query).get_environ()
    environ["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
    environ["REQUEST_URI"] = environ["RAW_URI"] = path + (f"?{query}" if query else "")
    body, status, headers = run_wsgi_app(real_app, environ, buffered=True)
    response = real_app.response_class(body, status, headers)
    assert response.status_code < 500, f"{method} {path}?{query} -> {response.status_code}"
    assert "Set-Cookie" not in response.headers
    assert response.headers.get("Content-Security-Policy")
    location = response.headers.get("Location")
    if location:
        assert location.startswith("/") and not location.startswith("//"), location
