"""Content pages: the home pages and every standard and Easy Read page, in every language."""
from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import render_template
from flask_babel import gettext as _

from ..content import EASY_READ
from ..content import HOME
from ..content import STANDARD
from ..i18n import is_stale
from ..state import SiteState

bp = Blueprint("pages", __name__)


def known_language(lang: str) -> SiteState:
    """The site state, or a 404 for a language the site is not built in."""
    state = SiteState.current()
    if lang not in state.config.language_codes:
        abort(404)
    return state


def block_labels() -> dict[str, str]:
    return {"warning": _("Important")}


def _neighbours(state: SiteState, page, variant: str):
    """The previous and next page in the same section (None at either end)."""
    pages = state.content.by_section(variant)[page.meta.section]
    slugs = [p.slug for p in pages]
    if page.slug not in slugs or page.meta.section == "home":
        return None, None
    i = slugs.index(page.slug)
    return (pages[i - 1] if i > 0 else None), (pages[i + 1] if i + 1 < len(pages) else None)


def show(lang: str, variant: str, slug: str):
    state = known_language(lang)
    found = state.content.get(lang, variant, slug)
    if not found:
        abort(404)
    page, fallback = found
    twin_variant = STANDARD if variant == EASY_READ else EASY_READ
    has_twin = state.content.get("en", twin_variant, slug) is not None
    previous, following = _neighbours(state, page, variant)
    return render_template(
        "home.html" if slug == HOME else "page.html",
        lang=lang,
        page=page,
        fallback=fallback,
        html=state.render(page, lang, block_labels()),
        variant=variant,
        easy_read=variant == EASY_READ,
        twin_variant=twin_variant if has_twin else None,
        sections=state.content.by_section(variant) if slug == HOME else None,
        localised=lambda p: (state.content.get(lang, p.variant, p.slug) or (p, True))[0],
        previous=previous,
        following=following,
        stale=is_stale(state.content, page),
    )


@bp.route("/<lang>/")
def home(lang: str):
    return show(lang, STANDARD, HOME)


@bp.route("/<lang>/easy-read/")
def easy_read_home(lang: str):
    return show(lang, EASY_READ, HOME)


@bp.route("/<lang>/<slug>/")
def page(lang: str, slug: str):
    if slug == HOME:
        abort(404)
    return show(lang, STANDARD, slug)


@bp.route("/<lang>/easy-read/<slug>/")
def easy_read_page(lang: str, slug: str):
    if slug == HOME:
        abort(404)
    return show(lang, EASY_READ, slug)
