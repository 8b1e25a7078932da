"""Every kind of bad content gets a clear error naming the file and line, and nothing is built."""
from __future__ import annotations

from pathlib import Path

import pytest

from sds_site.cli import main
from sds_site.content import ContentError
from sds_site.content import load_content
from sds_site.state import load_pictures

LANGS = ["en", "pl"]


def issues_for(project: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(project / "content", LANGS, set(load_pictures()), project_root=project)
    return [str(i) for i in caught.value.issues]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_is_valid(project):
    content = load_content(project / "content", LANGS, project_root=project)
    assert set(content.slugs()) == {"index", "the-four-options"}


def test_malformed_yaml_names_file_and_line(project):
    replace(project / "content/the-four-options.md", "order: 30", "order: [30")
    found = issues_for(project)
    assert len(found) == 1
    assert found[0].startswith("content/the-four-options.md:")
    assert "not valid YAML" in found[0]
    line = int(found[0].split(":")[1])
    assert line in (5, 6, 7)  # the unclosed bracket is reported where YAML notices it


def test_missing_key(project):
    replace(project / "content/the-four-options.md", "summary: The four ways your support can be arranged.\n", "")
    assert issues_for(project) == [
        "content/the-four-options.md:8: the key 'summary' is missing. "
        "Fix: add the key (see content/README.md for every key and an example)"
    ]


def test_unknown_key_names_its_line(project):
    replace(project / "content/the-four-options.md", "order: 30\n", "order: 30\nauthor: someone\n")
    (found,) = issues_for(project)
    assert found.startswith("content/the-four-options.md:6: unknown key 'author'.")
    assert "allowed keys: title, summary" in found


def test_wrong_type_for_updated(project):
    replace(project / "content/easy-read/the-four-options.md", "updated: 2026-11-01", "updated: yesterday")
    (found,) = issues_for(project)
    assert found.startswith("content/easy-read/the-four-options.md:6: updated:")
    assert "YYYY-MM-DD" in found


def test_two_files_claim_one_slug(project):
    source = project / "content/the-four-options.md"
    (project / "content/The-Four-Options.markdown").write_bytes(source.read_bytes())
    found = issues_for(project)
    assert any("two files claim the page 'the-four-options'" in f for f in found), found


def test_standard_page_without_easy_read_and_no_reason(project):
    (project / "content/easy-read/the-four-options.md").unlink()
    replace(project / "content/easy-read/index.md", "[the four options](the-four-options.md)", "the four options")
    replace(project / "content/the-four-options.md", "[Easy Read version](easy-read/the-four-options.md)", "Easy Read")
    assert issues_for(project) == [
        "content/the-four-options.md:1: no Easy Read version of 'the-four-options'. "
        "Fix: write content/easy-read/the-four-options.md, or add 'no_easy_read: \"the reason\"' to the front matter"
    ]


def test_no_easy_read_with_a_reason_is_allowed(project):
    (project / "content/easy-read/the-four-options.md").unlink()
    replace(project / "content/easy-read/index.md", "[the four options](the-four-options.md)", "the four options")
    replace(project / "content/the-four-options.md", "order: 30\n", "order: 30\nno_easy_read: \"A table of legal terms\"\n")
    replace(project / "content/the-four-options.md", "[Easy Read version](easy-read/the-four-options.md)", "Easy Read")
    content = load_content(project / "content", LANGS, project_root=project)
    assert content.get("en", "easy-read", "the-four-options") is None


def test_easy_read_page_without_standard_page(project):
    (project / "content/easy-read/extra.md").write_text(
        (project / "content/easy-read/the-four-options.md").read_text().replace("#choose-someone-arranges", ""))
    assert issues_for(project) == [
        "content/easy-read/extra.md:1: Easy Read page with no standard page: 'extra'. "
        "Fix: write content/extra.md, or move this file"
    ]


def test_broken_internal_link_names_line(project):
    replace(project / "content/the-four-options.md", "(/find/)", "(the-five-options.md)")
    (found,) = issues_for(project)
    assert found.startswith("content/the-four-options.md:16: broken link: there is no page content/the-five-options.md")


def test_broken_anchor(project):
    replace(project / "content/easy-read/the-four-options.md", "#choose-someone-arranges", "#option-9")
    (found,) = issues_for(project)
    assert found.startswith("content/easy-read/the-four-options.md:13: broken link: the-four-options.md has no heading")
    assert "choose-someone-arranges" in found


def test_unknown_site_route(project):
    replace(project / "content/the-four-options.md", "(/find/)", "(/admin/)")
    (found,) = issues_for(project)
    assert "link '/admin/' is not a page of the site" in found


def test_unknown_language_folder(project):
    folder = project / "content/xx"
    folder.mkdir()
    (folder / "index.md").write_text((project / "content/index.md").read_text())
    (found,) = issues_for(project)
    assert found.startswith("content/xx/index.md:1: unknown language folder 'xx'")
    assert "pl" in found


def test_non_utf8_file(project):
    path = project / "content/the-four-options.md"
    path.write_bytes(path.read_bytes().replace(b"You get the money.", b"You get the money \xa3.", 1))
    (found,) = issues_for(project)
    assert found.startswith("content/the-four-options.md:12: the file is not UTF-8 (byte 0xa3)")


def test_unknown_picture_and_missing_alt(project):
    replace(project / "content/easy-read/index.md", "(pic:phone)", "(pic:unicorn)")
    replace(project / "content/easy-read/index.md", "![A book](pic:book)", "![](pic:book)")
    found = issues_for(project)
    assert any(f.startswith("content/easy-read/index.md:10: unknown picture 'unicorn'") for f in found), found
    assert any(f.startswith("content/easy-read/index.md:13: picture with no text alternative") for f in found), found


def test_every_problem_is_reported_at_once(project):
    replace(project / "content/the-four-options.md", "(/find/)", "(nowhere.md)")
    replace(project / "content/easy-read/index.md", "updated: 2026-11-01", "updated: soon")
    found = issues_for(project)
    assert len(found) == 2
    assert {f.split(":")[0] for f in found} == {"content/the-four-options.md", "content/easy-read/index.md"}


def test_failed_build_leaves_build_folder_untouched(project, capsys):
    build = project / "build"
    build.mkdir()
    (build / "index.html").write_text("previous build")
    replace(project / "content/the-four-options.md", "(/find/)", "(nowhere.md)")
    assert main(["--project", str(project), "build"]) == 1
    err = capsys.readouterr().err
    assert "content/the-four-options.md:16: broken link" in err
    assert "nothing was built or changed" in err
    assert [p.name for p in build.iterdir()] == ["index.html"]
    assert (build / "index.html").read_text() == "previous build"
    assert not any(p.name.startswith(".build") for p in project.iterdir())
