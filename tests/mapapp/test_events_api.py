"""GET /api/v1/maps/<slug>/events: published events only, filtered by dates, types and bbox; bad parameters
answered 400 naming the field; cached on the map's data version."""

import datetime as dt

import orjson
import pytest
from django.contrib.gis.geos import Point

from mapapp import services
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat


def _events(world):
    """Squares a (0..0.01) and b (0.01..0.02) on a 2015-2017 map; five events, one a draft."""
    world.place("a", x=0.0)
    world.place("b", x=0.01)
    world.actor("gov", "#cc0000")
    world.actor("isis", "#333333")
    map_ = world.map(zones=[world.place("a"), world.place("b")])

    def add(on, event_type, x, publish=True, **extra):
        return services.event_create(map=map_, on=D(on), event_type=event_type, location=Point(x, 0.005, srid=4326),
                                     publish=publish, **extra)  # fmt: skip

    add("2016-03-01", "Battles", 0.005, actor1="<b>Gov</b>", actors=[world.actor("gov")], sources=[world.source],
        fatalities_best=3, fatalities_low=2, fatalities_high=5, notes="<script>alert(1)</script>",
        external_id="E1", origin="csv")  # fmt: skip
    add("2016-03-05", "Shelling", 0.015)
    add("2016-03-07", "Air strike", 0.015, date_end=D("2016-03-08"), date_precision="week")
    add("2016-04-01", "Battles", 0.012)
    add("2016-03-02", "Battles", 0.006, publish=False)  # a draft: never public
    return map_


# Written once for the module; each test's writes are rolled back before the next.
_events_once, world = world_once_per_module(_events)


@pytest.fixture
def events_world(world):
    return world, world.built


def get(client, map_, **query):
    response = client.get(f"/api/v1/maps/{map_.slug}/events", query)
    return response, (orjson.loads(response.content) if response.status_code in (200, 400, 404) else None)


def dates(body):
    return [feature["properties"]["date"] for feature in body["features"]]


def test_all_published_events_by_date_with_everything_they_say(client, events_world):
    world, map_ = events_world
    response, body = get(client, map_)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert (body["type"], body["map"], body["from"], body["to"]) == ("FeatureCollection", map_.slug, "2015-01-01",
                                                                     "2017-12-31")  # fmt: skip
    assert dates(body) == ["2016-03-01", "2016-03-05", "2016-03-07", "2016-04-01"]  # the draft is not there
    first = body["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [0.005, 0.005]}
    assert isinstance(first["id"], int)
    assert first["properties"] == {
        "date": "2016-03-01",
        "date_end": None,
        "date_precision": "day",
        "type": "Battles",
        "sub_type": "",
        "actor1": "<b>Gov</b>",
        "actor2": "",
        "actors": ["gov"],
        "location": "",
        "admin_area": "",
        "geo_precision": "exact",
        "fatalities": {"best": 3, "low": 2, "high": 5},
        "sources": [{"id": world.source.pk, "title": "Test report", "publisher": "Test wire",
                     "url": "https://example.org/r", "published": None}],
        "changes": [],
        "notes": "<script>alert(1)</script>",  # data, as the record has it: pages show it as text
        "origin": "csv",
        "external_id": "E1",
    }  # fmt: skip
    strike = body["features"][2]["properties"]
    assert (strike["date_end"], strike["date_precision"]) == ("2016-03-08", "week")


def test_filters_by_dates_inclusive_types_and_bbox(client, events_world):
    _world, map_ = events_world
    assert dates(get(client, map_, **{"from": "2016-03-05", "to": "2016-03-07"})[1]) == ["2016-03-05", "2016-03-07"]
    assert dates(get(client, map_, type="Battles")[1]) == ["2016-03-01", "2016-04-01"]
    assert dates(get(client, map_, type="Battles,Shelling")[1]) == ["2016-03-01", "2016-03-05", "2016-04-01"]
    response = client.get(f"/api/v1/maps/{map_.slug}/events?type=Shelling&type=Air+strike")
    assert dates(orjson.loads(response.content)) == ["2016-03-05", "2016-03-07"]
    assert dates(get(client, map_, type="Siege")[1]) == []
    # square b only (x from 0.01 to 0.02); a point on the box's edge is in it
    assert dates(get(client, map_, bbox="0.01,0,0.02,0.01")[1]) == ["2016-03-05", "2016-03-07", "2016-04-01"]
    assert dates(get(client, map_, bbox="0,0,0.005,0.005")[1]) == ["2016-03-01"]
    both = get(client, map_, bbox="0.01,0,0.02,0.01", type="Battles", **{"from": "2016-03-01", "to": "2016-03-31"})
    assert dates(both[1]) == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2016-3-1"}, "from", "from must be a date as YYYY-MM-DD, got '2016-3-1'"),
        ({"to": "2016-02-30"}, "to", "to '2016-02-30' is not a real date"),
        ({"from": "2014-06-01"}, "from", "from 2014-06-01 is outside this map's dates 2015-01-01..2017-12-31"),
        ({"from": "2016-05-01", "to": "2016-04-01"}, "from", "from (2016-05-01) is after to (2016-04-01)"),
        ({"type": "Battles,,Shelling"}, "type", "type must be event types separated by commas, with none empty"),
        ({"type": "x" * 101}, "type", "type 'xxxxxxxxxxxxxxxxxxxx'... is longer than 100 characters"),
        ({"bbox": "1,2,3"}, "bbox", "bbox must be west,south,east,north in degrees, got '1,2,3'"),
        ({"bbox": "a,b,c,d"}, "bbox", "bbox must be west,south,east,north in degrees, got 'a,b,c,d'"),
        ({"bbox": "nan,0,1,1"}, "bbox", "bbox must be west,south,east,north in degrees, got 'nan,0,1,1'"),
        ({"bbox": "10,0,5,1"}, "bbox",
         "bbox must have -180 <= west < east <= 180 and -90 <= south < north <= 90, got 10,0,5,1"),
        ({"bbox": "0,-91,1,1"}, "bbox",
         "bbox must have -180 <= west < east <= 180 and -90 <= south < north <= 90, got 0,-91,1,1"),
        ({"date": "2016-03-01"}, "date", "unknown parameter 'date' (allowed: bbox, from, to, type, v, zone)"),
        ({"type": "Bat\x00tles"}, "type", "type contains a NUL character (\\0), which no text may hold"),
        ({"v": "-1"}, "v", "v must be the map's data version, a whole number, got '-1'"),
    ],
)  # fmt: skip
def test_bad_parameters_are_400_naming_the_field(client, events_world, query, field, message):
    _world, map_ = events_world
    response, body = get(client, map_, **query)
    assert response.status_code == 400
    assert body == {"error": message, "field": field}


def test_unknown_and_private_maps_are_404(client, events_world):
    _world, map_ = events_world
    assert get(client, map_.__class__(slug="nowhere"))[0].status_code == 404
    map_.__class__.objects.filter(pk=map_.pk).update(is_public=False)
    assert get(client, map_)[0].status_code == 404


def test_a_write_changes_the_etag_and_the_answer(client, events_world):
    _world, map_ = events_world
    first = client.get(f"/api/v1/maps/{map_.slug}/events")
    etag = first["ETag"]
    assert client.get(f"/api/v1/maps/{map_.slug}/events", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.event_create(map=map_, on=D("2016-05-01"), event_type="Siege", location=Point(0.001, 0.001), publish=True)
    again = client.get(f"/api/v1/maps/{map_.slug}/events", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag
    assert "Siege" in [feature["properties"]["type"] for feature in orjson.loads(again.content)["features"]]


def test_the_query_count_does_not_grow_with_the_events(client, events_world, django_assert_max_num_queries):
    world, map_ = events_world
    for day in range(1, 29):
        services.event_create(map=map_, on=D(f"2016-02-{day:02d}"), event_type="Battles", location=Point(0.002, 0.002),
                              sources=[world.source], actors=[world.actor("isis")], publish=True)  # fmt: skip
    # the map's row for the kept answers (mapapp/answers.py), map, events, their sources, their actors, the changes
    # they are linked to, and the map's row again before the answer is kept
    with django_assert_max_num_queries(7):
        response, body = get(client, map_)
    assert response.status_code == 200 and len(body["features"]) == 32


def test_the_geopackage_export_has_the_published_events_as_a_layer(client, events_world, tmp_path):
    import geopandas as gpd
    import pyogrio

    _world, map_ = events_world
    path = tmp_path / "export.gpkg"
    path.write_bytes(client.get(f"/api/v1/maps/{map_.slug}/export", {"format": "gpkg"}).content)
    assert [name for name, _kind in pyogrio.list_layers(path)] == ["history", "events"]
    events = gpd.read_file(path, layer="events")
    assert list(events["date"]) == ["2016-03-01", "2016-03-05", "2016-03-07", "2016-04-01"]  # no draft
    first = events.iloc[0]
    assert (first["event_type"], first["actors"], first["fatalities_best"]) == ("Battles", "gov", 3)
    assert first["sources"] == "Test report <https://example.org/r>"
    assert (first.geometry.x, first.geometry.y) == (0.005, 0.005)


def test_event_types_and_counts_by_day_leave_out_drafts_and_empty_days(client, events_world):
    _world, map_ = events_world
    services.event_create(map=map_, on=D("2016-03-05"), event_type="Battles", location=Point(0.001, 0.001),
                          publish=True)  # fmt: skip
    response = client.get(f"/api/v1/maps/{map_.slug}/events/days")
    assert response.status_code == 200
    assert orjson.loads(response.content) == {
        "map": map_.slug,
        "types": ["Air strike", "Battles", "Shelling"],
        "days": [
            {"date": "2016-03-01", "count": 1, "by_type": [0, 1, 0]},
            {"date": "2016-03-05", "count": 2, "by_type": [0, 1, 1]},
            {"date": "2016-03-07", "count": 1, "by_type": [1, 0, 0]},
            {"date": "2016-04-01", "count": 1, "by_type": [0, 1, 0]},
        ],
    }
    bad = client.get(f"/api/v1/maps/{map_.slug}/events/days", {"from": "2016-01-01"})
    assert bad.status_code == 400 and orjson.loads(bad.content)["field"] == "from"


def test_the_export_gives_the_events_alone_as_geojson_csv_and_geopackage(client, events_world, tmp_path):
    import csv
    import io

    import geopandas as gpd

    world, map_ = events_world
    url = f"/api/v1/maps/{map_.slug}/export"
    response = client.get(url, {"layer": "events", "format": "geojson"})
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == 'attachment; filename="test-map-events-all.geojson"'
    body = orjson.loads(response.content)
    assert [f["properties"]["date"] for f in body["features"]] == ["2016-03-01", "2016-03-05", "2016-03-07",
                                                                    "2016-04-01"]  # fmt: skip
    one_day = orjson.loads(client.get(url, {"layer": "events", "date": "2016-03-05"}).content)
    assert [f["properties"]["type"] for f in one_day["features"]] == ["Shelling"]

    response = client.get(url, {"layer": "events", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="test-map-events-all.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[0]["notes"] == "<script>alert(1)</script>"
    assert (rows[0]["actors"], rows[0]["sources"]) == ("gov", "Test report <https://example.org/r>")
    assert (rows[0]["longitude"], rows[0]["latitude"], rows[0]["crs"]) == ("0.005", "0.005", "EPSG:4326")

    path = tmp_path / "events.gpkg"
    path.write_bytes(client.get(url, {"layer": "events", "format": "gpkg"}).content)
    frame = gpd.read_file(path, layer="events")
    assert list(frame["event_type"]) == ["Battles", "Shelling", "Air strike", "Battles"]
    assert frame.crs.to_epsg() == 4326 and (frame.geometry.iloc[1].x, frame.geometry.iloc[1].y) == (0.015, 0.005)


def test_an_events_export_of_a_day_without_events_is_an_empty_file_and_bad_layers_are_400(client, events_world):
    _world, map_ = events_world
    url = f"/api/v1/maps/{map_.slug}/export"
    empty = client.get(url, {"layer": "events", "format": "gpkg", "date": "2015-06-01"})
    assert empty.status_code == 200 and empty.content[:16] == b"SQLite format 3\x00"
    csv_text = client.get(url, {"layer": "events", "format": "csv", "date": "2015-06-01"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,date,date_end") and len(csv_text.splitlines()) == 1
    for query, field in (({"layer": "sieges"}, "layer"), ({"layer": "events", "format": "lpf"}, "format")):
        response = client.get(url, query)
        assert response.status_code == 400 and orjson.loads(response.content)["field"] == field


def test_zone_gives_the_events_inside_one_zone(client, events_world):
    _world, map_ = events_world
    _response, body = get(client, map_, zone="a")
    assert [f["properties"]["date"] for f in body["features"]] == ["2016-03-01"]
    _response, body = get(client, map_, zone="b", **{"from": "2016-03-06"})
    assert [f["properties"]["type"] for f in body["features"]] == ["Air strike", "Battles"]
    response, body = get(client, map_, zone="nowhere")
    assert response.status_code == 400 and body == {"error": "zone 'nowhere' is not a zone of the map test-map",
                                                    "field": "zone"}  # fmt: skip
