"""Events: the rules event_create/event_update keep, and the admin where editors add and edit them."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.test import Client

from mapapp import services
from mapapp.events.models import Event, EventState
from mapapp.models import Map
from mapapp.roles import EDITORS, REVIEWERS
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat


def _small(world):
    """Two squares of 0.01 degrees from (0, 0) to (0.02, 0.01), a map over 2015-2017 with two sides."""
    world.place("a", x=0.0)
    world.place("b", x=0.01)
    world.actor("gov", "#cc0000")
    world.actor("isis", "#333333")
    world.change("2015-01-01", ["a", "b"], "gov")
    return world.map(zones=[world.place("a"), world.place("b")])


# Written once for the module; each test's writes are rolled back before the next.
_small_once, world = world_once_per_module(_small)


@pytest.fixture
def small(world):
    return world, world.built


def create(map_, **extra):
    arguments = dict(map=map_, on=D("2016-03-01"), event_type="Battles", location=Point(0.005, 0.005, srid=4326))
    return services.event_create(**{**arguments, **extra})


def test_an_event_is_saved_with_everything_it_says_and_bumps_the_map_version(small):
    world, map_ = small
    version = map_.data_version
    event = create(
        map_, sub_event_type="Armed clash", actor1="Gov forces", actor2="IS", actors=[world.actor("gov")],
        fatalities_best=3, fatalities_low=2, fatalities_high=5, sources=[world.source], notes="  clash  ",
        date_end=D("2016-03-03"), date_precision="week", geo_precision="near",
    )  # fmt: skip
    event.refresh_from_db()
    assert (event.date, event.date_end, event.date_precision) == (D("2016-03-01"), D("2016-03-03"), "week")
    assert (event.fatalities_low, event.fatalities_best, event.fatalities_high) == (2, 3, 5)
    assert event.notes == "clash" and event.review_state == EventState.DRAFT
    assert list(event.actors.all()) == [world.actor("gov")] and list(event.sources.all()) == [world.source]
    assert Map.objects.get(pk=map_.pk).data_version == version + 1


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"on": D("2014-12-31")}, "date", "2014-12-31 is outside the map's dates 2015-01-01..2017-12-31"),
        ({"on": "2016-03-01"}, "date", "date must be a real date (YYYY-MM-DD), got '2016-03-01'"),
        ({"date_end": D("2016-02-01")}, "date_end", "the last day 2016-02-01 is before the first 2016-03-01"),
        ({"event_type": "  "}, "event_type", "an event needs a type (e.g. Battles)"),
        ({"location": Point(0.5, 0.5, srid=4326)}, "location", "the point 0.50000, 0.50000 is outside the map's area"),
        ({"location": None}, "location", "an event needs a point (longitude, latitude)"),
        ({"date_precision": "hour"}, "date_precision", "date precision must be one of day, week, month, year"),
        ({"geo_precision": "street"}, "geo_precision",
         "place precision must be one of exact, near, district, province, country"),
        ({"fatalities_best": -1}, "fatalities_best", "fatalities must be a whole number, 0 or more"),
        ({"fatalities_best": 3, "fatalities_low": 4}, "fatalities_low", "the low estimate is above the best estimate"),
        ({"fatalities_best": 3, "fatalities_high": 2}, "fatalities_high",
         "the high estimate is below the best estimate"),
    ],
)  # fmt: skip
def test_an_event_that_breaks_a_rule_is_refused_naming_the_field(small, extra, field, message):
    _world, map_ = small
    with pytest.raises(ValidationError) as refused:
        create(map_, **extra)
    assert refused.value.message_dict[field] == [message]
    assert Event.objects.count() == 0


def test_actors_must_be_the_maps(small):
    world, map_ = small
    stranger = world.services.actor_create(slug="stranger", name_en="Stranger", color="#00ff00")
    with pytest.raises(ValidationError) as refused:
        create(map_, actors=[stranger])
    assert refused.value.message_dict["actors"] == ["not actors of this map: stranger"]


def test_update_changes_the_event_in_place(small):
    world, map_ = small
    event = create(map_, fatalities_best=1)
    version = Map.objects.get(pk=map_.pk).data_version
    services.event_update(event=event, on=D("2016-04-01"), event_type="Shelling", location=Point(0.015, 0.005),
                          fatalities_best=2, sources=[world.source])  # fmt: skip
    event.refresh_from_db()
    assert (event.date, event.event_type, event.fatalities_best) == (D("2016-04-01"), "Shelling", 2)
    assert (event.location.x, event.location.y, event.location.srid) == (0.015, 0.005, 4326)
    assert Map.objects.get(pk=map_.pk).data_version == version + 1
    with pytest.raises(ValidationError):
        services.event_update(event=event, on=D("2018-01-01"), event_type="Shelling", location=Point(0.015, 0.005))


def test_the_external_id_is_unique_per_map_and_dataset(small):
    _world, map_ = small
    create(map_, origin="acled", external_id="SYR1")
    create(map_, origin="ucdp", external_id="SYR1")  # another dataset's id 1 is another event
    with pytest.raises(ValidationError):
        create(map_, origin="acled", external_id="SYR1")


# --- the admin ------------------------------------------------------------------------------------------------


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def event_form(world, map_, **extra) -> dict:
    data = {
        "map": map_.pk,
        "date": "2016-03-01",
        "date_end": "",
        "date_precision": "day",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "<script>alert('actor')</script>",
        "actor2": "",
        "actors": [world.actor("gov").pk],
        "location": json.dumps({"type": "Point", "coordinates": [0.005, 0.005]}),
        "location_name": "Square A",
        "admin_area": "",
        "geo_precision": "exact",
        "fatalities_best": "2",
        "fatalities_low": "",
        "fatalities_high": "",
        "sources": [world.source.pk],
        "notes": "<b>bold?</b>",
    }
    data.update(extra)
    return data


def test_the_roles_can_add_edit_and_publish_events(db):
    editors = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    reviewers = set(Group.objects.get(name=REVIEWERS).permissions.values_list("codename", flat=True))
    assert {"add_event", "change_event", "view_event"} <= editors and "publish_event" not in editors
    assert "publish_event" in reviewers and "delete_event" not in reviewers


def test_an_editor_adds_a_draft_through_the_service_and_text_is_escaped(small, people):
    world, map_ = small
    client = login(people.editor)
    response = client.post("/admin/mapapp/event/add/", event_form(world, map_))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.review_state == EventState.DRAFT and event.created_by == people.editor
    assert (event.location.x, event.location.y) == (0.005, 0.005) and event.fatalities_best == 2
    assert list(event.actors.all()) == [world.actor("gov")]
    listing = client.get("/admin/mapapp/event/").content.decode()
    assert "&lt;script&gt;alert(&#x27;actor&#x27;)&lt;/script&gt;" in listing and "<script>alert(" not in listing
    page = client.get(f"/admin/mapapp/event/{event.pk}/change/").content.decode()
    assert "&lt;b&gt;bold?&lt;/b&gt;" in page and "<b>bold?</b>" not in page


def test_the_admin_form_shows_the_services_reasons(small, people):
    world, map_ = small
    client = login(people.editor)
    response = client.post(
        "/admin/mapapp/event/add/",
        event_form(world, map_, date="2019-01-01", location=json.dumps({"type": "Point", "coordinates": [5, 5]})),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2019-01-01 is outside the map&#x27;s dates 2015-01-01..2017-12-31" in page
    assert "the point 5.00000, 5.00000 is outside the map&#x27;s area" in page
    assert Event.objects.count() == 0


def test_editors_change_drafts_reviewers_publish_and_change_published(small, people):
    world, map_ = small
    event = create(map_, sources=[world.source])
    editor, reviewer = login(people.editor), login(people.reviewer)
    url = f"/admin/mapapp/event/{event.pk}/change/"
    assert editor.post(url, event_form(world, map_, event_type="Shelling")).status_code == 302
    event.refresh_from_db()
    assert event.event_type == "Shelling"
    # An editor has no publish action; a reviewer has.
    changelist = "/admin/mapapp/event/"
    editor.post(changelist, {"action": "publish_events", "_selected_action": [event.pk]})
    assert Event.objects.get(pk=event.pk).review_state == EventState.DRAFT
    reviewer.post(changelist, {"action": "publish_events", "_selected_action": [event.pk]})
    assert Event.objects.get(pk=event.pk).review_state == EventState.PUBLISHED
    # Published: the editor may look but not change it; the reviewer may.
    assert editor.post(url, event_form(world, map_, event_type="Air strike")).status_code == 403
    assert reviewer.post(url, event_form(world, map_, event_type="Air strike")).status_code == 302
    assert Event.objects.get(pk=event.pk).event_type == "Air strike"


def test_outsiders_cannot_open_the_events_admin(small, people, client):
    assert client.get("/admin/mapapp/event/").status_code == 302
    assert login(people.staff).get("/admin/mapapp/event/").status_code == 403
