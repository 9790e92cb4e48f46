"""The editor's and reviewer's admin pages as a journalist meets them: no empty error box, readable counters,
the sides named in the page's language, and a history page that reads as sentences, not as database ids."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from gazetteer.models import Place
from mapapp import services
from mapapp.models import Actor, ControlChange
from tests.browser.test_editor_workflow import DATE, click_zone, log_in, wait_for_zones

pytestmark = pytest.mark.browser

CONTRAST = """(el) => {
  // WCAG contrast of an element's text against the first opaque background behind it.
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  let node = el, bg = null;
  while (node && !bg) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) bg = c;
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_the_mark_page_opens_without_an_empty_error_box_and_the_count_is_readable(live_server, page, demo, people):
    base = live_server.url
    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    # Before: the admin's .errornote display beat [hidden]; a red box with nothing in it stood under the intro.
    expect(page.locator("#form-errors")).to_be_hidden()
    expect(page.locator("#saved-note")).to_be_hidden()

    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)
    click_zone(page, "mark-map", "al-joura")
    count = page.locator("#selected-count")
    expect(count).to_have_text(re.compile(r"1"))
    # Before: blue on the admin's blue module header, about 1.5:1.
    assert count.evaluate(CONTRAST) >= 4.5

    page.click("#save-change")  # no source yet: the box appears, with the reason in it
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#form-errors")).to_contain_text("source")
    assert page.js_errors == []


def test_the_arabic_mark_page_names_the_sides_in_arabic_in_the_place_list(live_server, browser, demo, people):
    context = browser.new_context(bypass_csp=True, locale="ar", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "edna", "/admin/mapapp/controlchange/mark/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#id_date", DATE)
        page.dispatch_event("#id_date", "change")
        wait_for_zones(page, DATE)
        holder = page.locator("#place-list li[data-place=al-joura] .holder")
        expect(holder).to_contain_text("الحكومة السورية")  # before: "Syrian government" on the Arabic page
        assert "Syrian government" not in holder.inner_text()
    finally:
        context.close()


def test_the_history_page_names_the_side_and_shows_no_deleted_user_for_an_empty_reviewer(
    live_server, page, demo, people
):
    government = Actor.objects.get(slug="government")
    change = services.control_change_record(
        on=dt.date(2017, 6, 20),
        places=[Place.objects.get(slug="cemeteries")],
        actor=government,
        status="held",
        sources=[services.source_create(title="Army advances near the cemeteries", publisher="SANA")],
        publish=False,
        by=people.editor,
    )
    services.control_change_publish(change=ControlChange.objects.get(pk=change.pk), by=people.reviewer)

    log_in(page, live_server.url, "rafiq", f"/admin/mapapp/controlchange/{change.pk}/history/")
    title = page.locator("#content h1").inner_text()
    assert "Syrian government" in title and f" {government.pk} " not in title  # before: "2017-06-20 1 held"
    delta = page.locator("#change-history tbody tr").first.inner_text()
    assert "Reviewed by" in delta and "rafiq" in delta
    assert "Deleted" not in delta and "pk=None" not in delta  # before: "Deleted user (pk=None) → rafiq"
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", delta)  # before: "2026-11-28 15:49:38.725268+00:00"


def widget_view(page, widget: str) -> tuple[float, float, int]:
    return page.evaluate(
        "w => { const m = window[w]; const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }", widget
    )


def test_a_new_place_is_drawn_on_a_widget_opened_over_the_maps_ground(live_server, page, demo, people):
    # Before: the footprint and label-point widgets of "Add place" opened on the whole world (a 10,000 km scale
    # bar over a grey box), and a journalist had to find Deir ez-Zor by zooming in a dozen times.
    log_in(page, live_server.url, "rafiq", "/admin/gazetteer/place/add/")
    page.wait_for_function("() => window['leafletmapid_footprint-map'] && window['leafletmapid_label_point-map']")
    west, south, east, north = demo.area.extent
    for widget in ("leafletmapid_footprint-map", "leafletmapid_label_point-map"):
        lat, lng, zoom = widget_view(page, widget)
        assert south < lat < north and west < lng < east
        assert zoom >= 10
    # a place with a footprint still opens on its own outline
    joura = Place.objects.get(slug="al-joura")
    page.goto(f"{live_server.url}/admin/gazetteer/place/{joura.pk}/change/")
    page.wait_for_function("() => window['leafletmapid_footprint-map']")
    lat, lng, zoom = widget_view(page, "leafletmapid_footprint-map")
    assert joura.footprint.extent[1] < lat < joura.footprint.extent[3] and zoom >= 13


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_mark_page_ticks_the_places_an_article_surely_names_and_says_why_not_for_the_others(
    live_server, browser, demo, people, language
):
    context = browser.new_context(bypass_csp=True, locale=language, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        base = live_server.url
        log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#id_date", DATE)
        page.dispatch_event("#id_date", "change")
        wait_for_zones(page, DATE)
        # الجورة and القصور are named as places; الصناعة ("industry") is also the name of a district, here
        # with nothing around it that makes it one.
        page.fill("#article-text", "اشتباكات عنيفة في الجورة والقصور، وخطة لدعم الصناعة")
        page.click("#find-places")
        rows = page.locator("#article-places li")
        expect(rows).to_have_count(3, timeout=30000)  # matched on the server: seconds on a busy machine
        for slug in ("al-joura", "al-qusour"):
            row = page.locator(f"#article-places li[data-place={slug}]")
            expect(row).to_have_attribute("data-confident", "true")
            expect(row.locator("input")).to_be_checked()
            expect(page.locator(f"#place-list li[data-place={slug}] input")).to_be_checked()
        doubtful = page.locator("#article-places li[data-place=al-sinaa]")
        expect(doubtful).to_have_attribute("data-confident", "false")
        expect(doubtful.locator("input")).not_to_be_checked()
        why = {"en": "a common word", "ar": "كلمة شائعة"}[language]
        expect(doubtful.locator(".place-why")).to_contain_text(why)
        mark = page.locator("#article-matches mark[data-place=al-sinaa]")
        expect(mark).to_have_class(re.compile("is-doubtful"))
        assert why in mark.get_attribute("title")
        expect(page.locator("body")).to_have_attribute("data-selected", "al-joura,al-qusour")
        # The editor may still take it: a tick selects the zone on the map and in the list.
        doubtful.locator("input").check()
        expect(page.locator("body")).to_have_attribute("data-selected", "al-joura,al-qusour,al-sinaa")
        expect(page.locator("#place-list li[data-place=al-sinaa] input")).to_be_checked()
        expect(mark).to_have_class(re.compile("is-selected"))
        assert errors == []
    finally:
        context.close()
