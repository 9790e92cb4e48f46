"""Serving: requests per second on gunicorn, and what /geometry weighs on the wire.

One gunicorn (deploy/gunicorn.conf.py, STATIC_MANIFEST on, as `make run`) serves the application plus a
hello-world Django view (bench/serve_settings.py), through the whole middleware stack. The same load (`ab`,
ApacheBench, keep-alive, CONCURRENCY clients, REQUESTS requests, browser-like Accept-Encoding) asks for:

- the hello-world view, the yardstick;
- /geometry with the ETag the client has (a 304 revalidation);
- /geometry?v=<current version> (the immutable answer a browser or CDN keeps for a year).

Target (issue 13): the 304 and the ?v= answer at least 90% of hello-world's rate. Figures for the Deir ez-Zor
demo (a throwaway SpatiaLite database) and the 5,000-zone synthetic map (var/bench-analytics.sqlite3, shared
with bench_analytics and built there when missing: make_synthetic_map). Bytes of /geometry: identity, gzip and
brotli, as the compression middleware sends them.

Without `ab` (Debian's apache2-utils) the load comes from Python threads, which are slower than the server.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from bench.bench_analytics import SLUG as SYNTHETIC
from bench.bench_analytics import SPATIALITE_URL, ZONES, _ensure_map
from bench.bench_viewer import ROOT, free_port, manage, wait_for

CONCURRENCY = 8
ROUNDS = int(os.environ.get("BENCH_SERVE_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_SERVE_REQUESTS", "3000"))
ACCEPT = "gzip, deflate, br"


def start_gunicorn(database_url: str, folder: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.serve_settings",
        "STATIC_MANIFEST": "true",
        "STATIC_ROOT": f"{folder}/static",
        "EMBED_IMAGE_CACHE_DIR": f"{folder}/images",
        "ANSWER_CACHE_DIR": f"{folder}/answers",
        "WEB_WORKERS": os.environ.get("WEB_WORKERS", str(os.cpu_count() or 1)),
        "DATABASE_CONN_MAX_AGE": "60",
    }
    manage(env, "collectstatic", "--noinput", "-v", "0")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/__hello", seconds=120)
    return server, base


def fetch(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def rate(base: str, path: str, headers: dict, expect: int, requests: int = REQUESTS) -> float:
    """Requests per second for `requests` requests from CONCURRENCY keep-alive clients."""
    status, _h, _b = fetch(base, path, headers)
    assert status == expect, f"{path}: {status}, expected {expect}"
    fetch(base, path, headers)  # warm every worker a little
    if shutil.which("ab"):
        command = ["ab", "-q", "-k", "-s", "600", "-c", str(CONCURRENCY), "-n", str(requests)]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
        failed = re.search(r"Failed requests:\s+(\d+)\s*(\(.*\))?", output)
        non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
        if int(failed.group(1)) or (non_2xx and expect == 200):
            print(f"   ab {path}: {failed.group(0).strip()}; non-2xx: {non_2xx.group(1) if non_2xx else 0}", flush=True)
        return float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))
    return _python_rate(base, path, headers, requests)


def _python_rate(base: str, path: str, headers: dict, requests: int) -> float:
    remaining = [requests]
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=120)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests / (time.perf_counter() - began)


def measure(label: str, base: str, slug: str) -> list[tuple[str, float, str]]:
    maps = {m["slug"]: m for m in json.loads(fetch(base, "/api/v1/maps/")[2])["maps"]}
    version = maps[slug]["version"]
    geometry = f"/api/v1/maps/{slug}/geometry"
    sizes = {}
    for coding in ("identity", "gzip", "br"):
        _s, headers, body = fetch(base, f"{geometry}?v={version}", {"Accept-Encoding": coding})
        assert headers.get("content-encoding", "identity") == coding, headers
        sizes[coding] = len(body)
    _s, headers, _b = fetch(base, geometry, {"Accept-Encoding": ACCEPT})
    browser = {"Accept-Encoding": ACCEPT}
    # Interleaved rounds, the best of each kind kept: on a shared machine the load moves between one
    # measurement and the next, and the ratios compare figures taken side by side.
    big = sizes["identity"] >= 1e6
    hello = not_modified = immutable = 0.0
    for _round in range(ROUNDS):
        hello = max(hello, rate(base, "/__hello", browser, 200))
        not_modified = max(not_modified, rate(base, geometry, {**browser, "If-None-Match": headers["etag"]}, 304))
        answer = rate(base, f"{geometry}?v={version}", browser, 200, REQUESTS // 4 if big else REQUESTS)
        immutable = max(immutable, answer)
    return [
        (f"{label}: /geometry bytes, uncompressed", sizes["identity"], "B"),
        (f"{label}: /geometry bytes, gzip", sizes["gzip"], "B"),
        (f"{label}: /geometry bytes, brotli", sizes["br"], "B"),
        (f"{label}: brotli / uncompressed", round(sizes["br"] / sizes["identity"], 3), "x"),
        (f"{label}: hello-world view, same gunicorn", hello, "req/s"),
        (f"{label}: /geometry 304 (If-None-Match)", not_modified, "req/s"),
        (f"{label}: /geometry 304 / hello-world (target >= 0.9)", round(not_modified / hello, 3), "x"),
        (f"{label}: /geometry?v= immutable answer (browser Accept-Encoding)", immutable, "req/s"),
        (f"{label}: /geometry?v= / hello-world (target >= 0.9)", round(immutable / hello, 3), "x"),
    ]


def run() -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        demo_url = f"spatialite:///{folder}/demo.sqlite3"
        env = {**os.environ, "DATABASE_URL": demo_url}
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo")
        for label, url, slug in (("demo", demo_url, "deir-ez-zor"), (f"synthetic {ZONES}", SPATIALITE_URL, SYNTHETIC)):
            if slug == SYNTHETIC:
                _ensure_map(url)  # migrated and built on a fresh clone, reused after
            server, base = start_gunicorn(url, folder)
            try:
                rows += measure(label, base, slug)
            finally:
                server.terminate()
                server.wait(timeout=60)
    tool = "ab -k" if shutil.which("ab") else "Python"
    rows.append(("load", CONCURRENCY, f"clients x {REQUESTS} requests ({tool}), best of {ROUNDS} interleaved rounds"))
    return rows
