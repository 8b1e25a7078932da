"""Fixtures for the quality gates.

Every gate reads the real site as the build wrote it (`real_build` and `served_site` from
tests/conftest.py). Set SDS_QUALITY_BUILD=/path/to/a/build to run the gates over a build you made
yourself (for example a partner copy: `sds-site build --partner partners/example --out build-partner`).

Browsers: Debian's Chromium through pytest-playwright (no browser download is possible here).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .pages import BuiltPage
from .pages import council_slugs
from .pages import discover
from .static_checks import PageFacts
from .static_checks import index_build


@pytest.fixture(scope="session")
def real_build(request) -> Path:
    """The real build (tests/conftest.py), or the folder SDS_QUALITY_BUILD names."""
    folder = os.environ.get("SDS_QUALITY_BUILD")
    if folder:
        path = Path(folder).resolve()
        if not (path / "404.html").is_file():
            pytest.fail(f"SDS_QUALITY_BUILD={folder} is not a build folder (no 404.html)", pytrace=False)
        return path
    return request.getfixturevalue("real_build")  # the one in tests/conftest.py


@pytest.fixture(scope="session")
def site_config(real_app):
    return real_app.extensions["sds"].config


@pytest.fixture(scope="session")
def languages(site_config) -> list[str]:
    return site_config.language_codes


@pytest.fixture(scope="session")
def rtl_languages(site_config) -> list[str]:
    return [lang.code for lang in site_config.languages if lang.dir == "rtl"]


@pytest.fixture(scope="session")
def built_pages(real_build, languages) -> list[BuiltPage]:
    """Every HTML page in the build, classified by the URL contract."""
    pages = discover(real_build, languages, council_slugs())
    assert pages, f"the build at {real_build} has no HTML pages"
    return pages


@pytest.fixture(scope="session")
def page_index(real_build) -> dict[str, PageFacts]:
    """Every HTML page's ids and references, read once."""
    return index_build(real_build)
