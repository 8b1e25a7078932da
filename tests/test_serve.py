"""`sds-site serve --production`: clear start-up errors, and the real server (waitress, several worker
processes) answering with the security headers, extra files from the build, and a clean stop."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sds_site.cli import main
from sds_site.security import SECURITY_HEADERS
from sds_site.serve import PageCache


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_args(project: Path, *extra: str) -> list[str]:
    return ["--project", str(project), "serve", *extra]


@pytest.fixture
def ready_project(project):
    (project / "translations").mkdir(exist_ok=True)
    return project


@pytest.mark.parametrize("port", ["0", "70000", "-5"])
def test_a_port_out_of_range_is_a_clear_error(ready_project, capsys, port):
    assert main(serve_args(ready_project, "--port", port)) == 1
    assert "between 1 and 65535" in capsys.readouterr().err


def test_a_port_in_use_is_a_clear_error(ready_project, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(serve_args(ready_project, "--port", str(port))) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "another --port" in err


def test_an_unknown_host_is_a_clear_error(ready_project, capsys):
    assert main(serve_args(ready_project, "--host", "no-such-host.invalid", "--port", str(free_port()))) == 1
    assert "no-such-host.invalid" in capsys.readouterr().err


def test_production_without_a_build_says_to_build_first(ready_project, capsys, monkeypatch):
    monkeypatch.delenv("SDS_BUILD_DIR", raising=False)
    assert main(serve_args(ready_project, "--production", "--port", str(free_port()))) == 1
    err = capsys.readouterr().err
    assert "no built site" in err and "sds-site build" in err


def test_production_with_a_build_for_other_languages_says_to_rebuild(ready_project, capsys, monkeypatch, tmp_path):
    build = tmp_path / "old-build"
    (build / "gd").mkdir(parents=True)
    (build / "404.html").write_text("<h1>old</h1>")
    (build / "gd" / "404.html").write_text("<h1>old</h1>")
    monkeypatch.setenv("SDS_BUILD_DIR", str(build))
    assert main(serve_args(ready_project, "--production", "--port", str(free_port()))) == 1
    assert "has no pages in en" in capsys.readouterr().err


@pytest.mark.parametrize("name, value", [("SDS_WORKERS", "many"), ("SDS_THREADS", "0")])
def test_bad_settings_are_clear_errors(ready_project, capsys, monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    assert main(serve_args(ready_project, "--port", str(free_port()))) == 1
    assert name in capsys.readouterr().err


def test_bad_configuration_is_a_clear_error(ready_project, capsys, monkeypatch):
    monkeypatch.setenv("SDS_BASE_URL", "not a web address")
    assert main(serve_args(ready_project, "--production", "--port", str(free_port()))) == 1
    assert "base_url" in capsys.readouterr().err


# --- the page cache --------------------------------------------------------------------------------------
def test_the_page_cache_keeps_only_plain_successful_pages():
    calls = []

    def inner(environ, start_response):
        calls.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        status = "404 Not Found" if environ["PATH_INFO"] == "/missing/" else "200 OK"
        if environ["PATH_INFO"] == "/from-build.json":
            environ["sds.from_build"] = True
        start_response(status, [("Content-Type", "text/html"), ("Content-Length", "5")])
        return [b"hello"]

    from werkzeug.test import Client

    client = Client(PageCache(inner))
    for _ in range(3):
        assert client.get("/en/").data == b"hello"
        client.get("/en/?q=secret")
        client.get("/missing/")
        client.get("/from-build.json")
    assert calls.count("/en/?") == 1, "a page is made once, then served from memory"
    assert calls.count("/en/?q=secret") == 3, "a query is never answered from memory"
    assert calls.count("/missing/?") == 3 and calls.count("/from-build.json?") == 3
    head = client.head("/en/")
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == "5"


# --- the real production server ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    from conftest import SITE_FIXTURE

    root = tmp_path_factory.mktemp("prod")
    project = root / "project"
    shutil.copytree(SITE_FIXTURE, project)
    (project / "translations").mkdir()
    port = free_port()
    env = dict(os.environ, SDS_WORKERS="2", SDS_THREADS="4")
    env.pop("SDS_BUILD_DIR", None)
    cli = [sys.executable, "-m", "sds_site.cli", "--project", str(project)]
    subprocess.run(cli + ["build", "--jobs", "1"], check=True, env=env, capture_output=True)
    process = subprocess.Popen(cli + ["serve", "--production", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/en/", timeout=2).read()
            break
        except (OSError, urllib.error.URLError):
            if process.poll() is not None:
                pytest.fail(f"the server stopped: {process.stderr.read()}")
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the production server did not answer within 60 s")
    yield base, process
    if process.poll() is None:
        process.kill()
        process.wait()


def fetch(url: str, method: str = "GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize("url, method, status", [
    ("/en/", "GET", 200),
    ("/en/", "GET", 200),  # the second answer comes from the page cache: same headers
    ("/en/the-four-options/", "HEAD", 200),
    ("/en/", "OPTIONS", 200),
    ("/en/", "POST", 405),
    ("/en/no-such-page/", "GET", 404),
    ("/%2e%2e/site.toml", "GET", 400),
    ("/static/css/site.css", "GET", 200),
    ("/data/directory.json", "GET", 200),  # written only by the build: served from build/
    ("/sitemap.xml", "GET", 200),
])
def test_the_production_server_sends_the_headers(production_server, url, method, status):
    base, _ = production_server
    code, headers, body = fetch(base + url, method)
    assert code == status
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, f"{url}: {name}"
    assert "Set-Cookie" not in headers
    assert headers["Cache-Control"]
    if status >= 400:
        assert b"<h1>" in body


def test_the_production_server_stops_cleanly(production_server):
    _, process = production_server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert "waitress (2 processes" in process.stdout.read()


def test_the_development_server_watches_content_translations_data_and_config(real_app):
    from sds_site.serve import watched_files

    watched = watched_files(real_app)
    for wanted in ("content/the-four-options.md", "content/easy-read/the-four-options.md",
                   "translations/pl/LC_MESSAGES/messages.po", "finder/data/rules.yml", "site/site.toml",
                   "site/templates/base.html"):
        assert any(path.endswith(wanted) for path in watched), wanted
