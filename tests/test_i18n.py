"""Interface translations: nothing English is hard-coded in templates, and every catalogue is complete."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sds_site.config import load_config
from sds_site.i18n import catalogue_status

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "site" / "templates"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORDS = re.compile(r"[A-Za-z]{2,}")
TRANSLATABLE_ATTRIBUTES = {"aria-label", "alt", "title", "placeholder", "aria-description", "content"}
# Text that is the same in every language: paper sizes, the separator dot.
ALLOWED = {"A4", "A5"}


class EnglishFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name in TRANSLATABLE_ATTRIBUTES and value and WORDS.search(value):
                if name == "content" and attrs.get("name") not in ("description",):
                    continue
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        text = data.strip()
        if not self.skip and WORDS.search(text) and text not in ALLOWED:
            self.found.append((self.getpos()[0], text))


def hard_coded_english(template: Path) -> list[tuple[int, str]]:
    source = template.read_text(encoding="utf-8")
    # Replace Jinja with neutral markers, keeping line numbers.
    stripped = JINJA.sub(lambda m: "\n" * m.group(0).count("\n") + ("0" if m.group(0).startswith("{{") else ""), source)
    finder = EnglishFinder()
    finder.feed(stripped)
    return finder.found


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_english_outside_gettext(template):
    found = hard_coded_english(template)
    assert not found, "\n".join(f"{template.relative_to(ROOT)}:{line}: {text!r} is not marked for translation "
                                f"(wrap it in {{{{ _(\"...\") }}}})" for line, text in found)


def test_the_checker_catches_english(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<p>{{ _("Fine") }}</p>\n<a aria-label="Close menu" href="#">{{ x }}</a>\n<p>Hello there</p>\n')
    assert hard_coded_english(bad) == [(2, 'aria-label="Close menu"'), (3, "Hello there")]


@pytest.mark.parametrize("lang", load_config().language_codes[1:] or ["none"])
def test_catalogue_is_complete(lang):
    if lang == "none":
        pytest.skip("the site is configured in English only")
    status = catalogue_status(ROOT / "translations", lang)
    assert status.total > 0, f"translations/{lang}/LC_MESSAGES/messages.po is missing or empty"
    assert not status.untranslated, f"{lang}: untranslated: {status.untranslated[:10]}"
    assert not status.fuzzy, f"{lang}: fuzzy (needs review): {status.fuzzy[:10]}"
