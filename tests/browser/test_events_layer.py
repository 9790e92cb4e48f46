"""The viewer's events layer in Chromium: markers for the days up to the shown date (the window the reader
picks), popups that show the record's text as text, clustering at low zoom, Arabic labels and RTL."""

from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parent.parent / "data" / "events"
READY = "[data-viewer][data-ready=true]"


@pytest.fixture
def demo_events(demo):
    from io import StringIO

    for name in ("acled-deir-ez-zor.csv", "plain-deir-ez-zor.csv"):
        call_command("import_events", str(DATA / name), "--map", demo.slug, stdout=StringIO())
    return demo


def open_map(page, live_server, query):
    page.goto(f"{live_server.url}/maps/deir-ez-zor/{query}")
    page.wait_for_selector(READY, timeout=20000)
    return page


def events_on(page, window=None):
    page.locator("[data-events=toggle]").check()
    if window is not None:
        page.locator("[data-events=window]").select_option(str(window))
    page.wait_for_selector("[data-events=control][data-loading=false]", timeout=10000)


def shown(page) -> int:
    return int(page.locator("[data-events=control]").get_attribute("data-shown"))


def test_markers_for_the_window_up_to_the_shown_day(page, live_server, demo_events):
    open_map(page, live_server, "?date=2017-06-15")
    assert page.locator("path.event-marker").count() == 0  # off until the reader turns it on
    events_on(page)
    # 7 days up to 15 June: ACLED 10, 12, 14, 15 June and the CSV's 14 and 15 June (16 June is after the day)
    assert shown(page) == 6
    assert page.locator("[data-events=count]").inner_text() == "6 events"
    # the timeline strip: one bar per day with events (10, 12, 14, 15 and 16 June), sized by the count
    bars = page.locator("[data-events=strip] rect.event-tick")
    assert [bar.get_attribute("data-date") for bar in bars.all()] == [
        "2017-06-10", "2017-06-12", "2017-06-14", "2017-06-15", "2017-06-16",
    ]  # fmt: skip
    assert [bar.get_attribute("data-count") for bar in bars.all()] == ["1", "1", "2", "2", "2"]
    page.locator("[data-events=window]").select_option("1")
    page.wait_for_function("document.querySelector('[data-events=control]').dataset.shown === '2'")
    page.locator("[data-events=window]").select_option("30")
    page.wait_for_function("document.querySelector('[data-events=control]').dataset.shown === '6'")
    # a step of the slider moves the window: on the 16th, the 16th's two events are in, the 10th's still
    page.evaluate("window.frontlineViewer.setDay(window.frontlineViewer.calendar.dayOf('2017-06-16'), 'push')")
    page.wait_for_function("document.querySelector('[data-events=control]').dataset.day === '2017-06-16'")
    assert shown(page) == 8
    # by type: Battles off
    page.locator("[data-events=types] input[value=Battles]").uncheck()
    page.wait_for_function("document.querySelector('[data-events=control]').dataset.shown === '6'")
    assert page.js_errors == []


def test_a_popup_shows_the_records_text_as_text(page, live_server, demo_events):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_map(page, live_server, "?date=2017-06-15")
    events_on(page, window=1)
    page.evaluate(
        """() => new Promise((resolve) => {
          const cluster = window.frontlineViewer.events.cluster;
          const marker = cluster.getLayers().find((m) => m.feature.properties.external_id === "dz-2");
          cluster.zoomToShowLayer(marker, () => { marker.openPopup(); resolve(); });
        })"""
    )
    popup = page.locator(".leaflet-popup .event-popup")
    popup.wait_for()
    assert popup.locator(".event-notes").inner_text() == '<img src=x onerror="alert(1)"> shells hit the market'
    assert popup.locator("img").count() == 0 and dialogs == []
    assert popup.locator(".event-type").inner_text() == "Shelling"
    assert popup.locator(".event-date").inner_text() == "15 June 2017"
    assert popup.locator(".event-actors").inner_text() == "Actors: Islamic State (ISIS) — Civilians"
    assert popup.locator(".event-fatalities").inner_text() == "Fatalities: 3 (2–5)"
    assert popup.locator(".event-sources li").all_inner_texts() == ["Deir Ezzor 24", "Local council statement"]
    assert page.js_errors == []


def test_markers_cluster_at_low_zoom(page, live_server, demo_events):
    open_map(page, live_server, "?date=2017-06-15")
    events_on(page, window=7)
    page.evaluate("window.frontlineViewer.map.setZoom(13, { animate: false })")
    page.wait_for_function("document.querySelectorAll('path.event-marker').length === 6")
    assert page.locator(".marker-cluster").count() == 0
    page.evaluate("window.frontlineViewer.map.setZoom(8, { animate: false })")
    page.wait_for_selector(".marker-cluster")
    clusters = page.locator(".marker-cluster").all_inner_texts()
    assert sum(int(text) for text in clusters) + page.locator("path.event-marker").count() == 6
    assert page.locator("path.event-marker").count() < 6


def test_arabic_labels_and_the_control_on_the_left(page, live_server, demo_events):
    open_map(page, live_server, "?date=2017-06-15&lang=ar")
    control = page.locator("[data-events=control]")
    assert control.get_attribute("dir") == "rtl"
    assert (
        control.locator("xpath=ancestor::div[contains(@class, 'leaflet-top')]")
        .get_attribute("class")
        .endswith("leaflet-left")
    )
    assert page.locator(".events-toggle").inner_text().strip() == "الأحداث"
    events_on(page, window=7)
    six = page.evaluate("window.frontlineViewer.i18n.int(6)")  # the digits Intl writes for Arabic
    assert page.locator("[data-events=count]").inner_text() == f"عدد الأحداث: {six}"


def test_maps_without_events_have_no_events_control(page, live_server, demo):
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    open_map(page, live_server, "?date=2017-06-15")
    assert page.locator("[data-events=control]").count() == 0
    # nor the layer's clustering plugin and style sheets (37 KB, a tenth of a cold demo's bytes before compression)
    assert [url for url in fetched if "markercluster" in url.lower() or "events.css" in url] == []
    assert page.evaluate("typeof L.markerClusterGroup") == "undefined"
    assert page.js_errors == []


def test_maps_with_events_load_the_clustering_plugin_and_the_layers_style(page, live_server, demo_events):
    fetched = []
    page.on("response", lambda response: fetched.append((response.url, response.status)))
    open_map(page, live_server, "?date=2017-06-15")
    assert page.evaluate("typeof L.markerClusterGroup") == "function"
    loaded = {url.rsplit("/", 1)[1]: status for url, status in fetched if "/static/" in url}
    assert loaded["leaflet.markercluster-1.5.3.js"] == loaded["events.css"] == 200
    assert loaded["MarkerCluster-1.5.3.css"] == loaded["MarkerCluster.Default-1.5.3.css"] == 200
    assert page.locator("[data-events=control]").count() == 1
    assert page.js_errors == []


def test_a_popup_links_the_changes_the_event_explains_as_text(page, live_server, demo_events):
    from mapapp import services
    from mapapp.events.models import Event
    from mapapp.models import ControlChange, ReviewState

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    change = (
        ControlChange.objects.filter(review_state=ReviewState.PUBLISHED, places__maps=demo_events)
        .order_by("-date")
        .first()
    )
    # A title written as markup, as an editor could: the popup shows it as text.
    ControlChange.objects.filter(pk=change.pk).update(title='<img src=x onerror="alert(2)">taken')
    event = Event.objects.get(external_id="dz-2")
    services.change_events_link(change=change, events=[event])  # moves the map's data version too
    open_map(page, live_server, "?date=2017-06-15")
    events_on(page, window=1)
    page.evaluate(
        """() => new Promise((resolve) => {
          const cluster = window.frontlineViewer.events.cluster;
          const marker = cluster.getLayers().find((m) => m.feature.properties.external_id === "dz-2");
          cluster.zoomToShowLayer(marker, () => { marker.openPopup(); resolve(); });
        })"""
    )
    popup = page.locator(".leaflet-popup .event-popup")
    popup.wait_for()
    link = popup.locator(f".event-changes li[data-change='{change.pk}'] a")
    assert link.get_attribute("href") == f"/maps/deir-ez-zor/changes/{change.pk}/"
    assert popup.locator(".event-changes li").inner_text().endswith('<img src=x onerror="alert(2)">taken')
    assert popup.locator("img").count() == 0 and dialogs == []
    link.click()
    page.wait_for_selector(f"[data-linked-events] li[data-event='{event.pk}']")
    assert page.js_errors == []


def test_the_zone_panel_lists_the_zones_events_near_the_date(page, live_server, demo_events):
    from mapapp.events.models import Event

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # The zone holding the shelling of 14 June (whose notes carry Arabic) and what else happened in it then.
    shelling = Event.objects.get(external_id="SYR20103")
    zone = demo_events.places.get(footprint__intersects=shelling.location)
    expected = list(
        Event.objects.published()
        .filter(location__intersects=zone.footprint, date__gte="2017-05-17", date__lte="2017-06-15")
        .order_by("-date", "-pk")
        .values_list("pk", flat=True)
    )
    assert shelling.pk in expected
    open_map(page, live_server, "?date=2017-06-15")
    page.evaluate(f"window.frontlineViewer.selectZone(window.frontlineViewer.zoneIndex('{zone.slug}'))")
    section = page.locator("[data-panel=events][data-loading=false]")
    section.wait_for()
    items = section.locator("li.zone-event")
    assert [int(pk) for pk in items.evaluate_all("items => items.map((i) => i.dataset.event)")] == expected[:10]
    assert section.locator(f"li[data-event='{shelling.pk}'] .zone-event-type").inner_text() == (
        "Explosions/Remote violence — Shelling/artillery/missile attack"
    )
    # A step back before the 14th: the shelling is no longer among the days up to the date.
    page.evaluate("window.frontlineViewer.setDay(window.frontlineViewer.calendar.dayOf('2017-06-13'), 'push')")
    page.wait_for_function(
        f"""() => {{ const s = document.querySelector('[data-panel=events]');
                 return s && s.dataset.loading === 'false' && !s.querySelector("li[data-event='{shelling.pk}']"); }}"""
    )
    assert page.locator("[data-panel=root] img").count() == 0 and dialogs == []
    assert page.js_errors == []
