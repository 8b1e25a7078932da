"""`sds-site publish`: atomic releases for a web server that serves a folder through a link.

    sds-site publish --to SITE_DIR              # build into SITE_DIR/releases/<time>/, then switch
    sds-site publish --to SITE_DIR --keep 3     # keep the newest 3 releases (default 5)
    sds-site publish --to SITE_DIR --rollback   # switch back to the release before the current one
    sds-site publish --to SITE_DIR --list       # show the releases and which one is live

The web server's document root is `SITE_DIR/current`, a symbolic link. A new release is built into its
own folder (the build itself is atomic: a failed build leaves no folder behind), then `current` is
replaced in one step: a new link is made beside it and renamed over it, and rename() is atomic, so a
visitor gets either the whole old release or the whole new one. A failed build leaves `current` as it
was. Old releases beyond `--keep` are deleted, never the live one or the one that was live before it.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import sys
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
DEFAULT_KEEP = 5


class PublishError(Exception):
    """A problem with the publish folder; the message says how to fix it."""


@contextmanager
def _locked(root: Path):
    """One publish or rollback at a time per folder."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".publish.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishError(f"another publish into {root} is running. Fix: wait for it to finish") from exc
        yield


def releases(root: Path) -> list[Path]:
    """Release folders, oldest first (their names sort by time)."""
    folder = root / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def current_release(root: Path) -> Path | None:
    link = root / CURRENT
    if link.is_symlink():
        return (root / os.readlink(link)).resolve()
    if link.exists():
        raise PublishError(f"{link} exists but is not a symbolic link. Fix: move it away (the web server "
                           f"should serve {link}, which publish manages as a link)")
    return None


def switch(root: Path, release: Path) -> None:
    """Point `current` at `release` in one atomic rename (a relative link, so the folder may move)."""
    release = release.resolve()
    if release.parent != (root / RELEASES).resolve() or not release.is_dir():
        raise PublishError(f"{release} is not a release in {root / RELEASES}")
    current_release(root)  # refuses to replace a real folder
    temporary = root / f".{CURRENT}.new-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(Path(RELEASES) / release.name, temporary)
    os.replace(temporary, root / CURRENT)
    _fsync_dir(root)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_release_name(root: Path) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name, n = stamp, 1
    while (root / RELEASES / name).exists():
        n += 1
        name = f"{stamp}-{n}"
    return name


def prune(root: Path, keep: int, previous: Path | None = None) -> list[Path]:
    """Delete the oldest releases beyond `keep`, never the live one or the one a rollback would need:
    `previous` (the release that was live before this publish), else the one before the live one."""
    live = current_release(root)
    all_releases = releases(root)
    protected = {live, previous}
    if previous is None and live in all_releases:
        index = all_releases.index(live)
        if index > 0:
            protected.add(all_releases[index - 1])
    removed = []
    surplus = len(all_releases) - keep
    for release in all_releases:
        if surplus <= 0:
            break
        if release in protected:
            continue
        shutil.rmtree(release)
        removed.append(release)
        surplus -= 1
    return removed


def publish(app, root: Path, keep: int = DEFAULT_KEEP, jobs: int | None = None):
    """Build a new release and make it live. Returns (release folder, build report, removed releases)."""
    from .build import build

    if keep < 1:
        raise PublishError(f"--keep {keep}: at least the live release must be kept. Fix: --keep 2 or more")
    root = Path(root).resolve()
    with _locked(root):
        previous = current_release(root)  # fails before building if `current` is not ours to switch
        (root / RELEASES).mkdir(exist_ok=True)
        release = root / RELEASES / _new_release_name(root)
        report = build(app, release, jobs=jobs)  # atomic: nothing is left behind if it fails
        switch(root, release)
        removed = prune(root, keep, previous)
    return release, report, removed


def rollback(root: Path) -> tuple[Path, Path]:
    """Switch `current` to the newest release older than it. Returns (from, to)."""
    root = Path(root).resolve()
    with _locked(root):
        live = current_release(root)
        if live is None:
            raise PublishError(f"nothing is published in {root} yet, so there is nothing to roll back")
        earlier = [r for r in releases(root) if r.name < live.name]
        if not earlier:
            raise PublishError(f"{live.name} is the oldest release in {root / RELEASES}: there is no earlier "
                               "one to roll back to")
        switch(root, earlier[-1])
        return live, earlier[-1]


# --- the command ---------------------------------------------------------------------------------------
def cmd_publish(args: argparse.Namespace) -> int:
    from .cli import UserError
    from .cli import _make_app

    root = Path(args.to)
    try:
        if args.list:
            live = current_release(root)
            found = releases(root)
            if not found:
                print(f"No releases in {root / RELEASES}.")
            for release in found:
                marker = "*" if release == live else " "
                print(f"{marker} {release.name}")
            return 0
        if args.rollback:
            before, after = rollback(root)
            print(f"Rolled back: {root / CURRENT} now serves {after.name} (was {before.name}).")
            return 0
        app = _make_app(args)
        release, report, removed = publish(app, root, keep=args.keep, jobs=args.jobs)
    except PublishError as exc:
        raise UserError(str(exc)) from exc
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Published {report.pages} pages ({report.files} files) in {report.seconds:.2f} s as "
          f"{release.name}; {root / CURRENT} now serves it.")
    if removed:
        print(f"Removed {len(removed)} old release(s): {', '.join(r.name for r in removed)}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("publish", help="build a new release and switch the live site to it atomically")
    p.add_argument("--to", required=True, help="the publish folder (the web server serves DIR/current)")
    p.add_argument("--keep", type=int, default=DEFAULT_KEEP, help=f"releases to keep (default {DEFAULT_KEEP})")
    p.add_argument("--rollback", action="store_true", help="switch back to the release before the live one")
    p.add_argument("--list", action="store_true", help="list the releases and mark the live one")
    p.add_argument("--base-url", help="the address the site is published at")
    p.add_argument("--partner", help="publish a partner's branded copy")
    p.add_argument("--jobs", type=int, default=None, help="processes to build with (default: one per core)")
    p.set_defaults(func=cmd_publish)
