"""Security and caching headers: one policy for the live app and for the hosts that serve the build.

- Live (`sds-site serve`): an `after_request` hook puts the headers on every response, and a small WSGI
  wrapper adds any that are missing from a response that never went through Flask (a last-resort error
  page). No response ever sets a cookie.
- Static build: a post-build step writes the same policy as host configuration: `_headers` (Netlify,
  Cloudflare Pages and hosts that read the same format) and `nginx.conf` (a snippet for a `server {}` block).

The Content-Security-Policy allows only what the site uses: scripts, styles and images from the site
itself, `fetch` of its own JSON files (search index, postcode shards), forms that submit to the site.
Nothing inline is allowed, so templates must keep every script and style in files under `static/`
(tests/test_privacy.py checks every built page).

Caching: files under /static/ linked with a content hash (`?v=`, see `SiteState.asset_url`) are
immutable for a year; pages are cached for five minutes; open data for an hour; anything answering a
query (search, postcode lookup) and every error is never stored, so no cache keeps what a reader typed.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import request

log = logging.getLogger(__name__)

CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES.items())

# Browser features the site never uses. Only features Chromium and Firefox recognise are listed: an
# unknown name makes Chromium log a console error on every page.
DISABLED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
    "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi",
    "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial",
    "usb", "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DISABLED_FEATURES)

ONE_YEAR = 31_536_000
# No includeSubDomains: a partnership may serve its copy from a host whose other subdomains it does not
# control, and HSTS on subdomains is not this site's decision to make for them.
STRICT_TRANSPORT_SECURITY = f"max-age={ONE_YEAR}"

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY,
    "X-Content-Type-Options": "nosniff",
    # No referrer at all: a charity or council site a reader goes on to should not learn which page
    # about care they came from.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
}

IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
STATIC_UNHASHED = "public, max-age=3600"
PAGE = "public, max-age=300"
DATA = "public, max-age=3600"
ICON = "public, max-age=86400"
NO_STORE = "no-store"

_HASH = re.compile(r"^[0-9a-f]{6,64}$")


def cache_control(path: str, query: str, status: int, hashed: bool | None = None) -> str:
    """The Cache-Control value for a response, from the URL and status alone.

    `hashed` says whether a /static/ URL's `v` matches the file's current hash (None: trust any `v`).
    """
    if status >= 400 or status < 200:
        return NO_STORE
    if path.startswith("/static/"):
        versions = parse_qs(query).get("v", [])
        if len(versions) == 1 and _HASH.match(versions[0]) and hashed is not False:
            return IMMUTABLE
        return STATIC_UNHASHED
    if query:
        return NO_STORE  # a search or a postcode: nobody's cache keeps what a reader typed
    if 300 <= status < 400:
        return STATIC_UNHASHED
    if path.startswith("/data/"):
        return DATA
    if path.startswith("/favicon."):
        return ICON
    return PAGE


def apply_headers(headers, path: str, query: str, status: int, *, hashed: bool | None = None,
                  overwrite_cache: bool = True) -> None:
    """Set the security headers (and Cache-Control) on a werkzeug Headers object."""
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    if overwrite_cache or "Cache-Control" not in headers:
        headers["Cache-Control"] = cache_control(path, query, status, hashed)
    if path.startswith("/data/") and status == 200:
        # Open data, meant for reuse: any site may fetch it (there are no cookies to leak).
        headers["Access-Control-Allow-Origin"] = "*"
    headers.pop("Expires", None)


class CookieError(AssertionError):
    """A response tried to set a cookie; the site never sets one."""


def _asset_is_current(app: Flask, path: str, query: str) -> bool | None:
    """True if a /static/ URL's `v` is the file's current content hash, False if not, None if unknown."""
    if not path.startswith("/static/"):
        return None
    versions = parse_qs(query).get("v", [])
    if len(versions) != 1:
        return None
    state = app.extensions.get("sds")
    if state is None:
        return None
    try:
        current = state.asset_url(path.removeprefix("/static/"))
    except OSError:
        return None  # a file served by another route (a partner's logo): no hash to compare with
    return current.endswith(f"?v={versions[0]}")


def _relative_location(response: Response) -> None:
    """Make a redirect's Location relative, so a forged Host header cannot point it elsewhere."""
    location = response.headers.get("Location")
    if not location:
        return
    parts = urlsplit(location)
    if parts.scheme in ("http", "https") and parts.netloc == request.host:
        path = parts.path or "/"
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
        response.headers["Location"] = path + (f"?{parts.query}" if parts.query else "")


def init_app(app: Flask) -> None:
    """Headers on every live response, no cookies, and the host configuration written into the build."""
    app.secret_key = None  # without a key Flask's session can never be saved as a cookie

    @app.after_request
    def _secure(response: Response) -> Response:
        if "Set-Cookie" in response.headers:
            cookies = response.headers.getlist("Set-Cookie")
            del response.headers["Set-Cookie"]
            if app.testing or app.debug:
                raise CookieError(f"{request.path} tried to set a cookie: {cookies}")
            log.error("removed a cookie from %s: the site never sets cookies", request.path)
        query = request.query_string.decode("latin-1")
        apply_headers(response.headers, request.path, query, response.status_code,
                      hashed=_asset_is_current(app, request.path, query))
        _relative_location(response)
        return response

    app.wsgi_app = SecureHeaders(app.wsgi_app)
    state = app.extensions.get("sds")
    if state is not None:
        state.post_build.append(write_host_config(state))


class SecureHeaders:
    """WSGI safety net: any response that did not pass through Flask's hooks still gets the headers,
    and never a cookie."""

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def secured_start_response(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            kept = [(n, v) for n, v in headers if n.lower() != "set-cookie"]
            if "content-security-policy" not in names:
                from werkzeug.datastructures import Headers

                fixed = Headers(kept)
                code = int(status.split(" ", 1)[0])
                apply_headers(fixed, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), code,
                              overwrite_cache=False)
                kept = fixed.to_wsgi_list()
            return start_response(status, kept, exc_info) if exc_info else start_response(status, kept)

        return self.wsgi_app(environ, secured_start_response)


# --- host configuration for the static build ----------------------------------------------------------
_STATIC_REF = re.compile(rb"""/static/[^"'()\s?#>]*+(?!\?)""")
_REF_START = frozenset(b"\"'( \t\r\n=")


def unhashed_refs(data: bytes) -> set[str]:
    """Local /static/ addresses written without `?v=` in a page, stylesheet or script. (Searching for
    "/static/" first and looking one byte back is five times faster than a regex that tries a
    preceding character at every position, which matters over ten thousand pages.)"""
    return {match.group().decode("utf-8", "replace") for match in _STATIC_REF.finditer(data)
            if match.start() == 0 or data[match.start() - 1] in _REF_START}


def static_cache_rules(out: Path) -> list[tuple[str, str]]:
    """(path pattern, Cache-Control) for everything under /static/ in a build, without overlaps.

    Hosts that read `_headers` cannot match a query string, so hashing is judged per folder: a folder
    of /static/ is immutable only if no built page or stylesheet links a file in it without `?v=`."""
    static = out / "static"
    if not static.is_dir():
        return []
    unhashed: set[str] = set()
    for folder, _, names in os.walk(out):  # os.walk, not rglob: no stat per file, over 10,000 pages
        for name in names:
            if name.endswith((".html", ".css", ".js", ".xml")):
                with open(os.path.join(folder, name), "rb") as handle:
                    unhashed.update(unhashed_refs(handle.read()))
    rules = []
    for child in sorted(static.iterdir()):
        prefix = f"/static/{child.name}"
        if child.is_dir():
            linked_plainly = any(ref.startswith(prefix + "/") for ref in unhashed)
            rules.append((prefix + "/*", STATIC_UNHASHED if linked_plainly else IMMUTABLE))
        else:
            rules.append((prefix, STATIC_UNHASHED if prefix in unhashed else IMMUTABLE))
    return rules


def top_level_rules(out: Path) -> list[tuple[str, str]]:
    """(path pattern, Cache-Control) for everything outside /static/, one rule per top-level entry."""
    rules = [("/", PAGE)]
    for child in sorted(out.iterdir()):
        name = child.name
        if name in ("static", "index.html") or name.startswith((".", "_")) or name == NGINX_FILE:
            continue
        if child.is_dir():
            rules.append((f"/{name}/*", DATA if name == "data" else PAGE))
        elif name.startswith("favicon."):
            rules.append((f"/{name}", ICON))
        else:
            rules.append((f"/{name}", PAGE))
    return rules


HEADERS_FILE = "_headers"
NGINX_FILE = "nginx.conf"


def headers_file(out: Path) -> str:
    """`_headers`: security headers on every path, then one Cache-Control rule per non-overlapping path."""
    lines = [
        "# Generated by `sds-site build` (sds_site.security): the same headers and caching as",
        "# `sds-site serve --production`. Read by Netlify, Cloudflare Pages and similar hosts.",
        "# Cache-Control rules never overlap (hosts join the values of overlapping rules).",
        "/*",
    ]
    lines += [f"  {name}: {value}" for name, value in SECURITY_HEADERS.items()]
    for pattern, cache in top_level_rules(out) + static_cache_rules(out):
        lines.append(pattern)
        lines.append(f"  Cache-Control: {cache}")
        if pattern == "/data/*":
            lines.append("  Access-Control-Allow-Origin: *")
    return "\n".join(lines) + "\n"


def _nginx_headers(cache: str, indent: str = "    ", extra: Iterable[tuple[str, str]] = ()) -> list[str]:
    lines = [f'{indent}add_header {name} "{value}" always;' for name, value in SECURITY_HEADERS.items()]
    lines.append(f'{indent}add_header Cache-Control {cache} always;')
    lines += [f'{indent}add_header {name} "{value}" always;' for name, value in extra]
    return lines


def nginx_snippet(out: Path, languages: list[str]) -> str:
    langs = "|".join(sorted(languages))
    quote = lambda value: f'"{value}"'  # noqa: E731
    lines = [
        "# Generated by `sds-site build` (sds_site.security): the same headers and caching as",
        "# `sds-site serve --production`. Include it inside the server { } block that serves the build:",
        "#",
        "#     server {",
        "#         listen 443 ssl;",
        "#         server_name sds.example.org;",
        "#         root SITE_DIR/current;            # the link `sds-site publish --to SITE_DIR` switches",
        "#         include SITE_DIR/current/nginx.conf;",
        "#     }",
        "#",
        "# nginx uses add_header only from the innermost block that has any, so each location repeats them.",
        "charset utf-8;",
        "charset_types text/css text/plain text/xml application/javascript application/json image/svg+xml;",
        "server_tokens off;",
        "index index.html;",
        "gzip on;",
        "gzip_vary on;",
        "gzip_types text/css text/plain text/xml text/csv application/javascript application/json "
        "application/xml image/svg+xml;",
        "large_client_header_buffers 4 8k;  # longer request lines get 414",
        "error_page 404 /404.html;",
        "if ($request_method !~ ^(GET|HEAD)$) { return 405; }",
        "# For answers made outside the locations below (405, a bad request line):",
        *_nginx_headers(quote(NO_STORE), indent=""),
        "",
        "location / {",
        "    try_files $uri $uri/ =404;",
        *_nginx_headers(quote(PAGE)),
        "}",
        # Regular-expression locations are tried in this order: the 404 pages first.
        f"location ~ ^/(({langs})/)?404\\.html$ {{",
        *_nginx_headers(quote(NO_STORE)),
        "}",
        f"location ~ ^/({HEADERS_FILE}|{re.escape(NGINX_FILE)})$ {{ return 404; }}",
        f"location ~ ^/(?<sds_lang>{langs})/ {{",
        "    error_page 404 /$sds_lang/404.html;  # the 404 page in the visitor's language",
        "    try_files $uri $uri/ =404;",
        *_nginx_headers(quote(PAGE)),
        "}",
        "location ^~ /static/ {",
        "    try_files $uri =404;",
        "    # A URL with ?v=<content hash> changes whenever the file does.",
        f'    set $sds_cache "{STATIC_UNHASHED}";',
        f'    if ($arg_v) {{ set $sds_cache "{IMMUTABLE}"; }}',
        *_nginx_headers("$sds_cache"),
        "}",
        "location ^~ /data/ {",
        "    try_files $uri =404;",
        *_nginx_headers(quote(DATA), extra=[("Access-Control-Allow-Origin", "*")]),
        "}",
        "location ~ ^/favicon\\. {",
        *_nginx_headers(quote(ICON)),
        "}",
    ]
    return "\n".join(lines) + "\n"


def write_host_config(state) -> Callable[[Path], None]:
    def write(staging: Path) -> None:
        # The rules are made from what is in the build, so this runs after every other writer
        # (open data, search index): the build runs writers marked `last` at the very end.
        (staging / HEADERS_FILE).write_text(headers_file(staging), encoding="utf-8")
        (staging / NGINX_FILE).write_text(nginx_snippet(staging, state.config.language_codes), encoding="utf-8")
    write.last = True
    return write
