"""The v1 read API: shapes, edges of intervals, every bad parameter, and a fixed number of queries."""

import datetime as dt

import pytest

from mapapp.models import Map
from tests.conftest import World, world_once_per_module

D = dt.date.fromisoformat


def _small_map(world):
    world.actor("gov", "#c62828")
    world.actor("isis", "#3b3b3b")
    for index, slug in enumerate(["north", "middle", "south"]):
        world.place(slug, x=0.0, y=index * 0.01, name_ar=f"حي {index}")
    world.change("2015-01-01", ["north", "middle", "south"], "gov")
    world.change("2016-03-01", ["north"], "isis", title="ISIS takes the north")
    world.change("2016-06-01", ["middle"], "isis", status="contested")
    return world.map()


# Written once for the module; each test's writes are rolled back before the next.
_small_map_once, world = world_once_per_module(_small_map)


@pytest.fixture
def small_map(world):
    return world.built


def features_by_id(response):
    return {feature["id"]: feature for feature in response.json()["features"]}


def test_maps_list_gives_slug_title_dates_and_bbox(client, small_map):
    response = client.get("/api/v1/maps/")
    assert response.status_code == 200
    [entry] = response.json()["maps"]
    assert entry["slug"] == "test-map"
    assert (entry["start"], entry["end"], entry["default_date"]) == ("2015-01-01", "2017-12-31", "2016-01-01")
    assert entry["bbox"] == pytest.approx([0.0, 0.0, 0.01, 0.03])


def test_zones_on_a_date_carry_holder_status_since_and_sources(client, small_map):
    response = client.get("/api/v1/maps/test-map/zones?date=2016-06-01")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    zones = features_by_id(response)
    assert set(zones) == {"north", "middle", "south"}
    north = zones["north"]["properties"]
    assert (north["actor"], north["status"], north["since"], north["color"]) == (
        "isis",
        "held",
        "2016-03-01",
        "#3b3b3b",
    )
    assert north["sources"][0]["title"] == "Test report"
    assert zones["middle"]["properties"]["status"] == "contested"
    assert zones["south"]["properties"]["since"] == "2015-01-01"
    assert zones["south"]["properties"]["name_ar"] == "حي 2"
    assert zones["south"]["geometry"]["type"] == "MultiPolygon"
    assert zones["south"]["properties"]["besieged"] is False


def test_zone_state_changes_exactly_on_the_change_date(client, small_map):
    before = features_by_id(client.get("/api/v1/maps/test-map/zones?date=2016-02-29"))
    on = features_by_id(client.get("/api/v1/maps/test-map/zones?date=2016-03-01"))
    assert before["north"]["properties"]["actor"] == "gov"
    assert on["north"]["properties"]["actor"] == "isis"


def test_zones_before_any_change_are_unknown(client, db):
    world = World()  # a world of its own, without the module's map
    world.place("a")
    world.actor("gov")
    world.change("2016-01-01", ["a"], "gov")
    world.map()
    [feature] = client.get("/api/v1/maps/test-map/zones?date=2015-06-01").json()["features"]
    assert feature["properties"]["status"] == "unknown"
    assert feature["properties"]["actor"] is None


def test_zones_answer_in_a_fixed_number_of_queries_whatever_the_zone_count(client, db, django_assert_num_queries):
    world = World()  # a world of its own, without the module's map
    world.actor("gov")
    for index in range(3):
        world.place(f"z{index}", x=index * 0.01)
    world.change("2015-01-01", [f"z{index}" for index in range(3)], "gov")
    world.map()
    # the map's row for the kept answers (mapapp/answers.py), the map, then the features built by the database in
    # one statement (periods, sieges, actors, sources and places joined there: mapapp/selectors.py), and the map's
    # row again before the answer is kept
    with django_assert_num_queries(4):
        client.get("/api/v1/maps/test-map/zones?date=2016-01-01")
    more = [world.place(f"m{index}", x=index * 0.01, y=0.05) for index in range(20)]
    world.change("2015-02-01", more, "gov")
    world.services.map_set_zones(map=Map.objects.get(slug="test-map"), zones=list(world.places.values()))
    with django_assert_num_queries(4):
        response = client.get("/api/v1/maps/test-map/zones?date=2016-01-01")
    assert len(response.json()["features"]) == 23


def test_changes_between_dates_lists_changes_with_previous_holder_and_area(client, small_map):
    response = client.get("/api/v1/maps/test-map/changes?from=2016-01-01&to=2016-12-31")
    assert response.status_code == 200
    body = response.json()
    assert [(c["date"], c["place"], c["from_actor"], c["to_actor"], c["status"]) for c in body["changes"]] == [
        ("2016-03-01", "north", "gov", "isis", "held"),
        ("2016-06-01", "middle", "gov", "isis", "contested"),
    ]
    assert body["changes"][0]["sources"][0]["publisher"] == "Test wire"
    gov, isis = body["area_km2"]["gov"], body["area_km2"]["isis"]
    assert gov["lost"] == pytest.approx(isis["gained"])
    assert gov["net"] == pytest.approx(-isis["net"])
    assert isis["gained"] > 2 * 1.1  # two squares of ~1.11 km x 1.11 km


def test_changes_window_is_exclusive_at_from_and_inclusive_at_to(client, small_map):
    body = client.get("/api/v1/maps/test-map/changes?from=2016-03-01&to=2016-06-01").json()
    assert [c["date"] for c in body["changes"]] == ["2016-06-01"]


def test_timeline_counts_changed_zones_per_date(client, small_map):
    body = client.get("/api/v1/maps/test-map/timeline").json()
    assert (body["start"], body["end"]) == ("2015-01-01", "2017-12-31")
    assert body["events"] == [
        {"date": "2015-01-01", "count": 3, "title": ""},
        {"date": "2016-03-01", "count": 1, "title": "ISIS takes the north"},
        {"date": "2016-06-01", "count": 1, "title": ""},
    ]


def test_drafts_are_invisible_to_the_public_api(client, small_map, world):
    world.change("2016-09-01", ["south"], "isis", publish=False)
    zones = features_by_id(client.get("/api/v1/maps/test-map/zones?date=2017-01-01"))
    assert zones["south"]["properties"]["actor"] == "gov"
    body = client.get("/api/v1/maps/test-map/changes?from=2016-08-01&to=2016-12-31").json()
    assert body["changes"] == []


def test_etag_answers_304_until_the_data_changes(client, small_map, world):
    first = client.get("/api/v1/maps/test-map/zones?date=2016-06-01")
    etag = first["ETag"]
    assert client.get("/api/v1/maps/test-map/zones?date=2016-06-01", HTTP_IF_NONE_MATCH=etag).status_code == 304
    world.change("2016-05-01", ["south"], "isis")
    again = client.get("/api/v1/maps/test-map/zones?date=2016-06-01", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert features_by_id(again)["south"]["properties"]["actor"] == "isis"


@pytest.mark.parametrize(
    "url, field, message",
    [
        ("/api/v1/maps/test-map/zones?date=2016-02-30", "date", "not a real date"),
        ("/api/v1/maps/test-map/zones?date=16-02-01", "date", "YYYY-MM-DD"),
        ("/api/v1/maps/test-map/zones?date=", "date", "YYYY-MM-DD"),
        ("/api/v1/maps/test-map/zones?date=yesterday", "date", "YYYY-MM-DD"),
        ("/api/v1/maps/test-map/zones?date=2030-01-01", "date", "outside this map's dates"),
        ("/api/v1/maps/test-map/zones?date=2016-01-01&colour=red", "colour", "unknown parameter"),
        ("/api/v1/maps/test-map/changes?from=2017-01-01&to=2016-01-01", "from", "is after to"),
        ("/api/v1/maps/test-map/changes?from=2016-01-01&to=2016-13-01", "to", "not a real date"),
        ("/api/v1/maps/test-map/changes?from=%00", "from", "NUL character"),
        ("/api/v1/maps/test-map/timeline?date=2016-01-01", "date", "unknown parameter"),
        ("/api/v1/maps/?page=2", "page", "unknown parameter"),
    ],
)
def test_bad_parameters_get_400_with_a_json_error_naming_the_field(client, small_map, url, field, message):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert message in body["error"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/maps/no-such-map/zones?date=2016-01-01",
        "/api/v1/maps/no-such-map/changes",
        "/api/v1/maps/no-such-map/timeline",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_maps_and_paths_get_a_json_404(client, small_map, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()


def test_a_private_map_is_not_served(client, small_map):
    small_map.is_public = False
    small_map.save()
    assert client.get("/api/v1/maps/test-map/zones").status_code == 404
    assert client.get("/api/v1/maps/").json()["maps"] == []


def test_write_methods_on_read_endpoints_are_refused(client, small_map):
    assert client.put("/api/v1/maps/test-map/fronts").status_code == 405
    assert client.delete("/api/v1/maps/test-map/timeline").status_code == 405
    # PUT on a map's zones is the reviewers' write (sets the zones): without a login it is refused as such
    assert client.put("/api/v1/maps/test-map/zones").status_code == 401
    assert client.delete("/api/v1/maps/test-map/zones").status_code == 405


def test_schema_describes_the_read_endpoints(client):
    body = client.get("/api/v1/schema").json()
    assert body["openapi"].startswith("3.")
    for path in ("/api/v1/maps/", "/api/v1/maps/{slug}/zones", "/api/v1/maps/{slug}/changes"):
        assert path in body["paths"]
