"""Content rules: each catches a bad example with the file and line, and passes good text."""
from __future__ import annotations

from pathlib import Path

from sds_site.checks import check_content
from sds_site.checks import figures
from sds_site.checks import normalise_contact
from sds_site.checks import sentences
from sds_site.config import load_config
from sds_site.content import load_content
from sds_site.state import load_pictures

LIMITS = load_config().readability
CONTACTS = {normalise_contact("0800 011 3200")}


def run(project: Path, allowed=("UK",), contacts=CONTACTS) -> list[str]:
    content = load_content(project / "content", ["en"], set(load_pictures()), project_root=project)
    return [str(i) for i in check_content(content, LIMITS, allowed, contacts)]


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_fixture_passes_every_rule(project):
    assert run(project) == []


def test_sentence_splitting_keeps_lines():
    assert sentences("You can ask. The council\nwill help you!", False) == [
        (0, "You can ask."), (0, "The council will help you!")]
    assert sentences("You can ask.\nThey help.", True) == [(0, "You can ask."), (1, "They help.")]


def test_long_sentence_in_standard_page(project):
    long = " ".join(["word"] * 26) + "."
    append(project / "content/the-four-options.md", f"\n{long}\n")
    found = run(project)
    assert len(found) == 1
    assert found[0].startswith("content/the-four-options.md:18: a sentence of 26 words (the limit is 25)")


def test_easy_read_limit_is_stricter(project):
    append(project / "content/easy-read/the-four-options.md",
           "\n![Money](pic:money) " + " ".join(["cat"] * 16) + ".\n")
    found = run(project)
    assert [f.split(": a sentence")[0] for f in found] == ["content/easy-read/the-four-options.md:15"]


def test_low_reading_ease(project):
    hard = ("Notwithstanding administrative considerations, eligibility determinations necessitate "
            "comprehensive multidisciplinary evaluation. ")
    append(project / "content/the-four-options.md", "\n" + hard * 3 + "\n")
    found = run(project)
    assert any("reading ease" in f and "is under 60" in f and f.startswith("content/the-four-options.md:10:")
               for f in found), found


def test_easy_read_paragraph_without_picture(project):
    append(project / "content/easy-read/the-four-options.md", "\nThis idea has no picture.\n")
    assert run(project) == [
        "content/easy-read/the-four-options.md:15: an Easy Read paragraph without a picture. "
        "Fix: start the paragraph with a picture: ![what it shows](pic:NAME)"]


def test_acronym_in_easy_read(project):
    append(project / "content/easy-read/the-four-options.md", "\n![Money](pic:money) Ask for SDS.\n")
    found = run(project)
    assert found == ["content/easy-read/the-four-options.md:15: initials 'SDS' in Easy Read. "
                     "Fix: write the words in full (for example 'Personal Assistant', not 'PA')"]


def test_unexplained_acronym_in_standard_page(project):
    append(project / "content/the-four-options.md", "\nYour PA can help.\n")
    found = run(project)
    assert len(found) == 1 and found[0].startswith(
        "content/the-four-options.md:18: 'PA' is not explained on the page or in the glossary")
    append(project / "content/the-four-options.md", "\nA Personal Assistant (PA) works for you.\n")
    assert run(project) == []


def test_unknown_phone_and_email(project):
    append(project / "content/the-four-options.md", "\nPhone 0131 496 0000 or email help@example.org.\n")
    found = run(project)
    assert len(found) == 2
    assert all(f.startswith("content/the-four-options.md:18:") and "not in the directory data" in f for f in found)
    assert run(project, contacts=CONTACTS | {"01314960000", "help@example.org"}) == []


def test_missing_sources_or_updated_is_an_error(project):
    from sds_site.content import ContentError
    import pytest

    path = project / "content/the-four-options.md"
    path.write_text(path.read_text().replace("updated: 2026-11-01\n", ""))
    with pytest.raises(ContentError, match="the key 'updated' is missing"):
        run(project)
    path.write_text(path.read_text().replace("sources:\n  - https://www.legislation.gov.uk/asp/2013/1/contents\n",
                                             "sources: []\n"))
    with pytest.raises(ContentError, match="sources: List should have at least 1 item"):
        run(project)


def test_figures_report_reading_ease(project):
    content = load_content(project / "content", ["en"], set(load_pictures()), project_root=project)
    page = content.pages[("en", "easy-read", "index")]
    result = figures(page)
    assert result.sentences == 3
    assert result.reading_ease > 80


def test_readability_report_gives_figures_per_variant_and_names_the_hardest_page(project):
    from sds_site.checks import readability_report

    append(project / "content" / "easy-read" / "the-four-options.md",
           "\n![A person](pic:person) Notwithstanding considerable administrative complications, authorisation proceeds.\n")
    content = load_content(project / "content", ["en"], set(load_pictures()), project)
    rows = {line.split()[0]: line.split() for line in readability_report(content).splitlines()[1:]}
    assert set(rows) == {"standard", "easy-read"}
    assert rows["easy-read"][-2] == "content/easy-read/the-four-options.md"
    assert float(rows["standard"][2]) > 0 and float(rows["standard"][3]) > 0
