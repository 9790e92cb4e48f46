"""The first map page in Chromium: the record reaches the screen, the slider moves the map and the URL."""

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zone_fill(page, slug):
    return page.evaluate(
        """(slug) => {
            let fill = null;
            window.frontlineMap.eachLayer((layer) => {
                if (layer.feature && layer.feature.id === slug) fill = layer.options.fillColor;
            });
            return fill;
        }""",
        slug,
    )


def test_home_page_leads_to_the_demo_map(live_server, page, demo):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Siege of Deir ez-Zor, 2014–2017").click()
    page.wait_for_url("**/maps/deir-ez-zor/")
    assert page.locator("#date-slider").is_visible()


def test_map_page_colours_zones_by_holder_and_the_slider_changes_map_and_url(live_server, page, demo):
    page.goto(live_server.url + "/maps/deir-ez-zor/?date=2017-06-15")
    page.wait_for_function("document.body.dataset.date === '2017-06-15' && document.body.dataset.loading === 'false'")
    assert page.locator(".leaflet-overlay-pane path").count() >= 34
    assert zone_fill(page, "al-joura") == "#c62828"  # government
    assert zone_fill(page, "jabal-al-tharda") == "#3b3b3b"  # ISIS
    legend = page.locator(".legend").inner_text()
    assert "Syrian government" in legend and "Islamic State (ISIS)" in legend

    slider = page.locator("#date-slider")
    assert slider.get_attribute("type") == "range"
    # Move to 2017-11-10 (days since 2014-01-01): the city is the army's by then.
    days = (dt.date(2017, 11, 10) - dt.date(2014, 1, 1)).days
    slider.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(days))
    page.wait_for_function("document.body.dataset.date === '2017-11-10' && document.body.dataset.loading === 'false'")
    assert "date=2017-11-10" in page.url
    assert zone_fill(page, "jabal-al-tharda") == "#c62828"
    assert page.locator("#date-output").inner_text() == "2017-11-10"
    assert page.js_errors == []


def test_clicking_a_zone_shows_its_holder_and_sources(live_server, page, demo):
    page.goto(live_server.url + "/maps/deir-ez-zor/?date=2016-10-01")
    page.wait_for_function("document.body.dataset.loading === 'false'")
    x, y = page.evaluate(
        """() => {
            const map = window.frontlineMap;
            let point = null;
            map.eachLayer((layer) => {
                if (layer.feature && layer.feature.id === 'jabal-al-tharda') {
                    map.setView(layer.getCenter(), 14, {animate: false});
                    point = map.latLngToContainerPoint(layer.getCenter());
                }
            });
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + point.x, box.top + point.y];
        }"""
    )
    page.mouse.click(x, y)
    popup = page.locator(".zone-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "Jabal al-Tharda" in text and "جبل الثردة" in text
    assert "since 2016-09-17" in text
    assert "September 2016 Deir ez-Zor air raid" in text
