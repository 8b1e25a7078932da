"""Build benchmark: pages per second, and the first-render weight of every page.

    python benchmarks/build.py                 # the real site, 3 runs
    python benchmarks/build.py --runs 5 --jobs 2 1

Prints how long validation takes (content, data, rules, translations: once, when the app is
created); then, for each process count, the median over the runs of
- the build step: freezing every page and writing every file, as `sds-site build` does once the app
  is validated. Each run is a new process forked from the validated app, so it starts as cold as a
  real build (no templates compiled, no fragments cached by an earlier run);
- the whole command: `sds-site build --out DIR --jobs N` timed from outside, from the interpreter
  starting to the new folder swapped into place: imports, validation, build and publish.
Each run builds into an empty folder, as a fresh clone or CI does, after flushing the disk so one
run's writes do not land in the next, and the process counts take turns, so a machine that speeds
up or slows down does not favour one of them. User and system CPU show how much went to Python and
how much to the filesystem. Last, for every HTML page, the gzip size of its HTML plus the CSS it
links (what the first render needs), as min / median / max, with the heaviest pages named.
Target: every page <= 14 KB (14,336 bytes).
"""
from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sds_site import create_app
from sds_site.build import build
from sds_site.config import PROJECT_DIR
from sds_site.config import load_config

BUDGET = 14 * 1024
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"?]+)')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def first_render_sizes(out: Path) -> list[tuple[int, str]]:
    """(gzip bytes of HTML + linked CSS, page) for every HTML page in a build."""
    css_cache: dict[str, int] = {}
    sizes = []
    for page in sorted(out.rglob("*.html")):
        html = page.read_bytes()
        total = gz(html)
        for href in STYLESHEET.findall(html.decode("utf-8")):
            if href not in css_cache:
                css_cache[href] = gz((out / href.lstrip("/")).read_bytes())
            total += css_cache[href]
        sizes.append((total, "/" + str(page.relative_to(out))))
    return sizes


def _cpu() -> tuple[float, float]:
    """User and system CPU seconds of this process and its finished children (the build's workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + children.ru_utime, me.ru_stime + children.ru_stime


def _build_in_child(app, out: Path, jobs: int) -> tuple[float, int]:
    """One build in a process forked from the validated app: (seconds, pages)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        started = time.perf_counter()
        report = build(app, out, jobs=jobs)
        send.send((time.perf_counter() - started, report.pages))

    child = context.Process(target=run)
    child.start()
    send.close()  # the child holds the only sending end: if it dies, recv() ends instead of waiting
    try:
        result = receive.recv()
    except EOFError:
        result = None
    child.join()
    if child.exitcode != 0 or result is None:
        raise SystemExit(f"the build failed (exit code {child.exitcode}); see the error above")
    return result


def _whole_command(out: Path, jobs: int) -> float:
    """`sds-site build` from outside: interpreter start to the published folder."""
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-c", "from sds_site.cli import main; raise SystemExit(main())",
                               "build", "--out", str(out), "--jobs", str(jobs)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"sds-site build failed:\n{finished.stderr}")
    return seconds


def _line(label: str, pages: int, times: list[float], cpu: list[tuple[float, float]]) -> str:
    median = statistics.median(times)
    user = statistics.median(u for u, _ in cpu)
    system = statistics.median(s for _, s in cpu)
    return (f"    {label}: {pages} pages in {median:.2f} s = {pages / median:,.0f} pages/s "
            f"(fastest {min(times):.2f} s = {pages / min(times):,.0f} pages/s, slowest {max(times):.2f} s); "
            f"CPU: user {user:.1f} s, system {system:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[2, 1])
    args = parser.parse_args()

    started = time.perf_counter()
    app = create_app(load_config(), project_dir=PROJECT_DIR)
    validation = time.perf_counter() - started
    print(f"Validate content, data, rules and translations (once, before any build): {validation:.2f} s")
    # The outputs are kept until the end: deleting thousands of files just before a build makes that
    # build slower on ext4 without a journal, which skips inodes freed in the last minutes when it
    # allocates new ones (ext4's recently_deleted() check; seen here as up to 6x the kernel time).
    with tempfile.TemporaryDirectory(prefix=".benchmark-", dir=PROJECT_DIR) as tmp:  # where build/ is
        figures = {(jobs, kind): ([], []) for jobs in args.jobs for kind in ("step", "command")}
        pages = 0
        for run in range(args.runs):
            for jobs in args.jobs:  # taking turns
                for kind in ("step", "command"):
                    out = Path(tmp) / f"site-{jobs}-{kind}-{run}"
                    os.sync()  # so the last run's writes are not flushed during this one
                    before = _cpu()
                    if kind == "step":
                        seconds, pages = _build_in_child(app, out, jobs)
                    else:
                        seconds = _whole_command(out, jobs)
                    times, cpu = figures[(jobs, kind)]
                    times.append(seconds)
                    cpu.append(tuple(b - a for a, b in zip(before, _cpu())))
        print(f"Build speed ({args.runs} runs each, median), each run into an empty folder, "
              "the disk flushed between runs, nothing deleted:")
        for jobs in args.jobs:
            print(f"  {jobs} process(es):")
            print(_line("build step    ", pages, *figures[(jobs, "step")]))
            print(_line("whole command ", pages, *figures[(jobs, "command")]))
        out = Path(tmp) / f"site-{args.jobs[0]}-step-0"

        sizes = first_render_sizes(out)
        values = [s for s, _ in sizes]
        print(f"\nFirst render (gzip HTML + linked CSS) over {len(values)} HTML pages:")
        print(f"  min {min(values):,} B   median {statistics.median(values):,.0f} B   max {max(values):,} B"
              f"   (budget {BUDGET:,} B)")
        print("  heaviest:")
        for size, page in sorted(sizes, reverse=True)[:5]:
            print(f"    {size:,} B  {page}")
        over = [(s, p) for s, p in sizes if s > BUDGET]
        print(f"  pages over budget: {len(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
