"""The viewer's data endpoints: /geometry (zones once) and /history (the compact record), checked against the
per-date /zones answer so the browser's derivation has the same inputs the server uses."""

import datetime as dt

import orjson
import pytest

from mapapp import services
from mapapp.models import Map
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat


def _squares(world):
    """Three squares of 0.01° side: a, b, c; gov takes a and b, isis contests b, rebels take c, isis besieges a."""
    world.place("a", 0.0, 0.0, name_ar="أ")
    world.place("b", 0.01, 0.0)
    world.place("c", 0.02, 0.0)
    world.change("2015-01-01", ["a", "b"], "gov")
    world.change("2015-06-01", ["b"], "isis", status="contested", confidence="low", title="isis pushes in")
    world.change("2015-03-01", ["c"], "rebels")
    world.map(slug="squares", start="2015-02-01", end="2016-12-31", default="2015-07-01")
    services.siege_record(
        slug="siege-a",
        name_en="Siege of A",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("isis")],
        start=D("2015-04-01"),
        end=D("2016-01-01"),
        places=[(world.place("a"), D("2015-10-01"))],
        sources=[world.source],
        publish=True,
    )


# Written once for the module; each test's writes are rolled back before the next, and the answers kept under the
# map's version by an earlier test forgotten (tests/conftest.py: world_once_per_module). The demo's history is
# checked in test_demo.py, so that the demo and this world never share a module.
_squares_once, world = world_once_per_module(_squares)


@pytest.fixture
def squares(world):
    return world


def get_json(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return response, orjson.loads(response.content)


def test_geometry_lists_zones_in_slug_order_with_static_properties(client, squares):
    response, data = get_json(client, "/api/v1/maps/squares/geometry")
    assert [f["id"] for f in data["features"]] == ["a", "b", "c"]
    a = data["features"][0]
    assert a["properties"]["name_ar"] == "أ"
    assert a["properties"]["kind"] == "district"
    assert a["properties"]["label"] == [0.005, 0.005]
    assert a["properties"]["area_km2"] == pytest.approx(1.23, abs=0.02)  # 0.01° square at the equator
    assert a["geometry"]["type"] == "MultiPolygon"
    assert a["geometry"]["coordinates"][0][0][1] == [0.01, 0.0]
    assert "actor" not in a["properties"]  # state lives in /history
    edges = data["edges"]  # derived by the services when the zones were set: a|b, b|c, and each on the outer edge
    pairs = list(zip(edges["a"], edges["b"], strict=True))
    assert sorted(pairs, key=str) == sorted([(0, 1), (1, 2), (0, None), (1, None), (2, None)], key=str)
    assert edges["geometry"][pairs.index((0, 1))]["coordinates"] == [[[0.01, 0], [0.01, 0.01]]]
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["ETag"]


def test_geometry_with_the_current_version_is_immutable_and_an_old_one_redirects(client, squares):
    version = Map.objects.get(slug="squares").data_version
    response = client.get(f"/api/v1/maps/squares/geometry?v={version}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    old = client.get(f"/api/v1/maps/squares/geometry?v={version - 1}")
    assert old.status_code == 302
    assert old["Location"] == f"/api/v1/maps/squares/geometry?v={version}"


@pytest.mark.parametrize(
    "query",
    [
        "zones?date=2015-07-01",
        "changes?from=2015-02-01&to=2015-07-01",
        "timeline",
        "fronts?date=2015-07-01",
        "sieges?date=2015-07-01",
        "pockets?date=2015-07-01&enclosed=false",
        "stats/area?from=2015-02-01&to=2015-12-01&step=month",
    ],
)
def test_every_read_of_a_maps_data_is_immutable_at_its_version_and_a_publish_moves_it_on(client, squares, query):
    map_ = Map.objects.get(slug="squares")
    version = map_.data_version
    url = f"/api/v1/maps/squares/{query}{'&' if '?' in query else '?'}v={version}"
    current = client.get(url)
    assert current.status_code == 200, current.content
    assert current["Cache-Control"] == "public, max-age=31536000, immutable"
    # a published change bumps the version: the old URL now sends the client to the same question, answered anew
    squares.change("2015-05-01", ["c"], "isis")
    map_.refresh_from_db()
    assert map_.data_version > version
    moved = client.get(url)
    assert moved.status_code == 302 and moved["Cache-Control"] == "no-cache"
    target = moved["Location"]
    assert target.startswith(f"/api/v1/maps/squares/{query.split('?')[0]}?")
    expected = dict(part.split("=") for part in query.partition("?")[2].split("&") if part) | {
        "v": str(map_.data_version)
    }
    assert dict(part.split("=") for part in target.partition("?")[2].split("&")) == expected
    fresh = client.get(target)
    assert fresh.status_code == 200
    assert fresh.content == client.get(f"/api/v1/maps/squares/{query}").content  # today's answer
    if not query.startswith("sieges"):  # c going to isis moves fronts, pockets and areas; the siege of a stays
        assert fresh.content != current.content


def test_a_bad_version_is_refused_naming_v(client, squares):
    response = client.get("/api/v1/maps/squares/fronts?date=2015-07-01&v=latest")
    assert response.status_code == 400
    assert response.json()["field"] == "v"


@pytest.mark.parametrize("endpoint", ["geometry", "history"])
def test_viewer_endpoints_answer_304_to_a_matching_etag(client, squares, endpoint):
    first = client.get(f"/api/v1/maps/squares/{endpoint}")
    again = client.get(f"/api/v1/maps/squares/{endpoint}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    edited = Map.objects.get(slug="squares")
    edited.credit = "Map: the desk"  # an edit the map shows moves its data version
    edited.save()
    after_edit = client.get(f"/api/v1/maps/squares/{endpoint}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after_edit.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("v=abc", "v must be the map's data version, a whole number, got 'abc'"),
        ("v=-1", "v must be the map's data version, a whole number, got '-1'"),
        ("date=2015-01-01", "unknown parameter 'date' (allowed: v)"),
    ],
)
@pytest.mark.parametrize("endpoint", ["geometry", "history"])
def test_viewer_endpoints_reject_bad_parameters(client, squares, endpoint, query, message):
    response = client.get(f"/api/v1/maps/squares/{endpoint}?{query}")
    assert response.status_code == 400
    assert orjson.loads(response.content) == {"error": message, "field": query.split("=")[0]}


@pytest.mark.parametrize("endpoint", ["geometry", "history"])
def test_viewer_endpoints_404_for_unknown_and_private_maps(client, squares, endpoint):
    assert client.get(f"/api/v1/maps/nowhere/{endpoint}").status_code == 404
    Map.objects.filter(slug="squares").update(is_public=False)
    response = client.get(f"/api/v1/maps/squares/{endpoint}")
    assert response.status_code == 404
    assert orjson.loads(response.content) == {"error": "no map 'squares'"}


def test_history_holds_periods_as_day_numbers_from_the_map_start(client, squares):
    _, data = get_json(client, "/api/v1/maps/squares/history")
    assert data["epoch"] == "2015-02-01"
    assert (data["start"], data["end"], data["default"]) == (0, 699, 150)
    assert data["zones"] == 3
    actors = [actor["slug"] for actor in data["actors"]]
    assert sorted(actors) == ["gov", "isis", "rebels"]
    periods = data["periods"]
    rows = [
        (
            periods["zone"][i],
            actors[periods["actor"][i]],
            data["statuses"][periods["status"][i]],
            periods["from"][i],
            periods["to"][i],
            periods["since"][i],
        )
        for i in range(len(periods["zone"]))
    ]
    assert rows == [
        (0, "gov", "held", -31, None, -31),  # before the map starts: a negative day
        (1, "gov", "held", -31, 120, -31),
        (1, "isis", "contested", 120, None, 120),
        (2, "rebels", "held", 28, None, 28),
    ]
    changes = data["changes"]
    contested = periods["change"][2]
    assert changes["day"][contested] == 120
    assert changes["title"][contested] == "isis pushes in"
    assert data["confidences"][changes["confidence"][contested]] == "low"
    [source] = changes["sources"][contested]
    assert data["sources"]["title"][source] == "Test report"
    assert data["sources"]["url"][source] == "https://example.org/r"
    [siege] = data["sieges"]
    assert siege["slug"] == "siege-a"
    assert actors[siege["besieged"]] == "gov"
    assert [actors[i] for i in siege["besieging"]] == ["isis"]
    assert (siege["start"], siege["end"], siege["zones"], siege["until"]) == (59, 334, [0], [242])


def test_history_leaves_out_drafts(client, squares):
    squares.change("2015-08-01", ["c"], "isis", publish=False)
    _, data = get_json(client, "/api/v1/maps/squares/history")
    assert len(data["periods"]["zone"]) == 4
    assert 181 not in data["changes"]["day"]


def zone_state_from_history(history, zone, day):
    """The rule the browser applies (static/js/viewer/history.js), written again to check the data."""
    periods = history["periods"]
    for i, z in enumerate(periods["zone"]):
        if z == zone and periods["from"][i] <= day and (periods["to"][i] is None or day < periods["to"][i]):
            return history["actors"][periods["actor"][i]]["slug"], history["statuses"][periods["status"][i]]
    return None, "unknown"


def test_history_and_geometry_take_a_fixed_number_of_queries(client, squares, django_assert_num_queries):
    # Each first read at a version: the map's row for the kept answers (mapapp/answers.py), then the view's, then
    # the map's row again before the answer is kept.
    with django_assert_num_queries(11):  # the map's row, the map, then eight, the map's row
        client.get("/api/v1/maps/squares/history")
    with django_assert_num_queries(5):  # the map's row, the map, zones, edges, the map's row
        client.get("/api/v1/maps/squares/geometry")
    for slug in "defgh":
        squares.place(slug, 0.1, 0.1)
        squares.change("2015-09-01", [slug], "rebels")
    services.map_set_zones(map=Map.objects.get(slug="squares"), zones=list(squares.places.values()))
    with django_assert_num_queries(11):
        client.get("/api/v1/maps/squares/history")
    with django_assert_num_queries(5):
        client.get("/api/v1/maps/squares/geometry")


def test_schema_documents_the_viewer_endpoints(client):
    _, schema = get_json(client, "/api/v1/schema")
    assert "/api/v1/maps/{slug}/geometry" in schema["paths"]
    assert "/api/v1/maps/{slug}/history" in schema["paths"]
