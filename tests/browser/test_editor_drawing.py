"""Drawing the ground that changed hands on the mark page, in Chromium under the real Content-Security-Policy: an
editor draws a polygon across al-Joura with the polygon tool (Leaflet-Geoman), the preview names the zone it would
split, its parts and their km², saving records a draft carrying the drawn geometry, and once a reviewer publishes
it from the queue the map's al-Joura is two parts, one held by the change's actor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gazetteer.models import Place
from mapapp.lib import geo
from mapapp.models import ControlChange, Map, ReviewState
from tests.browser.test_csp import assert_clean, watch
from tests.browser.test_editor_workflow import DATE, log_in, wait_for_zones, zone_actor

pytestmark = [pytest.mark.browser, pytest.mark.csp]


def screen_point(page, map_id: str, lon: float, lat: float) -> tuple[float, float]:
    return page.evaluate(
        """([mapId, lat, lon]) => {
            const map = window['leafletmap' + mapId];
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [map_id, lat, lon],
    )


def test_an_editor_draws_the_ground_previews_its_parts_saves_and_publishing_splits_the_zone(
    live_server, browser, page, demo, people
):
    base = live_server.url
    joura = Place.objects.get(slug="al-joura")
    minx, miny, maxx, maxy = joura.footprint.extent
    console = watch(page)

    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    response = page.goto(f"{base}/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)
    page.locator("#mark-map").scroll_into_view_if_needed()
    # The editor zooms to al-Joura (as with the wheel; the whole province is too small to draw a district on).
    page.evaluate(
        "([a, b, c, d]) => window['leafletmapmark-map']"
        ".fitBounds([[b, a], [d, c]], {animate: false, padding: [90, 90]})",
        [minx, miny, maxx, maxy],
    )

    # --- the polygon tool: four corners around al-Joura's western half, then the first corner again ------------
    page.locator(".leaflet-pm-toolbar .leaflet-pm-icon-polygon").click()
    middle = (minx + maxx) / 2
    pad_x, pad_y = (maxx - minx) * 0.2, (maxy - miny) * 0.2
    corners = [
        (minx - pad_x, miny - pad_y),
        (middle, miny - pad_y),
        (middle, maxy + pad_y),
        (minx - pad_x, maxy + pad_y),
    ]
    for lon, lat in [*corners, corners[0]]:
        x, y = screen_point(page, "mark-map", lon, lat)
        page.mouse.click(x, y)
    expect(page.locator("body")).to_have_attribute("data-ground", "1")
    # a click while drawing picked no zone
    expect(page.locator("body")).to_have_attribute("data-selected", "")

    page.select_option("#id_actor", "isis")
    expect(page.locator("body")).to_have_attribute("data-preview-for", "+ground")
    splits = page.locator("#ground-splits li")
    expect(page.locator("#ground-summary")).to_be_visible()
    expect(splits.first).to_be_visible()
    expect(page.locator("#ground-splits li[data-place=al-joura]")).to_contain_text("al-Joura")
    expect(page.locator("#ground-splits li[data-place=al-joura]")).to_contain_text("km² inside the ground")
    headline = page.locator("#ground-headline").text_content()
    assert "publishing splits" in headline and "km²" in headline, headline
    count = splits.count()
    assert f"into {2 * count} parts" in headline, headline
    # the preview table lists the zones touched, al-Joura from the government, counted for the inside only
    expect(page.locator("#preview-table tr[data-place=al-joura] td").nth(1)).to_have_text("Syrian government (held)")
    expect(page.locator("#preview-summary .preview-headline")).to_contain_text("change hands")
    inside_km2 = float(
        page.locator("#ground-splits li[data-place=al-joura]").text_content().split(": ")[1].split(" km²")[0]
    )
    assert 0 < inside_km2 < joura.area_km2
    # the ground, snapped to the zones, is drawn on the after map
    expect(page.locator("#preview-map path:not(.leaflet-interactive)").first).to_be_attached()

    page.fill("#source-0-url", "https://example.org/deir-ez-zor-west-joura")
    page.fill("#source-0-title", "ISIS takes the western half of al-Joura")
    page.click("#save-change")
    saved = page.locator("#saved-note")
    expect(saved).to_be_visible()
    expect(saved).to_contain_text("The drawn ground is saved with the draft.")
    expect(page.locator("body")).to_have_attribute("data-ground", "0")
    assert_clean(page, console, response)

    change = ControlChange.objects.get(pk=int(saved.get_attribute("data-change-id")))
    assert change.review_state == ReviewState.DRAFT
    assert change.geometry is not None and change.map.slug == "deir-ez-zor"
    drawn = geo.to_shapely(change.geometry)
    assert drawn.bounds[0] < minx and abs(drawn.bounds[2] - middle) < (maxx - minx) * 0.1
    assert change.places.count() == 0
    assert not Place.objects.filter(kind="part").exists()  # a draft splits nothing

    # --- a reviewer publishes it from the queue: al-Joura is split on the map ------------------------------
    reviewer_context = browser.new_context(viewport={"width": 1200, "height": 900})
    reviewer = reviewer_context.new_page()
    try:
        log_in(reviewer, base, "rafiq", "/admin/mapapp/controlchange/review/")
        card = reviewer.locator(f"#change-{change.pk}")
        expect(card).to_be_visible()
        card.locator(".publish-button").click()
        expect(reviewer.locator(".messagelist")).to_contain_text(f"Change #{change.pk} is published.")
        parts = list(Place.objects.filter(kind="part", parent=joura))
        assert len(parts) == 2
        map_ = Map.objects.get(slug="deir-ez-zor")
        assert not map_.places.filter(pk=joura.pk).exists()
        assert set(map_.places.filter(kind="part", parent=joura)) == set(parts)
        assert sorted(zone_actor(reviewer, base, part.slug, DATE) for part in parts) == ["government", "isis"]
        assert {zone_actor(reviewer, base, part.slug, "2017-06-19") for part in parts} == {"government"}
        areas = sorted(part.area_km2 for part in parts)
        # Within 0.01%: a cut puts a new vertex on a long edge, and the two geodesic halves of that edge do not
        # follow the one geodesic it was (the split is exact in longitude/latitude).
        assert sum(areas) == pytest.approx(geo.area_km2(joura.footprint), rel=1e-4)
        inside = next(p for p in parts if zone_actor(reviewer, base, p.slug, DATE) == "isis")
        assert inside.area_km2 == pytest.approx(inside_km2, abs=0.01)
    finally:
        reviewer_context.close()


def test_an_editor_cuts_a_zone_with_a_line_picks_a_side_and_saves_that_side_as_the_ground(
    live_server, page, demo, people
):
    """The line tool: a line drawn north to south through al-Joura's middle cuts it in two; the side chosen
    (right of the line as drawn: walking south, the west) is the ground the preview counts and the draft keeps."""
    base = live_server.url
    joura = Place.objects.get(slug="al-joura")
    minx, miny, maxx, maxy = joura.footprint.extent
    console = watch(page)

    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    response = page.goto(f"{base}/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)
    page.locator("#mark-map").scroll_into_view_if_needed()
    page.evaluate(
        "([a, b, c, d]) => window['leafletmapmark-map']"
        ".fitBounds([[b, a], [d, c]], {animate: false, padding: [90, 90]})",
        [minx, miny, maxx, maxy],
    )
    expect(page.locator("#cut-side")).to_be_hidden()

    # --- the line tool: from north of al-Joura to south of it, through its middle; the last corner again ends it
    page.locator(".leaflet-pm-toolbar .leaflet-pm-icon-polyline").click()
    middle = (minx + maxx) / 2
    pad_y = (maxy - miny) * 0.2
    north, south = (
        screen_point(page, "mark-map", middle, maxy + pad_y),
        screen_point(page, "mark-map", middle, miny - pad_y),
    )
    page.mouse.click(*north)
    page.mouse.click(*south)
    page.mouse.click(*south)
    expect(page.locator("body")).to_have_attribute("data-cut", "1")
    expect(page.locator("body")).to_have_attribute("data-ground", "0")
    expect(page.locator("body")).to_have_attribute("data-selected", "")  # the clicks picked no zone
    expect(page.locator("#cut-side")).to_be_visible()
    expect(page.locator("#ground-state")).to_contain_text("A cut line is drawn")

    page.select_option("#id_actor", "isis")
    expect(page.locator("body")).to_have_attribute("data-preview-for", "+cut-left")
    expect(page.locator("#ground-splits li[data-place=al-joura]")).to_contain_text("km² inside the ground")
    left_km2 = float(
        page.locator("#ground-splits li[data-place=al-joura]").text_content().split(": ")[1].split(" km²")[0]
    )
    page.check("#cut-side input[value=right]")
    expect(page.locator("body")).to_have_attribute("data-preview-for", "+cut-right")
    row = page.locator("#ground-splits li[data-place=al-joura]")
    expect(row).to_contain_text("km² inside the ground")
    right_km2 = float(row.text_content().split(": ")[1].split(" km²")[0])
    # The two sides share al-Joura between them.
    assert left_km2 + right_km2 == pytest.approx(joura.area_km2, abs=0.02)
    expect(page.locator("#preview-table tr[data-place=al-joura] td").nth(1)).to_have_text("Syrian government (held)")

    page.fill("#source-0-url", "https://example.org/deir-ez-zor-joura-west-cut")
    page.fill("#source-0-title", "ISIS takes al-Joura west of the road")
    page.click("#save-change")
    saved = page.locator("#saved-note")
    expect(saved).to_be_visible()
    expect(saved).to_contain_text("The drawn ground is saved with the draft.")
    expect(page.locator("body")).to_have_attribute("data-cut", "0")
    expect(page.locator("#cut-side")).to_be_hidden()
    assert_clean(page, console, response)

    change = ControlChange.objects.get(pk=int(saved.get_attribute("data-change-id")))
    assert change.review_state == ReviewState.DRAFT and change.map.slug == "deir-ez-zor"
    ground = geo.to_shapely(change.geometry)
    # Walking south, the right is the west: the ground is al-Joura's western side, up to the line.
    assert ground.bounds[0] == pytest.approx(minx, abs=1e-6)
    assert abs(ground.bounds[2] - middle) < (maxx - minx) * 0.05
    assert geo.area_km2(ground) == pytest.approx(right_km2, abs=0.01)
    assert not Place.objects.filter(kind="part").exists()  # a draft splits nothing
