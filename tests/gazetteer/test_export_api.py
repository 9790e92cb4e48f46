"""GET /api/v1/maps/<slug>/export: the zones with all their names, a snapshot on a date or the whole history."""

import csv
import io

import geopandas as gpd
import orjson
import pytest

from mapapp.models import ControlPeriod

URL = "/api/v1/maps/deir-ez-zor/export"


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response


def test_geojson_snapshot_says_who_held_each_zone(client, demo):
    response = get(client, date="2017-06-15")
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"] == 'attachment; filename="deir-ez-zor-2017-06-15.geojson"'
    body = orjson.loads(response.content)
    assert (body["type"], body["map"], body["date"], body["kind"]) == (
        "FeatureCollection",
        "deir-ez-zor",
        "2017-06-15",
        "snapshot",
    )
    by_place = {f["id"]: f for f in body["features"]}
    assert set(by_place) == set(demo.places.values_list("slug", flat=True))
    joura = by_place["al-joura"]["properties"]
    assert (joura["actor"], joura["status"]) == ("government", "held")
    assert {"name": "Jura", "language": "en", "kind": "variant"} in joura["names"]
    assert {"name": "الجورة", "language": "ar", "kind": "official"} in joura["names"]
    assert joura["sources"] and joura["sources"][0]["title"]
    assert by_place["al-joura"]["geometry"]["type"] == "MultiPolygon"
    # The same answer as the zones endpoint, for every zone.
    zones = client.get("/api/v1/maps/deir-ez-zor/zones", {"date": "2017-06-15"}).json()["features"]
    for zone in zones:
        exported = by_place[zone["id"]]["properties"]
        assert (exported["actor"], exported["status"], exported["since"]) == (
            zone["properties"]["actor"],
            zone["properties"]["status"],
            zone["properties"]["since"],
        )


def test_history_without_a_date_has_every_period(client, demo):
    body = orjson.loads(get(client).content)
    assert body["kind"] == "history" and body["date"] is None
    # GeoJSON (RFC 7946): a feature's id is a string or a number when present, never null.
    assert all("id" not in feature for feature in body["features"])
    periods = ControlPeriod.objects.filter(place__maps=demo)
    zones_without = demo.places.exclude(control_periods__in=periods).count()
    assert len(body["features"]) == periods.count() + zones_without
    tharda = [f["properties"] for f in body["features"] if f["properties"]["place"] == "jabal-al-tharda"]
    assert [(p["actor"], p["valid_from"], p["valid_to"]) for p in tharda][-2:] == [
        ("isis", "2016-09-17", "2017-09-10"),
        ("government", "2017-09-10", None),
    ]


def test_csv_snapshot_with_names_and_wkt(client, demo):
    response = get(client, date="2017-06-15", format="csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: spreadsheets read the Arabic right
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    joura = next(r for r in rows if r["place"] == "al-joura")
    assert joura["name_ar"] == "الجورة"
    assert "Jura (en, variant)" in joura["names"]
    assert joura["actor"] == "government" and joura["wkt"].startswith("MULTIPOLYGON")
    assert len(rows) == demo.places.count()


def test_csv_history(client, demo):
    response = get(client, format="csv")
    assert response["Content-Disposition"] == 'attachment; filename="deir-ez-zor-history.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {"valid_from", "valid_to", "held_since"} <= set(rows[0])


def test_geopackage_opens_in_geopandas(client, demo, tmp_path):
    response = get(client, date="2016-01-01", format="gpkg")
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    path = tmp_path / "export.gpkg"
    path.write_bytes(response.content)
    frame = gpd.read_file(path, layer="zones")
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == demo.places.count()
    joura = frame[frame["place"] == "al-joura"].iloc[0]
    assert joura["name_ar"] == "الجورة" and joura.geometry.geom_type == "MultiPolygon"
    history = tmp_path / "history.gpkg"
    history.write_bytes(get(client, format="gpkg").content)
    assert len(gpd.read_file(history, layer="history")) > len(frame)


def test_a_snapshot_costs_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        get(client, date="2017-06-15")


def test_etag_and_304(client, demo):
    first = get(client, date="2017-06-15", format="csv")
    again = client.get(URL, {"date": "2017-06-15", "format": "csv"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"format": "shp"}, "format", "format must be one of geojson, csv, gpkg, lpf, got 'shp'"),
        ({"date": "15/06/2017"}, "date", "date must be a date as YYYY-MM-DD, got '15/06/2017'"),
        ({"date": "2017-02-30"}, "date", "date '2017-02-30' is not a real date"),
        ({"date": "2020-01-01"}, "date", "date 2020-01-01 is outside this map's dates 2014-01-01..2017-12-31"),
        ({"lang": "ar"}, "lang", "unknown parameter 'lang' (allowed: date, format, layer)"),
    ],
)
def test_bad_parameters_are_400(client, demo, params, field, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json() == {"error": message, "field": field}


def test_unknown_map_is_404(client, demo):
    response = client.get("/api/v1/maps/nowhere/export")
    assert response.status_code == 404
    assert response.json() == {"error": "no map 'nowhere'"}


def test_schema_documents_the_export(client):
    export = client.get("/api/v1/schema").json()["paths"]["/api/v1/maps/{slug}/export"]["get"]
    assert [p["name"] for p in export["parameters"]] == ["slug", "date", "format", "layer", "as_of"]
