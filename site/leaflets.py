"""Printable leaflets with QR codes, and the short addresses the codes open.

- `/q/<code>/` is a short, stable address: a real page that sends the phone on to the target
  (meta refresh plus a visible link), so it works on any static host and tracks nothing.
  Codes: `home`, `easy-read`, `pa`, and `c` + the last two digits of a council's GSS code
  (GSS codes never change), e.g. `/q/c28/` for South Ayrshire's finder page.
- `/leaflets/` lists the leaflets; `/leaflets/<code>/a4/` and `/a5/` are print-ready pages.
- `/qr/<code>.svg` (printed on the leaflet) and `/qr/<code>.png` (for tests and office tools).
- `sds-site leaflets` also prints each leaflet to PDF with Chromium when it is installed.
QR codes use error correction level Q (25% of the code can be damaged) and a 4-module quiet zone.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from flask import Blueprint
from flask import Response
from flask import abort
from flask import render_template

from .state import SiteState
from .state import page_path

bp = Blueprint("leaflets", __name__)
ERROR_LEVEL = "q"
QUIET_ZONE = 4
SIZES = ("a4", "a5")


@dataclass(frozen=True)
class Leaflet:
    code: str
    target: str  # a path on the site
    kind: str  # home, easy-read, pa, council
    council: object = None


def leaflets(state: SiteState) -> list[Leaflet]:
    from finder.geo import load_geography

    geography = load_geography()
    items = [
        Leaflet("home", page_path("en", "standard", "index"), "home"),
        Leaflet("easy-read", page_path("en", "easy-read", "index"), "easy-read"),
    ]
    if state.content.get("en", "standard", "employing-a-personal-assistant"):
        items.append(Leaflet("pa", page_path("en", "standard", "employing-a-personal-assistant"), "pa"))
    partner = state.partner
    councils = geography.councils
    if partner is not None:
        councils = [geography.by_code[c] for c in partner.partnership.councils]
    for council in councils:
        items.append(Leaflet(f"c{council.code[-2:]}", f"/en/find/{council.slug}/", "council", council))
    return items


def by_code(state: SiteState) -> dict[str, Leaflet]:
    return {leaflet.code: leaflet for leaflet in leaflets(state)}


@cache
def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)


def short_url(state: SiteState, code: str) -> str:
    return f"{state.config.site.base_url}/q/{code}/"


@bp.route("/q/<code>/")
def short(code: str):
    state = SiteState.current()
    leaflet = by_code(state).get(code) or abort(404)
    return render_template("leaflets/short.html", lang="en", target=leaflet.target)


@bp.route("/qr/<code>.svg")
def qr_svg(code: str):
    state = SiteState.current()
    leaflet = by_code(state).get(code) or abort(404)
    import io

    out = io.BytesIO()
    _qr(short_url(state, leaflet.code)).save(out, kind="svg", border=QUIET_ZONE, scale=1, dark="#000",
                                             light="#fff", xmldecl=False, omitsize=True)
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.route("/qr/<code>.png")
def qr_png(code: str):
    import io

    state = SiteState.current()
    leaflet = by_code(state).get(code) or abort(404)
    out = io.BytesIO()
    _qr(short_url(state, leaflet.code)).save(out, kind="png", border=QUIET_ZONE, scale=8)
    return Response(out.getvalue(), mimetype="image/png")


@bp.route("/leaflets/")
def index():
    state = SiteState.current()
    return render_template("leaflets/index.html", lang="en", leaflets=leaflets(state))


@bp.route("/leaflets/<code>/<size>/")
def leaflet(code: str, size: str):
    state = SiteState.current()
    item = by_code(state).get(code)
    if item is None or size not in SIZES:
        abort(404)
    qr = _qr(short_url(state, item.code))
    return render_template("leaflets/leaflet.html", lang="en", leaflet=item, size=size,
                           short_url=short_url(state, item.code), qr_version=qr.version)


def init_app(app) -> None:
    state: SiteState = app.extensions["sds"]
    app.register_blueprint(bp)

    def pages():
        yield "leaflets.index", {}
        for item in leaflets(state):
            yield "leaflets.short", {"code": item.code}
            for size in SIZES:
                yield "leaflets.leaflet", {"code": item.code, "size": size}

    def files():
        for item in leaflets(state):
            yield "leaflets.qr_svg", {"code": item.code}
            yield "leaflets.qr_png", {"code": item.code}

    state.add_urls(pages, sitemap=False)
    state.add_urls(files, sitemap=False)


# --- sds-site leaflets ------------------------------------------------------------------------------
def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def print_pdfs(build_dir: Path, codes: list[str], base: str) -> list[Path]:
    """Print every leaflet page to PDF with headless Chromium (served over file://)."""
    browser = chromium()
    if browser is None:
        return []
    written = []
    for code in codes:
        for size in SIZES:
            page = build_dir / "leaflets" / code / size / "index.html"
            pdf = page.with_name(f"leaflet-{code}-{size}.pdf")
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--no-first-run", "--disable-background-networking", "--no-pdf-header-footer",
                            f"--print-to-pdf={pdf}", f"{base}/leaflets/{code}/{size}/"],
                           check=True, capture_output=True, timeout=60)
            written.append(pdf)
    return written


def cmd_leaflets(args: argparse.Namespace) -> int:
    """Build the site (with leaflets) and print each leaflet to PDF when Chromium is installed."""
    import functools
    import http.server
    import threading

    from .build import build
    from .cli import _make_app

    app = _make_app(args)
    out = Path(args.out) if args.out else Path(args.project) / "build"
    report = build(app, out)
    items = leaflets(app.extensions["sds"])
    print(f"Built {report.pages} pages into {report.out}; {len(items)} leaflets in A4 and A5 at /leaflets/")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pdfs = print_pdfs(out, [i.code for i in items], f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    if pdfs:
        print(f"Printed {len(pdfs)} PDFs next to the leaflet pages (e.g. {pdfs[0].relative_to(out)})")
    else:
        print("Chromium is not installed: no PDFs (print the leaflet pages from a browser instead)", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("leaflets", help="build printable leaflets with QR codes (and PDFs with Chromium)")
    p.add_argument("--partner", help="a partner folder: leaflets for its council(s)")
    p.add_argument("--out", help="output folder (default: build/)")
    p.add_argument("--base-url", help="the address the site is published at (QR codes point here)")
    p.set_defaults(func=cmd_leaflets)
