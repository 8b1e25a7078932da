"""Search pages: /<lang>/search/ (HTML), /<lang>/search.json (for partners) and the static index.

- `/<lang>/search/` with no query: a form, and every page grouped by topic, A to Z within each topic
  (this is what the static build writes; with JavaScript, search.js answers queries on it from the
  static index). With `?q=` (live server): ranked results with highlighted snippets, "Did you mean",
  the Easy Read filter (`variant=easy-read`) and, when nothing is found, the A-Z and the finder.
- `/<lang>/search.json?q=&variant=&limit=`: the same ranked results as JSON:
  {"query", "lang", "suggestion", "total", "truncated",
   "results": [{"url", "path", "title", "snippet", "snippet_html", "variant", "language"}]}.
  `snippet` is plain text; `snippet_html` is escaped HTML with <mark> around matched words.
  Any site may call it (CORS); nothing is stored (no-store, no cookies).
- `/<lang>/search/index/<digest>/<file>.json`: the static index files, served by the live app so that
  search.js works the same under `sds-site serve`; the build writes the same files (post-build step).
"""
from __future__ import annotations

import re

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request

from ..content import EASY_READ
from ..content import HOME
from ..content import SECTIONS
from ..content import STANDARD
from ..search import search_service
from ..search import static_index
from ..search.query import MAX_QUERY_CHARS
from ..state import SiteState
from .pages import known_language

bp = Blueprint("search", __name__)

PAGE_RESULTS = 10
JSON_RESULTS = 10
MAX_JSON_RESULTS = 50
INDEX_FILE = re.compile(r"^(meta|[0-9]{1,4})\.json$")


def _query() -> tuple[str, bool]:
    text = request.args.get("q", "", type=str)[: MAX_QUERY_CHARS * 4]
    return text, request.args.get("variant", "") == EASY_READ


def topics(state: SiteState, lang: str) -> list[tuple[str, list[dict]]]:
    """Every page by topic, A to Z by its title in `lang`, each with its Easy Read twin if any."""
    out = []
    for section, pages in state.content.by_section(STANDARD).items():
        if section == "home" or not pages:
            continue
        entries = []
        for page in pages:
            shown, fallback = state.content.get(lang, STANDARD, page.slug)
            twin = state.content.get(lang, EASY_READ, page.slug)
            entries.append({
                "slug": page.slug,
                "title": shown.meta.title,
                "fallback": fallback and lang != "en",
                "easy_read": twin is not None,
                "easy_read_title": twin[0].meta.title if twin else "",
            })
        entries.sort(key=lambda e: (e["title"].casefold(), e["slug"]))
        out.append((section, entries))
    out.sort(key=lambda item: SECTIONS.index(item[0]))
    return out


@bp.route("/<lang>/search/")
def page(lang: str):
    state = known_language(lang)
    service = search_service(current_app)
    text, easy_read_only = _query()
    found = service.search(lang, text, easy_read_only, limit=PAGE_RESULTS) if text.strip() else None
    return render_template(
        "search/search.html",
        lang=lang,
        q=found.text if found else "",
        found=found,
        easy_read_only=easy_read_only,
        topics=topics(state, lang),
        index_path=service.index_path(lang),
        home=HOME,
    )


@bp.route("/<lang>/search.json")
def json_results(lang: str):
    known_language(lang)
    service = search_service(current_app)
    text, easy_read_only = _query()
    limit = request.args.get("limit", JSON_RESULTS, type=int)
    limit = min(max(limit, 1), MAX_JSON_RESULTS)
    base = SiteState.current().config.site.base_url
    body = {"query": "", "lang": lang, "suggestion": None, "total": 0, "truncated": False, "results": []}
    if text.strip():
        found = service.search(lang, text, easy_read_only, limit=limit)
        body.update(query=found.text, suggestion=found.suggestion, total=found.total,
                    truncated=found.resolved.truncated)
        body["results"] = [{
            "url": base + r.doc.path,
            "path": r.doc.path,
            "title": r.doc.title,
            "snippet": " ".join(r.snippet.split()),
            "snippet_html": " ".join(r.snippet_html.split()),
            "variant": r.doc.variant,
            "language": "en" if r.doc.fallback else lang,
        } for r in found.results]
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/<lang>/search/index/<digest>/<name>")
def index_file(lang: str, digest: str, name: str):
    known_language(lang)
    service = search_service(current_app)
    if digest != service.digest or not INDEX_FILE.match(name):
        abort(404)
    data = service.static_files(lang).get(name)
    if data is None:
        abort(404)
    return Response(data, mimetype="application/json")


def search_pages(state: SiteState):
    def generate():
        for lang in state.config.language_codes:
            yield "search.page", {"lang": lang}
    return generate


def write_static_index(app):
    """Post-build step: each language's static index into <lang>/search/index/<digest>/."""
    def write(staging):
        service = search_service(app)
        for lang in service.languages:
            static_index.write(service.index(lang), staging / lang / "search" / "index" / service.digest)
    write.independent = True  # reads content only, never the frozen pages: may run beside the freeze
    return write


def init_app(app) -> None:
    state: SiteState = app.extensions["sds"]
    app.register_blueprint(bp)
    state.add_urls(search_pages(state))
    state.post_build.append(write_static_index(app))
