"""Text from the record is text on the editor's pages too. An editor renames zones to script; a reviewer who
moves the mouse over them on the mark page, the review queue or a history page runs nothing, and reads the names
as they were typed (tooltips, the place list, the preview table, the history).

Before: the editor's maps handed names to Leaflet's bindTooltip as strings, which Leaflet puts in as HTML; the
<img onerror> name ran its script in the reviewer's browser, and the <script> name showed an empty tooltip."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from gazetteer.models import Place
from gazetteer.services import place_update
from mapapp import services
from mapapp.models import Actor
from tests.browser.test_editor_workflow import DATE, log_in, wait_for_zones

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"
IMG_AR = "<img src=y onerror=\"window.__xss='ar'\">"
RENAMED = {"al-joura": (IMG, IMG_AR), "al-qusour": (SCRIPT, "")}

# Centre the map on a point inside the zone, close enough in that the zone fills the middle of the map, and say
# where that is on the screen.
AIM = """([mapId, lat, lon]) => {
  const map = window['leafletmap' + mapId];
  map.getContainer().scrollIntoView({ block: "center" });
  map.setView([lat, lon], Math.max(map.getZoom(), 14), { animate: false });
  const box = map.getContainer().getBoundingClientRect();
  const p = map.latLngToContainerPoint([lat, lon]);
  return [box.left + p.x, box.top + p.y];
}"""


def rename(slug: str, name_en: str, name_ar: str) -> None:
    place = Place.objects.get(slug=slug)
    place_update(
        place=place,
        name_en=name_en,
        name_ar=name_ar,
        kind=place.kind,
        parent=place.parent,
        label_point=place.label_point,
        footprint=place.footprint,
        footprint_approximate=place.footprint_approximate,
        footprint_method=place.footprint_method,
        coord_basis=place.coord_basis,
        uncertainty_m=place.uncertainty_m,
        source=place.source,
        notes=place.notes,
    )


def zones_on(page, base: str) -> dict[str, tuple[float, float]]:
    """Every zone of the demo map on DATE (with a footprint), with a point inside it."""
    data = page.request.get(f"{base}/api/v1/maps/deir-ez-zor/zones?date={DATE}").json()
    slugs = [f["id"] for f in data["features"] if f["geometry"]]
    inside = {p.slug: p.footprint.point_on_surface for p in Place.objects.filter(slug__in=slugs)}
    return {slug: (inside[slug].y, inside[slug].x) for slug in slugs}


# The text a reader sees in the tooltip of the zone under the point (Leaflet links a zone's path to its open
# tooltip with aria-describedby), or null while none is open.
TOOLTIP = """([x, y]) => {
  const under = document.elementFromPoint(x, y);
  const id = under && under.getAttribute("aria-describedby");
  const tooltip = id && document.getElementById(id);
  return tooltip ? [tooltip.innerText] : null;
}"""


def hover_and_click_every_zone(page, map_id: str, zones: dict, click: bool) -> dict[str, str | None]:
    """Move the mouse onto each zone in turn as a person would (and click it); returns the text of each zone's
    tooltip (None when none opened)."""
    tooltips = {}
    for slug, (lat, lon) in zones.items():
        tooltips[slug] = None  # no tooltip opened: the assertions below say which zone
        for _attempt in range(2):  # aimed again if the page moved under the mouse (a preview appearing)
            page.mouse.move(1, 1)
            x, y = page.evaluate(AIM, [map_id, lat, lon])
            page.mouse.move(x, y)
            try:
                [tooltips[slug]] = page.wait_for_function(TOOLTIP, arg=[x, y], timeout=2000).json_value()
                break
            except PlaywrightTimeout:
                continue
        if click:
            page.mouse.click(x, y)
    page.mouse.move(1, 1)
    return tooltips


# Elements a name made: an image with a handler, a script carrying the payload.
PLANTED = """() => Array.from(document.querySelectorAll("img[onerror], script"))
  .filter((e) => e.tagName === "IMG" || e.textContent.includes("__xss")).length"""


def assert_no_script_ran(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", f"window.__xss = {page.evaluate('window.__xss')}"
    assert page.evaluate(PLANTED) == 0
    assert page.js_errors == []


def test_zone_names_written_as_script_stay_text_on_the_editors_pages(live_server, browser, page, demo, people):
    base = live_server.url
    for slug, (name_en, name_ar) in RENAMED.items():
        rename(slug, name_en, name_ar)
    english = {p.slug: p.name_en for p in Place.objects.all()}
    assert english["al-joura"] == IMG and english["al-qusour"] == SCRIPT  # stored as typed
    draft = services.control_change_record(
        on=dt.date.fromisoformat(DATE),
        places=[Place.objects.get(slug=slug) for slug in RENAMED],
        actor=Actor.objects.get(slug="isis"),
        status="contested",
        sources=[services.source_create(title="A report", publisher="Example Wire")],
        by=people.editor,
    )
    zones = zones_on(page, base)
    assert set(RENAMED) <= set(zones) and len(zones) > 10

    # --- the mark page: both maps hovered, every zone clicked (selected), the list and the preview ---------------
    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)
    before = hover_and_click_every_zone(page, "mark-map", zones, click=True)
    expect(page.locator("body")).to_have_attribute("data-selected", ",".join(sorted(zones)))
    expect(page.locator("body")).to_have_attribute("data-preview-for", ",".join(sorted(zones)))
    after = hover_and_click_every_zone(page, "preview-map", zones, click=True)
    assert_no_script_ran(page)
    assert before == after == {slug: english[slug] for slug in zones}  # each zone's own name, as text
    for slug, (name_en, name_ar) in RENAMED.items():
        item = page.locator(f"#place-list li[data-place={slug}]")
        expect(item.locator(".name-en")).to_have_text(name_en)
        if name_ar:
            expect(item.locator(".name-ar")).to_have_text(name_ar)
        expect(page.locator(f"#preview-table tr[data-place={slug}] td").first).to_have_text(name_en)
    assert_no_script_ran(page)

    # --- the review queue, as the reviewer who would publish ------------------------------------------------
    reviewer_context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 800})
    reviewer = reviewer_context.new_page()
    reviewer.js_errors = []
    reviewer.on("pageerror", lambda exc: reviewer.js_errors.append(str(exc)))
    try:
        log_in(reviewer, base, "rafiq", "/admin/mapapp/controlchange/review/")
        card = reviewer.locator(f"#change-{draft.pk}")
        expect(card).to_have_attribute("data-map-ready", "true")
        map_id = card.locator(".leaflet-container").get_attribute("id")
        queue = hover_and_click_every_zone(reviewer, map_id, zones, click=True)
        assert_no_script_ran(reviewer)
        assert queue == {slug: english[slug] for slug in zones}
        for slug, (name_en, _) in RENAMED.items():
            expect(card.locator(f".preview-table tr[data-place={slug}] td").first).to_have_text(name_en)

        # --- the history pages: the draft's, and the renamed place's ------------------------------------------
        reviewer.goto(f"{base}/admin/mapapp/controlchange/{draft.pk}/history/")
        expect(reviewer.locator("#change-history")).to_be_visible()
        assert_no_script_ran(reviewer)
        for slug, (name_en, _) in RENAMED.items():
            place = Place.objects.get(slug=slug)
            reviewer.goto(f"{base}/admin/gazetteer/place/{place.pk}/history/")
            expect(reviewer.locator("#change-history")).to_contain_text(name_en)
            for row in reviewer.locator("#change-history tbody tr").all():
                row.hover()
                row.click(position={"x": 2, "y": 2})
            assert_no_script_ran(reviewer)
    finally:
        reviewer_context.close()


def test_arabic_zone_names_written_as_script_stay_text_on_the_arabic_mark_page(live_server, browser, demo, people):
    for slug, (name_en, name_ar) in RENAMED.items():
        rename(slug, name_en, name_ar)
    shown = {p.slug: p.name_ar or p.name_en for p in Place.objects.all()}  # the Arabic page's names
    context = browser.new_context(bypass_csp=True, locale="ar", viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    try:
        zones = zones_on(page, live_server.url)
        log_in(page, live_server.url, "edna", "/admin/mapapp/controlchange/mark/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#id_date", DATE)
        page.dispatch_event("#id_date", "change")
        wait_for_zones(page, DATE)
        tooltips = hover_and_click_every_zone(page, "mark-map", zones, click=False)
        assert_no_script_ran(page)
        assert tooltips == {slug: shown[slug] for slug in zones}
        assert tooltips["al-joura"] == IMG_AR and tooltips["al-qusour"] == SCRIPT  # no Arabic name: the English
    finally:
        context.close()
