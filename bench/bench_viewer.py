"""The map viewer in Chromium: how long one step of the slider takes to repaint, and what the page weighs.

A throwaway SpatiaLite database gets the Deir ez-Zor demo and a 5,000-zone synthetic map (the
`make_synthetic_map` command; where that command is missing, a grid of squares with an invented history built
here through the services). A Django server on a free port serves them; Chromium opens each map and steps the
viewer (window.frontlineViewer.setDay, the function the slider calls) 50 times, timing with performance.now():

- "script": the step itself (state for the day worked out in the browser, zones restyled, fronts, sieges,
  chart, panel) — what blocks the page;
- "to frame": from the step to the first task after the next animation frame, so it includes the browser's
  style, layout and paint (and up to one frame of waiting for vsync, ~16.7 ms at 60 Hz).

Page weight: every response of a cold load of the demo page, raw and gzip-compressed (level 6, as a
compressing proxy or whitenoise's precompressed files would serve it).

Targets (issue #3): a step well under 50 ms on the demo and under 100 ms with 5,000 zones; the demo page with
its data under 1 MB compressed.
"""

from __future__ import annotations

import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
STEPS = 50
SYNTHETIC_ZONES = int(os.environ.get("BENCH_SYNTHETIC_ZONES", "5000"))
SYNTHETIC_SLUG = "syria-synthetic"

STEP_SCRIPT = """
async ({ steps, mode }) => {
  const viewer = window.frontlineViewer;
  const history = viewer.history;
  let day = mode === "change" ? history.start - 1 : history.changeDays.find((d) => d > history.start) - 1;
  const script = [], frame = [], changed = [];
  for (let i = -5; i < steps; i++) {  // five steps of warm-up (JIT), not counted
    let next = mode === "change" ? history.nextChangeDay(day, 1) : day + 1;
    if (next === null || next > history.end) next = history.start;  // wrap around
    day = next;
    const t0 = performance.now();
    const zones = viewer.setDay(day, "none");
    const t1 = performance.now();
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const t2 = performance.now();
    if (i < 0) continue;
    script.push(t1 - t0);
    frame.push(t2 - t0);
    changed.push(zones.length);
  }
  return { script, frame, changed, renderer: document.querySelector("[data-viewer]").dataset.renderer };
}
"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def build_grid_map(zones: int, slug: str) -> None:
    """A stand-in for make_synthetic_map: a square grid of `zones` 0.05° cells and four sides whose fronts move
    every few days for four years, all through the services. Called inside Django (manage.py shell)."""
    import datetime as dt
    import math
    import random

    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    from gazetteer.services import place_create
    from mapapp import services

    rng = random.Random(1)
    side = math.ceil(math.sqrt(zones))
    size = 0.05
    source = services.source_create(title="Synthetic benchmark data", publisher="Frontline Atlas bench")
    actors = [
        services.actor_create(slug=f"grid-{name}", name_en=f"Grid {name}", color=color)
        for name, color in (("a", "#c62828"), ("b", "#3b3b3b"), ("c", "#2e7d32"), ("d", "#f2b705"))
    ]
    places = []
    for index in range(zones):
        x, y = 36.0 + (index % side) * size, 33.0 + (index // side) * size
        ring = ((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))
        places.append(
            place_create(
                slug=f"{slug}-{index}",
                name_en=f"Cell {index}",
                name_ar=f"خلية {index}",
                kind="locality",
                footprint=MultiPolygon(Polygon(ring), srid=4326),
                label_point=Point(x + size / 2, y + size / 2, srid=4326),
            )
        )
    start = dt.date(2014, 1, 1)
    quadrant = [actors[(i % side >= side // 2) + 2 * (i // side >= side // 2)] for i in range(zones)]
    for actor in actors:
        mine = [p for p, owner in zip(places, quadrant, strict=True) if owner == actor]
        services.control_change_record(on=start, places=mine, actor=actor, sources=[source], publish=True)
    day = start
    for _ in range(400):
        day += dt.timedelta(days=rng.randint(1, 6))
        centre = rng.randrange(zones)
        block = [
            places[(centre // side + dy) * side + centre % side + dx]
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if 0 <= centre // side + dy < side
            and 0 <= centre % side + dx < side
            and (centre // side + dy) * side + centre % side + dx < zones
        ]
        services.control_change_record(
            on=day, places=block, actor=rng.choice(actors), sources=[source], publish=True,
            status=rng.choice(["held", "held", "contested"]),
        )  # fmt: skip
    services.map_create(
        slug=slug,
        title_en=f"Synthetic grid, {zones} zones",
        start=start,
        end=day,
        default_date=start,
        actors=actors,
        zones=places,
    )


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def open_viewer(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    began = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("[data-viewer][data-ready=true]", timeout=120000)
    return context, page, (time.perf_counter() - began) * 1000


def measure_steps(browser, base: str, slug: str, label: str) -> list[tuple]:
    context, page, load_ms = open_viewer(browser, f"{base}/maps/{slug}/")
    try:
        zones = page.evaluate("window.frontlineViewer.history.zoneCount")
        results = [(f"{label}: zones", zones, ""), (f"{label}: page ready (cold)", round(load_ms), "ms")]
        for mode in ("day", "change"):
            run = page.evaluate(STEP_SCRIPT, {"steps": STEPS, "mode": mode})
            script, frame = run["script"], run["frame"]
            prefix = f"{label} [{run['renderer']}], step by {mode}"
            results += [
                (f"{prefix}: script median", round(statistics.median(script), 2), "ms"),
                (f"{prefix}: script p95", round(p95(script), 2), "ms"),
                (f"{prefix}: to frame median", round(statistics.median(frame), 2), "ms"),
                (f"{prefix}: to frame p95", round(p95(frame), 2), "ms"),
                (f"{prefix}: zones changed per step (median)", statistics.median(run["changed"]), ""),
            ]
        return results
    finally:
        context.close()


def page_weight(browser, base: str, slug: str, label: str) -> list[tuple]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(f"{base}/maps/{slug}/")
        page.wait_for_selector("[data-viewer][data-ready=true]", timeout=120000)
        page.wait_for_load_state("networkidle")
        raw_total = gzip_total = 0
        rows = []
        for response in responses:
            if response.status >= 300:
                continue
            body = response.body()
            compressed = len(gzip.compress(body, compresslevel=6))
            raw_total += len(body)
            gzip_total += compressed
            rows.append((response.url.replace(base, ""), len(body), compressed))
        results = [(f"{label}: requests", len(rows), "")]
        for path, raw, compressed in sorted(rows, key=lambda row: -row[2]):
            results.append((f"{label}:   {path[:48]}", round(compressed / 1024, 1), f"KB gz ({raw / 1024:.1f} KB raw)"))
        results += [
            (f"{label}: total raw", round(raw_total / 1024, 1), "KB"),
            (f"{label}: total gzip", round(gzip_total / 1024, 1), "KB"),
            (f"{label}: total gzip / 1 MB target", round(gzip_total / 1024 / 1024, 3), "x"),
        ]
        return results
    finally:
        context.close()


def data_weight(base: str, slug: str, label: str) -> list[tuple]:
    """The viewer's two data loads for a map, raw and gzipped, and how long the server takes for each."""
    results = []
    for endpoint in ("geometry", "history"):
        began = time.perf_counter()
        with urllib.request.urlopen(f"{base}/api/v1/maps/{slug}/{endpoint}") as response:
            body = response.read()
        elapsed = (time.perf_counter() - began) * 1000
        compressed = len(gzip.compress(body, compresslevel=6)) / 1024
        results.append((f"{label}: /{endpoint} raw / gzip", round(len(body) / 1024, 1), f"KB / {compressed:.1f} KB gz"))
        results.append((f"{label}: /{endpoint} server time (SpatiaLite, runserver)", round(elapsed), "ms"))
    return results


def run() -> list[tuple]:
    from playwright.sync_api import sync_playwright

    results: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="bench-viewer-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"spatialite:///{tmp}/bench.sqlite3",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "mapapp.settings",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("MAP_TILES_URL", None)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo")
        began = time.perf_counter()
        commands = manage(env, "help", "--commands")
        if "make_synthetic_map" in commands.split():
            manage(env, "make_synthetic_map", "--zones", str(SYNTHETIC_ZONES), "--slug", SYNTHETIC_SLUG)
            synthetic = "synthetic (make_synthetic_map)"
        else:
            manage(env, "shell", "-c", f"from bench.bench_viewer import build_grid_map; "
                                       f"build_grid_map({SYNTHETIC_ZONES}, {SYNTHETIC_SLUG!r})")  # fmt: skip
            synthetic = "synthetic grid (stand-in)"
        results.append((f"{synthetic}: built in", round(time.perf_counter() - began, 1), "s"))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base}/api/v1/maps/")
            results += data_weight(base, "deir-ez-zor", "demo")
            results += data_weight(base, SYNTHETIC_SLUG, "5k")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
                )
                try:
                    load = os.getloadavg()[0]
                    results.append(("machine load average (1 min) at start; high means noisy timings", load, ""))
                    results += measure_steps(browser, base, "deir-ez-zor", "demo")
                    results += measure_steps(browser, base, SYNTHETIC_SLUG, "5k")
                    results += page_weight(browser, base, "deir-ez-zor", "demo page weight")
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return results
