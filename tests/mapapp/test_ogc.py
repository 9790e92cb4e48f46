"""OGC API - Features (Part 1 Core, GeoJSON, HTML) over the public maps, checked against the record, and read by
GDAL's OAPIF driver from the live server."""

from __future__ import annotations

import subprocess

import pytest

from mapapp.models import ControlPeriod
from mapapp.standards import ring_signed_areas
from tests.conftest import world_once_per_module

ITEMS = "/ogc/collections/test-map/items"


def _grid(world):
    """Four zones in a row; gov takes them all, rebels take two, gov takes one back."""
    for index, slug in enumerate(["a", "b", "c", "d"]):
        world.place(slug, x=0.01 * index, y=0.0)
    world.actor("gov")
    world.actor("rebels")
    map_ = world.map()
    world.change("2015-01-01", ["a", "b", "c", "d"], "gov")
    world.change("2016-03-01", ["a", "b"], "rebels")
    world.change("2016-09-01", ["b"], "gov", status="contested")
    return map_


# Written once for the module (for each test that commits, before it); each test's writes are rolled back.
_grid_once, world = world_once_per_module(_grid)


@pytest.fixture
def grid(world):
    return world.built


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response


def test_landing_page_and_conformance(client, grid):
    landing = get(client, "/ogc/")
    assert landing["Content-Type"] == "application/json"
    rels = {link["rel"]: link["href"] for link in landing.json()["links"]}
    assert rels["conformance"] == "http://testserver/ogc/conformance"
    assert rels["data"] == "http://testserver/ogc/collections"
    assert rels["service-desc"] == "http://testserver/api/v1/schema"
    assert set(get(client, "/ogc/conformance").json()["conformsTo"]) == {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    }


def test_one_collection_per_public_map(client, grid):
    collections = get(client, "/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == ["test-map", "test-map.events"]
    collection = get(client, "/ogc/collections/test-map").json()
    assert collection["extent"]["spatial"]["bbox"] == [[0.0, 0.0, 0.04, 0.01]]
    assert collection["extent"]["temporal"]["interval"] == [["2015-01-01T00:00:00Z", None]]
    assert {"rel": "items", "type": "application/geo+json"}.items() <= collection["links"][1].items()
    grid.is_public = False
    grid.save(update_fields=["is_public"])
    assert get(client, "/ogc/collections").json()["collections"] == []
    assert client.get("/ogc/collections/test-map").status_code == 404
    assert client.get(ITEMS).json() == {"error": "no such resource: /ogc/collections/test-map/items"}


def test_items_are_the_control_periods(client, grid):
    response = get(client, ITEMS)
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    periods = ControlPeriod.objects.filter(place__maps=grid)
    assert body["numberMatched"] == body["numberReturned"] == periods.count() == 7
    by_id = {feature["id"]: feature for feature in body["features"]}
    for period in periods.select_related("place", "actor", "change"):
        properties = by_id[period.pk]["properties"]
        assert (properties["place"], properties["actor"], properties["status"], properties["confidence"]) == (
            period.place.slug,
            period.actor.slug,
            period.status,
            period.change.confidence,
        )
        assert properties["valid_from"] == period.valid_from.isoformat()
        assert properties["valid_to"] == (period.valid_to.isoformat() if period.valid_to else None)
        assert properties["sources"] == "Test report <https://example.org/r>"
        assert all((area > 0) == exterior for exterior, area in ring_signed_areas(by_id[period.pk]["geometry"]))
    one = get(client, f"{ITEMS}/{periods.first().pk}").json()
    assert one["type"] == "Feature" and one["id"] == periods.first().pk
    assert client.get(f"{ITEMS}/999999").status_code == 404


def test_datetime_instant_is_the_state_of_each_zone_that_day(client, grid):
    for day in ("2016-06-15", "2016-06-15T12:00:00Z", "2016-10-01"):
        features = get(client, ITEMS, datetime=day).json()["features"]
        zones = client.get("/api/v1/maps/test-map/zones", {"date": day[:10]}).json()["features"]
        state = sorted(
            (f["properties"]["place"], f["properties"]["actor"], f["properties"]["status"]) for f in features
        )
        assert state == sorted((z["id"], z["properties"]["actor"], z["properties"]["status"]) for z in zones)
    assert get(client, ITEMS, datetime="2014-06-01").json()["numberMatched"] == 0


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("2016-03-01/2016-08-31", {("a", "2016-03-01"), ("b", "2016-03-01"), ("c", "2015-01-01"), ("d", "2015-01-01")}),
        ("2015-06-01/2016-02-29", {("a", "2015-01-01"), ("b", "2015-01-01"), ("c", "2015-01-01"), ("d", "2015-01-01")}),
        ("2016-09-01/..", {("a", "2016-03-01"), ("b", "2016-09-01"), ("c", "2015-01-01"), ("d", "2015-01-01")}),
        ("../2015-12-31", {("a", "2015-01-01"), ("b", "2015-01-01"), ("c", "2015-01-01"), ("d", "2015-01-01")}),
        ("2016-02-29/2016-03-01", {("a", "2015-01-01"), ("a", "2016-03-01"), ("b", "2015-01-01"),
                                   ("b", "2016-03-01"), ("c", "2015-01-01"), ("d", "2015-01-01")}),
    ],
)  # fmt: skip
def test_datetime_interval_gives_the_periods_that_overlap_it(client, grid, interval, expected):
    features = get(client, ITEMS, datetime=interval).json()["features"]
    assert {(f["properties"]["place"], f["properties"]["valid_from"]) for f in features} == expected


def test_bbox_limit_and_paging(client, grid):
    features = get(client, ITEMS, bbox="0.021,0.001,0.039,0.009").json()["features"]
    assert {f["properties"]["place"] for f in features} == {"c", "d"}
    seen, url, pages = [], f"{ITEMS}?limit=3", 0
    while url:
        body = get(client, url.replace("http://testserver", "")).json()
        assert body["numberReturned"] <= 3 and body["numberMatched"] == 7
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(ControlPeriod.objects.values_list("pk", flat=True))
    second = get(client, ITEMS, limit="3", offset="3", datetime="2015-01-01/..").json()
    prev = next(link["href"] for link in second["links"] if link["rel"] == "prev")
    assert prev == "http://testserver/ogc/collections/test-map/items?datetime=2015-01-01%2F..&limit=3"
    assert get(client, ITEMS, limit="100000").json()["numberReturned"] == 7  # more than the maximum: the maximum


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "2016-02-30"}, "datetime"),
        ({"datetime": "2016-05-01/2016-01-01"}, "datetime"),
        ({"datetime": "/"}, "datetime"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "0,10,1,5"}, "bbox"),
        ({"bbox": "nan,0,1,1"}, "bbox"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"offset": "x"}, "offset"),
        ({"f": "xml"}, "f"),
        ({"date": "2016-01-01"}, "date"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, grid, params, field):
    response = client.get(ITEMS, params)
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"]


def test_html_views(client, grid):
    page = client.get(ITEMS, {"datetime": "2016-06-15"}, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "4 of 4 control periods" in html and "Rebels" in html
    listing = client.get("/ogc/collections?f=html").content.decode()
    assert 'href="http://testserver/ogc/collections/test-map/items?f=html"' in listing
    assert 'href="http://testserver/ogc/collections/test-map.events/items?f=html"' in listing
    assert "conf/core" in client.get("/ogc/conformance", {"f": "html"}).content.decode()


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_gdal_opens_the_service_and_reads_the_periods(live_server, grid):
    listing = _ogrinfo(f"OAPIF:{live_server.url}/ogc")
    assert "1: test-map" in listing
    layer = _ogrinfo("-al", "-oo", "PAGE_SIZE=3", f"OAPIF:{live_server.url}/ogc", "test-map")
    assert "Feature Count: 7" in layer or layer.count("OGRFeature(test-map)") == 7
    assert layer.count("OGRFeature(test-map)") == 7  # all pages followed
    assert "actor (String) = rebels" in layer and "valid_from (" in layer
    # A datetime in the connection string is sent with every request GDAL makes.
    on_day = _ogrinfo("-al", f"OAPIF:{live_server.url}/ogc/collections/test-map?datetime=2016-06-15")
    assert on_day.count("OGRFeature(test-map)") == 4
    assert sorted(line.split("= ")[1] for line in on_day.splitlines() if "  actor (String)" in line) == [
        "gov",
        "gov",
        "rebels",
        "rebels",
    ]
    interval = _ogrinfo("-al", f"OAPIF:{live_server.url}/ogc/collections/test-map?datetime=2016-09-01/..")
    assert interval.count("OGRFeature(test-map)") == 4


def test_a_publication_delay_holds_items_back(client, grid):
    from mapapp.models import Map

    Map.objects.filter(slug="test-map").update(publish_delay_hours=6)
    assert get(client, ITEMS).json()["numberMatched"] == 0  # the whole record is younger than six hours
    assert get(client, "/ogc/collections/test-map").json()["id"] == "test-map"


# --- the events collection ------------------------------------------------------------------------------------

EVENTS = "/ogc/collections/test-map.events/items"


@pytest.fixture
def with_events(grid, world):
    import datetime as dt

    from django.contrib.gis.geos import Point

    from mapapp import services

    def add(on, x, publish=True, **extra):
        kind = extra.pop("event_type", "Battles")
        return services.event_create(map=grid, on=dt.date.fromisoformat(on), event_type=kind,
                                     location=Point(x, 0.005, srid=4326), publish=publish, **extra)  # fmt: skip

    made = [
        add("2016-03-01", 0.005, actors=[world.actor("rebels")], sources=[world.source], notes="<b>clash</b>"),
        add("2016-03-05", 0.015, event_type="Shelling", date_end=dt.date(2016, 3, 7)),
        add("2016-04-01", 0.035),
        add("2016-03-02", 0.005, publish=False),  # a draft: never public
    ]
    services.change_events_link(change=world.change("2016-03-02", ["a"], "gov"), events=[made[0]])
    return made


def test_each_map_has_an_events_collection_of_its_published_events(client, grid, with_events):
    collection = get(client, "/ogc/collections/test-map.events").json()
    assert collection["id"] == "test-map.events" and collection["itemType"] == "feature"
    assert collection["extent"]["temporal"]["interval"] == [["2015-01-01T00:00:00Z", "2017-12-31T23:59:59Z"]]
    assert collection["links"][1]["href"] == "http://testserver/ogc/collections/test-map.events/items"
    body = get(client, EVENTS).json()
    assert body["numberMatched"] == 3 and [f["id"] for f in body["features"]] == [e.pk for e in with_events[:3]]
    first = body["features"][0]
    change = with_events[0].changes.get()
    assert first["geometry"] == {"type": "Point", "coordinates": [0.005, 0.005]}
    shown = ("date", "event_type", "actors", "sources", "notes", "changes")
    assert {key: first["properties"][key] for key in shown} == {
        "date": "2016-03-01", "event_type": "Battles", "actors": "rebels",
        "sources": "Test report <https://example.org/r>", "notes": "<b>clash</b>", "changes": str(change.pk),
    }  # fmt: skip
    one = get(client, f"{EVENTS}/{with_events[1].pk}").json()
    assert one["properties"]["date_end"] == "2016-03-07" and one["links"][0]["rel"] == "self"
    assert client.get(f"{EVENTS}/{with_events[3].pk}").status_code == 404  # the draft
    html = get(client, EVENTS, f="html").content.decode()
    assert "&lt;b&gt;clash&lt;/b&gt;" in html and "<b>clash</b>" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"datetime": "2016-03-06"}, [1]),  # inside the shelling's span
        ({"datetime": "2016-03-01/2016-03-05"}, [0, 1]),
        ({"datetime": "2016-03-06/.."}, [1, 2]),
        ({"bbox": "0.03,0,0.04,0.01"}, [2]),
        ({"limit": "2", "offset": "1"}, [1, 2]),
    ],
)
def test_the_events_are_filtered_by_datetime_bbox_and_paged(client, grid, with_events, params, expected):
    body = get(client, EVENTS, **params).json()
    assert [f["id"] for f in body["features"]] == [with_events[index].pk for index in expected]


def test_the_events_collection_refuses_bad_parameters(client, grid, with_events):
    for params, field in (({"datetime": "2016-13-01"}, "datetime"), ({"bbox": "1,2"}, "bbox"), ({"q": "x"}, "q")):
        response = client.get(EVENTS, params)
        assert response.status_code == 400 and response.json()["field"] == field


def test_gdal_reads_the_events_collection(live_server, grid, with_events):
    listing = _ogrinfo(f"OAPIF:{live_server.url}/ogc")
    assert "test-map.events" in listing
    layer = _ogrinfo("-al", "-oo", "PAGE_SIZE=2", f"OAPIF:{live_server.url}/ogc", "test-map.events")
    assert layer.count("OGRFeature(test-map.events)") == 3
    assert "event_type (String) = Shelling" in layer and "POINT (0.015 0.005)" in layer
