"""A/B of opening a map for the next reader between two checkouts, interleaved (not run by `python -m bench`).

    PYTHONPATH=. .venv/bin/python bench/viewer_open_ab.py OLD_CHECKOUT NEW_CHECKOUT   # e.g. a `git worktree` of main

Each checkout is served as `make run` serves it (collected static files, gunicorn) from its own copy of
bench_viewer's database (BENCH_VIEWER_URL, built by `python -m bench viewer`; copied so that neither side's
writes reach the other). Each side's answers for BENCH_VIEWER_AB_SLUG (default synthetic-10000) are built by a
first load; then BENCH_VIEWER_AB_ROUNDS rounds (default 6) alternate which side goes first, each load in a cold
browser context: the time from navigation start to the viewer's ready flag in the page (a MutationObserver), and
from page.goto (wall). On a shared machine read the ratio of the medians, not the milliseconds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_viewer as bv  # noqa: E402

OBSERVE = """
new MutationObserver((records, observer) => {
  const root = document.querySelector("[data-viewer]");
  if (root && root.dataset.ready === "true") { window.__readyAt = performance.now(); observer.disconnect(); }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
"""


def main(old: str, new: str) -> None:
    from playwright.sync_api import sync_playwright

    slug = os.environ.get("BENCH_VIEWER_AB_SLUG", "synthetic-10000")
    rounds = int(os.environ.get("BENCH_VIEWER_AB_ROUNDS", "6"))
    source = os.environ.get("BENCH_VIEWER_URL", f"spatialite:///{ROOT / 'var' / 'bench-viewer.sqlite3'}")
    assert source.startswith("spatialite:///"), "a SpatiaLite database (copied for each side)"
    work = Path(tempfile.mkdtemp(prefix="viewer-open-ab-"))
    servers = []

    def serve(name: str, checkout: str) -> str:
        database = work / f"{name}.sqlite3"
        shutil.copy(source.removeprefix("spatialite://"), database)
        env = {**os.environ, "DATABASE_URL": f"spatialite:///{database}", "SECRET_KEY": "bench-only", "DEBUG": "0",
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "mapapp.settings",
               "LOG_LEVEL": "ERROR", "STATIC_MANIFEST": "true", "STATIC_ROOT": str(work / name / "static"),
               "WEB_WORKERS": "2", "ANSWER_CACHE_DIR": str(work / name / "answers")}  # fmt: skip
        env.pop("MAP_TILES_URL", None)
        subprocess.run(
            [bv.PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=checkout, env=env, check=True
        )
        port = bv.free_port()
        servers.append(subprocess.Popen(
            [str(Path(bv.PYTHON).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
            cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        bv.wait_for(f"{base}/api/v1/maps/")
        return base

    sides = {"A": serve("A", old), "B": serve("B", new)}
    found: dict[str, tuple[list, list]] = {name: ([], []) for name in sides}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=bv.CHROMIUM, args=["--no-sandbox", "--disable-gpu"])

            def load(base: str) -> tuple[float, float]:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(OBSERVE)
                page = context.new_page()
                began = time.perf_counter()
                page.goto(f"{base}/maps/{slug}/")
                page.wait_for_selector("[data-viewer][data-ready=true]", timeout=180000)
                wall = (time.perf_counter() - began) * 1000
                in_page = page.evaluate("window.__readyAt")
                context.close()
                return wall, in_page

            for base in sides.values():
                load(base)  # builds the answers: what follows is the next reader
            for index in range(rounds):
                for name in list(sides) if index % 2 == 0 else list(sides)[::-1]:
                    wall, in_page = load(sides[name])
                    found[name][0].append(wall)
                    found[name][1].append(in_page)
            browser.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{slug}, {rounds} rounds; load average (1 min) at the end {os.getloadavg()[0]:.1f}")
    medians = {}
    for name, (wall, in_page) in found.items():
        medians[name] = statistics.median(in_page)
        print(f"{name}: next reader ready, in page median {medians[name]:.0f} ms {[round(v) for v in in_page]}; "
              f"from page.goto median {statistics.median(wall):.0f} ms")  # fmt: skip
    print(f"B/A (in page): {medians['B'] / medians['A']:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
