"""Finder benchmark: how fast the static build freezes the finder's pages, and how heavy they are.

    python benchmarks/finder_build.py                      # the site's languages, 1 and 2 processes
    python benchmarks/finder_build.py --languages 6        # as if 6 languages were configured
    python benchmarks/finder_build.py --runs 3 --jobs 2

Freezes only the finder's pages (every council x who x need that applies, both variants, every
language) with the same parallel Frozen-Flask path as `sds-site build` (workers forked from the
validated app, so every run starts cold; the process counts take turns), and prints pages per
language, pages/s (median of the runs, wall clock) and the gzip size of every finder page's HTML
plus its CSS (the first round trip holds about 14 KB). Languages beyond the configured ones have no
translations: their pages fall back to English text, which costs the same to build.
"""
from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import url_for

from sds_site import build as site_build
from sds_site import create_app
from sds_site.config import PROJECT_DIR
from sds_site.config import Language
from sds_site.config import load_config

BUDGET = 14 * 1024
EXTRA_LANGUAGES = [("gd", "Gàidhlig", "ltr"), ("pl", "Polski", "ltr"), ("ar", "العربية", "rtl"),
                   ("ur", "اردو", "rtl"), ("zh", "中文", "ltr"), ("uk", "Українська", "ltr")]


def make_app(languages: int):
    config = load_config()
    codes = [lang.code for lang in config.languages]
    extra = [Language(code=c, name=n, dir=d) for c, n, d in EXTRA_LANGUAGES if c not in codes]
    wanted = list(config.languages) + extra[:max(0, languages - len(config.languages))]
    config = config.model_copy(update={"languages": wanted})
    return create_app(config, project_dir=PROJECT_DIR)


def finder_urls(app) -> list[str]:
    finder = app.extensions["finder"]
    with app.test_request_context():
        return [url_for(e, **v) for e, v in list(finder.urls()) + list(finder.utility_urls())]


def freeze(app, urls: list[str], out: Path, jobs: int) -> float:
    """Freeze `urls` into `out` as sds-site build does; returns the wall-clock seconds."""
    chunks = [(i, share, str(out)) for i, share in enumerate(site_build.shares(urls, jobs, app))]
    site_build._APP = app
    started = time.perf_counter()
    try:
        # Workers forked from the validated app, even for one process: each run starts as cold as a
        # real build (no templates compiled or fragments cached by an earlier run in this process).
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            counts = pool.map(site_build._freeze_chunk, chunks)
    finally:
        site_build._APP = None
    seconds = time.perf_counter() - started
    assert sum(counts) >= len(urls), f"only {sum(counts)} of {len(urls)} pages were written"
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--languages", type=int, default=0, help="pretend this many languages are configured")
    args = parser.parse_args()

    app = make_app(args.languages)
    languages = app.extensions["sds"].config.language_codes
    urls = finder_urls(app)
    print(f"Finder pages: {len(urls)} in {len(languages)} language(s) ({', '.join(languages)}), "
          f"{len(urls) // len(languages)} per language")
    # Every run writes into its own empty folder and nothing is deleted until the end (see
    # benchmarks/build.py: deleting thousands of files slows the next minutes' file creation).
    with tempfile.TemporaryDirectory(prefix=".benchmark-", dir=PROJECT_DIR) as tmp:
        times_by_jobs: dict[int, list[float]] = {jobs: [] for jobs in args.jobs}
        for run in range(args.runs):
            for jobs in args.jobs:  # taking turns, so a machine that slows down favours neither
                out = Path(tmp) / f"out-{jobs}-{run}"
                out.mkdir()
                os.sync()
                times_by_jobs[jobs].append(freeze(app, urls, out, jobs))
        for jobs, times in times_by_jobs.items():
            median = statistics.median(times)
            print(f"  {jobs} process(es): {median:.2f} s = {len(urls) / median:,.0f} pages/s "
                  f"(min {min(times):.2f} s, max {max(times):.2f} s)")
        css = len(gzip.compress((out / "static" / "css" / "site.css").read_bytes(), 9, mtime=0))
        sizes = sorted((len(gzip.compress(p.read_bytes(), 9, mtime=0)) + css, "/" + str(p.parent.relative_to(out)))
                       for p in out.glob("*/**/find/**/index.html"))
        values = [s for s, _ in sizes]
        print(f"\nFirst render (gzip HTML + site.css {css:,} B) over {len(values)} finder pages:")
        print(f"  min {min(values):,} B   median {statistics.median(values):,.0f} B   max {max(values):,} B "
              f"(budget {BUDGET:,} B)")
        for size, page in sizes[-3:][::-1]:
            print(f"    {size:,} B  {page}/")
    return 1 if max(values) > BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
