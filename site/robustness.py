"""Bad input gets a normal page, never a server error.

Checked before any view runs (a `before_request` hook):
- a path that is not valid UTF-8, or holds a control character (an encoded NUL), a backslash or a
  `.` / `..` segment (path traversal, also when sent as `%2e%2e`) -> 400;
- a path over MAX_PATH_BYTES or a query string over MAX_QUERY_BYTES -> 414.
Every error (400, 404, 405, 413, 414, 431, 500 and any other) is answered with a real page in the
visitor's language: the language in the path if there is one, else the browser's preferred language
among the site's. 405 answers say which methods are allowed; HEAD and OPTIONS work on every page.

When the live app is given a built copy of the site (`SDS_BUILD_DIR`, set by `sds-site serve`), a GET
for a path no route knows is answered from the build if the file exists there: open data under /data/,
search index shards and other files that only the build step writes.

A WSGI wrapper is the last resort: if even the error page fails, the visitor still gets a short page
(with the security headers) rather than the server's bare error.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Flask
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask import send_file
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.security import safe_join

log = logging.getLogger(__name__)

MAX_PATH_BYTES = 2048
# Generous enough for a search of 10,000 characters (search bounds its own query length); nginx and
# most hosts refuse request lines over 8 KB anyway.
MAX_QUERY_BYTES = 16384
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def bad_path(raw_path: str) -> int | None:
    """400 or 414 for a path that no page can have (PATH_INFO as WSGI gives it: bytes as latin-1)."""
    if len(raw_path) > MAX_PATH_BYTES:
        return 414
    try:
        path = raw_path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return 400
    if _CONTROL.search(path) or "\\" in path:
        return 400
    if any(segment in (".", "..") for segment in path.split("/")):
        return 400
    return None


def visitor_language() -> str:
    """The language in the path, else the browser's preferred one of the site's, else English."""
    state = current_app.extensions["sds"]
    codes = state.config.language_codes
    first = request.path.lstrip("/").split("/", 1)[0]
    if first in codes:
        return first
    return request.accept_languages.best_match(codes) or codes[0]


def _build_file(build_dir: Path, path: str) -> str | None:
    """The file a built copy of the site holds for `path`, if any (never a folder or hidden file)."""
    if path.endswith("/") or any(part.startswith((".", "_")) for part in path.split("/")):
        return None
    from .security import NGINX_FILE

    if path == f"/{NGINX_FILE}":
        return None
    candidate = safe_join(str(build_dir), path.lstrip("/"))
    if candidate and Path(candidate).is_file():
        return candidate
    return None


def render_error(code: int):
    lang = visitor_language()
    with force_locale(lang):
        if code == 404:
            body = render_template("404.html", lang=lang)
        else:
            body = render_template("error.html", lang=lang, code=code)
    response = current_app.response_class(body, status=code, mimetype="text/html")
    if request.path.lstrip("/").split("/", 1)[0] not in current_app.extensions["sds"].config.language_codes:
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    @app.before_request
    def _reject_bad_input():
        code = bad_path(request.environ.get("PATH_INFO", ""))
        if code is None and len(request.environ.get("QUERY_STRING", "")) > MAX_QUERY_BYTES:
            code = 414
        if code is not None:
            abort(code)

    @app.before_request
    def _serve_from_build():
        # Only for paths no route serves (routing failed, or would redirect to add a slash).
        if request.url_rule is not None or request.method not in ("GET", "HEAD"):
            return None
        build_dir = app.config.get("SDS_BUILD_DIR")
        found = _build_file(Path(build_dir), request.path) if build_dir else None
        if found is None:
            return None
        request.environ["sds.from_build"] = True  # the page cache must not keep it
        return send_file(found, conditional=True)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        response = render_error(code if code >= 400 else 500)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    # Replaces the plain 404 handler of views/meta.py: this one also picks the browser's language when
    # the path has none, and renders the page's words in that language.
    app.register_error_handler(404, _http_error)

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        log.error("server error on %s %s", request.method, request.path,
                  exc_info=getattr(error, "original_exception", None))
        return render_error(500)

    app.wsgi_app = LastResort(app)


FALLBACK_PAGE = (b'<!doctype html><html lang="en"><meta charset="utf-8">'
                 b'<meta name="viewport" content="width=device-width, initial-scale=1">'
                 b"<title>Sorry, there is a problem</title><h1>Sorry, there is a problem</h1>"
                 b'<p>Please try again later. <a href="/">Go to the home page</a>.</p></html>')


class LastResort:
    """WSGI wrapper: an exception that escaped Flask's own error handling still gets a short page."""

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception:
            if self.app.testing:
                raise  # tests see the real exception
            log.exception("unhandled error on %s", environ.get("PATH_INFO"))
            from werkzeug.datastructures import Headers

            from .security import apply_headers

            headers = Headers({"Content-Type": "text/html; charset=utf-8",
                               "Content-Length": str(len(FALLBACK_PAGE))})
            apply_headers(headers, environ.get("PATH_INFO", ""), "", 500)
            import sys

            start_response("500 Internal Server Error", headers.to_wsgi_list(), sys.exc_info())
            return [] if environ.get("REQUEST_METHOD") == "HEAD" else [FALLBACK_PAGE]
