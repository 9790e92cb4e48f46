"""The mark page's events in Chromium: the events near the zones and date being marked are listed (their text as
text), an editor adds a draft event whose point is picked on the map, edits it, ticks the events that explain
the change, and saving the change links them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from gazetteer.models import Place
from mapapp import services
from mapapp.events.models import Event, EventState
from mapapp.models import ControlChange
from tests.browser.test_editor_workflow import DATE, click_zone, log_in, wait_for_zones

pytestmark = pytest.mark.browser


def test_an_editor_lists_adds_edits_and_links_events_while_marking(live_server, page, demo, people):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    joura = Place.objects.get(slug="al-joura").footprint.point_on_surface
    near = services.event_create(
        map=demo, on=dt.date.fromisoformat(DATE) - dt.timedelta(days=1), event_type="Battles",
        location=Point(joura.x, joura.y, srid=4326), location_name='<img src=x onerror="alert(1)">Joura',
        publish=True,
    )  # fmt: skip
    base = live_server.url
    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)
    click_zone(page, "mark-map", "al-joura")
    listed = page.locator(f"[data-events=list] li[data-event='{near.pk}']")
    expect(listed).to_contain_text('<img src=x onerror="alert(1)">Joura')
    expect(listed).to_contain_text("(0.0 km, -1 days)")
    assert page.locator("[data-events=root] img").count() == 0

    # A new event, its point picked on the map (the click selects no zone).
    page.locator("[data-events=heading]").click()
    page.fill("#ev-type", "Shelling")
    page.fill("#ev-notes", "<b>heavy</b> shelling")
    page.fill("#ev-killed", "2")
    page.click("[data-events=pick]")
    expect(page.locator("[data-events=root]")).to_have_attribute("data-picking", "true")
    page.locator("#mark-map").scroll_into_view_if_needed()
    click_zone(page, "mark-map", "al-joura")
    expect(page.locator("[data-events=root]")).to_have_attribute("data-picking", "false")
    expect(page.locator("body")).to_have_attribute("data-selected", "al-joura")
    assert abs(float(page.input_value("#ev-lon")) - joura.x) < 0.01
    assert page.input_value("#ev-date") == DATE  # the change's date, to start with
    page.click("[data-events=save]")
    expect(page.locator("[data-events=status]")).to_have_attribute("data-saved", re.compile(r"^\d+$"))
    added = Event.objects.get(event_type="Shelling")
    assert (added.review_state, added.created_by, added.fatalities_best) == (EventState.DRAFT, people.editor, 2)
    assert added.notes == "<b>heavy</b> shelling"
    expect(page.locator(f"[data-events=list] li[data-event='{added.pk}'] input")).to_be_checked()

    # Editing: the editor's own draft, yes; a published event, only a reviewer.
    page.locator(f"[data-events=list] li[data-event='{near.pk}'] .event-edit").click()
    expect(page.locator("[data-events=editor]")).to_have_attribute("data-editing", str(near.pk))
    page.fill("#ev-type", "Armed clash")
    page.click("[data-events=save]")
    expect(page.locator("[data-events=problem]")).to_have_text("you are not allowed to edit published events")
    page.click("[data-events=cancel]")
    page.locator(f"[data-events=list] li[data-event='{added.pk}'] .event-edit").click()
    expect(page.locator("#ev-type")).to_have_value("Shelling")
    page.fill("#ev-type", "Air strike")
    page.click("[data-events=save]")
    expect(page.locator(f"[data-events=list] li[data-event='{added.pk}']")).to_contain_text("Air strike")
    assert Event.objects.get(pk=added.pk).event_type == "Air strike"

    # Tick the battle too and save the change: both are linked to it.
    page.locator(f"[data-events=list] li[data-event='{near.pk}'] input").check()
    page.select_option("#id_actor", "isis")
    page.fill("#source-0-url", "https://example.org/joura")
    page.fill("#source-0-title", "Fighting in al-Joura")
    page.click("#save-change")
    saved = page.locator("#saved-note")
    expect(saved).to_be_visible()
    change = ControlChange.objects.get(pk=int(saved.get_attribute("data-change-id")))
    assert set(change.events.all()) == {near, added}
    assert dialogs == [] and page.js_errors == []
