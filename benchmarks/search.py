"""Search benchmark: live Whoosh, the static index (search.js) and Pagefind, on the labelled query set.

    python benchmarks/search.py                      # everything (needs Chromium and PyPI for Pagefind)
    python benchmarks/search.py --no-pagefind        # our two modes only
    python benchmarks/search.py --pagefind /path/to/pagefind_extended

It builds the real site with every planned language switched on (pages not translated fall back to
English), then for each engine and the query set (tests/search_queries.yml) prints:
- quality: precision@1 (a right page first), top-3 hit rate and MRR (over the top 10), per kind of
  query, and on the held-out queries (never used to tune the lay words);
- bytes a phone downloads, as a host serving gzip would send them (each file counted at
  min(raw, gzip -6)): for the first query of a visit (search code + index data) and for each further
  query (what is not cached yet), measured in Chromium from the requests the page really makes;
- index size on disk (raw and gzip) and query time: in-process for Whoosh and the static index's
  Python twin, and in the browser (Enter to results on screen) for search.js and Pagefind.

Pagefind (https://pagefind.app) is installed into a temporary virtual environment from PyPI
(`pagefind[extended]`) unless --pagefind names a binary, and indexes the same pages (every standard
and Easy Read page in every language) with `--root-selector main`, so it reads what we index.
Easy Read queries (the filter) are given Pagefind's results with non-Easy Read pages removed.
Nothing is installed into the project or its environment.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from sds_site import create_app
from sds_site.build import build
from sds_site.config import PROJECT_DIR
from sds_site.config import load_config
from sds_site.search import search_service
from sds_site.search.evaluate import existing
from sds_site.search.evaluate import load_queries
from sds_site.search.evaluate import planned_config
from sds_site.search.evaluate import rank_of
from sds_site.search.static_index import StaticSearcher

QUERIES = PROJECT_DIR / "tests" / "search_queries.yml"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TOP = 10  # results shown (and, for Pagefind, fragments loaded to show them)


def sent(data: bytes) -> int:
    """Bytes a gzip-serving host sends for a file (already-compressed files do not shrink)."""
    return min(len(data), len(gzip.compress(data, compresslevel=6, mtime=0)))


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), sum(sent(p.read_bytes()) for p in files)


def serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"{statistics.median(values) * 1000:.1f} / {p95 * 1000:.1f} / {values[-1] * 1000:.1f}"


def kb(values: list[int]) -> str:
    return f"{statistics.mean(values) / 1024:.1f} / {statistics.median(values) / 1024:.1f} / {max(values) / 1024:.1f}" if values else "-"


class Engine:
    """Per query: ranked results [(variant, slug, twin variant)], and times and bytes."""

    def __init__(self, name: str):
        self.name = name
        self.results: dict[int, list] = {}
        self.times: list[float] = []
        self.warm_times: list[float] = []  # in the browser: queries after the first of a visit
        self.first_bytes: list[int] = []
        self.next_bytes: list[int] = []
        self.disk: tuple[int, int] = (0, 0)


def slug_of(path: str) -> tuple[str, str]:
    parts = [p for p in urlsplit(path).path.split("/") if p][1:]  # drop the language
    variant = "standard"
    if parts and parts[0] == "easy-read":
        variant, parts = "easy-read", parts[1:]
    return variant, (parts[0] if parts else "index")


# --- our engines ------------------------------------------------------------------------------------
def run_live(app, queries) -> Engine:
    engine = Engine("live (Whoosh)")
    service = search_service(app)
    for q in queries:
        service.search(q.lang, q.q)  # warm: each language's index is built on first use
    for i, q in enumerate(queries):
        started = time.perf_counter()
        found = service.search(q.lang, q.q, easy_read_only=q.easy_read, limit=TOP)
        engine.times.append(time.perf_counter() - started)
        engine.results[i] = [(r.doc.variant, r.doc.slug, r.twin.variant if r.twin else None) for r in found.results]
    return engine


def run_static_python(out: Path, index_folders: dict[str, Path], queries) -> Engine:
    engine = Engine("static (Python twin)")
    for i, q in enumerate(queries):
        searcher = StaticSearcher(index_folders[q.lang])
        started = time.perf_counter()
        ranked, _ = searcher.search(q.q, q.easy_read)
        engine.times.append(time.perf_counter() - started)
        rows = []
        for n, _ in ranked[:TOP]:
            path, _, _, _, _, twin = searcher.docs[n]
            variant, slug = slug_of(path)
            rows.append((variant, slug, slug_of(searcher.docs[twin][0])[0] if twin >= 0 and not q.easy_read else None))
        engine.results[i] = rows
    return engine


JS_QUERY = """async ([text, easy]) => {
  const status = document.getElementById('search-status');
  document.getElementById('search-er').checked = easy;
  document.getElementById('search-q').value = text;
  status.textContent = '';
  const done = new Promise(resolve => new MutationObserver((m, o) => {
    if (/\\d/.test(status.textContent)) { o.disconnect(); resolve(); }
  }).observe(status, {childList: true, characterData: true, subtree: true}));
  const started = performance.now();
  document.querySelector('form[data-index]').requestSubmit();
  await done;
  const elapsed = performance.now() - started;
  return [elapsed, [...document.querySelectorAll('#search-list > li')].map(li =>
    [...li.querySelectorAll('a')].map(a => new URL(a.href).pathname))];
}"""


class Recorder:
    """Bytes of the responses a page receives whose path contains one of `parts`."""

    def __init__(self, page, parts: tuple[str, ...]):
        self.total = 0
        self.files: list[str] = []
        page.on("response", self._on)
        self.parts = parts

    def _on(self, response):
        path = urlsplit(response.url).path
        if any(part in path for part in self.parts) and response.status == 200:
            try:
                self.total += sent(response.body())
            except Exception:  # the page closed first: nothing more is being measured
                return
            self.files.append(path)


def run_js(browser, base: str, queries) -> Engine:
    engine = Engine("static (search.js)")
    parts = ("/static/js/search.js", "/search/index/")
    for i, q in enumerate(queries):  # first query of a visit: a fresh browser, nothing cached
        context = browser.new_context()
        page = context.new_page()
        recorder = Recorder(page, parts)
        page.goto(f"{base}/{q.lang}/search/")
        page.wait_for_load_state("load")
        elapsed, rows = page.evaluate(JS_QUERY, [q.q, q.easy_read])
        engine.first_bytes.append(recorder.total)
        engine.times.append(elapsed / 1000)
        engine.results[i] = [_js_row(r, q.easy_read) for r in rows]
        context.close()
    for lang in sorted({q.lang for q in queries}):  # further queries: one visit, the set in order
        context = browser.new_context()
        page = context.new_page()
        recorder = Recorder(page, parts)
        page.goto(f"{base}/{lang}/search/")
        page.wait_for_load_state("load")
        for n, q in enumerate(x for x in queries if x.lang == lang):
            before = recorder.total
            elapsed, _ = page.evaluate(JS_QUERY, [q.q, q.easy_read])
            if n:
                engine.next_bytes.append(recorder.total - before)
                engine.warm_times.append(elapsed / 1000)
        context.close()
    return engine


def _js_row(links: list[str], easy: bool):
    variant, slug = slug_of(links[0])
    twin = slug_of(links[1])[0] if len(links) > 1 and not easy else None
    return variant, slug, twin


# --- Pagefind ---------------------------------------------------------------------------------------
def pagefind_binary(tmp: Path, given: str | None) -> list[str]:
    if given:
        return [given]
    venv = tmp / "pagefind-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "--quiet", "--disable-pip-version-check", "pagefind[extended]"], check=True)
    return [str(venv / "bin" / "python"), "-m", "pagefind"]


def pagefind_site(out: Path, paths: list[str], dest: Path) -> None:
    """The same pages we index (every standard and Easy Read page in every language)."""
    for path in paths:
        source = out / path.lstrip("/") / "index.html"
        target = dest / path.lstrip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


PAGEFIND_QUERY = """async ([text, easy, top]) => {
  const started = performance.now();
  window.pf = window.pf || await import('/pagefind/pagefind.js');
  const found = await window.pf.search(text);
  let results = found ? found.results : [];
  const data = [];
  for (const r of results) {
    if (data.length >= top) break;
    const d = await r.data();
    if (!easy || new URL(d.url, location.href).pathname.split('/')[2] === 'easy-read') data.push(d.url);
  }
  return [performance.now() - started, data];
}"""


def run_pagefind(browser, base: str, queries) -> Engine:
    engine = Engine("Pagefind 1.x")
    parts = ("/pagefind/",)
    for i, q in enumerate(queries):
        context = browser.new_context()
        page = context.new_page()
        recorder = Recorder(page, parts)
        page.goto(f"{base}/{q.lang}/")
        page.wait_for_load_state("load")
        elapsed, urls = page.evaluate(PAGEFIND_QUERY, [q.q, q.easy_read, TOP])
        engine.first_bytes.append(recorder.total)
        engine.times.append(elapsed / 1000)
        engine.results[i] = [(*slug_of(u), None) for u in urls]
        context.close()
    for lang in sorted({q.lang for q in queries}):
        context = browser.new_context()
        page = context.new_page()
        recorder = Recorder(page, parts)
        page.goto(f"{base}/{lang}/")
        page.wait_for_load_state("load")
        for n, q in enumerate(x for x in queries if x.lang == lang):
            before = recorder.total
            elapsed, _ = page.evaluate(PAGEFIND_QUERY, [q.q, q.easy_read, TOP])
            if n:
                engine.next_bytes.append(recorder.total - before)
                engine.warm_times.append(elapsed / 1000)
        context.close()
    return engine


# --- report -----------------------------------------------------------------------------------------
def quality(engine: Engine, queries, subset=None) -> tuple[float, float, float, int]:
    chosen = [i for i, q in enumerate(queries) if subset is None or subset(q)]
    ranks = [rank_of(queries[i], engine.results.get(i, [])) for i in chosen]
    n = len(ranks) or 1
    p1 = sum(1 for r in ranks if r == 1) / n
    top3 = sum(1 for r in ranks if r and r <= 3) / n
    mrr = sum(1 / r for r in ranks if r) / n
    return p1, top3, mrr, len(ranks)


def report(engines: list[Engine], queries, js_size: int, extra: dict[str, str]) -> None:
    width = 24
    print()
    print(f"Queries: {len(queries)} ({', '.join(f'{k} {v}' for k, v in sorted(_kinds(queries).items()))}); "
          f"languages: {', '.join(sorted({q.lang for q in queries}))}")
    for key, value in extra.items():
        print(f"{key}: {value}")
    header = f"{'':34}" + "".join(f"{e.name:>{width}}" for e in engines)
    print()
    print(header)
    print("-" * len(header))

    def row(label, values):
        print(f"{label:34}" + "".join(f"{v:>{width}}" for v in values))

    for label, subset in [("all", None), ("lay", lambda q: q.kind == "lay"),
                          ("misspelt", lambda q: q.kind == "misspelt"), ("easy-read", lambda q: q.kind == "easy-read"),
                          ("other-language", lambda q: q.kind == "other-language"),
                          ("held out (never tuned on)", lambda q: q.held_out)]:
        stats = [quality(e, queries, subset) for e in engines]
        n = stats[0][3]
        row(f"top-3 hit rate, {label} (n={n})", [f"{s[1]:.1%}" for s in stats])
    stats = [quality(e, queries) for e in engines]
    row("precision@1, all", [f"{s[0]:.1%}" for s in stats])
    row("MRR@10, all", [f"{s[2]:.3f}" for s in stats])
    row("first query, KB (mean/med/max)", [kb(e.first_bytes) for e in engines])
    row("further query, KB (mean/med/max)", [kb(e.next_bytes) for e in engines])
    row("index on disk, KB (raw / gzip)", [f"{e.disk[0] / 1024:.0f} / {e.disk[1] / 1024:.0f}" if e.disk[0] else "-"
                                           for e in engines])
    row("query ms, first (med / p95 / max)", [ms(e.times) for e in engines])
    row("query ms, further (med / p95 / max)", [ms(e.warm_times) if e.warm_times else ms(e.times) for e in engines])
    print()
    print(f"search.js: {js_size:,} bytes gzipped. Bytes are what a gzip-serving host sends; the first query "
          "includes the search code (ours: search.js, loaded with the page; Pagefind: pagefind.js and its "
          "WebAssembly); Pagefind's include the fragments it fetches to show the top results.")


def _kinds(queries):
    out: dict[str, int] = {}
    for q in queries:
        out[q.kind] = out.get(q.kind, 0) + 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--no-pagefind", action="store_true", help="skip Pagefind")
    parser.add_argument("--no-browser", action="store_true", help="skip everything that needs Chromium")
    parser.add_argument("--pagefind", help="a Pagefind binary to use instead of installing one from PyPI")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--english-only", action="store_true",
                        help="build in English only and skip the other languages' queries (quicker)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each browser engine's misses")
    args = parser.parse_args()
    browser_ok = not args.no_browser and os.path.exists(CHROMIUM)

    config = load_config() if args.english_only else planned_config(load_config())
    app = create_app(config, project_dir=PROJECT_DIR)
    slugs = {slug for (_, _, slug) in app.extensions["sds"].content.pages}
    queries = [q for q in load_queries(args.queries)
               if existing(q, slugs) and q.lang in config.language_codes]
    extra: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        out = tmp / "build"
        started = time.perf_counter()
        result = build(app, out, jobs=args.jobs)
        extra["site build"] = (f"{result.pages} pages in {time.perf_counter() - started:.1f} s "
                               f"({len(app.extensions['sds'].config.language_codes)} languages)")
        service = search_service(app)
        index_folders = {lang: out / lang / "search" / "index" / service.digest for lang in service.languages}
        docs = sum(len(service.index(lang).docs) for lang in service.languages)
        extra["our index"] = (f"{docs} documents; "
                              + ", ".join(f"{lang} {len(list(f.iterdir()))} files" for lang, f in index_folders.items()))

        live = run_live(app, queries)
        static_py = run_static_python(out, index_folders, queries)
        disk = [folder_size(f) for f in index_folders.values()]
        ours_disk = (sum(d[0] for d in disk), sum(d[1] for d in disk))
        static_py.disk = ours_disk
        engines = [live, static_py]
        js_size = len(gzip.compress((out / "static" / "js" / "search.js").read_bytes(), 9))

        if browser_ok:
            from playwright.sync_api import sync_playwright

            paths = sorted({d.path for lang in service.languages for d in service.index(lang).docs})
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                server, base = serve(out)
                js = run_js(browser, base, queries)
                js.disk = ours_disk
                engines.append(js)
                server.shutdown()
                if not args.no_pagefind:
                    site = tmp / "pagefind-site"
                    pagefind_site(out, paths, site)
                    command = pagefind_binary(tmp, args.pagefind)
                    started = time.perf_counter()
                    subprocess.run([*command, "--site", str(site), "--root-selector", "main", "--quiet"], check=True)
                    extra["Pagefind indexing"] = f"{len(paths)} pages in {time.perf_counter() - started:.1f} s"
                    server, base = serve(site)
                    pagefind = run_pagefind(browser, base, queries)
                    pagefind.disk = folder_size(site / "pagefind")
                    engines.append(pagefind)
                    server.shutdown()
                browser.close()
        else:
            print("Chromium not found (or --no-browser): browser figures and Pagefind skipped.", file=sys.stderr)
        differ = sum(1 for i in live.results if live.results[i][:3] != static_py.results[i][:3])
        extra["static vs live"] = f"top 3 identical for {len(queries) - differ} of {len(queries)} queries"
        report(engines, queries, js_size, extra)
        misses = [(q.lang, q.q) for i, q in enumerate(queries) if not (r := rank_of(q, live.results[i])) or r > 3]
        if misses:
            print("Live search misses (top 3): " + "; ".join(f"[{lang}] {text}" for lang, text in misses))
        if args.verbose:
            for engine in engines[2:]:
                print(f"\n{engine.name}, top 3 of each miss:")
                for i, q in enumerate(queries):
                    rank = rank_of(q, engine.results.get(i, []))
                    if not rank or rank > 3:
                        print(f"  [{q.lang}] {q.q!r} -> {[slug for _, slug, _ in engine.results.get(i, [])[:3]]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
