"""The external tools the gates run (Chromium, pa11y-ci, the Nu Html Checker) and a static server.

A missing tool is a failure with the command that installs it, never a skip: CI installs every one
of them (scripts/test-all), so a missing tool there means the gate did not run.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "reports"
NODE_BIN = REPO / "node_modules" / ".bin"
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Flags that keep Debian's Chromium quiet and working as root on a closed network (toolchain.md).
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
NPM_INSTALL = "PUPPETEER_SKIP_DOWNLOAD=1 npm ci  (at the repository root)"


def chromium() -> str:
    path = os.environ.get("SDS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(f"Chromium is not installed (looked for {path}): run "
                    "`apt-get install -y chromium` or `bash scripts/test-all`, which installs it", pytrace=False)
    return path


def node_tool(name: str) -> Path:
    if shutil.which("node") is None:
        pytest.fail("Node.js is not installed: `apt-get install -y nodejs npm`", pytrace=False)
    path = NODE_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in node_modules: run {NPM_INSTALL}", pytrace=False)
    return path


def java() -> str:
    path = shutil.which("java")
    if path is None:
        pytest.fail("Java is not installed (the Nu Html Checker needs it): "
                    "`apt-get install -y default-jre-headless`", pytrace=False)
    if not VNU_JAR.is_file():
        pytest.fail(f"vnu.jar is missing ({VNU_JAR}): run {NPM_INSTALL}", pytrace=False)
    return path


def report_path(name: str) -> Path:
    """A file under reports/ (git-ignored), its folder created."""
    REPORTS.mkdir(exist_ok=True)
    return REPORTS / name


# --- a static host for a folder (used by the gates' own tests; the real build uses served_site) ----
@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- pa11y-ci -------------------------------------------------------------------------------------
PA11Y_SECONDS_PER_PAGE = 0.7  # measured on 2 cores, both runners, concurrency 2 (toolchain.md)


def pa11y_config(urls: list[str], results_file: Path) -> dict:
    return {
        "defaults": {
            "standard": "WCAG2AA",
            "runners": ["axe", "htmlcs"],
            "concurrency": 2,
            "useIncognitoBrowserContext": False,
            "timeout": 30000,
            "chromeLaunchConfig": {"executablePath": chromium(), "args": ["--headless", *CHROMIUM_FLAGS]},
            "reporters": ["cli", ["json", {"fileName": str(results_file)}]],
        },
        "urls": urls,
    }


def run_pa11y(urls: list[str], workdir: Path, name: str = "pa11y") -> dict[str, list[dict]]:
    """Run pa11y-ci over `urls`; return {url: [error issues]} for every URL with an error.

    The config and the results are written under `workdir` so a failure can be rerun by hand:
    `npx pa11y-ci --config <workdir>/<name>.json` (while the site is served)."""
    node_tool("pa11y-ci")
    workdir.mkdir(parents=True, exist_ok=True)
    results_file = workdir / f"{name}-results.json"
    config_file = workdir / f"{name}.json"
    results_file.unlink(missing_ok=True)
    config_file.write_text(json.dumps(pa11y_config(urls, results_file), indent=1), encoding="utf-8")
    timeout = 120 + 5 * PA11Y_SECONDS_PER_PAGE * len(urls)
    proc = subprocess.run(["npx", "--no", "--", "pa11y-ci", "--config", str(config_file)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
    (workdir / f"{name}-output.txt").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if not results_file.is_file():
        pytest.fail(f"pa11y-ci wrote no results (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}",
                    pytrace=False)
    report = json.loads(results_file.read_text(encoding="utf-8"))
    failures: dict[str, list[dict]] = {}
    for url, issues in report.get("results", {}).items():
        errors = [i for i in issues if i.get("type", "error") == "error"]
        if errors:
            failures[url] = errors
    if proc.returncode not in (0, 2) and not failures:
        pytest.fail(f"pa11y-ci failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}", pytrace=False)
    if report.get("total", 0) != len(urls):
        pytest.fail(f"pa11y-ci checked {report.get('total')} of {len(urls)} URLs", pytrace=False)
    return failures


def describe_pa11y(failures: dict[str, list[dict]], limit: int = 200) -> str:
    lines = []
    for url, issues in sorted(failures.items()):
        for issue in issues:
            runner = issue.get("runner", "?")
            lines.append(f"{url}: [{runner}] {issue.get('code', '')}: {issue.get('message', '').strip()}"
                         f"  at {issue.get('selector', '')}  {issue.get('context', '')[:120]!r}")
    more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


# --- the Nu Html Checker --------------------------------------------------------------------------
def run_vnu(files: list[Path]) -> list[dict]:
    """Validate HTML files with vnu.jar (one Java process for all of them); return every message
    (type "error", "info" with subType "warning", or "non-document-error")."""
    java_path = java()
    if not files:
        return []
    messages: list[dict] = []
    for start in range(0, len(files), 400):  # keep the command line short
        chunk = [str(f) for f in files[start:start + 400]]
        proc = subprocess.run([java_path, "-Xss8m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always",
                               *chunk], capture_output=True, text=True, timeout=900)
        try:
            data = json.loads(proc.stderr or proc.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"vnu gave no JSON (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}",
                        pytrace=False)
        messages += data.get("messages", [])
    return messages
