"""Site-wide files: the root page, sitemap, robots.txt, the 404 page and the favicon."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import send_from_directory
from flask import url_for

from ..config import PACKAGE_DIR
from ..state import SiteState

bp = Blueprint("meta", __name__)


@bp.route("/")
def root():
    # A real page, not a server redirect, so that it works on any static host (toolchain trap 5).
    return render_template("root.html", lang="en", target=url_for("pages.home", lang="en"))


@bp.route("/404.html")
def not_found_page():
    # Returns 200 so the static build writes it; hosts serve it for unknown paths.
    return render_template("404.html", lang="en")


@bp.route("/<lang>/404.html")
def not_found_in_language(lang: str):
    from .pages import known_language

    known_language(lang)
    return render_template("404.html", lang=lang)


@bp.route("/sitemap.xml")
def sitemap():
    state = SiteState.current()
    base = state.config.site.base_url
    urls = [base + url_for(endpoint, **values) for endpoint, values in state.sitemap_urls()]
    xml = render_template("sitemap.xml", urls=sorted(set(urls)))
    return Response(xml, mimetype="application/xml")


@bp.route("/robots.txt")
def robots():
    state = SiteState.current()
    body = f"User-agent: *\nAllow: /\n\nSitemap: {state.config.site.base_url}/sitemap.xml\n"
    return Response(body, mimetype="text/plain")


@bp.route("/favicon.svg")
def favicon_svg():
    return send_from_directory(PACKAGE_DIR / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.route("/favicon.ico")
def favicon_ico():
    return send_from_directory(PACKAGE_DIR / "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.route("/<lang>/open-data/")
def open_data(lang: str):
    from finder.geo import load_geography
    from .pages import known_language

    known_language(lang)
    return render_template("open_data.html", lang=lang, attribution=load_geography().attribution)


def other_urls(state: SiteState):
    def generate():
        yield "meta.root", {}
        yield "meta.not_found_page", {}
        yield "meta.sitemap", {}
        yield "meta.robots", {}
        yield "meta.favicon_svg", {}
        yield "meta.favicon_ico", {}
        for lang in state.config.language_codes:
            yield "meta.not_found_in_language", {"lang": lang}
    return generate


def page_urls(state: SiteState):
    def generate():
        for lang in state.config.language_codes:
            yield "meta.open_data", {"lang": lang}
    return generate


def init_app(app):
    state: SiteState = app.extensions["sds"]
    app.register_blueprint(bp)
    state.add_urls(page_urls(state))
    state.add_urls(other_urls(state), sitemap=False)
    register_not_found(app)


def register_not_found(app):
    @app.errorhandler(404)
    def _not_found(error):
        from flask import request

        state = SiteState.current()
        first = request.path.strip("/").split("/")[0]
        lang = first if first in state.config.language_codes else "en"
        return render_template("404.html", lang=lang), 404
