"""The static build: validate everything, freeze every page with Frozen-Flask, then publish atomically.

Order matters: content, configuration and data are validated when the app is created, so any error
stops the build before the output folder is touched. Pages are frozen into a fresh folder beside the
output (in parallel, one process per core), extra files are written, and only then is the new folder
swapped in with two renames, so nobody ever sees half of an old build and half of a new one.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from flask import Flask
from flask import url_for
from flask.testing import FlaskClient
from flask_frozen import Freezer

from .state import SiteState


@dataclass
class BuildReport:
    out: Path
    pages: int
    files: int
    seconds: float
    jobs: int
    warnings: list[str] = field(default_factory=list)
    # pages per (language, variant); "other" for pages outside a language (leaflets, sitemap, /)
    breakdown: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def planned_urls(app: Flask) -> list[str]:
    """Every URL the build writes, in a stable order, without duplicates."""
    state: SiteState = app.extensions["sds"]
    seen: dict[str, None] = {}
    with app.test_request_context():
        for endpoint, values in state.all_urls():
            seen.setdefault(url_for(endpoint, **values), None)
    return list(seen)


_APP: Flask | None = None  # set in the parent before forking; workers inherit it
_DONE = None  # a shared counter of pages written, for the progress line
PROGRESS_EVERY = 250


def breakdown(urls: list[str], languages: list[str]) -> dict[tuple[str, str], int]:
    """How many planned pages each language and variant has (for the build's summary)."""
    counts: dict[tuple[str, str], int] = {}
    for url in urls:
        parts = url.strip("/").split("/")
        lang = parts[0] if parts[0] in languages else "other"
        variant = "easy-read" if lang != "other" and len(parts) > 1 and parts[1] == "easy-read" else "standard"
        counts[(lang, variant)] = counts.get((lang, variant), 0) + 1
    return counts


def shares(urls: list[str], jobs: int, app: Flask) -> list[list[str]]:
    """Split the pages into `jobs` equal runs, grouped by language. Rendered fragments (a council's
    next steps, an organisation's card, the finder's words) are cached per language in each
    worker, so a worker that keeps to its own languages renders each of them once."""
    languages = app.extensions["sds"].config.language_codes
    rank = {code: i for i, code in enumerate(languages)}
    ordered = sorted(urls, key=lambda url: rank.get(url.split("/", 2)[1], len(rank)))  # stable
    size, extra = divmod(len(ordered), jobs)
    bounds = [i * size + min(i, extra) for i in range(jobs + 1)]
    return [ordered[bounds[i]:bounds[i + 1]] for i in range(jobs)]


class _FreezeClient(FlaskClient):
    """Frozen-Flask makes a test client for every page; this one keeps no cookie jar (the site
    sets no cookies), which saves filling and reading one on each of ten thousand requests."""

    def __init__(self, *args, **kwargs):
        kwargs["use_cookies"] = False
        super().__init__(*args, **kwargs)


def _freeze_chunk(args: tuple[int, list[str], str]) -> int:
    index, urls, destination = args
    app = _APP
    assert app is not None
    client_class, app.test_client_class = app.test_client_class, _FreezeClient
    try:
        return _freeze_urls(app, index, urls, destination)
    finally:
        app.test_client_class = client_class


def _freeze_urls(app: Flask, index: int, urls: list[str], destination: str) -> int:
    app.config["FREEZER_DESTINATION"] = destination
    app.config["FREEZER_REMOVE_EXTRA_FILES"] = False
    freezer = Freezer(app, with_static_files=(index == 0), with_no_argument_rules=False, log_url_for=False)

    @freezer.register_generator
    def chunk():
        yield from urls

    count = 0
    with warnings.catch_warnings():
        # Each worker sees only part of the endpoints; coverage is checked once, by the tests.
        warnings.simplefilter("ignore")
        for _ in freezer.freeze_yield():
            count += 1
            if _DONE is not None and count % PROGRESS_EVERY == 0:
                with _DONE.get_lock():
                    _DONE.value += PROGRESS_EVERY
    return count


def freeze(app: Flask, destination: Path, jobs: int = 2, progress: Callable[[str], None] | None = None,
           urls: list[str] | None = None) -> int:
    """Write every page into `destination` (which must be empty). Returns the number of pages
    (planned URLs, or `urls` if given); static files are copied as well."""
    global _APP, _DONE
    urls = planned_urls(app) if urls is None else urls
    jobs = max(1, min(jobs, len(urls)))
    chunks = [(i, share, str(destination)) for i, share in enumerate(shares(urls, jobs, app))]
    _APP = app
    try:
        if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
            counts = [_freeze_chunk(c) for c in chunks]
        else:
            context = multiprocessing.get_context("fork")
            _DONE = context.Value("i", 0)
            with context.Pool(jobs) as pool:
                pending = pool.map_async(_freeze_chunk, chunks)
                while not pending.ready():
                    pending.wait(0.5)
                    if progress is not None:
                        progress(f"{min(_DONE.value, len(urls)):,} of {len(urls):,} pages")
                counts = pending.get()
    finally:
        _APP = None
        _DONE = None
    frozen = sum(counts)
    if frozen < len(urls):
        raise RuntimeError(f"only {frozen} of {len(urls)} planned pages were written")
    return len(urls)


def _run_writers(writers: list, staging: Path) -> None:
    # Beside the freeze, at a lower priority, so the page workers come first.
    os.nice(4)
    for writer in writers:
        writer(staging)


def _start_side_process(writers: list, staging: Path):
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    process = multiprocessing.get_context("fork").Process(target=_run_writers, args=(writers, staging))
    process.start()
    return process


def publish(staging: Path, out: Path) -> None:
    """Swap the finished staging folder into place (two renames on one filesystem)."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    staging.rename(out)
    if old.exists():
        shutil.rmtree(old)


def build(app: Flask, out: Path, jobs: int | None = None,
          progress: Callable[[str], None] | None = None) -> BuildReport:
    """Freeze the app into `out` atomically. The app was validated when it was created."""
    state: SiteState = app.extensions["sds"]
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    jobs = jobs or min(os.cpu_count() or 1, 4)
    started = time.perf_counter()
    try:
        # Writers that do not read the frozen pages (search index, open data) run beside the freeze, in
        # their own process, so both cores stay busy while the other writers wait for the pages.
        # Writers marked `last` (the host configuration, made from everything in the build) run
        # after all the others.
        independent = [w for w in state.post_build if getattr(w, "independent", False)]
        last = [w for w in state.post_build if getattr(w, "last", False)]
        side = _start_side_process(independent, staging) if independent and jobs > 1 else None
        urls = planned_urls(app)
        pages = freeze(app, staging, jobs=jobs, progress=progress, urls=urls)
        for writer in state.post_build:
            if writer not in last and (side is None or writer not in independent):
                writer(staging)
        if side is not None:
            side.join()
            if side.exitcode != 0:
                raise RuntimeError(f"a post-build writer failed (exit code {side.exitcode}); see the error above")
        for writer in last:
            writer(staging)
        files = sum(len(names) for _, _, names in os.walk(staging))
        seconds = time.perf_counter() - started
        publish(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(out, pages, files, seconds, jobs, list(state.warnings),
                       breakdown(urls, state.config.language_codes))
