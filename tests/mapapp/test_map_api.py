"""The write API for maps of any size (issue 12): POST /api/v1/maps, PUT /api/v1/maps/<slug>/zones, changes of
any number of places, and POST /api/v1/changes/publish publishing many drafts in one transaction."""

from __future__ import annotations

import datetime as dt
import json

import orjson
import pytest
import shapely
from django.test import Client

from gazetteer.models import Place
from gazetteer.services import places_bulk_create
from mapapp import services
from mapapp.lib import geo
from mapapp.models import Actor, ControlChange, ControlPeriod, Map, ReviewState, ZoneEdge

# A SIDE x SIDE grid of 0.01-degree squares: 576 zones, more than the 500 a change once stopped at; the same
# requests on 3,600 zones are timed by `python -m bench map_write` (bench/bench_map_write.py).
SIDE = 24


def ring(x, y, size=0.01):
    # Rounded so that neighbouring cells share their vertices exactly (36 + 0.01 * 3 is not 36.02 + 0.01).
    x1, y1 = round(x + size, 6), round(y + size, 6)
    return [[x, y], [x1, y], [x1, y1], [x, y1], [x, y]]


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def send(client: Client, method: str, url: str, payload) -> object:
    return getattr(client, method)(url, data=orjson.dumps(payload), content_type="application/json")


def map_body(**overrides) -> dict:
    payload = {
        "slug": "front",
        "title": "The front",
        "title_ar": "الجبهة",
        "start": "2020-01-01",
        "end": "2020-12-31",
        "area": {"type": "Polygon", "coordinates": [ring(36.0, 35.0, 0.6)]},
        "actors": [{"slug": "army", "name": "Army", "color": "#AA0000"}, {"slug": "rebels", "name": "Rebels",
                                                                          "color": "#00aa00"}],
    }  # fmt: skip
    payload.update(overrides)
    return payload


def cells(side: int) -> list[str]:
    """side x side square zones in the gazetteer (not yet on any map), tiling from 36 E, 35 N."""
    places_bulk_create(
        places=[
            {
                "slug": f"cell-{i:02d}-{j:02d}",
                "name_en": f"Cell {i} {j}",
                "kind": "area",
                "footprint": geo.geos_multipolygon(
                    shapely.Polygon(ring(round(36.0 + 0.01 * i, 6), round(35.0 + 0.01 * j, 6)))
                ),
                "footprint_approximate": False,
            }
            for i in range(side)
            for j in range(side)
        ]
    )
    return [f"cell-{i:02d}-{j:02d}" for i in range(side) for j in range(side)]


@pytest.fixture
def grid(db):
    return cells(6)


@pytest.fixture
def big_grid(db):
    return cells(SIDE)


def test_create_a_map_over_an_area_as_one_zone(people):
    response = send(login(people.reviewer), "post", "/api/v1/maps", map_body())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["zones"] == 1 and answer["actors"] == ["army", "rebels"]
    assert answer["area_km2"] == pytest.approx(geo.area_km2(shapely.Polygon(ring(36.0, 35.0, 0.6))), abs=1e-3)
    assert response["Location"] == "/api/v1/maps/front/zones"
    assert Actor.objects.get(slug="army").color == "#aa0000"
    zones = Client().get("/api/v1/maps/front/zones?date=2020-06-01").json()["features"]
    assert [feature["id"] for feature in zones] == ["front-area"]


def test_who_may_create_and_set_zones(people, grid):
    for person, status in ((None, 401), (people.editor, 403), (people.outsider, 403)):
        client = login(person) if person else Client()
        assert send(client, "post", "/api/v1/maps", map_body()).status_code == status
    assert not Map.objects.exists()
    services.map_create_over(
        slug="front", title_en="Front", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31),
        zones=[Place.objects.get(slug=grid[0])],
    )  # fmt: skip
    assert send(login(people.editor), "put", "/api/v1/maps/front/zones", {"zones": grid[:2]}).status_code == 403
    assert Map.objects.get().places.count() == 1


def test_thousands_of_zones_a_change_of_all_of_them_and_batch_publish(people, big_grid):
    grid = big_grid
    reviewer = login(people.reviewer)
    area = ring(36.0, 35.0, SIDE / 100)  # the grid's outline
    response = send(
        reviewer, "post", "/api/v1/maps", map_body(zones=grid, area={"type": "Polygon", "coordinates": [area]})
    )
    assert response.status_code == 201, response.content
    map_ = Map.objects.get(slug="front")
    assert map_.places.count() == SIDE * SIDE
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=False).count() == 2 * SIDE * (SIDE - 1)
    assert geo.area_km2(map_.area) == pytest.approx(geo.area_km2(shapely.Polygon(area)), rel=1e-6)

    # one change of every zone (no 500 cap), and a second one of half of them
    source = {"title": "Monitor snapshot", "url": "https://example.org/snapshot"}
    first = send(reviewer, "post", "/api/v1/maps/front/changes",
                 {"date": "2020-02-01", "places": grid, "actor": "army", "sources": [source]})  # fmt: skip
    assert first.status_code == 201, first.content[:300]
    assert len(first.json()["places"]) == SIDE * SIDE
    half = grid[: SIDE * SIDE // 2]
    second = send(reviewer, "post", "/api/v1/maps/front/changes",
                  {"date": "2020-03-01", "places": half, "actor": "rebels", "sources": [source]})  # fmt: skip
    assert second.status_code == 201
    ids = [first.json()["id"], second.json()["id"]]

    # a bad id refuses the whole batch, naming it; nothing is published
    refused = send(reviewer, "post", "/api/v1/changes/publish", {"ids": [ids[0], 999999, ids[1]]})
    assert refused.status_code == 400
    assert refused.json() == {"error": "no control change 999999", "field": "ids[1]"}
    assert not ControlChange.objects.filter(review_state=ReviewState.PUBLISHED).exists()

    assert send(login(people.editor), "post", "/api/v1/changes/publish", {"ids": ids}).status_code == 403
    done = send(reviewer, "post", "/api/v1/changes/publish", {"ids": ids})
    assert done.status_code == 200 and done.json() == {"published": ids}
    stats = Client().get("/api/v1/maps/front/zones?date=2020-03-01").json()["features"]
    holders = {}
    for feature in stats:
        holders[feature["properties"]["actor"]] = holders.get(feature["properties"]["actor"], 0) + 1
    assert holders == {"army": SIDE * SIDE // 2, "rebels": SIDE * SIDE // 2}

    # publishing one already published refuses the batch (the draft in it stays a draft)
    third = send(reviewer, "post", "/api/v1/maps/front/changes",
                 {"date": "2020-04-01", "places": grid[:3], "actor": "army", "sources": [source]})  # fmt: skip
    periods = ControlPeriod.objects.count()
    again = send(reviewer, "post", "/api/v1/changes/publish", {"ids": [third.json()["id"], ids[0]]})
    assert again.status_code == 400 and again.json()["field"] == "ids[1]"
    assert str(ids[0]) in again.json()["error"]
    assert ControlChange.objects.get(pk=third.json()["id"]).review_state == ReviewState.DRAFT
    assert ControlPeriod.objects.count() == periods


def test_put_zones_as_slugs_and_as_a_feature_collection(people, big_grid):
    grid = big_grid
    reviewer = login(people.reviewer)
    assert send(reviewer, "post", "/api/v1/maps", map_body(zones=grid[:10])).status_code == 201
    many = SIDE * SIDE - 10
    response = send(reviewer, "put", "/api/v1/maps/front/zones", {"zones": grid[:many]})
    assert response.status_code == 200 and response.json()["zones"] == many
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "West bank", "name_ar": "الضفة الغربية"},
             "geometry": {"type": "Polygon", "coordinates": [ring(36.0, 35.0, 0.25)]}},
            {"type": "Feature", "properties": {"name": "East bank"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[ring(36.25, 35.0, 0.25)]]}},
        ],
    }  # fmt: skip
    response = send(reviewer, "put", "/api/v1/maps/front/zones", collection)
    assert response.status_code == 200, response.content
    map_ = Map.objects.get(slug="front")
    assert sorted(map_.places.values_list("name_en", "name_ar")) == [("East bank", ""), ("West bank", "الضفة الغربية")]
    features = Client().get("/api/v1/maps/front/zones").json()["features"]
    assert sorted(f["properties"]["name_en"] for f in features) == ["East bank", "West bank"]


@pytest.mark.parametrize(
    "payload, field, words",
    [
        ({"zones": ["cell-00-00", "nowhere"]}, "zones", "unknown place 'nowhere'"),
        ({"zones": []}, "zones", "list of place slugs"),
        ({"zones": "cell-00-00"}, "zones", "list of place slugs"),
        ({"zones": ["cell-00-00"], "extra": 1}, "extra", "unknown field"),
        ({"type": "FeatureCollection", "features": []}, "zones", "no features"),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "x"},
                        "geometry": {"type": "Point", "coordinates": [36, 35]},
                    }
                ],
            },
            "zones.features[0]",
            "got Point",
        ),  # fmt: skip
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"nom": "x"},
                        "geometry": {"type": "Polygon", "coordinates": [ring(36, 35)]},
                    }
                ],
            },
            "zones",
            "no name field",
        ),  # fmt: skip
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "x"},
                        "geometry": {"type": "Polygon", "coordinates": [ring(500, 35)]},
                    }
                ],
            },
            "zones.features[0]",
            "longitude",
        ),  # fmt: skip
    ],
)
def test_bad_zones_refused_naming_the_problem(people, grid, payload, field, words):
    reviewer = login(people.reviewer)
    assert send(reviewer, "post", "/api/v1/maps", map_body(zones=grid[:4])).status_code == 201
    places = Place.objects.count()
    response = send(reviewer, "put", "/api/v1/maps/front/zones", payload)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and words in response.json()["error"]
    assert Map.objects.get().places.count() == 4 and Place.objects.count() == places


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"slug": ""}, "slug", "needs a slug"),
        ({"title": 3}, "title", "must be text"),
        ({"start": "2020-02-30"}, "start", "not a real date"),
        ({"end": "2019-01-01"}, "end", "before it starts"),
        ({"default_date": "2021-01-01"}, "default_date", "outside"),
        ({"area": {"type": "LineString", "coordinates": [[36, 35], [37, 36]]}}, "area", "got LineString"),
        ({"area": [1, 2]}, "area", "GeoJSON polygon"),
        ({"actors": [{"slug": "army", "name": "Army", "color": "red"}]}, "actors.color", "#1f77b4"),
        ({"actors": ["nobody"]}, "actors[0]", "unknown actor"),
        ({"zones": ["cell-00-00", "cell-05-05", "elsewhere"]}, "zones", "unknown place"),
        ({"area": {"type": "Polygon", "coordinates": [ring(10, 10)]}, "zones": ["cell-00-00"]}, "zones", "outside"),
        (
            {"area": {"type": "Polygon", "coordinates": [ring(36.01, 35, 0.2)]}, "zones": ["cell-00-00"]},
            "zones",
            "outside",
        ),
        ({"replace": "yes"}, "replace", "true or false"),
        ({"colour": 1}, "colour", "unknown field"),
    ],
)
def test_bad_maps_refused_naming_the_problem_and_nothing_written(people, grid, overrides, field, words):
    before = (Map.objects.count(), Place.objects.count(), Actor.objects.count())
    response = send(login(people.reviewer), "post", "/api/v1/maps", map_body(**overrides))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and words in response.json()["error"], response.json()
    assert (Map.objects.count(), Place.objects.count(), Actor.objects.count()) == before


def test_existing_slug_refused_unless_replace(people):
    reviewer = login(people.reviewer)
    assert send(reviewer, "post", "/api/v1/maps", map_body()).status_code == 201
    again = send(reviewer, "post", "/api/v1/maps", map_body(title="Other"))
    assert again.status_code == 400 and again.json()["field"] == "slug" and "already exists" in again.json()["error"]
    replaced = send(reviewer, "post", "/api/v1/maps", map_body(title="Other", replace=True, end="2021-06-30"))
    assert (
        replaced.status_code == 200 and replaced.json()["title"] == "Other" and replaced.json()["end"] == "2021-06-30"
    )
    assert Map.objects.count() == 1 and Place.objects.filter(slug__startswith="front-area").count() == 1
    assert json.loads(Client().get("/api/v1/maps/").content)
