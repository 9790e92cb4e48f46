"""A/B of the map viewer between two checkouts, interleaved, on bench_viewer's database (not run by `python -m bench`).

    PYTHONPATH=. .venv/bin/python bench/viewer_ab.py OLD_CHECKOUT NEW_CHECKOUT   # e.g. a `git worktree` of main

Each checkout serves the same database (BENCH_VIEWER_URL; build it first with `python -m bench viewer`) from its own
runserver; BENCH_VIEWER_AB_ROUNDS rounds (default 3) alternate which goes first. Per round and side: bench_viewer's
key press to painted frame and trace work per step (ArrowRight and PageDown) on BENCH_VIEWER_AB_SLUG (default
synthetic-10000), and a whole redraw of the zones' canvas (with the fronts and sieges drawn on it, where they are)
timed in the page with its raster (median of 15). Prints each figure's
median over rounds, B/A and the per-round values: on a shared machine the ratio of interleaved runs is the figure to
read, not the milliseconds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_viewer as bv  # noqa: E402

REDRAW = """
() => {
  const r = window.frontlineViewer.layers.layers[0]._renderer;
  const t = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    r._redrawBounds = null;
    r._clear();
    r._draw();
    r._ctx.getImageData(0, 0, 1, 1);  // rasterized here: Chromium may raster a long recording mid-draw or at the frame
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[7];
}
"""


def main(old: str, new: str) -> None:
    from playwright.sync_api import sync_playwright

    sides = {"A": old, "B": new}
    rounds = int(os.environ.get("BENCH_VIEWER_AB_ROUNDS", "3"))
    slug = os.environ.get("BENCH_VIEWER_AB_SLUG", "synthetic-10000")
    url = os.environ.get("BENCH_VIEWER_URL", f"spatialite:///{ROOT / 'var' / 'bench-viewer.sqlite3'}")
    servers, bases, results = {}, {}, {side: {} for side in sides}
    cache = tempfile.mkdtemp(prefix="viewer-ab-")
    for side, root in sides.items():
        port = bv.free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "viewer-ab", "DEBUG": "0",
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "mapapp.settings",
               "LOG_LEVEL": "ERROR", "ANSWER_CACHE_DIR": f"{cache}/{side}"}  # fmt: skip
        env.pop("MAP_TILES_URL", None)
        servers[side] = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        bases[side] = f"http://127.0.0.1:{port}"
    try:
        for side in sides:
            bv.wait_for(bases[side] + "/api/v1/maps/", 60)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=bv.CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            for index in range(rounds):
                for side in ("A", "B") if index % 2 == 0 else ("B", "A"):
                    print(f"round {index} {side}, load {os.getloadavg()[0]:.1f}", flush=True)
                    for name, value, _unit in bv.measure_keys(browser, bases[side], slug, side, (16, 33, 1.0)):
                        key = name.split(", ", 1)[1].split(" (target")[0]
                        results[side].setdefault(key, []).append(value)
                    context, page, _ms = bv.open_viewer(browser, f"{bases[side]}/maps/{slug}/")
                    results[side].setdefault("whole redraw and raster of the zones' canvas (median of 15)", []).append(
                        round(page.evaluate(REDRAW), 2)
                    )
                    context.close()
            browser.close()
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    print(f"load average at the end {os.getloadavg()}")
    for key, a_values in results["A"].items():
        a, b = statistics.median(a_values), statistics.median(results["B"][key])
        print(f"{key:<58} A {a:8.2f}  B {b:8.2f}  B/A {b / a:5.2f}   (A {a_values}, B {results['B'][key]})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
