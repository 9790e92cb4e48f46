"""The public map viewer in Chromium: what a reader can do on /maps/<slug>/ (issue #3)."""

import re

import pytest
from django.contrib.gis.geos import Point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "[data-viewer][data-ready=true]"


def open_map(page, live_server, slug="deir-ez-zor", query="", viewport=None):
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/maps/{slug}/{query}")
    page.wait_for_selector(READY, timeout=15000)
    return page


def zone_fill(page, slug):
    return page.locator(f'path.zone[data-zone="{slug}"]').get_attribute("fill")


def viewer_date(page):
    return page.locator("[data-viewer]").get_attribute("data-date")


def query(page):
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
    open_map(page, live_server, query="?date=2014-07-13")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    assert zone_fill(page, "al-hweiqa") == "#2e7d32"  # rebels
    page.locator("[data-control=slider]").focus()
    page.keyboard.press("ArrowRight")
    assert viewer_date(page) == "2014-07-14"
    assert zone_fill(page, "al-hweiqa") == "#3b3b3b"  # ISIS took the rebel districts that day
    assert query(page)["date"] == "2014-07-14"
    assert [url for url in requests if "/api/" in url] == []


def test_home_page_leads_to_the_demo_map(live_server, page, demo):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Siege of Deir ez-Zor, 2014–2017").click()
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
