"""Shared fixtures: a small, valid test project that each test may copy and break."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sds_site import create_app
from sds_site.config import load_config

FIXTURES = Path(__file__).parent / "fixtures"
SITE_FIXTURE = FIXTURES / "site"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the small test project (content only) that a test may change."""
    root = tmp_path / "project"
    shutil.copytree(SITE_FIXTURE, root)
    (root / "translations").mkdir(exist_ok=True)
    return root


@pytest.fixture
def make_app(project: Path):
    def make(**overrides):
        config = load_config(overrides=overrides or None)
        return create_app(config, project_dir=project, testing=True)
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
