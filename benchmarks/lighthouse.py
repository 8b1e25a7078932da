"""Lighthouse scores for the key templates (a benchmark, not a CI gate; target 100 on each).

    python benchmarks/lighthouse.py                  # build the real site, serve it, score it
    python benchmarks/lighthouse.py --build build    # score an existing build
    python benchmarks/lighthouse.py --pages /en/ /en/faq/

Pages: home, a content page, an Easy Read page, a finder question, a finder result and search, in
English and in the first right-to-left language the site is built in (whatever of these exists).
Prints performance, accessibility, best-practices and SEO per page, then every audit that did not
score full marks, so it can be fixed. Needs `PUPPETEER_SKIP_DOWNLOAD=1 npm ci` and Debian's
Chromium. Lighthouse exits 0 even when scores are poor: this script reads its JSON. About 15-20 s a
page, plus one warm-up run that is not counted.
Exit status: 0, or 1 when a score is under --target (default 100) and --strict is given.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from quality.pages import CONTENT  # noqa: E402
from quality.pages import EASY_READ  # noqa: E402
from quality.pages import FIND_NEED  # noqa: E402
from quality.pages import FIND_RESULT  # noqa: E402
from quality.pages import HOME  # noqa: E402
from quality.pages import SEARCH  # noqa: E402
from quality.pages import STANDARD  # noqa: E402
from quality.pages import council_slugs  # noqa: E402
from quality.pages import discover  # noqa: E402
from quality.tools import CHROMIUM_FLAGS  # noqa: E402
from quality.tools import serve  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TEMPLATES = [  # (label, kind, variant)
    ("home", HOME, STANDARD),
    ("content page", CONTENT, STANDARD),
    ("Easy Read page", CONTENT, EASY_READ),
    ("finder question", FIND_NEED, STANDARD),
    ("finder result", FIND_RESULT, STANDARD),
    ("search", SEARCH, STANDARD),
]


def key_pages(build: Path, languages: list[str], rtl: list[str]) -> list[tuple[str, str]]:
    pages = discover(build, languages, council_slugs())
    chosen = []
    for lang in ["en", *rtl[:1]]:
        for label, kind, variant in TEMPLATES:
            matches = sorted((p for p in pages if p.kind == kind and p.lang == lang and p.variant == variant),
                             key=lambda p: (-p.file.stat().st_size, p.url))
            if kind == CONTENT:  # a typical page, not the longest
                matches = sorted(matches, key=lambda p: p.file.stat().st_size)[len(matches) // 2:]
            if matches:
                chosen.append((f"{label} ({lang})", matches[0].url))
    return chosen


def lighthouse(url: str, out: Path) -> dict:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    command = ["npx", "--no", "--", "lighthouse", url, "--output=json", f"--output-path={out}", "--quiet",
               "--only-categories=" + ",".join(CATEGORIES),
               "--chrome-flags=" + " ".join(["--headless=new", *CHROMIUM_FLAGS])]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CHROME_PATH": chromium})
    if not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="an existing build folder (default: build the real site)")
    parser.add_argument("--pages", nargs="+", help="paths to score instead of the key templates")
    parser.add_argument("--target", type=int, default=100)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a score is under the target")
    args = parser.parse_args()
    if not (REPO / "node_modules" / ".bin" / "lighthouse").exists():
        print("lighthouse is not installed: run PUPPETEER_SKIP_DOWNLOAD=1 npm ci", file=sys.stderr)
        return 2

    from sds_site import create_app
    from sds_site.build import build as build_site
    from sds_site.config import load_config

    config = load_config()
    languages = config.language_codes
    rtl = [lang.code for lang in config.languages if lang.dir == "rtl"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.build
        if folder is None:
            folder = Path(tmp) / "site"
            build_site(create_app(config), folder)
        pages = [(p, p) for p in args.pages] if args.pages else key_pages(folder, languages, rtl)
        rows, findings = [], []
        with serve(folder) as base:
            # The first Lighthouse run after start-up measures a cold Chromium (seen: Total Blocking
            # Time 530 ms and performance 87 on a page that scores 100 when run again): discard it.
            lighthouse(base + pages[0][1], Path(tmp) / "warm-up.json")
            for label, path in pages:
                started = time.perf_counter()
                report = lighthouse(base + path, Path(tmp) / "report.json")
                scores = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
                rows.append((label, path, scores, time.perf_counter() - started))
                for category in CATEGORIES:
                    for ref in report["categories"][category]["auditRefs"]:
                        audit = report["audits"][ref["id"]]
                        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                            findings.append(f"{path}: [{category}] {audit['id']}: {audit['title']}"
                                            + (f" ({audit['displayValue']})" if audit.get("displayValue") else ""))
        width = max(len(label) for label, *_ in rows)
        print(f"\n{'page'.ljust(width)}  perf  a11y  best   seo  seconds  path")
        for label, path, s, seconds in rows:
            print(f"{label.ljust(width)}  {s['performance']:4}  {s['accessibility']:4}  {s['best-practices']:4}  "
                  f"{s['seo']:4}  {seconds:7.1f}  {path}")
        print("\nAudits below full marks:" if findings else "\nEvery weighted audit scored full marks.")
        for line in findings:
            print(f"  {line}")
        under = [r for r in rows if min(r[2].values()) < args.target]
        return 1 if args.strict and under else 0


if __name__ == "__main__":
    sys.exit(main())
