"""Atomic publish: releases in their own folders, `current` switched in one rename, old releases pruned,
rollback, and a failed build that leaves the live site exactly as it was."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sds_site import create_app
from sds_site.cli import main
from sds_site.config import load_config
from sds_site.publish import CURRENT
from sds_site.publish import PublishError
from sds_site.publish import current_release
from sds_site.publish import publish
from sds_site.publish import releases
from sds_site.publish import rollback
from sds_site.publish import switch


@pytest.fixture
def app(project):
    """English only: publishing does not depend on languages, and each test builds several times."""
    config = load_config()
    return create_app(config.model_copy(update={"languages": config.languages[:1]}), project_dir=project,
                      testing=True)


def live_file(root: Path, name: str = "index.html") -> str:
    return (root / CURRENT / name).read_text(encoding="utf-8")


def test_publish_builds_a_release_and_points_current_at_it(app, tmp_path):
    root = tmp_path / "site"
    release, report, removed = publish(app, root, jobs=1)
    assert report.pages > 0 and removed == []
    link = root / CURRENT
    assert link.is_symlink()
    assert not os.path.isabs(os.readlink(link)), "a relative link keeps working if the folder moves"
    assert current_release(root) == release
    assert (link / "en" / "index.html").is_file()
    assert (link / "_headers").is_file() and (link / "nginx.conf").is_file()


def test_a_failed_build_leaves_current_untouched(app, tmp_path):
    root = tmp_path / "site"
    first, _, _ = publish(app, root, jobs=1)
    before = sorted(p.name for p in (root / "releases").iterdir())

    def broken_writer(staging: Path) -> None:
        raise RuntimeError("the search index could not be written")

    app.extensions["sds"].post_build.insert(0, broken_writer)
    with pytest.raises(RuntimeError):
        publish(app, root, jobs=1)
    assert current_release(root) == first
    assert sorted(p.name for p in (root / "releases").iterdir()) == before, "no half-built release left"
    assert (root / CURRENT / "en" / "index.html").is_file()


def test_old_releases_are_pruned_but_never_the_live_one_or_its_predecessor(app, tmp_path):
    root = tmp_path / "site"
    made = [publish(app, root, keep=2, jobs=1)[0] for _ in range(4)]
    assert releases(root) == made[-2:]
    assert current_release(root) == made[-1]


def test_rollback_switches_to_the_release_before(app, tmp_path):
    root = tmp_path / "site"
    first = publish(app, root, jobs=1)[0]
    second = publish(app, root, jobs=1)[0]
    assert rollback(root) == (second, first)
    assert current_release(root) == first
    with pytest.raises(PublishError, match="oldest"):
        rollback(root)
    # Publishing again after a rollback keeps the rolled-back-to release as the fallback.
    third = publish(app, root, keep=2, jobs=1)[0]
    assert current_release(root) == third
    assert first in releases(root)


def test_rollback_with_nothing_published_is_a_clear_error(tmp_path):
    with pytest.raises(PublishError, match="nothing is published"):
        rollback(tmp_path / "empty")


def test_a_real_folder_called_current_is_never_replaced(app, tmp_path):
    root = tmp_path / "site"
    (root / CURRENT).mkdir(parents=True)
    (root / CURRENT / "index.html").write_text("hand-made site")
    with pytest.raises(PublishError, match="not a symbolic link"):
        publish(app, root, jobs=1)
    assert live_file(root) == "hand-made site"
    assert releases(root) == []


def test_readers_never_see_current_missing_while_it_switches(tmp_path):
    root = tmp_path / "site"
    for name in ("a", "b"):
        folder = root / "releases" / name
        folder.mkdir(parents=True)
        (folder / "page.html").write_text(name)
    switch(root, root / "releases" / "a")
    errors: list[Exception] = []
    seen: set[str] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                seen.add((root / CURRENT / "page.html").read_text())
            except OSError as exc:  # a missing or half-made link would show up here
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(3000):
        switch(root, root / "releases" / ("b" if i % 2 == 0 else "a"))
    stop.set()
    thread.join()
    assert not errors, errors[:3]
    assert seen == {"a", "b"}


def test_the_command_publishes_lists_and_rolls_back(project, tmp_path, capsys):
    root = tmp_path / "site"
    (project / "translations").mkdir(exist_ok=True)
    args = ["--project", str(project), "publish", "--to", str(root), "--jobs", "1"]
    assert main(args) == 0
    assert main(args + ["--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert "now serves it" in out
    assert main(["--project", str(project), "publish", "--to", str(root), "--list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and listing[-1].startswith("*")
    assert main(["--project", str(project), "publish", "--to", str(root), "--rollback"]) == 0
    assert "Rolled back" in capsys.readouterr().out
    assert main(["--project", str(project), "publish", "--to", str(root), "--rollback"]) == 1
    assert "oldest" in capsys.readouterr().err
