"""Standards-exact answers: RFC 7946 winding and media type on every GeoJSON answer, HTTP Range (GDAL /vsicurl/),
typed dates in the GeoPackage, rounded CSV coordinates with their CRS, and the Linked Places history."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import subprocess

import orjson
import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from mapapp.models import ControlPeriod
from mapapp.standards import ring_signed_areas

# Clockwise exterior, counter-clockwise hole: the opposite of RFC 7946 on both counts, as some files come in.
CLOCKWISE = ((0, 0), (0, 0.02), (0.02, 0.02), (0.02, 0), (0, 0))
HOLE_CCW = ((0.005, 0.005), (0.01, 0.005), (0.01, 0.01), (0.005, 0.01), (0.005, 0.005))


@pytest.fixture
def twisted(world):
    """A map whose first zone was imported wound the wrong way round (with a hole), besieged by its neighbours."""
    from gazetteer.services import place_create

    ring = place_create(
        slug="ring",
        name_en="Ring",
        kind="district",
        footprint=MultiPolygon(Polygon(CLOCKWISE, HOLE_CCW), srid=4326),
        label_point=Point(0.001, 0.001, srid=4326),
    )
    world.places["ring"] = ring
    world.place("east", 0.02, 0.0, 0.02)
    world.place("north", 0.0, 0.02, 0.04)
    world.change("2015-02-01", ["ring"], "town")
    world.change("2015-02-01", ["east", "north"], "army")
    map_ = world.map()
    world.services.siege_record(
        slug="ring-siege",
        name_en="Siege of Ring",
        besieged_actor=world.actor("town"),
        besieging_actors=[world.actor("army")],
        start=dt.date(2015, 3, 1),
        places=[(ring, None)],
        sources=[world.source],
        supplies=[("airdrop", dt.date(2015, 3, 1), None, "")],
        publish=True,
    )
    return map_


GEOJSON_ENDPOINTS = [
    "/api/v1/maps/test-map/zones?date=2016-01-01",
    "/api/v1/maps/test-map/geometry",
    "/api/v1/maps/test-map/fronts?date=2016-01-01",
    "/api/v1/maps/test-map/sieges?date=2016-01-01",
    "/api/v1/maps/test-map/pockets?date=2016-01-01",
    "/api/v1/maps/test-map/export?date=2016-01-01",
    "/api/v1/maps/test-map/export",
    "/api/v1/maps/test-map/export?format=lpf",
    "/ogc/collections/test-map/items",
    "/ogc/collections/test-map/items?datetime=2016-01-01",
]


def test_the_zone_is_stored_clockwise_so_the_winding_tests_mean_something(twisted):
    stored = twisted.places.get(slug="ring").footprint
    rings = ring_signed_areas(orjson.loads(stored.geojson))
    assert rings[0][1] < 0 and rings[1][1] > 0


@pytest.mark.parametrize("url", GEOJSON_ENDPOINTS)
def test_every_geojson_answer_is_rfc_7946(client, twisted, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    assert response["Accept-Ranges"] == "bytes"
    body = orjson.loads(response.content)
    assert body["type"] == "FeatureCollection" and "crs" not in body
    polygons = [feature for feature in body["features"] if feature["geometry"]["type"].endswith("Polygon")]
    if "fronts" not in url:
        assert polygons, "no polygon to check"
    for feature in polygons:
        rings = ring_signed_areas(feature["geometry"])
        assert all((area > 0) == exterior for exterior, area in rings), (feature.get("id"), rings)
        assert not isinstance(feature.get("id"), type(None)) or "id" not in feature
    # The ring with a hole is among what was checked wherever the ring zone is drawn.
    if any(word in url for word in ("zones", "geometry", "export", "sieges")):
        assert any(len(ring_signed_areas(f["geometry"])) == 2 for f in polygons)


def test_a_range_is_served_as_206_with_the_bytes_asked_for(client, twisted):
    url = "/api/v1/maps/test-map/zones?date=2016-01-01"
    whole = client.get(url).content
    part = client.get(url, HTTP_RANGE="bytes=10-29")
    assert part.status_code == 206
    assert part.content == whole[10:30]
    assert part["Content-Range"] == f"bytes 10-29/{len(whole)}"
    assert part["Content-Type"] == "application/geo+json"
    tail = client.get(url, HTTP_RANGE="bytes=-5")
    assert (tail.status_code, tail.content) == (206, whole[-5:])
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(whole)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(whole)}"
    # Several ranges at once, or an If-Range that no longer matches: the whole answer, as the RFC allows.
    assert client.get(url, HTTP_RANGE="bytes=0-1,5-6").content == whole
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"not-the-etag"')
    assert (stale.status_code, stale.content) == (200, whole)
    fresh = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=client.get(url)["ETag"])
    assert (fresh.status_code, fresh.content) == (206, whole[:10])


def test_a_range_from_a_browser_is_cut_from_the_uncompressed_answer(client, demo):
    # Browsers send Accept-Encoding with their Range requests (GDAL sends none): the whole answer may be compressed,
    # but a part is cut from the identity body and sent as it is, its Content-Range counting those bytes.
    url = f"/api/v1/maps/{demo.slug}/geometry"
    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    whole = client.get(url).content
    assert gzip.decompress(compressed.content) == whole
    part = client.get(url, HTTP_RANGE="bytes=100-199", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert part.status_code == 206
    assert not part.has_header("Content-Encoding")
    assert part.content == whole[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert part["Content-Length"] == "100"


def _ogrinfo(*args: str) -> str:
    env = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "CPL_VSIL_CURL_USE_HEAD": "YES", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Range downloading not supported" not in done.stderr
    return done.stdout


def test_gdal_reads_our_files_over_http_with_vsicurl(live_server, twisted):
    base = f"/vsicurl/{live_server.url}/api/v1/maps/test-map"
    gpkg = _ogrinfo("-al", "-so", f"{base}/export?format=gpkg")
    assert "Feature Count: 3" in gpkg
    assert re.search(r"since: Date", gpkg)
    zones = _ogrinfo("-al", f"{base}/zones?date=2016-01-01")
    assert "Feature Count: 3" in zones and "actor (String) = town" in zones


def test_geopackage_dates_are_dates(client, twisted, tmp_path):
    import pyogrio
    import pyogrio.raw

    path = tmp_path / "history.gpkg"
    path.write_bytes(client.get("/api/v1/maps/test-map/export", {"format": "gpkg"}).content)
    info = pyogrio.read_info(path, layer="history")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert {types[c] for c in ("valid_from", "valid_to", "held_since")} == {"OFTDate"}
    assert types["area_km2"] == "OFTReal"
    _meta, _fids, _geometry, fields = pyogrio.raw.read(path, layer="history")
    by_name = dict(zip(info["fields"], fields, strict=True))
    expected = sorted(
        (p.place.slug, p.valid_from, p.valid_to)
        for p in ControlPeriod.objects.filter(place__maps=twisted).select_related("place")
    )
    read = sorted(
        (
            place,
            valid_from.astype(object),
            None if str(valid_to) == "NaT" else valid_to.astype(object),
        )
        for place, valid_from, valid_to in zip(
            by_name["place"], by_name["valid_from"], by_name["valid_to"], strict=True
        )
    )
    assert read == expected
    # The snapshot's `since` too, read back by GDAL itself.
    snapshot = tmp_path / "zones.gpkg"
    snapshot.write_bytes(client.get("/api/v1/maps/test-map/export", {"format": "gpkg", "date": "2016-01-01"}).content)
    assert "since: Date" in _ogrinfo("-so", str(snapshot), "zones")


def test_csv_coordinates_have_at_most_seven_decimals_and_say_their_crs(client, demo):
    response = client.get("/api/v1/maps/deir-ez-zor/export", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["crs"] for row in rows} == {"EPSG:4326"}
    numbers = [n for row in rows for n in re.findall(r"-?\d+\.\d+", row["wkt"] + " " + row["label_lon"])]
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 7
    assert all(row["wkt"].startswith("MULTIPOLYGON") for row in rows)


def test_linked_places_history_matches_the_record(client, twisted):
    response = client.get("/api/v1/maps/test-map/export", {"format": "lpf"})
    assert response["Content-Disposition"] == 'attachment; filename="test-map-history.lpf.json"'
    body = orjson.loads(response.content)
    assert body["@context"].endswith("linkedplaces-context-v1.1.jsonld")
    features = {f["@id"].rsplit("#", 1)[1]: f for f in body["features"]}
    assert set(features) == {"ring", "east", "north"}
    assert features["ring"]["@id"] == "http://testserver/maps/test-map/#ring"
    for slug, feature in features.items():
        periods = ControlPeriod.objects.filter(place__slug=slug).order_by("valid_from")
        assert [r["when"]["timespans"][0]["start"]["in"] for r in feature["relations"]] == [
            p.valid_from.isoformat() for p in periods
        ]
        for relation, period in zip(feature["relations"], periods, strict=True):
            span = relation["when"]["timespans"][0]
            if period.valid_to is None:
                assert "end" not in span
            else:
                assert span["end"]["in"] == (period.valid_to - dt.timedelta(days=1)).isoformat()
            assert relation["citations"][0]["label"] == "Test report"
        assert feature["when"]["timespans"][0]["start"]["in"] == "2015-02-01"
    assert features["ring"]["names"][0]["toponym"] == "Ring"
