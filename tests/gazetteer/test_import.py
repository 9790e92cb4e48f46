"""import_places: real files of every supported type, written with geopandas into tmp_path, and a real extract of
the Syria gazetteer. One test per kind of bad file and bad feature, each asserting its line of the report."""

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from django.core.management import CommandError, call_command

from gazetteer.importer import ImportOptions, places_import
from gazetteer.models import Place, PlaceName
from gazetteer.services import place_create
from tests.conftest import square

DATA = Path(__file__).resolve().parents[1] / "data"

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command("import_places", *map(str, args), "--verbosity", "2", stdout=out)
    return out.getvalue().splitlines()


def refused(*args) -> str:
    before = (Place.objects.count(), PlaceName.objects.count())
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert (Place.objects.count(), PlaceName.objects.count()) == before  # nothing written
    return str(caught.value)


def box(x, y, size=0.01):
    return shapely.box(x, y, x + size, y + size)


BOWTIE = shapely.Polygon([(40.0, 35.0), (40.01, 35.01), (40.01, 35.0), (40.0, 35.01), (40.0, 35.0)])


def frame(rows, crs="EPSG:4326"):
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


# --- GeoJSON, and bad features ---------------------------------------------------------------------------


def test_geojson_polygons_and_each_kind_of_bad_feature(tmp_path):
    path = tmp_path / "districts.geojson"
    frame(
        [
            {"name": "al-Joura", "name_ar": "الجورة", "geometry": box(40.10, 35.33)},
            {"name": "Bowtie", "name_ar": None, "geometry": BOWTIE},
            {"name": "Nowhere", "name_ar": None, "geometry": None},
            {"name": "Airport road", "name_ar": None, "geometry": shapely.LineString([(40.1, 35.3), (40.2, 35.3)])},
            {"name": None, "name_ar": None, "geometry": box(40.3, 35.3)},
            {
                "name": "Flat",
                "name_ar": None,
                "geometry": shapely.Polygon([(40, 35), (40.1, 35), (40.2, 35), (40, 35)]),
            },
            {
                "name": "High",
                "name_ar": "عالي",
                "geometry": shapely.Polygon(
                    [(40.5, 35.5, 300), (40.6, 35.5, 300), (40.6, 35.6, 310), (40.5, 35.5, 300)]
                ),
            },
        ]
    ).to_file(path, driver="GeoJSON")
    lines = run(path, "--kind", "district")
    assert lines[0] == "read 7 features from districts.geojson (layer 'districts', EPSG:4326)"
    assert "created al-joura: al-Joura / الجورة" in lines
    assert "created bowtie: Bowtie" in lines
    assert 'repaired feature 2 "Bowtie": Self-intersection[40.005 35.005]' in lines
    assert 'skipped feature 3 "Nowhere": no geometry' in lines
    assert 'skipped feature 4 "Airport road": a LineString is not a place: expected a point or a polygon' in lines
    assert "skipped feature 5: no name (field 'name' or 'name_ar' is empty)" in lines
    assert (
        'skipped feature 6 "Flat": unusable geometry: no area left after repair (Self-intersection[40.1 35])' in lines
    )
    assert lines[-1] == "created 3, merged 0, repaired 1, skipped 4"
    joura = Place.objects.get(slug="al-joura")
    assert joura.footprint.geom_type == "MultiPolygon" and not joura.footprint_approximate
    assert joura.footprint_method == "imported from districts.geojson"
    assert sorted(joura.names.values_list("name", "language", "kind")) == [
        ("al-Joura", "en", "official"),
        ("الجورة", "ar", "official"),
    ]
    bowtie = Place.objects.get(slug="bowtie")
    assert bowtie.footprint.valid and len(bowtie.footprint) == 2  # the two triangles of the bow tie
    assert "repaired: Self-intersection" in bowtie.footprint_method
    high = Place.objects.get(slug="high")
    assert not high.footprint.hasz  # Z dropped


def test_an_old_geojson_crs_member_is_honoured(tmp_path):
    path = tmp_path / "mercator.geojson"
    frame([{"name": "Harabesh", "geometry": box(40.15, 35.30)}]).to_crs(3857).to_file(path, driver="GeoJSON")
    assert '"crs"' in path.read_text()  # GDAL writes the old member for a CRS other than WGS84
    lines = run(path)
    assert lines[0] == "read 1 features from mercator.geojson (layer 'mercator', EPSG:3857)"
    west, south, east, north = Place.objects.get(slug="harabesh").footprint.extent
    assert (west, south, east, north) == pytest.approx((40.15, 35.30, 40.16, 35.31), abs=1e-6)


def test_an_epsg_crs_member_of_the_2008_draft(tmp_path):
    path = tmp_path / "draft.geojson"
    x, y = 4463600.0, 4202100.0  # metres, web mercator, near Deir ez-Zor
    ring = [[x, y], [x + 1000, y], [x + 1000, y + 1000], [x, y + 1000], [x, y]]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "EPSG", "properties": {"code": 3857}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Square"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        )
    )
    run(path)
    assert Place.objects.get(slug="square").label_point.x == pytest.approx(40.1, abs=0.01)


def test_bad_json_is_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [}')
    assert refused(path) == "broken.geojson: not valid JSON: Expecting value at line 1 column 44"


def test_json_that_is_not_geojson(tmp_path):
    path = tmp_path / "list.json"
    path.write_text('[{"name": "Jura"}]')
    assert refused(path) == "list.json: JSON, but not GeoJSON (no FeatureCollection, Feature or geometry)"


def test_an_unknown_crs_is_refused(tmp_path):
    path = tmp_path / "odd.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "X"},
                        "geometry": {"type": "Point", "coordinates": [1, 2]},
                    }
                ],
            }
        )
    )
    assert refused(path) == (
        "odd.geojson: unknown CRS 'urn:ogc:def:crs:EPSG::999999' in its crs member (say which with --srid)"
    )
    assert refused(path, "--srid", "999999") == "unknown CRS EPSG:999999 (--srid)"


def test_coordinates_that_are_not_lon_lat_are_skipped(tmp_path):
    path = tmp_path / "metres.geojson"  # metres written as if they were degrees: a wrong or missing CRS
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Far"},
                        "geometry": {"type": "Point", "coordinates": [4463600, 4202100]},
                    }
                ],
            }
        )
    )
    lines = run(path)
    assert 'skipped feature 1 "Far": coordinates outside longitude/latitude: is the CRS right? (--srid)' in lines
    lines = run(path, "--srid", "3857")
    assert "created far: Far" in lines


# --- Shapefile -------------------------------------------------------------------------------------------


def _shapefile(tmp_path, name="zones"):
    path = tmp_path / f"{name}.shp"
    utm = frame([{"name": "al-Qusour", "name_ar": "القصور", "geometry": box(40.12, 35.33)}]).to_crs(32637)
    utm.to_file(path, driver="ESRI Shapefile", encoding="utf-8")
    return path


def test_a_shapefile_in_utm_is_reprojected(tmp_path):
    lines = run(_shapefile(tmp_path), "--kind", "district")
    assert lines[0] == "read 1 features from zones.shp (layer 'zones', EPSG:32637)"
    qusour = Place.objects.get(slug="al-qusour")
    assert qusour.name_ar == "القصور"
    assert qusour.footprint.extent == pytest.approx((40.12, 35.33, 40.13, 35.34), abs=1e-6)


def test_a_zipped_shapefile(tmp_path):
    shp = _shapefile(tmp_path)
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("zones.*"):
            if part != archive:
                zipped.write(part, f"export/{part.name}")
    assert shp.exists()
    lines = run(archive)
    assert lines[0] == "read 1 features from zones.zip (layer 'zones', EPSG:32637)"
    assert "created al-qusour: al-Qusour / القصور" in lines


def test_a_shapefile_without_its_shp(tmp_path):
    shp = _shapefile(tmp_path)
    shp.unlink()
    assert (
        refused(shp)
        == "zones.shp is missing: a shapefile needs its .shp (found zones.cpg, zones.dbf, zones.prj, zones.shx)"
    )
    assert refused(tmp_path / "zones.dbf") == "zones.shp is missing: a shapefile needs its .shp beside zones.dbf"


def test_a_zip_without_the_shp(tmp_path):
    shp = _shapefile(tmp_path)
    archive = tmp_path / "parts.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(tmp_path.glob("zones.*")):
            if part != shp:
                zipped.write(part, part.name)
    assert (
        refused(archive)
        == "parts.zip holds a shapefile without its .shp (found zones.cpg, zones.dbf, zones.prj, zones.shx)"
    )


def test_a_shapefile_without_its_prj_needs_srid(tmp_path):
    shp = _shapefile(tmp_path)
    (tmp_path / "zones.prj").unlink()
    assert refused(shp) == "zones.shp says nothing of its coordinate system (a shapefile's .prj?); use --srid"
    lines = run(shp, "--srid", "32637")
    assert lines[-1] == "created 1, merged 0, repaired 0, skipped 0"


def test_a_shapefile_with_a_garbled_prj(tmp_path):
    shp = _shapefile(tmp_path)
    (tmp_path / "zones.prj").write_text('PROJCS["nonsense",GEOGCS["nothing"]]')
    assert refused(shp) in (
        "zones.shp says nothing of its coordinate system (a shapefile's .prj?); use --srid",
        "zones.shp: unknown CRS (missing CONVERSION node); say which with --srid",
    )


def test_not_a_zip(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_text("hello")
    assert refused(path) == "fake.zip: not a zip file"


def test_an_unsupported_file_type(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Jura")
    assert refused(path).startswith("notes.txt: not a file type this imports (use .geojson, .json, .shp")


# --- KML, GeoPackage, CSV --------------------------------------------------------------------------------


def test_kml(tmp_path):
    path = tmp_path / "places.kml"
    rows = [
        {"Name": "Jabal al-Tharda", "geometry": box(40.10, 35.23, 0.04)},
        {"Name": "Ayyash", "geometry": shapely.Point(40.053, 35.42)},
    ]
    frame(rows).to_file(path, driver="KML")
    lines = run(path)
    assert "created jabal-al-tharda: Jabal al-Tharda" in lines
    assert "created ayyash: Ayyash" in lines
    assert "approximate footprints: 1 (circles sized by kind)" in lines


def test_geopackage_layers(tmp_path):
    path = tmp_path / "atlas.gpkg"
    frame([{"name": "Harabesh", "geometry": box(40.15, 35.30)}]).to_file(path, layer="districts", driver="GPKG")
    frame([{"name": "Ayyash", "geometry": shapely.Point(40.053, 35.42)}]).to_file(path, layer="villages", driver="GPKG")
    assert refused(path) == "atlas.gpkg has 2 layers; choose one with --layer (districts, villages)"
    assert refused(path, "--layer", "roads") == "atlas.gpkg has no layer 'roads' (layers: districts, villages)"
    lines = run(path, "--layer", "villages", "--kind", "village")
    assert lines[0] == "read 1 features from atlas.gpkg (layer 'villages', EPSG:4326)"
    ayyash = Place.objects.get(slug="ayyash")
    assert ayyash.kind == "village" and ayyash.footprint_approximate
    assert ayyash.area_km2 == pytest.approx(3.14159 * 0.6**2, rel=0.02)  # a 600 m circle for a village


def test_csv_with_wkt_and_bad_rows(tmp_path):
    path = tmp_path / "zones.csv"
    rows = [
        {"name": "al-Joura", "name_ar": "الجورة", "wkt": box(40.10, 35.33).wkt},
        {"name": "Broken", "name_ar": "", "wkt": "POLYGON((40 35, 40.1"},
        {"name": "Empty", "name_ar": "", "wkt": ""},
    ]
    pd.DataFrame(rows).to_csv(path, index=False)  # quotes the WKT's commas
    lines = run(path)
    assert lines[0] == "read 3 features from zones.csv (EPSG:4326)"
    assert "created al-joura: al-Joura / الجورة" in lines
    assert "skipped feature 2 \"Broken\": wkt is not WKT: 'POLYGON((40 35, 40.1'" in lines
    assert 'skipped feature 3 "Empty": no geometry' in lines


def test_csv_with_lat_lon(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("name,latitude,longitude\nAyyash,35.4202,40.0530\nSomewhere,north,40.1\n", encoding="utf-8")
    lines = run(path, "--kind", "village")
    assert "created ayyash: Ayyash" in lines
    assert "skipped feature 2 \"Somewhere\": latitude/longitude are not numbers: 'north', '40.1'" in lines
    assert Place.objects.get(slug="ayyash").label_point.coords == pytest.approx((40.053, 35.4202))


def test_csv_without_geometry_columns(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,notes\nJura,west\n")
    assert refused(path) == (
        "names.csv: no geometry columns: expected a WKT column (wkt, geometry, geom) or latitude and longitude "
        "columns (lat/lon, latitude/longitude); found name, notes"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--parent", "nowhere"], "no place 'nowhere' to be the parent (--parent)"),
        (["--kind", "castle"], "unknown kind 'castle' (one of city, town, village"),
        (["--name-field", "title"], "no field 'title' for --name-field (fields: name)"),
    ],
)
def test_bad_options(tmp_path, args, message):
    path = tmp_path / "one.geojson"
    frame([{"name": "Jura", "geometry": box(40.1, 35.3)}]).to_file(path, driver="GeoJSON")
    assert refused(path, *args).startswith(message)


# --- merging, footprints from points, dry run ------------------------------------------------------------


def test_a_new_spelling_of_a_known_place_is_merged(tmp_path):
    joura = place_create(
        slug="al-joura", name_en="al-Joura", name_ar="الجورة", kind="district", footprint=square(40.10, 35.33)
    )
    path = tmp_path / "survey.geojson"
    frame(
        [
            {
                "name": "Jura",
                "name_ar": "حي الجورة",
                "geometry": box(40.101, 35.331, 0.012),
            },  # overlaps: the same place
            {"name": "Jura", "name_ar": None, "geometry": box(41.0, 36.0)},  # same name, elsewhere: another place
            {"name": "al-Joura", "name_ar": None, "geometry": shapely.Point(40.105, 35.335)},  # inside, nothing new
        ]
    ).to_file(path, driver="GeoJSON")
    lines = run(path, "--kind", "district")
    assert (
        "merged feature 1 \"Jura\" into al-joura: added 'Jura' (en), 'حي الجورة' (ar); "
        "footprint replaced (it was approximate)" in lines
    )
    assert "created jura: Jura" in lines
    assert 'merged feature 3 "al-Joura" into al-joura: nothing new' in lines
    joura.refresh_from_db()
    assert not joura.footprint_approximate
    assert joura.footprint.extent == pytest.approx((40.101, 35.331, 40.113, 35.343))
    assert set(joura.names.values_list("name", "kind")) >= {("Jura", "variant"), ("حي الجورة", "variant")}


def test_a_place_of_another_kind_is_not_merged(tmp_path):
    place_create(slug="deir-ez-zor", name_en="Deir ez-Zor", kind="city", footprint=square(40.08, 35.30, 0.1))
    path = tmp_path / "admin.geojson"
    frame([{"name": "Deir-ez-Zor", "geometry": box(39.5, 35.0, 1.0)}]).to_file(path, driver="GeoJSON")
    lines = run(path, "--kind", "region")
    assert "created deir-ez-zor-2: Deir-ez-Zor" in lines


def test_points_get_voronoi_cells_within_their_parent(tmp_path):
    place_create(slug="district", name_en="District", kind="region", footprint=square(40.0, 35.0, 0.1))
    path = tmp_path / "villages.geojson"
    points = [(40.02, 35.05), (40.08, 35.05), (40.05, 35.2)]  # the last is outside the district
    frame([{"name": f"Village {i}", "geometry": shapely.Point(p)} for i, p in enumerate(points, 1)]).to_file(path)
    lines = run(path, "--parent", "district", "--kind", "village")
    assert "approximate footprints: 2 (Voronoi cells within district)" in lines
    assert "approximate footprints: 1 (circles sized by kind)" in lines
    assert 'note feature 3 "Village 3": the point is outside district: a circle instead' in lines
    west, east = Place.objects.get(slug="village-1"), Place.objects.get(slug="village-2")
    assert west.parent.slug == "district" and west.footprint_approximate
    assert west.footprint.extent == pytest.approx((40.0, 35.0, 40.05, 35.1))  # split halfway between the points
    assert east.footprint.extent == pytest.approx((40.05, 35.0, 40.1, 35.1))
    assert west.footprint_method == "Voronoi cell of the point within district (approximate)"


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "one.geojson"
    frame([{"name": "Jura", "geometry": box(40.1, 35.3)}]).to_file(path, driver="GeoJSON")
    lines = run(path, "--dry-run")
    assert lines[-2:] == ["created 1, merged 0, repaired 0, skipped 0", "dry run: nothing was written"]
    assert not Place.objects.exists() and not PlaceName.objects.exists()


# --- a real extract of the Syria gazetteer ---------------------------------------------------------------


def test_the_deir_ez_zor_district_from_whos_on_first(demo, tmp_path, capsys, client):
    district = run(DATA / "syria-deir-ez-zor-district.geojson", "--kind", "region")
    assert district[-1] == "created 1, merged 0, repaired 0, skipped 0"
    report = places_import(
        path=DATA / "syria-deir-ez-zor-district-localities.geojson",
        options=ImportOptions(parent="deir-ez-zor-2"),
        progress=True,
    )
    assert "203/203" in capsys.readouterr().err  # the progress bar
    lines = report.lines()
    assert report.summary == "created 197, merged 6, repaired 0, skipped 0"
    assert [line for line in lines if line.startswith("merged")] == [
        "merged feature 112 \"Junaynah\" into jnena: added 'جنينة' (ar)",
        "merged feature 126 \"`Ayyash\" into ayyash: added '‘Ayyāsh' (en)",
        "merged feature 141 \"Safat az Zur\" into saffat-az-zirr: added 'Safat az Zur' (en)",  # twice in the file
        "merged feature 164 \"Bughayliyah\" into al-baghiliyah: added 'بغيلية' (ar)",
        "merged feature 166 \"Al Husayniyah\" into al-husseiniyah: added 'Al Husayniyah' (en)",
        'merged feature 203 "Dayr al-Zawr" into deir-ez-zor: nothing new',  # the demo city, by its Arabic name
    ]
    # Real data is untidy: an Arabic name field in Latin script is kept as a variant, and said so.
    assert "note feature 161 \"Jasim\": name_ar 'Jāsim' is not in Arabic script: kept as a variant" in lines
    assert "approximate footprints: 197 (Voronoi cells within deir-ez-zor-2)" in lines
    busayrah = Place.objects.get(slug="al-busayrah")
    assert (busayrah.name_en, busayrah.name_ar, busayrah.kind) == ("Al Busayrah", "البصيرة", "locality")
    assert set(busayrah.names.values_list("name", flat=True)) == {"Al Busayrah", "البصيرة", "Circesium", "قرقيسيا"}
    assert busayrah.footprint_approximate and busayrah.parent.slug == "deir-ez-zor-2"
    assert busayrah.footprint.contains(busayrah.label_point)
    for q in ("Al Busayrah", "البصيرة", "Busayra", "Circesium"):
        response = client.get("/api/v1/places", {"q": q})
        assert response.json()["results"][0]["slug"] == "al-busayrah", q


def test_a_multipoint_and_an_overlong_name_are_skipped(tmp_path):
    path = tmp_path / "odd.geojson"
    frame(
        [
            {"name": "Scattered farms", "geometry": shapely.MultiPoint([(40.1, 35.3), (40.2, 35.4)])},
            {"name": "X" * 201, "geometry": box(40.1, 35.3)},
            {"name": "Lone well", "geometry": shapely.MultiPoint([(40.3, 35.3)])},  # one point: a point
        ]
    ).to_file(path, driver="GeoJSON")
    lines = run(path)
    assert 'skipped feature 1 "Scattered farms": a MultiPoint is not a place: expected a point or a polygon' in lines
    assert f'skipped feature 2 "{"X" * 201}": a name longer than 200 characters' in lines
    assert "created lone-well: Lone well" in lines
    assert lines[-1] == "created 1, merged 0, repaired 0, skipped 2"


def test_control_characters_in_names_read_as_spaces(tmp_path):
    """A NUL in a CSV name (PostgreSQL cannot store one) or a stray tab becomes a space, on both databases."""
    path = tmp_path / "nul.csv"
    rows = [{"name": "Old\u0000Market\t", "name_ar": "السوق\u0000القديم", "wkt": box(40.1, 35.3).wkt}]
    pd.DataFrame(rows).to_csv(path, index=False)
    assert "\u0000" in path.read_text()
    lines = run(path)
    assert lines[-1] == "created 1, merged 0, repaired 0, skipped 0"
    assert "created old-market: Old Market / السوق القديم" in lines
    assert Place.objects.get(slug="old-market").name_ar == "السوق القديم"


# --- files found in the field: QA pass ------------------------------------------------------------------


def test_a_shapefile_without_its_dbf(tmp_path):
    shp = _shapefile(tmp_path)
    (tmp_path / "zones.dbf").unlink()
    assert refused(shp) == "zones.dbf is missing: a shapefile keeps its names in the .dbf beside zones.shp"
    archive = tmp_path / "parts.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(tmp_path.glob("zones.*")):
            zipped.write(part, part.name)
    assert refused(archive) == (
        "parts.zip holds a shapefile without its .dbf, which keeps its names "
        "(found zones.cpg, zones.prj, zones.shp, zones.shx)"
    )


def test_an_arabic_windows_dbf_without_a_cpg_is_read_in_its_code_page(tmp_path):
    path = tmp_path / "villages.shp"
    rows = [{"name": "Mohassan", "name_ar": "موحسن", "geometry": box(40.23, 35.23)}]
    frame(rows).to_file(path, driver="ESRI Shapefile", encoding="cp1256")
    (tmp_path / "villages.cpg").unlink(missing_ok=True)
    lines = run(path, "--kind", "village")
    assert "created mohassan: Mohassan / موحسن" in lines
    assert Place.objects.get(slug="mohassan").name_ar == "موحسن"


def test_a_latin_dbf_without_a_cpg_is_left_alone(tmp_path):
    path = tmp_path / "villages.shp"
    frame([{"name": "Sainte-Hélène", "geometry": box(40.23, 35.23)}]).to_file(path, encoding="ISO-8859-1")
    (tmp_path / "villages.cpg").unlink(missing_ok=True)
    assert "created sainte-helene: Sainte-Hélène" in run(path, "--kind", "village")


def test_an_empty_feature_collection(tmp_path):
    path = tmp_path / "nothing.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    assert refused(path) == "nothing.geojson: layer 'nothing' has no features"


def test_a_csv_with_only_a_header(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("name,lat,lon\n")
    assert refused(path) == "villages.csv: no rows under its header"


def test_a_csv_with_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("name;name_ar;lat;lon\nKhasham;خشام;35,2902;40,2901\n", encoding="utf-8")
    assert "created khasham: Khasham / خشام" in run(path, "--kind", "village")
    assert Place.objects.get(slug="khasham").label_point.coords == pytest.approx((40.2901, 35.2902))


def test_a_csv_in_an_arabic_windows_code_page(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_bytes("name,name_ar,lat,lon\nAyyash,عياش,35.42,40.05\n".encode("cp1256"))
    assert refused(path).startswith("villages.csv: not UTF-8 text (")
    assert refused(path).endswith("); save it as CSV UTF-8 and import it again")


KML_FOLDERS = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Siege</name>
<Folder><name>Villages</name>
  <Placemark><name>Mohassan</name><Point><coordinates>40.3,35.23</coordinates></Point></Placemark>
  <Folder><name>Hills</name>
    <Placemark><name>Jabal Bishri</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
      40.10,35.23 40.14,35.23 40.14,35.25 40.10,35.25 40.10,35.23</coordinates></LinearRing></outerBoundaryIs></Polygon>
    </Placemark>
  </Folder>
  <Folder><name>Empty</name></Folder>
</Folder></Document></kml>"""


def test_a_kml_with_nested_folders_is_read_whole(tmp_path):
    path = tmp_path / "siege.kml"
    path.write_text(KML_FOLDERS, encoding="utf-8")
    lines = run(path)
    assert lines[0] == "read 2 features from siege.kml (layer 'Villages, Hills', EPSG:4326)"
    assert "created mohassan: Mohassan" in lines
    assert "created jabal-bishri: Jabal Bishri" in lines


def test_a_kml_whose_folders_are_all_empty(tmp_path):
    path = tmp_path / "empty.kml"
    path.write_text(KML_FOLDERS.split("<Folder><name>Villages")[0] + "<Folder><name>A</name></Folder>"
                    "<Folder><name>B</name></Folder></Document></kml>")  # fmt: skip
    assert refused(path) == "empty.kml: none of its folders (A, B) has features"


def test_a_district_inside_the_governorate_of_its_name_is_not_merged_into_it(tmp_path):
    # Who's On First names most districts after their governorate (placetype region and county, both "region"
    # here); each lies inside it. They are two places; one outline traced again a little off is still one.
    path = tmp_path / "admin.geojson"
    rows = [
        {"name": "Daraa Governorate", "variants": "Daraa", "geometry": box(36.0, 32.5, 1.0)},
        {"name": "Daraa", "geometry": box(36.0, 32.5, 0.6)},  # 36% of the governorate
        {"name": "Daraa", "geometry": box(36.02, 32.5, 0.6)},  # the district again: 97% of it shared
    ]
    frame(rows).to_file(path, driver="GeoJSON")
    lines = run(path, "--kind", "region")
    assert "created daraa-governorate: Daraa Governorate" in lines
    assert "created daraa: Daraa" in lines
    assert 'merged feature 3 "Daraa" into daraa: nothing new' in lines
    assert lines[-1] == "created 2, merged 1, repaired 0, skipped 0"


def test_direction_marks_around_a_name_are_not_a_new_spelling(tmp_path):
    place_create(slug="khasham", name_en="Khasham", name_ar="خشام", kind="village", footprint=square(40.29, 35.29))
    path = tmp_path / "pasted.geojson"
    rows = [{"name": "\u200f\u200fخشام\u200f", "geometry": shapely.Point(40.295, 35.295)}]
    frame(rows).to_file(path, driver="GeoJSON")
    assert 'merged feature 1 "خشام" into khasham: nothing new' in run(path, "--kind", "village")
    assert set(PlaceName.objects.filter(place__slug="khasham").values_list("name", flat=True)) == {"Khasham", "خشام"}


def test_a_bare_geometry_has_a_feature_but_no_name(tmp_path):
    path = tmp_path / "bare.geojson"
    path.write_text('{"type": "Point", "coordinates": [40.3, 35.4]}')
    assert refused(path).startswith("no name field: expected one of name_en, name,")


# --- A size limit before reading (issue 14) ----------------------------------------------------------------------


def test_a_file_over_the_size_limit_needs_max_size(tmp_path, settings):
    settings.IMPORT_MAX_MB = 1
    feature = {"type": "Feature", "properties": {"name": "Jura"}, "geometry": shapely.geometry.mapping(box(40, 35))}
    text = json.dumps({"type": "FeatureCollection", "features": [feature]})
    path = tmp_path / "big.geojson"
    path.write_text(text + " " * (1536 * 1024))  # 1.5 MB of valid GeoJSON (trailing whitespace)
    message = refused(path, "--kind", "district")
    assert message == (
        "big.geojson is 2 MB, more than the 1 MB limit (IMPORT_MAX_MB); reading it takes about 20 times its size "
        "in memory. To import it anyway: --max-size 2"
    )
    assert "created jura: Jura" in run(path, "--kind", "district", "--max-size", "2")
    assert Place.objects.filter(slug="jura").exists()


def test_an_unreadable_file_is_named_without_its_folder(tmp_path):
    path = tmp_path / "survey.gpkg"
    path.write_bytes(b"SQLite format 3\x00 but not a GeoPackage at all")
    message = refused(path)
    assert message.startswith("survey.gpkg: cannot be read ('survey.gpkg' not recognized")
    assert str(tmp_path) not in message
