"""The frozen build: page invariants, no external assets, atomic and byte-identical output."""
from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sds_site.build import build
from sds_site.build import planned_urls


class PageFacts(HTMLParser):
    """Collects what the page invariants need from one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict = {}
        self.h1 = 0
        self.title = ""
        self.in_title = False
        self.description = None
        self.ids: set[str] = set()
        self.skip_target = None
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = attrs
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "h1":
            self.h1 += 1
        if tag == "title":
            self.in_title = True
        if tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        if tag == "a" and "c-skip" in (attrs.get("class") or ""):
            self.skip_target = attrs.get("href")
        if tag in ("img", "script", "source", "iframe") and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "preload", "manifest"):
            self.assets.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


@pytest.fixture(scope="module")
def built(tmp_path_factory, request):
    from sds_site import create_app
    from sds_site.config import load_config
    import shutil
    from conftest import SITE_FIXTURE

    root = tmp_path_factory.mktemp("built")
    project = root / "project"
    shutil.copytree(SITE_FIXTURE, project)
    app = create_app(load_config(overrides={"base_url": "https://sds.example.org"}), project_dir=project)
    out1, out2 = root / "one", root / "two"
    report = build(app, out1, jobs=2)
    app2 = create_app(load_config(overrides={"base_url": "https://sds.example.org"}), project_dir=project)
    build(app2, out2, jobs=1)
    return app, report, out1, out2


def html_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html"))


def test_every_planned_url_is_written(built):
    app, report, out, _ = built
    urls = planned_urls(app)
    assert report.pages == len(urls)
    for url in urls:
        path = out / url.lstrip("/")
        if url.endswith("/"):
            path = path / "index.html"
        assert path.is_file(), url
    assert (out / "static/css/site.css").is_file()
    assert (out / "404.html").is_file()
    assert (out / "index.html").read_text().count("/en/") >= 2


def test_every_page_meets_the_invariants(built):
    _, _, out, _ = built
    pages = html_pages(out)
    assert len(pages) >= 8
    for path in pages:
        facts = PageFacts()
        facts.feed(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(out))
        assert facts.html_attrs.get("lang"), name
        assert facts.html_attrs.get("dir") in ("ltr", "rtl"), name
        assert facts.h1 == 1, name
        assert facts.title.strip(), name
        assert facts.description and facts.description.strip(), name
        if path.name != "index.html" or path.parent != out:  # the root page only links onwards
            assert facts.skip_target and facts.skip_target.lstrip("#") in facts.ids, name


def test_no_asset_from_another_host(built):
    _, _, out, _ = built
    for path in html_pages(out):
        facts = PageFacts()
        facts.feed(path.read_text(encoding="utf-8"))
        for asset in facts.assets:
            parts = urlsplit(asset)
            assert not parts.scheme and not parts.netloc, f"{path}: {asset}"
            assert asset.startswith("/"), f"{path}: {asset}"


def digest_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(built):
    _, _, one, two = built
    assert digest_tree(one) == digest_tree(two)


def test_rebuild_replaces_output_atomically(built, tmp_path):
    app, _, _, _ = built
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("old")
    build(app, out, jobs=1)
    assert not (out / "stale.html").exists()
    assert (out / "en/index.html").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
