"""Load test: `sds-site serve --production` on 127.0.0.1 driven by wrk (Debian's `wrk` package).

    python benchmarks/load.py                        # the real site, 10 s per scenario, 64 connections
    python benchmarks/load.py --duration 30 --connections 128
    python benchmarks/load.py --no-page-cache        # every page rendered afresh (SDS_PAGE_CACHE=0)
    python benchmarks/load.py --tool python          # without wrk: a threaded Python client (slower)

Builds the site into a temporary folder (production mode serves open data and search files from a
build), starts the production server as a separate process, finds one URL for each scenario (a content
page, a finder result, a search, a postcode lookup), checks each answers, then drives each with wrk and
prints requests/s, p50/p95/p99 latency and the error count (socket errors and 4xx/5xx answers). A
scenario the site does not have yet is reported as skipped, with the status it answered.

Targets (2-core machine, load generator on the same machine): zero errors; a content page at least
1,000 requests/s; search at least 200 requests/s.

Install wrk with `apt-get install wrk`.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGETS = {"content page": 1000, "search": 200}

WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, \"write\": %d, " ..
    "\"timeout\": %d, \"status\": %d, \"p50\": %d, \"p95\": %d, \"p99\": %d, \"max\": %d, \"bytes\": %d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, summary.bytes))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def a_real_postcode(project: Path) -> str:
    units = PROJECT_DIR / "finder" / "data" / "geo" / "postcode_units_scotland.csv.gz"
    if units.is_file():
        with gzip.open(units, "rt", encoding="utf-8") as handle:
            rows = [line.split(",")[0] for _, line in zip(range(5000), handle)][1:]
        if rows:
            return rows[len(rows) // 2]
    return "EH1 1YZ"


def scenarios(base: str, project: Path) -> list[tuple[str, str]]:
    """(name, path) for each scenario, chosen from what the running site has."""
    status, sitemap = get(base + "/sitemap.xml")
    paths = [re.sub(r"^https?://[^/]+", "", url) for url in re.findall(rb"<loc>([^<]+)</loc>", sitemap)
             for url in [url.decode()]] if status == 200 else []
    content = next((p for p in paths if p == "/en/the-four-options/"), None) or next(
        (p for p in paths if re.fullmatch(r"/en/[a-z0-9-]+/", p) and "/find/" not in p), "/en/")
    finder = next((p for p in paths if re.fullmatch(r"/en/find/[^/]+/[^/]+/[^/]+/", p)), None) or next(
        (p for p in paths if p.startswith("/en/find/") and p != "/en/find/"), "/en/find/")
    postcode = a_real_postcode(project).replace(" ", "+")
    return [
        ("content page", content),
        ("finder result", finder),
        ("search", "/en/search/?q=direct+payment"),
        ("postcode lookup", f"/en/find/?postcode={postcode}"),
    ]


def run_wrk(url: str, duration: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        result = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                                 "-s", script.name, url], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    seconds = data["duration_us"] / 1e6
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"] + data["status"]
    return {"rps": data["requests"] / seconds, "p50": data["p50"] / 1000, "p95": data["p95"] / 1000,
            "p99": data["p99"] / 1000, "errors": errors, "requests": data["requests"]}


def run_python(url: str, duration: int, connections: int, threads: int) -> dict:
    """A keep-alive client per connection, in threads (the GIL limits it: use wrk for real figures)."""
    parts = urllib.request.urlparse(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", target)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0.0

    return {"rps": len(latencies) / seconds, "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "errors": errors[0], "requests": len(latencies)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=str(PROJECT_DIR))
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=None, help="server processes (default: one per core)")
    parser.add_argument("--build", help="serve this existing build instead of building a fresh one")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-page-cache", action="store_true", help="render every page afresh")
    args = parser.parse_args()

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        print("error: wrk is not installed. Fix: apt-get install wrk (or use --tool python)", file=sys.stderr)
        return 1
    project = Path(args.project).resolve()
    cli = [sys.executable, "-m", "sds_site.cli", "--project", str(project)]
    env = dict(os.environ)
    if args.workers:
        env["SDS_WORKERS"] = str(args.workers)
    if args.no_page_cache:
        env["SDS_PAGE_CACHE"] = "0"

    with tempfile.TemporaryDirectory() as tmp:
        build = Path(args.build).resolve() if args.build else Path(tmp) / "build"
        if not args.build:
            print("Building the site ...", flush=True)
            subprocess.run(cli + ["build", "--out", str(build)], check=True, env=env,
                           stdout=subprocess.DEVNULL)
        env["SDS_BUILD_DIR"] = str(build)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        log = open(log_path, "w")  # a file, not a pipe: a full pipe would stall the server
        server = subprocess.Popen(cli + ["serve", "--production", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    if get(base + "/robots.txt")[0] == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    print(f"error: the server did not start:\n{log_path.read_text()}", file=sys.stderr)
                    return 1
                time.sleep(0.3)
            print(next((line for line in log_path.read_text().splitlines() if line.startswith("Serving")), ""))
            print(f"Load generator: {tool}, {args.connections} connections, {args.duration} s per scenario, "
                  f"{os.cpu_count()} CPU cores shared by server and load generator.\n")
            rows = []
            for name, path in scenarios(base, project):
                status, _ = get(base + path)
                if status >= 400:
                    rows.append((name, path, None, f"skipped: answers {status}"))
                    continue
                get(base + path)  # warm up (the page cache, the search index)
                runner = run_wrk if tool == "wrk" else run_python
                result = runner(base + path, args.duration, args.connections, args.threads)
                rows.append((name, path, result, f"{status}"))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()

    print(f"{'scenario':<16} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  "
          f"{'target':>7}  URL")
    failed = False
    for name, path, result, note in rows:
        if result is None:
            print(f"{name:<16} {'-':>9} {'-':>8} {'-':>8} {'-':>8} {'-':>7}  {'':>7}  {path}  ({note})")
            continue
        target = TARGETS.get(name)
        met = (target is None or result["rps"] >= target) and result["errors"] == 0
        failed |= not met
        target_text = f">={target}" if target else ""
        print(f"{name:<16} {result['rps']:>9,.0f} {result['p50']:>8.2f} {result['p95']:>8.2f} {result['p99']:>8.2f} "
              f"{result['errors']:>7}  {target_text:>7}  {path}  (HTTP {note}, {result['requests']:,} requests)"
              + ("" if met else "  <- below target"))
    print("\nAll targets met." if not failed else "\nSome targets were not met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
