"""The embed and its picture: how fast a 600x400 embed paints, what it weighs next to the full map page, and what
the server-drawn PNG costs drawn and cached.

A throwaway SpatiaLite database gets the Deir ez-Zor demo; a Django server on a free port serves it. Chromium
opens /embed/deir-ez-zor/ in a 600x400 viewport, each time in a fresh context (cold cache), and reads the
moment the zones were painted (performance.now() when the embed set data-ready, i.e. from navigation start):

- "desktop": no throttling;
- "mid-range phone": 4x CPU slowdown and a slow 4G link (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up),
  the profile Lighthouse uses for mobile.

Page weight: every response of a cold load, raw and gzip-compressed (level 6), for the embed and for the full
map page, and their ratio. PNG: time for the first request of a size (drawn; the very first also imports
matplotlib) and for the same request again (read from the file cache), over HTTP.

Targets (issue #7): the embed paints in well under 3 s on the phone profile and weighs less than the full page.
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request

from bench.bench_viewer import CHROMIUM, PYTHON, ROOT, free_port, manage, wait_for

RUNS = 5
PHONE_NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}


def paint_times(browser, url: str, phone: bool) -> list[float]:
    times = []
    for _ in range(RUNS):
        context = browser.new_context(viewport={"width": 600, "height": 400})
        try:
            page = context.new_page()
            if phone:
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", PHONE_NETWORK)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.goto(url)
            page.wait_for_selector("[data-embed][data-ready=true]", timeout=60000)
            times.append(float(page.locator("[data-embed]").get_attribute("data-painted-ms")))
        finally:
            context.close()
    return times


def weight(browser, url: str, ready: str, viewport: dict) -> tuple[int, int, int]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(url)
        page.wait_for_selector(ready, timeout=60000)
        page.wait_for_load_state("networkidle")
        raw = packed = count = 0
        for response in responses:
            if response.status >= 300:
                continue
            body = response.body()
            count += 1
            raw += len(body)
            packed += len(gzip.compress(body, compresslevel=6))
        return count, raw, packed
    finally:
        context.close()


def timed_get(url: str) -> tuple[float, int]:
    began = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        body = response.read()
    return (time.perf_counter() - began) * 1000, len(body)


def run() -> list[tuple]:
    from playwright.sync_api import sync_playwright

    results: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"spatialite:///{tmp}/bench.sqlite3",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "mapapp.settings",
            "EMBED_IMAGE_CACHE_DIR": f"{tmp}/images",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("MAP_TILES_URL", None)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["SITE_URL"] = base
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base}/api/v1/maps/")
            for size in ("600x400", "1200x630", "2000x2000"):
                width, height = size.split("x")
                url = f"{base}/embed/deir-ez-zor/image.png?date=2016-06-01&width={width}&height={height}"
                drawn, length = timed_get(url)
                cached, _ = timed_get(url)
                results += [
                    (f"PNG {size}: drawn (first request)", round(drawn), "ms"),
                    (f"PNG {size}: from the file cache", round(cached, 1), "ms"),
                    (f"PNG {size}: size", round(length / 1024, 1), "KB"),
                ]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
                )
                try:
                    results.append(
                        ("machine load average (1 min) at start; high means noisy timings", os.getloadavg()[0], "")
                    )
                    embed_url = f"{base}/embed/deir-ez-zor/?date=2016-06-01"
                    paint_times(browser, embed_url, phone=False)  # warm the server (imports, template cache)
                    for label, phone in (("desktop", False), ("mid-range phone (4x CPU, slow 4G)", True)):
                        times = paint_times(browser, embed_url, phone)
                        name = f"embed 600x400 painted, {label}"
                        results += [
                            (f"{name}: median of {RUNS} cold loads", round(statistics.median(times)), "ms"),
                            (f"{name}: worst", round(max(times)), "ms"),
                        ]
                    phone_median = statistics.median(paint_times(browser, embed_url, phone=True))
                    results.append(("embed on the phone profile / 3 s target", round(phone_median / 3000, 3), "x"))
                    embed = weight(browser, embed_url, "[data-embed][data-ready=true]", {"width": 600, "height": 400})
                    full = weight(
                        browser,
                        f"{base}/maps/deir-ez-zor/?date=2016-06-01",
                        "[data-viewer][data-ready=true]",
                        {"width": 1280, "height": 800},
                    )
                    for label, (count, raw, packed) in (("embed", embed), ("full map page", full)):
                        results += [
                            (f"{label}: requests", count, ""),
                            (f"{label}: total raw / gzip", round(raw / 1024, 1), f"KB / {packed / 1024:.1f} KB gz"),
                        ]
                    results.append(("embed / full map page, gzip bytes", round(embed[2] / full[2], 3), "x"))
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return results
