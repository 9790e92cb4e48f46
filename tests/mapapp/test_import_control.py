"""manage.py import_control: a monitor's dated snapshots recorded as changes; idempotent; bad files refused
with nothing recorded; every format read; coarsen_zones."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zipfile
from io import StringIO

import geopandas
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from gazetteer.models import Place
from mapapp import analytics, services
from mapapp.lib import geo
from mapapp.models import ControlChange, DatePrecision, FrontSegment, Map, PocketBacklog, PocketPiece
from mapapp.selectors import zone_states_at
from mapapp.services import fronts
from mapapp.snapshots import read_snapshots
from tests.jobs import run_jobs
from tests.mapapp.test_derived_fronts import stored_rows
from tests.mapapp.test_parts import assert_edges_as_if_rebuilt, assert_tiles, grid

M2 = 1e-6


def feature_collection(*shapes, **properties):
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(shape)}
            for shape in shapes
        ],
    }


def write(path, *shapes, **properties):
    path.write_text(json.dumps(feature_collection(*shapes, **properties)))
    return path


# The rebels' ground on three dates: a column, then a bulge into the middle column, then back to the column.
DAY1 = shapely.box(0.0, 0.0, 0.01, 0.03)
DAY2 = shapely.union(DAY1, shapely.box(0.01, 0.005, 0.016, 0.022))
DAY3 = DAY1


@pytest.fixture
def snapshot_map(world, people):
    map_ = grid(world)
    return map_


def run(*args):
    out = StringIO()
    call_command("import_control", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def actor_km2(map_, on, actor_id):
    states = zone_states_at(map=map_, on=on)
    return sum(
        geo.area_km2(place.footprint)
        for place in Map.objects.get(pk=map_.pk).places.all()
        if place.pk in states and states[place.pk].actor_id == actor_id
    )


def test_snapshots_become_the_record_and_a_second_import_records_nothing(world, snapshot_map, tmp_path):
    map_ = snapshot_map
    folder = tmp_path / "monitor"
    folder.mkdir()
    write(folder / "rebels-2016-01-01.geojson", DAY1)
    with gzip.open(folder / "rebels-20160201.geojson.gz", "wt") as packed:
        packed.write(json.dumps(feature_collection(DAY2)))
    write(folder / "rebels-2016-03-01.geojson", DAY3)
    args = [folder, "--map", map_.slug, "--actor", "rebels", "--else", "army", "--publish", "--by", "rafiq"]
    out = run(*args, "--source-title", "Monitor", "--source-url", "https://example.org/monitor")
    assert "3 dates" in out
    changes = list(ControlChange.objects.order_by("date", "pk"))
    # day 1: a baseline for each side; day 2: the rebels gain the bulge; day 3: the army takes it back
    assert [(c.date.isoformat(), c.actor.slug) for c in changes] == [
        ("2016-01-01", "rebels"),
        ("2016-01-01", "army"),
        ("2016-02-01", "rebels"),
        ("2016-03-01", "army"),
    ]
    assert [c.date_precision for c in changes[:2]] == [DatePrecision.BEFORE] * 2
    assert all(c.review_state == "published" for c in changes)
    source = changes[2].sources.get()
    assert source.title == "Monitor" and source.url == "https://example.org/monitor"
    assert "2016-02-01" in source.quote and "rebels-20160201.geojson" in source.quote
    rebels, army = world.actor("rebels").pk, world.actor("army").pk
    for on, ground in ((dt.date(2016, 1, 1), DAY1), (dt.date(2016, 2, 1), DAY2), (dt.date(2016, 3, 1), DAY3)):
        assert actor_km2(map_, on, rebels) == pytest.approx(geo.area_km2(ground), abs=1 * M2)
        total = geo.area_km2(geo.to_shapely(Map.objects.get(pk=map_.pk).area))
        assert actor_km2(map_, on, army) == pytest.approx(total - geo.area_km2(ground), abs=1 * M2)
    # the bulge came and went: coarsening merged the parts of each zone back
    assert "merged back" in out
    assert Map.objects.get(pk=map_.pk).places.count() < 9 + 2 * 3
    assert_tiles(map_)
    assert_edges_as_if_rebuilt(map_)
    again = run(*args)
    assert "0 changes" in again and "3 dates already recorded" in again
    assert ControlChange.objects.count() == 4


def test_the_pockets_of_an_import_of_many_dates_are_the_workers(world, snapshot_map, tmp_path, monkeypatch):
    """Over more than fronts.INLINE_DATES dates (2 here, for three snapshots) the import derives the fronts and
    leaves the pockets of its whole record to the worker: the pockets answer works them out from the periods
    until the worker's run, which stores the rows a derivation from scratch stores."""
    monkeypatch.setattr(fronts, "INLINE_DATES", 2)
    map_ = snapshot_map
    for name, ground in (("2016-01-01", DAY1), ("2016-02-01", DAY2), ("2016-03-01", DAY3)):
        write(tmp_path / f"rebels-{name}.geojson", ground)
    days = [dt.date(2015, 12, 31), dt.date(2016, 1, 1), dt.date(2016, 2, 1), dt.date(2016, 3, 1)]
    run(tmp_path, "--map", map_.slug, "--actor", "rebels", "--else", "army", "--publish", "--by", "rafiq")
    map_ = Map.objects.get(pk=map_.pk)
    assert list(PocketBacklog.objects.filter(map=map_).values_list("valid_from", "valid_to")) == [(None, None)]
    assert not PocketPiece.objects.filter(map=map_).exists()
    assert FrontSegment.objects.filter(map=map_).exists()  # the fronts are the import's own
    recomputed = {day: analytics.pockets_geojson(map=map_, on=day, stored=False) for day in days}
    assert b'"actor":"rebels"' in recomputed[dt.date(2016, 2, 1)]
    for day in days:
        assert analytics.pockets_geojson(map=map_, on=day) == recomputed[day], day
    assert run_jobs() == 1  # the worker's pockets_catch_up_task
    assert not PocketBacklog.objects.filter(map=map_).exists()
    for day in days:
        assert analytics.pockets_geojson(map=map_, on=day, stored=True) == recomputed[day], day
    kept = stored_rows(map_)
    services.map_derived_rebuild(map=map_)
    assert stored_rows(map_) == kept


def test_drafts_by_default_and_a_dry_run_records_nothing(world, snapshot_map, tmp_path):
    map_ = snapshot_map
    write(tmp_path / "2016-01-01.geojson", DAY1)
    out = run(tmp_path / "2016-01-01.geojson", "--map", map_.slug, "--actor", "rebels", "--dry-run")
    assert out.startswith("1 snapshots") and "dry run, nothing recorded: 1 dates, 1 changes" in out
    assert not ControlChange.objects.exists()
    run(tmp_path / "2016-01-01.geojson", "--map", map_.slug, "--actor", "rebels")
    change = ControlChange.objects.get()
    assert change.review_state == "draft" and not Place.objects.filter(kind="part").exists()


@pytest.mark.parametrize(
    "name, content, error",
    [
        ("points-2016-01-01.geojson", feature_collection(shapely.Point(0.01, 0.01)), "a Point layer"),
        ("nodate.geojson", feature_collection(DAY1), "no date"),
        ("late-2030-01-01.geojson", feature_collection(DAY1), "outside the map"),
        ("broken-2016-01-01.geojson", "{not json", "not valid JSON"),
        ("empty-2016-01-01.geojson", {"type": "FeatureCollection", "features": []}, "no features"),
        (
            "null-2016-01-01.geojson",
            {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": None}]},
            "no geometry",
        ),
        ("notes-2016-01-01.txt", "hello", "not a file type"),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem_and_nothing_is_recorded(
    world, snapshot_map, tmp_path, name, content, error
):
    write(tmp_path / "good-2015-12-01.geojson", DAY1)
    bad = tmp_path / name
    bad.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(CommandError) as refused:
        run(tmp_path, "--map", snapshot_map.slug, "--actor", "rebels")
    assert error in str(refused.value) and "nothing recorded" in str(refused.value)
    assert not ControlChange.objects.exists()


def test_every_format_reads_the_same_ground(tmp_path):
    frame = geopandas.GeoDataFrame({"day": ["2016-01-01", "2016-02-01"]}, geometry=[DAY1, DAY2], crs="EPSG:4326")
    frame.iloc[:1].to_file(tmp_path / "a-2016-01-01.gpkg", driver="GPKG")
    shp = tmp_path / "shp"
    shp.mkdir()
    frame.iloc[:1].to_file(shp / "held.shp")
    with zipfile.ZipFile(tmp_path / "b-2016-01-01.zip", "w") as archive:
        for part in shp.iterdir():
            archive.write(part, part.name)
    frame.iloc[:1].to_file(tmp_path / "c-2016-01-01.kml", driver="KML")
    with zipfile.ZipFile(tmp_path / "d-2016-01-01.kmz", "w") as archive:
        archive.write(tmp_path / "c-2016-01-01.kml", "doc.kml")
    for name in ("a-2016-01-01.gpkg", "b-2016-01-01.zip", "c-2016-01-01.kml", "d-2016-01-01.kmz"):
        [snapshot] = read_snapshots([tmp_path / name])
        assert snapshot.on == dt.date(2016, 1, 1)
        assert geo.area_km2(snapshot.ground) == pytest.approx(geo.area_km2(DAY1), rel=1e-6), name
    frame.to_file(tmp_path / "many.gpkg", driver="GPKG")
    dated = read_snapshots([tmp_path / "many.gpkg"], date_field="day")
    assert [s.on for s in dated] == [dt.date(2016, 1, 1), dt.date(2016, 2, 1)]
    assert geo.area_km2(dated[1].ground) == pytest.approx(geo.area_km2(DAY2), rel=1e-6)


def test_coarsen_zones_command(world, snapshot_map, tmp_path):
    out = StringIO()
    call_command("coarsen_zones", "--map", snapshot_map.slug, stdout=out)
    assert out.getvalue().strip() == f"{snapshot_map.slug}: 9 zones -> 9 (0 merged back)"
    with pytest.raises(CommandError):
        call_command("coarsen_zones", "--map", "nope")


def test_a_band_thinner_than_twice_the_tolerance_along_a_snapshot_boundary_is_not_made_a_part(
    world, snapshot_map, tmp_path
):
    map_ = snapshot_map
    # the rebels hold the first column and a band 16 m wide along the middle column's west edge: under twice the
    # 10 m tolerance wide and all within that of the boundary, a sliver in each zone it crosses, not a part (too
    # thin to be cut well when a later front crosses it)
    day1 = shapely.union(DAY1, shapely.box(0.01, 0.0, 0.00015 + 0.01, 0.03))
    write(tmp_path / "rebels-2016-01-01.geojson", day1)
    run(tmp_path, "--map", map_.slug, "--actor", "rebels", "--else", "army", "--publish", "--by", "rafiq")
    assert not Place.objects.filter(kind="part").exists()
    # the band goes with the zones around it: the record is off by the band alone (1.6 m² a metre of front)
    rebels = world.actor("rebels").pk
    assert actor_km2(map_, dt.date(2016, 1, 1), rebels) == pytest.approx(geo.area_km2(DAY1), abs=1 * M2)
    assert_tiles(map_)


@pytest.fixture
def strip_map(world, people):
    """Two columns of three zones (1.1 km squares) with a strip 9 m wide and 3.3 km long between them (a road, or
    a band between two days' fronts), corners where the squares' corners are."""
    from gazetteer.services import place_create

    strip_east = 0.01 + 0.00008
    for row in range(3):
        world.place(f"w{row}", x=0.0, y=row * 0.01)
        world.place(f"e{row}", x=strip_east, y=row * 0.01)
    west_edge = [(0.01, y) for y in (0.0, 0.01, 0.02, 0.03)]
    east_edge = [(strip_east, y) for y in (0.03, 0.02, 0.01, 0.0)]
    strip = shapely.MultiPolygon([shapely.Polygon([*west_edge, *east_edge])])
    world.places["strip"] = place_create(slug="strip", name_en="Strip", kind="district", footprint=geo.to_geos(strip))
    world.actor("army", "#aa0000")
    world.actor("rebels", "#00aa00")
    return world.map()


def test_a_thin_zone_crossed_at_a_shallow_angle_is_cut_crosswise(world, strip_map, tmp_path):
    map_ = strip_map
    rebels = world.actor("rebels").pk
    day1 = shapely.box(0.0, 0.0, 0.01, 0.03)
    # day 2: the front crosses the strip over 200 m: west of it (the army takes 55 m of the west column) in the
    # south, east of it (the rebels take 50 m of the east column) in the north. Each end of the strip is 1.5 km
    # of it (1.3 ha) on its own side; taken whole to either side, one of them was wrong along all its length.
    day2 = shapely.Polygon([(0.0, 0.0), (0.0095, 0.0), (0.0095, 0.014), (0.0106, 0.016), (0.0106, 0.03), (0.0, 0.03)])
    write(tmp_path / "rebels-2016-01-01.geojson", day1)
    write(tmp_path / "rebels-2016-02-01.geojson", day2)
    run(tmp_path, "--map", map_.slug, "--actor", "rebels", "--else", "army", "--publish", "--by", "rafiq")
    strip_parts = Place.objects.filter(kind="part", parent=world.places["strip"])
    assert strip_parts.count() == 2
    # the record's ground is the snapshot's but for the crossing (within the tolerance of the boundary there)
    held = actor_km2(map_, dt.date(2016, 2, 1), rebels)
    assert held == pytest.approx(geo.area_km2(day2), abs=0.001)
    states = zone_states_at(map=map_, on=dt.date(2016, 2, 1))
    shown = Map.objects.get(pk=map_.pk).places.all()
    # (united on the edge grid, as bench_precision unites them: parts cut on the split grid may sit a rounding
    # error off their neighbours, and an exact union keeps such hairline cracks as boundaries)
    held_zones = [geo.to_shapely(p.footprint) for p in shown if states[p.pk].actor_id == rebels]
    ground = shapely.union_all(held_zones, grid_size=geo.EDGE_GRID)
    front = ground.boundary.difference(shapely.box(0.0, 0.0, 0.02008, 0.03).exterior.buffer(1e-7))
    truth = day2.boundary.difference(shapely.box(0.0, 0.0, 0.02008, 0.03).exterior.buffer(1e-7))
    samples = shapely.line_interpolate_point(front, [k * 0.0001 for k in range(int(front.length / 0.0001))])
    assert max(shapely.distance(samples, truth)) < geo.metres_in_degrees(25)
    assert_tiles(map_)
    assert_edges_as_if_rebuilt(map_)
