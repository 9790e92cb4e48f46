"""The canvas viewer's repaint of a step, paired in one page (not run by `python -m bench`).

    PYTHONPATH=. .venv/bin/python bench/viewer_patch_pairs.py [SLUG]      # default synthetic-10000

On bench_viewer's database (BENCH_VIEWER_URL; build it with `python -m bench viewer`), the map opened once; 63 steps
by change (back from the last day) and 63 by day. After each step the repaint still waiting for its frame is done
synchronously once per cell size in BENCH_VIEWER_CELLS (default "64,32,24,16"; patch-canvas.js options.cellSize),
the same changed boxes each time, the order rotated per step, each followed by getImageData of one pixel (which
makes the canvas rasterize what was recorded), so each figure is script plus raster. Prints per size the median,
mean and p90 (ms), and the median over steps of its time over the first size's: the pairing cancels the machine's
load.
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

STEPS = """
async ({ mode, steps, sizes }) => {
  const v = window.frontlineViewer, h = v.history;
  const renderers = new Set();
  v.map.eachLayer((l) => { if (l._renderer && l._renderer._ctx) renderers.add(l._renderer); });
  const use = (r, n) => {
    r.options.cellSize = n;
    if (!r._grid || r._grid.size !== n) r._buildGrid(n);  // a grid is built once per pan or zoom: not timed
  };
  const out = Object.fromEntries(sizes.map((n) => [n, []]));
  const repaint = (rotate) => {
    const t = Object.fromEntries(sizes.map((n) => [n, 0]));
    for (const r of renderers) {
      if (!r._redrawRequest) continue;
      L.Util.cancelAnimFrame(r._redrawRequest);
      const boxes = r._dirtyBoxes;
      for (let k = 0; k < sizes.length; k++) {
        const n = sizes[(k + rotate) % sizes.length];
        use(r, n);
        r._dirtyBoxes = boxes ? boxes.slice() : null;
        const t0 = performance.now();
        r._redraw();
        r._ctx.getImageData(0, 0, 1, 1);
        t[n] += performance.now() - t0;
      }
      delete r.options.cellSize;
    }
    return t;
  };
  let day = mode === "change" ? h.end : h.start + 30;
  v.setDay(day, "none");
  repaint(0);
  for (let i = 0; i < steps; i++) {
    let next = mode === "change" ? h.nextChangeDay(day, -1) : day + 1;
    if (next === null || next < h.start || next > h.end) next = mode === "change" ? h.end : h.start + 30;
    day = next;
    v.setDay(day, "none");
    const t = repaint(i % sizes.length);
    if (i >= 3) for (const n of sizes) out[n].push(t[n]);
  }
  return out;
}
"""


def main(slug: str) -> None:
    from playwright.sync_api import sync_playwright

    sizes = [int(n) for n in os.environ.get("BENCH_VIEWER_CELLS", "64,32,24,16").split(",")]
    url = os.environ.get("BENCH_VIEWER_URL", f"spatialite:///{ROOT / 'var' / 'bench-viewer.sqlite3'}")
    port = bv.free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "viewer-pairs", "DEBUG": "0",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "mapapp.settings", "LOG_LEVEL": "ERROR",
           "ANSWER_CACHE_DIR": tempfile.mkdtemp(prefix="viewer-pairs-")}  # fmt: skip
    env.pop("MAP_TILES_URL", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        bv.wait_for(base + "/api/v1/maps/", 60)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=bv.CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context, page, _ms = bv.open_viewer(browser, f"{base}/maps/{slug}/")
            print(f"load average {os.getloadavg()}")
            for mode in ("change", "day"):
                run = page.evaluate(STEPS, {"mode": mode, "steps": 63, "sizes": sizes})
                first = run[str(sizes[0])]
                print(f"{slug}, step by {mode} ({len(first)} steps): repaint + raster per cell size")
                for n in sizes:
                    values = run[str(n)]
                    pairs = [v / f for v, f in zip(values, first, strict=True) if f > 0.5]
                    ratio = f"{statistics.median(pairs):.2f}" if pairs else "-"
                    median, mean = statistics.median(values), statistics.mean(values)
                    p90 = sorted(values)[int(0.9 * len(values))]
                    figures = f"median {median:7.2f}  mean {mean:7.2f}  p90 {p90:7.2f}"
                    print(f"  {n:3} px: {figures}  paired / {sizes[0]} px {ratio}")
            print(f"load average {os.getloadavg()}")
            context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "synthetic-10000")
