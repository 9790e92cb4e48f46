"""manage.py map_create: a map over an area from files, refused whole on any bad input (docs/contract.md)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from django.core.management import CommandError, call_command

from gazetteer.models import Place
from mapapp.lib import geo
from mapapp.models import Actor, Map, ZoneEdge

DATA = Path(__file__).resolve().parent.parent / "data"
DISTRICT = DATA / "syria-deir-ez-zor-district.geojson"
LOCALITIES = DATA / "syria-deir-ez-zor-district-localities.geojson"


def district() -> shapely.MultiPolygon:
    return geo.as_multipolygon(
        shapely.from_geojson(json.dumps(json.loads(DISTRICT.read_text())["features"][0]["geometry"]))
    )


def write_zones(path: Path, count: int = 40) -> Path:
    """Voronoi cells of the district's first `count` localities, clipped to the district: real zones tiling it."""
    outline = district()
    localities = json.loads(LOCALITIES.read_text())["features"][:count]
    points = shapely.MultiPoint([f["geometry"]["coordinates"] for f in localities])
    cells = shapely.voronoi_polygons(points, extend_to=outline)
    features = []
    for feature in localities:
        point = shapely.Point(feature["geometry"]["coordinates"])
        cell = next(c for c in cells.geoms if c.contains(point))
        features.append(
            {
                "type": "Feature",
                "properties": {"name": f"{feature['properties']['name']} zone", "name_ar": ""},
                "geometry": shapely.geometry.mapping(cell.intersection(outline)),
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def run(*args):
    call_command("map_create", *args, stdout=open("/dev/null", "w"))


def counts():
    return Map.objects.count(), Place.objects.count(), Actor.objects.count(), ZoneEdge.objects.count()


@pytest.mark.django_db
def test_one_zone_the_area_itself_with_new_actors():
    run(
        "deir", "--title", "Deir ez-Zor", "--title-ar", "دير الزور", "--start", "2017-01-01", "--end", "2017-12-31",
        "--area", str(DISTRICT), "--actor", "army:Syrian Army:#C0392B", "--actor", "isis:ISIS:#222222",
    )  # fmt: skip
    map_ = Map.objects.get(slug="deir")
    zone = map_.places.get()
    assert (zone.slug, zone.kind, zone.name_en, zone.name_ar) == ("deir-area", "area", "Deir ez-Zor", "دير الزور")
    assert geo.area_km2(zone.footprint) == pytest.approx(geo.area_km2(district()), rel=1e-9)
    assert geo.area_km2(map_.area) == pytest.approx(geo.area_km2(district()), rel=1e-9)
    assert (map_.start.isoformat(), map_.end.isoformat(), map_.default_date.isoformat()) == (
        "2017-01-01", "2017-12-31", "2017-12-31",
    )  # fmt: skip
    assert sorted(map_.actors.values_list("slug", "name_en", "color")) == [
        ("army", "Syrian Army", "#c0392b"), ("isis", "ISIS", "#222222"),
    ]  # fmt: skip
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=True).count() == 1  # the outer edge


@pytest.mark.django_db
def test_zones_file_imported_as_places_tiling_the_area(tmp_path):
    zones = write_zones(tmp_path / "zones.geojson")
    run("deir", "--title", "Deir", "--start", "2017-01-01", "--end", "2017-12-31", "--area", str(DISTRICT),
        "--zones", str(zones), "--actor", "army:Army:#aa0000")  # fmt: skip
    map_ = Map.objects.get(slug="deir")
    assert map_.places.count() == 40
    assert set(map_.places.values_list("name_en", flat=True)) == {
        f["properties"]["name"] for f in json.loads(zones.read_text())["features"]
    }
    assert geo.area_km2(map_.area) == pytest.approx(geo.area_km2(district()), rel=1e-6)
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=False).count() > 40  # neighbours share edges
    # --replace with the same files: the same places (merged by name and outline), nothing new
    places_before = Place.objects.count()
    run("deir", "--title", "Deir again", "--start", "2016-01-01", "--end", "2017-12-31", "--area", str(DISTRICT),
        "--zones", str(zones), "--replace")  # fmt: skip
    map_.refresh_from_db()
    assert (map_.title_en, map_.start.isoformat(), map_.places.count()) == ("Deir again", "2016-01-01", 40)
    assert list(map_.actors.values_list("slug", flat=True)) == ["army"]  # kept: the record may cite it
    assert Place.objects.count() == places_before


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["gpkg", "zip", "kml"])
def test_area_in_other_formats(tmp_path, kind):
    frame = gpd.GeoDataFrame({"name": ["Deir"]}, geometry=[district()], crs="EPSG:4326")
    if kind == "gpkg":
        path = tmp_path / "area.gpkg"
        frame.to_file(path, driver="GPKG")
    elif kind == "kml":
        path = tmp_path / "area.kml"
        frame.to_file(path, driver="KML")
    else:
        frame.to_crs("EPSG:32637").to_file(tmp_path / "area.shp")  # a projected shapefile, zipped
        path = tmp_path / "area.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in tmp_path.glob("area.*"):
                if part.suffix != ".zip":
                    archive.write(part, part.name)
    run("deir", "--title", "Deir", "--start", "2017-01-01", "--end", "2017-12-31", "--area", str(path))
    assert geo.area_km2(Map.objects.get(slug="deir").area) == pytest.approx(geo.area_km2(district()), rel=1e-4)


def _refused(tmp_path, args, message):
    before = counts()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert counts() == before  # nothing half-written


@pytest.mark.django_db
def test_bad_inputs_refused_naming_the_problem_and_nothing_written(tmp_path):
    base = ["deir", "--title", "Deir", "--start", "2017-01-01", "--end", "2017-12-31"]
    lines = tmp_path / "lines.geojson"
    lines.write_text(json.dumps({"type": "LineString", "coordinates": [[40, 35], [40.1, 35.1]]}))
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{not json")
    far = tmp_path / "far.geojson"
    ring = [[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1], [0, 0]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Far away"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    far.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    area = ["--area", str(DISTRICT)]
    _refused(tmp_path, [*base, "--area", str(lines)], "an area must be polygons")
    _refused(tmp_path, [*base, "--area", str(empty)], "no features")
    _refused(tmp_path, [*base, "--area", str(garbage)], "not valid JSON")
    _refused(tmp_path, [*base, "--area", str(tmp_path / "nope.geojson")], "no such file")
    _refused(tmp_path, [*base[:4], "2017-02-30", *base[5:], *area], "--start must be a real date")
    _refused(tmp_path, [*base[:6], "2016-01-01", *area], "ends .* before it starts")
    _refused(tmp_path, [*base, *area, "--actor", "army:Army:red"], "slug:Name:#rrggbb")
    _refused(tmp_path, [*base, *area, "--zones", str(LOCALITIES)], "is a point")
    _refused(tmp_path, [*base, *area, "--zones", str(far), "--actor", "new:New:#123456"], "outside the area")
    _refused(tmp_path, [*base, *area, "--zones", str(lines)], "--zones")
    run(*base, *area)
    _refused(tmp_path, [*base, *area, "--actor", "x:X:#111111"], "already exists .*--replace")
    assert not Actor.objects.filter(slug__in=["new", "x"]).exists()
