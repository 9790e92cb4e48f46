"""Events linked to the control changes they explain: the suggestions (events within EVENT_LINK_KM and
EVENT_LINK_DAYS of a change), the link service, the editors' event API the mark page uses, the change admin's
selector, the viewer's popups (the events API) and the public change page."""

import datetime as dt

import orjson
import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.test import Client

from mapapp import services
from mapapp.events import selectors
from mapapp.events.models import Event, EventState
from mapapp.models import ControlChange, Map
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat
KM_PER_DEGREE = 111.32  # of longitude at the equator, where these squares lie


def _linked(world):
    """Zone a (0..0.01) changes hands on 2016-03-10; zone wide (0.01..0.31, 33 km) beside it holds the events.
    A second map elsewhere has its own event."""
    world.place("a", x=0.0)
    world.place("wide", x=0.01, size=0.3)
    world.actor("gov", "#cc0000")
    world.actor("isis", "#333333")
    world.change("2015-01-01", ["a", "wide"], "gov")
    map_ = world.map(zones=[world.place("a"), world.place("wide")])
    change = world.change("2016-03-10", ["a"], "isis", title="<i>Taken</i>")

    def event(on, x, publish=True, **extra):
        return services.event_create(map=map_, on=D(on), event_type=extra.pop("event_type", "Battles"),
                                     location=Point(x, 0.005, srid=4326), publish=publish, **extra)  # fmt: skip

    near = event("2016-03-09", 0.05, location_name="<b>Near</b>", notes="<script>alert(1)</script>")
    inside = event("2016-03-12", 0.005, event_type="Shelling")
    far = event("2016-03-10", 0.2)  # 21 km east of a
    late = event("2016-03-20", 0.05)  # 10 days after
    draft = event("2016-03-10", 0.02, publish=False)
    world.place("elsewhere", x=5.0)
    other_map = world.map(slug="other-map", zones=[world.place("elsewhere")])
    foreign = services.event_create(map=other_map, on=D("2016-03-10"), event_type="Battles",
                                    location=Point(5.005, 0.005, srid=4326))  # fmt: skip
    return map_, change, {"near": near, "inside": inside, "far": far, "late": late, "draft": draft,
                          "foreign": foreign}  # fmt: skip


# Written once for the module; each test's writes are rolled back before the next.
_linked_once, world = world_once_per_module(_linked)


@pytest.fixture
def linked_world(world, settings):
    """The world, its map, the change of 2016-03-10 and the events by name, with links suggested within 10 km and
    3 days."""
    settings.EVENT_LINK_KM = 10
    settings.EVENT_LINK_DAYS = 3
    return (world, *world.built)


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def call(client, method, url, payload=None):
    response = getattr(client, method)(url, data=orjson.dumps(payload) if payload is not None else None,
                                       content_type="application/json")  # fmt: skip
    return response, orjson.loads(response.content) if response.content else None


# --- the suggestions ------------------------------------------------------------------------------------------


def test_events_within_the_distance_and_days_are_suggested_nearest_first(linked_world):
    world, map_, change, events = linked_world
    ground = selectors.ground_of(places=[world.place("a")])
    rows = selectors.events_near(maps=[map_], on=change.date, ground=ground)
    assert [row["event"] for row in rows] == [events["inside"], events["draft"], events["near"]]
    by_event = {row["event"]: row for row in rows}
    assert by_event[events["inside"]]["km"] == 0 and by_event[events["inside"]]["days"] == 2
    # 0.04 degrees east of a's edge on the equator: 4.45 km (the equirectangular view to within a percent)
    assert by_event[events["near"]]["km"] == pytest.approx(0.04 * KM_PER_DEGREE, rel=0.01)
    assert by_event[events["near"]]["days"] == -1


def test_the_distance_and_days_come_from_the_settings_or_the_caller(linked_world, settings):
    world, map_, change, events = linked_world
    ground = selectors.ground_of(places=[world.place("a")])
    settings.EVENT_LINK_KM = 25
    settings.EVENT_LINK_DAYS = 10
    found = {row["event"] for row in selectors.events_near(maps=[map_], on=change.date, ground=ground)}
    assert found == {events["inside"], events["draft"], events["near"], events["far"], events["late"]}
    found = {row["event"] for row in selectors.events_near(maps=[map_], on=change.date, ground=ground, km=1, days=0)}
    assert found == set()


def test_linking_replaces_the_links_bumps_the_map_and_refuses_another_maps_events(linked_world):
    _world, map_, change, events = linked_world
    version = Map.objects.get(pk=map_.pk).data_version
    services.change_events_link(change=change, events=[events["near"], events["inside"]])
    assert set(change.events.all()) == {events["near"], events["inside"]}
    assert Map.objects.get(pk=map_.pk).data_version > version
    services.change_events_link(change=change, events=[events["inside"]])
    assert list(change.events.all()) == [events["inside"]]
    with pytest.raises(ValidationError) as refused:
        services.change_events_link(change=change, events=[events["foreign"]])
    assert refused.value.message_dict["events"] == [f"not events of a map this change is on: {events['foreign'].pk}"]
    assert list(change.events.all()) == [events["inside"]]


# --- the editors' event API (the mark page) ------------------------------------------------------------------


def test_an_editor_adds_and_edits_a_draft_event_through_the_api(linked_world, people):
    world, map_, _change, _events = linked_world
    editor = login(people.editor)
    body = {"date": "2016-03-11", "event_type": "Air strike", "longitude": 0.1, "latitude": 0.004,
            "actors": ["isis"], "fatalities_best": 4, "notes": "<img src=x onerror=alert(1)>",
            "sources": [{"title": "Wire report", "url": "https://example.org/wire"}]}  # fmt: skip
    response, created = call(editor, "post", f"/api/v1/maps/{map_.slug}/events", body)
    assert response.status_code == 201, created
    event = Event.objects.get(pk=created["id"])
    assert event.review_state == EventState.DRAFT and event.created_by == people.editor
    assert (event.location.x, event.location.y, event.fatalities_best) == (0.1, 0.004, 4)
    assert [a.slug for a in event.actors.all()] == ["isis"] and event.sources.get().title == "Wire report"
    response, edited = call(editor, "put", f"/api/v1/events/{event.pk}", {**body, "event_type": "Shelling"})
    assert response.status_code == 200 and edited["event_type"] == "Shelling"
    response, read = call(editor, "get", f"/api/v1/events/{event.pk}")
    assert read["event_type"] == "Shelling" and read["notes"] == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("change", "status", "field", "message"),
    [
        ({"longitude": "east"}, 400, "longitude", "longitude must be a number"),
        ({"latitude": 91}, 400, "latitude", "latitude must be from -90 to 90"),
        ({"longitude": 3.0}, 400, "location", "the point 3.00000, 0.00400 is outside the map's area"),
        ({"date": "2016-02-30"}, 400, "date", "date '2016-02-30' is not a real date"),
        ({"actors": ["nobody"]}, 400, "actors", "not actors of this map: nobody"),
        ({"fatalities_best": -1}, 400, "fatalities_best", "fatalities_best must be a whole number, 0 or more"),
        ({"colour": "red"}, 400, "colour", None),
    ],
)
def test_a_bad_event_body_is_refused_naming_its_field(linked_world, people, change, status, field, message):
    _world, map_, _change, _events = linked_world
    body = {"date": "2016-03-11", "event_type": "Air strike", "longitude": 0.1, "latitude": 0.004, **change}
    response, answer = call(login(people.editor), "post", f"/api/v1/maps/{map_.slug}/events", body)
    assert (response.status_code, answer["field"]) == (status, field)
    if message:
        assert answer["error"] == message
    assert Event.objects.filter(event_type="Air strike").count() == 0


def test_only_editors_write_events_and_only_reviewers_edit_published_ones(linked_world, people, client):
    _world, map_, _change, events = linked_world
    body = {"date": "2016-03-11", "event_type": "Air strike", "longitude": 0.1, "latitude": 0.004}
    assert call(client, "post", f"/api/v1/maps/{map_.slug}/events", body)[0].status_code == 401
    assert call(login(people.staff), "post", f"/api/v1/maps/{map_.slug}/events", body)[0].status_code == 403
    published = events["near"]
    assert call(login(people.editor), "put", f"/api/v1/events/{published.pk}", body)[0].status_code == 403
    assert call(login(people.reviewer), "put", f"/api/v1/events/{published.pk}", body)[0].status_code == 200
    assert call(login(people.editor), "get", "/api/v1/events/999999")[0].status_code == 404


def test_the_mark_page_asks_for_the_events_near_a_change_and_saves_the_ticked_ones(linked_world, people):
    world, map_, _change, events = linked_world
    editor = login(people.editor)
    response, near = call(editor, "post", f"/api/v1/maps/{map_.slug}/events/near",
                          {"date": "2016-03-10", "places": ["a"]})  # fmt: skip
    assert response.status_code == 200
    assert [row["id"] for row in near["events"]] == [events["inside"].pk, events["draft"].pk, events["near"].pk]
    assert near["events"][2]["km"] == pytest.approx(4.45, abs=0.05) and not near["events"][2]["linked"]
    body = {"date": "2016-03-10", "places": ["a"], "actor": "gov", "sources": [{"id": world.source.pk}],
            "events": [events["near"].pk, events["inside"].pk]}  # fmt: skip
    response, saved = call(editor, "post", f"/api/v1/maps/{map_.slug}/changes", body)
    assert response.status_code == 201, saved
    assert saved["events"] == sorted([events["near"].pk, events["inside"].pk])
    change = ControlChange.objects.get(pk=saved["id"])
    assert set(change.events.all()) == {events["near"], events["inside"]}
    # Asked again for the saved change, its links come ticked.
    _response, near = call(editor, "post", f"/api/v1/maps/{map_.slug}/events/near",
                           {"date": "2016-03-10", "places": ["a"], "change": change.pk})  # fmt: skip
    assert {row["id"] for row in near["events"] if row["linked"]} == {events["near"].pk, events["inside"].pk}


def test_a_change_naming_another_maps_event_is_refused_whole(linked_world, people):
    world, map_, _change, events = linked_world
    before = ControlChange.objects.count()
    body = {"date": "2016-03-10", "places": ["a"], "actor": "gov", "sources": [{"id": world.source.pk}],
            "events": [events["near"].pk, events["foreign"].pk]}  # fmt: skip
    response, answer = call(login(people.editor), "post", f"/api/v1/maps/{map_.slug}/changes", body)
    assert (response.status_code, answer["field"]) == (400, "events[1]")
    assert answer["error"] == f"no event {events['foreign'].pk} on this map"
    assert ControlChange.objects.count() == before
    response, answer = call(login(people.editor), "post", f"/api/v1/maps/{map_.slug}/changes", {**body, "events": "1"})
    assert (response.status_code, answer["field"]) == (400, "events")


# --- the change admin -----------------------------------------------------------------------------------------


def test_the_change_admin_offers_the_near_events_and_saves_the_ticked(linked_world, people):
    world, map_, change, events = linked_world
    reviewer = login(people.reviewer)
    url = f"/admin/mapapp/controlchange/{change.pk}/change/"
    page = reviewer.get(url).content.decode()
    assert page.count('name="linked_events"') == 3
    assert "&lt;b&gt;Near&lt;/b&gt; (4.5 km, -1 days)" in page and "<b>Near</b>" not in page
    form = {"date": "2016-03-10", "date_precision": "day", "places": [world.place("a").pk],
            "actor": world.actor("isis").pk, "status": "held", "confidence": "medium", "title": "", "note": "",
            "sources": [world.source.pk], "linked_events": [events["near"].pk]}  # fmt: skip
    response = reviewer.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(change.events.all()) == [events["near"]]
    # An event that is not among the suggestions cannot be ticked.
    response = reviewer.post(url, {**form, "linked_events": [events["far"].pk]})
    assert response.status_code == 200 and list(change.events.all()) == [events["near"]]


def test_the_event_admin_offers_the_near_changes_and_saves_the_ticked(linked_world, people):
    """The same links from the event's side: the changes near it in place and time, labelled as text."""
    world, map_, change, events = linked_world
    near = events["near"]
    reviewer = login(people.reviewer)
    url = f"/admin/mapapp/event/{near.pk}/change/"
    page = reviewer.get(url).content.decode()
    assert page.count('name="linked_changes"') == 1  # the 2015 change is a year away
    assert "&lt;i&gt;Taken&lt;/i&gt; (4.5 km, +1 days)" in page and "<i>Taken</i>" not in page
    form = {"date": "2016-03-09", "date_end": "", "date_precision": "day", "event_type": "Battles",
            "sub_event_type": "", "actor1": "", "actor2": "", "location_name": "<b>Near</b>", "admin_area": "",
            "location": orjson.dumps({"type": "Point", "coordinates": [0.05, 0.005]}).decode(),
            "geo_precision": "exact", "fatalities_best": "", "fatalities_low": "", "fatalities_high": "",
            "notes": "", "linked_changes": [change.pk]}  # fmt: skip
    version = Map.objects.get(pk=map_.pk).data_version
    response = reviewer.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(near.changes.all()) == [change]
    assert Map.objects.get(pk=map_.pk).data_version > version  # the popup now names the change
    # A change that is not among the suggestions cannot be ticked; unticking undoes the link.
    older = ControlChange.objects.get(date=D("2015-01-01"))
    assert reviewer.post(url, {**form, "linked_changes": [older.pk]}).status_code == 200
    assert reviewer.post(url, {**form, "linked_changes": []}).status_code == 302
    assert not near.changes.exists()


def test_an_event_is_linked_only_to_changes_on_its_map(linked_world):
    world, _map, change, events = linked_world
    with pytest.raises(ValidationError) as refused:
        services.event_changes_link(event=events["foreign"], changes=[change])
    assert "not changes on this event" in str(refused.value.message_dict["changes"])
    assert not events["foreign"].changes.exists()


# --- what the public sees -------------------------------------------------------------------------------------


def test_the_events_api_lists_an_events_published_changes_for_its_popup(linked_world, client):
    world, map_, change, events = linked_world
    draft_change = world.change("2016-03-11", ["a"], "gov", publish=False)
    services.change_events_link(change=change, events=[events["near"]])
    services.change_events_link(change=draft_change, events=[events["near"]])
    map_.refresh_from_db()
    body = orjson.loads(client.get(f"/api/v1/maps/{map_.slug}/events", {"from": "2016-03-09", "to": "2016-03-09"})
                        .content)  # fmt: skip
    (feature,) = body["features"]
    assert feature["properties"]["changes"] == [{"id": change.pk, "date": "2016-03-10", "title": "<i>Taken</i>"}]


def test_the_change_page_lists_its_published_events_as_text(linked_world, client):
    _world, map_, change, events = linked_world
    services.change_events_link(change=change, events=[events["near"], events["draft"]])
    page = client.get(f"/maps/{map_.slug}/changes/{change.pk}/").content.decode()
    assert f'data-event="{events["near"].pk}"' in page and f'data-event="{events["draft"].pk}"' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;b&gt;Near&lt;/b&gt;" in page


def test_a_publication_delay_holds_a_linked_change_back_from_the_events_popup(linked_world, client, people):
    """A change published a moment ago on a map with a delay is not the public's yet: the events' popups do not
    name it until the delay has run out; a reviewer sees it at once."""
    world, map_, change, events = linked_world
    older = ControlChange.objects.get(date=D("2015-01-01"))
    services.change_events_link(change=change, events=[events["near"]])
    services.change_events_link(change=older, events=[events["near"]])
    Map.objects.filter(pk=map_.pk).update(publish_delay_hours=6)
    # The first change's publication is backdated past the delay: the public sees it, not the one just published.
    older.history.all().update(history_date=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    url, query = f"/api/v1/maps/{map_.slug}/events", {"from": "2016-03-09", "to": "2016-03-09"}
    (feature,) = orjson.loads(client.get(url, query).content)["features"]
    assert [linked["id"] for linked in feature["properties"]["changes"]] == [older.pk]
    (feature,) = orjson.loads(login(people.reviewer).get(url, query).content)["features"]
    assert [linked["id"] for linked in feature["properties"]["changes"]] == [older.pk, change.pk]
    page = client.get(f"/maps/{map_.slug}/changes/{change.pk}/")
    assert page.status_code == 404
