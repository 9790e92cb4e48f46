"""Place.footprint_geojson is the footprint's GeoJSON as the zones answer sends it, written by the database with
every write of the footprint (a generated column): after a place is made, its footprint replaced (one place, or
many at once), and a zone split by a change's ground, the stored text equals ST_AsGeoJSON of the footprint as it
is now, on both databases."""

import datetime as dt

import orjson
import pytest
import shapely
from django.contrib.gis.geos import Point

from gazetteer import services as gazetteer_services
from gazetteer.models import Place
from mapapp import selectors, services, standards
from mapapp.lib import geo

SIZE = 0.01


def box(x0, y0, x1, y1):
    return geo.to_geos(shapely.MultiPolygon([shapely.box(x0, y0, x1, y1)]))


def assert_stored_text_is_recomputed(places=None):
    """Every place's stored text equals the database's GeoJSON of its footprint, computed on the spot."""
    rows = (
        (places if places is not None else Place.objects.all())
        .annotate(now=standards.as_geojson("footprint", precision=selectors.GEOJSON_PRECISION))
        .values_list("slug", "footprint_geojson", "now")
    )
    rows = list(rows)
    assert rows
    for slug, stored, now in rows:
        assert stored == now, slug


@pytest.fixture
def grid(world):
    for col in range(3):
        for row in range(3):
            world.place(f"g{col}{row}", x=col * SIZE, y=row * SIZE, size=SIZE)
    world.actor("army", "#aa0000")
    world.actor("rebels", "#00aa00")
    map_ = world.map()
    world.change("2015-01-10", list(world.places), "army")
    return map_


def test_a_new_place_has_its_footprints_geojson_and_a_place_without_one_has_none(world):
    place = world.place("square", x=1.0, y=2.0, size=0.5)
    point_only = gazetteer_services.place_create(slug="point", name_en="Point", label_point=Point(3, 4, srid=4326))
    assert_stored_text_is_recomputed()
    stored = Place.objects.values_list("footprint_geojson", flat=True)
    assert orjson.loads(stored.get(pk=place.pk)) == {
        "type": "MultiPolygon",
        "coordinates": [[[[1.0, 2.0], [1.5, 2.0], [1.5, 2.5], [1.0, 2.5], [1.0, 2.0]]]],
    }
    assert stored.get(pk=point_only.pk) is None


def test_a_clockwise_footprint_is_stored_wound_as_rfc_7946_says(world):
    clockwise = geo.to_geos(shapely.MultiPolygon([shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])]))
    place = gazetteer_services.place_create(slug="cw", name_en="Clockwise", footprint=clockwise)
    text = Place.objects.values_list("footprint_geojson", flat=True).get(pk=place.pk)
    [(exterior, signed_area)] = standards.ring_signed_areas(orjson.loads(text))
    assert exterior and signed_area > 0
    assert_stored_text_is_recomputed()


def test_a_replaced_footprint_is_written_again(world, grid):
    place = world.places["g00"]
    before = Place.objects.values_list("footprint_geojson", flat=True).get(pk=place.pk)
    gazetteer_services.place_update(
        place=place,
        name_en=place.name_en,
        kind=place.kind,
        footprint=box(0, 0, 0.012, SIZE),
        footprint_approximate=True,
    )
    after = Place.objects.values_list("footprint_geojson", flat=True).get(pk=place.pk)
    assert after != before and shapely.from_geojson(after).equals(shapely.box(0, 0, 0.012, SIZE))
    # Many at once (a part cut again keeps the piece outside): plain UPDATEs, the column written all the same.
    gazetteer_services.places_reshape(
        reshaped=[(world.places["g10"], box(0.012, 0, 0.02, SIZE)), (world.places["g20"], box(0.02, 0, 0.031, SIZE))]
    )
    reshaped = Place.objects.values_list("footprint_geojson", flat=True).get(slug="g20")
    assert shapely.from_geojson(reshaped).equals(shapely.box(0.02, 0, 0.031, SIZE))
    assert_stored_text_is_recomputed()


def test_a_zone_split_by_a_changes_ground_has_parts_with_their_own_text(world, grid):
    services.control_change_record(
        on=dt.date(2016, 6, 1),
        actor=world.actor("rebels"),
        sources=[world.source],
        geometry=box(0.01, 0.01, 0.014, 0.02),
        map=grid,
        publish=True,
    )
    parts = Place.objects.filter(kind="part")
    assert parts.count() == 2
    assert_stored_text_is_recomputed()
    # and the zones answer sends that text, unchanged
    answer = orjson.loads(selectors.zones_geojson(map=grid, on=dt.date(2016, 6, 2)))
    stored = dict(Place.objects.values_list("slug", "footprint_geojson"))
    assert {f["id"] for f in answer["features"]} >= set(parts.values_list("slug", flat=True))
    for feature in answer["features"]:
        assert feature["geometry"] == orjson.loads(stored[feature["id"]])
