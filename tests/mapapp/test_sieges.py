"""Sieges: when a zone counts as besieged, and what a siege record must hold."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from mapapp import selectors, services
from mapapp.models import Siege

D = dt.date.fromisoformat


@pytest.fixture
def besieged_world(world):
    world.actor("gov")
    world.actor("isis")
    world.change("2015-01-01", ["city", "airport"], "gov")
    world.place("airport", x=0.02)
    world.change("2016-06-01", ["city"], "isis")
    map_ = world.map()
    siege = services.siege_record(
        slug="the-siege",
        name_en="The siege",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("isis")],
        start=D("2015-03-01"),
        end=D("2017-01-01"),
        places=[(world.place("city"), None), (world.place("airport"), D("2016-09-01"))],
        sources=[world.source],
        supplies=[("air_bridge", D("2015-03-01"), None, "")],
        publish=True,
    )
    return world, map_, siege


def besieged_on(map_, day):
    states = selectors.zone_states_at(map=map_, on=D(day))
    ids = selectors.besieged_place_ids(map=map_, on=D(day), states=states)
    return sorted(map_.places.filter(pk__in=ids).values_list("slug", flat=True))


def test_a_siege_holds_from_its_start_inclusive_to_its_end_exclusive(besieged_world):
    _world, map_, _siege = besieged_world
    assert besieged_on(map_, "2015-02-28") == []
    assert besieged_on(map_, "2015-03-01") == ["airport", "city"]
    assert besieged_on(map_, "2016-12-31") == []  # the city fell, the airport was relieved
    assert besieged_on(map_, "2017-01-01") == []


def test_a_place_relieved_early_stops_being_besieged_on_its_own_date(besieged_world):
    _world, map_, _siege = besieged_world
    assert "airport" in besieged_on(map_, "2016-08-31")
    assert "airport" not in besieged_on(map_, "2016-09-01")


def test_ground_taken_by_the_besiegers_is_no_longer_besieged(besieged_world):
    _world, map_, _siege = besieged_world
    assert "city" in besieged_on(map_, "2016-05-31")
    assert "city" not in besieged_on(map_, "2016-06-01")


def test_a_draft_siege_is_not_public(world):
    world.actor("gov")
    world.change("2015-01-01", ["city"], "gov")
    map_ = world.map()
    services.siege_record(
        slug="draft-siege",
        name_en="Draft",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("isis")],
        start=D("2015-03-01"),
        places=[(world.place("city"), None)],
        sources=[world.source],
    )
    assert besieged_on(map_, "2015-06-01") == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end": D("2015-03-01")}, "end"),
        ({"places": []}, "places"),
        ({"besieging_actors": []}, "besieging_actors"),
        ({"sources": []}, "sources"),
        ({"supplies": [("by sea", D("2015-03-01"), None, "")]}, "supplies"),
        ({"supplies": [("land", D("2015-05-01"), D("2015-04-01"), "")]}, "supplies"),
        ({"start": "March 2015"}, "start"),
    ],
)
def test_a_siege_needs_sane_dates_places_besiegers_and_sources(world, change, field):
    arguments = {
        "slug": "s",
        "name_en": "S",
        "besieged_actor": world.actor("gov"),
        "besieging_actors": [world.actor("isis")],
        "start": D("2015-03-01"),
        "places": [(world.place("city"), None)],
        "sources": [world.source],
    }
    arguments.update(change)
    with pytest.raises(ValidationError) as excinfo:
        services.siege_record(**arguments)
    assert field in excinfo.value.message_dict
    assert not Siege.objects.exists()


def test_an_actor_cannot_besiege_itself(world):
    with pytest.raises(ValidationError) as excinfo:
        services.siege_record(
            slug="s",
            name_en="S",
            besieged_actor=world.actor("gov"),
            besieging_actors=[world.actor("gov")],
            start=D("2015-03-01"),
            places=[(world.place("city"), None)],
            sources=[world.source],
        )
    assert "itself" in excinfo.value.message_dict["besieging_actors"][0]


# --- Two sieges at once on the same ground ------------------------------------------------------------------


@pytest.fixture
def overlapping_sieges(world):
    """The city is besieged by ISIS from 2015-03-01 to 2016-01-01 and, from 2015-06-01 to 2017-01-01, by the
    rebels too; the airport only by ISIS. The later siege is recorded first, so record order is not start
    order."""
    world.actor("gov")
    world.actor("isis")
    world.actor("rebels")
    world.place("airport", x=0.02)
    world.change("2015-01-01", ["city", "airport"], "gov")
    map_ = world.map()
    common = {"besieged_actor": world.actor("gov"), "sources": [world.source], "publish": True}
    services.siege_record(
        slug="rebel-siege",
        name_en="Rebel siege",
        besieging_actors=[world.actor("rebels")],
        start=D("2015-06-01"),
        end=D("2017-01-01"),
        places=[(world.place("city"), None)],
        **common,
    )
    services.siege_record(
        slug="isis-siege",
        name_en="ISIS siege",
        besieging_actors=[world.actor("isis")],
        start=D("2015-03-01"),
        end=D("2016-01-01"),
        places=[(world.place("city"), None), (world.place("airport"), None)],
        **common,
    )
    return map_


def zones_on(client, day):
    features = client.get(f"/api/v1/maps/test-map/zones?date={day}").json()["features"]
    return {
        f["id"]: (f["properties"]["besieged"], f["properties"]["siege"], f["properties"]["sieges"]) for f in features
    }


def sieges_on(client, day):
    features = client.get(f"/api/v1/maps/test-map/sieges?date={day}").json()["features"]
    return {f["properties"]["siege"]: f["properties"]["places"] for f in features}


def test_a_zone_inside_two_sieges_is_in_both(overlapping_sieges):
    states = selectors.zone_states_at(map=overlapping_sieges, on=D("2015-08-01"))
    ids = selectors.besieged_place_ids(map=overlapping_sieges, on=D("2015-08-01"), states=states)
    slugs = dict(Siege.objects.values_list("pk", "slug"))
    by_place = {place.slug: [slugs[pk] for pk in ids.get(place.pk, [])] for place in overlapping_sieges.places.all()}
    assert by_place == {"city": ["isis-siege", "rebel-siege"], "airport": ["isis-siege"]}


def test_zones_say_besieged_while_any_siege_holds_and_name_every_siege(client, overlapping_sieges):
    assert zones_on(client, "2015-02-28") == {"city": (False, None, []), "airport": (False, None, [])}
    assert zones_on(client, "2015-03-01") == {
        "city": (True, "isis-siege", ["isis-siege"]),
        "airport": (True, "isis-siege", ["isis-siege"]),
    }
    both = (True, "isis-siege", ["isis-siege", "rebel-siege"])
    assert zones_on(client, "2015-06-01") == {"city": both, "airport": (True, "isis-siege", ["isis-siege"])}
    assert zones_on(client, "2015-12-31")["city"] == both
    # The ISIS siege ends; the rebels' still holds the city.
    assert zones_on(client, "2016-01-01") == {
        "city": (True, "rebel-siege", ["rebel-siege"]),
        "airport": (False, None, []),
    }
    assert zones_on(client, "2017-01-01")["city"] == (False, None, [])


def test_each_sieges_feature_includes_the_shared_zone(client, overlapping_sieges):
    assert sieges_on(client, "2015-04-01") == {"isis-siege": ["airport", "city"]}
    assert sieges_on(client, "2015-08-01") == {"isis-siege": ["airport", "city"], "rebel-siege": ["city"]}
    assert sieges_on(client, "2016-06-01") == {"rebel-siege": ["city"]}
    features = client.get("/api/v1/maps/test-map/sieges?date=2015-08-01").json()["features"]
    areas = {f["properties"]["siege"]: f["properties"]["area_km2"] for f in features}
    assert areas["isis-siege"] > areas["rebel-siege"] > 0  # two squares against one


def test_history_lists_the_shared_zone_in_both_sieges(client, overlapping_sieges):
    geometry = client.get("/api/v1/maps/test-map/geometry").json()
    zone_slugs = [feature["id"] for feature in geometry["features"]]
    history = client.get("/api/v1/maps/test-map/history").json()
    sieges = {s["slug"]: sorted(zone_slugs[z] for z in s["zones"]) for s in history["sieges"]}
    assert sieges == {"isis-siege": ["airport", "city"], "rebel-siege": ["city"]}
    # In start order, the order /zones names them in.
    assert [s["slug"] for s in history["sieges"]] == ["isis-siege", "rebel-siege"]


def test_pockets_name_a_siege_for_ground_inside_two(client, overlapping_sieges):
    features = client.get("/api/v1/maps/test-map/pockets?date=2016-06-01").json()["features"]
    city = [f["properties"] for f in features if f["properties"]["places"] == ["city"]]
    assert city and city[0]["siege"] == "rebel-siege"
