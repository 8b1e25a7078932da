"""Translations: the gettext workflow for interface strings and the status of content translations.

    sds-site translations extract    # templates + Python -> translations/messages.pot
    sds-site translations update     # merge the .pot into every language's messages.po
    sds-site translations compile    # .po -> .mo (the build also does this when a .po changed)
    sds-site translations report     # per language: interface %, pages translated, machine/reviewed, stale

Content translations record the English page's content hash; when the English page changes the
translation is stale: the report lists it, the build warns and the page says so.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

from .config import PROJECT_DIR
from .content import Content
from .content import Issue

GAELIC_PLURALS = "nplurals=4; plural=(n==1 || n==11) ? 0 : (n==2 || n==12) ? 1 : (n > 2 && n < 20) ? 2 : 3;"


def install_template_gettext(app, language_codes: list[str]) -> None:
    """Give templates a gettext that finds the page's catalogue from its `lang` variable.

    Flask-Babel's template gettext asks the request context for the locale and the domain on
    every call: three context lookups per string, about two dozen strings a page, over ten
    thousand pages. This one keeps each language's catalogue (the very object Flask-Babel
    loads for that locale) and picks it by the `lang` every page template is given, which is
    also what the locale selector reads. Anything rendered without a known `lang` uses
    Flask-Babel's own path. The output is the same as Jinja's newstyle gettext: the
    translation is trusted markup and `%(name)s` values are escaped."""
    from flask_babel import force_locale
    from flask_babel import get_translations
    from jinja2 import pass_context
    from markupsafe import Markup

    catalogues: dict = {}
    babel_gettext = app.jinja_env.globals["gettext"]
    babel_ngettext = app.jinja_env.globals["ngettext"]

    def catalogue(lang):
        found = catalogues.get(lang)
        if found is None and lang in language_codes:
            with force_locale(lang):
                found = catalogues[lang] = get_translations()
        return found

    @pass_context
    def gettext(context, string, **variables):
        found = catalogue(context.get("lang"))
        if found is None:
            return babel_gettext(context, string, **variables)
        text = found.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        found = catalogue(context.get("lang"))
        if found is None:
            return babel_ngettext(context, singular, plural, num, **variables)
        variables.setdefault("num", num)
        text = found.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    app.jinja_env.globals.update(gettext=gettext, ngettext=ngettext)


def po_path(translations: Path, lang: str) -> Path:
    return translations / lang / "LC_MESSAGES" / "messages.po"


@dataclass
class CatalogueStatus:
    lang: str
    total: int = 0
    translated: int = 0
    fuzzy: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def catalogue_status(translations: Path, lang: str) -> CatalogueStatus:
    status = CatalogueStatus(lang)
    path = po_path(translations, lang)
    if not path.is_file():
        return status
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang if lang != "gd" else "ga")
    for message in catalog:
        if not message.id:
            continue
        status.total += 1
        text = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy:
            status.fuzzy.append(text)
        elif not all(strings):
            status.untranslated.append(text)
        else:
            status.translated += 1
    return status


# Babel's gettext plural table has no entry for Scottish Gaelic (it falls back to two forms).
PLURAL_FORMS = {"gd": "nplurals=4; plural=(n==1 || n==11) ? 0 : (n==2 || n==12) ? 1 : (n > 2 && n < 20) ? 2 : 3;"}


def update_catalogue(pot: Path, po: Path, lang: str) -> Path:
    """Merge the template into a language's catalogue (new strings empty, changed ones fuzzy, removed
    ones dropped) and write it with a proper header: Language, Plural-Forms and UTF-8."""
    with pot.open("rb") as handle:
        template = read_po(handle)
    if po.is_file():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
    else:
        catalog = Catalog(locale=lang)
    catalog.update(template, no_fuzzy_matching=False)
    catalog.obsolete.clear()
    catalog.project, catalog.version = "sds-site", ""
    catalog.header_comment = (f"# {catalog.locale.english_name} interface strings for sds-site.\n"
                              "# Merged from messages.pot by `sds-site translations update`; see README.")
    catalog.copyright_holder = "the sds-site contributors"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = ""
    catalog.revision_date = catalog.creation_date = template.creation_date
    catalog.fuzzy = False  # the header itself; string entries keep their own flags
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True, ignore_obsolete=True)
    text = po.read_text(encoding="utf-8")
    if lang in PLURAL_FORMS:
        text = re.sub(r'"Plural-Forms: [^"]*"', lambda m: f'"Plural-Forms: {PLURAL_FORMS[lang]}\\n"', text, count=1)
    po.write_text(text, encoding="utf-8")
    return po


def compile_catalogues(translations: Path, languages: list[str]) -> list[Path]:
    """Compile each language's .po to .mo when the .po is newer. Returns the files written."""
    written = []
    for lang in languages:
        po = po_path(translations, lang)
        if not po.is_file():
            continue
        mo = po.with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang if lang != "gd" else "ga")
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


@dataclass
class PageStatus:
    slug: str
    variant: str
    state: str  # "reviewed", "machine", "stale", "missing"
    path: str = ""


def page_statuses(content: Content, lang: str) -> list[PageStatus]:
    out = []
    for (l, variant, slug), english in sorted(content.pages.items()):
        if l != "en":
            continue
        page = content.pages.get((lang, variant, slug))
        if page is None:
            out.append(PageStatus(slug, variant, "missing"))
        elif page.meta.translation is None:
            out.append(PageStatus(slug, variant, "reviewed", str(page.path)))
        elif page.meta.translation.source_hash != english.content_hash:
            out.append(PageStatus(slug, variant, "stale", str(page.path)))
        else:
            out.append(PageStatus(slug, variant, page.meta.translation.status, str(page.path)))
    return out


def is_stale(content: Content, page) -> bool:
    if page.lang == "en" or page.meta.translation is None:
        return False
    english = content.pages.get(("en", page.variant, page.slug))
    return english is not None and page.meta.translation.source_hash != english.content_hash


def stale_warnings(content: Content) -> list[str]:
    return [f"{page.path}: the English page has changed since it was translated "
            f"(source_hash {page.meta.translation.source_hash}, English now {content.pages[('en', page.variant, page.slug)].content_hash}); "
            "update the translation and its source_hash"
            for page in content.pages.values() if is_stale(content, page)]


def translation_issues(content: Content) -> list[Issue]:
    """A translated page must say what it was translated from and how."""
    issues = []
    for page in content.pages.values():
        if page.lang != "en" and page.meta.translation is None:
            english = content.pages.get(("en", page.variant, page.slug))
            issues.append(Issue(str(page.path), 1, "a translated page without a 'translation' record",
                                "add 'translation: {source_hash: "
                                f"{english.content_hash if english else '...'}, status: machine}}' "
                                "(status 'reviewed' once a person has checked it)"))
    return issues


def report(content: Content, translations: Path, languages: list[str]) -> str:
    lines = [f"{'language':<9}{'interface':>10}{'pages':>8}{'reviewed':>10}{'machine':>9}{'stale':>7}{'missing':>9}"]
    details = []
    for lang in languages:
        if lang == "en":
            continue
        ui = catalogue_status(translations, lang)
        statuses = page_statuses(content, lang)
        count = {s: sum(1 for p in statuses if p.state == s) for s in ("reviewed", "machine", "stale", "missing")}
        translated = len(statuses) - count["missing"]
        lines.append(f"{lang:<9}{ui.percent:>9.0f}%{translated:>8}{count['reviewed']:>10}{count['machine']:>9}"
                     f"{count['stale']:>7}{count['missing']:>9}")
        for p in statuses:
            if p.state == "stale":
                details.append(f"  {lang}: stale   {p.path} (the English page has changed)")
        missing = [f"{'easy-read/' if p.variant == 'easy-read' else ''}{p.slug}" for p in statuses if p.state == "missing"]
        if missing:
            details.append(f"  {lang}: missing {len(missing)}: {', '.join(missing)}")
        if ui.untranslated or ui.fuzzy:
            details.append(f"  {lang}: interface strings untranslated {len(ui.untranslated)}, fuzzy {len(ui.fuzzy)}")
    return "\n".join(lines + ([""] + details if details else []))


# --- the command ---------------------------------------------------------------------------------
def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=PROJECT_DIR)


def cmd_translations(args: argparse.Namespace) -> int:
    from .config import load_config

    config = load_config()
    translations = Path(args.project) / "translations"
    pot = translations / "messages.pot"
    if args.action == "extract":
        _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
                 "--omit-header", "-o", str(pot), "site")
    elif args.action == "update":
        for lang in config.language_codes[1:]:
            path = update_catalogue(pot, po_path(translations, lang), lang)
            print(f"updated {path}")
    elif args.action == "compile":
        for path in compile_catalogues(translations, config.language_codes[1:]):
            print(f"wrote {path}")
    else:
        from . import create_app

        app = create_app(config, project_dir=Path(args.project))
        print(report(app.extensions["sds"].content, translations, config.language_codes))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("translations", help="extract, update, compile or report translations")
    p.add_argument("action", choices=["extract", "update", "compile", "report"])
    p.set_defaults(func=cmd_translations)
