"""The finder: "where do you live?" -> "who is the support for?" -> "what do you need?" -> next steps.

Routing and policy live in `finder.rules` (data/rules.yml), place lookups in `finder.flow`, and the
words in templates/finder/ (wording.html holds every signpost's and answer's text). This module only
joins them: one route per question, each also under /<lang>/easy-read/find/, every page that
applies registered for the static build, and nothing else. Postcode and place lookups run on the
server in live mode (`?postcode=` / `?place=`); in the static build finder.js does them in the
browser from the open-data shards, and without JavaScript the form lands on a page that explains
how to choose from the list.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from itertools import cycle
from operator import getitem
from urllib.parse import quote
from urllib.parse import urlsplit

import zxingcpp

from babel.dates import format_date
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask_babel import gettext as _
from markupsafe import Markup

from finder.directory import Directory
from finder.directory import default_directory
from finder.flow import Where
from finder.flow import resolve_where
from finder.flow import write_place_shards
from finder.geo import Council
from finder.geo import Geography
from finder.geo import load_geography
from finder.rules import Rules
from finder.rules import RulesError
from finder.rules import Step
from finder.rules import answers
from finder.rules import applies
from finder.rules import combinations
from finder.rules import default_rules
from finder.rules import next_steps

from ..content import EASY_READ
from ..content import STANDARD
from ..content import ContentError
from ..content import Issue
from ..state import SiteState
from ..state import page_path

bp = Blueprint("finder", __name__)
VARIANTS = (STANDARD, EASY_READ)
# The order of kinds on a council's page: the council first, then who helps most with choosing.
KIND_ORDER = {kind: i for i, kind in enumerate(("council-first-contact", "independent-support", "advocacy",
                                                "carers-centre", "payroll-and-pa-support"))}


def find_path(lang: str, variant: str, *parts: str) -> str:
    """The URL contract for finder pages: /<lang>/find/<council>/<who>/<need>/ (Easy Read under
    /<lang>/easy-read/find/). Built as a string: result pages have many links and must render fast."""
    prefix = f"/{lang}/easy-read/find/" if variant == EASY_READ else f"/{lang}/find/"
    return prefix + "".join(f"{p}/" for p in parts)


@dataclass(frozen=True)
class PageLink:
    href: str
    title: str
    english: bool  # the title fell back to English


class Words:
    """The finder's wording (templates/finder/wording.html) in one language and variant. Each
    piece is rendered once and cached: result pages repeat the same words thousands of times, and
    every gettext call costs. The cache is keyed by language, so it is only used inside a request
    for that language (the locale comes from the URL)."""

    def __init__(self, cache: dict, lang: str, easy: bool):
        self._cache, self._lang, self._easy = cache, lang, easy

    def question(self, key: str) -> Markup:
        return self._word("question", key)

    def who(self, key: str) -> Markup:
        return self._word("who", key)

    def need(self, key: str) -> Markup:
        return self._word("need", key)

    def heading(self, key: str) -> Markup:
        return self._word("heading", key)

    def why(self, key: str) -> Markup:
        return self._word("why", key)

    def kind(self, key: str) -> Markup:
        return self._word("kind", key)

    def kind_heading(self, key: str) -> Markup:
        return self._word("kind_heading", key)

    def label(self, key: str) -> Markup:
        return self._word("label", key)

    def picture(self, key: str) -> Markup:
        return self._word("picture", key)

    def _word(self, macro: str, key: str) -> Markup:
        cache_key = (self._lang, self._easy, macro, key)
        value = self._cache.get(cache_key)
        if value is None:
            module = current_app.jinja_env.get_template("finder/wording.html").module
            value = self._cache[cache_key] = Markup(str(getattr(module, macro)(key, self._easy)).strip())
        return value


class Finder:
    """The finder's data for one app, loaded and validated once, with every lookup cached."""

    def __init__(self, state: SiteState, geography: Geography, directory: Directory, rules: Rules):
        self.state, self.geography, self.directory, self.rules = state, geography, directory, rules
        self.councils = geography.councils
        groups: dict[str, list[Council]] = {}
        for council in self.councils:
            groups.setdefault(council.name[0].upper(), []).append(council)
        self.groups = list(groups.items())
        self._words: dict = {}
        self._cards: dict = {}
        self._steps: dict = {}
        self.missing_pages = sorted({slug for s in rules.signposts.values() for slug in s.pages
                                     if state.content.get("en", STANDARD, slug) is None})

    @functools.cache
    def steps(self, code: str, who: str, need: str) -> tuple[Step, ...]:
        return tuple(next_steps(self.rules, self.directory, code, who, need))

    @functools.cache
    def support(self, code: str) -> tuple[tuple, tuple, tuple]:
        """A council's local organisations, its gaps (each with its national fallback), and those
        fallbacks once each."""
        local = tuple(sorted(self.directory.local(code), key=lambda e: (KIND_ORDER.get(e.kind, 99), e.name)))
        gaps = tuple((gap, self.directory.by_id(gap.fallback)) for gap in self.directory.gaps(code))
        fallbacks = tuple({entry.id: entry for _, entry in gaps}.values())
        return local, gaps, fallbacks

    @functools.cache
    def page_link(self, lang: str, variant: str, slug: str) -> PageLink | None:
        """A link to a content page in the reader's language (the Easy Read twin where there is one)."""
        content = self.state.content
        for v in (variant, STANDARD) if variant == EASY_READ else (STANDARD,):
            found = content.get(lang, v, slug)
            if found:
                page, fell_back = found
                return PageLink(page_path(lang, v, slug), page.meta.title, fell_back and lang != "en")
        return None

    def words(self, lang: str, variant: str) -> Words:
        return Words(self._words, lang, variant == EASY_READ)

    def card(self, lang: str, entry) -> Markup:
        """An organisation's name, contact details and check date (templates/finder/_org.html),
        rendered once per language."""
        key = (lang, entry.id)
        html = self._cards.get(key)
        if html is None:
            module = current_app.jinja_env.get_template("finder/_org.html").module
            html = self._cards[key] = Markup(str(module.org(entry, functools.partial(_long_date, lang))))
        return html

    def step_html(self, lang: str, variant: str, council: Council, step: Step, words: Words) -> Markup:
        """A result's step (templates/finder/_step.html). The same step (say, South Ayrshire's
        independent support) appears on up to 21 result pages per language and variant: render
        it once."""
        key = (lang, variant, council.code, step.signpost.id,
               tuple((f.entry.id, f.status, f.repeat) for f in step.found))
        html = self._steps.get(key)
        if html is None:
            module = current_app.jinja_env.get_template("finder/_step.html").module
            html = self._steps[key] = Markup(str(module.step(step, council, lang, variant, words, self)))
        return html

    def page_links(self, lang: str, variant: str, slugs: tuple[str, ...]) -> list[PageLink]:
        return [link for slug in slugs if (link := self.page_link(lang, variant, slug)) is not None]

    def council(self, slug: str) -> Council:
        council = self.geography.by_slug.get(slug)
        if council is None:
            abort(404)
        return council

    def urls(self):
        """Every finder page the static build writes, in flow order."""
        codes = [c.code for c in self.councils]
        for lang in self.state.config.language_codes:
            for variant in VARIANTS:
                yield "finder.start", {"lang": lang, "variant": variant}
                for council in self.councils:
                    values = {"lang": lang, "variant": variant, "council": council.slug}
                    yield "finder.council_page", values
                    for who in answers(self.rules, "who", council.code):
                        yield "finder.who_page", {**values, "who": who}
                for code, who, need in combinations(self.rules, codes):
                    slug = self.geography.by_code[code].slug
                    yield "finder.result", {"lang": lang, "variant": variant, "council": slug, "who": who,
                                            "need": need}

    def utility_urls(self):
        for lang in self.state.config.language_codes:
            for variant in VARIANTS:
                yield "finder.lookup", {"lang": lang, "variant": variant}


def current() -> Finder:
    return current_app.extensions["finder"]


def _language(lang: str) -> SiteState:
    state = SiteState.current()
    if lang not in state.config.language_codes:
        abort(404)
    return state


@functools.lru_cache(maxsize=512)
def _long_date(lang: str, day: date) -> str:
    try:
        return format_date(day, "long", locale="en_GB" if lang == "en" else lang)
    except Exception:  # a language Babel has no data for: the unambiguous ISO form
        return day.isoformat()


def _common(lang: str, variant: str, **extra) -> dict:
    finder = current()
    easy = variant == EASY_READ
    twin = STANDARD if easy else EASY_READ
    args = dict(request.view_args or {})
    parts = [args[k] for k in ("council", "who", "need") if k in args]
    if request.endpoint == "finder.lookup":
        parts = ["lookup"]
    back = page_path(lang, variant, "index") if not parts else find_path(lang, variant, *parts[:-1])
    return {
        "lang": lang, "variant": variant, "easy_read": easy, "finder": finder, "parts": parts, "back": back,
        "w": finder.words(lang, variant),
        "find_path": find_path, "twin_path": find_path(lang, twin, *parts),
        "this_path": find_path(lang, variant, *parts), "checked": functools.partial(_long_date, lang),
        "noindex": request.endpoint == "finder.lookup" or bool(request.args), **extra,
    }


def _start(lang: str, variant: str, where: Where | None = None, explain: bool = False):
    error = where is not None and where.status == "error"
    return render_template("finder/start.html", **_common(lang, variant, where=where, explain=explain, error=error))


def _lookup(lang: str, variant: str, explain: bool):
    """Answer ?postcode= or ?place= (live mode); without either, the start or explanation page."""
    finder = current()
    where = resolve_where(finder.geography, request.args.get("postcode"), request.args.get("place"))
    if where is None:
        return _start(lang, variant, explain=explain)
    if where.status == "found":
        # Live mode only: the static build never requests a query string, so it never redirects.
        return redirect(find_path(lang, variant, where.council.slug), code=303)
    if where.status == "choose":
        return render_template("finder/choose.html", **_common(lang, variant, where=where))
    return _start(lang, variant, where=where, explain=explain)


@bp.route("/<lang>/find/", defaults={"variant": STANDARD})
@bp.route("/<lang>/easy-read/find/", defaults={"variant": EASY_READ})
def start(lang: str, variant: str):
    _language(lang)
    return _lookup(lang, variant, explain=False)


@bp.route("/<lang>/find/lookup/", defaults={"variant": STANDARD})
@bp.route("/<lang>/easy-read/find/lookup/", defaults={"variant": EASY_READ})
def lookup(lang: str, variant: str):
    """Where the postcode and place forms submit. Live: the answer. Static (no query string
    reaches a static host's files): a page that explains how to choose a council from the list."""
    _language(lang)
    return _lookup(lang, variant, explain=True)


@bp.route("/<lang>/find/<council>/", defaults={"variant": STANDARD})
@bp.route("/<lang>/easy-read/find/<council>/", defaults={"variant": EASY_READ})
def council_page(lang: str, variant: str, council: str):
    _language(lang)
    finder = current()
    place = finder.council(council)
    local, gaps, fallbacks = finder.support(place.code)
    return render_template("finder/council.html", **_common(
        lang, variant, council=place, whos=answers(finder.rules, "who", place.code), local=local, gaps=gaps,
        fallbacks=fallbacks))


@bp.route("/<lang>/find/<council>/<who>/", defaults={"variant": STANDARD})
@bp.route("/<lang>/easy-read/find/<council>/<who>/", defaults={"variant": EASY_READ})
def who_page(lang: str, variant: str, council: str, who: str):
    _language(lang)
    finder = current()
    place = finder.council(council)
    if not applies(finder.rules, place.code, who):
        abort(404)
    return render_template("finder/need.html", **_common(
        lang, variant, council=place, who=who, needs=answers(finder.rules, "need", place.code, who)))


@bp.route("/<lang>/find/<council>/<who>/<need>/", defaults={"variant": STANDARD})
@bp.route("/<lang>/easy-read/find/<council>/<who>/<need>/", defaults={"variant": EASY_READ})
def result(lang: str, variant: str, council: str, who: str, need: str):
    state = _language(lang)
    finder = current()
    place = finder.council(council)
    if not applies(finder.rules, place.code, who, need):
        abort(404)
    url = state.config.site.base_url + find_path(lang, variant, council, who, need)
    return render_template("finder/result.html", **_common(
        lang, variant, council=place, who=who, need=need, steps=finder.steps(place.code, who, need),
        url=url, qr=qr_svg(url)))


@dataclass(frozen=True)
class QR:
    size: int  # modules, including the quiet zone
    path: str  # SVG path data: one horizontal stroke per run of dark modules


# zxing-cpp's module image has one byte a module: 0 dark, 255 light. Splitting a row on its light
# runs gives alternating dark and light runs; their lengths become SVG commands through two
# lookup tables, so the loop over runs stays in C (a code has 300 to 400 runs).
_SPLIT_ON_LIGHT = re.compile(rb"(\xff+)").split
_DARK = {n: f"h{n}" if n else "" for n in range(178)}  # a QR code is at most 177 modules wide
_LIGHT = {n: f"m{n} 0" for n in range(178)}
QR_MASK = 2


def qr_svg(url: str, border: int = 2) -> QR:
    """The page's own address as a QR code (error correction level M), drawn by the template as
    an inline SVG for printed pages: per row, an absolute move to its start, then `h` strokes for
    dark runs and `m` moves over light ones. zxing-cpp encodes it: every result page carries its
    own code, and its C++ encoder is several times faster than a pure-Python one over thousands
    of pages. The leaflets' few codes use segno (see leaflets.py).

    The data mask is fixed (QR_MASK) rather than chosen per code: scoring all eight masks is four
    fifths of the encoder's time. Over a sample of the site's result addresses, mask 2's penalty
    score (ISO/IEC 18004 7.8.3) was a median 4% above the best mask's, at worst 24%, and the
    tests decode a spread of result pages' codes with zbarimg."""
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=QR_MASK)
    modules = bytes(code.to_image(scale=1, add_quiet_zones=False))
    size = int(len(modules) ** 0.5)
    rows = []
    for y in range(size):
        runs = _SPLIT_ON_LIGHT(modules[y * size:(y + 1) * size])
        if not runs[-1]:
            del runs[-2:]  # the row ends light: no move needed
        rows.append(f"M{border} {y + border}.5")
        rows.append("".join(map(getitem, cycle((_DARK, _LIGHT)), map(len, runs))))
    return QR(size + 2 * border, "".join(rows))


@functools.lru_cache(maxsize=512)
def _host(url: str) -> str:
    """'https://www.example.org/a/b' -> 'example.org' (the link's text; the href is the full address)."""
    host = urlsplit(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def report_link() -> str:
    """Where to report wrong details: the configured feedback address, else empty (the template
    then tells readers to contact the organisation directly)."""
    site = SiteState.current().config.site
    if site.feedback_url:
        return site.feedback_url
    if site.feedback_email:
        subject = _("Wrong details on %(page)s", page=site.base_url + request.path)
        return f"mailto:{site.feedback_email}?subject={quote(subject)}"
    return ""


def error_message(code: str, easy: bool = False) -> str:
    """The words for a lookup error code from finder.flow (also sent to finder.js)."""
    messages = {
        "empty": _("Enter a postcode, for example KA7 1UT"),
        "characters": _("A postcode has only letters and numbers, for example KA7 1UT"),
        "too-long": _("A postcode has at most 7 letters and numbers, for example KA7 1UT"),
        "shape": _("Enter a postcode in the right format, for example KA7 1UT"),
        "not-scotland": _("Enter a postcode in Scotland. This site covers Scotland only"),
        "not-found": _("We could not find that postcode. Check it, or choose your council from the list"),
        "place-empty": _("Enter the name of your town or village"),
        "place-too-long": _("Enter the name of a town or village, not a full address"),
        "place-not-found": _("We could not find a place with that name. Check the spelling, try a nearby "
                             "town, or choose your council from the list"),
        "network": _("We could not check that just now. Choose your council from the list"),
    }
    return messages.get(code, messages["shape"])


def _warn_missing_pages(state: SiteState, finder: Finder) -> None:
    for slug in finder.missing_pages:
        state.warnings.append(f"finder/data/rules.yml links to the page {slug!r}, which does not exist yet "
                              f"(content/{slug}.md): the finder leaves that link out until it does")


def init_app(app) -> None:
    state: SiteState = app.extensions["sds"]
    try:
        rules = default_rules()
    except RulesError as exc:
        # Shown like content problems: every one with its file, line and fix, and nothing is built.
        raise ContentError([Issue(p.file, p.line, p.message, p.fix) for p in exc.problems]) from exc
    geography = load_geography()
    finder = Finder(state, geography, default_directory(), rules)
    app.extensions["finder"] = finder
    _warn_missing_pages(state, finder)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(finder_error=error_message, finder_report_link=report_link)
    app.jinja_env.filters["finder_host"] = _host
    state.add_urls(finder.urls)
    state.add_urls(finder.utility_urls, sitemap=False)

    def write(staging):
        write_place_shards(staging, geography)

    write.independent = True  # writes only under /data/places/, which no page uses: may run beside the freeze
    state.post_build.append(write)
