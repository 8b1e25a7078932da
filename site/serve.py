"""Serving the live app: Flask's server for local use, waitress for production.

    sds-site serve                   # Flask's development server, for writing and checking content
    sds-site serve --production      # waitress, strict headers, page cache, one process per core

Both serve the same URLs as the static build plus the live-only features (server-side search, postcode
and place lookup). Files that only the build step writes (open data under /data/, search index shards)
are served from a built copy of the site: `build/` in the project, or the folder named by SDS_BUILD_DIR.
Production mode needs that build and stops with a clear message without it; so it does for a port that
is taken or out of range, a host it cannot listen on, and bad settings.

Settings (environment variables, all optional):
    SDS_BUILD_DIR   the built site to serve extra files from (default: <project>/build)
    SDS_WORKERS     production processes (default: one per CPU core, at most 4)
    SDS_THREADS     threads per process (default: 8)
    SDS_PAGE_CACHE  0 to render every page afresh in production (default: 1, keep finished pages)

In production every process answers pages from an in-memory cache after the first request: content,
configuration and templates are loaded once at start-up, so a page without a query string cannot change
while the server runs. Anything with a query string (search, lookups) is always computed afresh.
"""
from __future__ import annotations

import ipaddress
import os
import signal
import socket
import sys
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Flask


class ServeError(Exception):
    """A problem that stops the server from starting; the message says how to fix it."""


DEFAULT_THREADS = 8
MAX_DEFAULT_WORKERS = 4


# --- start-up checks ------------------------------------------------------------------------------
def _check_port(host: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise ServeError(f"port {port} is not between 1 and 65535. Fix: choose e.g. --port 8000")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on host {host!r}: it is not an address of this machine "
                         f"({exc.strerror}). Fix: use --host 127.0.0.1 (this machine only) or 0.0.0.0 "
                         "(every network)") from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno in (13,):  # EACCES
                raise ServeError(f"not allowed to listen on port {port} ({exc.strerror}): ports below 1024 "
                                 "need administrator rights. Fix: choose e.g. --port 8000") from exc
            raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror}). "
                             "Fix: stop the other program using it, or choose another --port") from exc


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 256:
        raise ServeError(f"{name}={raw!r} is not a whole number between 1 and 256. "
                         f"Fix: e.g. {name}={default}, or unset it")
    return value


def find_build(app: Flask, required: bool) -> Path | None:
    """The built copy of the site to serve extra files from; required in production."""
    state = app.extensions["sds"]
    configured = os.environ.get("SDS_BUILD_DIR")
    build = Path(configured) if configured else state.project_dir / "build"
    how = "SDS_BUILD_DIR" if configured else "the project's build/ folder"
    if not (build / "404.html").is_file():
        if not required:
            return None
        raise ServeError(f"no built site at {build} ({how}). Production mode serves the open data and "
                         "search files from a build. Fix: run `sds-site build` first, or set SDS_BUILD_DIR "
                         "to the folder `sds-site build --out` wrote")
    missing = [code for code in state.config.language_codes if not (build / code / "404.html").is_file()]
    if missing and required:
        raise ServeError(f"the build at {build} has no pages in {', '.join(missing)}, which the configuration "
                         "lists: it was built from other settings. Fix: run `sds-site build` again")
    return build


def _warnings(app: Flask, host: str, build: Path | None) -> list[str]:
    state = app.extensions["sds"]
    base_url = state.config.site.base_url
    notes = []
    try:
        public = not ipaddress.ip_address(host).is_loopback
    except ValueError:
        public = host not in ("localhost",)
    if public and ("127.0.0.1" in base_url or "localhost" in base_url):
        notes.append(f"the base URL is {base_url}, so the sitemap and QR codes point at this machine. "
                     "Set it with --base-url or SDS_BASE_URL")
    if build is not None:
        sitemap = build / "sitemap.xml"
        if sitemap.is_file() and f"<loc>{base_url}/" not in sitemap.read_text(encoding="utf-8", errors="replace"):
            notes.append(f"the build at {build} was made for another base URL than {base_url}")
    return notes


# --- the production WSGI stack ----------------------------------------------------------------------
class PageCache:
    """Remembers complete 200 answers to GET requests without a query string (pages, sitemap, static
    files). Safe because the app loads content, configuration and templates once at start-up; answers
    served from a build folder, errors, and anything a query string shapes are never kept."""

    def __init__(self, wsgi_app, max_entries: int = 2000, max_bytes: int = 512 * 1024):
        self.wsgi_app = wsgi_app
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, tuple[str, list, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "")
        cacheable = (method in ("GET", "HEAD") and not environ.get("QUERY_STRING")
                     and not environ.get("HTTP_RANGE"))
        if not cacheable:
            return self.wsgi_app(environ, start_response)
        key = environ.get("PATH_INFO", "")
        hit = self.entries.get(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [b""] if method == "HEAD" else [body]
        if method == "HEAD":
            return self.wsgi_app(environ, start_response)

        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.wsgi_app(environ, capture)
        try:
            chunks = list(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        body = b"".join(chunks)
        if (captured.get("status", "").startswith("200") and not environ.get("sds.from_build")
                and len(body) <= self.max_bytes
                and not any(name.lower() == "set-cookie" for name, _ in captured["headers"])):
            with self.lock:
                self.entries[key] = (captured["status"], list(captured["headers"]), body)
                while len(self.entries) > self.max_entries:
                    self.entries.popitem(last=False)
        return [body]


def production_app(app: Flask, build: Path | None):
    """The WSGI application production mode runs: the app with its page cache."""
    app.testing = False
    app.debug = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if build is not None:
        app.config["SDS_BUILD_DIR"] = str(build)
    if os.environ.get("SDS_PAGE_CACHE", "1").strip() == "0":
        return app
    return PageCache(app)


def _fresh_app(app: Flask) -> Flask:
    """A new app made the same way as `app`: each worker process opens its own files."""
    from . import create_app

    state = app.extensions["sds"]
    return create_app(state.config, project_dir=state.project_dir, partner=state.partner)


def _run_waitress(wsgi, sock: socket.socket, threads: int) -> None:
    from waitress.server import create_server

    server = create_server(wsgi, sockets=[sock], threads=threads, ident="sds-site",
                           connection_limit=1000, channel_timeout=30, backlog=1024,
                           clear_untrusted_proxy_headers=True)
    server.run()


def _serve_production(app: Flask, host: str, port: int, build: Path | None, workers: int, threads: int) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    if workers == 1:
        try:
            _run_waitress(production_app(app, build), sock, threads)
        except KeyboardInterrupt:
            pass
        return 0

    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own app (its own open files), the shared listening socket
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _run_waitress(production_app(_fresh_app(app), build), sock, threads)
            except BaseException as exc:  # noqa: BLE001 - a worker must never return into the parent's code
                print(f"error: a worker stopped: {exc}", file=sys.stderr, flush=True)
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    sock.close()

    stopping = []

    def stop(signum, frame):
        stopping.append(signum)
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        for _ in children:
            _, code = os.wait()
            if code and not stopping:
                status = 1
                stop(None, None)  # one worker failed: stop them all rather than serve half
    except KeyboardInterrupt:
        stop(None, None)
        for _ in children:
            try:
                os.wait()
            except ChildProcessError:
                break
    return status


def watched_files(app: Flask) -> list[str]:
    """What the development server watches besides Python code: content, data, translations, config."""
    state = app.extensions["sds"]
    roots = [state.project_dir / "content", state.project_dir / "translations",
             state.project_dir / "finder" / "data", Path(__file__).parent / "templates"]
    if state.partner is not None:
        roots.append(state.partner.folder)
    files = [Path(__file__).parent / "site.toml"]
    for root in roots:
        files += [p for p in root.rglob("*") if p.is_file() and p.suffix in (".md", ".yml", ".yaml", ".po",
                                                                            ".toml", ".html", ".csv", ".svg")]
    return [str(p) for p in files]


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8000, production: bool = False,
          reload: bool = True) -> int:
    from .cli import UserError

    # Under the reloader the serving process is a child: the parent already holds the port.
    reloaded_child = os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    try:
        if not reloaded_child:
            _check_port(host, port)
        build = find_build(app, required=production)
        workers = _positive_int("SDS_WORKERS", min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))
        threads = _positive_int("SDS_THREADS", DEFAULT_THREADS)
        if workers > 1 and not hasattr(os, "fork"):
            workers = 1
    except ServeError as exc:
        raise UserError(str(exc)) from exc
    for note in _warnings(app, host, build):
        print(f"warning: {note}", file=sys.stderr)
    if build is not None:
        app.config["SDS_BUILD_DIR"] = str(build)
    shown = f"[{host}]" if ":" in host else host
    if production:
        print(f"Serving the site at http://{shown}:{port}/ with waitress ({workers} processes x {threads} "
              f"threads; extra files from {build}). Press Ctrl+C to stop.", flush=True)
        return _serve_production(app, host, port, build, workers, threads)
    if not reloaded_child:
        print(f"Serving the site at http://{shown}:{port}/ (development server"
              f"{', restarts when a file changes' if reload else ''}; press Ctrl+C to stop)", flush=True)
        if build is None:
            print("note: no build/ folder, so open data and search files are not served. "
                  "Run `sds-site build` to add them.", file=sys.stderr)
    # A content error after a change stops the restarted child with its message; fix it and run again.
    app.run(host=host, port=port, debug=False, use_reloader=reload,
            extra_files=watched_files(app) if reload else None)
    return 0
