"""Everything the app knows, loaded and validated once: configuration, content and pictures.

It also owns the URL contract (one function per kind of page) and renders content for a language.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml
from flask import Flask
from flask import current_app
from flask import request
from flask import url_for
from jinja2 import pass_context
from markupsafe import Markup

from .config import PACKAGE_DIR
from .config import SiteConfig
from .content import EASY_READ
from .content import HOME
from .content import STANDARD
from .content import Content
from .content import Page
from .content import load_content
from .content import parse_link

PICTURES_DIR = PACKAGE_DIR / "static" / "pictures"


def load_pictures(folder: Path = PICTURES_DIR) -> dict[str, dict]:
    data = yaml.safe_load((folder / "pictures.yml").read_text(encoding="utf-8")) or {}
    return {name: entry for name, entry in data.items() if (folder / entry["file"]).is_file()}


def known_contacts() -> set[str]:
    """Every phone number and email the directory data has a source for."""
    from finder.directory import default_directory

    from .checks import normalise_contact

    return {normalise_contact(value) for value in default_directory().contacts()}


def page_path(lang: str, variant: str, slug: str, anchor: str = "") -> str:
    """The URL contract for content pages (leaflets print these: keep them stable)."""
    path = f"/{lang}/" + ("easy-read/" if variant == EASY_READ else "")
    if slug and slug != HOME:
        path += f"{slug}/"
    return path + (f"#{anchor}" if anchor else "")


@dataclass
class SiteState:
    config: SiteConfig
    content: Content
    pictures: dict[str, dict]
    project_dir: Path
    partner: object = None
    _html: dict = field(default_factory=dict, repr=False)
    _asset_hashes: dict = field(default_factory=dict, repr=False)
    _sitemap_generators: list = field(default_factory=list, repr=False)
    _other_generators: list = field(default_factory=list, repr=False)
    # Functions called with the staging folder (open data, search index, headers). One marked
    # `independent = True` never reads the frozen pages, so the build runs it beside the freeze; one
    # marked `last = True` runs after every other; the rest run once the pages are written.
    post_build: list = field(default_factory=list, repr=False)
    # Problems that do not stop the build but must be seen (stale translations or directory entries).
    warnings: list = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, config: SiteConfig, content_dir: Path, project_dir: Path, partner=None) -> "SiteState":
        from .checks import check_content
        from .content import ContentError

        pictures = load_pictures()
        overlays = [partner.content_dir] if partner is not None and partner.content_dir.is_dir() else []
        content = load_content(content_dir, config.language_codes, set(pictures), project_dir, overlays)
        from .i18n import compile_catalogues
        from .i18n import stale_warnings
        from .i18n import translation_issues

        issues = check_content(content, config.readability, config.checks.allowed_acronyms,
                               known_contacts())
        issues += translation_issues(content)
        if issues:
            raise ContentError(issues)
        compile_catalogues(project_dir / "translations", config.language_codes[1:])
        state = cls(config, content, pictures, project_dir, partner=partner)
        state.warnings.extend(stale_warnings(content))
        if not (config.site.feedback_email or config.site.feedback_url):
            state.warnings.append(
                "site.toml [site]: no feedback_email or feedback_url, so the footer can only say that no "
                "contact address has been given; the accessibility statement needs one before going live")
        return state

    @staticmethod
    def current() -> "SiteState":
        return current_app.extensions["sds"]

    # --- rendering -------------------------------------------------------------------------
    def render(self, page: Page, lang: str, labels: dict[str, str]) -> Markup:
        """Render a page's Markdown for the reader's language (links point into that language)."""
        key = (page.key, lang)
        html = self._html.get(key)
        if html is None:
            def resolve_link(href: str) -> str:
                target = parse_link(href, page.variant)
                if target is None:
                    return href
                if target.route is not None:
                    return f"/{lang}/{target.route}" + (f"#{target.anchor}" if target.anchor else "")
                if target.slug == "":
                    return f"#{target.anchor}"
                return page_path(lang, target.variant, target.slug, target.anchor)

            env = {
                "resolve_link": resolve_link,
                "picture_url": self.picture_url,
                "easy_read": page.variant == EASY_READ,
                "labels": labels,
            }
            parser = self.content_parser
            html = Markup(parser.renderer.render(page.tokens, parser.options, env))
            self._html[key] = html
        return html

    @property
    def content_parser(self):
        from .markdown import make_parser

        parser = getattr(self, "_parser", None)
        if parser is None:
            parser = self._parser = make_parser()
        return parser

    def picture_url(self, name: str) -> str:
        return self.asset_url(f"pictures/{self.pictures[name]['file']}")

    def asset_url(self, name: str) -> str:
        """A static file's URL with a content hash, so browsers may cache it for a year."""
        digest = self._asset_hashes.get(name)
        if digest is None:
            digest = hashlib.sha256((PACKAGE_DIR / "static" / name).read_bytes()).hexdigest()[:10]
            self._asset_hashes[name] = digest
        return f"/static/{name}?v={digest}"

    # --- the URL registry: what the static build writes and the sitemap lists ---------------
    def content_urls(self) -> Iterator[tuple[str, dict]]:
        for lang in self.config.language_codes:
            yield "pages.home", {"lang": lang}
            yield "pages.easy_read_home", {"lang": lang}
            for variant in (STANDARD, EASY_READ):
                endpoint = "pages.page" if variant == STANDARD else "pages.easy_read_page"
                for slug in self.content.slugs(variant):
                    if slug != HOME:
                        yield endpoint, {"lang": lang, "slug": slug}

    def add_urls(self, generator, *, sitemap: bool = True) -> None:
        """Register a function yielding (endpoint, values) for pages the build must write."""
        (self._sitemap_generators if sitemap else self._other_generators).append(generator)

    def sitemap_urls(self) -> Iterator[tuple[str, dict]]:
        """Every HTML page a person may land on (the sitemap lists these)."""
        yield from self.content_urls()
        for generator in self._sitemap_generators:
            yield from generator()

    def all_urls(self) -> Iterator[tuple[str, dict]]:
        """Everything the static build writes, in a stable order."""
        yield from self.sitemap_urls()
        for generator in self._other_generators:
            yield from generator()

    def register_template_helpers(self, app: Flask) -> None:
        @app.context_processor
        def _switch_url():
            args = request.view_args or {}
            lang, path = args.get("lang"), request.path
            # Every route with a language starts /<lang>/, so the same page in another language
            # is the same path with the first segment swapped (asked once per language per page).
            same_page = bool(request.endpoint) and lang is not None and path.startswith(f"/{lang}/")

            def switch_url(code: str) -> str:
                if same_page:
                    return f"/{code}{path[len(lang) + 1:]}"
                if request.endpoint and lang is not None:
                    return url_for(request.endpoint, **{**args, "lang": code})
                return page_path(code, STANDARD, HOME)
            return {"switch_url": switch_url}

        fragments: dict[tuple[str, str], Markup] = {}

        @pass_context
        def fragment(context, name: str) -> Markup:
            """A shared piece of every page (the main navigation, the footer) rendered once per
            language and reused: it sees only `lang` and the app's globals, so nothing of one
            page can leak into another's."""
            lang = context["lang"]
            html = fragments.get((name, lang))
            if html is None:
                html = fragments[(name, lang)] = Markup(app.jinja_env.get_template(name).render(lang=lang).rstrip("\n"))
            return html

        app.jinja_env.globals.update(
            fragment=fragment,
            partner=self.partner,
            site=self.config.site,
            languages=self.config.languages,
            language_by_code={language.code: language for language in self.config.languages},
            page_path=page_path,
            asset_url=self.asset_url,
            picture_url=self.picture_url,
        )
