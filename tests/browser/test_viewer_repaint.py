"""The canvas viewer's repaint of only what changed (static/js/viewer/patch-canvas.js: the grid cells a step's
changed paths reach, joined into rectangles, each path filled from a kept Path2D): after steps back and forth, a
pan and a zoom, every canvas holds the pixels Leaflet's own full redraw paints (every path walked point by point,
no clip).

Not to the last bit: Skia anti-aliases a path drawn inside a clip slightly otherwise than the same path
unclipped, so a few pixels on the edges of lines differ (measured: up to 66 of 255 levels on 7 to 23 pixels of a
190,000-pixel canvas, most below 10 levels). A shape drawn where it no longer is, or not drawn again,
differs by its whole colour over hundreds of pixels (a kept Path2D not rebuilt after the zoom: thousands)."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "[data-viewer][data-ready=true]"
SLUG = "repaint-test"
ZONES = 300
NEAR = 16  # levels of 255 (premultiplied by alpha) a pixel may differ by: anti-aliasing
STRAY = 40  # pixels per canvas allowed beyond that: anti-aliasing on the clip's edges


@pytest.fixture
def synthetic(db):
    call_command("make_synthetic_map", "--zones", str(ZONES), "--slug", SLUG, "--years", "1", "--seed", "7")


# In the page: for each canvas renderer on the map, its pixels as painted now, then Leaflet's own full redraw
# (L.Canvas's path walk, no kept Path2D, no cells) and its pixels; then the patching renderer paints all again.
# A repaint still waiting for its frame (a flash that just ended) is done first, through the patches.
# Returns, per canvas, [pixels that differ, their count, paths drawn].
SAME_AS_FULL_REDRAW = """
() => {
  const map = window.frontlineViewer.map;
  const renderers = new Set();
  map.eachLayer((layer) => { if (layer._renderer && layer._renderer._ctx) renderers.add(layer._renderer); });
  const out = [];
  for (const renderer of renderers) {
    if (renderer._redrawRequest) {  // a repaint asked for since the last frame (the end of a flash): done now
      L.Util.cancelAnimFrame(renderer._redrawRequest);
      renderer._redraw();
    }
    const canvas = renderer._container;
    const ctx = renderer._ctx;
    const now = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    renderer._updatePoly = L.Canvas.prototype._updatePoly;  // Leaflet's own, shadowing the patching one
    renderer._redrawBounds = null;
    renderer._clear();
    renderer._draw();
    delete renderer._updatePoly;
    const full = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let differ = 0, far = 0, most = 0, painted = 0;
    const examples = [];
    for (let i = 0; i < full.length; i += 4) {
      if (full[i + 3]) painted++;
      const gap = Math.max(Math.abs(now[i] * now[i + 3] - full[i] * full[i + 3]) / 255,
                           Math.abs(now[i + 1] * now[i + 3] - full[i + 1] * full[i + 3]) / 255,
                           Math.abs(now[i + 2] * now[i + 3] - full[i + 2] * full[i + 3]) / 255,
                           Math.abs(now[i + 3] - full[i + 3]));
      if (!gap) continue;
      differ++;
      most = Math.max(most, gap);
      if (gap > %NEAR%) {
        far++;
        if (examples.length < 3) examples.push([(i / 4) % canvas.width, Math.floor(i / 4 / canvas.width),
                                                Array.from(now.slice(i, i + 4)), Array.from(full.slice(i, i + 4))]);
      }
    }
    renderer._redrawBounds = null;
    renderer._clear();
    renderer._draw();
    out.push({ pane: renderer.options.pane, differ, far, most, examples, painted });
  }
  return out;
}
"""

DAY = "() => document.querySelector('[data-control=slider]').value"
FRAME = "() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))"


def assert_same_as_full_redraw(page, when):
    canvases = page.evaluate(SAME_AS_FULL_REDRAW.replace("%NEAR%", str(NEAR)))
    assert {canvas["pane"] for canvas in canvases} >= {"overlayPane"}, canvases  # fronts and sieges on it too
    for canvas in canvases:
        assert canvas["far"] <= STRAY, (when, canvas)
    zones = next(canvas for canvas in canvases if canvas["pane"] == "overlayPane")
    assert zones["painted"] > 10000, zones  # the zones' canvas is not blank


def press(page, key, times):
    for _ in range(times):
        page.keyboard.press(key)
        page.evaluate(FRAME)


def test_the_patched_canvas_holds_what_a_full_redraw_paints_after_steps_zoom_and_pan(page, live_server, synthetic):
    page.goto(f"{live_server.url}/maps/{SLUG}/?renderer=canvas")
    page.wait_for_selector(READY, timeout=60000)
    assert page.locator("[data-viewer]").get_attribute("data-renderer") == "canvas"
    page.evaluate("window.frontlineViewer.setDay(window.frontlineViewer.history.end, 'none')")
    page.evaluate(FRAME)
    page.focus("[data-control=slider]")
    press(page, "PageDown", 6)  # back a change at a time: the zones that changed, and their fronts, repaint
    assert_same_as_full_redraw(page, "after PageDown")
    press(page, "PageUp", 3)
    assert_same_as_full_redraw(page, "after PageUp")

    # A pan and a zoom project the zones again: the kept shapes must follow, or the next patches draw them
    # where they were.
    for move, when in (
        ("window.frontlineViewer.map.panBy([150, -90], { animate: false })", "after a pan"),
        (
            "window.frontlineViewer.map.setZoom(window.frontlineViewer.map.getZoom() + 1, { animate: false })",
            "after a zoom",
        ),
    ):
        page.evaluate(f"() => {{ {move}; }}")
        page.evaluate(FRAME)
        page.focus("[data-control=slider]")
        before = page.evaluate(DAY)
        press(page, "PageDown", 3)
        press(page, "ArrowRight", 2)
        assert page.evaluate(DAY) != before
        assert_same_as_full_redraw(page, when)
    assert page.js_errors == []
