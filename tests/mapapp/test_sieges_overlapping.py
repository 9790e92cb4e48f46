"""Two sieges at once on the same ground: a zone inside both is in both, in the zones, sieges, history and
pockets answers (split from test_sieges.py so that each module writes its record once)."""

import datetime as dt

import pytest

from mapapp import selectors, services
from mapapp.models import Siege
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat


def _overlapping_sieges(world):
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


# Written once for the module (tests/conftest.py's world_once_per_module), each test in a savepoint rolled back
# after it.
_overlapping_sieges_once, overlapping = world_once_per_module(_overlapping_sieges)


@pytest.fixture
def overlapping_sieges(overlapping):
    return overlapping.built


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
