"""Shared fixtures: a small, valid test project that each test may copy and break."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sds_site import create_app
from sds_site.config import load_config

from quality.tools import CHROMIUM_FLAGS
from quality.tools import chromium

FIXTURES = Path(__file__).parent / "fixtures"
SITE_FIXTURE = FIXTURES / "site"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the small test project (content only) that a test may change."""
    root = tmp_path / "project"
    shutil.copytree(SITE_FIXTURE, root)
    (root / "translations").mkdir(exist_ok=True)
    return root


@pytest.fixture
def make_app(project: Path):
    def make(**overrides):
        config = load_config(overrides=overrides or None)
        return create_app(config, project_dir=project, testing=True)
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


# --- the real site, built once per test session (used by search, finder and quality tests) ---
PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def real_app():
    """The app over the project's real content, configuration and data."""
    return create_app(load_config(overrides={"base_url": "http://127.0.0.1:8000"}), project_dir=PROJECT_DIR,
                      testing=True)


@pytest.fixture(scope="session")
def real_build(real_app, tmp_path_factory) -> Path:
    """The real site, frozen once into a temporary folder."""
    from sds_site.build import build

    out = tmp_path_factory.mktemp("real") / "build"
    build(real_app, out, jobs=2)
    return out


@pytest.fixture(scope="session")
def served_site(real_build):
    """The real build served over HTTP on 127.0.0.1 (a static host, as in production)."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send_error(self, code, message=None, explain=None):
            page = real_build / "404.html"
            if code == 404 and page.is_file():
                body = page.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
            super().send_error(code, message, explain)

    handler = functools.partial(Quiet, directory=str(real_build))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# --- pytest-playwright with Debian's Chromium, for every browser test (one event loop per session:
# a test must use these fixtures, never a sync_playwright() of its own) --- ---------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # `--browser-channel` does not find Debian's Chromium: point Playwright at it. chromium() fails
    # the test (never skips) when it is missing; `playwright install` is not needed.
    return {**browser_type_launch_args, "executable_path": chromium(), "args": CHROMIUM_FLAGS}
