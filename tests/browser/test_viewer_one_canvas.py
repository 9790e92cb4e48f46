"""On a canvas map the fronts and siege perimeters are drawn on the zones' own canvas (lines.js, patch-canvas.js):
a step changes one canvas, not three (Chromium copies each canvas changed in a frame whole to the compositor).
Lines stay above the zones and sieges above fronts, whatever order they first appeared in; the pixels after steps
equal a full redraw (tests/browser/test_viewer_repaint.py)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "[data-viewer][data-ready=true]"

# The map's canvases, and the zones' renderer's draw list as tiers (0 zones, 1 fronts, 2 sieges), in draw order.
LAYOUT = """() => {
  const viewer = window.frontlineViewer;
  const renderer = viewer.layers.layers[0]._renderer;
  const tiers = [];
  for (let link = renderer._drawFirst; link; link = link.next) tiers.push(link.layer.options.patchTier || 0);
  const shown = (tier) => Object.values(renderer._layers).filter(
    (layer) => (layer.options.patchTier || 0) === tier && layer.options.stroke).length;
  return {
    canvases: document.querySelectorAll(".leaflet-container canvas").length,
    tiers,
    fronts: shown(1),
    sieges: shown(2),
    frontCount: viewer.layers.frontCount(),
  };
}"""


def test_fronts_and_sieges_are_drawn_on_the_zones_canvas_above_them(page, live_server, demo):
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2014-01-01&renderer=canvas")
    page.wait_for_selector(READY)
    assert page.locator("[data-viewer]").get_attribute("data-renderer") == "canvas"
    # Forwards through the siege's start (siege lines appear after fronts already drawn) and then back.
    for iso in ("2014-07-15", "2015-02-01", "2016-03-01", "2017-06-15", "2014-12-10", "2017-11-03"):
        page.evaluate("(iso) => window.frontlineViewer.setDay(window.frontlineViewer.calendar.dayOf(iso), 'none')", iso)
        layout = page.evaluate(LAYOUT)
        assert layout["canvases"] == 1, (iso, layout["canvases"])
        assert layout["tiers"] == sorted(layout["tiers"]), iso  # zones, then fronts, then sieges
        assert layout["fronts"] == layout["frontCount"], iso
    seen = page.evaluate(LAYOUT)["tiers"]
    assert 1 in seen and 2 in seen  # both kinds of line were drawn on this canvas at some date
    assert page.js_errors == []
