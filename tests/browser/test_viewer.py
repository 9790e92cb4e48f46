"""The public map viewer in Chromium: what a reader can do on /maps/<slug>/ (issue #3)."""

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point

from mapapp.models import Map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "[data-viewer][data-ready=true]"
# The viewer's own delays (static/js/viewer/): a changed zone's flash (layers.js), the rest before the day summary
# asks the server (summary.js), the rest before the URL is written (viewer.js). Tests that would wait them out
# move the page's clock (Playwright's, installed before the page opens and running with real time otherwise) past
# them instead.
FLASH_MS = 900
SETTLE_MS = 350
URL_REST_MS = 300


def open_map(page, live_server, slug="deir-ez-zor", query="", viewport=None, clock=False):
    """clock: the page runs on Playwright's clock (see FLASH_MS), as url_written needs."""
    if viewport:
        page.set_viewport_size(viewport)
    if clock:
        page.clock.install()
        page.clocked = True
    page.goto(f"{live_server.url}/maps/{slug}/{query}")
    page.wait_for_selector(READY, timeout=15000)
    return page


def zone_fill(page, slug):
    return page.locator(f'path.zone[data-zone="{slug}"]').get_attribute("fill")


def viewer_date(page):
    return page.locator("[data-viewer]").get_attribute("data-date")


def url_written(page):
    """The viewer writes the URL once its steps have rested for URL_REST_MS: the page's clock is moved past that
    rest (the page opened with open_map(..., clock=True)), then the write is waited for."""
    assert getattr(page, "clocked", False), "open the map with clock=True"
    page.clock.run_for(URL_REST_MS)
    page.wait_for_selector("[data-viewer][data-url=written]", timeout=5000)


def query(page):
    url_written(page)
    return dict(re.findall(r"[?&]([^=&]+)=([^&]*)", page.url))


def test_the_map_opens_at_the_date_in_the_url_with_zones_coloured_by_holder(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-06-01")
    assert viewer_date(page) == "2016-06-01"
    assert page.locator("[data-control=date-label]").inner_text() == "1 June 2016"
    assert page.locator("path.zone").count() == 34
    assert zone_fill(page, "al-joura") == "#c62828"  # government
    assert zone_fill(page, "al-hweiqa") == "#3b3b3b"  # ISIS
    assert page.locator(".siege-marker").count() == 1
    assert page.js_errors == []


def test_stepping_the_slider_repaints_without_asking_the_server(page, live_server, demo):
    open_map(page, live_server, query="?date=2014-07-13", clock=True)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    assert zone_fill(page, "al-hweiqa") == "#2e7d32"  # rebels
    page.locator("[data-control=slider]").focus()
    page.keyboard.press("ArrowRight")
    assert viewer_date(page) == "2014-07-14"
    assert zone_fill(page, "al-hweiqa") == "#3b3b3b"  # ISIS took the rebel districts that day
    assert query(page)["date"] == "2014-07-14"
    # the map's state for the new day is worked out in the browser: nothing is fetched for it (the day summary
    # asks /fronts and /sieges once a date has settled, on its own timer: see test_on_this_day_...)
    summary = ("/fronts?", "/sieges?")
    assert [url for url in requests if "/api/" in url and not any(part in url for part in summary)] == []


def test_home_page_leads_to_the_demo_map(live_server, page, demo):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Siege of Deir ez-Zor, 2014–2017").first.click()
    page.wait_for_url("**/maps/deir-ez-zor/**")
    page.wait_for_selector(READY)
    assert page.get_by_role("slider", name="Date").is_visible()


def test_clicking_a_zone_shows_its_names_holder_since_confidence_and_sources(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-10-01")
    page.locator('path.zone[data-zone="jabal-al-tharda"]').click()
    panel = page.locator("[data-panel=root]")
    assert panel.is_visible()
    assert page.locator("[data-panel=title]").inner_text() == "Jabal al-Tharda"
    text = panel.inner_text()
    assert "جبل الثردة" in text
    assert "Syrian government" in text
    assert "17 September 2016" in text  # held since
    assert "September 2016 Deir ez-Zor air raid" in text  # the source of the change
    assert page.js_errors == []


def test_a_place_name_from_the_database_is_shown_as_text(page, live_server, world):
    from gazetteer.services import place_create
    from tests.conftest import square

    hostile = place_create(
        slug="hostile",
        name_en="<img src=x onerror=alert(1)>",
        name_ar="<b>عنوان</b>",
        kind="district",
        footprint=square(0.0, 0.0, 0.2),
        label_point=Point(0.1, 0.1, srid=4326),
    )
    world.change("2015-01-01", [hostile], "gov")
    world.map(slug="hostile-map", zones=[hostile])
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_map(page, live_server, slug="hostile-map")
    page.locator('path.zone[data-zone="hostile"]').click()
    heading = page.locator("[data-panel=title]")
    assert heading.inner_text() == "<img src=x onerror=alert(1)>"
    assert page.locator("[data-panel=root] img").count() == 0
    assert page.locator(".zone-label img").count() == 0
    assert page.locator(".zone-label").first.inner_text() == "<img src=x onerror=alert(1)>"
    page.wait_for_timeout(300)
    assert dialogs == []


def go_to(page, iso):
    page.locator("[data-control=date-input]").fill(iso)
    page.locator("[data-control=date-input]").dispatch_event("change")


def test_previous_and_next_change_buttons_and_page_keys_step_by_change(page, live_server, demo):
    open_map(page, live_server, query="?date=2014-07-01")
    page.get_by_role("button", name="Next change").click()
    assert viewer_date(page) == "2014-07-14"
    page.get_by_role("button", name="Next change").click()
    assert viewer_date(page) == "2014-12-03"
    page.get_by_role("button", name="Previous change").click()
    assert viewer_date(page) == "2014-07-14"
    page.get_by_role("button", name="Next day").click()
    assert viewer_date(page) == "2014-07-15"
    page.get_by_role("button", name="Previous day").click()
    page.get_by_role("button", name="Previous day").click()
    assert viewer_date(page) == "2014-07-13"
    slider = page.get_by_role("slider", name="Date")
    slider.focus()
    page.keyboard.press("PageUp")
    assert viewer_date(page) == "2014-07-14"
    page.keyboard.press("PageDown")
    assert viewer_date(page) < "2014-07-14"
    page.keyboard.press("End")
    assert viewer_date(page) == "2017-12-31"
    assert slider.get_attribute("aria-valuetext") == "31 December 2017"


def test_the_date_picker_moves_the_map_and_a_date_outside_the_range_snaps_to_its_end(page, live_server, demo):
    open_map(page, live_server)
    go_to(page, "2017-09-06")
    assert viewer_date(page) == "2017-09-06"
    assert page.locator("[data-control=date-label]").inner_text() == "6 September 2017"
    go_to(page, "2019-01-01")
    assert viewer_date(page) == "2017-12-31"
    assert page.locator("[data-control=date-input]").input_value() == "2017-12-31"


def test_play_animates_through_the_days_at_the_chosen_speed_and_pause_stops(page, live_server, demo):
    open_map(page, live_server, query="?date=2014-01-01")
    page.get_by_label("Speed").select_option("365")
    play = page.locator("[data-control=play]")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    assert play.get_attribute("aria-label") == "Pause"
    page.wait_for_function("document.querySelector('[data-viewer]').dataset.date > '2014-03-01'")
    play.click()
    assert play.get_attribute("aria-pressed") == "false"
    stopped_at = viewer_date(page)
    page.wait_for_timeout(400)
    assert viewer_date(page) == stopped_at


def test_the_slider_shows_a_histogram_of_the_changes_from_the_timeline(page, live_server, demo, client):
    import orjson

    events = orjson.loads(client.get("/api/v1/maps/deir-ez-zor/timeline").content)["events"]
    in_range = [e for e in events if "2014-01-01" <= e["date"] <= "2017-12-31"]
    open_map(page, live_server)
    ticks = page.locator("[data-control=ticks] rect.tick")
    assert ticks.count() == len(in_range) > 5
    assert [ticks.nth(i).get_attribute("data-date") for i in range(ticks.count())] == [e["date"] for e in in_range]


def test_contested_zones_are_hatched_and_besieged_ground_is_outlined_and_marked(page, live_server, demo):
    open_map(page, live_server, query="?date=2014-12-10")
    assert re.fullmatch(r"url\(#viewer\d+-hatch-1\)", zone_fill(page, "al-jafra"))  # contested, with ISIS in it
    assert page.locator("pattern[id$='-hatch-1'] rect").first.get_attribute("fill") == "#3b3b3b"
    assert page.locator(".siege-marker").count() == 0  # the siege begins 2015-01-15
    go_to(page, "2015-06-01")
    assert page.locator(".siege-marker").count() == 1
    go_to(page, "2017-03-01")  # the enclave is two pockets from January 2017
    assert page.locator(".siege-marker").count() == 2
    assert page.locator(".siege-marker").first.inner_text() == "Besieged"
    siege_edges = page.locator(".leaflet-viewer-sieges-pane path[stroke='#6a1b9a']")
    assert siege_edges.count() > 5  # the perimeters of the two pockets
    assert page.locator('path.zone[data-zone="al-joura"]').get_attribute("stroke") == "#4a148c"
    go_to(page, "2017-09-10")  # relieved on the 9th
    assert page.locator(".siege-marker").count() == 0


def test_front_lines_run_where_different_sides_meet(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-06-01")
    fronts = page.evaluate("window.frontlineViewer.layers.frontCount()")
    assert fronts > 10
    shown = page.locator(".leaflet-viewer-fronts-pane path[stroke='#111111']")
    assert shown.count() == fronts
    assert page.locator(".leaflet-viewer-fronts-pane path[stroke='none']").count() == 0  # none hidden yet
    go_to(page, "2017-12-31")  # the city is all the government's by then, the rest ISIS or SDF
    later = page.evaluate("window.frontlineViewer.layers.frontCount()")
    assert later != fronts
    assert page.locator(".leaflet-viewer-fronts-pane path[stroke='#111111']").count() == later
    # exactly the edges between zones of two different holders are shown
    assert later == page.evaluate(
        """() => {
            const v = window.frontlineViewer, s = v.history.stateAt(v.day);
            return v.layers.edges.filter((e) => e.b >= 0 && s.actor[e.a] >= 0 && s.actor[e.b] >= 0
                && s.actor[e.a] !== s.actor[e.b]).length;
        }"""
    )


def test_zones_that_changed_since_the_last_step_are_briefly_highlighted(page, live_server, demo):
    page.clock.install()  # runs with real time; moved past the flash below instead of waiting it out
    open_map(page, live_server, query="?date=2014-07-13")
    zone = page.locator('path.zone[data-zone="al-hweiqa"]')
    unchanged = page.locator('path.zone[data-zone="al-joura"]')
    assert zone.get_attribute("stroke") == "#ffffff"
    page.get_by_role("button", name="Next day").click()
    assert zone.get_attribute("stroke") == "#ffd400"
    assert unchanged.get_attribute("stroke") != "#ffd400"
    page.clock.run_for(FLASH_MS + 100)
    page.wait_for_function(
        "document.querySelector('path.zone[data-zone=\"al-hweiqa\"]').getAttribute('stroke') === '#ffffff'"
    )


def test_the_zone_panel_lists_the_earlier_history_with_sources(page, live_server, demo):
    open_map(page, live_server, query="?date=2015-06-01")
    page.get_by_label("Find a zone").select_option(label="al-Hweiqa")
    panel = page.locator("[data-panel=root]")
    assert page.locator("[data-panel=title]").inner_text() == "al-Hweiqa"
    periods = panel.locator(".periods > li")
    assert periods.count() >= 2
    current = panel.locator(".period.current")
    assert "Islamic State (ISIS)" in current.inner_text()
    assert "14 July 2014 to 2 November 2017" in current.inner_text()  # the last day, inclusive
    assert "Rebels" in periods.last.inner_text()
    assert panel.locator(".change .sources a").first.get_attribute("href").startswith("http")
    # the panel follows the slider
    go_to(page, "2014-07-01")
    assert "Rebels" in panel.locator(".period.current").inner_text()
    page.keyboard.press("Escape")
    page.locator("[data-panel=close]").click()
    assert panel.is_hidden()


def test_compare_two_dates_gives_the_ground_gained_and_lost_by_each_side(page, live_server, demo, client):
    import orjson

    open_map(page, live_server, query="?date=2017-12-31", clock=True)
    page.get_by_text("Compare two dates").click()
    page.locator("[data-compare=from]").fill("2016-06-01")
    page.locator("[data-compare=from]").dispatch_event("change")
    url_written(page)
    assert "compare=2016-06-01" in page.url
    table = page.locator("[data-compare=results]")
    expected = orjson.loads(client.get("/api/v1/maps/deir-ez-zor/changes?from=2016-06-01&to=2017-12-31").content)
    for actor, totals in expected["area_km2"].items():
        row = table.locator(f"tr[data-actor={actor}]")
        assert row.locator(".gained").inner_text() == f"{totals['gained']:.2f} km²"
        assert row.locator(".lost").inner_text() == f"{totals['lost']:.2f} km²"
    government = expected["area_km2"]["government"]
    assert government["net"] > 0
    assert table.locator("tr[data-actor=government] .net").inner_text() == f"+{government['net']:.2f} km²"
    # Zones that changed hands stand out; the others fade.
    assert page.locator('path.zone[data-zone="al-hweiqa"]').get_attribute("stroke") == "#000000"
    assert float(page.locator('path.zone[data-zone="al-joura"]').get_attribute("fill-opacity")) < 0.3
    page.locator("[data-compare=toggle]").click()
    url_written(page)
    assert "compare=" not in page.url
    assert float(page.locator('path.zone[data-zone="al-joura"]').get_attribute("fill-opacity")) > 0.5


def test_the_area_chart_marks_the_date_and_a_click_moves_the_map_there(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-01-01")
    cursor = page.locator(".area-chart .cursor")
    assert cursor.get_attribute("data-day") == "730"
    assert page.locator(".area-chart .series").count() >= 2
    readout = page.locator("[data-chart=readout]").inner_text()
    assert "Syrian government" in readout and "km²" in readout
    assert page.get_by_text("Ground held over time (km²)").is_visible()  # the axis numbers' unit
    plot = page.locator(".area-chart .plot").bounding_box()
    page.mouse.click(plot["x"] + plot["width"] * 0.25, plot["y"] + plot["height"] / 2)
    assert "2014-12-01" < viewer_date(page) < "2015-01-31"
    assert cursor.get_attribute("data-day") == str(
        (dt.date.fromisoformat(viewer_date(page)) - dt.date(2014, 1, 1)).days
    )


def test_arabic_interface_is_right_to_left_with_arabic_names_strings_and_dates(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-06-01&lang=ar")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert page.locator(".viewer-header .map-title").inner_text() == "حصار دير الزور، ٢٠١٤–٢٠١٧"
    assert page.locator("[data-control=play]").get_attribute("aria-label") == "تشغيل"
    assert page.get_by_role("slider", name="التاريخ").is_visible()
    assert page.get_by_role("button", name="التغيير التالي").is_visible()
    date_label = page.locator("[data-control=date-label]").inner_text()
    assert "يونيو" in date_label  # June, formatted by Intl for Arabic
    labels = page.locator(".zone-label").all_inner_texts()
    assert "الجورة" in labels and "al-Joura" not in labels
    legend = page.locator(".legend").inner_text()
    assert "الحكومة السورية" in legend and "متنازع عليها" in legend
    page.locator('path.zone[data-zone="al-joura"]').click()
    panel = page.locator("[data-panel=root]")
    assert page.locator("[data-panel=title]").inner_text() == "الجورة"
    assert panel.locator(".other-name").inner_text() == "al-Joura"
    assert "تحت سيطرة" in panel.inner_text() and "الحكومة السورية" in panel.inner_text()
    # The side panel sits on the left in a right-to-left layout, the map on the right.
    side = page.locator(".viewer-side").bounding_box()
    map_box = page.locator(".viewer-map").bounding_box()
    assert side["x"] < map_box["x"]
    assert page.js_errors == []


def test_the_language_switch_keeps_the_date_view_and_comparison(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-06-01&compare=2015-01-01", clock=True)
    page.get_by_role("button", name="Next change").click()
    moved_to = viewer_date(page)
    page.get_by_role("link", name="العربية").click()
    page.wait_for_selector(READY)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert viewer_date(page) == moved_to
    state = query(page)
    assert state["lang"] == "ar" and state["compare"] == "2015-01-01"
    page.get_by_role("link", name="English").click()
    page.wait_for_selector(READY)
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert viewer_date(page) == moved_to


def test_a_copied_url_opens_exactly_what_the_reader_saw(page, live_server, demo, browser):
    open_map(page, live_server, query="?date=2017-02-01", clock=True)
    page.evaluate("window.frontlineMap.setView([35.30, 40.15], 13.5, {animate: false})")
    page.get_by_text("Compare two dates").click()
    page.locator("[data-compare=from]").fill("2016-01-01")
    page.locator("[data-compare=from]").dispatch_event("change")
    page.get_by_role("button", name="Next change").click()
    url_written(page)
    shared = page.url
    state = query(page)
    assert (float(state["lat"]), float(state["lng"]), state["z"]) == (35.3, 40.15, "13.5")
    assert state["compare"] == "2016-01-01"
    summary = page.locator("[data-compare=summary]").inner_text()

    other = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        other.goto(shared)
        other.wait_for_selector(READY)
        assert viewer_date(other) == state["date"]
        centre = other.evaluate("(() => { const c = window.frontlineMap.getCenter(); return [c.lat, c.lng]; })()")
        assert centre == pytest.approx([35.30, 40.15], abs=1e-4)
        assert other.evaluate("window.frontlineMap.getZoom()") == 13.5
        assert other.locator("[data-compare=root]").get_attribute("data-active") == "true"
        assert other.locator("[data-compare=summary]").inner_text() == summary
    finally:
        other.close()


def test_bad_values_in_the_url_are_ignored_not_trusted(page, live_server, demo):
    open_map(page, live_server, query="?date=2016-02-30&compare=yesterday&lat=999&lng=x&z=3&lang=xx")
    assert viewer_date(page) == "2017-06-15"  # the map's default date
    assert page.locator("[data-compare=root]").get_attribute("data-active") == "false"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("window.frontlineMap.getZoom()") > 8  # fitted to the zones, not zoom 3
    assert page.js_errors == []


def test_the_back_button_steps_back_through_dates(page, live_server, demo):
    open_map(page, live_server, query="?date=2014-07-01", clock=True)
    page.get_by_role("button", name="Next change").click()
    url_written(page)
    page.get_by_role("button", name="Next change").click()
    url_written(page)
    assert viewer_date(page) == "2014-12-03"
    page.go_back()
    page.wait_for_function("document.querySelector('[data-viewer]').dataset.date === '2014-07-14'")
    assert zone_fill(page, "al-hweiqa") == "#3b3b3b"
    page.go_back()
    page.wait_for_function("document.querySelector('[data-viewer]').dataset.date === '2014-07-01'")
    assert zone_fill(page, "al-hweiqa") == "#2e7d32"
    assert page.locator("[data-control=date-label]").inner_text() == "1 July 2014"
    page.go_forward()
    page.wait_for_function("document.querySelector('[data-viewer]').dataset.date === '2014-07-14'")


def test_dragging_the_slider_adds_one_history_entry_not_one_per_day(page, live_server, demo):
    open_map(page, live_server, query="?date=2014-01-01", clock=True)
    box = page.get_by_role("slider", name="Date").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 8, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(box["x"] + 8 + step * box["width"] * 0.05, y)
    page.mouse.up()
    dragged_to = viewer_date(page)
    url_written(page)
    assert dragged_to > "2015-06-01"
    assert query(page)["date"] == dragged_to
    page.go_back()
    page.wait_for_function("document.querySelector('[data-viewer]').dataset.date === '2014-01-01'")


def test_on_a_phone_the_controls_fit_and_a_tapped_zone_opens_a_sheet(browser, live_server, demo):
    context = browser.new_context(
        bypass_csp=True, viewport={"width": 375, "height": 700}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        open_map(page, live_server, query="?date=2016-06-01")
        for name in ("Play", "Previous change", "Previous day", "Next day", "Next change"):
            box = page.get_by_role("button", name=name).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 700, name
            assert box["width"] >= 36 and box["height"] >= 36, name  # big enough for a finger
        slider = page.get_by_role("slider", name="Date").bounding_box()
        assert slider["x"] >= 0 and slider["x"] + slider["width"] <= 375 and slider["y"] + slider["height"] <= 700
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing runs off sideways
        map_box = page.locator(".viewer-map").bounding_box()
        assert map_box["height"] >= 300
        zone = page.locator('path.zone[data-zone="al-joura"]')
        zone.tap()
        sheet = page.locator("[data-panel=root]")
        assert sheet.is_visible()
        box = sheet.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 701 and box["width"] <= 375
        page.get_by_role("button", name="Close").tap()
        assert sheet.is_hidden()
        page.get_by_role("button", name="Next change").tap()
        assert viewer_date(page) > "2016-06-01"
    finally:
        context.close()


def test_every_control_is_labelled_and_reachable_by_keyboard(page, live_server, demo):
    open_map(page, live_server)
    controls = page.locator(".viewer button, .viewer input, .viewer select, .viewer summary")
    names = page.evaluate(
        """() => Array.from(document.querySelectorAll('.viewer button, .viewer input, .viewer select'))
            .filter((el) => !el.closest('[hidden]'))
            .map((el) => {
                const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent)
                    || el.textContent;
                return [el.outerHTML.slice(0, 60), (label || '').trim()];
            })"""
    )
    assert controls.count() >= 14
    assert [html for html, label in names if not label] == []
    slider = page.get_by_role("slider", name="Date")
    assert slider.get_attribute("aria-valuetext") == "15 June 2017"
    assert slider.get_attribute("aria-describedby") == "slider-help"
    # Tab from the language links reaches every time control in order, then the slider.
    page.get_by_role("link", name="English").focus()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('data-control')"))
        if reached[-1] == "slider":
            break
    assert {"play", "speed", "prev-change", "prev-day", "next-day", "next-change", "date-input", "slider"} <= set(
        reached
    )
    page.keyboard.press("ArrowLeft")
    assert viewer_date(page) == "2017-06-14"
    status = page.locator("[data-control=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text().startswith("14 June 2017")


def test_without_tiles_the_map_draws_the_shipped_outline_and_river_on_a_plain_background(page, live_server, demo):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_map(page, live_server)
    assert page.locator(".leaflet-tile").count() == 0
    assert all(url.startswith(live_server.url) for url in requests), requests
    basemap = page.locator(".leaflet-basemap-pane path")
    assert basemap.count() == 5  # the outline and four river channels
    assert page.locator(".leaflet-basemap-pane path[stroke='#5b9bd5']").count() == 4
    assert page.locator(".zone-label").count() >= 5


CANVAS_CHECK = """() => {
    // For each canvas renderer: repaint it fully and count the colour values that moved by more than 8 levels.
    const seen = new Set(), out = [];
    window.frontlineMap.eachLayer((renderer) => {
        if (!(renderer instanceof L.Canvas) || seen.has(renderer)) return;
        seen.add(renderer);
        const canvas = renderer._container, ctx = canvas.getContext("2d");
        const patched = ctx.getImageData(0, 0, canvas.width, canvas.height).data.slice();
        renderer._updatePaths();
        const full = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let moved = 0;
        for (let i = 0; i < full.length; i++) if (Math.abs(full[i] - patched[i]) > 8) moved++;
        out.push([renderer.options.pane, moved, full.length]);
    });
    return out;
}"""


FLASHING = "window.frontlineViewer.layers.layers.filter((layer) => layer.options.color === '#ffd400')"
# Leaflet's canvas renderers with a repaint asked for the next frame (L.Canvas._redrawRequest).
REDRAW_PENDING = """(() => {
    const pending = [];
    window.frontlineMap.eachLayer((layer) => {
        if (layer instanceof L.Canvas && layer._redrawRequest) pending.push(layer);
    });
    return pending;
})()"""


def test_the_canvas_renderer_repaints_changed_zones_as_a_full_redraw_would(page, live_server, demo):
    """Big maps draw on canvases that repaint only the patches of the zones and edges that changed; after each
    step the picture must be what a full repaint gives. Leaflet's own partial repaints already differ from a full
    one by a few anti-aliased pixels where lines meet, so a few hundred colour values may move; a zone or edge
    left stale or drawn wrongly moves tens of thousands."""
    # The page's clock is Playwright's: it runs with real time (fetches, late answers and frames still come), and
    # the test moves it past each step's 0.9 s flash of the changed zones at once instead of waiting it out.
    page.clock.install()
    open_map(page, live_server, query="?date=2014-01-01&renderer=canvas")
    assert page.locator("[data-viewer]").get_attribute("data-renderer") == "canvas"
    assert page.locator("path.zone").count() == 0
    panes = set()
    flashed = 0
    for _ in range(12):
        page.get_by_role("button", name="Next change").click()
        flashed += page.evaluate(f"{FLASHING}.length > 0")
        page.clock.run_for(FLASH_MS + 100)  # the flash ends; its repaint and the frames after it run
        # Nothing flashes and no canvas waits for a frame to repaint (what runs on real time is waited for).
        page.wait_for_function(f"{FLASHING}.length === 0 && {REDRAW_PENDING}.length === 0", polling=20)
        for pane, moved, _total in page.evaluate(CANVAS_CHECK):
            panes.add(pane)
            assert moved < 600, (viewer_date(page), pane, moved)
    assert "overlayPane" in panes  # the zones' canvas, where the fronts and sieges are drawn too
    assert flashed >= 10  # the steps did flash (a step that changed only a siege has no zone to flash)
    # a contested zone on the canvas is filled with a pattern
    go_to(page, "2014-12-10")
    fill = page.evaluate(
        """() => {
            const viewer = window.frontlineViewer;
            return viewer.layers.layers[viewer.zoneIndex('al-jafra')].options.fillColor instanceof CanvasPattern;
        }"""
    )
    assert fill is True
    assert page.js_errors == []


def test_on_this_day_gives_front_length_and_sieges_from_the_analytics_api_once_the_date_settles(
    page, live_server, demo, client
):
    import orjson

    page.clock.install()
    open_map(page, live_server, query="?date=2017-03-01")
    summary = page.locator("[data-summary=root]")
    page.clock.run_for(SETTLE_MS)
    page.wait_for_function("document.querySelector('[data-summary=root]').dataset.date === '2017-03-01'")
    fronts = orjson.loads(client.get("/api/v1/maps/deir-ez-zor/fronts?date=2017-03-01").content)
    total = sum(f["properties"]["length_km"] for f in fronts["features"])
    assert total > 0
    front = summary.locator(".summary-fronts")
    assert front.inner_text() == f"Front lines: {total:.1f} km"
    assert summary.locator(".summary-siege").inner_text() == (
        "Siege of Deir ez-Zor: day 777, besieged by Islamic State (ISIS)"
    )
    # Ten quick steps ask the server once, for the date they end on.
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/fronts?" in request.url else None)
    page.get_by_role("slider", name="Date").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.clock.run_for(SETTLE_MS)
    page.wait_for_function("document.querySelector('[data-summary=root]').dataset.date === '2017-03-11'")
    assert [url.split("date=")[1] for url in asked] == ["2017-03-11"]
    version = Map.objects.get(slug="deir-ez-zor").data_version  # asked at the data version: cached until a publish
    assert all(f"/fronts?v={version}&" in url for url in asked)
    go_to(page, "2017-10-01")  # the siege is over
    page.clock.run_for(SETTLE_MS)
    page.wait_for_function("document.querySelector('[data-summary=root]').dataset.date === '2017-10-01'")
    assert summary.locator(".summary-siege").count() == 0


def test_the_panel_names_every_siege_a_zone_is_inside(page, live_server, world):
    from mapapp import services

    world.actor("gov", "#c62828")
    world.actor("isis", "#3b3b3b")
    world.actor("rebels", "#2e7d32")
    world.place("city", size=0.1)
    world.place("airport", x=0.2, size=0.1)
    world.change("2015-01-01", ["city", "airport"], "gov")
    world.map()
    common = {"besieged_actor": world.actor("gov"), "sources": [world.source], "publish": True}
    services.siege_record(
        slug="rebel-siege",
        name_en="Rebel siege",
        besieging_actors=[world.actor("rebels")],
        start=dt.date(2015, 6, 1),
        end=dt.date(2017, 1, 1),
        places=[(world.place("city"), None)],
        **common,
    )
    services.siege_record(
        slug="isis-siege",
        name_en="ISIS siege",
        besieging_actors=[world.actor("isis")],
        start=dt.date(2015, 3, 1),
        end=dt.date(2016, 1, 1),
        places=[(world.place("city"), None), (world.place("airport"), None)],
        **common,
    )

    def besieged_rows():
        facts = page.locator("[data-panel=root] dt", has_text="Besieged")
        return [facts.nth(i).locator("xpath=following-sibling::dd[1]").inner_text() for i in range(facts.count())]

    open_map(page, live_server, slug="test-map", query="?date=2015-08-01")
    page.locator('path.zone[data-zone="city"]').click()
    assert besieged_rows() == ["ISIS siege · since 1 March 2015", "Rebel siege · since 1 June 2015"]
    page.locator('path.zone[data-zone="airport"]').click()
    assert besieged_rows() == ["ISIS siege · since 1 March 2015"]
    # After the ISIS siege ends the rebels' still holds the city; the panel follows the date.
    open_map(page, live_server, slug="test-map", query="?date=2016-06-01")
    page.locator('path.zone[data-zone="city"]').click()
    assert besieged_rows() == ["Rebel siege · since 1 June 2015"]
    assert page.js_errors == []


def test_after_a_publish_the_worker_builds_what_the_opening_page_asks_for(page, live_server, demo, settings, tmp_path):
    """A bump asks the worker for the map's first reads (mapapp/answers.py): a reader arriving next finds every
    answer the opening page asks for kept already (the page keeps nothing new), and the three it waits for,
    preloaded by the page's head, are fetched once each."""
    from mapapp import answers, versioning
    from tests.jobs import run_jobs

    settings.ANSWER_CACHE_DIR = tmp_path / "answers"
    versioning.maps_bump()  # committed (a transactional test): its on_commit asks at once
    assert run_jobs() >= 1  # with the tasks the demo's loading asked for
    kept = sorted(p for p in settings.ANSWER_CACHE_DIR.rglob("*") if p.is_file())
    assert len(kept) >= len(answers.first_reads(Map.objects.get(pk=demo.pk)))
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if "/api/" in request.url else None)
    open_map(page, live_server, clock=True)
    page.clock.run_for(SETTLE_MS + 50)  # the day summary asks for its fronts and sieges
    page.wait_for_selector('[data-summary="root"][data-loading=false]', timeout=5000)
    assert sorted(p for p in settings.ANSWER_CACHE_DIR.rglob("*") if p.is_file()) == kept
    for url in answers.first_reads(Map.objects.get(pk=demo.pk)):
        assert sum(name.endswith(url) for name in fetched) == 1, (url, fetched)
