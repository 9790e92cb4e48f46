"""The map viewer in Chromium: what a slider step costs, what a cold map weighs, and its colours against /zones.

A SpatiaLite database kept in var/ (BENCH_VIEWER_URL; built once, BENCH_REBUILD=1 builds it again) holds the
Deir ez-Zor demo and synthetic maps of BENCH_VIEWER_ZONES zones (default "5000,10000", made by
`make_synthetic_map`, slug `synthetic-<n>`). A Django server on a free port serves them; for each map:

- cold load: time to the viewer's ready flag, and the bytes on the wire (every response's encoded body and
  headers, as Chromium received them from this server, which compresses the API's answers; static files as
  `runserver` sends them) beside the 0.1 / 1 / 4 MB targets of issue #15; and the same from a server set up as
  `make run` sets it up (collectstatic into a temporary STATIC_ROOT, STATIC_MANIFEST=true: hashed names, brotli
  copies, the viewer's modules as one bundle; gunicorn with deploy/gunicorn.conf.py, and the background worker
  beside it), the figure the targets are read against. There the load is the realistic first reader: the map
  was just published (its data version bumped), the worker built its first reads (mapapp/answers.py,
  build_ahead; the time it took is printed), then a cold browser opens the map. On runserver (no worker) the
  cold load is a reader who asks first and waits for every answer to be built;
- key press to painted frame: the slider focused, 50 presses of ArrowRight and 30 of PageDown (the change
  before), each timed in the page from the keydown event's timestamp to the first task after the next animation
  frame (the frame that shows the new day: style, layout, paint and the canvas commit done). Median and p95;
  target (issue #15) p95 <= 33 ms at 10k zones, <= 50 ms at 50k;
- work per step, from a Chromium trace of those presses: the renderer main thread's busy time (its top-level
  tasks: input, script, style, layout, paint) between each keydown and that frame, not counting the wait for
  the screen's refresh. Target (issue #15) <= 8 ms on the demo, <= 16 ms at 10k, <= 33 ms at 50k;
- the step alone (window.frontlineViewer.setDay timed with performance.now(), as before): script only.

BENCH_VIEWER_PARTS limits the figures (default "load,keys,colours"), BENCH_VIEWER_ZONES the synthetic maps:
`BENCH_VIEWER_ZONES=10000 BENCH_VIEWER_PARTS=load python -m bench viewer` gives the cold loads of the demo and
10k alone.

The viewer's colours against /zones on sampled dates are checked in tests/browser/test_viewer_arcs.py (a smaller
map); here the same check runs on each synthetic map (zones whose fill differs, of all).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
STEPS = 50

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


# Installed before each key press: resolves with [ms from the keydown to the first task after the next frame, the
# keydown's and that moment's performance.now()] and marks both in the trace (User Timing).
ARM_KEY = """
(index) => {
  window.__step = new Promise((resolve) => {
    window.addEventListener("keydown", (event) => {
      const t0 = event.timeStamp;
      performance.mark("step-" + index + "-start", { startTime: t0 });
      requestAnimationFrame(() => setTimeout(() => {
        const t1 = performance.now();
        performance.mark("step-" + index + "-end");
        resolve([t1 - t0, t0, t1]);
      }, 0));
    }, { once: true, capture: true });
  });
}
"""

# The viewer's fill of every zone against /zones on a date: [zones, zones whose fill differs, first few].
COLOURS = """
async ({ dates, slug }) => {
  const viewer = window.frontlineViewer;
  let zones = 0, wrong = 0;
  const examples = [];
  for (const iso of dates) {
    viewer.setDay(viewer.calendar.dayOf(iso), "none");
    const answer = await (await fetch("/api/v1/maps/" + slug + "/zones?date=" + iso)).json();
    for (const feature of answer.features) {
      const z = viewer.zoneIndex(feature.id);
      const fill = viewer.layers.layers[z].options.fillColor;
      const contested = feature.properties.status === "contested";
      const ok = feature.properties.color === null
        ? viewer.layers.layers[z].options.fillOpacity < 0.5
        : contested ? fill instanceof CanvasPattern || String(fill).startsWith("url(")
        : String(fill).toLowerCase() === feature.properties.color.toLowerCase();
      zones++;
      if (ok) continue;
      wrong++;
      if (examples.length < 3) examples.push([iso, feature.id, String(fill), feature.properties.color]);
    }
  }
  return [zones, wrong, examples];
}
"""

TARGETS = {"demo": (8, None, 0.1), 10000: (16, 33, 1.0), 50000: (33, 50, 4.0)}


def _busy_per_step(trace: dict, steps: int) -> list[float]:
    """Per step, the renderer main thread's busy time (ms) between its start and end marks: the sum of its
    top-level tasks overlapping that window, each cut to it."""
    events = trace["traceEvents"]
    marks: dict[str, tuple[int, int, float]] = {}
    for event in events:
        name = event.get("name", "")
        if name.startswith("step-") and (name.endswith("-start") or name.endswith("-end")) and "ts" in event:
            marks[name] = (event["pid"], event["tid"], event["ts"])
    if not marks:
        return []
    pid, tid, _ts = next(iter(marks.values()))
    tasks = sorted(
        (event["ts"], event["ts"] + event.get("dur", 0))
        for event in events
        if event.get("ph") == "X" and event.get("pid") == pid and event.get("tid") == tid
        and event.get("name") in ("ThreadControllerImpl::RunTask", "RunTask")
        and "toplevel" in event.get("cat", "")
    )  # fmt: skip
    busy = []
    for index in range(steps):
        start, end = marks.get(f"step-{index}-start"), marks.get(f"step-{index}-end")
        if not start or not end:
            continue
        total = 0.0
        for begin, finish in tasks:
            if finish <= start[2] or begin >= end[2]:
                continue
            total += min(finish, end[2]) - max(begin, start[2])
        busy.append(total / 1000)
    return busy


def measure_keys(browser, base: str, slug: str, label: str, target: tuple) -> list[tuple]:
    """Key press to painted frame, and main-thread work per step from a trace, for ArrowRight and PageDown."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    results = []
    try:
        for key, presses, date in (("ArrowRight", 50, "start"), ("PageDown", 30, "end")):
            page.goto(f"{base}/maps/{slug}/")
            page.wait_for_selector("[data-viewer][data-ready=true]", timeout=180000)
            if date == "end":  # PageDown steps back a change at a time: start from the last day
                page.evaluate("window.frontlineViewer.setDay(window.frontlineViewer.history.end, 'none')")
            else:
                page.evaluate("window.frontlineViewer.setDay(window.frontlineViewer.history.start + 30, 'none')")
            page.focus("[data-control=slider]")
            for _ in range(5):  # warm-up: JIT, first paints of the patches
                page.evaluate(ARM_KEY, -1)
                page.keyboard.press(key)
                page.evaluate("window.__step")
            browser.start_tracing(page=page, categories=["toplevel", "blink.user_timing", "devtools.timeline"])
            times = []
            for index in range(presses):
                page.evaluate(ARM_KEY, index)
                page.keyboard.press(key)
                times.append(page.evaluate("window.__step")[0])
            trace = json.loads(browser.stop_tracing())
            busy = _busy_per_step(trace, presses)
            work_target, frame_target, _mb = target
            prefix = f"{label}, {key}"
            results += [
                (f"{prefix}: key press to painted frame, median", round(statistics.median(times), 2), "ms"),
                (f"{prefix}: key press to painted frame, p95"
                 + (f" (target <= {frame_target} ms)" if frame_target else ""), round(p95(times), 2), "ms"),
            ]  # fmt: skip
            if busy:
                results += [
                    (f"{prefix}: work per step (trace), median", round(statistics.median(busy), 2), "ms"),
                    (f"{prefix}: work per step (trace), p95 (target <= {work_target} ms)", round(p95(busy), 2), "ms"),
                ]
        return results
    finally:
        context.close()


# When the last API answer the page had asked for before it was ready had come (ms from navigation start): what
# a cold map waits for on the server and the wire, the rest of its time to ready is the browser's.
ANSWERS_IN = """
() => Math.max(0, ...performance.getEntriesByType("resource")
  .filter((entry) => entry.name.includes("/api/")).map((entry) => entry.responseEnd))
"""


# A publish as the worker sees it, in the make-run server's environment: the map's data version bumped (what every
# publish, withdrawal and map edit does, mapapp/versioning.py), which asks the worker (started beside gunicorn) to
# build the map's first reads (mapapp/answers.py, build_ahead); then wait for the queue to be empty. Prints the
# seconds from the task's enqueueing to its end, as the worker recorded them.
PUBLISH = """
import time
from django.db.models import Q
from django_tasks.backends.database.models import DBTaskResult
from mapapp import versioning
versioning.maps_bump(Q(slug=%r))
tasks = DBTaskResult.objects.filter(task_path__endswith="build_ahead_task").order_by("-enqueued_at")
task = tasks.first()
began = time.monotonic()
while task is None or task.status in ("READY", "RUNNING"):
    if time.monotonic() - began > 600:
        raise SystemExit("the worker did not build the first reads in 10 minutes")
    time.sleep(0.05)
    task = tasks.first()
assert task.status == "SUCCEEDED", (task.status, task.traceback)
print((task.finished_at - task.enqueued_at).total_seconds(), task.return_value)
"""


def publish_and_build(env: dict, slug: str, label: str) -> list[tuple]:
    seconds, built = manage(env, "shell", "-c", PUBLISH % slug).splitlines()[-1].split()
    return [(f"{label}: publish to first reads built by the worker ({built} answers)", round(float(seconds) * 1000),
             "ms")]  # fmt: skip


def wire_weight(browser, base: str, slug: str, label: str, target_mb: float, server: str = "runserver") -> list[tuple]:
    """A cold load's bytes on the wire (encoded bodies and headers as received) and its time to ready. On the
    make-run server the map was just published and its first reads built by the worker (publish_and_build): a
    reader with a cold browser, the realistic first one; on runserver (no worker) the first reader builds them."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    try:
        began = time.perf_counter()
        page.goto(f"{base}/maps/{slug}/")
        page.wait_for_selector("[data-viewer][data-ready=true]", timeout=180000)
        ready = (time.perf_counter() - began) * 1000
        answers_in = page.evaluate(ANSWERS_IN)
        page.wait_for_load_state("networkidle")
        rows = []
        deployed = 0  # the same, had the static files come brotli'd too (collectstatic's copies, whitenoise)
        for request in requests:
            sizes = request.sizes()
            wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            rows.append((request.url.replace(base, ""), wire))
            response = request.response()
            if response and not response.headers.get("content-encoding") and "/static/" in request.url:
                deployed += sizes["responseHeadersSize"] + len(brotli.compress(response.body(), quality=11))
            else:
                deployed += wire
        total = sum(size for _url, size in rows)
        how = "published, first reads built by the worker" if server == "make run" else "first reader builds"
        results = [
            (f"{label}: map ready, cold ({server}, loopback; {how})", round(ready), "ms"),
            (f"{label}: ... of which until the last answer asked for had come", round(answers_in), "ms"),
        ]
        if server == "make run":  # the next reader: a browser as cold, the answers already built by the first
            again = browser.new_context(viewport={"width": 1280, "height": 800})
            try:
                second = again.new_page()
                began = time.perf_counter()
                second.goto(f"{base}/maps/{slug}/")
                second.wait_for_selector("[data-viewer][data-ready=true]", timeout=180000)
                results.append((f"{label}: ... the next reader (cold browser, answers read once)",
                                round((time.perf_counter() - began) * 1000), "ms"))  # fmt: skip
            finally:
                again.close()
        for url, size in sorted(rows, key=lambda row: -row[1])[:4]:
            results.append((f"{label}:   {url[:52]}", round(size / 1024, 1), "KB on the wire"))
        results += [
            (f"{label}: bytes on the wire ({server}), cold, {len(rows)} requests", round(total / 1e6, 3), "MB"),
            (f"{label}: ... / {target_mb} MB target", round(total / 1e6 / target_mb, 3), "x"),
        ]
        if server == "runserver":  # an estimate from runserver's answers (modules unbundled), beside make run's
            results += [
                (f"{label}: ... with the static files brotli'd", round(deployed / 1e6, 3), "MB"),
                (f"{label}: ... / {target_mb} MB target", round(deployed / 1e6 / target_mb, 3), "x"),
            ]
        return results
    finally:
        context.close()


def colours(browser, base: str, slug: str, label: str) -> list[tuple]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/maps/{slug}/")
        page.wait_for_selector("[data-viewer][data-ready=true]", timeout=180000)
        start, end = page.evaluate("[window.frontlineViewer.history.start, window.frontlineViewer.history.end]")
        days = [start + (end - start) * k // 4 for k in range(5)]
        dates = page.evaluate("(days) => days.map((d) => window.frontlineViewer.calendar.isoOf(d))", days)
        zones, wrong, examples = page.evaluate(COLOURS, {"dates": dates, "slug": slug})
        return [(f"{label}: zone fills unlike /zones on {len(dates)} dates, of {zones}"
                 + (f" (e.g. {examples[0]})" if examples else ""), wrong, "zones")]  # fmt: skip
    finally:
        context.close()


def _zone_sizes() -> list[int]:
    return [int(n) for n in os.environ.get("BENCH_VIEWER_ZONES", "5000,10000").split(",") if n.strip()]


def _database(env: dict) -> None:
    """The demo and a synthetic map per size, made once and kept in the database (BENCH_REBUILD=1: again)."""
    manage(env, "migrate", "--noinput", "-v", "0")
    listing = "from mapapp.models import Map; print(' '.join(Map.objects.values_list('slug', flat=True)))"
    have = manage(env, "shell", "-c", listing).split()
    rebuild = bool(os.environ.get("BENCH_REBUILD"))
    if "deir-ez-zor" not in have:
        manage(env, "load_demo")
    for zones in _zone_sizes():
        slug = f"synthetic-{zones}"
        if slug in have and not rebuild:
            continue
        began = time.perf_counter()
        manage(env, "make_synthetic_map", "--zones", str(zones), "--slug", slug, "--replace")
        print(f"   {slug} built in {time.perf_counter() - began:.0f} s", flush=True)


def run() -> list[tuple]:
    from playwright.sync_api import sync_playwright

    (ROOT / "var").mkdir(exist_ok=True)
    url = os.environ.get("BENCH_VIEWER_URL", f"spatialite:///{ROOT / 'var' / 'bench-viewer.sqlite3'}")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-viewer-only"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "mapapp.settings",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("MAP_TILES_URL", None)
    _database(env)
    # BENCH_VIEWER_PARTS: which figures (default all): load (cold loads and bytes), keys (key press to frame, work
    # per step), colours (the viewer's fills against /zones).
    parts = set(os.environ.get("BENCH_VIEWER_PARTS", "load,keys,colours").split(","))
    results: list[tuple] = []
    maps = [("deir-ez-zor", "demo", TARGETS["demo"])] + [
        (f"synthetic-{n}", f"{n // 1000}k", TARGETS.get(n, TARGETS[10000] if n <= 10000 else TARGETS[50000]))
        for n in _zone_sizes()
    ]
    with tempfile.TemporaryDirectory(prefix="bench-viewer-") as cache:
        env["ANSWER_CACHE_DIR"] = f"{cache}/answers"  # this run's only: the first load of each map is cold
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Beside it, the app as `make run` serves it: collected static files and gunicorn.
        run_env = {**env, "STATIC_MANIFEST": "true", "STATIC_ROOT": f"{cache}/static", "WEB_WORKERS": "2",
                   "ANSWER_CACHE_DIR": f"{cache}/run-answers"}  # fmt: skip
        manage(run_env, "collectstatic", "--noinput", "-v", "0")
        run_port = free_port()
        run_base = f"http://127.0.0.1:{run_port}"
        gunicorn = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{run_port}"],
            cwd=ROOT,
            env=run_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker = subprocess.Popen(  # as `make run` starts it beside gunicorn
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],
            cwd=ROOT,
            env=run_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"{base}/api/v1/maps/")
            wait_for(f"{run_base}/api/v1/maps/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
                )
                try:
                    load = os.getloadavg()[0]
                    results.append(("machine load average (1 min) at start; high means noisy timings", load, ""))
                    for slug, label, target in maps:
                        if "load" in parts:
                            results += publish_and_build(run_env, slug, label)
                            results += wire_weight(browser, run_base, slug, label, target[2], "make run")
                            results += wire_weight(browser, base, slug, label, target[2])
                        if "keys" in parts:
                            results += measure_keys(browser, base, slug, label, target)
                        if label != "demo" and "colours" in parts:
                            results += colours(browser, base, slug, label)
                        if os.environ.get("BENCH_VIEWER_SETDAY"):
                            results += measure_steps(browser, base, slug, label)
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
            worker.terminate()
            worker.wait(timeout=30)
    return results
